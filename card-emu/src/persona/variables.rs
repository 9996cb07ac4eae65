//! Persona fields offered to scenarios as `${persona.FIELD}`
//! (docs/scenario-format.md § Variables).

use super::certified_key::CertifiedKey;
use super::dates::{format_utc, yyyymmdd};
use super::Persona;
use crate::Secret;

/// One `${persona.NAME}` variable.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonaVariable {
    /// Name without the `persona.` prefix, e.g. `auth_pin`.
    pub name: String,
    /// The value as text.
    pub value: String,
    /// Whether the engine must mask it everywhere.
    pub secret: bool,
}

impl std::fmt::Debug for PersonaVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value: &str = if self.secret {
            "<redacted>"
        } else {
            &self.value
        };
        f.debug_struct("PersonaVariable")
            .field("name", &self.name)
            .field("value", &value)
            .field("secret", &self.secret)
            .finish()
    }
}

fn text(secret: &Secret) -> String {
    String::from_utf8_lossy(secret.expose()).into_owned()
}

fn optional_text(secret: Option<&Secret>) -> String {
    secret.map(text).unwrap_or_default()
}

/// The first candidate that differs from `actual` (a wrong value that gives
/// nothing away about the right one beyond "not this candidate").
fn wrong_value(actual: Option<&Secret>, candidates: [&str; 2]) -> String {
    let [first, second] = candidates;
    let is_actual = actual.is_some_and(|s| s.expose() == first.as_bytes());
    if is_actual { second } else { first }.to_owned()
}

impl Persona {
    /// The variables of docs/scenario-format.md § Variables, in that order.
    ///
    /// Absent values (a PIN not set on a face-only card, a 署名用
    /// certificate not issued) are empty strings; `sign_cert_len` is then `0`.
    pub fn variables(&self) -> Vec<PersonaVariable> {
        let var = |name: &str, value: String, secret: bool| PersonaVariable {
            name: name.to_owned(),
            value,
            secret,
        };
        let cert = |c: Option<&CertifiedKey>| {
            c.map(|c| hex::encode_upper(&c.cert_der))
                .unwrap_or_default()
        };
        let cert_len = |c: Option<&CertifiedKey>| c.map_or(0, |c| c.cert_der.len()).to_string();
        let serial = |c: Option<&CertifiedKey>| c.map(CertifiedKey::serial_hex).unwrap_or_default();
        let not_after =
            |c: Option<&CertifiedKey>| c.map(|c| format_utc(c.not_after)).unwrap_or_default();
        let auth = Some(&self.auth);
        let sign = self.sign.as_ref();
        let r = &self.retries;
        let phone = self.phone.as_ref();
        vec![
            var("auth_pin", optional_text(self.auth_pin.as_ref()), true),
            var(
                "sign_password",
                optional_text(self.sign_password.as_ref()),
                true,
            ),
            var("text_pin", optional_text(self.text_pin.as_ref()), true),
            var("juki_pin", optional_text(self.juki_pin.as_ref()), true),
            var("my_number", text(&self.my_number), true),
            var("check_b", text(&self.check_b), true),
            var("birth_key", text(&self.birth_key), true),
            var("security_code", text(&self.security_code), true),
            var("name", self.name.clone(), false),
            var("name_kana", self.name_kana.clone(), false),
            var("address", self.address.clone(), false),
            var("birth_date", yyyymmdd(self.birth_date), false),
            var("sex", self.sex.digit().to_string(), false),
            var("card_expiry", yyyymmdd(self.card_expiry), false),
            var("auth_serial", serial(auth), false),
            var("sign_serial", serial(sign), false),
            var("auth_cert", cert(auth), false),
            var("sign_cert", cert(sign), false),
            var(
                "auth_ca_cert",
                hex::encode_upper(&self.ca.auth_ca_cert),
                false,
            ),
            var(
                "sign_ca_cert",
                hex::encode_upper(&self.ca.sign_ca_cert),
                false,
            ),
            var("auth_cert_len", cert_len(auth), false),
            var("sign_cert_len", cert_len(sign), false),
            var("auth_not_after", not_after(auth), false),
            var("sign_not_after", not_after(sign), false),
            var("token_label", self.token_label.clone(), false),
            var("auth_pin_tries", r.auth_pin.left.to_string(), false),
            var(
                "sign_password_tries",
                r.sign_password.left.to_string(),
                false,
            ),
            var("text_pin_tries", r.text_pin.left.to_string(), false),
            var("juki_pin_tries", r.juki_pin.left.to_string(), false),
            var("check_a_tries", r.check_a.left.to_string(), false),
            var("municipality_code", self.municipality_code.clone(), false),
            var(
                "wrong_auth_pin",
                wrong_value(self.auth_pin.as_ref(), ["0000", "1111"]),
                false,
            ),
            var(
                "wrong_sign_password",
                wrong_value(self.sign_password.as_ref(), ["WRONG1PW", "WRONG2PW"]),
                false,
            ),
            var(
                "wrong_text_pin",
                wrong_value(self.text_pin.as_ref(), ["0000", "1111"]),
                false,
            ),
            var(
                "wrong_juki_pin",
                wrong_value(self.juki_pin.as_ref(), ["0000", "1111"]),
                false,
            ),
            var("phone_auth_pin", optional_text(phone.map(|p| &p.pin)), true),
            var(
                "phone_serial",
                self.phone_serial_hex().unwrap_or_default(),
                false,
            ),
            var(
                "phone_auth_pin_tries",
                phone.map(|p| p.tries.left.to_string()).unwrap_or_default(),
                false,
            ),
            var(
                "wrong_phone_auth_pin",
                wrong_value(phone.map(|p| &p.pin), ["0000", "1111"]),
                false,
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_value_never_equals_actual() {
        let zero = Secret::new(b"0000".to_vec());
        let other = Secret::new(b"4826".to_vec());
        assert_eq!(wrong_value(Some(&zero), ["0000", "1111"]), "1111");
        assert_eq!(wrong_value(Some(&other), ["0000", "1111"]), "0000");
        assert_eq!(wrong_value(None, ["0000", "1111"]), "0000");
    }
}
