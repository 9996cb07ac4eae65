//! The open-loop engine over plain HTTP: a clock thread releases request *i*
//! at `start + i/rate`, and connection tasks on a tokio runtime take the
//! released requests in order.
//!
//! The clock is a thread of its own because tokio's timer ticks in whole
//! milliseconds: at 20,000 req/s twenty requests share a tick, and a
//! request sent up to a millisecond late would add that to every latency.
//! The thread sleeps to each due time (the OS sleeps in tens of
//! microseconds) and hands permits to a semaphore; a free connection takes
//! the oldest released request, so a request that waits for a connection
//! counts its wait from its due time, and no request is sent early.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::http1::{Connection, Failure};
use super::tally::Tally;
use super::BenchError;

/// What the connection tasks share.
struct Plan {
    addr: SocketAddr,
    requests: Vec<Vec<u8>>,
    total: u64,
    rate: u64,
    start: Instant,
    timeout: Duration,
    released: Semaphore,
    next: AtomicU64,
}

impl Plan {
    /// When request `i` is due.
    fn due(&self, i: u64) -> Instant {
        let nanos = u128::from(i) * 1_000_000_000 / u128::from(self.rate);
        self.start + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// How many requests are due at `at`.
    fn due_by(&self, at: Instant) -> u64 {
        let nanos = at.saturating_duration_since(self.start).as_nanos();
        let count = nanos * u128::from(self.rate) / 1_000_000_000 + 1;
        u64::try_from(count).unwrap_or(u64::MAX).min(self.total)
    }
}

/// The clock wakes at most this often: requests falling due within one
/// tick go out together (sent up to this late, which their latency shows).
/// A wake per request would double the generator's system calls at low
/// rates (a sleep, and waking the runtime) for no precision the OS gives.
const TICK: Duration = Duration::from_micros(MICROS_TICK);
const MICROS_TICK: u64 = 100;

/// The clock: releases each request at its due time.
fn release_on_schedule(plan: &Plan) {
    let mut released = 0u64;
    while released < plan.total {
        let due = plan.due_by(Instant::now());
        if due > released {
            plan.released
                .add_permits(usize::try_from(due - released).unwrap_or(usize::MAX));
            released = due;
        }
        if released < plan.total {
            let next = plan.due(released);
            let now = Instant::now();
            if next > now {
                std::thread::sleep((next - now).max(TICK));
            }
        }
    }
}

/// One connection's loop: take the next released request, send it on the
/// kept-alive connection (opening one when there is none), record it.
async fn connection(plan: Arc<Plan>, mut open: Option<Connection>) -> Result<Tally, BenchError> {
    let mut tally = Tally::new()?;
    while let Ok(permit) = plan.released.acquire().await {
        permit.forget();
        let i = plan.next.fetch_add(1, Ordering::Relaxed);
        if i + 1 >= plan.total {
            // Every request is taken: the other tasks stop at `acquire`.
            plan.released.close();
        }
        if i >= plan.total {
            break;
        }
        let due = plan.due(i);
        let deadline = due + plan.timeout;
        tally.sent(Instant::now().saturating_duration_since(due));
        let index = usize::try_from(i).unwrap_or(0) % plan.requests.len().max(1);
        let request = plan.requests.get(index).map(Vec::as_slice).unwrap_or(&[]);
        let exchange = async {
            let mut connection = match open.take() {
                Some(c) => c,
                None => Connection::open(plan.addr).await?,
            };
            let (status, reusable) = connection.exchange(request).await?;
            if reusable {
                open = Some(connection);
            }
            Ok::<u16, Failure>(status)
        };
        let outcome = tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), exchange)
            .await
            .unwrap_or(Err(Failure::Timeout));
        match outcome {
            Ok(status) => match Tally::status_kind(status) {
                None => tally.completed(due, None),
                Some(kind) => tally.completed(due, Some(&kind)),
            },
            Err(failure) => tally.completed(due, Some(failure.kind())),
        }
    }
    Ok(tally)
}

/// Runs `total` requests at `rate` per second over `connections`
/// connections to `addr`, request *i* being `requests[i % len]`.
pub(crate) fn run(
    addr: SocketAddr,
    requests: Vec<Vec<u8>>,
    total: u64,
    rate: u32,
    connections: usize,
    timeout: Duration,
) -> Result<super::BenchResult, BenchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| BenchError::Setup(e.to_string()))?;
    runtime.block_on(async move {
        // Connections are opened before the clock starts (a failure is
        // retried, and counted, on the first request).
        let mut opened = Vec::with_capacity(connections);
        for _ in 0..connections {
            let open = tokio::time::timeout(timeout, Connection::open(addr)).await;
            opened.push(open.ok().and_then(Result::ok));
        }
        let plan = Arc::new(Plan {
            addr,
            requests,
            total,
            rate: u64::from(rate.max(1)),
            start: Instant::now() + Duration::from_millis(5),
            timeout,
            released: Semaphore::new(0),
            next: AtomicU64::new(0),
        });
        let tasks: Vec<_> = opened
            .into_iter()
            .map(|open| tokio::spawn(connection(Arc::clone(&plan), open)))
            .collect();
        let clock = {
            let plan = Arc::clone(&plan);
            std::thread::Builder::new()
                .name("bench-clock".into())
                .spawn(move || release_on_schedule(&plan))
                .map_err(|e| BenchError::Setup(e.to_string()))?
        };
        let mut tally = Tally::new()?;
        for task in tasks {
            match task.await {
                Ok(Ok(t)) => tally.merge(t),
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(BenchError::Setup(e.to_string())),
            }
        }
        let _ = clock.join();
        Ok(tally.result(total, plan.start))
    })
}
