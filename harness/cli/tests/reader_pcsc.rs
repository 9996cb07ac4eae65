//! The reader suite as a reader vendor runs it: `reader serve` reading its
//! card through pcscd (the emulator behind vpcd, factory-reset before each
//! scenario), the eligibility service served over HTTP, and
//! `myna-conform run --reader tcp://… --card pcsc:…` driving it. Every
//! scenario passes, or is not applicable (the card trace, other personas).
//!
//! Needs pcscd with vsmartcard-vpcd (`bash .ci/pcscd.sh`); without it the
//! test prints why and passes, unless `CI=true`.

#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used)]

mod pcsc_support;

use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use pcsc_support::{
    claim_readers, myna, pcscd_ready, read_report, run_with_watchdog, serve_and_wait, temp_dir,
    verdicts, wait_for_no_card, ChildGuard, READER, VPCD_ADDR,
};

const HANG: Duration = Duration::from_secs(600);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

fn spawn(args: &[&str]) -> ChildGuard {
    ChildGuard(
        myna()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

#[test]
fn reader_suite_over_tcp_with_the_card_behind_pcscd() {
    let _slot = claim_readers();
    if !pcscd_ready() {
        return;
    }
    wait_for_no_card(READER);
    let _card = serve_and_wait(VPCD_ADDR, READER, &["--test-control"]);
    let oqs_port = free_port();
    let _oqs = spawn(&["oqs", "serve", "--listen", &format!("127.0.0.1:{oqs_port}")]);
    wait_for_port(oqs_port);
    let oqs = format!("http://127.0.0.1:{oqs_port}");
    let reader_port = free_port();
    let card = format!("pcsc:{READER}");
    let _reader = spawn(&[
        "reader",
        "serve",
        "--listen",
        &format!("127.0.0.1:{reader_port}"),
        "--card",
        &card,
        "--oqs",
        &oqs,
    ]);
    wait_for_port(reader_port);
    let out = temp_dir("reader-pcsc");
    let finished = run_with_watchdog(
        myna().args([
            "run",
            "--no-progress",
            "--card",
            &card,
            "--persona",
            "taro",
            "--reader",
            &format!("tcp://127.0.0.1:{reader_port}"),
            "--oqs",
            &oqs,
            "--out",
            out.to_str().unwrap(),
            "scenarios/reader",
        ]),
        HANG,
    );
    let report = read_report(&out);
    let verdicts = verdicts(&report);
    let bad: Vec<_> = verdicts
        .iter()
        .filter(|(_, v, _)| v != "pass" && v != "not_applicable")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}\n{}", finished.stderr);
    let passed = verdicts.iter().filter(|(_, v, _)| v == "pass").count();
    assert!(
        passed >= 40,
        "only {passed} passed through pcscd:\n{}",
        finished.stdout
    );
    assert_eq!(finished.status.code(), Some(0), "{}", finished.stdout);
}
