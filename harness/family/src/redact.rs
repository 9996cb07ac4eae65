//! Keeps secrets out of every output. The engine registers each secret value
//! it learns (persona secrets, `secret` variables, anything sent by
//! `verify`/`change_pin`); every byte string and message that leaves the
//! engine goes through [`Redactor`].

/// Masks registered secrets in bytes and text.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Byte patterns to mask, longest first.
    patterns: Vec<Vec<u8>>,
}

/// Text put where a secret was.
pub const REDACTED: &str = "<redacted>";

impl Redactor {
    /// Registers a secret given as text (a PIN, a password, a 照合番号):
    /// its UTF-8 bytes are masked wherever they appear.
    pub fn add_text(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.push(secret.as_bytes().to_vec());
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
                self.push(bytes);
            }
        }
    }

    /// Registers secret bytes.
    pub fn add_bytes(&mut self, secret: &[u8]) {
        if !secret.is_empty() {
            self.push(secret.to_vec());
        }
    }

    fn push(&mut self, pattern: Vec<u8>) {
        if !self.patterns.contains(&pattern) {
            self.patterns.push(pattern);
            self.patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        }
    }

    /// Which bytes of `bytes` belong to a secret.
    fn mask(&self, bytes: &[u8]) -> Vec<bool> {
        let mut masked = vec![false; bytes.len()];
        for pattern in &self.patterns {
            let Some(&first) = pattern.first() else {
                continue;
            };
            // Only positions holding the pattern's first byte can start it.
            let mut from = 0;
            while let Some(offset) = bytes
                .get(from..)
                .and_then(|rest| rest.iter().position(|&b| b == first))
            {
                let start = from + offset;
                if bytes[start..].starts_with(pattern) {
                    masked[start..start + pattern.len()].fill(true);
                }
                from = start + 1;
            }
        }
        masked
    }

    /// Uppercase hex of `bytes`, secret bytes shown as `**`.
    pub fn hex(&self, bytes: &[u8]) -> String {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let masked = if self.patterns.is_empty() {
            vec![false; bytes.len()]
        } else {
            self.mask(bytes)
        };
        let mut out = String::with_capacity(bytes.len() * 2);
        for (&byte, hidden) in bytes.iter().zip(masked) {
            if hidden {
                out.push_str("**");
            } else {
                out.push(char::from(DIGITS[usize::from(byte >> 4)]));
                out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
            }
        }
        out
    }

    /// `text` with every secret (as text, or as uppercase/lowercase hex of
    /// its bytes) replaced by [`REDACTED`].
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for pattern in &self.patterns {
            if let Ok(as_text) = std::str::from_utf8(pattern) {
                if !as_text.is_empty() {
                    out = out.replace(as_text, REDACTED);
                }
            }
            let upper = hex::encode_upper(pattern);
            out = out.replace(&upper, REDACTED);
            out = out.replace(&hex::encode(pattern), REDACTED);
        }
        out
    }

    /// Whether anything is registered.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
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
    fn short_and_lowercase_hex_values_are_masked_as_bytes() {
        let mut r = Redactor::default();
        r.add_value("a1b2c3");
        assert_eq!(r.hex(&[0x00, 0xA1, 0xB2, 0xC3, 0xFF]), "00******FF");
        assert_eq!(r.text("got A1B2C3"), "got <redacted>");
    }
}
