//! Secure messaging of the 券面事項入力補助AP, as myna-card 3.3.4 `src/sm.rs`
//! documents the protocol measured on a card (issue 8 D5):
//!
//! - after SET SESSION KEY (see `session_key.rs`), CLA `08` commands carry
//!   exactly one data object: `86 L 01 ‖ ciphertext` for VERIFY and SELECT
//!   FILE, `96 03 00 <Le:2>` for READ BINARY (Le 0 = the rest of the file,
//!   filler included); the READ BINARY answer is `86 L 01 ‖ ciphertext`;
//! - AES-128-CBC with ISO/IEC 7816-4 padding (always added); the IV of both
//!   directions is AES(key, N as 16 big-endian bytes), N starting at 1 and
//!   advancing with every SM command, refused ones included; plain commands
//!   do not advance it;
//! - a secure-messaging error — a wrong or second data object, a padding
//!   indicator other than `01`, padding that does not strip (a wrong N) —
//!   answers `6988` and destroys the session; CLA `0C` (header
//!   authenticated) answers `6987`, for the session has no checksum key;
//!   after that every SM command answers `69FC` until a new session;
//! - the session is the DF's, like its security status: it ends when
//!   another application or the ISD is selected, and at power-off.
//!
//! Without a session the SM classes answer as `apdu::Class` says (`6882`
//! on SELECT, `69FC` otherwise, card-protocol.md §3.1). An instruction other
//! than the three above under a session answers `69FC` and leaves the
//! session alone (our judgement; the source names only these three).
//!
//! The AES code is RustCrypto's `aes` and `cbc` crates; padding and the data
//! objects are the few lines below.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

use super::dispatch::{Outcome, Session};
use crate::apdu::{Command, CommandApdu, Instruction, StatusWord};

type Encryptor = cbc::Encryptor<aes::Aes128>;
type Decryptor = cbc::Decryptor<aes::Aes128>;

/// AES block size and key length.
const BLOCK: usize = 16;
/// Tag of the encrypted data object, both directions.
const TAG_CRYPTOGRAM: u8 = 0x86;
/// Tag of the expected-length data object of READ BINARY.
const TAG_EXPECTED_LENGTH: u8 = 0x96;
/// The only padding-content indicator the card accepts.
const PADDING_INDICATOR: u8 = 0x01;

/// An AES-128 session key. `Debug` does not show it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionKey([u8; BLOCK]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

impl SessionKey {
    /// The first 16 bytes of delivered key material (the card takes 32 and
    /// uses 16 with AES-128, myna-card 3.3.4 `sm::SEED_LEN`); `None` if
    /// shorter.
    pub(crate) fn from_material(material: &[u8]) -> Option<SessionKey> {
        let key: [u8; BLOCK] = material.get(..BLOCK)?.try_into().ok()?;
        Some(SessionKey(key))
    }

    /// AES(key, N as 16 big-endian bytes): CBC over one block with a zero IV.
    fn iv(&self, counter: u32) -> [u8; BLOCK] {
        let mut block = [0u8; BLOCK];
        block[BLOCK - 4..].copy_from_slice(&counter.to_be_bytes());
        let mut out = [0u8; BLOCK];
        let encrypted = Encryptor::new(&self.0.into(), &[0u8; BLOCK].into())
            .encrypt_padded_b2b_mut::<NoPadding>(&block, &mut out)
            .map(<[u8]>::len);
        match encrypted {
            Ok(BLOCK) => out,
            _ => [0u8; BLOCK],
        }
    }

    /// Pads (`80 00…`, always) and encrypts for `counter`.
    fn encrypt(&self, counter: u32, plain: &[u8]) -> Vec<u8> {
        let mut buffer = plain.to_vec();
        buffer.push(0x80);
        buffer.resize(buffer.len().div_ceil(BLOCK) * BLOCK, 0x00);
        let len = buffer.len();
        let ok = Encryptor::new(&self.0.into(), &self.iv(counter).into())
            .encrypt_padded_mut::<NoPadding>(&mut buffer, len)
            .is_ok();
        if ok {
            buffer
        } else {
            Vec::new()
        }
    }

    /// Decrypts for `counter` and strips the padding; `None` when the
    /// ciphertext is not whole blocks or the padding does not strip.
    fn decrypt(&self, counter: u32, cipher: &[u8]) -> Option<Vec<u8>> {
        if cipher.is_empty() || !cipher.len().is_multiple_of(BLOCK) {
            return None;
        }
        let mut buffer = cipher.to_vec();
        let plain_len = Decryptor::new(&self.0.into(), &self.iv(counter).into())
            .decrypt_padded_mut::<NoPadding>(&mut buffer)
            .ok()?
            .len();
        buffer.truncate(plain_len);
        while buffer.last() == Some(&0x00) {
            buffer.pop();
        }
        (buffer.pop() == Some(0x80)).then_some(buffer)
    }
}

/// The secure-messaging state of the current DF session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SecureSession {
    /// No session: the SM classes answer as the class rules say.
    None,
    /// A session of application `app`; `counter` is the N of the next SM
    /// command.
    Active {
        app: usize,
        key: SessionKey,
        counter: u32,
    },
    /// Destroyed by an SM error: every SM command answers `69FC`.
    Destroyed { app: usize },
}

/// One BER data object filling a command's whole data field: `(tag, value)`
/// with a short or `81`/`82` length (myna-card: "the length may be short
/// form or long form"); anything else `None`.
fn single_object(data: &[u8]) -> Option<(u8, &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, value) = match first {
        0x00..=0x7F => (usize::from(first), rest),
        0x81 => {
            let (&len, value) = rest.split_first()?;
            (usize::from(len), value)
        }
        0x82 => {
            let [hi, lo, value @ ..] = rest else {
                return None;
            };
            (usize::from(u16::from_be_bytes([*hi, *lo])), value)
        }
        _ => return None,
    };
    (value.len() == len).then_some((tag, value))
}

/// `86 L 01 ‖ cryptogram` with the shortest BER length.
fn cryptogram_object(cryptogram: &[u8]) -> Vec<u8> {
    let len = cryptogram.len() + 1;
    let mut out = vec![TAG_CRYPTOGRAM];
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.push(0x82);
        out.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    }
    out.push(PADDING_INDICATOR);
    out.extend_from_slice(cryptogram);
    out
}

/// What an SM command asks for once its data object is unwrapped.
enum Unwrapped {
    /// VERIFY / SELECT FILE with this plaintext data.
    Data(Vec<u8>),
    /// READ BINARY of this many plaintext bytes (0 = the rest of the file).
    Read(u16),
}

impl Session<'_> {
    /// Handles `apdu` if it is an SM command (CLA `08` or `0C`) and the
    /// current application has or had a session; `None` otherwise (the
    /// plain decoder then answers the class).
    pub(crate) fn secure_messaging(&mut self, apdu: &CommandApdu) -> Option<Outcome> {
        if !matches!(apdu.cla, 0x08 | 0x0C) {
            return None;
        }
        let current = self.volatile.current_app()?;
        match self.volatile.secure {
            SecureSession::Destroyed { app } if app == current => {
                Some(Err(StatusWord::SM_CLA_REFUSED))
            }
            SecureSession::Active { app, key, counter } if app == current => {
                Some(self.secure_command(apdu, app, key, counter))
            }
            _ => None,
        }
    }

    fn secure_command(
        &mut self,
        apdu: &CommandApdu,
        app: usize,
        key: SessionKey,
        counter: u32,
    ) -> Outcome {
        let ins = apdu.instruction();
        if !matches!(
            ins,
            Instruction::VERIFY | Instruction::SELECT | Instruction::READ_BINARY
        ) {
            return Err(StatusWord::SM_CLA_REFUSED);
        }
        if apdu.cla == 0x0C {
            self.volatile.secure = SecureSession::Destroyed { app };
            return Err(StatusWord::SM_OBJECTS_MISSING);
        }
        let Some(unwrapped) = unwrap(apdu.data(), ins, &key, counter) else {
            self.volatile.secure = SecureSession::Destroyed { app };
            return Err(StatusWord::SM_OBJECTS_INCORRECT);
        };
        self.volatile.secure = SecureSession::Active {
            app,
            key,
            counter: counter.wrapping_add(1),
        };
        let plain = match unwrapped {
            Unwrapped::Data(data) => CommandApdu::new(0x00, apdu.ins, apdu.p1, apdu.p2, data, None),
            Unwrapped::Read(0) => CommandApdu::with_form(
                0x00,
                apdu.ins,
                apdu.p1,
                apdu.p2,
                Vec::new(),
                Some(65_536),
                crate::apdu::LengthForm::Extended,
            ),
            Unwrapped::Read(len) => CommandApdu::new(
                0x00,
                apdu.ins,
                apdu.p1,
                apdu.p2,
                Vec::new(),
                Some(u32::from(len)),
            ),
        }
        .map_err(|error| error.status_word())?;
        let data = self.execute(Command::try_from(&plain)?)?;
        if ins == Instruction::READ_BINARY {
            Ok(cryptogram_object(&key.encrypt(counter, &data)))
        } else {
            Ok(Vec::new())
        }
    }
}

/// The plaintext (VERIFY, SELECT) or the expected length (READ BINARY) of
/// an SM command's data field; `None` for an SM error.
fn unwrap(data: &[u8], ins: Instruction, key: &SessionKey, counter: u32) -> Option<Unwrapped> {
    let (tag, value) = single_object(data)?;
    if ins == Instruction::READ_BINARY {
        return match (tag, value) {
            (TAG_EXPECTED_LENGTH, [0x00, hi, lo]) => {
                Some(Unwrapped::Read(u16::from_be_bytes([*hi, *lo])))
            }
            _ => None,
        };
    }
    match (tag, value.split_first()) {
        (TAG_CRYPTOGRAM, Some((&PADDING_INDICATOR, cryptogram))) => {
            key.decrypt(counter, cryptogram).map(Unwrapped::Data)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SessionKey {
        SessionKey::from_material(&[0x11; 32]).unwrap_or(SessionKey([0; BLOCK]))
    }

    #[test]
    fn padding_round_trips_and_always_adds() {
        let key = key();
        for plain in [&b""[..], b"1234", &[0xAB; 16][..], &[0xFF; 40][..]] {
            let cipher = key.encrypt(3, plain);
            assert_eq!(cipher.len(), (plain.len() / BLOCK + 1) * BLOCK);
            assert_eq!(key.decrypt(3, &cipher).as_deref(), Some(plain));
        }
    }

    #[test]
    fn a_wrong_counter_does_not_strip() {
        let key = key();
        let cipher = key.encrypt(1, b"537686677188");
        assert_ne!(
            key.decrypt(2, &cipher).as_deref(),
            Some(&b"537686677188"[..])
        );
        assert_ne!(key.iv(1), key.iv(2));
    }

    #[test]
    fn one_object_in_short_or_long_form() {
        assert_eq!(
            single_object(&[0x96, 0x03, 0, 0, 5]),
            Some((0x96, &[0, 0, 5][..]))
        );
        assert_eq!(
            single_object(&[0x86, 0x81, 0x01, 0x01]),
            Some((0x86, &[0x01][..]))
        );
        assert_eq!(
            single_object(&[0x86, 0x82, 0x00, 0x01, 0x01]),
            Some((0x86, &[0x01][..]))
        );
        assert_eq!(single_object(&[0x96, 0x03, 0, 0, 5, 0x96]), None);
        assert_eq!(single_object(&[0x96, 0x04, 0, 0, 5]), None);
        assert_eq!(single_object(&[]), None);
    }

    #[test]
    fn cryptogram_object_length_forms() {
        assert_eq!(cryptogram_object(&[0; 16])[..3], [0x86, 0x11, 0x01]);
        assert_eq!(cryptogram_object(&[0; 144])[..3], [0x86, 0x81, 0x91]);
        assert_eq!(cryptogram_object(&[0; 256])[..4], [0x86, 0x82, 0x01, 0x01]);
    }

    #[test]
    fn debug_hides_the_key() {
        assert!(!format!("{:?}", key()).contains("11"));
    }
}
