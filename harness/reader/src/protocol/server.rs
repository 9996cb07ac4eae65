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

use super::codec::{quote, write_message, LineError, LineReader};
use super::message::{Command, Hello, Message, PROTOCOL, VERSION};
use crate::config::ReaderConfig;
use crate::reference::{Defect, Peers, Reaction, ReferenceReader};

/// Where each connection's card and eligibility service come from.
pub trait CardFactory: Send {
    /// The card for a scenario whose card is `persona` (a real card
    /// ignores it).
    fn card(&mut self, persona: Option<&str>) -> Result<Box<dyn CardTarget + Send>, String>;
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
    let factory = Arc::new(Mutex::new(factory));
    let active = Arc::new(AtomicUsize::new(0));
    let thread = std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stop_flag.load(Ordering::SeqCst) {
                break;
            }
            let Ok(mut stream) = stream else { continue };
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
            let active = Arc::clone(&active);
            let factory = Arc::clone(&factory);
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = Connection::run(stream, &config, &factory);
                active.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Ok(ServerHandle {
        addr,
        stop,
        thread: Some(thread),
    })
}

struct Connection {
    reader: ReferenceReader,
    card: Option<Box<dyn CardTarget + Send>>,
    eligibility: Option<Box<dyn OqsTarget + Send>>,
    seen: usize,
}

type Shared = Arc<Mutex<Box<dyn CardFactory>>>;

fn error(id: Option<u64>, kind: &str, message: impl Into<String>) -> Message {
    Message::Error {
        id,
        error: kind.into(),
        message: message.into(),
    }
}

impl Connection {
    fn run(stream: TcpStream, config: &ServeConfig, factory: &Shared) -> std::io::Result<()> {
        let _ = stream.set_nodelay(true);
        let mut writer = stream.try_clone()?;
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
        match serde_json::from_str::<Message>(&line) {
            Ok(Message::Use { version }) if version == VERSION => {}
            Ok(Message::Incompatible { .. }) => return Ok(()),
            _ => {
                let _ = write_message(
                    &mut writer,
                    &error(
                        None,
                        "invalid_argument",
                        format!(
                            "expected use {{version: {VERSION}}}, found {}",
                            quote(&line)
                        ),
                    ),
                );
                return Ok(());
            }
        }
        write_message(&mut writer, &Message::Ready)?;
        let mut connection = Connection {
            reader: fresh(config),
            card: None,
            eligibility: None,
            seen: 0,
        };
        loop {
            let line = match lines.read_line(config.idle_timeout) {
                Ok(line) => line,
                Err(LineError::TooLong(start)) => {
                    let _ = write_message(
                        &mut writer,
                        &error(
                            None,
                            "invalid_argument",
                            format!("line longer than {} bytes: {start}", config.max_line),
                        ),
                    );
                    return Ok(());
                }
                Err(LineError::NotText(start)) => {
                    write_message(
                        &mut writer,
                        &error(None, "invalid_argument", format!("not UTF-8: {start}")),
                    )?;
                    continue;
                }
                Err(_) => return Ok(()),
            };
            if line.trim().is_empty() {
                continue;
            }
            let answer = match serde_json::from_str::<Message>(&line) {
                Ok(Message::Command { id, command }) => {
                    connection.command(id, command, config, factory)
                }
                Ok(_) => error(
                    None,
                    "unknown_command",
                    format!("expected a command, found {}", quote(&line)),
                ),
                Err(e) => error(None, "invalid_argument", format!("malformed line ({e})")),
            };
            write_message(&mut writer, &answer)?;
        }
    }

    fn command(
        &mut self,
        id: u64,
        command: Command,
        config: &ServeConfig,
        factory: &Shared,
    ) -> Message {
        let result = |me: &Self, accepted: bool, reason: Option<String>| Message::Result {
            id,
            accepted,
            reason,
            observation: me.reader.observe(me.seen),
        };
        match command {
            Command::Reset { persona } => {
                self.reader = fresh(config);
                self.seen = 0;
                let mut factory = match factory.lock() {
                    Ok(f) => f,
                    Err(poisoned) => poisoned.into_inner(),
                };
                match (factory.card(persona.as_deref()), factory.eligibility()) {
                    (Ok(card), Ok(eligibility)) => {
                        self.card = Some(card);
                        self.eligibility = Some(eligibility);
                        result(self, true, None)
                    }
                    (Err(e), _) | (_, Err(e)) => error(Some(id), "not_ready", e),
                }
            }
            Command::Observe => {
                let answer = result(self, true, None);
                self.seen = self.reader.records().len();
                answer
            }
            Command::Configure { config } => {
                self.reader.set_config(*config);
                result(self, true, None)
            }
            Command::Stimulus { stimulus } => {
                let (Some(card), Some(eligibility)) =
                    (self.card.as_mut(), self.eligibility.as_mut())
                else {
                    return error(Some(id), "not_ready", "send reset first");
                };
                let mut peers = Peers {
                    card: card.as_mut(),
                    eligibility: eligibility.as_mut(),
                };
                match self.reader.handle(&stimulus, &mut peers) {
                    Ok(reaction) => {
                        let (accepted, reason) = match reaction {
                            Reaction::Accepted => (true, None),
                            Reaction::Rejected(why) => (false, Some(why)),
                        };
                        let answer = result(self, accepted, reason);
                        self.seen = self.reader.records().len();
                        answer
                    }
                    Err(e) => error(Some(id), "internal", e.to_string()),
                }
            }
        }
    }
}

fn fresh(config: &ServeConfig) -> ReferenceReader {
    let reader = ReferenceReader::new(config.reader.clone());
    match config.defect {
        Some(d) => reader.with_defect(d),
        None => reader,
    }
}
