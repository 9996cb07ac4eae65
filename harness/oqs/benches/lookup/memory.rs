//! Resident-memory readings (Linux `/proc`; `None` elsewhere).

use std::collections::HashMap;
use std::hint::black_box;

use crate::world::{serial_of, Record};

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak resident size (`VmHWM`) to the current one.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident bytes since the last [`reset_peak`].
pub fn peak_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|k| k * 1024)
}

/// Resident bytes now.
pub fn resident_bytes() -> Option<u64> {
    status_kib("VmRSS:").map(|k| k * 1024)
}

/// Measures the baseline's memory: the resident growth while a fresh
/// `HashMap<serial, Record>` of `serials` entries is built (the layout the
/// benchmark probes), divided by the entries.
pub fn measured_map_bytes_per_serial(serials: usize) -> Option<f64> {
    let before = resident_bytes()?;
    let mut map: HashMap<u64, Record> = HashMap::with_capacity(serials);
    for i in 0..serials as u64 {
        let record = Record {
            owner: 0,
            prev: 0,
            registered: true,
            revoked: false,
            not_after: 12_000,
        };
        map.insert(serial_of(i + (1 << 45)), record);
    }
    let after = resident_bytes()?;
    black_box(&map);
    Some(after.saturating_sub(before) as f64 / serials as f64)
}
