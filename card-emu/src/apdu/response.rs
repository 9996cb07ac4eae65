//! The response APDU (R-APDU): data ‖ SW1 SW2.

use super::status::StatusWord;

/// A response: data (possibly empty) and the status word.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResponseApdu {
    /// Response data.
    pub data: Vec<u8>,
    /// SW1-SW2.
    pub sw: StatusWord,
}

/// The bytes are shorter than the two status bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("R-APDU of {len} bytes is shorter than its 2 status bytes")]
pub struct ResponseTooShort {
    /// Bytes received.
    pub len: usize,
}

impl ResponseApdu {
    /// A response with data and `9000`.
    pub fn success(data: Vec<u8>) -> ResponseApdu {
        ResponseApdu {
            data,
            sw: StatusWord::SUCCESS,
        }
    }

    /// A response with no data.
    pub fn status(sw: StatusWord) -> ResponseApdu {
        ResponseApdu {
            data: Vec::new(),
            sw,
        }
    }

    /// Splits R-APDU bytes into data and status word.
    pub fn parse(bytes: &[u8]) -> Result<ResponseApdu, ResponseTooShort> {
        match bytes.split_last_chunk::<2>() {
            Some((data, [sw1, sw2])) => Ok(ResponseApdu {
                data: data.to_vec(),
                sw: StatusWord::from_bytes(*sw1, *sw2),
            }),
            None => Err(ResponseTooShort { len: bytes.len() }),
        }
    }

    /// data ‖ SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

impl From<Result<Vec<u8>, StatusWord>> for ResponseApdu {
    /// `Ok(data)` is data + `9000`; `Err(sw)` is `sw` with no data.
    fn from(outcome: Result<Vec<u8>, StatusWord>) -> Self {
        match outcome {
            Ok(data) => ResponseApdu::success(data),
            Err(sw) => ResponseApdu::status(sw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let r = ResponseApdu::parse(&[1, 2, 0x90, 0x00]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r, ResponseApdu::success(vec![1, 2]));
        assert_eq!(r.to_bytes(), [1, 2, 0x90, 0x00]);
        assert_eq!(
            ResponseApdu::parse(&[0x90]),
            Err(ResponseTooShort { len: 1 })
        );
        assert_eq!(
            ResponseApdu::from(Err(StatusWord::FILE_NOT_FOUND)).to_bytes(),
            [0x6A, 0x82]
        );
    }
}
