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
use serde_json::Value;

use crate::describe::detail_text;
use crate::escape::{number, script_str};
use crate::html::decode::decode_into;
use crate::schema::{Evidence, Failure, StepReport};

/// Hex text this long or longer is carried as base64.
const BASE64_FROM_HEX_CHARS: usize = 32;

/// Appends the steps of one scenario, as its `st-N` element's JSON
/// (script-safe ASCII). Written by hand rather than through serde (a large
/// run's page is 77 MB of these): the test below holds it equal to the
/// serde form of the same positions. `scratch` is reused between calls.
pub(crate) fn write_steps(out: &mut Vec<u8>, steps: &[StepReport], scratch: &mut Scratch) {
    out.push(b'[');
    for (at, step) in steps.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_step(out, step, scratch);
    }
    out.push(b']');
}

/// Buffers reused from record to record.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    bytes: Vec<u8>,
    text: String,
}

fn optional_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => script_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_step(out: &mut Vec<u8>, s: &StepReport, scratch: &mut Scratch) {
    out.push(b'[');
    number(out, s.index);
    out.push(b',');
    script_str(out, &s.kind);
    out.push(b',');
    script_str(out, &s.family);
    out.push(b',');
    script_str(out, &s.label);
    out.push(b',');
    script_str(out, &s.location);
    out.push(b',');
    optional_str(out, s.included_from.as_deref());
    out.push(b',');
    match s.repetition {
        Some(n) => number(out, n),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(if s.is_finally { b",true," } else { b",false," });
    script_str(out, s.verdict.as_str());
    out.push(b',');
    number(out, s.duration_us);
    out.extend_from_slice(b",[");
    for (at, failure) in s.failures.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_failure(out, failure);
    }
    out.extend_from_slice(b"],[");
    for (at, record) in s.evidence.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_record(out, record, scratch);
    }
    out.extend_from_slice(b"]]");
}

fn write_failure(out: &mut Vec<u8>, f: &Failure) {
    out.push(b'[');
    for text in [&f.location, &f.check, &f.expected, &f.actual] {
        script_str(out, text);
        out.push(b',');
    }
    optional_str(out, f.note.as_deref());
    out.push(b',');
    script_str(out, f.level.as_str());
    out.push(b']');
}

/// `[type, target, at_us, duration_us, summary, decoded, fields]`.
fn write_record(out: &mut Vec<u8>, e: &Evidence, scratch: &mut Scratch) {
    out.push(b'[');
    script_str(out, &e.kind);
    out.push(b',');
    script_str(out, &e.target);
    out.push(b',');
    number(out, e.at_us);
    out.push(b',');
    match e.duration_us {
        Some(n) => number(out, n),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b',');
    optional_str(out, e.summary.as_deref());
    out.extend_from_slice(b",[");
    let mut first = true;
    decode_into(e, &mut scratch.text, &mut |label, text| {
        if !first {
            out.push(b',');
        }
        first = false;
        script_str(out, label);
        out.push(b',');
        script_str(out, text);
    });
    out.extend_from_slice(b"],[");
    let mut first = true;
    for (key, value) in &e.fields {
        match value {
            Value::Null => continue,
            Value::String(text) if text.is_empty() => continue,
            _ => {}
        }
        if !first {
            out.push(b',');
        }
        first = false;
        script_str(out, key);
        out.push(b',');
        field_text(out, value, &mut scratch.bytes);
    }
    out.extend_from_slice(b"]]");
}

/// A raw field as text, long hex as `{"b": BASE64}`.
fn field_text(out: &mut Vec<u8>, value: &Value, bytes: &mut Vec<u8>) {
    match value {
        Value::String(text) => {
            if hex_bytes_into(text, bytes) {
                out.extend_from_slice(b"{\"b\":\"");
                let start = out.len();
                let engine = &base64::engine::general_purpose::STANDARD;
                out.resize(
                    start + base64::encoded_len(bytes.len(), true).unwrap_or(0),
                    0,
                );
                let written = out
                    .get_mut(start..)
                    .and_then(|room| engine.encode_slice(&*bytes, room).ok())
                    .unwrap_or(0);
                out.truncate(start + written);
                out.extend_from_slice(b"\"}");
            } else {
                script_str(out, text);
            }
        }
        Value::Object(_) | Value::Array(_) => {
            let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| detail_text(value));
            script_str(out, &text);
        }
        other => script_str(out, &detail_text(other)),
    }
}

/// Nibble values of uppercase hex digits; 0xFF for every other byte.
const NIBBLES: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut d = 0;
    while d < 10 {
        table[b'0' as usize + d] = d as u8;
        d += 1;
    }
    let mut d = 0;
    while d < 6 {
        table[b'A' as usize + d] = 10 + d as u8;
        d += 1;
    }
    table
};

/// Whether `text` is long uppercase hex of whole bytes (every byte
/// present), its bytes then in `bytes`.
fn hex_bytes_into(text: &str, bytes: &mut Vec<u8>) -> bool {
    let digits = text.as_bytes();
    if digits.len() < BASE64_FROM_HEX_CHARS || !digits.len().is_multiple_of(2) {
        return false;
    }
    bytes.clear();
    let mut bad = 0;
    bytes.extend(digits.chunks_exact(2).map(|pair| match pair {
        [hi, lo] => {
            let (hi, lo) = (NIBBLES[usize::from(*hi)], NIBBLES[usize::from(*lo)]);
            bad |= hi | lo;
            hi << 4 | lo
        }
        _ => 0xFF,
    }));
    bad & 0xF0 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::ser::{SerializeMap, SerializeSeq};
    use serde::{Serialize, Serializer};

    /// The steps through serde, the same positions: the form
    /// [`write_steps`] is held to.
    struct Steps<'a>(&'a [StepReport]);

    impl Serialize for Steps<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.iter().map(|s| {
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
                    s.failures
                        .iter()
                        .map(|f| {
                            let level = f.level.as_str();
                            (
                                &f.location,
                                &f.check,
                                &f.expected,
                                &f.actual,
                                &f.note,
                                level,
                            )
                        })
                        .collect::<Vec<_>>(),
                    s.evidence.iter().map(Record).collect::<Vec<_>>(),
                )
            }))
        }
    }

    struct Record<'a>(&'a Evidence);

    impl Serialize for Record<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let e = self.0;
            let mut decoded = Vec::new();
            decode_into(e, &mut String::new(), &mut |label, text| {
                decoded.push(label.to_owned());
                decoded.push(text.to_owned());
            });
            let fields = RawFields(e);
            let record = (&e.kind, &e.target, e.at_us, e.duration_us, &e.summary);
            (
                record.0, record.1, record.2, record.3, record.4, decoded, fields,
            )
                .serialize(serializer)
        }
    }

    struct RawFields<'a>(&'a Evidence);

    impl Serialize for RawFields<'_> {
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
                    let text = serde_json::to_string_pretty(self.0).unwrap();
                    serializer.serialize_str(&text)
                }
                other => serializer.serialize_str(&detail_text(other)),
            }
        }
    }

    fn hex_as_base64(text: &str) -> Option<String> {
        let mut bytes = Vec::new();
        hex_bytes_into(text, &mut bytes)
            .then(|| base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    fn written(steps: &[StepReport]) -> Vec<u8> {
        let mut out = Vec::new();
        write_steps(&mut out, steps, &mut Scratch::default());
        out
    }

    fn through_serde(steps: &[StepReport]) -> Vec<u8> {
        let mut out = Vec::new();
        crate::html::script_json::write(&mut out, &Steps(steps));
        out
    }

    fn record(kind: &str, fields: serde_json::Value) -> Evidence {
        Evidence {
            kind: kind.to_owned().into(),
            target: "reader".to_owned().into(),
            fields: fields.as_object().cloned().unwrap().into(),
            ..Evidence::default()
        }
    }

    #[test]
    fn the_steps_are_written_as_serde_writes_their_positions() {
        let odd = "a</script>→ 数字4桁 \u{2028} 😀 \"q\" \\ \n\u{1}";
        let steps = vec![
            StepReport::default(),
            StepReport {
                index: 7,
                kind: odd.to_owned().into(),
                label: odd.to_owned(),
                included_from: Some(odd.to_owned()),
                repetition: Some(3),
                is_finally: true,
                verdict: crate::schema::Verdict::Fail,
                duration_us: u64::MAX,
                failures: vec![
                    Failure::default(),
                    Failure {
                        note: Some(odd.to_owned()),
                        level: crate::schema::Level::Should,
                        ..Failure::default()
                    },
                ],
                evidence: vec![
                    Evidence::default(),
                    record(
                        "apdu",
                        serde_json::json!({
                            "command": "0020008004********", "sw": "63C2",
                            "response": "00A4040C0AD392F000260100000001FF"
                        }),
                    ),
                    Evidence {
                        duration_us: Some(12),
                        summary: Some(odd.to_owned()),
                        at_us: 99,
                        ..record(
                            "http",
                            serde_json::json!({
                                "method": "GET", "path": odd, "status": 200,
                                "request": {"a": [1, "<"]}, "flag": true, "n": -1.5,
                                "none": null, "blank": "", "lower": "00a4040c0ad392f000260100000001ff",
                            }),
                        )
                    },
                ],
                ..StepReport::default()
            },
        ];
        assert_eq!(written(&steps), through_serde(&steps));
        assert_eq!(written(&[]), b"[]");
        assert!(written(&steps).is_ascii());
    }

    #[test]
    fn hex_is_read_by_the_table_as_digit_by_digit() {
        let one_by_one = |text: &str| -> Option<Vec<u8>> {
            let nibble = |d: u8| match d {
                b'0'..=b'9' => Some(d - b'0'),
                b'A'..=b'F' => Some(d - b'A' + 10),
                _ => None,
            };
            let digits = text.as_bytes();
            if digits.len() < BASE64_FROM_HEX_CHARS || !digits.len().is_multiple_of(2) {
                return None;
            }
            digits
                .chunks(2)
                .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
                .collect()
        };
        let mut bytes = Vec::new();
        let all: String = (0..=255u8).map(|b| format!("{b:02X}")).collect();
        for len in (30..=64).step_by(2) {
            for start in 0..40 {
                let text = all.get(start * 2..start * 2 + len).unwrap();
                let ours = hex_bytes_into(text, &mut bytes).then(|| bytes.clone());
                assert_eq!(ours, one_by_one(text), "{text}");
                for bad in 0..=255u8 {
                    let mut odd = text.as_bytes().to_vec();
                    odd[start % len] = bad;
                    if let Ok(odd) = String::from_utf8(odd) {
                        let ours = hex_bytes_into(&odd, &mut bytes).then(|| bytes.clone());
                        assert_eq!(ours, one_by_one(&odd), "{odd}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_long_uppercase_hex_of_whole_bytes_becomes_base64() {
        let hex = "00A4040C0AD392F000260100000001FF";
        let encoded = hex_as_base64(hex).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(hex::encode_upper(bytes), hex);
        for kept in [
            "00A4040C",                              // short
            "00a4040c0ad392f000260100000001ff",      // lowercase
            "0020008008********0AD392F000260100",    // redacted bytes
            "00A4040C0AD392F000260100000001F",       // half a byte
            "00A4040C0AD392F000260100000001G0",      // not a digit
            "00A4040C0AD392F000260100000001@0",      // just below a letter
            "00A4040C0AD392F000260100000001:0",      // just above a digit
            "00A4040C0AD392F000260100000001/0",      // just below a digit
            "00A4040C0AD392F000260100000001F\u{e9}", // not ASCII
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
        let mut out = Vec::new();
        write_record(&mut out, &e, &mut Scratch::default());
        let record: serde_json::Value = serde_json::from_slice(&out).unwrap();
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
