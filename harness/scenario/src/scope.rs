//! Which `${name}`s are defined where: the loader's check that every
//! variable a template refers to exists at that point of the scenario, for
//! every family alike.
//!
//! Defined, in step order: the builtin variables of the families the
//! scenario uses (card: `persona.*`), the scenario's `vars`, a fragment's
//! `vars` from its include on, and the captures of earlier steps (a capture
//! of the same step, a later step or a later `finally` step does not
//! count).

use std::collections::HashMap;

use crate::ast::Location;
use crate::diagnostic::Diagnostic;
use crate::parse_ctx::{CaptureDecl, VarRef};
use crate::suggest::{did_you_mean, SUGGESTIONS_PER_FILE};
use crate::vocabulary::Vocabulary;

/// What happened to the scope, in file order.
#[derive(Clone, Debug)]
pub(crate) enum ScopeEvent {
    /// Templates refer to these.
    Uses(Vec<VarRef>),
    /// These become defined (a variable, a capture).
    Defines(Vec<CaptureDecl>),
}

/// The events of one scenario.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    events: Vec<ScopeEvent>,
}

impl Scope {
    /// Records what a step (or a variable) used and defined.
    pub fn step(&mut self, refs: Vec<VarRef>, defines: Vec<CaptureDecl>) {
        if !refs.is_empty() {
            self.events.push(ScopeEvent::Uses(refs));
        }
        if !defines.is_empty() {
            self.events.push(ScopeEvent::Defines(defines));
        }
    }

    /// Every reference to a name not defined at its point, as a located
    /// diagnostic. `families` are the families the scenario uses: their
    /// builtin variables are defined from the start.
    pub fn check(&self, vocabulary: &Vocabulary<'_>, families: &[&str]) -> Vec<Diagnostic> {
        let mut defined: HashMap<String, Option<Location>> = HashMap::new();
        for family in families.iter().filter_map(|f| vocabulary.family(f)) {
            for var in family.builtin_vars() {
                defined.insert(var.name.to_string(), None);
            }
        }
        let mut later: HashMap<&str, &Location> = HashMap::new();
        for event in &self.events {
            if let ScopeEvent::Defines(defines) = event {
                for d in defines {
                    later.entry(d.name.as_str()).or_insert(&d.at);
                }
            }
        }
        let mut diags = Vec::new();
        for event in &self.events {
            match event {
                ScopeEvent::Uses(refs) => {
                    for r in refs.iter().filter(|r| !defined.contains_key(&r.name)) {
                        let suggest = diags.len() < SUGGESTIONS_PER_FILE;
                        diags.push(undefined(r, &defined, &later, vocabulary, suggest));
                    }
                }
                ScopeEvent::Defines(defines) => {
                    for d in defines {
                        defined
                            .entry(d.name.clone())
                            .or_insert_with(|| Some(d.at.clone()));
                    }
                }
            }
        }
        diags
    }
}

fn undefined(
    r: &VarRef,
    defined: &HashMap<String, Option<Location>>,
    later: &HashMap<&str, &Location>,
    vocabulary: &Vocabulary<'_>,
    suggest: bool,
) -> Diagnostic {
    let diag = Diagnostic::new(
        r.at.clone(),
        format!(
            "expected a variable defined at this point, found `${{{}}}`",
            r.name
        ),
    );
    if let Some(family) = vocabulary.family_of_var(&r.name) {
        return diag.with_help(format!(
            "`{}` comes from family `{}`, and this scenario has no step of it",
            r.name,
            family.family()
        ));
    }
    if let Some(at) = later.get(r.name.as_str()) {
        return diag.with_help(format!(
            "`{}` is only captured later, at {at}; a step sees the captures of earlier steps",
            r.name
        ));
    }
    if !suggest {
        return diag;
    }
    let mut names: Vec<&str> = defined.keys().map(String::as_str).collect();
    names.sort_unstable();
    match did_you_mean(&r.name, names) {
        Some(near) => diag.with_help(format!("did you mean `{near}`?")),
        None => diag,
    }
}
