//! Parses `reader` steps into [`ReaderStep`]s, every problem located
//! (STYLE 13: a wrong screen id, button or key is a `check` error).

use std::sync::Arc;

use myna_reader::{
    Button, CardKind, ClockChange, ConsentChoice, ConsentItem, FaceOutcome, Method, Phone,
    Placement, ReaderConfig, ScreenName, Stimulus,
};
use myna_scenario::{Doc, Node, NodeKind, ParseCtx, StepBody, StepParser, StepSource};
use serde::de::DeserializeOwned;

use crate::step::{Expected, ReaderAction, ReaderExpect, ReaderStep, RecordExpect, TraceExpect};
use crate::vocabulary::{
    buttons, consent_items, screens, AUTHS, CARD_KINDS, CHOICES, ENDS, EXPECT_KEYS, FACE_OUTCOMES,
    KEYWORDS, METHODS, PHONES, PLACEMENTS, RECORD_KEYS, TRACE_KEYS,
};

/// The `reader` parser (stateless).
pub struct ReaderParser;

impl StepParser for ReaderParser {
    fn parse(&mut self, cx: &mut ParseCtx, step: StepSource<'_>) -> Option<Arc<dyn StepBody>> {
        let keyword = KEYWORDS.iter().find(|k| k.name == step.keyword)?.name;
        if step.capture.is_some() {
            if let Some(node) = step.capture {
                cx.error(node, "reader steps capture nothing; remove `capture:`");
            }
        }
        let action = action(cx, keyword, step.value);
        let expect = match step.expect {
            Some(node) => expectations(cx, node),
            None => Some(ReaderExpect::default()),
        };
        Some(Arc::new(ReaderStep::new(keyword, action?, expect?)))
    }
}

/// A name of `table` turned into the model's serde enum `T`.
fn named<T: DeserializeOwned>(
    cx: &mut ParseCtx,
    node: &Node,
    what: &str,
    table: &[Doc],
) -> Option<T> {
    let name = cx.choice_doc(node, what, table)?;
    match serde_json::from_value(serde_json::Value::String(name.to_string())) {
        Ok(value) => Some(value),
        Err(e) => {
            cx.error(
                node,
                format!("`{name}` is in the vocabulary but not in the model ({e}); this is a myna-conform bug, please report it"),
            );
            None
        }
    }
}

fn empty(cx: &mut ParseCtx, node: &Node) -> Option<()> {
    cx.map(node, "an empty map `{}`", &[], true).map(drop)
}

fn action(cx: &mut ParseCtx, keyword: &'static str, value: &Node) -> Option<ReaderAction> {
    let stimulus = match keyword {
        "place_card" => place_card(cx, value)?,
        "remove_card" => {
            empty(cx, value)?;
            Stimulus::RemoveCard
        }
        "choose_method" => Stimulus::ChooseMethod {
            method: named::<Method>(cx, value, "a method", METHODS)?,
        },
        "face_result" => Stimulus::FaceResult {
            outcome: named::<FaceOutcome>(cx, value, "a face outcome", FACE_OUTCOMES)?,
        },
        "press" => Stimulus::Press {
            button: named::<Button>(cx, value, "a button", buttons())?,
        },
        "enter_pin" => {
            return cx
                .secret_template(value, "PIN digits")
                .map(ReaderAction::EnterPin)
        }
        "select_phone" => Stimulus::SelectPhone {
            phone: named::<Phone>(cx, value, "a phone", PHONES)?,
        },
        "phone_authenticated" => {
            empty(cx, value)?;
            Stimulus::PhoneAuthenticated
        }
        "hold_phone" => {
            empty(cx, value)?;
            Stimulus::HoldPhone
        }
        "staff_visual_check" => {
            empty(cx, value)?;
            Stimulus::StaffVisualCheck
        }
        "reader_clock" => Stimulus::Clock {
            change: clock(cx, value)?,
        },
        "reader_config" => return config(cx, value).map(|c| ReaderAction::Config(Box::new(c))),
        _ => {
            empty(cx, value)?;
            return Some(ReaderAction::Observe);
        }
    };
    Some(ReaderAction::Stimulus(stimulus))
}

fn place_card(cx: &mut ParseCtx, value: &Node) -> Option<Stimulus> {
    if let NodeKind::Scalar { .. } = value.kind {
        let card = named::<CardKind>(cx, value, "a card kind", CARD_KINDS)?;
        return Some(Stimulus::PlaceCard {
            card,
            placement: Placement::Correct,
            face_only_marking: false,
        });
    }
    let fields = cx.map(
        value,
        "a card kind or a map { card, placement, face_only_marking }",
        &["card", "placement", "face_only_marking"],
        true,
    )?;
    let card = match fields.get("card") {
        Some(node) => Some(named::<CardKind>(cx, node, "a card kind", CARD_KINDS)),
        None => Some(Some(CardKind::MyNumber)),
    };
    let placement = match fields.get("placement") {
        Some(node) => Some(named::<Placement>(cx, node, "a placement", PLACEMENTS)),
        None => Some(Some(Placement::Correct)),
    };
    let marking = match fields.get("face_only_marking") {
        Some(node) => cx.bool(node),
        None => Some(false),
    };
    Some(Stimulus::PlaceCard {
        card: card??,
        placement: placement??,
        face_only_marking: marking?,
    })
}

/// `SECONDS`, or a number with `s`, `m`, `h` or `d`.
fn duration_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (text.get(..i)?, c),
        _ => (text, 's'),
    };
    let n: u64 = digits.trim().parse().ok()?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    n.checked_mul(factor).filter(|s| *s <= 400 * 86_400)
}

fn clock(cx: &mut ParseCtx, value: &Node) -> Option<ClockChange> {
    let fields = cx.map(
        value,
        "a map { advance } or { set }",
        &["advance", "set"],
        false,
    )?;
    match (fields.get("advance"), fields.get("set")) {
        (Some(node), None) => {
            let text = cx.str(node, "a duration")?;
            match duration_seconds(text) {
                Some(s) => Some(ClockChange::AdvanceSeconds(s)),
                None => {
                    cx.expected(
                        node,
                        "a duration (seconds, or a number with s, m, h or d, at most 400 days)",
                    );
                    None
                }
            }
        }
        (None, Some(node)) => {
            let text = cx.str(node, "a date and time")?;
            if myna_reader::reference::parse_time(text).is_none() {
                cx.expected(node, "a date and time YYYY-MM-DDTHH:MM[:SS]");
                return None;
            }
            Some(ClockChange::Set(text.to_string()))
        }
        _ => {
            cx.error(value, "expected exactly one of `advance`, `set`");
            None
        }
    }
}

const CONFIG_KEYS: &[&str] = &[
    "screen_timeout_s",
    "forgotten_card_s",
    "face_attempts",
    "eligibility_timeout_ms",
    "institution_code",
    "expiry_warning_months",
    "phone_min_age",
];

fn config(cx: &mut ParseCtx, value: &Node) -> Option<ReaderConfig> {
    let fields = cx.map(value, "a map of reader settings", CONFIG_KEYS, true)?;
    let mut config = ReaderConfig::default();
    let mut ok = true;
    let mut int = |cx: &mut ParseCtx, key: &str, max: u64| -> Option<Option<u64>> {
        match fields.get(key) {
            Some(node) => match cx.int(node, key, 0, max) {
                Some(v) => Some(Some(v)),
                None => {
                    ok = false;
                    None
                }
            },
            None => Some(None),
        }
    };
    if let Some(Some(v)) = int(cx, "screen_timeout_s", 86_400) {
        config.screen_timeout_s = v;
    }
    if let Some(Some(v)) = int(cx, "forgotten_card_s", 86_400) {
        config.forgotten_card_s = v;
    }
    if let Some(Some(v)) = int(cx, "face_attempts", 100) {
        config.face_attempts = u32::try_from(v).unwrap_or(100);
    }
    if let Some(Some(v)) = int(cx, "eligibility_timeout_ms", 600_000) {
        config.eligibility_timeout_ms = v;
    }
    if let Some(Some(v)) = int(cx, "expiry_warning_months", 120) {
        config.expiry_warning_months = u32::try_from(v).unwrap_or(120);
    }
    if let Some(Some(v)) = int(cx, "phone_min_age", 150) {
        config.phone_min_age = u32::try_from(v).unwrap_or(150);
    }
    if let Some(node) = fields.get("institution_code") {
        match cx.str(node, "a 医療機関コード") {
            Some(text) => config.institution_code = text.to_string(),
            None => ok = false,
        }
    }
    ok.then_some(config)
}

fn expected<T>(cx: &ParseCtx, node: &Node, value: T) -> Expected<T> {
    Expected {
        value,
        at: cx.at(node),
    }
}

fn expectations(cx: &mut ParseCtx, node: &Node) -> Option<ReaderExpect> {
    let before = cx.problems();
    let fields = cx.map_docs(node, "a map of expectations", EXPECT_KEYS, false)?;
    let mut out = ReaderExpect::default();
    if let Some(n) = fields.get("screen") {
        if let Some(text) = cx.str(n, "a screen id") {
            match ScreenName::parse(text) {
                Ok(_) => out.screen = Some(expected(cx, n, text.to_string())),
                Err(_) if text.starts_with("vendor:") => cx.error(
                    n,
                    "expected a vendor screen id `vendor:NAME`, found `vendor:`",
                ),
                Err(_) => {
                    cx.choice_doc(n, "a core screen id or `vendor:…`", screens());
                }
            }
        }
    }
    if let Some(n) = fields.get("fields") {
        if let Some(entries) = cx.free_map(n, "a map of field names to values") {
            for (name, _, value) in entries {
                if let Some(t) = cx.template(value, "a field value") {
                    out.fields.push((name.to_string(), expected(cx, value, t)));
                }
            }
        }
    }
    if let Some(n) = fields.get("accepted") {
        out.accepted = cx.bool(n).map(|b| expected(cx, n, b));
    }
    if let Some(n) = fields.get("records") {
        out.records = cx.int(n, "a count", 0, 100_000).map(|v| expected(cx, n, v));
    }
    if let Some(n) = fields.get("record") {
        out.record = record(cx, n);
    }
    if let Some(n) = fields.get("consent_state") {
        out.consent_state = per_item(cx, n, |cx, v| {
            cx.choice(v, "a 同意区分", &[("0", "0"), ("1", "1"), ("2", "2")])
                .map(str::to_string)
        });
    }
    if let Some(n) = fields.get("trace") {
        out.trace = trace(cx, n);
    }
    (cx.problems() == before).then_some(out)
}

fn per_item<T>(
    cx: &mut ParseCtx,
    node: &Node,
    mut read: impl FnMut(&mut ParseCtx, &Node) -> Option<T>,
) -> Vec<(ConsentItem, Expected<T>)> {
    let Some(fields) = cx.map_docs(node, "a map of consent items", consent_items(), false) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in ConsentItem::ALL {
        if let Some(v) = fields.get(item.as_str()) {
            if let Some(value) = read(cx, v) {
                out.push((*item, expected(cx, v, value)));
            }
        }
    }
    out
}

fn text_of(cx: &mut ParseCtx, node: &Node, what: &str, table: &[Doc]) -> Option<Expected<String>> {
    cx.choice_doc(node, what, table)
        .map(|t| expected(cx, node, t.to_string()))
}

fn record(cx: &mut ParseCtx, node: &Node) -> Option<RecordExpect> {
    let fields = cx.map_docs(node, "a map of record expectations", RECORD_KEYS, false)?;
    let mut out = RecordExpect::default();
    if let Some(n) = fields.get("end") {
        out.end = text_of(cx, n, "a visit end", ENDS);
    }
    if let Some(n) = fields.get("auth") {
        out.auth = text_of(cx, n, "an authentication", AUTHS);
    }
    if let Some(n) = fields.get("serial") {
        out.serial = cx.template(n, "a serial").map(|t| expected(cx, n, t));
    }
    for (key, slot) in [
        ("last_screen", &mut out.last_screen),
        ("outcome", &mut out.outcome),
    ] {
        if let Some(n) = fields.get(key) {
            if let Some(text) = cx.str(n, "a screen id") {
                if (text == "none" && key == "outcome") || ScreenName::parse(text).is_ok() {
                    *slot = Some(expected(cx, n, text.to_string()));
                } else {
                    cx.choice_doc(n, "a core screen id", screens());
                }
            }
        }
    }
    if let Some(n) = fields.get("validity") {
        out.validity = cx
            .str(n, "a QualificationValidity")
            .map(|t| expected(cx, n, t.to_string()));
    }
    if let Some(n) = fields.get("name") {
        out.name = cx.template(n, "a name").map(|t| expected(cx, n, t));
    }
    if let Some(n) = fields.get("consents") {
        out.consents = per_item(cx, n, |cx, v| {
            named::<ConsentChoice>(cx, v, "a consent choice", CHOICES)
        });
    }
    if let Some(n) = fields.get("flags") {
        out.flags = per_item(cx, n, |cx, v| {
            cx.choice(v, "a 同意区分", &[("0", "0"), ("1", "1")])
                .map(str::to_string)
        });
    }
    if let Some(n) = fields.get("timed") {
        out.timed = per_item(cx, n, |cx, v| cx.bool(v));
    }
    Some(out)
}

fn trace(cx: &mut ParseCtx, node: &Node) -> Option<TraceExpect> {
    let fields = cx.map_docs(node, "a map of trace expectations", TRACE_KEYS, false)?;
    let mut out = TraceExpect::default();
    if let Some(n) = fields.get("my_number_read") {
        out.my_number_read = cx.bool(n).map(|b| expected(cx, n, b));
    }
    if let Some(n) = fields.get("verify_when_blocked") {
        out.verify_when_blocked = cx.bool(n).map(|b| expected(cx, n, b));
    }
    if let Some(n) = fields.get("pin_verifies") {
        out.pin_verifies = cx.int(n, "a count", 0, 1000).map(|v| expected(cx, n, v));
    }
    if let Some(n) = fields.get("phone_pin_verifies") {
        out.phone_pin_verifies = cx.int(n, "a count", 0, 1000).map(|v| expected(cx, n, v));
    }
    if let Some(n) = fields.get("max_verifies_per_entry") {
        out.max_verifies_per_entry = cx.int(n, "a count", 0, 1000).map(|v| expected(cx, n, v));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("90"), Some(90));
        assert_eq!(duration_seconds("25h"), Some(90_000));
        assert_eq!(duration_seconds("2m"), Some(120));
        assert_eq!(duration_seconds("1d"), Some(86_400));
        assert_eq!(duration_seconds("h"), None);
        assert_eq!(duration_seconds("5y"), None);
        assert_eq!(duration_seconds("999d"), None);
    }
}
