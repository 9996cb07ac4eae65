//! Executes card actions: builds the C-APDUs a step describes, sends them,
//! and records the exchanges.

use std::time::Instant;

use myna_card_emu::tlv;
use myna_card_emu::{CommandApdu, ResponseApdu, StatusWord};
use myna_family::{EvidenceLog, FieldValue, RawEvidence, Redactor, Vars};

use super::digest;
use super::evidence::{apdu_evidence, note, power_evidence, secret_ranges_parsed, transport_error};
use super::secure_messaging::SmSession;
use crate::names;
use crate::step::SignInput;
use crate::step::{AppName, AppRef, CardAction, EfRef, PinChange, PowerAction, ReadStrategy};
use crate::target::{CardTarget, CardTargetInfo, PeerTrace, PowerEvent, TransportError};

/// The response a step's expectations are checked against.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Response data (for `read_file`: the reassembled file).
    pub data: Vec<u8>,
    /// Final status word; `None` for power events.
    pub sw: Option<StatusWord>,
}

/// Why an action could not be carried out.
#[derive(Clone, Debug)]
pub enum ActionError {
    /// The target's transport broke: verdict `error`.
    Transport(TransportError),
    /// The scenario asks for something impossible (undefined variable, EF
    /// name unknown in the selected application, bad hex after
    /// substitution): verdict `error`, blamed on the scenario author.
    Author(String),
}

impl From<TransportError> for ActionError {
    fn from(e: TransportError) -> Self {
        ActionError::Transport(e)
    }
}

/// The shortest secret-carrying data registered as a secret everywhere: the
/// shortest PIN (4 digits, card-protocol.md §3.2).
pub const MIN_SECRET_LEN: usize = 4;

/// A card for one scenario: the target, and which application the
/// scenario's commands left current (so that EF names resolve). Families
/// that drive the card for their own steps (the portal's JPKI login)
/// borrow it and call [`CardSession::exchange`].
pub struct CardSession {
    pub(super) target: Box<dyn CardTarget>,
    pub(super) current_app: Option<AppName>,
    /// The secure-messaging session the last `session_key` opened.
    pub(super) sm: Option<SmSession>,
    /// The holder's smartphone card, when the target has one (lent with
    /// the card through [`CardSession::recording_pair`]).
    pub(super) phone: Option<Box<CardSession>>,
    /// Tags this session's evidence (`device: phone`).
    device: Option<&'static str>,
}

/// A [`CardSession`] lent to a host; see [`CardSession::recording`].
pub struct RecordingTarget<'a> {
    session: &'a mut CardSession,
    log: &'a mut EvidenceLog,
    redactor: &'a mut Redactor,
}

impl CardTarget for RecordingTarget<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.session
            .exchange(command, self.log, self.redactor)
            .map(|r| r.to_bytes())
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        self.session.target.power(event)
    }

    fn info(&self) -> CardTargetInfo {
        self.session.target.info()
    }

    fn capabilities(&self) -> Vec<String> {
        self.session.target.capabilities()
    }

    fn peer_exchanges(&mut self) -> Option<PeerTrace> {
        self.session.target.peer_exchanges()
    }
}

/// What one action needs from the step: variables, the redactor, the log.
pub(crate) struct ActionCtx<'a> {
    pub vars: &'a Vars,
    pub redactor: &'a mut Redactor,
    pub log: &'a mut EvidenceLog,
}

impl CardSession {
    /// A session on `target`.
    pub fn new(target: Box<dyn CardTarget>) -> Self {
        CardSession {
            target,
            current_app: None,
            sm: None,
            phone: None,
            device: None,
        }
    }

    /// The same session with the holder's smartphone card beside the card;
    /// its APDUs are the card role's evidence too, tagged `device: phone`.
    pub fn with_phone(mut self, phone: Option<Box<dyn CardTarget>>) -> Self {
        self.phone = phone.map(|target| {
            let mut session = CardSession::new(target);
            session.device = Some("phone");
            Box::new(session)
        });
        self
    }

    /// Whether the session has a smartphone card (capability `card.phone`).
    pub fn has_phone(&self) -> bool {
        self.phone.is_some()
    }

    /// This session's card as a [`CardTarget`] for a host that drives it
    /// (the reader, the portal's login: [`crate::host::JpkiHost`]): every
    /// exchange goes through [`CardSession::exchange`], so it is the card
    /// role's evidence, masked as any card step's. The host changes the
    /// current application, so the session forgets which one it was.
    pub fn recording<'a>(
        &'a mut self,
        log: &'a mut EvidenceLog,
        redactor: &'a mut Redactor,
    ) -> RecordingTarget<'a> {
        self.current_app = None;
        self.sm = None;
        RecordingTarget {
            session: self,
            log,
            redactor,
        }
    }

    /// What a reader under test sent the card the harness hosts for it
    /// (`--card vpcd`) since the last call, each recorded in `log` as an
    /// exchange of the card role (secret data masked, as for the harness's
    /// own); `None` when the card is not hosted for another host.
    pub fn record_peer_exchanges(&mut self, log: &mut EvidenceLog) -> Option<PeerTrace> {
        let trace = self.target.peer_exchanges()?;
        for exchange in &trace.exchanges {
            let at_us = log.now_us();
            match ResponseApdu::parse(&exchange.response) {
                Ok(response) => log.push(self.tagged(apdu_evidence(
                    at_us,
                    exchange.duration_us,
                    &exchange.command,
                    CommandApdu::parse(&exchange.command).ok().as_ref(),
                    response.data,
                    response.sw,
                ))),
                Err(_) => log.push(self.tagged(transport_error(
                    at_us,
                    &format!(
                        "the card answered the reader {} byte(s), fewer than a status word",
                        exchange.response.len()
                    ),
                ))),
            }
        }
        // The peer may have changed the current application.
        if !trace.exchanges.is_empty() {
            self.current_app = None;
            self.sm = None;
        }
        Some(trace)
    }

    /// [`CardSession::record_peer_exchanges`] of the smartphone card (its
    /// evidence tagged `device: phone`); `None` when the session has no
    /// smartphone card or it is not hosted for another host.
    pub fn record_phone_peer_exchanges(&mut self, log: &mut EvidenceLog) -> Option<PeerTrace> {
        self.phone.as_deref_mut()?.record_peer_exchanges(log)
    }

    /// Sends one C-APDU and records the exchange in `log`; the data of a
    /// secret-carrying instruction is masked there, and registered with
    /// `redactor` when it is at least [`MIN_SECRET_LEN`] bytes (so an echo of
    /// it is masked too: a shorter run of bytes is no PIN, and masking it
    /// everywhere would blank unrelated evidence); a transport failure is
    /// recorded as well.
    pub fn exchange(
        &mut self,
        command: &[u8],
        log: &mut EvidenceLog,
        redactor: &mut Redactor,
    ) -> Result<ResponseApdu, TransportError> {
        // Parsed once, for the masking, the summary and the current
        // application.
        let parsed = CommandApdu::parse(command).ok();
        for range in secret_ranges_parsed(command, parsed.as_ref()) {
            if let Some(secret) = command.get(range).filter(|s| s.len() >= MIN_SECRET_LEN) {
                redactor.add_bytes(secret);
            }
        }
        let at_us = log.now_us();
        let sent = Instant::now();
        let mut raw = match self.target.transmit(command) {
            Ok(r) => r,
            Err(e) => {
                log.push(self.tagged(transport_error(at_us, &e.to_string())));
                return Err(e);
            }
        };
        let duration_us = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
        let response = match ResponseApdu::parse(&raw) {
            Ok(r) => r,
            Err(_) => {
                let message = format!(
                    "the card answered {} byte(s), fewer than a status word",
                    raw.len()
                );
                log.push(self.tagged(transport_error(at_us, &message)));
                return Err(TransportError::Malformed(message));
            }
        };
        self.track_select(parsed.as_ref(), response.sw);
        // The answer's own buffer, less its status word, is the evidence's
        // copy of the data.
        raw.truncate(response.data.len());
        log.push(self.tagged(apdu_evidence(
            at_us,
            duration_us,
            command,
            parsed.as_ref(),
            raw,
            response.sw,
        )));
        Ok(response)
    }

    fn tagged(&self, evidence: RawEvidence) -> RawEvidence {
        match self.device {
            Some(device) => evidence.with("device", FieldValue::text(device)),
            None => evidence,
        }
    }

    /// Follows SELECT by AID (named or raw) so EF names resolve.
    fn track_select(&mut self, parsed: Option<&CommandApdu>, sw: StatusWord) {
        if sw != StatusWord::SUCCESS {
            return;
        }
        if let Some(apdu) = parsed {
            if apdu.cla & 0x0F == 0 && apdu.ins == 0xA4 && apdu.p1 == 0x04 {
                self.current_app = names::app_by_aid(apdu.data());
            }
        }
    }

    /// Runs one card action. The redactor learns every secret it sends.
    pub(crate) fn run(
        &mut self,
        action: &CardAction,
        cx: &mut ActionCtx<'_>,
    ) -> Result<Outcome, ActionError> {
        let vars = cx.vars;
        match action {
            CardAction::Apdu(template) => {
                let (text, spans) = vars
                    .render_with_secret_spans(template)
                    .map_err(|e| undefined(&e.0))?;
                let bytes = parse_hex(&text)?;
                for run in secret_byte_runs(&text, &spans, &bytes) {
                    cx.redactor.add_bytes(run);
                }
                self.single(&bytes, cx)
            }
            CardAction::Select(app) => {
                let aid = match app {
                    AppRef::Named(name) => names::aid(*name).to_vec(),
                    AppRef::Aid(aid) => aid.clone(),
                };
                let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, len_byte(aid.len())?];
                apdu.extend_from_slice(&aid);
                self.single(&apdu, cx)
            }
            CardAction::SelectEf(ef) => {
                let fid = self.resolve_ef(ef)?;
                let [hi, lo] = fid.to_be_bytes();
                self.single(&[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo], cx)
            }
            CardAction::Verify { pin, p2 } => {
                let mut apdu = vec![0x00, 0x20, 0x00, *p2];
                if let Some(pin) = pin {
                    let value = render(vars, pin)?.text;
                    cx.redactor.add_text(&value);
                    apdu.push(len_byte(value.len())?);
                    apdu.extend_from_slice(value.as_bytes());
                }
                self.single(&apdu, cx)
            }
            CardAction::ChangePin { new, command } => {
                let value = render(vars, new)?.text;
                cx.redactor.add_text(&value);
                let header = match command {
                    PinChange::ReferenceData => [0x00, 0x24, 0x01, 0x80],
                    PinChange::ChangeKey => [0x80, 0x32, 0x00, 0x80],
                };
                let mut apdu = header.to_vec();
                apdu.push(len_byte(value.len())?);
                apdu.extend_from_slice(value.as_bytes());
                self.single(&apdu, cx)
            }
            CardAction::ReadBinary {
                offset,
                le,
                extended,
            } => {
                let apdu = read_binary(*offset, *le, *extended)?;
                self.single(&apdu, cx)
            }
            CardAction::ReadFile { strategy } => self.read_file(*strategy, cx),
            CardAction::Sign { p1, p2, input } => {
                let data = sign_input(vars, input)?;
                let mut apdu = vec![0x80, 0x2A, *p1, *p2, len_byte(data.len())?];
                apdu.extend_from_slice(&data);
                apdu.push(0x00);
                self.single(&apdu, cx)
            }
            CardAction::GetChallenge { le } => {
                let le = match *le {
                    256 => 0,
                    n @ 1..=255 => n as u8,
                    n => {
                        return Err(ActionError::Author(format!(
                            "get_challenge le must be 1..=256, found {n}"
                        )))
                    }
                };
                self.single(&[0x00, 0x84, 0x00, 0x00, le], cx)
            }
            CardAction::Power(action) => {
                let (event, name) = match action {
                    PowerAction::Off => (PowerEvent::Off, "off"),
                    PowerAction::On => (PowerEvent::On, "on"),
                    PowerAction::Reset => (PowerEvent::Reset, "reset"),
                };
                let at_us = cx.log.now_us();
                let atr = match self.target.power(event) {
                    Ok(atr) => atr,
                    Err(e) => {
                        cx.log.push(transport_error(at_us, &e.to_string()));
                        return Err(e.into());
                    }
                };
                if matches!(action, PowerAction::Off) {
                    self.current_app = None;
                }
                cx.log.push(power_evidence(at_us, name, atr.as_deref()));
                Ok(Outcome::default())
            }
            CardAction::SessionKey { key } => self.session_key(key, cx),
            CardAction::Secure(command) => self.secure(command, cx),
        }
    }

    fn single(&mut self, apdu: &[u8], cx: &mut ActionCtx<'_>) -> Result<Outcome, ActionError> {
        let (data, sw) = self.send(apdu, cx)?;
        Ok(Outcome { data, sw: Some(sw) })
    }

    /// [`exchange`](Self::exchange) as data and status word.
    fn send(
        &mut self,
        apdu: &[u8],
        cx: &mut ActionCtx<'_>,
    ) -> Result<(Vec<u8>, StatusWord), ActionError> {
        let response = self.exchange(apdu, cx.log, cx.redactor)?;
        Ok((response.data, response.sw))
    }

    pub(super) fn resolve_ef(&self, ef: &EfRef) -> Result<u16, ActionError> {
        match ef {
            EfRef::Fid(fid) => Ok(*fid),
            EfRef::Named(name) => {
                let Some(app) = self.current_app else {
                    return Err(ActionError::Author(format!(
                        "EF name `{name}` needs a selected application; select one first or give the FID in hex"
                    )));
                };
                names::ef_by_name(app, name).ok_or_else(|| {
                    let known: Vec<&str> = names::ef_names(app).iter().map(|(n, _)| *n).collect();
                    ActionError::Author(format!(
                        "no EF named `{name}` in application `{}`; known: {}",
                        names::app_name(app),
                        known.join(", ")
                    ))
                })
            }
        }
    }

    /// Reads the whole current EF with one of the client strategies of
    /// card-protocol.md §2.3.
    fn read_file(
        &mut self,
        strategy: ReadStrategy,
        cx: &mut ActionCtx<'_>,
    ) -> Result<Outcome, ActionError> {
        match strategy {
            // jpki-rs and myna-rs: Le=00 (256) while more than 255 bytes
            // remain, then the exact rest. The Le=00 chunk is the hazard
            // this strategy exists for: a card must answer it with exactly
            // 256 bytes (card-protocol.md §2.3, §7 item 3).
            ReadStrategy::Header7 => {
                let (header, total) = match self.read_header(7, cx)? {
                    Ok(found) => found,
                    Err(outcome) => return Ok(outcome),
                };
                self.read_rest(header, total, 256, cx)
            }
            ReadStrategy::Header4 => {
                let (header, total) = match self.read_header(4, cx)? {
                    Ok(found) => found,
                    Err(outcome) => return Ok(outcome),
                };
                self.read_rest(header, total, 256, cx)
            }
            ReadStrategy::Extended => {
                let (_, total) = match self.read_header(7, cx)? {
                    Ok(found) => found,
                    Err(outcome) => return Ok(outcome),
                };
                // The size came from the card: one it cannot have is its fault.
                let le = u32::try_from(total)
                    .ok()
                    .filter(|n| *n <= 65_536)
                    .ok_or_else(|| {
                        ActionError::Transport(TransportError::Malformed(format!(
                            "the card announces a {total}-byte file, more than one extended READ BINARY can return"
                        )))
                    })?;
                let apdu = read_binary(0, le, true)?;
                self.single(&apdu, cx)
            }
            ReadStrategy::Chunk255 => self.read_until_short(0xFF, cx),
            ReadStrategy::Overread => self.read_until_short(0x00, cx),
        }
    }

    /// Reads `n` header bytes at offset 0 and the file size they announce.
    /// `Err(outcome)` when the card refused (the caller reports that SW).
    #[allow(clippy::type_complexity)] // Two-level result keeps transport errors apart.
    fn read_header(
        &mut self,
        n: u8,
        cx: &mut ActionCtx<'_>,
    ) -> Result<Result<(Vec<u8>, usize), Outcome>, ActionError> {
        let (data, sw) = self.send(&[0x00, 0xB0, 0x00, 0x00, n], cx)?;
        if sw != StatusWord::SUCCESS {
            return Ok(Err(Outcome { data, sw: Some(sw) }));
        }
        match tlv::total_size(&data) {
            Some(total) => Ok(Ok((data, total))),
            None => {
                let at_us = cx.log.now_us();
                cx.log.push(note(
                    at_us,
                    "the first bytes are not a BER-TLV header; file size unknown",
                ));
                // Report what was read; the data expectation will show it.
                Ok(Err(Outcome { data, sw: Some(sw) }))
            }
        }
    }

    /// Continues after a header read, `max_chunk` bytes per READ BINARY
    /// (Le=00 for 256).
    fn read_rest(
        &mut self,
        mut data: Vec<u8>,
        total: usize,
        max_chunk: usize,
        cx: &mut ActionCtx<'_>,
    ) -> Result<Outcome, ActionError> {
        data.truncate(total);
        while data.len() < total {
            let remaining = total - data.len();
            let chunk = if remaining > max_chunk {
                max_chunk
            } else {
                remaining
            };
            let offset = u16::try_from(data.len())
                .ok()
                .filter(|o| *o <= 0x7FFF)
                .ok_or_else(|| ActionError::Transport(TransportError::Malformed(
                    "the card announces a file larger than a 15-bit READ BINARY offset can reach".into(),
                )))?;
            let le = u32::try_from(chunk).unwrap_or(0);
            let (part, sw) = self.send(&read_binary(offset, le, false)?, cx)?;
            if sw != StatusWord::SUCCESS || part.is_empty() {
                return Ok(Outcome { data, sw: Some(sw) });
            }
            data.extend_from_slice(&part);
        }
        Ok(Outcome {
            data,
            sw: Some(StatusWord::SUCCESS),
        })
    }

    /// Reads from offset 0 with a fixed Le until a short answer or an
    /// end-of-file status (`6B00`, `6282`).
    fn read_until_short(&mut self, le: u8, cx: &mut ActionCtx<'_>) -> Result<Outcome, ActionError> {
        let chunk = if le == 0 { 256 } else { usize::from(le) };
        let mut data = Vec::new();
        loop {
            let Some(offset) = u16::try_from(data.len()).ok().filter(|o| *o <= 0x7FFF) else {
                return Err(ActionError::Transport(TransportError::Malformed(
                    "the card keeps answering past a 15-bit READ BINARY offset".into(),
                )));
            };
            let [hi, lo] = offset.to_be_bytes();
            let (part, sw) = self.send(&[0x00, 0xB0, hi, lo, le], cx)?;
            match sw {
                StatusWord::SUCCESS => {
                    let short = part.len() < chunk;
                    data.extend_from_slice(&part);
                    if short || part.is_empty() {
                        return Ok(Outcome {
                            data,
                            sw: Some(StatusWord::SUCCESS),
                        });
                    }
                }
                StatusWord::WRONG_P1P2_OFFSET | StatusWord::END_OF_FILE if !data.is_empty() => {
                    return Ok(Outcome {
                        data,
                        sw: Some(StatusWord::SUCCESS),
                    });
                }
                other => {
                    return Ok(Outcome {
                        data,
                        sw: Some(other),
                    })
                }
            }
        }
    }
}

fn render(
    vars: &Vars,
    template: &myna_scenario::Template,
) -> Result<myna_family::Rendered, ActionError> {
    vars.render(template).map_err(|e| undefined(&e.0))
}

/// A `${name}` without a value at run time: the loader checked that it is
/// defined, so the step that captures it did not run or captured nothing.
pub(crate) fn undefined(name: &str) -> ActionError {
    ActionError::Author(format!(
        "`${{{name}}}` has no value at this point of the run (the step that captures it did not run or captured nothing)"
    ))
}

/// The runs of `bytes` (decoded from the hex `text`) that a secret
/// variable filled: a byte is secret when either of its hex digits came from
/// a secret span of `text`.
fn secret_byte_runs<'b>(text: &str, spans: &[(usize, usize)], bytes: &'b [u8]) -> Vec<&'b [u8]> {
    if spans.is_empty() {
        return Vec::new();
    }
    let digit_is_secret: Vec<bool> = text
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace())
        .map(|(i, _)| spans.iter().any(|&(a, b)| (a..b).contains(&i)))
        .collect();
    let byte_is_secret: Vec<bool> = digit_is_secret
        .chunks(2)
        .map(|pair| pair.iter().any(|&s| s))
        .collect();
    let mut runs = Vec::new();
    let mut start = None;
    for (i, secret) in byte_is_secret
        .iter()
        .chain(std::iter::once(&false))
        .enumerate()
    {
        match (secret, start) {
            (true, None) => start = Some(i),
            (false, Some(a)) => {
                if let Some(run) = bytes.get(a..i) {
                    runs.push(run);
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Hex with optional spaces → bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, ActionError> {
    myna_scenario::parse_hex(text)
        .map_err(|why| ActionError::Author(format!("after substitution, {why}")))
}

fn len_byte(len: usize) -> Result<u8, ActionError> {
    u8::try_from(len).ok().filter(|l| *l > 0).ok_or_else(|| {
        ActionError::Author(format!("data field of {len} bytes does not fit a short Lc"))
    })
}

/// `00 B0` with a short (`le` 0..=256, 256 sent as 00) or extended Le.
fn read_binary(offset: u16, le: u32, extended: bool) -> Result<Vec<u8>, ActionError> {
    if offset > 0x7FFF {
        return Err(ActionError::Author(format!(
            "read_binary offset {offset} does not fit 15 bits"
        )));
    }
    let [hi, lo] = offset.to_be_bytes();
    let mut apdu = vec![0x00, 0xB0, hi, lo];
    if extended {
        let le = match le {
            65536 => 0u16,
            n => u16::try_from(n).map_err(|_| {
                ActionError::Author(format!("extended le must be 0..=65536, found {n}"))
            })?,
        };
        let [a, b] = le.to_be_bytes();
        apdu.extend_from_slice(&[0x00, a, b]);
    } else {
        let le = match le {
            256 => 0u8,
            n => u8::try_from(n)
                .map_err(|_| ActionError::Author(format!("short le must be 0..=256, found {n}")))?,
        };
        apdu.push(le);
    }
    Ok(apdu)
}

fn sign_input(vars: &Vars, input: &SignInput) -> Result<Vec<u8>, ActionError> {
    match input {
        SignInput::Raw(t) => parse_hex(&render(vars, t)?.text),
        SignInput::DigestInfo { hash, message } => {
            let msg = parse_hex(&render(vars, message)?.text)?;
            Ok(digest::digest_info(*hash, &msg))
        }
        SignInput::Hash { hash, message } => {
            let msg = parse_hex(&render(vars, message)?.text)?;
            Ok(digest::hash(*hash, &msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_runs_are_exactly_the_substituted_bytes() {
        // "00 B0 00 00 " + secret "a1b2c3" + " 01"
        let text = "00 B0 00 00 a1b2c3 01";
        let spans = [(12, 18)];
        let bytes = parse_hex(text).unwrap();
        assert_eq!(
            secret_byte_runs(text, &spans, &bytes),
            vec![&[0xA1, 0xB2, 0xC3][..]]
        );
        assert!(secret_byte_runs(text, &[], &bytes).is_empty());
        // A secret filling half a byte still masks that byte.
        let text = "0a";
        assert_eq!(
            secret_byte_runs(text, &[(1, 2)], &[0x0A]),
            vec![&[0x0A][..]]
        );
    }
}
