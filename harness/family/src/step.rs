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
}
