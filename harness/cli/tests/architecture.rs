//! Architecture invariants that are checks over the source tree
//! (ARCHITECTURE.md): what only one crate may do.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

mod common;
use common::root;

/// Every `.rs` file under a `src/` directory of the workspace's crates.
fn library_sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, inside_src: bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name == "target" || name == ".git" || name == "tests" || name == "benches" {
                    continue;
                }
                walk(&path, inside_src || name == "src", out);
            } else if inside_src && path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("harness"), false, &mut out);
    walk(&root().join("card-emu"), false, &mut out);
    out
}

#[test]
fn only_myna_http_builds_http_clients() {
    let sources = library_sources();
    assert!(sources.len() > 50, "the walk found the sources");
    let offenders: Vec<String> = sources
        .iter()
        .filter(|p| !p.starts_with(root().join("harness/http")))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            text.contains("Agent::config_builder") || text.contains("ureq::agent(")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "HTTP clients built outside myna-http: {offenders:?}"
    );
}

#[test]
fn only_myna_serve_runs_an_http_server() {
    let offenders: Vec<String> = library_sources()
        .iter()
        .filter(|p| !p.starts_with(root().join("harness/serve")))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            text.contains("axum::serve(") || text.contains("serve_connection(")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "HTTP served outside myna-serve: {offenders:?}"
    );
}

/// The CI scripts run under `set -o pipefail`: a pipe into a reader that
/// stops early (`head`, `grep -q`, `grep -m`) kills the writer with SIGPIPE
/// and fails the whole step with exit 141 (it did, on CI). Read a command's
/// output into a variable and match that instead.
#[test]
fn ci_scripts_pipe_nothing_into_an_early_exiting_reader() {
    let dir = root().join(".ci");
    let mut offenders = Vec::new();
    let mut scripts = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name == "run" || name.ends_with(".sh")) {
            continue;
        }
        scripts += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split(" #").next().unwrap_or("").trim_start();
            if code.starts_with('#') {
                continue;
            }
            let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
            if ["| head", "| grep -q", "| grep -m", "| grep -l"]
                .iter()
                .any(|bad| squeezed.contains(bad))
            {
                offenders.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(scripts >= 4, "found the CI scripts in {}", dir.display());
    assert!(
        offenders.is_empty(),
        "early-exiting pipe readers: {offenders:#?}"
    );
}
