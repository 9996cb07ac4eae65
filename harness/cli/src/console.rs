//! What the user sees on the terminal: diagnostics, progress, summaries.

use std::io::IsTerminal;
use std::sync::OnceLock;

use anstyle::{AnsiColor, Style};

use indicatif::{ProgressBar, ProgressStyle};
use myna_engine::{LiveStep, LoadProblems, Progress};
use myna_report::{Report, ScenarioReport, StepReport, Verdict};

/// How much the tool says, and whether in colour (`-v`, `-q`, `--color`).
#[derive(Clone, Copy, Debug)]
struct Output {
    color: bool,
    verbose: u8,
    quiet: bool,
}

static OUTPUT: OnceLock<Output> = OnceLock::new();

fn output() -> Output {
    *OUTPUT.get_or_init(|| Output {
        color: false,
        verbose: 0,
        quiet: false,
    })
}

/// Whether `--color` (and `NO_COLOR`, and whether stderr is a terminal)
/// allows colour.
fn colour_wanted(choice: crate::args::ColorChoice) -> bool {
    use crate::args::ColorChoice;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// Sets verbosity and colour once, and the harness's own diagnostics log:
/// `RUST_LOG` when set (e.g. `RUST_LOG=myna_engine=debug`), else `warn`, or
/// `debug` with `-vv`; written to stderr.
pub fn configure(choice: crate::args::ColorChoice, verbose: u8, quiet: bool) {
    let color = colour_wanted(choice);
    let _ = OUTPUT.set(Output {
        color,
        verbose,
        quiet,
    });
    let default = if verbose >= 2 { "debug" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(true)
        .try_init();
}

/// Whether the engine should send each step as it ends (`-v`, `-vv`).
pub fn live_steps() -> bool {
    output().verbose >= 1
}

fn verdict_style(verdict: Verdict) -> Style {
    let colour = match verdict {
        Verdict::Pass => AnsiColor::Green,
        Verdict::Warn => AnsiColor::Yellow,
        Verdict::Fail | Verdict::Error => AnsiColor::Red,
        _ => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(colour.into())).bold()
}

/// `verdict` padded to a column, coloured when colour is on.
fn verdict_text(verdict: Verdict, expected: bool) -> String {
    let text = format!("{:<14}", verdict.as_str());
    if !output().color {
        return text;
    }
    // An excused failure is not shown as red: it is expected.
    let style = if expected {
        Style::new().fg_color(Some(AnsiColor::Cyan.into()))
    } else {
        verdict_style(verdict)
    };
    format!("{style}{text}{style:#}")
}

/// Load problems shown with a source snippet; later ones as one line each.
const SNIPPETS: usize = 100;
/// Load problems shown at all: a hostile file with tens of thousands of
/// problems is summarised (the count is always printed), so printing stays
/// bounded in time and output.
const SHOWN: usize = 1000;

/// Prints the load problems: the first [`SNIPPETS`] with a source snippet,
/// up to [`SHOWN`] in all, then how many more there are.
pub fn print_problems(problems: &LoadProblems) {
    for message in &problems.internal {
        eprintln!("internal error (a bug in myna-conform, please report it): {message}");
    }
    for message in &problems.io {
        eprintln!("error: {message}");
    }
    for (i, d) in problems.diagnostics.iter().take(SHOWN).enumerate() {
        match problems.sources.get(d.at.file.as_ref()) {
            Some(source) if i < SNIPPETS => eprintln!("{}", d.render(source)),
            _ => eprintln!("{d}"),
        }
    }
    if let Some(more) = problems
        .diagnostics
        .len()
        .checked_sub(SHOWN)
        .filter(|n| *n > 0)
    {
        eprintln!("… and {more} more not shown (the first {SHOWN} are)");
    }
    let n = problems.diagnostics.len() + problems.io.len() + problems.internal.len();
    eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
}

/// Progress display: a bar on a terminal, one line per non-passing
/// scenario otherwise.
pub struct Reporter {
    bar: Option<ProgressBar>,
    /// `-vv`: the steps of the running scenario whose wire log waits for
    /// its end (they captured values).
    withheld: Vec<usize>,
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
        Reporter {
            bar,
            withheld: Vec::new(),
        }
    }

    /// Handles one engine event. `-q`: nothing (the closing summary line
    /// is printed by [`print_summary`]).
    pub fn event(&mut self, event: Progress<'_>) {
        let out = output();
        match event {
            Progress::Start(n) => match &self.bar {
                Some(bar) => bar.set_length(n as u64),
                None if out.quiet => {}
                None => eprintln!("running {n} scenario{}", if n == 1 { "" } else { "s" }),
            },
            Progress::Step(live) if !out.quiet => {
                if live.withheld && out.verbose >= 2 {
                    self.withheld.push(live.step.index);
                }
                self.print(&step_lines(&live, out.verbose));
            }
            Progress::Finished(s) => {
                let notable = s.verdict > Verdict::Pass && s.expected_failure.is_none();
                let shown = !out.quiet && (notable || self.bar.is_none() || out.verbose >= 1);
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                    bar.set_message(s.id.clone());
                }
                for index in std::mem::take(&mut self.withheld) {
                    if let Some(step) = s.steps.iter().find(|step| step.index == index) {
                        let mut text = format!("  {} #{index} {}: its wire log", s.id, step.kind);
                        text.push_str(&evidence_lines(step));
                        self.print(&text);
                    }
                }
                if shown {
                    self.print(&scenario_line(s));
                }
            }
            _ => {}
        }
    }

    /// A line (or lines) above the bar, or on stderr.
    fn print(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `-v`: the step's line (scenario, step index, keyword, outcome); `-vv`
/// also its label, location, each exchange of its wire log and its
/// failures. Everything comes from the engine's live step, rendered through
/// the redactor, so the secrets known by then are masked.
fn step_lines(live: &LiveStep<'_>, verbose: u8) -> String {
    let step = live.step;
    let mut text = format!(
        "  {} #{} {}{} {}",
        live.scenario,
        step.index,
        step.kind,
        step_marks(step),
        verdict_text(step.verdict, false).trim_end()
    );
    if verbose < 2 {
        return text;
    }
    text.push_str(&format!("\n    {} {}", step.location, step.label));
    if live.withheld {
        text.push_str(
            "\n      (it captured values: its wire log follows at the scenario's end, masked with every secret the scenario learnt)",
        );
    }
    text.push_str(&evidence_lines(step));
    for failure in &step.failures {
        text.push_str(&format!("\n      {}", myna_report::failure_line(failure)));
    }
    if let Some(message) = &live.message {
        text.push_str(&format!("\n      {message}"));
    }
    text
}

/// A step's wire log: a line per exchange, from values the redactor rendered.
fn evidence_lines(step: &StepReport) -> String {
    let mut text = String::new();
    for record in &step.evidence {
        let summary = record.summary.as_deref().unwrap_or(&record.kind);
        text.push_str(&format!("\n      [{}] {summary}", record.target));
    }
    text
}

/// ` (finally)`, ` (repetition N)`.
fn step_marks(step: &StepReport) -> String {
    let mut marks = String::new();
    if let Some(n) = step.repetition {
        marks.push_str(&format!(" (repetition {n})"));
    }
    if step.is_finally {
        marks.push_str(" (finally)");
    }
    marks
}

fn scenario_line(s: &ScenarioReport) -> String {
    let mut line = format!(
        "{} {}",
        verdict_text(s.verdict, s.expected_failure.is_some()),
        s.id
    );
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

/// The closing summary (`-q`: its first line only).
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
    if !output().quiet {
        eprintln!("reports written to {}", out.display());
    }
}

/// Writes one line to standard output. When the reader has gone away (`myna-conform list | head
/// -1`), the process ends quietly with exit 0, as `cat` or `ls` would, instead of panicking.
pub fn out_line(line: std::fmt::Arguments<'_>) {
    let mut text = line.to_string();
    text.push('\n');
    out_bytes(text.as_bytes());
}

/// Writes `bytes` to standard output; a closed pipe is a quiet exit 0 (see [`out_line`]).
pub fn out_bytes(bytes: &[u8]) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(bytes).and_then(|()| stdout.flush());
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(myna_engine::exit_code::OK);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(myna_engine::exit_code::INFRASTRUCTURE);
    }
}

/// `println!` through [`out_line`]: a closed pipe is a quiet exit.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::console::out_line(format_args!($($arg)*))
    };
}
pub(crate) use outln;
