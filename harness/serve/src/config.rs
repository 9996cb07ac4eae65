//! The limits every reference server runs under, with documented defaults.

use std::time::Duration;

/// How a server holds under abuse. Every field has a default (see each one)
/// chosen so a conforming client never meets it and a stalled or hostile one
/// cannot hold a connection slot for long.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeConfig {
    /// Time a client has to send a request's complete header block, from
    /// the moment the server starts reading it (a new connection, or the end
    /// of the previous answer on a kept-alive one). Default 10 s. A client
    /// that sends part of a header and stalls is closed when it runs out.
    pub header_read_timeout: Duration,
    /// Time a request's body may take to arrive once its header is in.
    /// Default 30 s; when it runs out the answer is a JSON 408.
    pub body_read_timeout: Duration,
    /// A connection on which no byte moves either way for this long, with no
    /// request being handled, is closed (a kept-alive connection left open,
    /// a client that stopped reading its answer). Default 60 s.
    pub idle_timeout: Duration,
    /// Connections served at once. Default 256. Further connections wait in
    /// the listen backlog, unaccepted, until a slot frees; a slot is held at
    /// most `header_read_timeout` by a client that sends nothing and
    /// `idle_timeout` by one that stops reading, so stalled clients cannot
    /// starve the server, and the server never runs out of descriptors.
    pub max_connections: usize,
    /// Largest request body (bytes). Default 1 MiB. A larger one is
    /// answered with a JSON 413 before the handler runs.
    pub max_body_bytes: usize,
    /// On shutdown: how long open connections get to finish the request in
    /// hand before they are dropped. Default 5 s.
    pub shutdown_grace: Duration,
    /// The prefix of the error codes this layer answers with
    /// (`<prefix>-PAYLOAD-TOO-LARGE`, `<prefix>-BODY-TIMEOUT`,
    /// `<prefix>-BAD-BODY`, `<prefix>-INTERNAL`). Default `SERVE`; each
    /// server sets its own (`OQS`).
    pub error_code_prefix: String,
    /// Serve HTTPS with this identity instead of plain HTTP. Default none.
    pub tls: Option<crate::tls::ServerTls>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 256,
            max_body_bytes: 1 << 20,
            shutdown_grace: Duration::from_secs(5),
            error_code_prefix: "SERVE".to_string(),
            tls: None,
        }
    }
}

impl ServeConfig {
    /// The defaults with the given error code prefix.
    pub fn with_prefix(prefix: &str) -> Self {
        ServeConfig {
            error_code_prefix: prefix.to_string(),
            ..ServeConfig::default()
        }
    }

    /// Sets [`ServeConfig::header_read_timeout`].
    pub fn header_read_timeout(mut self, value: Duration) -> Self {
        self.header_read_timeout = value;
        self
    }

    /// Sets [`ServeConfig::body_read_timeout`].
    pub fn body_read_timeout(mut self, value: Duration) -> Self {
        self.body_read_timeout = value;
        self
    }

    /// Sets [`ServeConfig::idle_timeout`].
    pub fn idle_timeout(mut self, value: Duration) -> Self {
        self.idle_timeout = value;
        self
    }

    /// Sets [`ServeConfig::max_connections`] (at least 1).
    pub fn max_connections(mut self, value: usize) -> Self {
        self.max_connections = value.max(1);
        self
    }

    /// Sets [`ServeConfig::tls`].
    pub fn tls(mut self, value: Option<crate::tls::ServerTls>) -> Self {
        self.tls = value;
        self
    }

    /// Sets [`ServeConfig::max_body_bytes`].
    pub fn max_body_bytes(mut self, value: usize) -> Self {
        self.max_body_bytes = value;
        self
    }

    /// Sets [`ServeConfig::shutdown_grace`].
    pub fn shutdown_grace(mut self, value: Duration) -> Self {
        self.shutdown_grace = value;
        self
    }

    pub(crate) fn code(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.error_code_prefix)
    }
}
