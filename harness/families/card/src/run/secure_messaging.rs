//! The client side of the 券面事項入力補助AP's secure messaging (issue 8 D5),
//! as myna-card 3.3.4 `src/sm.rs` documents the protocol measured on a card
//! (written from that description, not from the emulator's card side):
//!
//! - `session_key`: SET SESSION KEY `80 AE 00 00` with an extended Lc and
//!   the RSA-OAEP(SHA-256) cryptogram of `A0 22 80 20 <32 random bytes>`
//!   under the key of text EF 0006; the session key is the first 16 bytes;
//! - `secure`: CLA `08`, one data object: `86 L 01 ‖ ciphertext` for VERIFY
//!   and SELECT FILE, `96 03 00 <Le:2>` for READ BINARY, whose answer is
//!   `86 L 01 ‖ ciphertext`; AES-128-CBC with ISO/IEC 7816-4 padding, IV =
//!   AES(key, N as 16 big-endian bytes), N starting at 1 and advancing with
//!   every secure command sent, refused ones included.
//!
//! The session lives until the next `session_key`: whether the card still
//! has it (another application selected, a power-off, a `6988`) is what a
//! scenario checks, so the client does not guess.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use myna_card_emu::persona::rsa_util::decode_card_public_key;
use myna_card_emu::{tlv, StatusWord};
use myna_family::Vars;
use rsa::{Oaep, RsaPublicKey};
use sha2::Sha256;

use super::action::{ActionCtx, ActionError, CardSession, Outcome};
use super::evidence::note;
use myna_scenario::Template;

use crate::step::SecureCommand;
use crate::target::TransportError;

type Encryptor = cbc::Encryptor<aes::Aes128>;
type Decryptor = cbc::Decryptor<aes::Aes128>;

const BLOCK: usize = 16;
/// Tag of the encrypted data object, both directions.
const TAG_CRYPTOGRAM: u8 = 0x86;
/// The padding-content indicator: ISO/IEC 7816-4 padding.
const PADDING_INDICATOR: u8 = 0x01;
/// Tag of the key delivery message, and of the key inside it.
const DELIVERY: [u8; 4] = [0xA0, 0x22, 0x80, 0x20];

/// An open session: the AES-128 key and the next command's counter.
pub(crate) struct SmSession {
    key: [u8; BLOCK],
    counter: u32,
}

impl std::fmt::Debug for SmSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmSession")
            .field("key", &"<redacted>")
            .field("counter", &self.counter)
            .finish()
    }
}

impl SmSession {
    fn iv(&self, n: u32) -> [u8; BLOCK] {
        let mut block = [0u8; BLOCK];
        block[BLOCK - 4..].copy_from_slice(&n.to_be_bytes());
        let mut out = [0u8; BLOCK];
        // One block of CBC with a zero IV is AES-ECB of that block.
        let _ = Encryptor::new(&self.key.into(), &[0u8; BLOCK].into())
            .encrypt_padded_b2b_mut::<NoPadding>(&block, &mut out);
        out
    }

    fn encrypt(&self, n: u32, plain: &[u8]) -> Vec<u8> {
        let mut padded = plain.to_vec();
        padded.push(0x80);
        while !padded.len().is_multiple_of(BLOCK) {
            padded.push(0);
        }
        let len = padded.len();
        Encryptor::new(&self.key.into(), &self.iv(n).into())
            .encrypt_padded_mut::<NoPadding>(&mut padded, len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    }

    fn decrypt(&self, n: u32, cipher: &[u8]) -> Result<Vec<u8>, String> {
        let mut buffer = cipher.to_vec();
        let mut plain = Decryptor::new(&self.key.into(), &self.iv(n).into())
            .decrypt_padded_mut::<NoPadding>(&mut buffer)
            .map_err(|_| format!("{} bytes are not whole AES blocks", cipher.len()))?
            .to_vec();
        while plain.last() == Some(&0) {
            plain.pop();
        }
        match plain.pop() {
            Some(0x80) => Ok(plain),
            _ => Err("the plaintext has no ISO/IEC 7816-4 padding (a wrong counter?)".into()),
        }
    }

    /// `86 L 01 ‖ E_N(plain)`.
    fn cryptogram(&self, n: u32, plain: &[u8]) -> Vec<u8> {
        let cipher = self.encrypt(n, plain);
        let mut value = vec![PADDING_INDICATOR];
        value.extend_from_slice(&cipher);
        let mut out = vec![TAG_CRYPTOGRAM];
        let len = value.len();
        if len > 0x7F {
            out.push(0x81);
        }
        out.push(u8::try_from(len).unwrap_or(0xFF));
        out.extend_from_slice(&value);
        out
    }
}

/// The card's encryption key from text EF 0006 as read (`A1 ‥ { 90 91 }`,
/// filler after it allowed) or from the bare `90 ‥ 91 ‥` encoding.
fn encryption_key(bytes: &[u8]) -> Option<RsaPublicKey> {
    match tlv::first(bytes) {
        Some(outer) if outer.tag == 0xA1 => decode_card_public_key(outer.value),
        _ => decode_card_public_key(bytes),
    }
}

fn render(vars: &Vars, template: &Template) -> Result<String, ActionError> {
    vars.render(template)
        .map(|r| r.text)
        .map_err(|e| super::action::undefined(&e.0))
}

impl CardSession {
    /// SET SESSION KEY with a fresh key; the session starts on `9000`.
    pub(super) fn session_key(
        &mut self,
        key: &Template,
        cx: &mut ActionCtx<'_>,
    ) -> Result<Outcome, ActionError> {
        let bytes = super::action::parse_hex(&render(cx.vars, key)?)?;
        let public = encryption_key(&bytes).ok_or_else(|| {
            ActionError::Author(
                "session_key.key is not an RSA key: expected text EF 0006 (`A1 ‥ { 90 e 91 n }`) or `90 e 91 n`".into(),
            )
        })?;
        let mut rng = rand::thread_rng();
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rng, &mut seed);
        let mut message = DELIVERY.to_vec();
        message.extend_from_slice(&seed);
        let cryptogram = public
            .encrypt(&mut rng, Oaep::new::<Sha256>(), &message)
            .map_err(|e| ActionError::Author(format!("session_key.key cannot encrypt: {e}")))?;
        let [hi, lo] = u16::try_from(cryptogram.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes();
        let mut apdu = vec![0x80, 0xAE, 0x00, 0x00, 0x00, hi, lo];
        apdu.extend_from_slice(&cryptogram);
        let response = self.exchange(&apdu, cx.log, cx.redactor)?;
        if response.sw == StatusWord::SUCCESS {
            let mut key = [0u8; BLOCK];
            key.copy_from_slice(&seed[..BLOCK]);
            self.sm = Some(SmSession { key, counter: 1 });
        }
        Ok(Outcome {
            data: response.data,
            sw: Some(response.sw),
        })
    }

    /// One command under the session's secure messaging.
    pub(super) fn secure(
        &mut self,
        command: &SecureCommand,
        cx: &mut ActionCtx<'_>,
    ) -> Result<Outcome, ActionError> {
        let Some(session) = self.sm.as_mut() else {
            return Err(ActionError::Author(
                "`secure` needs a session: a `session_key` step that the card answered 9000".into(),
            ));
        };
        let n = session.counter;
        session.counter = n.wrapping_add(1);
        let key = SmSession {
            key: session.key,
            counter: n,
        };
        let (apdu, reads) = match command {
            SecureCommand::Verify { pin, p2 } => {
                let value = render(cx.vars, pin)?;
                cx.redactor.add_text(&value);
                let data = key.cryptogram(n, value.as_bytes());
                (short(&[0x08, 0x20, 0x00, *p2], &data)?, false)
            }
            SecureCommand::SelectEf(ef) => {
                let fid = self.resolve_ef(ef)?;
                let data = key.cryptogram(n, &fid.to_be_bytes());
                (short(&[0x08, 0xA4, 0x02, 0x0C], &data)?, false)
            }
            SecureCommand::ReadBinary { offset, le } => {
                let [p1, p2] = offset.to_be_bytes();
                let [hi, lo] = le.to_be_bytes();
                let apdu = vec![
                    0x08, 0xB0, p1, p2, 0x00, 0x00, 0x05, 0x96, 0x03, 0x00, hi, lo, 0x00, 0x00,
                ];
                (apdu, true)
            }
        };
        let response = self.exchange(&apdu, cx.log, cx.redactor)?;
        if !reads || response.sw != StatusWord::SUCCESS {
            return Ok(Outcome {
                data: response.data,
                sw: Some(response.sw),
            });
        }
        let plain = tlv::first(&response.data)
            .filter(|object| object.tag == u32::from(TAG_CRYPTOGRAM))
            .and_then(|object| object.value.split_first())
            .filter(|(indicator, _)| **indicator == PADDING_INDICATOR)
            .ok_or_else(|| "the answer is not one `86 L 01 ‖ ciphertext` object".to_string())
            .and_then(|(_, cipher)| key.decrypt(n, cipher));
        let at_us = cx.log.now_us();
        match plain {
            Ok(plain) => {
                cx.log.push(note(
                    at_us,
                    &format!(
                        "secure messaging: {} bytes decrypted (N = {n})",
                        plain.len()
                    ),
                ));
                Ok(Outcome {
                    data: plain,
                    sw: Some(response.sw),
                })
            }
            // An answer that does not decrypt is the card's fault.
            Err(why) => Err(ActionError::Transport(TransportError::Malformed(format!(
                "secure messaging: {why}"
            )))),
        }
    }
}

/// A case-3 short APDU.
fn short(header: &[u8; 4], data: &[u8]) -> Result<Vec<u8>, ActionError> {
    let lc = u8::try_from(data.len())
        .map_err(|_| ActionError::Author(format!("{} bytes do not fit a short Lc", data.len())))?;
    let mut apdu = header.to_vec();
    apdu.push(lc);
    apdu.extend_from_slice(data);
    Ok(apdu)
}
