//! One step map → a [`Step`] (or an include to expand): exactly one action
//! key plus modifiers.

use crate::ast::{Action, AppName, CardAction, Family, Spanned, Step};
use crate::capture::captures;
use crate::card_action::{card_action, selected_app};
use crate::ctx::Ctx;
use crate::expect::expect;
use crate::generic::generic_value;
use crate::vocabulary::{CARD_ACTIONS, INCLUDE_KEY, STEP_MODIFIERS};
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

/// Every key a card step may have, for "known keys" messages.
fn card_step_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = CARD_ACTIONS.iter().map(|(key, _)| *key).collect();
    keys.push(INCLUDE_KEY);
    keys.extend_from_slice(STEP_MODIFIERS);
    keys
}

/// Converts one step of a scenario of `family`. `current_app` is the
/// application selected by the steps before (updated here).
pub(crate) fn step<'a>(
    ctx: &mut Ctx,
    node: &'a Node,
    family: Family,
    current_app: &mut Option<AppName>,
) -> Option<StepItem<'a>> {
    let entries = ctx.free_map(node, "a step (a map with one action key)")?;
    let mut actions = Vec::new();
    let mut modifiers = Vec::new();
    let mut unknown = false;
    for &(key, key_node, value) in &entries {
        if STEP_MODIFIERS.contains(&key) {
            modifiers.push((key, key_node, value));
        } else if key == INCLUDE_KEY
            || family != Family::Card
            || CARD_ACTIONS.iter().any(|(action, _)| *action == key)
        {
            actions.push((key, key_node, value));
        } else {
            ctx.unknown_key(key_node, key, &card_step_keys());
            unknown = true;
        }
    }
    let (key, key_node, value) = match actions.as_slice() {
        [one] => *one,
        [] if unknown => return None,
        [] => {
            let listed = if family == Family::Card {
                CARD_ACTIONS
                    .iter()
                    .map(|(key, _)| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + ", `include`"
            } else {
                "a step keyword".to_string()
            };
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

    if key == INCLUDE_KEY {
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

    let before = ctx.diags.len();
    let action = if family == Family::Card {
        let action = card_action(ctx, key, key_node, value, *current_app);
        update_current_app(current_app, action.as_ref());
        action.map(Action::Card)
    } else {
        if !is_keyword(key) {
            ctx.expected(key_node, "a step keyword (lowercase letters, digits, `_`)");
        }
        Some(Action::Generic {
            keyword: key.to_string(),
            body: generic_value(ctx, value),
        })
    };

    let mut out = Step {
        at: ctx.at(node),
        included_from: None,
        name: None,
        action: Action::Generic {
            keyword: String::new(),
            body: serde_json::Value::Null,
        },
        repeat: 1,
        expect: None,
        generic_expect: None,
        captures: Vec::new(),
        generic_capture: None,
        level: None,
    };
    for (modifier, _, value) in modifiers {
        match modifier {
            "name" => out.name = ctx.str(value, "a step name").map(str::to_string),
            "repeat" => {
                out.repeat = ctx
                    .int(value, "a repeat count", 1, MAX_REPEAT)
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(1)
            }
            "level" => out.level = ctx.level(value),
            "expect" if family == Family::Card => out.expect = expect(ctx, value),
            "expect" => {
                out.generic_expect = Some(Spanned {
                    value: generic_value(ctx, value),
                    at: ctx.at(value),
                })
            }
            "capture" if family == Family::Card => out.captures = captures(ctx, value),
            _ => {
                out.generic_capture = Some(Spanned {
                    value: generic_value(ctx, value),
                    at: ctx.at(value),
                })
            }
        }
    }
    out.action = action?;
    (ctx.diags.len() == before).then(|| StepItem::Step(Box::new(out)))
}

/// Tracks which application is current after `action`: a named or known
/// AID `select` sets it; power and raw APDUs make it unknown.
fn update_current_app(current_app: &mut Option<AppName>, action: Option<&CardAction>) {
    match action {
        Some(CardAction::Select(app)) => *current_app = selected_app(app),
        Some(CardAction::Power(_) | CardAction::Apdu(_)) | None => *current_app = None,
        Some(_) => {}
    }
}

fn is_keyword(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
