//! Errors of the vpcd connection.

use std::io;

use super::frame::FrameError;

/// Why the emulator could not reach vpcd or lost the connection.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    /// `HOST:PORT` could not be resolved.
    #[error("cannot resolve the vpcd address '{addr}': {source}")]
    Resolve {
        /// The address as given.
        addr: String,
        /// The resolver's error.
        #[source]
        source: io::Error,
    },
    /// Nothing accepted the connection.
    #[error(
        "cannot connect to vpcd at {addr}: {source} \
         (is pcscd running with vsmartcard-vpcd installed? `bash .ci/pcscd.sh` starts one; see docs/pcsc.md)"
    )]
    Connect {
        /// The address as given.
        addr: String,
        /// The last connection error.
        #[source]
        source: io::Error,
    },
    /// Socket options could not be set on a fresh connection.
    #[error("cannot set up the vpcd connection to {peer}: {source}")]
    Setup {
        /// The peer.
        peer: String,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// The connection broke or carried a malformed frame; it was closed.
    #[error("vpcd connection to {peer}: {source}")]
    Frame {
        /// The peer.
        peer: String,
        /// What went wrong.
        #[source]
        source: FrameError,
    },
}
