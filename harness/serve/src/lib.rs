//! myna-serve: the one hardened HTTP serving function of every reference
//! server of myna-conform (the eligibility service now; the reader and the
//! portal when they land).
//!
//! [`serve`] runs an axum [`Router`](axum::Router) over hyper's HTTP/1.1
//! connection with:
//! - a header-read timeout (slow-loris clients are closed),
//! - an idle timeout (no byte moving, no request in hand),
//! - a connection limit (excess connections wait in the listen backlog),
//! - a request-body cap answered with a JSON 413, a body read timeout
//!   answered with a JSON 408,
//! - a panic catcher: a handler panic is a JSON 500 and the server goes on
//!   (keep state in [`Shared`], which a panic cannot poison),
//! - graceful shutdown,
//! - HTTPS when [`ServeConfig::tls`] holds a [`ServerTls`] (rustls).
//!
//! Every error it answers has the shape `{"error":{"code","message"}}`
//! ([`ErrorBody`]); the limits and their defaults are [`ServeConfig`]'s.
#![forbid(unsafe_code)]

mod activity;
mod background;
mod config;
mod error_body;
mod guard;
mod serve;
mod shared;
mod tls;

pub use background::{serve_blocking, spawn_background, BackgroundServer};
pub use config::ServeConfig;
pub use error_body::{json_error, json_response, ErrorBody, ErrorDetail};
pub use serve::{serve, ServeError};
pub use shared::Shared;
pub use tls::{ServerTls, TlsSetupError};
