//! `report.json.sig` and `report verify`'s check: a signed set verifies;
//! changing one byte of any file of the set is found and named.

mod fixture;

use std::error::Error;
use std::path::Path;

use myna_report::{
    generate_key_pair, read_public_key, render_set, verify_dir, ReportDir, ReportSigner,
    VerifyError,
};

type TestResult = Result<(), Box<dyn Error>>;

fn signed_set(dir: &Path) -> Result<std::path::PathBuf, Box<dyn Error>> {
    let (private, public) = generate_key_pair()?;
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
    let key = dir.join("key.pem");
    let public_key = dir.join("key.pub.pem");
    std::fs::write(&key, private)?;
    std::fs::write(&public_key, public)?;
    let signer = ReportSigner::from_pem_file(&key)?;
    let files = render_set(&fixture::report(), Some(&signer))?;
    ReportDir::open(&dir.join("out"))?.commit(&files)?;
    Ok(public_key)
}

#[test]
fn a_signed_set_verifies() -> TestResult {
    let root = tempfile::tempdir()?;
    let public = signed_set(root.path())?;
    let checked = verify_dir(&root.path().join("out"), &read_public_key(&public)?)?;
    assert_eq!(
        checked,
        [
            "report.json",
            "report.json.sig",
            "junit.xml",
            "summary.md",
            "report.html"
        ]
    );
    Ok(())
}

#[test]
fn one_changed_byte_in_any_file_is_found_and_named() -> TestResult {
    for file in [
        "report.json",
        "report.json.sig",
        "junit.xml",
        "summary.md",
        "report.html",
    ] {
        let root = tempfile::tempdir()?;
        let public = read_public_key(&signed_set(root.path())?)?;
        let path = root.path().join("out").join(file);
        let mut bytes = std::fs::read(&path)?;
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&path, bytes)?;
        let error = verify_dir(&root.path().join("out"), &public)
            .err()
            .ok_or_else(|| format!("{file}: tampering not found"))?;
        let message = error.to_string();
        match file {
            "report.json" | "report.json.sig" => {
                assert_eq!(error, VerifyError::BadSignature, "{file}");
            }
            _ => assert!(
                matches!(&error, VerifyError::HashMismatch { file: named, .. } if named == file),
                "{file}: {message}"
            ),
        }
        assert!(
            message.starts_with(if file == "report.json" {
                "report.json.sig"
            } else {
                file
            }),
            "{message}"
        );
    }
    Ok(())
}

#[test]
fn another_key_does_not_verify_and_a_missing_file_is_named() -> TestResult {
    let root = tempfile::tempdir()?;
    signed_set(root.path())?;
    let other = tempfile::tempdir()?;
    let other_public = read_public_key(&signed_set(other.path())?)?;
    assert_eq!(
        verify_dir(&root.path().join("out"), &other_public),
        Err(VerifyError::BadSignature)
    );
    std::fs::remove_file(other.path().join("out/summary.md"))?;
    let public = read_public_key(&other.path().join("key.pub.pem"))?;
    assert!(matches!(
        verify_dir(&other.path().join("out"), &public),
        Err(VerifyError::Unreadable { file, .. }) if file == "summary.md"
    ));
    Ok(())
}

#[test]
fn openssl_verifies_the_signature_too() -> TestResult {
    let Ok(_) = std::process::Command::new("openssl")
        .arg("version")
        .output()
    else {
        eprintln!("SKIPPED: no openssl");
        return Ok(());
    };
    let root = tempfile::tempdir()?;
    let public = signed_set(root.path())?;
    let out = root.path().join("out");
    let status = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&public)
        .arg("-signature")
        .arg(out.join("report.json.sig"))
        .arg(out.join("report.json"))
        .output()?;
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    Ok(())
}

#[test]
fn a_key_that_is_not_pem_is_a_clear_error_without_its_bytes() -> TestResult {
    let root = tempfile::tempdir()?;
    let path = root.path().join("key.pem");
    std::fs::write(&path, "SECRET-BYTES-1234")?;
    let message = ReportSigner::from_pem_file(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.contains("PKCS#8"), "{message}");
    assert!(!message.contains("SECRET-BYTES-1234"), "{message}");
    Ok(())
}

/// A key passed through a CI secret store or an editor comes back with a
/// trailing blank line or CRLF line ends; it is still the same key, and a
/// file that is not a key is still refused.
#[test]
fn keys_with_crlf_or_blank_lines_around_them_are_read() -> TestResult {
    let root = tempfile::tempdir()?;
    let (private, public) = generate_key_pair()?;
    let variants = [
        format!("{private}\n"),
        format!("\n{private}\n\n"),
        private.replace('\n', "\r\n"),
    ];
    let public_path = root.path().join("key.pub.pem");
    std::fs::write(
        &public_path,
        format!("{}\r\n", public.replace('\n', "\r\n")),
    )?;
    let verifying = read_public_key(&public_path)?;
    for (n, text) in variants.iter().enumerate() {
        let path = root.path().join(format!("key-{n}.pem"));
        std::fs::write(&path, text)?;
        let signer = ReportSigner::from_pem_file(&path)?;
        let files = render_set(&fixture::report(), Some(&signer))?;
        let out = root.path().join(format!("out-{n}"));
        ReportDir::open(&out)?.commit(&files)?;
        verify_dir(&out, &verifying)?;
    }
    let not_a_key = root.path().join("not-a-key.pem");
    std::fs::write(
        &not_a_key,
        "\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\n",
    )?;
    assert!(ReportSigner::from_pem_file(&not_a_key).is_err());
    Ok(())
}
