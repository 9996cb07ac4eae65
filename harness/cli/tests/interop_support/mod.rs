//! Shared by the independent-client tests (`interop_*.rs`): the emulated
//! card of a persona behind vpcd slot 0, running a client with a watchdog
//! and asserting it succeeded (its output never quoted when it may hold a
//! secret), persona files, and certificate keys.
//!
//! Builds on `pcsc_support` (skip-or-fail, child processes, waiting for the
//! card); the including test declares both modules.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use der::Decode;
use rsa::pkcs8::DecodePublicKey;
use rsa::RsaPublicKey;

use crate::pcsc_support::{
    myna, root, run_with_watchdog, spawn_until_card, ChildGuard, Finished, READER, VPCD_ADDR,
};

/// Upper bound for one client invocation (a hang, not a slow machine).
pub const TOOL_LIMIT: Duration = Duration::from_secs(90);

/// Starts `emu serve --vpcd` with `persona` in vpcd slot 0 and waits for
/// the card.
pub fn serve_persona(persona: &str) -> ChildGuard {
    spawn_until_card(READER, || {
        let log = std::env::temp_dir().join(format!("myna-emu-interop-{persona}.log"));
        let stderr = std::fs::File::create(log)
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null());
        let child = myna()
            .args([
                "emu",
                "serve",
                "--vpcd",
                VPCD_ADDR,
                "--persona",
                persona,
                "--quiet",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        ChildGuard(child)
    })
}

/// Runs `program args` and returns what it printed; `what` names the
/// operation in the failure message. `secret_args` says the arguments hold
/// a secret: then the output is not quoted on failure (a client may echo
/// its arguments).
pub fn run(program: &str, args: &[&str], what: &str, secret_args: bool) -> Finished {
    let mut command = Command::new(program);
    command.args(args);
    let finished = run_with_watchdog(&mut command, TOOL_LIMIT);
    if !finished.status.success() {
        if secret_args {
            panic!(
                "{what}: {program} failed ({}); output withheld, it may hold a secret",
                finished.status
            );
        }
        panic!(
            "{what}: {program} failed ({}):\n{}\n{}",
            finished.status, finished.stdout, finished.stderr
        );
    }
    finished
}

/// Runs `program args` expecting failure, returning its output.
pub fn run_failing(program: &str, args: &[&str], what: &str) -> Finished {
    let mut command = Command::new(program);
    command.args(args);
    let finished = run_with_watchdog(&mut command, TOOL_LIMIT);
    assert!(
        !finished.status.success(),
        "{what}: {program} succeeded where it is documented to fail:\n{}",
        finished.stdout
    );
    finished
}

/// A file of `vectors/personas/<persona>/`.
pub fn persona_file(persona: &str, name: &str) -> Vec<u8> {
    std::fs::read(root().join("vectors/personas").join(persona).join(name)).unwrap()
}

/// A file of `vectors/personas/ca/`.
pub fn ca_file(name: &str) -> Vec<u8> {
    std::fs::read(root().join("vectors/personas/ca").join(name)).unwrap()
}

/// The RSA public key of a DER certificate.
pub fn certificate_key(der: &[u8]) -> RsaPublicKey {
    let certificate = x509_cert::Certificate::from_der(der).unwrap();
    let spki = der::Encode::to_der(&certificate.tbs_certificate.subject_public_key_info).unwrap();
    RsaPublicKey::from_public_key_der(&spki).unwrap()
}

/// PEM `CERTIFICATE` file to DER.
pub fn pem_certificate(path: &Path) -> Vec<u8> {
    let pem = std::fs::read(path).unwrap();
    let (label, der) = der::pem::decode_vec(&pem).unwrap();
    assert_eq!(label, "CERTIFICATE");
    der
}

/// `.ci/pty-run.py`: runs `command` on a pseudo-terminal, typing the
/// secret in `MYNA_PTY_SECRET` once the command reads a password, after
/// typing `stdin_file` (if any) and end-of-file. The secret is passed in
/// the child's environment only.
pub fn pty_run(secret: &str, stdin_file: Option<&Path>, command: &[&str], what: &str) -> Finished {
    let helper: PathBuf = root().join(".ci/pty-run.py");
    let mut process = Command::new("python3");
    process
        .arg(helper)
        .args(["--secret-env", "MYNA_PTY_SECRET", "--timeout", "60"])
        .env("MYNA_PTY_SECRET", secret);
    if let Some(file) = stdin_file {
        process.arg("--stdin-file").arg(file);
    }
    process.arg("--").args(command);
    let finished = run_with_watchdog(&mut process, TOOL_LIMIT);
    assert!(
        !finished.stdout.contains(secret) && !finished.stderr.contains(secret),
        "{what}: the secret reached the output"
    );
    assert!(
        finished.status.success(),
        "{what}: {} failed ({}):\n{}\n{}",
        command.first().copied().unwrap_or_default(),
        finished.status,
        finished.stdout,
        finished.stderr
    );
    finished
}
