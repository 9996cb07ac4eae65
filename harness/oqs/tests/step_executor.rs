//! The step executor on its own: capability checks and failure reporting.
//! (Every `scenarios/oqs/` file is run by the engine's scenario harness,
//! in-process and over HTTP: `cargo test -p myna-engine --test scenarios`.)

use std::collections::HashMap;
use std::time::Duration;

use myna_oqs::{execute_step, InProcessTarget, OqsTarget};

#[test]
fn a_lookup_only_target_makes_control_steps_not_applicable() {
    struct LookupOnly(InProcessTarget);
    impl OqsTarget for LookupOnly {
        fn request(
            &mut self,
            method: &str,
            path: &str,
            body: &[u8],
            timeout: Option<Duration>,
        ) -> Result<myna_oqs::RawResponse, myna_oqs::TargetError> {
            self.0.request(method, path, body, timeout)
        }
        fn capabilities(&self) -> Vec<String> {
            vec!["oqs.lookup".into()]
        }
        fn describe(&self) -> String {
            "lookup-only".into()
        }
    }
    let mut target = LookupOnly(InProcessTarget::new());
    let mut vars = HashMap::new();
    let outcome = execute_step(
        &mut target,
        "world",
        &serde_json::json!({}),
        None,
        &mut vars,
    );
    assert!(outcome.not_applicable.is_some());
    assert!(
        outcome.evidence.is_empty(),
        "nothing is sent for a not-applicable step"
    );
    let outcome = execute_step(
        &mut target,
        "lookup",
        &serde_json::json!({"serial": "${missing}"}),
        Some(&serde_json::json!({"status": 200})),
        &mut vars,
    );
    assert_eq!(
        outcome.failures.len(),
        1,
        "an undefined variable is a failure: {outcome:?}"
    );
    let outcome = execute_step(
        &mut target,
        "lookup",
        &serde_json::json!({"serial": "ABC"}),
        Some(
            &serde_json::json!({"status": 200, "result_code": "OQS-E-NOT-REGISTERED", "results": 3}),
        ),
        &mut vars,
    );
    assert_eq!(
        outcome.failures.len(),
        1,
        "the wrong result count is reported: {outcome:?}"
    );
    assert_eq!(outcome.failures[0].check, "results");
}
