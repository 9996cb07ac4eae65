//! The generator over HTTPS: a thread per connection with a blocking
//! `ureq` client built by myna-http (the one place TLS clients are set up:
//! `--ca`, client certificates). Slower per request than the plain-HTTP
//! engine (`open_loop.rs`), which is what the throughput figures use; the
//! schedule and the measurements are the same.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::tally::Tally;
use super::{agent, BenchError, BenchOptions, BenchResult};

fn error_kind(e: &ureq::Error) -> &'static str {
    match e {
        ureq::Error::Timeout(_) => "timeout",
        ureq::Error::ConnectionFailed => "connect",
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => "connect",
        _ => "other",
    }
}

/// Runs the schedule of `opts` against `url` with `bodies` cycled.
pub(crate) fn run(
    opts: &BenchOptions,
    url: &str,
    bodies: Vec<Vec<u8>>,
    total: u64,
) -> Result<BenchResult, BenchError> {
    let bodies = Arc::new(bodies);
    let url = Arc::new(url.to_string());
    let next = Arc::new(AtomicU64::new(0));
    let merged = Arc::new(Mutex::new(Tally::new()?));
    let interval_ns = 1_000_000_000f64 / f64::from(opts.rate.max(1));
    let start = Instant::now();
    let mut workers = Vec::with_capacity(opts.connections);
    for _ in 0..opts.connections {
        let (bodies, url, next, merged) =
            (bodies.clone(), url.clone(), next.clone(), merged.clone());
        let client = agent(opts.timeout, &opts.tls)?;
        let mut local = Tally::new()?;
        workers.push(std::thread::spawn(move || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let due = start + Duration::from_nanos((i as f64 * interval_ns) as u64);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                local.sent(Instant::now().saturating_duration_since(due));
                let body = bodies
                    .get((i as usize) % bodies.len().max(1))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let result = client
                    .post(url.as_str())
                    .header("content-type", "application/json")
                    .send(body);
                match result {
                    Ok(mut r) => {
                        let _ = r.body_mut().read_to_vec();
                        let kind = Tally::status_kind(r.status().as_u16());
                        local.completed(due, kind.as_deref());
                    }
                    Err(e) => local.completed(due, Some(error_kind(&e))),
                }
            }
            if let Ok(mut m) = merged.lock() {
                m.merge(local);
            }
        }));
    }
    for w in workers {
        let _ = w.join();
    }
    let tally = match merged.lock() {
        Ok(m) => m.clone(),
        Err(_) => Tally::new()?,
    };
    Ok(tally.result(total, start))
}
