//! The emulated card against what a real card does (issue 8): each test
//! names its evidence — a fixture or module doc of the `myna-card` crate
//! (3.3.4; its fixtures were read from a J-LIS test card) or client code
//! written against real cards — and checks the emulator byte for byte or by
//! verifying the signatures a client verifies.
//!
//! The personas' keys are TEST ONLY material under `vectors/personas/ca/`;
//! a client verifies every link the card carries with them (the synthetic
//! roots stand where the J-LIS test hierarchy's keys stand on a real card).

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod card_support;

use std::path::{Path, PathBuf};

use myna_card_emu::persona::rsa_util::decode_card_public_key;
use myna_card_emu::persona::Persona;
use myna_card_emu::tlv::{all as parse_all, first as parse_tlv};
use myna_card_emu::{Card, ResponseApdu, StatusWord};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use card_support::{bytes, send, send_bytes, SELECT_COMMON, SELECT_JPKI, SELECT_JUKI};
use card_support::{SELECT_SURFACE, SELECT_TEXT};

fn personas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/personas")
}

fn persona(id: &str) -> Persona {
    Persona::load_named(&personas(), id).unwrap()
}

fn card_of(persona: &Persona) -> Card {
    Card::with_seed(persona.card_profile(), 11)
}

fn ca_key(file: &str) -> RsaPublicKey {
    let der = std::fs::read(personas().join("ca").join(file)).unwrap();
    RsaPrivateKey::from_pkcs8_der(&der).unwrap().to_public_key()
}

fn ok(card: &mut Card, apdu: &[u8]) -> Vec<u8> {
    let response = send_bytes(card, apdu);
    assert_eq!(
        response.sw,
        StatusWord::SUCCESS,
        "{} answered {:?}",
        hex::encode_upper(apdu),
        response.sw
    );
    response.data
}

fn select_ef(card: &mut Card, fid: u16) {
    let [hi, lo] = fid.to_be_bytes();
    ok(card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]);
}

fn verify_value(card: &mut Card, fid: u16, value: &[u8]) {
    select_ef(card, fid);
    let mut apdu = vec![0x00, 0x20, 0x00, 0x80, u8::try_from(value.len()).unwrap()];
    apdu.extend_from_slice(value);
    ok(card, &apdu);
}

/// The whole current EF with one extended READ BINARY.
fn read_all(card: &mut Card) -> Vec<u8> {
    ok(card, &[0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00])
}

/// The BER object at the start of `bytes`, filler after it dropped.
fn object(bytes: &[u8]) -> Vec<u8> {
    parse_tlv(bytes).unwrap().raw.to_vec()
}

/// The children of the constructed object `file`, as (tag, value, raw).
fn children(file: &[u8]) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let outer = parse_tlv(file).unwrap();
    parse_all(outer.value)
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                t.tag.to_be_bytes()[2..].to_vec(),
                t.value.to_vec(),
                t.raw.to_vec(),
            )
        })
        .collect()
}

fn child(items: &[(Vec<u8>, Vec<u8>, Vec<u8>)], tag: [u8; 2]) -> (Vec<u8>, Vec<u8>) {
    items
        .iter()
        .find(|(t, _, _)| t.as_slice() == tag)
        .map(|(_, v, raw)| (v.clone(), raw.clone()))
        .unwrap_or_else(|| panic!("no {}", hex::encode_upper(tag)))
}

/// Every child before `tag`, as written: what these records' signatures cover.
fn raw_before(items: &[(Vec<u8>, Vec<u8>, Vec<u8>)], tag: [u8; 2]) -> Vec<u8> {
    items
        .iter()
        .take_while(|(t, _, _)| t.as_slice() != tag)
        .flat_map(|(_, _, raw)| raw.clone())
        .collect()
}

fn verifies_sha256(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(message),
        signature,
    )
    .is_ok()
}

/// A card-verifiable certificate with or without its `7F21` template, with
/// or without the `4D` header list of the MF objects.
struct CvCert {
    issuer_key_id: Vec<u8>,
    subject_key_id: Vec<u8>,
    public_key: RsaPublicKey,
    body: Vec<u8>,
    signature: Vec<u8>,
}

fn cv_cert(bytes: &[u8]) -> CvCert {
    let contents = if bytes.starts_with(&[0x7F, 0x21]) {
        parse_tlv(bytes).unwrap().value.to_vec()
    } else {
        bytes.to_vec()
    };
    let items = parse_all(&contents).unwrap();
    let find = |tag: [u8; 2]| {
        items
            .iter()
            .find(|t| t.tag.to_be_bytes()[2..] == tag)
            .map(|t| t.value.to_vec())
            .unwrap()
    };
    let body = find([0x5F, 0x4E]);
    assert_eq!(body.len(), 297, "CV body is 16 + 16 + 265 bytes");
    CvCert {
        issuer_key_id: body[..16].to_vec(),
        subject_key_id: body[16..32].to_vec(),
        public_key: decode_card_public_key(&body[32..]).unwrap(),
        signature: find([0x5F, 0x37]),
        body,
    }
}

fn get_data(card: &mut Card, tag: u16) -> Vec<u8> {
    let [p1, p2] = tag.to_be_bytes();
    ok(card, &[0x00, 0xCA, p1, p2, 0x00, 0x00, 0x00])
}

/// D1. myna-card `tests/fixtures/mf-do-F8.bin`, `mf-do-7F21.bin` and
/// `src/mf.rs` (`tag::CHAIN_UPPER`, `CHAIN_LOWER`, `INTERMEDIATE_KEY_ID`):
/// two different 575-byte certificates stored without the template, the
/// root certifying the intermediate and the intermediate the key below it;
/// 00F7 names the intermediate.
#[test]
fn mf_chain_objects_are_two_linked_certificates() {
    let taro = persona("taro");
    let mut card = card_of(&taro);
    let upper_raw = get_data(&mut card, 0x00F8);
    let lower_raw = get_data(&mut card, 0x7F21);
    let intermediate_id = get_data(&mut card, 0x00F7);
    for raw in [&upper_raw, &lower_raw] {
        assert_eq!(raw.len(), 575);
        assert_eq!(
            raw[..12],
            bytes("4D 0A 42 10 5F 20 10 5F 49 82 01 09")[..],
            "header list of the three body fields, as on the test card"
        );
    }
    assert_ne!(upper_raw, lower_raw);
    let upper = cv_cert(&upper_raw);
    let lower = cv_cert(&lower_raw);
    assert_eq!(&upper.issuer_key_id[..7], b"9000020");
    assert!(
        verifies_sha256(
            &ca_key("mf-cv-root-key.pk8.der"),
            &upper.body,
            &upper.signature
        ),
        "00F8 verifies under the synthetic root"
    );
    assert_eq!(lower.issuer_key_id, upper.subject_key_id);
    assert!(
        verifies_sha256(&upper.public_key, &lower.body, &lower.signature),
        "7F21 verifies under the key 00F8 certifies"
    );
    assert!(!verifies_sha256(
        &lower.public_key,
        &lower.body,
        &lower.signature
    ));
    assert_eq!(intermediate_id, lower.issuer_key_id);
}

/// D2. myna-card `src/mf.rs` `tag::CONTACT_ATR` and `Card::contact_atr`:
/// 5F51 answers with an application current too; some cards only then.
#[test]
fn contact_atr_answers_inside_applications_and_is_configurable_at_the_mf() {
    let taro = persona("taro");
    let atr_without_ts = taro.atr()[1..].to_vec();
    let mut card = card_of(&taro);
    assert_eq!(get_data(&mut card, 0x5F51), atr_without_ts);
    for select in [
        SELECT_JPKI,
        SELECT_TEXT,
        SELECT_SURFACE,
        SELECT_COMMON,
        SELECT_JUKI,
    ] {
        send(&mut card, select);
        assert_eq!(get_data(&mut card, 0x5F51), atr_without_ts, "{select}");
        let absent = send(&mut card, "00 CA 00 F0 00");
        assert_eq!(absent.sw, StatusWord(0x6A88), "00F0 stays MF-only");
    }
    let mut quirks = taro.quirks().clone();
    quirks.contact_atr_at_mf = false;
    let mut only_inside = Card::with_seed(taro.clone().with_quirks(quirks).card_profile(), 1);
    assert_eq!(
        send(&mut only_inside, "00 CA 5F 51 00").sw,
        StatusWord(0x6A88)
    );
    send(&mut only_inside, SELECT_JPKI);
    assert_eq!(get_data(&mut only_inside, 0x5F51), atr_without_ts);
}

/// D3. myna-card `src/ap/common.rs` and `src/ap/juki.rs` `ef::KEY_REFERENCE`:
/// both APs hold a record EF 0002 with one byte-identical 16-byte record.
#[test]
fn common_and_juki_hold_the_same_key_reference_record() {
    let taro = persona("taro");
    let mut card = card_of(&taro);
    let mut records = Vec::new();
    for select in [SELECT_COMMON, SELECT_JUKI] {
        send(&mut card, select);
        select_ef(&mut card, 0x0002);
        let record = ok(&mut card, &bytes("00 B2 01 04 00"));
        assert_eq!(record.len(), 16, "{select}");
        assert_eq!(
            send(&mut card, "00 B0 00 00 10").sw,
            StatusWord(0x6981),
            "a record EF is not read with READ BINARY"
        );
        records.push(record);
    }
    assert_eq!(records[0], records[1]);
}

/// D4. myna-card `tests/fixtures/text-0004.bin`, `text-0007.bin` and
/// `src/ap/text.rs` `SignedPublicKey`: DF52 verifies under the key EF 0004
/// certifies; DF51 is another key, the one `80 2A 00 00` signs with. EF
/// 0003's DF33 is by the EF 0004 key too (`IntegrityRecord`).
#[test]
fn text_ap_records_verify_under_the_ef0004_key() {
    let taro = persona("taro");
    let mut card = card_of(&taro);
    send(&mut card, SELECT_TEXT);
    select_ef(&mut card, 0x0004);
    let certificate = cv_cert(&read_all(&mut card));
    assert!(
        verifies_sha256(
            &ca_key("kenmen-issuer-key.pk8.der"),
            &certificate.body,
            &certificate.signature
        ),
        "EF 0004 verifies under the 券面 issuer"
    );
    let data_key = certificate.public_key;
    verify_value(&mut card, 0x0011, taro.text_pin().unwrap().expose());
    select_ef(&mut card, 0x0007);
    let ef0007 = object(&read_all(&mut card));
    assert_eq!(ef0007.len(), 536);
    let items = children(&ef0007);
    let (df51, df51_raw) = child(&items, [0xDF, 0x51]);
    let (df52, _) = child(&items, [0xDF, 0x52]);
    assert!(
        verifies_sha256(&data_key, &df51_raw, &df52),
        "DF52 is the EF 0004 key's signature over the DF51 TLV"
    );
    let card_key = decode_card_public_key(&df51).unwrap();
    assert_ne!(card_key, data_key, "DF51 is not the key EF 0004 certifies");

    let challenge = ok(&mut card, &bytes("00 84 00 00 10"));
    let signature = sign_default_key(&mut card, &challenge);
    assert!(
        verifies_sha256(&card_key, &challenge, &signature),
        "80 2A 00 00 signs with the DF51 key"
    );

    select_ef(&mut card, 0x0003);
    let ef0003 = read_all(&mut card);
    let items = children(&ef0003);
    let (df33, _) = child(&items, [0xDF, 0x33]);
    assert!(verifies_sha256(
        &data_key,
        &raw_before(&items, [0xDF, 0x33]),
        &df33
    ));
}

/// `80 2A 00 00 <DigestInfo(SHA-256(data))> 00`, as myna-card's `TextAp::sign`
/// and `SurfaceAp::sign` send it.
fn sign_default_key(card: &mut Card, data: &[u8]) -> Vec<u8> {
    let mut digest_info = bytes("3031300D060960864801650304020105000420");
    digest_info.extend_from_slice(&Sha256::digest(data));
    let mut apdu = vec![0x80, 0x2A, 0x00, 0x00, 0x33];
    apdu.extend_from_slice(&digest_info);
    apdu.push(0x00);
    ok(card, &apdu)
}

/// D6 (and the surface records' keys). myna-card `tests/fixtures/surface-000{1,2,4,5}.bin`,
/// `tests/signatures.rs` and `src/ap/surface.rs` `CardFace::verify`: DF28 is
/// a PKCS#1 v1.5 signature of a 115-byte DigestInfo holding SHA-256 of
/// DF22‖DF23‖DF24, of DF25‖DF26 and of DF27; EF 0001 and EF 0005 sign the
/// TLVs before the signature; all by the EF 0004 key, while the records
/// carry the card's own key (DF12 = DF24 = DF42), which signs challenges.
#[test]
fn surface_ap_records_verify_as_on_the_test_card() {
    let taro = persona("taro");
    let mut card = card_of(&taro);
    send(&mut card, SELECT_SURFACE);
    select_ef(&mut card, 0x0004);
    let certificate = cv_cert(&read_all(&mut card));
    assert!(verifies_sha256(
        &ca_key("kenmen-issuer-key.pk8.der"),
        &certificate.body,
        &certificate.signature
    ));
    let data_key = certificate.public_key;

    verify_value(&mut card, 0x0011, taro.birth_key().expose());
    select_ef(&mut card, 0x0001);
    let age = children(&read_all(&mut card));
    let (df12, _) = child(&age, [0xDF, 0x12]);
    let (df13, _) = child(&age, [0xDF, 0x13]);
    assert!(verifies_sha256(
        &data_key,
        &raw_before(&age, [0xDF, 0x13]),
        &df13
    ));

    verify_value(&mut card, 0x0013, taro.my_number().expose());
    select_ef(&mut card, 0x0002);
    let face = children(&read_all(&mut card));
    let segment = |tags: &[[u8; 2]]| -> Vec<u8> {
        tags.iter().flat_map(|tag| child(&face, *tag).1).collect()
    };
    let mut digests = Vec::new();
    for group in [
        &[[0xDF, 0x22], [0xDF, 0x23], [0xDF, 0x24]][..],
        &[[0xDF, 0x25], [0xDF, 0x26]][..],
        &[[0xDF, 0x27]][..],
    ] {
        digests.extend_from_slice(&Sha256::digest(segment(group)));
    }
    let mut digest_info = bytes("3071300D0609608648016503040201050004 60");
    digest_info.extend_from_slice(&digests);
    assert_eq!(digest_info.len(), 115);
    let (df28, _) = child(&face, [0xDF, 0x28]);
    assert!(
        data_key
            .verify(Pkcs1v15Sign::new_unprefixed(), &digest_info, &df28)
            .is_ok(),
        "DF28 signs the three segment digests"
    );
    let (df24, _) = child(&face, [0xDF, 0x24]);

    select_ef(&mut card, 0x0005);
    let image = children(&read_all(&mut card));
    let (df42, _) = child(&image, [0xDF, 0x42]);
    let (df43, _) = child(&image, [0xDF, 0x43]);
    assert!(verifies_sha256(
        &data_key,
        &raw_before(&image, [0xDF, 0x43]),
        &df43
    ));

    assert_eq!(df12, df24);
    assert_eq!(df24, df42);
    let card_key = decode_card_public_key(&df24).unwrap();
    assert_ne!(card_key, data_key, "the records carry the card's own key");
    assert!(!verifies_sha256(
        &card_key,
        &raw_before(&age, [0xDF, 0x13]),
        &df13
    ));
    let challenge = ok(&mut card, &bytes("00 84 00 00 10"));
    let signature = sign_default_key(&mut card, &challenge);
    assert!(verifies_sha256(&card_key, &challenge, &signature));
}

/// myna-card `src/ap/common.rs` / `src/ap/juki.rs` `change_pin`: VERIFY the
/// PIN, then JICSAP CHANGE KEY `80 32 00 80 Lc new`, in both APs separately.
#[test]
fn change_key_changes_the_common_and_juki_pins() {
    let taro = persona("taro");
    let old = taro.juki_pin().unwrap().expose().to_vec();
    let new = if old == b"1111" { b"2222" } else { b"1111" };
    let mut card = card_of(&taro);
    for select in [SELECT_COMMON, SELECT_JUKI] {
        send(&mut card, select);
        verify_value(&mut card, 0x001C, &old);
        let mut change = vec![0x80, 0x32, 0x00, 0x80, 0x04];
        change.extend_from_slice(new);
        ok(&mut card, &change);
        verify_value(&mut card, 0x001C, new);
        let mut wrong = vec![0x00, 0x20, 0x00, 0x80, 0x04];
        wrong.extend_from_slice(&old);
        assert_eq!(
            send_bytes(&mut card, &wrong).sw,
            StatusWord(0x63C2),
            "{select}"
        );
    }
    // The other AP's command is still not accepted.
    send(&mut card, SELECT_COMMON);
    verify_value(&mut card, 0x001C, new);
    let mut other = vec![0x00, 0x24, 0x01, 0x80, 0x04];
    other.extend_from_slice(&old);
    assert_eq!(send_bytes(&mut card, &other).sw, StatusWord(0x6D00));
}

/// A child's card has no 署名用パスワード. OpenSC's p15 bind sends the empty
/// VERIFY for both JPKI PINs and refuses the card unless it answers `63xx`
/// (card-protocol.md §6); no source says what a real card answers. Default:
/// what clients tolerate (the counter); configurable per persona.
#[test]
fn empty_verify_of_an_unset_secret_answers_the_counter_unless_configured() {
    let sakura = persona("sakura");
    let mut card = card_of(&sakura);
    send(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x001B);
    assert_eq!(send(&mut card, "00 20 00 80").sw, StatusWord(0x63C5));
    assert_eq!(
        send(&mut card, "00 20 00 80 06 41 42 43 31 32 33").sw,
        StatusWord(0x6984),
        "a value is still refused"
    );
    let mut profile = sakura.card_profile();
    profile.quirks.empty_verify_unset_sw = Some(0x6984);
    let mut strict = Card::with_seed(profile, 1);
    send(&mut strict, SELECT_JPKI);
    select_ef(&mut strict, 0x001B);
    assert_eq!(send(&mut strict, "00 20 00 80").sw, StatusWord(0x6984));
}

/// card-protocol.md §1.2 EF 0003: "PIN or 照合番号 (crate doc says A at one
/// place, "either" at another — uncertain for B)": the persona decides.
#[test]
fn text_integrity_by_check_b_is_a_persona_setting() {
    let taro = persona("taro");
    for (opens, expected) in [(true, StatusWord::SUCCESS), (false, StatusWord(0x6982))] {
        let mut quirks = taro.quirks().clone();
        quirks.text_integrity_by_check_b = opens;
        let mut card = Card::with_seed(taro.clone().with_quirks(quirks).card_profile(), 1);
        send(&mut card, SELECT_TEXT);
        verify_value(&mut card, 0x0015, taro.check_b().expose());
        select_ef(&mut card, 0x0003);
        let response: ResponseApdu = send(&mut card, "00 B0 00 00 05");
        assert_eq!(response.sw, expected, "照合番号B opens EF 0003: {opens}");
    }
}

/// Every key id a client reads from the card, with the tag or record it
/// comes from: the MF chain (00F7, 00F8, 7F21), both 券面 APs' EF 0004 and
/// the key ids in their AP basic info (text EF 0005 DF42, surface EF 0003
/// DF32 and the id at the start of DF35).
fn key_ids_on_the_card(card: &mut Card) -> Vec<(String, Vec<u8>)> {
    let mut ids = Vec::new();
    ids.push(("00F7".to_string(), get_data(card, 0x00F7)));
    for tag in [0x00F8u16, 0x7F21] {
        let cv = cv_cert(&get_data(card, tag));
        ids.push((format!("{tag:04X} issuer"), cv.issuer_key_id));
        ids.push((format!("{tag:04X} subject"), cv.subject_key_id));
    }
    for (select, info_fid, tags) in [
        (SELECT_TEXT, 0x0005u16, &[[0xDF, 0x42]][..]),
        (SELECT_SURFACE, 0x0003, &[[0xDF, 0x32], [0xDF, 0x35]][..]),
    ] {
        send(card, select);
        select_ef(card, 0x0004);
        let cv = cv_cert(&read_all(card));
        ids.push((format!("{select} EF 0004 issuer"), cv.issuer_key_id));
        ids.push((format!("{select} EF 0004 subject"), cv.subject_key_id));
        select_ef(card, info_fid);
        let info = children(&object(&read_all(card)));
        for tag in tags {
            let (value, _) = child(&info, *tag);
            ids.push((
                format!("{select} {}", hex::encode_upper(tag)),
                value[..16].to_vec(),
            ));
        }
    }
    ids
}

/// Issue 8: the personas' keys are synthetic, so their ids must not be the
/// J-LIS hierarchy's (card-protocol.md §1.2 DF42 `6000034`, §4 `5000023`,
/// `5000033`, `6000023`, `6000033`; myna-card 3.3.4 fixtures `6000020`,
/// `6000024`, `0000050`): a client carrying the J-LIS test keys would pick
/// the wrong key and report our signatures as bad. Every id keeps the test
/// card's 16-byte shape (7 digits ‖ `08 05` ‖ 3 digits ‖ 4 zero bytes) and
/// starts with `9`, which no J-LIS id does.
#[test]
fn key_ids_do_not_collide_with_the_j_lis_hierarchy() {
    const J_LIS: &[&[u8; 7]] = &[
        b"5000023", b"5000033", b"6000020", b"6000023", b"6000024", b"6000033", b"6000034",
        b"0000050",
    ];
    for id in ["taro", "kiyoshi"] {
        let mut card = card_of(&persona(id));
        let ids = key_ids_on_the_card(&mut card);
        assert_eq!(ids.len(), 12);
        for (whence, key_id) in ids {
            assert_eq!(key_id.len(), 16, "{id} {whence}");
            assert!(
                !J_LIS.iter().any(|j| key_id.starts_with(&j[..])),
                "{id} {whence}: {} is a J-LIS key id",
                String::from_utf8_lossy(&key_id[..7])
            );
            assert!(
                key_id[..7].iter().all(u8::is_ascii_digit) && key_id[0] == b'9',
                "{id} {whence}: {}",
                hex::encode_upper(&key_id)
            );
            assert_eq!(key_id[7..9], [0x08, 0x05], "{id} {whence}");
            assert_eq!(key_id[12..], [0, 0, 0, 0], "{id} {whence}");
        }
    }
}
