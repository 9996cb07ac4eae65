//! The serial-tracing index, built for national scale
//! (health-insurance-system.md §5: 8,730万 registrations, end Oct 2025).
//!
//! Layout: an open-addressing hash table (linear probing; a multiplicative
//! hash mapped onto any table length by a 128-bit multiply, so the table
//! needs no power-of-two rounding) of `u64` serial → `u32` certificate id, and struct-of-arrays records per
//! certificate and per person. A lookup hashes, probes and reads a few
//! arrays: no allocation, no pointer chasing beyond the arrays. Re-issue
//! chains (J-LIS 旧番号, seed 001 第5条の5) are `prev` links from each
//! certificate to the one it replaced; certificate ids only grow, so a link
//! always points to a smaller id and tracing terminates.

use crate::error::ModelError;
use crate::serial::Serial;

/// "No such id" in the `u32` arrays.
pub const NONE: u32 = u32::MAX;

/// A certificate's position in the index.
pub type CertId = u32;
/// A person's position in the index (one registration at most per person).
pub type PersonId = u32;

const FLAG_REVOKED: u8 = 1;
const FLAG_SUPERSEDED: u8 = 2;
const PERSON_CANCELLED: u8 = 1;
const EMPTY: u64 = 0;

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
    keys: Vec<u64>,
    slots: Vec<CertId>,
    len: usize,
    cert_owner: Vec<PersonId>,
    cert_prev: Vec<CertId>,
    cert_not_after: Vec<u16>,
    cert_flags: Vec<u8>,
    person_linked: Vec<CertId>,
    person_newest: Vec<CertId>,
    person_flags: Vec<u8>,
}

impl SerialIndex {
    /// An empty index sized for `serials` certificates and `persons` persons
    /// without re-hashing.
    pub fn with_capacity(serials: usize, persons: usize) -> SerialIndex {
        let mut index = SerialIndex::default();
        index.cert_owner.reserve_exact(serials);
        index.cert_prev.reserve_exact(serials);
        index.cert_not_after.reserve_exact(serials);
        index.cert_flags.reserve_exact(serials);
        index.person_linked.reserve_exact(persons);
        index.person_newest.reserve_exact(persons);
        index.person_flags.reserve_exact(persons);
        index.allocate_table(table_size_for(serials));
        index
    }

    /// Number of certificates.
    pub fn certificates(&self) -> usize {
        self.len
    }

    /// Number of persons.
    pub fn persons(&self) -> usize {
        self.person_linked.len()
    }

    /// Bytes held by the index's arrays (capacity, not length).
    pub fn bytes_allocated(&self) -> usize {
        self.keys.capacity() * 8
            + self.slots.capacity() * 4
            + self.cert_owner.capacity() * 4
            + self.cert_prev.capacity() * 4
            + self.cert_not_after.capacity() * 2
            + self.cert_flags.capacity()
            + self.person_linked.capacity() * 4
            + self.person_newest.capacity() * 4
            + self.person_flags.capacity()
    }

    /// Bytes held by the per-person arrays alone (part of
    /// [`SerialIndex::bytes_allocated`]).
    pub fn person_bytes_allocated(&self) -> usize {
        self.person_linked.capacity() * 4
            + self.person_newest.capacity() * 4
            + self.person_flags.capacity()
    }

    /// Adds a person with no certificate and no registration.
    pub fn add_person(&mut self) -> Result<PersonId, ModelError> {
        let id = u32::try_from(self.person_linked.len())
            .ok()
            .filter(|id| *id != NONE)
            .ok_or_else(|| ModelError::Capacity("more than 2^32-1 persons".into()))?;
        self.person_linked.push(NONE);
        self.person_newest.push(NONE);
        self.person_flags.push(0);
        Ok(id)
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
        let previous = *self
            .person_newest
            .get(person as usize)
            .ok_or_else(|| ModelError::unknown("person", person.to_string()))?;
        if self.find(serial).is_some() {
            return Err(ModelError::Conflict(format!(
                "serial {serial} is already issued"
            )));
        }
        let cert = u32::try_from(self.cert_owner.len())
            .ok()
            .filter(|id| *id != NONE)
            .ok_or_else(|| ModelError::Capacity("more than 2^32-1 certificates".into()))?;
        if (self.len + 1) * 8 > self.keys.len() * 7 {
            self.grow();
        }
        self.cert_owner.push(person);
        self.cert_prev.push(previous);
        self.cert_not_after.push(not_after_day);
        self.cert_flags.push(0);
        if let Some(flags) = self.cert_flags.get_mut(previous as usize) {
            *flags |= FLAG_SUPERSEDED;
        }
        if let Some(newest) = self.person_newest.get_mut(person as usize) {
            *newest = cert;
        }
        self.insert_key(serial.value(), cert);
        Ok(cert)
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
        self.relink(person, cert);
        if let Some(flags) = self.person_flags.get_mut(person as usize) {
            *flags &= !PERSON_CANCELLED;
        }
        Ok(())
    }

    /// Moves `person`'s registration to `cert` (the re-link after tracing).
    pub fn relink(&mut self, person: PersonId, cert: CertId) {
        if let Some(linked) = self.person_linked.get_mut(person as usize) {
            *linked = cert;
        }
    }

    /// Cancels `person`'s registration (after the grace period); the link is
    /// kept for history but no serial resolves to it any more.
    pub fn cancel(&mut self, person: PersonId) {
        if let Some(flags) = self.person_flags.get_mut(person as usize) {
            *flags |= PERSON_CANCELLED;
        }
    }

    /// Revokes a certificate (失効).
    pub fn revoke(&mut self, cert: CertId) {
        if let Some(flags) = self.cert_flags.get_mut(cert as usize) {
            *flags |= FLAG_REVOKED;
        }
    }

    /// Changes a certificate's expiry day.
    pub fn set_not_after(&mut self, cert: CertId, day: u16) {
        if let Some(d) = self.cert_not_after.get_mut(cert as usize) {
            *d = day;
        }
    }

    /// The certificate of a serial. Allocation-free.
    #[inline]
    pub fn find(&self, serial: Serial) -> Option<CertId> {
        let key = serial.value();
        let mut slot = self.home_slot(key);
        // The load stays below 7/8, so an empty slot ends every probe.
        loop {
            match self.keys.get(slot) {
                Some(&k) if k == key => return self.slots.get(slot).copied(),
                Some(&EMPTY) => return None,
                Some(_) => slot += 1,
                None if slot == 0 => return None,
                None => slot = 0,
            }
        }
    }

    /// What the index knows about `serial`. Allocation-free.
    #[inline]
    pub fn resolve(&self, serial: Serial) -> Resolution {
        let Some(cert) = self.find(serial) else {
            return Resolution::Unknown;
        };
        let person = self.cert_owner.get(cert as usize).copied().unwrap_or(NONE);
        if !self.is_active(cert) {
            return Resolution::Revoked { cert, person };
        }
        if self.person_linked.get(person as usize) == Some(&cert) {
            if self.is_cancelled(person) {
                Resolution::Cancelled { cert, person }
            } else {
                Resolution::Linked { cert, person }
            }
        } else {
            Resolution::Unlinked { cert, person }
        }
    }

    /// Walks `cert`'s re-issue chain (旧番号の探索) back to the certificate
    /// its holder registered with. Terminates: each link goes to a smaller id.
    pub fn trace(&self, cert: CertId) -> Trace {
        let mut steps = 0u32;
        let mut current = self.cert_prev.get(cert as usize).copied().unwrap_or(NONE);
        while current != NONE && current < cert {
            steps = steps.saturating_add(1);
            let owner = self
                .cert_owner
                .get(current as usize)
                .copied()
                .unwrap_or(NONE);
            if self.person_linked.get(owner as usize) == Some(&current) {
                let registered = (!self.is_cancelled(owner)).then_some(owner);
                return Trace { registered, steps };
            }
            let next = self
                .cert_prev
                .get(current as usize)
                .copied()
                .unwrap_or(NONE);
            if next >= current {
                break;
            }
            current = next;
        }
        Trace {
            registered: None,
            steps,
        }
    }

    /// The holder of a certificate.
    pub fn owner(&self, cert: CertId) -> Option<PersonId> {
        self.cert_owner.get(cert as usize).copied()
    }

    /// The certificate a re-issue replaced.
    pub fn previous(&self, cert: CertId) -> Option<CertId> {
        self.cert_prev
            .get(cert as usize)
            .copied()
            .filter(|p| *p != NONE)
    }

    /// A certificate's expiry day (see [`crate::clock::day_number`]).
    pub fn not_after(&self, cert: CertId) -> Option<u16> {
        self.cert_not_after.get(cert as usize).copied()
    }

    /// Neither revoked nor superseded.
    pub fn is_active(&self, cert: CertId) -> bool {
        self.cert_flags.get(cert as usize) == Some(&0)
    }

    /// Whether the certificate was explicitly revoked (not just replaced).
    pub fn is_revoked(&self, cert: CertId) -> bool {
        self.cert_flags
            .get(cert as usize)
            .is_some_and(|f| f & FLAG_REVOKED != 0)
    }

    /// The person's newest certificate.
    pub fn newest(&self, person: PersonId) -> Option<CertId> {
        self.person_newest
            .get(person as usize)
            .copied()
            .filter(|c| *c != NONE)
    }

    /// The certificate the person's registration is linked to.
    pub fn linked(&self, person: PersonId) -> Option<CertId> {
        self.person_linked
            .get(person as usize)
            .copied()
            .filter(|c| *c != NONE)
    }

    /// Whether the person's registration is cancelled.
    pub fn is_cancelled(&self, person: PersonId) -> bool {
        self.person_flags
            .get(person as usize)
            .is_some_and(|f| f & PERSON_CANCELLED != 0)
    }

    /// Whether the person has a registration in force.
    pub fn is_registered(&self, person: PersonId) -> bool {
        self.linked(person).is_some() && !self.is_cancelled(person)
    }

    #[inline]
    fn home_slot(&self, key: u64) -> usize {
        let mixed = (key ^ (key >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let len = self.keys.len() as u128;
        usize::try_from((u128::from(mixed) * len) >> 64).unwrap_or(0)
    }

    fn allocate_table(&mut self, size: usize) {
        self.keys = vec![EMPTY; size];
        self.slots = vec![NONE; size];
    }

    fn insert_key(&mut self, key: u64, cert: CertId) {
        let mut slot = self.home_slot(key);
        let mut probed = 0usize;
        while probed <= self.keys.len() {
            match self.keys.get_mut(slot) {
                Some(k) if *k == EMPTY => {
                    *k = key;
                    if let Some(s) = self.slots.get_mut(slot) {
                        *s = cert;
                    }
                    self.len += 1;
                    return;
                }
                Some(_) => slot += 1,
                None => slot = 0,
            }
            probed += 1;
        }
    }

    fn grow(&mut self) {
        let old_keys = std::mem::take(&mut self.keys);
        let old_slots = std::mem::take(&mut self.slots);
        self.allocate_table(table_size_for(old_keys.len().max(8) * 2));
        self.len = 0;
        for (key, cert) in old_keys.into_iter().zip(old_slots) {
            if key != EMPTY {
                self.insert_key(key, cert);
            }
        }
    }
}

/// A table size keeping the load below 7/8 for `serials` keys.
fn table_size_for(serials: usize) -> usize {
    (serials.saturating_mul(8) / 7 + 2).max(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: u64) -> Serial {
        Serial::new(v).unwrap_or_else(|| unreachable!("test serials are non-zero"))
    }

    #[test]
    fn reissue_traces_back_to_the_registration() {
        let mut index = SerialIndex::with_capacity(4, 2);
        let p = index.add_person().unwrap_or(NONE);
        let a = index.issue(p, s(0xA), 100).unwrap_or(NONE);
        assert!(index.register(p, a).is_ok());
        assert_eq!(
            index.resolve(s(0xA)),
            Resolution::Linked { cert: a, person: p }
        );
        let b = index.issue(p, s(0xB), 200).unwrap_or(NONE);
        let c = index.issue(p, s(0xC), 300).unwrap_or(NONE);
        assert_eq!(
            index.resolve(s(0xA)),
            Resolution::Revoked { cert: a, person: p }
        );
        assert_eq!(
            index.resolve(s(0xB)),
            Resolution::Revoked { cert: b, person: p }
        );
        assert_eq!(
            index.resolve(s(0xC)),
            Resolution::Unlinked { cert: c, person: p }
        );
        assert_eq!(
            index.trace(c),
            Trace {
                registered: Some(p),
                steps: 2
            }
        );
        index.relink(p, c);
        assert_eq!(
            index.resolve(s(0xC)),
            Resolution::Linked { cert: c, person: p }
        );
        assert_eq!(index.resolve(s(0xD)), Resolution::Unknown);
    }

    #[test]
    fn growth_keeps_every_key() {
        let mut index = SerialIndex::default();
        let p = index.add_person().unwrap_or(NONE);
        for v in 1..=5000u64 {
            assert!(index.issue(p, s(v * 7919), 1).is_ok());
        }
        for v in 1..=5000u64 {
            assert_eq!(
                index.find(s(v * 7919)),
                Some(u32::try_from(v - 1).unwrap_or(NONE))
            );
        }
        assert_eq!(index.find(s(3)), None);
        assert!(index.issue(p, s(7919), 1).is_err());
    }

    #[test]
    fn unregistered_chain_traces_to_nothing() {
        let mut index = SerialIndex::default();
        let p = index.add_person().unwrap_or(NONE);
        let q = index.add_person().unwrap_or(NONE);
        let _ = index.issue(p, s(1), 1);
        let b = index.issue(p, s(2), 1).unwrap_or(NONE);
        let qa = index.issue(q, s(3), 1).unwrap_or(NONE);
        assert!(index.register(q, qa).is_ok());
        assert_eq!(
            index.trace(b),
            Trace {
                registered: None,
                steps: 1
            }
        );
        assert!(
            index.register(p, qa).is_err(),
            "a person cannot register another person's certificate"
        );
    }
}
