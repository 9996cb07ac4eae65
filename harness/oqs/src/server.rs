//! The reference OQS as an HTTP server (`myna-conform oqs serve --listen ADDR`):
//! axum on a current-thread tokio runtime, every route answered by
//! [`OqsService::handle`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use thiserror::Error;

use crate::model::OqsModel;
use crate::service::{OqsService, MAX_BODY};

/// How to start the server.
#[derive(Clone, Debug, Default)]
pub struct ServerConfig {
    /// The initial model (default: empty, clock at 2025-04-01T09:00).
    pub model: Option<OqsModel>,
}

/// Why the server could not run.
#[derive(Debug, Error)]
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

type Shared = Arc<Mutex<OqsService>>;

async fn handle(State(shared): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let answer = match shared.lock() {
        Ok(mut service) => service.handle(method.as_str(), uri.path(), &body),
        Err(_) => {
            crate::service::ServiceResponse::error(500, "OQS-INTERNAL", "state lock poisoned")
        }
    };
    if answer.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(answer.delay_ms)).await;
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        answer.body.to_string(),
    )
        .into_response()
}

/// The router (exposed for embedding).
pub fn router(config: ServerConfig) -> Router {
    let service = OqsService::with_model(config.model.unwrap_or_default());
    Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Arc::new(Mutex::new(service)))
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    axum::serve(listener, router(config))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServerError::Io { addr, source })
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

fn runtime(addr: SocketAddr) -> Result<tokio::runtime::Runtime, ServerError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| ServerError::Io {
            addr: addr.to_string(),
            source,
        })
}

/// [`serve`] on a runtime of its own, blocking the calling thread.
pub fn serve_blocking(listen: SocketAddr, config: ServerConfig) -> Result<(), ServerError> {
    runtime(listen)?.block_on(serve(listen, config))
}

/// A server running on a background thread; stopped when dropped.
#[derive(Debug)]
pub struct BackgroundServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl BackgroundServer {
    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ServerError::NotStarted),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Starts the server on a background thread (bind `127.0.0.1:0` for tests).
pub fn spawn_background(
    listen: SocketAddr,
    config: ServerConfig,
) -> Result<BackgroundServer, ServerError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("oqs-server".into())
        .spawn(move || -> Result<(), ServerError> {
            let rt = runtime(listen)?;
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::bind(listen).await {
                    Ok(l) => l,
                    Err(source) => {
                        let _ = ready_tx.send(Err(source.to_string()));
                        return Err(ServerError::Io {
                            addr: listen.to_string(),
                            source,
                        });
                    }
                };
                let addr = listener.local_addr().unwrap_or(listen);
                let _ = ready_tx.send(Ok(addr));
                serve_listener(listener, config, async move {
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
        Ok(Ok(addr)) => Ok(BackgroundServer {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(message)) => {
            let _ = thread.join();
            Err(ServerError::Io {
                addr: listen.to_string(),
                source: std::io::Error::other(message),
            })
        }
        Err(_) => Err(ServerError::NotStarted),
    }
}
