//! The portal's request decoder (`PortalService::handle`, shared by the
//! HTTP server and the in-process target): any method, path and body is
//! answered with a documented status (no 500), an error in the one JSON shape.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use myna_oqs::{InProcessTarget, OqsTarget};
use myna_portal::identity::Residents;
use myna_portal::{OqsLink, PortalConfig, PortalRequest, PortalService, TrustStore};

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH"];

/// The test CA and the personas' 本人情報, loaded once (run from the
/// repository root).
fn loaded() -> &'static (TrustStore, Residents) {
    static LOADED: OnceLock<(TrustStore, Residents)> = OnceLock::new();
    LOADED.get_or_init(|| {
        let trust = TrustStore::load(Path::new("vectors/personas/ca"))
            .unwrap_or_else(|e| panic!("run from the repository root: {e}"));
        let residents = Residents::load(Path::new("vectors/personas"))
            .unwrap_or_else(|e| panic!("run from the repository root: {e}"));
        (trust, residents)
    })
}

// Input: one byte choosing the method, the path up to the first NUL, the
// body after it.
fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let method = METHODS[usize::from(*selector) % METHODS.len()];
    let (path, body) = match rest.iter().position(|b| *b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let path = String::from_utf8_lossy(path);
    let (trust, residents) = loaded();
    let mut service = PortalService::with_trust(
        trust.clone(),
        residents.clone(),
        PortalConfig {
            seed: Some(1),
            ..PortalConfig::default()
        },
    );
    let mut oqs = InProcessTarget::new();
    let mut link = OqsLink::new(&mut oqs as &mut dyn OqsTarget);
    let answer = service.handle(
        PortalRequest {
            method,
            path: &path,
            authorization: None,
            idempotency_key: None,
            body,
        },
        &mut link,
    );
    assert!(
        answer.status < 500 || [502, 503].contains(&answer.status),
        "{}",
        answer.status
    );
    if answer.status >= 400 {
        let error: serde_json::Value = serde_json::from_slice(&answer.body).expect("a JSON error");
        assert!(error
            .pointer("/error/code")
            .and_then(|c| c.as_str())
            .is_some());
    }
});
