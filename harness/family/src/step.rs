//! Running one step: what a session gets ([`StepCtx`]) and gives back
//! ([`StepEnd`]).

use myna_scenario::{Location, Template};

use crate::blame::Blame;
use crate::evidence::EvidenceLog;
use crate::redact::Redactor;
use crate::session::Sessions;
use crate::vars::{Rendered, Vars};

/// One failed expectation, before redaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Where the expectation is written.
    pub at: Location,
    /// Which check (`sw`, `status`, `tlv FF20/DF22`, …).
    pub check: String,
    /// What was expected.
    pub expected: String,
    /// What was seen.
    pub actual: String,
    /// What else the target said (e.g. the server's reason for a 4xx
    /// answer).
    pub note: Option<String>,
}

impl Mismatch {
    /// A mismatch without a note.
    pub fn new(
        at: Location,
        check: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Mismatch {
            at,
            check: check.into(),
            expected: expected.into(),
            actual: actual.into(),
            note: None,
        }
    }
}

/// How a step ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepEnd {
    /// The step ran; its expectations gave these mismatches (none: pass;
    /// else fail or warn by the step's level).
    Done(Vec<Mismatch>),
    /// The target lacks a capability this step needs: the scenario does not
    /// apply.
    NotApplicable(String),
    /// The step could not be carried out; `blame` says whose fault it is.
    Error {
        /// Who is at fault.
        blame: Blame,
        /// What went wrong (redacted before it is shown).
        message: String,
    },
}

impl StepEnd {
    /// A passing step.
    pub fn pass() -> StepEnd {
        StepEnd::Done(Vec::new())
    }

    /// An error of the scenario's author.
    pub fn author(message: impl Into<String>) -> StepEnd {
        StepEnd::Error {
            blame: Blame::Author,
            message: message.into(),
        }
    }

    /// An error of the implementation under test.
    pub fn iut(message: impl Into<String>) -> StepEnd {
        StepEnd::Error {
            blame: Blame::Iut,
            message: message.into(),
        }
    }

    /// An error of the environment.
    pub fn environment(message: impl Into<String>) -> StepEnd {
        StepEnd::Error {
            blame: Blame::Environment,
            message: message.into(),
        }
    }
}

/// What a session gets to run one step.
pub struct StepCtx<'a> {
    /// `${…}` values, secret-flagged; captures are set here.
    pub vars: &'a mut Vars,
    /// Learns every secret the step sends or receives.
    pub redactor: &'a mut Redactor,
    /// The scenario's evidence, shared by all its sessions (time-ordered,
    /// each record tagged with its role).
    pub evidence: &'a mut EvidenceLog,
    /// The scenario's other sessions, borrowable by family name (the portal
    /// drives the card session for its JPKI login).
    pub others: &'a mut Sessions,
    /// Where the step is written.
    pub at: &'a Location,
}

impl StepCtx<'_> {
    /// `template` with every `${name}` filled in. A name without a value is
    /// the author's error (the loader checked that it is defined, so only a
    /// run can find this: a capture whose step did not run), returned as
    /// the step's end.
    pub fn render(&self, template: &Template) -> Result<Rendered, StepEnd> {
        self.vars.render(template).map_err(|e| {
            StepEnd::author(format!(
                "{}: `${{{}}}` has no value at this point of the run (the step that captures it did not run or captured nothing)",
                self.at, e.0
            ))
        })
    }

    /// A JSON value (a request body a scenario wrote) with every `${name}`
    /// in its strings filled in; a string that is not a template is kept as
    /// written. Every secret a template brings in is told to the redactor
    /// ([`Redactor::add_value`](crate::Redactor::add_value): its text, and
    /// the bytes when it is hex).
    pub fn fill_json(&mut self, value: &serde_json::Value) -> Result<serde_json::Value, StepEnd> {
        self.fill_json_cow(value).map(std::borrow::Cow::into_owned)
    }

    /// [`fill_json`](Self::fill_json), borrowing `value` when no string in
    /// it holds a `${name}` (most bodies and expectations: nothing to copy).
    pub fn fill_json_cow<'v>(
        &mut self,
        value: &'v serde_json::Value,
    ) -> Result<std::borrow::Cow<'v, serde_json::Value>, StepEnd> {
        if json_has_template(value) {
            self.fill_json_tree(value).map(std::borrow::Cow::Owned)
        } else {
            Ok(std::borrow::Cow::Borrowed(value))
        }
    }

    fn fill_json_tree(&mut self, value: &serde_json::Value) -> Result<serde_json::Value, StepEnd> {
        use serde_json::Value as Json;
        Ok(match value {
            Json::String(text) => {
                let Ok(template) = myna_scenario::parse_template(text) else {
                    return Ok(value.clone());
                };
                if !template.has_vars() {
                    return Ok(value.clone());
                }
                let rendered = self.render(&template)?;
                if rendered.secret {
                    self.redactor.add_value(&rendered.text);
                }
                Json::String(rendered.text)
            }
            Json::Array(items) => Json::Array(
                items
                    .iter()
                    .map(|item| self.fill_json_tree(item))
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.fill_json_tree(v)?)))
                    .collect::<Result<serde_json::Map<String, Json>, StepEnd>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// Whether a string somewhere in `value` may hold a `${name}` (else
/// filling it in changes nothing).
pub fn json_has_template(value: &serde_json::Value) -> bool {
    use serde_json::Value as Json;
    match value {
        Json::String(text) => text.contains("${"),
        Json::Array(items) => items.iter().any(json_has_template),
        Json::Object(map) => map.values().any(json_has_template),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fill_json_fills_nested_templates_and_tells_the_redactor_their_secrets() {
        let mut vars = Vars::default();
        vars.set("pin", "4826", true);
        vars.set("who", "taro", false);
        let mut redactor = Redactor::default();
        let mut evidence = EvidenceLog::new();
        let mut others = Sessions::new();
        let at = Location {
            file: "s.yaml".into(),
            line: 3,
            col: 5,
        };
        let mut cx = StepCtx {
            vars: &mut vars,
            redactor: &mut redactor,
            evidence: &mut evidence,
            others: &mut others,
            at: &at,
        };
        let body = json!({ "a": ["${who}", { "pin": "${pin}" }], "n": 1, "raw": "${" });
        let filled = cx.fill_json(&body).unwrap();
        // Nothing to fill: borrowed as written.
        let plain = json!({ "a": ["x", { "b": 1 }], "c": "$ {x}" });
        assert!(matches!(
            cx.fill_json_cow(&plain).unwrap(),
            std::borrow::Cow::Borrowed(_)
        ));
        // A name without a value is the author's error, located.
        let undefined = cx.fill_json(&json!(["${nobody}"]));
        assert_eq!(
            filled,
            json!({ "a": ["taro", { "pin": "4826" }], "n": 1, "raw": "${" })
        );
        // The secret's text and the bytes its hex encodes are masked.
        assert_eq!(redactor.text("pin 4826"), "pin <redacted>");
        assert_eq!(redactor.hex(&[0x48, 0x26, 0x01]), "****01");
        assert_eq!(redactor.text("taro"), "taro");
        let Err(StepEnd::Error { blame, message }) = undefined else {
            panic!("an undefined variable is an error");
        };
        assert_eq!(blame, Blame::Author);
        assert!(message.starts_with("s.yaml:3:5: "), "{message}");
    }
}
