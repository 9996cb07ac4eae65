//! `reader serve` (the reference reader over the adapter protocol,
//! harness/reader/PROTOCOL.md), the `--reader` target of `run`, and `fuzz`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use myna_family::exit_code;
use myna_family_reader::{BuiltinReader, ReaderProvider, TcpReader};
use myna_reader::protocol::{serve, CardFactory, ClientOptions, EmuFactory, ServeConfig};

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
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7400")]
    pub listen: String,
    /// The reader's card: `emu` (a fresh emulated card of the persona each
    /// `reset` names) or `pcsc[:READER NAME]` (the card in that reader).
    #[arg(long, default_value = "emu")]
    pub card: String,
    /// The persona when `reset` names none (with `--card emu`).
    #[arg(long, default_value = "taro")]
    pub persona: String,
    /// Persona directory.
    #[arg(long, default_value = "vectors/personas")]
    pub personas: PathBuf,
    /// The eligibility service the reader checks: `builtin` (a fresh model
    /// per connection) or its base URL.
    #[arg(long, default_value = "builtin")]
    pub oqs: String,
    /// Connections served at once.
    #[arg(long, default_value_t = 8)]
    pub max_connections: usize,
}

/// The reader `--reader` names: `builtin` or `tcp://HOST:PORT`.
pub fn reader_provider(reader: &str) -> Result<Box<dyn ReaderProvider>, i32> {
    if reader == "builtin" {
        return Ok(Box::new(BuiltinReader::default()));
    }
    if !reader.starts_with("tcp://") {
        eprintln!("error: --reader expects `builtin` or tcp://HOST:PORT, found {reader:?}");
        return Err(exit_code::BAD_INPUT);
    }
    TcpReader::connect(reader, ClientOptions::default())
        .map(|r| Box::new(r) as Box<dyn ReaderProvider>)
        .map_err(|e| {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        })
}

fn factory(args: &ReaderServeArgs) -> Result<Box<dyn CardFactory>, String> {
    let oqs_url = match args.oqs.as_str() {
        "builtin" => None,
        url if url.starts_with("http://") || url.starts_with("https://") => Some(url.to_string()),
        other => {
            return Err(format!(
                "--oqs expects `builtin` or an http(s):// URL, found {other:?}"
            ))
        }
    };
    match args.card.as_str() {
        "emu" => Ok(Box::new(EmuFactory {
            personas: args.personas.clone(),
            default_persona: args.persona.clone(),
            oqs_url,
        })),
        card if card == "pcsc" || card.starts_with("pcsc:") => pcsc_factory(card, oqs_url),
        other => Err(format!(
            "--card expects `emu` or `pcsc[:NAME]`, found {other:?}"
        )),
    }
}

#[cfg(feature = "pcsc")]
fn pcsc_factory(card: &str, oqs_url: Option<String>) -> Result<Box<dyn CardFactory>, String> {
    Ok(Box::new(pcsc_card::PcscFactory {
        reader: card.strip_prefix("pcsc:").map(str::to_string),
        oqs_url,
    }))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_factory(_card: &str, _oqs_url: Option<String>) -> Result<Box<dyn CardFactory>, String> {
    Err("this build has no PC/SC support (feature `pcsc`)".into())
}

#[cfg(feature = "pcsc")]
mod pcsc_card {
    use myna_family_card::target::{CardTarget, PcscCard, PcscOptions, ReaderSelector};
    use myna_oqs::{HttpTarget, InProcessTarget, OqsTarget};
    use myna_reader::protocol::CardFactory;

    /// The card in a PC/SC reader (the emulator behind pcscd+vpcd, or a
    /// real test card), opened afresh at each reset.
    pub struct PcscFactory {
        pub reader: Option<String>,
        pub oqs_url: Option<String>,
    }

    impl CardFactory for PcscFactory {
        fn card(&mut self, _persona: Option<&str>) -> Result<Box<dyn CardTarget + Send>, String> {
            PcscCard::open(PcscOptions::reader(ReaderSelector::from_cli(
                self.reader.as_deref(),
            )))
            .map(|c| Box::new(c) as Box<dyn CardTarget + Send>)
            .map_err(|e| format!("PC/SC card: {e}"))
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
    let addr = match args.listen.parse() {
        Ok(a) => a,
        Err(_) => {
            eprintln!("error: --listen expects HOST:PORT, found {:?}", args.listen);
            return exit_code::BAD_INPUT;
        }
    };
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
