//! Names with characters outside JIS X 0208 (外字): the 中間サーバー holds
//! them as 「●」 (health-insurance-system.md §5 黒丸 names, §6 黒丸 incident).

use encoding_rs::{EncoderResult, SHIFT_JIS};

/// The mark shown in place of a character outside JIS X 0208.
pub const OUTSIDE_JIS_MARK: char = '●';

/// Whether `c` is in JIS X 0208 (or ASCII / half-width katakana), i.e.
/// encodes in Shift_JIS outside the NEC and IBM extension rows that
/// Windows-31J adds (lead bytes 0x87, 0xED–0xEE, 0xFA–0xFC).
pub fn in_jis_x0208(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    let mut buffer = [0u8; 4];
    let text: &str = c.encode_utf8(&mut buffer);
    // An encoder into a stack buffer: `SHIFT_JIS.encode` allocates for
    // every non-ASCII character, and this runs on every name of every
    // lookup answer.
    let mut encoded = [0u8; 8];
    let (result, _, written) = SHIFT_JIS
        .new_encoder()
        .encode_from_utf8_without_replacement(text, &mut encoded, true);
    if result != EncoderResult::InputEmpty {
        return false;
    }
    let bytes = encoded.get(..written).unwrap_or(&[]);
    match bytes.first() {
        Some(0xA1..=0xDF) => bytes.len() == 1,
        Some(lead @ (0x81..=0x84 | 0x88..=0x9F | 0xE0..=0xEA)) => bytes.len() == 2 && *lead != 0,
        _ => false,
    }
}

/// `name` as OQS shows it: every character outside JIS X 0208 becomes `●`.
pub fn displayed_name(name: &str) -> String {
    name.chars()
        .map(|c| if in_jis_x0208(c) { c } else { OUTSIDE_JIS_MARK })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_pass_through() {
        assert_eq!(displayed_name("高橋 花子"), "高橋 花子");
        assert_eq!(displayed_name("ﾀｶﾊｼ ﾊﾅｺ"), "ﾀｶﾊｼ ﾊﾅｺ");
        assert_eq!(displayed_name("渡辺"), "渡辺");
    }

    #[test]
    fn characters_outside_jis_become_black_circles() {
        // 髙 (はしご高) and 﨑 (たつさき) are IBM extensions, 𠮷 (つちよし) is outside BMP.
        assert_eq!(displayed_name("髙橋"), "●橋");
        assert_eq!(displayed_name("山﨑"), "山●");
        assert_eq!(displayed_name("𠮷田"), "●田");
        assert_eq!(displayed_name("①"), "●", "NEC row 13 is not JIS X 0208");
    }
}
