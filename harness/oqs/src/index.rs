//! The serial-tracing index, built for national scale
//! (health-insurance-system.md §5: 8,730万 registrations, end Oct 2025).
//!
//! Layout: a certificate lives whole in one slot of a table of 64-byte
//! lines ([`level`]): part of its serial's hash (the rest is the line's
//! position, so the serial is exact and can be rebuilt), its link and its
//! state, about 73 bits, 7 to a line. Its id is its position. Beside the
//! table, one 16-bit expiry day per slot, and per person the newest
//! certificate (bit-packed, [`packed`]) and a cancellation bit. Each level
//! has a small Bloom filter ([`filter`]) that rules most misses out before
//! any line is read. A hit reads its level's filter word and the serial's two
//! candidate lines, independent of each other, and nothing else: the
//! holder, the status and the registration link are all in the slot (a
//! re-issued certificate's holder is one more slot away, at the end of its
//! chain). No allocation.
//!
//! Re-issue chains (J-LIS 旧番号, seed 001 第5条の5): a person's first
//! certificate links to its holder; every re-issue links to the certificate
//! it replaced, so the holder of a re-issued certificate is found at the end
//! of its chain. The registration is a state of the linked certificate, so
//! tracing reads slots only. Ids are positions, not issue order, so walks
//! are bounded by the number of certificates instead (a chain never repeats
//! a certificate: each re-issue links to its holder's newest one).
//!
//! Capacity: [`SerialIndex::with_capacity`] sizes the first level; a
//! certificate whose two lines are full goes to the next level (a small one
//! is added when needed, 1/32 of the last level, or as large as everything
//! so far when the last level is full), so ids never change once given.

mod bulk;
mod divide;
mod filter;
mod hash;
mod level;
mod packed;

use crate::error::ModelError;
use crate::serial::Serial;
pub use bulk::Issue;
use level::{Found, Level, Link, Slot};
use packed::PackedIds;

/// "No such id" in the `u32` arrays.
pub const NONE: u32 = u32::MAX;

/// A certificate's position in the index.
pub type CertId = u32;
/// A person's position in the index (one registration at most per person).
pub type PersonId = u32;

/// State bit: explicitly revoked (失効).
const REVOKED: u8 = 1;
/// State bit: replaced by a re-issue.
const SUPERSEDED: u8 = 2;
/// State: the certificate its holder's registration is linked to.
const LINKED: u8 = 4;
/// State (instead of [`LINKED`]): linked, and the holder's registration is
/// cancelled (a copy of the person's bit, so that a lookup reads the slot
/// alone).
const LINKED_CANCELLED: u8 = 8;
/// The link-state bits.
const LINK_STATE: u8 = LINKED | LINKED_CANCELLED;

/// What the index knows about a serial, before any tracing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Never issued.
    Unknown,
    /// Revoked or replaced by a re-issue: never authenticates.
    Revoked {
        /// The certificate.
        cert: CertId,
        /// Its holder.
        person: PersonId,
    },
    /// The serial currently linked to its holder's registration.
    Linked {
        /// The certificate.
        cert: CertId,
        /// The registered person.
        person: PersonId,
    },
    /// The holder's registration was cancelled.
    Cancelled {
        /// The certificate.
        cert: CertId,
        /// Its holder.
        person: PersonId,
    },
    /// A valid certificate not (yet) linked: tracing may find a registration.
    Unlinked {
        /// The certificate.
        cert: CertId,
        /// Its holder.
        person: PersonId,
    },
}

/// The result of walking a certificate's re-issue chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The registration found, if any.
    pub registered: Option<PersonId>,
    /// How many `prev` links were followed.
    pub steps: u32,
}

/// Serial → certificate → person → registration, compactly.
#[derive(Clone, Debug, Default)]
pub struct SerialIndex {
    levels: Vec<Level>,
    /// Expiry day per slot of every level, in level order.
    not_after: Vec<u16>,
    certs: usize,
    /// Per person, the newest certificate ([`NONE`] for none).
    person_newest: PackedIds,
    /// One bit per person.
    person_cancelled: Vec<u64>,
    /// Persons the first level was sized for.
    person_hint: usize,
}

impl SerialIndex {
    /// An empty index sized for `serials` certificates and `persons` persons
    /// (more are taken: they go to further levels).
    pub fn with_capacity(serials: usize, persons: usize) -> SerialIndex {
        let mut person_cancelled = Vec::new();
        person_cancelled.reserve_exact(persons.div_ceil(64));
        let mut index = SerialIndex {
            person_cancelled,
            person_hint: persons,
            ..SerialIndex::default()
        };
        if serials > 0 {
            let _ = index.add_level(serials);
        }
        // After the first level, which sets the ids' width.
        index.person_newest.reserve(persons);
        index
    }

    /// Number of certificates.
    pub fn certificates(&self) -> usize {
        self.certs
    }

    /// Number of persons.
    pub fn persons(&self) -> usize {
        self.person_newest.len()
    }

    /// Bytes held by the index's arrays (capacity, not length).
    pub fn bytes_allocated(&self) -> usize {
        self.levels
            .iter()
            .map(Level::bytes_allocated)
            .sum::<usize>()
            + self.not_after.capacity() * 2
            + self.person_bytes_allocated()
    }

    /// Bytes held by the per-person arrays alone (part of
    /// [`SerialIndex::bytes_allocated`]).
    pub fn person_bytes_allocated(&self) -> usize {
        self.person_newest.bytes_allocated() + self.person_cancelled.capacity() * 8
    }

    /// Levels of the table (one unless the first overflowed or filled).
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// Adds a person with no certificate and no registration.
    pub fn add_person(&mut self) -> Result<PersonId, ModelError> {
        let id = u32::try_from(self.person_newest.len())
            .ok()
            .filter(|id| *id != NONE)
            .ok_or_else(|| ModelError::Capacity("more than 2^32-1 persons".into()))?;
        self.person_newest.push(NONE);
        if id % 64 == 0 {
            self.person_cancelled.push(0);
        }
        Ok(id)
    }

    /// Appends a level for `entries` more certificates.
    fn add_level(&mut self, entries: usize) -> Result<(), ModelError> {
        let base = self.levels.last().map_or(0, Level::end);
        let persons = self
            .person_hint
            .max(self.person_newest.len().saturating_mul(2))
            .max(64);
        let person_space = u32::try_from(persons).unwrap_or(NONE - 1);
        let level = Level::new(base, self.not_after.len(), entries, person_space)
            .ok_or_else(|| ModelError::Capacity("more than 2^32-1 certificate ids".into()))?;
        self.not_after.reserve_exact(level.capacity());
        self.not_after
            .resize(self.not_after.len() + level.capacity(), 0);
        self.person_newest.fit(level.end());
        self.levels.push(level);
        Ok(())
    }

    /// The level holding `cert`, and the position in it.
    #[inline]
    fn level_of(&self, cert: CertId) -> Option<(&Level, u32)> {
        let level = self
            .levels
            .iter()
            .find(|l| cert >= l.base() && cert < l.end())?;
        Some((level, cert - level.base()))
    }

    fn slot(&self, cert: CertId) -> Option<Slot> {
        let (level, at) = self.level_of(cert)?;
        level.slot(at)
    }

    /// The serial of a certificate, rebuilt from its slot.
    pub fn serial(&self, cert: CertId) -> Option<Serial> {
        let (level, at) = self.level_of(cert)?;
        level.serial(at).and_then(Serial::new)
    }

    /// Issues a certificate to `person`. If the person already holds one,
    /// this is a re-issue: the new certificate links back to the previous
    /// newest one, which is revoked (superseded) at once.
    pub fn issue(
        &mut self,
        person: PersonId,
        serial: Serial,
        not_after_day: u16,
    ) -> Result<CertId, ModelError> {
        self.issue_one(
            &Issue {
                person,
                serial,
                not_after_day,
                register: false,
            },
            Level::hashes(serial.value()),
        )
    }

    /// [`SerialIndex::issue`], and with `register` at once
    /// [`SerialIndex::register`] of the new certificate, in one pass;
    /// `hashes` are the serial's ([`Level::hashes`]).
    fn issue_one(&mut self, issue: &Issue, hashes: [u64; 2]) -> Result<CertId, ModelError> {
        let Issue {
            person,
            serial,
            not_after_day,
            register,
        } = *issue;
        let previous = self
            .person_newest
            .get(person as usize)
            .ok_or_else(|| ModelError::unknown("person", person.to_string()))?;
        if self.find_hashed(hashes).is_some() {
            return Err(ModelError::Conflict(format!(
                "serial {serial} is already issued"
            )));
        }
        let link = if previous == NONE {
            Link::Person(person)
        } else {
            Link::Previous(previous)
        };
        let old_link = if register { self.linked(person) } else { None };
        let cert = self.place(hashes, link, if register { LINKED } else { 0 })?;
        if let Some(day) = self
            .level_of(cert)
            .map(|(level, at)| level.dense(at))
            .and_then(|i| self.not_after.get_mut(i))
        {
            *day = not_after_day;
        }
        self.certs += 1;
        let unlink_previous = old_link == Some(previous);
        self.update_state(previous, |s| {
            if unlink_previous {
                (s | SUPERSEDED) & !LINK_STATE
            } else {
                s | SUPERSEDED
            }
        });
        self.person_newest.set(person as usize, cert);
        if register {
            if let Some(old) = old_link.filter(|old| *old != previous) {
                self.update_state(old, |s| s & !LINK_STATE);
            }
            if let Some(word) = self.person_cancelled.get_mut(person as usize / 64) {
                *word &= !(1u64 << (person % 64));
            }
        }
        Ok(cert)
    }

    /// Puts a new certificate into the first level that takes it, marking
    /// the lines of every level it passes; adds a level if none does.
    fn place(&mut self, hashes: [u64; 2], link: Link, state: u8) -> Result<CertId, ModelError> {
        for level in &mut self.levels {
            let probe = level.probe(hashes);
            if let Some(at) = level.insert(&probe, link, state) {
                return Ok(level.base() + at);
            }
            level.mark(&probe);
        }
        let total: usize = self.levels.iter().map(Level::capacity).sum();
        let entries = match self.levels.last() {
            None => 64,
            Some(last) if last.is_full() => total,
            // Overflow from a level that has room left is a few per cent of
            // what it takes: 1/32 of it (a geometric tail, not 1/32 of all).
            Some(last) => (last.capacity() / 32).max(64),
        };
        self.add_level(entries)?;
        let level = self
            .levels
            .last_mut()
            .ok_or_else(|| ModelError::Capacity("no level".into()))?;
        let probe = level.probe(hashes);
        let at = level
            .insert(&probe, link, state)
            .ok_or_else(|| ModelError::Capacity("a new level refused a certificate".into()))?;
        Ok(level.base() + at)
    }

    /// Links `person`'s registration to `cert` (health-insurance 利用登録),
    /// clearing any cancellation.
    pub fn register(&mut self, person: PersonId, cert: CertId) -> Result<(), ModelError> {
        if self.owner(cert) != Some(person) {
            return Err(ModelError::Conflict(format!(
                "certificate {cert} is not held by person {person}"
            )));
        }
        if !self.is_active(cert) {
            return Err(ModelError::Conflict(
                "a revoked certificate cannot be registered".into(),
            ));
        }
        self.set_cancelled(person, false);
        self.relink(person, cert);
        Ok(())
    }

    /// Moves `person`'s registration to `cert` (the re-link after tracing).
    /// A certificate `person` does not hold is ignored.
    pub fn relink(&mut self, person: PersonId, cert: CertId) {
        if self.owner(cert) != Some(person) {
            return;
        }
        let link = if self.is_cancelled(person) {
            LINKED_CANCELLED
        } else {
            LINKED
        };
        if let Some(old) = self.linked(person) {
            self.update_state(old, |s| s & !LINK_STATE);
        }
        self.update_state(cert, |s| (s & !LINK_STATE) | link);
    }

    /// Cancels `person`'s registration (after the grace period); the link is
    /// kept for history but no serial resolves to it any more.
    pub fn cancel(&mut self, person: PersonId) {
        self.set_cancelled(person, true);
    }

    /// Revokes a certificate (失効).
    pub fn revoke(&mut self, cert: CertId) {
        self.update_state(cert, |s| s | REVOKED);
    }

    /// Changes a certificate's expiry day.
    pub fn set_not_after(&mut self, cert: CertId, day: u16) {
        let dense = self
            .level_of(cert)
            .filter(|(level, at)| level.slot(*at).is_some())
            .map(|(level, at)| level.dense(at));
        if let Some(slot) = dense.and_then(|i| self.not_after.get_mut(i)) {
            *slot = day;
        }
    }

    /// The certificate of a serial. Allocation-free.
    #[inline]
    pub fn find(&self, serial: Serial) -> Option<CertId> {
        self.find_hashed(Level::hashes(serial.value()))
            .map(|(cert, _)| cert)
    }

    #[inline]
    fn find_hashed(&self, hashes: [u64; 2]) -> Option<(CertId, Slot)> {
        let mask = filter::Filter::mask(hashes);
        for level in &self.levels {
            // A level its filter rules out holds no such serial, nor (unless
            // it is full) does any later one.
            if !level.may_hold(hashes, mask) {
                if level.ends_search() {
                    return None;
                }
                continue;
            }
            match level.find(&level.probe(hashes)) {
                Found::Hit(at, slot) => return Some((level.base() + at, slot)),
                Found::Miss(true) => {}
                Found::Miss(false) => return None,
            }
        }
        None
    }

    /// What the index knows about `serial`. Allocation-free.
    #[inline]
    pub fn resolve(&self, serial: Serial) -> Resolution {
        let Some((cert, slot)) = self.find_hashed(Level::hashes(serial.value())) else {
            return Resolution::Unknown;
        };
        let person = match slot.link {
            Link::Person(person) => person,
            Link::Previous(_) => self.owner(cert).unwrap_or(NONE),
        };
        if slot.state & (REVOKED | SUPERSEDED) != 0 {
            Resolution::Revoked { cert, person }
        } else if slot.state & LINK_STATE == 0 {
            Resolution::Unlinked { cert, person }
        } else if slot.state & LINKED_CANCELLED != 0 {
            Resolution::Cancelled { cert, person }
        } else {
            Resolution::Linked { cert, person }
        }
    }

    /// At most this many links are followed in a walk (a chain never holds
    /// a certificate twice, so a longer walk means a corrupt index).
    fn walk_limit(&self) -> usize {
        self.certs
    }

    /// Walks `cert`'s re-issue chain (旧番号の探索) back to the certificate
    /// its holder registered with. Bounded by the number of certificates.
    pub fn trace(&self, cert: CertId) -> Trace {
        let mut steps = 0u32;
        let mut current = self.previous(cert);
        for _ in 0..self.walk_limit() {
            let Some(at) = current else {
                break;
            };
            steps = steps.saturating_add(1);
            let Some(slot) = self.slot(at) else {
                break;
            };
            if slot.state & LINK_STATE != 0 {
                let registered = self.owner(at).filter(|p| !self.is_cancelled(*p));
                return Trace { registered, steps };
            }
            current = match slot.link {
                Link::Previous(prev) => Some(prev),
                Link::Person(_) => None,
            };
        }
        Trace {
            registered: None,
            steps,
        }
    }

    /// The holder of a certificate (at the end of its re-issue chain).
    pub fn owner(&self, cert: CertId) -> Option<PersonId> {
        let mut at = cert;
        for _ in 0..=self.walk_limit() {
            match self.slot(at)?.link {
                Link::Person(person) => return Some(person),
                Link::Previous(prev) => at = prev,
            }
        }
        None
    }

    /// The certificate a re-issue replaced.
    pub fn previous(&self, cert: CertId) -> Option<CertId> {
        match self.slot(cert)?.link {
            Link::Previous(prev) => Some(prev),
            Link::Person(_) => None,
        }
    }

    /// A certificate's expiry day (see [`crate::clock::day_number`]).
    pub fn not_after(&self, cert: CertId) -> Option<u16> {
        let (level, at) = self.level_of(cert)?;
        level.slot(at)?;
        self.not_after.get(level.dense(at)).copied()
    }

    /// Neither revoked nor superseded.
    pub fn is_active(&self, cert: CertId) -> bool {
        self.slot(cert)
            .is_some_and(|slot| slot.state & (REVOKED | SUPERSEDED) == 0)
    }

    /// Whether the certificate was explicitly revoked (not just replaced).
    pub fn is_revoked(&self, cert: CertId) -> bool {
        self.slot(cert)
            .is_some_and(|slot| slot.state & REVOKED != 0)
    }

    /// The person's newest certificate.
    pub fn newest(&self, person: PersonId) -> Option<CertId> {
        self.person_newest
            .get(person as usize)
            .filter(|c| *c != NONE)
    }

    /// The certificate the person's registration is linked to: the one of
    /// the person's chain whose state says so.
    pub fn linked(&self, person: PersonId) -> Option<CertId> {
        let mut at = self.newest(person)?;
        for _ in 0..=self.walk_limit() {
            let slot = self.slot(at)?;
            if slot.state & LINK_STATE != 0 {
                return Some(at);
            }
            match slot.link {
                Link::Previous(prev) => at = prev,
                Link::Person(_) => return None,
            }
        }
        None
    }

    /// Whether the person's registration is cancelled.
    pub fn is_cancelled(&self, person: PersonId) -> bool {
        self.person_cancelled
            .get(person as usize / 64)
            .is_some_and(|word| word & (1 << (person % 64)) != 0)
    }

    /// Whether the person has a registration in force.
    pub fn is_registered(&self, person: PersonId) -> bool {
        self.linked(person).is_some() && !self.is_cancelled(person)
    }

    /// Sets the person's cancellation bit and its copy on the linked
    /// certificate.
    fn set_cancelled(&mut self, person: PersonId, cancelled: bool) {
        if let Some(word) = self.person_cancelled.get_mut(person as usize / 64) {
            let bit = 1u64 << (person % 64);
            if cancelled {
                *word |= bit;
            } else {
                *word &= !bit;
            }
        }
        if let Some(linked) = self.linked(person) {
            let link = if cancelled { LINKED_CANCELLED } else { LINKED };
            self.update_state(linked, |s| (s & !LINK_STATE) | link);
        }
    }

    fn update_state(&mut self, cert: CertId, change: impl FnOnce(u8) -> u8) {
        let Some(level) = self
            .levels
            .iter_mut()
            .find(|l| cert >= l.base() && cert < l.end())
        else {
            return;
        };
        let at = cert - level.base();
        if let Some(slot) = level.slot(at) {
            level.set_state(at, change(slot.state));
        }
    }
}

#[cfg(test)]
mod tests;
