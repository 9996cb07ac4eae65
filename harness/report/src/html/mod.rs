//! `report.html`: one self-contained page for people (DESIGN §5): no
//! network fetch, works from `file://`. The run info, the summary and the
//! run's errors, a requirement matrix filterable by family, verdict and
//! text (sources linked, scenarios linked), a latency chart when exchanges
//! were timed, and every scenario with its steps and decoded evidence,
//! folded.
//!
//! The data is embedded as JSON: what the page shows when it opens
//! (`view.rs`) in one element, parsed at load, and each scenario's steps
//! with their evidence (`steps.rs`) in an element of its own, parsed only
//! when that scenario is opened. A small script (`page.js`) builds the page
//! lazily: requirement rows and scenarios in pages as the reader scrolls or
//! asks for more, a scenario's steps when it is opened, a step's evidence
//! when that is opened, with one listener per list rather than per row.
//! All embedded JSON is ASCII (`script_json.rs`). So 1,000 scenarios × 100
//! steps open in under two seconds (1.5 s measured; docs/reports.md "How fast the page
//! opens").
//!
//! Everything on the page comes from the [`Report`]'s values, which the
//! engine has passed through the redactor; the page adds no other data.

mod decode;
pub(crate) mod script_json;
mod steps;
mod view;

use std::io::Write;

use crate::schema::{Report, ScenarioReport};
use crate::set::part::Part;

const CSS: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// Where the project root is relative to the page, when the caller does
/// not say (`reports/<name>/report.html`).
pub const DEFAULT_SOURCE_ROOT: &str = "../../";

/// Renders `report.html` with links relative to [`DEFAULT_SOURCE_ROOT`].
pub fn render_html(report: &Report) -> String {
    render_html_with_root(report, DEFAULT_SOURCE_ROOT)
}

/// Renders `report.html`; `source_root` is the project root relative to
/// the page (ending in `/`), for the links to the sources requirements cite.
pub fn render_html_with_root(report: &Report, source_root: &str) -> String {
    let page = Vec::with_capacity(estimated_size(report));
    // Writing into memory cannot fail.
    let page = HtmlScenarios::start(page, Part::memory())
        .and_then(|mut scenarios| {
            report
                .scenarios
                .iter()
                .try_for_each(|s| scenarios.push(s))
                .and_then(|()| scenarios.finish(report, source_root))
        })
        .unwrap_or_default();
    // Every piece is UTF-8: the constant markup and JSON (ASCII).
    String::from_utf8(page).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The page as scenarios come: its constant beginning, each scenario's
/// steps element (`st-N`) as it comes, and at the end the data the page
/// parses when it opens (run info, summary, requirements, latency, the
/// scenario list, whose lines wait in a part meanwhile) and the script.
/// Everything that needs the end of the run is at the end of the page, so
/// a run writes the page front to back, in place, hashing it as it goes.
#[derive(Debug)]
pub(crate) struct HtmlScenarios<W> {
    page: W,
    lines: Part,
    latency: view::Latency,
    count: usize,
    scratch: Vec<u8>,
    steps: steps::Scratch,
}

impl<W: Write> HtmlScenarios<W> {
    /// Starts the page in `page`; the scenario list's lines gather in
    /// `lines`.
    pub(crate) fn start(mut page: W, lines: Part) -> std::io::Result<HtmlScenarios<W>> {
        page.write_all(b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")?;
        page.write_all(
            b"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        )?;
        page.write_all(
            b"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
        )?;
        // The script adds the run's start and status (known at its end).
        page.write_all(b"<title>myna-conform report</title>\n<style>\n")?;
        page.write_all(CSS.as_bytes())?;
        page.write_all(b"</style>\n</head>\n<body>\n<noscript>This report needs JavaScript; report.json holds the same data.</noscript>\n<main id=\"app\"></main>\n")?;
        Ok(HtmlScenarios {
            page,
            lines,
            latency: view::Latency::default(),
            count: 0,
            scratch: Vec::new(),
            steps: steps::Scratch::default(),
        })
    }

    /// The next scenario in run order.
    pub(crate) fn push(&mut self, scenario: &ScenarioReport) -> std::io::Result<()> {
        let index = self.count;
        self.count += 1;
        self.latency.add(scenario);
        self.scratch.clear();
        if index > 0 {
            self.scratch.push(b',');
        }
        script_json::write(&mut self.scratch, &view::scenario(scenario));
        self.lines.write_all(&self.scratch)?;
        if scenario.steps.is_empty() {
            return Ok(());
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(
            format!("<script type=\"application/json\" id=\"st-{index}\">").as_bytes(),
        );
        steps::write_steps(&mut self.scratch, &scenario.steps, &mut self.steps);
        self.scratch.extend_from_slice(b"</script>\n");
        self.page.write_all(&self.scratch)
    }

    /// Ends the page: `report`'s run-level values (its `scenarios` are
    /// those pushed, not read here), the scenario list and the script.
    /// Returns the page's writer.
    pub(crate) fn finish(mut self, report: &Report, source_root: &str) -> std::io::Result<W> {
        let out = &mut self.page;
        out.write_all(b"<script type=\"application/json\" id=\"report-data\">")?;
        let mut head = Vec::new();
        view::write_head(&mut head, report, source_root, &self.latency);
        out.write_all(&head)?;
        self.lines.copy_to(out)?;
        out.write_all(b"]}</script>\n<script>\n")?;
        out.write_all(SCRIPT.as_bytes())?;
        out.write_all(b"</script>\n</body>\n</html>\n")?;
        Ok(self.page)
    }
}

/// A guess at the page's size, so its buffer grows once or twice at most:
/// about 700 bytes per evidence record, plus the page's own text.
fn estimated_size(report: &Report) -> usize {
    let records: usize = report
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .map(|s| s.evidence.len() + 1)
        .sum();
    records * 700 + CSS.len() + SCRIPT.len() + 64 * 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ScenarioReport;

    #[test]
    fn markup_in_the_data_cannot_close_the_script() {
        let report = Report {
            scenarios: vec![ScenarioReport {
                id: "x</script><script>alert(1)</script>".to_owned(),
                ..ScenarioReport::default()
            }],
            ..Report::default()
        };
        let page = render_html(&report);
        assert_eq!(page.matches("</script>").count(), 2, "{page}");
        assert!(
            !page.contains("st-0"),
            "a scenario without steps has no step data"
        );
        assert!(!page.contains("<script>alert"));
    }

    #[test]
    fn the_page_fetches_nothing() {
        let page = render_html(&Report::default());
        for needle in ["http://", "https://", "src=\"", "@import", "url("] {
            assert!(!page.contains(needle), "{needle}");
        }
    }
}
