//! A family's connection to its target for one scenario, and the set of a
//! scenario's sessions.

use std::any::Any;

use myna_scenario::StepBody;

use crate::step::{StepCtx, StepEnd};

/// One scenario's connection to a family's target: a fresh emulated card,
/// a fresh in-process model, an HTTP client, ….
pub trait Session: Any {
    /// Runs one step of this family (downcast `step` to the family's own
    /// type with `myna_scenario::downcast`). Never panics on anything the
    /// target answers.
    fn run_step(&mut self, step: &dyn StepBody, cx: &mut StepCtx<'_>) -> StepEnd;
}

/// The sessions of one scenario, by family name. While a step runs, its own
/// session is taken out, so that the others can be borrowed through
/// [`StepCtx::others`](crate::StepCtx::others).
#[derive(Default)]
pub struct Sessions {
    entries: Vec<(&'static str, Option<Box<dyn Session>>)>,
}

impl Sessions {
    /// No sessions.
    pub fn new() -> Self {
        Sessions::default()
    }

    /// Adds the session of `family`.
    pub fn insert(&mut self, family: &'static str, session: Box<dyn Session>) {
        self.entries.push((family, Some(session)));
    }

    /// The families that have a session, in the order they were opened.
    pub fn families(&self) -> Vec<&'static str> {
        self.entries.iter().map(|(name, _)| *name).collect()
    }

    /// Takes `family`'s session out (to run one of its steps).
    pub fn take(&mut self, family: &str) -> Option<Box<dyn Session>> {
        self.entries
            .iter_mut()
            .find(|(name, _)| *name == family)
            .and_then(|(_, session)| session.take())
    }

    /// Puts a session taken with [`take`](Self::take) back.
    pub fn put_back(&mut self, family: &str, session: Box<dyn Session>) {
        if let Some((_, slot)) = self.entries.iter_mut().find(|(name, _)| *name == family) {
            *slot = Some(session);
        }
    }

    /// `family`'s session as its concrete type `T`, if it is open, not in
    /// use and of that type.
    pub fn get_mut<T: Session>(&mut self, family: &str) -> Option<&mut T> {
        let session = self
            .entries
            .iter_mut()
            .find(|(name, _)| *name == family)?
            .1
            .as_deref_mut()?;
        let any: &mut dyn Any = session;
        any.downcast_mut::<T>()
    }
}
