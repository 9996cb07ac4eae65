//! The long-running emulator: remove, insert, swap, reconnect, shutdown.

#![allow(clippy::unwrap_used)]

mod vpcd_support;

use std::time::Duration;

use myna_card_emu::vpcd::{Emulator, EmulatorControl, EmulatorStopped, Reconnect, VpcdError};
use vpcd_support::{fast_backoff, fast_options, EchoCard, FakeVpcd, Seen, ATR_CONTACT, ATR_NEWER};

/// The emulator serving `card` to `vpcd`, with short test timings.
fn spawn_fast(
    vpcd: &FakeVpcd,
    card: EchoCard,
) -> (
    EmulatorControl,
    std::thread::JoinHandle<Result<(), VpcdError>>,
) {
    Emulator::new(vpcd.addr(), card)
        .with_options(fast_options(fast_backoff()))
        .spawn()
}

#[test]
fn remove_closes_the_connection_and_insert_reconnects_with_the_new_card() {
    let vpcd = FakeVpcd::bind();
    let first = EchoCard::new(&ATR_CONTACT);
    let (control, _thread) = spawn_fast(&vpcd, first.clone());

    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_CONTACT);

    control.remove().unwrap();
    peer.assert_closed();
    // Pulled out: powered off, and no reconnection until inserted again.
    assert_eq!(first.seen(), vec![Seen::PowerOff]);
    std::thread::sleep(Duration::from_millis(100));
    assert!(!vpcd.has_pending_connection());

    control.insert(EchoCard::new(&ATR_NEWER)).unwrap();
    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_NEWER);
}

#[test]
fn insert_while_a_card_is_in_swaps_it() {
    let vpcd = FakeVpcd::bind();
    let (control, _thread) = spawn_fast(&vpcd, EchoCard::new(&ATR_CONTACT));
    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_CONTACT);

    control.insert(EchoCard::new(&ATR_NEWER)).unwrap();
    peer.assert_closed();
    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_NEWER);
}

#[test]
fn reinsert_puts_the_same_card_back() {
    let vpcd = FakeVpcd::bind();
    let card = EchoCard::new(&ATR_CONTACT);
    let (control, _thread) = spawn_fast(&vpcd, card.clone());
    let mut peer = vpcd.accept();
    peer.send(&[0x01]);
    assert_eq!(peer.get_atr(), ATR_CONTACT);
    control.remove().unwrap();
    peer.assert_closed();
    control.reinsert().unwrap();
    let mut peer = vpcd.accept();
    peer.send(&[0x01]);
    assert_eq!(peer.get_atr(), ATR_CONTACT);
    assert_eq!(
        card.seen(),
        vec![Seen::PowerOn, Seen::PowerOff, Seen::PowerOn]
    );
}

#[test]
fn the_emulator_reconnects_when_vpcd_hangs_up() {
    let vpcd = FakeVpcd::bind();
    let (_control, _thread) = spawn_fast(&vpcd, EchoCard::new(&ATR_CONTACT));
    let peer = vpcd.accept();
    peer.hang_up();
    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_CONTACT);
}

#[test]
fn the_emulator_keeps_trying_while_pcscd_is_down_and_comes_back() {
    let vpcd = FakeVpcd::bind();
    let addr = vpcd.addr();
    let (_control, _thread) = Emulator::new(addr.clone(), EchoCard::new(&ATR_CONTACT))
        .with_options(fast_options(fast_backoff()))
        .spawn();
    let peer = vpcd.accept();
    // pcscd goes away: listener and connection both closed…
    drop(vpcd);
    peer.hang_up();
    // …for longer than several connection attempts…
    std::thread::sleep(Duration::from_millis(300));
    // …and comes back on the same port.
    let vpcd = FakeVpcd::bind_to(&addr);
    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_CONTACT);
}

#[test]
fn without_reconnect_a_missing_vpcd_is_an_error() {
    let addr = FakeVpcd::bind().addr();
    let result = Emulator::new(addr, EchoCard::new(&ATR_CONTACT))
        .with_options(fast_options(Reconnect::Never))
        .run();
    assert!(
        matches!(result, Err(myna_card_emu::vpcd::VpcdError::Connect { .. })),
        "{result:?}"
    );
}

#[test]
fn shutdown_ends_the_run_and_later_commands_report_it() {
    let vpcd = FakeVpcd::bind();
    let (control, thread) = spawn_fast(&vpcd, EchoCard::new(&ATR_CONTACT));
    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_CONTACT);
    control.shutdown().unwrap();
    peer.assert_closed();
    assert!(thread.join().unwrap().is_ok());
    assert_eq!(control.remove(), Err(EmulatorStopped));
    assert_eq!(
        control.insert(EchoCard::new(&ATR_NEWER)),
        Err(EmulatorStopped)
    );
}

#[test]
fn shutdown_works_while_the_card_is_out() {
    let vpcd = FakeVpcd::bind();
    let (control, thread) = spawn_fast(&vpcd, EchoCard::new(&ATR_CONTACT));
    let mut peer = vpcd.accept();
    control.remove().unwrap();
    peer.assert_closed();
    control.shutdown().unwrap();
    assert!(thread.join().unwrap().is_ok());
}

#[test]
fn dropping_every_control_while_the_card_is_out_ends_the_run() {
    let vpcd = FakeVpcd::bind();
    let (control, thread) = spawn_fast(&vpcd, EchoCard::new(&ATR_CONTACT));
    let mut peer = vpcd.accept();
    control.remove().unwrap();
    peer.assert_closed();
    drop(control);
    assert!(thread.join().unwrap().is_ok());
}

#[test]
fn a_removed_card_stays_out_for_the_dwell_time() {
    let vpcd = FakeVpcd::bind();
    let options = myna_card_emu::vpcd::EmulatorOptions {
        // Far longer than the test: the reinsert must not connect.
        removal_dwell: Duration::from_secs(3600),
        ..fast_options(fast_backoff())
    };
    let (control, thread) = Emulator::new(vpcd.addr(), EchoCard::new(&ATR_CONTACT))
        .with_options(options)
        .spawn();
    let mut peer = vpcd.accept();
    control.remove().unwrap();
    peer.assert_closed();
    control.reinsert().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(!vpcd.has_pending_connection());
    // The wait is cut short by commands.
    control.shutdown().unwrap();
    assert!(thread.join().unwrap().is_ok());
}
