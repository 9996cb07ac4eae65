//! Writes the large run of the report benchmarks (1,000 scenarios × 100
//! steps) as a report set into a directory, for measuring how long its
//! `report.html` takes to open (docs/reports.md):
//! `cargo run -p myna-report --example large_report -- DIR`.

#[path = "../benches/large/mod.rs"]
mod large;

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: large_report DIR")?;
    let written = myna_report::write_reports(&large::large_report(), &dir)?;
    for file in written.files {
        println!("{}", file.path.display());
    }
    Ok(())
}
