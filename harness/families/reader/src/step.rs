//! The typed `reader` steps: a stimulus (or a setting, or nothing) and the
//! expectations checked after it.

use myna_reader::{ConsentChoice, ConsentItem, ReaderConfig, Stimulus};
use myna_scenario::{Location, StepBody, Template};

/// What a step does to the reader.
#[derive(Clone, Debug)]
pub enum ReaderAction {
    /// A stimulus with no secret.
    Stimulus(Stimulus),
    /// PIN digits, a secret template (rendered at run time).
    EnterPin(Template),
    /// New settings.
    Config(Box<ReaderConfig>),
    /// Nothing: only the expectations.
    Observe,
}

/// A value a field must show, and where the expectation is written.
#[derive(Clone, Debug)]
pub struct Expected<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub at: Location,
}

/// `expect: { record: … }`.
#[derive(Clone, Debug, Default)]
pub struct RecordExpect {
    /// `end`.
    pub end: Option<Expected<String>>,
    /// `auth` (`none`: absent).
    pub auth: Option<Expected<String>>,
    /// `serial`.
    pub serial: Option<Expected<Template>>,
    /// `last_screen`.
    pub last_screen: Option<Expected<String>>,
    /// `outcome` (`none`: no check made).
    pub outcome: Option<Expected<String>>,
    /// `validity`.
    pub validity: Option<Expected<String>>,
    /// `name`.
    pub name: Option<Expected<Template>>,
    /// `consents`.
    pub consents: Vec<(ConsentItem, Expected<ConsentChoice>)>,
    /// `flags`.
    pub flags: Vec<(ConsentItem, Expected<String>)>,
    /// `timed`.
    pub timed: Vec<(ConsentItem, Expected<bool>)>,
}

/// `expect: { trace: … }`.
#[derive(Clone, Debug, Default)]
pub struct TraceExpect {
    /// `my_number_read`.
    pub my_number_read: Option<Expected<bool>>,
    /// `pin_verifies`.
    pub pin_verifies: Option<Expected<u64>>,
    /// `phone_pin_verifies`.
    pub phone_pin_verifies: Option<Expected<u64>>,
    /// `verify_when_blocked`.
    pub verify_when_blocked: Option<Expected<bool>>,
    /// `max_verifies_per_entry`.
    pub max_verifies_per_entry: Option<Expected<u64>>,
}

/// Everything `expect:` says.
#[derive(Clone, Debug, Default)]
pub struct ReaderExpect {
    /// `screen`.
    pub screen: Option<Expected<String>>,
    /// `fields`.
    pub fields: Vec<(String, Expected<Template>)>,
    /// `accepted`.
    pub accepted: Option<Expected<bool>>,
    /// `records`.
    pub records: Option<Expected<u64>>,
    /// `record`.
    pub record: Option<RecordExpect>,
    /// `consent_state`.
    pub consent_state: Vec<(ConsentItem, Expected<String>)>,
    /// `trace`.
    pub trace: Option<TraceExpect>,
}

/// One `reader` step.
#[derive(Clone, Debug)]
pub struct ReaderStep {
    /// The keyword.
    pub keyword: &'static str,
    /// What it does.
    pub action: ReaderAction,
    /// What it checks.
    pub expect: ReaderExpect,
    /// The label, written once (every run shows it in the report entry, the
    /// evidence and its summary).
    label: String,
}

impl ReaderStep {
    /// A step of `keyword` doing `action`, checking `expect`.
    pub fn new(keyword: &'static str, action: ReaderAction, expect: ReaderExpect) -> Self {
        let label = label(keyword, &action);
        ReaderStep {
            keyword,
            action,
            expect,
            label,
        }
    }

    /// The label, borrowed.
    pub fn label_text(&self) -> &str {
        &self.label
    }
}

/// The keyword and the stimulus's arguments (`press {"button":"agree_all"}`);
/// never a PIN.
fn label(keyword: &'static str, action: &ReaderAction) -> String {
    match action {
        ReaderAction::Stimulus(s) => match serde_json::to_value(s) {
            Ok(serde_json::Value::Object(mut map)) => {
                map.remove("stimulus");
                if map.is_empty() {
                    keyword.to_string()
                } else {
                    format!("{} {}", keyword, serde_json::Value::Object(map))
                }
            }
            _ => keyword.to_string(),
        },
        ReaderAction::EnterPin(_) => "enter_pin <redacted>".into(),
        ReaderAction::Config(_) => "reader_config".into(),
        ReaderAction::Observe => "observe".into(),
    }
}

impl StepBody for ReaderStep {
    fn keyword(&self) -> &'static str {
        self.keyword
    }

    fn label(&self) -> String {
        self.label.clone()
    }
}
