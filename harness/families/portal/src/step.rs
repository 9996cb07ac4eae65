//! The portal family's typed steps.

use myna_scenario::{Location, Spanned, StepBody, Template};
use serde_json::Value;

/// One `portal` step.
#[derive(Clone, Debug)]
pub struct PortalStep {
    /// The keyword.
    pub keyword: &'static str,
    /// The body as its shape read it (strings may hold `${…}`).
    pub body: Value,
    /// The PIN (`login`, `register_account`), read as a secret template.
    pub pin: Option<Template>,
    /// Expectations; `None`: the documented success (and `logged_in`).
    pub expect: Option<Vec<Spanned<Expectation>>>,
    /// Values to keep.
    pub captures: Vec<PortalCapture>,
}

impl StepBody for PortalStep {
    fn keyword(&self) -> &'static str {
        self.keyword
    }

    fn label(&self) -> String {
        format!("portal {}", self.keyword)
    }
}

/// One expectation.
#[derive(Clone, Debug)]
pub enum Expectation {
    /// HTTP status (a matcher).
    Status(Value),
    /// `error.code`.
    ErrorCode(Value),
    /// `error.field`.
    ErrorField(Value),
    /// JSON pointers to matchers.
    Json(Vec<(String, Value)>),
    /// How a login ended.
    Outcome(&'static str),
    /// The card's tries left.
    TriesLeft(u64),
}

/// A capture: a JSON pointer (or `status`) into the step's answer.
#[derive(Clone, Debug)]
pub struct PortalCapture {
    /// Variable name.
    pub name: String,
    /// `None`: the status; else a JSON pointer.
    pub pointer: Option<String>,
    /// Declared secret.
    pub secret: bool,
    /// Where it is written.
    pub at: Location,
}
