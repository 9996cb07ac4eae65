//! The engine with two test-only families and no real one: verdicts, blame,
//! `repeat`, `finally`, captures, redaction, several sessions per scenario
//! (one borrowing the other) and their evidence interleaved in time order.
//! This is also the proof that the engine is generic over families.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use myna_engine::{exit_code, run_scenario, run_suite, LoadedSuite, Progress, RunOptions};
use myna_family::{
    BuiltinValue, EvidenceLog, Family, FieldValue, Mismatch, OpenError, Opened, RawEvidence,
    Session, StepCtx, StepEnd, TargetInfo,
};
use myna_report::Verdict;
use myna_scenario::{
    downcast, load_scenario, Doc, LoadEnv, NoIncludes, ParseCtx, Scenario, StepBody, StepParser,
    StepSchema, StepSource, StepSyntax, Template, VarDoc, Vocabulary,
};

/// A `lamp` step: `on: TEXT` (a template), `fail`, `boom` (a transport
/// error), `na`, `panic`; `ask: TEXT` is the `asker` family's.
#[derive(Debug)]
struct Act {
    keyword: &'static str,
    text: Option<Template>,
}

impl StepBody for Act {
    fn keyword(&self) -> &'static str {
        self.keyword
    }
    fn label(&self) -> String {
        format!("act {}", self.keyword)
    }
}

struct ActParser;

impl StepParser for ActParser {
    fn parse(&mut self, cx: &mut ParseCtx, step: StepSource<'_>) -> Option<Arc<dyn StepBody>> {
        let keyword = ["on", "fail", "boom", "na", "panic", "keep", "ask"]
            .into_iter()
            .find(|k| *k == step.keyword)?;
        let text = match keyword {
            "keep" => {
                let name = cx.str(step.value, "a name")?;
                let at = cx.at(step.value);
                cx.declare_capture(name, true, at);
                None
            }
            _ => step
                .value
                .as_str()
                .and_then(|_| cx.template(step.value, "text")),
        };
        Some(Arc::new(Act { keyword, text }))
    }
}

struct Lamp;
struct Asker;

const LAMP_KEYWORDS: &[Doc] = &[
    Doc {
        name: "on",
        doc: "light up with a text",
    },
    Doc {
        name: "fail",
        doc: "a failed check",
    },
    Doc {
        name: "boom",
        doc: "the lamp's wire breaks",
    },
    Doc {
        name: "na",
        doc: "the lamp cannot do this",
    },
    Doc {
        name: "panic",
        doc: "a bug in the family",
    },
    Doc {
        name: "keep",
        doc: "keep a secret value",
    },
];

impl StepSyntax for Lamp {
    fn family(&self) -> &'static str {
        "lamp"
    }
    fn keywords(&self) -> &'static [Doc] {
        LAMP_KEYWORDS
    }
    fn capabilities(&self) -> &'static [Doc] {
        &[
            Doc {
                name: "lamp.bright",
                doc: "bright",
            },
            Doc {
                name: "lamp.dim",
                doc: "dim",
            },
        ]
    }
    fn builtin_vars(&self) -> &'static [VarDoc] {
        &[VarDoc {
            name: "lamp.code",
            doc: "a secret code",
            secret: true,
        }]
    }
    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(ActParser)
    }
    fn step_schema(&self, _: &str) -> StepSchema {
        StepSchema {
            action: serde_json::json!({"description": "x"}),
            expect: None,
            capture: None,
        }
    }
}

impl StepSyntax for Asker {
    fn family(&self) -> &'static str {
        "asker"
    }
    fn keywords(&self) -> &'static [Doc] {
        &[Doc {
            name: "ask",
            doc: "ask the lamp",
        }]
    }
    fn capabilities(&self) -> &'static [Doc] {
        &[]
    }
    fn builtin_vars(&self) -> &'static [VarDoc] {
        &[]
    }
    fn needs(&self) -> &'static [&'static str] {
        &["lamp"]
    }
    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(ActParser)
    }
    fn step_schema(&self, _: &str) -> StepSchema {
        StepSchema {
            action: serde_json::json!({"description": "x"}),
            expect: None,
            capture: None,
        }
    }
}

/// The lamp's session: records evidence; the asker borrows it.
struct LampSession {
    lit: u32,
}

impl LampSession {
    fn light(&mut self, text: &str, log: &mut EvidenceLog) {
        self.lit += 1;
        let at = log.now_us();
        let mut evidence =
            RawEvidence::new("lamp", "light", at).with("text", FieldValue::text(text));
        evidence.summary = Some(format!("lit {} times", self.lit));
        log.push(evidence);
    }
}

impl Session for LampSession {
    fn run_step(&mut self, step: &dyn StepBody, cx: &mut StepCtx<'_>) -> StepEnd {
        let step = downcast::<Act>(step).unwrap();
        match step.keyword {
            "on" => {
                let text = match &step.text {
                    Some(t) => match cx.render(t) {
                        Ok(r) => r.text,
                        Err(end) => return end,
                    },
                    None => String::new(),
                };
                self.light(&text, cx.evidence);
                StepEnd::pass()
            }
            "fail" => StepEnd::Done(vec![Mismatch::new(
                cx.at.clone(),
                "brightness",
                "bright",
                "dim",
            )]),
            "boom" => StepEnd::environment("the lamp's wire broke"),
            "na" => StepEnd::NotApplicable("the lamp cannot blink".into()),
            "keep" => {
                cx.redactor.add_text("hunter2");
                cx.vars.set("kept", "hunter2", true);
                StepEnd::pass()
            }
            _ => panic!("the lamp family has a bug"),
        }
    }
}

/// The asker's session: lights the lamp through the lamp's session.
struct AskerSession;

impl Session for AskerSession {
    fn run_step(&mut self, _step: &dyn StepBody, cx: &mut StepCtx<'_>) -> StepEnd {
        let at = cx.evidence.now_us();
        cx.evidence.push(RawEvidence::new("asker", "question", at));
        let Some(lamp) = cx.others.get_mut::<LampSession>("lamp") else {
            return StepEnd::Error {
                blame: myna_family::Blame::Harness,
                message: "no lamp session to borrow".into(),
            };
        };
        // The borrowed session records through the scenario's one log.
        lamp.light("asked", cx.evidence);
        StepEnd::pass()
    }
}

impl Family for Lamp {
    fn declared_capabilities(&self) -> Vec<String> {
        vec!["lamp.bright".into()]
    }
    fn describe(&mut self) -> Result<TargetInfo, OpenError> {
        Ok(TargetInfo {
            target: "test lamp".into(),
            capabilities: self.declared_capabilities(),
            details: vec![("watts".into(), "60".into())],
        })
    }
    fn open(&mut self, _: &Scenario) -> Result<Opened, OpenError> {
        Ok(Opened {
            session: Box::new(LampSession { lit: 0 }),
            vars: vec![BuiltinValue {
                name: "lamp.code".into(),
                value: "s3cr3t".into(),
                secret: true,
            }]
            .into(),
            subject: Some("the lamp".into()),
        })
    }
}

impl Family for Asker {
    fn declared_capabilities(&self) -> Vec<String> {
        Vec::new()
    }
    fn describe(&mut self) -> Result<TargetInfo, OpenError> {
        Ok(TargetInfo {
            target: "test asker".into(),
            ..TargetInfo::default()
        })
    }
    fn open(&mut self, _: &Scenario) -> Result<Opened, OpenError> {
        Ok(Opened {
            session: Box::new(AskerSession),
            vars: myna_family::BuiltinValues::default(),
            subject: None,
        })
    }
}

fn families() -> Vec<Box<dyn Family>> {
    vec![Box::new(Lamp), Box::new(Asker)]
}

fn scenario(family: &str, steps: &str) -> Scenario {
    let text = format!("id: {family}.t.x\ntitle: t\nrequirements: [LAMP-T]\nsteps:\n{steps}");
    let vocabulary = Vocabulary::new(vec![&Lamp, &Asker]).unwrap();
    load_scenario("t.yaml", &text, &NoIncludes, &LoadEnv::new(&vocabulary))
        .unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn a_passing_scenario_renders_evidence_and_masks_builtin_secrets() {
    let s = scenario("lamp", "  - on: \"code ${lamp.code}\"\n    repeat: 2\n");
    let outcome = run_scenario(&s, &mut families());
    let report = outcome.report;
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.persona.as_deref(), Some("the lamp"));
    assert_eq!(report.targets, ["lamp"]);
    assert_eq!(report.steps.len(), 2, "repeat: one report per repetition");
    assert_eq!(report.steps[1].repetition, Some(2));
    let evidence = &report.steps[1].evidence[0];
    assert_eq!((&*evidence.kind, &*evidence.target), ("light", "lamp"));
    assert_eq!(evidence.text("text"), Some("code <redacted>"));
    assert_eq!(evidence.summary.as_deref(), Some("lit 2 times"));
    assert_eq!(outcome.blame, None);
}

#[test]
fn a_failure_stops_the_steps_but_not_finally() {
    let s = scenario(
        "lamp",
        "  - on: a\n  - fail: x\n  - on: never\nfinally:\n  - on: always\n",
    );
    let report = run_scenario(&s, &mut families()).report;
    assert_eq!(report.verdict, Verdict::Fail);
    let kinds: Vec<(&str, bool)> = report
        .steps
        .iter()
        .map(|s| (s.verdict.as_str(), s.is_finally))
        .collect();
    assert_eq!(kinds, [("pass", false), ("fail", false), ("pass", true)]);
    assert_eq!(
        report.message.as_deref(),
        Some("t.yaml:6:5: brightness: expected bright, got dim")
    );
}

#[test]
fn errors_carry_their_blame_into_the_exit_code() {
    let s = scenario("lamp", "  - boom: x\n");
    let outcome = run_scenario(&s, &mut families());
    assert_eq!(outcome.report.verdict, Verdict::Error);
    assert_eq!(outcome.report.blame.as_deref(), Some("environment"));
    assert_eq!(
        exit_code::of_blame(outcome.blame.unwrap()),
        exit_code::INFRASTRUCTURE
    );

    // A family's panic is a harness error (exit 4), not a crash.
    let s = scenario("lamp", "  - panic: x\n");
    let outcome = run_scenario(&s, &mut families());
    assert_eq!(outcome.report.blame.as_deref(), Some("harness"));
    assert!(outcome
        .report
        .message
        .unwrap()
        .contains("internal error in the `lamp` family"));
    assert_eq!(
        exit_code::of_blame(outcome.blame.unwrap()),
        exit_code::INTERNAL
    );
}

#[test]
fn not_applicable_comes_from_capabilities_or_a_step() {
    let s = scenario("lamp", "  - on: a\n").clone();
    let mut dim = s.clone();
    dim.applies_if = vec!["lamp.dim".into()];
    let report = run_scenario(&dim, &mut families()).report;
    assert_eq!(report.verdict, Verdict::NotApplicable);
    assert_eq!(report.message.as_deref(), Some("the target lacks lamp.dim"));
    let s = scenario("lamp", "  - on: a\n  - na: x\n  - on: never\n");
    let report = run_scenario(&s, &mut families()).report;
    assert_eq!(report.verdict, Verdict::NotApplicable);
    assert_eq!(report.steps.len(), 2);
}

#[test]
fn secrets_learnt_later_are_masked_in_earlier_evidence() {
    let s = scenario("lamp", "  - on: \"hunter2\"\n  - keep: kept\n");
    let report = run_scenario(&s, &mut families()).report;
    assert_eq!(report.steps[0].evidence[0].text("text"), Some("<redacted>"));
}

#[test]
fn a_family_that_needs_another_borrows_its_session_and_both_evidence_interleave() {
    let s = scenario("asker", "  - on: first\n  - ask: x\n");
    assert_eq!(s.families, ["lamp", "asker"], "needed families open first");
    let report = run_scenario(&s, &mut families()).report;
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.message);
    assert_eq!(report.targets, ["lamp", "asker"]);
    let ask = &report.steps[1];
    let trail: Vec<(&str, &str)> = ask
        .evidence
        .iter()
        .map(|e| (&*e.target, &*e.kind))
        .collect();
    assert_eq!(trail, [("asker", "question"), ("lamp", "light")]);
    assert!(ask.evidence.windows(2).all(|w| w[0].at_us <= w[1].at_us));
    assert_eq!(
        ask.evidence[1].summary.as_deref(),
        Some("lit 2 times"),
        "the same lamp"
    );
}

#[test]
fn the_run_names_only_the_roles_its_scenarios_used() {
    let suite = LoadedSuite {
        scenarios: vec![scenario("lamp", "  - on: a\n")],
        ..LoadedSuite::default()
    };
    let result = run_suite(&suite, &mut families(), &RunOptions::default(), &mut |_| {});
    let roles: Vec<&str> = result
        .report
        .run_info
        .targets
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(roles, ["lamp"]);
    let lamp = &result.report.run_info.targets["lamp"];
    assert_eq!(lamp.target, "test lamp");
    assert_eq!(lamp.details["watts"], "60");
    assert_eq!(result.exit_code(), exit_code::OK);
}

#[test]
fn live_steps_arrive_as_each_step_ends_with_known_secrets_masked() {
    let suite = LoadedSuite {
        scenarios: vec![scenario(
            "lamp",
            "  - on: \"code ${lamp.code}\"\n  - fail: x\n  - on: never\n",
        )],
        ..LoadedSuite::default()
    };
    let mut seen: Vec<(String, usize, String, Verdict, Option<String>)> = Vec::new();
    let mut finished_after = None;
    let options = RunOptions {
        live_steps: true,
        ..RunOptions::default()
    };
    let _ = run_suite(
        &suite,
        &mut families(),
        &options,
        &mut |event| match event {
            Progress::Step(live) => seen.push((
                live.scenario.to_owned(),
                live.step.index,
                live.step.kind.to_string(),
                live.step.verdict,
                live.step
                    .evidence
                    .first()
                    .and_then(|e| e.text("text"))
                    .map(str::to_owned),
            )),
            Progress::Finished(_) => finished_after = Some(seen.len()),
            _ => {}
        },
    );
    assert_eq!(
        seen,
        [
            (
                "lamp.t.x".to_owned(),
                0,
                "on".to_owned(),
                Verdict::Pass,
                Some("code <redacted>".to_owned())
            ),
            (
                "lamp.t.x".to_owned(),
                1,
                "fail".to_owned(),
                Verdict::Fail,
                None
            ),
        ],
        "one event per step that ran, before the scenario's"
    );
    assert_eq!(finished_after, Some(2));
    // Off by default.
    let mut steps = 0;
    let _ = run_suite(&suite, &mut families(), &RunOptions::default(), &mut |e| {
        if matches!(e, Progress::Step(_)) {
            steps += 1;
        }
    });
    assert_eq!(steps, 0);
}

#[test]
fn a_step_that_captures_has_its_live_evidence_withheld() {
    let suite = LoadedSuite {
        scenarios: vec![scenario("lamp", "  - keep: kept\n  - on: \"hunter2\"\n")],
        ..LoadedSuite::default()
    };
    let options = RunOptions {
        live_steps: true,
        ..RunOptions::default()
    };
    let mut seen = Vec::new();
    let _ = run_suite(&suite, &mut families(), &options, &mut |event| {
        if let Progress::Step(live) = event {
            seen.push((live.withheld, live.step.evidence.len()));
        }
    });
    assert_eq!(seen, [(true, 0), (false, 1)]);
}
