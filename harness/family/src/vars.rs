//! Variables a scenario can refer to as `${name}`: persona fields, scenario
//! `vars`, and captures of earlier steps. Each value knows whether it is a
//! secret, and rendering a template says whether a secret went into it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use myna_scenario::{Template, TemplatePart};

use crate::family::BuiltinValue;
use crate::redact::Redactor;

/// One variable's value.
#[derive(Clone, Debug)]
pub struct Value {
    /// The text (hex for captures).
    pub text: String,
    /// Whether it must never appear in output.
    pub secret: bool,
    /// The bytes the text encodes as hex, decoded on first use (a
    /// persona's certificate is compared with every scenario's read).
    decoded: OnceLock<Option<Box<[u8]>>>,
}

impl Value {
    fn new(text: String, secret: bool) -> Self {
        Value {
            text,
            secret,
            decoded: OnceLock::new(),
        }
    }

    /// The bytes the text spells in hex (whitespace between digits
    /// allowed), decoded once; `None` when it is not an even run of hex
    /// digits.
    pub fn hex_bytes(&self) -> Option<&[u8]> {
        self.decoded
            .get_or_init(|| {
                myna_scenario::parse_hex(&self.text)
                    .ok()
                    .map(Vec::into_boxed_slice)
            })
            .as_deref()
    }
}

/// A family's builtin values (a persona's ~45 `${persona.*}`), made once
/// into a lookup table and a redactor of their secrets, and shared by every
/// scenario that opens them: opening a scenario costs a reference count,
/// not a copy of each value.
#[derive(Clone, Default)]
pub struct BuiltinValues(Arc<Prepared>);

#[derive(Default)]
struct Prepared {
    list: Vec<BuiltinValue>,
    values: HashMap<String, Value>,
    redactor: Redactor,
}

impl BuiltinValues {
    /// Prepares `values` (a later value of the same name wins).
    pub fn new(list: Vec<BuiltinValue>) -> Self {
        let mut values = HashMap::with_capacity(list.len());
        let mut redactor = Redactor::default();
        for value in &list {
            if value.secret {
                redactor.add_text(&value.value);
            }
            values.insert(
                value.name.clone(),
                Value::new(value.value.clone(), value.secret),
            );
        }
        BuiltinValues(Arc::new(Prepared {
            list,
            values,
            redactor,
        }))
    }

    /// The values, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &BuiltinValue> {
        self.0.list.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.list.is_empty()
    }

    /// A redactor that knows every secret among them.
    pub fn redactor(&self) -> &Redactor {
        &self.0.redactor
    }
}

impl From<Vec<BuiltinValue>> for BuiltinValues {
    fn from(list: Vec<BuiltinValue>) -> Self {
        BuiltinValues::new(list)
    }
}

/// Shows the names only: a value may be a PIN.
impl std::fmt::Debug for BuiltinValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.list.iter()).finish()
    }
}

/// The variable scope of one scenario run: the families' builtin values,
/// shared, under the values the scenario set itself.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    values: HashMap<String, Value>,
    /// The families' builtin values, looked up after `values`; a later
    /// layer's value of a name wins over an earlier one's.
    builtins: Vec<BuiltinValues>,
    /// How many times a value was set.
    writes: u64,
}

/// A rendered template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The text.
    pub text: String,
    /// Whether any secret was substituted into it.
    pub secret: bool,
}

/// A `${name}` with no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndefinedVariable(pub String);

impl Vars {
    /// Sets `name` (overwriting).
    pub fn set(&mut self, name: impl Into<String>, text: impl Into<String>, secret: bool) {
        self.writes += 1;
        self.values
            .insert(name.into(), Value::new(text.into(), secret));
    }

    /// Adds a family's builtin values, shared (not counted as writes).
    pub fn add_builtins(&mut self, builtins: &BuiltinValues) {
        if !builtins.is_empty() {
            self.builtins.push(builtins.clone());
        }
    }

    /// How many times a value was set so far: a step that changed it
    /// captured something.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).or_else(|| {
            self.builtins
                .iter()
                .rev()
                .find_map(|layer| layer.0.values.get(name))
        })
    }

    /// Every value that is visible, by name (a scenario's own value hides
    /// a builtin of the same name, a later family's builtin an earlier's).
    fn visible(&self) -> impl Iterator<Item = (&String, &Value)> {
        let own = self.values.iter();
        let builtins = self
            .builtins
            .iter()
            .enumerate()
            .flat_map(move |(at, layer)| {
                layer.0.values.iter().filter(move |(name, _)| {
                    !self.values.contains_key(*name)
                        && !self.builtins[at + 1..]
                            .iter()
                            .any(|later| later.0.values.contains_key(*name))
                })
            });
        own.chain(builtins)
    }

    /// Every secret value, for the redactor.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.visible()
            .filter(|(_, v)| v.secret)
            .map(|(_, v)| v.text.as_str())
    }

    /// The bytes a template of one `${name}` holds as hex, decoded once
    /// per value, and whether they are secret; `None` for any other
    /// template or a value that is not hex.
    pub fn var_bytes(&self, template: &Template) -> Option<(&[u8], bool)> {
        let [TemplatePart::Var(name)] = template.parts.as_slice() else {
            return None;
        };
        let value = self.get(name)?;
        Some((value.hex_bytes()?, value.secret))
    }

    /// Substitutes every `${name}`.
    pub fn render(&self, template: &Template) -> Result<Rendered, UndefinedVariable> {
        let (text, secret_spans) = self.render_with_secret_spans(template)?;
        Ok(Rendered {
            text,
            secret: !secret_spans.is_empty(),
        })
    }

    /// [`render`](Self::render) without copying when the template is one
    /// literal or one `${name}` (most are: a step's hex, a
    /// `${persona.auth_cert}` to compare with): the text borrowed, and
    /// whether it is secret.
    pub fn render_cow<'t>(
        &'t self,
        template: &'t Template,
    ) -> Result<(Cow<'t, str>, bool), UndefinedVariable> {
        match template.parts.as_slice() {
            [] => Ok((Cow::Borrowed(""), false)),
            [TemplatePart::Literal(text)] => Ok((Cow::Borrowed(text), false)),
            [TemplatePart::Var(name)] => {
                let value = self
                    .get(name)
                    .ok_or_else(|| UndefinedVariable(name.clone()))?;
                Ok((Cow::Borrowed(&value.text), value.secret))
            }
            _ => self
                .render(template)
                .map(|r| (Cow::Owned(r.text), r.secret)),
        }
    }

    /// Every variable as `(name, text)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.visible().map(|(k, v)| (k.as_str(), v.text.as_str()))
    }

    /// Renders `template` and says which bytes of the text came from secret
    /// variables, as `(start, end)` ranges.
    pub fn render_with_secret_spans(
        &self,
        template: &Template,
    ) -> Result<(String, Vec<(usize, usize)>), UndefinedVariable> {
        let mut text = String::new();
        let mut spans = Vec::new();
        for part in &template.parts {
            match part {
                TemplatePart::Literal(s) => text.push_str(s),
                TemplatePart::Var(name) => {
                    let value = self
                        .get(name)
                        .ok_or_else(|| UndefinedVariable(name.clone()))?;
                    let start = text.len();
                    text.push_str(&value.text);
                    if value.secret {
                        spans.push((start, text.len()));
                    }
                }
            }
        }
        Ok((text, spans))
    }

    /// The names defined, sorted (for "did you mean" help).
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.visible().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(parts: &[(&str, bool)]) -> Template {
        Template {
            parts: parts
                .iter()
                .map(|&(s, var)| {
                    if var {
                        TemplatePart::Var(s.to_string())
                    } else {
                        TemplatePart::Literal(s.to_string())
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn render_marks_secret_substitution() {
        let mut vars = Vars::default();
        vars.set("persona.auth_pin", "1234", true);
        vars.set("x", "AB", false);
        let plain = vars
            .render(&template(&[("00 ", false), ("x", true)]))
            .unwrap();
        assert_eq!(
            plain,
            Rendered {
                text: "00 AB".into(),
                secret: false
            }
        );
        let secret = vars
            .render(&template(&[("pin=", false), ("persona.auth_pin", true)]))
            .unwrap();
        assert!(secret.secret);
        assert_eq!(
            vars.render(&template(&[("nope", true)])),
            Err(UndefinedVariable("nope".into()))
        );
        for parts in [
            &[("00 ", false), ("x", true)][..],
            &[("persona.auth_pin", true)],
            &[("A0", false)],
            &[],
        ] {
            let t = template(parts);
            let r = vars.render(&t).unwrap();
            let (text, secret) = vars.render_cow(&t).unwrap();
            assert_eq!((text.as_ref(), secret), (r.text.as_str(), r.secret));
        }
        assert_eq!(
            vars.render_cow(&template(&[("nope", true)])),
            Err(UndefinedVariable("nope".into()))
        );
    }

    fn builtin(name: &str, value: &str, secret: bool) -> BuiltinValue {
        BuiltinValue {
            name: name.into(),
            value: value.into(),
            secret,
        }
    }

    #[test]
    fn builtins_are_shared_under_the_scenarios_own_values() {
        let persona = BuiltinValues::new(vec![
            builtin("persona.auth_pin", "4826", true),
            builtin("persona.cert", "0A 0b", false),
        ]);
        let reader = BuiltinValues::new(vec![builtin("persona.cert", "FF", false)]);
        let mut vars = Vars::default();
        vars.add_builtins(&persona);
        assert_eq!(vars.get("persona.cert").unwrap().text, "0A 0b");
        // A later family's value of a name wins; the scenario's own wins over both.
        vars.add_builtins(&reader);
        assert_eq!(vars.get("persona.cert").unwrap().text, "FF");
        vars.set("persona.cert", "01", false);
        assert_eq!(vars.get("persona.cert").unwrap().text, "01");
        assert_eq!(vars.names(), ["persona.auth_pin", "persona.cert"]);
        assert_eq!(vars.secrets().collect::<Vec<_>>(), ["4826"]);
        // Builtins are not writes (a step that captured changes the count).
        assert_eq!(vars.writes(), 1);
        // The persona's values are untouched by the scenario.
        let mut fresh = Vars::default();
        fresh.add_builtins(&persona);
        assert_eq!(fresh.get("persona.cert").unwrap().text, "0A 0b");
        // Hex decoded once, whitespace ignored; not hex: none.
        let template = Template {
            parts: vec![TemplatePart::Var("persona.cert".into())],
        };
        assert_eq!(fresh.var_bytes(&template), Some((&[0x0A, 0x0B][..], false)));
        let pin = Template {
            parts: vec![TemplatePart::Var("persona.auth_pin".into())],
        };
        assert_eq!(fresh.var_bytes(&pin), Some((&[0x48, 0x26][..], true)));
        fresh.set("word", "xyz", false);
        let word = Template {
            parts: vec![TemplatePart::Var("word".into())],
        };
        assert_eq!(fresh.var_bytes(&word), None);
        // The redactor made once knows the secrets.
        assert_eq!(persona.redactor().text("pin 4826"), "pin <redacted>");
        assert_eq!(
            format!("{persona:?}"),
            "[BuiltinValue(persona.auth_pin), BuiltinValue(persona.cert)]"
        );
    }

    #[test]
    fn a_shared_redactor_learns_without_changing_its_source() {
        let persona = BuiltinValues::new(vec![builtin("persona.auth_pin", "4826", true)]);
        let mut redactor = Redactor::default();
        redactor.absorb(persona.redactor());
        redactor.add_text("9999");
        assert_eq!(redactor.text("4826 9999"), "<redacted> <redacted>");
        assert_eq!(persona.redactor().text("4826 9999"), "<redacted> 9999");
        let mut two = Redactor::default();
        two.add_text("1111");
        two.absorb(persona.redactor());
        assert_eq!(two.text("1111 4826"), "<redacted> <redacted>");
    }
}
