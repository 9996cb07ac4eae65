//! One scenario's reader: the reference reader in process (borrowing the
//! scenario's card and eligibility sessions for each stimulus, so its APDUs
//! are the card role's evidence), or a reader under test over the adapter
//! protocol.

use std::any::Any;
use std::cell::RefCell;

use myna_family::{Blame, FieldValue, RawEvidence, Session, StepCtx, StepEnd};
use myna_family_card::target::{CardTarget, MAX_PEER_EXCHANGES};
use myna_family_card::CardSession;
use myna_family_oqs::OqsSession;
use myna_reader::protocol::{Client, ClientError};
use myna_reader::{
    Observation, OutputRecord, Peers, PinDigits, Reaction, ReaderConfig, ReferenceReader, Stimulus,
};
use myna_scenario::{downcast, StepBody};

use crate::check::{check, Seen};
use crate::step::{ReaderAction, ReaderStep};
use crate::trace::{facts, traced, TraceTap, TracedApdu};
use crate::vocabulary::{CAP_CARD_TRACE, CAP_CLOCK, CAP_CONFIG, FAMILY};

/// Where the scenario's reader is.
pub enum Backend {
    /// The reference reader, in process.
    InProcess(Box<ReferenceReader>),
    /// A reader under test, over the adapter protocol.
    Remote(Box<Client>),
}

/// A reader session.
pub struct ReaderSession {
    backend: Backend,
    capabilities: Vec<String>,
    trace: RefCell<Vec<TracedApdu>>,
    records: Vec<OutputRecord>,
    observation: Observation,
    entry: usize,
}

/// `reader.card-trace` declared, but the harness hosts no card.
fn not_hosted() -> StepEnd {
    StepEnd::Error {
        blame: Blame::Harness,
        message: format!(
            "`{CAP_CARD_TRACE}` was declared for a remote reader, but the scenario's card is not \
             hosted by the harness (--card vpcd)"
        ),
    }
}

impl ReaderSession {
    /// A session on `backend`, which declares `capabilities`.
    pub fn new(backend: Backend, capabilities: Vec<String>) -> Self {
        ReaderSession {
            backend,
            capabilities,
            trace: RefCell::new(Vec::new()),
            records: Vec::new(),
            observation: Observation::default(),
            entry: 0,
        }
    }

    fn has(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }

    /// Sends `stimulus` to the in-process reader with the scenario's card
    /// (and its smartphone card, when the card session has one) and
    /// eligibility sessions as its peers.
    fn in_process(
        reader: &mut ReferenceReader,
        stimulus: &Stimulus,
        trace: &RefCell<Vec<TracedApdu>>,
        entry: usize,
        cx: &mut StepCtx<'_>,
    ) -> Result<Reaction, StepEnd> {
        let harness = |m: &str| StepEnd::Error {
            blame: Blame::Harness,
            message: m.to_string(),
        };
        let mut oqs_box = cx
            .others
            .take("oqs")
            .ok_or_else(|| harness("the reader step found no eligibility session"))?;
        let result = {
            let any: &mut dyn Any = oqs_box.as_mut();
            match (
                any.downcast_mut::<OqsSession>(),
                cx.others.get_mut::<CardSession>("card"),
            ) {
                (Some(oqs), Some(card)) => {
                    let pair = card.recording_pair(cx.evidence, cx.redactor);
                    let mut card_view = pair.card();
                    let mut card_tap = TraceTap {
                        inner: &mut card_view,
                        log: trace,
                        entry,
                        phone: false,
                    };
                    let mut phone_view = pair.phone();
                    let mut phone_tap = phone_view.as_mut().map(|view| TraceTap {
                        inner: view,
                        log: trace,
                        entry,
                        phone: true,
                    });
                    let mut peers = Peers {
                        card: &mut card_tap,
                        phone: phone_tap.as_mut().map(|t| t as &mut dyn CardTarget),
                        eligibility: oqs.target(),
                    };
                    reader
                        .handle(stimulus, &mut peers)
                        .map_err(|e| StepEnd::environment(format!("the reader's card: {e}")))
                }
                _ => Err(harness("the reader step found no card session")),
            }
        };
        cx.others.put_back("oqs", oqs_box);
        result
    }

    /// The APDUs a reader under test sent, through pcscd, to the card the
    /// harness hosts (`--card vpcd`): into the trace, for this entry, and
    /// into the card role's evidence.
    fn drain_hosted_card(&mut self, cx: &mut StepCtx<'_>) -> Result<(), StepEnd> {
        let Some(card) = cx.others.get_mut::<CardSession>("card") else {
            return Err(not_hosted());
        };
        let exchanges = card.record_peer_exchanges(cx.evidence);
        // The smartphone card, when the harness hosts it too (a second
        // vpcd slot): its APDUs are the trace's `phone: true` entries.
        let phone = card.record_phone_peer_exchanges(cx.evidence);
        let Some(peer) = exchanges else {
            return Err(not_hosted());
        };
        let mut dropped = peer.dropped;
        let mut trace = self.trace.borrow_mut();
        trace.extend(
            peer.exchanges
                .iter()
                .map(|x| traced(self.entry, false, &x.command, Some(&x.response))),
        );
        if let Some(phone) = phone {
            dropped = dropped.saturating_add(phone.dropped);
            trace.extend(
                phone
                    .exchanges
                    .iter()
                    .map(|x| traced(self.entry, true, &x.command, Some(&x.response))),
            );
        }
        if dropped > 0 {
            return Err(StepEnd::iut(format!(
                "the reader sent the card {} more APDUs than the {} a step's trace keeps; the \
                 trace is incomplete",
                dropped, MAX_PEER_EXCHANGES
            )));
        }
        Ok(())
    }

    fn run(&mut self, step: &ReaderStep, cx: &mut StepCtx<'_>) -> StepEnd {
        self.entry += 1;
        let at_us = cx.evidence.now_us();
        let stimulus = match &step.action {
            ReaderAction::Stimulus(s) => Some(s.clone()),
            ReaderAction::EnterPin(template) => match cx.render(template) {
                Ok(rendered) => {
                    cx.redactor.add_text(&rendered.text);
                    Some(Stimulus::EnterPin {
                        digits: PinDigits::new(&rendered.text),
                    })
                }
                Err(end) => return end,
            },
            ReaderAction::Config(_) | ReaderAction::Observe => None,
        };
        if matches!(stimulus, Some(Stimulus::Clock { .. })) && !self.has(CAP_CLOCK) {
            return StepEnd::NotApplicable(format!("the reader does not declare `{CAP_CLOCK}`"));
        }
        if step.expect.trace.is_some() && !self.has(CAP_CARD_TRACE) {
            return StepEnd::NotApplicable(format!(
                "the reader's card trace is not visible (`{CAP_CARD_TRACE}`)"
            ));
        }
        let mut accepted = None;
        let outcome: Result<Observation, StepEnd> = match (&mut self.backend, &step.action) {
            (Backend::InProcess(reader), ReaderAction::Config(config)) => {
                reader.set_config(ReaderConfig::clone(config));
                Ok(reader.observe(self.records.len()))
            }
            (Backend::Remote(client), ReaderAction::Config(config)) => {
                if !self.capabilities.iter().any(|c| c == CAP_CONFIG) {
                    return StepEnd::NotApplicable(format!(
                        "the reader does not declare `{CAP_CONFIG}`"
                    ));
                }
                client.configure(config).map_err(client_error)
            }
            (Backend::InProcess(reader), _) => match &stimulus {
                Some(s) => match Self::in_process(reader, s, &self.trace, self.entry, cx) {
                    Ok(reaction) => {
                        accepted = Some(match reaction {
                            Reaction::Accepted => (true, None),
                            Reaction::Rejected(why) => (false, Some(why)),
                        });
                        Ok(reader.observe(self.records.len()))
                    }
                    Err(end) => Err(end),
                },
                None => Ok(reader.observe(self.records.len())),
            },
            (Backend::Remote(client), _) => match &stimulus {
                Some(s) => client.stimulate(s).map_err(client_error).map(|reply| {
                    accepted = Some((reply.accepted, reply.reason));
                    reply.observation
                }),
                None => client.observe().map_err(client_error),
            },
        };
        let hosted = match self.backend {
            Backend::Remote(_) if self.has(CAP_CARD_TRACE) => self.drain_hosted_card(cx),
            _ => Ok(()),
        };
        let observation = match outcome.and_then(|o| hosted.map(|()| o)) {
            Ok(o) => o,
            Err(end) => {
                cx.evidence.push(evidence(at_us, step, None, None));
                return end;
            }
        };
        self.records.extend(observation.records.iter().cloned());
        cx.evidence
            .push(evidence(at_us, step, accepted.as_ref(), Some(&observation)));
        let seen = Seen {
            observation: &observation,
            accepted,
            records: &self.records,
            trace: self
                .has(CAP_CARD_TRACE)
                .then(|| facts(&self.trace.borrow())),
        };
        let mismatches = check(&step.expect, &seen, cx.vars);
        self.observation = observation;
        StepEnd::Done(mismatches)
    }
}

fn client_error(e: ClientError) -> StepEnd {
    match e {
        ClientError::Protocol(m) => StepEnd::iut(m),
        ClientError::Transport(m) => StepEnd::environment(m),
    }
}

/// The step's evidence: the stimulus (a PIN never in it), whether it was
/// taken, the screen and the records written.
fn evidence(
    at_us: u64,
    step: &ReaderStep,
    accepted: Option<&(bool, Option<String>)>,
    observation: Option<&Observation>,
) -> RawEvidence {
    let mut e = RawEvidence::new(FAMILY, "stimulus", at_us)
        .with("stimulus", FieldValue::text(step.label_text()));
    e.summary = Some(step.label_text().to_owned());
    if let Some((taken, reason)) = accepted {
        e = e.with("accepted", FieldValue::text(taken.to_string()));
        if let Some(r) = reason {
            e = e.with("reason", FieldValue::text(r.clone()));
        }
    }
    if let Some(o) = observation {
        let screen = serde_json::to_value(&o.screen).unwrap_or_default();
        e = e.with("screen", FieldValue::Json(screen));
        if !o.records.is_empty() {
            let records = serde_json::to_value(&o.records).unwrap_or_default();
            e = e.with("records", FieldValue::Json(records));
        }
    }
    e
}

impl Session for ReaderSession {
    fn run_step(&mut self, step: &dyn StepBody, cx: &mut StepCtx<'_>) -> StepEnd {
        match downcast::<ReaderStep>(step) {
            Some(step) => self.run(step, cx),
            None => StepEnd::Error {
                blame: Blame::Harness,
                message: format!(
                    "the reader session was handed a `{}` step of another family",
                    step.keyword()
                ),
            },
        }
    }
}
