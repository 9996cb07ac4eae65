//! Evidence decoded for people, whatever family recorded it: decoders for
//! the record types this crate knows (`apdu`: the instruction's name, the
//! header bytes and the status word's meaning from card-emu's own tables;
//! `http`: the exchange and its JSON bodies; `power`), and for every other
//! type (a reader's stimulus and screen, a portal's exchange, a type added
//! tomorrow) none: the page shows every record's raw fields as text
//! (`steps.rs`).

use myna_card_emu::{Instruction, StatusWord};

use crate::schema::Evidence;

/// One labelled line of a decoding.
pub(crate) type Row = (String, String);

/// The decoded lines of `evidence` (the raw fields are shown beside them).
pub(crate) fn decode(evidence: &Evidence) -> Vec<Row> {
    match &*evidence.kind {
        "apdu" => apdu(evidence),
        "http" => http(evidence),
        _ => Vec::new(),
    }
}

/// Hex text (with `**` for redacted bytes) as bytes, redacted ones `None`.
fn hex_bytes(text: &str) -> Vec<Option<u8>> {
    let clean: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    clean
        .chunks(2)
        .map(|pair| {
            let s: String = pair.iter().collect();
            u8::from_str_radix(&s, 16).ok()
        })
        .collect()
}

fn apdu(evidence: &Evidence) -> Vec<Row> {
    let mut rows = Vec::new();
    if let Some(command) = evidence.text("command") {
        let bytes = hex_bytes(command);
        let byte = |i: usize| bytes.get(i).copied().flatten();
        if let Some(ins) = byte(1) {
            let name = Instruction(ins)
                .name()
                .map_or_else(|| "unknown instruction".to_owned(), |n| n.replace('_', " "));
            rows.push(("instruction".to_owned(), format!("{name} (INS {ins:02X})")));
        }
        let header: Vec<String> = ["CLA", "INS", "P1", "P2"]
            .iter()
            .enumerate()
            .filter_map(|(i, label)| byte(i).map(|b| format!("{label} {b:02X}")))
            .collect();
        if !header.is_empty() {
            rows.push(("header".to_owned(), header.join(" · ")));
        }
        rows.push(("body".to_owned(), body_shape(&bytes)));
    }
    if let Some(sw) = evidence.text("sw") {
        let meaning = u16::from_str_radix(sw, 16)
            .ok()
            .map(StatusWord)
            .map(|sw| {
                let mut text = sw
                    .name()
                    .unwrap_or("no name in card-emu's table")
                    .to_owned();
                if let Some(tries) = sw.tries_left() {
                    text.push_str(&format!(", {tries} tries left"));
                }
                text
            })
            .unwrap_or_else(|| "not a status word".to_owned());
        rows.push(("status".to_owned(), format!("{sw} {meaning}")));
    }
    if let Some(response) = evidence.text("response") {
        // Counted, not decoded: a response is often hundreds of bytes.
        let digits = response.chars().filter(|c| !c.is_whitespace()).count();
        let len = digits.div_ceil(2);
        rows.push(("response data".to_owned(), format!("{len} bytes")));
    }
    rows
}

/// `Lc 4, 4 data bytes (redacted), Le 256`: the body's shape, short form
/// or extended, without repeating its bytes.
fn body_shape(bytes: &[Option<u8>]) -> String {
    let redacted = bytes.iter().filter(|b| b.is_none()).count();
    let redacted = if redacted > 0 {
        format!(" ({redacted} redacted)")
    } else {
        String::new()
    };
    match bytes.len() {
        0..=4 => "no body (case 1)".to_owned(),
        5 => {
            let le = bytes.get(4).copied().flatten().map_or(0, usize::from);
            format!("Le {}", if le == 0 { 256 } else { le })
        }
        n => {
            let lc = bytes.get(4).copied().flatten().map_or(0, usize::from);
            if lc == 0 && n >= 7 {
                let hi = bytes.get(5).copied().flatten().map_or(0, usize::from);
                let lo = bytes.get(6).copied().flatten().map_or(0, usize::from);
                format!(
                    "extended, Lc {}, {} bytes after the header{redacted}",
                    hi << 8 | lo,
                    n - 4
                )
            } else {
                let data = n.saturating_sub(5).min(lc);
                let le = if n > 5 + lc {
                    let le = bytes.get(5 + lc).copied().flatten().map_or(0, usize::from);
                    format!(", Le {}", if le == 0 { 256 } else { le })
                } else {
                    String::new()
                };
                format!("Lc {lc}, {data} data bytes{redacted}{le}")
            }
        }
    }
}

fn http(evidence: &Evidence) -> Vec<Row> {
    let mut rows = Vec::new();
    let method = evidence.text("method").unwrap_or("?");
    let path = evidence.text("path").unwrap_or("");
    rows.push(("request".to_owned(), format!("{method} {path}")));
    let status = evidence
        .fields
        .get("status")
        .and_then(serde_json::Value::as_u64);
    let status_text = match status {
        Some(code) => format!("{code} {}", status_class(code)),
        None => "no answer".to_owned(),
    };
    rows.push(("status".to_owned(), status_text));
    rows
}

fn status_class(code: u64) -> &'static str {
    match code {
        200..=299 => "success",
        300..=399 => "redirection",
        400..=499 => "client error",
        500..=599 => "server error",
        _ => "unusual status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn evidence(kind: &str, fields: serde_json::Value) -> Evidence {
        Evidence {
            kind: kind.to_owned().into(),
            fields: fields.as_object().cloned().unwrap_or_default().into(),
            ..Evidence::default()
        }
    }

    #[test]
    fn an_apdu_is_named_from_card_emus_tables() {
        let rows = decode(&evidence(
            "apdu",
            json!({"command": "0020008004********", "sw": "63C2"}),
        ));
        let text: Vec<String> = rows.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        assert_eq!(
            text,
            [
                "instruction: VERIFY (INS 20)",
                "header: CLA 00 · INS 20 · P1 00 · P2 80",
                "body: Lc 4, 4 data bytes (4 redacted)",
                "status: 63C2 VERIFY_FAILED, 2 tries left",
            ]
        );
    }

    #[test]
    fn odd_apdus_decode_without_panicking() {
        for command in [
            "",
            "0",
            "zz",
            "00A4",
            "00B0000000",
            "00B0000000000102AB",
            "80",
        ] {
            let _rows = decode(&evidence("apdu", json!({"command": command, "sw": "x"})));
        }
        assert_eq!(body_shape(&hex_bytes("00B00000FF")), "Le 255");
        assert_eq!(body_shape(&hex_bytes("00B0000000")), "Le 256");
    }

    #[test]
    fn an_unknown_type_has_no_decoding() {
        let e = evidence("screen", json!({"screen": "pin_entry"}));
        assert!(decode(&e).is_empty());
    }
}
