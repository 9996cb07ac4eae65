//! One command on the wire as a real host sends it: `6Cxx` answered by
//! resending with the right Le, `61xx` completed with GET RESPONSE
//! (card-protocol.md §3.1: OpenSC and myna-card do so), each such step
//! recorded as a [`TransportNote`]. Extended APDUs pass unchanged.

use std::cell::RefCell;
use std::fmt;

use ::pcsc::{Card, MAX_BUFFER_SIZE_EXTENDED};

use super::error::Failure;
use super::timed::{now_in, Doing};

/// A step the transport took on its own, as a real host would.
#[derive(Clone, PartialEq, Eq)]
pub struct TransportNote {
    /// Which rule applied.
    pub kind: NoteKind,
    /// The command the transport sent.
    pub command: Vec<u8>,
    /// The status word that triggered it (`61xx` or `6Cxx`).
    pub trigger: [u8; 2],
}

/// Which host rule a [`TransportNote`] records (card-protocol.md §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// `61xx`: fetched the rest with GET RESPONSE `00 C0 00 00 xx`.
    GetResponse,
    /// `6Cxx`: resent the command with Le = `xx`.
    ResendWithLe,
}

/// Shows the header only: a resent command's data may be a PIN.
impl fmt::Debug for TransportNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportNote")
            .field("kind", &self.kind)
            .field(
                "header",
                &hex::encode_upper(self.command.get(..4).unwrap_or(&self.command)),
            )
            .field("len", &self.command.len())
            .field("trigger", &hex::encode_upper(self.trigger))
            .finish()
    }
}

/// Bound on GET RESPONSE rounds for one command (256 × 256 bytes covers
/// the largest extended answer).
pub(super) const MAX_GET_RESPONSES: usize = 256;

/// One APDU out, the reader's answer back, nothing added.
pub(super) type RawTransmit<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, Failure> + 'a;

/// Sends `command` and applies the host rules of card-protocol.md §3.1:
/// `6Cxx` → resend once with Le = xx; `61xx` → GET RESPONSE `00 C0 00 00 xx`
/// until another status word, concatenating the data.
pub(super) fn exchange(
    raw: &mut RawTransmit<'_>,
    command: &[u8],
    notes: &mut Vec<TransportNote>,
) -> Result<Vec<u8>, Failure> {
    let mut response = raw(command)?;
    if let Some([0x6C, le]) = status_word(&response) {
        if let Some(resent) = with_le(command, le) {
            response = raw(&resent)?;
            notes.push(TransportNote {
                kind: NoteKind::ResendWithLe,
                command: resent,
                trigger: [0x6C, le],
            });
        }
    }
    let mut data = Vec::new();
    for _ in 0..MAX_GET_RESPONSES {
        let Some([0x61, available]) = status_word(&response) else {
            data.extend_from_slice(&response);
            return Ok(data);
        };
        data.extend_from_slice(
            response
                .get(..response.len().saturating_sub(2))
                .unwrap_or_default(),
        );
        let mut get_response = vec![0x00, 0xC0, 0x00, 0x00, available];
        response = raw(&get_response)?;
        notes.push(TransportNote {
            kind: NoteKind::GetResponse,
            command: get_response.clone(),
            trigger: [0x61, available],
        });
        // A card may still correct the length of the GET RESPONSE itself.
        if let Some([0x6C, le]) = status_word(&response) {
            if let Some(last) = get_response.last_mut() {
                *last = le;
            }
            response = raw(&get_response)?;
            notes.push(TransportNote {
                kind: NoteKind::ResendWithLe,
                command: get_response,
                trigger: [0x6C, le],
            });
        }
    }
    Err(Failure::EndlessGetResponse)
}

pub(super) fn status_word(response: &[u8]) -> Option<[u8; 2]> {
    match response {
        [.., sw1, sw2] => Some([*sw1, *sw2]),
        _ => None,
    }
}

/// `command` with its Le set to `le` (added when absent), for the `6Cxx`
/// resend. `None` when the command's length fits no ISO 7816-4 case.
fn with_le(command: &[u8], le: u8) -> Option<Vec<u8>> {
    let mut out = command.to_vec();
    match command {
        // Case 1.
        [_, _, _, _] => out.push(le),
        // Case 2 short.
        [_, _, _, _, _] => *out.get_mut(4)? = le,
        // Extended: 00, then Lc or Le on two bytes.
        [_, _, _, _, 0x00, hi, lo, ..] => {
            let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
            match command.len().checked_sub(7)? {
                // Case 2E: the three bytes were Le.
                0 => {
                    out.truncate(5);
                    out.extend_from_slice(&[0x00, le]);
                }
                // Case 3E: add a two-byte Le.
                n if n == lc => out.extend_from_slice(&[0x00, le]),
                // Case 4E: replace the two-byte Le.
                n if n == lc.checked_add(2)? => {
                    out.truncate(out.len().checked_sub(2)?);
                    out.extend_from_slice(&[0x00, le]);
                }
                _ => return None,
            }
        }
        // Short with Lc.
        [_, _, _, _, lc, ..] => {
            let lc = usize::from(*lc);
            match command.len().checked_sub(5)? {
                n if n == lc => out.push(le),
                n if n == lc + 1 => *out.last_mut()? = le,
                _ => return None,
            }
        }
        _ => return None,
    }
    Some(out)
}

thread_local! {
    /// The worker thread's receive buffer, reused by every APDU: zeroing a
    /// fresh 64 KiB one per APDU was a measurable part of the harness's own
    /// cost over a bare transmit loop (benches/pcsc.rs).
    static RECEIVED: RefCell<Vec<u8>> = RefCell::new(vec![0u8; MAX_BUFFER_SIZE_EXTENDED]);
}

/// One APDU out through `SCardTransmit`, the reader's answer back.
pub(super) fn transmit_raw(card: &Card, doing: &Doing, command: &[u8]) -> Result<Vec<u8>, Failure> {
    now_in(doing, "SCardTransmit");
    RECEIVED.with_borrow_mut(|buffer| match card.transmit(command, buffer) {
        // No status word at all is not something a card can send: vpcd
        // answers so when the virtual card's connection is gone.
        Ok([]) => Err(Failure::EmptyAnswer),
        Ok(answer) => Ok(answer.to_vec()),
        Err(e) => Err(Failure::Pcsc("transmitting an APDU", e)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::pcsc::Error as PcscError;

    use super::super::super::card::TransportError;

    /// The commands a scripted card received.
    type Sent = std::rc::Rc<std::cell::RefCell<Vec<Vec<u8>>>>;

    /// A scripted card: answers in order, records what it was sent.
    fn scripted(answers: Vec<Vec<u8>>) -> (impl FnMut(&[u8]) -> Result<Vec<u8>, Failure>, Sent) {
        let sent = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let log = std::rc::Rc::clone(&sent);
        let mut answers = answers.into_iter();
        let raw = move |apdu: &[u8]| {
            log.borrow_mut().push(apdu.to_vec());
            answers
                .next()
                .ok_or(Failure::Pcsc("script", PcscError::RemovedCard))
        };
        (raw, sent)
    }

    #[test]
    fn get_response_is_sent_until_the_data_is_complete() {
        let (mut raw, sent) = scripted(vec![
            vec![0xAA, 0x61, 0x02],
            vec![0xBB, 0xCC, 0x61, 0x01],
            vec![0xDD, 0x90, 0x00],
        ]);
        let mut notes = Vec::new();
        let response = exchange(&mut raw, &[0x00, 0xB0, 0x00, 0x00, 0x01], &mut notes).unwrap();
        assert_eq!(response, vec![0xAA, 0xBB, 0xCC, 0xDD, 0x90, 0x00]);
        assert_eq!(
            *sent.borrow(),
            vec![
                vec![0x00, 0xB0, 0x00, 0x00, 0x01],
                vec![0x00, 0xC0, 0x00, 0x00, 0x02],
                vec![0x00, 0xC0, 0x00, 0x00, 0x01],
            ]
        );
        assert_eq!(notes.len(), 2);
        assert!(notes.iter().all(|n| n.kind == NoteKind::GetResponse));
        assert_eq!(notes[0].trigger, [0x61, 0x02]);
    }

    #[test]
    fn wrong_length_is_resent_with_the_cards_le() {
        let (mut raw, sent) = scripted(vec![vec![0x6C, 0x04], vec![1, 2, 3, 4, 0x90, 0x00]]);
        let mut notes = Vec::new();
        let response = exchange(&mut raw, &[0x00, 0xCA, 0x01, 0x00, 0x00], &mut notes).unwrap();
        assert_eq!(response, vec![1, 2, 3, 4, 0x90, 0x00]);
        assert_eq!(sent.borrow()[1], vec![0x00, 0xCA, 0x01, 0x00, 0x04]);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, NoteKind::ResendWithLe);
        assert_eq!(notes[0].trigger, [0x6C, 0x04]);
    }

    #[test]
    fn a_second_wrong_length_is_returned_not_looped() {
        let (mut raw, sent) = scripted(vec![vec![0x6C, 0x04], vec![0x6C, 0x02]]);
        let response =
            exchange(&mut raw, &[0x00, 0xCA, 0x01, 0x00, 0x00], &mut Vec::new()).unwrap();
        assert_eq!(response, vec![0x6C, 0x02]);
        assert_eq!(sent.borrow().len(), 2);
    }

    #[test]
    fn other_status_words_pass_through_untouched() {
        for answer in [
            vec![0x90, 0x00],
            vec![0x63, 0xC2],
            vec![0x6A, 0x82],
            vec![0x6F],
        ] {
            let (mut raw, sent) = scripted(vec![answer.clone()]);
            let mut notes = Vec::new();
            let response = exchange(&mut raw, &[0x00, 0x20, 0x00, 0x80], &mut notes).unwrap();
            assert_eq!(response, answer);
            assert_eq!(sent.borrow().len(), 1);
            assert!(notes.is_empty());
        }
    }

    #[test]
    fn a_card_that_never_stops_answering_61xx_is_an_error() {
        let (mut raw, _) = scripted(vec![vec![0x61, 0x01]; MAX_GET_RESPONSES + 5]);
        let failure = exchange(&mut raw, &[0x00, 0xB0, 0x00, 0x00], &mut Vec::new()).unwrap_err();
        assert!(matches!(failure, Failure::EndlessGetResponse));
        assert!(failure.into_transport().to_string().contains("61xx"));
    }

    #[test]
    fn a_transport_error_in_the_loop_is_reported() {
        let (mut raw, _) = scripted(vec![vec![0x61, 0x10]]);
        let failure = exchange(&mut raw, &[0x00, 0xB0, 0x00, 0x00], &mut Vec::new()).unwrap_err();
        assert!(matches!(
            failure.into_transport(),
            TransportError::CardRemoved(_)
        ));
    }

    #[test]
    fn le_is_set_for_every_apdu_case() {
        // Case 1: appended.
        assert_eq!(with_le(&[0, 0xCA, 1, 0], 4), Some(vec![0, 0xCA, 1, 0, 4]));
        // Case 2: replaced.
        assert_eq!(
            with_le(&[0, 0xCA, 1, 0, 0], 4),
            Some(vec![0, 0xCA, 1, 0, 4])
        );
        // Case 3: appended after the data.
        assert_eq!(
            with_le(&[0, 0xCB, 0, 0, 2, 0xAA, 0xBB], 9),
            Some(vec![0, 0xCB, 0, 0, 2, 0xAA, 0xBB, 9])
        );
        // Case 4: replaced.
        assert_eq!(
            with_le(&[0, 0xCB, 0, 0, 2, 0xAA, 0xBB, 0], 9),
            Some(vec![0, 0xCB, 0, 0, 2, 0xAA, 0xBB, 9])
        );
        // Case 2E.
        assert_eq!(
            with_le(&[0, 0xB0, 0, 0, 0, 0, 0], 9),
            Some(vec![0, 0xB0, 0, 0, 0, 0, 9])
        );
        // Case 3E and 4E.
        assert_eq!(
            with_le(&[0, 0x2A, 0, 0, 0, 0, 1, 0xAA], 9),
            Some(vec![0, 0x2A, 0, 0, 0, 0, 1, 0xAA, 0, 9])
        );
        assert_eq!(
            with_le(&[0, 0x2A, 0, 0, 0, 0, 1, 0xAA, 0, 0], 9),
            Some(vec![0, 0x2A, 0, 0, 0, 0, 1, 0xAA, 0, 9])
        );
        // Lengths that fit no case.
        assert_eq!(with_le(&[0, 0xCA, 1], 4), None);
        assert_eq!(with_le(&[0, 0xCB, 0, 0, 5, 0xAA], 4), None);
        assert_eq!(with_le(&[0, 0xCB, 0, 0, 0, 0, 5, 0xAA], 4), None);
    }

    #[test]
    fn note_debug_hides_command_data() {
        let note = TransportNote {
            kind: NoteKind::ResendWithLe,
            command: vec![0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34],
            trigger: [0x6C, 0x00],
        };
        let shown = format!("{note:?}");
        assert!(
            shown.contains("00200080") && !shown.contains("31323334"),
            "{shown}"
        );
    }
}
