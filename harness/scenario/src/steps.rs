//! Step lists, with `include:` expanded in place (nested, cycle-checked).

use std::sync::Arc;

use crate::ast::{Location, Step, Variable};
use crate::keys::FRAGMENT_KEYS;
use crate::parse_ctx::ParseCtx;
use crate::scope::Scope;
use crate::source::SourceLoader;
use crate::step::{step, StepItem};
use crate::syntax::{StepParser, StepSyntax};
use crate::vars::variables;
use crate::vocabulary::Vocabulary;
use crate::yaml::{parse, Node, NodeKind};

/// Deepest include nesting accepted.
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// How many steps includes may add to one scenario in all: a few fragments
/// that each include the next many times would otherwise multiply into
/// millions of steps and exhaust memory.
pub const MAX_INCLUDED_STEPS: usize = 100_000;

/// State shared by the step lists of one scenario and its fragments.
pub(crate) struct Expansion<'l, 'v> {
    /// Finds included files.
    pub loader: &'l dyn SourceLoader,
    /// The families' vocabularies.
    pub vocabulary: &'v Vocabulary<'v>,
    /// The scenario's own family, when known (its keywords are listed
    /// first in messages).
    pub family: Option<&'static str>,
    /// Display paths of the files being expanded, outermost first.
    pub chain: Vec<Arc<str>>,
    /// Variables of the scenario, then of fragments not already defined.
    pub vars: Vec<Variable>,
    /// What each step and variable uses and defines, in order.
    pub scope: Scope,
    /// Steps added by includes so far (see [`MAX_INCLUDED_STEPS`]).
    pub included_steps: usize,
    /// Whether the step budget was already reported (once is enough).
    pub budget_reported: bool,
    /// One parser per family, made when its first step is met.
    parsers: Vec<(&'static str, Box<dyn StepParser>)>,
    /// The families of the steps, in order of first use.
    pub step_families: Vec<&'static str>,
}

impl<'l, 'v> Expansion<'l, 'v> {
    /// An expansion reading includes through `loader`.
    pub fn new(
        loader: &'l dyn SourceLoader,
        vocabulary: &'v Vocabulary<'v>,
        family: Option<&'static str>,
        file: Arc<str>,
        vars: Vec<Variable>,
        scope: Scope,
    ) -> Self {
        Expansion {
            loader,
            vocabulary,
            family,
            chain: vec![file],
            vars,
            scope,
            included_steps: 0,
            budget_reported: false,
            parsers: Vec::new(),
            step_families: Vec::new(),
        }
    }

    /// The scenario's parser for `family`'s steps.
    pub fn parser(&mut self, family: &dyn StepSyntax) -> &mut dyn StepParser {
        let name = family.family();
        let index = match self.parsers.iter().position(|(n, _)| *n == name) {
            Some(index) => index,
            None => {
                self.parsers.push((name, family.parser()));
                self.parsers.len() - 1
            }
        };
        // `index` is in range: found, or just pushed.
        &mut *self.parsers[index].1
    }

    /// Notes that a step of `family` was parsed.
    pub fn note_family(&mut self, family: &'static str) {
        if !self.step_families.contains(&family) {
            self.step_families.push(family);
        }
    }

    /// Adds fragment variables whose names are not yet defined.
    fn merge_vars(&mut self, vars: Vec<Variable>) {
        for var in vars {
            if !self.vars.iter().any(|known| known.name == var.name) {
                self.vars.push(var);
            }
        }
    }
}

/// Converts a list of steps; `required` lists must not be empty.
pub(crate) fn steps(
    ctx: &mut ParseCtx,
    node: &Node,
    expansion: &mut Expansion<'_, '_>,
    required: bool,
) -> Vec<Step> {
    let Some(items) = ctx.list(node, "a list of steps", false) else {
        return Vec::new();
    };
    if required && items.is_empty() {
        ctx.expected(node, "at least one step");
    }
    let mut out = Vec::new();
    for item in items {
        let parsed = step(ctx, item, expansion);
        let (refs, captures) = ctx.take_vars();
        expansion.scope.step(refs, captures);
        match parsed {
            Some(StepItem::Step(step)) => out.push(*step),
            Some(StepItem::Include {
                path,
                step,
                path_node,
            }) => {
                let from = ctx.at(step);
                out.extend(include(ctx, path, path_node, from, expansion));
            }
            None => {}
        }
    }
    out
}

/// Loads, converts and returns the steps of the fragment at `path`.
fn include(
    ctx: &mut ParseCtx,
    path: &str,
    path_node: &Node,
    from: Location,
    expansion: &mut Expansion<'_, '_>,
) -> Vec<Step> {
    let (display, text) = match expansion.loader.load(&ctx.file, path) {
        Ok(loaded) => loaded,
        Err(why) => {
            ctx.error(
                path_node,
                format!("expected a readable fragment file, found `{path}`: {why}"),
            );
            return Vec::new();
        }
    };
    if expansion.chain.iter().any(|file| **file == *display) {
        let cycle: Vec<&str> = expansion
            .chain
            .iter()
            .map(|file| &**file)
            .skip_while(|file| *file != display)
            .chain(std::iter::once(display.as_str()))
            .collect();
        ctx.error(
            path_node,
            format!(
                "expected includes without a cycle, found {}",
                cycle.join(" → ")
            ),
        );
        return Vec::new();
    }
    if expansion.included_steps >= MAX_INCLUDED_STEPS {
        if !expansion.budget_reported {
            expansion.budget_reported = true;
            ctx.error(
                path_node,
                format!(
                    "expected includes to add at most {MAX_INCLUDED_STEPS} steps to a scenario, found more"
                ),
            );
        }
        return Vec::new();
    }
    if expansion.chain.len() >= MAX_INCLUDE_DEPTH {
        ctx.error(
            path_node,
            format!(
                "expected includes nested at most {MAX_INCLUDE_DEPTH} deep, found deeper nesting"
            ),
        );
        return Vec::new();
    }
    let mut fragment = ParseCtx::new(&display);
    // A file that is not a fragment at all (not YAML, or not a map with
    // `steps`: `/etc/passwd`, a persona file with its PINs) is one error at
    // the include, quoting nothing of its content (issue 9).
    let root = match parse(&fragment.file, &text) {
        Ok(root) if is_fragment_shaped(&root) => root,
        Ok(_) => {
            ctx.error(
                path_node,
                format!(
                    "expected a fragment file (a YAML map with `steps` and optional `vars`), found `{display}`, which is not one"
                ),
            );
            return Vec::new();
        }
        Err(diags) => {
            let at = diags
                .first()
                .map(|d| format!(" (the first problem at {})", d.at))
                .unwrap_or_default();
            ctx.error(
                path_node,
                format!("expected a fragment file, found `{display}`, which is not valid YAML{at}"),
            );
            return Vec::new();
        }
    };
    let steps = fragment_steps(&mut fragment, &root, expansion);
    ctx.diags.append(&mut fragment.diags);
    expansion.included_steps = expansion.included_steps.saturating_add(steps.len());
    steps
        .into_iter()
        .map(|mut step| {
            if step.included_from.is_none() {
                step.included_from = Some(from.clone());
            }
            step
        })
        .collect()
}

/// A map with `steps`, or whose keys are all fragment keys (so a fragment
/// with a misspelt key still gets its own located diagnostics).
fn is_fragment_shaped(root: &Node) -> bool {
    let NodeKind::Map(entries) = &root.kind else {
        return false;
    };
    let key = |k: &Node| k.as_str().map(str::to_string).unwrap_or_default();
    entries.iter().any(|(k, _)| key(k) == "steps")
        || entries
            .iter()
            .all(|(k, _)| FRAGMENT_KEYS.iter().any(|doc| doc.name == key(k)))
}

fn fragment_steps(
    fragment: &mut ParseCtx,
    root: &Node,
    expansion: &mut Expansion<'_, '_>,
) -> Vec<Step> {
    let Some(fields) = fragment.map_docs(
        root,
        "a fragment (a map with `steps` and optional `vars`)",
        FRAGMENT_KEYS,
        false,
    ) else {
        return Vec::new();
    };
    if let Some(vars) = fields.get("vars") {
        let vars = variables(fragment, vars, &mut expansion.scope);
        expansion.merge_vars(vars);
    }
    let Some(list) = fields.get("steps") else {
        fragment.missing(root, "steps", "the fragment's steps");
        return Vec::new();
    };
    expansion.chain.push(Arc::clone(&fragment.file));
    let out = steps(fragment, list, expansion, true);
    expansion.chain.pop();
    out
}
