//! The reader's APDU trace: every command it sends to the card, kept
//! without any VERIFY value (only its length), with the stimulus it
//! answered, so scenarios can check what the reader did to the card
//! (seed 001: reception never handles the My Number; §1.4: no retry, no
//! VERIFY on a blocked PIN). In process the [`TraceTap`] sees the reader's
//! commands; for a reader under test the card the harness hosts behind vpcd
//! does (`--card vpcd`, [`traced`] on each of its peer exchanges).

use myna_card_emu::persona::surface_ap::SURFACE_AP_AID;
use myna_card_emu::persona::text_ap::TEXT_AP_AID;
use myna_card_emu::persona::JUKI_AP_AID;
use myna_family_card::target::{CardTarget, CardTargetInfo, PowerEvent, TransportError};

/// One command the reader sent, as far as the checks need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracedApdu {
    /// Which stimulus (step) it answered.
    pub entry: usize,
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

/// A card target that records what passes through it.
pub struct TraceTap<'a> {
    /// The card.
    pub inner: &'a mut dyn CardTarget,
    /// Where the trace goes.
    pub log: &'a mut Vec<TracedApdu>,
    /// The current entry.
    pub entry: usize,
}

impl CardTarget for TraceTap<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.inner.transmit(command);
        self.log
            .push(traced(self.entry, command, answer.as_deref().ok()));
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
pub fn traced(entry: usize, command: &[u8], response: Option<&[u8]>) -> TracedApdu {
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
    /// VERIFY commands carrying a PIN.
    pub pin_verifies: u64,
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
    let mut blocked = false;
    let mut per_entry = std::collections::BTreeMap::<usize, u64>::new();
    for apdu in trace {
        if apdu
            .aid
            .as_deref()
            .is_some_and(|aid| MY_NUMBER_APS.iter().any(|ap| ap.as_slice() == aid))
        {
            out.my_number_read = true;
        }
        if apdu.ins == 0x20 && apdu.has_data {
            out.pin_verifies += 1;
            *per_entry.entry(apdu.entry).or_default() += 1;
            if blocked {
                out.verify_when_blocked = true;
            }
        }
        if apdu.ins == 0x20 {
            if let Some(sw) = apdu.sw {
                blocked = says_blocked(sw);
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
                verify_when_blocked: false,
                max_verifies_per_entry: 1
            }
        );
        let bad = facts(&[verify(1, true, 0x63C0), verify(1, true, 0x6984)]);
        assert!(bad.verify_when_blocked);
        assert_eq!(bad.max_verifies_per_entry, 2);
        let select = TracedApdu {
            entry: 0,
            ins: 0xA4,
            p1: 0x04,
            aid: Some(TEXT_AP_AID.to_vec()),
            has_data: true,
            sw: Some(0x9000),
        };
        assert!(facts(&[select]).my_number_read);
    }
}
