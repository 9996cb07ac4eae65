//! JSON lines: one message per `\n`-terminated line, at most
//! `max_line` bytes, every read bounded by a deadline.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

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

    /// The next line (without its terminator) within `deadline`.
    pub fn read_line(&mut self, deadline: Duration) -> Result<String, LineError> {
        self.inner
            .get_ref()
            .set_read_timeout(Some(deadline.max(Duration::from_millis(1))))
            .map_err(|e| LineError::Io(e.to_string()))?;
        let mut bytes = Vec::new();
        let limit = u64::try_from(self.max_line)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let read = (&mut self.inner).take(limit).read_until(b'\n', &mut bytes);
        match read {
            Ok(0) => Err(LineError::Closed),
            Ok(_) => {
                if bytes.last() != Some(&b'\n') && bytes.len() > self.max_line {
                    return Err(LineError::TooLong(quote(&String::from_utf8_lossy(&bytes))));
                }
                if bytes.last() != Some(&b'\n') {
                    // End of stream without a terminator.
                    if bytes.is_empty() {
                        return Err(LineError::Closed);
                    }
                }
                while matches!(bytes.last(), Some(b'\n' | b'\r')) {
                    bytes.pop();
                }
                String::from_utf8(bytes)
                    .map_err(|e| LineError::NotText(quote(&String::from_utf8_lossy(e.as_bytes()))))
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Err(LineError::Timeout)
            }
            Err(e) => Err(LineError::Io(e.to_string())),
        }
    }
}

/// Writes `message` as one line.
pub fn write_message(stream: &mut TcpStream, message: &Message) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    stream.flush()
}
