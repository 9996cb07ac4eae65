//! The harness side of the protocol: connect, handshake, one command at a
//! time. A malformed, unexpected or late line is a protocol error of the
//! reader under test, quoting the line; no wait is without a deadline.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::codec::{quote, write_message, LineError, LineReader};
use super::message::{Command, Hello, Message, PROTOCOL, VERSION};
use crate::config::ReaderConfig;
use crate::observation::Observation;
use crate::stimulus::Stimulus;

/// Deadlines and limits of the harness side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// Connecting (default 5 s).
    pub connect_timeout: Duration,
    /// From connection to `ready` (default 10 s).
    pub handshake_timeout: Duration,
    /// From a command to its result (default 30 s: a real reader may wait
    /// for a slow eligibility answer).
    pub reply_timeout: Duration,
    /// Longest line accepted (default 1 MiB).
    pub max_line: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(10),
            reply_timeout: Duration::from_secs(30),
            max_line: 1 << 20,
        }
    }
}

/// Why a command failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// The reader broke the protocol (the message quotes the line).
    Protocol(String),
    /// The connection failed or timed out.
    Transport(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Protocol(m) | ClientError::Transport(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ClientError {}

/// The answer to a stimulus.
#[derive(Clone, Debug, PartialEq)]
pub struct StimulusReply {
    /// Taken on this screen.
    pub accepted: bool,
    /// Why not.
    pub reason: Option<String>,
    /// The observation after it.
    pub observation: Observation,
}

/// A connection to a reader.
pub struct Client {
    writer: TcpStream,
    reader: LineReader,
    options: ClientOptions,
    hello: Hello,
    next_id: u64,
    /// Event lines received (logged, never needed for a verdict).
    pub events: Vec<String>,
}

fn transport(what: &str, e: impl std::fmt::Display) -> ClientError {
    ClientError::Transport(format!("{what}: {e}"))
}

impl Client {
    /// Connects to `address` (`HOST:PORT`) and completes the handshake.
    pub fn connect(address: &str, options: ClientOptions) -> Result<Client, ClientError> {
        let addr = address
            .to_socket_addrs()
            .map_err(|e| transport(&format!("reader {address}"), e))?
            .next()
            .ok_or_else(|| ClientError::Transport(format!("reader {address}: no address")))?;
        let stream = TcpStream::connect_timeout(&addr, options.connect_timeout)
            .map_err(|e| transport(&format!("reader {address}"), e))?;
        let _ = stream.set_nodelay(true);
        let writer = stream
            .try_clone()
            .map_err(|e| transport("reader socket", e))?;
        let reader = LineReader::new(stream, options.max_line);
        let mut client = Client {
            writer,
            reader,
            options,
            hello: Hello {
                protocol: String::new(),
                versions: Vec::new(),
                name: String::new(),
                version: String::new(),
                capabilities: Vec::new(),
            },
            next_id: 1,
            events: Vec::new(),
        };
        // Something listens there: if it does not complete the handshake,
        // say that it is not a reader of this protocol, and what it did.
        client.handshake().map_err(|e| {
            let says = format!(
                "{address} accepted the connection but does not speak the reader adapter \
                 protocol (harness/reader/PROTOCOL.md): {e}"
            );
            match e {
                ClientError::Protocol(_) => ClientError::Protocol(says),
                ClientError::Transport(_) => ClientError::Transport(says),
            }
        })?;
        Ok(client)
    }

    fn handshake(&mut self) -> Result<(), ClientError> {
        let deadline = Instant::now() + self.options.handshake_timeout;
        let (line, message) = self.next_message(deadline, "hello")?;
        let Message::Hello(hello) = message else {
            return Err(unexpected("hello", &line));
        };
        if hello.protocol != PROTOCOL {
            return Err(ClientError::Protocol(format!(
                "expected protocol `{PROTOCOL}` in hello, found `{}` in line {}",
                hello.protocol,
                quote(&line)
            )));
        }
        if !hello.versions.contains(&VERSION) {
            let reason = format!(
                "this harness speaks version {VERSION}, the reader {:?}",
                hello.versions
            );
            let _ = write_message(
                &mut self.writer,
                &Message::Incompatible {
                    reason: reason.clone(),
                },
            );
            return Err(ClientError::Protocol(format!(
                "incompatible reader: {reason}"
            )));
        }
        write_message(&mut self.writer, &Message::Use { version: VERSION })
            .map_err(|e| transport("send use", e))?;
        let (line, message) = self.next_message(deadline, "ready")?;
        if message != Message::Ready {
            return Err(unexpected("ready", &line));
        }
        self.hello = hello;
        Ok(())
    }

    /// What the reader declared.
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// The next non-event message before `deadline`.
    fn next_message(
        &mut self,
        deadline: Instant,
        waiting_for: &str,
    ) -> Result<(String, Message), ClientError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ClientError::Transport(format!(
                    "no {waiting_for} from the reader in time"
                )));
            }
            let line = match self.reader.read_line(left) {
                Ok(line) => line,
                Err(LineError::Timeout) => {
                    return Err(ClientError::Transport(format!(
                        "no {waiting_for} from the reader within the deadline"
                    )))
                }
                Err(LineError::Closed) => {
                    return Err(ClientError::Transport(format!(
                    "the reader closed the connection while the harness waited for {waiting_for}"
                )))
                }
                Err(LineError::TooLong(start)) => {
                    return Err(ClientError::Protocol(format!(
                        "line longer than {} bytes from the reader: {start}",
                        self.options.max_line
                    )))
                }
                Err(LineError::NotText(start)) => {
                    return Err(ClientError::Protocol(format!(
                        "line from the reader is not UTF-8: {start}"
                    )))
                }
                Err(LineError::Io(e)) => {
                    return Err(ClientError::Transport(format!("reader socket: {e}")))
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            let message: Message = serde_json::from_str(&line).map_err(|e| {
                ClientError::Protocol(format!(
                    "malformed line from the reader ({e}): {}",
                    quote(&line)
                ))
            })?;
            if let Message::Event { .. } = message {
                self.events.push(line);
                continue;
            }
            return Ok((line, message));
        }
    }

    fn command(
        &mut self,
        command: Command,
    ) -> Result<(bool, Option<String>, Observation), ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        write_message(&mut self.writer, &Message::Command { id, command })
            .map_err(|e| transport("send command", e))?;
        let deadline = Instant::now() + self.options.reply_timeout;
        let (line, message) =
            self.next_message(deadline, &format!("the result of command {id}"))?;
        match message {
            Message::Result { id: got, accepted, reason, observation } if got == id => {
                Ok((accepted, reason, observation))
            }
            Message::Result { id: got, .. } | Message::Error { id: Some(got), .. } if got != id => {
                Err(ClientError::Protocol(format!(
                    "expected the answer to command {id}, found one to command {got} (late or out of order): {}",
                    quote(&line)
                )))
            }
            Message::Error { error, message, .. } => Err(ClientError::Protocol(format!(
                "the reader refused command {id} ({error}: {message}): {}",
                quote(&line)
            ))),
            _ => Err(unexpected(&format!("the result of command {id}"), &line)),
        }
    }

    /// Starts a scenario afresh.
    pub fn reset(&mut self, persona: Option<&str>) -> Result<Observation, ClientError> {
        self.command(Command::Reset {
            persona: persona.map(str::to_string),
        })
        .map(|(_, _, o)| o)
    }

    /// Sends a stimulus.
    pub fn stimulate(&mut self, stimulus: &Stimulus) -> Result<StimulusReply, ClientError> {
        self.command(Command::Stimulus {
            stimulus: stimulus.clone(),
        })
        .map(|(accepted, reason, observation)| StimulusReply {
            accepted,
            reason,
            observation,
        })
    }

    /// Asks for the observation.
    pub fn observe(&mut self) -> Result<Observation, ClientError> {
        self.command(Command::Observe).map(|(_, _, o)| o)
    }

    /// Changes the settings.
    pub fn configure(&mut self, config: &ReaderConfig) -> Result<Observation, ClientError> {
        self.command(Command::Configure {
            config: Box::new(config.clone()),
        })
        .map(|(_, _, o)| o)
    }
}

fn unexpected(waiting_for: &str, line: &str) -> ClientError {
    ClientError::Protocol(format!(
        "expected {waiting_for}, found the line {}",
        quote(line)
    ))
}
