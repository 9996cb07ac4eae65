//! The reference OQS as an HTTP server (`myna-conform oqs serve --listen ADDR`):
//! every route answered by [`OqsService::handle`], served through
//! [`myna_serve::serve`] (header-read and idle timeouts, a connection limit,
//! a JSON 413 over [`MAX_BODY`], a panic catcher; docs/oqs.md "Limits").

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use myna_serve::{ServeConfig, Shared};

pub use myna_serve::{BackgroundServer, ServeError as ServerError};

use crate::model::OqsModel;
use crate::service::{OqsService, MAX_BODY};

/// How to start the server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The initial model (default: empty, clock at 2025-04-01T09:00).
    pub model: Option<OqsModel>,
    /// The connection limits (default: [`ServeConfig`]'s, error codes
    /// `OQS-…`, bodies up to [`MAX_BODY`]).
    pub serve: ServeConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            model: None,
            serve: ServeConfig::with_prefix("OQS").max_body_bytes(MAX_BODY),
        }
    }
}

type SharedService = Arc<Shared<OqsService>>;

/// Every answer of this API is JSON (the content type of
/// `myna_serve::json_response`).
const JSON: &str = "application/json; charset=utf-8";

async fn handle(
    State(shared): State<SharedService>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let answer = shared
        .lock()
        .handle_bytes(method.as_str(), uri.path(), &body);
    if answer.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(answer.delay_ms)).await;
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
        Body::from(answer.body),
    )
        .into_response()
}

/// The router (exposed for embedding; serve it with [`myna_serve::serve`]).
pub fn router(model: OqsModel) -> Router {
    let service = OqsService::with_model(model);
    Router::new()
        .fallback(handle)
        .with_state(Arc::new(Shared::new(service)))
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let app = router(config.model.unwrap_or_default());
    myna_serve::serve(listener, app, config.serve, shutdown).await;
    Ok(())
}

/// Binds `listen` and serves forever.
pub async fn serve(listen: SocketAddr, config: ServerConfig) -> Result<(), ServerError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServerError::Io {
            addr: listen.to_string(),
            source,
        })?;
    serve_listener(listener, config, std::future::pending()).await
}

/// [`serve`] on a runtime of its own, blocking the calling thread; `bound`
/// is told the address bound (the chosen port for port 0).
pub fn serve_blocking(
    listen: SocketAddr,
    config: ServerConfig,
    bound: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let app = router(config.model.unwrap_or_default());
    myna_serve::serve_blocking(listen, app, config.serve, std::future::pending(), bound)
}

/// Starts the server on a background thread (bind `127.0.0.1:0` for tests).
pub fn spawn_background(
    listen: SocketAddr,
    config: ServerConfig,
) -> Result<BackgroundServer, ServerError> {
    let app = router(config.model.unwrap_or_default());
    myna_serve::spawn_background("oqs-server", listen, app, config.serve)
}
