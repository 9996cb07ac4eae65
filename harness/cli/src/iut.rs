//! `--iut FILE`: the implementation conformance statement (ICS) of the
//! implementation under test, one TOML file that says what it is and what
//! it declares, instead of separate flags and files:
//!
//! ```toml
//! [implementation]
//! name = "ACME reception reader"
//! version = "2.3.1"
//! vendor = "ACME"
//!
//! [card]                       # the real test card in the PC/SC reader
//! persona = "taro"             # the persona describing it (its PINs, its fields)
//! capabilities = ["card.jpki", "card.power"]   # what it can do (default: the PC/SC defaults)
//!
//! [[known_failures]]           # as an expectations file's entries
//! id = "card.jpki.auth-pin.lockout"
//! reason = "locks the only test card"
//! verdict = "skip"
//! ```
//!
//! Command-line options win over the profile; its whole content goes into
//! `run_info.iut` of report.json.

use std::path::Path;

use myna_scenario::{ExpectedFailure, ExpectedVerdict, Location};

/// The profile as read.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct IutProfile {
    /// What the implementation is.
    pub implementation: Implementation,
    /// The card under test, when it is a real one.
    #[serde(default)]
    pub card: Option<CardStatement>,
    /// Known failures with reasons.
    #[serde(default)]
    pub known_failures: Vec<KnownFailure>,
}

/// Name and version of the implementation under test.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Product name.
    pub name: String,
    /// Product version.
    pub version: String,
    /// Who makes it.
    #[serde(default)]
    pub vendor: Option<String>,
}

/// What the card in the reader is and declares.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardStatement {
    /// The persona (under `--personas`) that describes the test card.
    #[serde(default)]
    pub persona: Option<String>,
    /// The capabilities the card declares (`card.…`), instead of the PC/SC
    /// defaults.
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// One known failure.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    /// Scenario id or glob.
    pub id: String,
    /// Why (required).
    pub reason: String,
    /// `fail`, `warn`, `error` or `skip`; any non-pass verdict when absent.
    #[serde(default)]
    pub verdict: Option<String>,
}

/// The profile's problems, each located (`FILE:LINE:COL: …`).
pub fn load(path: &Path) -> Result<(IutProfile, String), Vec<String>> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| vec![format!("cannot read {shown}: {e}")])?;
    let profile: IutProfile = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| location(&text, s.start))
            .unwrap_or_default();
        vec![format!("{shown}{at}: {}", e.message().trim_end())]
    })?;
    let mut problems = Vec::new();
    for failure in &profile.known_failures {
        if failure.reason.trim().is_empty() {
            problems.push(format!(
                "{shown}: known failure `{}` needs a reason",
                failure.id
            ));
        }
        if failure
            .verdict
            .as_deref()
            .is_some_and(|v| verdict(v).is_none())
        {
            problems.push(format!(
                "{shown}: known failure `{}`: expected a verdict of fail, warn, error or skip, found `{}`",
                failure.id,
                failure.verdict.as_deref().unwrap_or_default()
            ));
        }
    }
    for cap in profile.card.iter().flat_map(|c| &c.capabilities) {
        if !cap.starts_with("card.") {
            problems.push(format!(
                "{shown}: expected a card capability (`card.…`), found `{cap}`"
            ));
        }
    }
    if problems.is_empty() {
        Ok((profile, text))
    } else {
        Err(problems)
    }
}

fn verdict(text: &str) -> Option<ExpectedVerdict> {
    match text {
        "fail" => Some(ExpectedVerdict::Fail),
        "warn" => Some(ExpectedVerdict::Warn),
        "error" => Some(ExpectedVerdict::Error),
        "skip" => Some(ExpectedVerdict::Skip),
        _ => None,
    }
}

impl IutProfile {
    /// The known failures as expectations entries, located at their `id`.
    pub fn expectations(&self, path: &Path, text: &str) -> Vec<ExpectedFailure> {
        let file: std::sync::Arc<str> = path.display().to_string().into();
        self.known_failures
            .iter()
            .map(|f| {
                let offset = text.find(&format!("\"{}\"", f.id)).unwrap_or(0);
                let (line, col) = line_col(text, offset);
                ExpectedFailure {
                    id: f.id.clone(),
                    reason: f.reason.clone(),
                    verdict: f.verdict.as_deref().and_then(verdict),
                    at: Location {
                        file: file.clone(),
                        line,
                        col,
                    },
                }
            })
            .collect()
    }
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

fn location(text: &str, offset: usize) -> String {
    let (line, col) = line_col(text, offset);
    format!(":{line}:{col}")
}
