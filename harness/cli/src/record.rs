//! `myna-conform record`: a virtual card in a vpcd reader that forwards
//! every APDU to `--card` and writes the session as a scenario file
//! (`myna_family_card::record`, docs/pcsc.md "Record and replay").

use std::io::BufRead;
use std::time::{Duration, Instant};

use myna_card_emu::persona::Persona;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use myna_card_emu::vpcd::{Emulator, EmulatorOptions, VpcdObserver};
use myna_family::exit_code;
use myna_family_card::record::{scenario_yaml, KnownSecret, RecordingCard, ScenarioHeader};
use myna_family_card::target::{CardTarget, EmuCard};

use crate::arg_types::CardSpec;
use crate::args::RecordArgs;
use crate::commands::bad_argument;

/// Persona fields the host may send as a PIN or password.
fn is_pin_like(name: &str, secret: bool) -> bool {
    secret || name.starts_with("wrong_")
}

/// Notes whether vpcd ever accepted the virtual card, and says on stderr
/// when it cannot be reached (the emulator keeps retrying).
struct ConnectionWatch {
    connected: Arc<AtomicBool>,
    warned: bool,
}

impl VpcdObserver for ConnectionWatch {
    fn on_connected(&mut self, _peer: SocketAddr) {
        self.connected.store(true, Ordering::SeqCst);
    }

    fn on_connect_failed(&mut self, error: &str, _retry_in: Option<Duration>) {
        if !self.warned {
            self.warned = true;
            eprintln!("warning: vpcd not reachable yet ({error}); retrying");
        }
    }
}

/// Runs `record`; returns the exit code.
pub fn record(args: &RecordArgs) -> i32 {
    let is_emu = args.card == CardSpec::Emu;
    let persona_id = match (&args.persona, is_emu) {
        (Some(id), _) => Some(id.clone()),
        (None, true) => Some(myna_family_card::target::DEFAULT_PERSONA.to_owned()),
        (None, false) => None,
    };
    let persona = match &persona_id {
        None => None,
        Some(id) => match Persona::load_named(&args.personas, id) {
            Ok(p) => Some(p),
            Err(e) => return bad_argument(&format!("--persona {id}: {e}")),
        },
    };
    let secrets: Vec<KnownSecret> = persona
        .as_ref()
        .map(|p| {
            p.variables()
                .into_iter()
                .filter(|v| is_pin_like(&v.name, v.secret) && !v.value.is_empty())
                .map(|v| KnownSecret {
                    name: v.name,
                    value: v.value.into_bytes(),
                })
                .collect()
        })
        .unwrap_or_default();
    let target: Box<dyn CardTarget + Send> = if is_emu {
        match &persona {
            Some(p) => Box::new(EmuCard::new(p.card_profile())),
            None => return bad_argument("--card emu needs a persona"),
        }
    } else {
        match pcsc_target(args.card.reader_name()) {
            Ok(card) => card,
            Err(code) => return code,
        }
    };
    let origin_target = args.card.to_string();
    let (card, recording) = RecordingCard::new(target);
    let connected = Arc::new(AtomicBool::new(false));
    let (control, thread) = Emulator::new(args.vpcd.as_str(), card)
        .with_options(EmulatorOptions::default())
        .with_observer(ConnectionWatch {
            connected: Arc::clone(&connected),
            warned: false,
        })
        .spawn();
    eprintln!(
        "recording: a virtual card at vpcd {} forwards to {}; {}",
        args.vpcd,
        args.card,
        match args.seconds {
            Some(s) => format!("stops after {s} s"),
            None => "press Enter (or close standard input) to stop".to_owned(),
        }
    );
    wait_for_stop(args.seconds);
    // The emulator thread ends on shutdown; a failure to connect ends it
    // earlier, which `join` reports.
    let _ = control.shutdown();
    match thread.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("error: {e} (is pcscd running with vsmartcard-vpcd? see docs/pcsc.md)");
            return exit_code::INFRASTRUCTURE;
        }
        Err(_) => {
            eprintln!("error: the vpcd thread stopped unexpectedly");
            return exit_code::INFRASTRUCTURE;
        }
    }
    if !connected.load(Ordering::SeqCst) {
        eprintln!(
            "error: vpcd at {} never accepted the virtual card, nothing recorded and no file written \
             (is pcscd running with vsmartcard-vpcd? see docs/pcsc.md)",
            args.vpcd
        );
        return exit_code::INFRASTRUCTURE;
    }
    let events = recording.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if events
        .iter()
        .all(|e| !matches!(e, myna_family_card::record::RecordedEvent::Exchange { .. }))
    {
        eprintln!(
            "error: the host sent no APDU to the virtual card at vpcd {}; no file written",
            args.vpcd
        );
        return exit_code::INFRASTRUCTURE;
    }
    let stamp = timestamp();
    let name = args.name.clone().unwrap_or_else(|| stamp.clone());
    let header = ScenarioHeader {
        id: format!("card.recorded.{name}"),
        title: format!("Recorded host session against {origin_target}"),
        persona: persona_id,
        origin: format!("{stamp} UTC, target {origin_target}, vpcd {}", args.vpcd),
    };
    if !myna_scenario::is_scenario_id(&header.id) {
        return bad_argument(&format!(
            "--name {name:?}: `{}` is not a scenario id ([a-z0-9-] segments)",
            header.id
        ));
    }
    let yaml = scenario_yaml(&header, &events, &secrets);
    if let Err(e) = std::fs::write(&args.out, yaml) {
        eprintln!("error: cannot write {}: {e}", args.out.display());
        return exit_code::INFRASTRUCTURE;
    }
    let exchanges = events
        .iter()
        .filter(|e| matches!(e, myna_family_card::record::RecordedEvent::Exchange { .. }))
        .count();
    eprintln!(
        "recorded {exchanges} exchanges to {} (replay: myna-conform run {})",
        args.out.display(),
        args.out.display()
    );
    exit_code::OK
}

/// Blocks until `seconds` have passed, or (without it) until a line or the
/// end of standard input.
fn wait_for_stop(seconds: Option<u64>) {
    match seconds {
        Some(s) => {
            let until = Instant::now() + Duration::from_secs(s);
            while Instant::now() < until {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        None => {
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
        }
    }
}

fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

#[cfg(feature = "pcsc")]
fn pcsc_target(name: Option<&str>) -> Result<Box<dyn CardTarget + Send>, i32> {
    use myna_family_card::target::{PcscCard, PcscOptions, ReaderSelector};
    match PcscCard::open(PcscOptions::reader(ReaderSelector::from_cli(name))) {
        Ok(card) => Ok(Box::new(card)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit_code::INFRASTRUCTURE)
        }
    }
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_target(_: Option<&str>) -> Result<Box<dyn CardTarget + Send>, i32> {
    Err(bad_argument(
        "--card pcsc needs a build with the `pcsc` feature (see docs/pcsc.md)",
    ))
}
