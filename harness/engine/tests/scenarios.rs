//! Every scenario under `scenarios/` as its own test against the built-in
//! emulator (a libtest-mimic harness, so `--list`, filters and
//! `cargo nextest --partition` work). A malformed scenario file fails the
//! `scenarios::load` test with every problem listed.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use myna_engine::target::{CardProvider, EmuProvider};
use myna_engine::{load_suite, run_scenario, RunContext};
use myna_report::Verdict;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn main() {
    let args = Arguments::from_args();
    let root = workspace_root();
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("cannot enter {}: {e}", root.display());
        std::process::exit(101);
    }
    let trials = match load_suite(
        &[PathBuf::from("scenarios")],
        Path::new("scenarios/requirements.yaml"),
    ) {
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
                let name = scenario.id.clone();
                let kind = scenario.family.as_str();
                trials.push(
                    Trial::test(name, move || {
                        let mut provider = EmuProvider::new("vectors/personas");
                        let capabilities = provider.capabilities();
                        let mut card = provider
                            .open(scenario.persona.as_deref())
                            .map_err(|e| Failed::from(e.to_string()))?;
                        let outcome = run_scenario(
                            &scenario,
                            RunContext {
                                card: card.target.as_mut(),
                                persona: &card.vars,
                                persona_id: card.persona.clone(),
                                capabilities: &capabilities,
                            },
                        );
                        let report = outcome.report;
                        match report.verdict {
                            Verdict::Pass => Ok(()),
                            other => {
                                let mut text = format!(
                                    "verdict {}: {}",
                                    other.as_str(),
                                    report.message.unwrap_or_default()
                                );
                                for step in
                                    report.steps.iter().filter(|s| s.verdict > Verdict::Pass)
                                {
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
                        }
                    })
                    .with_kind(kind),
                );
            }
            trials
        }
    };
    libtest_mimic::run(&args, trials).exit();
}
