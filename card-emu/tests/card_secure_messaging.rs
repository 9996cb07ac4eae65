//! Secure messaging with the 券面事項入力補助AP (issue 8 D5), as myna-card
//! 3.3.4 `src/sm.rs` documents the protocol measured on a card:
//!
//! - SET SESSION KEY `80 AE 00 00` carries RSA-OAEP(SHA-256) of
//!   `A0 22 80 20 <32-byte seed>` under the EF 0006 key; the session key is
//!   the first 16 bytes; only after the PIN (not 照合番号A) was presented,
//!   else `6982`;
//! - CLA `08`, one data object: `86 L 01 ‖ ciphertext` for VERIFY and
//!   SELECT FILE, `96 03 00 <Le:2>` for READ BINARY, whose answer is
//!   `86 L 01 ‖ ciphertext`; AES-128-CBC, ISO/IEC 7816-4 padding, IV =
//!   AES(key, counter as 16 big-endian bytes); the counter starts at 1 and
//!   every SM command advances it, refused ones included, plain ones not;
//! - a wrong counter (bad padding) answers `6988` and destroys the session:
//!   every later SM command `69FC`; `CLA 0C` answers `6987`; a swapped or a
//!   second data object `6988`.
//!
//! This file is the client side, written from that description.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod card_support;

use std::path::Path;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use myna_card_emu::persona::rsa_util::decode_card_public_key;
use myna_card_emu::persona::Persona;
use myna_card_emu::tlv;
use myna_card_emu::{Card, StatusWord};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::{Oaep, RsaPublicKey};
use sha2::Sha256;

use card_support::{send, send_bytes, SELECT_JPKI, SELECT_TEXT};

type Encryptor = cbc::Encryptor<aes::Aes128>;
type Decryptor = cbc::Decryptor<aes::Aes128>;

struct Client {
    key: [u8; 16],
    counter: u32,
}

impl Client {
    fn iv(&self, n: u32) -> [u8; 16] {
        let mut block = [0u8; 16];
        block[12..].copy_from_slice(&n.to_be_bytes());
        let mut out = [0u8; 16];
        Encryptor::new(&self.key.into(), &[0u8; 16].into())
            .encrypt_padded_b2b_mut::<cbc::cipher::block_padding::NoPadding>(&block, &mut out)
            .unwrap();
        out
    }

    fn encrypt(&self, n: u32, plain: &[u8]) -> Vec<u8> {
        let mut padded = plain.to_vec();
        padded.push(0x80);
        while !padded.len().is_multiple_of(16) {
            padded.push(0);
        }
        let len = padded.len();
        Encryptor::new(&self.key.into(), &self.iv(n).into())
            .encrypt_padded_mut::<cbc::cipher::block_padding::NoPadding>(&mut padded, len)
            .unwrap()
            .to_vec()
    }

    fn decrypt(&self, n: u32, cipher: &[u8]) -> Vec<u8> {
        let mut buffer = cipher.to_vec();
        let mut plain = Decryptor::new(&self.key.into(), &self.iv(n).into())
            .decrypt_padded_mut::<cbc::cipher::block_padding::NoPadding>(&mut buffer)
            .unwrap()
            .to_vec();
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(0x80), "ISO/IEC 7816-4 padding");
        plain
    }

    /// `86 L 01 ‖ ciphertext` for this command's counter.
    fn cryptogram(&self, plain: &[u8]) -> Vec<u8> {
        let cipher = self.encrypt(self.counter, plain);
        let mut out = vec![0x86, u8::try_from(cipher.len() + 1).unwrap(), 0x01];
        out.extend_from_slice(&cipher);
        out
    }

    fn send(
        &mut self,
        card: &mut Card,
        header: [u8; 4],
        data: &[u8],
        le: bool,
    ) -> (Vec<u8>, StatusWord) {
        let mut apdu = header.to_vec();
        if le {
            apdu.extend_from_slice(&[0x00, 0x00, u8::try_from(data.len()).unwrap()]);
            apdu.extend_from_slice(data);
            apdu.extend_from_slice(&[0x00, 0x00]);
        } else {
            apdu.push(u8::try_from(data.len()).unwrap());
            apdu.extend_from_slice(data);
        }
        let response = send_bytes(card, &apdu);
        self.counter += 1;
        (response.data, response.sw)
    }

    fn verify(&mut self, card: &mut Card, p2: u8, value: &[u8]) -> StatusWord {
        let data = self.cryptogram(value);
        self.send(card, [0x08, 0x20, 0x00, p2], &data, false).1
    }

    fn select_ef(&mut self, card: &mut Card, fid: u16) -> StatusWord {
        let data = self.cryptogram(&fid.to_be_bytes());
        self.send(card, [0x08, 0xA4, 0x02, 0x0C], &data, false).1
    }

    fn read_binary(
        &mut self,
        card: &mut Card,
        offset: u16,
        len: u16,
    ) -> Result<Vec<u8>, StatusWord> {
        let [hi, lo] = len.to_be_bytes();
        let [p1, p2] = offset.to_be_bytes();
        let n = self.counter;
        let (data, sw) = self.send(
            card,
            [0x08, 0xB0, p1, p2],
            &[0x96, 0x03, 0x00, hi, lo],
            true,
        );
        if sw != StatusWord::SUCCESS {
            return Err(sw);
        }
        let object = tlv::first(&data).unwrap();
        assert_eq!(object.tag, 0x86);
        assert_eq!(object.value[0], 0x01, "padding-content indicator");
        Ok(self.decrypt(n, &object.value[1..]))
    }
}

fn taro() -> Persona {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/personas");
    Persona::load_named(&root, "taro").unwrap()
}

fn plain_verify(card: &mut Card, fid: u8, value: &[u8]) -> StatusWord {
    let mut apdu = vec![
        0x00,
        0x20,
        0x00,
        0x80 | fid,
        u8::try_from(value.len()).unwrap(),
    ];
    apdu.extend_from_slice(value);
    send_bytes(card, &apdu).sw
}

/// Reads EF 0006 (needs a credential) and delivers a fresh session key.
fn open_session(card: &mut Card, seed_byte: u64) -> (Client, StatusWord) {
    send(card, "00 A4 02 0C 02 00 06");
    let ef0006 = send(card, "00 B0 00 00 00 00 00").data;
    let key_object = tlv::first(&ef0006).unwrap();
    assert_eq!(key_object.tag, 0xA1);
    let public: RsaPublicKey = decode_card_public_key(key_object.value).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed_byte);
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rng, &mut seed);
    let mut message = vec![0xA0, 0x22, 0x80, 0x20];
    message.extend_from_slice(&seed);
    let cryptogram = public
        .encrypt(&mut rng, Oaep::new::<Sha256>(), &message)
        .unwrap();
    let mut apdu = vec![0x80, 0xAE, 0x00, 0x00, 0x00, 0x01, 0x00];
    apdu.extend_from_slice(&cryptogram);
    let sw = send_bytes(card, &apdu).sw;
    let mut key = [0u8; 16];
    key.copy_from_slice(&seed[..16]);
    (Client { key, counter: 1 }, sw)
}

#[test]
fn a_session_encrypts_verify_select_and_read() {
    let taro = taro();
    let mut card = Card::with_seed(taro.card_profile(), 3);
    send(&mut card, SELECT_TEXT);
    assert_eq!(
        plain_verify(&mut card, 0x11, taro.text_pin().unwrap().expose()),
        StatusWord::SUCCESS
    );
    let (mut client, sw) = open_session(&mut card, 1);
    assert_eq!(sw, StatusWord::SUCCESS);

    // 照合番号A by SFI (P2 94) under SM, then the 個人番号 file it opens.
    assert_eq!(
        client.verify(&mut card, 0x94, taro.my_number().expose()),
        StatusWord::SUCCESS
    );
    assert_eq!(client.select_ef(&mut card, 0x0001), StatusWord::SUCCESS);
    let physical = client.read_binary(&mut card, 0, 0).unwrap();
    let mut expected = vec![0xFF, 0x10, 0x0C];
    expected.extend_from_slice(taro.my_number().expose());
    expected.extend_from_slice(&[0xFF, 0xFF]);
    assert_eq!(physical, expected, "Le 0 = the whole file, filler included");
    assert_eq!(
        client.read_binary(&mut card, 3, 12).unwrap(),
        taro.my_number().expose()
    );

    // Plain commands interleaved do not advance the counter.
    assert_eq!(send(&mut card, "00 84 00 00 08").sw, StatusWord::SUCCESS);
    // A refused SM command still advances it: a wrong 照合番号A costs a try.
    let tries = taro.retries().check_a.max - 1;
    assert_eq!(
        client.verify(&mut card, 0x94, b"000000000000"),
        StatusWord::verify_failed(tries)
    );
    assert_eq!(client.select_ef(&mut card, 0x0002), StatusWord::SUCCESS);
    let head = client.read_binary(&mut card, 0, 3).unwrap();
    send(&mut card, "00 A4 02 0C 02 00 02");
    assert_eq!(head, send(&mut card, "00 B0 00 00 03").data);
}

#[test]
fn the_session_needs_the_pin_not_check_a() {
    let taro = taro();
    let mut card = Card::with_seed(taro.card_profile(), 3);
    send(&mut card, SELECT_TEXT);
    assert_eq!(
        plain_verify(&mut card, 0x14, taro.my_number().expose()),
        StatusWord::SUCCESS
    );
    let (_, sw) = open_session(&mut card, 2);
    assert_eq!(sw, StatusWord(0x6982));
    assert_eq!(
        plain_verify(&mut card, 0x11, taro.text_pin().unwrap().expose()),
        StatusWord::SUCCESS
    );
    let (_, sw) = open_session(&mut card, 2);
    assert_eq!(sw, StatusWord::SUCCESS);
}

#[test]
fn a_wrong_counter_destroys_the_session() {
    let taro = taro();
    let mut card = Card::with_seed(taro.card_profile(), 3);
    send(&mut card, SELECT_TEXT);
    plain_verify(&mut card, 0x11, taro.text_pin().unwrap().expose());
    let (mut client, _) = open_session(&mut card, 3);
    client.counter = 5;
    assert_eq!(client.select_ef(&mut card, 0x0001), StatusWord(0x6988));
    client.counter = 1;
    assert_eq!(client.select_ef(&mut card, 0x0001), StatusWord(0x69FC));
    assert_eq!(client.read_binary(&mut card, 0, 0), Err(StatusWord(0x69FC)));
    // A new session starts over at 1.
    let (mut fresh, sw) = open_session(&mut card, 4);
    assert_eq!(sw, StatusWord::SUCCESS);
    assert_eq!(fresh.select_ef(&mut card, 0x0001), StatusWord::SUCCESS);
}

#[test]
fn data_objects_are_strict() {
    let taro = taro();
    let mut card = Card::with_seed(taro.card_profile(), 3);
    send(&mut card, SELECT_TEXT);
    plain_verify(&mut card, 0x11, taro.text_pin().unwrap().expose());
    let (mut client, _) = open_session(&mut card, 5);
    // 96 on VERIFY is the wrong object: 6988, and the session is gone.
    let (_, sw) = client.send(
        &mut card,
        [0x08, 0x20, 0x00, 0x94],
        &[0x96, 0x03, 0x00, 0x00, 0x00],
        false,
    );
    assert_eq!(sw, StatusWord(0x6988));
    assert_eq!(client.select_ef(&mut card, 0x0001), StatusWord(0x69FC));

    let (mut client, _) = open_session(&mut card, 6);
    // A second data object beside a correct one: 6988.
    let mut two = client.cryptogram(b"1234");
    two.extend_from_slice(&[0x96, 0x03, 0x00, 0x00, 0x00]);
    let (_, sw) = client.send(&mut card, [0x08, 0x20, 0x00, 0x91], &two, false);
    assert_eq!(sw, StatusWord(0x6988));

    let (mut client, _) = open_session(&mut card, 7);
    // CLA 0C wants a cryptographic checksum the session does not have.
    let data = client.cryptogram(&[0x00, 0x01]);
    let (_, sw) = client.send(&mut card, [0x0C, 0xA4, 0x02, 0x0C], &data, false);
    assert_eq!(sw, StatusWord(0x6987));
}

#[test]
fn without_a_session_the_sm_classes_are_refused_as_before() {
    let taro = taro();
    let mut card = Card::with_seed(taro.card_profile(), 3);
    send(&mut card, SELECT_TEXT);
    assert_eq!(
        send(&mut card, "08 A4 02 0C 02 00 01").sw,
        StatusWord(0x6882)
    );
    assert_eq!(send(&mut card, "08 B0 00 00 04").sw, StatusWord(0x69FC));
    // Other applications never open one.
    send(&mut card, SELECT_JPKI);
    assert_eq!(send(&mut card, "80 AE 00 00 00").sw, StatusWord(0x6982));
}

#[test]
fn selecting_another_application_ends_the_session() {
    let taro = taro();
    let mut card = Card::with_seed(taro.card_profile(), 3);
    send(&mut card, SELECT_TEXT);
    plain_verify(&mut card, 0x11, taro.text_pin().unwrap().expose());
    let (mut client, _) = open_session(&mut card, 8);
    assert_eq!(client.select_ef(&mut card, 0x0001), StatusWord::SUCCESS);
    send(&mut card, SELECT_JPKI);
    send(&mut card, SELECT_TEXT);
    // Gone, not destroyed: the card answers as it does without a session.
    assert_eq!(client.select_ef(&mut card, 0x0001), StatusWord(0x6882));
}
