//! Evidence as recorded during a step, before redaction: an open record any
//! family fills with its own fields. Rendering happens once the scenario
//! ends, so secrets learnt by later steps are masked in earlier evidence
//! too; the engine turns the rendered fields into the report's records.

use std::ops::Range;
use std::time::Instant;

use serde_json::Value;

use crate::redact::Redactor;

/// A field value, typed so that rendering knows how to mask it.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// Bytes, rendered as uppercase hex; bytes of a registered secret and
    /// the `masked` ranges (e.g. the data of a VERIFY) are shown as `**`.
    Bytes {
        /// The bytes.
        bytes: Vec<u8>,
        /// Ranges to mask whatever the redactor knows.
        masked: Vec<Range<usize>>,
    },
    /// Text; registered secrets become `<redacted>`.
    Text(String),
    /// A JSON value (an HTTP body); secrets in its text are masked.
    Json(Value),
    /// A number.
    Number(u64),
    /// Nothing (e.g. no status because no answer came).
    Null,
}

impl FieldValue {
    /// Bytes with nothing masked beyond the redactor's secrets.
    pub fn bytes(bytes: &[u8]) -> FieldValue {
        FieldValue::Bytes {
            bytes: bytes.to_vec(),
            masked: Vec::new(),
        }
    }

    /// Text.
    pub fn text(text: impl Into<String>) -> FieldValue {
        FieldValue::Text(text.into())
    }

    /// The report form, secrets masked.
    pub fn render(&self, redactor: &Redactor) -> Value {
        match self {
            FieldValue::Bytes { bytes, masked } => {
                Value::String(redactor.hex_masking(bytes, masked))
            }
            FieldValue::Text(text) => Value::String(redactor.text(text)),
            FieldValue::Json(value) => {
                masked_json(value, redactor).unwrap_or_else(|| value.clone())
            }
            FieldValue::Number(n) => Value::from(*n),
            FieldValue::Null => Value::Null,
        }
    }

    /// [`render`](Self::render), reusing the text when it holds no secret.
    pub fn into_rendered(self, redactor: &Redactor) -> Value {
        match self {
            FieldValue::Text(text) => Value::String(owned_masked(text, redactor)),
            FieldValue::Json(value) => masked_json(&value, redactor).unwrap_or(value),
            other => other.render(redactor),
        }
    }
}

/// `text` masked, moved rather than copied when it holds no secret.
fn owned_masked(text: String, redactor: &Redactor) -> String {
    match redactor.text_cow(&text) {
        std::borrow::Cow::Owned(masked) => masked,
        std::borrow::Cow::Borrowed(_) => text,
    }
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq)]
pub struct RawEvidence {
    /// µs since the scenario started.
    pub at_us: u64,
    /// How long it took, when it took time.
    pub duration_us: Option<u64>,
    /// The family (role) whose target it came from.
    pub role: &'static str,
    /// What kind of event (`apdu`, `http`, `power`, `transport_error`,
    /// `note`, …).
    pub kind: &'static str,
    /// A human decoding, masked like text when rendered; it must not hold
    /// a secret's bytes in any other form.
    pub summary: Option<String>,
    /// The family's fields, in the order they are shown.
    pub fields: Vec<(&'static str, FieldValue)>,
}

impl RawEvidence {
    /// An event of `kind` from `role` at `at_us`, without fields yet.
    pub fn new(role: &'static str, kind: &'static str, at_us: u64) -> Self {
        RawEvidence {
            at_us,
            duration_us: None,
            role,
            kind,
            summary: None,
            fields: Vec::new(),
        }
    }

    /// Adds a field.
    pub fn with(mut self, name: &'static str, value: FieldValue) -> Self {
        self.fields.push((name, value));
        self
    }

    /// The summary and the fields in report form, secrets masked, reusing
    /// the texts that hold none (the engine renders each record once, at
    /// the scenario's end); the field names are the family's constants,
    /// not copied.
    pub fn into_rendered(
        self,
        redactor: &Redactor,
    ) -> (
        Option<String>,
        impl Iterator<Item = (&'static str, Value)> + '_,
    ) {
        let summary = self.summary.map(|s| owned_masked(s, redactor));
        let fields = self
            .fields
            .into_iter()
            .map(move |(name, value)| (name, value.into_rendered(redactor)));
        (summary, fields)
    }
}

/// A JSON value with secrets masked in its text; `None` when it holds
/// none.
fn masked_json(value: &Value, redactor: &Redactor) -> Option<Value> {
    if !redactor.json_may_hold_secret(value) {
        return None;
    }
    let text = value.to_string();
    match redactor.text_cow(&text) {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(masked) => {
            Some(serde_json::from_str(&masked).unwrap_or(Value::String(masked)))
        }
    }
}

/// The evidence of one scenario, shared by all its sessions, in the order
/// it was recorded, with the scenario's clock.
#[derive(Debug)]
pub struct EvidenceLog {
    started: Instant,
    records: Vec<RawEvidence>,
}

impl EvidenceLog {
    /// A log whose clock starts now.
    pub fn new() -> Self {
        EvidenceLog {
            started: Instant::now(),
            records: Vec::new(),
        }
    }

    /// Microseconds since the scenario started.
    pub fn now_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Records an event.
    pub fn push(&mut self, evidence: RawEvidence) {
        self.records.push(evidence);
    }

    /// How many events were recorded so far (a step's events are those
    /// recorded after its start).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The events recorded from `start` on, time-ordered, removed from the
    /// log (so a long run's log does not grow: the engine keeps each step's
    /// records with the step, or drops them when it summarises).
    pub fn take_since(&mut self, start: usize) -> Vec<RawEvidence> {
        let mut records = if start < self.records.len() {
            self.records.split_off(start)
        } else {
            Vec::new()
        };
        if !records.is_sorted_by_key(|r| r.at_us) {
            records.sort_by_key(|r| r.at_us);
        }
        records
    }

    /// The events from `start` on, in time order (sessions borrowing one
    /// another may record out of order).
    pub fn since(&self, start: usize) -> Vec<RawEvidence> {
        let mut records = self.records.get(start..).unwrap_or_default().to_vec();
        records.sort_by_key(|r| r.at_us);
        records
    }
}

impl Default for EvidenceLog {
    fn default() -> Self {
        EvidenceLog::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one masked range, on purpose
    fn bytes_mask_registered_secrets_and_given_ranges() {
        let mut redactor = Redactor::default();
        redactor.add_text("1234");
        let value = FieldValue::Bytes {
            bytes: b"\x00\x20\x00\x80\x04\x31\x32\x33\x34\x00".to_vec(),
            masked: vec![4..5],
        };
        assert_eq!(value.render(&redactor), "00200080**********00");
    }

    #[test]
    fn a_step_sees_its_events_in_time_order() {
        let mut log = EvidenceLog::new();
        log.push(RawEvidence::new("a", "note", 5));
        log.push(RawEvidence::new("b", "note", 9));
        log.push(RawEvidence::new("a", "note", 7));
        let times: Vec<u64> = log.since(1).iter().map(|r| r.at_us).collect();
        assert_eq!(times, [7, 9]);
    }
}
