//! One level of the serial index: a table of 64-byte lines, each holding up
//! to [`MAX_SLOTS`] certificates whole, bit-packed.
//!
//! A serial has two candidate lines, one per hash ([`super::hash`]): line
//! `h / span`, and the slot stores `h % span` (the *remainder*, `span` =
//! ⌈2^64 / lines⌉) with the choice. Line, choice and remainder give back
//! the hash and so the serial (both hashes are bijections), so a remainder
//! that matches is the serial: no fingerprint false positives, no key
//! stored elsewhere. Beside the remainder a slot holds the certificate's
//! link (its holder, or the certificate it replaced) and its state
//! (revoked, superseded, linked, cancelled), all as one mixed-radix number
//! `rem × radix + (code × 12 + state) × 2 + choice`, `code` ≥ 1 so an empty
//! slot (0) never matches. At national scale that is 73 bits, 7 slots a
//! line; a hit reads two lines, independent of each other (both in flight at
//! once), and no record elsewhere.
//!
//! A new certificate goes into the less full of its two lines (two choices,
//! greedy, never moved afterwards: a certificate's id is its position,
//! `line × 8 + slot`). When both are full, both lines get a mark (bit 511)
//! and the certificate goes to the next level; a lookup goes on to the next
//! level only when both its lines are marked.
//!
//! Beside its lines a level keeps a Bloom filter ([`super::filter`], 6 bits
//! a slot, small enough to stay in cache) of what they hold and of what went
//! on past them: a lookup reads the lines only when the filter says "maybe",
//! so most misses read one filter word and no line at all. (A full level
//! stops adding the serials that go past it, so a "no" from it sends the
//! lookup on to the next level instead.)

use super::divide::{Radix, Span};
use super::filter::Filter;
use super::hash::{hash, unhash};

/// Slots per line at most (ids leave room for 8: `line × 8 + slot`).
pub(crate) const MAX_SLOTS: u32 = 7;
/// The usual slot width: 7 × 73 bits and the mark fill a line. Narrower
/// layouts are widened to it (a lookup then runs with constant offsets).
pub(crate) const WIDTH: u32 = 73;
/// Bit of a line that says "a serial with this line among its choices went
/// on to a later level".
const MARK: u32 = 511;
/// Certificate states: link state (none, linked, linked and cancelled) ×
/// superseded × revoked.
pub(crate) const STATES: u64 = 12;
/// Values of the low part per link code (states × two choices).
const PER_CODE: u64 = STATES * 2;
/// A level is sized to this load of its slots…
pub(crate) const SIZE_LOAD: f64 = 0.96;
/// …and takes certificates up to this one.
const MAX_LOAD: f64 = 0.98;

/// One cache line: up to [`MAX_SLOTS`] slots of `width` bits from bit 0,
/// the mark at bit 511.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct Line([u64; 8]);

fn mask(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

impl Line {
    #[inline]
    fn word(&self, k: usize) -> u64 {
        self.0.get(k).copied().unwrap_or(0)
    }

    /// Bits `bit .. bit + width` (width ≤ 127, within the line).
    #[inline]
    fn get(&self, bit: u32, width: u32) -> u128 {
        let k = (bit / 64) as usize;
        let s = bit % 64;
        let low = (u128::from(self.word(k)) | (u128::from(self.word(k + 1)) << 64)) >> s;
        let high = if s == 0 {
            0
        } else {
            u128::from(self.word(k + 2)) << (128 - s)
        };
        (low | high) & mask(width)
    }

    fn set(&mut self, bit: u32, width: u32, value: u128) {
        let mut done = 0;
        while done < width {
            let at = bit + done;
            let s = at % 64;
            let take = (64 - s).min(width - done);
            let m = if take == 64 {
                u64::MAX
            } else {
                (1u64 << take) - 1
            };
            let part = ((value >> done) as u64) & m;
            if let Some(word) = self.0.get_mut((at / 64) as usize) {
                *word = (*word & !(m << s)) | (part << s);
            }
            done += take;
        }
    }

    /// The 64 bits from `bit` (within the line's first 448 + 63 bits).
    #[inline]
    fn top64(&self, bit: u32) -> u64 {
        let k = (bit / 64) as usize;
        let s = bit % 64;
        (self.word(k) >> s) | ((self.word(k + 1) << 1) << (63 - s))
    }

    /// One bit per slot (of [`MAX_SLOTS`] slots `W` bits wide) whose top
    /// 64 bits minus `from` are at most `window`.
    #[inline]
    fn filter<const W: u32>(&self, from: u64, window: u64) -> u32 {
        let mut found = 0u32;
        for slot in 0..MAX_SLOTS {
            let top = self.top64(slot * W + (W - 64));
            found |= u32::from(top.wrapping_sub(from) <= window) << slot;
        }
        found
    }

    fn marked(&self) -> bool {
        self.get(MARK, 1) == 1
    }
}

/// What a certificate's link names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    /// A first certificate: its holder.
    Person(u32),
    /// A re-issue: the certificate it replaced.
    Previous(u32),
}

/// A slot's content, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) link: Link,
    pub(crate) state: u8,
}

/// A serial's two candidate lines and remainders in one level.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probe {
    lines: [usize; 2],
    rems: [u64; 2],
    /// The serial's hashes (its filter key is computed from them only
    /// when inserting: a lookup has asked the filter already).
    hashes: [u64; 2],
}

impl Probe {
    /// The first slot of each candidate line (for requesting their
    /// expiry days).
    pub(crate) fn first_slots(&self) -> [u32; 2] {
        [self.lines[0] as u32 * 8, self.lines[1] as u32 * 8]
    }
}

/// A lookup's result in one level.
pub(crate) enum Found {
    /// At this position (relative to the level's base).
    Hit(u32, Slot),
    /// Not here; `true` if a later level may hold it.
    Miss(bool),
}

/// A level's sizes and number formats, before anything is allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) lines: usize,
    pub(crate) span: u64,
    pub(crate) radix: u64,
    pub(crate) width: u32,
    pub(crate) slots: u32,
    pub(crate) cert_space: u32,
}

impl Layout {
    /// The layout of a level for `entries` certificates (see
    /// [`Level::new`]): as many slots per line as the slot width allows,
    /// at most [`MAX_SLOTS`], and lines for [`SIZE_LOAD`].
    pub(crate) fn new(base: u32, entries: usize, person_space: u32) -> Option<Layout> {
        let mut slots = MAX_SLOTS;
        loop {
            let wanted = (entries.max(1) as f64 / SIZE_LOAD).ceil() as usize;
            let lines = wanted.div_ceil(slots as usize).max(2);
            let end = u64::from(base) + lines as u64 * 8;
            let cert_space = u32::try_from(end).ok().filter(|e| *e < u32::MAX)?;
            let codes = 1 + u64::from(cert_space) + u64::from(person_space);
            let radix = codes * PER_CODE;
            let span = u64::try_from(u128::from(u64::MAX) / lines as u128 + 1).ok()?;
            let top = u128::from(span) * u128::from(radix) - 1;
            let width = (128 - top.leading_zeros()).max(WIDTH);
            let fit = (MARK / width).min(MAX_SLOTS);
            if fit == 0 {
                return None;
            }
            if fit < slots {
                slots = fit;
                continue;
            }
            return Some(Layout {
                lines,
                span,
                radix,
                width,
                slots,
                cert_space,
            });
        }
    }
}

/// One level: its lines and its number formats.
#[derive(Clone, Debug)]
pub(crate) struct Level {
    lines: Vec<Line>,
    /// Which serials the lines may hold ([`Filter`]).
    filter: Filter,
    /// ⌈2^64 / lines⌉: a hash is `line × span + remainder`.
    span: u64,
    /// Values of the low part of a slot (`PER_CODE` × link codes).
    radix: u64,
    /// Division by `span`, without a division instruction.
    by_span: Span,
    /// Division by `radix`, without a division instruction.
    by_radix: Radix,
    /// Bits per slot.
    width: u32,
    /// Slots per line.
    slots: u32,
    /// Certificate ids below this are encodable as links.
    cert_space: u32,
    /// Person ids below this are encodable as links.
    person_space: u32,
    /// The first id of this level.
    base: u32,
    /// Where this level's slots start in the dense per-slot arrays.
    dense_base: usize,
    len: usize,
    max_len: usize,
}

impl Level {
    /// A level for `entries` certificates at [`SIZE_LOAD`], its ids from
    /// `base`, linking to any person below `person_space` and any
    /// certificate id below its own end. `None` when the ids would pass
    /// `u32::MAX - 1`.
    pub(crate) fn new(
        base: u32,
        dense_base: usize,
        entries: usize,
        person_space: u32,
    ) -> Option<Level> {
        let layout = Layout::new(base, entries, person_space)?;
        let capacity = layout.lines * layout.slots as usize;
        Some(Level {
            lines: vec![Line::default(); layout.lines],
            filter: Filter::new(capacity),
            span: layout.span,
            radix: layout.radix,
            by_span: Span::new(layout.span, layout.lines as u64),
            by_radix: Radix::new(layout.radix),
            width: layout.width,
            slots: layout.slots,
            cert_space: layout.cert_space,
            person_space,
            base,
            dense_base,
            len: 0,
            max_len: ((capacity as f64) * MAX_LOAD) as usize,
        })
    }

    /// Whether this level's filter lets a serial with these hashes (and
    /// their [`Filter::mask`]) through to its lines: `false` means the
    /// level does not hold it, nor (see [`Level::ends_search`]) any later
    /// one. The filter is in cache where the lines are not, so most misses
    /// end here.
    #[inline]
    pub(crate) fn may_hold(&self, hashes: [u64; 2], mask: u64) -> bool {
        self.filter.may_hold(self.filter.key_with(hashes, mask))
    }

    /// [`Level::may_hold`] with the mask computed here.
    #[cfg(test)]
    pub(crate) fn filter_passes(&self, hashes: [u64; 2]) -> bool {
        self.may_hold(hashes, Filter::mask(hashes))
    }

    /// The remainder range (a hash is `line × span + remainder`).
    #[cfg(test)]
    pub(crate) fn span(&self) -> u64 {
        self.span
    }

    /// The first id past this level.
    pub(crate) fn end(&self) -> u32 {
        self.cert_space
    }

    pub(crate) fn base(&self) -> u32 {
        self.base
    }

    /// Slots (capacity).
    pub(crate) fn capacity(&self) -> usize {
        self.lines.len() * self.slots as usize
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len >= self.max_len
    }

    pub(crate) fn bytes_allocated(&self) -> usize {
        self.lines.capacity() * std::mem::size_of::<Line>() + self.filter.bytes_allocated()
    }

    /// The two lines and remainders of a serial's two hashes.
    #[inline]
    pub(crate) fn probe(&self, hashes: [u64; 2]) -> Probe {
        let first = self.by_span.div_rem(hashes[0]);
        let second = self.by_span.div_rem(hashes[1]);
        Probe {
            lines: [first.0 as usize, second.0 as usize],
            rems: [first.1, second.1],
            hashes,
        }
    }

    /// Looks the probed serial up in this level's lines. Exact: a slot
    /// matches only if its line, choice and remainder are the serial's.
    /// (Callers ask [`Level::may_hold`] first.)
    #[inline]
    pub(crate) fn find(&self, probe: &Probe) -> Found {
        let (Some(first), Some(second)) = (
            self.lines.get(probe.lines[0]),
            self.lines.get(probe.lines[1]),
        ) else {
            return Found::Miss(false);
        };
        // First a cheap filter, branch-free over all slots of both lines: a
        // slot's top 64 bits against the window a match would have there.
        // Few instructions wait on the two loads and none mispredicts on
        // where a match is or how full a line is, so that the next lookup's
        // loads start at once (throughput comes from lookups in flight).
        let radix = u128::from(self.radix);
        let shift = self.width.saturating_sub(64);
        let lines = [first, second];
        let mut candidates = 0u32;
        for (choice, line) in lines.into_iter().enumerate() {
            let low = u128::from(probe.rems[choice]) * radix;
            let from = ((low + u128::from(PER_CODE)) >> shift) as u64;
            let to = ((low + radix - 1) >> shift) as u64;
            let found = if self.width == WIDTH && self.slots == MAX_SLOTS {
                // The usual layout, with constant offsets: a few
                // instructions a slot.
                line.filter::<WIDTH>(from, to - from)
            } else {
                (0..self.slots).fold(0, |found, slot| {
                    let top = line.top64(slot * self.width + shift);
                    found | u32::from(top.wrapping_sub(from) <= to - from) << slot
                })
            };
            candidates |= found << (choice as u32 * 8);
        }
        // Then the exact test of the (usually one or no) candidates: the
        // whole slot is `low + x` with `PER_CODE <= x < radix` and `x` of
        // the choice's parity; an empty slot (0) never is.
        while candidates != 0 {
            let bit = candidates.trailing_zeros();
            candidates &= candidates - 1;
            let choice = (bit / 8) as usize & 1;
            let slot = bit % 8;
            let line = if choice == 0 { first } else { second };
            let x = line
                .get(slot * self.width, self.width)
                .wrapping_sub(u128::from(probe.rems[choice]) * radix);
            if x < radix && x >= u128::from(PER_CODE) && (x as u64 & 1) == choice as u64 {
                let at = probe.lines[choice] as u32 * 8 + slot;
                return Found::Hit(at, self.decode(x as u64));
            }
        }
        Found::Miss(first.marked() & second.marked())
    }

    fn decode(&self, x: u64) -> Slot {
        let code = (x >> 1) / STATES;
        let state = ((x >> 1) % STATES) as u8;
        let link = match code.checked_sub(1 + u64::from(self.cert_space)) {
            Some(person) => Link::Person(person as u32),
            None => Link::Previous(code.saturating_sub(1) as u32),
        };
        Slot { link, state }
    }

    fn code(&self, link: Link) -> Option<u64> {
        match link {
            Link::Previous(cert) if cert < self.cert_space => Some(1 + u64::from(cert)),
            Link::Person(person) if person < self.person_space => {
                Some(1 + u64::from(self.cert_space) + u64::from(person))
            }
            _ => None,
        }
    }

    fn occupied(&self, line: &Line) -> u32 {
        // Slots fill in order, so the occupied ones are a prefix.
        (0..self.slots)
            .map(|slot| u32::from(line.get(slot * self.width, self.width) != 0))
            .sum()
    }

    /// Stores a certificate (the caller has checked the serial is absent
    /// everywhere). `None` if this level is full, cannot encode the link,
    /// or both lines are full: then the caller marks them ([`Level::mark`])
    /// and tries the next level.
    pub(crate) fn insert(&mut self, probe: &Probe, link: Link, state: u8) -> Option<u32> {
        if self.is_full() {
            return None;
        }
        let code = self.code(link)?;
        let counts = [
            self.occupied(self.lines.get(probe.lines[0])?),
            self.occupied(self.lines.get(probe.lines[1])?),
        ];
        let choice = usize::from(counts[1] < counts[0]);
        let slot = counts[choice];
        if slot >= self.slots {
            return None;
        }
        let value = u128::from(probe.rems[choice]) * u128::from(self.radix)
            + u128::from((code * STATES + u64::from(state)) * 2 + choice as u64);
        let width = self.width;
        let line = self.lines.get_mut(probe.lines[choice])?;
        line.set(slot * width, width, value);
        self.filter.insert(self.filter.key(probe.hashes));
        self.len += 1;
        Some(probe.lines[choice] as u32 * 8 + slot)
    }

    /// One word of each candidate line (see `bulk`: loads to start early).
    pub(crate) fn touch(&self, probe: &Probe) -> u64 {
        probe
            .lines
            .iter()
            .filter_map(|line| self.lines.get(*line))
            .fold(
                self.filter.touch(self.filter.key(probe.hashes)),
                |folded, line| folded ^ line.word(0),
            )
    }

    /// One word of the line of position `at`.
    pub(crate) fn touch_at(&self, at: u32) -> u64 {
        self.lines
            .get((at / 8) as usize)
            .map_or(0, |line| line.word(0))
    }

    /// Marks both lines of a serial that went on to a later level.
    /// While the level is not full, the serial also enters its filter, so
    /// that a "no" from a filter that is not full means "not here and not
    /// in any later level" ([`Level::ends_search`]).
    pub(crate) fn mark(&mut self, probe: &Probe) {
        for line in probe.lines {
            if let Some(line) = self.lines.get_mut(line) {
                line.set(MARK, 1, 1);
            }
        }
        if !self.is_full() {
            self.filter.insert(self.filter.key(probe.hashes));
        }
    }

    /// Whether a "no" from [`Level::may_hold`] ends a lookup: it does
    /// unless the level is full (then serials went past it without
    /// entering its filter, and the lookup goes on to the next level).
    #[inline]
    pub(crate) fn ends_search(&self) -> bool {
        !self.is_full()
    }

    fn value(&self, at: u32) -> Option<u128> {
        let slot = at % 8;
        if slot >= self.slots {
            return None;
        }
        let line = self.lines.get((at / 8) as usize)?;
        Some(line.get(slot * self.width, self.width)).filter(|v| *v != 0)
    }

    /// `value mod radix` (a slot's value is below `span × radix`).
    #[inline]
    fn low_part(&self, value: u128) -> u64 {
        self.by_radix.div_rem(value).1
    }

    /// The slot at position `at` (relative to the base), if occupied.
    pub(crate) fn slot(&self, at: u32) -> Option<Slot> {
        self.value(at).map(|v| self.decode(self.low_part(v)))
    }

    /// Replaces the state of the occupied slot at `at`.
    pub(crate) fn set_state(&mut self, at: u32, state: u8) {
        let Some(value) = self.value(at) else {
            return;
        };
        let old = u128::from(self.decode(self.low_part(value)).state);
        let value = value - 2 * old + 2 * u128::from(state.min(STATES as u8 - 1));
        let width = self.width;
        let bit = (at % 8) * width;
        if let Some(line) = self.lines.get_mut((at / 8) as usize) {
            line.set(bit, width, value);
        }
    }

    /// The serial stored at `at`, rebuilt from its line, choice and
    /// remainder.
    pub(crate) fn serial(&self, at: u32) -> Option<u64> {
        let value = self.value(at)?;
        let (rem, low) = self.by_radix.div_rem(value);
        let choice = (low & 1) as u32;
        let h = u64::from(at / 8).checked_mul(self.span)?.checked_add(rem)?;
        Some(unhash(choice, h))
    }

    /// Index of the slot at `at` in the dense per-slot arrays.
    pub(crate) fn dense(&self, at: u32) -> usize {
        self.dense_base + (at / 8) as usize * self.slots as usize + (at % 8) as usize
    }

    /// The serial's two hashes, computed once for all levels.
    #[inline]
    pub(crate) fn hashes(serial: u64) -> [u64; 2] {
        [hash(0, serial), hash(1, serial)]
    }
}
