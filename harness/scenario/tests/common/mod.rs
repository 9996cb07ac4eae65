//! A tiny test-only family (`demo`) so that the file shape is tested
//! without any real family: `say: TEXT` (a template), `take: NAME` (declares
//! a capture), and a second family (`other`) that needs `demo`.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use myna_scenario::*;

#[derive(Debug)]
pub struct DemoStep {
    pub keyword: &'static str,
    pub text: Option<Template>,
}

impl StepBody for DemoStep {
    fn keyword(&self) -> &'static str {
        self.keyword
    }
    fn label(&self) -> String {
        self.keyword.to_string()
    }
}

struct DemoParser;

impl StepParser for DemoParser {
    fn parse(&mut self, cx: &mut ParseCtx, step: StepSource<'_>) -> Option<Arc<dyn StepBody>> {
        let keyword: &'static str = match step.keyword {
            "say" => "say",
            "take" => "take",
            "ask" => "ask",
            _ => return None,
        };
        if step.expect.is_some() {
            cx.error(step.step, "expected no `expect` on a demo step, found one");
        }
        let text = match keyword {
            "take" => {
                let name = cx.str(step.value, "a variable name")?;
                let at = cx.at(step.value);
                cx.declare_capture(name, false, at);
                None
            }
            _ => Some(cx.template(step.value, "text")?),
        };
        Some(Arc::new(DemoStep { keyword, text }))
    }
}

pub struct Demo;

impl StepSyntax for Demo {
    fn family(&self) -> &'static str {
        "demo"
    }
    fn keywords(&self) -> &'static [Doc] {
        &[
            Doc {
                name: "say",
                doc: "say a text",
            },
            Doc {
                name: "take",
                doc: "capture a variable",
            },
        ]
    }
    fn capabilities(&self) -> &'static [Doc] {
        &[Doc {
            name: "demo.loud",
            doc: "speaks loudly",
        }]
    }
    fn builtin_vars(&self) -> &'static [VarDoc] {
        &[VarDoc {
            name: "demo.greeting",
            doc: "hello",
            secret: false,
        }]
    }
    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(DemoParser)
    }
    fn step_schema(&self, _keyword: &str) -> StepSchema {
        StepSchema {
            action: serde_json::json!({ "type": "string", "description": "text" }),
            expect: None,
            capture: None,
        }
    }
}

pub struct Other;

impl StepSyntax for Other {
    fn family(&self) -> &'static str {
        "other"
    }
    fn keywords(&self) -> &'static [Doc] {
        &[Doc {
            name: "ask",
            doc: "ask something",
        }]
    }
    fn capabilities(&self) -> &'static [Doc] {
        &[Doc {
            name: "other.ears",
            doc: "hears",
        }]
    }
    fn builtin_vars(&self) -> &'static [VarDoc] {
        &[]
    }
    fn needs(&self) -> &'static [&'static str] {
        &["demo"]
    }
    fn parser(&self) -> Box<dyn StepParser> {
        Box::new(DemoParser)
    }
    fn step_schema(&self, _keyword: &str) -> StepSchema {
        StepSchema {
            action: serde_json::json!({ "type": "string", "description": "a question" }),
            expect: None,
            capture: None,
        }
    }
}

/// `(line, col, message, help)` of a diagnostic.
pub type Problem = (u32, u32, String, Option<String>);

/// Loads `text` as `s.yaml` with both test families; every diagnostic as
/// `(line, col, message, help)` on failure.
pub fn load_with(
    text: &str,
    loader: &dyn SourceLoader,
    personas: Option<&[String]>,
    requirements: Option<&[Requirement]>,
) -> Result<Scenario, Vec<Problem>> {
    let vocabulary = Vocabulary::new(vec![&Demo, &Other]).unwrap();
    let env = LoadEnv {
        vocabulary: &vocabulary,
        personas,
        requirements,
    };
    load_scenario("s.yaml", text, loader, &env).map_err(|diags| {
        diags
            .into_iter()
            .map(|d| (d.at.line, d.at.col, d.message, d.help))
            .collect()
    })
}

/// [`load_with`] without includes or catalogue.
pub fn load(text: &str) -> Result<Scenario, Vec<Problem>> {
    load_with(text, &NoIncludes, None, None)
}

/// A demo scenario with these steps (YAML, indented 2).
pub fn demo(steps: &str) -> String {
    format!("id: demo.t.x\ntitle: t\nrequirements: [DEMO-T]\nsteps:\n{steps}")
}
