//! Which scenarios a run includes: `--filter`, `--tags`, `--rules DATE`,
//! `--shard K/N`.

use myna_scenario::{Requirement, Scenario};

/// Selection options.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Substrings of the id, or globs with `*`: a scenario matching any is
    /// kept (empty = all).
    pub filters: Vec<String>,
    /// Keep scenarios carrying any of these tags (empty = all).
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`: keep scenarios with at least one requirement in force.
    pub rules_date: String,
    /// `(k, n)` with 1 ≤ k ≤ n.
    pub shard: Option<(u32, u32)>,
}

/// Parses `K/N`.
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected K/N (e.g. 1/4), found {text:?}"))?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("shard index {k:?} is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("shard count {n:?} is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("expected 1 ≤ K ≤ N, found {k}/{n}"));
    }
    Ok((k, n))
}

/// Whether `id` matches a `--filter` (substring, or glob when it has `*`).
pub fn id_matches(filter: &str, id: &str) -> bool {
    if filter.contains('*') {
        myna_scenario::glob_matches(filter, id)
    } else {
        id.contains(filter)
    }
}

/// FNV-1a, so a scenario's shard does not move when others are added.
fn stable_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The shard (1-based) a scenario id belongs to.
pub fn shard_of(id: &str, n: u32) -> u32 {
    (stable_hash(id) % u64::from(n.max(1))) as u32 + 1
}

/// The scenarios to run, in id order.
pub fn select<'a>(
    scenarios: &'a [Scenario],
    requirements: &[Requirement],
    selection: &Selection,
) -> Vec<&'a Scenario> {
    scenarios
        .iter()
        .filter(|s| {
            selection.filters.is_empty() || selection.filters.iter().any(|f| id_matches(f, &s.id))
        })
        .filter(|s| selection.tags.is_empty() || s.tags.iter().any(|t| selection.tags.contains(t)))
        .filter(|s| {
            let cited: Vec<&Requirement> = requirements
                .iter()
                .filter(|r| s.requirements.contains(&r.id))
                .collect();
            cited.is_empty() || cited.iter().any(|r| r.in_force(&selection.rules_date))
        })
        .filter(|s| selection.shard.is_none_or(|(k, n)| shard_of(&s.id, n) == k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_shards() {
        assert!(id_matches("auth-pin", "card.jpki.auth-pin.lockout"));
        assert!(id_matches("card.*.lockout", "card.jpki.auth-pin.lockout"));
        assert!(!id_matches("card.*.reset", "card.jpki.auth-pin.lockout"));
        // Many stars against a non-match must not backtrack exponentially.
        assert!(!id_matches(
            "********************Q",
            "card.jpki.auth-pin.lockout"
        ));
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("0/4").is_err());
        // Every id lands in exactly one shard.
        for id in ["a", "card.x", "oqs.y.z"] {
            let hits = (1..=3).filter(|k| shard_of(id, 3) == *k).count();
            assert_eq!(hits, 1);
        }
    }
}
