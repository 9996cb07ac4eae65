//! `reader serve` (the reference reader over the adapter protocol,
//! harness/reader/PROTOCOL.md), the `--reader` target of `run`, and `fuzz`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use myna_family::exit_code;
use myna_family_reader::{BuiltinReader, ReaderProvider, TcpReader};
use myna_reader::protocol::{serve, CardFactory, ClientOptions, EmuFactory, ServeConfig};

use crate::arg_types::{
    card_spec, http_target, http_url, listen_address, reader_spec, CardSpec, HttpTarget, HttpUrl,
    ReaderSpec, VPCD_ONLY_FOR_RUN,
};

/// `reader` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReaderCommand {
    /// Serve the reference reader over the adapter protocol until
    /// interrupted: one fresh reader per connection.
    Serve(ReaderServeArgs),
}

/// `reader serve` options.
#[derive(Debug, Args)]
pub struct ReaderServeArgs {
    /// Address to listen on (IP:PORT).
    #[arg(long, default_value = "127.0.0.1:7400", value_parser = listen_address)]
    pub listen: std::net::SocketAddr,
    /// The reader's card: `emu` (a fresh emulated card of the persona each
    /// `reset` names) or `pcsc[:READER NAME]` (the card in that reader).
    #[arg(long, default_value = "emu", value_parser = card_spec)]
    pub card: CardSpec,
    /// The persona when `reset` names none (with `--card emu`).
    #[arg(long, default_value = "taro")]
    pub persona: String,
    /// Persona directory.
    #[arg(long, default_value = "vectors/personas")]
    pub personas: PathBuf,
    /// The eligibility service the reader checks: `builtin` (a fresh model
    /// per connection) or its base URL.
    #[arg(long, default_value = "builtin", value_parser = http_target)]
    pub oqs: HttpTarget,
    /// Connections served at once.
    #[arg(long, default_value_t = 8)]
    pub max_connections: usize,
    /// The holder's smartphone card the reader reads in the smartphone
    /// flow (with `--card pcsc`): `pcsc[:READER NAME]`, e.g. the phone the
    /// harness hosts with `run --card vpcd:…,phone=…`. Without it the
    /// smartphone flow reads the card (`--card emu`: the persona's own
    /// smartphone card).
    #[arg(long, value_parser = card_spec)]
    pub phone: Option<CardSpec>,
}

/// The reader `--reader` names: `builtin` or `tcp://HOST:PORT`. With
/// `card_hosted` (`--card vpcd`) a tcp reader gets `reader.card-trace`.
pub fn reader_provider(
    reader: &ReaderSpec,
    card_hosted: bool,
) -> Result<Box<dyn ReaderProvider>, i32> {
    if *reader == ReaderSpec::Builtin {
        return Ok(Box::new(BuiltinReader::default()));
    }
    TcpReader::connect(&reader.to_string(), ClientOptions::default())
        .map(|r| match card_hosted {
            true => r.with_card_trace(),
            false => r,
        })
        .map(|r| Box::new(r) as Box<dyn ReaderProvider>)
        .map_err(|e| {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        })
}

fn factory(args: &ReaderServeArgs) -> Result<Box<dyn CardFactory>, String> {
    let oqs_url = args.oqs.url().map(|u| u.as_str().to_owned());
    let phone = match (&args.phone, &args.card) {
        (None, _) => None,
        (Some(CardSpec::Pcsc(name)), CardSpec::Pcsc(_)) => Some(name.clone()),
        (Some(_), CardSpec::Pcsc(_)) => {
            return Err("--phone names a PC/SC reader: `pcsc[:READER NAME]`".to_owned())
        }
        (Some(_), _) => {
            return Err(
                "--phone is for --card pcsc; the emulated card's smartphone card is \
                 the persona's own"
                    .to_owned(),
            )
        }
    };
    match &args.card {
        CardSpec::Emu => Ok(Box::new(EmuFactory {
            personas: args.personas.clone(),
            default_persona: args.persona.clone(),
            oqs_url,
        })),
        CardSpec::Pcsc(name) => pcsc_factory(name.as_deref(), phone, oqs_url),
        CardSpec::Vpcd { .. } => Err(VPCD_ONLY_FOR_RUN.to_owned()),
    }
}

/// `phone`: the smartphone card's reader (`Some(None)`: the first with a
/// card), when the reader reads one.
#[cfg(feature = "pcsc")]
fn pcsc_factory(
    reader: Option<&str>,
    phone: Option<Option<String>>,
    oqs_url: Option<String>,
) -> Result<Box<dyn CardFactory>, String> {
    Ok(Box::new(pcsc_card::PcscFactory {
        reader: reader.map(str::to_string),
        phone_reader: phone,
        oqs_url,
        card: None,
        phone: None,
    }))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_factory(
    _reader: Option<&str>,
    _phone: Option<Option<String>>,
    _oqs_url: Option<String>,
) -> Result<Box<dyn CardFactory>, String> {
    Err("this build has no PC/SC support (feature `pcsc`)".into())
}

#[cfg(feature = "pcsc")]
mod pcsc_card {
    use std::sync::{Arc, Mutex};

    use myna_family_card::target::{
        CardTarget, CardTargetInfo, PcscCard, PcscOptions, PowerEvent, ReaderSelector,
        TransportError,
    };
    use myna_oqs::{HttpTarget, InProcessTarget, OqsTarget};
    use myna_reader::protocol::CardFactory;

    /// The card in a PC/SC reader (the emulator behind pcscd+vpcd, or a
    /// real test card), opened afresh at each reset.
    pub struct PcscFactory {
        pub reader: Option<String>,
        /// The smartphone card's reader, when the reader reads one.
        pub phone_reader: Option<Option<String>>,
        pub oqs_url: Option<String>,
        pub card: Option<SharedCard>,
        pub phone: Option<SharedCard>,
    }

    /// The card in `reader`, opened once into `slot` and kept; reopened
    /// when it missed `--card-timeout`.
    fn shared_card(
        slot: &mut Option<SharedCard>,
        reader: Option<&str>,
        what: &str,
    ) -> Result<SharedCard, String> {
        if let Some(card) = slot {
            let mut open = card.lock().unwrap_or_else(|e| e.into_inner());
            if open.needs_reopen() {
                open.reopen().map_err(|e| format!("PC/SC {what}: {e}"))?;
            }
        }
        match slot {
            Some(card) => Ok(Arc::clone(card)),
            None => {
                let card = PcscCard::open(PcscOptions::reader(ReaderSelector::from_cli(reader)))
                    .map_err(|e| format!("PC/SC {what}: {e}"))?;
                let card = Arc::new(Mutex::new(card));
                *slot = Some(Arc::clone(&card));
                Ok(card)
            }
        }
    }

    /// The card, opened once and kept for every connection: opening and
    /// closing it per scenario would reset it under the other PC/SC
    /// applications using it (the harness's own card session).
    type SharedCard = Arc<Mutex<PcscCard>>;

    /// A handle on the shared card; the reader never resets it.
    struct Shared(SharedCard);

    impl CardTarget for Shared {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            match self.0.lock() {
                Ok(mut card) => card.transmit(command),
                Err(poisoned) => poisoned.into_inner().transmit(command),
            }
        }
        fn power(&mut self, _event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
            Err(TransportError::Unsupported(
                "the reader does not reset a shared PC/SC card".into(),
            ))
        }
        fn info(&self) -> CardTargetInfo {
            self.0.lock().map(|c| c.info()).unwrap_or_default()
        }
        fn capabilities(&self) -> Vec<String> {
            self.0.lock().map(|c| c.capabilities()).unwrap_or_default()
        }
    }

    impl CardFactory for PcscFactory {
        fn card(&mut self, _persona: Option<&str>) -> Result<Box<dyn CardTarget + Send>, String> {
            // A card that missed `--card-timeout` was abandoned: the next
            // connection gets a fresh one.
            let card = shared_card(&mut self.card, self.reader.as_deref(), "card")?;
            Ok(Box::new(Shared(card)))
        }

        fn phone(
            &mut self,
            _persona: Option<&str>,
        ) -> Result<Option<Box<dyn CardTarget + Send>>, String> {
            let Some(reader) = &self.phone_reader else {
                return Ok(None);
            };
            let phone = shared_card(&mut self.phone, reader.as_deref(), "smartphone card")?;
            Ok(Some(Box::new(Shared(phone))))
        }

        fn eligibility(&mut self) -> Result<Box<dyn OqsTarget + Send>, String> {
            match &self.oqs_url {
                Some(url) => HttpTarget::connect(url)
                    .map(|t| Box::new(t) as Box<dyn OqsTarget + Send>)
                    .map_err(|e| format!("eligibility service {url}: {e}")),
                None => Ok(Box::new(InProcessTarget::new())),
            }
        }
    }
}

/// `reader serve`.
pub fn reader_serve(args: &ReaderServeArgs) -> i32 {
    let addr = args.listen;
    let factory = match factory(args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::BAD_INPUT;
        }
    };
    let config = ServeConfig {
        max_connections: args.max_connections,
        ..ServeConfig::default()
    };
    match serve(addr, config, factory) {
        Ok(handle) => {
            eprintln!(
                "reference reader on {} (protocol: harness/reader/PROTOCOL.md); Ctrl-C stops",
                handle.url()
            );
            handle.join();
            exit_code::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
    }
}

/// `fuzz` options.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// Which family: `reader` (stimulus sequences against `--reader`, the
    /// reference reader as the model) or `card` (VERIFY sequences against
    /// `--card`, the PIN model as the oracle).
    #[arg(long, value_enum)]
    pub family: FuzzFamily,
    /// With `--family reader`: `builtin` or `tcp://HOST:PORT`.
    #[arg(long, default_value = "builtin", value_parser = reader_spec)]
    pub reader: ReaderSpec,
    /// With `--family reader` and a tcp reader: the eligibility service the
    /// reader checks (its test-control API seeds each case).
    #[arg(long, value_parser = http_url)]
    pub oqs: Option<HttpUrl>,
    /// With `--family card`: `emu` (a fresh card per case) or
    /// `pcsc[:READER NAME]` (the card keeps its counter: the model starts
    /// from the counter it reports).
    #[arg(long, default_value = "emu", value_parser = card_spec)]
    pub card: CardSpec,
    /// With `--family card` on a real card: also send sequences that block
    /// the PIN (they are never sent otherwise).
    #[arg(long)]
    pub allow_destructive: bool,
    /// The card's persona.
    #[arg(long, default_value = "taro")]
    pub persona: String,
    /// Persona directory.
    #[arg(long, default_value = "vectors/personas")]
    pub personas: PathBuf,
    /// Random sequences to try.
    #[arg(long, default_value_t = 200)]
    pub cases: u32,
    /// Seed (the same seed gives the same sequences).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Longest sequence.
    #[arg(long, default_value_t = 30)]
    pub max_len: usize,
    /// Include the smartphone stimuli.
    #[arg(long)]
    pub phone: bool,
    /// Where the shrunk failing sequence is written as a scenario.
    #[arg(long, default_value = "reports/fuzz/found.yaml")]
    pub out: PathBuf,
}

/// `fuzz --family`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FuzzFamily {
    /// Stimulus sequences against `--reader`.
    Reader,
    /// VERIFY sequences against `--card`.
    Card,
}

/// `fuzz`: exit 0 when no divergence was found, 1 when one was (written to
/// `--out`), 2 on bad arguments, 3 when a target is unreachable.
pub fn fuzz(args: &FuzzArgs) -> i32 {
    match args.family {
        FuzzFamily::Reader => fuzz_reader(args),
        FuzzFamily::Card => crate::card_fuzz::fuzz_card(args),
    }
}

fn fuzz_reader(args: &FuzzArgs) -> i32 {
    use myna_reader::fuzz::{fuzz, scenario_yaml, Local, Remote, Subject};
    let persona = match myna_reader::fuzz::load_persona(&args.personas, &args.persona) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::BAD_INPUT;
        }
    };
    let mut model = Local::new(persona.clone(), None);
    let mut subject: Box<dyn Subject> = match &args.reader {
        ReaderSpec::Builtin => Box::new(Local::new(persona.clone(), None)),
        ReaderSpec::Tcp(address) => {
            let Some(url) = &args.oqs else {
                eprintln!("error: --family reader with a tcp reader needs --oqs URL (the service the reader checks)");
                return exit_code::BAD_INPUT;
            };
            match myna_oqs::HttpTarget::connect(url.as_str()) {
                Ok(target) => Box::new(Remote::new(address, Box::new(target), &args.persona)),
                Err(e) => {
                    eprintln!("error: eligibility service {url}: {e}");
                    return exit_code::INFRASTRUCTURE;
                }
            }
        }
    };
    let found = fuzz(
        args.cases,
        args.seed,
        args.max_len,
        args.phone,
        &persona,
        &mut model,
        subject.as_mut(),
    );
    match found {
        None => {
            eprintln!(
                "{} random sequences: the reader agreed with the model",
                args.cases
            );
            exit_code::OK
        }
        Some(finding) => {
            let id = format!("reader.fuzz.seed-{}", args.seed);
            let yaml = scenario_yaml(&id, &persona, &finding.steps, &mut model);
            write_finding(
                &args.out,
                &yaml,
                &format!(
                    "the reader differed from the model at step {} of {}: expected {}, got {}",
                    finding.divergence.step + 1,
                    finding.steps.len(),
                    finding.divergence.expected,
                    finding.divergence.actual
                ),
            )
        }
    }
}

/// Writes the scenario and says where; exit 1 (a conformance failure).
pub fn write_finding(out: &std::path::Path, yaml: &str, what: &str) -> i32 {
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(out, yaml) {
        Ok(()) => {
            eprintln!(
                "{what}\nshrunk sequence written to {} (run it with `myna-conform run {}`)",
                out.display(),
                out.display()
            );
            exit_code::FAILURES
        }
        Err(e) => {
            eprintln!("{what}\nerror: cannot write {}: {e}", out.display());
            exit_code::INFRASTRUCTURE
        }
    }
}
