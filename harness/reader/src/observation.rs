//! What the harness observes of a reader after each stimulus (DESIGN §6):
//! the screen, the output records written since the last observation, and
//! the consent state in force.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::record::OutputRecord;
use crate::reference::ReferenceReader;
use crate::screen::Screen;

/// One observation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// The screen shown.
    pub screen: Screen,
    /// Records written since the previous observation, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<OutputRecord>,
    /// 同意区分 per consent item (`checkup`, `medical`, `limit`) for the
    /// holder of the last visit, now: 0 none, 1 valid, 2 expired.
    #[serde(default)]
    pub consent_state: BTreeMap<String, String>,
}

impl ReferenceReader {
    /// The observation after `seen` records were already reported.
    pub fn observe(&self, seen: usize) -> Observation {
        Observation {
            screen: self.screen(),
            records: self.records().iter().skip(seen).cloned().collect(),
            consent_state: self
                .consents_in_force()
                .into_iter()
                .map(|(item, state)| (item.as_str().to_string(), state.to_string()))
                .collect(),
        }
    }
}
