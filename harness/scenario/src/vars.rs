//! `vars:` → [`Variable`]s: `name: value` or `name: { value, secret: true }`.

use crate::ast::Variable;
use crate::keys::VAR_KEYS;
use crate::parse_ctx::{CaptureDecl, ParseCtx};
use crate::scope::Scope;
use crate::secret_entry::{secret_entries, LongForm, SecretEntry};
use crate::yaml::Node;

/// Converts a `vars:` map; each variable's references and its definition
/// go to `scope`, in order (a variable may refer to earlier ones).
pub(crate) fn variables(ctx: &mut ParseCtx, node: &Node, scope: &mut Scope) -> Vec<Variable> {
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
        let template = ctx.template(value_node, "a value (a string)");
        let (refs, _) = ctx.take_vars();
        let at = ctx.at(key_node);
        let defined = CaptureDecl {
            name: name.to_string(),
            secret,
            at: at.clone(),
        };
        scope.step(refs, vec![defined]);
        if let Some(template) = template {
            out.push(Variable {
                name: name.to_string(),
                value: template,
                secret,
                at,
            });
        }
    }
    out
}
