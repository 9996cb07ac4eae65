//! Steps of families other than `card` are kept as written: YAML → a
//! JSON-like [`serde_json::Value`]. Plain scalars `true`/`false` become
//! booleans and plain decimal numbers become numbers; quoted scalars stay
//! strings; map keys are strings (serde_json orders them by name).

use serde_json::{Map, Number, Value};

use crate::ctx::Ctx;
use crate::yaml::{Node, NodeKind};

/// The JSON-like value of `node`; non-string map keys are reported.
pub(crate) fn generic_value(ctx: &mut Ctx, node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Scalar { text, plain: true } => plain_scalar(text),
        NodeKind::Scalar { text, plain: false } => Value::String(text.clone()),
        NodeKind::Seq(items) => {
            Value::Array(items.iter().map(|item| generic_value(ctx, item)).collect())
        }
        NodeKind::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                if let Some(key) = ctx.str(key, "a key (a string)") {
                    let key = key.to_string();
                    let value = generic_value(ctx, value);
                    map.insert(key, value);
                }
            }
            Value::Object(map)
        }
    }
}

fn plain_scalar(text: &str) -> Value {
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let numeric = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    if numeric {
        if let Ok(int) = text.parse::<i64>() {
            return Value::Number(int.into());
        }
        if let Some(number) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(number);
        }
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;
    use serde_json::json;

    #[test]
    fn typing_follows_plain_versus_quoted() {
        let mut ctx = Ctx::new("g.yaml");
        let node = parse(
            &ctx.file,
            "{a: 1, b: '1', c: true, d: 'true', e: 2.5, f: ~, g: [x, -3], h: 6E00x, i: 1e3}",
        )
        .unwrap();
        let value = generic_value(&mut ctx, &node);
        assert_eq!(
            value,
            json!({"a": 1, "b": "1", "c": true, "d": "true", "e": 2.5, "f": null, "g": ["x", -3], "h": "6E00x", "i": 1000.0})
        );
        assert!(ctx.diags.is_empty());
    }

    #[test]
    fn non_string_keys_are_reported() {
        let mut ctx = Ctx::new("g.yaml");
        let node = parse(&ctx.file, "? [a]\n: 1\n").unwrap();
        let value = generic_value(&mut ctx, &node);
        assert_eq!(value, json!({}));
        assert_eq!(ctx.diags.len(), 1);
    }
}
