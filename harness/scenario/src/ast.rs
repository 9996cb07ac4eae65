//! The validated scenario model: what the loader produces and the engine runs.
//! Only the file shape lives here (header, variables, templates, steps with
//! their modifiers); what a step does is its family's [`StepBody`].
//!
//! Every node the engine may report on carries a [`Location`] so that a
//! failed expectation names `file:line:col`.

use std::fmt;
use std::sync::Arc;

use crate::syntax::StepBody;

/// A position in a scenario file (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file as the user named it (relative to the working directory).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// `file:line:col`, written piece by piece (every step's report entry and
/// message has one).
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        for n in [self.line, self.col] {
            let mut digits = [0u8; 11];
            let mut at = digits.len();
            let mut rest = n;
            loop {
                at -= 1;
                digits[at] = b'0' + (rest % 10) as u8;
                rest /= 10;
                if rest == 0 {
                    break;
                }
            }
            at -= 1;
            digits[at] = b':';
            // ASCII digits only.
            f.write_str(std::str::from_utf8(&digits[at..]).unwrap_or(":?"))?;
        }
        Ok(())
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it starts in the file.
    pub at: Location,
}

impl<T> Spanned<T> {
    /// `value` written at `at`.
    pub fn new(value: T, at: Location) -> Self {
        Spanned { value, at }
    }
}

/// How strongly a requirement binds: a failed `must` is `fail`, a failed
/// `should` is `warn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Failure makes the verdict `fail`.
    Must,
    /// Failure makes the verdict `warn`.
    Should,
}

impl Level {
    /// `must` or `should`, as written in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
        }
    }
}

/// One scenario file, validated, includes expanded.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Unique, stable, dotted id, e.g. `card.jpki.auth-pin.lockout`.
    pub id: String,
    /// One line for people.
    pub title: String,
    /// The scenario's own family (from `family:` or the first segment of
    /// the id), a registered family's name.
    pub family: String,
    /// Requirement ids from the catalogue.
    pub requirements: Vec<String>,
    /// Where each of `requirements` is written (same length and order).
    pub requirements_at: Vec<Location>,
    /// Default `must`.
    pub level: Level,
    /// Free tags for `--tags`.
    pub tags: Vec<String>,
    /// Capabilities the target must declare, else `not_applicable`.
    pub applies_if: Vec<String>,
    /// Card persona (vectors/personas/NAME); `None` = the default persona.
    pub persona: Option<String>,
    /// Scenario-level variables, in file order.
    pub vars: Vec<Variable>,
    /// The steps, includes expanded in place.
    pub steps: Vec<Step>,
    /// Steps that always run after `steps`, even after a failure.
    pub finally: Vec<Step>,
    /// Where the file starts (line 1, col 1).
    pub at: Location,
    /// Every family the scenario uses, in the order their sessions are
    /// opened: those a family needs before it, then the scenario's own
    /// family, then the families of its steps (see `StepSyntax::needs`).
    pub families: Vec<&'static str>,
}

impl Scenario {
    /// Whether the scenario carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// A scenario variable.
#[derive(Clone, Debug)]
pub struct Variable {
    /// Name without `${}`.
    pub name: String,
    /// Its value; may refer to earlier variables and persona fields.
    pub value: Template,
    /// Secret values never appear in any output.
    pub secret: bool,
    /// Where it was declared.
    pub at: Location,
}

/// A string with `${name}` references, e.g. `"00 20 00 80 04 ${pin}"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Literal text and references in order.
    pub parts: Vec<TemplatePart>,
}

/// A piece of a [`Template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    /// Text taken as written.
    Literal(String),
    /// `${name}` (dotted names such as `persona.auth_pin` allowed).
    Var(String),
}

/// One step: the file shape's modifiers around a family's typed body.
#[derive(Clone, Debug)]
pub struct Step {
    /// Where the step's first key is written.
    pub at: Location,
    /// For included steps: where the `include:` step is written.
    pub included_from: Option<Location>,
    /// Optional `name:` for reports.
    pub name: Option<String>,
    /// How many times to do it (default 1); expectations apply to every time.
    pub repeat: u32,
    /// Overrides the scenario level for this step's expectations.
    pub level: Option<Level>,
    /// The family whose keyword the step uses.
    pub family: &'static str,
    /// What the family parsed: the action, its expectations and captures.
    pub body: Arc<dyn StepBody>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_reads_file_line_col() {
        for (line, col) in [(1, 1), (10, 203), (0, 0), (u32::MAX, 7)] {
            let at = Location {
                file: "scenarios/a b.yaml".into(),
                line,
                col,
            };
            assert_eq!(at.to_string(), format!("scenarios/a b.yaml:{line}:{col}"));
        }
    }
}
