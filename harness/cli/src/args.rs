//! Command-line arguments (DESIGN §7). Names here are a contract: scripts
//! rely on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Conformance test harness for the マイナ保険証 ecosystem: the My Number
/// Card, reception readers, マイナポータル flows and the eligibility lookup.
///
/// Exit codes: 0 all pass (or only expected failures), 1 conformance
/// failures, 2 bad input (scenario or arguments), 3 infrastructure error.
#[derive(Debug, Parser)]
#[command(name = "myna-conform", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
    /// Print the scenario file JSON Schema.
    Schema,
    /// The emulated card as a server.
    Emu {
        /// What to do with the emulator.
        #[command(subcommand)]
        command: EmuCommand,
    },
    /// Work with reports.
    Report {
        /// What to do with reports.
        #[command(subcommand)]
        command: ReportCommand,
    },
}

/// Where scenarios and the catalogue are.
#[derive(Debug, Args, Clone)]
pub struct SuiteArgs {
    /// Scenario files or directories (default: `scenarios/`).
    pub paths: Vec<PathBuf>,
    /// The requirement catalogue.
    #[arg(long, default_value = "scenarios/requirements.yaml")]
    pub catalogue: PathBuf,
}

/// `run` options.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Card target: `emu` (built-in emulator) or `pcsc[:READER NAME]`.
    #[arg(long, default_value = "emu")]
    pub card: String,
    /// Reader target: `builtin` or `tcp://HOST:PORT`.
    #[arg(long, default_value = "builtin")]
    pub reader: String,
    /// Portal target: `builtin` or a URL.
    #[arg(long, default_value = "builtin")]
    pub portal: String,
    /// Eligibility (OQS) target: `builtin` or a URL.
    #[arg(long, default_value = "builtin")]
    pub oqs: String,
    /// Persona directory for the emulator.
    #[arg(long, default_value = "vectors/personas")]
    pub personas: PathBuf,
    /// With `--card pcsc`: the persona (under `--personas`) describing the
    /// card in the reader, for `${persona.*}`; scenarios for other personas
    /// are then not applicable. Without it, persona scenarios are not applicable.
    #[arg(long)]
    pub persona: Option<String>,
    /// With `--card pcsc`: open the reader exclusively.
    #[arg(long)]
    pub exclusive: bool,
    /// Only scenarios whose id contains this (or matches this glob with `*`).
    #[arg(long)]
    pub filter: Option<String>,
    /// Only scenarios with any of these tags (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// The rule set in force on this date (YYYY-MM-DD; default today).
    #[arg(long)]
    pub rules: Option<String>,
    /// Known failures of this implementation, with reasons.
    #[arg(long)]
    pub expectations: Option<PathBuf>,
    /// Run shard K of N (e.g. `2/4`); ids are hashed, so shards are stable.
    #[arg(long)]
    pub shard: Option<String>,
    /// Report directory.
    #[arg(long, default_value = "reports/latest")]
    pub out: PathBuf,
    /// Print one line per scenario instead of a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// `list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// List requirement ids with their level and text instead.
    #[arg(long)]
    pub requirements: bool,
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
        /// Do not print a line per APDU.
        #[arg(long)]
        quiet: bool,
        /// Give up when vpcd is unreachable instead of retrying.
        #[arg(long)]
        once: bool,
    },
}

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge shard reports into one.
    Merge {
        /// `report.json` files of the shards.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long, default_value = "reports/merged")]
        out: PathBuf,
    },
    /// Re-render JUnit and Markdown from a `report.json`.
    Render {
        /// The report.
        input: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
}
