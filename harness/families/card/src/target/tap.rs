//! Wrappers that let a test or a benchmark see, and change, every exchange
//! with the cards a provider opens: the mutation test's broken cards, the
//! engine benchmark's recorder.

use std::sync::Arc;

use myna_scenario::Scenario;

use super::TransportError;
use super::{CardProvider, CardTarget, CardTargetInfo, OpenedCard, PowerEvent, ProviderError};

/// Sees each `(command, response)` and returns the response to hand on.
pub type TapFn = Arc<dyn Fn(&[u8], Vec<u8>) -> Vec<u8> + Send + Sync>;

/// A card whose answers pass through a [`TapFn`]; everything else is the
/// inner card's.
pub struct Tap {
    inner: Box<dyn CardTarget>,
    tap: TapFn,
}

impl Tap {
    /// `inner` with its answers passed through `tap`.
    pub fn new(inner: Box<dyn CardTarget>, tap: TapFn) -> Self {
        Tap { inner, tap }
    }
}

impl CardTarget for Tap {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let response = self.inner.transmit(command)?;
        Ok((self.tap)(command, response))
    }
    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.inner.power(event)
    }
    fn info(&self) -> CardTargetInfo {
        self.inner.info()
    }
    fn capabilities(&self) -> Vec<String> {
        self.inner.capabilities()
    }
    fn peer_exchanges(&mut self) -> Option<super::PeerTrace> {
        self.inner.peer_exchanges()
    }
    fn end_step(&mut self) -> Result<(), TransportError> {
        self.inner.end_step()
    }
}

/// A provider whose every card is a [`Tap`] on the inner provider's card.
pub struct TappedProvider {
    inner: Box<dyn CardProvider>,
    tap: TapFn,
}

impl TappedProvider {
    /// The cards of `inner`, tapped by `tap`.
    pub fn new(inner: Box<dyn CardProvider>, tap: TapFn) -> Self {
        TappedProvider { inner, tap }
    }
}

impl CardProvider for TappedProvider {
    fn open(&mut self, scenario: &Scenario) -> Result<OpenedCard, ProviderError> {
        let mut opened = self.inner.open(scenario)?;
        opened.target = Box::new(Tap::new(opened.target, Arc::clone(&self.tap)));
        opened.phone = opened
            .phone
            .map(|phone| Box::new(Tap::new(phone, Arc::clone(&self.tap))) as Box<dyn CardTarget>);
        Ok(opened)
    }
    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError> {
        self.inner.describe()
    }
    fn capabilities(&self) -> Vec<String> {
        self.inner.capabilities()
    }
    fn personas(&self) -> Option<Vec<String>> {
        self.inner.personas()
    }
}
