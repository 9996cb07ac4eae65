//! Finding a value in an answer by a JSON pointer (RFC 6901) or a dotted
//! result path, without allocating: `serde_json::Value::pointer` copies
//! every token (to unescape `~0`/`~1`), and a step checks a dozen places of
//! each answer. Same rules as `Value::pointer` (a test holds them equal);
//! written here because no maintained crate walks a `serde_json::Value`
//! by borrowed tokens.

use std::borrow::Cow;

use serde_json::Value;

/// The value at `pointer` (`""` is the whole value, else `/a/0/b`).
pub(crate) fn at_pointer<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    walk(value, pointer.strip_prefix('/')?.split('/'))
}

/// The value at a dotted result path (`InsurerNumber`,
/// `ElderlyRecipientCertificateInfo.ElderlyRecipientContributionRatio`,
/// `List.0.Field`): the pointer `/` + the path with its dots as slashes.
pub(crate) fn at_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    walk(value, path.split(['.', '/']))
}

fn walk<'v, 't>(mut value: &'v Value, tokens: impl Iterator<Item = &'t str>) -> Option<&'v Value> {
    for token in tokens {
        let token = if token.contains('~') {
            Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(token)
        };
        value = match value {
            Value::Object(map) => map.get(token.as_ref())?,
            Value::Array(list) => list.get(index(&token)?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// An array index as RFC 6901 writes it: digits, no sign, no leading zero.
fn index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_what_value_pointer_finds() {
        let v = json!({
            "a": { "b": [10, { "c": "x" }], "d/e": 1, "f~g": 2, "": 3 },
            "list": [[0, 1], "s"]
        });
        for pointer in [
            "",
            "/",
            "/a",
            "/a/b",
            "/a/b/0",
            "/a/b/1/c",
            "/a/b/01",
            "/a/b/+1",
            "/a/b/2",
            "/a/b/-1",
            "/a/d~1e",
            "/a/f~0g",
            "/a/",
            "/list/0/1",
            "/list/1/x",
            "a",
            "/zz",
            "/a/b/1/c/d",
            "/a/b/ 1",
        ] {
            assert_eq!(at_pointer(&v, pointer), v.pointer(pointer), "{pointer:?}");
        }
        for path in [
            "a.b.1.c",
            "a.b.0",
            "a.d~1e",
            "list.0.0",
            "a.zz",
            "a.b.1.c.d",
        ] {
            let pointer = format!("/{}", path.replace('.', "/"));
            assert_eq!(at_path(&v, path), v.pointer(&pointer), "{path:?}");
        }
    }
}
