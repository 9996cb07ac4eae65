//! What every request passes before and around its handler: the body cap
//! (a JSON 413), the body read timeout (a JSON 408) and the panic catcher
//! (a JSON 500; the server goes on).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tower_service::Service;

use crate::config::ServeConfig;
use crate::error_body::json_error;

/// Reads the body of `request` within the limits of `config`, then answers
/// it with `app`, turning a panic of the handler into a JSON 500.
pub(crate) async fn guarded(
    app: Router,
    request: Request<Incoming>,
    config: &ServeConfig,
) -> Response {
    let max = config.max_body_bytes;
    let declared = declared_length(&request);
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(config.body_read_timeout, read_body(body, max, declared));
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(BodyProblem::TooLarge)) => return too_large(config),
        Ok(Err(BodyProblem::Unreadable)) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                &config.code("BAD-BODY"),
                "the request body could not be read",
            )
        }
        Err(_) => {
            return json_error(
                StatusCode::REQUEST_TIMEOUT,
                &config.code("BODY-TIMEOUT"),
                &format!(
                    "the request body did not arrive within {} ms",
                    config.body_read_timeout.as_millis()
                ),
            )
        }
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut app = app;
    let answer = catch_unwind(AssertUnwindSafe(|| app.call(request)));
    let outcome = match answer {
        Ok(future) => CatchUnwind(Box::pin(future)).await,
        Err(_) => Err(()),
    };
    match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        Err(()) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &config.code("INTERNAL"),
            "the handler failed; the server goes on",
        ),
    }
}

/// How many times the cap an oversize body may be before the server stops
/// reading it: up to that, the rest is read and dropped so that the client,
/// still sending, gets to read the 413 (closing at once makes its write fail
/// with a broken pipe before it sees the answer); beyond it the connection
/// is closed after the answer.
const DRAIN_FACTOR: u64 = 16;

enum BodyProblem {
    TooLarge,
    Unreadable,
}

/// The body, at most `max` bytes. An oversize body is drained (read and
/// dropped, up to [`DRAIN_FACTOR`] × `max`) before `TooLarge`, so the
/// answer reaches a client that is still writing.
async fn read_body(
    mut body: Incoming,
    max: usize,
    declared: Option<u64>,
) -> Result<axum::body::Bytes, BodyProblem> {
    let drain_limit = (max as u64).saturating_mul(DRAIN_FACTOR);
    // The usual body is one frame: kept as it came, copied only when a
    // second frame follows.
    let mut first: Option<axum::body::Bytes> = None;
    let mut kept: Vec<u8> = Vec::new();
    let mut seen: u64 = 0;
    let mut too_large = declared.is_some_and(|length| length > max as u64);
    if declared.is_some_and(|length| length > drain_limit) {
        return Err(BodyProblem::TooLarge);
    }
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(BodyProblem::Unreadable);
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen = seen.saturating_add(data.len() as u64);
        if seen > max as u64 {
            too_large = true;
        }
        if too_large {
            if seen > drain_limit {
                break;
            }
            continue;
        }
        match first.take() {
            None if kept.is_empty() => first = Some(data),
            earlier => {
                if let Some(earlier) = earlier {
                    kept.extend_from_slice(&earlier);
                }
                kept.extend_from_slice(&data);
            }
        }
    }
    if too_large {
        return Err(BodyProblem::TooLarge);
    }
    Ok(first.unwrap_or_else(|| axum::body::Bytes::from(kept)))
}

fn declared_length(request: &Request<Incoming>) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn too_large(config: &ServeConfig) -> Response {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &config.code("PAYLOAD-TOO-LARGE"),
        &format!("body over {} bytes", config.max_body_bytes),
    )
}

/// A future whose panics become `Err(())`.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(move || inner.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}
