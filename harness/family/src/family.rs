//! The run side of the family seam: how the engine opens a family's target
//! for a scenario.

use myna_scenario::{Scenario, StepSyntax};

use crate::blame::Blame;
use crate::session::Session;
use crate::vars::BuiltinValues;

/// What plays a family's role in a run, for `run_info.targets`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetInfo {
    /// `emu`, `pcsc:NAME`, `builtin`, a URL, ….
    pub target: String,
    /// The capabilities the target declares.
    pub capabilities: Vec<String>,
    /// The family's own facts (`reader_name`, `atr`, …).
    pub details: Vec<(String, String)>,
}

/// A value a family provides as `${name}` before any step runs.
#[derive(Clone, PartialEq, Eq)]
pub struct BuiltinValue {
    /// The full name (`persona.auth_pin`), one of the family's
    /// `builtin_vars`.
    pub name: String,
    /// The value.
    pub value: String,
    /// Whether it is a secret.
    pub secret: bool,
}

/// Shows the name only: the value may be a PIN.
impl std::fmt::Debug for BuiltinValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BuiltinValue({})", self.name)
    }
}

/// A session opened for one scenario.
pub struct Opened {
    /// The session.
    pub session: Box<dyn Session>,
    /// The family's builtin variables' values for this scenario, shared
    /// (prepare them once per persona, not per scenario).
    pub vars: BuiltinValues,
    /// What the session plays, for the report (the card's persona).
    pub subject: Option<String>,
}

/// Why a family could not open a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// The target cannot play this scenario (a real card is one persona):
    /// verdict `not_applicable`.
    NotApplicable(String),
    /// Opening failed: verdict `error`, blamed as said.
    Failed {
        /// Who is at fault.
        blame: Blame,
        /// What went wrong.
        message: String,
    },
}

impl OpenError {
    /// A failure of the environment (a reader missing, a service down).
    pub fn environment(message: impl Into<String>) -> OpenError {
        OpenError::Failed {
            blame: Blame::Environment,
            message: message.into(),
        }
    }

    /// A failure the scenario's author caused (an unknown persona).
    pub fn author(message: impl Into<String>) -> OpenError {
        OpenError::Failed {
            blame: Blame::Author,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::NotApplicable(message) | OpenError::Failed { message, .. } => {
                f.write_str(message)
            }
        }
    }
}

/// A family as the engine runs it: its vocabulary ([`StepSyntax`]) and its
/// configured target.
pub trait Family: StepSyntax {
    /// Capabilities the configured target declares (cheap; no probing).
    fn declared_capabilities(&self) -> Vec<String>;
    /// What plays the role, for `run_info`. Called only when a selected
    /// scenario uses the family.
    fn describe(&mut self) -> Result<TargetInfo, OpenError>;
    /// A session for one scenario. The sessions of the families this one
    /// needs are opened before.
    fn open(&mut self, scenario: &Scenario) -> Result<Opened, OpenError>;
    /// The persona names scenarios may give (`persona:`), when this family
    /// knows them; checked at load time.
    fn personas(&self) -> Option<Vec<String>> {
        None
    }
}
