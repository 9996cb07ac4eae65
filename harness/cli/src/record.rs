//! `myna-conform record`: a virtual card in a vpcd reader that forwards
//! every APDU to `--card` and writes the session as a scenario file
//! (`myna_family_card::record`, docs/pcsc.md "Record and replay").

use std::io::BufRead;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use myna_card_emu::persona::Persona;

use myna_card_emu::vpcd::{Emulator, EmulatorOptions, VpcdObserver};
use myna_family::exit_code;
use myna_family_card::record::{scenario_yaml, KnownSecret, RecordingCard, ScenarioHeader};
use myna_family_card::target::{CardTarget, CardTargetInfo, EmuCard, PowerEvent, TransportError};

use crate::arg_types::{CardSpec, VPCD_ONLY_FOR_RUN};
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

/// The first card wait that got no answer within `--card-timeout`.
type Stuck = Arc<Mutex<Option<String>>>;

/// The card the recording forwards to, noting the first timeout: the
/// recording then stops, since the card no longer answers.
struct TimeoutWatch {
    card: Box<dyn CardTarget + Send>,
    stuck: Stuck,
}

impl TimeoutWatch {
    fn note<R>(&self, outcome: Result<R, TransportError>) -> Result<R, TransportError> {
        if let Err(TransportError::Timeout(why)) = &outcome {
            let mut stuck = self.stuck.lock().unwrap_or_else(|e| e.into_inner());
            stuck.get_or_insert_with(|| why.clone());
        }
        outcome
    }
}

impl CardTarget for TimeoutWatch {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let outcome = self.card.transmit(command);
        self.note(outcome)
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        let outcome = self.card.power(event);
        self.note(outcome)
    }

    fn info(&self) -> CardTargetInfo {
        self.card.info()
    }

    fn capabilities(&self) -> Vec<String> {
        self.card.capabilities()
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
    let target = match open_target(args, persona.as_ref()) {
        Ok(target) => target,
        Err(code) => return code,
    };
    let stuck = Stuck::default();
    let target = Box::new(TimeoutWatch {
        card: target,
        stuck: Arc::clone(&stuck),
    });
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
    wait_for_stop(args.seconds, &stuck);
    // The emulator thread ends on shutdown; a failure to connect ends it
    // earlier, which `join` reports. Its card waits are bounded by
    // `--card-timeout`, so the join is too.
    let _ = control.shutdown();
    if let Err(code) = session_end(thread.join(), &stuck, &connected, args) {
        return code;
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
    write_scenario(args, persona_id, &events, &secrets)
}

/// The card the recording forwards to: the emulator of the persona, or a
/// card in a PC/SC reader (every wait bounded by `--card-timeout`).
fn open_target(
    args: &RecordArgs,
    persona: Option<&Persona>,
) -> Result<Box<dyn CardTarget + Send>, i32> {
    match &args.card {
        CardSpec::Emu => match persona {
            Some(p) => Ok(Box::new(EmuCard::new(p.card_profile()))),
            None => Err(bad_argument("--card emu needs a persona")),
        },
        CardSpec::Pcsc(name) => pcsc_target(name.as_deref(), args.card_timeout),
        CardSpec::Vpcd { .. } => Err(bad_argument(VPCD_ONLY_FOR_RUN)),
    }
}

/// Why the session ended, as an exit code when nothing may be written: the
/// card stopped answering, the vpcd thread failed, or vpcd never took the
/// virtual card.
fn session_end(
    joined: std::thread::Result<Result<(), myna_card_emu::vpcd::VpcdError>>,
    stuck: &Stuck,
    connected: &AtomicBool,
    args: &RecordArgs,
) -> Result<(), i32> {
    let stuck = stuck.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(why) = stuck {
        eprintln!(
            "error: the card behind {} stopped answering ({why}); recording stopped, \
             no file written",
            args.card
        );
        return Err(exit_code::INFRASTRUCTURE);
    }
    match joined {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("error: {e} (is pcscd running with vsmartcard-vpcd? see docs/pcsc.md)");
            return Err(exit_code::INFRASTRUCTURE);
        }
        Err(_) => {
            eprintln!("error: the vpcd thread stopped unexpectedly");
            return Err(exit_code::INFRASTRUCTURE);
        }
    }
    if !connected.load(Ordering::SeqCst) {
        eprintln!(
            "error: vpcd at {} never accepted the virtual card, nothing recorded and no file written \
             (is pcscd running with vsmartcard-vpcd? see docs/pcsc.md)",
            args.vpcd
        );
        return Err(exit_code::INFRASTRUCTURE);
    }
    Ok(())
}

/// Writes the recorded session as a scenario file; the exit code.
fn write_scenario(
    args: &RecordArgs,
    persona_id: Option<String>,
    events: &[myna_family_card::record::RecordedEvent],
    secrets: &[KnownSecret],
) -> i32 {
    let origin_target = &args.card;
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
    let yaml = scenario_yaml(&header, events, secrets);
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
/// end of standard input; or until the card stopped answering (`stuck`).
fn wait_for_stop(seconds: Option<u64>, stuck: &Stuck) {
    let is_stuck = || stuck.lock().unwrap_or_else(|e| e.into_inner()).is_some();
    let tick = Duration::from_millis(100);
    match seconds {
        Some(s) => {
            let until = Instant::now() + Duration::from_secs(s);
            while Instant::now() < until && !is_stuck() {
                std::thread::sleep(tick);
            }
        }
        None => {
            // The line is read on a thread of its own, so that a stuck card
            // ends the wait too (the thread is left blocked on stdin).
            let (entered, line_read) = mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = std::io::stdin().lock().read_line(&mut line);
                let _ = entered.send(());
            });
            while !is_stuck() {
                match line_read.recv_timeout(tick) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
            }
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
fn pcsc_target(name: Option<&str>, timeout: Duration) -> Result<Box<dyn CardTarget + Send>, i32> {
    use myna_family_card::target::{PcscCard, PcscOptions, ReaderSelector};
    let mut options = PcscOptions::reader(ReaderSelector::from_cli(name));
    options.transmit_timeout = timeout;
    match PcscCard::open(options) {
        Ok(card) => Ok(Box::new(card)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit_code::INFRASTRUCTURE)
        }
    }
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_target(_: Option<&str>, _: Duration) -> Result<Box<dyn CardTarget + Send>, i32> {
    Err(bad_argument(
        "--card pcsc needs a build with the `pcsc` feature (see docs/pcsc.md)",
    ))
}
