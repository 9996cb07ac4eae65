//! Shared pieces of the vpcd tests: a dummy card that records what it was
//! asked, and a fake vpcd (the role pcscd plays) with its own framing code,
//! written independently of the library's so the two check each other.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use myna_card_emu::vpcd::{EmulatorOptions, Reconnect, SessionOptions, VirtualCard};

/// Bound on any wait in these tests, so a broken emulator fails the test
/// instead of hanging it. Never asserted on.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The contact ATR of card-protocol.md §4 (Physical layer).
pub const ATR_CONTACT: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
/// Another ATR from the same list, to tell two cards apart.
pub const ATR_NEWER: [u8; 13] = [
    0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01, 0x00, 0x00,
];

/// What the dummy card saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    PowerOn,
    PowerOff,
    Reset,
    Apdu(Vec<u8>),
}

/// Answers SELECT (`00 A4`) with `90 00` and echoes any other command's
/// data field followed by `90 00`.
#[derive(Clone)]
pub struct EchoCard {
    pub atr: Vec<u8>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl EchoCard {
    pub fn new(atr: &[u8]) -> Self {
        Self {
            atr: atr.to_vec(),
            seen: Arc::default(),
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn note(&self, event: Seen) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(event);
        }
    }
}

impl VirtualCard for EchoCard {
    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }
    fn power_on(&mut self) {
        self.note(Seen::PowerOn);
    }
    fn power_off(&mut self) {
        self.note(Seen::PowerOff);
    }
    fn reset(&mut self) {
        self.note(Seen::Reset);
    }
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.note(Seen::Apdu(apdu.to_vec()));
        if apdu.get(..2) == Some(&[0x00, 0xA4]) {
            return vec![0x90, 0x00];
        }
        let mut response = command_data(apdu);
        response.extend_from_slice(&[0x90, 0x00]);
        response
    }
}

/// Fast timings so the tests do not idle.
pub fn fast_options(reconnect: Reconnect) -> EmulatorOptions {
    EmulatorOptions {
        session: SessionOptions {
            poll_interval: Duration::from_millis(20),
            connect_timeout: Duration::from_secs(2),
            write_timeout: Duration::from_secs(5),
        },
        reconnect,
        removal_dwell: Duration::ZERO,
    }
}

/// Backoff short enough for tests.
pub fn fast_backoff() -> Reconnect {
    Reconnect::Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
    }
}

/// Plays vpcd: listens, and the emulator dials it.
pub struct FakeVpcd {
    pub listener: TcpListener,
}

impl FakeVpcd {
    pub fn bind() -> Self {
        Self::bind_to("127.0.0.1:0")
    }

    pub fn bind_to(addr: &str) -> Self {
        let listener = TcpListener::bind(addr).expect("bind fake vpcd");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        Self { listener }
    }

    pub fn addr(&self) -> String {
        self.listener.local_addr().expect("local addr").to_string()
    }

    /// Waits (boundedly) for the emulator to connect: the card is inserted.
    pub fn accept(&self) -> Peer {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => return Peer::new(stream),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "the emulator never connected");
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("accept failed: {e}"),
            }
        }
    }

    /// True when a connection is waiting to be accepted right now.
    pub fn has_pending_connection(&self) -> bool {
        match self.listener.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept failed: {e}"),
        }
    }
}

/// One accepted connection, seen from vpcd's side.
pub struct Peer {
    pub stream: TcpStream,
}

impl Peer {
    fn new(stream: TcpStream) -> Self {
        stream.set_nonblocking(false).expect("blocking stream");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("read timeout");
        Self { stream }
    }

    /// Sends one frame: 2-byte big-endian length, then the payload.
    pub fn send(&mut self, payload: &[u8]) {
        let len = u16::try_from(payload.len()).expect("payload fits a frame");
        let mut bytes = len.to_be_bytes().to_vec();
        bytes.extend_from_slice(payload);
        self.send_raw(&bytes);
    }

    /// Sends bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to emulator");
    }

    /// Reads one frame's payload.
    pub fn recv(&mut self) -> Vec<u8> {
        let mut prefix = [0u8; 2];
        self.stream
            .read_exact(&mut prefix)
            .expect("read a frame's length");
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
        self.stream
            .read_exact(&mut payload)
            .expect("read a frame's payload");
        payload
    }

    /// Sends a C-APDU and returns the R-APDU.
    pub fn exchange(&mut self, command: &[u8]) -> Vec<u8> {
        self.send(command);
        self.recv()
    }

    /// Sends get-ATR and returns the answer.
    pub fn get_atr(&mut self) -> Vec<u8> {
        self.exchange(&[0x04])
    }

    /// Asserts the emulator closed the connection (the card was removed).
    pub fn assert_closed(&mut self) {
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => {}
            Ok(_) => panic!("expected the connection closed, got data"),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("expected the connection closed, got {e}"),
        }
    }

    /// Closes the connection from vpcd's side (pcscd stops).
    pub fn hang_up(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// The data field of a C-APDU, by the emulator's own codec.
pub fn command_data(apdu: &[u8]) -> Vec<u8> {
    myna_card_emu::CommandApdu::parse(apdu)
        .map(|c| c.data().to_vec())
        .unwrap_or_default()
}
