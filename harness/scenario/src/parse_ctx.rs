//! The parse context every family parses its steps with: the file being
//! read, the diagnostics collected so far, typed accessors over [`Node`]s
//! that report `expected …, found …` (with the known names and a "did you
//! mean" where it helps) and carry on, and the variables the templates
//! refer to and the captures the steps declare, which the loader checks in
//! step order.

use std::sync::Arc;

use serde_json::{Map, Number, Value};

use crate::ast::{Level, Location, Template, TemplatePart};
use crate::diagnostic::Diagnostic;
use crate::hex::check_hex_template;
use crate::keys::LEVELS;
use crate::suggest::{did_you_mean, SUGGESTIONS_PER_FILE};
use crate::template::parse_template;
use crate::yaml::{Node, NodeKind};

/// A `${name}` a template refers to, and where the template is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    /// The name inside `${…}`.
    pub name: String,
    /// The template's location.
    pub at: Location,
}

/// A variable a step captures for later steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureDecl {
    /// The variable's name.
    pub name: String,
    /// Whether it is declared secret.
    pub secret: bool,
    /// Where it is written.
    pub at: Location,
}

/// The fields of a YAML map whose keys are all known strings.
pub struct Fields<'a> {
    /// `(key, key node, value node)` in file order.
    pub entries: Vec<(&'a str, &'a Node, &'a Node)>,
}

impl<'a> Fields<'a> {
    /// The value of `key`, if written.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|&(_, _, value)| value)
    }

    /// The key node of `key`, if written.
    pub fn key_node(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|&(_, key, _)| key)
    }
}

/// A diagnostic about a secret value: nothing after `found` (nor any help,
/// which may suggest a near value), no source line.
fn hush(mut diagnostic: Diagnostic) -> Diagnostic {
    if let Some(cut) = diagnostic.message.find(", found") {
        diagnostic.message.truncate(cut);
        diagnostic
            .message
            .push_str(", found something else (not shown: the value is secret)");
    }
    diagnostic.help = None;
    diagnostic.hiding_source()
}

/// Collects diagnostics, variable references and captures for one file.
pub struct ParseCtx {
    /// The file as displayed in locations.
    pub(crate) file: Arc<str>,
    /// Problems found so far.
    pub(crate) diags: Vec<Diagnostic>,
    /// `${…}` references read since the loader last took them.
    refs: Vec<VarRef>,
    /// Captures declared since the loader last took them.
    captures: Vec<CaptureDecl>,
    /// Inside [`ParseCtx::secretly`]: how deep.
    secret: usize,
    /// Problems past [`MAX_PROBLEMS_PER_FILE`], counted, not kept.
    dropped: usize,
}

/// Problems kept per file: a hostile file with tens of thousands of them
/// gets the first this many and one more saying how many were left out,
/// so loading it stays bounded in memory (tests/malformed_bounds.rs of the
/// CLI).
pub const MAX_PROBLEMS_PER_FILE: usize = 1000;

impl ParseCtx {
    /// A context for `file`.
    pub fn new(file: &str) -> Self {
        ParseCtx {
            file: Arc::from(file),
            diags: Vec::new(),
            refs: Vec::new(),
            captures: Vec::new(),
            secret: 0,
            dropped: 0,
        }
    }

    /// Parses a value given to a secret field (a PIN, a password): every
    /// diagnostic `f` reports says what was expected and nothing of what
    /// was found, and is rendered without its source line (issue 9).
    pub fn secretly<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.secret += 1;
        let value = f(self);
        self.secret -= 1;
        value
    }

    /// The file as displayed in locations.
    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// How many problems were reported so far (compare before and after a
    /// parse to see whether it reported any).
    pub fn problems(&self) -> usize {
        self.diags.len() + self.dropped
    }

    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        let diagnostic = if self.secret > 0 {
            hush(diagnostic)
        } else {
            diagnostic
        };
        if self.diags.len() >= MAX_PROBLEMS_PER_FILE {
            self.dropped += 1;
            return;
        }
        self.diags.push(diagnostic);
    }

    /// Declares that the step being parsed captures `name` (a variable
    /// name) for later steps.
    pub fn declare_capture(&mut self, name: &str, secret: bool, at: Location) {
        self.captures.push(CaptureDecl {
            name: name.to_string(),
            secret,
            at,
        });
    }

    /// Records that a template at `at` refers to `template`'s variables.
    pub fn record_refs(&mut self, template: &Template, at: &Location) {
        for part in &template.parts {
            if let TemplatePart::Var(name) = part {
                self.refs.push(VarRef {
                    name: name.clone(),
                    at: at.clone(),
                });
            }
        }
    }

    /// The references and captures recorded since the last call.
    pub(crate) fn take_vars(&mut self) -> (Vec<VarRef>, Vec<CaptureDecl>) {
        (
            std::mem::take(&mut self.refs),
            std::mem::take(&mut self.captures),
        )
    }

    /// `value` when nothing was reported, else every diagnostic.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.diags.is_empty() {
            Ok(value)
        } else {
            Err(self.into_sorted_diags())
        }
    }

    /// The diagnostics: this file's first, then included files in order of
    /// first appearance; each file's problems by line and column, each once.
    pub fn into_sorted_diags(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            let at = self.diags.last().map(|d| d.at.clone());
            if let Some(at) = at {
                self.diags.push(Diagnostic::new(
                    at,
                    format!(
                        "{} more problems not reported (at most {MAX_PROBLEMS_PER_FILE} per file)",
                        self.dropped
                    ),
                ));
            }
            self.dropped = 0;
        }
        let mut files: Vec<Arc<str>> = vec![Arc::clone(&self.file)];
        for diag in &self.diags {
            if !files.contains(&diag.at.file) {
                files.push(Arc::clone(&diag.at.file));
            }
        }
        let mut diags = self.diags;
        diags.sort_by_key(|diag| {
            let rank = files.iter().position(|file| *file == diag.at.file);
            (rank, diag.at.line, diag.at.col)
        });
        // A fragment included many times repeats its problems; say each once.
        let mut seen = std::collections::HashSet::new();
        diags.retain(|d| seen.insert((d.at.clone(), d.message.clone())));
        diags
    }

    /// Where `node` is.
    pub fn at(&self, node: &Node) -> Location {
        node.location(&self.file)
    }

    /// Records a problem at `node`.
    pub fn error(&mut self, node: &Node, message: impl Into<String>) {
        let at = self.at(node);
        self.push(Diagnostic::new(at, message));
    }

    /// Records a problem at `node` with a help line.
    pub fn error_help(&mut self, node: &Node, message: impl Into<String>, help: impl Into<String>) {
        let at = self.at(node);
        self.push(Diagnostic::new(at, message).with_help(help));
    }

    /// Records `expected {what}, found {node}`.
    pub fn expected(&mut self, node: &Node, what: &str) {
        let message = format!("expected {what}, found {}", node.describe());
        self.error(node, message);
    }

    /// The scalar text of `node`, else a diagnostic.
    pub fn str<'a>(&mut self, node: &'a Node, what: &str) -> Option<&'a str> {
        let text = node.as_str();
        if text.is_none() {
            self.expected(node, what);
        }
        text
    }

    /// The items of a list; a single scalar counts as a one-item list when
    /// `scalar_ok`.
    pub fn list<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        scalar_ok: bool,
    ) -> Option<Vec<&'a Node>> {
        match &node.kind {
            NodeKind::Seq(items) => Some(items.iter().collect()),
            NodeKind::Scalar { .. } if scalar_ok => Some(vec![node]),
            _ => {
                self.expected(node, what);
                None
            }
        }
    }

    /// A list of strings.
    pub fn strings(&mut self, node: &Node, what: &str) -> Vec<(String, Location)> {
        let Some(items) = self.list(node, &format!("a list of {what}"), true) else {
            return Vec::new();
        };
        items
            .into_iter()
            .filter_map(|item| {
                let text = self.str(item, what)?;
                Some((text.to_string(), self.at(item)))
            })
            .collect()
    }

    /// The entries of a map whose keys must be among `known`; unknown keys
    /// are reported with the known ones listed and a near miss suggested.
    /// `null` counts as an empty map when `null_ok`.
    pub fn map<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        known: &[&str],
        null_ok: bool,
    ) -> Option<Fields<'a>> {
        let entries = match &node.kind {
            NodeKind::Map(entries) => entries,
            NodeKind::Null if null_ok => {
                return Some(Fields {
                    entries: Vec::new(),
                })
            }
            _ => {
                self.expected(node, what);
                return None;
            }
        };
        let mut fields = Vec::new();
        for (key, value) in entries {
            let Some(name) = self.str(key, "a key (a string)") else {
                continue;
            };
            if known.contains(&name) {
                fields.push((name, key, value));
            } else {
                self.unknown_key(key, name, known);
            }
        }
        Some(Fields { entries: fields })
    }

    /// Every entry of a map whose keys are free strings.
    pub fn free_map<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
    ) -> Option<Vec<(&'a str, &'a Node, &'a Node)>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.expected(node, what);
            return None;
        };
        Some(
            entries
                .iter()
                .filter_map(|(key, value)| Some((self.str(key, "a key (a string)")?, key, value)))
                .collect(),
        )
    }

    /// The near miss of `word` among `candidates`, while this file has had
    /// fewer than [`SUGGESTIONS_PER_FILE`] problems.
    fn suggest<'k>(&self, word: &str, candidates: &[&'k str]) -> Option<&'k str> {
        if self.diags.len() >= SUGGESTIONS_PER_FILE {
            return None;
        }
        did_you_mean(word, candidates.iter().copied())
    }

    /// Reports `name` as an unknown key among `known`.
    pub fn unknown_key(&mut self, key: &Node, name: &str, known: &[&str]) {
        let listed = known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!("expected one of the keys {listed}, found `{name}`");
        match self.suggest(name, known) {
            Some(near) => self.error_help(key, message, format!("did you mean `{near}`?")),
            None => self.error(key, message),
        }
    }

    /// Reports a missing required key of the map at `map`.
    pub fn missing(&mut self, map: &Node, key: &str, what: &str) {
        let message = format!("expected key `{key}` ({what}), found none");
        self.error(map, message);
    }

    /// A value from a fixed set of names.
    pub fn choice<T: Copy>(&mut self, node: &Node, what: &str, choices: &[(&str, T)]) -> Option<T> {
        let text = self.str(node, what)?;
        if let Some(&(_, value)) = choices.iter().find(|(name, _)| *name == text) {
            return Some(value);
        }
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let listed = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!("expected {what} ({listed}), found `{text}`");
        match self.suggest(text, &names) {
            Some(near) => self.error_help(node, message, format!("did you mean `{near}`?")),
            None => self.error(node, message),
        }
        None
    }

    /// `must` or `should`.
    pub fn level(&mut self, node: &Node) -> Option<Level> {
        self.choice(node, "a level", LEVELS)
    }

    /// A boolean (`true`/`false`).
    pub fn bool(&mut self, node: &Node) -> Option<bool> {
        match node.as_str() {
            Some("true" | "True" | "TRUE") => Some(true),
            Some("false" | "False" | "FALSE") => Some(false),
            _ => {
                self.expected(node, "`true` or `false`");
                None
            }
        }
    }

    /// A string with `${…}` references; the references are recorded for
    /// the loader's check that each is defined.
    pub fn template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let text = self.str(node, what)?;
        match parse_template(text) {
            Ok(template) => {
                let at = self.at(node);
                self.record_refs(&template, &at);
                Some(template)
            }
            Err(error) => {
                let at = self.at(node);
                let mut diag = Diagnostic::new(at, error.message);
                diag.help = error.help;
                self.diags.push(diag);
                None
            }
        }
    }

    /// A secret string with `${…}` references (a PIN): like
    /// [`template`](Self::template), and no diagnostic ever quotes its
    /// text.
    pub fn secret_template(&mut self, node: &Node, what: &str) -> Option<Template> {
        // Secretly: whatever is wrong, no message quotes the value and no
        // rendering shows its source line (a PIN written as a list or a
        // map is still a PIN; issue 9).
        self.secretly(|ctx| {
            if node.as_str().is_none() {
                let message = format!("expected {what}, found {}", node.kind_name());
                ctx.error(node, message);
                return None;
            }
            // parse_template's messages never repeat the text.
            ctx.template(node, what)
        })
    }

    /// A hex string with `${…}` references (spaces free; even digit count
    /// unless it refers to variables).
    pub fn hex_template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let template = self.template(node, what)?;
        let written = node.as_str().unwrap_or_default();
        match check_hex_template(&template, written) {
            Ok(()) => Some(template),
            Err(message) => {
                // Nor its source line: the template may hold a secret (issue 9).
                let at = self.at(node);
                self.push(Diagnostic::new(at, message).hiding_source());
                None
            }
        }
    }

    /// A decimal integer in `min..=max`.
    pub fn int(&mut self, node: &Node, what: &str, min: u64, max: u64) -> Option<u64> {
        let text = self.str(node, what)?;
        let digits = text.strip_prefix('+').unwrap_or(text).replace('_', "");
        match digits.parse::<u64>() {
            Ok(value) if (min..=max).contains(&value) => Some(value),
            _ => {
                let message =
                    format!("expected {what} (an integer from {min} to {max}), found `{text}`");
                self.error(node, message);
                None
            }
        }
    }
}

impl ParseCtx {
    /// [`map`](Self::map) with the known keys given as a [`Doc`] table.
    pub fn map_docs<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        known: &[crate::syntax::Doc],
        null_ok: bool,
    ) -> Option<Fields<'a>> {
        let names: Vec<&str> = known.iter().map(|d| d.name).collect();
        self.map(node, what, &names, null_ok)
    }

    /// One of the names of a [`Doc`] table.
    pub fn choice_doc(
        &mut self,
        node: &Node,
        what: &str,
        choices: &[crate::syntax::Doc],
    ) -> Option<&'static str> {
        let table: Vec<(&str, &'static str)> = choices.iter().map(|d| (d.name, d.name)).collect();
        self.choice(node, what, &table)
    }

    /// The JSON-like value of `node`: plain scalars `true`/`false` become
    /// booleans and plain decimal numbers become numbers; quoted scalars
    /// stay strings; map keys must be strings. Every string is read as a
    /// template (its `${…}` references are recorded and checked like any
    /// other).
    pub fn json(&mut self, node: &Node) -> Value {
        match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Scalar { text, plain: true } => match plain_scalar(text) {
                Value::String(_) => self.json_string(node),
                other => other,
            },
            NodeKind::Scalar { plain: false, .. } => self.json_string(node),
            NodeKind::Seq(items) => {
                Value::Array(items.iter().map(|item| self.json(item)).collect())
            }
            NodeKind::Map(entries) => {
                let mut map = Map::new();
                for (key, value) in entries {
                    if let Some(key) = self.str(key, "a key (a string)") {
                        let key = key.to_string();
                        let value = self.json(value);
                        map.insert(key, value);
                    }
                }
                Value::Object(map)
            }
        }
    }

    fn json_string(&mut self, node: &Node) -> Value {
        let text = node.as_str().unwrap_or_default().to_string();
        // Checked (and its references recorded); kept as written.
        let _ = self.template(node, "a string");
        Value::String(text)
    }
}

/// How a plain (unquoted) YAML scalar is typed in JSON.
pub(crate) fn plain_scalar(text: &str) -> Value {
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let numeric = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    if numeric {
        if let Ok(int) = text.parse::<i64>() {
            return Value::Number(int.into());
        }
        if let Some(number) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(number);
        }
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn unknown_keys_list_the_known_ones_and_suggest() {
        let mut ctx = ParseCtx::new("f.yaml");
        let node = parse(&ctx.file, "titel: x\nid: a.b\n").unwrap();
        let fields = ctx
            .map(&node, "a scenario", &["id", "title"], false)
            .unwrap();
        assert_eq!(fields.entries.len(), 1);
        assert_eq!(ctx.diags.len(), 1);
        let d = &ctx.diags[0];
        assert_eq!(
            d.message,
            "expected one of the keys `id`, `title`, found `titel`"
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn json_typing_follows_plain_versus_quoted_and_records_references() {
        let mut ctx = ParseCtx::new("g.yaml");
        let node = parse(
            &ctx.file,
            "{a: 1, b: '1', c: true, d: 'true', e: 2.5, f: ~, g: [x, -3], h: 6E00x, i: 1e3, j: '${v}'}",
        )
        .unwrap();
        let value = ctx.json(&node);
        assert_eq!(
            value,
            serde_json::json!({"a": 1, "b": "1", "c": true, "d": "true", "e": 2.5, "f": null, "g": ["x", -3], "h": "6E00x", "i": 1000.0, "j": "${v}"})
        );
        assert!(ctx.diags.is_empty());
        let (refs, _) = ctx.take_vars();
        assert_eq!(refs.len(), 1);
        assert_eq!((refs[0].name.as_str(), refs[0].at.col), ("v", 83));
    }

    #[test]
    fn non_string_keys_are_reported() {
        let mut ctx = ParseCtx::new("g.yaml");
        let node = parse(&ctx.file, "? [a]\n: 1\n").unwrap();
        assert_eq!(ctx.json(&node), serde_json::json!({}));
        assert_eq!(ctx.diags.len(), 1);
    }

    #[test]
    fn ints_are_range_checked() {
        let mut ctx = ParseCtx::new("f.yaml");
        let node = parse(&ctx.file, "[3, 0, x, 300]").unwrap();
        let NodeKind::Seq(items) = &node.kind else {
            panic!()
        };
        assert_eq!(ctx.int(&items[0], "a count", 1, 10), Some(3));
        assert_eq!(ctx.int(&items[1], "a count", 1, 10), None);
        assert_eq!(ctx.int(&items[2], "a count", 1, 10), None);
        assert_eq!(ctx.int(&items[3], "a count", 1, 10), None);
        assert_eq!(ctx.diags.len(), 3);
        assert!(ctx.diags[0].message.contains("from 1 to 10"));
    }
}
