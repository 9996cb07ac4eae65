//! Command-line arguments (DESIGN §7). Names here are a contract: scripts
//! rely on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::arg_types::{
    card_spec, duration_seconds, http_target, http_url, listen_address, reader_spec, rules_date,
    shard, timeout_millis, CardSpec, HttpTarget, HttpUrl, ReaderSpec, RulesDate, Shard,
};

/// Conformance test harness for the マイナ保険証 ecosystem: the My Number
/// Card, reception readers, マイナポータル flows and the eligibility lookup.
///
/// Exit codes: 0 all pass (or only expected failures), 1 conformance
/// failures, 2 bad input (scenario or arguments), 3 infrastructure error,
/// 4 internal error (a bug in myna-conform: please report it).
#[derive(Debug, Parser)]
#[command(name = "myna-conform", version, propagate_version = true)]
pub struct Cli {
    /// The profile of `myna-conform.toml` (at the project root) to apply over
    /// `[profile.default]`; also `MYNA_CONFORM_PROFILE`.
    #[arg(
        long,
        global = true,
        env = "MYNA_CONFORM_PROFILE",
        default_value = "default"
    )]
    pub profile: String,
    /// More output: `-v` a line per step as it ends (scenario, step index,
    /// keyword, outcome) and per scenario; `-vv` also each step's wire log
    /// live, secrets masked, and the harness's debug log.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less output: errors and the closing summary line only (`emu serve`:
    /// no line per APDU).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour in the tool's own output: `auto` (a terminal, unless
    /// `NO_COLOR` is set), `always`, `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios against the targets and write reports.
    Run(Box<RunArgs>),
    /// List scenario ids (or requirement ids).
    List(ListArgs),
    /// Validate scenario files and the requirement catalogue without running.
    Check(SuiteArgs),
    /// Print the JSON Schema of scenario files (or of fragments, or of the
    /// requirement catalogue), for editors and validators.
    Schema {
        /// Which file kind.
        #[arg(value_enum, default_value_t = SchemaKind::Scenario)]
        kind: SchemaKind,
    },
    /// Record a host session through vpcd as a scenario file: a virtual
    /// card in a vpcd reader forwards every APDU to `--card` and keeps it.
    Record(RecordArgs),
    /// The emulated card as a server.
    Emu {
        /// What to do with the emulator.
        #[command(subcommand)]
        command: EmuCommand,
    },
    /// The reference eligibility (OQS) service.
    Oqs {
        /// What to do with the service.
        #[command(subcommand)]
        command: OqsCommand,
    },
    /// The reference reception reader (harness/reader/PROTOCOL.md).
    Reader {
        /// What to do with the reader.
        #[command(subcommand)]
        command: crate::reader_commands::ReaderCommand,
    },
    /// Model-based random sequences against a reader or a card; a
    /// divergence is shrunk and written as a scenario.
    Fuzz(Box<crate::reader_commands::FuzzArgs>),
    /// The reference portal (マイナポータル-like API, harness/portal/openapi.yaml).
    Portal {
        /// What to do with the portal.
        #[command(subcommand)]
        command: crate::portal_commands::PortalCommand,
    },
    /// Load measurements.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell),
    /// generated from these argument definitions: e.g.
    /// `myna-conform completions bash > ~/.local/share/bash-completion/completions/myna-conform`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these argument
    /// definitions: `myna-conform man | man -l -`.
    Man,
    /// Work with reports.
    Report {
        /// What to do with reports.
        #[command(subcommand)]
        command: ReportCommand,
    },
}

/// How long a PC/SC transaction lasts (`run --card-transaction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CardTransaction {
    /// One across each scenario (one per step in a scenario that also
    /// drives another family).
    Scenario,
    /// One per step.
    Step,
    /// One per command.
    Command,
}

/// Which file kind `schema` describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// Scenario files.
    Scenario,
    /// Fragment files (`include:`).
    Fragment,
    /// The requirement catalogue.
    Requirements,
}

/// Where scenarios, the catalogue and the personas are.
#[derive(Debug, Args, Clone)]
pub struct SuiteArgs {
    /// Scenario files or directories (default: `scenarios/`).
    pub paths: Vec<PathBuf>,
    /// The requirement catalogue.
    #[arg(long, default_value = "scenarios/requirements.yaml")]
    pub catalogue: PathBuf,
    /// Persona directory (the emulator's cards; `persona:` is checked
    /// against it).
    #[arg(long, default_value = "vectors/personas")]
    pub personas: PathBuf,
    /// Every `include:` must resolve inside this directory (default: the
    /// catalogue's directory).
    #[arg(long)]
    pub include_root: Option<PathBuf>,
}

/// TLS of the HTTP targets (`--oqs https://…`, `--portal https://…`).
#[derive(Debug, Args, Clone, Default)]
pub struct ClientTlsArgs {
    /// Trust the CA certificates in this PEM file instead of the system's
    /// roots (e.g. `vectors/tls/ca-cert.pem` for the reference servers'
    /// test certificate).
    #[arg(long, value_name = "PEM")]
    pub ca: Option<PathBuf>,
    /// Client certificate chain (PEM), for endpoints that require one; with
    /// `--client-key`.
    #[arg(long, value_name = "PEM", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

impl ClientTlsArgs {
    /// As the HTTP client's settings.
    pub fn options(&self) -> myna_http::TlsOptions {
        myna_http::TlsOptions {
            ca_file: self.ca.clone(),
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
        }
    }
}

/// HTTPS for a reference server.
#[derive(Debug, Args, Clone, Default)]
pub struct ServerTlsArgs {
    /// Serve HTTPS with this certificate chain (PEM; e.g. the test
    /// certificate `vectors/tls/server-cert.pem`); with `--tls-key`.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl ServerTlsArgs {
    /// The TLS identity to serve with (`None`: plain HTTP); an error names
    /// the file at fault (bad input).
    pub fn identity(&self) -> Result<Option<myna_serve::ServerTls>, myna_serve::TlsSetupError> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => myna_serve::ServerTls::from_pem_files(cert, key).map(Some),
            _ => Ok(None),
        }
    }
}

/// Which scenarios: `run` and `list` take the same options.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Only scenarios whose id contains this (or matches this glob with
    /// `*`); repeat it to keep scenarios matching any.
    #[arg(long)]
    pub filter: Vec<String>,
    /// Only scenarios with any of these tags (comma-separated; spaces around
    /// a tag are ignored).
    #[arg(long, value_delimiter = ',', value_parser = tag)]
    pub tags: Vec<String>,
}

/// `run` options.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Card target: `emu` (built-in emulator), `pcsc[:READER NAME]`, or
    /// `vpcd[:PORT]` (the emulator hosted behind pcscd's vpcd for a reader
    /// under test, which reads it as "Virtual PCD 00 00" for port 35963;
    /// the harness sees the reader's APDUs: `reader.card-trace`).
    #[arg(long, default_value = "emu", value_parser = card_spec)]
    pub card: CardSpec,
    /// Reader target: `builtin` (the reference reader) or `tcp://HOST:PORT`
    /// (any reader speaking harness/reader/PROTOCOL.md).
    #[arg(long, default_value = "builtin", value_parser = reader_spec)]
    pub reader: ReaderSpec,
    /// Portal target: `builtin` or the `http://` / `https://` URL of a
    /// server implementing harness/portal/openapi.yaml.
    #[arg(long, default_value = "builtin", value_parser = http_target)]
    pub portal: HttpTarget,
    /// Eligibility (OQS) target: `builtin` or an `http://` / `https://` URL.
    #[arg(long, default_value = "builtin", value_parser = http_target)]
    pub oqs: HttpTarget,
    #[command(flatten)]
    pub tls: ClientTlsArgs,
    /// With `--card pcsc`: the persona (under `--personas`) describing the
    /// card in the reader, for `${persona.*}`; scenarios for other personas
    /// are then not applicable. Without it, persona scenarios are not applicable.
    #[arg(long)]
    pub persona: Option<String>,
    /// With `--card pcsc`: open the reader exclusively.
    #[arg(long)]
    pub exclusive: bool,
    /// With `--card pcsc` on a card that cannot be factory-reset (a real
    /// card): also run scenarios tagged `destructive`, which lock or change
    /// its PINs for good. Without it they are `not_applicable`.
    #[arg(long)]
    pub allow_destructive: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    /// The rule set in force on this date (YYYY-MM-DD, a real calendar date;
    /// default today, UTC).
    #[arg(long, value_parser = rules_date)]
    pub rules: Option<RulesDate>,
    /// Known failures of this implementation, with reasons.
    #[arg(long)]
    pub expectations: Option<PathBuf>,
    /// Run shard K of N (e.g. `2/4`, 1 ≤ K ≤ N); ids are hashed, so
    /// shards are stable.
    #[arg(long, value_parser = shard)]
    pub shard: Option<Shard>,
    /// Report directory: checked writable and locked before the first step
    /// (a second run into it is refused), replaced as a set at the end.
    #[arg(long, default_value = "reports/latest")]
    pub out: PathBuf,
    /// Sign `report.json` with this P-256 private key (PKCS#8 PEM, from
    /// `report keygen`) into `report.json.sig`.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Print one line per scenario instead of a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Step executions one scenario may make (default 1,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    pub max_scenario_steps: u64,
    /// Step executions the whole run may make (default 10,000,000).
    #[arg(long, default_value_t = 10_000_000)]
    pub max_run_steps: u64,
    /// With `--card pcsc`: how long one PC/SC wait may take (a command
    /// with its GET RESPONSEs, a power event, connecting, a transaction's
    /// begin or end, the disconnect) before its step or scenario ends in
    /// `error` (environment, exit 3): `30s`, `500ms`, or a bare number of
    /// milliseconds.
    #[arg(long, default_value = "30s", value_parser = timeout_millis)]
    pub card_timeout: std::time::Duration,
    /// With `--card pcsc`: how long one PC/SC transaction lasts (no other
    /// application reaches the card inside one) — `scenario` (the default,
    /// as a host holds one across an operation: begun after the reset,
    /// ended when the scenario ends; a scenario that also has steps of
    /// another family, such as a reader under test that may read the same
    /// card through pcscd, gets one per step instead), `step` (one per
    /// step, its GET RESPONSEs included) or `command` (one per command
    /// sent). A bare `--card-transaction` is `scenario`.
    #[arg(
        long,
        value_enum,
        value_name = "SCOPE",
        default_value_t = CardTransaction::Scenario,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "scenario"
    )]
    pub card_transaction: CardTransaction,
    /// The implementation conformance statement of the implementation under
    /// test (TOML: name and version, the test card's persona and
    /// capabilities, known failures with reasons); see README "IUT profile".
    #[arg(long, value_name = "FILE")]
    pub iut: Option<PathBuf>,
    /// With `--card pcsc`: the capabilities the card declares
    /// (comma-separated `card.…`), instead of the PC/SC defaults.
    #[arg(long, value_delimiter = ',', value_parser = tag)]
    pub card_capabilities: Vec<String>,
}

/// `record` options.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The card that answers: `emu` (the emulator, in-process) or
    /// `pcsc[:READER NAME]` (a card in another PC/SC reader).
    #[arg(long, default_value = "emu", value_parser = card_spec)]
    pub card: CardSpec,
    /// The persona of the card: the emulator's persona, and the values
    /// (PINs) that become `${persona.*}` in the file. Default `taro` with
    /// `--card emu`, none with `--card pcsc`.
    #[arg(long)]
    pub persona: Option<String>,
    /// Persona directory.
    #[arg(long, default_value = "vectors/personas")]
    pub personas: PathBuf,
    /// vpcd address of the reader the host application uses
    /// (`127.0.0.1:35963` is "Virtual PCD 00 00", `…:35964` "… 00 01").
    #[arg(long, default_value = "127.0.0.1:35963")]
    pub vpcd: String,
    /// The scenario file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The last part of the scenario id (`card.recorded.NAME`; default:
    /// the UTC time, `YYYYMMDD-HHMMSS`).
    #[arg(long)]
    pub name: Option<String>,
    /// Stop after this many seconds (default: when Enter is pressed or
    /// standard input ends).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// With `--card pcsc`: how long one PC/SC wait may take (as `run
    /// --card-timeout`: `30s`, `500ms`, a bare number of milliseconds);
    /// past it the recording stops, exit 3, no file is written.
    #[arg(long, default_value = "30s", value_parser = timeout_millis)]
    pub card_timeout: std::time::Duration,
}

/// `list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// List requirement ids with their level and text instead.
    #[arg(long)]
    pub requirements: bool,
    /// Preview a selection: only the scenarios `run` would select with
    /// these options (with `--rules` and `--shard` too).
    #[command(flatten)]
    pub select: SelectArgs,
    /// The rule set in force on this date, as for `run`.
    #[arg(long, value_parser = rules_date)]
    pub rules: Option<RulesDate>,
    /// A shard `K/N`, as for `run`.
    #[arg(long, value_parser = shard)]
    pub shard: Option<Shard>,
}

/// `emu` subcommands.
#[derive(Debug, Subcommand)]
pub enum EmuCommand {
    /// Put the emulated card behind pcscd through the vsmartcard vpcd driver.
    Serve {
        /// vpcd address to connect to.
        #[arg(long, default_value = "127.0.0.1:35963", num_args = 0..=1, default_missing_value = "127.0.0.1:35963")]
        vpcd: String,
        /// Persona to serve.
        #[arg(long, default_value = "taro")]
        persona: String,
        /// Persona directory.
        #[arg(long, default_value = "vectors/personas")]
        personas: PathBuf,
        /// Give up when vpcd is unreachable instead of retrying.
        #[arg(long)]
        once: bool,
        /// Harness-only: answer the factory-reset command `80 EE 00 00
        /// [persona id]` by replacing the card with a fresh one (of that
        /// persona), so each scenario run through pcscd starts anew
        /// (docs/pcsc.md). Never use it to stand in for a real card.
        #[arg(long)]
        test_control: bool,
        /// Read commands from standard input while serving: `remove` (pull
        /// the card out), `insert [PERSONA]` (put it back, or a fresh card of
        /// another persona), `quit`. For reader tests that need a card placed
        /// and removed on cue.
        #[arg(long)]
        commands: bool,
    },
}

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge shard reports into one (refuses reports of different
    /// selections or targets unless `--allow-mixed`); the exit code follows
    /// the merged verdicts, as `run`'s does.
    Merge {
        /// `report.json` files (or directories holding one) of the shards.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long, default_value = "reports/merged")]
        out: PathBuf,
        /// Merge reports of different selections, targets or rules dates.
        #[arg(long, alias = "force")]
        allow_mixed: bool,
        /// Sign the merged `report.json` with this private key.
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
    },
    /// Rebuild `report.html`, `junit.xml` and `summary.md` from a
    /// `report.json` (a directory holding one, or the file).
    Render {
        /// The report directory or its `report.json`.
        input: PathBuf,
        /// Output directory (default: the report's own directory).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Sign the rewritten `report.json` with this private key.
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
    },
    /// Print the JSON Schema of `report.json`.
    Schema,
    /// Make a P-256 key pair for `run --sign`: `NAME.pem` (PKCS#8, private,
    /// mode 0600) and `NAME.pub.pem` (SPKI, for `report verify`).
    Keygen {
        /// Directory to write the two files into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// File name stem.
        #[arg(long, default_value = "report-signing-key")]
        name: String,
    },
    /// Check `report.json.sig` over `report.json` and every file
    /// `report.json` lists by its SHA-256; names the file that does not
    /// match. Exit 0 when everything matches, 1 when something does not.
    Verify {
        /// The report directory.
        dir: PathBuf,
        /// The public key (SPKI PEM, from `report keygen`).
        #[arg(long)]
        key: PathBuf,
    },
}

/// `oqs` subcommands.
#[derive(Debug, Subcommand)]
pub enum OqsCommand {
    /// Serve the reference eligibility service with its test-control API
    /// (docs/oqs.md) until interrupted.
    Serve {
        /// Address to listen on (IP:PORT).
        #[arg(long, default_value = "127.0.0.1:8080", value_parser = listen_address)]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        tls: ServerTlsArgs,
    },
}

/// `bench` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Open-loop latency of an eligibility service: requests sent on
    /// schedule, latency measured from the scheduled time; p50/p90/p99/p99.9/max,
    /// the rate achieved and whether it fell behind; `--find-max` searches
    /// the highest rate that holds a p99 bound.
    Lookup {
        /// Base URL of the service (`http://` or `https://`).
        #[arg(long, value_parser = http_url)]
        oqs: HttpUrl,
        /// Requests per second.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// How long to send (`10s`, `500ms`, `2m`; a bare number is seconds).
        #[arg(long, default_value = "10s", value_parser = duration_seconds)]
        duration: std::time::Duration,
        /// Concurrent connections.
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Seed this many registered persons through the test-control API
        /// first and look up their serials (resets the service's world).
        #[arg(long)]
        seed: Option<u32>,
        /// Where `bench-lookup.json` is written.
        #[arg(long, default_value = "reports/latest")]
        out: PathBuf,
        /// Search the highest rate whose p99 stays within `--p99` with no
        /// error and without falling behind the schedule: trials of
        /// `--duration` each, doubling from `--rate`, then bisecting.
        #[arg(long)]
        find_max: bool,
        /// The p99 bound of `--find-max` (`10ms`, `2s`; a bare number is
        /// milliseconds).
        #[arg(long, default_value = "10ms", value_parser = timeout_millis, requires = "find_max")]
        p99: std::time::Duration,
        #[command(flatten)]
        tls: ClientTlsArgs,
    },
}

/// A `--tags` item: trimmed, not empty (`--tags 'pin, text'` is `pin` and `text`).
fn tag(text: &str) -> Result<String, String> {
    let tag = text.trim();
    if tag.is_empty() {
        return Err("expected a tag name, found an empty item".into());
    }
    Ok(tag.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn card_transaction(args: &[&str]) -> (CardTransaction, usize) {
        let cli = Cli::try_parse_from(["myna-conform", "run"].iter().chain(args)).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("not run")
        };
        (run.card_transaction, run.suite.paths.len())
    }

    #[test]
    fn card_transaction_defaults_to_scenario_and_a_bare_flag_keeps_its_meaning() {
        assert_eq!(
            card_transaction(&["x.yaml"]),
            (CardTransaction::Scenario, 1)
        );
        // The bare flag of before takes no value: the path stays a path.
        assert_eq!(
            card_transaction(&["--card-transaction", "x.yaml"]),
            (CardTransaction::Scenario, 1)
        );
        assert_eq!(
            card_transaction(&["--card-transaction=step", "x.yaml"]),
            (CardTransaction::Step, 1)
        );
        assert_eq!(
            card_transaction(&["--card-transaction=command"]),
            (CardTransaction::Command, 0)
        );
        assert!(Cli::try_parse_from(["myna-conform", "run", "--card-transaction=often"]).is_err());
    }

    #[test]
    fn tags_are_trimmed() {
        assert_eq!(tag(" text ").as_deref(), Ok("text"));
        assert_eq!(
            tag("  "),
            Err("expected a tag name, found an empty item".to_owned())
        );
    }
}
