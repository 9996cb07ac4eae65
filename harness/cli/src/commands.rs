//! One function per subcommand; each returns the process exit code.

use std::path::PathBuf;

use myna_conform::families::{families, families_with, Providers, Targets};
use myna_engine::{
    exit_code, load_suite_with, run_suite_streamed, select, Budget, LoadOptions, LoadedSuite,
    RunOptions,
};
use myna_family::Family;
use myna_family_card::target::{CardProvider, EmuProvider, VpcdAddresses, VpcdHostProvider};
use myna_family_oqs::{BuiltinOqs, HttpOqs, OqsProvider};
use myna_report::{RunInfo, Selection as ReportSelection};

use crate::arg_types::CardSpec;
use crate::args::{
    BenchCommand, Command, EmuCommand, ListArgs, OqsCommand, RunArgs, SchemaKind, SuiteArgs,
};
use crate::console;
use crate::report_commands::RunOutput;

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
        } => crate::oqs_commands::oqs_serve(listen, &tls),
        Command::Bench {
            command:
                BenchCommand::Lookup {
                    oqs,
                    rate,
                    duration,
                    connections,
                    seed,
                    out,
                    find_max,
                    p99,
                    tls,
                },
        } => crate::oqs_commands::bench_lookup(&crate::oqs_commands::BenchLookup {
            url: oqs.as_str(),
            rate,
            duration,
            connections,
            seed,
            out: &out,
            find_max: find_max.then_some(p99),
            tls: tls.options(),
        }),
        Command::Report { command } => crate::report_commands::report(command),
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

/// The families the selected scenarios use (their own and those they need):
/// only their targets are set up and probed.
fn used_families(suite: &LoadedSuite, selection: &select::Selection) -> Vec<&'static str> {
    let mut used: Vec<&'static str> =
        select::select(&suite.scenarios, &suite.requirements, selection)
            .iter()
            .flat_map(|s| s.families.iter().copied())
            .collect();
    used.sort();
    used.dedup();
    used
}

/// The engine's selection from the command line's.
fn selection(
    select: &crate::args::SelectArgs,
    rules: Option<&crate::arg_types::RulesDate>,
    shard: Option<crate::arg_types::Shard>,
) -> select::Selection {
    select::Selection {
        filters: select.filter.clone(),
        tags: select.tags.clone(),
        rules_date: rules.map_or_else(today, |d| d.as_str().to_owned()),
        shard: shard.map(|s| (s.index, s.count)),
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
    for d in &unmatched {
        // The expectations file or the IUT profile the entry came from.
        let source = std::fs::read_to_string(d.at.file.as_ref()).unwrap_or_default();
        eprintln!("{}", d.render(&source));
    }
    Err(exit_code::BAD_INPUT)
}

fn run(args: RunArgs) -> i32 {
    // `--rules`, `--shard` and the targets were checked by their clap
    // value parsers (crate::arg_types).
    // Before anything runs: the output directory is locked and writable,
    // the signing key readable. From here on every exit writes a report.
    let mut output = match RunOutput::open(&args.out, args.sign.as_deref()) {
        Ok(output) => output,
        Err(code) => return code,
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
    let mut expectations = expectations;
    let mut args = args;
    let iut = match &args.iut {
        None => None,
        Some(path) => match crate::iut::load(path) {
            Ok((profile, text)) => {
                expectations.extend(profile.expectations(path, &text));
                if let Some(card) = &profile.card {
                    if args.persona.is_none() && args.card.is_pcsc() {
                        args.persona = card.persona.clone();
                    }
                    if args.card_capabilities.is_empty() {
                        args.card_capabilities = card.capabilities.clone();
                    }
                }
                serde_json::to_value(&profile).ok()
            }
            Err(problems) => {
                for p in problems {
                    eprintln!("error: {p}");
                }
                return exit_code::BAD_INPUT;
            }
        },
    };
    let options = RunOptions {
        selection: selection(&args.select, args.rules.as_ref(), args.shard),
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
                shard: args.shard.map(|s| s.to_string()),
            },
            expectations_file: args.expectations.as_ref().and_then(|p| {
                std::fs::read(p).ok().map(|bytes| myna_report::FileHash {
                    path: p.display().to_string(),
                    sha256: myna_engine::load::sha256_hex(&bytes),
                })
            }),
            iut,
            ..RunInfo::default()
        },
        interrupt: crate::report_commands::interrupt_on_ctrl_c(),
        live_steps: console::live_steps(),
    };
    // Loaded with the built-in targets: parsing needs no external target,
    // and a target no selected scenario uses is then never probed.
    let suite = match load(&args.suite, &families(&targets(&args.suite))) {
        Ok(s) => s,
        Err(code) => {
            let message = "the scenario files or the catalogue do not load (the problems are on the console; `myna-conform check` lists them)";
            return output.abort(&options, code, message);
        }
    };
    if let Err(code) = check_selection(&args, &suite, &options.expectations) {
        let message = "the selection is not usable (the problems are on the console)";
        return output.abort(&options, code, message);
    }
    // A filter or tag that selects nothing is almost always a typo: say so
    // instead of passing an empty run. (An empty shard is legitimate.)
    if !args.select.filter.is_empty() || !args.select.tags.is_empty() {
        let unsharded = select::Selection {
            shard: None,
            ..options.selection.clone()
        };
        if select::select(&suite.scenarios, &suite.requirements, &unsharded).is_empty() {
            let message = format!(
                "no scenario matches --filter {:?} --tags {:?} together (preview with `myna-conform list --filter … --tags …`)",
                args.select.filter.join(","),
                args.select.tags.join(",")
            );
            return output.abort(&options, exit_code::BAD_INPUT, &message);
        }
    }
    let used = used_families(&suite, &options.selection);
    for role in ["card", "oqs", "reader", "portal"] {
        if used.contains(&role) {
            tracing::debug!("--{role}: setting up the target (a selected scenario uses it)");
        } else {
            tracing::debug!("--{role}: not set up nor probed (no selected scenario uses it)");
        }
    }
    let uses = |family: &str| used.contains(&family);
    let card = if uses("card") {
        match card_provider(&args) {
            Ok(p) => Some(p),
            Err((code, message)) => return output.abort(&options, code, &message),
        }
    } else {
        None
    };
    let oqs = if uses("oqs") {
        match oqs_provider(&args.oqs, &args.tls) {
            Ok(p) => Some(p),
            Err((code, message)) => return output.abort(&options, code, &message),
        }
    } else {
        None
    };
    let reader = if uses("reader") {
        let card_hosted = matches!(args.card, CardSpec::Vpcd { .. });
        match crate::reader_commands::reader_provider(&args.reader, card_hosted) {
            Ok(p) => Some(p),
            Err(code) => {
                let message =
                    "the --reader target could not be set up (the problem is on the console)";
                return output.abort(&options, code, message);
            }
        }
    } else {
        None
    };
    let portal = if uses("portal") {
        match crate::portal_commands::portal_provider(&args.portal, &args.tls) {
            Ok(p) => p,
            Err(code) => {
                let message =
                    "the --portal target could not be set up (the problem is on the console)";
                return output.abort(&options, code, message);
            }
        }
    } else {
        None
    };
    let providers = Providers {
        card,
        oqs,
        reader,
        portal,
    };
    let mut families = families_with(providers, &targets(&args.suite));
    let mut reporter = console::Reporter::new(args.no_progress);
    let budget = Budget::default()
        .per_scenario(args.max_scenario_steps)
        .per_run(args.max_run_steps);
    let result = run_suite_streamed(&suite, &mut families, &options, &budget, &mut |e| {
        output.observe(&e);
        reporter.event(e)
    });
    reporter.finish();
    output.finish(&result)
}

/// Why a target could not be set up: the exit code and the message (for
/// the console and the report's `errors`).
pub(crate) type SetupError = (i32, String);

/// The eligibility provider `--oqs` names: `builtin` or an `http(s)://` URL.
fn oqs_provider(
    oqs: &crate::arg_types::HttpTarget,
    tls: &crate::args::ClientTlsArgs,
) -> Result<Box<dyn OqsProvider>, SetupError> {
    let Some(url) = oqs.url() else {
        return Ok(Box::new(BuiltinOqs));
    };
    let options = myna_http::ClientOptions {
        tls: tls.options(),
        ..myna_http::ClientOptions::default()
    };
    // A CA or client-certificate file that is not one is the user's mistake.
    if let Err(e) = myna_http::agent(&options) {
        return Err((exit_code::BAD_INPUT, e.to_string()));
    }
    HttpOqs::connect_with(url.as_str(), options)
        .map(|p| Box::new(p) as Box<dyn OqsProvider>)
        .map_err(|e| (exit_code::INFRASTRUCTURE, e.to_string()))
}

/// The card provider `--card` names.
fn card_provider(args: &RunArgs) -> Result<Box<dyn CardProvider>, SetupError> {
    match &args.card {
        CardSpec::Emu if args.persona.is_some() => Err((
            exit_code::BAD_INPUT,
            "--persona describes the card in a real reader (with --card pcsc); the emulator \
             plays each scenario's own `persona:` (default taro)"
                .to_owned(),
        )),
        CardSpec::Emu => Ok(Box::new(EmuProvider::new(&args.suite.personas))),
        CardSpec::Pcsc(_) => pcsc_provider(args),
        CardSpec::Vpcd { .. } if args.persona.is_some() => Err((
            exit_code::BAD_INPUT,
            "--persona describes the card in a real reader (with --card pcsc); the card \
             hosted behind vpcd plays each scenario's own `persona:` (default taro)"
                .to_owned(),
        )),
        CardSpec::Vpcd { addr, phone, .. } => {
            let addresses = VpcdAddresses {
                card: addr.clone(),
                phone: phone.clone(),
            };
            VpcdHostProvider::start_with_phone(&addresses, EmuProvider::new(&args.suite.personas))
                .map(|p| {
                    eprintln!(
                        "card: the emulator is hosted behind vpcd at {}; a reader under test \
                         reads it through pcscd, each scenario on a fresh card of its persona",
                        p.address()
                    );
                    if let Some(phone) = p.phone_address() {
                        eprintln!(
                            "card: the persona's smartphone card is hosted behind vpcd at {phone}"
                        );
                    }
                    Box::new(p) as Box<dyn CardProvider>
                })
                .map_err(|e| (exit_code::INFRASTRUCTURE, e.to_string()))
        }
    }
}

#[cfg(feature = "pcsc")]
fn pcsc_provider(args: &RunArgs) -> Result<Box<dyn CardProvider>, SetupError> {
    use crate::args::CardTransaction;
    use myna_family_card::target::{
        persona_values, PcscCard, PcscOptions, PcscProvider, ReaderSelector, Sharing,
        TransactionScope,
    };
    let name = args.card.reader_name();
    let personas = &args.suite.personas;
    let persona = match &args.persona {
        None => None,
        Some(id) => match myna_card_emu::persona::Persona::load_named(personas, id) {
            Ok(p) => Some((id.clone(), persona_values(&p))),
            Err(e) => return Err((exit_code::BAD_INPUT, format!("--persona {id}: {e}"))),
        },
    };
    let mut options = PcscOptions::reader(ReaderSelector::from_cli(name));
    options.transmit_timeout = args.card_timeout;
    if !args.card_capabilities.is_empty() {
        options.capabilities = args.card_capabilities.clone();
    }
    if args.exclusive {
        options.sharing = Sharing::Exclusive;
    }
    let card = match PcscCard::open(options) {
        Ok(card) => card,
        Err(e) => return Err((exit_code::INFRASTRUCTURE, e.to_string())),
    };
    let mut provider = PcscProvider::new(card, persona)
        .allow_destructive(args.allow_destructive)
        .transactions(match args.card_transaction {
            CardTransaction::Scenario => TransactionScope::Scenario,
            CardTransaction::Step => TransactionScope::Step,
            CardTransaction::Command => TransactionScope::Command,
        });
    match provider.probe_factory_reset(personas) {
        Ok(true) => eprintln!(
            "card: the emulator's test control answered; each scenario starts from a factory-reset card"
        ),
        Ok(false) => {}
        Err(e) => return Err((exit_code::INFRASTRUCTURE, e.to_string())),
    }
    Ok(Box::new(provider))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_provider(_: &RunArgs) -> Result<Box<dyn CardProvider>, SetupError> {
    Err((
        exit_code::BAD_INPUT,
        "--card pcsc needs a build with the `pcsc` feature (see docs/pcsc.md)".to_owned(),
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
    let chosen = selection(&args.select, args.rules.as_ref(), args.shard);
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
