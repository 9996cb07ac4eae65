//! One function per subcommand; each returns the process exit code.

use std::path::PathBuf;

use myna_engine::{exit_code, load_suite, run_suite, select, LoadedSuite, RunOptions};
use myna_report::{RunInfo, Selection as ReportSelection, Targets};

use crate::args::{Command, EmuCommand, ListArgs, ReportCommand, RunArgs, SuiteArgs};
use crate::console;

/// Runs a subcommand.
pub fn dispatch(command: Command) -> i32 {
    match command {
        Command::Run(args) => run(*args),
        Command::List(args) => list(args),
        Command::Check(args) => check(args),
        Command::Schema => schema(),
        Command::Emu { command } => emu(command),
        Command::Report { command } => report(command),
    }
}

fn paths(suite: &SuiteArgs) -> Vec<PathBuf> {
    if suite.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        suite.paths.clone()
    }
}

fn load(suite: &SuiteArgs) -> Result<LoadedSuite, i32> {
    load_suite(&paths(suite), &suite.catalogue).map_err(|problems| {
        console::print_problems(&problems);
        exit_code::BAD_INPUT
    })
}

fn bad_argument(message: &str) -> i32 {
    eprintln!("error: {message}");
    exit_code::BAD_INPUT
}

fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

fn valid_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn run(args: RunArgs) -> i32 {
    let rules_date = args.rules.clone().unwrap_or_else(today);
    if !valid_date(&rules_date) {
        return bad_argument(&format!("--rules expects YYYY-MM-DD, found {rules_date:?}"));
    }
    let shard = match args.shard.as_deref().map(select::parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return bad_argument(&format!("--shard: {e}")),
    };
    for (name, value) in [
        ("--reader", &args.reader),
        ("--portal", &args.portal),
        ("--oqs", &args.oqs),
    ] {
        if value != "builtin" {
            return bad_argument(&format!(
                "{name} {value}: only `builtin` is available in this version"
            ));
        }
    }
    let expectations = match &args.expectations {
        None => Vec::new(),
        Some(path) => match std::fs::read_to_string(path) {
            Err(e) => return bad_argument(&format!("cannot read {}: {e}", path.display())),
            Ok(text) => match myna_scenario::load_expectations(&path.to_string_lossy(), &text) {
                Ok(list) => list,
                Err(diagnostics) => {
                    for d in diagnostics {
                        eprintln!("{}", d.render(&text));
                    }
                    return exit_code::BAD_INPUT;
                }
            },
        },
    };
    let suite = match load(&args.suite) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut provider = match card_provider(&args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let options = RunOptions {
        selection: select::Selection {
            filter: args.filter.clone(),
            tags: args.tags.clone(),
            rules_date,
            shard,
        },
        expectations,
        run_info: RunInfo {
            command: std::env::args().collect(),
            targets: Targets {
                card: args.card.clone(),
                reader: args.reader.clone(),
                portal: args.portal.clone(),
                oqs: args.oqs.clone(),
                capabilities: Vec::new(),
            },
            selection: ReportSelection {
                paths: paths(&args.suite)
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
                filter: args.filter.clone(),
                tags: args.tags.clone(),
                shard: args.shard.clone(),
            },
            expectations_file: args.expectations.as_ref().and_then(|p| {
                std::fs::read(p).ok().map(|bytes| myna_report::FileHash {
                    path: p.display().to_string(),
                    sha256: myna_engine::load::sha256_hex(&bytes),
                })
            }),
            ..RunInfo::default()
        },
    };
    let mut reporter = console::Reporter::new(args.no_progress);
    let result = run_suite(&suite, provider.as_mut(), &options, &mut |e| {
        reporter.event(e)
    });
    reporter.finish();
    if let Err(e) = myna_report::write_reports(&result.report, &args.out) {
        eprintln!("error: {e}");
        return exit_code::INFRASTRUCTURE;
    }
    console::print_summary(&result.report, &args.out);
    result.exit_code()
}

/// The card provider `--card` names.
fn card_provider(args: &RunArgs) -> Result<Box<dyn myna_engine::target::CardProvider>, i32> {
    match args.card.as_str() {
        "emu" => Ok(Box::new(myna_engine::target::EmuProvider::new(
            &args.personas,
        ))),
        other if other == "pcsc" || other.starts_with("pcsc:") => pcsc_provider(args),
        other => Err(bad_argument(&format!(
            "--card expects `emu` or `pcsc[:NAME]`, found {other:?}"
        ))),
    }
}

#[cfg(feature = "pcsc")]
fn pcsc_provider(args: &RunArgs) -> Result<Box<dyn myna_engine::target::CardProvider>, i32> {
    use myna_engine::target::{PcscCard, PcscOptions, PcscProvider, ReaderSelector, Sharing};
    let name = args.card.strip_prefix("pcsc:");
    let persona = match &args.persona {
        None => None,
        Some(id) => match myna_card_emu::persona::Persona::load_named(&args.personas, id) {
            Ok(p) => Some((
                id.clone(),
                p.variables()
                    .into_iter()
                    .map(|v| myna_engine::PersonaVar {
                        name: v.name,
                        value: v.value,
                        secret: v.secret,
                    })
                    .collect(),
            )),
            Err(e) => return Err(bad_argument(&format!("--persona {id}: {e}"))),
        },
    };
    let mut options = PcscOptions::reader(ReaderSelector::from_cli(name));
    if args.exclusive {
        options.sharing = Sharing::Exclusive;
    }
    match PcscCard::open(options) {
        Ok(card) => Ok(Box::new(PcscProvider::new(card, persona))),
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit_code::INFRASTRUCTURE)
        }
    }
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_provider(_: &RunArgs) -> Result<Box<dyn myna_engine::target::CardProvider>, i32> {
    Err(bad_argument(
        "--card pcsc needs a build with the `pcsc` feature (see docs/pcsc.md)",
    ))
}

fn list(args: ListArgs) -> i32 {
    let suite = match load(&args.suite) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.requirements {
        for r in &suite.requirements {
            let level = match r.level {
                myna_scenario::Level::Must => "must",
                myna_scenario::Level::Should => "should",
            };
            println!("{}\t{level}\t{}", r.id, r.text);
        }
    } else {
        for s in &suite.scenarios {
            println!("{}", s.id);
        }
    }
    exit_code::OK
}

fn check(args: SuiteArgs) -> i32 {
    match load(&args) {
        Ok(suite) => {
            eprintln!(
                "ok: {} scenarios, {} requirements, {} files",
                suite.scenarios.len(),
                suite.requirements.len(),
                suite.files.len()
            );
            exit_code::OK
        }
        Err(code) => code,
    }
}

fn schema() -> i32 {
    match serde_json::to_string_pretty(&myna_scenario::scenario_schema()) {
        Ok(text) => {
            println!("{text}");
            exit_code::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
    }
}

fn emu(command: EmuCommand) -> i32 {
    match command {
        EmuCommand::Serve {
            vpcd,
            persona,
            personas,
            quiet,
            once,
        } => emu_serve(&vpcd, &persona, &personas, quiet, once),
    }
}

fn report(command: ReportCommand) -> i32 {
    match command {
        ReportCommand::Merge { inputs, out } => {
            let mut reports = Vec::new();
            for input in &inputs {
                match myna_report::read_json(input) {
                    Ok(r) => reports.push(r),
                    Err(e) => return bad_argument(&e.to_string()),
                }
            }
            let merged = match myna_report::merge(reports) {
                Ok(r) => r,
                Err(e) => return bad_argument(&e.to_string()),
            };
            write_and_exit(&merged, &out)
        }
        ReportCommand::Render { input, out } => match myna_report::read_json(&input) {
            Ok(r) => write_and_exit(&r, &out),
            Err(e) => bad_argument(&e.to_string()),
        },
    }
}

fn write_and_exit(report: &myna_report::Report, out: &std::path::Path) -> i32 {
    match myna_report::write_reports(report, out) {
        Ok(_) => {
            console::print_summary(report, out);
            exit_code::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
    }
}

/// `emu serve --vpcd`: the emulated card dials vpcd (inside pcscd) and is
/// served until interrupted; it reconnects when pcscd restarts.
fn emu_serve(
    vpcd: &str,
    persona: &str,
    personas: &std::path::Path,
    quiet: bool,
    once: bool,
) -> i32 {
    use myna_card_emu::vpcd::{Emulator, EmulatorOptions, Reconnect, Silent, StderrLog};
    let persona_data = match myna_card_emu::persona::Persona::load_named(personas, persona) {
        Ok(p) => p,
        Err(e) => return bad_argument(&format!("--persona {persona}: {e}")),
    };
    let card = myna_card_emu::Card::new(persona_data.card_profile());
    let mut options = EmulatorOptions::default();
    if once {
        options.reconnect = Reconnect::Never;
    }
    eprintln!(
        "serving persona `{persona}` to vpcd at {vpcd} (reader \"Virtual PCD 00 00\" for port 35963); Ctrl-C stops"
    );
    let emulator = Emulator::new(vpcd, card).with_options(options);
    let result = if quiet {
        emulator.with_observer(Silent).run()
    } else {
        emulator.with_observer(StderrLog).run()
    };
    match result {
        Ok(()) => exit_code::OK,
        Err(e) => {
            eprintln!("error: {e} (is pcscd running with vsmartcard-vpcd? see docs/pcsc.md)");
            exit_code::INFRASTRUCTURE
        }
    }
}
