//! GET DATA (`00 CA P1 P2 Le`) at the MF (card-protocol.md §1.5).

use super::dispatch::{Outcome, Session};
use crate::apdu::{Le, StatusWord};

impl Session<'_> {
    /// The object `tag` from `CardProfile::mf_objects`, only while no
    /// application is selected; absent (or inside an application — our
    /// judgement, the sources only describe the MF) `6A88`; an object longer
    /// than Le `6700`, so large objects need an extended Le.
    pub(crate) fn get_data(&mut self, tag: u16, le: Le) -> Outcome {
        if self.volatile.current_app().is_some() {
            return Err(StatusWord::REF_DATA_NOT_FOUND);
        }
        let object = self
            .profile
            .mf_objects
            .iter()
            .find(|object| object.tag == tag)
            .ok_or(StatusWord::REF_DATA_NOT_FOUND)?;
        if usize::try_from(le.effective()).unwrap_or(usize::MAX) < object.value.len() {
            return Err(StatusWord::WRONG_LENGTH);
        }
        Ok(object.value.clone())
    }
}
