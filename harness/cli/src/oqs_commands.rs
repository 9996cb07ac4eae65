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
    eprintln!(
        "reference eligibility service on {scheme}://{addr} (API: docs/oqs.md); Ctrl-C stops"
    );
    match myna_oqs::serve_blocking(addr, config) {
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
    /// Requests per second.
    pub rate: u32,
    /// How long.
    pub duration: Duration,
    /// Connections.
    pub connections: usize,
    /// Persons to seed through the test-control API first.
    pub seed: Option<u32>,
    /// Where `bench-lookup.json` goes.
    pub out: &'a Path,
    /// TLS for an `https://` URL.
    pub tls: myna_http::TlsOptions,
}

/// `bench lookup`: open-loop load, latency from the scheduled send time.
pub fn bench_lookup(args: &BenchLookup<'_>) -> i32 {
    let duration = args.duration;
    let options = myna_oqs::BenchOptions {
        url: args.url.to_string(),
        rate: args.rate,
        duration,
        connections: args.connections,
        seed_population: args.seed,
        tls: args.tls.clone(),
        ..myna_oqs::BenchOptions::default()
    };
    eprintln!(
        "open-loop load: {} req/s for {:.1} s over {} connections against {}",
        args.rate,
        duration.as_secs_f64(),
        args.connections,
        args.url
    );
    let result = match myna_oqs::bench_lookup(options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return match e {
                myna_oqs::BenchError::InvalidOptions(_) => exit_code::BAD_INPUT,
                _ => exit_code::INFRASTRUCTURE,
            };
        }
    };
    let ms = |us: u64| us as f64 / 1000.0;
    let summary_only = result.ok == 0;
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
    if summary_only {
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
    let json = serde_json::json!({
        "url": args.url,
        "rate": args.rate,
        "duration_s": duration.as_secs_f64(),
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
    });
    let path = args.out.join("bench-lookup.json");
    let written = std::fs::create_dir_all(args.out)
        .map_err(|e| e.to_string())
        .and_then(|()| serde_json::to_vec_pretty(&json).map_err(|e| e.to_string()))
        .and_then(|bytes| myna_report::write_atomically(&path, &bytes).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            eprintln!("written to {}", path.display());
            bench_exit_code(result.ok, result.errors)
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
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
