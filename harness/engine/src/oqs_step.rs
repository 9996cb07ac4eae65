//! Steps of the `oqs` family: handed to `myna_oqs::execute_step`, whose
//! outcome is turned into evidence, mismatches and verdict inputs.

use std::collections::HashMap;
use std::time::Instant;

use myna_oqs::OqsTarget;
use myna_scenario::{Location, Step};

use crate::check::Mismatch;
use crate::evidence::RawEvidence;
use crate::vars::Vars;

/// What an OQS step produced.
pub struct OqsStepResult {
    /// HTTP (or in-process) exchanges.
    pub evidence: Vec<RawEvidence>,
    /// Failed expectations.
    pub mismatches: Vec<Mismatch>,
    /// The target could not be reached or timed out.
    pub transport_error: Option<String>,
    /// The target lacks a capability this step needs.
    pub not_applicable: Option<String>,
}

/// Runs one OQS step. Variables flow both ways: the step sees every
/// scenario variable and what it captures is kept for later steps.
pub fn run(
    target: &mut dyn OqsTarget,
    step: &Step,
    keyword: &str,
    body: &serde_json::Value,
    vars: &mut Vars,
    scenario_started: Instant,
) -> OqsStepResult {
    let mut scope: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let step_started = scenario_started.elapsed();
    let expect = step.generic_expect.as_ref().map(|e| &e.value);
    let outcome = myna_oqs::execute_step(target, keyword, body, expect, &mut scope);
    for (name, value) in scope {
        if vars.get(&name).map(|v| v.text.as_str()) != Some(value.as_str()) {
            vars.set(name, value, false);
        }
    }
    let at: Location = step
        .generic_expect
        .as_ref()
        .map_or_else(|| step.at.clone(), |e| e.at.clone());
    let mut offset = step_started;
    let evidence = outcome
        .evidence
        .into_iter()
        .map(|e| {
            let at_us = u64::try_from(offset.as_micros()).unwrap_or(u64::MAX);
            offset += e.duration;
            RawEvidence::Http {
                at_us,
                method: e.method,
                path: e.path,
                status: e.status,
                request: e.request_json,
                response: e.response_json,
                duration_us: u64::try_from(e.duration.as_micros()).unwrap_or(u64::MAX),
            }
        })
        .collect();
    OqsStepResult {
        evidence,
        mismatches: outcome
            .failures
            .into_iter()
            .map(|f| Mismatch {
                at: at.clone(),
                check: f.check,
                expected: f.expected,
                actual: f.actual,
            })
            .collect(),
        transport_error: outcome.transport_error,
        not_applicable: outcome.not_applicable,
    }
}
