//! `vars:` → [`Variable`]s: `name: value` or `name: { value, secret: true }`.

use crate::ast::Variable;
use crate::ctx::Ctx;
use crate::secret_entry::{secret_entries, LongForm, SecretEntry};
use crate::vocabulary::VAR_KEYS;
use crate::yaml::Node;

/// Converts a `vars:` map.
pub(crate) fn variables(ctx: &mut Ctx, node: &Node) -> Vec<Variable> {
    let long = LongForm {
        inner: "value",
        keys: VAR_KEYS,
        what: "the variable's value",
    };
    let mut out = Vec::new();
    for entry in secret_entries(ctx, node, "a map of variable names to values", &long) {
        let SecretEntry {
            name,
            key: key_node,
            value: value_node,
            secret,
        } = entry;
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
