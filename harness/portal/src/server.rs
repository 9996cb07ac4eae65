//! The reference portal as an HTTP server (`myna-conform portal serve
//! --listen ADDR [--oqs URL]`): axum on a current-thread tokio runtime,
//! every route answered by [`PortalService::handle`], registrations linked
//! at the configured eligibility service. The serving itself is one
//! function ([`serve_listener`]) so it can move to the shared hardened
//! server crate when that lands.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use myna_oqs::OqsTarget;

use crate::eligibility::OqsLink;
use crate::error::{PortalError, Problem};
use crate::service::{PortalRequest, PortalResponse, PortalService, MAX_BODY};

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Binding or serving failed.
    #[error("cannot serve on {addr}: {source}")]
    Io {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The background thread ended before reporting its address.
    #[error("the server thread stopped before it was ready")]
    NotStarted,
}

/// The portal and the eligibility service it links registrations at.
pub struct Backend {
    /// The reference.
    pub service: PortalService,
    /// The eligibility service.
    pub eligibility: Box<dyn OqsTarget + Send>,
}

type Shared = Arc<Mutex<Backend>>;

/// The most a request body is read before the connection is given up.
const DRAIN: usize = 16 * MAX_BODY;

fn answer(response: PortalResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, response.content_type)],
        response.body,
    )
        .into_response()
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Read (and so drain) up to DRAIN bytes so an over-long body still gets
    // its JSON 413 rather than a reset; the service refuses over MAX_BODY.
    let Ok(body) = axum::body::to_bytes(body, DRAIN).await else {
        return answer(PortalResponse::error(&PortalError::new(
            Problem::PayloadTooLarge,
            format!("body over {MAX_BODY} bytes"),
        )));
    };
    let header_text = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = header_text(header::AUTHORIZATION);
    let idempotency_key = header_text(header::HeaderName::from_static("idempotency-key"));
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let response = match shared.lock() {
        Ok(mut guard) => {
            let backend = &mut *guard;
            let mut link = OqsLink::new(backend.eligibility.as_mut());
            backend.service.handle(
                PortalRequest {
                    method: parts.method.as_str(),
                    path: &path,
                    authorization: authorization.as_deref(),
                    idempotency_key: idempotency_key.as_deref(),
                    body: &body,
                },
                &mut link,
            )
        }
        Err(_) => {
            PortalResponse::error(&PortalError::new(Problem::Internal, "state lock poisoned"))
        }
    };
    answer(response)
}

/// The router (exposed for embedding).
pub fn router(backend: Backend) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(Arc::new(Mutex::new(backend)))
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// Serves `router` on a bound listener until `shutdown` completes: the one
/// place that does the serving.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    backend: Backend,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    axum::serve(listener, router(backend))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServerError::Io { addr, source })
}

fn runtime(addr: SocketAddr) -> Result<tokio::runtime::Runtime, ServerError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| ServerError::Io {
            addr: addr.to_string(),
            source,
        })
}

/// Binds `listen` and serves forever on a runtime of its own; `ready` is
/// told the bound address first.
pub fn serve_blocking(
    listen: SocketAddr,
    backend: Backend,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    runtime(listen)?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServerError::Io {
                addr: listen.to_string(),
                source,
            })?;
        ready(listener.local_addr().unwrap_or(listen));
        serve_listener(listener, backend, std::future::pending()).await
    })
}

/// A server on a background thread; stopped when dropped.
pub struct BackgroundServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl BackgroundServer {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the server on a background thread (bind `127.0.0.1:0` in tests).
pub fn spawn_background(
    listen: SocketAddr,
    backend: Backend,
) -> Result<BackgroundServer, ServerError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("portal-server".into())
        .spawn(move || -> Result<(), ServerError> {
            let rt = runtime(listen)?;
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::bind(listen).await {
                    Ok(l) => l,
                    Err(source) => {
                        let _ = ready_tx.send(None);
                        return Err(ServerError::Io {
                            addr: listen.to_string(),
                            source,
                        });
                    }
                };
                let _ = ready_tx.send(Some(listener.local_addr().unwrap_or(listen)));
                serve_listener(listener, backend, async move {
                    let _ = stop_rx.await;
                })
                .await
            })
        })
        .map_err(|source| ServerError::Io {
            addr: listen.to_string(),
            source,
        })?;
    match ready_rx.recv() {
        Ok(Some(addr)) => Ok(BackgroundServer {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        _ => {
            let _ = thread.join();
            Err(ServerError::NotStarted)
        }
    }
}
