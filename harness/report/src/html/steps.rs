//! A scenario's steps as the page embeds them: one compact JSON array per
//! scenario, in its own `<script type="application/json" id="st-N">`
//! element, which the page parses only when that scenario is opened (the
//! page's load then costs the scenario list, not every step's evidence).
//!
//! Positions, not keys (`page.js` reads them by the same positions):
//! - a step: `[index, kind, family, label, location, included_from,
//!   repetition, is_finally, verdict, duration_us, failures, evidence]`;
//! - a failure: `[location, check, expected, actual, note, level]`;
//! - an evidence record: `[type, target, at_us, duration_us, summary,
//!   decoded, fields]`, where `decoded` and `fields` are flat
//!   `[label, text, label, text, …]` lists (the decoding of `decode.rs`, and
//!   the raw fields as text), and a field's text that is uppercase hex bytes
//!   (no `**`) of 16 bytes or more is `{"b": BASE64}` of those bytes, a third
//!   shorter; the page shows it as the same hex again.

use base64::Engine as _;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::describe::detail_text;
use crate::html::decode::decode;
use crate::schema::{Evidence, Failure, StepReport};

/// Hex text this long or longer is carried as base64.
const BASE64_FROM_HEX_CHARS: usize = 32;

/// The steps of one scenario, as its `st-N` element's JSON.
pub(crate) struct Steps<'a>(pub(crate) &'a [StepReport]);

impl Serialize for Steps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Step))
    }
}

struct Step<'a>(&'a StepReport);

impl Serialize for Step<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        (
            s.index,
            &s.kind,
            &s.family,
            &s.label,
            &s.location,
            &s.included_from,
            s.repetition,
            s.is_finally,
            s.verdict.as_str(),
            s.duration_us,
            Failures(&s.failures),
            Records(&s.evidence),
        )
            .serialize(serializer)
    }
}

struct Failures<'a>(&'a [Failure]);

impl Serialize for Failures<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|f| {
            (
                &f.location,
                &f.check,
                &f.expected,
                &f.actual,
                &f.note,
                f.level.as_str(),
            )
        }))
    }
}

struct Records<'a>(&'a [Evidence]);

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Record))
    }
}

struct Record<'a>(&'a Evidence);

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        (
            &e.kind,
            &e.target,
            e.at_us,
            e.duration_us,
            &e.summary,
            Decoded(e),
            Fields(e),
        )
            .serialize(serializer)
    }
}

struct Decoded<'a>(&'a Evidence);

impl Serialize for Decoded<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rows = decode(self.0);
        let mut seq = serializer.serialize_seq(Some(rows.len() * 2))?;
        for (label, text) in &rows {
            seq.serialize_element(label)?;
            seq.serialize_element(text)?;
        }
        seq.end()
    }
}

/// The raw fields in key order, each as text; empty ones left out.
struct Fields<'a>(&'a Evidence);

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for (key, value) in &self.0.fields {
            match value {
                Value::Null => continue,
                Value::String(text) if text.is_empty() => continue,
                _ => {}
            }
            seq.serialize_element(key)?;
            seq.serialize_element(&FieldText(value))?;
        }
        seq.end()
    }
}

struct FieldText<'a>(&'a Value);

impl Serialize for FieldText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::String(text) => match hex_as_base64(text) {
                Some(encoded) => {
                    let mut map = serializer.serialize_map(Some(1))?;
                    map.serialize_entry("b", &encoded)?;
                    map.end()
                }
                None => serializer.serialize_str(text),
            },
            Value::Object(_) | Value::Array(_) => {
                let text =
                    serde_json::to_string_pretty(self.0).unwrap_or_else(|_| detail_text(self.0));
                serializer.serialize_str(&text)
            }
            other => serializer.serialize_str(&detail_text(other)),
        }
    }
}

/// Long uppercase hex text (every byte present) as the base64 of its bytes.
fn hex_as_base64(text: &str) -> Option<String> {
    let digits = text.as_bytes();
    if digits.len() < BASE64_FROM_HEX_CHARS || !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    };
    let bytes = digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()?;
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_uppercase_hex_of_whole_bytes_becomes_base64() {
        let hex = "00A4040C0AD392F000260100000001FF";
        let encoded = hex_as_base64(hex).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(hex::encode_upper(bytes), hex);
        for kept in [
            "00A4040C",                           // short
            "00a4040c0ad392f000260100000001ff",   // lowercase
            "0020008008********0AD392F000260100", // redacted bytes
            "00A4040C0AD392F000260100000001F",    // half a byte
        ] {
            assert_eq!(hex_as_base64(kept), None, "{kept}");
        }
    }

    #[test]
    fn every_field_of_any_type_is_text_in_key_order() {
        let e = Evidence {
            kind: "screen".to_owned().into(),
            target: "reader".to_owned().into(),
            fields: serde_json::json!({
                "screen": "pin_entry", "fields": {"tries": 3}, "empty": null, "blank": "",
                "count": 2, "data": "00A4040C0AD392F000260100000001FF",
            })
            .as_object()
            .cloned()
            .unwrap()
            .into(),
            ..Evidence::default()
        };
        let record = serde_json::to_value(Record(&e)).unwrap();
        assert_eq!(record[5], serde_json::json!([]));
        assert_eq!(
            record[6],
            serde_json::json!([
                "count", "2",
                "data", {"b": "AKQEDArTkvAAJgEAAAAB/w=="},
                "fields", "{\n  \"tries\": 3\n}",
                "screen", "pin_entry",
            ])
        );
    }
}
