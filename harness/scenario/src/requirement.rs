//! The requirement catalogue (`scenarios/requirements.yaml`).

use crate::ast::{Level, Location};
use crate::diagnostic::Diagnostic;
use crate::ids::{is_date, is_requirement_id};
use crate::keys::{LEVELS, REQUIREMENT_KEYS};
use crate::parse_ctx::ParseCtx;
use crate::yaml::parse;

/// One requirement of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// Uppercase, dashes: `CARD-JPKI-AUTH-PIN-LOCK`.
    pub id: String,
    /// One sentence.
    pub text: String,
    /// `must` or `should`.
    pub level: Level,
    /// Which family's scenarios may cite it (a family name: the catalogue
    /// may list requirements of families not registered yet).
    pub family: String,
    /// `seed:<file> "<quoted words>"` or `spec:card-protocol.md §x.y (<public source>)`.
    pub source: String,
    /// First day in force (`YYYY-MM-DD`), if dated.
    pub since: Option<String>,
    /// First day no longer in force (`YYYY-MM-DD`), if dated.
    pub until: Option<String>,
    /// Where the entry starts.
    pub at: Location,
}

impl Requirement {
    /// Whether the requirement is in force on `date` (`YYYY-MM-DD`):
    /// `since ≤ date < until`, open ends unbounded. Dates in this format
    /// compare correctly as strings.
    pub fn in_force(&self, date: &str) -> bool {
        let after_start = self.since.as_deref().is_none_or(|since| since <= date);
        let before_end = self.until.as_deref().is_none_or(|until| date < until);
        after_start && before_end
    }
}

/// Parses the catalogue `text` of `file`: a list of entries. Reports every
/// problem: unknown or missing keys, bad ids, duplicate ids, bad dates,
/// `since` not before `until`, sources of the wrong shape.
pub fn load_requirements(file: &str, text: &str) -> Result<Vec<Requirement>, Vec<Diagnostic>> {
    let mut ctx = ParseCtx::new(file);
    let root = parse(&ctx.file, text)?;
    let Some(items) = ctx.list(&root, "a list of requirements", false) else {
        return Err(ctx.diags);
    };
    let mut out: Vec<Requirement> = Vec::new();
    for item in items {
        let Some(fields) = ctx.map_docs(item, "a requirement (a map)", REQUIREMENT_KEYS, false)
        else {
            continue;
        };
        let before = ctx.diags.len();
        let required = |ctx: &mut ParseCtx, key: &str, what: &str| -> Option<String> {
            match fields.get(key) {
                Some(node) => ctx.str(node, what).map(str::to_string),
                None => {
                    ctx.missing(item, key, what);
                    None
                }
            }
        };
        let id = required(&mut ctx, "id", "the requirement id");
        let text = required(&mut ctx, "text", "one sentence");
        let source = required(&mut ctx, "source", "where the requirement comes from");
        let level = match fields.get("level") {
            Some(node) => ctx.choice(node, "a level", LEVELS),
            None => {
                ctx.missing(item, "level", "`must` or `should`");
                None
            }
        };
        let family = match fields.get("family") {
            Some(node) => ctx.str(node, "a family name").and_then(|name| {
                let ok = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !ok {
                    ctx.expected(node, "a family name (lowercase, like `card`)");
                }
                ok.then(|| name.to_string())
            }),
            None => {
                ctx.missing(
                    item,
                    "family",
                    "the family whose scenarios cite it, like `card`",
                );
                None
            }
        };
        if let (Some(id), Some(node)) = (&id, fields.get("id")) {
            if !is_requirement_id(id) {
                ctx.expected(
                    node,
                    "an uppercase id with dashes like `CARD-JPKI-AUTH-PIN-LOCK`",
                );
            } else if let Some(first) = out.iter().find(|req| req.id == *id) {
                let message = format!(
                    "expected each requirement id once, found `{id}` again (first at {})",
                    first.at
                );
                ctx.error(node, message);
            }
        }
        if let (Some(source), Some(node)) = (&source, fields.get("source")) {
            if !(source.starts_with("seed:") || source.starts_with("spec:")) {
                ctx.expected(node, "a source starting with `seed:` or `spec:`");
            }
        }
        let date = |ctx: &mut ParseCtx, key: &str| -> Option<String> {
            let node = fields.get(key)?;
            let text = ctx.str(node, "a date `YYYY-MM-DD`")?;
            if is_date(text) {
                Some(text.to_string())
            } else {
                ctx.expected(node, "a date `YYYY-MM-DD`");
                None
            }
        };
        let since = date(&mut ctx, "since");
        let until = date(&mut ctx, "until");
        if let (Some(since), Some(until), Some(node)) = (&since, &until, fields.key_node("until")) {
            if since >= until {
                ctx.error(
                    node,
                    format!("expected `until` after `since` ({since}), found {until}"),
                );
            }
        }
        if ctx.diags.len() != before {
            continue;
        }
        if let (Some(id), Some(text), Some(source), Some(level), Some(family)) =
            (id, text, source, level, family)
        {
            out.push(Requirement {
                id,
                text,
                level,
                family,
                source,
                since,
                until,
                at: ctx.at(item),
            });
        }
    }
    ctx.finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(since: Option<&str>, until: Option<&str>) -> Requirement {
        Requirement {
            id: "A-B".into(),
            text: "t".into(),
            level: Level::Must,
            family: "card".into(),
            source: "spec:x".into(),
            since: since.map(str::to_string),
            until: until.map(str::to_string),
            at: Location {
                file: "r.yaml".into(),
                line: 1,
                col: 1,
            },
        }
    }

    #[test]
    fn in_force_is_half_open() {
        let r = req(Some("2024-01-01"), Some("2024-10-07"));
        assert!(!r.in_force("2023-12-31"));
        assert!(r.in_force("2024-01-01"));
        assert!(r.in_force("2024-10-06"));
        assert!(!r.in_force("2024-10-07"));
        assert!(req(None, None).in_force("1999-01-01"));
        assert!(req(None, Some("2024-10-07")).in_force("2000-01-01"));
        assert!(!req(Some("2024-10-07"), None).in_force("2024-10-06"));
    }
}
