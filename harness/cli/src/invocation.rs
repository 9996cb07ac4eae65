//! From the process's arguments to a [`Cli`]: the project root is found
//! (`project`), the profile of `myna-conform.toml` adds its options
//! (`config`), and default paths are resolved at the root, so every
//! subcommand works from any directory inside the checkout.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use myna_engine::exit_code;

use crate::args::{Cli, Command, EmuCommand, SuiteArgs};
use crate::config::Config;
use crate::project;

/// Parses `argv`; `Err(exit code)` after printing what was wrong (clap's
/// usage errors exit 2, `--help` and `--version` 0).
pub fn parse(argv: Vec<OsString>) -> Result<Cli, i32> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = project::discover(&cwd);
    let first = Cli::command()
        .try_get_matches_from(&argv)
        .unwrap_or_else(|e| e.exit());
    let argv = with_profile(argv, &first, &cwd, root.as_deref())?;
    let matches = Cli::command()
        .try_get_matches_from(&argv)
        .unwrap_or_else(|e| e.exit());
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let defaulted = |id: &str| {
        matches
            .subcommand()
            .is_some_and(|(_, sub)| sub.value_source(id) != Some(ValueSource::CommandLine))
    };
    resolve_paths(&mut cli.command, &cwd, root.as_deref(), &defaulted);
    Ok(cli)
}

/// `argv` with the options of the selected profile added.
fn with_profile(
    mut argv: Vec<OsString>,
    first: &ArgMatches,
    cwd: &Path,
    root: Option<&Path>,
) -> Result<Vec<OsString>, i32> {
    let profile = first
        .get_one::<String>("profile")
        .map_or("default", String::as_str);
    let config = match root.map(|r| Config::load(&r.join(project::CONFIG_FILE))) {
        None => None,
        Some(Ok(config)) => config,
        Some(Err(e)) => {
            eprintln!("error: {}", e.0);
            return Err(exit_code::BAD_INPUT);
        }
    };
    let Some(config) = config else {
        if profile != "default" {
            eprintln!(
                "error: --profile {profile}: no {} found from {} upwards",
                project::CONFIG_FILE,
                cwd.display()
            );
            return Err(exit_code::BAD_INPUT);
        }
        return Ok(argv);
    };
    let Some((name, sub_matches)) = first.subcommand() else {
        return Ok(argv);
    };
    let cli = Cli::command();
    let Some(sub) = cli.find_subcommand(name) else {
        return Ok(argv);
    };
    let words = config
        .arguments(profile, sub, sub_matches, cwd)
        .map_err(|e| {
            eprintln!("error: {}", e.0);
            exit_code::BAD_INPUT
        })?;
    // Before a `--`, after which every word is a path.
    let at = argv.iter().position(|w| w == "--").unwrap_or(argv.len());
    argv.splice(at..at, words);
    Ok(argv)
}

/// Default and relative paths made usable from `cwd` (see
/// [`project::resolve`]); default output directories go under the root.
fn resolve_paths(
    command: &mut Command,
    cwd: &Path,
    root: Option<&Path>,
    defaulted: &dyn Fn(&str) -> bool,
) {
    let suite = |s: &mut SuiteArgs| {
        if s.paths.is_empty() {
            s.paths.push(PathBuf::from("scenarios"));
        }
        for p in &mut s.paths {
            *p = project::resolve(p, cwd, root);
        }
        s.catalogue = project::resolve(&s.catalogue, cwd, root);
        s.personas = project::resolve(&s.personas, cwd, root);
    };
    let out = |p: &mut PathBuf| {
        if defaulted("out") {
            *p = project::output(p, cwd, root);
        }
    };
    match command {
        Command::Run(args) => {
            suite(&mut args.suite);
            out(&mut args.out);
        }
        Command::List(args) => suite(&mut args.suite),
        Command::Check(args) => suite(args),
        Command::Record(args) => args.personas = project::resolve(&args.personas, cwd, root),
        Command::Emu {
            command: EmuCommand::Serve { personas, .. },
        } => *personas = project::resolve(personas, cwd, root),
        _ => {}
    }
}
