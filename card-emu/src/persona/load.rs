//! Loading personas from `vectors/personas/`: `persona.yaml` plus DER files,
//! and the shared `ca/` directory. Loading parses and signs; it never
//! generates a key.

use std::path::Path;
use std::sync::Arc;

use super::ca::CaMaterial;
use super::certified_key::{load_private_key, read, CertifiedKey};
use super::dates::{format_utc, parse_utc, parse_yyyymmdd, yyyymmdd};
use super::document::{
    CounterEntry, PersonaDocument, PhoneEntry, QuirkEntries, SecretText, TokenInfoEntries,
};
use super::jpki_ap::TokenInfo;
use super::my_number::is_valid_my_number;
use super::persona::{DEFAULT_ATR, DEFAULT_TOKEN_LABEL};
use super::phone::{default_phone_serial, PhoneOptions, PHONE_APPLICATIONS};
use super::retry::{Counter, RetrySettings};
use super::sex::Sex;
use super::signed_images::{ImageInputs, SignedImages};
use super::surface_ap::CardFace;
use super::text_ap;
use super::validate::{is_digits, is_sign_password, parse_sw};
use super::wareki::wareki_yymmdd;
use super::{files, Persona, PersonaError};
use crate::profile::AppKind;
use crate::{Quirks, Secret};

/// The ids of the personas under `root`, sorted; skips `ca` and entries
/// without a `persona.yaml`.
pub fn list(root: &Path) -> Result<Vec<String>, PersonaError> {
    let io = |source| PersonaError::Io {
        path: root.to_owned(),
        source,
    };
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(root).map_err(io)? {
        let entry = entry.map_err(io)?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name != files::CA_DIR && entry.path().join(files::PERSONA_YAML).is_file() {
            ids.push(name);
        }
    }
    ids.sort();
    Ok(ids)
}

/// Checks a field, producing a located error.
struct FieldCheck<'a> {
    path: &'a Path,
}

impl FieldCheck<'_> {
    fn fail(&self, field: &'static str, reason: impl Into<String>) -> PersonaError {
        PersonaError::InvalidField {
            path: self.path.to_owned(),
            field,
            reason: reason.into(),
        }
    }

    fn ensure(&self, ok: bool, field: &'static str, reason: &str) -> Result<(), PersonaError> {
        if ok {
            Ok(())
        } else {
            Err(self.fail(field, reason))
        }
    }

    fn digits_secret(
        &self,
        field: &'static str,
        value: &SecretText,
        len: usize,
    ) -> Result<Secret, PersonaError> {
        self.ensure(
            is_digits(&value.0, len),
            field,
            &format!("must be {len} ASCII digits"),
        )?;
        Ok(Secret::new(value.0.as_bytes().to_vec()))
    }

    fn date(&self, field: &'static str, value: &str) -> Result<time::Date, PersonaError> {
        parse_yyyymmdd(value)
            .ok_or_else(|| self.fail(field, format!("`{value}` is not a date YYYYMMDD")))
    }

    fn counter(
        &self,
        field: &'static str,
        entry: Option<CounterEntry>,
        default: Counter,
    ) -> Result<Counter, PersonaError> {
        let Some(entry) = entry else {
            return Ok(default);
        };
        let left = entry.left.unwrap_or(entry.max);
        self.ensure(
            (1..=15).contains(&entry.max) && left <= entry.max,
            field,
            "needs 1 <= max <= 15 and left <= max",
        )?;
        Ok(Counter {
            max: entry.max,
            left,
        })
    }
}

impl Persona {
    /// Loads the persona in `dir` (`<root>/<id>`); the CA material comes from
    /// `<root>/ca`.
    pub fn load(dir: &Path) -> Result<Persona, PersonaError> {
        let root = dir.parent().unwrap_or(Path::new("."));
        let ca = Arc::new(CaMaterial::load(&root.join(files::CA_DIR))?);
        Self::load_with_ca(dir, ca)
    }

    /// Loads persona `id` under `root`.
    pub fn load_named(root: &Path, id: &str) -> Result<Persona, PersonaError> {
        let dir = root.join(id);
        let is_plain_name = !id.is_empty()
            && id != files::CA_DIR
            && !id.contains(['/', '\\'])
            && id != "."
            && id != "..";
        if !is_plain_name || !dir.join(files::PERSONA_YAML).is_file() {
            return Err(PersonaError::UnknownPersona {
                root: root.to_owned(),
                id: id.to_owned(),
            });
        }
        Self::load(&dir)
    }

    /// Loads the persona in `dir` with already-loaded CA material.
    pub fn load_with_ca(dir: &Path, ca: Arc<CaMaterial>) -> Result<Persona, PersonaError> {
        let yaml_path = dir.join(files::PERSONA_YAML);
        let text = String::from_utf8(read(&yaml_path)?).map_err(|_| PersonaError::Yaml {
            path: yaml_path.clone(),
            message: "not UTF-8".to_owned(),
        })?;
        let doc = PersonaDocument::from_yaml(&text).map_err(|message| PersonaError::Yaml {
            path: yaml_path.clone(),
            message,
        })?;
        from_document(dir, &yaml_path, doc, ca)
    }
}

fn from_document(
    dir: &Path,
    yaml_path: &Path,
    doc: PersonaDocument,
    ca: Arc<CaMaterial>,
) -> Result<Persona, PersonaError> {
    let check = FieldCheck { path: yaml_path };
    check.ensure(
        doc.test_only,
        "test_only",
        "must be true (personas are TEST ONLY)",
    )?;
    let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    check.ensure(doc.id == dir_name, "id", "must equal the directory name")?;
    check.ensure(
        doc.name.contains('\u{3000}'),
        "name",
        "family and given name must be separated by U+3000",
    )?;
    check.ensure(
        doc.name_kana.contains('\u{3000}'),
        "name_kana",
        "family and given name must be separated by U+3000",
    )?;
    check.ensure(!doc.address.is_empty(), "address", "must not be empty")?;
    let birth_date = check.date("birth_date", &doc.birth_date)?;
    let card_expiry = check.date("card_expiry", &doc.card_expiry)?;
    let sex = Sex::from_digit(doc.sex)
        .ok_or_else(|| check.fail("sex", "must be a JIS X 0303 digit 0, 1, 2 or 9"))?;
    check.ensure(
        is_valid_my_number(&doc.my_number.0),
        "my_number",
        "must be 12 digits with a valid check digit",
    )?;
    let my_number = Secret::new(doc.my_number.0.as_bytes().to_vec());
    let auth_pin = doc
        .auth_pin
        .as_ref()
        .map(|v| check.digits_secret("auth_pin", v, 4))
        .transpose()?;
    let text_pin = doc
        .text_pin
        .as_ref()
        .map(|v| check.digits_secret("text_pin", v, 4))
        .transpose()?;
    let juki_pin = doc
        .juki_pin
        .as_ref()
        .map(|v| check.digits_secret("juki_pin", v, 4))
        .transpose()?;
    let security_code = check.digits_secret("security_code", &doc.security_code, 4)?;
    let sign_password = match &doc.sign_password {
        Some(v) => {
            check.ensure(
                is_sign_password(&v.0),
                "sign_password",
                "must be 6-16 of A-Z 0-9 with at least one letter and one digit",
            )?;
            Some(Secret::new(v.0.as_bytes().to_vec()))
        }
        None => None,
    };
    if doc.face_only {
        check.ensure(
            auth_pin.is_none() && text_pin.is_none() && sign_password.is_none(),
            "face_only",
            "a face-only card has no auth_pin, text_pin or sign_password",
        )?;
    }
    check.ensure(
        sign_password.is_some() == doc.sign_cert.is_some() || doc.face_only,
        "sign_password",
        "must be present exactly when sign_cert is",
    )?;
    let birth_key_text = wareki_yymmdd(birth_date)
        .ok_or_else(|| check.fail("birth_date", "has no 和暦 YYMMDD (before 大正)"))?;
    let check_b_text = format!(
        "{birth_key_text}{:04}{}",
        card_expiry.year(),
        doc.security_code.0
    );
    if let Some(written) = &doc.birth_key {
        check.ensure(
            written.0 == birth_key_text,
            "birth_key",
            "does not match the 和暦 of birth_date",
        )?;
    }
    if let Some(written) = &doc.check_b {
        check.ensure(
            written.0 == check_b_text,
            "check_b",
            "does not equal birth_key ‖ card_expiry year ‖ security_code",
        )?;
    }
    check.ensure(
        is_digits(&doc.municipality_code, 5),
        "municipality_code",
        "must be 5 ASCII digits",
    )?;
    check.ensure(
        is_digits(&doc.card_serial, 15),
        "card_serial",
        "must be 15 ASCII digits",
    )?;
    let atr = match &doc.atr {
        Some(hex_text) => hex::decode(hex_text.replace(' ', ""))
            .ok()
            .filter(|bytes| (2..=33).contains(&bytes.len()))
            .ok_or_else(|| check.fail("atr", "must be 2..=33 bytes of hex"))?,
        None => DEFAULT_ATR.to_vec(),
    };
    let token_label = doc
        .token_label
        .clone()
        .unwrap_or_else(|| DEFAULT_TOKEN_LABEL.to_owned());
    check.ensure(
        token_label.is_ascii() && token_label.len() <= 32,
        "token_label",
        "must be at most 32 ASCII bytes",
    )?;
    let defaults = RetrySettings::default();
    let retries = RetrySettings {
        auth_pin: check.counter("retries.auth_pin", doc.retries.auth_pin, defaults.auth_pin)?,
        sign_password: check.counter(
            "retries.sign_password",
            doc.retries.sign_password,
            defaults.sign_password,
        )?,
        text_pin: check.counter("retries.text_pin", doc.retries.text_pin, defaults.text_pin)?,
        juki_pin: check.counter("retries.juki_pin", doc.retries.juki_pin, defaults.juki_pin)?,
        check_a: check.counter("retries.check_a", doc.retries.check_a, defaults.check_a)?,
        check_b: check.counter("retries.check_b", doc.retries.check_b, defaults.check_b)?,
        birth_key: check.counter(
            "retries.birth_key",
            doc.retries.birth_key,
            defaults.birth_key,
        )?,
    };
    let quirks = quirks_of(&check, &doc.quirks)?;
    let token_info = token_info_of(&check, doc.token_info.as_ref())?;

    let auth = CertifiedKey::load(&dir.join(files::AUTH_CERT), &dir.join(files::AUTH_KEY))?;
    check_certificate(&dir.join(files::AUTH_CERT), &auth, &doc.auth_cert)?;
    let sign = match &doc.sign_cert {
        Some(entry) => {
            let sign = CertifiedKey::load(&dir.join(files::SIGN_CERT), &dir.join(files::SIGN_KEY))?;
            check_certificate(&dir.join(files::SIGN_CERT), &sign, entry)?;
            Some(sign)
        }
        None => None,
    };
    let common_path = dir.join(files::COMMON_KEY);
    let common_key = if common_path.exists() {
        load_private_key(&common_path)?
    } else {
        ca.default_common_key
            .clone()
            .ok_or_else(|| PersonaError::Io {
                path: common_path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no 共通AP key here nor in ca/",
                ),
            })?
    };

    let mut persona = Persona {
        id: doc.id,
        dir: dir.to_owned(),
        description: doc.description,
        name: doc.name,
        name_kana: doc.name_kana,
        address: doc.address,
        locality_romaji: (doc.locality_romaji.prefecture, doc.locality_romaji.city),
        birth_date,
        sex,
        my_number,
        auth_pin,
        sign_password,
        text_pin,
        juki_pin,
        security_code,
        birth_key: Secret::new(birth_key_text.into_bytes()),
        check_b: Secret::new(check_b_text.into_bytes()),
        card_expiry,
        municipality_code: doc.municipality_code,
        card_serial: doc.card_serial,
        auth,
        sign,
        common_key,
        face_only: doc.face_only,
        atr,
        token_label,
        token_info,
        retries,
        quirks,
        ca,
        images: SignedImages::default(),
        phone: None,
    };
    persona.phone = doc
        .phone
        .as_ref()
        .map(|entry| phone_of(&check, entry, &persona.auth.serial))
        .transpose()?;
    persona.images = compute_images(&persona)?;
    Ok(persona)
}

fn quirks_of(check: &FieldCheck<'_>, entries: &QuirkEntries) -> Result<Quirks, PersonaError> {
    let sw = |field: &'static str, text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_sw(t).ok_or_else(|| check.fail(field, "must be 4 hex digits")))
            .transpose()
    };
    let defaults = Quirks::default();
    Ok(Quirks {
        read_past_end_sw: sw("quirks.read_past_end_sw", &entries.read_past_end_sw)?
            .unwrap_or(defaults.read_past_end_sw),
        empty_verify_after_success: sw(
            "quirks.empty_verify_after_success",
            &entries.empty_verify_after_success,
        )?,
        empty_verify_unset_sw: sw(
            "quirks.empty_verify_unset_sw",
            &entries.empty_verify_unset_sw,
        )?,
        contact_atr_at_mf: entries
            .contact_atr_at_mf
            .unwrap_or(defaults.contact_atr_at_mf),
        text_integrity_by_check_b: entries
            .text_integrity_by_check_b
            .unwrap_or(defaults.text_integrity_by_check_b),
    })
}

fn token_info_of(
    check: &FieldCheck<'_>,
    entries: Option<&TokenInfoEntries>,
) -> Result<TokenInfo, PersonaError> {
    let defaults = TokenInfo::default();
    let Some(entries) = entries else {
        return Ok(defaults);
    };
    let ascii =
        |field: &'static str, value: &Option<String>, max: usize, default: String| match value {
            None => Ok(default),
            Some(text) if text.is_ascii() && text.len() <= max => Ok(text.clone()),
            Some(_) => Err(check.fail(field, format!("must be at most {max} ASCII bytes"))),
        };
    let flags = match &entries.flags {
        None => defaults.flags,
        Some(text) => u32::from_str_radix(text, 16)
            .map_err(|_| check.fail("token_info.flags", "must be hex, at most 8 digits"))?,
    };
    Ok(TokenInfo {
        manufacturer: ascii(
            "token_info.manufacturer",
            &entries.manufacturer,
            32,
            defaults.manufacturer,
        )?,
        model: ascii("token_info.model", &entries.model, 16, defaults.model)?,
        flags,
        max_pin_len: entries.max_pin_len.unwrap_or(defaults.max_pin_len),
        min_pin_len: entries.min_pin_len.unwrap_or(defaults.min_pin_len),
        hardware_version: ascii(
            "token_info.hardware_version",
            &entries.hardware_version,
            2,
            defaults.hardware_version,
        )?,
        firmware_version: ascii(
            "token_info.firmware_version",
            &entries.firmware_version,
            2,
            defaults.firmware_version,
        )?,
    })
}

fn check_certificate(
    path: &Path,
    cert: &CertifiedKey,
    entry: &super::document::CertificateEntry,
) -> Result<(), PersonaError> {
    let mismatch = |reason: String| PersonaError::Mismatch {
        path: path.to_owned(),
        reason,
    };
    if cert.serial_hex() != entry.serial.to_ascii_uppercase() {
        return Err(mismatch(format!(
            "certificate serial {} differs from persona.yaml serial {}",
            cert.serial_hex(),
            entry.serial
        )));
    }
    let yaml_not_after = parse_utc(&entry.not_after);
    if yaml_not_after != Some(cert.not_after) {
        return Err(mismatch(format!(
            "certificate NotAfter {} differs from persona.yaml not_after {}",
            format_utc(cert.not_after),
            entry.not_after
        )));
    }
    Ok(())
}

fn compute_images(persona: &Persona) -> Result<SignedImages, PersonaError> {
    let ef0001 = text_ap::ef0001_my_number(persona.my_number.expose());
    let ef0002 = persona.text_ef0002();
    let birth = yyyymmdd(persona.birth_date);
    let expiry = yyyymmdd(persona.card_expiry);
    let text_card_key = persona.ca.text_ap_key.to_public_key();
    let inputs = ImageInputs {
        text_ef0001: &ef0001,
        text_ef0002: &ef0002,
        face: CardFace {
            image_seed: &persona.id,
            birth_yyyymmdd: &birth,
            sex_ascii: persona.sex.ascii(),
            expiry_yyyymmdd: &expiry,
        },
        municipality_code: &persona.municipality_code,
        text_data_key: &persona.ca.text_data_key,
        text_card_key: &text_card_key,
        surface_data_key: &persona.ca.surface_data_key,
        surface_ap_key: &persona.ca.surface_ap_key,
    };
    SignedImages::compute(&inputs).map_err(|e| PersonaError::Signing {
        path: persona.ca.dir.clone(),
        what: "券面 AP EF images",
        message: e.to_string(),
    })
}

/// `phone:`: the smartphone card's serial, PIN, counter and applications.
fn phone_of(
    check: &FieldCheck<'_>,
    entry: &PhoneEntry,
    auth_serial: &[u8],
) -> Result<PhoneOptions, PersonaError> {
    let pin = check.digits_secret("phone.auth_pin", &entry.auth_pin, 4)?;
    let serial = match &entry.serial {
        Some(text) => {
            let bytes = hex::decode(if text.len() % 2 == 1 {
                format!("0{text}")
            } else {
                text.clone()
            })
            .ok()
            .filter(|b| (1..=8).contains(&b.len()) && b.first() != Some(&0))
            .ok_or_else(|| {
                check.fail(
                    "phone.serial",
                    "must be 1-16 hex digits without a leading zero",
                )
            })?;
            check.ensure(
                bytes != auth_serial,
                "phone.serial",
                "must differ from the card's auth serial",
            )?;
            bytes
        }
        None => default_phone_serial(auth_serial),
    };
    let applications = match &entry.applications {
        None => vec![AppKind::Jpki],
        Some(names) => {
            let mut kinds = Vec::with_capacity(names.len());
            for name in names {
                let kind = PHONE_APPLICATIONS
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, k)| *k)
                    .ok_or_else(|| {
                        check.fail(
                            "phone.applications",
                            "each must be one of jpki, text, surface, common, juki",
                        )
                    })?;
                kinds.push(kind);
            }
            check.ensure(
                kinds.contains(&AppKind::Jpki),
                "phone.applications",
                "must include jpki (the phone's 利用者証明用 certificate)",
            )?;
            kinds
        }
    };
    let tries = check.counter("phone.retries", entry.retries, Counter::fresh(3))?;
    Ok(PhoneOptions {
        serial,
        pin,
        tries,
        applications,
    })
}
