//! The serial-tracing index, built for national scale
//! (health-insurance-system.md §5: 8,730万 registrations, end Oct 2025).
//!
//! Layout: one 16-byte record per certificate, in issue order (the
//! certificate id is its position), and a hash table of 64-byte buckets
//! mapping a serial's hash to certificate ids ([`table`]). A record holds the
//! serial, one link, the expiry day and the flags; a person holds only its
//! newest certificate and a cancellation bit. A lookup reads one bucket (a
//! miss usually stops there) and, on a hit, one record: the holder, the
//! status and the registration link are all in it. No allocation, no
//! pointer chasing beyond the arrays.
//!
//! Re-issue chains (J-LIS 旧番号, seed 001 第5条の5): a person's first
//! certificate links to its holder; every re-issue links to the certificate
//! it replaced, so the holder of a re-issued certificate is found at the end
//! of its chain. Certificate ids only grow, so a link always points to a
//! smaller id and every walk terminates. The registration is a flag on the
//! linked certificate, so tracing reads records only.

mod table;

use crate::error::ModelError;
use crate::serial::Serial;
use table::{hash_serial, Table};

/// "No such id" in the `u32` arrays.
pub const NONE: u32 = u32::MAX;

/// A certificate's position in the index.
pub type CertId = u32;
/// A person's position in the index (one registration at most per person).
pub type PersonId = u32;

/// Explicitly revoked (失効).
const REVOKED: u8 = 1;
/// Replaced by a re-issue.
const SUPERSEDED: u8 = 2;
/// The certificate its holder's registration is linked to.
const LINKED: u8 = 4;
/// On the linked certificate only: its holder's registration is cancelled
/// (a copy of the person's bit, so that a lookup reads the record alone).
const CANCELLED: u8 = 8;
/// `link` is the certificate this one replaced, not the holder.
const REISSUE: u8 = 16;

/// One certificate: 16 bytes, so four share a cache line and none straddles
/// two.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(16))]
struct Cert {
    serial: u64,
    /// The holder, or with [`REISSUE`] the certificate this one replaced.
    link: u32,
    /// Days since 2000-01-01 ([`crate::clock::day_number`]).
    not_after: u16,
    flags: u8,
    _reserved: u8,
}

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
    table: Table,
    certs: Vec<Cert>,
    person_newest: Vec<CertId>,
    /// One bit per person.
    person_cancelled: Vec<u64>,
}

impl SerialIndex {
    /// An empty index sized for `serials` certificates and `persons` persons
    /// without re-hashing.
    pub fn with_capacity(serials: usize, persons: usize) -> SerialIndex {
        let mut certs = Vec::new();
        certs.reserve_exact(serials);
        let mut person_newest = Vec::new();
        person_newest.reserve_exact(persons);
        let mut person_cancelled = Vec::new();
        person_cancelled.reserve_exact(persons.div_ceil(64));
        SerialIndex {
            table: Table::for_entries(serials),
            certs,
            person_newest,
            person_cancelled,
        }
    }

    /// Number of certificates.
    pub fn certificates(&self) -> usize {
        self.certs.len()
    }

    /// Number of persons.
    pub fn persons(&self) -> usize {
        self.person_newest.len()
    }

    /// Bytes held by the index's arrays (capacity, not length).
    pub fn bytes_allocated(&self) -> usize {
        self.table.bytes_allocated()
            + self.certs.capacity() * std::mem::size_of::<Cert>()
            + self.person_bytes_allocated()
    }

    /// Bytes held by the per-person arrays alone (part of
    /// [`SerialIndex::bytes_allocated`]).
    pub fn person_bytes_allocated(&self) -> usize {
        self.person_newest.capacity() * 4 + self.person_cancelled.capacity() * 8
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
        let key = serial.value();
        let hash = hash_serial(key);
        if self.find_hashed(key, hash).is_some() {
            return Err(ModelError::Conflict(format!(
                "serial {serial} is already issued"
            )));
        }
        let cert = u32::try_from(self.certs.len())
            .ok()
            .filter(|id| *id != NONE)
            .ok_or_else(|| ModelError::Capacity("more than 2^32-1 certificates".into()))?;
        if !self.table.has_room() {
            self.grow();
        }
        if !self.table.insert(hash, cert) {
            return Err(ModelError::Capacity("the serial table is full".into()));
        }
        let (link, flags) = if previous == NONE {
            (person, 0)
        } else {
            (previous, REISSUE)
        };
        self.certs.push(Cert {
            serial: key,
            link,
            not_after: not_after_day,
            flags,
            _reserved: 0,
        });
        if let Some(replaced) = self.certs.get_mut(previous as usize) {
            replaced.flags |= SUPERSEDED;
        }
        if let Some(newest) = self.person_newest.get_mut(person as usize) {
            *newest = cert;
        }
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
        let cancelled = self.is_cancelled(person);
        if let Some(old) = self.linked(person) {
            self.update_flags(old, |f| f & !(LINKED | CANCELLED));
        }
        self.update_flags(cert, |f| {
            if cancelled {
                f | LINKED | CANCELLED
            } else {
                f | LINKED
            }
        });
    }

    /// Cancels `person`'s registration (after the grace period); the link is
    /// kept for history but no serial resolves to it any more.
    pub fn cancel(&mut self, person: PersonId) {
        self.set_cancelled(person, true);
    }

    /// Revokes a certificate (失効).
    pub fn revoke(&mut self, cert: CertId) {
        self.update_flags(cert, |f| f | REVOKED);
    }

    /// Changes a certificate's expiry day.
    pub fn set_not_after(&mut self, cert: CertId, day: u16) {
        if let Some(record) = self.certs.get_mut(cert as usize) {
            record.not_after = day;
        }
    }

    /// The certificate of a serial. Allocation-free.
    #[inline]
    pub fn find(&self, serial: Serial) -> Option<CertId> {
        let key = serial.value();
        self.find_hashed(key, hash_serial(key))
    }

    #[inline]
    fn find_hashed(&self, key: u64, hash: u64) -> Option<CertId> {
        let certs = &self.certs;
        self.table.find(hash, |cert| {
            certs
                .get(cert as usize)
                .is_some_and(|record| record.serial == key)
        })
    }

    /// What the index knows about `serial`. Allocation-free.
    #[inline]
    pub fn resolve(&self, serial: Serial) -> Resolution {
        let Some(cert) = self.find(serial) else {
            return Resolution::Unknown;
        };
        let Some(record) = self.certs.get(cert as usize) else {
            return Resolution::Unknown;
        };
        let person = if record.flags & REISSUE == 0 {
            record.link
        } else {
            self.owner(cert).unwrap_or(NONE)
        };
        if record.flags & (REVOKED | SUPERSEDED) != 0 {
            Resolution::Revoked { cert, person }
        } else if record.flags & LINKED == 0 {
            Resolution::Unlinked { cert, person }
        } else if record.flags & CANCELLED != 0 {
            Resolution::Cancelled { cert, person }
        } else {
            Resolution::Linked { cert, person }
        }
    }

    /// Walks `cert`'s re-issue chain (旧番号の探索) back to the certificate
    /// its holder registered with. Terminates: each link goes to a smaller id.
    pub fn trace(&self, cert: CertId) -> Trace {
        let mut steps = 0u32;
        let mut newer = cert;
        let mut current = self.previous(cert);
        while let Some(at) = current.filter(|at| *at < newer) {
            steps = steps.saturating_add(1);
            let Some(record) = self.certs.get(at as usize) else {
                break;
            };
            if record.flags & LINKED != 0 {
                let registered = self.owner(at).filter(|p| !self.is_cancelled(*p));
                return Trace { registered, steps };
            }
            newer = at;
            current = (record.flags & REISSUE != 0).then_some(record.link);
        }
        Trace {
            registered: None,
            steps,
        }
    }

    /// The holder of a certificate (at the end of its re-issue chain).
    pub fn owner(&self, cert: CertId) -> Option<PersonId> {
        let mut at = cert;
        loop {
            let record = self.certs.get(at as usize)?;
            if record.flags & REISSUE == 0 {
                return Some(record.link);
            }
            // Links point to older certificates; anything else is corrupt.
            if record.link >= at {
                return None;
            }
            at = record.link;
        }
    }

    /// The certificate a re-issue replaced.
    pub fn previous(&self, cert: CertId) -> Option<CertId> {
        self.certs
            .get(cert as usize)
            .filter(|record| record.flags & REISSUE != 0)
            .map(|record| record.link)
    }

    /// A certificate's expiry day (see [`crate::clock::day_number`]).
    pub fn not_after(&self, cert: CertId) -> Option<u16> {
        self.certs.get(cert as usize).map(|record| record.not_after)
    }

    /// Neither revoked nor superseded.
    pub fn is_active(&self, cert: CertId) -> bool {
        self.certs
            .get(cert as usize)
            .is_some_and(|record| record.flags & (REVOKED | SUPERSEDED) == 0)
    }

    /// Whether the certificate was explicitly revoked (not just replaced).
    pub fn is_revoked(&self, cert: CertId) -> bool {
        self.certs
            .get(cert as usize)
            .is_some_and(|record| record.flags & REVOKED != 0)
    }

    /// The person's newest certificate.
    pub fn newest(&self, person: PersonId) -> Option<CertId> {
        self.person_newest
            .get(person as usize)
            .copied()
            .filter(|c| *c != NONE)
    }

    /// The certificate the person's registration is linked to: the one of
    /// the person's chain that carries the link flag.
    pub fn linked(&self, person: PersonId) -> Option<CertId> {
        let mut at = self.newest(person)?;
        loop {
            let record = self.certs.get(at as usize)?;
            if record.flags & LINKED != 0 {
                return Some(at);
            }
            if record.flags & REISSUE == 0 || record.link >= at {
                return None;
            }
            at = record.link;
        }
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
            self.update_flags(linked, |f| {
                if cancelled {
                    f | CANCELLED
                } else {
                    f & !CANCELLED
                }
            });
        }
    }

    fn update_flags(&mut self, cert: CertId, change: impl FnOnce(u8) -> u8) {
        if let Some(record) = self.certs.get_mut(cert as usize) {
            record.flags = change(record.flags);
        }
    }

    /// Doubles the table, re-hashing every serial from its record.
    fn grow(&mut self) {
        let mut table = Table::empty_with_buckets((self.table.buckets() * 2).max(4));
        for (cert, record) in (0u32..).zip(&self.certs) {
            let _ = table.insert(hash_serial(record.serial), cert);
        }
        self.table = table;
    }
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

    #[test]
    fn cancellation_follows_the_link_and_registration_clears_it() {
        let mut index = SerialIndex::default();
        let p = index.add_person().unwrap_or(NONE);
        let a = index.issue(p, s(0x10), 1).unwrap_or(NONE);
        assert!(index.register(p, a).is_ok());
        index.cancel(p);
        assert!(index.is_cancelled(p));
        assert!(!index.is_registered(p));
        assert_eq!(
            index.resolve(s(0x10)),
            Resolution::Cancelled { cert: a, person: p }
        );
        let b = index.issue(p, s(0x20), 2).unwrap_or(NONE);
        assert_eq!(
            index.owner(b),
            Some(p),
            "the holder is found through the chain"
        );
        assert_eq!(index.previous(b), Some(a));
        assert_eq!(
            index.trace(b),
            Trace {
                registered: None,
                steps: 1
            },
            "a cancelled registration is not found by tracing"
        );
        index.relink(p, b);
        assert_eq!(index.linked(p), Some(b));
        assert_eq!(
            index.resolve(s(0x20)),
            Resolution::Cancelled { cert: b, person: p },
            "the cancellation moves with the link"
        );
        assert!(index.register(p, b).is_ok());
        assert!(!index.is_cancelled(p));
        assert_eq!(
            index.resolve(s(0x20)),
            Resolution::Linked { cert: b, person: p }
        );
        assert_eq!(
            index.resolve(s(0x10)),
            Resolution::Revoked { cert: a, person: p }
        );
    }

    #[test]
    fn a_foreign_certificate_is_not_linked_and_ids_out_of_range_are_nothing() {
        let mut index = SerialIndex::with_capacity(2, 2);
        let p = index.add_person().unwrap_or(NONE);
        let q = index.add_person().unwrap_or(NONE);
        let pa = index.issue(p, s(1), 1).unwrap_or(NONE);
        let qa = index.issue(q, s(2), 1).unwrap_or(NONE);
        index.relink(p, qa);
        assert_eq!(index.linked(p), None);
        assert_eq!(index.linked(q), None);
        index.revoke(pa);
        assert!(index.is_revoked(pa) && !index.is_active(pa));
        assert!(index.register(p, pa).is_err());
        assert_eq!(index.owner(99), None);
        assert_eq!(index.not_after(99), None);
        assert!(!index.is_active(99));
        assert!(index.issue(7, s(3), 1).is_err(), "no such person");
        index.set_not_after(qa, 77);
        assert_eq!(index.not_after(qa), Some(77));
    }

    #[test]
    fn a_record_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Cert>(), 16);
    }
}
