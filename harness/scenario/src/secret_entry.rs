//! The shape shared by `vars:` and `capture:`: a map of variable names,
//! each to a plain value or to `{ <inner>: value, secret: bool }`.

use crate::parse_ctx::ParseCtx;
use crate::template::is_var_name;
use crate::yaml::{Node, NodeKind};

/// One entry: its name, where the name is written, the value node and
/// whether it was declared secret.
pub struct SecretEntry<'a> {
    /// The variable's name.
    pub name: &'a str,
    /// Where the name is written.
    pub key: &'a Node,
    /// The value (a `vars:` value, a capture source).
    pub value: &'a Node,
    /// Declared `secret: true`.
    pub secret: bool,
}

/// What the long form is called in messages.
pub struct LongForm<'k> {
    /// The key holding the value (`value` for vars, `from` for captures).
    pub inner: &'static str,
    /// Allowed keys of the long form.
    pub keys: &'k [&'k str],
    /// How the value is described when missing.
    pub what: &'static str,
}

/// Every well-formed entry of `node`; problems are reported to `ctx`.
/// Families read their `capture:` maps with it, so every family's captures
/// have the same shape.
pub fn secret_entries<'a>(
    ctx: &mut ParseCtx,
    node: &'a Node,
    what: &str,
    long: &LongForm<'_>,
) -> Vec<SecretEntry<'a>> {
    let Some(entries) = ctx.free_map(node, what) else {
        return Vec::new();
    };
    let shape = format!("`{{ {}, secret }}`", long.inner);
    let mut out = Vec::new();
    for (name, key, value) in entries {
        if !is_var_name(name) || name == "persona" {
            ctx.expected(
                key,
                "a variable name (letters, digits, `_`, `-`; not `persona`)",
            );
            continue;
        }
        let (value, secret) = match &value.kind {
            NodeKind::Map(_) => {
                let Some(fields) = ctx.map(value, &shape, long.keys, false) else {
                    continue;
                };
                let secret = match fields.get("secret") {
                    Some(secret) => ctx.bool(secret).unwrap_or(false),
                    None => false,
                };
                let Some(inner) = fields.get(long.inner) else {
                    ctx.missing(value, long.inner, long.what);
                    continue;
                };
                (inner, secret)
            }
            _ => (value, false),
        };
        out.push(SecretEntry {
            name,
            key,
            value,
            secret,
        });
    }
    out
}
