//! The registry of families' vocabularies the loader reads scenarios with.

use crate::keys::{INCLUDE, STEP_MODIFIERS};
use crate::syntax::StepSyntax;

/// The families a scenario may use, each with its [`StepSyntax`]. Built
/// once per run from the registered families.
///
/// Invariants (checked by [`Vocabulary::new`]): family names are unique;
/// keywords are unique across families and never a file-shape key
/// (`include`, `name`, `repeat`, `expect`, `capture`, `level`); every
/// capability starts with its family's name and a dot.
pub struct Vocabulary<'a> {
    families: Vec<&'a dyn StepSyntax>,
}

impl<'a> Vocabulary<'a> {
    /// A vocabulary of `families`, or why they cannot share one.
    pub fn new(families: Vec<&'a dyn StepSyntax>) -> Result<Self, String> {
        let mut seen_families: Vec<&str> = Vec::new();
        let mut seen_keywords: Vec<(&str, &str)> = Vec::new();
        for family in &families {
            let name = family.family();
            if seen_families.contains(&name) {
                return Err(format!("family `{name}` is registered twice"));
            }
            seen_families.push(name);
            for keyword in family.keywords() {
                let reserved = keyword.name == INCLUDE.name
                    || STEP_MODIFIERS.iter().any(|m| m.name == keyword.name);
                if reserved {
                    return Err(format!(
                        "family `{name}`: `{}` is a file-shape key, not a step keyword",
                        keyword.name
                    ));
                }
                if let Some((_, other)) = seen_keywords.iter().find(|(k, _)| *k == keyword.name) {
                    return Err(format!(
                        "step keyword `{}` belongs to both `{other}` and `{name}`",
                        keyword.name
                    ));
                }
                seen_keywords.push((keyword.name, name));
            }
            for capability in family.capabilities() {
                if !capability.name.starts_with(&format!("{name}.")) {
                    return Err(format!(
                        "family `{name}`: capability `{}` does not start with `{name}.`",
                        capability.name
                    ));
                }
            }
        }
        Ok(Vocabulary { families })
    }

    /// Every family, in registration order.
    pub fn families(&self) -> &[&'a dyn StepSyntax] {
        &self.families
    }

    /// The family named `name`.
    pub fn family(&self, name: &str) -> Option<&'a dyn StepSyntax> {
        self.families.iter().copied().find(|f| f.family() == name)
    }

    /// The family whose keyword `keyword` is.
    pub fn family_of_keyword(&self, keyword: &str) -> Option<&'a dyn StepSyntax> {
        self.families
            .iter()
            .copied()
            .find(|f| f.keywords().iter().any(|k| k.name == keyword))
    }

    /// The family declaring capability `capability`.
    pub fn family_of_capability(&self, capability: &str) -> Option<&'a dyn StepSyntax> {
        self.families
            .iter()
            .copied()
            .find(|f| f.capabilities().iter().any(|c| c.name == capability))
    }

    /// The family providing builtin variable `name`.
    pub fn family_of_var(&self, name: &str) -> Option<&'a dyn StepSyntax> {
        self.families
            .iter()
            .copied()
            .find(|f| f.builtin_vars().iter().any(|v| v.name == name))
    }

    /// The names of every family.
    pub fn names(&self) -> Vec<&'static str> {
        self.families.iter().map(|f| f.family()).collect()
    }

    /// Adds `family` and, transitively, the families it needs to `out`,
    /// each after those it needs (the order their sessions open in);
    /// families already in `out` and unknown names are left alone.
    pub fn with_needs(&self, family: &str, out: &mut Vec<&'static str>) {
        self.visit(family, out, &mut Vec::new());
    }

    fn visit(&self, family: &str, out: &mut Vec<&'static str>, visiting: &mut Vec<&'static str>) {
        let Some(syntax) = self.family(family) else {
            return;
        };
        let name = syntax.family();
        // `visiting` stops a cycle of needs.
        if out.contains(&name) || visiting.contains(&name) {
            return;
        }
        visiting.push(name);
        for need in syntax.needs() {
            self.visit(need, out, visiting);
        }
        out.push(name);
    }
}
