//! A scenario file → a [`Scenario`], collecting every problem.

use std::sync::Arc;

use crate::ast::{Level, Location, Scenario};
use crate::diagnostic::Diagnostic;
use crate::ids::{is_requirement_id, is_scenario_id};
use crate::keys::SCENARIO_KEYS;
use crate::parse_ctx::{Fields, ParseCtx};
use crate::requirement::Requirement;
use crate::scope::Scope;
use crate::source::SourceLoader;
use crate::steps::{steps, Expansion};
use crate::suggest::did_you_mean;
use crate::vars::variables;
use crate::vocabulary::Vocabulary;
use crate::yaml::{parse, Node, NodeKind};

/// What the loader checks a scenario against besides its own text.
#[derive(Clone, Copy)]
pub struct LoadEnv<'a> {
    /// The registered families' vocabularies.
    pub vocabulary: &'a Vocabulary<'a>,
    /// The persona names `persona:` may give (`None`: not checked).
    pub personas: Option<&'a [String]>,
    /// The catalogue `requirements:` are cited from (`None`: not checked).
    pub requirements: Option<&'a [Requirement]>,
}

impl<'a> LoadEnv<'a> {
    /// An environment that checks only the vocabulary.
    pub fn new(vocabulary: &'a Vocabulary<'a>) -> Self {
        LoadEnv {
            vocabulary,
            personas: None,
            requirements: None,
        }
    }
}

/// Parses and validates the scenario `text` of `file` (its display path);
/// `include:` steps are read through `loader`, relative to the including
/// file. Returns every problem found, in file order per file, or the
/// scenario with includes expanded.
///
/// One problem never hides another: an invalid id or family still lets the
/// steps be checked (a step's family is found by its keyword).
pub fn load_scenario(
    file: &str,
    text: &str,
    loader: &dyn SourceLoader,
    env: &LoadEnv<'_>,
) -> Result<Scenario, Vec<Diagnostic>> {
    let mut ctx = ParseCtx::new(file);
    let root = parse(&ctx.file, text)?;
    let fields = ctx
        .map_docs(
            &root,
            "a scenario (a map with `id`, `title`, `requirements`, `steps`)",
            SCENARIO_KEYS,
            false,
        )
        .ok_or_else(|| ctx.diags.clone())?;

    let id = scenario_id(&mut ctx, &fields, &root);
    let title = match fields.get("title") {
        Some(node) => ctx.str(node, "a one-line title").map(str::to_string),
        None => {
            ctx.missing(&root, "title", "one line for people");
            None
        }
    };
    let family = scenario_family(&mut ctx, &fields, id.as_deref(), env.vocabulary);
    let (requirements, requirements_at) = requirement_ids(&mut ctx, &fields, &root, env);
    let level = fields
        .get("level")
        .and_then(|node| ctx.level(node))
        .unwrap_or(Level::Must);
    let tags = fields
        .get("tags")
        .map(|node| {
            ctx.strings(node, "tags")
                .into_iter()
                .map(|(tag, _)| tag)
                .collect()
        })
        .unwrap_or_default();
    let applies_if: Vec<(String, Location)> = fields
        .get("applies_if")
        .map(|node| ctx.strings(node, "capabilities"))
        .unwrap_or_default();
    let persona = fields
        .get("persona")
        .and_then(|node| persona(&mut ctx, node, env));
    let mut scope = Scope::default();
    let vars = fields
        .get("vars")
        .map(|node| variables(&mut ctx, node, &mut scope))
        .unwrap_or_default();

    let mut expansion = Expansion::new(
        loader,
        env.vocabulary,
        family,
        Arc::clone(&ctx.file),
        vars,
        scope,
    );
    let step_list = match fields.get("steps") {
        Some(node) => steps(&mut ctx, node, &mut expansion, true),
        None => {
            ctx.missing(&root, "steps", "what the scenario does");
            Vec::new()
        }
    };
    let finally = fields
        .get("finally")
        .map(|node| steps(&mut ctx, node, &mut expansion, false))
        .unwrap_or_default();

    // Every family the scenario uses, needed ones first.
    let mut families = Vec::new();
    for name in family.iter().chain(&expansion.step_families) {
        env.vocabulary.with_needs(name, &mut families);
    }
    for diagnostic in expansion.scope.check(env.vocabulary, &families) {
        ctx.push(diagnostic);
    }
    check_capabilities(&mut ctx, &applies_if, &families, env.vocabulary);
    if let Some(diagnostic) = crate::budget::over_budget(&step_list, &finally) {
        ctx.push(diagnostic);
    }

    if !ctx.diags.is_empty() {
        return Err(hush_secret_values(
            ctx.into_sorted_diags(),
            &expansion.vars,
            text,
        ));
    }
    let (Some(id), Some(title), Some(family)) = (id, title, family) else {
        // Unreachable in practice: every `None` above recorded a diagnostic.
        return Err(vec![Diagnostic::new(
            Location {
                file: Arc::clone(&ctx.file),
                line: 1,
                col: 1,
            },
            "expected a complete scenario, found missing fields",
        )]);
    };
    Ok(Scenario {
        id,
        title,
        family: family.to_string(),
        requirements,
        requirements_at,
        level,
        tags,
        applies_if: applies_if.into_iter().map(|(cap, _)| cap).collect(),
        persona,
        vars: expansion.vars,
        steps: step_list,
        finally,
        at: Location {
            file: ctx.file,
            line: 1,
            col: 1,
        },
        families,
    })
}

fn scenario_id(ctx: &mut ParseCtx, fields: &Fields<'_>, root: &Node) -> Option<String> {
    match fields.get("id") {
        Some(node) => ctx.str(node, "a scenario id").map(str::to_string).filter(|id| {
            let ok = is_scenario_id(id);
            if !ok {
                ctx.error(
                    node,
                    format!("expected a dotted lowercase id like `card.jpki.auth-pin.lockout`, found `{id}`"),
                );
            }
            ok
        }),
        None => {
            ctx.missing(root, "id", "the scenario's unique dotted id");
            None
        }
    }
}

/// The scenario's own family: `family:`, else the id's first segment; it
/// must be a registered family.
fn scenario_family(
    ctx: &mut ParseCtx,
    fields: &Fields<'_>,
    id: Option<&str>,
    vocabulary: &Vocabulary<'_>,
) -> Option<&'static str> {
    let known = vocabulary.names();
    let listed = known
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = |written: &str| {
        did_you_mean(written, known.iter().copied()).map(|near| format!("did you mean `{near}`?"))
    };
    if let Some(node) = fields.get("family") {
        let written = ctx.str(node, "a family")?;
        if let Some(family) = vocabulary.family(written) {
            return Some(family.family());
        }
        let message = format!("expected a registered family ({listed}), found `{written}`");
        match help(written) {
            Some(help) => ctx.error_help(node, message, help),
            None => ctx.error(node, message),
        }
        return None;
    }
    let id = id?;
    let first = id.split('.').next().unwrap_or_default();
    if let Some(family) = vocabulary.family(first) {
        return Some(family.family());
    }
    if let Some(node) = fields.get("id") {
        ctx.error_help(
            node,
            format!("expected an id starting with a registered family ({listed}), found `{first}`"),
            help(first).unwrap_or_else(|| "add `family:` or start the id with the family".into()),
        );
    }
    None
}

/// `requirements:`: well-formed ids, each in the catalogue when one is
/// given (with "did you mean").
fn requirement_ids(
    ctx: &mut ParseCtx,
    fields: &Fields<'_>,
    root: &Node,
    env: &LoadEnv<'_>,
) -> (Vec<String>, Vec<Location>) {
    let mut requirements = Vec::new();
    let mut requirements_at = Vec::new();
    let Some(node) = fields.get("requirements") else {
        ctx.missing(root, "requirements", "ids from scenarios/requirements.yaml");
        return (requirements, requirements_at);
    };
    let listed = ctx.strings(node, "requirement ids");
    if matches!(&node.kind, NodeKind::Seq(items) if items.is_empty()) {
        ctx.expected(node, "at least one requirement id");
    }
    for (req, at) in listed {
        if !is_requirement_id(&req) {
            ctx.push(Diagnostic::new(
                at,
                format!("expected a requirement id like `CARD-JPKI-AUTH-PIN-LOCK`, found `{req}`"),
            ));
            continue;
        }
        if let Some(catalogue) = env.requirements {
            if !catalogue.iter().any(|r| r.id == req) {
                let mut diag = Diagnostic::new(
                    at,
                    format!("expected a requirement id from the catalogue, found `{req}`"),
                );
                if let Some(near) = did_you_mean(&req, catalogue.iter().map(|r| r.id.as_str())) {
                    diag = diag.with_help(format!("did you mean `{near}`?"));
                }
                ctx.push(diag);
                continue;
            }
        }
        requirements.push(req);
        requirements_at.push(at);
    }
    (requirements, requirements_at)
}

/// `persona:`: a well-formed name, and one of the known personas when
/// they are known.
fn persona(ctx: &mut ParseCtx, node: &Node, env: &LoadEnv<'_>) -> Option<String> {
    let name = ctx.str(node, "a persona name")?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        ctx.expected(node, "a persona name (lowercase letters, digits, `-`, `_`)");
        return None;
    }
    if let Some(known) = env.personas {
        if !known.iter().any(|k| k == name) {
            let listed = known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let message = format!("expected a known persona ({listed}), found `{name}`");
            match did_you_mean(name, known.iter().map(String::as_str)) {
                Some(near) => ctx.error_help(node, message, format!("did you mean `{near}`?")),
                None => ctx.error(node, message),
            }
            return None;
        }
    }
    Some(name.to_string())
}

/// `applies_if:`: every capability is one some family declares, and of a
/// family the scenario uses (else the scenario could never apply).
fn check_capabilities(
    ctx: &mut ParseCtx,
    applies_if: &[(String, Location)],
    families: &[&str],
    vocabulary: &Vocabulary<'_>,
) {
    for (capability, at) in applies_if {
        match vocabulary.family_of_capability(capability) {
            Some(family) if families.contains(&family.family()) => {}
            Some(family) => ctx.push(
                Diagnostic::new(
                    at.clone(),
                    format!(
                        "expected a capability of a family this scenario uses ({}), found `{capability}` of family `{}`",
                        families.join(", "),
                        family.family()
                    ),
                )
                .with_help("the scenario would never apply: remove it or add a step of that family"),
            ),
            None => {
                let known: Vec<&str> = vocabulary
                    .families()
                    .iter()
                    .flat_map(|f| f.capabilities().iter().map(|c| c.name))
                    .collect();
                let mut diag = Diagnostic::new(
                    at.clone(),
                    format!(
                        "expected a capability a target can declare ({}), found `{capability}`",
                        known
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                if let Some(near) = did_you_mean(capability, known) {
                    diag = diag.with_help(format!("did you mean `{near}`?"));
                }
                ctx.push(diag);
            }
        }
    }
}

/// Diagnostics that would show the literal value of a `secret: true`
/// variable — in their message, their help, or the source line they
/// render (the value typed again as a key elsewhere, say) — say where
/// and nothing of it (issue 9: no diagnostic quotes a secret).
fn hush_secret_values(
    diagnostics: Vec<Diagnostic>,
    vars: &[crate::ast::Variable],
    text: &str,
) -> Vec<Diagnostic> {
    let secrets: Vec<String> = vars
        .iter()
        .filter(|v| v.secret)
        .map(|v| {
            v.value
                .parts
                .iter()
                .filter_map(|p| match p {
                    crate::ast::TemplatePart::Literal(t) => Some(t.as_str()),
                    crate::ast::TemplatePart::Var(_) => None,
                })
                .collect::<String>()
        })
        .filter(|literal| literal.chars().count() >= 4)
        .collect();
    if secrets.is_empty() {
        return diagnostics;
    }
    let lines: Vec<&str> = text.lines().collect();
    diagnostics
        .into_iter()
        .map(|mut d| {
            let shows = |s: &str| secrets.iter().any(|secret| s.contains(secret.as_str()));
            let line = usize::try_from(d.at.line)
                .ok()
                .and_then(|l| l.checked_sub(1))
                .and_then(|i| lines.get(i))
                .copied()
                .unwrap_or_default();
            if shows(&d.message) || d.help.as_deref().is_some_and(shows) {
                d.message = match d.message.find(", found") {
                    Some(cut) if !shows(d.message.get(..cut).unwrap_or_default()) => format!(
                        "{}, found something else (not shown: it holds a secret value)",
                        d.message.get(..cut).unwrap_or_default()
                    ),
                    _ => "a problem here (not shown: it holds a secret value)".to_owned(),
                };
                d.help = None;
                d = d.hiding_source();
            } else if shows(line) {
                d = d.hiding_source();
            }
            d
        })
        .collect()
}
