//! Keeps secrets out of every output. The engine registers each secret value
//! it learns (persona secrets, `secret` variables, anything sent by
//! `verify`/`change_pin`); every byte string and message that leaves the
//! engine goes through [`Redactor`].

use std::borrow::Cow;

/// Masks registered secrets in bytes and text.
///
/// Registering a secret only copies its bytes; its text forms (itself, its
/// uppercase and lowercase hex) are matched without being built: a search
/// is a `memchr` scan for the form's first byte and a comparison there, and
/// masking allocates only when a secret is found. The engine masks every
/// evidence record and message of every step (and registers a persona's
/// secrets for every scenario), so both must be cheap.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// The secrets, longest first.
    patterns: Vec<Vec<u8>>,
}

/// How a secret appears in text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// Its bytes as they are (text when they are UTF-8).
    Raw,
    /// Uppercase hex of its bytes.
    UpperHex,
    /// Lowercase hex of its bytes.
    LowerHex,
}

/// One form of one secret, to search text for.
struct Needle<'p> {
    secret: &'p [u8],
    form: Form,
}

impl Needle<'_> {
    fn digits(&self) -> &'static [u8; 16] {
        match self.form {
            Form::LowerHex => b"0123456789abcdef",
            _ => b"0123456789ABCDEF",
        }
    }

    fn len(&self) -> usize {
        match self.form {
            Form::Raw => self.secret.len(),
            Form::UpperHex | Form::LowerHex => self.secret.len() * 2,
        }
    }

    fn first(&self) -> Option<u8> {
        let &byte = self.secret.first()?;
        Some(match self.form {
            Form::Raw => byte,
            Form::UpperHex | Form::LowerHex => self.digits()[usize::from(byte >> 4)],
        })
    }

    fn matches_at(&self, hay: &[u8]) -> bool {
        match self.form {
            Form::Raw => hay.starts_with(self.secret),
            Form::UpperHex | Form::LowerHex => {
                let digits = self.digits();
                hay.len() >= self.len()
                    && self
                        .secret
                        .iter()
                        .zip(hay.chunks_exact(2))
                        .all(|(&b, pair)| {
                            pair[0] == digits[usize::from(b >> 4)]
                                && pair[1] == digits[usize::from(b & 0x0F)]
                        })
            }
        }
    }

    /// Where the needle next occurs in `hay` from `from` on.
    fn find(&self, hay: &[u8], from: usize) -> Option<usize> {
        let first = self.first()?;
        let rest = hay.get(from..)?;
        memchr::memchr_iter(first, rest)
            .map(|at| from + at)
            .find(|&at| self.matches_at(&hay[at..]))
    }

    /// `text` with every occurrence, left to right and not overlapping
    /// (as `str::replace`), replaced by [`REDACTED`]; `None` when there is
    /// none. A match starts at a byte equal to an ASCII digit or the
    /// secret's first byte and spans whole secret bytes, so the cuts fall
    /// on UTF-8 boundaries.
    fn replace(&self, text: &str) -> Option<String> {
        let hay = text.as_bytes();
        let mut at = self.find(hay, 0)?;
        let mut out = String::with_capacity(text.len());
        let mut kept = 0;
        loop {
            // Never fails (see above); were it to, text is lost, not a
            // secret shown.
            out.push_str(text.get(kept..at).unwrap_or_default());
            out.push_str(REDACTED);
            kept = at + self.len();
            match self.find(hay, kept) {
                Some(next) => at = next,
                None => break,
            }
        }
        out.push_str(text.get(kept..).unwrap_or_default());
        Some(out)
    }
}

/// Text put where a secret was.
pub const REDACTED: &str = "<redacted>";

impl Redactor {
    /// Registers a secret given as text (a PIN, a password, a 照合番号):
    /// its UTF-8 bytes are masked wherever they appear.
    pub fn add_text(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.push(secret.as_bytes());
        }
    }

    /// Registers a secret value that may be text or hex (a `secret`
    /// variable, a secret capture, which is hex of the captured bytes): its
    /// text is masked, and when it is hex (any length, any case) so are the
    /// bytes it encodes.
    pub fn add_value(&mut self, secret: &str) {
        self.add_text(secret);
        let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
        if !compact.is_empty() && compact.len().is_multiple_of(2) {
            if let Ok(bytes) = hex::decode(&compact) {
                self.push(&bytes);
            }
        }
    }

    /// Registers secret bytes.
    pub fn add_bytes(&mut self, secret: &[u8]) {
        if !secret.is_empty() {
            self.push(secret);
        }
    }

    fn push(&mut self, pattern: &[u8]) {
        if self.patterns.iter().any(|p| p == pattern) {
            return;
        }
        // Longest first, so that a longer secret is masked as a whole
        // before a shorter one inside it; equal lengths keep their order.
        let at = self
            .patterns
            .iter()
            .position(|p| p.len() < pattern.len())
            .unwrap_or(self.patterns.len());
        self.patterns.insert(at, pattern.to_vec());
    }

    /// Which bytes of `bytes` belong to a secret (every occurrence,
    /// overlapping ones too); `None` when none does.
    fn mask(&self, bytes: &[u8]) -> Option<Vec<bool>> {
        let mut masked: Option<Vec<bool>> = None;
        for pattern in &self.patterns {
            let needle = Needle {
                secret: pattern,
                form: Form::Raw,
            };
            let mut from = 0;
            while let Some(start) = needle.find(bytes, from) {
                let marks = masked.get_or_insert_with(|| vec![false; bytes.len()]);
                if let Some(marks) = marks.get_mut(start..start + pattern.len()) {
                    marks.fill(true);
                }
                from = start + 1;
            }
        }
        masked
    }

    /// Whether a registered secret occurs in `bytes`.
    pub fn touches(&self, bytes: &[u8]) -> bool {
        self.patterns.iter().any(|secret| {
            let needle = Needle {
                secret,
                form: Form::Raw,
            };
            needle.find(bytes, 0).is_some()
        })
    }

    /// Uppercase hex of `bytes`, secret bytes shown as `**`.
    pub fn hex(&self, bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len() * 2);
        match self.mask(bytes) {
            None => bytes.iter().for_each(|&byte| push_hex(&mut out, byte)),
            Some(masked) => {
                for (&byte, hidden) in bytes.iter().zip(masked) {
                    if hidden {
                        out.push_str("**");
                    } else {
                        push_hex(&mut out, byte);
                    }
                }
            }
        }
        out
    }

    /// `text` with every secret (as text, or as uppercase/lowercase hex of
    /// its bytes) replaced by [`REDACTED`].
    pub fn text(&self, text: &str) -> String {
        self.text_cow(text).into_owned()
    }

    /// [`text`](Self::text), borrowing `text` when it holds no secret.
    pub fn text_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        if self.patterns.is_empty() {
            return out;
        }
        // A hex form of an n-byte secret needs 2n hex digits in a row (as
        // does a secret written in hex digits, a PIN, in n): most texts
        // (summaries, status words) have short runs, so most forms need no
        // search. Recounted after each replacement, which only shortens
        // runs.
        let mut run = longest_hex_run(text);
        for secret in &self.patterns {
            let all_hex = secret.iter().all(u8::is_ascii_hexdigit);
            let forms = if std::str::from_utf8(secret).is_ok() {
                &[Form::Raw, Form::UpperHex, Form::LowerHex][..]
            } else {
                &[Form::UpperHex, Form::LowerHex][..]
            };
            for &form in forms {
                let needs_run = match form {
                    Form::Raw if !all_hex => 0,
                    Form::Raw => secret.len(),
                    Form::UpperHex | Form::LowerHex => secret.len() * 2,
                };
                if needs_run > run {
                    continue;
                }
                if let Some(replaced) = (Needle { secret, form }).replace(&out) {
                    run = longest_hex_run(&replaced);
                    out = Cow::Owned(replaced);
                }
            }
        }
        out
    }

    /// Whether anything is registered.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// The length of the longest run of ASCII hex digits in `text`.
fn longest_hex_run(text: &str) -> usize {
    let (mut longest, mut current) = (0, 0);
    for byte in text.bytes() {
        if byte.is_ascii_hexdigit() {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// Appends `byte` as two uppercase hex digits.
fn push_hex(out: &mut String, byte: u8) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.push(char::from(DIGITS[usize::from(byte >> 4)]));
    out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_bytes_in_hex_and_text() {
        let mut r = Redactor::default();
        r.add_text("1234");
        assert_eq!(r.hex(b"\x00\x20\x00\x80\x041234"), "0020008004********");
        assert_eq!(
            r.text("pin 1234 or 31323334"),
            "pin <redacted> or <redacted>"
        );
        assert_eq!(r.hex(&[0x90, 0x00]), "9000");
    }

    #[test]
    fn masks_overlapping_and_repeated_occurrences() {
        let mut r = Redactor::default();
        r.add_value("ABAB");
        assert_eq!(r.hex(b"xABABABy"), "78************79");
        // The bytes the hex encodes are masked too.
        assert_eq!(r.hex(&[0x01, 0xAB, 0xAB, 0x02]), "01****02");
    }

    #[test]
    fn text_forms_are_replaced_left_to_right_like_str_replace() {
        let mut r = Redactor::default();
        r.add_text("aa");
        r.add_bytes(&[0xAB, 0xCD]);
        assert_eq!(
            r.text_cow("aaa 6161 ABCD abcd ab"),
            "<redacted>a <redacted> <redacted> <redacted> ab"
        );
        assert!(matches!(r.text_cow("nothing here"), Cow::Borrowed(_)));
        // A secret next to multi-byte text is cut out on its boundaries.
        let mut r = Redactor::default();
        r.add_text("照合");
        assert_eq!(r.text("番号照合番号"), "番号<redacted>番号");
    }

    #[test]
    fn secrets_in_and_beside_hex_runs_are_masked() {
        let mut r = Redactor::default();
        r.add_text("4826");
        r.add_text("pa ss");
        r.add_bytes(&[0x01, 0x02]);
        assert_eq!(
            r.text("x4826y 34383236 0102 pa ss 9000 482"),
            "x<redacted>y <redacted> <redacted> <redacted> 9000 482"
        );
        assert_eq!(r.text("A4826B"), "A<redacted>B");
    }

    #[test]
    fn touches_says_whether_a_secret_is_in_bytes() {
        let mut r = Redactor::default();
        assert!(!r.touches(b"1234"));
        r.add_text("1234");
        assert!(r.touches(b"xx1234yy"));
        assert!(!r.touches(b"123 1234"[..6].as_ref()));
    }

    #[test]
    fn short_and_lowercase_hex_values_are_masked_as_bytes() {
        let mut r = Redactor::default();
        r.add_value("a1b2c3");
        assert_eq!(r.hex(&[0x00, 0xA1, 0xB2, 0xC3, 0xFF]), "00******FF");
        assert_eq!(r.text("got A1B2C3"), "got <redacted>");
    }
}
