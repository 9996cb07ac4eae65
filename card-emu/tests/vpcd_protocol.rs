//! The emulator against a fake vpcd: control messages, APDUs, framing.

#![allow(clippy::unwrap_used)]

mod vpcd_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use myna_card_emu::vpcd::{on_exchange, Emulator, FrameError, Reconnect, VpcdClient, VpcdError};
use vpcd_support::{fast_options, EchoCard, FakeVpcd, Seen, ATR_CONTACT};

/// An emulator that serves one connection, on its own thread.
fn serve_once(
    card: EchoCard,
) -> (
    FakeVpcd,
    vpcd_support::Peer,
    std::thread::JoinHandle<Result<(), VpcdError>>,
) {
    let vpcd = FakeVpcd::bind();
    let (_control, thread) = Emulator::new(vpcd.addr(), card)
        .with_options(fast_options(Reconnect::Never))
        .spawn();
    let peer = vpcd.accept();
    (vpcd, peer, thread)
}

#[test]
fn get_atr_is_answered_with_the_atr() {
    let (_vpcd, mut peer, _thread) = serve_once(EchoCard::new(&ATR_CONTACT));
    assert_eq!(peer.get_atr(), ATR_CONTACT);
    // pcscd polls again and again between APDUs.
    assert_eq!(peer.get_atr(), ATR_CONTACT);
}

#[test]
fn power_controls_reach_the_card_and_get_no_answer() {
    let card = EchoCard::new(&ATR_CONTACT);
    let (_vpcd, mut peer, _thread) = serve_once(card.clone());
    peer.send(&[0x01]);
    peer.send(&[0x02]);
    peer.send(&[0x00]);
    // If any control had been answered, this read would see that answer.
    assert_eq!(peer.exchange(&[0x00, 0xA4, 0x04, 0x0C]), vec![0x90, 0x00]);
    assert_eq!(
        card.seen(),
        vec![
            Seen::PowerOn,
            Seen::Reset,
            Seen::PowerOff,
            Seen::Apdu(vec![0x00, 0xA4, 0x04, 0x0C])
        ]
    );
}

#[test]
fn apdus_are_answered_with_the_cards_response() {
    let (_vpcd, mut peer, _thread) = serve_once(EchoCard::new(&ATR_CONTACT));
    let select_jpki = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    assert_eq!(peer.exchange(&select_jpki), vec![0x90, 0x00]);
    assert_eq!(
        peer.exchange(&[0x80, 0xCA, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00]),
        vec![0xAA, 0xBB, 0xCC, 0x90, 0x00]
    );
    // An extended APDU with 300 data bytes comes back whole.
    let data: Vec<u8> = (0..300u16).map(|i| (i % 251) as u8).collect();
    let mut extended = vec![0x80, 0xCA, 0x00, 0x00, 0x00, 0x01, 0x2C];
    extended.extend_from_slice(&data);
    extended.extend_from_slice(&[0x00, 0x00]);
    let mut expected = data.clone();
    expected.extend_from_slice(&[0x90, 0x00]);
    assert_eq!(peer.exchange(&extended), expected);
}

#[test]
fn a_frame_arriving_in_pieces_across_idle_polls_is_reassembled() {
    let (_vpcd, mut peer, _thread) = serve_once(EchoCard::new(&ATR_CONTACT));
    // 00 CA 00 00 02 11 22 00, cut inside the prefix and inside the payload,
    // with pauses longer than the emulator's poll interval.
    for piece in [
        &[0x00][..],
        &[0x08, 0x00, 0xCA],
        &[0x00, 0x00, 0x02, 0x11],
        &[0x22, 0x00],
    ] {
        peer.send_raw(piece);
        std::thread::sleep(Duration::from_millis(60));
    }
    assert_eq!(peer.recv(), vec![0x11, 0x22, 0x90, 0x00]);
}

#[test]
fn two_frames_in_one_write_are_both_answered() {
    let (_vpcd, mut peer, _thread) = serve_once(EchoCard::new(&ATR_CONTACT));
    peer.send_raw(&[0x00, 0x01, 0x04, 0x00, 0x01, 0x04]);
    assert_eq!(peer.recv(), ATR_CONTACT);
    assert_eq!(peer.recv(), ATR_CONTACT);
}

#[test]
fn an_unknown_control_byte_is_ignored() {
    let card = EchoCard::new(&ATR_CONTACT);
    let (_vpcd, mut peer, _thread) = serve_once(card.clone());
    peer.send(&[0x03]);
    peer.send(&[0x7F]);
    assert_eq!(peer.get_atr(), ATR_CONTACT);
    assert!(card.seen().is_empty(), "{:?}", card.seen());
}

#[test]
fn a_zero_length_frame_closes_the_connection_with_a_typed_error() {
    let (_vpcd, mut peer, thread) = serve_once(EchoCard::new(&ATR_CONTACT));
    peer.send_raw(&[0x00, 0x00]);
    peer.assert_closed();
    let result = thread.join().unwrap();
    assert!(
        matches!(
            result,
            Err(VpcdError::Frame {
                source: FrameError::ZeroLength,
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn a_frame_cut_short_closes_the_connection_with_a_typed_error() {
    let (_vpcd, mut peer, thread) = serve_once(EchoCard::new(&ATR_CONTACT));
    peer.send_raw(&[0x00, 0x10, 0x00, 0xA4]);
    peer.stream.shutdown(std::net::Shutdown::Write).unwrap();
    peer.assert_closed();
    let result = thread.join().unwrap();
    assert!(
        matches!(
            result,
            Err(VpcdError::Frame {
                source: FrameError::Truncated {
                    expected: 18,
                    received: 4
                },
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn vpcd_closing_between_frames_ends_a_single_session_cleanly_and_powers_off() {
    let card = EchoCard::new(&ATR_CONTACT);
    let (_vpcd, mut peer, thread) = serve_once(card.clone());
    assert_eq!(peer.get_atr(), ATR_CONTACT);
    peer.hang_up();
    assert!(thread.join().unwrap().is_ok());
    assert_eq!(card.seen(), vec![Seen::PowerOff]);
}

/// A C-APDU and its R-APDU.
type Exchange = (Vec<u8>, Vec<u8>);

#[test]
fn the_exchange_hook_sees_every_apdu() {
    let vpcd = FakeVpcd::bind();
    let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
    let sink = Arc::clone(&log);
    let (_control, _thread) = Emulator::new(vpcd.addr(), EchoCard::new(&ATR_CONTACT))
        .with_options(fast_options(Reconnect::Never))
        .with_observer(on_exchange(move |command, response, _elapsed| {
            sink.lock()
                .unwrap()
                .push((command.to_vec(), response.to_vec()));
        }))
        .spawn();
    let mut peer = vpcd.accept();
    peer.get_atr();
    peer.exchange(&[0x00, 0xB0, 0x00, 0x00, 0x01]);
    peer.exchange(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]);
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            (vec![0x00, 0xB0, 0x00, 0x00, 0x01], vec![0x90, 0x00]),
            (
                vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A],
                vec![0x90, 0x00]
            ),
        ]
    );
}

#[test]
fn the_low_level_client_serves_until_vpcd_hangs_up() {
    let vpcd = FakeVpcd::bind();
    let addr = vpcd.addr();
    let card = EchoCard::new(&ATR_CONTACT);
    let mut served = card.clone();
    let thread = std::thread::spawn(move || {
        let mut client = VpcdClient::connect(&addr)?;
        let end = client.serve(&mut served, &mut myna_card_emu::vpcd::Silent)?;
        Ok::<_, VpcdError>((end, client.messages_served()))
    });
    let mut peer = vpcd.accept();
    assert_eq!(peer.get_atr(), ATR_CONTACT);
    peer.send(&[0x01]);
    peer.hang_up();
    let (end, messages) = thread.join().unwrap().unwrap();
    assert_eq!(end, myna_card_emu::vpcd::SessionEnd::PeerClosed);
    assert_eq!(messages, 2);
    assert_eq!(card.seen(), vec![Seen::PowerOn]);
}

#[test]
fn connecting_where_nothing_listens_is_a_clear_error() {
    // Bind then drop, so the port is (very likely) closed.
    let addr = FakeVpcd::bind().addr();
    let err = VpcdClient::connect(&addr).unwrap_err();
    assert!(matches!(err, VpcdError::Connect { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&addr) && text.contains("pcscd"), "{text}");
}

#[test]
fn an_unresolvable_address_is_a_resolve_error() {
    let err = VpcdClient::connect("no port here").unwrap_err();
    assert!(matches!(err, VpcdError::Resolve { .. }), "{err:?}");
}
