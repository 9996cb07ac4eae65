//! 公的個人認証AP (JPKI AP) EF images (card-protocol.md §1.1).

/// AID `D3 92 F0 00 26 01 00 00 00 01` (card-protocol.md §1).
pub const JPKI_AP_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Length of EF 0006 (PKCS#11 `CK_TOKEN_INFO` with 32-bit big-endian ulongs).
pub const TOKEN_INFO_LEN: usize = 160;

/// The fields of EF 0006 that are not the label and the serial. Where they
/// come from is **uncertain** (card-protocol.md §1.1: myna-card's layout
/// test uses model `E16R01NJ`, flags 0x40D, max/min PIN 16/6, hardware and
/// firmware version "03"/"01", described as the physical-card layout but not
/// said to be copied from a card), so each is a persona setting
/// (`persona.yaml` `token_info:`); these are the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// manufacturerID (32 bytes, space padded).
    pub manufacturer: String,
    /// model (16 bytes, space padded).
    pub model: String,
    /// flags (32-bit big-endian).
    pub flags: u32,
    /// ulMaxPinLen.
    pub max_pin_len: u32,
    /// ulMinPinLen.
    pub min_pin_len: u32,
    /// hardwareVersion, two ASCII bytes.
    pub hardware_version: String,
    /// firmwareVersion, two ASCII bytes.
    pub firmware_version: String,
}

impl Default for TokenInfo {
    fn default() -> Self {
        TokenInfo {
            manufacturer: "JPKI-TEST".to_owned(),
            model: "E16R01NJ".to_owned(),
            flags: 0x40D,
            max_pin_len: 16,
            min_pin_len: 6,
            hardware_version: "03".to_owned(),
            firmware_version: "01".to_owned(),
        }
    }
}

/// EF 0006 token info, 160 bytes: label[32], manufacturerID[32], model[16],
/// serialNumber[16] (all space padded), flags, 10 ulongs, hardware/firmware
/// version as two ASCII bytes each, utcTime[16] (card-protocol.md §1.1).
pub fn ef0006_token_info(label: &str, card_serial: &str, info: &TokenInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(TOKEN_INFO_LEN);
    push_padded(&mut out, label, 32);
    push_padded(&mut out, &info.manufacturer, 32);
    push_padded(&mut out, &info.model, 16);
    push_padded(&mut out, card_serial, 16);
    out.extend_from_slice(&info.flags.to_be_bytes());
    let ulongs: [u32; 10] = [
        0,                // ulMaxSessionCount
        0,                // ulSessionCount
        0,                // ulMaxRwSessionCount
        0,                // ulRwSessionCount
        info.max_pin_len, // ulMaxPinLen
        info.min_pin_len, // ulMinPinLen
        0,                // ulTotalPublicMemory
        0,                // ulFreePublicMemory
        0,                // ulTotalPrivateMemory
        0,                // ulFreePrivateMemory
    ];
    for value in ulongs {
        out.extend_from_slice(&value.to_be_bytes());
    }
    push_padded(&mut out, &info.hardware_version, 2);
    push_padded(&mut out, &info.firmware_version, 2);
    push_padded(&mut out, "", 16); // utcTime
    out
}

fn push_padded(out: &mut Vec<u8>, text: &str, width: usize) {
    let bytes = text.as_bytes();
    let used = bytes.len().min(width);
    out.extend_from_slice(bytes.get(..used).unwrap_or_default());
    out.extend(std::iter::repeat_n(b' ', width - used));
}

/// EF 0008 certificate availability: byte 0 sign, byte 1 auth, `8F` present,
/// `00` absent; byte 2 `00` (card-protocol.md §1.1: `8F 8F 00` = both).
pub fn ef0008_availability(sign_present: bool, auth_present: bool) -> Vec<u8> {
    let flag = |present: bool| if present { 0x8F } else { 0x00 };
    vec![flag(sign_present), flag(auth_present), 0x00]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_info_layout() {
        let info = ef0006_token_info("JPKIAPICCTOKEN2", "400000012719843", &TokenInfo::default());
        assert_eq!(info.len(), TOKEN_INFO_LEN);
        assert_eq!(&info[..32], b"JPKIAPICCTOKEN2                 ");
        assert_eq!(&info[96..100], &[0, 0, 0x04, 0x0D]);
        assert_eq!(&info[140..144], b"0301");
    }

    #[test]
    fn availability() {
        assert_eq!(ef0008_availability(true, true), vec![0x8F, 0x8F, 0x00]);
        assert_eq!(ef0008_availability(false, true), vec![0x00, 0x8F, 0x00]);
    }
}
