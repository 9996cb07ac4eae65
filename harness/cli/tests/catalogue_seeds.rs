//! Every seed quotation in the requirement catalogue is real: each
//! `seed:<file> "<words>"` anywhere in a requirement's `source` (a source
//! may cite a spec section and several seed clauses, separated by `; `)
//! names a file of `../shared/seeds/` and quotes words that occur in it
//! verbatim. Without the seeds beside the repository the test prints
//! SKIPPED and passes, unless `CI=true`, where it is mandatory.

#![allow(clippy::unwrap_used)]

use std::io::Write;

use myna_scenario::load_requirements;

mod common;
use common::root;

/// One `seed:<file> "<words>"` citation.
#[derive(Debug, PartialEq, Eq)]
struct Citation {
    file: String,
    quote: String,
}

/// Every seed citation in `source`; `Err` describes a malformed one.
fn citations(source: &str) -> Result<Vec<Citation>, String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("seed:") {
        let after = &rest[start + "seed:".len()..];
        let (file, tail) = after
            .split_once(' ')
            .ok_or_else(|| format!("`seed:` without quoted words in {source:?}"))?;
        let quoted = tail
            .strip_prefix('"')
            .ok_or_else(|| format!("`seed:{file}` is not followed by \"quoted words\""))?;
        let (quote, remainder) = quoted
            .split_once('"')
            .ok_or_else(|| format!("`seed:{file}`: the quotation is not closed"))?;
        if quote.trim().is_empty() {
            return Err(format!("`seed:{file}` quotes nothing"));
        }
        out.push(Citation {
            file: file.to_owned(),
            quote: quote.to_owned(),
        });
        rest = remainder;
    }
    Ok(out)
}

#[test]
fn citations_are_parsed_from_mixed_sources() {
    let source = "spec:x §1 (a); seed:001.txt \"一 二\"; seed:002.txt \"三\"";
    assert_eq!(
        citations(source).unwrap(),
        vec![
            Citation {
                file: "001.txt".into(),
                quote: "一 二".into()
            },
            Citation {
                file: "002.txt".into(),
                quote: "三".into()
            },
        ]
    );
    assert!(citations("seed:001.txt").is_err());
    assert!(citations("seed:001.txt words").is_err());
    assert!(citations("seed:001.txt \"open").is_err());
    assert!(citations("seed:001.txt \"\"").is_err());
    assert_eq!(citations("spec:card-protocol.md §1").unwrap(), vec![]);
}

#[test]
fn every_seed_quotation_occurs_in_its_seed() {
    let seeds = root().join("../shared/seeds");
    if !seeds.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {} is missing",
            seeds.display()
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED every_seed_quotation_occurs_in_its_seed: {} not found (set CI=true to make it mandatory)",
            seeds.display()
        );
        return;
    }
    let catalogue = root().join("scenarios/requirements.yaml");
    let text = std::fs::read_to_string(&catalogue).unwrap();
    let requirements = load_requirements("scenarios/requirements.yaml", &text)
        .unwrap_or_else(|d| panic!("catalogue does not load: {d:?}"));
    let mut problems = Vec::new();
    let mut checked = 0;
    for requirement in &requirements {
        let found = match citations(&requirement.source) {
            Ok(found) => found,
            Err(why) => {
                problems.push(format!("{}: {why}", requirement.id));
                continue;
            }
        };
        for citation in found {
            let path = seeds.join(&citation.file);
            let is_plain_name = !citation.file.contains(['/', '\\']);
            match std::fs::read_to_string(&path) {
                Ok(seed) if is_plain_name => {
                    checked += 1;
                    if !seed.contains(&citation.quote) {
                        problems.push(format!(
                            "{}: {} does not contain {:?}",
                            requirement.id, citation.file, citation.quote
                        ));
                    }
                }
                _ => problems.push(format!(
                    "{}: no seed file named {:?}",
                    requirement.id, citation.file
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The catalogue quotes 15 seed clauses; fewer means quotations were lost.
    assert!(checked >= 15, "only {checked} seed quotations checked");
}
