//! Checks a step's expectations against what the reader showed and wrote.

use std::fmt;

use myna_family::{Mismatch, Vars};
use myna_reader::{Observation, OutputRecord};
use myna_scenario::{Location, Template};
use serde_json::Value;

use crate::step::{Expected, ReaderExpect, RecordExpect, TraceExpect};
use crate::trace::TraceFacts;

/// What a step ended with.
pub struct Seen<'a> {
    /// The observation after the step.
    pub observation: &'a Observation,
    /// Whether the stimulus was taken, and why not.
    pub accepted: Option<(bool, Option<String>)>,
    /// Every record of the scenario so far.
    pub records: &'a [OutputRecord],
    /// The trace facts, when the target shows the trace.
    pub trace: Option<TraceFacts>,
}

/// A field value as text: strings as they are, lists comma-joined.
pub fn field_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(field_text).collect::<Vec<_>>().join(","),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

struct Checks<'a> {
    vars: &'a Vars,
    out: Vec<Mismatch>,
}

impl Checks<'_> {
    /// A mismatch named `check` (written only then) unless the two agree.
    fn eq(&mut self, at: &Location, check: impl fmt::Display, expected: &str, actual: &str) {
        if expected != actual {
            self.out.push(Mismatch::new(
                at.clone(),
                check.to_string(),
                expected,
                actual,
            ));
        }
    }

    fn text<T: AsRef<str>>(&mut self, e: &Option<Expected<T>>, check: &str, actual: &str) {
        if let Some(e) = e {
            self.eq(&e.at, check, e.value.as_ref(), actual);
        }
    }

    fn template(&mut self, e: Option<&Expected<Template>>, check: impl fmt::Display, actual: &str) {
        if let Some(e) = e {
            let expected = self
                .vars
                .render(&e.value)
                .map(|r| r.text)
                .unwrap_or_else(|u| format!("${{{}}} (no value)", u.0));
            self.eq(&e.at, check, &expected, actual);
        }
    }
}

/// Every mismatch of `expect` against `seen`.
pub fn check(expect: &ReaderExpect, seen: &Seen<'_>, vars: &Vars) -> Vec<Mismatch> {
    let mut c = Checks {
        vars,
        out: Vec::new(),
    };
    let screen = &seen.observation.screen;
    c.text(&expect.screen, "screen", &screen.id);
    for (name, e) in &expect.fields {
        let actual = screen
            .fields
            .get(name)
            .map(field_text)
            .unwrap_or_else(|| "absent".into());
        c.template(Some(e), format_args!("field {name}"), &actual);
    }
    if let Some(e) = &expect.accepted {
        match &seen.accepted {
            Some((accepted, reason)) => {
                let actual = match (accepted, reason) {
                    (true, _) => "true".to_string(),
                    (false, Some(r)) => format!("false ({r})"),
                    (false, None) => "false".to_string(),
                };
                if *accepted != e.value {
                    c.out.push(Mismatch::new(
                        e.at.clone(),
                        "accepted",
                        e.value.to_string(),
                        actual,
                    ));
                }
            }
            None => c.out.push(Mismatch::new(
                e.at.clone(),
                "accepted",
                e.value.to_string(),
                "no stimulus in this step",
            )),
        }
    }
    if let Some(e) = &expect.records {
        c.eq(
            &e.at,
            "records",
            &e.value.to_string(),
            &seen.records.len().to_string(),
        );
    }
    if let Some(r) = &expect.record {
        record(&mut c, r, seen.records.last());
    }
    for (item, e) in &expect.consent_state {
        let actual = seen
            .observation
            .consent_state
            .get(item.as_str())
            .cloned()
            .unwrap_or_else(|| "absent".into());
        c.eq(
            &e.at,
            format_args!("consent_state {}", item.as_str()),
            &e.value,
            &actual,
        );
    }
    if let Some(t) = &expect.trace {
        trace(&mut c, t, seen.trace);
    }
    c.out
}

fn record(c: &mut Checks<'_>, r: &RecordExpect, last: Option<&OutputRecord>) {
    let Some(last) = last else {
        let at = [
            r.end.as_ref().map(|e| &e.at),
            r.auth.as_ref().map(|e| &e.at),
            r.last_screen.as_ref().map(|e| &e.at),
        ]
        .into_iter()
        .flatten()
        .next()
        .cloned();
        if let Some(at) = at.or_else(|| r.consents.first().map(|(_, e)| e.at.clone())) {
            c.out.push(Mismatch::new(
                at,
                "record",
                "an output record",
                "none written",
            ));
        }
        return;
    };
    c.text(&r.end, "record end", enum_name(&last.end).as_str());
    let auth = last
        .auth
        .as_ref()
        .map(enum_name)
        .unwrap_or_else(|| "none".into());
    c.text(&r.auth, "record auth", &auth);
    c.template(
        r.serial.as_ref(),
        "record serial",
        last.serial.as_deref().unwrap_or("absent"),
    );
    c.text(&r.last_screen, "record last_screen", &last.last_screen);
    let q = last.qualification.as_ref();
    c.text(
        &r.outcome,
        "record outcome",
        q.map(|q| q.outcome.as_str()).unwrap_or("none"),
    );
    c.text(
        &r.validity,
        "record validity",
        q.and_then(|q| q.validity.as_deref()).unwrap_or("absent"),
    );
    c.template(
        r.name.as_ref(),
        "record name",
        q.and_then(|q| q.name.as_deref()).unwrap_or("absent"),
    );
    for (item, e) in &r.consents {
        let actual = last
            .consent(*item)
            .map(|x| x.choice.as_str())
            .unwrap_or("absent");
        c.eq(
            &e.at,
            format_args!("record consent {}", item.as_str()),
            e.value.as_str(),
            actual,
        );
    }
    for (item, e) in &r.flags {
        let actual = last
            .consent(*item)
            .map(|x| x.flag.as_str())
            .unwrap_or("absent");
        c.eq(
            &e.at,
            format_args!("record flag {}", item.as_str()),
            &e.value,
            actual,
        );
    }
    for (item, e) in &r.timed {
        let actual = last.consent(*item).is_some_and(|x| x.time.is_some());
        c.eq(
            &e.at,
            format_args!("record time {}", item.as_str()),
            &e.value.to_string(),
            &actual.to_string(),
        );
    }
}

/// A serde enum's wire name.
fn enum_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .as_ref()
        .map(field_text)
        .unwrap_or_default()
}

fn trace(c: &mut Checks<'_>, t: &TraceExpect, facts: Option<TraceFacts>) {
    let Some(f) = facts else {
        // The session turns a trace check on a target without the trace
        // into not_applicable before it gets here.
        return;
    };
    let flag = |c: &mut Checks<'_>, e: &Option<Expected<bool>>, check: &str, actual: bool| {
        if let Some(e) = e {
            c.eq(&e.at, check, &e.value.to_string(), &actual.to_string());
        }
    };
    let count = |c: &mut Checks<'_>, e: &Option<Expected<u64>>, check: &str, actual: u64| {
        if let Some(e) = e {
            c.eq(&e.at, check, &e.value.to_string(), &actual.to_string());
        }
    };
    flag(
        c,
        &t.my_number_read,
        "trace my_number_read",
        f.my_number_read,
    );
    flag(
        c,
        &t.verify_when_blocked,
        "trace verify_when_blocked",
        f.verify_when_blocked,
    );
    count(c, &t.pin_verifies, "trace pin_verifies", f.pin_verifies);
    count(
        c,
        &t.phone_pin_verifies,
        "trace phone_pin_verifies",
        f.phone_pin_verifies,
    );
    count(
        c,
        &t.max_verifies_per_entry,
        "trace max_verifies_per_entry",
        f.max_verifies_per_entry,
    );
}
