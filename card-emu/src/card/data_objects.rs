//! GET DATA (`00 CA P1 P2 Le`) (card-protocol.md §1.5).

use super::dispatch::{Outcome, Session};
use crate::apdu::{Le, StatusWord};
use crate::profile::ObjectScope;

impl Session<'_> {
    /// The object `tag` from `CardProfile::mf_objects` where its scope
    /// allows: MF objects only while no application is selected ("GET DATA
    /// answers there, and only there", myna-card 3.3.4 `src/mf.rs`), `5F51`
    /// also (or only) inside applications (`tag::CONTACT_ATR`). Absent or
    /// out of scope `6A88`; an object longer than Le `6700`, so large
    /// objects need an extended Le.
    pub(crate) fn get_data(&mut self, tag: u16, le: Le) -> Outcome {
        let in_application = self.volatile.current_app().is_some();
        let object = self
            .profile
            .mf_objects
            .iter()
            .find(|object| object.tag == tag)
            .filter(|object| match object.scope {
                ObjectScope::Mf => !in_application,
                ObjectScope::Everywhere => true,
                ObjectScope::Applications => in_application,
            })
            .ok_or(StatusWord::REF_DATA_NOT_FOUND)?;
        if usize::try_from(le.effective()).unwrap_or(usize::MAX) < object.value.len() {
            return Err(StatusWord::WRONG_LENGTH);
        }
        Ok(object.value.clone())
    }
}
