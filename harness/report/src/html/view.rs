//! The data `report.html` parses when it opens: the report's values
//! (already redacted by the engine: nothing else goes in) but the steps
//! (`steps.rs`, parsed when a scenario is opened), requirement sources as
//! links, latency figures. Short keys keep a large run's page small.

use serde_json::{json, Value};

use crate::describe::reason;
use crate::schema::{Report, ScenarioReport};

/// Where the links of requirement sources point: `spec:FILE` to
/// `{root}docs/reference/FILE`, `seed:FILE "words"` to
/// `{root}../shared/seeds/FILE` with the words as a text fragment, and
/// URLs as they are. `root` is the project root relative to the page.
pub(crate) fn source_links(source: &str, root: &str) -> Vec<Value> {
    let mut links = Vec::new();
    for word in source.split_whitespace() {
        let word = word.trim_end_matches([',', ';', ')']);
        if word.starts_with("https://") || word.starts_with("http://") {
            links.push(json!({"label": word, "href": word}));
        } else if let Some(file) = word.strip_prefix("spec:") {
            if is_plain_name(file) {
                links.push(json!({"label": word, "href": format!("{root}docs/reference/{file}")}));
            }
        }
    }
    let mut rest = source;
    while let Some(start) = rest.find("seed:") {
        let after = &rest[start + "seed:".len()..];
        let (file, tail) = after.split_once(' ').unwrap_or((after, ""));
        let quote = tail
            .strip_prefix('"')
            .and_then(|t| t.split_once('"'))
            .map(|(q, _)| q);
        if is_plain_name(file) {
            let fragment = quote
                .map(|q| format!("#:~:text={}", percent_encode(q)))
                .unwrap_or_default();
            links.push(json!({
                "label": format!("seed:{file}"),
                "href": format!("{root}../shared/seeds/{file}{fragment}"),
            }));
        }
        rest = after;
    }
    links
}

/// A file name without directories or odd characters.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !name.starts_with('.')
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn scenario(s: &ScenarioReport) -> Value {
    json!({
        "id": s.id,
        "ti": s.title,
        "fam": s.family,
        "file": s.file,
        "lv": s.level.as_str(),
        "v": s.verdict.as_str(),
        "why": reason(s),
        "bl": s.blame,
        "x": s.expected_failure,
        "req": s.requirements,
        "tags": s.tags,
        "p": s.persona,
        "tg": s.targets,
        "d": s.duration_us,
        "n": s.steps.len(),
    })
}

/// Round-trip times per target: count, percentiles and a histogram over
/// power-of-two microsecond buckets (for PC/SC and benchmark-like runs).
fn latency(report: &Report) -> Value {
    let mut per_target: std::collections::BTreeMap<&str, Vec<u64>> = Default::default();
    for e in report
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.evidence)
    {
        if let Some(d) = e.duration_us {
            per_target.entry(e.target.as_str()).or_default().push(d);
        }
    }
    let mut out = serde_json::Map::new();
    for (target, mut times) in per_target {
        times.sort_unstable();
        let pick = |q: f64| {
            let i = ((times.len() as f64 - 1.0) * q).round() as usize;
            times.get(i).copied().unwrap_or(0)
        };
        let mut buckets = vec![0u64; 40];
        for t in &times {
            let bucket = (64 - t.leading_zeros()) as usize;
            if let Some(slot) = buckets.get_mut(bucket) {
                *slot += 1;
            }
        }
        let last = buckets.iter().rposition(|c| *c > 0).unwrap_or(0);
        let first = buckets.iter().position(|c| *c > 0).unwrap_or(0);
        out.insert(
            target.to_owned(),
            json!({
                "n": times.len(),
                "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99),
                "max": times.last().copied().unwrap_or(0),
                "from": first,
                "h": buckets.get(first..=last).unwrap_or(&[]),
            }),
        );
    }
    Value::Object(out)
}

/// The page's data but the steps; each scenario's `n` counts its steps.
pub(crate) fn view(report: &Report, root: &str) -> Value {
    let info = &report.run_info;
    json!({
        "schema": report.schema_version,
        "run": info,
        "sum": report.summary,
        "err": report.errors,
        "req": report.requirements.iter().map(|r| json!({
            "id": r.id, "tx": r.text, "lv": r.level.map(|l| l.as_str()),
            "fam": r.family, "src": r.source, "v": r.verdict.as_str(),
            "sc": r.scenarios, "links": source_links(&r.source, root),
        })).collect::<Vec<_>>(),
        "sc": report.scenarios.iter().map(scenario).collect::<Vec<_>>(),
        "lat": latency(report),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_become_links() {
        let links = source_links(
            "spec:card-protocol.md §1 (OpenSC jpki.h:27); seed:000_ab.txt \"数字4桁\"; https://example.org/x",
            "../../",
        );
        let hrefs: Vec<&str> = links.iter().filter_map(|l| l["href"].as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "../../docs/reference/card-protocol.md",
                "https://example.org/x",
                "../../../shared/seeds/000_ab.txt#:~:text=%E6%95%B0%E5%AD%974%E6%A1%81",
            ]
        );
        assert!(source_links("spec:../../etc/passwd", "").is_empty());
    }
}
