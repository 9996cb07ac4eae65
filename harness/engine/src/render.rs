//! From what the sessions recorded to the report's records, through the
//! redactor: nothing leaves the engine unmasked.

use myna_family::{Mismatch, RawEvidence, Redactor};
use myna_report::{Evidence, Failure};
use myna_scenario::Level;

/// One evidence record in report form.
pub(crate) fn evidence(raw: RawEvidence, redactor: &Redactor) -> Evidence {
    let (kind, at_us, target, duration_us) = (raw.kind, raw.at_us, raw.role, raw.duration_us);
    let (summary, fields) = raw.into_rendered(redactor);
    Evidence {
        kind: kind.into(),
        at_us,
        target: target.into(),
        duration_us,
        summary,
        fields: fields.collect(),
    }
}

/// One failed expectation in report form.
pub(crate) fn failure(mismatch: &Mismatch, level: Level, redactor: &Redactor) -> Failure {
    Failure {
        location: mismatch.at.to_string(),
        check: mismatch.check.clone(),
        expected: redactor.text(&mismatch.expected),
        actual: redactor.text(&mismatch.actual),
        note: mismatch.note.as_deref().map(|n| redactor.text(n)),
        level: self::level(level),
    }
}

/// A scenario file's level in report form.
pub(crate) fn level(level: Level) -> myna_report::Level {
    match level {
        Level::Must => myna_report::Level::Must,
        Level::Should => myna_report::Level::Should,
    }
}
