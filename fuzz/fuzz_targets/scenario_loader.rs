//! The scenario loader with every family's vocabulary: any text gives a
//! scenario or located diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use myna_conform::families::{families, Targets};
use myna_scenario::{load_scenario, LoadEnv, MemoryLoader};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let families = families(&Targets::default());
    let Ok(vocabulary) = myna_engine::vocabulary(&families) else {
        return;
    };
    let env = LoadEnv {
        vocabulary: &vocabulary,
        personas: None,
        requirements: None,
    };
    let loader = MemoryLoader::new().with("f.yaml", text);
    if let Err(diagnostics) = load_scenario("s.yaml", text, &loader, &env) {
        assert!(diagnostics.iter().all(|d| d.at.line >= 1));
    }
});
