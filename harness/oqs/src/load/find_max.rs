//! `bench lookup --find-max`: the highest rate whose trial holds a p99
//! bound with no error and without falling behind the schedule.
//!
//! The search doubles the rate from the starting one while trials hold (or
//! halves it while they fail), then bisects between the highest rate that
//! held and the lowest that failed until they are within `precision` of
//! each other. Each trial is a short open-loop run of the same options.

use std::time::Duration;

use super::{prepare, run_prepared, validate, BenchError, BenchOptions, BenchResult, MAX_RATE};

/// How to search.
#[derive(Clone, Debug, PartialEq)]
pub struct FindMaxOptions {
    /// A trial holds when its p99 is at most this.
    pub p99_bound: Duration,
    /// Stop when the rate that held and the one that failed are within
    /// this fraction of each other (default 0.05).
    pub precision: f64,
    /// Never try above this rate.
    pub max_rate: u32,
    /// At most this many trials.
    pub max_trials: usize,
}

impl Default for FindMaxOptions {
    fn default() -> Self {
        FindMaxOptions {
            p99_bound: Duration::from_millis(10),
            precision: 0.05,
            max_rate: MAX_RATE,
            max_trials: 24,
        }
    }
}

/// One trial of the search.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    /// The rate asked for.
    pub rate: u32,
    /// What it measured.
    pub result: BenchResult,
    /// Held the bound: p99 within it, no error, not behind schedule.
    pub holds: bool,
}

/// What the search found.
#[derive(Clone, Debug, PartialEq)]
pub struct FindMaxResult {
    /// Every trial in order.
    pub trials: Vec<Trial>,
    /// The highest rate that held, if any did.
    pub max_rate: Option<u32>,
}

impl FindMaxResult {
    /// The trial at [`FindMaxResult::max_rate`].
    pub fn best(&self) -> Option<&Trial> {
        let rate = self.max_rate?;
        self.trials.iter().rev().find(|t| t.holds && t.rate == rate)
    }
}

fn holds(result: &BenchResult, bound: Duration) -> bool {
    result.ok > 0
        && result.errors == 0
        && !result.fell_behind
        && u128::from(result.p99_us) <= bound.as_micros()
}

/// The next rate to try, or `None` when the search is done.
fn next_rate(held: Option<u32>, failed: Option<u32>, search: &FindMaxOptions) -> Option<u32> {
    match (held, failed) {
        (Some(lo), None) if lo >= search.max_rate => None,
        (Some(lo), None) => Some(lo.saturating_mul(2).min(search.max_rate)),
        (None, Some(1)) => None,
        (None, Some(hi)) => Some((hi / 2).max(1)),
        (Some(lo), Some(hi)) => {
            let gap = f64::from(hi.saturating_sub(lo));
            if gap <= (f64::from(lo) * search.precision).max(1.0) {
                None
            } else {
                Some(lo + (hi - lo) / 2)
            }
        }
        (None, None) => None,
    }
}

/// Searches the highest rate of `opts` (starting at `opts.rate`, each trial
/// `opts.duration` long) that holds `search.p99_bound`; `on_trial` sees
/// each trial as it ends. The population is seeded once, before the first.
pub fn find_max(
    opts: BenchOptions,
    search: &FindMaxOptions,
    mut on_trial: impl FnMut(&Trial),
) -> Result<FindMaxResult, BenchError> {
    validate(&opts)?;
    let serials = prepare(&opts)?;
    let mut trials = Vec::new();
    let (mut held, mut failed) = (None::<u32>, None::<u32>);
    let mut rate = Some(opts.rate.min(search.max_rate));
    while let Some(r) = rate {
        if trials.len() >= search.max_trials {
            break;
        }
        let trial_options = BenchOptions {
            rate: r,
            ..opts.clone()
        };
        if validate(&trial_options).is_err() {
            break; // below one request per trial
        }
        let result = run_prepared(&trial_options, &serials)?;
        let trial = Trial {
            rate: r,
            holds: holds(&result, search.p99_bound),
            result,
        };
        on_trial(&trial);
        if trial.holds {
            held = Some(held.map_or(r, |h| h.max(r)));
        } else {
            failed = Some(failed.map_or(r, |f| f.min(r)));
        }
        trials.push(trial);
        rate = next_rate(held, failed, search);
        // Let the server drain what the last trial left queued.
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(FindMaxResult {
        trials,
        max_rate: held,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_doubles_then_halves_then_bisects() {
        let search = FindMaxOptions {
            max_rate: 100_000,
            ..FindMaxOptions::default()
        };
        assert_eq!(next_rate(Some(1000), None, &search), Some(2000));
        assert_eq!(next_rate(Some(80_000), None, &search), Some(100_000));
        assert_eq!(next_rate(Some(100_000), None, &search), None);
        assert_eq!(next_rate(None, Some(1000), &search), Some(500));
        assert_eq!(next_rate(None, Some(1), &search), None);
        assert_eq!(next_rate(Some(1000), Some(2000), &search), Some(1500));
        assert_eq!(next_rate(Some(1000), Some(1040), &search), None);
    }

    #[test]
    fn a_trial_holds_only_without_errors_lag_or_a_slow_tail() {
        let bound = Duration::from_millis(10);
        let good = BenchResult {
            ok: 10,
            p99_us: 9_000,
            ..BenchResult::default()
        };
        assert!(holds(&good, bound));
        for bad in [
            BenchResult {
                errors: 1,
                ..good.clone()
            },
            BenchResult {
                fell_behind: true,
                ..good.clone()
            },
            BenchResult {
                p99_us: 10_001,
                ..good.clone()
            },
            BenchResult {
                ok: 0,
                ..good.clone()
            },
        ] {
            assert!(!holds(&bad, bound), "{bad:?}");
        }
    }
}
