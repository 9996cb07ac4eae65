//! [`Persona::card_profile`]: the persona's card as a [`CardProfile`],
//! byte-exact to card-protocol.md §1.

use super::common_ap::{common_record, COMMON_AP_AID, JUKI_AP_AID};
use super::dates::yyyymmdd;
use super::jpki_ap::{ef0006_token_info, ef0008_availability, JPKI_AP_AID};
use super::mf::{mf_files, mf_objects, MfInputs};
use super::retry::Counter;
use super::surface_ap::SURFACE_AP_AID;
use super::text_ap::{self, TEXT_AP_AID};
use super::Persona;
use crate::{
    Access, AppKind, Application, CardProfile, ElementaryFile, FileContent, PrivateKeyEf, Secret,
    SecretEf, SessionKeySupport,
};

/// FID of the text AP's own signing key (card-protocol.md §1.2 EF 0007: "EF 0013").
pub const TEXT_AP_KEY_FID: u16 = 0x0013;
/// FID given to the surface AP's own signing key. Not in the sources (the
/// `80 2A 00 00` form names no key); chosen not to clash with 0011–0013.
pub const SURFACE_AP_KEY_FID: u16 = 0x0014;

fn file(fid: u16, bytes: Vec<u8>, read: Access) -> ElementaryFile {
    ElementaryFile {
        fid,
        sfi: None,
        content: FileContent::Transparent(bytes),
        read,
    }
}

fn secret(
    fid: u16,
    label: &'static str,
    value: Option<Secret>,
    counter: Counter,
    changeable: bool,
) -> SecretEf {
    SecretEf {
        fid,
        label,
        value,
        max_tries: counter.max,
        tries_left: counter.left,
        changeable,
    }
}

impl Persona {
    /// The card as plain data for the card module. Cheap and infallible: the
    /// signed images were computed at load.
    pub fn card_profile(&self) -> CardProfile {
        CardProfile {
            atr: self.atr.clone(),
            applications: vec![
                self.jpki_application(),
                self.text_application(),
                self.surface_application(),
                self.common_application(),
                self.juki_application(),
            ],
            mf_objects: mf_objects(&MfInputs {
                atr: &self.atr,
                contact_atr_at_mf: self.quirks.contact_atr_at_mf,
                municipality_code: &self.municipality_code,
                expiry_yyyymmdd: &yyyymmdd(self.card_expiry),
                card_serial: &self.card_serial,
                chain_upper: &self.ca.mf_chain_upper,
                chain_lower: &self.ca.mf_chain_lower,
                intermediate_key_id: &self.ca.mf_intermediate_key_id,
            }),
            mf_files: mf_files(),
            quirks: self.quirks.clone(),
        }
    }

    /// JPKI AP (card-protocol.md §1.1). Without a 署名用 certificate, EF 0001
    /// exists but is empty, 001B holds no password (VERIFY → `6984`) and key
    /// 001A is absent; EF 0008 then reads `00 8F 00`.
    fn jpki_application(&self) -> Application {
        let r = &self.retries;
        let mut keys = vec![PrivateKeyEf {
            fid: 0x0017,
            key: self.auth.key.clone(),
            use_access: Access::AnyOf(vec![0x0018]),
            sign: true,
            internal_authenticate: false,
        }];
        if let Some(sign) = &self.sign {
            keys.push(PrivateKeyEf {
                fid: 0x001A,
                key: sign.key.clone(),
                use_access: Access::AnyOf(vec![0x001B]),
                sign: true,
                internal_authenticate: false,
            });
        }
        let sign_cert = self
            .sign
            .as_ref()
            .map(|s| s.cert_der.clone())
            .unwrap_or_default();
        Application {
            kind: AppKind::Jpki,
            aid: JPKI_AP_AID.to_vec(),
            files: vec![
                file(0x0001, sign_cert, Access::AnyOf(vec![0x001B])),
                file(0x0002, self.ca.sign_ca_cert.clone(), Access::Always),
                file(0x000A, self.auth.cert_der.clone(), Access::Always),
                file(0x000B, self.ca.auth_ca_cert.clone(), Access::Always),
                file(
                    0x0006,
                    ef0006_token_info(&self.token_label, &self.card_serial, &self.token_info),
                    Access::Always,
                ),
                file(
                    0x0008,
                    ef0008_availability(self.sign.is_some(), true),
                    Access::Always,
                ),
            ],
            secrets: vec![
                secret(
                    0x0018,
                    "利用者証明用 PIN",
                    self.auth_pin.clone(),
                    r.auth_pin,
                    true,
                ),
                secret(
                    0x001B,
                    "署名用パスワード",
                    self.sign_password.clone(),
                    r.sign_password,
                    true,
                ),
            ],
            keys,
            session_key: SessionKeySupport::Refused(0x6982),
        }
    }

    /// 券面事項入力補助AP (card-protocol.md §1.2). EF 0003 opens with the PIN
    /// or 照合番号A, and with 照合番号B when `quirks.text_integrity_by_check_b`;
    /// EF 0005 holds 256 bytes (the object and filler).
    fn text_application(&self) -> Application {
        let r = &self.retries;
        let pin_or_check = Access::AnyOf(vec![0x0011, 0x0014, 0x0015]);
        let integrity = if self.quirks.text_integrity_by_check_b {
            pin_or_check.clone()
        } else {
            Access::AnyOf(vec![0x0011, 0x0014])
        };
        Application {
            kind: AppKind::TextHelper,
            aid: TEXT_AP_AID.to_vec(),
            files: vec![
                file(
                    0x0001,
                    text_ap::ef0001_my_number(self.my_number.expose()),
                    Access::AnyOf(vec![0x0011, 0x0014]),
                ),
                file(
                    0x0002,
                    self.text_ef0002(),
                    Access::AnyOf(vec![0x0011, 0x0015]),
                ),
                file(0x0003, self.images.text_ef0003.clone(), integrity),
                file(0x0004, self.ca.text_cv_cert.clone(), Access::Always),
                file(0x0005, text_ap::ef0005_physical(), Access::Always),
                file(
                    0x0006,
                    text_ap::ef0006_session_key(&self.ca.text_session_public()),
                    pin_or_check.clone(),
                ),
                file(0x0007, self.images.text_ef0007.clone(), pin_or_check),
                file(0x0008, text_ap::ef0008(), Access::Always),
            ],
            secrets: vec![
                secret(
                    0x0011,
                    "券面事項入力補助用 PIN",
                    self.text_pin.clone(),
                    r.text_pin,
                    true,
                ),
                secret(
                    0x0012,
                    "券面事項入力補助AP 閉塞鍵 0012",
                    Some(Secret::new(b"0000".to_vec())),
                    Counter { max: 3, left: 0 },
                    false,
                ),
                secret(
                    0x0014,
                    "照合番号A",
                    Some(self.my_number.clone()),
                    r.check_a,
                    false,
                ),
                secret(
                    0x0015,
                    "照合番号B",
                    Some(self.check_b.clone()),
                    r.check_b,
                    false,
                ),
            ],
            keys: vec![PrivateKeyEf {
                fid: TEXT_AP_KEY_FID,
                key: self.ca.text_ap_key.clone(),
                use_access: Access::Always,
                sign: true,
                internal_authenticate: false,
            }],
            session_key: SessionKeySupport::Accepted {
                key: Box::new(self.ca.text_session_key.clone()),
                needs: vec![0x0011],
            },
        }
    }

    /// Text EF 0002 (基本4情報).
    pub(super) fn text_ef0002(&self) -> Vec<u8> {
        text_ap::ef0002_basic_four(
            &self.name,
            &self.address,
            &yyyymmdd(self.birth_date),
            self.sex.ascii(),
        )
    }

    /// 券面事項確認AP (card-protocol.md §1.3).
    fn surface_application(&self) -> Application {
        let r = &self.retries;
        Application {
            kind: AppKind::SurfaceCheck,
            aid: SURFACE_AP_AID.to_vec(),
            files: vec![
                file(
                    0x0001,
                    self.images.surface_ef0001.clone(),
                    Access::AnyOf(vec![0x0011]),
                ),
                file(
                    0x0002,
                    self.images.surface_ef0002.clone(),
                    Access::AnyOf(vec![0x0013, 0x0012]),
                ),
                file(0x0003, self.images.surface_ef0003.clone(), Access::Always),
                file(0x0004, self.ca.surface_cv_cert.clone(), Access::Always),
                file(
                    0x0005,
                    self.images.surface_ef0005.clone(),
                    Access::AnyOf(vec![0x0013]),
                ),
            ],
            secrets: vec![
                secret(
                    0x0011,
                    "生年月日",
                    Some(self.birth_key.clone()),
                    r.birth_key,
                    false,
                ),
                secret(
                    0x0012,
                    "照合番号B",
                    Some(self.check_b.clone()),
                    r.check_b,
                    false,
                ),
                secret(
                    0x0013,
                    "照合番号A",
                    Some(self.my_number.clone()),
                    r.check_a,
                    false,
                ),
            ],
            keys: vec![PrivateKeyEf {
                fid: SURFACE_AP_KEY_FID,
                key: self.ca.surface_ap_key.clone(),
                use_access: Access::Always,
                sign: true,
                internal_authenticate: false,
            }],
            session_key: SessionKeySupport::Refused(0x66F1),
        }
    }

    /// EF 0002 of the 共通カードAP and the 住基AP: one record holding a
    /// 16-byte key reference, byte-identical in both (myna-card 3.3.4
    /// `ap::common::ef::KEY_REFERENCE`, `ap::juki`; what key it names is not
    /// identified, so the value is a per-persona placeholder).
    fn key_reference_file(&self) -> ElementaryFile {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("JPKI-TEST key reference 0002 {}", self.id).as_bytes());
        ElementaryFile {
            fid: 0x0002,
            sfi: Some(2),
            content: FileContent::Records(vec![digest.get(..16).unwrap_or_default().to_vec()]),
            read: Access::Always,
        }
    }

    /// 住民基本台帳用 PIN 001C, held by the 共通カードAP and the 住基AP as two
    /// separate key references with one value, each changed with CHANGE KEY
    /// (myna-card 3.3.4 `CommonAp::change_pin`, `JukiAp::change_pin`).
    fn juki_pin_secret(&self) -> SecretEf {
        secret(
            0x001C,
            "住民基本台帳用 PIN",
            self.juki_pin.clone(),
            self.retries.juki_pin,
            true,
        )
    }

    /// 共通カードAP (card-protocol.md §1.4). Its PIN 001C is changed with
    /// JICSAP CHANGE KEY (myna-card 3.3.4 `CommonAp::change_pin`).
    fn common_application(&self) -> Application {
        let record = common_record(
            &self.card_serial,
            &self.municipality_code,
            &yyyymmdd(self.card_expiry),
        );
        Application {
            kind: AppKind::Common,
            aid: COMMON_AP_AID.to_vec(),
            files: vec![
                ElementaryFile {
                    fid: 0x0001,
                    sfi: Some(1),
                    content: FileContent::Records(vec![record]),
                    read: Access::Always,
                },
                self.key_reference_file(),
            ],
            secrets: vec![self.juki_pin_secret()],
            keys: vec![PrivateKeyEf {
                fid: 0x0019,
                key: self.common_key.clone(),
                use_access: Access::Always,
                sign: false,
                internal_authenticate: true,
            }],
            session_key: SessionKeySupport::Refused(0x66F1),
        }
    }

    /// 住基AP (card-protocol.md §1.4): the key-reference record EF 0002 and
    /// PIN 001C, changed with CHANGE KEY (myna-card 3.3.4 `JukiAp::change_pin`).
    fn juki_application(&self) -> Application {
        Application {
            kind: AppKind::Juki,
            aid: JUKI_AP_AID.to_vec(),
            files: vec![self.key_reference_file()],
            secrets: vec![self.juki_pin_secret()],
            keys: Vec::new(),
            session_key: SessionKeySupport::Refused(0x6982),
        }
    }
}
