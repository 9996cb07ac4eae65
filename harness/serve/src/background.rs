//! A server on a thread of its own with its own runtime: the CLI's `serve`
//! commands block on it, tests start one on port 0 and drop it.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;

use crate::config::ServeConfig;
use crate::serve::{serve, ServeError};

fn runtime(addr: SocketAddr) -> Result<tokio::runtime::Runtime, ServeError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| ServeError::Io {
            addr: addr.to_string(),
            source,
        })
}

async fn bind(listen: SocketAddr) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Io {
            addr: listen.to_string(),
            source,
        })
}

/// Binds `listen` and serves `app` until `shutdown` completes, on a
/// current-thread runtime of its own, blocking the calling thread;
/// `bound` is told the address bound once it is (the port the system
/// chose for port 0), before the first connection is taken.
pub fn serve_blocking(
    listen: SocketAddr,
    app: Router,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send,
    bound: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    runtime(listen)?.block_on(async move {
        let listener = bind(listen).await?;
        bound(listener.local_addr().unwrap_or(listen));
        serve(listener, app, config, shutdown).await;
        Ok(())
    })
}

/// A server running on a background thread; stopped when dropped.
#[derive(Debug)]
pub struct BackgroundServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServeError>>>,
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

    /// Stops the server (graceful shutdown) and waits for its thread.
    pub fn stop(mut self) -> Result<(), ServeError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ServeError::NotStarted),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Starts serving `app` on a background thread named `name` (bind
/// `127.0.0.1:0` in tests) and returns once it listens.
pub fn spawn_background(
    name: &str,
    listen: SocketAddr,
    app: Router,
    config: ServeConfig,
) -> Result<BackgroundServer, ServeError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || -> Result<(), ServeError> {
            let rt = runtime(listen)?;
            rt.block_on(async move {
                let listener = match bind(listen).await {
                    Ok(listener) => listener,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return Err(e);
                    }
                };
                let addr = listener.local_addr().unwrap_or(listen);
                let _ = ready_tx.send(Ok(addr));
                serve(listener, app, config, async move {
                    let _ = stop_rx.await;
                })
                .await;
                Ok(())
            })
        })
        .map_err(|source| ServeError::Io {
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
            Err(ServeError::Io {
                addr: listen.to_string(),
                source: std::io::Error::other(message),
            })
        }
        Err(_) => Err(ServeError::NotStarted),
    }
}
