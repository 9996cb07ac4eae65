//! Loading many certificates at once (a national population): the same
//! steps as [`SerialIndex::issue`] and [`SerialIndex::register`], but in
//! batches whose cache lines are all requested before the first is used,
//! so that a load waits for memory once per batch rather than once per
//! certificate.

use std::hint::black_box;

use super::{CertId, Level, PersonId, SerialIndex};
use crate::error::ModelError;
use crate::serial::Serial;

/// Certificates whose lines are requested together.
const BATCH: usize = 32;

/// One certificate of a bulk load ([`SerialIndex::issue_all`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The holder.
    pub person: PersonId,
    /// Its serial (never issued before).
    pub serial: Serial,
    /// Its expiry day ([`crate::clock::day_number`]).
    pub not_after_day: u16,
    /// Register it at once: the holder's registration moves to it, as
    /// [`SerialIndex::register`] would.
    pub register: bool,
}

impl SerialIndex {
    /// Issues `certificates` in order, as [`SerialIndex::issue`] (then
    /// [`SerialIndex::register`] where asked) one by one would, pushing
    /// each new id to `ids`. Stops at the first error (an unknown person, a
    /// serial issued before); the certificates before it stay issued.
    pub fn issue_all(
        &mut self,
        certificates: &[Issue],
        ids: &mut Vec<CertId>,
    ) -> Result<(), ModelError> {
        ids.reserve(certificates.len());
        let mut hashes = [[0u64; 2]; BATCH];
        for batch in certificates.chunks(BATCH) {
            for (h, issue) in hashes.iter_mut().zip(batch) {
                *h = Level::hashes(issue.serial.value());
            }
            black_box(self.request_lines(batch, &hashes));
            for (issue, h) in batch.iter().zip(hashes) {
                ids.push(self.issue_one(issue, h)?);
            }
        }
        Ok(())
    }

    /// Reads one word of every line the batch will touch (its two
    /// candidate lines in the first level, their expiry days, the holder's
    /// newest certificate), all independent loads, so that they are in
    /// flight together; returns them folded so that none is optimised away.
    fn request_lines(&self, batch: &[Issue], hashes: &[[u64; 2]]) -> u64 {
        let Some(level) = self.levels.first() else {
            return 0;
        };
        let mut folded = 0u64;
        for (issue, h) in batch.iter().zip(hashes) {
            let probe = level.probe(*h);
            folded ^= level.touch(&probe);
            for at in probe.first_slots() {
                let day = self.not_after.get(level.dense(at)).copied();
                folded ^= u64::from(day.unwrap_or(0));
            }
            if let Some((newest, at)) = self.newest(issue.person).and_then(|c| self.level_of(c)) {
                folded ^= newest.touch_at(at);
            }
        }
        folded
    }
}
