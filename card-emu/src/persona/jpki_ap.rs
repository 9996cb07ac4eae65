//! 公的個人認証AP (JPKI AP) EF images (card-protocol.md §1.1).

/// AID `D3 92 F0 00 26 01 00 00 00 01` (card-protocol.md §1).
pub const JPKI_AP_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Length of EF 0006 (PKCS#11 `CK_TOKEN_INFO` with 32-bit big-endian ulongs).
pub const TOKEN_INFO_LEN: usize = 160;

/// EF 0006 token info, 160 bytes: label[32], manufacturerID[32], model[16],
/// serialNumber[16] (all space padded), flags, 10 ulongs, hardware/firmware
/// version as ASCII "03"/"01", utcTime[16] (card-protocol.md §1.1; model
/// `E16R01NJ`, flags 0x40D, max/min PIN 16/6 from myna-card's layout test).
pub fn ef0006_token_info(label: &str, card_serial: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(TOKEN_INFO_LEN);
    push_padded(&mut out, label, 32);
    push_padded(&mut out, "JPKI-TEST", 32);
    push_padded(&mut out, "E16R01NJ", 16);
    push_padded(&mut out, card_serial, 16);
    out.extend_from_slice(&0x40Du32.to_be_bytes()); // flags
    let ulongs: [u32; 10] = [
        0,  // ulMaxSessionCount
        0,  // ulSessionCount
        0,  // ulMaxRwSessionCount
        0,  // ulRwSessionCount
        16, // ulMaxPinLen
        6,  // ulMinPinLen
        0,  // ulTotalPublicMemory
        0,  // ulFreePublicMemory
        0,  // ulTotalPrivateMemory
        0,  // ulFreePrivateMemory
    ];
    for value in ulongs {
        out.extend_from_slice(&value.to_be_bytes());
    }
    out.extend_from_slice(b"03"); // hardwareVersion
    out.extend_from_slice(b"01"); // firmwareVersion
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
        let info = ef0006_token_info("JPKIAPICCTOKEN2", "400000012719843");
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
