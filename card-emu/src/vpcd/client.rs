//! One vpcd connection: dial vpcd, then answer its messages with a card.

use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::error::VpcdError;
use super::frame::{write_frame, FrameError, FrameReader, Polled};
use super::message::{Control, Message};
use super::observer::VpcdObserver;
use super::virtual_card::VirtualCard;

/// vpcd's TCP port for its first slot, `0x8C7B` (harness-anchors.md §3.1);
/// slot *n* listens on this port + *n*.
pub const DEFAULT_VPCD_PORT: u16 = 35963;

/// Where vpcd listens when pcscd runs on this machine (slot 0, reader
/// `Virtual PCD 00 00`).
pub const DEFAULT_VPCD_ADDR: &str = "127.0.0.1:35963";

/// Timing of one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// Read timeout: how often the session wakes up while pcscd is idle to
    /// look at its stop condition (remove/insert commands).
    pub poll_interval: Duration,
    /// Bound on one TCP connect attempt.
    pub connect_timeout: Duration,
    /// Bound on writing one answer.
    pub write_timeout: Duration,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(100),
            connect_timeout: Duration::from_secs(3),
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// How a session that did not fail ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// vpcd closed the connection (pcscd stopped or restarted).
    PeerClosed,
    /// The stop condition became true.
    Stopped,
}

/// A connection to vpcd, the emulator side (vpcd listens, the card dials:
/// vsmartcard's default mode). Connecting inserts the card into the reader;
/// dropping or [closing](Self::close) the client removes it.
#[derive(Debug)]
pub struct VpcdClient {
    stream: TcpStream,
    frames: FrameReader,
    peer: SocketAddr,
    messages: u64,
}

impl VpcdClient {
    /// Dials vpcd at `HOST:PORT` with default [`SessionOptions`].
    pub fn connect(addr: &str) -> Result<Self, VpcdError> {
        Self::connect_with(addr, &SessionOptions::default())
    }

    /// Dials vpcd at `HOST:PORT`, trying each resolved address in turn.
    pub fn connect_with(addr: &str, options: &SessionOptions) -> Result<Self, VpcdError> {
        let candidates = addr
            .to_socket_addrs()
            .map_err(|source| VpcdError::Resolve {
                addr: addr.to_owned(),
                source,
            })?;
        let mut last_error = None;
        for candidate in candidates {
            match TcpStream::connect_timeout(&candidate, options.connect_timeout) {
                Ok(stream) => return Self::from_stream(stream, options),
                Err(e) => last_error = Some(e),
            }
        }
        Err(VpcdError::Connect {
            addr: addr.to_owned(),
            source: last_error.unwrap_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "no address to connect to")
            }),
        })
    }

    /// Serves an already connected stream, e.g. one accepted in vsmartcard's
    /// "reversed" mode where vpcd dials the card.
    pub fn from_stream(stream: TcpStream, options: &SessionOptions) -> Result<Self, VpcdError> {
        let peer = stream.peer_addr().map_err(|source| VpcdError::Setup {
            peer: "unknown peer".to_owned(),
            source,
        })?;
        let setup = |source| VpcdError::Setup {
            peer: peer.to_string(),
            source,
        };
        // A zero timeout means "block forever" to the OS API: keep a floor.
        let poll = options.poll_interval.max(Duration::from_millis(1));
        let write = options.write_timeout.max(Duration::from_millis(1));
        stream.set_read_timeout(Some(poll)).map_err(setup)?;
        stream.set_write_timeout(Some(write)).map_err(setup)?;
        stream.set_nodelay(true).map_err(setup)?;
        Ok(Self {
            stream,
            frames: FrameReader::new(),
            peer,
            messages: 0,
        })
    }

    /// The vpcd end of the connection.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Messages answered or applied so far on this connection.
    pub fn messages_served(&self) -> u64 {
        self.messages
    }

    /// Answers vpcd with `card` until vpcd closes the connection.
    pub fn serve(
        &mut self,
        card: &mut dyn VirtualCard,
        observer: &mut dyn VpcdObserver,
    ) -> Result<SessionEnd, VpcdError> {
        self.serve_until(card, observer, &mut || false)
    }

    /// Answers vpcd with `card` until vpcd closes the connection or `stop`
    /// returns true; `stop` is asked before every message and at least once
    /// per [`SessionOptions::poll_interval`]. A malformed frame or a socket
    /// error ends the session with an error; the caller should then drop
    /// the client, which closes the connection.
    pub fn serve_until(
        &mut self,
        card: &mut dyn VirtualCard,
        observer: &mut dyn VpcdObserver,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<SessionEnd, VpcdError> {
        loop {
            if stop() {
                return Ok(SessionEnd::Stopped);
            }
            quick_ack(&self.stream);
            match self.frames.poll(&mut self.stream) {
                Ok(Polled::Idle) => {}
                Ok(Polled::Closed) => return Ok(SessionEnd::PeerClosed),
                Ok(Polled::Frame(payload)) => {
                    self.answer(Message::from_payload(payload), card, observer)
                        .map_err(|source| self.frame_error(source))?;
                    self.messages = self.messages.saturating_add(1);
                }
                Err(source) => return Err(self.frame_error(source)),
            }
        }
    }

    /// Closes the connection in both directions (the card is removed).
    pub fn close(self) {
        // The peer may already be gone; closing is all that is left to do.
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    fn frame_error(&self, source: FrameError) -> VpcdError {
        VpcdError::Frame {
            peer: self.peer.to_string(),
            source,
        }
    }

    fn answer(
        &mut self,
        message: Message,
        card: &mut dyn VirtualCard,
        observer: &mut dyn VpcdObserver,
    ) -> Result<(), FrameError> {
        match message {
            // The observer hears of each message before vpcd gets the
            // answer, so a recording is complete when the client sees it.
            Message::Control(control) => {
                let answer = match control {
                    Control::PowerOff => {
                        card.power_off();
                        None
                    }
                    Control::PowerOn => {
                        card.power_on();
                        None
                    }
                    Control::Reset => {
                        card.reset();
                        None
                    }
                    Control::GetAtr => Some(card.atr()),
                    Control::Unknown(_) => None,
                };
                observer.on_control(control);
                if let Some(atr) = answer {
                    write_frame(&mut self.stream, &atr)?;
                }
            }
            Message::Apdu(command) => {
                let started = Instant::now();
                let response = card.transmit(&command);
                let elapsed = started.elapsed();
                observer.on_exchange(&command, &response, elapsed);
                write_frame(&mut self.stream, &response)?;
            }
        }
        Ok(())
    }
}

/// Asks the kernel to acknowledge the next segments at once. vpcd sends a
/// frame's 2-byte length and its payload in two writes without
/// `TCP_NODELAY`, so the payload waits for the length to be acknowledged;
/// with Linux's delayed ACK that adds about 40 ms to every APDU. The flag
/// does not stick (the kernel may return to delayed mode), hence before
/// every read. Best effort: a failure only costs latency.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_: &TcpStream) {}
