//! The load generator's HTTP/1.1 client side, without IO: a request built
//! once per serial, and [`ResponseReader`], which reads one response at a
//! time from whatever bytes a connection's reads deliver.
//!
//! Why not ureq or hyper's client: the generator shares the machine's cores
//! with the server it measures, so every microsecond it spends per request is
//! taken from the server. ureq needs a thread per connection (a context
//! switch per request), and hyper's client builds a `Request`, a header map
//! and a body stream per exchange. Here a request is a byte string built once
//! per serial, and a response is parsed in place by `httparse` (hyper's own
//! parser) and its body skipped without copying. Framing handled:
//! `Content-Length`, `Transfer-Encoding: chunked`, a body until close, and
//! `Connection: close`. Anything else is [`Failure::Malformed`], never a
//! panic; the event loop (`open_loop.rs`) does the IO and bounds every
//! exchange with its deadline.

use std::io::{self, Read};

/// The largest response header block (or chunk-size line) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// How many headers a response may have.
const MAX_HEADERS: usize = 64;
/// The read buffer's first size.
const BUFFER: usize = 8 * 1024;

/// Why an exchange failed (each is an error kind of the report).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be opened.
    Connect,
    /// The peer closed the connection before the response was complete.
    Closed,
    /// The response is not HTTP/1.1 framing this client understands.
    Malformed,
    /// No complete answer by the request's deadline.
    Timeout,
    /// Another IO error.
    Io,
}

impl Failure {
    /// The error kind in the report.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Failure::Connect => "connect",
            Failure::Closed => "closed",
            Failure::Malformed => "malformed",
            Failure::Timeout => "timeout",
            Failure::Io => "other",
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Failure::Closed,
            _ => Failure::Io,
        }
    }
}

/// How the body of a response is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// A parsed response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    framing: Framing,
    /// The connection cannot be reused after this response.
    close: bool,
    /// Bytes of the head, the blank line included.
    len: usize,
}

/// Parses a response head from `bytes`: `Ok(None)` while incomplete.
fn parse_head(bytes: &[u8]) -> Result<Option<Head>, Failure> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Failure::Malformed),
    };
    let status = response.code.ok_or(Failure::Malformed)?;
    let mut close = response.version != Some(1);
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut encoded = false;
    for header in response.headers.iter() {
        let value = std::str::from_utf8(header.value).map_err(|_| Failure::Malformed)?;
        if header.name.eq_ignore_ascii_case("content-length") {
            let parsed: u64 = value.trim().parse().map_err(|_| Failure::Malformed)?;
            if length.is_some_and(|l| l != parsed) {
                return Err(Failure::Malformed);
            }
            length = Some(parsed);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            encoded = true;
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if header.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    close = false;
                }
            }
        }
    }
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::Length(0)
    } else if chunked {
        Framing::Chunked
    } else if encoded {
        Framing::UntilClose
    } else {
        match length {
            Some(n) => Framing::Length(n),
            None => Framing::UntilClose,
        }
    };
    if framing == Framing::UntilClose {
        close = true;
    }
    Ok(Some(Head {
        status,
        framing,
        close,
        len,
    }))
}

/// Parses a chunk-size line (`1A;ext=1\r\n`) at the start of `bytes`:
/// `Ok(Some((size, line length)))`, `Ok(None)` while incomplete.
fn parse_chunk_size(bytes: &[u8]) -> Result<Option<(u64, usize)>, Failure> {
    match httparse::parse_chunk_size(bytes) {
        Ok(httparse::Status::Complete((len, size))) => Ok(Some((size, len))),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(_) => Err(Failure::Malformed),
    }
}

/// Where a response stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// Reading the head.
    Head,
    /// This many body bytes left.
    Body(u64),
    /// A chunk-size line next.
    ChunkSize,
    /// This many bytes of the current chunk left.
    ChunkData(u64),
    /// The CRLF after a chunk's data next.
    ChunkEnd,
    /// Trailer lines up to the empty line.
    Trailers,
    /// The body runs until the peer closes.
    UntilClose,
}

/// What one read brought.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The response is not complete yet (or the read would block).
    More,
    /// The response is complete: its status, and whether the connection
    /// may carry the next request.
    Done {
        /// HTTP status.
        status: u16,
        /// The connection can be reused.
        reusable: bool,
    },
}

/// Reads one response after another from one connection (no pipelining: a
/// response is complete before the next request is written), with its own
/// read buffer.
#[derive(Debug)]
pub(crate) struct ResponseReader {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    part: Part,
    status: u16,
    close: bool,
}

impl ResponseReader {
    pub(crate) fn new() -> ResponseReader {
        ResponseReader {
            buf: vec![0; BUFFER],
            start: 0,
            end: 0,
            part: Part::Head,
            status: 0,
            close: false,
        }
    }

    /// Forgets any response in progress (a new connection).
    pub(crate) fn reset(&mut self) {
        self.start = 0;
        self.end = 0;
        self.part = Part::Head;
    }

    /// Bytes of a response are buffered or expected: the reader is in the
    /// middle of one.
    pub(crate) fn holds_bytes(&self) -> bool {
        self.end > self.start || self.part != Part::Head
    }

    /// Reads what `source` has and parses as far as it goes: one read, or
    /// more while a read fills the buffer or, when `to_end` (the peer has
    /// closed), until the end of the stream. End of stream is
    /// [`Failure::Closed`] unless the body runs until close.
    pub(crate) fn read_from(
        &mut self,
        source: &mut impl Read,
        to_end: bool,
    ) -> Result<Progress, Failure> {
        if self.end > self.start {
            // Bytes left after the previous response.
            let progress = self.parse()?;
            if progress != Progress::More {
                return Ok(progress);
            }
        }
        loop {
            self.make_room()?;
            let free = self.buf.get_mut(self.end..).ok_or(Failure::Malformed)?;
            let room = free.len();
            let n = match source.read(free) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Progress::More),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                return if self.part == Part::UntilClose {
                    self.part = Part::Head;
                    Ok(Progress::Done {
                        status: self.status,
                        reusable: false,
                    })
                } else {
                    Err(Failure::Closed)
                };
            }
            self.end += n;
            let progress = self.parse()?;
            // A read that filled the buffer may have left bytes behind.
            if progress != Progress::More || (n < room && !to_end) {
                return Ok(progress);
            }
        }
    }

    /// Parses the bytes in the buffer as far as they go.
    fn parse(&mut self) -> Result<Progress, Failure> {
        loop {
            match self.part {
                Part::Head => {
                    let Some(head) = parse_head(self.available())? else {
                        return self.incomplete_line();
                    };
                    self.consume(head.len);
                    self.status = head.status;
                    self.close = head.close;
                    self.part = match head.framing {
                        Framing::Length(n) => Part::Body(n),
                        Framing::Chunked => Part::ChunkSize,
                        Framing::UntilClose => Part::UntilClose,
                    };
                }
                Part::Body(0) => {
                    self.part = Part::Head;
                    return Ok(Progress::Done {
                        status: self.status,
                        reusable: !self.close,
                    });
                }
                Part::Body(n) => {
                    let take = self.skip(n);
                    if take == 0 {
                        return Ok(Progress::More);
                    }
                    self.part = Part::Body(n - take);
                }
                Part::ChunkSize => {
                    let Some((size, line)) = parse_chunk_size(self.available())? else {
                        return self.incomplete_line();
                    };
                    self.consume(line);
                    self.part = if size == 0 {
                        Part::Trailers
                    } else {
                        Part::ChunkData(size)
                    };
                }
                Part::ChunkData(0) => self.part = Part::ChunkEnd,
                Part::ChunkData(n) => {
                    let take = self.skip(n);
                    if take == 0 {
                        return Ok(Progress::More);
                    }
                    self.part = Part::ChunkData(n - take);
                }
                Part::ChunkEnd => {
                    let available = self.available();
                    if available.len() < 2 {
                        if available.first().is_some_and(|&b| b != b'\r') {
                            return Err(Failure::Malformed);
                        }
                        return Ok(Progress::More);
                    }
                    if !available.starts_with(b"\r\n") {
                        return Err(Failure::Malformed);
                    }
                    self.consume(2);
                    self.part = Part::ChunkSize;
                }
                Part::Trailers => {
                    let Some(line_end) = self.available().windows(2).position(|w| w == b"\r\n")
                    else {
                        return self.incomplete_line();
                    };
                    self.consume(line_end + 2);
                    if line_end == 0 {
                        self.part = Part::Head;
                        return Ok(Progress::Done {
                            status: self.status,
                            reusable: !self.close,
                        });
                    }
                }
                Part::UntilClose => {
                    let all = self.available().len();
                    self.consume(all);
                    return Ok(Progress::More);
                }
            }
        }
    }

    /// A head, chunk-size or trailer line is incomplete: wait for more
    /// bytes, unless it is already too long.
    fn incomplete_line(&self) -> Result<Progress, Failure> {
        if self.available().len() >= MAX_HEAD {
            Err(Failure::Malformed)
        } else {
            Ok(Progress::More)
        }
    }

    fn available(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Skips up to `n` available body bytes: how many it skipped.
    fn skip(&mut self, n: u64) -> u64 {
        let take = (self.available().len() as u64).min(n);
        self.consume(usize::try_from(take).unwrap_or(usize::MAX));
        take
    }

    /// Free space after the buffered bytes: moved to the front, or the
    /// buffer grown up to twice [`MAX_HEAD`].
    fn make_room(&mut self) -> Result<(), Failure> {
        if self.end < self.buf.len() {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        } else if self.buf.len() < MAX_HEAD * 2 {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        } else {
            return Err(Failure::Malformed);
        }
        Ok(())
    }
}

/// A whole `POST` request with a JSON body, built once and sent as it is.
pub(crate) fn post_request(host: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_give_status_and_framing() {
        let head = |text: &str| parse_head(text.as_bytes());
        assert_eq!(
            head("HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n"),
            Ok(Some(Head {
                status: 200,
                framing: Framing::Length(12),
                close: false,
                len: 39
            }))
        );
        let chunked = head("HTTP/1.1 503 X\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        assert_eq!(
            chunked.map(|h| h.map(|h| h.framing)),
            Ok(Some(Framing::Chunked))
        );
        let closing = head("HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(closing.map(|h| h.map(|h| h.close)), Ok(Some(true)));
        let until_close = head("HTTP/1.0 200 OK\r\n\r\n");
        assert_eq!(
            until_close.map(|h| h.map(|h| (h.framing, h.close))),
            Ok(Some((Framing::UntilClose, true)))
        );
        assert_eq!(head("HTTP/1.1 200 OK\r\ncontent-le"), Ok(None));
        for bad in [
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
            "HTTP/1.1 abc OK\r\n\r\n",
        ] {
            assert_eq!(head(bad), Err(Failure::Malformed), "{bad:?}");
        }
    }

    /// A source that hands out `bytes` in pieces of `piece` bytes, one
    /// piece per read, then would block (or ends, when `eof`).
    struct Pieces {
        bytes: Vec<u8>,
        at: usize,
        piece: usize,
        eof: bool,
    }

    impl Read for Pieces {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let rest = &self.bytes[self.at..];
            if rest.is_empty() {
                return if self.eof {
                    Ok(0)
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                };
            }
            let n = rest.len().min(self.piece).min(out.len());
            out[..n].copy_from_slice(&rest[..n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Reads responses from `bytes` cut in `piece`-byte reads until `count`
    /// are done or one fails.
    fn read_all(
        bytes: &[u8],
        piece: usize,
        count: usize,
        eof: bool,
    ) -> Vec<Result<Progress, Failure>> {
        let mut source = Pieces {
            bytes: bytes.to_vec(),
            at: 0,
            piece,
            eof,
        };
        let mut reader = ResponseReader::new();
        let mut outcomes = Vec::new();
        for _ in 0..bytes.len() + 2 {
            match reader.read_from(&mut source, false) {
                Ok(Progress::More) if source.at == source.bytes.len() && !eof => break,
                Ok(Progress::More) => {}
                other => {
                    let failed = other.is_err();
                    outcomes.push(other);
                    if failed || outcomes.len() == count {
                        break;
                    }
                }
            }
        }
        outcomes
    }

    fn done(status: u16, reusable: bool) -> Result<Progress, Failure> {
        Ok(Progress::Done { status, reusable })
    }

    #[test]
    fn bodies_are_read_to_their_end_whatever_the_framing_and_splits() {
        let length: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        let chunked: &[u8] =
            b"HTTP/1.1 404 No\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n";
        let until_close: &[u8] = b"HTTP/1.0 200 OK\r\n\r\nthe rest";
        for piece in [1, 3, 7, 1000] {
            let twice = [length, length].concat();
            assert_eq!(
                read_all(&twice, piece, 2, false),
                [done(200, true), done(200, true)]
            );
            let twice = [chunked, chunked].concat();
            assert_eq!(
                read_all(&twice, piece, 2, false),
                [done(404, true), done(404, true)]
            );
            assert_eq!(read_all(until_close, piece, 1, true), [done(200, false)]);
        }
        // A buffer filled by one read is read again before parsing stops.
        let big = [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 20000\r\n\r\n"[..],
            &[b'x'; 20_000],
        ]
        .concat();
        assert_eq!(read_all(&big, 100_000, 1, false), [done(200, true)]);
    }

    #[test]
    fn bad_answers_are_failures_not_panics() {
        let cut: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nshort";
        let bad_chunk: &[u8] = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n";
        let no_crlf: &[u8] = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\naXX";
        for (answer, expected) in [
            (cut, Failure::Closed),
            (bad_chunk, Failure::Malformed),
            (no_crlf, Failure::Malformed),
        ] {
            for piece in [1, 1000] {
                assert_eq!(
                    read_all(answer, piece, 1, true),
                    [Err(expected)],
                    "{:?}",
                    String::from_utf8_lossy(answer)
                );
            }
        }
    }

    #[test]
    fn an_endless_head_is_malformed() {
        let endless = [&b"HTTP/1.1 200 OK\r\nx: "[..], &[b'a'; 4 * MAX_HEAD]].concat();
        for piece in [4096, 1 << 20] {
            assert_eq!(
                read_all(&endless, piece, 1, false),
                [Err(Failure::Malformed)]
            );
        }
    }
}
