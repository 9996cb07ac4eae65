//! Parsing `portal` steps: the body by its shape, the PIN as a secret
//! template, `expect:` by its keys and matchers, `capture:` by its
//! sources; every problem located, all at once.

use std::sync::Arc;

use myna_scenario::{
    secret_entries, LongForm, Node, NodeKind, ParseCtx, Shape, Spanned, StepBody, StepParser,
    StepSource,
};

use crate::step::{Expectation, PortalCapture, PortalStep};
use myna_family_oqs::parse::{json_pointers, matcher};

use crate::vocabulary::{fields, EXPECT_KEYS, KEYWORDS, OUTCOMES};

/// Parses the `portal` steps of a scenario.
#[derive(Debug, Default)]
pub struct PortalParser;

impl StepParser for PortalParser {
    fn parse(&mut self, cx: &mut ParseCtx, step: StepSource<'_>) -> Option<Arc<dyn StepBody>> {
        let keyword = KEYWORDS.iter().find(|k| k.name == step.keyword)?.name;
        let body = cx.shaped(step.value, &Shape::Object(fields(keyword)));
        let pin = pin(cx, step.value);
        let expect = step.expect.map(|node| expectations(cx, keyword, node));
        let captures = step
            .capture
            .map(|node| captures(cx, node))
            .unwrap_or_default();
        let body = body?;
        if keyword == "portal_control" && body.as_object().is_some_and(|m| m.is_empty()) {
            cx.error(
                step.value,
                "expected at least one of `advance_minutes`, `terms_version`, `revoke`, `reset`, found none",
            );
            return None;
        }
        let expect = match expect {
            Some(parsed) => Some(parsed?),
            None => None,
        };
        Some(Arc::new(PortalStep {
            keyword,
            body,
            pin: pin?,
            expect,
            captures,
        }))
    }
}

/// The `pin` of a step, read as a secret template (no message repeats it).
fn pin(cx: &mut ParseCtx, value: &Node) -> Option<Option<myna_scenario::Template>> {
    let NodeKind::Map(entries) = &value.kind else {
        return Some(None);
    };
    match entries.iter().find(|(k, _)| k.as_str() == Some("pin")) {
        Some((_, node)) => cx.secret_template(node, "a PIN").map(Some),
        None => Some(None),
    }
}

/// The steps that drive the card.
pub(crate) fn reads_card(keyword: &str) -> bool {
    matches!(keyword, "login" | "register_account")
}

fn expectations(
    cx: &mut ParseCtx,
    keyword: &str,
    node: &Node,
) -> Option<Vec<Spanned<Expectation>>> {
    let before = cx.problems();
    let fields = cx.map_docs(node, "a map of expectations", EXPECT_KEYS, false)?;
    let mut out = Vec::new();
    for &(key, key_node, value) in &fields.entries {
        let at = cx.at(key_node);
        if matches!(key, "outcome" | "tries_left") && !reads_card(keyword) {
            cx.error(key_node, format!("expected a key of a `{keyword}` step's expectations, found `{key}` (an expectation of the steps that read the card: `login`, `register_account`)"));
            continue;
        }
        let expectation = match key {
            "outcome" => cx
                .choice_doc(value, "a login outcome", OUTCOMES)
                .map(Expectation::Outcome),
            "tries_left" => cx
                .int(value, "a number of tries", 0, 15)
                .map(Expectation::TriesLeft),
            "json" => json_pointers(cx, value).map(Expectation::Json),
            _ => matcher(cx, value).map(|m| match key {
                "status" => Expectation::Status(m),
                "error_code" => Expectation::ErrorCode(m),
                _ => Expectation::ErrorField(m),
            }),
        };
        if let Some(expectation) = expectation {
            out.push(Spanned::new(expectation, at));
        }
    }
    (cx.problems() == before).then_some(out)
}

fn captures(cx: &mut ParseCtx, node: &Node) -> Vec<PortalCapture> {
    let long = LongForm {
        inner: "from",
        keys: &["from", "secret"],
        what: "the capture source",
    };
    let mut out = Vec::new();
    for entry in secret_entries(
        cx,
        node,
        "a map of variable names to capture sources",
        &long,
    ) {
        let at = cx.at(entry.key);
        cx.declare_capture(entry.name, entry.secret, at.clone());
        let Some(text) = cx.str(entry.value, "a capture source") else {
            continue;
        };
        let pointer = match text {
            "status" => None,
            pointer if pointer.starts_with('/') => Some(pointer.to_string()),
            other => {
                cx.error(entry.value, format!("expected a capture source (`status` or a JSON pointer like `/application_id`), found `{other}`"));
                continue;
            }
        };
        out.push(PortalCapture {
            name: entry.name.to_string(),
            pointer,
            secret: entry.secret,
            at,
        });
    }
    out
}
