//! The data `report.html` parses when it opens: the report's values
//! (already redacted by the engine: nothing else goes in) but the steps
//! (`steps.rs`, parsed when a scenario is opened), requirement sources as
//! links, latency figures. Short keys keep a large run's page small.

use serde_json::{json, Value};

use std::collections::BTreeMap;

use crate::describe::reason;
use crate::html::script_json;
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

/// The scenario's line of the page's scenario list.
pub(crate) fn scenario(s: &ScenarioReport) -> Value {
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

/// Round-trip times per target, counted per distinct time (a run's
/// exchanges take few distinct microsecond values, so this stays small
/// however long the run): count, percentiles and a histogram over
/// power-of-two microsecond buckets (for PC/SC and benchmark-like runs).
#[derive(Debug, Default)]
pub(crate) struct Latency {
    per_target: BTreeMap<String, BTreeMap<u64, u64>>,
}

impl Latency {
    /// Counts the timed exchanges of `scenario`.
    pub(crate) fn add(&mut self, scenario: &ScenarioReport) {
        for e in scenario.steps.iter().flat_map(|s| &s.evidence) {
            if let Some(d) = e.duration_us {
                let times = match self.per_target.get_mut(&*e.target) {
                    Some(times) => times,
                    None => self.per_target.entry(e.target.to_string()).or_default(),
                };
                *times.entry(d).or_default() += 1;
            }
        }
    }

    fn value(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (target, times) in &self.per_target {
            let n: u64 = times.values().sum();
            // The time at position `i` of the sorted times.
            let at = |i: u64| {
                let mut seen = 0;
                for (time, count) in times {
                    seen += count;
                    if seen > i {
                        return *time;
                    }
                }
                0
            };
            let pick = |q: f64| at(((n.saturating_sub(1)) as f64 * q).round() as u64);
            let mut buckets = vec![0u64; 40];
            for (t, count) in times {
                let bucket = (64 - t.leading_zeros()) as usize;
                if let Some(slot) = buckets.get_mut(bucket) {
                    *slot += count;
                }
            }
            let last = buckets.iter().rposition(|c| *c > 0).unwrap_or(0);
            let first = buckets.iter().position(|c| *c > 0).unwrap_or(0);
            out.insert(
                target.clone(),
                json!({
                    "n": n,
                    "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99),
                    "max": times.keys().next_back().copied().unwrap_or(0),
                    "from": first,
                    "h": buckets.get(first..=last).unwrap_or(&[]),
                }),
            );
        }
        Value::Object(out)
    }
}

/// The page's data up to its scenario list's opening bracket: what the
/// page shows but the scenarios (`sc`, whose lines follow, then `]}`) and
/// their steps.
pub(crate) fn write_head(out: &mut Vec<u8>, report: &Report, root: &str, latency: &Latency) {
    let info = &report.run_info;
    let requirements = report
        .requirements
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "tx": r.text, "lv": r.level.map(|l| l.as_str()),
                "fam": r.family, "src": r.source, "v": r.verdict.as_str(),
                "sc": r.scenarios, "links": source_links(&r.source, root),
            })
        })
        .collect::<Vec<_>>();
    let fields: [(&str, Value); 6] = [
        ("schema", json!(report.schema_version)),
        ("run", serde_json::to_value(info).unwrap_or(Value::Null)),
        (
            "sum",
            serde_json::to_value(&report.summary).unwrap_or(Value::Null),
        ),
        (
            "err",
            serde_json::to_value(&report.errors).unwrap_or(Value::Null),
        ),
        ("req", Value::Array(requirements)),
        ("lat", latency.value()),
    ];
    out.push(b'{');
    for (key, value) in fields {
        script_json::write(out, &key);
        out.push(b':');
        script_json::write(out, &value);
        out.push(b',');
    }
    out.extend_from_slice(b"\"sc\":[");
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
