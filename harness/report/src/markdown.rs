//! `summary.md`: a short summary for a pull-request comment (DESIGN §5).
//!
//! A headline (`✅`, `⚠️` when only should-level expectations failed, `❌`
//! when a must-level one failed or something broke; failures listed in the
//! expectations file do not change it), the run's errors and whether it
//! was interrupted, a table of scenario counts, the failing, warning and
//! erroring scenarios with their first failure (at most [`MAX_LISTED`],
//! then "…and N more"; a failure the expectations file excuses is marked
//! `☑️ excused`, not `❌`), the reasons of the not-applicable and skipped
//! scenarios in a collapsed `<details>` block, and requirement verdict
//! counts. The run line names only the roles the run used.

use std::fmt::Write as _;

use crate::describe::{detail_text, one_line, reason};
use crate::schema::{Report, RunStatus, ScenarioReport, Summary, Verdict};

/// At most this many problem scenarios are listed.
pub const MAX_LISTED: usize = 50;

/// Renders `summary.md`.
pub fn render_markdown(report: &Report) -> String {
    render_markdown_listing(report, MAX_LISTED)
}

/// [`render_markdown`] listing at most `max_listed` problem scenarios.
pub fn render_markdown_listing(report: &Report, max_listed: usize) -> String {
    let mut scenarios = MarkdownScenarios::new(max_listed);
    for scenario in &report.scenarios {
        scenarios.push(scenario);
    }
    scenarios.render(report)
}

/// What the summary says of the scenarios, gathered as they come: their
/// counts and at most `max_listed` lines of each list.
#[derive(Debug, Default)]
pub(crate) struct MarkdownScenarios {
    max_listed: usize,
    summary: Summary,
    /// Verdicts some scenario not listed as expected has.
    unexpected: Vec<Verdict>,
    /// Problems the expectations file does not list, then those it does.
    new_problems: Listing,
    expected_problems: Listing,
    not_run: Listing,
}

/// The first lines of a list, and how long it is.
#[derive(Debug, Default)]
struct Listing {
    lines: Vec<String>,
    len: usize,
}

impl Listing {
    fn add(&mut self, max_listed: usize, line: impl FnOnce() -> String) {
        if self.lines.len() < max_listed {
            self.lines.push(line());
        }
        self.len += 1;
    }
}

impl MarkdownScenarios {
    pub(crate) fn new(max_listed: usize) -> MarkdownScenarios {
        MarkdownScenarios {
            max_listed,
            ..MarkdownScenarios::default()
        }
    }

    /// The next scenario in run order.
    pub(crate) fn push(&mut self, scenario: &ScenarioReport) {
        let max = self.max_listed;
        self.summary.add_scenario(scenario);
        if scenario.expected_failure.is_none() && !self.unexpected.contains(&scenario.verdict) {
            self.unexpected.push(scenario.verdict);
        }
        if scenario.verdict.is_problem() {
            match &scenario.expected_failure {
                None => self.new_problems.add(max, || {
                    format!(
                        "- {} **{}** {}: {}",
                        icon(scenario.verdict),
                        scenario.verdict.as_str(),
                        code(&scenario.id),
                        code(&reason(scenario))
                    )
                }),
                Some(expected) => self.expected_problems.add(max, || {
                    format!(
                        "- ☑️ excused **{}** {}: {} (expected failure: {})",
                        scenario.verdict.as_str(),
                        code(&scenario.id),
                        code(&reason(scenario)),
                        escape_text(expected)
                    )
                }),
            }
        }
        if matches!(scenario.verdict, Verdict::NotApplicable | Verdict::Skipped) {
            self.not_run.add(max, || {
                format!(
                    "- {} {} {}: {}",
                    icon(scenario.verdict),
                    verdict_words(scenario.verdict),
                    code(&scenario.id),
                    code(&reason(scenario))
                )
            });
        }
    }

    /// `summary.md`: `report`'s run-level values (its `scenarios` are
    /// those pushed, not read here) and what was gathered.
    pub(crate) fn render(&self, report: &Report) -> String {
        let mut out = String::new();
        self.headline(&mut out, report);
        run_line(&mut out, report);
        run_errors(&mut out, report);
        counts_table(&mut out, &self.summary);
        self.problems(&mut out);
        self.not_run(&mut out);
        requirements(&mut out, report);
        out
    }

    fn headline(&self, out: &mut String, report: &Report) {
        let summary = &self.summary;
        let unexpected = |verdict: Verdict| self.unexpected.contains(&verdict);
        let mark =
            if unexpected(Verdict::Fail) || unexpected(Verdict::Error) || !report.errors.is_empty()
            {
                "❌"
            } else if unexpected(Verdict::Warn) {
                "⚠️"
            } else {
                "✅"
            };
        let counts: Vec<String> = Verdict::DISPLAY_ORDER
            .iter()
            .map(|verdict| format!("{} {}", summary.count(*verdict), verdict_words(*verdict)))
            .collect();
        let _ = write!(out, "{mark} {}", counts.join(" · "));
        match summary.expected_failures {
            0 => {}
            1 => out.push_str(" (1 expected failure)"),
            n => {
                let _ = write!(out, " ({n} expected failures)");
            }
        }
        out.push_str("\n\n");
    }

    /// New problems first, then those the expectations file lists; run
    /// order within each.
    fn problems(&self, out: &mut String) {
        let total = self.new_problems.len + self.expected_problems.len;
        if total == 0 {
            return;
        }
        out.push_str("### Failures, warnings and errors\n\n");
        let lines = self
            .new_problems
            .lines
            .iter()
            .chain(&self.expected_problems.lines);
        for line in lines.take(self.max_listed) {
            out.push_str(line);
            out.push('\n');
        }
        if let Some(more) = total.checked_sub(self.max_listed).filter(|n| *n > 0) {
            let _ = writeln!(out, "- …and {more} more");
        }
        out.push('\n');
    }

    /// The not-applicable and skipped scenarios with their reasons, folded.
    fn not_run(&self, out: &mut String) {
        let listing = &self.not_run;
        if listing.len == 0 {
            return;
        }
        let _ = writeln!(
            out,
            "<details><summary>Not applicable and skipped: {}</summary>\n",
            listing.len
        );
        for line in &listing.lines {
            out.push_str(line);
            out.push('\n');
        }
        if let Some(more) = listing.len.checked_sub(self.max_listed).filter(|n| *n > 0) {
            let _ = writeln!(out, "- …and {more} more");
        }
        out.push_str("\n</details>\n\n");
    }
}

fn run_line(out: &mut String, report: &Report) {
    let info = &report.run_info;
    let mut parts = vec![
        format!("myna-conform {}", escape_text(&info.harness_version)),
        format!("rules {}", escape_text(&info.rules_date)),
    ];
    for (role, target) in &info.targets {
        parts.push(format!("{} {}", escape_text(role), code(&target.target)));
        for (key, value) in &target.details {
            parts.push(format!(
                "{} {}",
                escape_text(&key.replace('_', " ")),
                code(&detail_text(value))
            ));
        }
    }
    if let Some(shard) = &info.selection.shard {
        parts.push(format!("shard {}", escape_text(shard)));
    }
    let _ = writeln!(out, "{}\n", parts.join(" · "));
}

fn run_errors(out: &mut String, report: &Report) {
    let status = report.run_info.status;
    if status != RunStatus::Complete {
        let _ = writeln!(
            out,
            "**The run is {}**: this report covers only the scenarios that ran.\n",
            status.as_str()
        );
    }
    for error in &report.errors {
        let _ = writeln!(
            out,
            "- 💥 **error** ({}): {}",
            escape_text(&error.blame),
            code(&error.message)
        );
    }
    if !report.errors.is_empty() {
        out.push('\n');
    }
}

fn counts_table(out: &mut String, summary: &Summary) {
    out.push_str("| verdict | scenarios |\n|---|---:|\n");
    for verdict in Verdict::DISPLAY_ORDER {
        let _ = writeln!(
            out,
            "| {} {} | {} |",
            icon(verdict),
            verdict_words(verdict),
            summary.count(verdict)
        );
    }
    if summary.expected_failures > 0 {
        let _ = writeln!(
            out,
            "| ☑️ of which excused by the expectations file | {} |",
            summary.expected_failures
        );
    }
    let _ = writeln!(out, "| **total** | **{}** |\n", summary.total);
}

fn requirements(out: &mut String, report: &Report) {
    out.push_str("### Requirements\n\n");
    if report.requirements.is_empty() {
        out.push_str("No requirement is cited by the scenarios in this report.\n");
        return;
    }
    out.push_str("| verdict | requirements |\n|---|---:|\n");
    let covered = || report.requirements.iter().filter(|r| r.covered);
    for verdict in Verdict::DISPLAY_ORDER {
        let count = covered()
            .filter(|r| r.verdict.scenario_verdict() == Some(verdict))
            .count();
        if count > 0 {
            let _ = writeln!(
                out,
                "| {} {} | {count} |",
                icon(verdict),
                verdict_words(verdict)
            );
        }
    }
    let uncovered = report.requirements.len().saturating_sub(covered().count());
    if uncovered > 0 {
        let _ = writeln!(out, "| ⬜ not covered by any scenario | {uncovered} |");
    }
    let _ = writeln!(out, "| **total** | **{}** |", report.requirements.len());
}

fn icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Warn => "⚠️",
        Verdict::Error => "💥",
        Verdict::NotApplicable => "➖",
        Verdict::Skipped => "⏭️",
    }
}

fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::NotApplicable => "not applicable",
        other => other.as_str(),
    }
}

/// `text` as one inline code span, whatever backticks it holds.
fn code(text: &str) -> String {
    let text = one_line(text);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || text.is_empty() {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Free text with Markdown and HTML punctuation escaped, on one line.
fn escape_text(text: &str) -> String {
    let mut escaped = String::new();
    for c in one_line(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code("two\nlines"), "`two lines`");
    }

    #[test]
    fn free_text_is_escaped() {
        assert_eq!(
            escape_text("<b>*x*</b> | y"),
            "\\<b\\>\\*x\\*\\</b\\> \\| y"
        );
    }

    fn failing(id: &str) -> ScenarioReport {
        ScenarioReport {
            id: id.to_owned(),
            verdict: Verdict::Fail,
            message: Some("boom".to_owned()),
            ..ScenarioReport::default()
        }
    }

    #[test]
    fn listing_is_capped_with_a_count_of_the_rest() {
        let report = Report {
            scenarios: (0..5).map(|i| failing(&format!("s{i}"))).collect(),
            ..Report::default()
        };
        let text = render_markdown_listing(&report, 3);
        let listed = text.lines().filter(|l| l.starts_with("- ❌")).count();
        assert_eq!(listed, 3);
        assert!(text.contains("- …and 2 more\n"), "{text}");
        assert!(text.starts_with("❌ 0 pass · 5 fail"), "{text}");

        let text = render_markdown_listing(&report, 5);
        assert!(!text.contains("more"), "{text}");
    }

    #[test]
    fn expected_failures_alone_keep_the_headline_green() {
        let mut scenario = failing("s0");
        scenario.expected_failure = Some("vendor bug 12".to_owned());
        let report = Report {
            scenarios: vec![scenario],
            ..Report::default()
        };
        let text = render_markdown(&report);
        assert!(text.starts_with("✅ 0 pass · 1 fail"), "{text}");
        assert!(text.contains("(1 expected failure)"), "{text}");
        assert!(text.contains("(expected failure: vendor bug 12)"), "{text}");
        assert!(text.contains("- ☑️ excused **fail** `s0`"), "{text}");
        assert!(!text.contains("- ❌"), "{text}");
    }
}
