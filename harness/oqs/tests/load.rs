//! A bounded load run against the reference server on loopback.

use std::time::Duration;

use myna_oqs::{bench_lookup, spawn_background, BenchOptions, ServerConfig};

#[test]
fn open_loop_run_completes_every_scheduled_request() {
    let server = spawn_background(
        "127.0.0.1:0".parse().expect("literal address"),
        ServerConfig::default(),
    )
    .expect("server starts");
    let result = bench_lookup(BenchOptions {
        url: server.url(),
        rate: 200,
        duration: Duration::from_millis(500),
        connections: 2,
        seed_population: Some(50),
        serials: Vec::new(),
        timeout: Duration::from_secs(10),
        ..BenchOptions::default()
    })
    .expect("the run happens");
    assert_eq!(result.scheduled, 100);
    assert_eq!(result.completed, 100);
    assert_eq!(result.ok, 100, "errors: {:?}", result.error_kinds);
    assert_eq!(result.errors, 0);
    assert!(result.p50_us <= result.p90_us && result.p90_us <= result.p99_us);
    assert!(result.p99_us <= result.p999_us && result.p999_us <= result.max_us);
    server.stop().expect("server stops");
}

#[test]
fn an_unreachable_target_counts_errors_instead_of_failing() {
    // Bind and drop a listener to get a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let result = bench_lookup(BenchOptions {
        url: format!("http://127.0.0.1:{port}"),
        rate: 20,
        duration: Duration::from_millis(250),
        connections: 1,
        seed_population: None,
        serials: vec!["1A".into()],
        timeout: Duration::from_secs(2),
        ..BenchOptions::default()
    })
    .expect("the run happens");
    assert_eq!(result.completed, 5);
    assert_eq!(result.ok, 0);
    assert_eq!(result.errors, 5, "kinds: {:?}", result.error_kinds);
}

#[test]
fn a_server_that_never_answers_gives_timeouts_counted_from_the_due_time() {
    // Accepts connections (the kernel backlog) and never reads or answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = silent.local_addr().expect("bound").port();
    let result = bench_lookup(BenchOptions {
        url: format!("http://127.0.0.1:{port}"),
        rate: 20,
        duration: Duration::from_millis(250),
        connections: 2,
        seed_population: None,
        serials: vec!["1A".into()],
        timeout: Duration::from_millis(200),
        ..BenchOptions::default()
    })
    .expect("the run happens");
    assert_eq!(result.completed, 5);
    assert_eq!(
        result.error_kinds.get("timeout"),
        Some(&5),
        "{:?}",
        result.error_kinds
    );
    // Each latency is at least the deadline, counted from the due time.
    assert!(result.p50_us >= 200_000, "p50 {} µs", result.p50_us);
    drop(silent);
}
