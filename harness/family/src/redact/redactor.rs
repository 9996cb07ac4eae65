//! [`Redactor`]: registering secrets, and masking them in hex and text.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use super::secrets::{Form, Needle, Pattern, Secrets};

/// Masks registered secrets in bytes and text.
///
/// Registering a secret only copies its bytes (and rebuilds the tables of
/// the bytes and byte pairs the secrets and their text forms start with);
/// its text forms (itself, its uppercase and lowercase hex) are matched
/// without being built: a scan looks each byte up in those tables and
/// compares a secret only where one may start, hex is written from a
/// table in the same kind of pass, and masking text allocates only when a
/// secret is found. The engine masks every evidence record and message of
/// every step, so both must be cheap.
///
/// The secrets are shared: a clone costs a reference count, and adding a
/// secret copies the list only when a clone still holds it (a persona's
/// secrets are registered once and every scenario of the persona starts
/// from that redactor).
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Arc<Secrets>,
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
        secrets.patterns.insert(at, pattern);
        secrets.reindex();
    }

    /// Whether every text form of every secret is free of the bytes that
    /// could make an occurrence in a compact JSON text span two tokens
    /// (json_tokens.rs); hex forms always are.
    pub(super) fn forms_stay_within_json_tokens(&self) -> bool {
        self.secrets.patterns.iter().all(|pattern| {
            !pattern.utf8
                || !pattern
                    .bytes
                    .iter()
                    .any(|&byte| super::json_tokens::splits_tokens(byte))
        })
    }

    /// Whether some form of a secret occurs in `text`.
    pub(super) fn text_touched(&self, text: &[u8]) -> bool {
        let secrets = &*self.secrets;
        let firsts = secrets.text_firsts;
        text.iter().enumerate().any(|(at, &byte)| {
            firsts.contains(byte)
                && secrets.may_start(byte, text.get(at + 1).copied())
                && secrets.forms_starting(byte).iter().any(|&(index, form)| {
                    (Needle {
                        secret: &secrets.patterns[index].bytes,
                        form,
                    })
                    .matches_at(&text[at..])
                })
        })
    }

    /// Pushes onto `found` every occurrence of a secret of group `slot`
    /// (1-based, see `byte_slots`) starting at `at` in `bytes`. Kept out of
    /// the hex loop, which calls it at the few bytes a secret starts with.
    #[inline(never)]
    fn secrets_at(&self, bytes: &[u8], at: usize, slot: u16, found: &mut Vec<Range<usize>>) {
        let secrets = &*self.secrets;
        let rest = bytes.get(at..).unwrap_or_default();
        let group = usize::from(slot)
            .checked_sub(1)
            .and_then(|g| secrets.byte_groups.get(g));
        for &index in group.into_iter().flatten() {
            if let Some(pattern) = secrets.patterns.get(index) {
                // Compared in place: most candidates differ at their
                // second byte.
                let len = pattern.bytes.len();
                if rest.len() >= len && rest.iter().zip(&pattern.bytes).all(|(a, b)| a == b) {
                    found.push(at..at + len);
                }
            }
        }
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
        self.hex_masking(bytes, &[])
    }

    /// [`hex`](Self::hex) that also shows the bytes of the `masked` ranges
    /// as `**` (the data of a VERIFY), whatever the redactor knows; a
    /// range past the end masks what it covers.
    pub fn hex_masking(&self, bytes: &[u8], masked: &[Range<usize>]) -> String {
        let mut out = vec![0u8; bytes.len() * 2];
        for (digits, &byte) in out.chunks_exact_mut(2).zip(bytes) {
            digits.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
        }
        // Every occurrence of every secret (overlapping ones too): a scan
        // of the first-byte table, the secrets compared only where one
        // starts (a certificate holds many bytes a PIN's digits start
        // with, too many for a `memchr` per secret to skip far).
        let mut found = Vec::new();
        if let Ok(slots) = <&[u16; 256]>::try_from(self.secrets.byte_slots.as_slice()) {
            for (at, &byte) in bytes.iter().enumerate() {
                let slot = slots[usize::from(byte)];
                if slot != 0 && self.secrets.may_start(byte, bytes.get(at + 1).copied()) {
                    self.secrets_at(bytes, at, slot, &mut found);
                }
            }
        }
        for range in masked.iter().cloned().chain(found) {
            let end = range.end.min(bytes.len());
            if let Some(digits) = out.get_mut(range.start.min(end) * 2..end * 2) {
                digits.fill(b'*');
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

/// The two uppercase hex digits of every byte value. Our own table: the
/// `hex` crate writes into a buffer only in lowercase (its uppercase
/// encoder collects `char`s, about ten instructions a byte), and evidence
/// is mostly READ BINARY data.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0x0F]];
        byte += 1;
    }
    table
};

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

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one masked range, on purpose
    fn hex_masks_secrets_and_ranges_at_either_end_and_past_it() {
        let mut r = Redactor::default();
        r.add_bytes(&[0xDE, 0xAD]);
        // A secret at the very start and at the very end.
        assert_eq!(r.hex(&[0xDE, 0xAD, 0x00, 0xDE, 0xAD]), "****00****");
        // Given ranges, one running past the end, beside a secret.
        assert_eq!(
            r.hex_masking(&[0x01, 0x02, 0xDE, 0xAD, 0x03], &[0..1, 4..9]),
            "**02******"
        );
        assert_eq!(r.hex_masking(&[0x01], &[3..5]), "01");
        assert_eq!(r.hex(&[]), "");
        // Every byte value, through the table.
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(Redactor::default().hex(&all), hex::encode_upper(&all));
    }

    #[test]
    fn forms_sharing_a_first_byte_are_all_tried() {
        // "12", "1A" and hex of 0x1B ("1B"/"1b") all start with '1'.
        let mut r = Redactor::default();
        r.add_text("12");
        r.add_text("1A");
        r.add_bytes(&[0x1B]);
        assert_eq!(r.text("x1Ay"), "x<redacted>y");
        assert_eq!(r.text("x1by 1B 12"), "x<redacted>y <redacted> <redacted>");
        assert!(matches!(r.text_cow("1C 13 1"), Cow::Borrowed(_)));
        // Lowercase and uppercase hex of a text secret.
        assert_eq!(r.text("3132 3141 3161"), "<redacted> <redacted> 3161");
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

        /// Many secrets, several sharing a first byte or a first pair,
        /// some one byte long: every occurrence of each is still masked.
        #[test]
        fn hex_masks_secrets_of_many_first_bytes(
            secrets in proptest::collection::vec(proptest::collection::vec(0u8..12, 1..4), 4..10),
            bytes in proptest::collection::vec(0u8..12, 0..80),
        ) {
            let mut r = Redactor::default();
            secrets.iter().for_each(|s| r.add_bytes(s));
            let mut want = hex::encode_upper(&bytes).into_bytes();
            for secret in &secrets {
                for start in 0..bytes.len() {
                    if bytes[start..].starts_with(secret) {
                        want[start * 2..(start + secret.len()) * 2].fill(b'*');
                    }
                }
            }
            proptest::prop_assert_eq!(r.hex(&bytes), String::from_utf8(want).unwrap());
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
