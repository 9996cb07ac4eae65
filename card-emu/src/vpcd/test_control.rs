//! Harness-only test control: a "factory reset" APDU that replaces the
//! emulated card behind vpcd with a fresh one, so that every scenario run
//! through pcscd starts from a new card (docs/pcsc.md, "Test control").
//!
//! The command is `80 EE 00 00 [Lc <persona id, ASCII>] [Le]`:
//!
//! - CLA `80` is the proprietary class: ISO 7816-4 gives its INS codes no
//!   meaning, and the My Number Card's proprietary commands are `80 2A`
//!   (COMPUTE DIGITAL SIGNATURE), `80 32` (CHANGE KEY), `80 AE` (SET SESSION
//!   KEY) and `80 FC` (card-protocol.md §2.1, §3.1). No client listed in
//!   card-protocol.md §2 sends `80 EE`, and the emulator without test
//!   control answers it `6D00` like any unknown instruction.
//! - No data: a fresh card of the persona currently served. Data: the id of
//!   the persona to serve from now on (`[a-z0-9_-]`, 1..=64 bytes).
//! - Answer: the persona id now served (ASCII) ‖ `9000`; an unknown persona
//!   `6A88` (referenced data not found) and the card is left untouched;
//!   a malformed id `6A80`; P1-P2 other than `00 00` `6A86`; a length that
//!   fits no APDU case `6700`.
//!
//! The echoed persona id is what a harness checks before trusting the
//! capability: a real card that happened to answer `9000` would not echo it.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::virtual_card::VirtualCard;
use crate::persona::{Persona, PersonaError};
use crate::profile::CardProfile;
use crate::Card;

/// CLA of the test-control command (proprietary class).
pub const TEST_CONTROL_CLA: u8 = 0x80;
/// INS of the factory-reset command.
pub const FACTORY_RESET_INS: u8 = 0xEE;
/// The header `80 EE 00 00`.
pub const FACTORY_RESET_HEADER: [u8; 4] = [TEST_CONTROL_CLA, FACTORY_RESET_INS, 0x00, 0x00];
/// Longest persona id the command carries.
pub const MAX_PERSONA_ID_LEN: usize = 64;

/// The factory-reset C-APDU: `80 EE 00 00` with the persona id as data when
/// given (`None` keeps the persona). `None` when the id is empty, longer
/// than [`MAX_PERSONA_ID_LEN`] or not `[a-z0-9_-]`.
pub fn factory_reset_command(persona: Option<&str>) -> Option<Vec<u8>> {
    let mut apdu = FACTORY_RESET_HEADER.to_vec();
    if let Some(id) = persona {
        if !valid_persona_id(id.as_bytes()) {
            return None;
        }
        apdu.push(u8::try_from(id.len()).ok()?);
        apdu.extend_from_slice(id.as_bytes());
    }
    Some(apdu)
}

/// Whether `bytes` is a persona id the command may carry.
fn valid_persona_id(bytes: &[u8]) -> bool {
    (1..=MAX_PERSONA_ID_LEN).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
}

/// A decoded test-control command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestControlRequest {
    /// A fresh card of the current persona.
    Reset,
    /// A fresh card of this persona.
    ResetTo(String),
    /// The command is ours but malformed: answer this status word.
    Refused([u8; 2]),
}

/// Decodes `apdu` when it is a test-control command (`80 EE`); `None` for
/// anything else.
pub fn parse_test_control(apdu: &[u8]) -> Option<TestControlRequest> {
    let [TEST_CONTROL_CLA, FACTORY_RESET_INS, p1, p2, body @ ..] = apdu else {
        return None;
    };
    if [*p1, *p2] != [0x00, 0x00] {
        return Some(TestControlRequest::Refused([0x6A, 0x86]));
    }
    let request = match body {
        // Case 1, or case 2 (Le only).
        [] | [_] => TestControlRequest::Reset,
        [lc, rest @ ..] => {
            let lc = usize::from(*lc);
            // Case 3, or case 4 (one Le byte after the data).
            let data = match rest.len().checked_sub(lc) {
                Some(0 | 1) => rest.get(..lc),
                _ => None,
            };
            match data {
                None => TestControlRequest::Refused([0x67, 0x00]),
                Some(id) if valid_persona_id(id) => {
                    TestControlRequest::ResetTo(String::from_utf8_lossy(id).into_owned())
                }
                Some(_) => TestControlRequest::Refused([0x6A, 0x80]),
            }
        }
    };
    Some(request)
}

/// Makes fresh cards of a persona for [`TestControlCard`].
pub trait CardFactory: Send {
    /// A new, powered card of persona `id`.
    fn make(&mut self, id: &str) -> Result<Card, PersonaError>;
}

/// Cards from the persona directory (normally `vectors/personas`); each
/// persona is loaded once.
pub struct PersonaFactory {
    root: PathBuf,
    profiles: HashMap<String, CardProfile>,
}

impl PersonaFactory {
    /// Personas are read from `root`.
    pub fn new(root: impl AsRef<Path>) -> Self {
        Self {
            root: root.as_ref().to_path_buf(),
            profiles: HashMap::new(),
        }
    }
}

impl CardFactory for PersonaFactory {
    fn make(&mut self, id: &str) -> Result<Card, PersonaError> {
        if let Some(profile) = self.profiles.get(id) {
            return Ok(Card::new(profile.clone()));
        }
        let profile = Persona::load_named(&self.root, id)?.card_profile();
        self.profiles.insert(id.to_owned(), profile.clone());
        Ok(Card::new(profile))
    }
}

/// The emulated card with the factory-reset command added
/// (`emu serve --test-control`). Every other APDU goes to the card.
pub struct TestControlCard {
    card: Card,
    persona: String,
    factory: Box<dyn CardFactory>,
}

impl fmt::Debug for TestControlCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestControlCard")
            .field("persona", &self.persona)
            .finish_non_exhaustive()
    }
}

impl TestControlCard {
    /// Serves persona `initial`, made by `factory`.
    pub fn new(
        mut factory: impl CardFactory + 'static,
        initial: &str,
    ) -> Result<Self, PersonaError> {
        let card = factory.make(initial)?;
        Ok(Self {
            card,
            persona: initial.to_owned(),
            factory: Box::new(factory),
        })
    }

    /// Serves persona `initial` from the persona directory `root`.
    pub fn from_personas(root: impl AsRef<Path>, initial: &str) -> Result<Self, PersonaError> {
        Self::new(PersonaFactory::new(root), initial)
    }

    /// The persona currently served.
    pub fn persona(&self) -> &str {
        &self.persona
    }

    /// The card currently served.
    pub fn card(&self) -> &Card {
        &self.card
    }

    fn factory_reset(&mut self, request: TestControlRequest) -> Vec<u8> {
        let id = match request {
            TestControlRequest::Refused(sw) => return sw.to_vec(),
            TestControlRequest::Reset => self.persona.clone(),
            TestControlRequest::ResetTo(id) => id,
        };
        match self.factory.make(&id) {
            Ok(card) => {
                self.card = card;
                self.persona = id;
                let mut answer = self.persona.as_bytes().to_vec();
                answer.extend_from_slice(&[0x90, 0x00]);
                answer
            }
            Err(_) => vec![0x6A, 0x88],
        }
    }
}

impl VirtualCard for TestControlCard {
    fn atr(&self) -> Vec<u8> {
        VirtualCard::atr(&self.card)
    }

    fn power_on(&mut self) {
        VirtualCard::power_on(&mut self.card);
    }

    fn power_off(&mut self) {
        VirtualCard::power_off(&mut self.card);
    }

    fn reset(&mut self) {
        VirtualCard::reset(&mut self.card);
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        match parse_test_control(apdu) {
            Some(request) => self.factory_reset(request),
            None => VirtualCard::transmit(&mut self.card, apdu),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_built_and_parsed_back() {
        assert_eq!(factory_reset_command(None), Some(vec![0x80, 0xEE, 0, 0]));
        let taro = factory_reset_command(Some("taro")).unwrap_or_default();
        assert_eq!(taro, vec![0x80, 0xEE, 0, 0, 4, b't', b'a', b'r', b'o']);
        assert_eq!(
            parse_test_control(&taro),
            Some(TestControlRequest::ResetTo("taro".into()))
        );
        let mut with_le = taro.clone();
        with_le.push(0x00);
        assert_eq!(
            parse_test_control(&with_le),
            Some(TestControlRequest::ResetTo("taro".into()))
        );
        assert_eq!(
            parse_test_control(&[0x80, 0xEE, 0, 0]),
            Some(TestControlRequest::Reset)
        );
        assert_eq!(
            parse_test_control(&[0x80, 0xEE, 0, 0, 0]),
            Some(TestControlRequest::Reset)
        );
        assert_eq!(factory_reset_command(Some("")), None);
        assert_eq!(factory_reset_command(Some("Taro")), None);
        assert_eq!(factory_reset_command(Some(&"a".repeat(65))), None);
    }

    #[test]
    fn other_commands_and_bad_forms_are_told_apart() {
        assert_eq!(parse_test_control(&[0x00, 0xEE, 0, 0]), None);
        assert_eq!(parse_test_control(&[0x80, 0x2A, 0, 0x80]), None);
        assert_eq!(parse_test_control(&[0x80, 0xEE]), None);
        assert_eq!(
            parse_test_control(&[0x80, 0xEE, 1, 0]),
            Some(TestControlRequest::Refused([0x6A, 0x86]))
        );
        assert_eq!(
            parse_test_control(&[0x80, 0xEE, 0, 0, 5, b'a']),
            Some(TestControlRequest::Refused([0x67, 0x00]))
        );
        assert_eq!(
            parse_test_control(&[0x80, 0xEE, 0, 0, 2, b'a', b'a', 0, 0]),
            Some(TestControlRequest::Refused([0x67, 0x00]))
        );
        assert_eq!(
            parse_test_control(&[0x80, 0xEE, 0, 0, 2, b'a', b'/']),
            Some(TestControlRequest::Refused([0x6A, 0x80]))
        );
    }
}
