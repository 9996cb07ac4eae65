//! Evidence decoded for people, whatever family recorded it: decoders for
//! the record types this crate knows (`apdu`: the instruction's name, the
//! header bytes and the status word's meaning from card-emu's own tables;
//! `http`: the exchange and its JSON bodies; `power`), and for every other
//! type (a reader's stimulus and screen, a portal's exchange, a type added
//! tomorrow) none: the page shows every record's raw fields as text
//! (`steps.rs`).

use std::fmt::Write as _;

use myna_card_emu::{Instruction, StatusWord};

use crate::schema::Evidence;

/// Hands each labelled line of the decoding of `evidence` to `row` (the
/// raw fields are shown beside them); `text` is a buffer reused between
/// records, so a line costs no allocation of its own.
pub(crate) fn decode_into(evidence: &Evidence, text: &mut String, row: &mut dyn FnMut(&str, &str)) {
    match &*evidence.kind {
        "apdu" => apdu(evidence, text, row),
        "http" => http(evidence, text, row),
        _ => {}
    }
}

/// Hex text (with `**` for redacted bytes) as bytes, redacted ones `None`:
/// the non-blank characters two by two, each pair (or a last single one)
/// read as `u8::from_str_radix` reads it.
fn hex_bytes(text: &str) -> Vec<Option<u8>> {
    let pair = |first: char, second: Option<char>| match (first, second) {
        (c, None) => c.to_digit(16),
        ('+', Some(c)) => c.to_digit(16),
        (hi, Some(lo)) => Some(hi.to_digit(16)? << 4 | lo.to_digit(16)?),
    };
    let mut bytes = Vec::with_capacity(text.len() / 2);
    let mut pending = None;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        match pending.take() {
            None => pending = Some(c),
            Some(first) => bytes.push(pair(first, Some(c)).and_then(|b| u8::try_from(b).ok())),
        }
    }
    if let Some(first) = pending {
        bytes.push(pair(first, None).and_then(|b| u8::try_from(b).ok()));
    }
    bytes
}

/// How many characters of `text` are not blank; eight bytes at a time
/// when it is ASCII (every ASCII blank is at most a space).
fn non_blank_chars(text: &str) -> usize {
    if !text.is_ascii() {
        return text.chars().filter(|c| !c.is_whitespace()).count();
    }
    let blank = |b: &&u8| matches!(**b, b'\t'..=b'\r' | b' ');
    let mut words = text.as_bytes().chunks_exact(8);
    let mut blanks = 0;
    for chunk in &mut words {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8]));
        // Whether a byte is below 0x21 (exact for ASCII bytes).
        if word.wrapping_sub(0x2121_2121_2121_2121) & !word & 0x8080_8080_8080_8080 != 0 {
            blanks += chunk.iter().filter(blank).count();
        }
    }
    blanks += words.remainder().iter().filter(blank).count();
    text.len() - blanks
}

/// Appends `byte` as two uppercase hex digits.
fn push_hex(text: &mut String, byte: u8) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for nibble in [byte >> 4, byte & 0xF] {
        text.push(char::from(
            DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
        ));
    }
}

fn apdu(evidence: &Evidence, text: &mut String, row: &mut dyn FnMut(&str, &str)) {
    if let Some(command) = evidence.text("command") {
        let bytes = hex_bytes(command);
        let byte = |i: usize| bytes.get(i).copied().flatten();
        if let Some(ins) = byte(1) {
            text.clear();
            match Instruction(ins).name() {
                Some(name) => text.extend(name.chars().map(|c| if c == '_' { ' ' } else { c })),
                None => text.push_str("unknown instruction"),
            }
            text.push_str(" (INS ");
            push_hex(text, ins);
            text.push(')');
            row("instruction", text);
        }
        text.clear();
        for (i, label) in ["CLA", "INS", "P1", "P2"].iter().enumerate() {
            if let Some(b) = byte(i) {
                if !text.is_empty() {
                    text.push_str(" · ");
                }
                text.push_str(label);
                text.push(' ');
                push_hex(text, b);
            }
        }
        if !text.is_empty() {
            row("header", text);
        }
        row("body", &body_shape(&bytes));
    }
    if let Some(sw) = evidence.text("sw") {
        text.clear();
        text.push_str(sw);
        text.push(' ');
        match u16::from_str_radix(sw, 16).ok().map(StatusWord) {
            Some(sw) => {
                text.push_str(sw.name().unwrap_or("no name in card-emu's table"));
                if let Some(tries) = sw.tries_left() {
                    let _ = write!(text, ", {tries} tries left");
                }
            }
            None => text.push_str("not a status word"),
        }
        row("status", text);
    }
    if let Some(response) = evidence.text("response") {
        // Counted, not decoded: a response is often hundreds of bytes.
        text.clear();
        let len = non_blank_chars(response).div_ceil(2);
        text.push_str(itoa::Buffer::new().format(len));
        text.push_str(" bytes");
        row("response data", text);
    }
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

fn http(evidence: &Evidence, text: &mut String, row: &mut dyn FnMut(&str, &str)) {
    let method = evidence.text("method").unwrap_or("?");
    let path = evidence.text("path").unwrap_or("");
    text.clear();
    let _ = write!(text, "{method} {path}");
    row("request", text);
    let status = evidence
        .fields
        .get("status")
        .and_then(serde_json::Value::as_u64);
    text.clear();
    match status {
        Some(code) => {
            let _ = write!(text, "{code} {}", status_class(code));
        }
        None => text.push_str("no answer"),
    }
    row("status", text);
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

    /// The rows of `evidence`, owned.
    fn decode(evidence: &Evidence) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let mut text = String::new();
        decode_into(evidence, &mut text, &mut |label, line| {
            rows.push((label.to_owned(), line.to_owned()))
        });
        rows
    }

    /// The former reading of hex text, one string per pair.
    fn hex_bytes_as_before(text: &str) -> Vec<Option<u8>> {
        let clean: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        clean
            .chunks(2)
            .map(|pair| u8::from_str_radix(&pair.iter().collect::<String>(), 16).ok())
            .collect()
    }

    #[test]
    fn hex_is_read_as_from_str_radix_reads_each_pair() {
        for text in [
            "",
            "0",
            "00A4 040C",
            "+5+",
            "++",
            "-1",
            "a\u{3000}b\u{85}c",
            "é1",
            "**12",
            "0\t0\u{b}F",
            "00B00000FF",
            "+",
            "1+",
        ] {
            assert_eq!(hex_bytes(text), hex_bytes_as_before(text), "{text:?}");
        }
        assert_eq!(non_blank_chars("AB CD\tEF\u{b}"), 6);
        assert_eq!(non_blank_chars("AB\u{3000}CD"), 4);
        for text in [
            "",
            "0123456789ABCDEF0123",
            "01234567 9ABCDEF\r12\n",
            "!\"#$%&'()*+,-./0 ",
        ] {
            let chars = text.chars().filter(|c| !c.is_whitespace()).count();
            assert_eq!(non_blank_chars(text), chars, "{text:?}");
        }
        let mut hex = String::new();
        for byte in [0x00, 0x0F, 0xA0, 0xFF] {
            push_hex(&mut hex, byte);
        }
        assert_eq!(hex, "000FA0FF");
    }

    #[test]
    fn an_http_exchange_is_its_request_and_status() {
        let rows = decode(&evidence(
            "http",
            json!({"method": "POST", "path": "/x", "status": 404}),
        ));
        let text: Vec<String> = rows.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        assert_eq!(text, ["request: POST /x", "status: 404 client error"]);
        let rows = decode(&evidence("http", json!({})));
        assert_eq!(rows[1].1, "no answer");
    }

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
