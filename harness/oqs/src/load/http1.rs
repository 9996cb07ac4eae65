//! The load generator's HTTP/1.1 client: one keep-alive connection that
//! writes a prepared request and reads one response.
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
//! panic; the caller bounds every exchange with its deadline.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

/// One keep-alive connection and its read buffer.
pub(crate) struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Connection {
    /// Opens a connection (the caller bounds it with its deadline).
    pub(crate) async fn open(addr: std::net::SocketAddr) -> Result<Connection, Failure> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|_| Failure::Connect)?;
        let _ = stream.set_nodelay(true);
        Ok(Connection {
            stream,
            buf: vec![0; BUFFER],
            start: 0,
            end: 0,
        })
    }

    /// Sends `request` (a whole HTTP/1.1 request) and reads its response:
    /// `Ok((status, reusable))`.
    pub(crate) async fn exchange(&mut self, request: &[u8]) -> Result<(u16, bool), Failure> {
        self.stream.write_all(request).await?;
        let head = loop {
            if let Some(head) = parse_head(self.available())? {
                break head;
            }
            if self.available().len() >= MAX_HEAD {
                return Err(Failure::Malformed);
            }
            self.fill().await?;
        };
        self.consume(head.len);
        match head.framing {
            Framing::Length(n) => self.skip(n).await?,
            Framing::Chunked => self.skip_chunked().await?,
            Framing::UntilClose => self.skip_to_close().await?,
        }
        Ok((head.status, !head.close))
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

    /// Reads more bytes after those available; end of stream is `Closed`.
    async fn fill(&mut self) -> Result<(), Failure> {
        if self.read_some().await? == 0 {
            return Err(Failure::Closed);
        }
        Ok(())
    }

    async fn read_some(&mut self) -> Result<usize, Failure> {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < MAX_HEAD * 2 {
                self.buf.resize(self.buf.len() * 2, 0);
            } else {
                return Err(Failure::Malformed);
            }
        }
        let free = self.buf.get_mut(self.end..).ok_or(Failure::Malformed)?;
        let n = self.stream.read(free).await?;
        self.end += n;
        Ok(n)
    }

    /// Skips `n` body bytes.
    async fn skip(&mut self, mut n: u64) -> Result<(), Failure> {
        while n > 0 {
            if self.available().is_empty() {
                self.fill().await?;
            }
            let take = (self.available().len() as u64).min(n);
            self.consume(take as usize);
            n -= take;
        }
        Ok(())
    }

    /// Skips a chunked body and its trailers.
    async fn skip_chunked(&mut self) -> Result<(), Failure> {
        loop {
            let (size, line) = loop {
                if let Some(found) = parse_chunk_size(self.available())? {
                    break found;
                }
                if self.available().len() >= MAX_HEAD {
                    return Err(Failure::Malformed);
                }
                self.fill().await?;
            };
            self.consume(line);
            if size == 0 {
                return self.skip_trailers().await;
            }
            self.skip(size).await?;
            self.expect_crlf().await?;
        }
    }

    async fn expect_crlf(&mut self) -> Result<(), Failure> {
        while self.available().len() < 2 {
            self.fill().await?;
        }
        if !self.available().starts_with(b"\r\n") {
            return Err(Failure::Malformed);
        }
        self.consume(2);
        Ok(())
    }

    /// Trailer lines up to and including the empty line.
    async fn skip_trailers(&mut self) -> Result<(), Failure> {
        loop {
            let line_end = loop {
                if let Some(i) = self.available().windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                if self.available().len() >= MAX_HEAD {
                    return Err(Failure::Malformed);
                }
                self.fill().await?;
            };
            self.consume(line_end + 2);
            if line_end == 0 {
                return Ok(());
            }
        }
    }

    async fn skip_to_close(&mut self) -> Result<(), Failure> {
        self.consume(self.available().len());
        loop {
            if self.read_some().await? == 0 {
                return Ok(());
            }
            self.consume(self.available().len());
        }
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
    use tokio::net::TcpListener;

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

    /// Serves `answer` (in pieces of `piece` bytes) to each request read.
    async fn one_answer(answer: &'static [u8], piece: usize) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            while stream.read(&mut request).await.unwrap_or(0) > 0 {
                for part in answer.chunks(piece) {
                    stream.write_all(part).await.unwrap();
                    stream.flush().await.unwrap();
                    tokio::task::yield_now().await;
                }
            }
        });
        addr
    }

    fn exchange_twice(answer: &'static [u8], piece: usize) -> Vec<Result<(u16, bool), Failure>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let addr = one_answer(answer, piece).await;
            let mut connection = Connection::open(addr).await.unwrap();
            let request = post_request("h", "/", b"{}");
            let first = connection.exchange(&request).await;
            let second = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                connection.exchange(&request),
            )
            .await
            .unwrap_or(Err(Failure::Io));
            vec![first, second]
        })
    }

    #[test]
    fn bodies_are_read_to_their_end_whatever_the_framing_and_splits() {
        let length: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        let chunked: &[u8] =
            b"HTTP/1.1 404 No\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n";
        for piece in [1, 3, 7, 1000] {
            assert_eq!(
                exchange_twice(length, piece),
                [Ok((200, true)), Ok((200, true))]
            );
            assert_eq!(
                exchange_twice(chunked, piece),
                [Ok((404, true)), Ok((404, true))]
            );
        }
    }

    #[test]
    fn bad_answers_are_failures_not_panics() {
        let cut: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nshort";
        let bad_chunk: &[u8] = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n";
        let no_crlf: &[u8] = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\naXX";
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for (answer, expected) in [
            (cut, Failure::Closed),
            (bad_chunk, Failure::Malformed),
            (no_crlf, Failure::Malformed),
        ] {
            let got = rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tokio::spawn(async move {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    let mut request = [0u8; 1024];
                    let _ = stream.read(&mut request).await;
                    let _ = stream.write_all(answer).await;
                });
                let mut connection = Connection::open(addr).await.unwrap();
                connection.exchange(&post_request("h", "/", b"{}")).await
            });
            assert_eq!(got, Err(expected), "{:?}", String::from_utf8_lossy(answer));
        }
    }

    #[test]
    fn an_endless_head_is_malformed() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let got = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n").await;
                let filler = vec![b'a'; 4096];
                let _ = stream.write_all(b"x: ").await;
                while stream.write_all(&filler).await.is_ok() {}
            });
            let mut connection = Connection::open(addr).await.unwrap();
            connection.exchange(&post_request("h", "/", b"{}")).await
        });
        assert_eq!(got, Err(Failure::Malformed));
    }
}
