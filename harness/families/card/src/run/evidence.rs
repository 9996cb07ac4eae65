//! What a card exchange leaves as evidence: the bytes (the data of a
//! secret-carrying instruction masked, card-emu's one table decides which)
//! and a one-line decoding from card-emu's instruction and status-word
//! names and the application table.

use myna_card_emu::{CommandApdu, Instruction, ResponseApdu, StatusWord};
use myna_family::{FieldValue, RawEvidence};

use crate::names;
use crate::vocabulary::FAMILY;

/// Where the data field of `command` starts and ends, if it has one.
fn data_range(command: &[u8]) -> Option<std::ops::Range<usize>> {
    let apdu = CommandApdu::parse(command).ok()?;
    let len = apdu.data().len();
    if len == 0 {
        return None;
    }
    let start = match apdu.form() {
        myna_card_emu::apdu::LengthForm::Short => 5,
        myna_card_emu::apdu::LengthForm::Extended => 7,
    };
    Some(start..start + len)
}

/// The bytes of `command` to mask whatever the redactor knows: the data
/// field of an instruction that carries a secret (everything after the
/// header when the command does not parse).
pub(crate) fn secret_ranges(command: &[u8]) -> Vec<std::ops::Range<usize>> {
    let secret = command
        .get(1)
        .is_some_and(|&ins| Instruction(ins).carries_secret());
    if !secret || command.len() <= 4 {
        return Vec::new();
    }
    vec![data_range(command).unwrap_or(4..command.len())]
}

/// `SELECT jpki → 9000 SUCCESS`, `VERIFY → 63C2 VERIFY_FAILED (2 tries
/// left)`: names, never a data field. Written into one buffer: every
/// exchange of every step has one.
pub(crate) fn summary(command: &[u8], sw: StatusWord, data_len: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(64);
    let ins = Instruction(command.get(1).copied().unwrap_or(0));
    match ins.name() {
        Some(name) => name.split('_').enumerate().for_each(|(i, word)| {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }),
        None => {
            let _ = write!(out, "INS {:02X}", ins.0);
        }
    }
    // Writing into a String cannot fail.
    let _ = match CommandApdu::parse(command) {
        Ok(apdu) if ins == Instruction::SELECT && apdu.p1 == 0x04 => {
            match names::app_by_aid(apdu.data()) {
                Some(app) => write!(out, " {}", names::app_name(app)),
                None => write!(out, " AID {}", hex::encode_upper(apdu.data())),
            }
        }
        Ok(apdu) if ins == Instruction::SELECT && apdu.p1 == 0x02 => {
            write!(out, " EF {}", hex::encode_upper(apdu.data()))
        }
        Ok(apdu) if ins == Instruction::READ_BINARY => {
            let offset = (u16::from(apdu.p1 & 0x7F) << 8) | u16::from(apdu.p2);
            let le = apdu.le().map_or(0, |le| le.effective());
            write!(out, " offset {offset} Le {le}")
        }
        _ => Ok(()),
    };
    let _ = write!(out, " → {sw}");
    if let Some(name) = sw.name() {
        let _ = write!(out, " {name}");
    }
    if let Some(tries) = sw.tries_left() {
        let _ = write!(out, " ({tries} tries left)");
    }
    if data_len > 0 {
        let _ = write!(out, ", {data_len} bytes");
    }
    out
}

/// One C-APDU and its R-APDU.
pub(crate) fn apdu_evidence(
    at_us: u64,
    duration_us: u64,
    command: &[u8],
    response: &ResponseApdu,
) -> RawEvidence {
    let mut evidence = RawEvidence::new(FAMILY, "apdu", at_us)
        .with(
            "command",
            FieldValue::Bytes {
                bytes: command.to_vec(),
                masked: secret_ranges(command),
            },
        )
        .with("response", FieldValue::bytes(&response.data))
        .with("sw", FieldValue::text(response.sw.to_string()));
    evidence.duration_us = Some(duration_us);
    evidence.summary = Some(summary(command, response.sw, response.data.len()));
    evidence
}

/// A power event, with the ATR after `on`/`reset`.
pub(crate) fn power_evidence(at_us: u64, action: &str, atr: Option<&[u8]>) -> RawEvidence {
    RawEvidence::new(FAMILY, "power", at_us)
        .with("action", FieldValue::text(action))
        .with(
            "atr",
            atr.map_or(FieldValue::Null, |atr| {
                FieldValue::text(hex::encode_upper(atr))
            }),
        )
}

/// A transport failure.
pub(crate) fn transport_error(at_us: u64, message: &str) -> RawEvidence {
    RawEvidence::new(FAMILY, "transport_error", at_us).with("message", FieldValue::text(message))
}

/// A note from the harness.
pub(crate) fn note(at_us: u64, message: &str) -> RawEvidence {
    RawEvidence::new(FAMILY, "note", at_us).with("message", FieldValue::text(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one masked range, on purpose
    fn the_data_of_every_secret_carrying_instruction_is_masked() {
        for ins in Instruction::SECRET_DATA {
            let command = [0x00, ins.0, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34];
            assert_eq!(secret_ranges(&command), vec![5..9], "{ins:?}");
            // Extended form.
            let command = [0x80, ins.0, 0x00, 0x80, 0x00, 0x00, 0x02, 0x31, 0x32];
            assert_eq!(secret_ranges(&command), vec![7..9], "{ins:?}");
            // Malformed: everything after the header.
            let command = [0x00, ins.0, 0x00, 0x80, 0x09, 0x31];
            assert_eq!(secret_ranges(&command), vec![4..6], "{ins:?}");
        }
        assert!(secret_ranges(&[0x00, 0xB0, 0x00, 0x00, 0x07]).is_empty());
        assert!(secret_ranges(&[0x00, 0x20, 0x00, 0x80]).is_empty());
    }

    #[test]
    fn summaries_name_the_command_and_status_but_never_the_data() {
        let select = [
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
            0x01,
        ];
        assert_eq!(
            summary(&select, StatusWord::SUCCESS, 0),
            "SELECT jpki → 9000 SUCCESS"
        );
        let verify = [0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34];
        assert_eq!(
            summary(&verify, StatusWord(0x63C2), 0),
            "VERIFY → 63C2 VERIFY_FAILED (2 tries left)"
        );
        assert_eq!(
            summary(&[0x00, 0xB0, 0x00, 0x07, 0xFF], StatusWord::SUCCESS, 255),
            "READ BINARY offset 7 Le 255 → 9000 SUCCESS, 255 bytes"
        );
    }
}
