//! MF-level GET DATA objects and EFs (card-protocol.md §1.5).
//!
//! Only 00F0, 00F2, 5F51 and the CV-certificate chain have a documented
//! meaning; 0042, 0045, 0066 and 00F7 hold plausible placeholders.

use crate::{Access, DataObject, ElementaryFile, FileContent};

/// Inputs of the MF objects.
pub struct MfInputs<'a> {
    /// The ATR (5F51 is the ATR without TS).
    pub atr: &'a [u8],
    /// 5-digit municipality code (00F0).
    pub municipality_code: &'a str,
    /// Card expiry `YYYYMMDD` (00F2).
    pub expiry_yyyymmdd: &'a str,
    /// 15-digit card serial (placeholder 0045).
    pub card_serial: &'a str,
    /// The CV certificates, concatenated (7F21 / 00F8; > 256 bytes, so a
    /// short Le cannot fetch it).
    pub cv_chain: Vec<u8>,
}

/// GET DATA objects answered at MF level.
pub fn mf_objects(inputs: &MfInputs<'_>) -> Vec<DataObject> {
    let object = |tag: u16, value: Vec<u8>| DataObject { tag, value };
    vec![
        object(0x0042, b"392".to_vec()), // placeholder: issuer country (ISO 3166 numeric, JP)
        object(0x0045, inputs.card_serial.as_bytes().to_vec()), // placeholder
        object(0x0066, b"JPKI-TEST".to_vec()), // placeholder
        object(0x00F0, inputs.municipality_code.as_bytes().to_vec()),
        object(0x00F2, inputs.expiry_yyyymmdd.as_bytes().to_vec()),
        object(0x00F7, vec![0x00; 8]), // placeholder
        object(0x00F8, inputs.cv_chain.clone()),
        object(0x7F21, inputs.cv_chain.clone()),
        object(0x5F51, inputs.atr.get(1..).unwrap_or_default().to_vec()),
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
