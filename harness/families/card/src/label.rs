//! Human labels for steps in reports. Secrets never appear: fields that
//! carry them are shown as `<redacted>`.

use crate::names;
use crate::step::SecureCommand;
use crate::step::{AppRef, CardAction, EfRef, PinChange, PowerAction, ReadStrategy, SignInput};

/// The label of an action, secrets shown as `<redacted>`.
pub fn label(action: &CardAction) -> String {
    card_label(action).1
}

fn card_label(action: &CardAction) -> (&'static str, String) {
    match action {
        CardAction::Apdu(_) => ("apdu", "APDU".into()),
        CardAction::Select(AppRef::Named(app)) => {
            ("select", format!("SELECT {}", names::app_name(*app)))
        }
        CardAction::Select(AppRef::Aid(aid)) => {
            ("select", format!("SELECT {}", hex::encode_upper(aid)))
        }
        CardAction::SelectEf(EfRef::Named(name)) => ("select_ef", format!("SELECT EF {name}")),
        CardAction::SelectEf(EfRef::Fid(fid)) => ("select_ef", format!("SELECT EF {fid:04X}")),
        CardAction::Verify { pin: None, p2 } => {
            ("verify", format!("VERIFY status query (P2 {p2:02X})"))
        }
        CardAction::Verify { pin: Some(_), p2 } => {
            ("verify", format!("VERIFY <redacted> (P2 {p2:02X})"))
        }
        CardAction::ChangePin {
            command: PinChange::ReferenceData,
            ..
        } => ("change_pin", "CHANGE REFERENCE DATA <redacted>".into()),
        CardAction::ChangePin {
            command: PinChange::ChangeKey,
            ..
        } => ("change_pin", "CHANGE KEY <redacted>".into()),
        CardAction::ReadBinary {
            offset,
            le,
            extended,
        } => (
            "read_binary",
            format!(
                "READ BINARY offset {offset} Le {le}{}",
                if *extended { " (extended)" } else { "" }
            ),
        ),
        CardAction::ReadFile { strategy } => {
            let s = match strategy {
                ReadStrategy::Header7 => "header7",
                ReadStrategy::Chunk255 => "chunk255",
                ReadStrategy::Extended => "extended",
                ReadStrategy::Header4 => "header4",
                ReadStrategy::Overread => "overread",
            };
            ("read_file", format!("READ FILE ({s})"))
        }
        CardAction::Sign { p1, p2, input } => {
            let what = match input {
                SignInput::Raw(_) => "raw data".to_string(),
                SignInput::DigestInfo { hash, .. } => format!("DigestInfo {hash:?}"),
                SignInput::Hash { hash, .. } => format!("hash {hash:?}"),
            };
            (
                "sign",
                format!("COMPUTE DIGITAL SIGNATURE P1 {p1:02X} P2 {p2:02X} ({what})"),
            )
        }
        CardAction::GetChallenge { le } => ("get_challenge", format!("GET CHALLENGE {le}")),
        CardAction::Power(p) => (
            "power",
            match p {
                PowerAction::Off => "POWER off",
                PowerAction::On => "POWER on",
                PowerAction::Reset => "POWER reset",
            }
            .into(),
        ),
        CardAction::SessionKey { .. } => ("session_key", "SET SESSION KEY (fresh AES key)".into()),
        CardAction::Secure(command) => (
            "secure",
            match command {
                SecureCommand::Verify { p2, .. } => {
                    format!("SM VERIFY <redacted> (P2 {p2:02X})")
                }
                SecureCommand::SelectEf(EfRef::Named(name)) => format!("SM SELECT EF {name}"),
                SecureCommand::SelectEf(EfRef::Fid(fid)) => format!("SM SELECT EF {fid:04X}"),
                SecureCommand::ReadBinary { offset, le } => {
                    format!("SM READ BINARY offset {offset} Le {le}")
                }
            },
        ),
    }
}
