//! What one connection (or one thread) of the generator counted, merged into
//! a [`BenchResult`] at the end of a run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::{BenchError, BenchResult};

/// A request sent later than this after its due time is late: more than
/// the OS's wake-up jitter on a busy machine (a millisecond or two), less
/// than any p99 bound worth holding.
pub const LATE_AFTER: Duration = Duration::from_millis(5);
/// A run in which more than this fraction of requests were sent late fell
/// behind its schedule.
pub const LATE_FRACTION: f64 = 0.01;

pub(crate) fn histogram() -> Result<Histogram<u64>, BenchError> {
    Histogram::new_with_bounds(1, 1_200_000_000, 3)
        .map_err(|e| BenchError::InvalidOptions(e.to_string()))
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Latency and send-lag histograms (µs), answers and errors by kind.
#[derive(Clone, Debug)]
pub(crate) struct Tally {
    latency: Histogram<u64>,
    lag: Histogram<u64>,
    ok: u64,
    late: u64,
    kinds: BTreeMap<String, u64>,
    last_completion: Option<Instant>,
}

impl Tally {
    pub(crate) fn new() -> Result<Tally, BenchError> {
        Ok(Tally {
            latency: histogram()?,
            lag: histogram()?,
            ok: 0,
            late: 0,
            kinds: BTreeMap::new(),
            last_completion: None,
        })
    }

    /// A request due at `due` went out `lag` after it.
    pub(crate) fn sent(&mut self, lag: Duration) {
        self.lag.saturating_record(micros(lag));
        if lag > LATE_AFTER {
            self.late += 1;
        }
    }

    /// A request due at `due` ended now: `None` is an HTTP 200, `Some(kind)`
    /// an error of that kind.
    pub(crate) fn completed(&mut self, due: Instant, error: Option<&str>) {
        let now = Instant::now();
        self.latency
            .saturating_record(micros(now.saturating_duration_since(due)));
        self.last_completion = Some(self.last_completion.map_or(now, |t| t.max(now)));
        match error {
            None => self.ok += 1,
            Some(kind) => match self.kinds.get_mut(kind) {
                Some(n) => *n += 1,
                None => {
                    self.kinds.insert(kind.to_string(), 1);
                }
            },
        }
    }

    /// An HTTP status other than 200 as its error kind.
    pub(crate) fn status_kind(status: u16) -> Option<String> {
        (status != 200).then(|| format!("http {status}"))
    }

    pub(crate) fn merge(&mut self, other: Tally) {
        let _ = self.latency.add(&other.latency);
        let _ = self.lag.add(&other.lag);
        self.ok += other.ok;
        self.late += other.late;
        for (kind, n) in other.kinds {
            *self.kinds.entry(kind).or_insert(0) += n;
        }
        self.last_completion = match (self.last_completion, other.last_completion) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// The run's result; `start` is the first request's due time.
    pub(crate) fn result(self, scheduled: u64, start: Instant) -> BenchResult {
        let h = &self.latency;
        let completed = h.len();
        let elapsed = start.elapsed();
        let window = self
            .last_completion
            .map_or(elapsed, |t| t.saturating_duration_since(start));
        let achieved_rate = if window.is_zero() {
            0.0
        } else {
            completed as f64 / window.as_secs_f64()
        };
        BenchResult {
            scheduled,
            completed,
            ok: self.ok,
            errors: self.kinds.values().sum(),
            error_kinds: self.kinds,
            p50_us: h.value_at_quantile(0.50),
            p90_us: h.value_at_quantile(0.90),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
            mean_us: h.mean(),
            elapsed,
            achieved_rate,
            send_lag_p99_us: self.lag.value_at_quantile(0.99),
            send_lag_max_us: self.lag.max(),
            late: self.late,
            fell_behind: self.late as f64 > LATE_FRACTION * scheduled as f64,
        }
    }
}
