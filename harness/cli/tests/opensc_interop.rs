//! OpenSC's own JPKI driver against the emulator behind pcscd and vpcd
//! (card-protocol.md §6): certificates listed and read byte for byte, PIN
//! counters shown, decremented by a wrong PIN and reset by the right one,
//! and a PKCS#11 RSA-PKCS signature that verifies against the certificate
//! read from the card.
//!
//! Needs pcscd with vsmartcard-vpcd and OpenSC (`bash .ci/pcscd.sh`);
//! without them the test prints why and passes, unless `CI=true`. PINs go
//! to the tools as arguments only and are never printed.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use der::Decode;
use pcsc_support::{
    claim_readers, installed, pcscd_ready, persona_value, root, run_with_watchdog, serve_and_wait,
    skip, temp_dir, wait_for_no_card, Finished, READER, VPCD_ADDR,
};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

/// OpenSC's PKCS#11 module (Debian/Ubuntu path).
const PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
const TOOL_LIMIT: Duration = Duration::from_secs(60);

/// Runs an OpenSC tool against the first reader (vpcd slot 0).
fn tool(program: &str, args: &[&str]) -> Finished {
    let mut command = Command::new(program);
    command.args(args);
    let finished = run_with_watchdog(&mut command, TOOL_LIMIT);
    assert!(
        finished.status.success(),
        "{program} {} failed ({}):\n{}\n{}",
        args.first().copied().unwrap_or_default(),
        finished.status,
        finished.stdout,
        finished.stderr
    );
    finished
}

fn pkcs15(args: &[&str]) -> String {
    let mut all = vec!["--reader", "0"];
    all.extend_from_slice(args);
    tool("pkcs15-tool", &all).stdout
}

/// `(label, id)` of each object block (`X.509 Certificate [label]` or
/// `PIN [label]`) in pkcs15-tool's listing, with the value of `field`.
fn blocks(listing: &str, field: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut label: Option<String> = None;
    for line in listing.lines() {
        if let (Some(open), Some(close)) = (line.find('['), line.rfind(']')) {
            if !line.starts_with(char::is_whitespace) && open < close {
                label = Some(line[open + 1..close].to_owned());
                continue;
            }
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key.trim() == field {
            if let Some(label) = label.take() {
                out.push((label, value.trim().to_owned()));
            }
        }
    }
    out
}

fn value_of<'a>(pairs: &'a [(String, String)], label: &str) -> &'a str {
    pairs
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no `{label}` in {pairs:?}"))
}

fn pem_to_der(path: &Path) -> Vec<u8> {
    let pem = std::fs::read(path).unwrap();
    let (label, der) = der::pem::decode_vec(&pem).unwrap();
    assert_eq!(label, "CERTIFICATE");
    der
}

/// Tries left of each PIN, by label.
fn tries_left() -> Vec<(String, String)> {
    blocks(&pkcs15(&["--list-pins"]), "Tries left")
}

#[test]
fn opensc_jpki_driver_works_with_the_emulator() {
    let _slot = claim_readers();
    for program in ["pkcs15-tool", "pkcs11-tool"] {
        if !installed(program) {
            return skip(&format!("{program} not installed (apt-get install opensc)"));
        }
    }
    if !Path::new(PKCS11_MODULE).exists() {
        return skip(&format!("{PKCS11_MODULE} not found"));
    }
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let _emulator = serve_and_wait(VPCD_ADDR, READER, &[]);
    let dir = temp_dir("opensc");
    let personas = root().join("vectors/personas/taro");

    // Certificates: listed, and read back byte for byte.
    let ids = blocks(&pkcs15(&["--list-certificates"]), "ID");
    let auth_id = value_of(&ids, "User Authentication Certificate").to_owned();
    let sign_id = value_of(&ids, "Digital Signature Certificate").to_owned();
    let auth_pem = dir.join("auth.pem");
    pkcs15(&[
        "--read-certificate",
        &auth_id,
        "-o",
        auth_pem.to_str().unwrap(),
    ]);
    let auth_der = pem_to_der(&auth_pem);
    assert_eq!(
        auth_der,
        std::fs::read(personas.join("auth-cert.der")).unwrap()
    );

    // The sign certificate needs the sign password (OpenSC #3169).
    let pins = blocks(&pkcs15(&["--list-pins"]), "ID");
    let auth_pin_id = value_of(&pins, "User Authentication PIN").to_owned();
    let sign_pin_id = value_of(&pins, "Digital Signature PIN").to_owned();
    let sign_password = persona_value("taro", "sign_password");
    let sign_pem = dir.join("sign.pem");
    pkcs15(&[
        "--read-certificate",
        &sign_id,
        "--auth-id",
        &sign_pin_id,
        "--verify-pin",
        "--pin",
        &sign_password,
        "-o",
        sign_pem.to_str().unwrap(),
    ]);
    assert_eq!(
        pem_to_der(&sign_pem),
        std::fs::read(personas.join("sign-cert.der")).unwrap()
    );

    // PIN counters: full, one less after a wrong PIN, full after the right one.
    let full_auth = persona_value("taro", "auth_pin_tries");
    let full_sign = persona_value("taro", "sign_password_tries");
    let tries = tries_left();
    assert_eq!(value_of(&tries, "User Authentication PIN"), full_auth);
    assert_eq!(value_of(&tries, "Digital Signature PIN"), full_sign);
    let wrong = persona_value("taro", "wrong_auth_pin");
    let mut command = Command::new("pkcs15-tool");
    command.args([
        "--reader",
        "0",
        "--auth-id",
        &auth_pin_id,
        "--verify-pin",
        "--pin",
        &wrong,
    ]);
    // OpenSC reports the failed verification; only the counter matters.
    let _ = run_with_watchdog(&mut command, TOOL_LIMIT);
    let one_less = full_auth.parse::<u32>().unwrap() - 1;
    assert_eq!(
        value_of(&tries_left(), "User Authentication PIN"),
        one_less.to_string()
    );
    let auth_pin = persona_value("taro", "auth_pin");
    pkcs15(&[
        "--auth-id",
        &auth_pin_id,
        "--verify-pin",
        "--pin",
        &auth_pin,
    ]);
    assert_eq!(
        value_of(&tries_left(), "User Authentication PIN"),
        full_auth
    );

    // A PKCS#11 signature (RSA-PKCS over a SHA-256 DigestInfo).
    let message = b"myna-conform opensc interop";
    let hash = Sha256::digest(message);
    let mut digest_info = vec![
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    digest_info.extend_from_slice(&hash);
    let input = dir.join("digest-info.bin");
    let signature_file = dir.join("signature.bin");
    std::fs::write(&input, &digest_info).unwrap();
    tool(
        "pkcs11-tool",
        &[
            "--module",
            PKCS11_MODULE,
            "--slot-index",
            "0",
            "--sign",
            "-m",
            "RSA-PKCS",
            "--id",
            &auth_id,
            "--pin",
            &auth_pin,
            "-i",
            input.to_str().unwrap(),
            "-o",
            signature_file.to_str().unwrap(),
        ],
    );
    let signature = std::fs::read(&signature_file).unwrap();
    assert_eq!(signature.len(), 256);
    let certificate = x509_cert::Certificate::from_der(&auth_der).unwrap();
    let spki = der::Encode::to_der(&certificate.tbs_certificate.subject_public_key_info).unwrap();
    let key = RsaPublicKey::from_public_key_der(&spki).unwrap();
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &signature)
        .expect("the card's signature verifies against the certificate read from it");
    let _ = std::fs::remove_dir_all(&dir);
}
