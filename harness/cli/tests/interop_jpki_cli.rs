//! jpki-cli (crates.io `jpki-cli` 0.4.3, siketyan/jpki-rs, a client written
//! against real cards) against the emulator behind pcscd and vpcd, every
//! operation it offers:
//!
//! - `crypto read-certificate` for the 利用者証明用 and 署名用 certificates
//!   (the latter with the sign password) and both CA certificates, byte for
//!   byte;
//! - `crypto stat` / `crypto --auth stat`, `support stat`, `surface stat a|b`:
//!   the persona's counters;
//! - `crypto --auth sign` and `crypto sign` (a SHA-1 DigestInfo signed on the
//!   card), each verified with `openssl dgst -verify` against the
//!   certificate read from the card and with `crypto verify`;
//! - `support get my-number|attributes` with the text PIN;
//! - `surface get <all nine fields>` with 照合番号A and with 照合番号B.
//!
//! jpki-cli reads PINs from the terminal (dialoguer), so PIN operations run
//! on a pseudo-terminal through `.ci/pty-run.py`, which types the PIN once
//! echo is off. One limit of the client itself, which a real card cannot
//! change: with standard input redirected, its console 0.15.7 closes
//! `/dev/tty` before restoring it and fails with EBADF, so `crypto sign`
//! (which reads the document from standard input) gets the document typed
//! on the terminal followed by end-of-file, and the document is text.
//!
//! Needs pcscd with vsmartcard-vpcd, jpki-cli (`bash .ci/clients.sh`),
//! python3 and openssl; without them the test prints SKIPPED and passes,
//! unless `CI=true`.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod interop_support;
mod pcsc_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use interop_support::{ca_file, persona_file, pty_run, run, serve_persona};
use myna_card_emu::persona::Persona;
use myna_card_emu::tlv;
use pcsc_support::{
    claim_readers, installed, pcscd_ready, persona_value, root, skip, temp_dir, wait_for_no_card,
    READER,
};

/// The jpki-cli binary: `$JPKI_CLI`, else on `PATH`, else in `~/.cargo/bin`.
fn jpki_cli() -> Option<String> {
    if let Ok(path) = std::env::var("JPKI_CLI") {
        return Some(path);
    }
    if installed("jpki-cli") {
        return Some("jpki-cli".to_owned());
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let path = home.join("bin/jpki-cli");
    path.is_file().then(|| path.to_string_lossy().into_owned())
}

/// `jpki-cli ARGS > out` without a PIN.
fn to_file(cli: &str, args: &[&str], out: &Path) {
    let mut all = vec!["-c", "exec \"$0\" \"$@\" > \"$OUT\"", cli];
    all.extend_from_slice(args);
    let mut command = Command::new("sh");
    command.args(&all).env("OUT", out);
    let finished = pcsc_support::run_with_watchdog(&mut command, interop_support::TOOL_LIMIT);
    assert!(
        finished.status.success(),
        "jpki-cli {}: {}",
        args.join(" "),
        finished.stderr
    );
}

/// `jpki-cli ARGS > out` on a terminal, typing `secret` at its prompt.
fn to_file_with_pin(cli: &str, args: &[&str], out: &Path, secret: &str) {
    let script = format!("exec \"$0\" \"$@\" > '{}'", out.display());
    let mut all = vec!["sh", "-c", script.as_str(), cli];
    all.extend_from_slice(args);
    pty_run(secret, None, &all, &format!("jpki-cli {}", args.join(" ")));
}

fn stat(cli: &str, args: &[&str]) -> String {
    run(cli, args, &format!("jpki-cli {}", args.join(" ")), false)
        .stdout
        .trim()
        .to_owned()
}

/// `openssl dgst -sha1 -verify <key of cert> -signature sig doc`.
fn openssl_verifies(dir: &Path, cert: &Path, signature: &Path, document: &Path) -> bool {
    let key = dir.join("key.pem");
    let out = run(
        "openssl",
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            cert.to_str().unwrap(),
            "-pubkey",
            "-noout",
        ],
        "openssl x509 -pubkey",
        false,
    );
    std::fs::write(&key, out.stdout).unwrap();
    let mut command = Command::new("openssl");
    command.args([
        "dgst",
        "-sha1",
        "-verify",
        key.to_str().unwrap(),
        "-signature",
        signature.to_str().unwrap(),
        document.to_str().unwrap(),
    ]);
    let finished = pcsc_support::run_with_watchdog(&mut command, interop_support::TOOL_LIMIT);
    finished.status.success() && finished.stdout.contains("Verified OK")
}

/// The fields of surface EF 0002 in jpki-cli's order (DF22..DF2A).
fn surface_fields() -> Vec<(&'static str, Vec<u8>)> {
    let persona = Persona::load_named(&root().join("vectors/personas"), "taro").unwrap();
    let face = &persona.signed_images().surface_ef0002;
    let items = tlv::all(tlv::first(face).unwrap().value).unwrap();
    let value = |tag: u8| {
        items
            .iter()
            .find(|t| t.tag == 0xDF00 | u32::from(tag))
            .map(|t| t.value.to_vec())
            .unwrap()
    };
    vec![
        ("date-of-birth", value(0x22)),
        ("sex", value(0x23)),
        ("public-key", value(0x24)),
        ("name", value(0x25)),
        ("address", value(0x26)),
        ("photo", value(0x27)),
        ("signature", value(0x28)),
        ("expiry-date", value(0x29)),
        ("code", value(0x2A)),
    ]
}

#[test]
fn jpki_cli_does_everything_it_offers() {
    let _slot = claim_readers();
    let Some(cli) = jpki_cli() else {
        return skip("jpki-cli not installed (bash .ci/clients.sh)");
    };
    for program in ["python3", "openssl"] {
        if !installed(program) {
            return skip(&format!("{program} not installed"));
        }
    }
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let _emulator = serve_persona("taro");
    let dir = temp_dir("interop-jpki-cli");
    let cli = cli.as_str();
    let mut operations = 0;

    // PIN status of every key jpki-cli knows.
    for (args, expected) in [
        (
            &["crypto", "--auth", "stat"][..],
            persona_value("taro", "auth_pin_tries"),
        ),
        (
            &["crypto", "stat"][..],
            persona_value("taro", "sign_password_tries"),
        ),
        (
            &["support", "stat"][..],
            persona_value("taro", "text_pin_tries"),
        ),
    ] {
        assert_eq!(stat(cli, args), expected, "jpki-cli {}", args.join(" "));
        operations += 1;
    }
    let persona = Persona::load_named(&root().join("vectors/personas"), "taro").unwrap();
    for (pin, expected) in [
        ("a", persona.retries().check_a.left),
        ("b", persona.retries().check_b.left),
    ] {
        assert_eq!(
            stat(cli, &["surface", "stat", pin]),
            expected.to_string(),
            "surface stat {pin}"
        );
        operations += 1;
    }

    // Certificates.
    let sign_password = persona_value("taro", "sign_password");
    let auth_cert = dir.join("auth.der");
    let sign_cert = dir.join("sign.der");
    for (args, out, expected) in [
        (
            &["crypto", "--auth", "read-certificate"][..],
            auth_cert.clone(),
            persona_file("taro", "auth-cert.der"),
        ),
        (
            &["crypto", "--auth", "--ca", "read-certificate"][..],
            dir.join("auth-ca.der"),
            ca_file("auth-ca-cert.der"),
        ),
        (
            &["crypto", "--ca", "read-certificate"][..],
            dir.join("sign-ca.der"),
            ca_file("sign-ca-cert.der"),
        ),
    ] {
        to_file(cli, args, &out);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            expected,
            "jpki-cli {}",
            args.join(" ")
        );
        operations += 1;
    }
    to_file_with_pin(
        cli,
        &["crypto", "read-certificate"],
        &sign_cert,
        &sign_password,
    );
    assert_eq!(
        std::fs::read(&sign_cert).unwrap(),
        persona_file("taro", "sign-cert.der")
    );
    operations += 1;

    // Signatures with both keys, verified by openssl and by jpki-cli.
    let document = dir.join("document.txt");
    std::fs::write(&document, "myna-conform: jpki-cli signs this line\n").unwrap();
    let auth_pin = persona_value("taro", "auth_pin");
    for (auth, secret, cert) in [
        (true, &auth_pin, &auth_cert),
        (false, &sign_password, &sign_cert),
    ] {
        let signature = dir.join(if auth { "auth.sig" } else { "sign.sig" });
        let signature_arg = signature.to_str().unwrap();
        let mut args = vec![cli, "crypto"];
        if auth {
            args.push("--auth");
        }
        args.extend_from_slice(&["sign", signature_arg]);
        pty_run(secret, Some(&document), &args, "jpki-cli crypto sign");
        assert_eq!(std::fs::read(&signature).unwrap().len(), 256);
        assert!(
            openssl_verifies(&dir, cert, &signature, &document),
            "openssl verifies the {} signature",
            if auth { "auth" } else { "sign" }
        );
        let mut verify = Command::new(cli);
        verify
            .args(["crypto", "verify", cert.to_str().unwrap(), signature_arg])
            .stdin(std::fs::File::open(&document).unwrap());
        let verified = verify.output().unwrap();
        assert!(verified.status.success(), "jpki-cli crypto verify");
        operations += 2;
    }

    // The text AP with its PIN.
    let text_pin = persona_value("taro", "text_pin");
    let my_number = dir.join("my-number.txt");
    to_file_with_pin(cli, &["support", "get", "my-number"], &my_number, &text_pin);
    assert_eq!(
        std::fs::read_to_string(&my_number).unwrap().trim(),
        persona_value("taro", "my_number"),
        "support get my-number (the value is not printed)"
    );
    let attributes = dir.join("attributes.json");
    to_file_with_pin(
        cli,
        &["support", "get", "attributes"],
        &attributes,
        &text_pin,
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&attributes).unwrap()).unwrap();
    assert_eq!(json["name"], persona_value("taro", "name"));
    assert_eq!(json["address"], persona_value("taro", "address"));
    assert_eq!(json["date_of_birth"], persona_value("taro", "birth_date"));
    assert_eq!(json["sex"], "Male");
    operations += 2;

    // Every card-face field, with 照合番号A and with 照合番号B.
    let fields = surface_fields();
    for (which, secret) in [
        ("A", persona_value("taro", "my_number")),
        ("B", persona_value("taro", "check_b")),
    ] {
        for (field, expected) in &fields {
            let out = dir.join(format!("surface-{which}-{field}.bin"));
            to_file_with_pin(cli, &["surface", "get", field], &out, &secret);
            assert_eq!(
                &std::fs::read(&out).unwrap(),
                expected,
                "surface get {field} with {which}"
            );
            operations += 1;
        }
    }
    assert_eq!(fields[0].1, persona_value("taro", "birth_date").as_bytes());
    assert_eq!(fields[7].1, persona_value("taro", "card_expiry").as_bytes());

    assert_eq!(operations, 33, "every jpki-cli operation ran");
    let _ = std::fs::remove_dir_all(&dir);
}
