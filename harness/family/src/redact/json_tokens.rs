//! Whether the compact text of a JSON value (`serde_json::to_string`) may
//! hold a secret, told from its tokens without writing that text.
//!
//! Evidence of an HTTP exchange is JSON and is masked as its text
//! (`masked_json` in evidence.rs): writing the text only to find nothing
//! in it was most of a reader step's evidence cost. In compact JSON two
//! tokens (a string, a number, a literal) are always apart by a structural
//! byte (`,` `:` `[` `]` `{` `}` or a string's quote), so a secret none of
//! whose forms holds such a byte, nor one a string escapes, can only occur
//! inside one token; and a string with nothing to escape is written as
//! itself. Where either does not hold, only the text can tell.

use std::fmt::Write as _;

use serde_json::Value;

use super::Redactor;

/// Whether a string holding `byte` is not written as itself (serde_json
/// escapes `"`, `\` and control characters).
fn escaped(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

/// Whether an occurrence of a form holding `byte` could span two tokens of
/// a compact JSON text, or differ from the text of an escaped string.
pub(super) fn splits_tokens(byte: u8) -> bool {
    escaped(byte) || matches!(byte, b',' | b':' | b'[' | b']' | b'{' | b'}')
}

impl Redactor {
    /// Whether a secret may occur in `serde_json::to_string(value)`:
    /// `false` only where certain that none does (then masking the text
    /// would change nothing). Same answer as scanning the text for a
    /// secret whenever it says `false`; a `true` may be wrong, so the
    /// caller then masks the text itself.
    pub fn json_may_hold_secret(&self, value: &Value) -> bool {
        if self.is_empty() {
            return false;
        }
        if !self.forms_stay_within_json_tokens() {
            return true;
        }
        let mut number = String::new();
        tokens_may_hold(value, self, &mut number)
    }
}

fn tokens_may_hold(value: &Value, redactor: &Redactor, number: &mut String) -> bool {
    match value {
        Value::Null => redactor.text_touched(b"null"),
        Value::Bool(true) => redactor.text_touched(b"true"),
        Value::Bool(false) => redactor.text_touched(b"false"),
        Value::Number(n) => {
            number.clear();
            // serde_json writes a number as its Display shows it.
            let _ = write!(number, "{n}");
            redactor.text_touched(number.as_bytes())
        }
        Value::String(text) => string_may_hold(text, redactor),
        Value::Array(items) => items
            .iter()
            .any(|item| tokens_may_hold(item, redactor, number)),
        Value::Object(map) => map.iter().any(|(key, item)| {
            string_may_hold(key, redactor) || tokens_may_hold(item, redactor, number)
        }),
    }
}

fn string_may_hold(text: &str, redactor: &Redactor) -> bool {
    text.bytes().any(escaped) || redactor.text_touched(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redactor(secrets: &[&str]) -> Redactor {
        let mut redactor = Redactor::default();
        for secret in secrets {
            redactor.add_text(secret);
        }
        redactor
    }

    /// What masking the text decides.
    fn text_holds(value: &Value, redactor: &Redactor) -> bool {
        matches!(
            redactor.text_cow(&value.to_string()),
            std::borrow::Cow::Owned(_)
        )
    }

    #[test]
    fn a_secret_in_any_token_is_seen() {
        let r = redactor(&["1234", "hunter2"]);
        for value in [
            json!({"pin": "1234"}),
            json!({"1234": 0}),
            json!([5, 12345]),
            json!({"a": {"b": ["x", "my hunter2 pw"]}}),
            // Hex of the secret's bytes: "1234" is 31323334.
            json!({"data": "0031323334"}),
            json!({"data": "68756e74657232"}),
        ] {
            assert!(r.json_may_hold_secret(&value), "{value}");
            assert!(text_holds(&value, &r), "{value}");
        }
        let clean = json!({"pin": "12 34", "n": 123, "ok": true, "none": null});
        assert!(!r.json_may_hold_secret(&clean));
        assert!(!text_holds(&clean, &r));
    }

    #[test]
    fn literals_are_tokens_too() {
        let r = redactor(&["null", "ru"]);
        assert!(r.json_may_hold_secret(&json!({"a": null})));
        assert!(r.json_may_hold_secret(&json!([true])));
        assert!(!r.json_may_hold_secret(&json!([false, 1])));
    }

    #[test]
    fn what_only_the_text_can_tell_is_left_to_it() {
        // A secret with a structural byte may span tokens: `"a","b"`.
        let spanning = redactor(&["a\",\"b"]);
        let value = json!(["a", "b"]);
        assert!(text_holds(&value, &spanning));
        assert!(spanning.json_may_hold_secret(&value));
        // An escaped string is not written as itself: `"x\nb"` holds "nb".
        let r = redactor(&["nb"]);
        let value = json!({"k": "x\nb"});
        assert!(text_holds(&value, &r));
        assert!(r.json_may_hold_secret(&value));
        // Nothing registered: nothing to find.
        assert!(!Redactor::default().json_may_hold_secret(&value));
    }

    fn leaf() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[0-9a-fA-F\"\\\\\n,:{}ab ]{0,12}".prop_map(Value::String),
        ]
    }

    proptest::proptest! {
        /// A `false` is never wrong: the text then holds no secret, for
        /// secrets made of digits, hex letters and the bytes that split
        /// tokens.
        #[test]
        fn no_means_the_text_holds_none(
            secrets in proptest::collection::vec("[0-9a-fA-F,:\"nulr]{1,4}", 1..4),
            value in proptest::prelude::Strategy::prop_recursive(leaf(), 3, 16, 4, |inner| {
                use proptest::prelude::*;
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    proptest::collection::btree_map("[0-9a-f\":]{0,6}", inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            }),
        ) {
            let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let r = redactor(&refs);
            if !r.json_may_hold_secret(&value) {
                proptest::prop_assert!(!text_holds(&value, &r), "{value} {secrets:?}");
            }
        }
    }
}
