//! Each person's newest certificate id, bit-packed to the width the ids
//! need (27 bits at national scale instead of a `u32`'s 32): the per-person
//! array is the index's largest after its lines.
//!
//! An entry stores `id + 1`, so 0 is "none" ([`NONE`]) and a new person
//! costs no write. The width grows (the entries repacked, at most once per
//! bit) when a larger id arrives; the index sets it from its levels' id
//! range as each is added, so a load repacks nothing.
//!
//! Written here rather than taken from a crate: it is a few lines over a
//! `Vec<u64>`, and the packed-vector crates bring far more than a push, a
//! get and a set.

use super::NONE;

/// Bit-packed `u32` ids, [`NONE`] included.
#[derive(Clone, Debug, Default)]
pub(crate) struct PackedIds {
    words: Vec<u64>,
    /// Bits per entry (≤ 33: an id is below `u32::MAX`, plus one).
    width: u32,
    len: usize,
    /// Entries the words are reserved for.
    reserved: usize,
}

/// Bits needed for `value`.
fn bits(value: u64) -> u32 {
    64 - value.leading_zeros()
}

impl PackedIds {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Reserves room for `entries` entries at the current width (and keeps
    /// the reservation across widenings).
    pub(crate) fn reserve(&mut self, entries: usize) {
        self.reserved = self.reserved.max(entries);
        let words = self.words_for(self.reserved);
        self.words
            .reserve_exact(words.saturating_sub(self.words.len()));
    }

    fn words_for(&self, entries: usize) -> usize {
        (entries * self.width as usize).div_ceil(64)
    }

    /// Makes room for ids below `end`.
    pub(crate) fn fit(&mut self, end: u32) {
        let width = bits(u64::from(end));
        if width > self.width {
            self.widen(width);
        }
    }

    fn widen(&mut self, width: u32) {
        let old = std::mem::take(self);
        let mut new = PackedIds {
            width,
            ..PackedIds::default()
        };
        new.reserve(old.reserved.max(old.len));
        for i in 0..old.len {
            new.push(old.get(i).unwrap_or(NONE));
        }
        new.reserved = old.reserved;
        *self = new;
    }

    /// Appends an entry.
    pub(crate) fn push(&mut self, id: u32) {
        self.len += 1;
        let words = self.words_for(self.len);
        if self.words.len() < words {
            self.words.resize(words, 0);
        }
        self.set(self.len - 1, id);
    }

    /// The entry at `i`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<u32> {
        if i >= self.len {
            return None;
        }
        let bit = i * self.width as usize;
        let k = bit / 64;
        let low = u128::from(self.words.get(k).copied().unwrap_or(0));
        let high = u128::from(self.words.get(k + 1).copied().unwrap_or(0));
        let value = (((high << 64) | low) >> (bit % 64)) as u64 & ((1u64 << self.width) - 1);
        Some(value.checked_sub(1).map_or(NONE, |id| id as u32))
    }

    /// Replaces the entry at `i` (nothing if there is none), widening
    /// first if `id` needs it.
    pub(crate) fn set(&mut self, i: usize, id: u32) {
        if i >= self.len {
            return;
        }
        let stored = if id == NONE { 0 } else { u64::from(id) + 1 };
        if bits(stored) > self.width {
            self.widen(bits(stored));
        }
        let bit = i * self.width as usize;
        let (k, s) = (bit / 64, (bit % 64) as u32);
        let mask = (1u128 << self.width) - 1;
        let value = u128::from(stored);
        for (at, part) in [(k, 0u32), (k + 1, 64)] {
            let shifted_mask = ((mask << s) >> part) as u64;
            if shifted_mask == 0 {
                continue;
            }
            let shifted = ((value << s) >> part) as u64;
            if let Some(word) = self.words.get_mut(at) {
                *word = (*word & !shifted_mask) | shifted;
            }
        }
    }

    pub(crate) fn bytes_allocated(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_across_words_and_widenings() {
        let mut ids = PackedIds::default();
        ids.fit(1000);
        ids.reserve(500);
        assert_eq!(ids.width, 10);
        for i in 0..500u32 {
            ids.push(if i.is_multiple_of(7) { NONE } else { i * 2 });
        }
        assert_eq!(ids.get(500), None);
        let expected = |i: u32| if i.is_multiple_of(7) { NONE } else { i * 2 };
        assert!((0..500u32).all(|i| ids.get(i as usize) == Some(expected(i))));
        // Neighbours are untouched by a set that straddles two words.
        ids.set(6, 999);
        assert_eq!(
            (ids.get(5), ids.get(6), ids.get(7)),
            (Some(10), Some(999), Some(NONE))
        );
        ids.set(6, 12);
        // A larger id widens the array and keeps every entry.
        ids.set(100, u32::MAX - 1);
        assert_eq!(ids.width, 32);
        assert_eq!(ids.get(100), Some(u32::MAX - 1));
        assert!((0..500u32)
            .filter(|i| *i != 100)
            .all(|i| ids.get(i as usize) == Some(expected(i))));
        assert!(ids.bytes_allocated() >= 500 * 4);
        ids.set(600, 1);
        assert_eq!(ids.len(), 500);
    }
}
