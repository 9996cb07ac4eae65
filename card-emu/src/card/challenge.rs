//! GET CHALLENGE (`00 84 00 00 Le`) (card-protocol.md §2.1).

use rand::RngCore;

use super::dispatch::{Outcome, Session};
use crate::apdu::{Le, StatusWord};

impl Session<'_> {
    /// Le (1..=256, short form) random bytes; an extended Le `6985`.
    pub(crate) fn get_challenge(&mut self, le: Le) -> Outcome {
        if le.is_extended() {
            return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let len = usize::try_from(le.effective()).map_err(|_| StatusWord::WRONG_LENGTH)?;
        let mut challenge = vec![0u8; len];
        self.rng.fill_bytes(&mut challenge);
        Ok(challenge)
    }
}
