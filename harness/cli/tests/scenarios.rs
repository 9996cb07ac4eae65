//! Every scenario under `scenarios/` as its own test (a libtest-mimic
//! harness, so `--list`, filters and `cargo nextest --partition` work),
//! run with the families `myna-conform` registers: against the built-in
//! references, and a scenario that talks to the eligibility service again,
//! as `http::<id>`, over HTTP against the reference server started on
//! 127.0.0.1. A malformed scenario file fails the `scenarios::load` test
//! with every problem listed.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use myna_conform::families::{families, families_with, Providers, Targets};
use myna_engine::{load_suite, run_scenario};
use myna_family::Family;
use myna_family_oqs::{HttpOqs, OqsProvider};
use myna_report::{ScenarioReport, Verdict};
use myna_scenario::Scenario;

fn verdict(report: ScenarioReport) -> Result<(), Failed> {
    if report.verdict == Verdict::Pass {
        return Ok(());
    }
    let mut text = format!(
        "verdict {}: {}",
        report.verdict.as_str(),
        report.message.unwrap_or_default()
    );
    for step in report.steps.iter().filter(|s| s.verdict > Verdict::Pass) {
        text.push_str(&format!(
            "\n  step {} {} at {}",
            step.index, step.label, step.location
        ));
        for f in &step.failures {
            text.push_str(&format!(
                "\n    {}: {}: expected {}, got {}",
                f.location, f.check, f.expected, f.actual
            ));
        }
    }
    Err(text.into())
}

/// Runs `scenario` the way `myna-conform run` does, with the registered
/// families (the eligibility service from `oqs` when given).
fn run_with(scenario: &Scenario, oqs: Option<Box<dyn OqsProvider>>) -> Result<(), Failed> {
    let providers = Providers {
        oqs,
        ..Providers::default()
    };
    let mut families: Vec<Box<dyn Family>> = families_with(providers, &Targets::default());
    verdict(run_scenario(scenario, &mut families).report)
}

/// The reference server for the `http::` trials, started on first use.
/// Its state is shared, so those trials take turns.
fn http_server() -> &'static Mutex<Result<(myna_oqs::BackgroundServer, String), String>> {
    static SERVER: OnceLock<Mutex<Result<(myna_oqs::BackgroundServer, String), String>>> =
        OnceLock::new();
    SERVER.get_or_init(|| {
        let listen = "127.0.0.1:0".parse().expect("a socket address");
        Mutex::new(
            myna_oqs::spawn_background(listen, myna_oqs::ServerConfig::default())
                .map(|server| {
                    let url = server.url();
                    (server, url)
                })
                .map_err(|e| e.to_string()),
        )
    })
}

fn run_oqs_http(scenario: &Scenario) -> Result<(), Failed> {
    let guard = http_server()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let url = match &*guard {
        Ok((_, url)) => url.clone(),
        Err(e) => return Err(format!("cannot start the reference server: {e}").into()),
    };
    let provider = HttpOqs::connect(&url).map_err(|e| Failed::from(e.to_string()))?;
    if scenario.families.contains(&"portal") {
        return run_portal_http(scenario, provider, &url);
    }
    run_with(scenario, Some(Box::new(provider)))
}

/// The reference portal server for the `http::` trials of portal
/// scenarios, linking its registrations at the eligibility server `oqs`.
fn portal_server(
    oqs: &str,
) -> &'static Result<(myna_portal::server::BackgroundServer, String), String> {
    static SERVER: OnceLock<Result<(myna_portal::server::BackgroundServer, String), String>> =
        OnceLock::new();
    SERVER.get_or_init(|| {
        let eligibility = myna_oqs::HttpTarget::connect(oqs).map_err(|e| e.to_string())?;
        let service = myna_portal::PortalService::new(
            Path::new("vectors/personas/ca"),
            myna_portal::PortalConfig::default(),
        )
        .map_err(|e| e.to_string())?;
        let backend = myna_portal::server::Backend {
            service,
            eligibility: Box::new(eligibility),
        };
        let listen = "127.0.0.1:0"
            .parse()
            .map_err(|_| "a socket address".to_string())?;
        myna_portal::server::spawn_background(listen, backend)
            .map(|server| {
                let url = server.url();
                (server, url)
            })
            .map_err(|e| e.to_string())
    })
}

/// A portal scenario with the portal and the eligibility service both over
/// HTTP (`portal serve --oqs URL` as CI runs it), the card in process.
fn run_portal_http(scenario: &Scenario, oqs: HttpOqs, oqs_url: &str) -> Result<(), Failed> {
    let url = match portal_server(oqs_url) {
        Ok((_, url)) => url.clone(),
        Err(e) => return Err(format!("cannot start the reference portal: {e}").into()),
    };
    let portal = myna_family_portal::HttpPortalProvider::connect(&url)
        .map_err(|e| Failed::from(format!("{e:?}")))?;
    let providers = Providers {
        oqs: Some(Box::new(oqs)),
        portal: Some(Box::new(portal)),
        ..Providers::default()
    };
    let mut families: Vec<Box<dyn Family>> = families_with(providers, &Targets::default());
    verdict(run_scenario(scenario, &mut families).report)
}

fn main() {
    let args = Arguments::from_args();
    if let Err(e) = common::enter_root() {
        eprintln!("{e}");
        std::process::exit(101);
    }
    let loaded = load_suite(
        &[PathBuf::from("scenarios")],
        Path::new("scenarios/requirements.yaml"),
        &families(&Targets::default()),
    );
    let trials = match loaded {
        Err(problems) => {
            let mut text = String::new();
            for e in &problems.io {
                text.push_str(e);
                text.push('\n');
            }
            for d in &problems.diagnostics {
                text.push_str(&d.to_string());
                text.push('\n');
            }
            vec![Trial::test("scenarios::load", move || {
                Err(Failed::from(text))
            })]
        }
        Ok(suite) => {
            let count = suite.scenarios.len();
            let mut trials = vec![Trial::test("scenarios::load", move || {
                if count == 0 {
                    Err("no scenarios found under scenarios/".into())
                } else {
                    Ok(())
                }
            })];
            for scenario in suite.scenarios {
                let scenario = Arc::new(scenario);
                let kind = scenario.family.clone();
                let id = scenario.id.clone();
                // A scenario that talks to the eligibility service runs again
                // over HTTP against the reference server (a portal scenario
                // with the portal over HTTP too).
                if scenario.families.contains(&"oqs") {
                    let over_http = Arc::clone(&scenario);
                    trials.push(
                        Trial::test(format!("http::{id}"), move || run_oqs_http(&over_http))
                            .with_kind(kind.clone()),
                    );
                }
                trials.push(Trial::test(id, move || run_with(&scenario, None)).with_kind(kind));
            }
            trials
        }
    };
    libtest_mimic::run(&args, trials).exit();
}
