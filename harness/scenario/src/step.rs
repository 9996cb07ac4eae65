//! One step map → a [`Step`] (or an include to expand): exactly one action
//! key, which names the family that parses it, plus the file shape's
//! modifiers.

use crate::ast::Step;
use crate::keys::{names, INCLUDE, STEP_MODIFIERS};
use crate::parse_ctx::ParseCtx;
use crate::steps::Expansion;
use crate::syntax::StepSource;
use crate::yaml::Node;

/// Most times a step may repeat.
pub const MAX_REPEAT: u64 = 10_000;

/// What a step map turned out to be.
pub(crate) enum StepItem<'a> {
    /// An ordinary step.
    Step(Box<Step>),
    /// `include: path`, to be expanded by the caller.
    Include {
        /// The path as written.
        path: &'a str,
        /// The step map (its location is `included_from`).
        step: &'a Node,
        /// The path's node, for diagnostics about the file.
        path_node: &'a Node,
    },
}

/// Every key a step may have, the scenario's own family's keywords first,
/// for "expected one of" messages.
fn step_keys(expansion: &Expansion<'_, '_>) -> Vec<&'static str> {
    let vocabulary = expansion.vocabulary;
    let own = expansion.family.and_then(|f| vocabulary.family(f));
    let mut keys: Vec<&'static str> = own.map(|f| names(f.keywords())).unwrap_or_default();
    for family in vocabulary.families() {
        if own.is_none_or(|own| own.family() != family.family()) {
            keys.extend(names(family.keywords()));
        }
    }
    keys.push(INCLUDE.name);
    keys.extend(names(STEP_MODIFIERS));
    keys
}

/// Converts one step.
pub(crate) fn step<'a>(
    ctx: &mut ParseCtx,
    node: &'a Node,
    expansion: &mut Expansion<'_, '_>,
) -> Option<StepItem<'a>> {
    let entries = ctx.free_map(node, "a step (a map with one action key)")?;
    let mut actions = Vec::new();
    let mut modifiers = Vec::new();
    let mut unknown = false;
    for &(key, key_node, value) in &entries {
        if STEP_MODIFIERS.iter().any(|m| m.name == key) {
            modifiers.push((key, key_node, value));
        } else if key == INCLUDE.name || expansion.vocabulary.family_of_keyword(key).is_some() {
            actions.push((key, key_node, value));
        } else {
            ctx.unknown_key(key_node, key, &step_keys(expansion));
            unknown = true;
        }
    }
    let (key, key_node, value) = match actions.as_slice() {
        [one] => *one,
        [] if unknown => return None,
        [] => {
            let listed = step_keys(expansion)
                .into_iter()
                .filter(|k| !STEP_MODIFIERS.iter().any(|m| m.name == *k))
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            ctx.error(
                node,
                format!("expected exactly one action key ({listed}), found none"),
            );
            return None;
        }
        [(first, _, _), (second, second_node, _), ..] => {
            ctx.error(
                second_node,
                format!("expected exactly one action key per step, found `{first}` and `{second}`"),
            );
            return None;
        }
    };

    if key == INCLUDE.name {
        if let Some(&(modifier, modifier_node, _)) = modifiers.first() {
            ctx.error(
                modifier_node,
                format!("expected no modifiers on an `include:` step, found `{modifier}`"),
            );
        }
        let path = ctx.str(value, "a fragment file path")?;
        return Some(StepItem::Include {
            path,
            step: node,
            path_node: value,
        });
    }

    let family = expansion.vocabulary.family_of_keyword(key)?;
    let modifier = |name: &str| {
        modifiers
            .iter()
            .find(|(k, _, _)| *k == name)
            .map(|&(_, _, value)| value)
    };
    let source = StepSource {
        keyword: key,
        key: key_node,
        value,
        expect: modifier("expect"),
        capture: modifier("capture"),
        step: node,
    };
    let before = ctx.problems();
    let body = expansion.parser(family).parse(ctx, source);
    let name = modifier("name").and_then(|v| ctx.str(v, "a step name").map(str::to_string));
    let repeat = match modifier("repeat") {
        Some(v) => ctx
            .int(v, "a repeat count", 1, MAX_REPEAT)
            .and_then(|n| u32::try_from(n).ok()),
        None => Some(1),
    };
    let level = match modifier("level") {
        Some(v) => ctx.level(v).map(Some),
        None => Some(None),
    };
    let (body, repeat, level) = (body?, repeat?, level?);
    if ctx.problems() != before {
        return None;
    }
    expansion.note_family(family.family());
    Some(StepItem::Step(Box::new(Step {
        at: ctx.at(node),
        included_from: None,
        name,
        repeat,
        level,
        family: family.family(),
        body,
    })))
}
