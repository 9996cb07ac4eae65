//! The eligibility server's request decoder (`OqsService::handle`, which
//! the HTTP server and the in-process target share): any body on any route
//! is answered, malformed ones with a 4xx, never a 5xx but the injected
//! outage.
#![no_main]

use libfuzzer_sys::fuzz_target;
use myna_oqs::service::{CAPABILITIES_PATH, CONTROL_PATH, SEARCH_PATH};
use myna_oqs::OqsService;

fuzz_target!(|data: &[u8]| {
    let mut service = OqsService::new();
    for (method, path) in [
        ("POST", CONTROL_PATH),
        ("POST", SEARCH_PATH),
        ("GET", CAPABILITIES_PATH),
    ] {
        let answer = service.handle(method, path, data);
        assert!(answer.status < 500 || answer.status == 503, "{}", answer.status);
    }
});
