//! Checks across files: scenarios against each other and the catalogue.

use std::collections::HashMap;

use crate::ast::Scenario;
use crate::diagnostic::Diagnostic;
use crate::requirement::Requirement;

/// Reports requirement ids cited but not in the catalogue (at the citation;
/// the loader finds them already when it was given the catalogue), scenario
/// ids used by more than one file (at the later file), and citations of a
/// requirement of another family than the scenario's.
pub fn check_suite(scenarios: &[Scenario], requirements: &[Requirement]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let catalogue: HashMap<&str, &Requirement> = requirements
        .iter()
        .map(|req| (req.id.as_str(), req))
        .collect();
    let mut seen: HashMap<&str, &Scenario> = HashMap::new();
    for scenario in scenarios {
        if let Some(first) = seen.get(scenario.id.as_str()) {
            diags.push(Diagnostic::new(
                scenario.at.clone(),
                format!(
                    "expected a unique scenario id, found `{}` also used by {}",
                    scenario.id, first.at.file
                ),
            ));
        } else {
            seen.insert(&scenario.id, scenario);
        }
        for (index, cited) in scenario.requirements.iter().enumerate() {
            let at = scenario
                .requirements_at
                .get(index)
                .cloned()
                .unwrap_or_else(|| scenario.at.clone());
            match catalogue.get(cited.as_str()) {
                None => {
                    let known = requirements.iter().map(|req| req.id.as_str());
                    let mut diag = Diagnostic::new(
                        at,
                        format!("expected a requirement id from the catalogue, found `{cited}`"),
                    );
                    if let Some(near) = crate::suggest::did_you_mean(cited, known) {
                        diag = diag.with_help(format!("did you mean `{near}`?"));
                    }
                    diags.push(diag);
                }
                Some(req) if req.family != scenario.family => diags.push(Diagnostic::new(
                    at,
                    format!(
                        "expected a requirement of family `{}`, found `{cited}` of family `{}` (defined at {})",
                        scenario.family,
                        req.family,
                        req.at
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    diags
}
