//! Architecture Invariant: the engine, the scenario crate and the seam
//! crate depend on no family crate (`cargo tree -e normal -p myna-engine`
//! shows none). Read from their manifests, so a new dependency fails here.

use std::path::Path;

/// The names under `[dependencies]` (normal dependencies only) of the
/// manifest at `path`.
fn normal_dependencies(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut in_section = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == "[dependencies]";
            continue;
        }
        if in_section && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
            names.push(name.to_owned());
        }
    }
    names
}

#[test]
fn the_engine_scenario_and_seam_crates_know_no_family() {
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let families: Vec<String> = std::fs::read_dir(harness.join("families"))
        .expect("harness/families")
        .filter_map(|e| e.ok())
        .map(|e| format!("myna-family-{}", e.file_name().to_string_lossy()))
        .collect();
    assert!(
        families.iter().any(|f| f == "myna-family-card"),
        "{families:?}"
    );
    // The models the families drive are family knowledge too.
    let forbidden: Vec<&str> = families
        .iter()
        .map(String::as_str)
        .chain(["myna-card-emu", "myna-oqs"])
        .collect();
    for krate in ["engine", "scenario", "family"] {
        let deps = normal_dependencies(&harness.join(krate).join("Cargo.toml"));
        assert!(!deps.is_empty(), "{krate}: no dependencies read");
        for dep in &deps {
            assert!(
                !forbidden.contains(&dep.as_str()),
                "harness/{krate} depends on `{dep}`, a family or a family's model"
            );
        }
    }
}
