//! What the user sees on the terminal: diagnostics, progress, summaries.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use myna_engine::{LoadProblems, Progress};
use myna_report::{Report, ScenarioReport, Verdict};

/// Prints every load problem with a source snippet.
pub fn print_problems(problems: &LoadProblems) {
    for message in &problems.internal {
        eprintln!("internal error (a bug in myna-conform, please report it): {message}");
    }
    for message in &problems.io {
        eprintln!("error: {message}");
    }
    for d in &problems.diagnostics {
        match problems.sources.get(d.at.file.as_ref()) {
            Some(source) => eprintln!("{}", d.render(source)),
            None => eprintln!("{d}"),
        }
    }
    let n = problems.diagnostics.len() + problems.io.len() + problems.internal.len();
    eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
}

/// Progress display: a bar on a terminal, one line per non-passing
/// scenario otherwise.
pub struct Reporter {
    bar: Option<ProgressBar>,
}

impl Reporter {
    /// A bar when stderr is a terminal and `lines` is false.
    pub fn new(lines: bool) -> Self {
        let bar = (!lines && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Reporter { bar }
    }

    /// Handles one engine event.
    pub fn event(&mut self, event: Progress<'_>) {
        match event {
            Progress::Start(n) => match &self.bar {
                Some(bar) => bar.set_length(n as u64),
                None => eprintln!("running {n} scenario{}", if n == 1 { "" } else { "s" }),
            },
            Progress::Finished(s) => {
                let line = scenario_line(s);
                match &self.bar {
                    Some(bar) => {
                        bar.inc(1);
                        bar.set_message(s.id.clone());
                        if s.verdict > Verdict::Pass {
                            bar.println(line);
                        }
                    }
                    None => eprintln!("{line}"),
                }
            }
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn scenario_line(s: &ScenarioReport) -> String {
    let mut line = format!("{:<14} {}", s.verdict.as_str(), s.id);
    if let Some(reason) = &s.expected_failure {
        line.push_str(&format!(" (expected: {reason})"));
    }
    if s.verdict > Verdict::Pass {
        if let Some(m) = &s.message {
            line.push_str(&format!("\n    {m}"));
        }
    }
    line
}

/// The closing summary.
pub fn print_summary(report: &Report, out: &std::path::Path) {
    let s = &report.summary;
    eprintln!(
        "{} scenarios: {} pass, {} fail, {} warn, {} not_applicable, {} error, {} skipped ({} expected failures) in {:.1} s",
        s.total,
        s.pass,
        s.fail,
        s.warn,
        s.not_applicable,
        s.error,
        s.skipped,
        s.expected_failures,
        report.run_info.duration_us as f64 / 1_000_000.0
    );
    eprintln!("reports written to {}", out.display());
}
