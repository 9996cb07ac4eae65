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
use http_body_util::{BodyExt, LengthLimitError, Limited};
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
    if declared_length(&request).is_some_and(|length| length > max as u64) {
        return too_large(config);
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(config.body_read_timeout, Limited::new(body, max).collect());
    let bytes = match read.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(config),
        Ok(Err(_)) => {
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
