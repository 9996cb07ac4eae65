//! A persona: a synthetic test identity and the card issued to it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsa::RsaPrivateKey;
use time::Date;

use super::ca::CaMaterial;
use super::certified_key::CertifiedKey;
use super::jpki_ap::TokenInfo;
use super::retry::RetrySettings;
use super::sex::Sex;
use super::signed_images::SignedImages;
use crate::{Quirks, Secret};

/// The default contact ATR (OpenSC `card-jpki.c:32`, card-protocol.md §4 Physical layer).
pub const DEFAULT_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// The My Number Card JPKI token label (card-protocol.md §1.1).
pub const DEFAULT_TOKEN_LABEL: &str = "JPKIAPICCTOKEN2";

/// A TEST ONLY identity with its card: personal data, secrets, keys,
/// certificates and behaviour flags. Built by [`Persona::load`]; all fields
/// are read through accessors so the signed EF images cannot go stale.
///
/// `Debug` shows no PIN, password, 照合番号 or private key.
#[derive(Clone)]
pub struct Persona {
    pub(super) id: String,
    pub(super) dir: PathBuf,
    pub(super) description: String,
    pub(super) name: String,
    pub(super) name_kana: String,
    pub(super) address: String,
    pub(super) locality_romaji: (String, String),
    pub(super) birth_date: Date,
    pub(super) sex: Sex,
    pub(super) my_number: Secret,
    pub(super) auth_pin: Option<Secret>,
    pub(super) sign_password: Option<Secret>,
    pub(super) text_pin: Option<Secret>,
    pub(super) juki_pin: Option<Secret>,
    pub(super) security_code: Secret,
    pub(super) birth_key: Secret,
    pub(super) check_b: Secret,
    pub(super) card_expiry: Date,
    pub(super) municipality_code: String,
    pub(super) card_serial: String,
    pub(super) auth: CertifiedKey,
    pub(super) sign: Option<CertifiedKey>,
    pub(super) common_key: RsaPrivateKey,
    pub(super) face_only: bool,
    pub(super) atr: Vec<u8>,
    pub(super) token_label: String,
    pub(super) token_info: TokenInfo,
    pub(super) retries: RetrySettings,
    pub(super) quirks: Quirks,
    pub(super) ca: Arc<CaMaterial>,
    pub(super) images: SignedImages,
    pub(super) phone: Option<super::phone::PhoneOptions>,
}

impl fmt::Debug for Persona {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Persona")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("birth_date", &super::dates::yyyymmdd(self.birth_date))
            .field("sex", &self.sex)
            .field("card_expiry", &super::dates::yyyymmdd(self.card_expiry))
            .field("municipality_code", &self.municipality_code)
            .field("auth", &self.auth)
            .field("sign", &self.sign)
            .field("face_only", &self.face_only)
            .field("retries", &self.retries)
            .field("phone", &self.phone.is_some())
            .finish_non_exhaustive()
    }
}

impl Persona {
    /// Persona id (= directory name), e.g. `taro`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The directory it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// What the persona is for.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// 氏名 (漢字, family U+3000 given).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// 氏名 in katakana.
    pub fn name_kana(&self) -> &str {
        &self.name_kana
    }
    /// 住所 (UTF-8, full-width digits).
    pub fn address(&self) -> &str {
        &self.address
    }
    /// Romaji (prefecture, city) of the 署名用 certificate subject.
    pub fn locality_romaji(&self) -> (&str, &str) {
        (&self.locality_romaji.0, &self.locality_romaji.1)
    }
    /// 生年月日.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }
    /// Age in whole years on `date` (0 before the birth date).
    pub fn age_on(&self, date: Date) -> u32 {
        let mut years = date.year() - self.birth_date.year();
        if (date.month(), date.day()) < (self.birth_date.month(), self.birth_date.day()) {
            years -= 1;
        }
        u32::try_from(years).unwrap_or(0)
    }
    /// 性別.
    pub fn sex(&self) -> Sex {
        self.sex
    }
    /// 個人番号 = 照合番号A (12 digits).
    pub fn my_number(&self) -> &Secret {
        &self.my_number
    }
    /// 利用者証明用 PIN; `None` on face-only cards.
    pub fn auth_pin(&self) -> Option<&Secret> {
        self.auth_pin.as_ref()
    }
    /// 署名用パスワード; `None` when no 署名用 certificate.
    pub fn sign_password(&self) -> Option<&Secret> {
        self.sign_password.as_ref()
    }
    /// 券面事項入力補助用 PIN; `None` on face-only cards.
    pub fn text_pin(&self) -> Option<&Secret> {
        self.text_pin.as_ref()
    }
    /// 住民基本台帳用 PIN; `None` when unset.
    pub fn juki_pin(&self) -> Option<&Secret> {
        self.juki_pin.as_ref()
    }
    /// セキュリティコード (4 digits).
    pub fn security_code(&self) -> &Secret {
        &self.security_code
    }
    /// 生年月日 key: 和暦 YYMMDD (card-protocol.md §1.3).
    pub fn birth_key(&self) -> &Secret {
        &self.birth_key
    }
    /// 照合番号B = birth key ‖ expiry year ‖ security code (card-protocol.md §1.3).
    pub fn check_b(&self) -> &Secret {
        &self.check_b
    }
    /// Card expiry date.
    pub fn card_expiry(&self) -> Date {
        self.card_expiry
    }
    /// 5-digit municipality code.
    pub fn municipality_code(&self) -> &str {
        &self.municipality_code
    }
    /// 15-digit card serial (共通AP EF 0001).
    pub fn card_serial(&self) -> &str {
        &self.card_serial
    }
    /// 利用者証明用 certificate and key.
    pub fn auth(&self) -> &CertifiedKey {
        &self.auth
    }
    /// 署名用 certificate and key, if issued.
    pub fn sign(&self) -> Option<&CertifiedKey> {
        self.sign.as_ref()
    }
    /// 共通AP INTERNAL AUTHENTICATE key.
    pub fn common_key(&self) -> &RsaPrivateKey {
        &self.common_key
    }
    /// Face-only card (no PINs set). Modelling choice, uncertain: VERIFY of an
    /// unset PIN answers `6984` (see vectors/personas/README.md).
    pub fn face_only(&self) -> bool {
        self.face_only
    }
    /// The ATR.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }
    /// JPKI token label.
    pub fn token_label(&self) -> &str {
        &self.token_label
    }
    /// The other JPKI EF 0006 fields (uncertain, per persona).
    pub fn token_info(&self) -> &TokenInfo {
        &self.token_info
    }
    /// Retry limits and tries left at manufacture.
    pub fn retries(&self) -> &RetrySettings {
        &self.retries
    }
    /// Quirks of this card.
    pub fn quirks(&self) -> &Quirks {
        &self.quirks
    }
    /// The same persona with other quirks (none of them changes a signed
    /// image, so nothing is recomputed).
    pub fn with_quirks(mut self, quirks: Quirks) -> Persona {
        self.quirks = quirks;
        self
    }
    /// Shared CA material.
    pub fn ca(&self) -> &CaMaterial {
        &self.ca
    }
    /// The signed 券面 AP EF images.
    pub fn signed_images(&self) -> &SignedImages {
        &self.images
    }
}
