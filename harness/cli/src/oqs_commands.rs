//! `oqs serve` and `bench lookup`: the reference eligibility service as a
//! server, and the open-loop load generator against any implementation.

use std::path::Path;
use std::time::Duration;

use myna_family::exit_code;

/// `oqs serve --listen ADDR`: serves until interrupted.
pub fn oqs_serve(addr: std::net::SocketAddr, tls: &crate::args::ServerTlsArgs) -> i32 {
    let mut config = myna_oqs::ServerConfig::default();
    let identity = match tls.identity() {
        Ok(identity) => identity,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::BAD_INPUT;
        }
    };
    let scheme = if identity.is_some() { "https" } else { "http" };
    config.serve = config.serve.tls(identity);
    let announce = |bound: std::net::SocketAddr| {
        eprintln!(
            "reference eligibility service on {scheme}://{bound} (API: docs/oqs.md); Ctrl-C stops"
        );
    };
    match myna_oqs::serve_blocking(addr, config, announce) {
        Ok(()) => exit_code::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
    }
}

/// What `bench lookup` was asked to do.
pub struct BenchLookup<'a> {
    /// Base URL.
    pub url: &'a str,
    /// Requests per second (with `find_max`, the first trial's).
    pub rate: u32,
    /// How long (with `find_max`, each trial).
    pub duration: Duration,
    /// Connections.
    pub connections: usize,
    /// Persons to seed through the test-control API first.
    pub seed: Option<u32>,
    /// Where `bench-lookup.json` goes.
    pub out: &'a Path,
    /// `--find-max` with its p99 bound.
    pub find_max: Option<Duration>,
    /// TLS for an `https://` URL.
    pub tls: myna_http::TlsOptions,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn print_result(result: &myna_oqs::BenchResult, rate: u32) {
    crate::console::outln!(
        "scheduled {} · completed {} · ok {} · errors {}",
        result.scheduled,
        result.completed,
        result.ok,
        result.errors
    );
    for (kind, n) in &result.error_kinds {
        crate::console::outln!("  {kind}: {n}");
    }
    crate::console::outln!(
        "rate: asked {rate}/s · achieved {:.0}/s · sent late (> {} ms) {} · send lag p99 {:.3} ms · max {:.3} ms · fell behind: {}",
        result.achieved_rate,
        myna_oqs::load::LATE_AFTER.as_millis(),
        result.late,
        ms(result.send_lag_p99_us),
        ms(result.send_lag_max_us),
        if result.fell_behind { "yes" } else { "no" }
    );
    if result.ok == 0 {
        eprintln!("error: no request succeeded, so there is no latency to report");
    } else {
        crate::console::outln!(
            "latency from schedule: p50 {:.3} ms · p90 {:.3} ms · p99 {:.3} ms · p99.9 {:.3} ms · max {:.3} ms · mean {:.3} ms",
            ms(result.p50_us),
            ms(result.p90_us),
            ms(result.p99_us),
            ms(result.p999_us),
            ms(result.max_us),
            result.mean_us / 1000.0
        );
    }
    if result.fell_behind {
        eprintln!(
            "warning: the run fell behind its schedule (over 1% of requests sent over 5 ms late): \
             the rate applied was below {rate}/s; more --connections may hold it"
        );
    }
}

fn result_json(
    args: &BenchLookup<'_>,
    rate: u32,
    result: &myna_oqs::BenchResult,
) -> serde_json::Value {
    serde_json::json!({
        "url": args.url,
        "rate": rate,
        "duration_s": args.duration.as_secs_f64(),
        "connections": args.connections,
        "seed_population": args.seed,
        "scheduled": result.scheduled,
        "completed": result.completed,
        "ok": result.ok,
        "errors": result.errors,
        "error_kinds": result.error_kinds,
        "latency_us": {
            "p50": result.p50_us, "p90": result.p90_us, "p99": result.p99_us,
            "p99_9": result.p999_us, "max": result.max_us, "mean": result.mean_us
        },
        "elapsed_s": result.elapsed.as_secs_f64(),
        "measured_from": "scheduled send time (open loop)",
        "achieved_rate": result.achieved_rate,
        "send_lag_us": { "p99": result.send_lag_p99_us, "max": result.send_lag_max_us },
        "late": result.late,
        "fell_behind": result.fell_behind,
    })
}

fn options(args: &BenchLookup<'_>) -> myna_oqs::BenchOptions {
    myna_oqs::BenchOptions {
        url: args.url.to_string(),
        rate: args.rate,
        duration: args.duration,
        connections: args.connections,
        seed_population: args.seed,
        tls: args.tls.clone(),
        ..myna_oqs::BenchOptions::default()
    }
}

fn bench_error(e: &myna_oqs::BenchError) -> i32 {
    eprintln!("error: {e}");
    match e {
        myna_oqs::BenchError::InvalidOptions(_) => exit_code::BAD_INPUT,
        _ => exit_code::INFRASTRUCTURE,
    }
}

fn write_json(out: &Path, json: &serde_json::Value) -> Result<(), String> {
    let path = out.join("bench-lookup.json");
    std::fs::create_dir_all(out)
        .map_err(|e| e.to_string())
        .and_then(|()| serde_json::to_vec_pretty(json).map_err(|e| e.to_string()))
        .and_then(|bytes| {
            myna_report::write_atomically(&path, &bytes).map_err(|e| e.to_string())
        })?;
    eprintln!("written to {}", path.display());
    Ok(())
}

/// `bench lookup`: open-loop load, latency from the scheduled send time.
pub fn bench_lookup(args: &BenchLookup<'_>) -> i32 {
    if let Some(bound) = args.find_max {
        return bench_find_max(args, bound);
    }
    eprintln!(
        "open-loop load: {} req/s for {:.1} s over {} connections against {}",
        args.rate,
        args.duration.as_secs_f64(),
        args.connections,
        args.url
    );
    let result = match myna_oqs::bench_lookup(options(args)) {
        Ok(r) => r,
        Err(e) => return bench_error(&e),
    };
    print_result(&result, args.rate);
    match write_json(args.out, &result_json(args, args.rate, &result)) {
        Ok(()) => bench_exit_code(result.ok, result.errors),
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
    }
}

/// `bench lookup --find-max`: each trial printed, then the rate found;
/// `bench-lookup.json` holds the best trial (or the last) and every trial.
fn bench_find_max(args: &BenchLookup<'_>, bound: Duration) -> i32 {
    eprintln!(
        "searching the highest rate with p99 ≤ {:.3} ms, no error, on schedule: trials of {:.1} s from {} req/s over {} connections against {}",
        bound.as_secs_f64() * 1000.0,
        args.duration.as_secs_f64(),
        args.rate,
        args.connections,
        args.url
    );
    let search = myna_oqs::load::FindMaxOptions {
        p99_bound: bound,
        ..myna_oqs::load::FindMaxOptions::default()
    };
    let found = myna_oqs::load::find_max(options(args), &search, |trial| {
        let r = &trial.result;
        crate::console::outln!(
            "trial {} req/s: achieved {:.0}/s · p99 {:.3} ms · errors {} · fell behind: {} → {}",
            trial.rate,
            r.achieved_rate,
            ms(r.p99_us),
            r.errors,
            if r.fell_behind { "yes" } else { "no" },
            if trial.holds { "holds" } else { "fails" }
        );
    });
    let found = match found {
        Ok(f) => f,
        Err(e) => return bench_error(&e),
    };
    let shown = found.best().or(found.trials.last());
    let Some(shown) = shown else {
        eprintln!("error: no trial ran");
        return exit_code::INFRASTRUCTURE;
    };
    match found.max_rate {
        Some(rate) => crate::console::outln!(
            "highest rate holding p99 ≤ {:.3} ms: {rate} req/s",
            bound.as_secs_f64() * 1000.0
        ),
        None => crate::console::outln!(
            "no rate tried held p99 ≤ {:.3} ms (the lowest tried: {} req/s)",
            bound.as_secs_f64() * 1000.0,
            found.trials.iter().map(|t| t.rate).min().unwrap_or(0)
        ),
    }
    print_result(&shown.result, shown.rate);
    let mut json = result_json(args, shown.rate, &shown.result);
    json["find_max"] = serde_json::json!({
        "p99_bound_us": u64::try_from(bound.as_micros()).unwrap_or(u64::MAX),
        "max_rate": found.max_rate,
        "trials": found.trials.iter().map(|t| serde_json::json!({
            "rate": t.rate,
            "holds": t.holds,
            "achieved_rate": t.result.achieved_rate,
            "p99_us": t.result.p99_us,
            "errors": t.result.errors,
            "fell_behind": t.result.fell_behind,
        })).collect::<Vec<_>>(),
    });
    if let Err(e) = write_json(args.out, &json) {
        eprintln!("error: {e}");
        return exit_code::INFRASTRUCTURE;
    }
    match found.max_rate {
        Some(_) => exit_code::OK,
        None if found.trials.iter().all(|t| t.result.ok == 0) => exit_code::INFRASTRUCTURE,
        None => exit_code::FAILURES,
    }
}

/// A load test whose requests failed did not measure the service: every
/// request failing is an infrastructure error (nothing answered), some
/// failing a conformance failure (the service answered errors under load).
fn bench_exit_code(ok: u64, errors: u64) -> i32 {
    match (ok, errors) {
        (_, 0) => exit_code::OK,
        (0, _) => exit_code::INFRASTRUCTURE,
        _ => exit_code::FAILURES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_requests_make_the_exit_code() {
        assert_eq!(bench_exit_code(10, 0), exit_code::OK);
        assert_eq!(bench_exit_code(0, 10), exit_code::INFRASTRUCTURE);
        assert_eq!(bench_exit_code(9, 1), exit_code::FAILURES);
    }
}
