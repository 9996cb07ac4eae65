//! What a card exchange leaves as evidence: the bytes (the data of a
//! secret-carrying instruction masked, card-emu's one table decides which)
//! and a one-line decoding from card-emu's instruction and status-word
//! names and the application table.

use myna_card_emu::{CommandApdu, Instruction, StatusWord};
use myna_family::{FieldValue, RawEvidence};

use crate::names;
use crate::vocabulary::FAMILY;

/// Where the data field of `apdu` (parsed from a command) starts and ends,
/// if it has one.
fn data_range(apdu: &CommandApdu) -> Option<std::ops::Range<usize>> {
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
    secret_ranges_parsed(command, CommandApdu::parse(command).ok().as_ref())
}

/// [`secret_ranges`] of a command already parsed (`None`: it does not
/// parse).
pub(crate) fn secret_ranges_parsed(
    command: &[u8],
    parsed: Option<&CommandApdu>,
) -> Vec<std::ops::Range<usize>> {
    let secret = command
        .get(1)
        .is_some_and(|&ins| Instruction(ins).carries_secret());
    if !secret || command.len() <= 4 {
        return Vec::new();
    }
    vec![parsed.and_then(data_range).unwrap_or(4..command.len())]
}

/// `SELECT jpki → 9000 SUCCESS`, `VERIFY → 63C2 VERIFY_FAILED (2 tries
/// left)`: names, never a data field. Written piece by piece into one
/// buffer, without the formatting machinery: every exchange of every step
/// has one. `parsed` is `command` parsed (`None`: it does not parse).
pub(crate) fn summary(
    command: &[u8],
    parsed: Option<&CommandApdu>,
    sw: StatusWord,
    data_len: usize,
) -> String {
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
            out.push_str("INS ");
            push_hex(&mut out, &[ins.0]);
        }
    }
    match parsed {
        Some(apdu) if ins == Instruction::SELECT && apdu.p1 == 0x04 => {
            match names::app_by_aid(apdu.data()) {
                Some(app) => {
                    out.push(' ');
                    out.push_str(names::app_name(app));
                }
                None => {
                    out.push_str(" AID ");
                    push_hex(&mut out, apdu.data());
                }
            }
        }
        Some(apdu) if ins == Instruction::SELECT && apdu.p1 == 0x02 => {
            out.push_str(" EF ");
            push_hex(&mut out, apdu.data());
        }
        Some(apdu) if ins == Instruction::READ_BINARY => {
            let offset = (u16::from(apdu.p1 & 0x7F) << 8) | u16::from(apdu.p2);
            out.push_str(" offset ");
            push_decimal(&mut out, u64::from(offset));
            out.push_str(" Le ");
            push_decimal(
                &mut out,
                u64::from(apdu.le().map_or(0, |le| le.effective())),
            );
        }
        _ => {}
    }
    out.push_str(" → ");
    push_hex(&mut out, &sw.0.to_be_bytes());
    if let Some(name) = sw.name() {
        out.push(' ');
        out.push_str(name);
    }
    if let Some(tries) = sw.tries_left() {
        out.push_str(" (");
        push_decimal(&mut out, u64::from(tries));
        out.push_str(" tries left)");
    }
    if data_len > 0 {
        out.push_str(", ");
        push_decimal(&mut out, u64::try_from(data_len).unwrap_or(u64::MAX));
        out.push_str(" bytes");
    }
    out
}

/// Appends `bytes` as uppercase hex (a status word: `StatusWord`'s
/// `Display`).
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
    }
}

/// Appends `n` in decimal. Our own (as `Location`'s), not a crate's: six
/// lines that keep the summary off the formatting machinery.
fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    while let Some(slot) = at.checked_sub(1).and_then(|i| digits.get_mut(i)) {
        at -= 1;
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(digits.get(at..).unwrap_or_default()).unwrap_or_default());
}

/// The status word's text (`9000`), as `StatusWord`'s `Display` writes it.
fn sw_text(sw: StatusWord) -> String {
    let mut out = String::with_capacity(4);
    push_hex(&mut out, &sw.0.to_be_bytes());
    out
}

/// One C-APDU (`parsed`: it parsed, `None`: it does not) and its R-APDU's
/// data and status word; the data is moved into the record, not copied.
pub(crate) fn apdu_evidence(
    at_us: u64,
    duration_us: u64,
    command: &[u8],
    parsed: Option<&CommandApdu>,
    data: Vec<u8>,
    sw: StatusWord,
) -> RawEvidence {
    let summary = summary(command, parsed, sw, data.len());
    // Room for a `device` tag too.
    let mut fields = Vec::with_capacity(4);
    fields.push((
        "command",
        FieldValue::Bytes {
            bytes: command.to_vec(),
            masked: secret_ranges_parsed(command, parsed),
        },
    ));
    fields.push((
        "response",
        FieldValue::Bytes {
            bytes: data,
            masked: Vec::new(),
        },
    ));
    fields.push(("sw", FieldValue::Text(sw_text(sw))));
    RawEvidence {
        at_us,
        duration_us: Some(duration_us),
        role: FAMILY,
        kind: "apdu",
        summary: Some(summary),
        fields,
    }
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
        let sum = |command: &[u8], sw, len| {
            summary(command, CommandApdu::parse(command).ok().as_ref(), sw, len)
        };
        assert_eq!(
            sum(&select, StatusWord::SUCCESS, 0),
            "SELECT jpki → 9000 SUCCESS"
        );
        let verify = [0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34];
        assert_eq!(
            sum(&verify, StatusWord(0x63C2), 0),
            "VERIFY → 63C2 VERIFY_FAILED (2 tries left)"
        );
        assert_eq!(
            sum(&[0x00, 0xB0, 0x00, 0x07, 0xFF], StatusWord::SUCCESS, 255),
            "READ BINARY offset 7 Le 255 → 9000 SUCCESS, 255 bytes"
        );
    }

    /// The summary as it was written before, with the formatting
    /// machinery: the oracle of the one written piece by piece.
    fn formatted(command: &[u8], sw: StatusWord, data_len: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let ins = Instruction(command.get(1).copied().unwrap_or(0));
        match ins.name() {
            Some(name) => out.push_str(&name.replace('_', " ")),
            None => write!(out, "INS {:02X}", ins.0).unwrap(),
        }
        match CommandApdu::parse(command) {
            Ok(apdu) if ins == Instruction::SELECT && apdu.p1 == 0x04 => {
                match names::app_by_aid(apdu.data()) {
                    Some(app) => write!(out, " {}", names::app_name(app)),
                    None => write!(out, " AID {}", hex::encode_upper(apdu.data())),
                }
                .unwrap()
            }
            Ok(apdu) if ins == Instruction::SELECT && apdu.p1 == 0x02 => {
                write!(out, " EF {}", hex::encode_upper(apdu.data())).unwrap()
            }
            Ok(apdu) if ins == Instruction::READ_BINARY => {
                let offset = (u16::from(apdu.p1 & 0x7F) << 8) | u16::from(apdu.p2);
                let le = apdu.le().map_or(0, |le| le.effective());
                write!(out, " offset {offset} Le {le}").unwrap()
            }
            _ => {}
        }
        write!(out, " → {sw}").unwrap();
        if let Some(name) = sw.name() {
            write!(out, " {name}").unwrap();
        }
        if let Some(tries) = sw.tries_left() {
            write!(out, " ({tries} tries left)").unwrap();
        }
        if data_len > 0 {
            write!(out, ", {data_len} bytes").unwrap();
        }
        out
    }

    #[test]
    fn every_status_word_is_written_as_its_display() {
        for sw in 0..=u16::MAX {
            assert_eq!(sw_text(StatusWord(sw)), StatusWord(sw).to_string());
        }
    }

    proptest::proptest! {
        /// Written piece by piece, the summary is the formatted one, for
        /// the commands it decodes and any others.
        #[test]
        fn summaries_are_the_formatted_ones(
            ins in proptest::sample::select(vec![0xA4u8, 0xB0, 0x20, 0x84, 0x2A, 0xCA, 0x77]),
            p1 in proptest::sample::select(vec![0x00u8, 0x02, 0x04, 0x7F, 0x81, 0xFF]),
            rest in proptest::collection::vec(proptest::num::u8::ANY, 0..24),
            sw in proptest::sample::select(vec![0x9000u16, 0x63C2, 0x63C0, 0x6A82, 0x6B00, 0x6982, 0x1234]),
            data_len in 0usize..70_000,
        ) {
            let mut command = vec![0x00, ins, p1];
            command.extend_from_slice(&rest);
            let parsed = CommandApdu::parse(&command).ok();
            proptest::prop_assert_eq!(
                summary(&command, parsed.as_ref(), StatusWord(sw), data_len),
                formatted(&command, StatusWord(sw), data_len)
            );
        }
    }

    #[test]
    fn summaries_of_known_applications_and_files_are_the_formatted_ones() {
        let commands: [&[u8]; 6] = [
            &[
                0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
                0x01,
            ],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A],
            &[0x00, 0xB0, 0x81, 0x00, 0x00],
            &[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00],
            &[0x00, 0x20, 0x00, 0x80],
            &[0x00],
        ];
        for command in commands {
            let parsed = CommandApdu::parse(command).ok();
            assert_eq!(
                summary(command, parsed.as_ref(), StatusWord::SUCCESS, 0),
                formatted(command, StatusWord::SUCCESS, 0)
            );
        }
    }
}
