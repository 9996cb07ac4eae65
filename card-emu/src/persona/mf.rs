//! MF-level GET DATA objects and EFs (card-protocol.md §1.5; myna-card 3.3.4
//! `src/mf.rs` `tag`, whose meanings were found by sweeping a card).
//!
//! 00F0, 00F2, 00F7, 00F8, 7F21 and 5F51 hold what the test card holds
//! there; 0042 (a 16-byte key reference), 0045 (the card identification
//! number, ASCII) and 0066 (GlobalPlatform card recognition data) have the
//! documented shape and placeholder contents.

use crate::{Access, DataObject, ElementaryFile, FileContent, ObjectScope};

/// Inputs of the MF objects.
pub struct MfInputs<'a> {
    /// The contact ATR (5F51 is the ATR without TS).
    pub atr: &'a [u8],
    /// Whether 5F51 also answers at the MF (it always answers inside an
    /// application; `Quirks::contact_atr_at_mf`).
    pub contact_atr_at_mf: bool,
    /// 5-digit municipality code (00F0).
    pub municipality_code: &'a str,
    /// Card expiry `YYYYMMDD` (00F2).
    pub expiry_yyyymmdd: &'a str,
    /// 15-digit card serial (0045, placeholder).
    pub card_serial: &'a str,
    /// 00F8: the root certifying the intermediate (575 bytes).
    pub chain_upper: &'a [u8],
    /// 7F21: the intermediate certifying the key below it (575 bytes).
    pub chain_lower: &'a [u8],
    /// 00F7: the intermediate's 16-byte key id.
    pub intermediate_key_id: &'a [u8],
}

/// GlobalPlatform card recognition data (GET DATA 0066): `73 { 06 OID
/// 1.2.840.114283.1, 60 { 06 OID 1.2.840.114283.2.2.1.1 } }` — the GP arc
/// myna-card names, with placeholder contents.
const CARD_RECOGNITION_DATA: [u8; 25] = [
    0x73, 0x17, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01, 0x60, 0x0C, 0x06, 0x0A, 0x2A,
    0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02, 0x02, 0x01, 0x01,
];

/// Placeholder of GET DATA 0042, "a 16 byte key reference".
const ISSUER_IDENTIFICATION: [u8; 16] = *b"0000042\x08\x05001\0\0\0\0";

/// GET DATA objects and where each answers.
pub fn mf_objects(inputs: &MfInputs<'_>) -> Vec<DataObject> {
    let mf = |tag: u16, value: &[u8]| DataObject {
        tag,
        value: value.to_vec(),
        scope: ObjectScope::Mf,
    };
    vec![
        mf(0x0042, &ISSUER_IDENTIFICATION),
        mf(0x0045, inputs.card_serial.as_bytes()),
        mf(0x0066, &CARD_RECOGNITION_DATA),
        mf(0x00F0, inputs.municipality_code.as_bytes()),
        mf(0x00F2, inputs.expiry_yyyymmdd.as_bytes()),
        mf(0x00F7, inputs.intermediate_key_id),
        mf(0x00F8, inputs.chain_upper),
        mf(0x7F21, inputs.chain_lower),
        DataObject {
            tag: 0x5F51,
            value: inputs.atr.get(1..).unwrap_or_default().to_vec(),
            scope: if inputs.contact_atr_at_mf {
                ObjectScope::Everywhere
            } else {
                ObjectScope::Applications
            },
        },
    ]
}

/// EFs selectable at MF level: `001E`, whose reads answer `6981`.
pub fn mf_files() -> Vec<ElementaryFile> {
    vec![ElementaryFile {
        fid: 0x001E,
        sfi: None,
        content: FileContent::Transparent(Vec::new()),
        read: Access::Never(0x6981),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_recognition_data_is_one_tlv() {
        assert_eq!(
            usize::from(CARD_RECOGNITION_DATA[1]) + 2,
            CARD_RECOGNITION_DATA.len()
        );
        assert_eq!(
            usize::from(CARD_RECOGNITION_DATA[12]) + 13,
            CARD_RECOGNITION_DATA.len()
        );
    }
}
