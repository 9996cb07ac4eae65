//! Step lists, with `include:` expanded in place (nested, cycle-checked).

use std::sync::Arc;

use crate::ast::{AppName, Family, Location, Step, Variable};
use crate::ctx::Ctx;
use crate::source::SourceLoader;
use crate::step::{step, StepItem};
use crate::vars::variables;
use crate::vocabulary::FRAGMENT_KEYS;
use crate::yaml::{parse, Node};

/// Deepest include nesting accepted.
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// How many steps includes may add to one scenario in all: a few fragments
/// that each include the next many times would otherwise multiply into
/// millions of steps and exhaust memory.
pub const MAX_INCLUDED_STEPS: usize = 100_000;

/// State shared by the step lists of one scenario and its fragments.
pub(crate) struct Expansion<'l> {
    /// Finds included files.
    pub loader: &'l dyn SourceLoader,
    /// Display paths of the files being expanded, outermost first.
    pub chain: Vec<Arc<str>>,
    /// Variables of the scenario, then of fragments not already defined.
    pub vars: Vec<Variable>,
    /// The family of the scenario (fragments take it over).
    pub family: Family,
    /// Steps added by includes so far (see [`MAX_INCLUDED_STEPS`]).
    pub included_steps: usize,
    /// Whether the step budget was already reported (once is enough).
    pub budget_reported: bool,
}

impl Expansion<'_> {
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
    ctx: &mut Ctx,
    node: &Node,
    expansion: &mut Expansion<'_>,
    current_app: &mut Option<AppName>,
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
        match step(ctx, item, expansion.family, current_app) {
            Some(StepItem::Step(step)) => out.push(*step),
            Some(StepItem::Include {
                path,
                step,
                path_node,
            }) => {
                let from = ctx.at(step);
                out.extend(include(ctx, path, path_node, from, expansion, current_app));
            }
            None => {}
        }
    }
    out
}

/// Loads, converts and returns the steps of the fragment at `path`.
fn include(
    ctx: &mut Ctx,
    path: &str,
    path_node: &Node,
    from: Location,
    expansion: &mut Expansion<'_>,
    current_app: &mut Option<AppName>,
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
    let mut fragment = Ctx::new(&display);
    let steps = match parse(&fragment.file, &text) {
        Ok(root) => fragment_steps(&mut fragment, &root, expansion, current_app),
        Err(diags) => {
            fragment.diags.extend(diags);
            Vec::new()
        }
    };
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

fn fragment_steps(
    fragment: &mut Ctx,
    root: &Node,
    expansion: &mut Expansion<'_>,
    current_app: &mut Option<AppName>,
) -> Vec<Step> {
    let Some(fields) = fragment.map(
        root,
        "a fragment (a map with `steps` and optional `vars`)",
        FRAGMENT_KEYS,
        false,
    ) else {
        return Vec::new();
    };
    if let Some(vars) = fields.get("vars") {
        let vars = variables(fragment, vars);
        expansion.merge_vars(vars);
    }
    let Some(list) = fields.get("steps") else {
        fragment.missing(root, "steps", "the fragment's steps");
        return Vec::new();
    };
    expansion.chain.push(Arc::clone(&fragment.file));
    let out = steps(fragment, list, expansion, current_app, true);
    expansion.chain.pop();
    out
}
