//! Parsing `oqs` steps: the body by its shape, `expect:` by its keys and
//! matchers, `capture:` by its sources; every problem located, all at once.

use std::sync::Arc;

use myna_scenario::{
    did_you_mean, secret_entries, LongForm, Node, NodeKind, ParseCtx, Shape, Spanned, StepBody,
    StepParser, StepSource,
};
use serde_json::{json, Value};

use crate::step::{
    CaptureSource, Expectation, LookupStep, OqsCapture, OqsRequest, OqsStep, RawStep,
};
use crate::vocabulary::{control_fields, is_control, keywords, EXPECT_KEYS, LOOKUP, MATCHERS, RAW};

/// Parses the `oqs` steps of a scenario (no state across steps).
#[derive(Debug, Default)]
pub struct OqsParser;

impl StepParser for OqsParser {
    fn parse(&mut self, cx: &mut ParseCtx, step: StepSource<'_>) -> Option<Arc<dyn StepBody>> {
        let keyword = keywords().iter().find(|k| k.name == step.keyword)?.name;
        let request = request(cx, keyword, step.value);
        let expect = step.expect.map(|node| expectations(cx, node));
        let captures = step
            .capture
            .map(|node| captures(cx, node))
            .unwrap_or_default();
        let expect = match expect {
            Some(parsed) => Some(parsed?),
            None => None,
        };
        Some(Arc::new(OqsStep::new(keyword, request?, expect, captures)))
    }
}

/// The step's body read by its shape, and checked to be its request type.
fn request(cx: &mut ParseCtx, keyword: &'static str, value: &Node) -> Option<OqsRequest> {
    if is_control(keyword) {
        let body = cx.shaped(value, &Shape::Object(control_fields(keyword)))?;
        let mut command = body.as_object().cloned().unwrap_or_default();
        command.insert("op".into(), json!(keyword));
        // The shape and `ControlCommand` are one vocabulary (a test holds
        // them equal); a disagreement is a harness bug, said as such.
        if let Err(e) = serde_json::from_value::<myna_oqs::ControlCommand>(Value::Object(command)) {
            cx.error(
                value,
                format!("expected a `{keyword}` command the service reads, found one it does not ({e}); this is a myna-conform bug, please report it"),
            );
            return None;
        }
        return Some(OqsRequest::Control(body));
    }
    if keyword == "lookup" {
        let body = cx.shaped(value, &Shape::Object(LOOKUP))?;
        let typed: Result<LookupStep, _> = serde_json::from_value(body.clone());
        let Ok(typed) = typed else {
            cx.error(
                value,
                "expected a lookup step, found one this version cannot read (a myna-conform bug)",
            );
            return None;
        };
        let keys = [
            typed.serial.is_some(),
            typed.insurance_card.is_some(),
            typed.message.is_some(),
        ];
        if keys.iter().filter(|k| **k).count() != 1 {
            cx.error(
                value,
                "expected exactly one of `serial`, `insurance_card` and `message` (what the lookup is keyed by), found none or several",
            );
            return None;
        }
        return Some(OqsRequest::Lookup(body));
    }
    let body = cx.shaped(value, &Shape::Object(RAW))?;
    if serde_json::from_value::<RawStep>(body.clone()).is_err() {
        cx.error(
            value,
            "expected a raw step, found one this version cannot read (a myna-conform bug)",
        );
        return None;
    }
    Some(OqsRequest::Raw(body))
}

/// `expect:`: its keys, each with a well-formed matcher.
fn expectations(cx: &mut ParseCtx, node: &Node) -> Option<Vec<Spanned<Expectation>>> {
    let before = cx.problems();
    let fields = cx.map_docs(node, "a map of expectations", EXPECT_KEYS, false)?;
    let mut out = Vec::new();
    for &(key, key_node, value) in &fields.entries {
        let at = cx.at(key_node);
        let expectation = match key {
            "timeout" => cx.bool(value).map(Expectation::Timeout),
            "result" => result_fields(cx, value).map(Expectation::Result),
            "json" => json_pointers(cx, value).map(Expectation::Json),
            _ => matcher(cx, value).map(|m| match key {
                "status" => Expectation::Status(m),
                "validity" => Expectation::Validity(m),
                "result_status" => Expectation::ResultStatus(m),
                "result_code" => Expectation::ResultCode(m),
                "segment" => Expectation::Segment(m),
                "error_code" => Expectation::ErrorCode(m),
                _ => Expectation::Results(m),
            }),
        };
        if let Some(expectation) = expectation {
            out.push(Spanned::new(expectation, at));
        }
    }
    (cx.problems() == before).then_some(out)
}

/// A matcher: a scalar, `null`, or a map of matcher operators. Shared by
/// every family whose expectations match JSON values (the portal's too).
pub fn matcher(cx: &mut ParseCtx, node: &Node) -> Option<Value> {
    match &node.kind {
        NodeKind::Map(_) => {
            let names: Vec<&str> = MATCHERS.iter().map(|m| m.name).collect();
            let fields = cx.map(node, "a matcher", &names, false)?;
            let mut out = serde_json::Map::new();
            for &(op, _, value) in &fields.entries {
                let parsed = match op {
                    "present" => cx.bool(value).map(Value::Bool),
                    "len" => cx
                        .int(value, "a length", 0, u64::from(u32::MAX))
                        .map(Value::from),
                    "one_of" => cx
                        .list(value, "a list of values", false)
                        .map(|items| Value::Array(items.into_iter().map(|i| cx.json(i)).collect())),
                    _ => Some(cx.json(value)),
                };
                out.insert(op.to_string(), parsed?);
            }
            Some(Value::Object(out))
        }
        NodeKind::Seq(_) => {
            cx.expected(
                node,
                "a value, `null` or a matcher map (`present`, `contains`, `one_of`, `not`, `len`)",
            );
            None
        }
        _ => Some(cx.json(node)),
    }
}

/// `result:`: one map of fields (the first result) or a list of them.
fn result_fields(cx: &mut ParseCtx, node: &Node) -> Option<Vec<Vec<(String, Value)>>> {
    match &node.kind {
        // Every entry is read, so one wrong map hides no other.
        NodeKind::Seq(items) => {
            let maps: Vec<_> = items.iter().map(|i| field_map(cx, i)).collect();
            maps.into_iter().collect()
        }
        _ => field_map(cx, node).map(|one| vec![one]),
    }
}

fn field_map(cx: &mut ParseCtx, node: &Node) -> Option<Vec<(String, Value)>> {
    let entries = cx.free_map(node, "a map of result fields to matchers")?;
    let mut out = Vec::new();
    let mut ok = true;
    for (field, key, value) in entries {
        ok &= result_field(cx, field, key);
        match matcher(cx, value) {
            Some(m) => out.push((field.to_string(), m)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// A dotted result path must name a field of the wire type the service
/// answers with (`myna_oqs::wire::result_fields`, derived from
/// `QualificationResult`): a typo is the author's, found by `check`.
fn result_field(cx: &mut ParseCtx, field: &str, key: &Node) -> bool {
    let Err(wrong) = myna_oqs::wire::check_result_path(field) else {
        return true;
    };
    let place = if wrong.parent.is_empty() {
        "a field of ResultOfQualificationConfirmation".to_string()
    } else {
        format!("a field of `{}`", wrong.parent)
    };
    let message = if wrong.in_list {
        format!(
            "expected a list index (`0`, `1`, …) after `{}`, found `{}`",
            wrong.parent, wrong.segment
        )
    } else if wrong.known.is_empty() {
        format!(
            "expected nothing after `{}` (a value, not an object), found `{}`",
            wrong.parent, wrong.segment
        )
    } else if wrong.known.len() > 8 {
        format!(
            "expected {place} (docs/oqs.md lists them; `schema` too), found `{}`",
            wrong.segment
        )
    } else {
        format!(
            "expected {place} ({}), found `{}`",
            wrong
                .known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
            wrong.segment
        )
    };
    match did_you_mean(&wrong.segment, wrong.known.iter().map(String::as_str)) {
        Some(near) => cx.error_help(key, message, format!("did you mean `{near}`?")),
        None => cx.error(key, message),
    }
    false
}

/// `json:`: JSON pointers (`/XmlMsg/…`) to matchers.
pub fn json_pointers(cx: &mut ParseCtx, node: &Node) -> Option<Vec<(String, Value)>> {
    let entries = cx.free_map(node, "a map of JSON pointers to matchers")?;
    let mut out = Vec::new();
    let mut ok = true;
    for (pointer, key, value) in entries {
        if !pointer.starts_with('/') {
            cx.error(
                key,
                format!("expected a JSON pointer starting with `/`, found `{pointer}`"),
            );
            ok = false;
            continue;
        }
        match matcher(cx, value) {
            Some(m) => out.push((pointer.to_string(), m)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `capture:`: `{ var: status | /json/pointer }` or the long form with
/// `secret: true`.
fn captures(cx: &mut ParseCtx, node: &Node) -> Vec<OqsCapture> {
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
        let source = match text {
            "status" => CaptureSource::Status,
            pointer if pointer.starts_with('/') => CaptureSource::Pointer(pointer.to_string()),
            other => {
                cx.error(
                    entry.value,
                    format!("expected a capture source (`status` or a JSON pointer like `/XmlMsg/MessageBody/QualificationValidity`), found `{other}`"),
                );
                continue;
            }
        };
        out.push(OqsCapture {
            name: entry.name.to_string(),
            source,
            secret: entry.secret,
            at,
        });
    }
    out
}
