//! Located problems in scenario, fragment, requirement and expectations
//! files, printed as `file:line:col: message` or as a rustc-style snippet.

use std::fmt;

use crate::ast::Location;

/// One problem found while loading or checking a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub at: Location,
    /// What is wrong, usually `expected …, found …`.
    pub message: String,
    /// How to fix it, when the loader can tell (e.g. `did you mean …`).
    pub help: Option<String>,
    /// The problem is in a value given to a secret field: the rendering
    /// leaves out the source line (which would show the value).
    pub hide_source: bool,
}

impl Diagnostic {
    /// A diagnostic without help.
    pub fn new(at: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            at,
            message: message.into(),
            help: None,
            hide_source: false,
        }
    }

    /// The same diagnostic, rendered without its source line.
    pub fn hiding_source(mut self) -> Self {
        self.hide_source = true;
        self
    }

    /// The same diagnostic with a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A rustc-style rendering: the message, the location, the source line
    /// with a caret under the offending token, and the help line.
    ///
    /// `source` is the text of `self.at.file`; if the line is not in it
    /// (wrong text handed in), the snippet is left out.
    pub fn render(&self, source: &str) -> String {
        let mut out = format!("error: {}\n", self.message);
        let line_no = self.at.line.to_string();
        let gutter = " ".repeat(line_no.len());
        out.push_str(&format!("{gutter}--> {}\n", self.at));
        let index = usize::try_from(self.at.line)
            .ok()
            .and_then(|line| line.checked_sub(1));
        let shown = index
            .filter(|_| !self.hide_source)
            .and_then(|index| source.lines().nth(index));
        if let Some(line) = shown {
            let line = line.trim_end_matches('\r');
            let col = usize::try_from(self.at.col)
                .unwrap_or(1)
                .saturating_sub(1)
                .min(line.chars().count());
            let prefix: String = line
                .chars()
                .take(col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let width = token_width(line.chars().skip(col));
            out.push_str(&format!("{gutter} |\n"));
            out.push_str(&format!("{line_no} | {line}\n"));
            out.push_str(&format!("{gutter} | {prefix}{}\n", "^".repeat(width)));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{gutter} = help: {help}\n"));
        }
        out
    }
}

/// How many characters the token starting here spans (at least 1): a
/// quoted string up to its closing quote, else up to whitespace or a flow
/// indicator.
fn token_width(mut rest: impl Iterator<Item = char>) -> usize {
    match rest.next() {
        None => 1,
        Some(quote @ ('"' | '\'')) => {
            let mut width = 1;
            for c in rest {
                width += 1;
                if c == quote {
                    break;
                }
            }
            width
        }
        Some(_) => {
            1 + rest
                .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ',' | ']' | '}' | '#'))
                .count()
        }
    }
}

/// `file:line:col: message` (the help line is left to [`Diagnostic::render`]
/// and to callers that print it separately).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, col: u32) -> Location {
        Location {
            file: "s.yaml".into(),
            line,
            col,
        }
    }

    #[test]
    fn display_is_file_line_col_message() {
        let d = Diagnostic::new(at(3, 7), "expected a string, found a list");
        assert_eq!(d.to_string(), "s.yaml:3:7: expected a string, found a list");
        let d = d.with_help("did you mean `x`?");
        assert_eq!(d.to_string(), "s.yaml:3:7: expected a string, found a list");
    }

    #[test]
    fn render_underlines_the_token() {
        let src = "id: a.b\nsteps:\n  - select: jpkx\n";
        let d = Diagnostic::new(at(3, 13), "expected an application, found `jpkx`")
            .with_help("did you mean `jpki`?");
        let text = d.render(src);
        assert_eq!(
            text,
            "error: expected an application, found `jpkx`\n --> s.yaml:3:13\n  |\n3 |   - select: jpkx\n  |             ^^^^\n  = help: did you mean `jpki`?\n"
        );
    }

    #[test]
    fn render_survives_a_location_outside_the_text() {
        let d = Diagnostic::new(at(40, 200), "x");
        let text = d.render("one line");
        assert!(text.contains("s.yaml:40:200"));
        assert!(!text.contains('^'));
        let d = Diagnostic::new(at(1, 200), "x");
        assert!(d.render("short").contains("     ^"));
    }

    #[test]
    fn quoted_token_width_includes_quotes() {
        assert_eq!(token_width("\"ab c\" x".chars()), 6);
        assert_eq!(token_width("abc, d".chars()), 3);
        assert_eq!(token_width("".chars()), 1);
    }
}
