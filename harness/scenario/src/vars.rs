//! `vars:` → [`Variable`]s: `name: value` or `name: { value, secret: true }`.

use crate::ast::Variable;
use crate::ctx::Ctx;
use crate::template::is_var_name;
use crate::vocabulary::VAR_KEYS;
use crate::yaml::{Node, NodeKind};

/// Converts a `vars:` map.
pub(crate) fn variables(ctx: &mut Ctx, node: &Node) -> Vec<Variable> {
    let Some(entries) = ctx.free_map(node, "a map of variable names to values") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, key_node, value) in entries {
        if !is_var_name(name) || name == "persona" {
            ctx.expected(
                key_node,
                "a variable name (letters, digits, `_`, `-`; not `persona`)",
            );
            continue;
        }
        let (value_node, secret) = match &value.kind {
            NodeKind::Map(_) => {
                let Some(fields) = ctx.map(value, "`{ value, secret }`", VAR_KEYS, false) else {
                    continue;
                };
                let secret = match fields.get("secret") {
                    Some(secret) => ctx.bool(secret).unwrap_or(false),
                    None => false,
                };
                let Some(inner) = fields.get("value") else {
                    ctx.missing(value, "value", "the variable's value");
                    continue;
                };
                (inner, secret)
            }
            _ => (value, false),
        };
        if let Some(template) = ctx.template(value_node, "a value (a string)") {
            out.push(Variable {
                name: name.to_string(),
                value: template,
                secret,
                at: ctx.at(key_node),
            });
        }
    }
    out
}
