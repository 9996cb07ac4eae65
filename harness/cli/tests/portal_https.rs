//! The portal suite over HTTPS: `oqs serve` and `portal serve` with the
//! committed test certificate (vectors/tls), the portal linked to the
//! eligibility service over HTTPS (`--oqs-ca`), and `run --portal https://…
//! --oqs https://… --ca vectors/tls/ca-cert.pem` passes every portal
//! scenario; without the test CA the portal is not trusted (exit 3), and a
//! certificate file that is not PEM is the user's mistake (exit 2).

#![allow(clippy::unwrap_used)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

fn myna(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(args)
        .current_dir(root())
        .env_remove("MYNA_CONFORM_PROFILE")
        .output()
        .unwrap()
}

/// A server process killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const TLS: [&str; 4] = [
    "--tls-cert",
    "vectors/tls/server-cert.pem",
    "--tls-key",
    "vectors/tls/server-key.pem",
];

/// `myna-conform <args> --listen 127.0.0.1:PORT` once it accepts.
fn serve(args: &[&str]) -> (Server, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_myna-conform"))
        .args(args)
        .args(["--listen", &listen])
        .current_dir(root())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    for _ in 0..200 {
        if TcpStream::connect(&listen).is_ok() {
            return (server, format!("https://{listen}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{args:?} did not start on {listen}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_portal_suite_runs_over_https_with_the_test_ca() {
    let mut oqs_args = vec!["oqs", "serve"];
    oqs_args.extend(TLS);
    let (_oqs, oqs) = serve(&oqs_args);
    let mut portal_args = vec![
        "portal",
        "serve",
        "--oqs",
        &oqs,
        "--oqs-ca",
        "vectors/tls/ca-cert.pem",
    ];
    portal_args.extend(TLS);
    let (_portal, portal) = serve(&portal_args);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = |extra: &[&str], oqs: &str| {
        let mut args = vec![
            "run",
            "--no-progress",
            "--portal",
            &portal,
            "--oqs",
            oqs,
            "--out",
            out,
        ];
        args.extend(extra);
        args.push("scenarios/portal");
        myna(&args)
    };
    let passed = run(&["--ca", "vectors/tls/ca-cert.pem"], &oqs);
    let err = text(&passed.stderr);
    assert_eq!(passed.status.code(), Some(0), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert!(
        report["summary"]["pass"].as_u64().unwrap() >= 40,
        "{}",
        report["summary"]
    );
    assert_eq!(report["summary"]["fail"].as_u64(), Some(0));
    let targets = report["run_info"]["targets"].to_string();
    assert!(targets.contains(&portal), "{targets}");
    // Without the test CA the portal's certificate is not trusted.
    let untrusted = run(&[], "builtin");
    let err = text(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(3), "{err}");
    assert!(err.contains(&portal), "{err}");
    // A CA file that is not PEM is the user's mistake, named.
    let bad = run(&["--ca", "README.md"], "builtin");
    let err = text(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("README.md"), "{err}");
}

#[test]
fn portal_serve_refuses_a_tls_key_that_is_not_one() {
    let out = myna(&[
        "portal",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "vectors/tls/server-cert.pem",
        "--tls-key",
        "README.md",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("README.md"), "{err}");
    // The key alone is incomplete: clap refuses it.
    let out = myna(&["portal", "serve", "--tls-key", "vectors/tls/server-key.pem"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
