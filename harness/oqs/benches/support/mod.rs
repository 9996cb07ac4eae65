//! What the HTTP benchmarks share: the reference server seeded with a
//! population, a static-body server on the same serving stack, `wrk`, and
//! the criterion test-mode switch.
//!
//! The machine has 2 cores: the load generator (ours or `wrk`) and the
//! server share them, so every figure is "both on one 2-core machine".

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use axum::http::header;
use axum::Router;
use myna_oqs::{ControlCommand, Serial, ServerConfig};
use myna_serve::{BackgroundServer, ServeConfig};

/// Persons seeded into the reference server.
pub const POPULATION: u32 = 10_000;
/// The first seeded serial (the one every request looks up).
pub const FIRST_SERIAL: u64 = 0xB000_0000;

/// `cargo bench` passes `--bench`; `cargo test --benches` does not
/// (criterion's test mode: every figure once, briefly).
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// The lookup request body for the first seeded serial.
pub fn lookup_body() -> Vec<u8> {
    let serial = Serial::new(FIRST_SERIAL).unwrap().to_string();
    serde_json::to_vec(&serde_json::json!({
        "XmlMsg": {
            "MessageHeader": { "MedicalInstitutionCode": "1310000001" },
            "MessageBody": { "CertificateSerialNumber": serial }
        }
    }))
    .unwrap()
}

fn post(url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let agent = myna_http::agent(&myna_http::ClientOptions::default()).unwrap();
    let mut response = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_vec().unwrap())
}

/// The reference eligibility server (`oqs serve`'s) with [`POPULATION`]
/// registered persons seeded through its control API.
pub fn reference_server() -> BackgroundServer {
    let server = myna_oqs::spawn_background(loopback(), ServerConfig::default()).unwrap();
    let seed = ControlCommand::Population {
        count: POPULATION,
        first_serial: format!("{FIRST_SERIAL:X}"),
    };
    let url = format!("{}{}", server.url(), myna_oqs::service::CONTROL_PATH);
    let (status, _) = post(&url, &serde_json::to_vec(&seed).unwrap());
    assert_eq!(status, 200, "seeding the reference server");
    server
}

/// The reference's answer to [`lookup_body`] (the static server's body).
pub fn reference_answer(server: &BackgroundServer) -> Vec<u8> {
    let url = format!("{}{}", server.url(), myna_oqs::service::SEARCH_PATH);
    let (status, body) = post(&url, &lookup_body());
    assert_eq!(status, 200, "the reference answers the lookup");
    body
}

/// A server on the same stack (`myna_serve::serve`: hyper HTTP/1.1, the
/// timeouts, the connection limit, the body cap and the panic catcher) whose
/// one handler answers every request with `body` as it is: the cost of the
/// serving stack without the eligibility service's work.
pub fn static_server(body: Vec<u8>) -> BackgroundServer {
    let body = axum::body::Bytes::from(body);
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move {
            (
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                body,
            )
        }
    });
    myna_serve::spawn_background(
        "static-body",
        loopback(),
        app,
        ServeConfig::with_prefix("STATIC"),
    )
    .unwrap()
}

/// `wrk` is on the PATH; without it, a note (and under `CI=true`, where
/// `.ci/bench-tools.sh` installs it, a failure).
pub fn wrk_present() -> bool {
    let present = Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty());
    if !present {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "wrk is missing under CI=true (.ci/bench-tools.sh installs it)"
        );
        eprintln!("wrk not found: the closed-loop figures are skipped (apt-get install wrk)");
    }
    present
}

/// What `wrk` measured.
#[derive(Clone, Copy, Debug)]
pub struct WrkRun {
    /// Requests per second.
    pub rate: f64,
    /// Requests that were not 2xx/3xx, plus socket errors.
    pub errors: u64,
    /// Requests completed.
    pub requests: u64,
    /// CPU time `wrk` used (user + system).
    pub cpu: Duration,
}

/// `wrk -t2 -c32` closed loop for `duration`, POSTing [`lookup_body`] to
/// the lookup path of `base`.
pub fn wrk(base: &str, duration: Duration) -> WrkRun {
    let script = std::env::temp_dir().join(format!("myna-bench-{}.lua", std::process::id()));
    let body = String::from_utf8(lookup_body()).unwrap();
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = [[{body}]]\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        ),
    )
    .unwrap();
    let url = format!("{base}{}", myna_oqs::service::SEARCH_PATH);
    let seconds = duration.as_secs().max(1).to_string();
    let cpu_before = children_cpu();
    let output = Command::new("wrk")
        .args(["-t2", "-c32", "-d", &seconds, "--latency", "-s"])
        .arg(&script)
        .arg(&url)
        .output()
        .unwrap();
    let cpu = children_cpu().saturating_sub(cpu_before);
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let number_after = |label: &str| -> Option<f64> {
        let rest = &text[text.find(label)? + label.len()..];
        rest.split_whitespace().next()?.parse().ok()
    };
    let rate = number_after("Requests/sec:").unwrap_or_else(|| panic!("wrk said: {text}"));
    let non_2xx = number_after("Non-2xx or 3xx responses:").unwrap_or(0.0) as u64;
    let socket: u64 = text
        .lines()
        .find(|l| l.contains("Socket errors:"))
        .map(|l| {
            l.split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    WrkRun {
        rate,
        errors: non_2xx + socket,
        requests,
        cpu,
    }
}

/// An open-loop `bench lookup` run of our generator against `base`.
pub fn open_loop(
    base: &str,
    rate: u32,
    duration: Duration,
    connections: usize,
) -> myna_oqs::BenchResult {
    myna_oqs::bench_lookup(myna_oqs::BenchOptions {
        url: base.to_string(),
        rate,
        duration,
        connections,
        serials: vec![Serial::new(FIRST_SERIAL).unwrap().to_string()],
        ..myna_oqs::BenchOptions::default()
    })
    .unwrap()
}

/// One line of an open-loop result.
pub fn describe(r: &myna_oqs::BenchResult) -> String {
    format!(
        "achieved {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms, \
         errors {}, late {} (send lag p99 {:.3} ms), fell behind: {}",
        r.achieved_rate,
        r.p50_us as f64 / 1000.0,
        r.p99_us as f64 / 1000.0,
        r.p999_us as f64 / 1000.0,
        r.max_us as f64 / 1000.0,
        r.errors,
        r.late,
        r.send_lag_p99_us as f64 / 1000.0,
        if r.fell_behind { "yes" } else { "no" }
    )
}

/// Clock ticks per second of `/proc/*/stat` (`getconf CLK_TCK`: 100 on
/// Linux).
const TICKS: u64 = 100;

/// Fields 14 + 15 (utime, stime) or 16 + 17 (children's) of a stat line.
fn stat_ticks(stat: &str, first: usize) -> u64 {
    // The command name (field 2) may hold spaces: count after its ')'.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let at = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    at(first) + at(first + 1)
}

fn ticks(d: u64) -> Duration {
    Duration::from_millis(d * 1000 / TICKS)
}

/// CPU time (user + system) of this process, living and ended threads.
pub fn process_cpu() -> Duration {
    ticks(stat_ticks(
        &std::fs::read_to_string("/proc/self/stat").unwrap_or_default(),
        14,
    ))
}

/// CPU time of the ended child processes (`wrk`).
pub fn children_cpu() -> Duration {
    ticks(stat_ticks(
        &std::fs::read_to_string("/proc/self/stat").unwrap_or_default(),
        16,
    ))
}

/// CPU time of this process's threads named `name` (`oqs-server`,
/// `static-body`: the background servers).
pub fn thread_cpu(name: &str) -> Duration {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == name {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            total += stat_ticks(&stat, 14);
        }
    }
    ticks(total)
}

/// The load average (`/proc/loadavg`'s first three fields): how busy the
/// machine was around a figure, printed beside it.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The CPU of a run of our generator in this process beside the server
/// thread `server` (the process's CPU less that thread's, so the kernel's
/// loopback TCP work in our `write`s counts as ours): `(generator, server)`.
pub fn split_cpu(server: &str, run: impl FnOnce()) -> (Duration, Duration) {
    let (process, serving) = (process_cpu(), thread_cpu(server));
    run();
    let server_cpu = thread_cpu(server).saturating_sub(serving);
    let generator_cpu = process_cpu()
        .saturating_sub(process)
        .saturating_sub(server_cpu);
    (generator_cpu, server_cpu)
}

/// Microseconds of `cpu` per request.
pub fn per_request(cpu: Duration, requests: f64) -> f64 {
    cpu.as_secs_f64() * 1e6 / requests.max(1.0)
}
