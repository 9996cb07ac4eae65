//! Every key and name of the file shape, in one place: the loader checks
//! against these tables and the JSON Schema is built from them, so the two
//! cannot drift. Descriptions are docs/scenario-format.md's words.

use crate::ast::Level;
use crate::expectations::ExpectedVerdict;
use crate::syntax::Doc;

/// Keys of a scenario file (docs/scenario-format.md "Top level").
pub const SCENARIO_KEYS: &[Doc] = &[
    Doc { name: "id", doc: "unique, stable, dotted lowercase id; its first segment is the family unless `family:` says otherwise" },
    Doc { name: "title", doc: "one line for people" },
    Doc { name: "family", doc: "the scenario's family; defaults to the id's first segment" },
    Doc { name: "requirements", doc: "ids from scenarios/requirements.yaml (at least one)" },
    Doc { name: "level", doc: "failed `must` → fail, failed `should` → warn (default `must`)" },
    Doc { name: "tags", doc: "for `--tags`; `destructive`: the scenario changes a card for good" },
    Doc { name: "applies_if", doc: "target capabilities needed, else `not_applicable`" },
    Doc { name: "persona", doc: "card persona under vectors/personas/ (default `taro`)" },
    Doc { name: "vars", doc: "scenario variables: name → string, or name → `{ value, secret: true }`" },
    Doc { name: "steps", doc: "run in order; the first failing step stops the rest" },
    Doc { name: "finally", doc: "always run after `steps`" },
];

/// Keys of a fragment file.
pub const FRAGMENT_KEYS: &[Doc] = &[
    Doc {
        name: "steps",
        doc: "the fragment's steps, included in place",
    },
    Doc {
        name: "vars",
        doc: "variables the fragment adds where the scenario does not define them",
    },
];

/// Step keys that modify an action (docs/scenario-format.md "Steps"). The
/// family reads `expect` and `capture`; the loader reads the others.
pub const STEP_MODIFIERS: &[Doc] = &[
    Doc { name: "name", doc: "label in reports" },
    Doc { name: "repeat", doc: "do the step N times (1 ≤ N ≤ 10000); `expect` applies to each" },
    Doc { name: "expect", doc: "expectations on the response" },
    Doc { name: "capture", doc: "keep values for later steps: `{ var: source }` or `{ var: { from: source, secret: true } }`" },
    Doc { name: "level", doc: "overrides the scenario level for this step" },
];

/// The step key that includes a fragment's steps (any family).
pub const INCLUDE: Doc = Doc {
    name: "include",
    doc: "the `steps:` of a fragment file, path relative to this file",
};

/// Keys of a variable written as a map.
pub const VAR_KEYS: &[&str] = &["value", "secret"];

/// Keys of a requirement catalogue entry (docs/scenario-format.md
/// "Requirement catalogue").
pub const REQUIREMENT_KEYS: &[Doc] = &[
    Doc {
        name: "id",
        doc: "uppercase, dashes: `CARD-JPKI-AUTH-PIN-LOCK`",
    },
    Doc {
        name: "text",
        doc: "one sentence",
    },
    Doc {
        name: "level",
        doc: "`must` or `should`",
    },
    Doc {
        name: "family",
        doc: "which family's scenarios may cite it",
    },
    Doc {
        name: "source",
        doc: "`seed:<file> \"<quoted words>\"` or `spec:card-protocol.md §x.y (<public source>)`",
    },
    Doc {
        name: "since",
        doc: "first day in force (YYYY-MM-DD)",
    },
    Doc {
        name: "until",
        doc: "first day no longer in force (YYYY-MM-DD)",
    },
];

/// Keys of an expectations-file entry.
pub const EXPECTATION_KEYS: &[&str] = &["id", "reason", "verdict"];

/// Levels by name.
pub const LEVELS: &[(&str, Level)] = &[("must", Level::Must), ("should", Level::Should)];

/// Verdicts an expectations-file entry may name.
pub const EXPECTED_VERDICTS: &[(&str, ExpectedVerdict)] = &[
    ("fail", ExpectedVerdict::Fail),
    ("warn", ExpectedVerdict::Warn),
    ("error", ExpectedVerdict::Error),
    ("skip", ExpectedVerdict::Skip),
];

/// The names of a table of [`Doc`]s.
pub fn names(docs: &[Doc]) -> Vec<&'static str> {
    docs.iter().map(|d| d.name).collect()
}
