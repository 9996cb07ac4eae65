//! Keeps secrets out of every output. The engine registers each secret value
//! it learns (persona secrets, `secret` variables, anything sent by
//! `verify`/`change_pin`); every byte string and message that leaves the
//! engine goes through [`Redactor`].

use std::borrow::Cow;
use std::sync::Arc;

/// Masks registered secrets in bytes and text.
///
/// Registering a secret only copies its bytes; its text forms (itself, its
/// uppercase and lowercase hex) are matched without being built: a search
/// is a `memchr` scan for the form's first byte and a comparison there, and
/// masking allocates only when a secret is found. The engine masks every
/// evidence record and message of every step, so both must be cheap.
///
/// The secrets are shared: a clone costs a reference count, and adding a
/// secret copies the list only when a clone still holds it (a persona's
/// secrets are registered once and every scenario of the persona starts
/// from that redactor).
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Arc<Secrets>,
}

/// The registered secrets, longest first, and the bytes their forms can
/// start with: a text or byte string none of whose bytes starts a form is
/// passed by one scan of a table, without a search per secret (the
/// engine's common case: a summary, a status word, a short response).
#[derive(Clone, Debug, Default)]
struct Secrets {
    patterns: Vec<Pattern>,
    /// First bytes of every text form (raw, uppercase and lowercase hex).
    text_firsts: ByteSet,
    /// Every text form as (its first byte, the secret's index, the form).
    forms: Vec<(u8, usize, Form)>,
    /// First bytes of every secret's own bytes.
    byte_firsts: ByteSet,
}

/// A set of byte values.
#[derive(Clone, Copy, Debug, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
    }

    fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
    }
}

/// One registered secret and what its searches need to know of it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    bytes: Vec<u8>,
    /// Its bytes are UTF-8, so it can appear in text as itself.
    utf8: bool,
    /// Its bytes are all ASCII hex digits.
    all_hex: bool,
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

impl Pattern {
    /// The forms it can take in text.
    fn forms(&self) -> &'static [Form] {
        if self.utf8 {
            &[Form::Raw, Form::UpperHex, Form::LowerHex]
        } else {
            &[Form::UpperHex, Form::LowerHex]
        }
    }
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

    /// Registers every secret `other` knows.
    pub fn absorb(&mut self, other: &Redactor) {
        if self.secrets.patterns.is_empty() {
            self.secrets = Arc::clone(&other.secrets);
            return;
        }
        for pattern in other.secrets.patterns.iter() {
            self.push(&pattern.bytes);
        }
    }

    fn push(&mut self, pattern: &[u8]) {
        if self.secrets.patterns.iter().any(|p| p.bytes == pattern) {
            return;
        }
        // Longest first, so that a longer secret is masked as a whole
        // before a shorter one inside it; equal lengths keep their order.
        let at = self
            .secrets
            .patterns
            .iter()
            .position(|p| p.bytes.len() < pattern.len())
            .unwrap_or(self.secrets.patterns.len());
        let pattern = Pattern {
            bytes: pattern.to_vec(),
            utf8: std::str::from_utf8(pattern).is_ok(),
            all_hex: pattern.iter().all(u8::is_ascii_hexdigit),
        };
        let secrets = Arc::make_mut(&mut self.secrets);
        if let Some(&first) = pattern.bytes.first() {
            secrets.byte_firsts.insert(first);
        }
        secrets.patterns.insert(at, pattern);
        secrets.forms.clear();
        for (index, pattern) in secrets.patterns.iter().enumerate() {
            for &form in pattern.forms() {
                let needle = Needle {
                    secret: &pattern.bytes,
                    form,
                };
                if let Some(first) = needle.first() {
                    secrets.text_firsts.insert(first);
                    secrets.forms.push((first, index, form));
                }
            }
        }
    }

    /// Whether some form of a secret occurs in `text`.
    fn text_touched(&self, text: &[u8]) -> bool {
        let secrets = &*self.secrets;
        let firsts = secrets.text_firsts;
        text.iter().enumerate().any(|(at, &byte)| {
            firsts.contains(byte)
                && secrets.forms.iter().any(|&(first, index, form)| {
                    first == byte
                        && (Needle {
                            secret: &secrets.patterns[index].bytes,
                            form,
                        })
                        .matches_at(&text[at..])
                })
        })
    }

    /// Whether `bytes` hold a byte a secret starts with (a quick no).
    fn bytes_may_touch(&self, bytes: &[u8]) -> bool {
        let firsts = self.secrets.byte_firsts;
        bytes.iter().any(|&byte| firsts.contains(byte))
    }

    /// Which bytes of `bytes` belong to a secret (every occurrence,
    /// overlapping ones too); `None` when none does.
    fn mask(&self, bytes: &[u8]) -> Option<Vec<bool>> {
        if !self.bytes_may_touch(bytes) {
            return None;
        }
        let mut masked: Option<Vec<bool>> = None;
        for pattern in self.secrets.patterns.iter() {
            let needle = Needle {
                secret: &pattern.bytes,
                form: Form::Raw,
            };
            let mut from = 0;
            while let Some(start) = needle.find(bytes, from) {
                let marks = masked.get_or_insert_with(|| vec![false; bytes.len()]);
                if let Some(marks) = marks.get_mut(start..start + pattern.bytes.len()) {
                    marks.fill(true);
                }
                from = start + 1;
            }
        }
        masked
    }

    /// Whether a registered secret occurs in `bytes`.
    pub fn touches(&self, bytes: &[u8]) -> bool {
        self.secrets.patterns.iter().any(|pattern| {
            let needle = Needle {
                secret: &pattern.bytes,
                form: Form::Raw,
            };
            needle.find(bytes, 0).is_some()
        })
    }

    /// Uppercase hex of `bytes`, secret bytes shown as `**`.
    pub fn hex(&self, bytes: &[u8]) -> String {
        let mut out = Vec::with_capacity(bytes.len() * 2);
        match self.mask(bytes) {
            None => bytes.iter().for_each(|&byte| push_hex(&mut out, byte)),
            Some(masked) => {
                for (&byte, hidden) in bytes.iter().zip(masked) {
                    if hidden {
                        out.extend_from_slice(b"**");
                    } else {
                        push_hex(&mut out, byte);
                    }
                }
            }
        }
        // Only ASCII was written.
        String::from_utf8(out).unwrap_or_default()
    }

    /// `text` with every secret (as text, or as uppercase/lowercase hex of
    /// its bytes) replaced by [`REDACTED`].
    pub fn text(&self, text: &str) -> String {
        self.text_cow(text).into_owned()
    }

    /// [`text`](Self::text), borrowing `text` when it holds no secret.
    pub fn text_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        if !self.text_touched(text.as_bytes()) {
            return out;
        }
        // A hex form of an n-byte secret needs 2n hex digits in a row (as
        // does a secret written in hex digits, a PIN, in n): most texts
        // (summaries, status words) have short runs, so most forms need no
        // search. Recounted after each replacement, which only shortens
        // runs.
        let mut run = longest_hex_run(text);
        for pattern in self.secrets.patterns.iter() {
            let secret = pattern.bytes.as_slice();
            for &form in pattern.forms() {
                let needs_run = match form {
                    Form::Raw if !pattern.all_hex => 0,
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
        self.secrets.patterns.is_empty()
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
fn push_hex(out: &mut Vec<u8>, byte: u8) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(&[
        DIGITS[usize::from(byte >> 4)],
        DIGITS[usize::from(byte & 0x0F)],
    ]);
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

    /// Every form of every secret, spelt out (the slow way).
    fn all_forms(secrets: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut forms = Vec::new();
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            if std::str::from_utf8(secret).is_ok() {
                forms.push(secret.clone());
            }
            forms.push(hex::encode_upper(secret).into_bytes());
            forms.push(hex::encode(secret).into_bytes());
        }
        forms
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    proptest::proptest! {
        /// The quick no of the byte table never passes a text that holds
        /// a secret, and the masked text holds none.
        #[test]
        fn the_quick_path_never_passes_a_secret(
            secrets in proptest::collection::vec(proptest::collection::vec(0x30u8..0x47, 1..5), 1..5),
            text in proptest::collection::vec(0x30u8..0x47, 0..40),
        ) {
            let mut r = Redactor::default();
            secrets.iter().for_each(|s| r.add_bytes(s));
            let text = String::from_utf8(text).unwrap();
            let forms = all_forms(&secrets);
            let touched = forms.iter().any(|f| contains(text.as_bytes(), f));
            proptest::prop_assert_eq!(r.text_touched(text.as_bytes()), touched);
            let masked = r.text(&text);
            proptest::prop_assert_eq!(masked != text, touched);
        }

        /// Hex masks every byte of every occurrence, and only those.
        #[test]
        fn hex_masks_exactly_the_secret_bytes(
            secrets in proptest::collection::vec(proptest::collection::vec(0u8..6, 1..4), 1..4),
            bytes in proptest::collection::vec(0u8..6, 0..40),
        ) {
            let mut r = Redactor::default();
            secrets.iter().for_each(|s| r.add_bytes(s));
            let mut hidden = vec![false; bytes.len()];
            for secret in &secrets {
                for start in 0..bytes.len() {
                    if bytes[start..].starts_with(secret) {
                        hidden[start..start + secret.len()].fill(true);
                    }
                }
            }
            let want: String = bytes
                .iter()
                .zip(&hidden)
                .map(|(b, h)| if *h { "**".to_string() } else { format!("{b:02X}") })
                .collect();
            proptest::prop_assert_eq!(r.hex(&bytes), want);
        }
    }
}
