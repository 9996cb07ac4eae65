//! The reader's APDU trace: every command it sends to the card, kept
//! without any VERIFY value (only its length), with the stimulus it
//! answered, so scenarios can check what the reader did to the card
//! (seed 001: reception never handles the My Number; §1.4: no retry, no
//! VERIFY on a blocked PIN). In process the [`TraceTap`] sees the reader's
//! commands; for a reader under test the card the harness hosts behind vpcd
//! does (`--card vpcd`, [`traced`] on each of its peer exchanges).

use std::cell::RefCell;

use myna_card_emu::persona::surface_ap::SURFACE_AP_AID;
use myna_card_emu::persona::text_ap::TEXT_AP_AID;
use myna_card_emu::persona::JUKI_AP_AID;
use myna_family_card::target::{CardTarget, CardTargetInfo, PowerEvent, TransportError};

/// One command the reader sent, as far as the checks need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracedApdu {
    /// Which stimulus (step) it answered.
    pub entry: usize,
    /// Sent to the smartphone card (seed 004), not the card.
    pub phone: bool,
    /// INS.
    pub ins: u8,
    /// P1.
    pub p1: u8,
    /// The AID of a SELECT by name.
    pub aid: Option<Vec<u8>>,
    /// Whether it carried data (a VERIFY with a PIN).
    pub has_data: bool,
    /// The status word answered.
    pub sw: Option<u16>,
}

/// A card target that records what passes through it; the card's and the
/// phone's taps share one log.
pub struct TraceTap<'a> {
    /// The card or the phone.
    pub inner: &'a mut dyn CardTarget,
    /// Where the trace goes.
    pub log: &'a RefCell<Vec<TracedApdu>>,
    /// The current entry.
    pub entry: usize,
    /// Whether `inner` is the smartphone card.
    pub phone: bool,
}

impl CardTarget for TraceTap<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.inner.transmit(command);
        self.log.borrow_mut().push(traced(
            self.entry,
            self.phone,
            command,
            answer.as_deref().ok(),
        ));
        answer
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
}

/// One exchange as the trace keeps it: the header, a SELECT's AID, whether
/// data came with it (never the data), the status word of `response`.
pub fn traced(entry: usize, phone: bool, command: &[u8], response: Option<&[u8]>) -> TracedApdu {
    let header = |i: usize| command.get(i).copied().unwrap_or(0);
    let lc = usize::from(header(4));
    let aid = (header(1) == 0xA4 && header(2) == 0x04)
        .then(|| command.get(5..5 + lc).map(<[u8]>::to_vec))
        .flatten();
    let sw = response.and_then(|r| match r {
        [.., a, b] => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    });
    TracedApdu {
        entry,
        phone,
        ins: header(1),
        p1: header(2),
        aid,
        has_data: command.len() > 5,
        sw,
    }
}

/// The applications that hold the 12-digit My Number (card-protocol.md:
/// 券面事項入力補助AP, 券面事項確認AP, 住基AP).
const MY_NUMBER_APS: [[u8; 10]; 3] = [TEXT_AP_AID, SURFACE_AP_AID, JUKI_AP_AID];

/// What the checks read off a trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceFacts {
    /// An application holding the My Number was selected.
    pub my_number_read: bool,
    /// VERIFY commands carrying a PIN (to the card and the phone).
    pub pin_verifies: u64,
    /// Of those, the ones sent to the smartphone card.
    pub phone_pin_verifies: u64,
    /// A VERIFY carrying a PIN after an answer saying it is blocked.
    pub verify_when_blocked: bool,
    /// The most PIN-carrying VERIFYs for one entry.
    pub max_verifies_per_entry: u64,
}

fn says_blocked(sw: u16) -> bool {
    matches!(sw, 0x63C0 | 0x6983 | 0x6984)
}

/// The facts of `trace`.
pub fn facts(trace: &[TracedApdu]) -> TraceFacts {
    let mut out = TraceFacts::default();
    // Whether the last VERIFY answer said blocked, per device.
    let mut blocked = [false, false];
    let mut per_entry = std::collections::BTreeMap::<usize, u64>::new();
    for apdu in trace {
        if apdu
            .aid
            .as_deref()
            .is_some_and(|aid| MY_NUMBER_APS.iter().any(|ap| ap.as_slice() == aid))
        {
            out.my_number_read = true;
        }
        let device = usize::from(apdu.phone);
        if apdu.ins == 0x20 && apdu.has_data {
            out.pin_verifies += 1;
            if apdu.phone {
                out.phone_pin_verifies += 1;
            }
            *per_entry.entry(apdu.entry).or_default() += 1;
            if blocked[device] {
                out.verify_when_blocked = true;
            }
        }
        if apdu.ins == 0x20 {
            if let (Some(sw), Some(flag)) = (apdu.sw, blocked.get_mut(device)) {
                *flag = says_blocked(sw);
            }
        }
    }
    out.max_verifies_per_entry = per_entry.values().copied().max().unwrap_or(0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(entry: usize, data: bool, sw: u16) -> TracedApdu {
        TracedApdu {
            entry,
            phone: false,
            ins: 0x20,
            p1: 0,
            aid: None,
            has_data: data,
            sw: Some(sw),
        }
    }

    #[test]
    fn finds_retries_blocked_verifies_and_my_number_reads() {
        let ok = facts(&[
            verify(1, false, 0x63C3),
            verify(1, true, 0x63C2),
            verify(2, true, 0x9000),
        ]);
        assert_eq!(
            ok,
            TraceFacts {
                my_number_read: false,
                pin_verifies: 2,
                phone_pin_verifies: 0,
                verify_when_blocked: false,
                max_verifies_per_entry: 1
            }
        );
        let bad = facts(&[verify(1, true, 0x63C0), verify(1, true, 0x6984)]);
        assert!(bad.verify_when_blocked);
        assert_eq!(bad.max_verifies_per_entry, 2);
        let select = TracedApdu {
            entry: 0,
            phone: false,
            ins: 0xA4,
            p1: 0x04,
            aid: Some(TEXT_AP_AID.to_vec()),
            has_data: true,
            sw: Some(0x9000),
        };
        assert!(facts(&[select]).my_number_read);
    }

    #[test]
    fn a_blocked_card_does_not_make_a_phone_verify_a_blocked_one() {
        let phone_verify = |entry, sw| TracedApdu {
            phone: true,
            ..verify(entry, true, sw)
        };
        let trace = [verify(1, true, 0x63C0), phone_verify(2, 0x9000)];
        let seen = facts(&trace);
        assert!(!seen.verify_when_blocked);
        assert_eq!((seen.pin_verifies, seen.phone_pin_verifies), (2, 1));
        let blocked_phone = [phone_verify(1, 0x63C0), phone_verify(2, 0x63C0)];
        assert!(facts(&blocked_phone).verify_when_blocked);
    }
}
