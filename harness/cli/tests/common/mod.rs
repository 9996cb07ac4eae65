//! What the CLI's test targets share: the workspace root, where scenarios,
//! the catalogue and personas are found by relative path, and the ways of
//! running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository root (two levels above this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Makes the repository root the working directory, so relative paths
/// such as `scenarios/requirements.yaml` resolve as they do for the CLI.
#[allow(dead_code)] // not every test target that shares this module calls it
pub fn enter_root() -> Result<(), String> {
    let root = root();
    std::env::set_current_dir(&root).map_err(|e| format!("cannot enter {}: {e}", root.display()))
}

/// Runs the binary in `dir` with the environment that changes its output
/// (`RUST_LOG`, `MYNA_CONFORM_PROFILE`, `NO_COLOR`) removed.
#[allow(dead_code)] // not every test target that shares this module calls it
pub fn myna_in(dir: &Path, args: &[&str]) -> Output {
    command(dir, args)
        .output()
        .expect("the myna-conform binary runs")
}

/// Runs the binary at the repository root (see [`myna_in`]).
#[allow(dead_code)] // not every test target that shares this module calls it
pub fn myna(args: &[&str]) -> Output {
    myna_in(&root(), args)
}

/// Runs the binary at the repository root with no standard input, killing
/// it (and failing the test) if it outlives `bound`: a hang fails, it does
/// not block the suite.
#[allow(dead_code)] // not every test target that shares this module calls it
pub fn myna_bounded(args: &[&str], bound: Duration) -> Output {
    let mut child = command(&root(), args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the myna-conform binary starts");
    let started = Instant::now();
    loop {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return child.wait_with_output().expect("its output");
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let out = child.wait_with_output().expect("its output");
            panic!(
                "myna-conform {args:?} hung (killed after {bound:?}); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Output bytes as text (lossy).
#[allow(dead_code)] // not every test target that shares this module calls it
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_myna-conform"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("MYNA_CONFORM_PROFILE")
        .env_remove("NO_COLOR");
    command
}
