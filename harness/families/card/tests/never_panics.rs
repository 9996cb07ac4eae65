//! Arbitrary text never panics the loaders.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::load_scenario;
use myna_scenario::{load_expectations, load_requirements, NoIncludes, SourceLoader};
use proptest::prelude::*;

/// YAML-ish fragments that reach deeper into the converters than random bytes.
fn yamlish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "id: card.a.b\n",
        "title: t\n",
        "requirements: [A-B]\n",
        "steps:\n",
        "  - ",
        "select: jpki\n",
        "apdu: 00 A4 ${x\n",
        "expect: { sw: 63CX, tlv: { FF20: { len: { min: 9 } } } }\n",
        "include: f.yaml\n",
        "vars: { a: &x b }\n",
        "*x",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "\n",
        "  ",
        "'",
        "\"",
        "#",
        "&a ",
        "*a ",
        "!!str ",
        "---\n",
        "read_binary: { le: 99999 }\n",
        "capture: { v: data[3..1] }\n",
        "family: portal\n",
        "http: { a: [1, 2.5e9, -0, true] }\n",
        "\t",
        "…",
        "${",
        "? ",
        "|\n  x\n",
        "repeat: 4294967296\n",
        "- id: X-Y\n  since: 2024-02-29\n",
        "verdict: fail\n",
        "sign: { hash: { hash: sha1, message: 0 } }\n",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|parts| parts.concat())
}

struct Loop;

impl SourceLoader for Loop {
    fn load(&self, _including: &str, relative: &str) -> Result<(String, String), String> {
        Ok((
            relative.to_string(),
            "steps:\n  - include: f.yaml\n  - include: g.yaml\n".to_string(),
        ))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(text in "\\PC{0,300}") {
        let _ = load_scenario("s.yaml", &text, &NoIncludes);
        let _ = load_requirements("r.yaml", &text);
        let _ = load_expectations("e.yaml", &text);
    }

    #[test]
    fn yamlish_text(text in yamlish()) {
        if let Err(diags) = load_scenario("s.yaml", &text, &Loop) {
            prop_assert!(!diags.is_empty());
            for d in &diags {
                let _ = d.render(&text);
                prop_assert!(d.at.line >= 1 && d.at.col >= 1);
            }
        }
        let _ = load_requirements("r.yaml", &text);
        let _ = load_expectations("e.yaml", &text);
    }
}
