//! The financial institutions the reference knows (synthetic: test banks
//! with bank codes from the unused 99xx range), for the bank and branch
//! search of 公金受取口座登録 (seed 000 4-A ❶–❸).

use crate::wire::Institution;

/// `(code, name)` of a branch.
pub type Branch = (&'static str, &'static str);

/// `(bank code, bank name, branches)`.
pub type Bank = (&'static str, &'static str, &'static [Branch]);

/// The test banks.
pub const BANKS: &[Bank] = &[
    (
        "9901",
        "テスト第一銀行",
        &[
            ("001", "本店"),
            ("101", "霞が関支店"),
            ("102", "中之島支店"),
        ],
    ),
    (
        "9902",
        "テスト信用金庫",
        &[("001", "本店"), ("201", "天神支店")],
    ),
    ("9903", "テストネット銀行", &[("100", "本店営業部")]),
];

/// Banks whose code starts with `q` or whose name contains it (all when empty).
pub fn banks(q: &str) -> Vec<Institution> {
    BANKS
        .iter()
        .filter(|(code, name, _)| q.is_empty() || code.starts_with(q) || name.contains(q))
        .map(|(code, name, _)| Institution {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
        })
        .collect()
}

/// The branches of bank `code` matching `q`; `None` for an unknown bank.
pub fn branches(code: &str, q: &str) -> Option<Vec<Institution>> {
    let (_, _, branches) = BANKS.iter().find(|(c, _, _)| *c == code)?;
    Some(
        branches
            .iter()
            .filter(|(c, n)| q.is_empty() || c.starts_with(q) || n.contains(q))
            .map(|(c, n)| Institution {
                code: (*c).to_owned(),
                name: (*n).to_owned(),
            })
            .collect(),
    )
}

/// Whether `bank`/`branch` exist.
pub fn branch_exists(bank: &str, branch: &str) -> bool {
    branches(bank, "").is_some_and(|b| b.iter().any(|i| i.code == branch))
}
