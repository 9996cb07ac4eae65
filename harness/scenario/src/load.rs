//! A scenario file → a [`Scenario`], collecting every problem.

use std::sync::Arc;

use crate::ast::{Family, Level, Location, Scenario};
use crate::ctx::Ctx;
use crate::diagnostic::Diagnostic;
use crate::ids::{is_requirement_id, is_scenario_id};
use crate::source::SourceLoader;
use crate::steps::{steps, Expansion};
use crate::vars::variables;
use crate::vocabulary::{FAMILIES, SCENARIO_KEYS};
use crate::yaml::{parse, NodeKind};

/// Parses and validates the scenario `text` of `file` (its display path);
/// `include:` steps are read through `loader`, relative to the including
/// file. Returns every problem found, in file order per file, or the
/// scenario with includes expanded.
pub fn load_scenario(
    file: &str,
    text: &str,
    loader: &dyn SourceLoader,
) -> Result<Scenario, Vec<Diagnostic>> {
    let mut ctx = Ctx::new(file);
    let root = parse(&ctx.file, text)?;
    let fields = ctx
        .map(
            &root,
            "a scenario (a map with `id`, `title`, `requirements`, `steps`)",
            SCENARIO_KEYS,
            false,
        )
        .ok_or_else(|| ctx.diags.clone())?;

    let id = match fields.get("id") {
        Some(node) => ctx.str(node, "a scenario id").map(str::to_string).filter(|id| {
            let ok = is_scenario_id(id);
            if !ok {
                ctx.error(
                    node,
                    format!("expected a dotted lowercase id like `card.jpki.auth-pin.lockout`, found `{id}`"),
                );
            }
            ok
        }),
        None => {
            ctx.missing(&root, "id", "the scenario's unique dotted id");
            None
        }
    };
    let title = match fields.get("title") {
        Some(node) => ctx.str(node, "a one-line title").map(str::to_string),
        None => {
            ctx.missing(&root, "title", "one line for people");
            None
        }
    };
    let family = match fields.get("family") {
        Some(node) => ctx.choice(node, "a family", FAMILIES),
        None => {
            let first = id
                .as_deref()
                .and_then(|id| id.split('.').next())
                .unwrap_or_default();
            let found = FAMILIES
                .iter()
                .find(|(name, _)| *name == first)
                .map(|&(_, f)| f);
            if found.is_none() && id.is_some() {
                if let Some(node) = fields.get("id") {
                    ctx.error_help(
                        node,
                        format!("expected an id starting with a family (`card`, `reader`, `portal`, `oqs`), found `{first}`"),
                        "add `family:` or start the id with the family",
                    );
                }
            }
            found
        }
    };

    let mut requirements = Vec::new();
    let mut requirements_at = Vec::new();
    match fields.get("requirements") {
        Some(node) => {
            let listed = ctx.strings(node, "requirement ids");
            if matches!(&node.kind, NodeKind::Seq(items) if items.is_empty()) {
                ctx.expected(node, "at least one requirement id");
            }
            for (req, at) in listed {
                if is_requirement_id(&req) {
                    requirements.push(req);
                    requirements_at.push(at);
                } else {
                    ctx.diags.push(Diagnostic::new(
                        at,
                        format!("expected a requirement id like `CARD-JPKI-AUTH-PIN-LOCK`, found `{req}`"),
                    ));
                }
            }
        }
        None => ctx.missing(
            &root,
            "requirements",
            "ids from scenarios/requirements.yaml",
        ),
    }

    let level = fields
        .get("level")
        .and_then(|node| ctx.level(node))
        .unwrap_or(Level::Must);
    let tags = fields
        .get("tags")
        .map(|node| {
            ctx.strings(node, "tags")
                .into_iter()
                .map(|(tag, _)| tag)
                .collect()
        })
        .unwrap_or_default();
    let applies_if = fields
        .get("applies_if")
        .map(|node| {
            ctx.strings(node, "capabilities")
                .into_iter()
                .map(|(cap, _)| cap)
                .collect()
        })
        .unwrap_or_default();
    let persona = fields.get("persona").and_then(|node| {
        let name = ctx.str(node, "a persona name")?;
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            ctx.expected(node, "a persona name (lowercase letters, digits, `-`, `_`)");
        }
        ok.then(|| name.to_string())
    });
    let vars = fields
        .get("vars")
        .map(|node| variables(&mut ctx, node))
        .unwrap_or_default();

    let mut expansion = Expansion {
        loader,
        chain: vec![Arc::clone(&ctx.file)],
        vars,
        family: family.unwrap_or_else(|| guess_family(&fields)),
        included_steps: 0,
        budget_reported: false,
    };
    let step_list = match fields.get("steps") {
        Some(node) => steps(&mut ctx, node, &mut expansion, &mut None, true),
        None => {
            ctx.missing(&root, "steps", "what the scenario does");
            Vec::new()
        }
    };
    let finally = fields
        .get("finally")
        .map(|node| steps(&mut ctx, node, &mut expansion, &mut None, false))
        .unwrap_or_default();

    if !ctx.diags.is_empty() {
        return Err(ctx.into_sorted_diags());
    }
    let (Some(id), Some(title), Some(family)) = (id, title, family) else {
        // Unreachable in practice: every `None` above recorded a diagnostic.
        return Err(vec![Diagnostic::new(
            Location {
                file: Arc::clone(&ctx.file),
                line: 1,
                col: 1,
            },
            "expected a complete scenario, found missing fields",
        )]);
    };
    Ok(Scenario {
        id,
        title,
        family,
        requirements,
        requirements_at,
        level,
        tags,
        applies_if,
        persona,
        vars: expansion.vars,
        steps: step_list,
        finally,
        at: Location {
            file: ctx.file,
            line: 1,
            col: 1,
        },
    })
}

/// The family to read steps with when the file does not name a valid one:
/// the family nearest to what is written (`cards` → card), else a
/// non-card family so that steps are kept generically instead of drawing
/// card-vocabulary errors on top of the one about the family.
fn guess_family(fields: &crate::ctx::Fields<'_>) -> Family {
    let written = fields
        .get("family")
        .and_then(|node| node.as_str())
        .or_else(|| {
            fields
                .get("id")
                .and_then(|node| node.as_str()?.split('.').next())
        })
        .unwrap_or_default();
    crate::suggest::did_you_mean(written, FAMILIES.iter().map(|(name, _)| *name))
        .and_then(|name| FAMILIES.iter().find(|(n, _)| *n == name))
        .map_or(Family::Reader, |&(_, family)| family)
}
