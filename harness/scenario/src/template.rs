//! `${name}` templates: parsing strings into [`Template`] parts. Whether
//! a name is defined is the loader's check (`crate::scope`).

use crate::ast::{Template, TemplatePart};

/// Why a string is not a valid template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// `expected …, found …`.
    pub message: String,
    /// A suggestion, if any.
    pub help: Option<String>,
}

impl Template {
    /// A template of literal text only.
    pub fn literal(text: &str) -> Template {
        Template {
            parts: if text.is_empty() {
                Vec::new()
            } else {
                vec![TemplatePart::Literal(text.to_string())]
            },
        }
    }

    /// Whether the template refers to any variable.
    pub fn has_vars(&self) -> bool {
        self.parts
            .iter()
            .any(|part| matches!(part, TemplatePart::Var(_)))
    }

    /// The names referred to, in order.
    pub fn var_names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Var(name) => Some(name.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }
}

/// Whether `name` may be used as a variable name (declared in `vars:` or
/// `capture:`): a letter or `_`, then letters, digits, `_` or `-`.
pub fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parses `${name}` references out of `text`. Error messages never repeat
/// the literal text around references (it may be a PIN). A `$` not
/// followed by `{` is literal. Names are variable names joined by dots
/// (`persona.auth_pin`).
pub fn parse_template(text: &str) -> Result<Template, TemplateError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        literal.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            return Err(TemplateError {
                // The text is not repeated: it may hold a PIN.
                message: "expected `}` closing `${` in a template, found the end of the text"
                    .to_string(),
                help: Some("write `${name}`".to_string()),
            });
        };
        let name = after.get(..end).unwrap_or_default().trim();
        check_reference(name)?;
        if !literal.is_empty() {
            parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
        }
        parts.push(TemplatePart::Var(name.to_string()));
        rest = after.get(end + 1..).unwrap_or_default();
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(TemplatePart::Literal(literal));
    }
    Ok(Template { parts })
}

fn check_reference(name: &str) -> Result<(), TemplateError> {
    if name.is_empty() || !name.split('.').all(is_var_name) {
        return Err(TemplateError {
            message: format!("expected a variable name inside `${{…}}`, found `{name}`"),
            help: None,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> TemplatePart {
        TemplatePart::Literal(s.to_string())
    }
    fn var(s: &str) -> TemplatePart {
        TemplatePart::Var(s.to_string())
    }

    #[test]
    fn parts_in_order() {
        let t = parse_template("00 20 00 80 04 ${pin}").unwrap();
        assert_eq!(t.parts, vec![lit("00 20 00 80 04 "), var("pin")]);
        let t = parse_template("${a}${persona.auth_pin}x${ b }").unwrap();
        assert_eq!(
            t.parts,
            vec![var("a"), var("persona.auth_pin"), lit("x"), var("b")]
        );
        assert!(t.has_vars());
        assert_eq!(
            t.var_names().collect::<Vec<_>>(),
            ["a", "persona.auth_pin", "b"]
        );
        let t = parse_template("cost $5 {x}").unwrap();
        assert_eq!(t.parts, vec![lit("cost $5 {x}")]);
        assert!(!t.has_vars());
        assert_eq!(parse_template("").unwrap().parts, vec![]);
    }

    #[test]
    fn bad_templates() {
        let e = parse_template("00 ${pin").unwrap_err();
        assert!(e.message.contains("closing"), "{e:?}");
        assert!(parse_template("${}").is_err());
        assert!(parse_template("${a b}").is_err());
        assert!(parse_template("${1x}").is_err());
        // Whether a name is defined is checked later, by the loader.
        assert!(parse_template("${persona.auth_pni}").is_ok());
    }

    #[test]
    fn var_names() {
        assert!(is_var_name("auth_cert"));
        assert!(is_var_name("_x-1"));
        assert!(!is_var_name("1x"));
        assert!(!is_var_name(""));
        assert!(!is_var_name("a.b"));
    }
}
