//! A level's membership filter: a Bloom filter blocked to one 64-bit word
//! per serial, small enough to stay in the last-level cache where the
//! level's lines do not, so that most misses are decided without reading
//! a line.
//!
//! A serial sets [`BITS`] bits of one word; the word comes from the high
//! bits of its second hash (multiply-shift onto the word count), the bit
//! positions from the low bits of its first, so the two are independent.
//! "No" is exact (every serial the level holds set its bits); "maybe" is
//! wrong for about 6 % of other serials at [`BITS_PER_SLOT`] (a miss then
//! reads the lines, which answer exactly). Nothing is ever removed: a
//! certificate never leaves its slot.
//!
//! Written here rather than taken from a crate: the filter must take the
//! index's own two hashes (already computed for the lines) and answer in
//! one load and a mask compare, which the Bloom crates' hashing APIs do not
//! offer without hashing again.

/// Filter bits per slot of the level (≈ 6.4 per certificate at the
/// level's usual fill): 0.75 B per slot.
pub(crate) const BITS_PER_SLOT: usize = 6;
/// Bits a serial sets in its word.
const BITS: u32 = 4;

/// One level's filter.
#[derive(Clone, Debug, Default)]
pub(crate) struct Filter {
    words: Vec<u64>,
}

impl Filter {
    /// A filter for a level of `slots` slots.
    pub(crate) fn new(slots: usize) -> Filter {
        let words = (slots * BITS_PER_SLOT).div_ceil(64).max(1);
        let mut filter = Vec::new();
        filter.reserve_exact(words);
        filter.resize(words, 0);
        Filter { words: filter }
    }

    /// The mask of a serial's bits in its word, the same in every level's
    /// filter (so computed once per lookup).
    #[inline]
    pub(crate) fn mask(hashes: [u64; 2]) -> u64 {
        let bits = hashes[0];
        (0..BITS).fold(0u64, |mask, k| mask | 1 << ((bits >> (6 * k)) & 63))
    }

    /// Where a serial's bits are in this filter: its word and `mask`
    /// ([`Filter::mask`]).
    #[inline]
    pub(crate) fn key_with(&self, hashes: [u64; 2], mask: u64) -> (usize, u64) {
        let word = ((u128::from(hashes[1]) * self.words.len() as u128) >> 64) as usize;
        (word, mask)
    }

    /// [`Filter::key_with`] of the serial's own mask.
    #[inline]
    pub(crate) fn key(&self, hashes: [u64; 2]) -> (usize, u64) {
        self.key_with(hashes, Filter::mask(hashes))
    }

    /// Whether a serial with this key may be in the level (`false`: it is
    /// certainly not).
    #[inline]
    pub(crate) fn may_hold(&self, (word, mask): (usize, u64)) -> bool {
        self.words.get(word).is_some_and(|w| w & mask == mask)
    }

    /// Adds a serial with this key.
    pub(crate) fn insert(&mut self, (word, mask): (usize, u64)) {
        if let Some(w) = self.words.get_mut(word) {
            *w |= mask;
        }
    }

    /// The key's word (see `bulk`: loads to start early).
    pub(crate) fn touch(&self, (word, _): (usize, u64)) -> u64 {
        self.words.get(word).copied().unwrap_or(0)
    }

    pub(crate) fn bytes_allocated(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(i: u64) -> [u64; 2] {
        [
            super::super::hash::hash(0, i),
            super::super::hash::hash(1, i),
        ]
    }

    #[test]
    fn every_inserted_key_is_held_and_few_others_are() {
        let slots = 70_000;
        let mut filter = Filter::new(slots);
        assert_eq!(
            filter.bytes_allocated(),
            (slots * BITS_PER_SLOT).div_ceil(64) * 8
        );
        let held = 65_000u64;
        for i in 1..=held {
            filter.insert(filter.key(hashes(i)));
        }
        assert!((1..=held).all(|i| filter.may_hold(filter.key(hashes(i)))));
        let others = 200_000u64;
        let maybe = (0..others)
            .filter(|j| filter.may_hold(filter.key(hashes(1 << 40 | j))))
            .count();
        // About 6 % at this fill; far from all and far from none.
        let rate = maybe as f64 / others as f64;
        assert!((0.02..0.12).contains(&rate), "false positive rate {rate}");
    }

    #[test]
    fn an_empty_filter_holds_nothing() {
        let filter = Filter::new(0);
        assert!(!filter.may_hold(filter.key(hashes(7))));
        assert!(!filter.may_hold((usize::MAX, 1)));
    }
}
