//! The redactor's registered secrets and the tables its scans use: the
//! bytes and byte pairs each secret and each of its text forms (itself,
//! its uppercase and lowercase hex) start with.

use super::redactor::REDACTED;

/// The registered secrets, longest first, and the bytes their forms can
/// start with: a text or byte string none of whose bytes starts a form is
/// passed by one scan of a table, without a search per secret (the
/// engine's common case: a summary, a status word, a short response).
#[derive(Clone, Debug, Default)]
pub(super) struct Secrets {
    pub(super) patterns: Vec<Pattern>,
    /// First bytes of every text form (raw, uppercase and lowercase hex).
    pub(super) text_firsts: ByteSet,
    /// Every text form as (the secret's index, the form), ordered by the
    /// form's first byte.
    pub(super) forms: Vec<(usize, Form)>,
    /// Where the forms starting with byte `b` are in `forms`:
    /// `form_starts[b]..form_starts[b + 1]` (257 entries; empty without
    /// secrets).
    pub(super) form_starts: Vec<usize>,
    /// For each byte value, 1 + the index in `byte_groups` of the secrets
    /// whose own bytes start with it, or 0 (256 entries; empty without
    /// secrets).
    pub(super) byte_slots: Vec<u16>,
    /// Indices into `patterns`, grouped by their first byte.
    pub(super) byte_groups: Vec<Vec<usize>>,
    /// The pairs of bytes a secret or a text form starts with, as a bit
    /// set of 65,536 (`first << 8 | second`; a one-byte secret sets every
    /// pair it starts): most bytes that start a secret are not followed
    /// by its second byte, so a candidate is tested only when both match.
    /// Empty without secrets.
    pub(super) pairs: Vec<u64>,
}

impl Secrets {
    /// The text forms that start with `byte`.
    pub(super) fn forms_starting(&self, byte: u8) -> &[(usize, Form)] {
        let at = usize::from(byte);
        match (self.form_starts.get(at), self.form_starts.get(at + 1)) {
            (Some(&start), Some(&end)) => self.forms.get(start..end).unwrap_or_default(),
            _ => &[],
        }
    }

    /// Whether a secret or a text form may start with `first` followed by
    /// `next` (`None`: the end of the text, where only a one-byte secret
    /// fits, left to the full test).
    pub(super) fn may_start(&self, first: u8, next: Option<u8>) -> bool {
        let Some(next) = next else {
            return true;
        };
        let pair = usize::from(first) << 8 | usize::from(next);
        self.pairs
            .get(pair >> 6)
            .is_some_and(|word| word & (1 << (pair & 63)) != 0)
    }

    fn add_pair(&mut self, first: u8, next: Option<u8>) {
        let seconds = match next {
            Some(next) => next..=next,
            None => 0..=255,
        };
        for second in seconds {
            let pair = usize::from(first) << 8 | usize::from(second);
            if let Some(word) = self.pairs.get_mut(pair >> 6) {
                *word |= 1 << (pair & 63);
            }
        }
    }

    /// Rebuilds the tables from `patterns`.
    pub(super) fn reindex(&mut self) {
        let mut slots = [0u16; 256];
        self.byte_groups.clear();
        self.pairs = vec![0; 1024];
        for index in 0..self.patterns.len() {
            let (first, second) = match self.patterns.get(index).map(|p| p.bytes.as_slice()) {
                Some([first, rest @ ..]) => (*first, rest.first().copied()),
                _ => continue,
            };
            self.add_pair(first, second);
            let slot = &mut slots[usize::from(first)];
            if *slot == 0 {
                self.byte_groups.push(Vec::new());
                // At most 256 groups, one per byte value.
                *slot = u16::try_from(self.byte_groups.len()).unwrap_or(u16::MAX);
            }
            if let Some(group) = self.byte_groups.get_mut(usize::from(*slot) - 1) {
                group.push(index);
            }
        }
        self.byte_slots = slots.to_vec();
        let mut forms = Vec::new();
        for (index, pattern) in self.patterns.iter().enumerate() {
            for &form in pattern.forms() {
                let needle = Needle {
                    secret: &pattern.bytes,
                    form,
                };
                if let Some(first) = needle.first() {
                    forms.push((first, needle.second(), index, form));
                }
            }
        }
        for &(first, second, _, _) in &forms {
            self.text_firsts.insert(first);
            self.add_pair(first, second);
        }
        // Stable: the forms of one first byte keep the secrets' order.
        forms.sort_by_key(|&(first, ..)| first);
        self.form_starts = (0..=256)
            .map(|byte| forms.partition_point(|&(first, ..)| usize::from(first) < byte))
            .collect();
        self.forms = forms
            .into_iter()
            .map(|(_, _, index, form)| (index, form))
            .collect();
    }
}

/// A set of byte values.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ByteSet([u64; 4]);

impl ByteSet {
    pub(super) fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
    }

    pub(super) fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
    }
}

/// One registered secret and what its searches need to know of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Pattern {
    pub(super) bytes: Vec<u8>,
    /// Its bytes are UTF-8, so it can appear in text as itself.
    pub(super) utf8: bool,
    /// Its bytes are all ASCII hex digits.
    pub(super) all_hex: bool,
}

/// How a secret appears in text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// Its bytes as they are (text when they are UTF-8).
    Raw,
    /// Uppercase hex of its bytes.
    UpperHex,
    /// Lowercase hex of its bytes.
    LowerHex,
}

impl Pattern {
    /// The forms it can take in text.
    pub(super) fn forms(&self) -> &'static [Form] {
        if self.utf8 {
            &[Form::Raw, Form::UpperHex, Form::LowerHex]
        } else {
            &[Form::UpperHex, Form::LowerHex]
        }
    }
}

/// One form of one secret, to search text for.
pub(super) struct Needle<'p> {
    pub(super) secret: &'p [u8],
    pub(super) form: Form,
}

impl Needle<'_> {
    pub(super) fn digits(&self) -> &'static [u8; 16] {
        match self.form {
            Form::LowerHex => b"0123456789abcdef",
            _ => b"0123456789ABCDEF",
        }
    }

    pub(super) fn len(&self) -> usize {
        match self.form {
            Form::Raw => self.secret.len(),
            Form::UpperHex | Form::LowerHex => self.secret.len() * 2,
        }
    }

    /// Its second byte in text, if it has one.
    pub(super) fn second(&self) -> Option<u8> {
        match self.form {
            Form::Raw => self.secret.get(1).copied(),
            Form::UpperHex | Form::LowerHex => {
                let &byte = self.secret.first()?;
                Some(self.digits()[usize::from(byte & 0x0F)])
            }
        }
    }

    pub(super) fn first(&self) -> Option<u8> {
        let &byte = self.secret.first()?;
        Some(match self.form {
            Form::Raw => byte,
            Form::UpperHex | Form::LowerHex => self.digits()[usize::from(byte >> 4)],
        })
    }

    pub(super) fn matches_at(&self, hay: &[u8]) -> bool {
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
    pub(super) fn find(&self, hay: &[u8], from: usize) -> Option<usize> {
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
    pub(super) fn replace(&self, text: &str) -> Option<String> {
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
