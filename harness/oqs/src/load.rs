//! The open-loop load generator behind `myna-conform bench lookup`.
//!
//! Requests are sent on a fixed schedule (`rate` per second) whatever the
//! server's speed, and each latency is measured from the request's
//! *scheduled* time, so a stalled server shows up in the tail instead of
//! slowing the generator down (no coordinated omission). Latencies go into
//! an HDR histogram (microseconds, 3 significant digits).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use thiserror::Error;

use crate::control::ControlCommand;
use crate::serial::Serial;
use crate::service::{CONTROL_PATH, SEARCH_PATH};
use crate::wire::{RequestBody, RequestHeader, RequestMsg, SearchRequest};

/// Upper bound on requests in one run (rate × duration).
pub const MAX_REQUESTS: u64 = 5_000_000;
/// Upper bound on a run's duration.
pub const MAX_DURATION: Duration = Duration::from_secs(600);

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Base URL of the OQS under test (`http://127.0.0.1:8080`).
    pub url: String,
    /// Requests per second (1–100,000).
    pub rate: u32,
    /// How long to send.
    pub duration: Duration,
    /// Concurrent connections (1–256).
    pub connections: usize,
    /// Seed this many registered persons through the test-control API first
    /// (resets the server's world); their serials are then looked up.
    pub seed_population: Option<u32>,
    /// Serials to look up (hex), cycled; ignored when seeding.
    pub serials: Vec<String>,
    /// Per-request deadline.
    pub timeout: Duration,
    /// TLS settings for an `https://` URL.
    pub tls: myna_http::TlsOptions,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            url: "http://127.0.0.1:8080".into(),
            rate: 100,
            duration: Duration::from_secs(10),
            connections: 4,
            seed_population: None,
            serials: Vec::new(),
            timeout: Duration::from_secs(5),
            tls: myna_http::TlsOptions::default(),
        }
    }
}

/// What a run measured. Latencies in microseconds from the scheduled time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BenchResult {
    /// Requests scheduled (rate × duration).
    pub scheduled: u64,
    /// Requests that got an answer or failed.
    pub completed: u64,
    /// HTTP 200 answers.
    pub ok: u64,
    /// Everything else.
    pub errors: u64,
    /// Errors by kind (`http 503`, `timeout`, `connect`, `other`).
    pub error_kinds: BTreeMap<String, u64>,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Maximum.
    pub max_us: u64,
    /// Mean.
    pub mean_us: f64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Why a run could not happen.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BenchError {
    /// Options out of range.
    #[error("invalid bench options: {0}")]
    InvalidOptions(String),
    /// Seeding the population failed.
    #[error("cannot prepare the target: {0}")]
    Setup(String),
}

fn histogram() -> Result<Histogram<u64>, BenchError> {
    Histogram::new_with_bounds(1, 120_000_000, 3)
        .map_err(|e| BenchError::InvalidOptions(e.to_string()))
}

fn agent(timeout: Duration, tls: &myna_http::TlsOptions) -> Result<ureq::Agent, BenchError> {
    myna_http::agent(&myna_http::ClientOptions {
        timeout,
        tls: tls.clone(),
    })
    .map_err(|e| BenchError::InvalidOptions(e.to_string()))
}

fn validate(opts: &BenchOptions) -> Result<u64, BenchError> {
    if opts.rate == 0 || opts.rate > 100_000 {
        return Err(BenchError::InvalidOptions(
            "rate must be 1–100000 per second".into(),
        ));
    }
    if opts.duration.is_zero() || opts.duration > MAX_DURATION {
        return Err(BenchError::InvalidOptions(
            "duration must be above 0 and at most 600 s".into(),
        ));
    }
    if opts.connections == 0 || opts.connections > 256 {
        return Err(BenchError::InvalidOptions(
            "connections must be 1–256".into(),
        ));
    }
    let total = (f64::from(opts.rate) * opts.duration.as_secs_f64()).floor();
    if total < 1.0 || total > MAX_REQUESTS as f64 {
        return Err(BenchError::InvalidOptions(format!(
            "rate × duration must be 1–{MAX_REQUESTS} requests"
        )));
    }
    Ok(total as u64)
}

fn request_body(serial: &str) -> Vec<u8> {
    let request = SearchRequest {
        xml_msg: RequestMsg {
            message_header: RequestHeader {
                medical_institution_code: "1310000001".into(),
                ..RequestHeader::default()
            },
            message_body: RequestBody {
                certificate_serial_number: Some(serial.to_string()),
                ..RequestBody::default()
            },
        },
    };
    serde_json::to_vec(&request).unwrap_or_default()
}

fn seed(opts: &BenchOptions, count: u32) -> Result<Vec<String>, BenchError> {
    let first = 0xB000_0000u64;
    let url = format!("{}{}", opts.url.trim_end_matches('/'), CONTROL_PATH);
    let client = agent(Duration::from_secs(120), &opts.tls)?;
    let world = ControlCommand::World {
        clock: None,
        config: None,
        persons: Vec::new(),
    };
    // In chunks of the control API's per-command maximum.
    let chunk = crate::control::MAX_POPULATION_COUNT;
    let populations = (0..count.div_ceil(chunk)).map(|i| ControlCommand::Population {
        count: chunk.min(count - i * chunk),
        first_serial: format!("{:X}", first + u64::from(i * chunk)),
    });
    for command in std::iter::once(world).chain(populations) {
        let bytes = serde_json::to_vec(&command).map_err(|e| BenchError::Setup(e.to_string()))?;
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .send(bytes.as_slice())
            .map_err(|e| BenchError::Setup(e.to_string()))?;
        if response.status().as_u16() != 200 {
            return Err(BenchError::Setup(format!(
                "control API answered {}",
                response.status()
            )));
        }
    }
    Ok((0..u64::from(count))
        .filter_map(|i| Serial::new(first + i).map(|s| s.to_string()))
        .collect())
}

/// Runs an open-loop lookup load against `opts.url` and reports latency
/// percentiles and errors.
pub fn bench_lookup(opts: BenchOptions) -> Result<BenchResult, BenchError> {
    let total = validate(&opts)?;
    let serials = match opts.seed_population {
        Some(n) if n > 0 => seed(&opts, n.min(1_000_000))?,
        _ if !opts.serials.is_empty() => opts.serials.clone(),
        _ => vec!["1".to_string()],
    };
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(serials.iter().map(|s| request_body(s)).collect());
    let url = Arc::new(format!("{}{}", opts.url.trim_end_matches('/'), SEARCH_PATH));
    let next = Arc::new(AtomicU64::new(0));
    let merged = Arc::new(Mutex::new((
        histogram()?,
        BTreeMap::<String, u64>::new(),
        0u64,
    )));
    let interval_ns = 1_000_000_000f64 / f64::from(opts.rate);
    let start = Instant::now();
    let mut workers = Vec::with_capacity(opts.connections);
    for _ in 0..opts.connections {
        let (bodies, url, next, merged) =
            (bodies.clone(), url.clone(), next.clone(), merged.clone());
        let client = agent(opts.timeout, &opts.tls)?;
        let mut local = histogram()?;
        workers.push(std::thread::spawn(move || {
            let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
            let mut ok = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let scheduled = start + Duration::from_nanos((i as f64 * interval_ns) as u64);
                let now = Instant::now();
                if scheduled > now {
                    std::thread::sleep(scheduled - now);
                }
                let body = bodies
                    .get((i as usize) % bodies.len().max(1))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let result = client
                    .post(url.as_str())
                    .header("content-type", "application/json")
                    .send(body);
                let kind = match result {
                    Ok(mut r) => {
                        let _ = r.body_mut().read_to_vec();
                        match r.status().as_u16() {
                            200 => None,
                            s => Some(format!("http {s}")),
                        }
                    }
                    Err(ureq::Error::Timeout(_)) => Some("timeout".to_string()),
                    Err(ureq::Error::ConnectionFailed) => Some("connect".to_string()),
                    Err(ureq::Error::Io(e))
                        if e.kind() == std::io::ErrorKind::ConnectionRefused =>
                    {
                        Some("connect".to_string())
                    }
                    Err(_) => Some("other".to_string()),
                };
                let latency = scheduled.elapsed().as_micros().max(1);
                local.saturating_record(u64::try_from(latency).unwrap_or(u64::MAX));
                match kind {
                    None => ok += 1,
                    Some(k) => *kinds.entry(k).or_insert(0) += 1,
                }
            }
            if let Ok(mut m) = merged.lock() {
                let _ = m.0.add(&local);
                for (k, v) in kinds {
                    *m.1.entry(k).or_insert(0) += v;
                }
                m.2 += ok;
            }
        }));
    }
    for w in workers {
        let _ = w.join();
    }
    let elapsed = start.elapsed();
    let (h, kinds, ok) = match merged.lock() {
        Ok(m) => (m.0.clone(), m.1.clone(), m.2),
        Err(_) => (histogram()?, BTreeMap::new(), 0),
    };
    let errors = kinds.values().sum();
    Ok(BenchResult {
        scheduled: total,
        completed: h.len(),
        ok,
        errors,
        error_kinds: kinds,
        p50_us: h.value_at_quantile(0.50),
        p90_us: h.value_at_quantile(0.90),
        p99_us: h.value_at_quantile(0.99),
        p999_us: h.value_at_quantile(0.999),
        max_us: h.max(),
        mean_us: h.mean(),
        elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_bounded() {
        let base = BenchOptions::default();
        assert!(validate(&BenchOptions {
            rate: 0,
            ..base.clone()
        })
        .is_err());
        assert!(validate(&BenchOptions {
            connections: 0,
            ..base.clone()
        })
        .is_err());
        assert!(validate(&BenchOptions {
            duration: Duration::from_secs(601),
            ..base.clone()
        })
        .is_err());
        assert!(validate(&BenchOptions {
            rate: 100_000,
            duration: Duration::from_secs(600),
            ..base.clone()
        })
        .is_err());
        assert_eq!(
            validate(&BenchOptions {
                rate: 50,
                duration: Duration::from_secs(2),
                ..base
            }),
            Ok(100)
        );
    }
}
