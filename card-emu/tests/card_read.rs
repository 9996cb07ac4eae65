//! READ BINARY / READ RECORD (card-protocol.md §2.1, §2.3, §1.4, §7.3).

mod card_support;

use card_support::*;
use myna_card_emu::{AppKind, Card, FileContent, Quirks, StatusWord};
use proptest::prelude::*;

fn jpki_with(fid: &str) -> Card {
    let mut c = card();
    assert_eq!(sw(&mut c, SELECT_JPKI), StatusWord::SUCCESS);
    assert_eq!(
        sw(&mut c, &format!("00 A4 02 0C 02 {fid}")),
        StatusWord::SUCCESS
    );
    c
}

#[test]
fn header_read_then_exact_256_chunks() {
    let cert = der_blob(AUTH_CERT_LEN, 3);
    let mut c = jpki_with("00 0A");
    let head = send(&mut c, "00 B0 00 00 07");
    assert_eq!(head.sw, StatusWord::SUCCESS);
    assert_eq!(head.data, cert[..7]);
    // Le=00 answers exactly 256 while ≥256 remain (§7.3, jpki-rs)
    let chunk = send(&mut c, "00 B0 00 00 00");
    assert_eq!((chunk.data.len(), chunk.sw), (256, StatusWord::SUCCESS));
    assert_eq!(chunk.data, cert[..256]);
    let chunk = send(&mut c, "00 B0 01 00 00");
    assert_eq!(chunk.data, cert[256..512]);
    // 15-bit offset: 0x0600 = 1536, 54 bytes remain
    let tail = send(&mut c, "00 B0 06 00 00");
    assert_eq!((tail.data.len(), tail.sw), (54, StatusWord::SUCCESS));
    assert_eq!(tail.data, cert[1536..]);
}

#[test]
fn le_past_end_returns_the_rest_and_eof_is_6b00() {
    let mut c = jpki_with("00 08");
    assert_eq!(
        send(&mut c, "00 B0 00 00 FF").to_bytes(),
        bytes("8F 8F 00 90 00")
    );
    assert_eq!(send(&mut c, "00 B0 00 02 05").to_bytes(), bytes("00 90 00"));
    assert_eq!(sw(&mut c, "00 B0 00 03 01"), StatusWord(0x6B00));
    assert_eq!(sw(&mut c, "00 B0 7F FF 01"), StatusWord(0x6B00));
}

#[test]
fn read_past_end_sw_is_the_profiles_quirk() {
    let mut profile = shared_profile();
    profile.quirks = Quirks {
        read_past_end_sw: 0x6282,
        ..Quirks::default()
    };
    let mut c = Card::with_seed(profile, 1);
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 08");
    assert_eq!(sw(&mut c, "00 B0 00 03 01"), StatusWord(0x6282));
}

#[test]
fn extended_le_reads_a_whole_certificate() {
    let mut c = jpki_with("00 0A");
    let all = send(&mut c, "00 B0 00 00 00 06 36");
    assert_eq!(all.sw, StatusWord::SUCCESS);
    assert_eq!(all.data, der_blob(AUTH_CERT_LEN, 3));
    // Le 0000 extended = 65536: everything that remains
    let rest = send(&mut c, "00 B0 00 10 00 00 00");
    assert_eq!(rest.data.len(), AUTH_CERT_LEN - 16);
}

#[test]
fn token_info_label() {
    let mut c = jpki_with("00 06");
    let token = send(&mut c, "00 B0 00 00 20");
    assert_eq!(token.data, b"JPKIAPICCTOKEN2                 ");
}

#[test]
fn protected_ef_needs_its_secret() {
    // §1.1: `00 B0 00 00 04` → 69 82 without the sign password (OpenSC #3169)
    let mut c = jpki_with("00 01");
    assert_eq!(send(&mut c, "00 B0 00 00 04").to_bytes(), bytes("69 82"));
    assert_eq!(verify(&mut c, 0x9B, SIGN_PASSWORD), StatusWord::SUCCESS);
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(
        send(&mut c, "00 B0 00 00 04").to_bytes(),
        bytes("30 82 06 DA 90 00")
    );
    // the auth PIN does not open the sign cert
    let mut c = jpki_with("00 01");
    verify(&mut c, 0x98, AUTH_PIN);
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(sw(&mut c, "00 B0 00 00 04"), StatusWord(0x6982));
}

#[test]
fn text_ap_my_number_opens_with_pin_or_match_a_not_b() {
    let expected = [my_number_ef(), vec![0x90, 0x00]].concat();
    for (p2, value, open) in [
        (0x91, TEXT_PIN, true),
        (0x94, MATCH_A, true),
        (0x95, MATCH_B, false),
    ] {
        let mut c = card();
        send(&mut c, SELECT_TEXT);
        assert_eq!(verify(&mut c, p2, value), StatusWord::SUCCESS);
        send(&mut c, "00 A4 02 0C 02 00 01");
        let response = send(&mut c, "00 B0 00 00 11").to_bytes();
        if open {
            assert_eq!(response, expected);
        } else {
            assert_eq!(response, bytes("69 82"));
        }
    }
}

#[test]
fn no_current_ef_and_wrong_structure() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00 B0 00 00 01"), StatusWord(0x6986));
    send(&mut c, "00 A4 02 0C 02 00 18");
    assert_eq!(sw(&mut c, "00 B0 00 00 01"), StatusWord(0x6981));
    send(&mut c, "00 A4 02 0C 02 00 17");
    assert_eq!(sw(&mut c, "00 B0 00 00 01"), StatusWord(0x6981));
    // at the MF with no EF
    let mut c = card();
    assert_eq!(sw(&mut c, "00 B0 00 00 01"), StatusWord(0x6986));
    // record EF with READ BINARY
    send(&mut c, SELECT_COMMON);
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(sw(&mut c, "00 B0 00 00 01"), StatusWord(0x6981));
}

#[test]
fn read_binary_lengths_and_sm() {
    let mut c = jpki_with("00 0A");
    assert_eq!(sw(&mut c, "00 B0 00 00"), StatusWord(0x6700));
    assert_eq!(sw(&mut c, "00 B0 00 00 01 00 00"), StatusWord(0x6700));
    assert_eq!(sw(&mut c, "0C B0 00 00 04"), StatusWord(0x69FC));
    assert_eq!(sw(&mut c, "08 B0 00 00 04"), StatusWord(0x69FC));
    assert_eq!(sw(&mut c, "01 B0 00 00 04"), StatusWord(0x6881));
    assert_eq!(sw(&mut c, "00 B0 A1 00 04"), StatusWord(0x6A86));
}

#[test]
fn read_binary_by_sfi_selects_the_file() {
    let mut c = card();
    send(&mut c, SELECT_JUKI);
    assert_eq!(verify(&mut c, 0x9C, JUKI_PIN), StatusWord::SUCCESS);
    let r = send(&mut c, "00 B0 82 04 00");
    assert_eq!(
        (r.data, r.sw),
        (pattern(16, 12)[4..].to_vec(), StatusWord::SUCCESS)
    );
    // now current: offset form reads it too
    assert_eq!(send(&mut c, "00 B0 00 00 02").data, pattern(16, 12)[..2]);
    assert_eq!(sw(&mut c, "00 B0 85 00 01"), StatusWord(0x6A82));
}

#[test]
fn read_record_common_ap() {
    let expected = [common_record(), vec![0x90, 0x00]].concat();
    let mut c = card();
    send(&mut c, SELECT_COMMON);
    // myna-rs: SFI 1 without SELECT EF
    assert_eq!(send(&mut c, "00 B2 01 0C 00").to_bytes(), expected);
    // current EF form
    send(&mut c, "00 A4 02 0C 02 00 01");
    assert_eq!(send(&mut c, "00 B2 01 04 00").to_bytes(), expected);
    assert_eq!(sw(&mut c, "00 B2 02 04 00"), StatusWord(0x6A83));
    assert_eq!(sw(&mut c, "00 B2 00 04 00"), StatusWord(0x6A83));
    assert_eq!(sw(&mut c, "00 B2 01 14 00"), StatusWord(0x6A82));
    // truncated to Le
    assert_eq!(
        send(&mut c, "00 B2 01 04 02").to_bytes(),
        bytes("01 1C 90 00")
    );
    // READ RECORD on a transparent EF
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 0A");
    assert_eq!(sw(&mut c, "00 B2 01 04 00"), StatusWord(0x6981));
    assert_eq!(c.current_application(), Some(AppKind::Jpki));
}

fn card_with_file(content: Vec<u8>) -> Card {
    let mut profile = shared_profile();
    let jpki = profile
        .applications
        .iter_mut()
        .find(|app| app.kind == AppKind::Jpki)
        .expect("test profile has JPKI");
    let file = jpki
        .files
        .iter_mut()
        .find(|file| file.fid == 0x000A)
        .expect("test profile has 000A");
    file.content = FileContent::Transparent(content);
    let mut c = Card::with_seed(profile, 3);
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 0A");
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any chunking (1..=256 per READ BINARY, short or extended Le)
    /// reassembles the file, every chunk is min(Le, remaining), and the read
    /// after the end answers 6B00.
    #[test]
    fn any_chunking_reassembles_the_file(
        content in proptest::collection::vec(any::<u8>(), 0..2000),
        chunks in proptest::collection::vec((1u32..=256, any::<bool>()), 1..40),
    ) {
        let mut c = card_with_file(content.clone());
        let mut read = Vec::new();
        let mut plan = chunks.iter().cycle();
        while read.len() < content.len() {
            let (le, extended) = *plan.next().expect("cycle never ends");
            let offset = read.len() as u16;
            let mut apdu = vec![0x00, 0xB0, (offset >> 8) as u8 & 0x7F, offset as u8];
            if extended {
                apdu.extend_from_slice(&[0x00, (le >> 8) as u8, le as u8]);
            } else {
                apdu.push(le as u8); // 256 → 00
            }
            let r = send_bytes(&mut c, &apdu);
            prop_assert_eq!(r.sw, StatusWord::SUCCESS);
            let remaining = content.len() - read.len();
            prop_assert_eq!(r.data.len(), remaining.min(le as usize));
            read.extend(r.data);
        }
        prop_assert_eq!(&read, &content);
        let offset = content.len() as u16;
        let end = send_bytes(&mut c, &[0x00, 0xB0, (offset >> 8) as u8, offset as u8, 0x00]);
        prop_assert_eq!(end.to_bytes(), vec![0x6B, 0x00]);
    }
}
