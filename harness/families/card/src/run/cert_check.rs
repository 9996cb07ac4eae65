//! `cert:` expectations: the response data is a DER X.509 certificate with
//! the given fields (card-protocol.md §4).

use der::{Decode, Encode};
use myna_card_emu::tlv;
use myna_family::{Mismatch, Vars};
use myna_scenario::Location;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use x509_cert::ext::pkix::{name::GeneralName, ExtendedKeyUsage, KeyUsage, SubjectAltName};
use x509_cert::Certificate;

use super::check::AuthorError;
use crate::step::CertExpect;

const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_SAN: &str = "2.5.29.17";
const OID_EKU: &str = "2.5.29.37";

/// Parses a certificate from `data` (trailing bytes after the outer
/// SEQUENCE are ignored, as a card file may be padded).
pub fn parse(data: &[u8]) -> Result<Certificate, String> {
    let size = tlv::total_size(data).ok_or("data does not start with a DER header")?;
    let der = data.get(..size).ok_or_else(|| {
        format!(
            "DER header announces {size} bytes, only {} present",
            data.len()
        )
    })?;
    Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))
}

fn eku_oid(name: &str) -> String {
    match name {
        "serverAuth" => "1.3.6.1.5.5.7.3.1",
        "clientAuth" => "1.3.6.1.5.5.7.3.2",
        "codeSigning" => "1.3.6.1.5.5.7.3.3",
        "emailProtection" => "1.3.6.1.5.5.7.3.4",
        "timeStamping" => "1.3.6.1.5.5.7.3.8",
        "OCSPSigning" => "1.3.6.1.5.5.7.3.9",
        other => other,
    }
    .to_string()
}

fn key_usage_names(ku: &KeyUsage) -> Vec<&'static str> {
    let mut names = Vec::new();
    let table: [(&str, bool); 9] = [
        ("digitalSignature", ku.digital_signature()),
        ("nonRepudiation", ku.non_repudiation()),
        ("keyEncipherment", ku.key_encipherment()),
        ("dataEncipherment", ku.data_encipherment()),
        ("keyAgreement", ku.key_agreement()),
        ("keyCertSign", ku.key_cert_sign()),
        ("cRLSign", ku.crl_sign()),
        ("encipherOnly", ku.encipher_only()),
        ("decipherOnly", ku.decipher_only()),
    ];
    for (name, set) in table {
        if set {
            names.push(name);
        }
    }
    names
}

/// Formats a certificate time as `YYYY-MM-DDTHH:MM:SSZ`.
fn format_time(t: x509_cert::time::Time) -> String {
    let secs = t.to_unix_duration().as_secs();
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
    else {
        return format!("{secs} s after the epoch");
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Checks every field; all mismatches are returned.
pub fn check(
    want: &CertExpect,
    at: &Location,
    data: &[u8],
    vars: &Vars,
) -> Result<Vec<Mismatch>, AuthorError> {
    let mismatch = |check: &str, expected: String, actual: String| Mismatch {
        at: at.clone(),
        check: format!("cert.{check}"),
        expected,
        actual,
        note: None,
    };
    let render = |t: &myna_scenario::Template| {
        vars.render(t).map(|r| r.text).map_err(|e| AuthorError {
            at: at.clone(),
            message: format!("variable `${{{}}}` is not defined", e.0),
        })
    };
    let cert = match parse(data) {
        Ok(c) => c,
        Err(why) => return Ok(vec![mismatch("der", "an X.509 certificate".into(), why)]),
    };
    let tbs = &cert.tbs_certificate;
    let mut out = Vec::new();

    let subject = tbs.subject.to_string();
    for part in &want.subject_contains {
        let part = render(part)?;
        if !subject.contains(&part) {
            out.push(mismatch(
                "subject",
                format!("contains {part:?}"),
                subject.clone(),
            ));
        }
    }
    let issuer = tbs.issuer.to_string();
    for part in &want.issuer_contains {
        let part = render(part)?;
        if !issuer.contains(&part) {
            out.push(mismatch(
                "issuer",
                format!("contains {part:?}"),
                issuer.clone(),
            ));
        }
    }
    if let Some(serial) = &want.serial {
        let want_serial = normalise_serial(&render(serial)?);
        let got = normalise_serial(&hex::encode_upper(tbs.serial_number.as_bytes()));
        if want_serial != got {
            out.push(mismatch("serial", want_serial, got));
        }
    }
    let extensions = tbs.extensions.as_deref().unwrap_or_default();
    let find_ext = |oid: &str| {
        extensions
            .iter()
            .find(|e| e.extn_id.to_string() == oid)
            .map(|e| e.extn_value.as_bytes())
    };
    if !want.eku.is_empty() {
        let got: Vec<String> = find_ext(OID_EKU)
            .and_then(|v| ExtendedKeyUsage::from_der(v).ok())
            .map(|eku| eku.0.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        for name in &want.eku {
            if !got.contains(&eku_oid(name)) {
                out.push(mismatch(
                    "eku",
                    format!("includes {name}"),
                    if got.is_empty() {
                        "no extended key usage".into()
                    } else {
                        got.join(", ")
                    },
                ));
            }
        }
    }
    if !want.key_usage.is_empty() {
        let got: Vec<&str> = find_ext(OID_KEY_USAGE)
            .and_then(|v| KeyUsage::from_der(v).ok())
            .map(|ku| key_usage_names(&ku))
            .unwrap_or_default();
        for name in &want.key_usage {
            if !got.contains(&name.as_str()) {
                out.push(mismatch(
                    "key_usage",
                    format!("includes {name}"),
                    got.join(", "),
                ));
            }
        }
    }
    if let Some(bits) = want.key_bits {
        let got = tbs
            .subject_public_key_info
            .to_der()
            .ok()
            .and_then(|der| rsa::RsaPublicKey::from_public_key_der(&der).ok())
            .map(|k| k.n().bits());
        if got != Some(bits as usize) {
            out.push(mismatch(
                "key_bits",
                format!("RSA {bits}"),
                got.map_or_else(|| "not an RSA key".into(), |b| format!("RSA {b}")),
            ));
        }
    }
    if let Some(not_after) = &want.not_after {
        let want_time = render(not_after)?;
        let got = format_time(tbs.validity.not_after);
        if want_time != got {
            out.push(mismatch("not_after", want_time, got));
        }
    }
    if !want.san_other_names.is_empty() {
        let got: Vec<String> = find_ext(OID_SAN)
            .and_then(|v| SubjectAltName::from_der(v).ok())
            .map(|san| {
                san.0
                    .iter()
                    .filter_map(|n| match n {
                        GeneralName::OtherName(o) => Some(o.type_id.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        for oid in &want.san_other_names {
            if !got.contains(oid) {
                out.push(mismatch(
                    "san_other_names",
                    format!("includes {oid}"),
                    if got.is_empty() {
                        "none".into()
                    } else {
                        got.join(", ")
                    },
                ));
            }
        }
    }
    Ok(out)
}

fn normalise_serial(s: &str) -> String {
    let upper: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect::<String>()
        .to_uppercase();
    let trimmed = upper.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}
