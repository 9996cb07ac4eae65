//! Executes card actions: builds the C-APDUs a step describes, sends them,
//! and records the exchanges.

use std::time::Instant;

use myna_scenario::{
    names, AppName, AppRef, CardAction, EfRef, PowerAction, ReadStrategy, SignInput,
};

use crate::digest;
use crate::evidence::RawEvidence;
use crate::redact::Redactor;
use crate::target::{CardTarget, PowerEvent, TransportError};
use crate::tlv;
use crate::vars::Vars;

/// The response a step's expectations are checked against.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Response data (for `read_file`: the reassembled file).
    pub data: Vec<u8>,
    /// Final status word; `None` for power events.
    pub sw: Option<u16>,
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

/// State kept across the steps of one scenario.
pub struct CardSession<'t> {
    target: &'t mut dyn CardTarget,
    started: Instant,
    current_app: Option<AppName>,
    /// Evidence of the step being run.
    pub evidence: Vec<RawEvidence>,
}

const SW_SUCCESS: u16 = 0x9000;

impl<'t> CardSession<'t> {
    /// A session on `target`; times are measured from `started`.
    pub fn new(target: &'t mut dyn CardTarget, started: Instant) -> Self {
        CardSession {
            target,
            started,
            current_app: None,
            evidence: Vec::new(),
        }
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Sends one C-APDU and records it.
    pub fn exchange(&mut self, command: &[u8]) -> Result<(Vec<u8>, u16), ActionError> {
        let at_us = self.now_us();
        let sent = Instant::now();
        let response = match self.target.transmit(command) {
            Ok(r) => r,
            Err(e) => {
                self.evidence.push(RawEvidence::TransportError {
                    at_us,
                    message: e.to_string(),
                });
                return Err(e.into());
            }
        };
        let duration_us = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
        let Some(split) = response.len().checked_sub(2) else {
            let message = format!(
                "the card answered {} byte(s), fewer than a status word",
                response.len()
            );
            self.evidence.push(RawEvidence::TransportError {
                at_us,
                message: message.clone(),
            });
            return Err(ActionError::Transport(TransportError::Malformed(message)));
        };
        let (data, sw_bytes) = response.split_at(split);
        let sw = u16::from_be_bytes([sw_bytes[0], sw_bytes[1]]);
        self.track_select(command, sw);
        self.evidence.push(RawEvidence::Apdu {
            at_us,
            command: command.to_vec(),
            data: data.to_vec(),
            sw,
            duration_us,
        });
        Ok((data.to_vec(), sw))
    }

    /// Follows SELECT by AID (named or raw) so EF names resolve.
    fn track_select(&mut self, command: &[u8], sw: u16) {
        if sw != SW_SUCCESS {
            return;
        }
        if let [cla, 0xA4, 0x04, _, lc, rest @ ..] = command {
            if cla & 0x0F == 0 {
                if let Some(aid) = rest.get(..usize::from(*lc)) {
                    self.current_app = [
                        AppName::Jpki,
                        AppName::Text,
                        AppName::Surface,
                        AppName::Common,
                        AppName::Juki,
                        AppName::Isd,
                    ]
                    .into_iter()
                    .find(|app| names::aid(*app) == aid);
                }
            }
        }
    }

    /// Runs one card action. `redactor` learns every secret the action sends.
    pub fn run(
        &mut self,
        action: &CardAction,
        vars: &Vars,
        redactor: &mut Redactor,
    ) -> Result<Outcome, ActionError> {
        match action {
            CardAction::Apdu(template) => {
                let (text, spans) = vars.render_with_secret_spans(template).map_err(|e| {
                    ActionError::Author(format!("variable `${{{}}}` is not defined", e.0))
                })?;
                let bytes = parse_hex(&text)?;
                for run in secret_byte_runs(&text, &spans, &bytes) {
                    redactor.add_bytes(run);
                }
                self.single(&bytes)
            }
            CardAction::Select(app) => {
                let aid = match app {
                    AppRef::Named(name) => names::aid(*name).to_vec(),
                    AppRef::Aid(aid) => aid.clone(),
                };
                let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, len_byte(aid.len())?];
                apdu.extend_from_slice(&aid);
                self.single(&apdu)
            }
            CardAction::SelectEf(ef) => {
                let fid = self.resolve_ef(ef)?;
                let [hi, lo] = fid.to_be_bytes();
                self.single(&[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo])
            }
            CardAction::Verify { pin, p2 } => {
                let mut apdu = vec![0x00, 0x20, 0x00, *p2];
                if let Some(pin) = pin {
                    let value = render(vars, pin)?.text;
                    redactor.add_text(&value);
                    apdu.push(len_byte(value.len())?);
                    apdu.extend_from_slice(value.as_bytes());
                }
                self.single(&apdu)
            }
            CardAction::ChangePin { new } => {
                let value = render(vars, new)?.text;
                redactor.add_text(&value);
                let mut apdu = vec![0x00, 0x24, 0x01, 0x80, len_byte(value.len())?];
                apdu.extend_from_slice(value.as_bytes());
                self.single(&apdu)
            }
            CardAction::ReadBinary {
                offset,
                le,
                extended,
            } => {
                let apdu = read_binary(*offset, *le, *extended)?;
                self.single(&apdu)
            }
            CardAction::ReadFile { strategy } => self.read_file(*strategy),
            CardAction::Sign { p1, p2, input } => {
                let data = sign_input(vars, input)?;
                let mut apdu = vec![0x80, 0x2A, *p1, *p2, len_byte(data.len())?];
                apdu.extend_from_slice(&data);
                apdu.push(0x00);
                self.single(&apdu)
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
                self.single(&[0x00, 0x84, 0x00, 0x00, le])
            }
            CardAction::Power(action) => {
                let (event, name) = match action {
                    PowerAction::Off => (PowerEvent::Off, "off"),
                    PowerAction::On => (PowerEvent::On, "on"),
                    PowerAction::Reset => (PowerEvent::Reset, "reset"),
                };
                let at_us = self.now_us();
                let atr = match self.target.power(event) {
                    Ok(atr) => atr,
                    Err(e) => {
                        self.evidence.push(RawEvidence::TransportError {
                            at_us,
                            message: e.to_string(),
                        });
                        return Err(e.into());
                    }
                };
                if matches!(action, PowerAction::Off) {
                    self.current_app = None;
                }
                self.evidence.push(RawEvidence::Power {
                    at_us,
                    action: name,
                    atr,
                });
                Ok(Outcome::default())
            }
        }
    }

    fn single(&mut self, apdu: &[u8]) -> Result<Outcome, ActionError> {
        let (data, sw) = self.exchange(apdu)?;
        Ok(Outcome { data, sw: Some(sw) })
    }

    fn resolve_ef(&self, ef: &EfRef) -> Result<u16, ActionError> {
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
    fn read_file(&mut self, strategy: ReadStrategy) -> Result<Outcome, ActionError> {
        match strategy {
            ReadStrategy::Header7 => {
                let (header, total) = match self.read_header(7)? {
                    Ok(found) => found,
                    Err(outcome) => return Ok(outcome),
                };
                self.read_rest(header, total, 255)
            }
            ReadStrategy::Header4 => {
                let (header, total) = match self.read_header(4)? {
                    Ok(found) => found,
                    Err(outcome) => return Ok(outcome),
                };
                self.read_rest(header, total, 256)
            }
            ReadStrategy::Extended => {
                let (_, total) = match self.read_header(7)? {
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
                self.single(&apdu)
            }
            ReadStrategy::Chunk255 => self.read_until_short(0xFF),
            ReadStrategy::Overread => self.read_until_short(0x00),
        }
    }

    /// Reads `n` header bytes at offset 0 and the file size they announce.
    /// `Err(outcome)` when the card refused (the caller reports that SW).
    #[allow(clippy::type_complexity)] // Two-level result keeps transport errors apart.
    fn read_header(&mut self, n: u8) -> Result<Result<(Vec<u8>, usize), Outcome>, ActionError> {
        let (data, sw) = self.exchange(&[0x00, 0xB0, 0x00, 0x00, n])?;
        if sw != SW_SUCCESS {
            return Ok(Err(Outcome { data, sw: Some(sw) }));
        }
        match tlv::total_size(&data) {
            Some(total) => Ok(Ok((data, total))),
            None => {
                let at_us = self.now_us();
                self.evidence.push(RawEvidence::Note {
                    at_us,
                    message: "the first bytes are not a BER-TLV header; file size unknown".into(),
                });
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
            let (part, sw) = self.exchange(&read_binary(offset, le, false)?)?;
            if sw != SW_SUCCESS || part.is_empty() {
                return Ok(Outcome { data, sw: Some(sw) });
            }
            data.extend_from_slice(&part);
        }
        Ok(Outcome {
            data,
            sw: Some(SW_SUCCESS),
        })
    }

    /// Reads from offset 0 with a fixed Le until a short answer or an
    /// end-of-file status (`6B00`, `6282`).
    fn read_until_short(&mut self, le: u8) -> Result<Outcome, ActionError> {
        let chunk = if le == 0 { 256 } else { usize::from(le) };
        let mut data = Vec::new();
        loop {
            let Some(offset) = u16::try_from(data.len()).ok().filter(|o| *o <= 0x7FFF) else {
                return Err(ActionError::Transport(TransportError::Malformed(
                    "the card keeps answering past a 15-bit READ BINARY offset".into(),
                )));
            };
            let [hi, lo] = offset.to_be_bytes();
            let (part, sw) = self.exchange(&[0x00, 0xB0, hi, lo, le])?;
            match sw {
                SW_SUCCESS => {
                    let short = part.len() < chunk;
                    data.extend_from_slice(&part);
                    if short || part.is_empty() {
                        return Ok(Outcome {
                            data,
                            sw: Some(SW_SUCCESS),
                        });
                    }
                }
                0x6B00 | 0x6282 if !data.is_empty() => {
                    return Ok(Outcome {
                        data,
                        sw: Some(SW_SUCCESS),
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
) -> Result<crate::vars::Rendered, ActionError> {
    vars.render(template)
        .map_err(|e| ActionError::Author(format!("variable `${{{}}}` is not defined", e.0)))
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
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&compact).map_err(|_| {
        ActionError::Author(format!(
            "expected hex bytes after substitution, found {} characters that are not an even run of hex digits",
            compact.len()
        ))
    })
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
