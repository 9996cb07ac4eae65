//! Resident-memory readings (Linux `/proc`; `None` elsewhere).

use std::collections::HashMap;
use std::hint::black_box;

use crate::world::{serial_of, Record};

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds this process has used (user + system; Linux `/proc`, in
/// clock ticks of 1/100 s). On a shared machine a build's CPU time says
/// what its wall time would be with the cores to itself.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are
    // the 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
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
