//! JSON for a `<script type="application/json">` element of the page: it
//! cannot end its element early (every `<` is written `\u003c`), and it is
//! pure ASCII (every other character as `\uXXXX`, which also covers the line
//! separators JavaScript once refused). ASCII keeps the browser's copy of a
//! large page in one byte per character, which halves the time Chromium
//! takes to parse it (docs/reports.md "How fast the page opens").

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, Serializer};

/// Appends `value` to `out` as script-safe ASCII JSON.
pub(crate) fn write(out: &mut Vec<u8>, value: &impl Serialize) {
    let mut serializer = Serializer::with_formatter(&mut *out, ScriptSafe);
    // Writing into a Vec cannot fail, and the page's values (derived
    // Serialize, string-keyed maps) always serialize.
    let _ = value.serialize(&mut serializer);
}

/// The compact formatter with every string fragment made ASCII without `<`.
struct ScriptSafe;

impl Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.bytes().position(|b| b == b'<' || !b.is_ascii()) {
            let (plain, tail) = rest.split_at(at);
            writer.write_all(plain.as_bytes())?;
            let mut chars = tail.chars();
            let Some(c) = chars.next() else {
                return Ok(());
            };
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = chars.as_str();
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        CompactFormatter.begin_string(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &impl Serialize) -> String {
        let mut out = Vec::new();
        write(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_text_is_ascii_without_markup_and_reads_back() {
        let original = "a</script>→ 数字4桁 \u{2028} 😀 \"q\" \\ \n";
        let written = text(&original);
        assert!(written.is_ascii(), "{written}");
        assert!(!written.contains('<'), "{written}");
        assert!(written.contains("\\u2192") && written.contains("\\ud83d\\ude00"));
        let back: String = serde_json::from_str(&written).unwrap();
        assert_eq!(back, original);
    }
}
