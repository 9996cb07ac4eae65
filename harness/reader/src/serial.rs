//! The certificate serial a reader sends to the eligibility service: read
//! from the card's 利用者証明用 certificate (card-protocol.md §2.1, EF 000A),
//! written as uppercase hexadecimal without leading zeros (the persona
//! `auth_serial` form, myna-oqs `Serial`).

use der::Decode;
use x509_cert::Certificate;

/// The serial of the DER certificate `der`, or `None` when it is no
/// certificate.
pub fn serial_of_certificate(der: &[u8]) -> Option<String> {
    let cert = Certificate::from_der(der).ok()?;
    let bytes = cert.tbs_certificate.serial_number.as_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let trimmed = hex.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_persona_serial_and_refuses_garbage() {
        let der = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/personas/taro/auth-cert.der"
        ))
        .unwrap();
        assert_eq!(serial_of_certificate(&der).as_deref(), Some("18C453E"));
        assert_eq!(serial_of_certificate(&[0x30, 0x03, 1, 2, 3]), None);
    }
}
