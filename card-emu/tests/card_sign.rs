//! COMPUTE DIGITAL SIGNATURE, INTERNAL AUTHENTICATE, GET CHALLENGE
//! (card-protocol.md §2.1, §2.2, §7.5).

mod card_support;

use card_support::*;
use myna_card_emu::{Card, StatusWord};
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256};

const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

fn digest_info(message: &[u8]) -> Vec<u8> {
    [&SHA256_DIGEST_INFO_PREFIX[..], &Sha256::digest(message)].concat()
}

fn pub1() -> RsaPublicKey {
    key1().to_public_key()
}

fn pub2() -> RsaPublicKey {
    key2().to_public_key()
}

fn jpki_verified() -> Card {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    assert_eq!(verify(&mut c, 0x98, AUTH_PIN), StatusWord::SUCCESS);
    assert_eq!(verify(&mut c, 0x9B, SIGN_PASSWORD), StatusWord::SUCCESS);
    c
}

fn sign(card: &mut Card, p1: u8, p2: u8, data: &[u8]) -> myna_card_emu::ResponseApdu {
    send_bytes(card, &apdu([0x80, 0x2A, p1, p2], data, Some(0)))
}

#[test]
fn auth_key_signs_a_digest_info_after_the_pin() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    send(&mut c, "00 A4 02 0C 02 00 17");
    let data = digest_info(b"message1");
    assert_eq!(sign(&mut c, 0x00, 0x80, &data).to_bytes(), bytes("69 82"));
    send(&mut c, "00 A4 02 0C 02 00 18");
    verify(&mut c, 0x80, AUTH_PIN);
    send(&mut c, "00 A4 02 0C 02 00 17");
    let r = sign(&mut c, 0x00, 0x80, &data);
    assert_eq!((r.data.len(), r.sw), (256, StatusWord::SUCCESS));
    pub1()
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"message1"),
            &r.data,
        )
        .expect("PKCS#1 v1.5 signature verifies");
    // deterministic, and identical through the SFI form (§2.2)
    assert_eq!(sign(&mut c, 0x00, 0x80, &data), r);
    assert_eq!(sign(&mut c, 0x00, 0x97, &data), r);
}

#[test]
fn sfi_9a_uses_the_sign_key() {
    let mut c = jpki_verified();
    let data = digest_info(b"doc");
    let r = sign(&mut c, 0x00, 0x9A, &data);
    assert_eq!(r.sw, StatusWord::SUCCESS);
    pub2()
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"doc"),
            &r.data,
        )
        .expect("sign key signature verifies");
    assert!(pub1()
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"doc"),
            &r.data
        )
        .is_err());
}

#[test]
fn each_pin_opens_only_its_key() {
    let mut c = card();
    send(&mut c, SELECT_JPKI);
    verify(&mut c, 0x98, AUTH_PIN);
    assert_eq!(sign(&mut c, 0x00, 0x9A, &[1, 2]).to_bytes(), bytes("69 82"));
    assert_eq!(sign(&mut c, 0x00, 0x97, &[1, 2]).sw, StatusWord::SUCCESS);
}

#[test]
fn p1_00_pads_data_verbatim_up_to_245_bytes() {
    let mut c = jpki_verified();
    let raw = vec![0x5A; 245];
    let r = sign(&mut c, 0x00, 0x97, &raw);
    assert_eq!(r.sw, StatusWord::SUCCESS);
    pub1()
        .verify(Pkcs1v15Sign::new_unprefixed(), &raw, &r.data)
        .expect("raw type-1 padding verifies");
    let too_long = vec![0x5A; 246];
    let r = send_bytes(
        &mut c,
        &[&[0x80, 0x2A, 0x00, 0x97, 246][..], &too_long, &[0]].concat(),
    );
    assert_eq!(r.to_bytes(), bytes("69 85"));
    // no data at all
    assert_eq!(send(&mut c, "80 2A 00 97").to_bytes(), bytes("67 00"));
}

#[test]
fn p1_01_to_05() {
    let mut c = jpki_verified();
    let message = b"hello card".to_vec();
    let hash = Sha256::digest(&message).to_vec();
    let pk = pub1();

    let r = sign(&mut c, 0x01, 0x97, &message);
    pk.verify(Pkcs1v15Sign::new_unprefixed(), &hash, &r.data)
        .expect("01: bare hash");
    let r = sign(&mut c, 0x02, 0x97, &hash);
    pk.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &r.data)
        .expect("02: DigestInfo of the given hash");
    let r = sign(&mut c, 0x03, 0x97, &message);
    pk.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &r.data)
        .expect("03: card hashes, DigestInfo");
    let r4 = sign(&mut c, 0x04, 0x97, &hash);
    assert_eq!(r4.data.len(), 256);
    pk.verify(Pss::new::<Sha256>(), &hash, &r4.data)
        .expect("04: PSS of the given hash");
    let r5 = sign(&mut c, 0x05, 0x97, &message);
    pk.verify(Pss::new::<Sha256>(), &hash, &r5.data)
        .expect("05: card hashes, PSS");
    assert_ne!(r4.data, r5.data, "PSS salt is random");

    assert_eq!(
        sign(&mut c, 0x02, 0x97, &hash[..31]).to_bytes(),
        bytes("69 85")
    );
    assert_eq!(
        sign(&mut c, 0x04, 0x97, &message).to_bytes(),
        bytes("69 85")
    );
    assert_eq!(sign(&mut c, 0x06, 0x97, &hash).to_bytes(), bytes("6A 86"));
    assert_eq!(sign(&mut c, 0xFF, 0x80, &hash).to_bytes(), bytes("6A 86"));
}

#[test]
fn key_resolution_errors() {
    let mut c = card();
    // at the MF
    assert_eq!(sign(&mut c, 0x00, 0x80, &[1]).to_bytes(), bytes("69 86"));
    send(&mut c, SELECT_JPKI);
    // no current EF, or a data EF
    assert_eq!(sign(&mut c, 0x00, 0x80, &[1]).to_bytes(), bytes("69 86"));
    send(&mut c, "00 A4 02 0C 02 00 0A");
    assert_eq!(sign(&mut c, 0x00, 0x80, &[1]).to_bytes(), bytes("69 86"));
    // unknown SFI; no default key on JPKI
    assert_eq!(sign(&mut c, 0x00, 0x95, &[1]).to_bytes(), bytes("6A 88"));
    assert_eq!(sign(&mut c, 0x00, 0x00, &[1]).to_bytes(), bytes("6A 88"));
    assert_eq!(sign(&mut c, 0x00, 0x40, &[1]).to_bytes(), bytes("6A 86"));
    // proprietary INS under CLA 00
    assert_eq!(sw(&mut c, "00 2A 00 80 01 01 00"), StatusWord(0x6D00));
}

#[test]
fn short_le_below_the_signature_length() {
    let mut c = jpki_verified();
    let r = send_bytes(&mut c, &apdu([0x80, 0x2A, 0x00, 0x97], &[1, 2], Some(0x10)));
    assert_eq!(r.to_bytes(), bytes("67 00"));
    // no Le at all: the signature is returned
    let r = send_bytes(&mut c, &apdu([0x80, 0x2A, 0x00, 0x97], &[1, 2], None));
    assert_eq!(r.data.len(), 256);
}

#[test]
fn surface_aps_sign_with_their_default_key_without_credentials() {
    let data = digest_info(b"face");
    let mut c = card();
    send(&mut c, SELECT_TEXT);
    let r = send_bytes(&mut c, &apdu([0x80, 0x2A, 0x00, 0x00], &data, Some(0)));
    assert_eq!(r.sw, StatusWord::SUCCESS);
    pub1()
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"face"),
            &r.data,
        )
        .expect("text AP key");
    send(&mut c, SELECT_SURFACE);
    let r = send_bytes(&mut c, &apdu([0x80, 0x2A, 0x00, 0x00], &data, Some(0)));
    pub2()
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"face"),
            &r.data,
        )
        .expect("surface AP key");
}

#[test]
fn internal_authenticate_on_the_common_ap() {
    let mut c = card();
    send(&mut c, SELECT_COMMON);
    let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
    let command = apdu([0x00, 0x88, 0x00, 0x99], &challenge, Some(0));
    let r = send_bytes(&mut c, &command);
    assert_eq!((r.data.len(), r.sw), (256, StatusWord::SUCCESS));
    pub1()
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(challenge),
            &r.data,
        )
        .expect("DigestInfo(SHA-256(challenge))");
    assert_eq!(send_bytes(&mut c, &command), r, "deterministic");
    // the 0019 key does not answer 80 2A
    assert_eq!(sign(&mut c, 0x00, 0x99, &[1]).to_bytes(), bytes("69 85"));
    // PIN-protected keys 6982, 券面 keys 6985
    send(&mut c, SELECT_JPKI);
    let r = send_bytes(&mut c, &apdu([0x00, 0x88, 0x00, 0x97], &challenge, Some(0)));
    assert_eq!(r.to_bytes(), bytes("69 82"));
    send(&mut c, SELECT_TEXT);
    let r = send_bytes(&mut c, &apdu([0x00, 0x88, 0x00, 0x93], &challenge, Some(0)));
    assert_eq!(r.to_bytes(), bytes("69 85"));
    assert_eq!(sw(&mut c, "00 88 01 93 01 01 00"), StatusWord(0x6A86));
    assert_eq!(sw(&mut c, "00 88 00 93 00"), StatusWord(0x6700));
}

#[test]
fn get_challenge() {
    let mut c = card();
    let a = send(&mut c, "00 84 00 00 08");
    let b = send(&mut c, "00 84 00 00 08");
    assert_eq!((a.data.len(), a.sw), (8, StatusWord::SUCCESS));
    assert_ne!(a.data, b.data);
    assert_eq!(send(&mut c, "00 84 00 00 00").data.len(), 256);
    assert_eq!(
        send(&mut c, "00 84 00 00 00 00 08").to_bytes(),
        bytes("69 85")
    );
    assert_eq!(sw(&mut c, "00 84 00 00"), StatusWord(0x6700));
    send(&mut c, SELECT_JPKI);
    assert_eq!(send(&mut c, "00 84 00 00 01").data.len(), 1);
    // seeded cards are reproducible
    let mut c1 = Card::with_seed(shared_profile(), 42);
    let mut c2 = Card::with_seed(shared_profile(), 42);
    assert_eq!(
        send(&mut c1, "00 84 00 00 10"),
        send(&mut c2, "00 84 00 00 10")
    );
}
