//! `report render|merge|schema|keygen|verify`, and the report side of
//! `run`: the output directory taken before the first step, the signing
//! key, Ctrl-C, and a report written on every exit (docs/reports.md).

use std::path::{Path, PathBuf};

use myna_engine::{exit_code, Interrupt, Progress, RunOptions, RunResult};
use myna_family::Blame;
use myna_report::{Report, ReportDir, ReportError, ReportSigner, SetWriter};

use crate::args::ReportCommand;
use crate::console;

/// Where a run's reports go: the locked output directory and the key,
/// and the set as the run writes it scenario by scenario (so the run holds
/// no finished scenario, `myna_engine::run_suite_streamed`).
pub(crate) struct RunOutput {
    dir: ReportDir,
    signer: Option<ReportSigner>,
    streamed: Option<Result<SetWriter, ReportError>>,
}

impl RunOutput {
    /// Takes `out` (locked, writable, staging directory made) and reads
    /// the signing key; on failure prints why and returns the exit code.
    pub(crate) fn open(out: &Path, sign: Option<&Path>) -> Result<RunOutput, i32> {
        let signer = match sign.map(ReportSigner::from_pem_file).transpose() {
            Ok(signer) => signer,
            Err(e) => return Err(crate::commands::bad_argument(&format!("--sign: {e}"))),
        };
        let dir = ReportDir::open(out).map_err(|e| {
            eprintln!("error: --out: {e}");
            exit_code::INFRASTRUCTURE
        })?;
        Ok(RunOutput {
            dir,
            signer,
            streamed: None,
        })
    }

    /// Writes each finished scenario into the set (pass every progress
    /// event of the run).
    pub(crate) fn observe(&mut self, event: &Progress<'_>) {
        if let Progress::Finished(scenario) = event {
            let dir = &self.dir;
            let writer = self.streamed.get_or_insert_with(|| dir.set_writer());
            if let Ok(writer) = writer {
                writer.push(scenario);
            }
        }
    }

    /// Writes the run's report set (the scenarios [`RunOutput::observe`]
    /// saw, with the result's run-level values); the run's exit code, or 3
    /// when the reports cannot be written.
    pub(crate) fn finish(mut self, result: &RunResult) -> i32 {
        let Some(streamed) = self.streamed.take() else {
            return match self.write(&result.report) {
                Ok(()) => result.exit_code(),
                Err(code) => code,
            };
        };
        let out = self.dir.path().to_path_buf();
        let written = streamed
            .and_then(|writer| writer.write_set(self.dir, &result.report, self.signer.as_ref()));
        match written {
            Ok(_) => {
                console::print_summary(&result.report, &out);
                result.exit_code()
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit_code::INFRASTRUCTURE
            }
        }
    }

    /// Writes the report of a run that stops before it starts: `message`
    /// as its `error` entry, blamed as `code` says; returns `code`.
    pub(crate) fn abort(self, options: &RunOptions, code: i32, message: &str) -> i32 {
        eprintln!("error: {message}");
        let blame = match code {
            exit_code::FAILURES => Blame::Iut,
            exit_code::BAD_INPUT => Blame::Author,
            exit_code::INFRASTRUCTURE => Blame::Environment,
            _ => Blame::Harness,
        };
        let result = RunResult::aborted(options, blame, message);
        match self.write(&result.report) {
            Ok(()) => code,
            Err(write_code) => write_code,
        }
    }

    fn write(self, report: &Report) -> Result<(), i32> {
        let out = self.dir.path().to_path_buf();
        let written = myna_report::render_set(report, self.signer.as_ref())
            .and_then(|files| self.dir.commit(&files));
        match written {
            Ok(_) => {
                console::print_summary(report, &out);
                Ok(())
            }
            Err(e) => {
                eprintln!("error: {e}");
                Err(exit_code::INFRASTRUCTURE)
            }
        }
    }
}

/// An [`Interrupt`] that the first Ctrl-C requests (the run stops after
/// the current step and runs its `finally` steps); a second Ctrl-C ends
/// the process at once with 130 (a later run clears what it left).
pub(crate) fn interrupt_on_ctrl_c() -> Interrupt {
    let interrupt = Interrupt::new();
    let handler = interrupt.clone();
    let installed = ctrlc::set_handler(move || {
        if handler.is_requested() {
            eprintln!("interrupted again: stopping now, without a report");
            std::process::exit(exit_code::INTERRUPTED);
        }
        eprintln!(
            "interrupted: finishing the current step and the finally steps, then writing a partial report (Ctrl-C again stops at once)"
        );
        handler.request();
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will stop the run without a report: {e}");
    }
    interrupt
}

/// Runs a `report` subcommand.
pub fn report(command: ReportCommand) -> i32 {
    match command {
        ReportCommand::Merge {
            inputs,
            out,
            allow_mixed,
            sign,
        } => merge(&inputs, &out, allow_mixed, sign.as_deref()),
        ReportCommand::Render { input, out, sign } => {
            let path = report_json(&input);
            let out = out.unwrap_or_else(|| {
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            });
            match myna_report::read_json(&path) {
                Ok(report) => write(&report, &out, sign.as_deref()).unwrap_or_else(|code| code),
                Err(e) => crate::commands::bad_argument(&e.to_string()),
            }
        }
        ReportCommand::Schema => {
            match serde_json::to_string_pretty(&myna_report::schema::report_schema()) {
                Ok(text) => {
                    println!("{text}");
                    exit_code::OK
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit_code::INTERNAL
                }
            }
        }
        ReportCommand::Keygen { out, name } => keygen(&out, &name),
        ReportCommand::Verify { dir, key } => verify(&dir, &key),
    }
}

/// `DIR/report.json` for a directory, the path itself otherwise.
fn report_json(input: &Path) -> PathBuf {
    if input.is_dir() {
        input.join("report.json")
    } else {
        input.to_path_buf()
    }
}

fn write(report: &Report, out: &Path, sign: Option<&Path>) -> Result<i32, i32> {
    let output = RunOutput::open(out, sign)?;
    output.write(report)?;
    Ok(exit_code::OK)
}

fn merge(inputs: &[PathBuf], out: &Path, allow_mixed: bool, sign: Option<&Path>) -> i32 {
    let mut reports = Vec::new();
    for input in inputs {
        match myna_report::read_json(&report_json(input)) {
            Ok(r) => reports.push(r),
            Err(e) => return crate::commands::bad_argument(&e.to_string()),
        }
    }
    let options = myna_report::MergeOptions { allow_mixed };
    let merged = match myna_report::merge_with(reports, options) {
        Ok(r) => r,
        Err(e) => return crate::commands::bad_argument(&e.to_string()),
    };
    match write(&merged, out, sign) {
        Ok(_) => myna_engine::exit_code_of(&merged),
        Err(code) => code,
    }
}

fn keygen(out: &Path, name: &str) -> i32 {
    let (private, public) = match myna_report::generate_key_pair() {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::INTERNAL;
        }
    };
    let private_path = out.join(format!("{name}.pem"));
    let public_path = out.join(format!("{name}.pub.pem"));
    for path in [&private_path, &public_path] {
        if path.exists() {
            return crate::commands::bad_argument(&format!(
                "{} exists; keygen never overwrites a key",
                path.display()
            ));
        }
    }
    let written = std::fs::create_dir_all(out)
        .and_then(|()| write_private(&private_path, private.as_bytes()))
        .and_then(|()| std::fs::write(&public_path, public));
    match written {
        Ok(()) => {
            eprintln!(
                "wrote {} (private: keep it secret) and {} (public: give it to whoever verifies)",
                private_path.display(),
                public_path.display()
            );
            exit_code::OK
        }
        Err(e) => {
            eprintln!("error: {}: {e}", out.display());
            exit_code::INFRASTRUCTURE
        }
    }
}

/// Creates `path` readable by its owner only, then writes `bytes`.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

fn verify(dir: &Path, key: &Path) -> i32 {
    let key = match myna_report::read_public_key(key) {
        Ok(key) => key,
        Err(e) => return crate::commands::bad_argument(&e.to_string()),
    };
    match myna_report::verify_dir(dir, &key) {
        Ok(checked) => {
            println!(
                "ok: the signature and the SHA-256 of {} match",
                checked.join(", ")
            );
            exit_code::OK
        }
        Err(e) => {
            eprintln!("verification failed: {}: {e}", dir.display());
            exit_code::FAILURES
        }
    }
}
