//! JSON Schema of `reader` steps, from the vocabulary tables the parser
//! reads them with.

use myna_scenario::{enum_description, text_schema, Doc, StepSchema};
use serde_json::{json, Map, Value};

use crate::vocabulary::{
    buttons, consent_items, screens, AUTHS, CARD_KINDS, CHOICES, ENDS, EXPECT_KEYS, FACE_OUTCOMES,
    KEYWORDS, METHODS, PHONES, PLACEMENTS, RECORD_KEYS, TRACE_KEYS,
};

fn names(description: &str, table: &[Doc]) -> Value {
    json!({
        "enum": table.iter().map(|d| d.name).collect::<Vec<_>>(),
        "description": enum_description(description, table),
    })
}

fn empty(description: &str) -> Value {
    json!({ "type": ["object", "null"], "additionalProperties": false, "description": description })
}

fn object(description: &str, properties: Map<String, Value>) -> Value {
    json!({ "type": "object", "additionalProperties": false, "properties": properties, "description": description })
}

fn per_item(description: &str, value: Value) -> Value {
    let mut properties = Map::new();
    for item in consent_items() {
        properties.insert(item.name.to_string(), value.clone());
    }
    object(description, properties)
}

fn screen_id(description: &str) -> Value {
    json!({
        "anyOf": [
            names("a core screen id", screens()),
            { "type": "string", "pattern": "^vendor:.+", "description": "a vendor screen id" }
        ],
        "description": description
    })
}

fn doc_of(table: &[Doc], name: &str) -> &'static str {
    table
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.doc)
        .unwrap_or("")
}

fn action(keyword: &str) -> Value {
    let doc = doc_of(KEYWORDS, keyword);
    match keyword {
        "place_card" => {
            let mut p = Map::new();
            p.insert("card".into(), names("what card", CARD_KINDS));
            p.insert(
                "placement".into(),
                names("how it lies (seed 003)", PLACEMENTS),
            );
            p.insert("face_only_marking".into(), json!({ "type": "boolean", "description": "the card face carries the 「顔認証」 marking" }));
            json!({ "anyOf": [names("a card kind", CARD_KINDS), object("the card and how it lies", p), { "type": "null", "description": "the scenario's card, placed correctly" }], "description": doc })
        }
        "choose_method" => names(doc, METHODS),
        "face_result" => names(doc, FACE_OUTCOMES),
        "press" => names(doc, buttons()),
        "select_phone" => names(doc, PHONES),
        "enter_pin" => text_schema(doc),
        "reader_clock" => {
            let mut p = Map::new();
            p.insert(
                "advance".into(),
                text_schema("seconds, or a number with s, m, h or d"),
            );
            p.insert("set".into(), text_schema("YYYY-MM-DDTHH:MM[:SS]"));
            object(doc, p)
        }
        "reader_config" => {
            let mut p = Map::new();
            for (key, what) in [
                (
                    "screen_timeout_s",
                    "seconds a waiting screen waits (default 60)",
                ),
                (
                    "forgotten_card_s",
                    "seconds before the forgotten-card reminder (default 10)",
                ),
                (
                    "face_attempts",
                    "face attempts before face_failed (default 3)",
                ),
                (
                    "eligibility_timeout_ms",
                    "milliseconds the eligibility answer may take (default 5000)",
                ),
                (
                    "expiry_warning_months",
                    "months before expiry the reader warns (default 3)",
                ),
                (
                    "phone_min_age",
                    "youngest age for the smartphone card (default 15)",
                ),
            ] {
                p.insert(
                    key.into(),
                    json!({ "type": "integer", "minimum": 0, "description": what }),
                );
            }
            p.insert(
                "institution_code".into(),
                text_schema("医療機関コード sent with each lookup"),
            );
            json!({ "type": ["object", "null"], "additionalProperties": false, "properties": p, "description": doc })
        }
        _ => empty(doc),
    }
}

fn expect() -> Value {
    let mut p = Map::new();
    for key in EXPECT_KEYS {
        let schema = match key.name {
            "screen" => screen_id(key.doc),
            "fields" => {
                json!({ "type": "object", "additionalProperties": text_schema("the value shown"), "description": key.doc })
            }
            "accepted" => json!({ "type": "boolean", "description": key.doc }),
            "records" => json!({ "type": "integer", "minimum": 0, "description": key.doc }),
            "record" => record(key.doc),
            "consent_state" => per_item(
                key.doc,
                json!({ "enum": ["0", "1", "2"], "description": "0 none, 1 valid, 2 expired" }),
            ),
            _ => trace(key.doc),
        };
        p.insert(key.name.to_string(), schema);
    }
    object(
        "what the reader must show, have written and have sent to the card",
        p,
    )
}

fn record(description: &str) -> Value {
    let mut p = Map::new();
    for key in RECORD_KEYS {
        let schema = match key.name {
            "end" => names(key.doc, ENDS),
            "auth" => names(key.doc, AUTHS),
            "last_screen" | "outcome" => json!({ "type": "string", "description": key.doc }),
            "consents" => per_item(key.doc, names("a choice", CHOICES)),
            "flags" => per_item(
                key.doc,
                json!({ "enum": ["0", "1"], "description": "同意区分" }),
            ),
            "timed" => per_item(
                key.doc,
                json!({ "type": "boolean", "description": "the choice's time is recorded" }),
            ),
            _ => text_schema(key.doc),
        };
        p.insert(key.name.to_string(), schema);
    }
    object(description, p)
}

fn trace(description: &str) -> Value {
    let mut p = Map::new();
    for key in TRACE_KEYS {
        let schema = match key.name {
            "my_number_read" | "verify_when_blocked" => {
                json!({ "type": "boolean", "description": key.doc })
            }
            _ => json!({ "type": "integer", "minimum": 0, "description": key.doc }),
        };
        p.insert(key.name.to_string(), schema);
    }
    object(description, p)
}

/// The schema of the step `keyword`.
pub fn step_schema(keyword: &str) -> StepSchema {
    StepSchema {
        action: action(keyword),
        expect: Some(expect()),
        capture: None,
    }
}
