//! The reference reader over the protocol (`myna-conform reader serve`):
//! one fresh [`ReferenceReader`] per connection, its card and eligibility
//! service from a [`CardFactory`]. Hardened like any server facing
//! untrusted input: a line-length cap, handshake and idle deadlines, a
//! connection limit ([`ServeConfig`]).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use myna_family_card::target::CardTarget;
use myna_oqs::OqsTarget;

use super::codec::{write_message, LineError, LineReader};
use super::message::{Hello, Message, PROTOCOL, VERSION};
use super::served::{error, handshake, Handshake, ServedSession, SharedFactory};
use crate::config::ReaderConfig;
use crate::reference::Defect;

/// Where each connection's card and eligibility service come from.
pub trait CardFactory: Send {
    /// The card for a scenario whose card is `persona` (a real card
    /// ignores it).
    fn card(&mut self, persona: Option<&str>) -> Result<Box<dyn CardTarget + Send>, String>;
    /// The holder's smartphone card for the generic reader (seed 004);
    /// `None` (the default): the smartphone flow reads the card.
    fn phone(
        &mut self,
        _persona: Option<&str>,
    ) -> Result<Option<Box<dyn CardTarget + Send>>, String> {
        Ok(None)
    }
    /// The eligibility service.
    fn eligibility(&mut self) -> Result<Box<dyn OqsTarget + Send>, String>;
}

/// Limits and settings of the server, with documented defaults.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Longest line accepted (default 64 KiB); a longer one is answered
    /// with an error and the connection closed.
    pub max_line: usize,
    /// From connection to `use` (default 10 s).
    pub handshake_timeout: Duration,
    /// A connection silent this long is closed (default 300 s).
    pub idle_timeout: Duration,
    /// Connections at once (default 8); more are refused with `not_ready`.
    pub max_connections: usize,
    /// The reader's settings at each reset.
    pub reader: ReaderConfig,
    /// Test-only: serve a faulty reader.
    pub defect: Option<Defect>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            max_line: 64 * 1024,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            max_connections: 8,
            reader: ReaderConfig::default(),
            defect: None,
        }
    }
}

/// The capabilities the reference reader declares over the protocol (the
/// card trace is never the reader's to declare: the harness provides it
/// when it hosts the card, `--card vpcd`).
pub const SERVED_CAPABILITIES: &[&str] = &[
    "reader.flow",
    "reader.smartphone",
    "reader.clock",
    "reader.config",
];

/// Why the server could not start.
#[derive(Debug)]
pub struct ServeError(pub String);

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServeError {}

/// A running server.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `tcp://HOST:PORT`.
    pub fn url(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    /// Blocks until the server stops (never, unless stopped).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves on `listen` (port 0: any free port).
pub fn serve(
    listen: SocketAddr,
    config: ServeConfig,
    factory: Box<dyn CardFactory>,
) -> Result<ServerHandle, ServeError> {
    let listener = TcpListener::bind(listen)
        .map_err(|e| ServeError(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError(format!("no local address: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = Arc::clone(&stop);
    let factory: SharedFactory = Arc::new(Mutex::new(factory));
    let active = Arc::new(AtomicUsize::new(0));
    let thread = std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stop_flag.load(Ordering::SeqCst) {
                break;
            }
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            if active.load(Ordering::SeqCst) >= config.max_connections {
                let _ = write_message(
                    &mut stream,
                    &Message::Error {
                        id: None,
                        error: "not_ready".into(),
                        message: format!("at most {} connections", config.max_connections),
                    },
                );
                continue;
            }
            active.fetch_add(1, Ordering::SeqCst);
            let slot = Slot(Arc::clone(&active));
            let factory = Arc::clone(&factory);
            let config = config.clone();
            std::thread::spawn(move || {
                let _slot = slot;
                let _ = run_connection(stream, &config, &factory);
            });
        }
    });
    Ok(ServerHandle {
        addr,
        stop,
        thread: Some(thread),
    })
}

/// Frees a connection slot however the connection's thread ends (a panic
/// included), so a bug in one connection never shrinks the server.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn run_connection(
    stream: TcpStream,
    config: &ServeConfig,
    factory: &SharedFactory,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone()?;
    let _ = writer.set_write_timeout(Some(config.handshake_timeout));
    let mut lines = LineReader::new(stream, config.max_line);
    write_message(
        &mut writer,
        &Message::Hello(Hello {
            protocol: PROTOCOL.into(),
            versions: vec![VERSION],
            name: "myna-conform reference reader".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            capabilities: SERVED_CAPABILITIES.iter().map(|c| c.to_string()).collect(),
        }),
    )?;
    let line = match lines.read_line(config.handshake_timeout) {
        Ok(line) => line,
        Err(_) => return Ok(()),
    };
    match handshake(&line) {
        Handshake::Ready => {}
        Handshake::Close => return Ok(()),
        Handshake::Refuse(answer) => {
            let _ = write_message(&mut writer, &answer);
            return Ok(());
        }
    }
    write_message(&mut writer, &Message::Ready)?;
    let mut session = ServedSession::new(config, Arc::clone(factory));
    loop {
        let line = match lines.read_line(config.idle_timeout) {
            Ok(line) => line,
            Err(LineError::TooLong(_)) => {
                let _ = write_message(
                    &mut writer,
                    &error(
                        None,
                        "invalid_argument",
                        format!("line longer than {} bytes", config.max_line),
                    ),
                );
                return Ok(());
            }
            Err(LineError::NotText(_)) => {
                write_message(
                    &mut writer,
                    &error(None, "invalid_argument", "a line that is not UTF-8"),
                )?;
                continue;
            }
            Err(_) => return Ok(()),
        };
        if let Some(answer) = session.answer(&line) {
            write_message(&mut writer, &answer)?;
        }
    }
}
