//! The reader suite as a reader vendor runs it: `reader serve` reading its
//! card through pcscd, the eligibility service served over HTTP, and
//! `myna-conform run --reader tcp://… --card vpcd` driving it: the harness
//! hosts the card behind vpcd (a fresh card of each scenario's persona)
//! and sees every APDU the reader sends, so the card-trace scenarios run
//! too. Every scenario passes; a test-only reader that selects a My Number
//! application fails the trace scenarios. The older setup (the emulator
//! served apart, `run --card pcsc:… --persona taro`) still passes what it
//! can see.
//!
//! Needs pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`); without it the
//! test prints why and passes, unless `CI=true`.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use pcsc_support::{
    claim_readers, myna, pcscd_ready, read_report, run_with_watchdog, serve_and_wait, temp_dir,
    verdicts, wait_for_no_card, ChildGuard, Finished, READER, READER_1, VPCD_ADDR, VPCD_ADDR_1,
};

const HANG: Duration = Duration::from_secs(600);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

fn spawn(args: &[&str]) -> ChildGuard {
    ChildGuard(
        myna()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// `oqs serve` and `reader serve --card pcsc:READER` (with `phone`, its
/// smartphone card `--phone pcsc:PHONE`) on free ports; their guards and
/// the eligibility URL and reader address.
fn serve_reader_and_oqs(phone: Option<&str>) -> (ChildGuard, ChildGuard, String, String) {
    let oqs_port = free_port();
    let oqs_child = spawn(&["oqs", "serve", "--listen", &format!("127.0.0.1:{oqs_port}")]);
    wait_for_port(oqs_port);
    let oqs = format!("http://127.0.0.1:{oqs_port}");
    let reader_port = free_port();
    let card = format!("pcsc:{READER}");
    let listen = format!("127.0.0.1:{reader_port}");
    let mut args = vec!["reader", "serve", "--listen", &listen, "--card", &card];
    let phone = phone.map(|name| format!("pcsc:{name}"));
    if let Some(phone) = &phone {
        args.extend(["--phone", phone]);
    }
    args.extend(["--oqs", &oqs]);
    let reader_child = spawn(&args);
    wait_for_port(reader_port);
    (
        oqs_child,
        reader_child,
        oqs,
        format!("tcp://127.0.0.1:{reader_port}"),
    )
}

/// `run` of `paths` with `card`, the reader at `reader` and the service at
/// `oqs`; what it printed and its report's verdicts.
fn run_reader_suite(
    card: &[&str],
    reader: &str,
    oqs: &str,
    name: &str,
    paths: &[&str],
) -> (Finished, Vec<(String, String, String)>) {
    let out = temp_dir(name);
    let finished = run_with_watchdog(
        myna()
            .args(["run", "--no-progress", "--card"])
            .args(card)
            .args(["--reader", reader, "--oqs", oqs, "--out"])
            .arg(&out)
            .args(paths),
        HANG,
    );
    let verdicts = verdicts(&read_report(&out));
    (finished, verdicts)
}

fn trace_scenarios(verdicts: &[(String, String, String)]) -> Vec<&(String, String, String)> {
    verdicts
        .iter()
        .filter(|(id, _, _)| id.starts_with("reader.trace."))
        .collect()
}

#[test]
fn every_reader_scenario_passes_over_tcp_with_the_card_and_phone_hosted_behind_vpcd() {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    wait_for_no_card(READER_1);
    let (_oqs, _reader, oqs, reader) = serve_reader_and_oqs(Some(READER_1));
    let phone_port = VPCD_ADDR_1.rsplit_once(':').unwrap().1;
    let (finished, verdicts) = run_reader_suite(
        &[&format!("vpcd,phone={phone_port}")],
        &reader,
        &oqs,
        "reader-vpcd",
        &["scenarios/reader"],
    );
    let bad: Vec<_> = verdicts.iter().filter(|(_, v, _)| v != "pass").collect();
    assert!(bad.is_empty(), "{bad:#?}\n{}", finished.stderr);
    assert!(verdicts.len() >= 55, "only {} scenarios", verdicts.len());
    let traced = trace_scenarios(&verdicts);
    assert!(traced.len() >= 3, "{traced:?}");
    let phone = verdicts
        .iter()
        .filter(|(id, _, _)| id.starts_with("reader.smartphone."))
        .count();
    assert!(phone >= 8, "only {phone} smartphone scenarios");
    assert_eq!(finished.status.code(), Some(0), "{}", finished.stdout);
}

/// A test-only faulty reader: the reference reader whose card selects the
/// 券面事項入力補助AP (which holds the My Number) before every JPKI
/// selection, as a reader that "just reads everything" would.
mod snooping {
    use myna_card_emu::persona::text_ap::TEXT_AP_AID;
    use myna_card_emu::persona::JPKI_AP_AID;
    use myna_family_card::target::{
        CardTarget, CardTargetInfo, PcscCard, PcscOptions, PowerEvent, ReaderSelector,
        TransportError,
    };
    use myna_oqs::{HttpTarget, OqsTarget};
    use myna_reader::protocol::CardFactory;

    pub struct Snooping(PcscCard);

    impl CardTarget for Snooping {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            if command.get(1..4) == Some(&[0xA4, 0x04, 0x0C][..])
                && command.get(5..) == Some(&JPKI_AP_AID[..])
            {
                let mut select = vec![0x00, 0xA4, 0x04, 0x0C, TEXT_AP_AID.len() as u8];
                select.extend_from_slice(&TEXT_AP_AID);
                self.0.transmit(&select)?;
            }
            self.0.transmit(command)
        }
        fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
            self.0.power(event)
        }
        fn info(&self) -> CardTargetInfo {
            self.0.info()
        }
        fn capabilities(&self) -> Vec<String> {
            self.0.capabilities()
        }
    }

    pub struct SnoopingFactory {
        pub reader: String,
        pub oqs: String,
    }

    impl CardFactory for SnoopingFactory {
        fn card(&mut self, _persona: Option<&str>) -> Result<Box<dyn CardTarget + Send>, String> {
            PcscCard::open(PcscOptions::reader(ReaderSelector::Exact(
                self.reader.clone(),
            )))
            .map(|c| Box::new(Snooping(c)) as Box<dyn CardTarget + Send>)
            .map_err(|e| e.to_string())
        }
        fn eligibility(&mut self) -> Result<Box<dyn OqsTarget + Send>, String> {
            HttpTarget::connect(&self.oqs)
                .map(|t| Box::new(t) as Box<dyn OqsTarget + Send>)
                .map_err(|e| e.to_string())
        }
    }
}

#[test]
fn a_reader_that_reads_the_my_number_fails_the_trace_scenarios_over_tcp() {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let oqs_port = free_port();
    let _oqs = spawn(&["oqs", "serve", "--listen", &format!("127.0.0.1:{oqs_port}")]);
    wait_for_port(oqs_port);
    let oqs = format!("http://127.0.0.1:{oqs_port}");
    let factory = snooping::SnoopingFactory {
        reader: READER.into(),
        oqs: oqs.clone(),
    };
    let server = myna_reader::protocol::serve(
        "127.0.0.1:0".parse().unwrap(),
        myna_reader::protocol::ServeConfig::default(),
        Box::new(factory),
    )
    .unwrap();
    let paths = [
        "scenarios/reader/trace-pin.yaml",
        "scenarios/reader/trace-face.yaml",
        "scenarios/reader/pin-wrong-then-right.yaml",
    ];
    let (finished, verdicts) =
        run_reader_suite(&["vpcd"], &server.url(), &oqs, "reader-snooping", &paths);
    let traced = trace_scenarios(&verdicts);
    assert_eq!(traced.len(), 2, "{verdicts:?}");
    for (id, verdict, message) in &traced {
        assert_eq!(verdict, "fail", "{id}: {message}\n{}", finished.stderr);
    }
    // What the reader shows is right: only the trace gives it away.
    let flow = verdicts
        .iter()
        .find(|(id, _, _)| !id.starts_with("reader.trace."))
        .unwrap();
    assert_eq!(flow.1, "pass", "{flow:?}");
    assert_eq!(finished.status.code(), Some(1), "{}", finished.stdout);
}

#[test]
fn reader_suite_over_tcp_with_the_card_served_apart() {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let _card = serve_and_wait(VPCD_ADDR, READER, &["--test-control"]);
    let (_oqs, _reader, oqs, reader) = serve_reader_and_oqs(None);
    let card = format!("pcsc:{READER}");
    // The default `--card-transaction` (scenario): a reader scenario gets
    // one per step, so the reader under test finds the card free.
    let (finished, verdicts) = run_reader_suite(
        &[&card, "--persona", "taro"],
        &reader,
        &oqs,
        "reader-pcsc",
        &["scenarios/reader"],
    );
    let bad: Vec<_> = verdicts
        .iter()
        .filter(|(_, v, _)| v != "pass" && v != "not_applicable")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}\n{}", finished.stderr);
    // The card trace is not visible when the card is served apart.
    for (id, verdict, _) in trace_scenarios(&verdicts) {
        assert_eq!(verdict, "not_applicable", "{id}");
    }
    let passed = verdicts.iter().filter(|(_, v, _)| v == "pass").count();
    assert!(
        passed >= 40,
        "only {passed} passed through pcscd:\n{}",
        finished.stdout
    );
    assert_eq!(finished.status.code(), Some(0), "{}", finished.stdout);
}
