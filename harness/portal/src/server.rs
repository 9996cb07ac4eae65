//! The reference portal as an HTTP(S) server (`myna-conform portal serve
//! --listen ADDR [--oqs URL] [--tls-cert PEM --tls-key PEM]`): every route answered by
//! [`PortalService::handle`], registrations linked at the configured
//! eligibility service, served through [`myna_serve::serve`] (header-read
//! and idle timeouts, a connection limit, a JSON 413 over [`MAX_BODY`], a
//! panic catcher; error codes `PORTAL-…` for what that layer answers).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use myna_oqs::OqsTarget;
pub use myna_serve::{ServeConfig, Shared};

pub use myna_serve::{BackgroundServer, ServeError as ServerError};

use crate::eligibility::OqsLink;
use crate::service::{PortalRequest, PortalResponse, PortalService, MAX_BODY};

/// The portal and the eligibility service it links registrations at.
pub struct Backend {
    /// The reference.
    pub service: PortalService,
    /// The eligibility service.
    pub eligibility: Box<dyn OqsTarget + Send>,
}

/// The limits of the portal server: myna-serve's defaults, error codes
/// `PORTAL-…`, bodies up to [`MAX_BODY`]; plain HTTP (HTTPS with
/// [`ServeConfig::tls`]).
pub fn serve_config() -> ServeConfig {
    ServeConfig::with_prefix("PORTAL").max_body_bytes(MAX_BODY)
}

fn answer(response: PortalResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut answer = (
        status,
        [(header::CONTENT_TYPE, response.content_type)],
        response.body,
    )
        .into_response();
    if let Some(value) = response
        .allow
        .and_then(|allow| header::HeaderValue::from_str(&allow).ok())
    {
        answer.headers_mut().insert(header::ALLOW, value);
    }
    answer
}

async fn handle(
    State(shared): State<Arc<Shared<Backend>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |p| p.as_str());
    let mut guard = shared.lock();
    let backend = &mut *guard;
    let mut link = OqsLink::new(backend.eligibility.as_mut());
    let response = backend.service.handle(
        PortalRequest {
            method: method.as_str(),
            path,
            authorization: text("authorization"),
            idempotency_key: text("idempotency-key"),
            body: &body,
        },
        &mut link,
    );
    answer(response)
}

/// The router (exposed for embedding; serve it with [`myna_serve::serve`]).
pub fn router(backend: Backend) -> Router {
    router_shared(Arc::new(Shared::new(backend)))
}

/// The router over state the caller keeps a handle on (tests read the
/// reference's state while it serves).
pub fn router_shared(shared: Arc<Shared<Backend>>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// Binds `listen` and serves forever with `config` (e.g. [`serve_config`]
/// with TLS), blocking the calling thread; `bound` is told the address
/// bound (the chosen port for port 0).
pub fn serve_blocking(
    listen: SocketAddr,
    backend: Backend,
    config: ServeConfig,
    bound: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    myna_serve::serve_blocking(
        listen,
        router(backend),
        config,
        std::future::pending(),
        bound,
    )
}

/// Starts the server on a background thread (bind `127.0.0.1:0` in tests).
pub fn spawn_background(
    listen: SocketAddr,
    backend: Backend,
) -> Result<BackgroundServer, ServerError> {
    spawn_shared(listen, Arc::new(Shared::new(backend)), serve_config())
}

/// Starts the server over `shared` with `config` on a background thread.
pub fn spawn_shared(
    listen: SocketAddr,
    shared: Arc<Shared<Backend>>,
    config: ServeConfig,
) -> Result<BackgroundServer, ServerError> {
    myna_serve::spawn_background("portal-server", listen, router_shared(shared), config)
}
