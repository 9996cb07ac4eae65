//! The open-loop load generator behind `myna-conform bench lookup`.
//!
//! Requests are sent on a fixed schedule (`rate` per second) whatever the
//! server's speed, and each latency is measured from the request's
//! *scheduled* time, so a stalled server shows up in the tail instead of
//! slowing the generator down (no coordinated omission). Latencies go into
//! an HDR histogram (microseconds, 3 significant digits). The result also
//! says how late requests went out and whether the run fell behind its
//! schedule ([`BenchResult::fell_behind`]); [`find_max`] searches the highest
//! rate that holds a p99 bound.
//!
//! `http://` runs on the epoll event loop of `load/open_loop.rs` with the
//! HTTP/1.1 response reader of `load/http1.rs`; `https://` on threads with the
//! myna-http client (`load/blocking.rs`).

mod blocking;
mod find_max;
mod http1;
mod open_loop;
mod tally;

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use thiserror::Error;

use crate::control::ControlCommand;
use crate::serial::Serial;
use crate::service::{CONTROL_PATH, SEARCH_PATH};
use crate::wire::{RequestBody, RequestHeader, RequestMsg, SearchRequest};

pub use find_max::{find_max, FindMaxOptions, FindMaxResult, Trial};
pub use tally::{LATE_AFTER, LATE_FRACTION};

/// Upper bound on requests in one run (rate × duration).
pub const MAX_REQUESTS: u64 = 5_000_000;
/// Upper bound on a run's duration.
pub const MAX_DURATION: Duration = Duration::from_secs(600);
/// Upper bound on the rate (requests per second).
pub const MAX_RATE: u32 = 1_000_000;
/// Upper bound on connections.
pub const MAX_CONNECTIONS: usize = 1024;

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Base URL of the OQS under test (`http://127.0.0.1:8080`).
    pub url: String,
    /// Requests per second (1–[`MAX_RATE`]).
    pub rate: u32,
    /// How long to send.
    pub duration: Duration,
    /// Concurrent connections (1–[`MAX_CONNECTIONS`]).
    pub connections: usize,
    /// Seed this many registered persons through the test-control API first
    /// (resets the server's world); their serials are then looked up.
    pub seed_population: Option<u32>,
    /// Serials to look up (hex), cycled; ignored when seeding.
    pub serials: Vec<String>,
    /// Per-request deadline, from the request's due time.
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
    /// Errors by kind (`http 503`, `timeout`, `connect`, `closed`,
    /// `malformed`, `other`).
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
    /// Requests completed per second, from the first due time to the last
    /// completion.
    pub achieved_rate: f64,
    /// 99th percentile of the send lag: how long after its due time a
    /// request went out (waiting for a free connection included), µs.
    pub send_lag_p99_us: u64,
    /// Largest send lag, µs.
    pub send_lag_max_us: u64,
    /// Requests sent more than [`LATE_AFTER`] after their due time.
    pub late: u64,
    /// More than [`LATE_FRACTION`] of the requests were late: the generator
    /// (or its connections) did not hold the schedule, so the rate asked
    /// for was not the rate applied.
    pub fell_behind: bool,
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

fn agent(timeout: Duration, tls: &myna_http::TlsOptions) -> Result<ureq::Agent, BenchError> {
    myna_http::agent(&myna_http::ClientOptions {
        timeout,
        tls: tls.clone(),
    })
    .map_err(|e| BenchError::InvalidOptions(e.to_string()))
}

fn validate(opts: &BenchOptions) -> Result<u64, BenchError> {
    if opts.rate == 0 || opts.rate > MAX_RATE {
        return Err(BenchError::InvalidOptions(format!(
            "rate must be 1–{MAX_RATE} per second"
        )));
    }
    if opts.duration.is_zero() || opts.duration > MAX_DURATION {
        return Err(BenchError::InvalidOptions(
            "duration must be above 0 and at most 600 s".into(),
        ));
    }
    if opts.connections == 0 || opts.connections > MAX_CONNECTIONS {
        return Err(BenchError::InvalidOptions(format!(
            "connections must be 1–{MAX_CONNECTIONS}"
        )));
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

/// The serials a run looks up: seeded through the control API, given, or
/// serial `1`.
fn prepare(opts: &BenchOptions) -> Result<Vec<String>, BenchError> {
    Ok(match opts.seed_population {
        Some(n) if n > 0 => seed(opts, n.min(1_000_000))?,
        _ if !opts.serials.is_empty() => opts.serials.clone(),
        _ => vec!["1".to_string()],
    })
}

/// `host:port` and the socket address of a plain `http://` base URL;
/// `None` for `https://`.
fn plain_http_target(base: &str) -> Result<Option<(String, SocketAddr)>, BenchError> {
    let uri: axum::http::Uri = base
        .parse()
        .map_err(|e| BenchError::InvalidOptions(format!("{base}: {e}")))?;
    match uri.scheme_str() {
        Some("https") => return Ok(None),
        Some("http") => {}
        _ => {
            return Err(BenchError::InvalidOptions(format!(
                "{base}: expected an http:// or https:// URL"
            )))
        }
    }
    let authority = uri
        .authority()
        .ok_or_else(|| BenchError::InvalidOptions(format!("{base}: no host")))?;
    let port = authority.port_u16().unwrap_or(80);
    let addr = (authority.host().trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map_err(|e| BenchError::Setup(format!("{base}: {e}")))?
        .next()
        .ok_or_else(|| BenchError::Setup(format!("{base}: no address")))?;
    Ok(Some((authority.as_str().to_string(), addr)))
}

/// One run over already prepared serials.
fn run_prepared(opts: &BenchOptions, serials: &[String]) -> Result<BenchResult, BenchError> {
    let total = validate(opts)?;
    let base = opts.url.trim_end_matches('/');
    let bodies: Vec<Vec<u8>> = serials.iter().map(|s| request_body(s)).collect();
    match plain_http_target(base)? {
        Some((host, addr)) => {
            let path = format!(
                "{}{SEARCH_PATH}",
                base.split_once("://")
                    .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
                    .unwrap_or("")
            );
            let requests = bodies
                .iter()
                .map(|body| http1::post_request(&host, &path, body))
                .collect();
            open_loop::run(
                addr,
                requests,
                total,
                opts.rate,
                opts.connections,
                opts.timeout,
            )
        }
        None => blocking::run(opts, &format!("{base}{SEARCH_PATH}"), bodies, total),
    }
}

/// Runs an open-loop lookup load against `opts.url` and reports latency
/// percentiles, errors and how well the schedule was held.
pub fn bench_lookup(opts: BenchOptions) -> Result<BenchResult, BenchError> {
    validate(&opts)?;
    let serials = prepare(&opts)?;
    run_prepared(&opts, &serials)
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
            rate: MAX_RATE + 1,
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
