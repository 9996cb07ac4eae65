//! The protocol's messages, typed (PROTOCOL.md "Messages").

use serde::{Deserialize, Serialize};

use crate::config::ReaderConfig;
use crate::observation::Observation;
use crate::stimulus::Stimulus;

/// The protocol name in `hello`.
pub const PROTOCOL: &str = "myna-reader";
/// The one version this harness speaks.
pub const VERSION: u32 = 1;

/// What the reader says first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// Always [`PROTOCOL`].
    pub protocol: String,
    /// Versions the reader speaks.
    pub versions: Vec<u32>,
    /// The reader's product name.
    pub name: String,
    /// Its software version.
    pub version: String,
    /// Capabilities (`reader.flow`, `reader.smartphone`, `reader.clock`,
    /// `reader.config`; a `reader.card-trace` here is ignored: the card
    /// side provides it).
    pub capabilities: Vec<String>,
}

/// A command from the harness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    /// Start a scenario afresh: idle, no records; `persona` names the card
    /// the harness will place (a reader with a real card ignores it).
    Reset {
        /// The persona of the card.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        persona: Option<String>,
    },
    /// One stimulus.
    Stimulus {
        /// The stimulus.
        stimulus: Stimulus,
    },
    /// Report the observation without doing anything.
    Observe,
    /// Change the settings (`reader.config`).
    Configure {
        /// The settings.
        config: Box<ReaderConfig>,
    },
}

/// Error kinds (PROTOCOL.md "Errors").
pub const ERROR_KINDS: &[&str] = &[
    "unknown_command",
    "invalid_argument",
    "unsupported",
    "not_ready",
    "internal",
];

/// Every line, either way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Message {
    /// Reader → harness, first line.
    Hello(Hello),
    /// Harness → reader: the version chosen.
    Use {
        /// One of the reader's versions.
        version: u32,
    },
    /// Harness → reader: no common version; the connection ends.
    Incompatible {
        /// Why.
        reason: String,
    },
    /// Reader → harness: ready for commands.
    Ready,
    /// Harness → reader.
    Command {
        /// Echoed in the result.
        id: u64,
        /// What to do.
        command: Command,
    },
    /// Reader → harness: the command was carried out (or, for a stimulus,
    /// not taken on this screen: `accepted: false`).
    Result {
        /// The command's id.
        id: u64,
        /// Whether a stimulus was taken (always true for other commands).
        accepted: bool,
        /// Why not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// What the reader shows and wrote.
        observation: Observation,
    },
    /// Reader → harness: the command could not be carried out.
    Error {
        /// The command's id (absent when the line was not understood).
        #[serde(default)]
        id: Option<u64>,
        /// One of [`ERROR_KINDS`].
        error: String,
        /// For people.
        message: String,
    },
    /// Reader → harness, any time: something happened (logged by the
    /// harness; never needed for a verdict).
    Event {
        /// Monotonic sequence number.
        seq: u64,
        /// What.
        name: String,
    },
}
