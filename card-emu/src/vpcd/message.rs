//! What a vpcd frame means (harness-anchors.md §3.1, card-protocol.md §6).

use std::fmt;

/// Control byte: power the card off (no response).
pub const CTRL_POWER_OFF: u8 = 0x00;
/// Control byte: power the card on (no response).
pub const CTRL_POWER_ON: u8 = 0x01;
/// Control byte: warm reset (no response).
pub const CTRL_RESET: u8 = 0x02;
/// Control byte: send the ATR (answered with a frame carrying the ATR).
pub const CTRL_GET_ATR: u8 = 0x04;

/// A 1-byte control message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// `00`: power off.
    PowerOff,
    /// `01`: power on.
    PowerOn,
    /// `02`: warm reset.
    Reset,
    /// `04`: get ATR.
    GetAtr,
    /// Any other 1-byte payload: not part of the protocol; ignored without an
    /// answer.
    Unknown(u8),
}

impl Control {
    /// Decodes a control byte.
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            CTRL_POWER_OFF => Control::PowerOff,
            CTRL_POWER_ON => Control::PowerOn,
            CTRL_RESET => Control::Reset,
            CTRL_GET_ATR => Control::GetAtr,
            other => Control::Unknown(other),
        }
    }

    /// The byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            Control::PowerOff => CTRL_POWER_OFF,
            Control::PowerOn => CTRL_POWER_ON,
            Control::Reset => CTRL_RESET,
            Control::GetAtr => CTRL_GET_ATR,
            Control::Unknown(byte) => byte,
        }
    }
}

/// One message from vpcd.
#[derive(Clone, PartialEq, Eq)]
pub enum Message {
    /// A 1-byte payload.
    Control(Control),
    /// Any longer payload: a C-APDU.
    Apdu(Vec<u8>),
}

impl Message {
    /// Interprets a frame's payload. An empty payload never reaches here
    /// (the frame reader rejects length 0), but is read as an empty APDU.
    pub fn from_payload(payload: Vec<u8>) -> Self {
        match payload.as_slice() {
            [byte] => Message::Control(Control::from_byte(*byte)),
            _ => Message::Apdu(payload),
        }
    }
}

/// Shows only the APDU header and length: a command's data may hold a PIN.
impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Control(control) => f.debug_tuple("Control").field(control).finish(),
            Message::Apdu(apdu) => f
                .debug_struct("Apdu")
                .field("header", &hex::encode_upper(apdu.get(..4).unwrap_or(apdu)))
                .field("len", &apdu.len())
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_is_control_longer_is_apdu() {
        assert_eq!(
            Message::from_payload(vec![0x04]),
            Message::Control(Control::GetAtr)
        );
        assert_eq!(
            Message::from_payload(vec![0x03]),
            Message::Control(Control::Unknown(3))
        );
        assert_eq!(
            Message::from_payload(vec![0x00, 0xB0]),
            Message::Apdu(vec![0x00, 0xB0])
        );
        for byte in [0u8, 1, 2, 4, 0x7F] {
            assert_eq!(Control::from_byte(byte).to_byte(), byte);
        }
    }

    #[test]
    fn debug_hides_command_data() {
        let verify = Message::Apdu(vec![0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]);
        let shown = format!("{verify:?}");
        assert!(shown.contains("00200080"), "{shown}");
        assert!(!shown.contains("31323334"), "{shown}");
    }
}
