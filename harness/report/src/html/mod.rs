//! `report.html`: one self-contained page for people (DESIGN §5): no
//! network fetch, works from `file://`. The run info, the summary and the
//! run's errors, a requirement matrix filterable by family, verdict and
//! text (sources linked, scenarios linked), a latency chart when exchanges
//! were timed, and every scenario with its steps and decoded evidence,
//! folded. The data is embedded as JSON (`view.rs`) and the page is built
//! by a small script (`page.js`) lazily: scenarios are added as the reader
//! scrolls, a scenario's steps when it is opened, a step's evidence when
//! that is opened, so 1,000 scenarios × 100 steps stay usable.
//!
//! Everything on the page comes from the [`Report`]'s values, which the
//! engine has passed through the redactor; the page adds no other data.

mod decode;
mod view;

use crate::schema::Report;

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
    let data = view::view(report, source_root).to_string();
    let title = format!(
        "myna-conform report · {} · {}",
        report.run_info.started_at,
        report.run_info.status.as_str()
    );
    let mut page = String::with_capacity(data.len() + CSS.len() + SCRIPT.len() + 1024);
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    page.push_str(&format!("<title>{}</title>\n", escape(&title)));
    page.push_str("<style>\n");
    page.push_str(CSS);
    page.push_str("</style>\n</head>\n<body>\n<noscript>This report needs JavaScript; report.json holds the same data.</noscript>\n<main id=\"app\"></main>\n");
    page.push_str("<script type=\"application/json\" id=\"report-data\">");
    page.push_str(&script_safe(&data));
    page.push_str("</script>\n<script>\n");
    page.push_str(SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    page
}

/// JSON that cannot end its `<script>` element early: every `<` (only
/// inside strings in JSON) as `\u003c`, and the line separators JavaScript
/// once refused.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
