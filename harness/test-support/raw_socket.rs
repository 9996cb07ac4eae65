//! Raw-socket helpers of the servers' abuse tests (myna-serve, the portal
//! and the reader servers), included by path (`#[path = …] mod raw_socket;`)
//! so the three crates' tests share one copy without a test-only crate.
//! Every read is bounded by the read timeout given to [`connect`].

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A connection whose every read waits at most `bound`.
pub fn connect(addr: SocketAddr, bound: Duration) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the server under test");
    stream
        .set_read_timeout(Some(bound))
        .expect("a read timeout on a fresh socket");
    stream
}

/// Reads until the server closes (a reset counts as closing); `Err` if the
/// connection is still open after the read timeout.
pub fn read_to_close(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(String::from_utf8_lossy(&all).into_owned()),
            Ok(n) => all.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Ok(String::from_utf8_lossy(&all).into_owned())
            }
            Err(e) => return Err(e),
        }
    }
}
