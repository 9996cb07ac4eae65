//! JSON lines: one message per `\n`-terminated line, at most
//! `max_line` bytes, every read bounded by a deadline.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::message::Message;

/// Why a line could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineError {
    /// Nothing within the deadline.
    Timeout,
    /// The peer closed the connection.
    Closed,
    /// Longer than the cap (the first bytes are kept for quoting).
    TooLong(String),
    /// Not UTF-8.
    NotText(String),
    /// The socket failed.
    Io(String),
}

/// Reads lines from a stream.
pub struct LineReader {
    inner: BufReader<TcpStream>,
    max_line: usize,
}

/// At most this much of an offending line is quoted.
pub const QUOTE_LIMIT: usize = 200;

/// The first [`QUOTE_LIMIT`] characters of `line`.
pub fn quote(line: &str) -> String {
    let mut out: String = line.chars().take(QUOTE_LIMIT).collect();
    if line.chars().count() > QUOTE_LIMIT {
        out.push('…');
    }
    out
}

impl LineReader {
    /// Lines from `stream`, each at most `max_line` bytes.
    pub fn new(stream: TcpStream, max_line: usize) -> Self {
        LineReader {
            inner: BufReader::new(stream),
            max_line,
        }
    }

    /// The next line (without its terminator) within `deadline`: a true
    /// deadline for the whole line, not per read, so a peer that trickles
    /// a byte at a time (a slow loris) cannot keep the wait open.
    pub fn read_line(&mut self, deadline: Duration) -> Result<String, LineError> {
        let until = Instant::now() + deadline;
        let mut bytes = Vec::new();
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(LineError::Timeout);
            }
            self.inner
                .get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .map_err(|e| LineError::Io(e.to_string()))?;
            let room = self.max_line.saturating_add(1).saturating_sub(bytes.len());
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(LineError::Timeout)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(LineError::Io(e.to_string())),
            };
            if chunk.is_empty() {
                // End of stream: a line without its terminator is dropped.
                return Err(LineError::Closed);
            }
            let window = chunk.get(..room.min(chunk.len())).unwrap_or(chunk);
            let (taken, complete) = match window.iter().position(|b| *b == b'\n') {
                Some(at) => (at + 1, true),
                None => (window.len(), false),
            };
            bytes.extend_from_slice(window.get(..taken).unwrap_or(window));
            self.inner.consume(taken);
            if complete {
                break;
            }
            if bytes.len() > self.max_line {
                return Err(LineError::TooLong(quote(&String::from_utf8_lossy(&bytes))));
            }
        }
        while matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        String::from_utf8(bytes)
            .map_err(|e| LineError::NotText(quote(&String::from_utf8_lossy(e.as_bytes()))))
    }
}

/// Writes `message` as one line.
pub fn write_message(stream: &mut TcpStream, message: &Message) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    stream.flush()
}
