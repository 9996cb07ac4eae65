//! The reader suite over the adapter protocol: every reader scenario
//! against the reference reader served on 127.0.0.1 (`myna_reader::protocol`,
//! what `reader serve` runs), with the eligibility service over HTTP and
//! the reader's card hosted by the harness (`--card vpcd`'s provider)
//! behind a vpcd the test plays itself, so the card-trace scenarios run
//! too and need no pcscd (reader_pcsc.rs runs the same through pcscd).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use myna_conform::families::{families, families_with, Providers, Targets};
use myna_engine::{load_suite, run_scenario};
use myna_family_oqs::HttpOqs;
use myna_family_reader::TcpReader;
use myna_reader::protocol::{serve, ClientOptions, EmuFactory, ServeConfig};
use myna_report::Verdict;

fn reader_scenarios() -> Vec<myna_scenario::Scenario> {
    common::enter_root().unwrap();
    let suite = load_suite(
        &[PathBuf::from("scenarios/reader")],
        Path::new("scenarios/requirements.yaml"),
        &families(&Targets::default()),
    )
    .map_err(|p| format!("{:?}", p.diagnostics))
    .unwrap();
    suite.scenarios
}

/// The test plays vpcd (pcscd's side of the vsmartcard protocol): the
/// harness's hosted card dials it, and the served reader's card sends its
/// APDUs down that connection, as pcscd would forward a PC/SC client's.
mod fake_vpcd {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use myna_card_emu::persona::text_ap::TEXT_AP_AID;
    use myna_card_emu::persona::JPKI_AP_AID;
    use myna_card_emu::vpcd::frame::{write_frame, FrameReader, Polled};
    use myna_family_card::target::{CardTarget, CardTargetInfo, PowerEvent, TransportError};
    use myna_oqs::{HttpTarget, OqsTarget};
    use myna_reader::protocol::CardFactory;

    pub struct Link {
        stream: TcpStream,
        frames: FrameReader,
    }

    impl Link {
        fn send(&mut self, payload: &[u8]) -> Result<Vec<u8>, TransportError> {
            write_frame(&mut self.stream, payload)
                .map_err(|e| TransportError::Other(e.to_string()))?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                match self.frames.poll(&mut self.stream) {
                    Ok(Polled::Frame(answer)) => return Ok(answer),
                    Ok(Polled::Idle) => {}
                    Ok(Polled::Closed) => break,
                    Err(e) => return Err(TransportError::Other(e.to_string())),
                }
            }
            Err(TransportError::Timeout(
                "the hosted card did not answer".into(),
            ))
        }
    }

    /// Listens; the returned receiver yields the link once the hosted card
    /// has connected and answered a get-ATR (what the provider waits for).
    pub fn listen() -> (String, mpsc::Receiver<Link>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(50)))
                .unwrap();
            let mut link = Link {
                stream,
                frames: FrameReader::new(),
            };
            // pcscd powers a new card up (no answer), then reads its ATR.
            write_frame(&mut link.stream, &[0x01]).unwrap();
            link.stream.flush().unwrap();
            // The ATR read after the power-up, and the next presence poll.
            for _ in 0..2 {
                let atr = link.send(&[0x04]).unwrap();
                assert!(atr.len() > 2, "{atr:02X?}");
            }
            let _ = tx.send(link);
        });
        (addr, rx)
    }

    /// The served reader's card: the hosted card through the link; with
    /// `snoop`, a reader that also selects the 券面事項入力補助AP (which
    /// holds the My Number) before each JPKI selection.
    pub struct LinkedCard {
        pub link: Arc<Mutex<Link>>,
        pub snoop: bool,
    }

    impl CardTarget for LinkedCard {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            let mut link = self.link.lock().unwrap();
            let selects_jpki = command.get(1..3) == Some(&[0xA4, 0x04][..])
                && command.get(5..) == Some(&JPKI_AP_AID[..]);
            if self.snoop && selects_jpki {
                let mut select = vec![0x00, 0xA4, 0x04, 0x0C, TEXT_AP_AID.len() as u8];
                select.extend_from_slice(&TEXT_AP_AID);
                link.send(&select)?;
            }
            link.send(command)
        }
        fn power(&mut self, _: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
            Err(TransportError::Unsupported("a shared card".into()))
        }
        fn info(&self) -> CardTargetInfo {
            CardTargetInfo::default()
        }
        fn capabilities(&self) -> Vec<String> {
            Vec::new()
        }
    }

    pub struct LinkedFactory {
        pub link: Arc<Mutex<Link>>,
        /// The smartphone card's link (the second vpcd slot).
        pub phone: Arc<Mutex<Link>>,
        pub snoop: bool,
        pub oqs: String,
    }

    impl CardFactory for LinkedFactory {
        fn card(&mut self, _: Option<&str>) -> Result<Box<dyn CardTarget + Send>, String> {
            Ok(Box::new(LinkedCard {
                link: Arc::clone(&self.link),
                snoop: self.snoop,
            }))
        }
        fn phone(&mut self, _: Option<&str>) -> Result<Option<Box<dyn CardTarget + Send>>, String> {
            Ok(Some(Box::new(LinkedCard {
                link: Arc::clone(&self.phone),
                snoop: false,
            })))
        }
        fn eligibility(&mut self) -> Result<Box<dyn OqsTarget + Send>, String> {
            HttpTarget::connect(&self.oqs)
                .map(|t| Box::new(t) as Box<dyn OqsTarget + Send>)
                .map_err(|e| e.to_string())
        }
    }
}

/// Runs `scenarios` over TCP against the reference reader served in
/// process (faulty with `snoop`), its card and the holder's smartphone card
/// hosted by the harness behind two test-played vpcd slots, so
/// `reader.card-trace` and `card.phone` are declared; each scenario's id,
/// verdict and message.
fn run_over_tcp_with_hosted_card(
    scenarios: &[myna_scenario::Scenario],
    snoop: bool,
) -> Vec<(String, Verdict, String)> {
    use myna_family_card::target::{EmuProvider, VpcdAddresses, VpcdHostProvider};
    let oqs =
        myna_oqs::spawn_background("127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    let (vpcd, linked) = fake_vpcd::listen();
    let (phone_vpcd, phone_linked) = fake_vpcd::listen();
    let addresses = VpcdAddresses {
        card: vpcd,
        phone: Some(phone_vpcd),
    };
    let card = VpcdHostProvider::start_with_phone(&addresses, EmuProvider::new("vectors/personas"))
        .unwrap();
    let take = |linked: std::sync::mpsc::Receiver<fake_vpcd::Link>| {
        std::sync::Arc::new(std::sync::Mutex::new(
            linked
                .recv_timeout(std::time::Duration::from_secs(10))
                .unwrap(),
        ))
    };
    let factory = fake_vpcd::LinkedFactory {
        link: take(linked),
        phone: take(phone_linked),
        snoop,
        oqs: oqs.url(),
    };
    let server = serve(
        "127.0.0.1:0".parse().unwrap(),
        ServeConfig::default(),
        Box::new(factory),
    )
    .unwrap();
    let reader = TcpReader::connect(&server.url(), ClientOptions::default())
        .unwrap()
        .with_card_trace();
    let providers = Providers {
        card: Some(Box::new(card)),
        oqs: Some(Box::new(HttpOqs::connect(&oqs.url()).unwrap())),
        reader: Some(Box::new(reader)),
        ..Providers::default()
    };
    let mut families = families_with(providers, &Targets::default());
    scenarios
        .iter()
        .map(|scenario| {
            let report = run_scenario(scenario, &mut families).report;
            (
                scenario.id.clone(),
                report.verdict,
                report.message.unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn every_reader_scenario_passes_over_tcp_the_card_trace_included() {
    let scenarios = reader_scenarios();
    assert!(
        scenarios.len() >= 50,
        "{} reader scenarios",
        scenarios.len()
    );
    let traced = scenarios
        .iter()
        .filter(|s| s.applies_if.iter().any(|c| c == "reader.card-trace"))
        .count();
    assert!(traced >= 5, "{traced} card-trace scenarios");
    let phone = scenarios
        .iter()
        .filter(|s| s.applies_if.iter().any(|c| c == "card.phone"))
        .count();
    assert!(phone >= 8, "{phone} smartphone-card scenarios");
    let problems: Vec<_> = run_over_tcp_with_hosted_card(&scenarios, false)
        .into_iter()
        .filter(|(_, verdict, _)| *verdict != Verdict::Pass)
        .map(|(id, verdict, message)| format!("{id}: {} {message}", verdict.as_str()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_reader_that_reads_the_my_number_fails_the_trace_scenarios_over_tcp() {
    let scenarios: Vec<_> = reader_scenarios()
        .into_iter()
        .filter(|s| s.id.starts_with("reader.trace.") || s.id == "reader.pin.wrong-then-right")
        .collect();
    assert!(scenarios.len() >= 4, "{}", scenarios.len());
    for (id, verdict, message) in run_over_tcp_with_hosted_card(&scenarios, true) {
        let expected = if id.starts_with("reader.trace.") {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        assert_eq!(verdict, expected, "{id}: {message}");
    }
}

#[test]
fn fuzz_over_tcp_catches_a_served_faulty_reader() {
    use myna_reader::fuzz::{fuzz, Local, Remote};
    common::enter_root().unwrap();
    let persona =
        myna_card_emu::persona::Persona::load_named(Path::new("vectors/personas"), "taro").unwrap();
    let oqs =
        myna_oqs::spawn_background("127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    // The sound reader also in the smartphone flow: the served reader's
    // phone is the persona's own card (its PIN and counter), as the model's.
    for (defect, must_find, with_phone) in [
        (None, false, false),
        (None, false, true),
        (Some(myna_reader::Defect::ConsentOnRemoval), true, false),
        (Some(myna_reader::Defect::RetriesWrongPin), true, false),
    ] {
        let factory = EmuFactory {
            personas: PathBuf::from("vectors/personas"),
            default_persona: "taro".into(),
            oqs_url: Some(oqs.url()),
        };
        let config = ServeConfig {
            defect,
            ..ServeConfig::default()
        };
        let server = serve("127.0.0.1:0".parse().unwrap(), config, Box::new(factory)).unwrap();
        let target = myna_oqs::HttpTarget::connect(&oqs.url()).unwrap();
        let address = server.addr().to_string();
        let mut subject = Remote::new(&address, Box::new(target), "taro");
        let mut model = Local::new(persona.clone(), None);
        let cases = if must_find { 256 } else { 24 };
        let found = fuzz(cases, 7, 30, with_phone, &persona, &mut model, &mut subject);
        assert_eq!(found.is_some(), must_find, "{defect:?}");
    }
}

#[test]
fn card_vpcd_is_refused_with_persona_and_an_absent_vpcd_is_the_environments_fault() {
    let root = common::root();
    let run = |args: &[&str]| {
        let out = std::env::temp_dir().join(format!("myna-vpcd-args-{}", std::process::id()));
        std::process::Command::new(env!("CARGO_BIN_EXE_myna-conform"))
            .current_dir(&root)
            .args(["run", "--no-progress", "--out"])
            .arg(&out)
            .args(args)
            .arg("scenarios/reader/trace-pin.yaml")
            .output()
            .unwrap()
    };
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let persona = run(&["--card", "vpcd", "--persona", "taro"]);
    assert_eq!(persona.status.code(), Some(2), "{}", stderr(&persona));
    assert!(
        stderr(&persona).contains("--persona"),
        "{}",
        stderr(&persona)
    );
    let bad = run(&["--card", "vpcd:not-a-port"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("vpcd:PORT"), "{}", stderr(&bad));
    // Nothing listens on this port: vpcd is not there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let absent = run(&["--card", &format!("vpcd:{port}")]);
    assert_eq!(absent.status.code(), Some(3), "{}", stderr(&absent));
    assert!(stderr(&absent).contains("pcscd"), "{}", stderr(&absent));
}

#[test]
fn reader_serve_phone_names_a_pcsc_reader_beside_a_pcsc_card() {
    let root = common::root();
    let serve = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_myna-conform"))
            .current_dir(&root)
            .args(["reader", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap()
    };
    for (args, says) in [
        (&["--card", "emu", "--phone", "pcsc"][..], "--card pcsc"),
        (
            &["--card", "pcsc", "--phone", "emu"][..],
            "pcsc[:READER NAME]",
        ),
    ] {
        let out = serve(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
