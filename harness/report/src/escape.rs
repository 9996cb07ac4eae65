//! JSON strings written straight into a byte buffer, byte for byte as
//! `serde_json` writes them ([`json_str`]), and as the page's
//! script-safe ASCII JSON writes them ([`script_str`]: also `<` and every
//! non-ASCII character as `\uXXXX`, `crate::html::script_json`).
//!
//! Why our own: a large run's report writes about 100 MB of strings, most
//! of them long hex or base64 that need no escape at all; `serde_json`
//! looks every byte up in its table and hands each plain run to the
//! formatter, where this checks eight bytes at a time (SWAR in safe code)
//! and copies a plain string in one piece. The tests hold both equal to
//! `serde_json` on every kind of character.

/// `byte` repeated in every byte of a word.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

const HIGH_BITS: u64 = splat(0x80);

/// The high bit of every byte of `word` below `n` (n ≤ 128), and maybe of
/// bytes above such a byte: a borrow starts only at a byte below `n`, so
/// the lowest bit set marks the first such byte exactly.
const fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(splat(n)) & !word & HIGH_BITS
}

/// The same for bytes equal to `byte`.
const fn equal(word: u64, byte: u8) -> u64 {
    below(word ^ splat(byte), 1)
}

/// The high bit of the bytes of `word` (little-endian: its first byte
/// lowest) that the JSON writer must escape (or, for `script`, also `<` or
/// a non-ASCII byte); exact at the lowest bit set.
#[inline(always)]
fn special(word: u64, script: bool) -> u64 {
    let json = below(word, 0x20) | equal(word, b'"') | equal(word, b'\\');
    if script {
        json | (word & HIGH_BITS) | equal(word, b'<')
    } else {
        json
    }
}

/// The position of the first special byte of `bytes`, eight at a time
/// (the last few padded with a plain byte).
#[inline(always)]
fn find_special(bytes: &[u8], script: bool) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let found = special(word, script);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let rest = words.remainder();
    let mut last = [b'A'; 8];
    last.iter_mut().zip(rest).for_each(|(to, from)| *to = *from);
    let found = special(u64::from_le_bytes(last), script);
    (found != 0).then(|| offset + (found.trailing_zeros() / 8) as usize)
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The escape `serde_json` writes for an ASCII byte it must escape.
fn push_escape(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0C => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            push_unit(out, u16::from(byte));
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// `\uXXXX`, lowercase hex.
fn push_unit(out: &mut Vec<u8>, unit: u16) {
    let digit = |shift: u16| {
        HEX_DIGITS
            .get(usize::from(unit >> shift & 0xF))
            .copied()
            .unwrap_or(b'0')
    };
    out.extend_from_slice(&[b'\\', b'u', digit(12), digit(8), digit(4), digit(0)]);
}

/// An integer as JSON writes it (the same digits in both the compact
/// report.json and the page's script-safe data).
pub(crate) fn number(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `text` as a JSON string, as `serde_json` writes it.
#[inline]
pub(crate) fn json_str(out: &mut Vec<u8>, text: &str) {
    write_str(out, text, false);
}

/// Appends `text` as a JSON string in script-safe ASCII: as
/// `crate::html::script_json` writes it.
#[inline]
pub(crate) fn script_str(out: &mut Vec<u8>, text: &str) {
    write_str(out, text, true);
}

/// Inlined into each of the two, so that `script` is a constant there.
#[inline(always)]
fn write_str(out: &mut Vec<u8>, text: &str, script: bool) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut rest = text;
    while let Some(at) = find_special(rest.as_bytes(), script) {
        let (plain, tail) = rest.split_at(at);
        out.extend_from_slice(plain.as_bytes());
        let mut chars = tail.chars();
        let Some(c) = chars.next() else {
            break;
        };
        match u8::try_from(c) {
            Ok(byte) if byte.is_ascii() && byte != b'<' => push_escape(out, byte),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_unit(out, *unit);
                }
            }
        }
        rest = chars.as_str();
    }
    out.extend_from_slice(rest.as_bytes());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ASCII byte, several non-ASCII characters and lengths around a
    /// word's, at every offset.
    fn samples() -> Vec<String> {
        let mut samples: Vec<String> = vec![
            String::new(),
            "00B00000FF".into(),
            "READ BINARY offset 0 Le 255 → 9000 SUCCESS, 255 bytes".into(),
            "a</script>→ 数字4桁 \u{2028} 😀 \"q\" \\ \n\u{7f}\u{85}".into(),
        ];
        let every: String = (0u8..128).map(char::from).collect();
        samples.push(every.clone());
        for special in [
            "\"", "\\", "\n", "\u{1}", "\u{1f}", "<", "é", "😀", " ", "~",
        ] {
            for len in 0..20 {
                for at in 0..=len {
                    let mut text = "A".repeat(len);
                    text.insert_str(at, special);
                    samples.push(text);
                }
            }
        }
        samples
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for text in samples() {
            let mut ours = Vec::new();
            json_str(&mut ours, &text);
            assert_eq!(ours, serde_json::to_vec(&text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn script_strings_are_written_as_the_page_s_formatter_writes_them() {
        for text in samples() {
            let mut ours = Vec::new();
            script_str(&mut ours, &text);
            let mut theirs = Vec::new();
            crate::html::script_json::write(&mut theirs, &text);
            assert_eq!(ours, theirs, "{text:?}");
            assert!(ours.is_ascii() && !ours.contains(&b'<'));
        }
    }
}
