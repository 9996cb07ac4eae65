//! Record and replay (`myna-conform record`, docs/pcsc.md): a vpcd virtual
//! card that forwards every APDU and power event to a target card and keeps
//! them, and the writer that turns such a session into a scenario file.
//!
//! The scenario replays the session: each exchange is a step whose
//! expectation is the status word and data the target answered; power
//! events become `power:` steps. The file never holds a secret the host
//! sent:
//!
//! - VERIFY (`00 20 00 P2 Lc data`) and CHANGE REFERENCE DATA (`00 24 01 80
//!   Lc data`) become `verify:` / `change_pin:` steps whose value is the
//!   persona field the bytes equal (`${persona.auth_pin}`), else a secret
//!   variable `${recorded_secret_N}` left empty for the user to fill in;
//! - any other command carrying a secret's bytes, and any answer carrying
//!   them, is replaced by a placeholder variable or a length expectation.
//!
//! Data that differs on every run is not expected byte for byte: GET
//! CHALLENGE (`INS 84`) and RSASSA-PSS signatures (`80 2A` with P1 `04` or
//! `05`, card-protocol.md §2.2) get `data_len` only. The time the target
//! took is kept as evidence in each step's `name:`.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use myna_card_emu::persona::surface_ap::SURFACE_AP_AID;
use myna_card_emu::persona::text_ap::TEXT_AP_AID;
use myna_card_emu::vpcd::VirtualCard;
use myna_card_emu::Instruction;

use crate::target::{CardTarget, PowerEvent};

/// One thing that happened on the recorded connection.
#[derive(Clone, PartialEq, Eq)]
pub enum RecordedEvent {
    /// A power event from the host's side.
    Power(PowerEvent),
    /// A C-APDU, the target's R-APDU and how long the target took.
    Exchange {
        /// The C-APDU as the host sent it.
        command: Vec<u8>,
        /// The R-APDU (data ‖ SW1 SW2).
        response: Vec<u8>,
        /// Time spent in the target.
        elapsed: Duration,
    },
    /// The target failed (the host was answered `6F00`).
    TransportFailure(String),
}

/// Only headers and lengths: commands may hold PINs.
impl std::fmt::Debug for RecordedEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordedEvent::Power(event) => write!(f, "Power({event:?})"),
            RecordedEvent::Exchange {
                command, response, ..
            } => write!(
                f,
                "Exchange({} +{}B → {}B)",
                hex::encode_upper(command.get(..4).unwrap_or(command)),
                command.len().saturating_sub(4),
                response.len()
            ),
            RecordedEvent::TransportFailure(m) => write!(f, "TransportFailure({m})"),
        }
    }
}

/// The events of a recording, shared between the vpcd thread and the
/// caller.
pub type Recording = Arc<Mutex<Vec<RecordedEvent>>>;

/// A [`VirtualCard`] that forwards to `target` and records what passes.
pub struct RecordingCard {
    target: Box<dyn CardTarget + Send>,
    atr: Vec<u8>,
    events: Recording,
}

impl RecordingCard {
    /// Forwards to `target`; the events go to the returned [`Recording`].
    pub fn new(target: Box<dyn CardTarget + Send>) -> (Self, Recording) {
        let events = Recording::default();
        let atr = target.info().atr;
        let card = RecordingCard {
            target,
            atr,
            events: Arc::clone(&events),
        };
        (card, events)
    }

    fn push(&self, event: RecordedEvent) {
        // A poisoned lock only means another thread panicked while pushing;
        // the list itself is still usable.
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.push(event);
    }

    fn power(&mut self, event: PowerEvent) {
        match self.target.power(event) {
            Ok(Some(atr)) => self.atr = atr,
            Ok(None) => {}
            Err(e) => self.push(RecordedEvent::TransportFailure(e.to_string())),
        }
        self.push(RecordedEvent::Power(event));
    }
}

impl VirtualCard for RecordingCard {
    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    fn power_on(&mut self) {
        self.power(PowerEvent::On);
    }

    fn power_off(&mut self) {
        self.power(PowerEvent::Off);
    }

    fn reset(&mut self) {
        self.power(PowerEvent::Reset);
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let started = Instant::now();
        match self.target.transmit(apdu) {
            Ok(response) => {
                self.push(RecordedEvent::Exchange {
                    command: apdu.to_vec(),
                    response: response.clone(),
                    elapsed: started.elapsed(),
                });
                response
            }
            Err(e) => {
                self.push(RecordedEvent::TransportFailure(e.to_string()));
                vec![0x6F, 0x00]
            }
        }
    }
}

/// A value the file must not contain, and the persona field that holds it.
#[derive(Clone)]
pub struct KnownSecret {
    /// Persona field name, e.g. `auth_pin` (written `${persona.auth_pin}`).
    pub name: String,
    /// Its bytes as sent to the card (ASCII).
    pub value: Vec<u8>,
}

impl std::fmt::Debug for KnownSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnownSecret({}, <redacted>)", self.name)
    }
}

/// What the written scenario says about itself.
#[derive(Clone, Debug)]
pub struct ScenarioHeader {
    /// Scenario id, e.g. `card.recorded.opensc`.
    pub id: String,
    /// One line for people.
    pub title: String,
    /// The persona the target played, for `persona:` and `${persona.*}`.
    pub persona: Option<String>,
    /// Free text for the leading comment (target, date).
    pub origin: String,
}

/// The requirement every recorded scenario cites.
pub const RECORDED_REQUIREMENT: &str = "CARD-RECORDED-SESSION";

/// Turns recorded events into a scenario file (YAML text).
pub fn scenario_yaml(
    header: &ScenarioHeader,
    events: &[RecordedEvent],
    secrets: &[KnownSecret],
) -> String {
    let mut writer = Writer {
        secrets,
        placeholders: Vec::new(),
        steps: String::new(),
        current_aid: Vec::new(),
    };
    let mut powered_off = false;
    let mut reset = false;
    let mut exchanges = 0usize;
    for event in events {
        match event {
            RecordedEvent::Power(PowerEvent::Off) => powered_off = true,
            RecordedEvent::Power(PowerEvent::Reset) => reset = true,
            RecordedEvent::Power(PowerEvent::On) => {}
            RecordedEvent::TransportFailure(message) => {
                let _ = writeln!(
                    writer.steps,
                    "  # the target failed here: {}",
                    one_line(message)
                );
            }
            RecordedEvent::Exchange {
                command,
                response,
                elapsed,
            } => {
                // Collapse pcscd's many power events into what the card
                // saw between two commands.
                if powered_off {
                    writer
                        .steps
                        .push_str("  - power: \"off\"\n  - power: \"on\"\n");
                } else if reset {
                    writer.steps.push_str("  - power: reset\n");
                }
                powered_off = false;
                reset = false;
                exchanges = exchanges.saturating_add(1);
                writer.step(command, response, *elapsed);
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Recorded by `myna-conform record`: {}.\n# {exchanges} exchanges; each step's name carries the time the target took (evidence, not an expectation).",
        one_line(&header.origin)
    );
    let _ = writeln!(out, "id: {}", header.id);
    let _ = writeln!(out, "title: {}", quoted(&header.title));
    let _ = writeln!(out, "requirements: [{RECORDED_REQUIREMENT}]");
    out.push_str("tags: [recorded]\n");
    if let Some(persona) = &header.persona {
        let _ = writeln!(out, "persona: {persona}");
    }
    if !writer.placeholders.is_empty() {
        out.push_str("vars:\n");
        for (name, what) in &writer.placeholders {
            let _ = writeln!(
                out,
                "  # FILL IN: {what} (the recorded bytes are not kept)\n  {name}: {{ value: \"\", secret: true }}"
            );
        }
    }
    out.push_str("steps:\n");
    out.push_str(&writer.steps);
    if exchanges == 0 {
        out.push_str("  # nothing was exchanged: add steps before running this file\n");
    }
    out
}

struct Writer<'a> {
    secrets: &'a [KnownSecret],
    /// `(variable, description)` of each secret to fill in.
    placeholders: Vec<(String, String)>,
    steps: String,
    /// The AID of the application selected last (empty at the MF).
    current_aid: Vec<u8>,
}

/// The 券面 applications, whose files hold the My Number and 照合番号B
/// (card-protocol.md §1.2, §1.3).
const APS_WITH_SECRETS: [&[u8]; 2] = [&TEXT_AP_AID, &SURFACE_AP_AID];

impl Writer<'_> {
    fn placeholder(&mut self, what: String) -> String {
        let name = format!("recorded_secret_{}", self.placeholders.len() + 1);
        self.placeholders.push((name.clone(), what));
        name
    }

    /// `${persona.NAME}` for bytes equal to a known secret, else a new
    /// placeholder variable.
    fn secret_reference(&mut self, bytes: &[u8], what: &str) -> String {
        match self.secrets.iter().find(|s| s.value == bytes) {
            Some(known) => format!("${{persona.{}}}", known.name),
            None => format!("${{{}}}", self.placeholder(what.to_owned())),
        }
    }

    fn contains_secret(&self, bytes: &[u8]) -> bool {
        self.secrets
            .iter()
            .any(|s| !s.value.is_empty() && bytes.windows(s.value.len()).any(|w| w == s.value))
    }

    /// Whether `data` may hold a secret nobody told us about: without a
    /// persona, anything read inside the 券面 applications is withheld.
    fn may_hold_unknown_secret(&self) -> bool {
        self.secrets.is_empty() && APS_WITH_SECRETS.iter().any(|aid| self.current_aid == *aid)
    }

    fn step(&mut self, command: &[u8], response: &[u8], elapsed: Duration) {
        let (data, sw) = match response {
            [data @ .., sw1, sw2] => (data, format!("{sw1:02X}{sw2:02X}")),
            _ => (response, String::new()),
        };
        if let [cla, 0xA4, 0x04, _, lc, rest @ ..] = command {
            if cla & 0x0F == 0 && sw == "9000" {
                self.current_aid = rest.get(..usize::from(*lc)).unwrap_or_default().to_vec();
            }
        }
        let label = format!("{} ({} µs)", describe(command), elapsed.as_micros());
        let _ = writeln!(self.steps, "  - name: {}", quoted(&label));
        let action = self.action(command);
        let _ = writeln!(self.steps, "    {action}");
        let mut expect = Vec::new();
        if !sw.is_empty() {
            expect.push(format!("sw: \"{sw}\""));
        }
        if !data.is_empty() {
            if nondeterministic(command)
                || self.contains_secret(data)
                || self.may_hold_unknown_secret()
            {
                expect.push(format!("data_len: {}", data.len()));
            } else {
                expect.push(format!("data: \"{}\"", spaced_hex(data)));
            }
        } else if !sw.is_empty() {
            expect.push("data_len: 0".to_owned());
        }
        if !expect.is_empty() {
            let _ = writeln!(self.steps, "    expect: {{ {} }}", expect.join(", "));
        }
    }

    /// The step's action: `verify:` / `change_pin:` for the commands that
    /// carry a PIN, else `apdu:` (with a placeholder for secret bytes).
    fn action(&mut self, command: &[u8]) -> String {
        match command {
            // VERIFY with data: 00 20 00 P2 Lc PIN (card-protocol.md §2.1).
            [0x00, 0x20, 0x00, p2, lc, value @ ..]
                if usize::from(*lc) == value.len() && *lc > 0 =>
            {
                let reference = self.secret_reference(value, "the value the host sent in VERIFY");
                if *p2 == 0x80 {
                    format!("verify: {{ pin: \"{reference}\" }}")
                } else {
                    format!("verify: {{ pin: \"{reference}\", p2: \"{p2:02X}\" }}")
                }
            }
            // CHANGE REFERENCE DATA: 00 24 01 80 Lc new (card-protocol.md §2.1).
            [0x00, 0x24, 0x01, 0x80, lc, value @ ..]
                if usize::from(*lc) == value.len() && *lc > 0 =>
            {
                let reference = self.secret_reference(
                    value,
                    "the new value the host sent in CHANGE REFERENCE DATA",
                );
                format!("change_pin: {{ new: \"{reference}\" }}")
            }
            _ if self.contains_secret(command) || carries_secret(command) => {
                // The header stays; the data is a hex placeholder.
                let header = command.get(..4).unwrap_or(command);
                let name = self.placeholder(format!(
                    "the data (hex) of the {} command, Lc included",
                    describe(command)
                ));
                format!("apdu: \"{} ${{{name}}}\"", spaced_hex(header))
            }
            _ => format!("apdu: \"{}\"", spaced_hex(command)),
        }
    }
}

/// Commands with data whose instruction carries a secret whatever its value
/// (card-emu's one table, `Instruction::SECRET_DATA`).
fn carries_secret(command: &[u8]) -> bool {
    command.len() > 5
        && command
            .get(1)
            .is_some_and(|&ins| Instruction(ins).carries_secret())
}

/// Whether the answer's data differs on every run.
fn nondeterministic(command: &[u8]) -> bool {
    matches!(
        command,
        // GET CHALLENGE.
        [_, 0x84, ..]
        // COMPUTE DIGITAL SIGNATURE with PSS (P1 04/05, card-protocol.md §2.2).
        | [0x80, 0x2A, 0x04 | 0x05, ..]
    )
}

/// A short name for a command, for the step label.
fn describe(command: &[u8]) -> String {
    let name = match command {
        [_, 0xA4, 0x04, ..] => "SELECT DF".to_owned(),
        [_, 0xA4, 0x02, ..] => "SELECT EF".to_owned(),
        [_, ins, ..] => Instruction(*ins)
            .name()
            .map_or_else(|| "APDU".to_owned(), |n| n.replace('_', " ")),
        _ => "APDU".to_owned(),
    };
    let header = command.get(..4).unwrap_or(command);
    format!("{name} {}", spaced_hex(header))
}

/// Uppercase hex with a space between bytes (so that no run of digits in
/// the file can spell a PIN by accident).
fn spaced_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02X}");
    }
    out
}

fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(command: &[u8], response: &[u8]) -> RecordedEvent {
        RecordedEvent::Exchange {
            command: command.to_vec(),
            response: response.to_vec(),
            elapsed: Duration::from_micros(1500),
        }
    }

    fn header() -> ScenarioHeader {
        ScenarioHeader {
            id: "card.recorded.test".into(),
            title: "A \"test\" session".into(),
            persona: Some("taro".into()),
            origin: "unit test".into(),
        }
    }

    fn auth_pin() -> KnownSecret {
        KnownSecret {
            name: "auth_pin".into(),
            value: b"4821".to_vec(),
        }
    }

    #[test]
    fn exchanges_become_steps_with_sw_and_data() {
        let events = [
            RecordedEvent::Power(PowerEvent::Off),
            RecordedEvent::Power(PowerEvent::On),
            exchange(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A], &[0x90, 0x00]),
            exchange(&[0x00, 0xB0, 0x00, 0x00, 0x02], &[0x30, 0x82, 0x90, 0x00]),
            RecordedEvent::Power(PowerEvent::Reset),
            exchange(&[0x00, 0x84, 0x00, 0x00, 0x02], &[0x12, 0x34, 0x90, 0x00]),
        ];
        let yaml = scenario_yaml(&header(), &events, &[]);
        assert!(yaml.contains("id: card.recorded.test\n"), "{yaml}");
        assert!(yaml.contains("title: \"A \\\"test\\\" session\""), "{yaml}");
        assert!(
            yaml.contains("requirements: [CARD-RECORDED-SESSION]"),
            "{yaml}"
        );
        assert!(yaml.contains("persona: taro"), "{yaml}");
        assert!(yaml.contains("  - power: \"off\"\n  - power: \"on\"\n  - name: \"SELECT EF 00 A4 02 0C (1500 µs)\""), "{yaml}");
        assert!(
            yaml.contains(
                "apdu: \"00 A4 02 0C 02 00 0A\"\n    expect: { sw: \"9000\", data_len: 0 }"
            ),
            "{yaml}"
        );
        assert!(
            yaml.contains("expect: { sw: \"9000\", data: \"30 82\" }"),
            "{yaml}"
        );
        assert!(yaml.contains("  - power: reset\n"), "{yaml}");
        // GET CHALLENGE answers differ every time: length only.
        assert!(
            yaml.contains("expect: { sw: \"9000\", data_len: 2 }"),
            "{yaml}"
        );
        assert!(!yaml.contains("12 34"), "{yaml}");
    }

    #[test]
    fn a_known_pin_becomes_the_persona_variable_and_never_appears() {
        let events = [
            exchange(
                &[0x00, 0x20, 0x00, 0x80, 0x04, b'4', b'8', b'2', b'1'],
                &[0x90, 0x00],
            ),
            exchange(
                &[0x00, 0x20, 0x00, 0x98, 0x04, b'4', b'8', b'2', b'1'],
                &[0x90, 0x00],
            ),
            exchange(
                &[0x00, 0x24, 0x01, 0x80, 0x04, b'4', b'8', b'2', b'1'],
                &[0x90, 0x00],
            ),
            // An answer holding the secret is reduced to its length.
            exchange(
                &[0x00, 0xB0, 0x00, 0x00, 0x00],
                &[0x01, b'4', b'8', b'2', b'1', 0x90, 0x00],
            ),
        ];
        let yaml = scenario_yaml(&header(), &events, &[auth_pin()]);
        assert!(
            yaml.contains("verify: { pin: \"${persona.auth_pin}\" }"),
            "{yaml}"
        );
        assert!(
            yaml.contains("verify: { pin: \"${persona.auth_pin}\", p2: \"98\" }"),
            "{yaml}"
        );
        assert!(
            yaml.contains("change_pin: { new: \"${persona.auth_pin}\" }"),
            "{yaml}"
        );
        assert!(yaml.contains("data_len: 5"), "{yaml}");
        assert!(
            !yaml.contains("4821") && !yaml.contains("34 38 32 31"),
            "{yaml}"
        );
        assert!(!yaml.contains("vars:"), "{yaml}");
    }

    #[test]
    fn an_unknown_secret_becomes_a_placeholder_to_fill_in() {
        let events = [
            exchange(
                &[0x00, 0x20, 0x00, 0x80, 0x04, b'9', b'9', b'9', b'9'],
                &[0x63, 0xC2],
            ),
            exchange(
                &[0x80, 0x32, 0x00, 0x80, 0x04, b'7', b'7', b'7', b'7'],
                &[0x90, 0x00],
            ),
        ];
        let yaml = scenario_yaml(&header(), &events, &[auth_pin()]);
        assert!(
            yaml.contains("verify: { pin: \"${recorded_secret_1}\" }"),
            "{yaml}"
        );
        assert!(
            yaml.contains("apdu: \"80 32 00 80 ${recorded_secret_2}\""),
            "{yaml}"
        );
        assert!(
            yaml.contains("  recorded_secret_1: { value: \"\", secret: true }"),
            "{yaml}"
        );
        assert!(yaml.contains("# FILL IN:"), "{yaml}");
        assert!(
            !yaml.contains("9999") && !yaml.contains("39 39 39 39"),
            "{yaml}"
        );
        assert!(!yaml.contains("37 37 37 37"), "{yaml}");
    }

    #[test]
    fn without_a_persona_reads_in_the_card_face_aps_keep_only_the_length() {
        let my_number_ef = b"\xFF\x10\x0C314159265352\xFF\xFF\x90\x00";
        let events = [
            exchange(
                &[
                    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01,
                    0x04, 0x08,
                ],
                &[0x90, 0x00],
            ),
            exchange(&[0x00, 0xB0, 0x00, 0x00, 0x11], my_number_ef),
        ];
        let yaml = scenario_yaml(&header(), &events, &[]);
        assert!(!yaml.contains("33 31 34 31"), "{yaml}");
        assert!(yaml.contains("data_len: 17"), "{yaml}");
    }

    #[test]
    fn pss_signatures_are_checked_by_length_only() {
        let signature = vec![0xAB; 256];
        let mut response = signature.clone();
        response.extend_from_slice(&[0x90, 0x00]);
        let events = [exchange(
            &[0x80, 0x2A, 0x04, 0x80, 0x01, 0x00, 0x00],
            &response,
        )];
        let yaml = scenario_yaml(&header(), &events, &[]);
        assert!(yaml.contains("data_len: 256"), "{yaml}");
        assert!(!yaml.contains("AB AB"), "{yaml}");
    }

    #[test]
    fn debug_of_an_event_hides_command_data() {
        let event = exchange(
            &[0x00, 0x20, 0x00, 0x80, 0x04, b'4', b'8', b'2', b'1'],
            &[0x90, 0x00],
        );
        let shown = format!("{event:?}");
        assert!(
            shown.contains("00200080") && !shown.contains("34383231"),
            "{shown}"
        );
        assert!(!format!("{:?}", auth_pin()).contains("4821"));
    }

    #[test]
    fn the_recording_card_forwards_and_records() {
        struct Echo;
        impl CardTarget for Echo {
            fn transmit(
                &mut self,
                command: &[u8],
            ) -> Result<Vec<u8>, crate::target::TransportError> {
                let mut r = command.to_vec();
                r.extend_from_slice(&[0x90, 0x00]);
                Ok(r)
            }
            fn power(
                &mut self,
                _: PowerEvent,
            ) -> Result<Option<Vec<u8>>, crate::target::TransportError> {
                Ok(Some(vec![0x3B, 0x00]))
            }
            fn info(&self) -> crate::target::CardTargetInfo {
                crate::target::CardTargetInfo {
                    atr: vec![0x3B, 0x01],
                    ..Default::default()
                }
            }
            fn capabilities(&self) -> Vec<String> {
                Vec::new()
            }
        }
        let (mut card, recording) = RecordingCard::new(Box::new(Echo));
        assert_eq!(card.atr(), vec![0x3B, 0x01]);
        card.power_on();
        assert_eq!(card.atr(), vec![0x3B, 0x00]);
        assert_eq!(card.transmit(&[0x00, 0xA4]), vec![0x00, 0xA4, 0x90, 0x00]);
        let events = recording.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0], RecordedEvent::Power(PowerEvent::On));
        assert!(
            matches!(&events[1], RecordedEvent::Exchange { command, .. } if command == &[0x00, 0xA4])
        );
    }
}
