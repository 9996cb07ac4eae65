//! The accept loop: a connection limit, one task per connection with its
//! header-read timeout and idle watchdog, graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::activity::{Activity, TrackedIo};
use crate::config::ServeConfig;
use crate::guard::guarded;

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Binding, or starting the runtime, failed.
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

/// How long the accept loop pauses after a failed `accept` (out of
/// descriptors, …) before it tries again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` under `config` until `shutdown` completes,
/// then lets open connections finish for [`ServeConfig::shutdown_grace`].
///
/// Every reference server of the project serves through this function, so
/// each one has the header-read and idle timeouts, the connection limit, the
/// JSON 413/408/500 answers and the panic catcher of [`ServeConfig`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send,
) {
    let app = app.layer(DefaultBodyLimit::disable());
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    drop(permit);
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let app = app.clone();
        let config = Arc::clone(&config);
        let stop = stop_rx.clone();
        connections.spawn(async move {
            serve_connection(stream, app, &config, stop).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(config.shutdown_grace, drained)
        .await
        .is_err()
    {
        connections.abort_all();
    }
}

async fn serve_connection(
    stream: TcpStream,
    app: Router,
    config: &Arc<ServeConfig>,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    match &config.tls {
        None => serve_http(stream, app, config, stop).await,
        Some(tls) => {
            // The handshake counts against the header-read timeout.
            let handshake = tls.acceptor().accept(stream);
            if let Ok(Ok(stream)) =
                tokio::time::timeout(config.header_read_timeout, handshake).await
            {
                serve_http(stream, app, config, stop).await;
            }
        }
    }
}

async fn serve_http<S>(
    stream: S,
    app: Router,
    config: &Arc<ServeConfig>,
    mut stop: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let activity = Activity::new();
    let io = TokioIo::new(TrackedIo::new(stream, Arc::clone(&activity)));
    let service = {
        let activity = Arc::clone(&activity);
        let config = Arc::clone(config);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let app = app.clone();
            let config = Arc::clone(&config);
            let in_flight = activity.request();
            async move {
                let response = guarded(app, request, &config).await;
                drop(in_flight);
                Ok::<_, Infallible>(response)
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        let idle_deadline = tokio::time::Instant::from_std(activity.last() + config.idle_timeout);
        tokio::select! {
            _ = connection.as_mut() => return,
            () = tokio::time::sleep_until(idle_deadline) => {
                let idle = activity.last().elapsed() >= config.idle_timeout;
                if idle && !activity.busy() {
                    return;
                }
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
