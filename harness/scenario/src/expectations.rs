//! Expectations files (`--expectations FILE`): known failures of one IUT,
//! each with a reason, so CI fails only on new failures.

use crate::ast::Location;
use crate::diagnostic::Diagnostic;
use crate::keys::{EXPECTATION_KEYS, EXPECTED_VERDICTS};
use crate::parse_ctx::ParseCtx;
use crate::yaml::parse;

/// The verdict a known failure is expected to have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedVerdict {
    /// `fail`.
    Fail,
    /// `warn`.
    Warn,
    /// `error`.
    Error,
    /// `skip`: do not run the scenario; it is reported `skipped` with the
    /// reason (e.g. it would lock the only test card's PIN).
    Skip,
}

impl ExpectedVerdict {
    /// The lowercase name used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedVerdict::Fail => "fail",
            ExpectedVerdict::Warn => "warn",
            ExpectedVerdict::Error => "error",
            ExpectedVerdict::Skip => "skip",
        }
    }
}

/// One known failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedFailure {
    /// Scenario id, `*` matching any run of characters (`card.jpki.*`).
    pub id: String,
    /// Why it fails (required).
    pub reason: String,
    /// The verdict expected; `None` = any verdict other than pass.
    pub verdict: Option<ExpectedVerdict>,
    /// Where the entry starts.
    pub at: Location,
}

impl ExpectedFailure {
    /// Whether the entry names `scenario_id`.
    pub fn matches(&self, scenario_id: &str) -> bool {
        glob_matches(&self.id, scenario_id)
    }
}

/// `*`-only glob matching, iterative (no backtracking blow-up).
/// Whether `text` matches `pattern`, where `*` matches any run of
/// characters. Linear backtracking over the last star: no input can make it
/// exponential.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if Some(&c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Parses an expectations file: a list of `{ id, reason, verdict? }`.
pub fn load_expectations(file: &str, text: &str) -> Result<Vec<ExpectedFailure>, Vec<Diagnostic>> {
    let mut ctx = ParseCtx::new(file);
    let root = parse(&ctx.file, text)?;
    let Some(items) = ctx.list(
        &root,
        "a list of known failures `{ id, reason, verdict }`",
        false,
    ) else {
        return Err(ctx.diags);
    };
    let mut out = Vec::new();
    for item in items {
        let Some(fields) = ctx.map(
            item,
            "a known failure `{ id, reason, verdict }`",
            EXPECTATION_KEYS,
            false,
        ) else {
            continue;
        };
        let id = match fields.get("id") {
            Some(node) => ctx.str(node, "a scenario id or glob").and_then(|id| {
                let ok = !id.is_empty()
                    && id.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '*')
                    });
                if !ok {
                    ctx.expected(node, "a scenario id, `*` allowed (like `card.jpki.*`)");
                }
                ok.then(|| id.to_string())
            }),
            None => {
                ctx.missing(item, "id", "the scenario id, `*` allowed");
                None
            }
        };
        let reason = match fields.get("reason") {
            Some(node) => ctx.str(node, "a reason").and_then(|reason| {
                if reason.trim().is_empty() {
                    ctx.expected(node, "a reason (not empty)");
                    return None;
                }
                Some(reason.to_string())
            }),
            None => {
                ctx.missing(item, "reason", "why this failure is expected");
                None
            }
        };
        let verdict = match fields.get("verdict") {
            Some(node) => ctx.choice(node, "a verdict", EXPECTED_VERDICTS).map(Some),
            None => Some(None),
        };
        if let (Some(id), Some(reason), Some(verdict)) = (id, reason, verdict) {
            out.push(ExpectedFailure {
                id,
                reason,
                verdict,
                at: ctx.at(item),
            });
        }
    }
    ctx.finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("card.jpki.*", "card.jpki.auth-pin.lockout"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("*.lockout", "card.jpki.auth-pin.lockout"));
        assert!(glob_matches("card.*.lockout", "card.jpki.auth-pin.lockout"));
        assert!(glob_matches("card.x", "card.x"));
        assert!(!glob_matches("card.x", "card.xy"));
        assert!(!glob_matches("card.*.pin", "card.jpki.auth-pin.lockout"));
        assert!(!glob_matches("", "a"));
        assert!(glob_matches("a**b", "ab"));
    }
}
