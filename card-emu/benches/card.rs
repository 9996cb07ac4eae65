//! APDU round trips through the emulated card: SELECT, READ BINARY of 256
//! bytes, VERIFY with the right PIN, and COMPUTE DIGITAL SIGNATURE.
//! `cargo test --benches` runs each once as a smoke test.

use criterion::{criterion_group, criterion_main, Criterion};
use myna_card_emu::{Card, ResponseApdu, StatusWord};

#[path = "../tests/card_support/mod.rs"]
mod card_support;

use card_support::{apdu, bytes, card, verify_apdu, AUTH_PIN, SELECT_JPKI};

/// Sends and checks for `9000`, so a broken card cannot be benchmarked as fast.
fn round_trip(card: &mut Card, command: &[u8]) -> usize {
    let raw = card.transmit(command).expect("card is powered");
    let response = ResponseApdu::parse(&raw).expect("R-APDU has a status word");
    assert_eq!(response.sw, StatusWord::SUCCESS);
    response.data.len()
}

fn benches(c: &mut Criterion) {
    let select_jpki = bytes(SELECT_JPKI);
    let select_auth_cert = bytes("00 A4 02 0C 02 00 0A");
    let read_256 = bytes("00 B0 00 00 00");
    let verify_auth_pin = verify_apdu(0x98, AUTH_PIN);
    let digest_info = [
        &[
            0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ][..],
        &[0xA5; 32],
    ]
    .concat();
    let sign_auth_key = apdu([0x80, 0x2A, 0x00, 0x97], &digest_info, Some(0x00));

    let mut group = c.benchmark_group("apdu_round_trip");

    let mut c1 = card();
    group.bench_function("select_df", |b| {
        b.iter(|| round_trip(&mut c1, &select_jpki))
    });

    let mut c2 = card();
    round_trip(&mut c2, &select_jpki);
    round_trip(&mut c2, &select_auth_cert);
    group.bench_function("read_binary_256", |b| {
        b.iter(|| assert_eq!(round_trip(&mut c2, &read_256), 256))
    });

    let mut c3 = card();
    round_trip(&mut c3, &select_jpki);
    group.bench_function("verify_right_pin", |b| {
        b.iter(|| round_trip(&mut c3, &verify_auth_pin))
    });

    let mut c4 = card();
    round_trip(&mut c4, &select_jpki);
    round_trip(&mut c4, &verify_auth_pin);
    group.bench_function("compute_digital_signature", |b| {
        b.iter(|| assert_eq!(round_trip(&mut c4, &sign_auth_key), 256))
    });

    group.finish();
}

criterion_group!(card_benches, benches);
criterion_main!(card_benches);
