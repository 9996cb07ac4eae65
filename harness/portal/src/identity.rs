//! The 本人情報 of each card holder, as the test J-LIS keeps it (the
//! 基本4情報 with the reading of the 氏名), found by the serial of the
//! 利用者証明用 certificate the session logged in with, and the
//! 公金受取口座 holder-name check against it.
//!
//! Sources: the account must be the person's own, and wrong-person
//! registrations were found by a kanji/kana name review
//! (health-insurance-system.md §3.3); the app shows the 本人情報 read with
//! the card, then the account's 名義 is entered and confirmed as one's own
//! (seed 000 4-A: 「本人情報を確認し」, 「口座番号と名義を入力する」,
//! 「口座名義を確認し「本人であることを確認しました」を押す」). That a relying
//! party finds the holder's 基本4情報 by the certificate serial at J-LIS is
//! uncertain (card-protocol.md §4); the reading (フリガナ) is not one of the
//! 基本4情報 on the card, so the directory is harness-defined: the personas'
//! `name` and `name_kana`.

use std::collections::HashMap;
use std::path::Path;

use myna_card_emu::persona::{list, PersonaDocument};

use crate::trust::TrustError;

/// One holder's 本人情報 (what the check needs of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resident {
    /// 氏名 (漢字, family and given name separated by U+3000).
    pub name: String,
    /// The 氏名's reading in full-width katakana.
    pub name_kana: String,
}

/// The 本人情報 by certificate serial (hex, upper case, no leading zeros).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Residents {
    loaded: HashMap<String, Resident>,
    /// Readings recorded at run time (the `holder_name` control command),
    /// forgotten on reset.
    changed: HashMap<String, String>,
}

fn canonical_serial(serial: &str) -> String {
    serial.trim_start_matches('0').to_ascii_uppercase()
}

impl Residents {
    /// The holders of the personas under `root` (each `<id>/persona.yaml`:
    /// its `name`, `name_kana` and `auth_cert.serial`).
    pub fn load(root: &Path) -> Result<Residents, TrustError> {
        let invalid = |path: &Path, reason: String| TrustError::Invalid {
            path: path.display().to_string(),
            reason,
        };
        let ids = list(root).map_err(|e| invalid(root, e.to_string()))?;
        let mut loaded = HashMap::new();
        for id in ids {
            let path = root.join(&id).join("persona.yaml");
            let text = std::fs::read_to_string(&path).map_err(|source| TrustError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let document = PersonaDocument::from_yaml(&text).map_err(|e| invalid(&path, e))?;
            loaded.insert(
                canonical_serial(&document.auth_cert.serial),
                Resident {
                    name: document.name,
                    name_kana: document.name_kana,
                },
            );
        }
        Ok(Residents {
            loaded,
            changed: HashMap::new(),
        })
    }

    /// Over explicit records (tests).
    pub fn from_records(records: impl IntoIterator<Item = (String, Resident)>) -> Self {
        Residents {
            loaded: records
                .into_iter()
                .map(|(serial, r)| (canonical_serial(&serial), r))
                .collect(),
            changed: HashMap::new(),
        }
    }

    /// The reading of the 氏名 of `serial`'s holder, when J-LIS knows one.
    pub fn name_kana(&self, serial: &str) -> Option<&str> {
        let serial = canonical_serial(serial);
        self.changed
            .get(&serial)
            .map(String::as_str)
            .or_else(|| self.loaded.get(&serial).map(|r| r.name_kana.as_str()))
    }

    /// Records another reading for `serial`'s holder (a change of name, or
    /// a namesake in a test).
    pub fn set_name_kana(&mut self, serial: &str, kana: String) {
        self.changed.insert(canonical_serial(serial), kana);
    }

    /// Forgets the readings recorded at run time.
    pub fn reset(&mut self) {
        self.changed.clear();
    }
}

/// Whether an account's 名義 (full-width katakana) is the registered
/// reading: the same characters, spaces (U+0020, U+3000) between family
/// and given name ignored.
pub fn same_name(holder_kana: &str, registered_kana: &str) -> bool {
    let letters = |text: &str| -> String {
        text.chars()
            .filter(|c| !matches!(c, ' ' | '\u{3000}'))
            .collect()
    };
    let registered = letters(registered_kana);
    !registered.is_empty() && letters(holder_kana) == registered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_the_space_between_family_and_given_name() {
        assert!(same_name("ヤマダ　タロウ", "ヤマダ　タロウ"));
        assert!(same_name("ヤマダ タロウ", "ヤマダ　タロウ"));
        assert!(same_name("ヤマダタロウ", "ヤマダ　タロウ"));
        assert!(!same_name("サトウ　ハナコ", "ヤマダ　タロウ"));
        assert!(!same_name("ヤマダ　タロ", "ヤマダ　タロウ"));
        assert!(!same_name("ヤマダ　ジロウ", "ヤマダ　タロウ"));
        assert!(!same_name("　", "　"));
    }

    #[test]
    fn the_personas_are_the_directory_and_a_change_is_forgotten_on_reset() {
        let root = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/personas"
        ));
        let mut residents = Residents::load(root).unwrap_or_default();
        assert_eq!(residents.name_kana("18C453E"), Some("ヤマダ　タロウ"));
        assert_eq!(residents.name_kana("018c453e"), Some("ヤマダ　タロウ"));
        assert_eq!(residents.name_kana("2A1B001"), Some("サトウ　ハナコ"));
        assert_eq!(residents.name_kana("FFFF"), None);
        residents.set_name_kana("2A1B001", "ヤマダ　タロウ".into());
        assert_eq!(residents.name_kana("2A1B001"), Some("ヤマダ　タロウ"));
        residents.reset();
        assert_eq!(residents.name_kana("2A1B001"), Some("サトウ　ハナコ"));
    }
}
