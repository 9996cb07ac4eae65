//! Shared by the tests that need a running pcscd with vsmartcard-vpcd
//! (`pcsc_*.rs`, `opensc_*.rs`, `record_*.rs`): skip-or-fail, the emulator
//! as a child process, waiting for the card, and running the CLI with a
//! watchdog so that a hang fails the test instead of blocking it.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use myna_family_card::target::{
    list_pcsc_readers, PcscCard, PcscOptions, ReaderSelector, TransportError,
};

/// vpcd slot 0 and its TCP port.
pub const READER: &str = "Virtual PCD 00 00";
/// vpcd address of [`READER`].
pub const VPCD_ADDR: &str = "127.0.0.1:35963";
/// vpcd slot 1 and its TCP port.
pub const READER_1: &str = "Virtual PCD 00 01";
/// vpcd address of [`READER_1`].
pub const VPCD_ADDR_1: &str = "127.0.0.1:35964";
/// Bound on waiting for pcscd to see a card (never asserted on).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Only one test of a binary may use a vpcd slot at a time (cargo runs
/// test binaries one after another); [`claim_readers`] also keeps other
/// processes (a second checkout's tests on the same machine) off them.
static READERS: Mutex<()> = Mutex::new(());

#[path = "../../../test-support/vpcd_slots.rs"]
mod vpcd_slots;

/// Holds the vpcd slots for one test: the in-process mutex and a
/// cross-process file lock, both released on drop.
pub struct ReaderClaim {
    _in_process: std::sync::MutexGuard<'static, ()>,
    _file: std::fs::File,
}

/// Waits until no other test, in this process or another, uses the vpcd
/// slots, and claims them (the file lock is released when the process dies;
/// the wait for another process is bounded, vpcd_slots.rs).
pub fn claim_readers() -> ReaderClaim {
    let in_process = READERS.lock().unwrap_or_else(|e| e.into_inner());
    let file = vpcd_slots::claim_slot_file();
    ReaderClaim {
        _in_process: in_process,
        _file: file,
    }
}

/// The repository root (scenarios, personas).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// Whether `CI=true`: then a missing pcscd fails the test.
pub fn mandatory() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Skips (passes) with a clear line, or fails when `CI=true`.
pub fn skip(reason: &str) {
    if mandatory() {
        panic!("{reason}: CI=true makes this test mandatory; start pcscd with `bash .ci/pcscd.sh`");
    }
    // Written to stderr directly, not with `eprintln!`: the test harness
    // captures the print macros, and a skip must be visible without
    // `--nocapture`, or a run without pcscd would look like a pass.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {}: {reason} (set CI=true to make it mandatory)",
        std::thread::current().name().unwrap_or("a PC/SC test")
    );
}

/// `true` when pcscd answers and lists both vpcd readers; otherwise says
/// why (see [`skip`]) and returns `false`.
pub fn pcscd_ready() -> bool {
    let readers = match list_pcsc_readers() {
        Ok(readers) => readers,
        Err(TransportError::ServiceUnavailable(_)) => {
            skip("pcscd not running");
            return false;
        }
        Err(other) => panic!("listing PC/SC readers failed: {other}"),
    };
    for wanted in [READER, READER_1] {
        if !readers.iter().any(|r| r == wanted) {
            skip(&format!(
                "vpcd reader '{wanted}' not found (readers: {readers:?}; is vsmartcard-vpcd installed?)"
            ));
            return false;
        }
    }
    true
}

/// A child process killed (by its own id) when dropped.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    /// Kills the child now and reaps it.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Presses Enter on `record`'s standard input (which stops it; the file
/// is written on the way out), closes it, and waits at most `limit` for
/// the process to end; its exit status.
pub fn stop_recording(recorder: &mut ChildGuard, limit: Duration) -> ExitStatus {
    let mut stdin = recorder
        .0
        .stdin
        .take()
        .expect("record was started with a piped stdin");
    stdin.write_all(b"\n").unwrap();
    drop(stdin);
    let started = Instant::now();
    loop {
        if let Some(status) = recorder.0.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "record did not stop within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The CLI binary under test.
pub fn myna() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_myna-conform"));
    command.current_dir(root());
    command
}

/// Starts `emu serve --vpcd ADDR --persona taro --quiet` plus `extra`.
pub fn serve(addr: &str, extra: &[&str]) -> ChildGuard {
    let child = myna()
        .args([
            "emu",
            "serve",
            "--vpcd",
            addr,
            "--persona",
            "taro",
            "--quiet",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(emulator_log(addr))
        .spawn()
        .unwrap();
    ChildGuard(child)
}

/// The emulator's stderr goes to `$TMPDIR/myna-emu-<port>.log`, for when
/// the card never shows up.
fn emulator_log(addr: &str) -> Stdio {
    let port = addr.rsplit(':').next().unwrap_or("vpcd");
    let path = std::env::temp_dir().join(format!("myna-emu-{port}.log"));
    match std::fs::File::create(&path) {
        Ok(file) => Stdio::from(file),
        Err(_) => Stdio::null(),
    }
}

/// Waits up to `patience` for pcscd to report a usable card in `reader`;
/// when none shows up, says why pcscd said so and what the kernel shows of
/// the vpcd slot's TCP connections ([`vpcd_sockets`]).
pub fn card_shows_up(reader: &str, patience: Duration) -> Result<(), String> {
    let deadline = Instant::now() + patience;
    loop {
        match PcscCard::open(PcscOptions::reader(ReaderSelector::Exact(reader.into()))) {
            Ok(_) => return Ok(()),
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("{e}; {}", vpcd_sockets(reader))),
        }
    }
}

/// The vpcd slot's TCP side as the kernel sees it, for a card that does
/// not show up: vpcd listens with a backlog of 0 (one pending connection)
/// and accepts only when pcscd polls an empty reader, so a card dialling
/// while another connection waits can sit in SYN-RECV for the kernel's
/// SYN-ACK retransmits (1, 3, 7, 15, 31 s). Reads `/proc/net/tcp` (the
/// listener's accept queue, the connections by state) and the kernel's
/// listen-overflow counters.
pub fn vpcd_sockets(reader: &str) -> String {
    let port = match reader {
        READER => 35963u16,
        READER_1 => 35964,
        _ => return "not a vpcd slot".into(),
    };
    let port_hex = format!(":{port:04X}");
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let mut listener = String::from("no listener");
    let mut states: Vec<(String, usize)> = Vec::new();
    for line in tcp.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, local, remote, state, queues, ..] = fields[..] else {
            continue;
        };
        let ours = local.ends_with(&port_hex) || remote.ends_with(&port_hex);
        if !ours {
            continue;
        }
        if state == "0A" {
            // A listener's tx_queue:rx_queue is its backlog limit and queue.
            let (limit, queued) = queues.split_once(':').unwrap_or(("?", "?"));
            let hex = |h: &str| u64::from_str_radix(h, 16).unwrap_or(u64::MAX);
            listener = format!("accept queue {} (backlog {})", hex(queued), hex(limit));
            continue;
        }
        let name = match state {
            "01" => "ESTABLISHED",
            "02" => "SYN-SENT",
            "03" => "SYN-RECV",
            "06" => "TIME-WAIT",
            "08" => "CLOSE-WAIT",
            other => other,
        };
        match states.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => *count += 1,
            None => states.push((name.to_owned(), 1)),
        }
    }
    let netstat = std::fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let mut lines = netstat.lines();
    let mut counters = Vec::new();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        for (name, value) in names.split_whitespace().zip(values.split_whitespace()) {
            if name == "ListenOverflows" || name == "ListenDrops" {
                counters.push(format!("{name} {value}"));
            }
        }
    }
    format!(
        "vpcd port {port}: {listener}; socket ends by state {states:?}; kernel {}",
        counters.join(", ")
    )
}

/// Starts the emulator (see [`serve`]) and waits for its card in
/// `reader`. vpcd accepts a new card only once it has noticed that the
/// previous one is gone; right after a card was killed it sometimes never
/// does for the pending connection, so the emulator is restarted (a new
/// connection) up to three times.
pub fn serve_and_wait(addr: &str, reader: &str, extra: &[&str]) -> ChildGuard {
    spawn_until_card(reader, || serve(addr, extra))
}

/// Starts a process that puts a card in `reader` through vpcd (`spawn`)
/// and waits for the card; restarts it up to three times (see
/// [`serve_and_wait`]).
pub fn spawn_until_card(reader: &str, mut spawn: impl FnMut() -> ChildGuard) -> ChildGuard {
    let mut last = String::new();
    for _ in 0..3 {
        let mut emulator = spawn();
        match card_shows_up(reader, PATIENCE / 3) {
            Ok(()) => return emulator,
            Err(e) => {
                last = e;
                emulator.kill();
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
    panic!("the emulated card never showed up in '{reader}': {last}");
}

/// Waits until `reader` has no card (a previous test's emulator is gone).
pub fn wait_for_no_card(reader: &str) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if PcscCard::open(PcscOptions::reader(ReaderSelector::Exact(reader.into()))).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("'{reader}' still has a card: another emulator is using this vpcd slot");
}

/// What a finished child printed.
pub struct Finished {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `command` to completion; fails the test (killing the child) when it
/// is still running after `limit`: a hang, not a slow machine.
pub fn run_with_watchdog(command: &mut Command, limit: Duration) -> Finished {
    Watched::spawn(command).finish(limit)
}

/// A child whose output is collected while it runs, killed (by its own id)
/// when dropped unfinished: a test that fails while it runs leaves no
/// process behind (a `record` left running would hold its vpcd slot).
pub struct Watched {
    child: Option<ChildGuard>,
    program: String,
    out: Option<std::thread::JoinHandle<String>>,
    err: Option<std::thread::JoinHandle<String>>,
}

impl Watched {
    /// Starts `command` with no standard input and its output piped.
    pub fn spawn(command: &mut Command) -> Watched {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let collect = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            })
        };
        let out = collect(Box::new(child.stdout.take().unwrap()));
        let err = collect(Box::new(child.stderr.take().unwrap()));
        Watched {
            child: Some(ChildGuard(child)),
            // Only the program: the arguments may hold a PIN.
            program: command.get_program().to_string_lossy().into_owned(),
            out: Some(out),
            err: Some(err),
        }
    }

    /// Waits for the child to end; fails the test (killing it) when it is
    /// still running after `limit`.
    pub fn finish(mut self, limit: Duration) -> Finished {
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.0.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill();
                panic!("{} hung: still running after {limit:?}", self.program);
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Finished {
            status,
            stdout: self.out.take().unwrap().join().unwrap(),
            stderr: self.err.take().unwrap().join().unwrap(),
        }
    }
}

/// Whether `program` can be started (it is on `PATH`).
pub fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The persona's `${persona.NAME}` value.
pub fn persona_value(persona: &str, name: &str) -> String {
    let root = root().join("vectors/personas");
    let persona = myna_card_emu::persona::Persona::load_named(&root, persona).unwrap();
    persona
        .variables()
        .into_iter()
        .find(|v| v.name == name)
        .map(|v| v.value)
        .unwrap_or_else(|| panic!("persona has no field {name}"))
}

/// A fresh temporary directory for this test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("myna-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `report.json` of a run.
pub fn read_report(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `(id, verdict, message)` of every scenario in a report.
pub fn verdicts(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_owned(),
                s["verdict"].as_str().unwrap_or_default().to_owned(),
                s["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Sends signal `name` (`STOP`, `CONT`) to process `pid`.
pub fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}
