//! One function per subcommand; each returns the process exit code.

use std::path::PathBuf;

use myna_conform::families::{families, families_with, Providers, Targets};
use myna_engine::{
    exit_code, load_suite_with, run_suite_budgeted, select, Budget, LoadOptions, LoadedSuite,
    RunOptions,
};
use myna_family::Family;
use myna_family_card::target::{CardProvider, EmuProvider};
use myna_family_oqs::{BuiltinOqs, HttpOqs, OqsProvider};
use myna_report::{RunInfo, Selection as ReportSelection};

use crate::args::{
    BenchCommand, Command, EmuCommand, ListArgs, OqsCommand, ReportCommand, RunArgs, SchemaKind,
    SuiteArgs,
};
use crate::console;

/// Runs a subcommand.
pub fn dispatch(cli: crate::args::Cli) -> i32 {
    let quiet = cli.quiet;
    match cli.command {
        Command::Run(args) => run(*args),
        Command::List(args) => list(args),
        Command::Check(args) => check(args),
        Command::Schema { kind } => schema(kind),
        Command::Record(args) => crate::record::record(&args),
        Command::Emu { command } => emu(command, quiet),
        Command::Oqs {
            command: OqsCommand::Serve { listen, tls },
        } => crate::oqs_commands::oqs_serve(&listen, &tls),
        Command::Bench {
            command:
                BenchCommand::Lookup {
                    oqs,
                    rate,
                    duration,
                    connections,
                    seed,
                    out,
                    tls,
                },
        } => crate::oqs_commands::bench_lookup(&crate::oqs_commands::BenchLookup {
            url: &oqs,
            rate,
            duration: &duration,
            connections,
            seed,
            out: &out,
            tls: tls.options(),
        }),
        Command::Report { command } => report(command),
        Command::Reader {
            command: crate::reader_commands::ReaderCommand::Serve(args),
        } => crate::reader_commands::reader_serve(&args),
        Command::Fuzz(args) => crate::reader_commands::fuzz(&args),
        Command::Portal { command } => crate::portal_commands::dispatch(command),
        Command::Completions { shell } => crate::completions::completions(shell),
        Command::Man => crate::completions::man(),
    }
}

fn paths(suite: &SuiteArgs) -> Vec<PathBuf> {
    if suite.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        suite.paths.clone()
    }
}

fn load(suite: &SuiteArgs, families: &[Box<dyn Family>]) -> Result<LoadedSuite, i32> {
    // One error, not one per scenario that names a persona.
    if !suite.personas.is_dir() {
        return Err(bad_argument(&format!(
            "persona directory {} not found (run inside the checkout, or pass --personas DIR)",
            suite.personas.display()
        )));
    }
    let options = LoadOptions::default().include_root(suite.include_root.clone());
    load_suite_with(&paths(suite), &suite.catalogue, families, &options).map_err(|problems| {
        console::print_problems(&problems);
        if problems.internal.is_empty() {
            exit_code::BAD_INPUT
        } else {
            exit_code::INTERNAL
        }
    })
}

fn targets(suite: &SuiteArgs) -> Targets {
    Targets {
        personas: suite.personas.clone(),
    }
}

pub(crate) fn bad_argument(message: &str) -> i32 {
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

/// The engine's selection from the command line's.
fn selection(
    select: &crate::args::SelectArgs,
    rules_date: String,
    shard: Option<(u32, u32)>,
) -> select::Selection {
    select::Selection {
        filters: select.filter.clone(),
        tags: select.tags.clone(),
        rules_date,
        shard,
    }
}

/// What the user wrote that would select or excuse nothing: exit 2, every
/// problem at once.
fn check_selection(
    args: &RunArgs,
    suite: &LoadedSuite,
    expectations: &[myna_scenario::ExpectedFailure],
) -> Result<(), i32> {
    use crate::selection_checks::{
        no_scenarios, unknown_tags, unmatched_expectations, unmatched_filters,
    };
    let mut problems = Vec::new();
    problems.extend(no_scenarios(&paths(&args.suite), &suite.scenarios));
    problems.extend(unmatched_filters(&args.select.filter, &suite.scenarios));
    problems.extend(unknown_tags(&args.select.tags, &suite.scenarios));
    let unmatched = unmatched_expectations(expectations, &suite.scenarios);
    if problems.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    for message in &problems {
        eprintln!("error: {message}");
    }
    if let Some(path) = &args.expectations {
        let source = std::fs::read_to_string(path).unwrap_or_default();
        for d in &unmatched {
            eprintln!("{}", d.render(&source));
        }
    }
    Err(exit_code::BAD_INPUT)
}

fn run(args: RunArgs) -> i32 {
    // `--rules` is checked by its clap value parser (a real calendar date).
    let rules_date = args.rules.clone().unwrap_or_else(today);
    let shard = match args.shard.as_deref().map(select::parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return bad_argument(&format!("--shard: {e}")),
    };
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
    let card = match card_provider(&args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let oqs = match oqs_provider(&args.oqs, &args.tls) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let reader = match crate::reader_commands::reader_provider(&args.reader) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let portal = match crate::portal_commands::portal_provider(&args.portal) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let providers = Providers {
        card: Some(card),
        oqs: Some(oqs),
        reader: Some(reader),
        portal,
    };
    let mut families = families_with(providers, &targets(&args.suite));
    let suite = match load(&args.suite, &families) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(code) = check_selection(&args, &suite, &expectations) {
        return code;
    }
    let options = RunOptions {
        selection: selection(&args.select, rules_date, shard),
        expectations,
        run_info: RunInfo {
            command: std::env::args().collect(),
            selection: ReportSelection {
                paths: paths(&args.suite)
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
                // Several `--filter`s are listed comma-separated (schema 2.0
                // has one string here).
                filter: (!args.select.filter.is_empty()).then(|| args.select.filter.join(", ")),
                tags: args.select.tags.clone(),
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
    // A filter or tag that selects nothing is almost always a typo: say so
    // instead of passing an empty run. (An empty shard is legitimate.)
    if !args.select.filter.is_empty() || !args.select.tags.is_empty() {
        let unsharded = select::Selection {
            shard: None,
            ..options.selection.clone()
        };
        if select::select(&suite.scenarios, &suite.requirements, &unsharded).is_empty() {
            return bad_argument(&format!(
                "no scenario matches --filter {:?} --tags {:?} together (preview with `myna-conform list --filter … --tags …`)",
                args.select.filter.join(","),
                args.select.tags.join(",")
            ));
        }
    }
    let mut reporter = console::Reporter::new(args.no_progress);
    let budget = Budget::default()
        .per_scenario(args.max_scenario_steps)
        .per_run(args.max_run_steps);
    let result = run_suite_budgeted(&suite, &mut families, &options, &budget, &mut |e| {
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

/// The eligibility provider `--oqs` names: `builtin` or an `http(s)://` URL.
fn oqs_provider(oqs: &str, tls: &crate::args::ClientTlsArgs) -> Result<Box<dyn OqsProvider>, i32> {
    if oqs == "builtin" {
        return Ok(Box::new(BuiltinOqs));
    }
    if !(oqs.starts_with("http://") || oqs.starts_with("https://")) {
        return Err(bad_argument(&format!(
            "--oqs expects `builtin` or an http(s):// URL, found {oqs:?}"
        )));
    }
    let options = myna_http::ClientOptions {
        tls: tls.options(),
        ..myna_http::ClientOptions::default()
    };
    // A CA or client-certificate file that is not one is the user's mistake.
    if let Err(e) = myna_http::agent(&options) {
        return Err(bad_argument(&e.to_string()));
    }
    HttpOqs::connect_with(oqs, options)
        .map(|p| Box::new(p) as Box<dyn OqsProvider>)
        .map_err(|e| {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        })
}

fn is_pcsc(card: &str) -> bool {
    card == "pcsc" || card.starts_with("pcsc:")
}

/// The card provider `--card` names.
fn card_provider(args: &RunArgs) -> Result<Box<dyn CardProvider>, i32> {
    match args.card.as_str() {
        "emu" if args.persona.is_some() => Err(bad_argument(
            "--persona describes the card in a real reader (with --card pcsc); the emulator \
             plays each scenario's own `persona:` (default taro)",
        )),
        "emu" => Ok(Box::new(EmuProvider::new(&args.suite.personas))),
        other if is_pcsc(other) => pcsc_provider(args),
        other => Err(bad_argument(&format!(
            "--card expects `emu` or `pcsc[:NAME]`, found {other:?}"
        ))),
    }
}

#[cfg(feature = "pcsc")]
fn pcsc_provider(args: &RunArgs) -> Result<Box<dyn CardProvider>, i32> {
    use myna_family_card::target::{
        persona_values, PcscCard, PcscOptions, PcscProvider, ReaderSelector, Sharing,
    };
    let name = args.card.strip_prefix("pcsc:");
    let personas = &args.suite.personas;
    let persona = match &args.persona {
        None => None,
        Some(id) => match myna_card_emu::persona::Persona::load_named(personas, id) {
            Ok(p) => Some((id.clone(), persona_values(&p))),
            Err(e) => return Err(bad_argument(&format!("--persona {id}: {e}"))),
        },
    };
    let mut options = PcscOptions::reader(ReaderSelector::from_cli(name));
    options.transmit_timeout = std::time::Duration::from_millis(args.card_timeout.max(1));
    if args.exclusive {
        options.sharing = Sharing::Exclusive;
    }
    let card = match PcscCard::open(options) {
        Ok(card) => card,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(exit_code::INFRASTRUCTURE);
        }
    };
    let mut provider = PcscProvider::new(card, persona).allow_destructive(args.allow_destructive);
    match provider.probe_factory_reset(personas) {
        Ok(true) => eprintln!(
            "card: the emulator's test control answered; each scenario starts from a factory-reset card"
        ),
        Ok(false) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return Err(exit_code::INFRASTRUCTURE);
        }
    }
    Ok(Box::new(provider))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_provider(_: &RunArgs) -> Result<Box<dyn CardProvider>, i32> {
    Err(bad_argument(
        "--card pcsc needs a build with the `pcsc` feature (see docs/pcsc.md)",
    ))
}

fn list(args: ListArgs) -> i32 {
    let suite = match load(&args.suite, &families(&targets(&args.suite))) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.requirements {
        for r in &suite.requirements {
            crate::console::outln!("{}\t{}\t{}", r.id, r.level.as_str(), r.text);
        }
        return exit_code::OK;
    }
    let shard = match args.shard.as_deref().map(select::parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return bad_argument(&format!("--shard: {e}")),
    };
    let mut problems =
        crate::selection_checks::unmatched_filters(&args.select.filter, &suite.scenarios);
    problems.extend(crate::selection_checks::unknown_tags(
        &args.select.tags,
        &suite.scenarios,
    ));
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        return exit_code::BAD_INPUT;
    }
    let chosen = selection(
        &args.select,
        args.rules.clone().unwrap_or_else(today),
        shard,
    );
    for s in select::select(&suite.scenarios, &suite.requirements, &chosen) {
        crate::console::outln!("{}", s.id);
    }
    exit_code::OK
}

fn check(args: SuiteArgs) -> i32 {
    match load(&args, &families(&targets(&args))) {
        Ok(suite) if suite.scenarios.is_empty() && suite.files.is_empty() => {
            let message = crate::selection_checks::no_scenarios(&paths(&args), &suite.scenarios);
            bad_argument(message.as_deref().unwrap_or("no scenario"))
        }
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

fn schema(kind: SchemaKind) -> i32 {
    let families = families(&Targets::default());
    let vocabulary = match myna_engine::vocabulary(&families) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e} (a myna-conform bug, please report it)");
            return exit_code::INTERNAL;
        }
    };
    let schema = match kind {
        SchemaKind::Scenario => myna_scenario::scenario_schema(&vocabulary),
        SchemaKind::Fragment => myna_scenario::fragment_schema(&vocabulary),
        SchemaKind::Requirements => myna_scenario::requirements_schema(),
    };
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => {
            crate::console::outln!("{text}");
            exit_code::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
    }
}

fn emu(command: EmuCommand, quiet: bool) -> i32 {
    match command {
        EmuCommand::Serve {
            vpcd,
            persona,
            personas,
            once,
            test_control,
            commands,
        } => crate::emu_serve::emu_serve(&crate::emu_serve::ServeOptions {
            vpcd: &vpcd,
            persona: &persona,
            personas: &personas,
            quiet,
            once,
            test_control,
            commands,
        }),
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
