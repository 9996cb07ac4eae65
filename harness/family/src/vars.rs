//! Variables a scenario can refer to as `${name}`: persona fields, scenario
//! `vars`, and captures of earlier steps. Each value knows whether it is a
//! secret, and rendering a template says whether a secret went into it.

use std::borrow::Cow;
use std::collections::HashMap;

use myna_scenario::{Template, TemplatePart};

/// One variable's value.
#[derive(Clone, Debug)]
pub struct Value {
    /// The text (hex for captures).
    pub text: String,
    /// Whether it must never appear in output.
    pub secret: bool,
}

/// The variable scope of one scenario run.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    values: HashMap<String, Value>,
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
        self.values.insert(
            name.into(),
            Value {
                text: text.into(),
                secret,
            },
        );
    }

    /// How many times a value was set so far: a step that changed it
    /// captured something.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Every secret value, for the redactor.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.values
            .values()
            .filter(|v| v.secret)
            .map(|v| v.text.as_str())
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
                    .values
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
        self.values
            .iter()
            .map(|(k, v)| (k.as_str(), v.text.as_str()))
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
                        .values
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
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
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
}
