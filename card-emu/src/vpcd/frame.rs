//! vpcd framing: every message is a 2-byte big-endian length followed by
//! that many payload bytes (harness-anchors.md §3.1, card-protocol.md §6).

use std::io::{self, ErrorKind, Read, Write};

/// Size of the length prefix.
pub const LENGTH_PREFIX: usize = 2;

/// Largest payload a frame can carry (the length is 16 bits).
pub const MAX_PAYLOAD: usize = 0xFFFF;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The peer sent a frame whose length prefix is 0; vpcd never does.
    #[error("frame with length 0")]
    ZeroLength,
    /// The connection ended in the middle of a frame.
    #[error("connection closed in the middle of a frame: {received} of {expected} bytes received")]
    Truncated {
        /// Bytes the frame should have had, prefix included (2 when the
        /// prefix itself was cut).
        expected: usize,
        /// Bytes received before the end.
        received: usize,
    },
    /// A payload longer than [`MAX_PAYLOAD`] cannot be framed.
    #[error("payload of {len} bytes does not fit a vpcd frame (at most {MAX_PAYLOAD})")]
    TooLong {
        /// The payload's length.
        len: usize,
    },
    /// The socket failed.
    #[error("socket error: {0}")]
    Io(#[from] io::Error),
}

/// What one [`FrameReader::poll`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Polled {
    /// A complete frame's payload.
    Frame(Vec<u8>),
    /// Nothing complete yet: the read timed out (the peer is idle or a frame
    /// is arriving in pieces). Not an error; call `poll` again.
    Idle,
    /// The peer closed the connection between two frames.
    Closed,
}

/// Reassembles frames from a byte stream that may deliver them in pieces,
/// across read timeouts.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffered: Vec<u8>,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the next frame if one is complete, reading from `source` at
    /// most once. A read that times out (`WouldBlock`/`TimedOut`) or is
    /// interrupted yields [`Polled::Idle`] and keeps the partial bytes.
    pub fn poll(&mut self, source: &mut impl Read) -> Result<Polled, FrameError> {
        if let Some(frame) = self.take_frame()? {
            return Ok(Polled::Frame(frame));
        }
        let mut chunk = [0u8; 4096];
        match source.read(&mut chunk) {
            Ok(0) => self.end_of_stream(),
            Ok(n) => {
                self.buffered
                    .extend_from_slice(chunk.get(..n).unwrap_or_default());
                Ok(self.take_frame()?.map_or(Polled::Idle, Polled::Frame))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                Ok(Polled::Idle)
            }
            Err(e) => Err(FrameError::Io(e)),
        }
    }

    /// Bytes of an incomplete frame held back.
    pub fn pending(&self) -> usize {
        self.buffered.len()
    }

    fn end_of_stream(&mut self) -> Result<Polled, FrameError> {
        if self.buffered.is_empty() {
            return Ok(Polled::Closed);
        }
        let received = self.buffered.len();
        let expected = self
            .declared_len()
            .map_or(LENGTH_PREFIX, |len| LENGTH_PREFIX + len);
        self.buffered.clear();
        Err(FrameError::Truncated { expected, received })
    }

    fn declared_len(&self) -> Option<usize> {
        match self.buffered.as_slice() {
            [hi, lo, ..] => Some(usize::from(u16::from_be_bytes([*hi, *lo]))),
            _ => None,
        }
    }

    fn take_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let Some(len) = self.declared_len() else {
            return Ok(None);
        };
        if len == 0 {
            self.buffered.clear();
            return Err(FrameError::ZeroLength);
        }
        let total = LENGTH_PREFIX + len;
        if self.buffered.len() < total {
            return Ok(None);
        }
        let rest = self.buffered.split_off(total);
        let frame = std::mem::replace(&mut self.buffered, rest);
        Ok(Some(
            frame.get(LENGTH_PREFIX..).unwrap_or_default().to_vec(),
        ))
    }
}

/// Encodes `payload` as one frame.
pub fn encode_frame(payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    let len =
        u16::try_from(payload.len()).map_err(|_| FrameError::TooLong { len: payload.len() })?;
    let mut frame = Vec::with_capacity(LENGTH_PREFIX + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    Ok(frame)
}

/// Writes `payload` as one frame with a single write call (so that Nagle's
/// algorithm never splits prefix and payload).
pub fn write_frame(sink: &mut impl Write, payload: &[u8]) -> Result<(), FrameError> {
    let frame = encode_frame(payload)?;
    sink.write_all(&frame)?;
    sink.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out pre-set results one by one.
    struct Script(Vec<io::Result<Vec<u8>>>);

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let bytes = self.0.remove(0)?;
            buf[..bytes.len()].copy_from_slice(&bytes);
            Ok(bytes.len())
        }
    }

    fn timeout() -> io::Result<Vec<u8>> {
        Err(io::Error::new(ErrorKind::WouldBlock, "timeout"))
    }

    #[test]
    fn reassembles_a_frame_split_across_timeouts() {
        let mut src = Script(vec![
            Ok(vec![0x00]),
            timeout(),
            Ok(vec![0x03, 0xAA]),
            timeout(),
            Ok(vec![0xBB, 0xCC, 0x00, 0x01, 0x04]),
        ]);
        let mut reader = FrameReader::new();
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Idle);
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Idle);
        assert_eq!(reader.pending(), 1);
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Idle);
        assert_eq!(reader.pending(), 3);
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Idle);
        assert_eq!(
            reader.poll(&mut src).unwrap(),
            Polled::Frame(vec![0xAA, 0xBB, 0xCC])
        );
        // The second frame was already buffered: no read needed.
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Frame(vec![0x04]));
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Closed);
    }

    #[test]
    fn zero_length_is_an_error() {
        let mut src = Script(vec![Ok(vec![0x00, 0x00])]);
        let err = FrameReader::new().poll(&mut src).unwrap_err();
        assert!(matches!(err, FrameError::ZeroLength), "{err}");
    }

    #[test]
    fn end_inside_a_frame_is_truncated() {
        let mut src = Script(vec![Ok(vec![0x00, 0x05, 0x01, 0x02])]);
        let mut reader = FrameReader::new();
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Idle);
        let err = reader.poll(&mut src).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::Truncated {
                    expected: 7,
                    received: 4
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn end_inside_the_prefix_is_truncated() {
        let mut src = Script(vec![Ok(vec![0x00])]);
        let mut reader = FrameReader::new();
        assert_eq!(reader.poll(&mut src).unwrap(), Polled::Idle);
        let err = reader.poll(&mut src).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::Truncated {
                    expected: 2,
                    received: 1
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn encodes_big_endian_length() {
        assert_eq!(encode_frame(&[0x90, 0x00]).unwrap(), vec![0, 2, 0x90, 0x00]);
        let big = vec![0u8; 0x1234];
        assert_eq!(encode_frame(&big).unwrap()[..2], [0x12, 0x34]);
        assert!(matches!(
            encode_frame(&vec![0u8; MAX_PAYLOAD + 1]),
            Err(FrameError::TooLong { len: 65536 })
        ));
    }
}
