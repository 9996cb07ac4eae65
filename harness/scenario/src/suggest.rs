//! "Did you mean …?" suggestions for misspelt keys and names.

/// Problems of one file that get a "did you mean" help; later ones are
/// reported without it, so a hostile file with tens of thousands of
/// misspelt names loads in bounded time (tests/malformed_bounds.rs of the
/// CLI).
pub const SUGGESTIONS_PER_FILE: usize = 200;

/// The candidate closest to `word` when it is a near miss: an edit distance
/// of at most one third of the word's length (at least 1), ties broken by
/// the order of `candidates`.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word: Vec<char> = word.to_lowercase().chars().collect();
    let limit = (word.len() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let other: Vec<char> = candidate.to_lowercase().chars().collect();
        // The distance is at least the difference in length: most
        // candidates are ruled out without the table (a file with
        // thousands of unknown keys stays fast).
        if word.len().abs_diff(other.len()) > limit {
            continue;
        }
        let distance = osa_distance(&word, &other);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Levenshtein distance counting an adjacent swap as one edit
/// (optimal string alignment), case-insensitive.
#[cfg(test)]
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    osa_distance(&a, &b)
}

/// Optimal string alignment distance over three rolling rows.
fn osa_distance(a: &[char], b: &[char]) -> usize {
    // before[j], previous[j], current[j]: distances between a[..i-2],
    // a[..i-1], a[..i] and b[..j].
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, &cb) in b.iter().enumerate() {
            let at = |row: &[usize], k: usize| row.get(k).copied().unwrap_or(usize::MAX / 2);
            let substitute = at(&previous, j) + usize::from(ca != cb);
            let mut best = substitute
                .min(at(&previous, j + 1) + 1)
                .min(at(&current, j) + 1);
            let swapped = i > 0
                && j > 0
                && a.get(i - 1) == Some(&cb)
                && b.get(j - 1) == Some(&ca)
                && ca != cb;
            if swapped {
                best = best.min(at(&before, j - 1) + 1);
            }
            if let Some(cell) = current.get_mut(j + 1) {
                *cell = best;
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous.get(b.len()).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("title", "titel"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("select", "select"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions_are_near_misses_only() {
        let keys = ["select", "select_ef", "sign"];
        assert_eq!(did_you_mean("selct", keys), Some("select"));
        assert_eq!(did_you_mean("select-ef", keys), Some("select_ef"));
        assert_eq!(did_you_mean("banana", keys), None);
    }
}
