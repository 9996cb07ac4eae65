//! Cards for a run from a real PC/SC reader: one physical (or vpcd) card
//! shared by every scenario.
//!
//! Two ways to start each scenario from a known state (docs/pcsc.md,
//! "Scenario isolation"):
//!
//! - **factory reset** — when the card is our emulator served with
//!   `emu serve --test-control`, the harness-only command `80 EE 00 00
//!   <persona id>` replaces it with a fresh card of the scenario's persona
//!   ([`PcscProvider::probe_factory_reset`]). PIN counters, changed PINs and
//!   security state all start over, and persona scenarios run too;
//! - **cold reset** — any other card is power-cycled before each scenario,
//!   which clears its security state but not its PIN counters. Scenarios
//!   tagged [`DESTRUCTIVE_TAG`] (they change the card for good) are then
//!   `not_applicable` unless [`PcscProvider::allow_destructive`] was set.
//!
//! When the card was pulled out or pcscd restarted, the next scenario first
//! reconnects to the reader ([`PcscCard::reopen`]); if the card or the
//! service is still gone the scenario is an `error`, at once, never a wait.
//! After a call that got no answer within the timeout the next scenario
//! starts on a fresh connection (a new context on a new worker thread);
//! if that one gets no answer either, it is an `error` within the timeout.
//!
//! Commands run inside PC/SC transactions as [`PcscProvider::transactions`]
//! says (`run --card-transaction`): by default one across each scenario,
//! begun after the reset and ended when the scenario lets go of its card,
//! as a host holds one across an operation; or one per step, or one per
//! command.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use myna_card_emu::persona::Persona;
use myna_card_emu::vpcd::factory_reset_command;
use myna_family::BuiltinValues;
use myna_scenario::Scenario;

use super::super::provider::persona_values;
use super::super::{
    CardProvider, CardTarget, CardTargetInfo, OpenedCard, PowerEvent, ProviderError,
    TransportError, DEFAULT_PERSONA,
};
use super::PcscCard;
use crate::vocabulary::FAMILY;

/// Capability of a card that the harness can factory-reset between
/// scenarios (the emulator behind `emu serve --test-control`).
pub const FACTORY_RESET_CAPABILITY: &str = "card.factory-reset";
/// Capability a scenario tagged [`DESTRUCTIVE_TAG`] needs on a PC/SC
/// target: the card can be factory-reset, or the user allowed destructive
/// scenarios (`--allow-destructive`).
pub const DESTRUCTIVE_CAPABILITY: &str = "card.destructive";
/// Tag of the scenarios that change a card for good (a PIN locked, a PIN
/// changed, a counter left lower).
pub const DESTRUCTIVE_TAG: &str = "destructive";

/// The card in a reader, shared by the scenarios of a run.
#[derive(Clone)]
struct SharedCard(Rc<RefCell<PcscCard>>);

impl CardTarget for SharedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.borrow_mut().transmit(command)
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.0.borrow_mut().power(event)
    }

    fn info(&self) -> CardTargetInfo {
        self.0.borrow().info()
    }

    fn capabilities(&self) -> Vec<String> {
        self.0.borrow().capabilities()
    }
}

impl SharedCard {
    /// Runs `step` (on a fresh connection when the last one got no answer
    /// in time); after "card removed", "service unavailable" or a handle
    /// gone stale reconnects to the reader once and runs it again.
    fn with_reconnect<R>(
        &mut self,
        mut step: impl FnMut(&mut Self) -> Result<R, TransportError>,
    ) -> Result<R, TransportError> {
        let stale = self.0.borrow().needs_reopen();
        if stale {
            self.0.borrow_mut().reopen()?;
        }
        match step(self) {
            Err(TransportError::CardRemoved(_) | TransportError::ServiceUnavailable(_)) => {
                self.0.borrow_mut().reopen()?;
                step(self)
            }
            // A handle gone stale (not a timeout: a retry would double the
            // wait) gets one fresh connection too.
            Err(error)
                if !matches!(error, TransportError::Timeout(_))
                    && self.0.borrow().needs_reopen() =>
            {
                self.0.borrow_mut().reopen()?;
                step(self)
            }
            other => other,
        }
    }
}

/// How long a PC/SC transaction lasts while scenarios run (`run
/// --card-transaction`). No other application reaches the card inside one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransactionScope {
    /// One across each scenario, begun after the reset before it, ended
    /// when it ends: as a host holds one across an operation (OpenSC's
    /// `sc_lock`), and the fewest round trips to pcscd. A scenario with
    /// steps of another family besides the card's gets one per
    /// [`Step`](Self::Step) instead: those steps drive something else (a
    /// reader under test) that may reach the same card through pcscd, and
    /// would wait behind the harness's transaction until it timed out.
    #[default]
    Scenario,
    /// One per step, begun by its first command or power event and ended
    /// when the step ends.
    Step,
    /// One per command, with its GET RESPONSEs and resends.
    Command,
}

/// The card of one scenario inside a PC/SC transaction: ended (within the
/// timeout) when the scenario drops its card. An end that fails makes the
/// next scenario connect afresh.
struct InTransaction(SharedCard);

impl CardTarget for InTransaction {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command)
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.0.power(event)
    }

    fn info(&self) -> CardTargetInfo {
        self.0.info()
    }

    fn capabilities(&self) -> Vec<String> {
        self.0.capabilities()
    }
}

impl Drop for InTransaction {
    fn drop(&mut self) {
        let _ = self.0 .0.borrow_mut().end_transaction();
    }
}

/// The card of one scenario with a PC/SC transaction per step: begun by
/// the step's first command or power event, ended (within the timeout)
/// when the step ends, or when the scenario drops its card.
struct InStepTransactions(SharedCard);

impl InStepTransactions {
    /// Unless one is held, the step's next call begins a transaction, in
    /// the same hand-over to the worker.
    fn begin_unless_held(&mut self) {
        self.0 .0.borrow_mut().begin_transaction_with_next_call();
    }
}

impl CardTarget for InStepTransactions {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.begin_unless_held();
        self.0.transmit(command)
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.begin_unless_held();
        self.0.power(event)
    }

    fn info(&self) -> CardTargetInfo {
        self.0.info()
    }

    fn capabilities(&self) -> Vec<String> {
        self.0.capabilities()
    }

    fn end_step(&mut self) -> Result<(), TransportError> {
        self.0 .0.borrow_mut().end_transaction()
    }
}

impl Drop for InStepTransactions {
    fn drop(&mut self) {
        let _ = self.0 .0.borrow_mut().end_transaction();
    }
}

/// A persona the factory reset can switch to.
#[derive(Clone)]
struct KnownPersona {
    vars: BuiltinValues,
    atr: Vec<u8>,
}

/// Scenarios run against the card in a PC/SC reader.
pub struct PcscProvider {
    card: SharedCard,
    persona: Option<(String, BuiltinValues)>,
    /// Set once the factory-reset probe succeeded: where personas live.
    factory_reset: Option<PathBuf>,
    personas: HashMap<String, KnownPersona>,
    allow_destructive: bool,
    transactions: TransactionScope,
}

impl PcscProvider {
    /// Uses the opened `card`. `persona` describes the card (its PINs and
    /// fields, for `${persona.*}`); without it, scenarios that need persona
    /// values are not applicable.
    pub fn new(card: PcscCard, persona: Option<(String, BuiltinValues)>) -> Self {
        PcscProvider {
            card: SharedCard(Rc::new(RefCell::new(card))),
            persona,
            factory_reset: None,
            personas: HashMap::new(),
            allow_destructive: false,
            transactions: TransactionScope::default(),
        }
    }

    /// How long each PC/SC transaction lasts (`run --card-transaction`);
    /// default [`TransactionScope::Scenario`].
    pub fn transactions(mut self, scope: TransactionScope) -> Self {
        self.transactions = scope;
        self
    }

    /// The card for `scenario`, in the transactions
    /// [`transactions`](Self::transactions) says.
    fn card_for_scenario(
        &mut self,
        scenario: &Scenario,
    ) -> Result<Box<dyn CardTarget>, ProviderError> {
        match scope_for(self.transactions, scenario) {
            TransactionScope::Command => return Ok(Box::new(self.card.clone())),
            TransactionScope::Step => {
                return Ok(Box::new(InStepTransactions(self.card.clone())));
            }
            TransactionScope::Scenario => {}
        }
        self.card
            .with_reconnect(|card| card.0.borrow_mut().begin_transaction())
            .map_err(|e| ProviderError::Environment(e.to_string()))?;
        Ok(Box::new(InTransaction(self.card.clone())))
    }

    /// Lets scenarios tagged [`DESTRUCTIVE_TAG`] run on a card that cannot
    /// be factory-reset (`--allow-destructive`): they may lock its PINs.
    pub fn allow_destructive(mut self, allow: bool) -> Self {
        self.allow_destructive = allow;
        self
    }

    /// Whether scenarios start from a factory-reset card.
    pub fn can_factory_reset(&self) -> bool {
        self.factory_reset.is_some()
    }

    /// Sends the factory-reset command once (with the persona given to
    /// [`new`](Self::new), else the default persona): when the card answers
    /// with that persona's id and `9000` it is our emulator with test
    /// control, and from now on every scenario starts from a fresh card of
    /// its own persona, loaded from `personas_root`. Any other answer (a
    /// real card: an error status word) leaves the provider as it was and
    /// returns `Ok(false)`. `Err` only when the card cannot be reached.
    pub fn probe_factory_reset(&mut self, personas_root: &Path) -> Result<bool, ProviderError> {
        let id = self
            .persona
            .as_ref()
            .map_or(DEFAULT_PERSONA, |(id, _)| id.as_str())
            .to_owned();
        let Some(command) = factory_reset_command(Some(&id)) else {
            return Ok(false);
        };
        let answer = self
            .card
            .transmit(&command)
            .map_err(|e| ProviderError::Environment(e.to_string()))?;
        if !is_reset_answer(&answer, &id) {
            // A real card refused an unknown instruction: a cold reset
            // clears whatever state the refusal may have left.
            self.cold_reset()?;
            return Ok(false);
        }
        self.factory_reset = Some(personas_root.to_path_buf());
        Ok(true)
    }

    fn cold_reset(&mut self) -> Result<(), ProviderError> {
        self.card
            .with_reconnect(|card| {
                card.power(PowerEvent::Off)?;
                card.power(PowerEvent::On)
            })
            .map(|_| ())
            .map_err(|e| ProviderError::Environment(e.to_string()))
    }

    fn known_persona(&mut self, root: &Path, id: &str) -> Result<KnownPersona, ProviderError> {
        if let Some(known) = self.personas.get(id) {
            return Ok(known.clone());
        }
        let persona = Persona::load_named(root, id)
            .map_err(|e| ProviderError::UnknownPersona(format!("persona `{id}`: {e}")))?;
        let known = KnownPersona {
            vars: persona_values(&persona),
            atr: persona.card_profile().atr,
        };
        self.personas.insert(id.to_owned(), known.clone());
        Ok(known)
    }

    /// A fresh card of persona `id` through the factory-reset command. No
    /// cold reset follows unless the persona's ATR differs from the one
    /// pcscd holds: the new card is powered and in its initial state.
    fn open_factory_reset(
        &mut self,
        root: &Path,
        scenario: &Scenario,
        id: &str,
    ) -> Result<OpenedCard, ProviderError> {
        let known = self.known_persona(root, id)?;
        let command = factory_reset_command(Some(id)).ok_or_else(|| {
            ProviderError::UnknownPersona(format!(
                "persona id `{id}` cannot be sent in the factory-reset command ([a-z0-9_-], 1..=64 bytes)"
            ))
        })?;
        let answer = self
            .card
            .with_reconnect(|card| card.transmit(&command))
            .map_err(|e| ProviderError::Environment(e.to_string()))?;
        if !is_reset_answer(&answer, id) {
            return Err(ProviderError::Environment(format!(
                "the emulator refused the factory reset to persona `{id}` (SW {}); does `emu serve` use the same persona directory?",
                status_word_hex(&answer)
            )));
        }
        if self.card.info().atr != known.atr {
            self.cold_reset()?;
        }
        Ok(OpenedCard {
            target: self.card_for_scenario(scenario)?,
            persona: Some(id.to_owned()),
            vars: known.vars,
            phone: None,
        })
    }
}

/// The transactions `scenario` runs in when `asked` was asked for: one
/// across the scenario only when all its steps are the card's
/// ([`TransactionScope::Scenario`]).
fn scope_for(asked: TransactionScope, scenario: &Scenario) -> TransactionScope {
    match asked {
        TransactionScope::Scenario if scenario.families.iter().any(|f| *f != FAMILY) => {
            TransactionScope::Step
        }
        other => other,
    }
}

/// Whether `answer` is the factory-reset success answer for persona `id`.
fn is_reset_answer(answer: &[u8], id: &str) -> bool {
    answer.strip_suffix(&[0x90, 0x00]) == Some(id.as_bytes())
}

fn status_word_hex(answer: &[u8]) -> String {
    match answer {
        [.., sw1, sw2] => format!("{sw1:02X}{sw2:02X}"),
        _ => "none".to_owned(),
    }
}

impl CardProvider for PcscProvider {
    fn open(&mut self, scenario: &Scenario) -> Result<OpenedCard, ProviderError> {
        let may_damage = self.factory_reset.is_some() || self.allow_destructive;
        if scenario.has_tag(DESTRUCTIVE_TAG) && !may_damage {
            return Err(ProviderError::NotApplicable(format!(
                "the target lacks {DESTRUCTIVE_CAPABILITY}: the scenario is tagged `{DESTRUCTIVE_TAG}` (it locks or changes a PIN for good); serve the emulator with `emu serve --test-control`, or pass --allow-destructive for a card you can afford to damage"
            )));
        }
        let wanted = scenario.persona.as_deref().unwrap_or(DEFAULT_PERSONA);
        if let Some(root) = self.factory_reset.clone() {
            return self.open_factory_reset(&root, scenario, wanted);
        }
        let (id, vars) = match &self.persona {
            Some((id, vars)) if id == wanted => (Some(id.clone()), vars.clone()),
            Some((id, _)) => {
                return Err(ProviderError::NotApplicable(format!(
                    "the scenario needs persona `{wanted}`; the card in the reader is `{id}`"
                )))
            }
            None => (None, BuiltinValues::default()),
        };
        // A cold reset, so security status from the previous scenario is gone.
        self.cold_reset()?;
        Ok(OpenedCard {
            target: self.card_for_scenario(scenario)?,
            persona: id,
            vars,
            phone: None,
        })
    }

    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError> {
        Ok(self.card.info())
    }

    fn capabilities(&self) -> Vec<String> {
        let mut caps = self.card.capabilities();
        caps.retain(|c| {
            c != "card.persona" && c != FACTORY_RESET_CAPABILITY && c != DESTRUCTIVE_CAPABILITY
        });
        if self.persona.is_some() || self.factory_reset.is_some() {
            caps.push("card.persona".into());
        }
        if self.factory_reset.is_some() {
            caps.push(FACTORY_RESET_CAPABILITY.into());
        }
        if self.factory_reset.is_some() || self.allow_destructive {
            caps.push(DESTRUCTIVE_CAPABILITY.into());
        }
        caps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_lasts_a_scenario_unless_asked_otherwise() {
        assert_eq!(TransactionScope::default(), TransactionScope::Scenario);
    }

    fn scenario_of(families: Vec<&'static str>) -> Scenario {
        Scenario {
            id: "x.y".into(),
            title: String::new(),
            family: families.last().copied().unwrap_or(FAMILY).into(),
            requirements: Vec::new(),
            requirements_at: Vec::new(),
            level: myna_scenario::Level::Must,
            tags: Vec::new(),
            applies_if: Vec::new(),
            persona: None,
            vars: Vec::new(),
            steps: Vec::new(),
            finally: Vec::new(),
            at: myna_scenario::Location {
                file: "x.yaml".into(),
                line: 1,
                col: 1,
            },
            families,
        }
    }

    #[test]
    fn a_scenario_that_drives_another_family_gets_a_transaction_per_step() {
        let card_only = scenario_of(vec![FAMILY]);
        let with_reader = scenario_of(vec![FAMILY, "oqs", "reader"]);
        let scenario = TransactionScope::Scenario;
        assert_eq!(scope_for(scenario, &card_only), TransactionScope::Scenario);
        assert_eq!(scope_for(scenario, &with_reader), TransactionScope::Step);
        // Narrower scopes stay as asked.
        for asked in [TransactionScope::Step, TransactionScope::Command] {
            assert_eq!(scope_for(asked, &card_only), asked);
            assert_eq!(scope_for(asked, &with_reader), asked);
        }
    }

    #[test]
    fn only_the_echoed_persona_id_with_9000_counts_as_a_reset() {
        assert!(is_reset_answer(b"taro\x90\x00", "taro"));
        assert!(!is_reset_answer(b"kao\x90\x00", "taro"));
        assert!(!is_reset_answer(&[0x90, 0x00], "taro"));
        assert!(!is_reset_answer(&[0x6D, 0x00], "taro"));
        assert!(!is_reset_answer(&[], "taro"));
        assert_eq!(status_word_hex(&[0x6A, 0x88]), "6A88");
        assert_eq!(status_word_hex(&[0x6A]), "none");
    }
}
