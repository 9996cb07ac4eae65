//! 共通カードAP and 住基AP contents (card-protocol.md §1.4).

/// 共通カードAP AID `D3 92 10 00 31 00 01 01 01 00`.
pub const COMMON_AP_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00];

/// 住基AP AID `D3 92 10 00 31 00 01 01 04 01`.
pub const JUKI_AP_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01];

/// 共通AP EF 0001 record 1: simple-TLV `01 1C` + 28 ASCII digits =
/// serial(15) ‖ municipality code(5) ‖ expiry YYYYMMDD(8).
pub fn common_record(card_serial: &str, municipality_code: &str, expiry_yyyymmdd: &str) -> Vec<u8> {
    let digits = format!("{card_serial}{municipality_code}{expiry_yyyymmdd}");
    let mut out = vec![0x01, digits.len() as u8];
    out.extend_from_slice(digits.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_matches_spec_example() {
        let record = common_record("400000012719843", "13221", "20350217");
        assert_eq!(record.len(), 30);
        assert_eq!(&record[..2], &[0x01, 0x1C]);
        assert_eq!(&record[2..], b"4000000127198431322120350217");
    }
}
