//! Names scenario authors may use instead of hex: applications and EFs
//! (card-protocol.md §1). The AIDs are card-emu's own constants, so the
//! emulator and the scenarios cannot disagree about them.

use myna_card_emu::card::ISD_AID;
use myna_card_emu::persona::surface_ap::SURFACE_AP_AID;
use myna_card_emu::persona::text_ap::TEXT_AP_AID;
use myna_card_emu::persona::{COMMON_AP_AID, JPKI_AP_AID, JUKI_AP_AID};

use crate::step::AppName;

/// Every named application: its scenario-file name, what it is, its AID.
pub const APPLICATIONS: &[(AppName, &str, &str, &[u8])] = &[
    (AppName::Jpki, "jpki", "公的個人認証AP", &JPKI_AP_AID),
    (AppName::Text, "text", "券面事項入力補助AP", &TEXT_AP_AID),
    (
        AppName::Surface,
        "surface",
        "券面事項確認AP",
        &SURFACE_AP_AID,
    ),
    (AppName::Common, "common", "共通カードAP", &COMMON_AP_AID),
    (AppName::Juki, "juki", "住基AP", &JUKI_AP_AID),
    (AppName::Isd, "isd", "GlobalPlatform ISD", &ISD_AID),
];

/// AID of each named application (card-protocol.md §1).
pub fn aid(app: AppName) -> &'static [u8] {
    APPLICATIONS
        .iter()
        .find(|(a, _, _, _)| *a == app)
        .map_or(&[], |(_, _, _, aid)| *aid)
}

/// The application named `name` in scenario files.
pub fn app_by_name(name: &str) -> Option<AppName> {
    APPLICATIONS
        .iter()
        .find(|(_, n, _, _)| *n == name)
        .map(|(app, _, _, _)| *app)
}

/// The application with AID `aid`, if it is a named one.
pub fn app_by_aid(aid: &[u8]) -> Option<AppName> {
    APPLICATIONS
        .iter()
        .find(|(_, _, _, a)| *a == aid)
        .map(|(app, _, _, _)| *app)
}

/// The application's scenario-file name.
pub fn app_name(app: AppName) -> &'static str {
    APPLICATIONS
        .iter()
        .find(|(a, _, _, _)| *a == app)
        .map_or("", |(_, name, _, _)| *name)
}

/// The names `select:` accepts, in table order.
pub fn app_names() -> impl Iterator<Item = &'static str> {
    APPLICATIONS.iter().map(|(_, name, _, _)| *name)
}

/// EF names per application: `(name, FID)`.
pub fn ef_names(app: AppName) -> &'static [(&'static str, u16)] {
    match app {
        AppName::Jpki => &[
            ("sign-cert", 0x0001),
            ("sign-ca", 0x0002),
            ("token", 0x0006),
            ("availability", 0x0008),
            ("auth-cert", 0x000A),
            ("auth-ca", 0x000B),
            ("auth-key", 0x0017),
            ("auth-pin", 0x0018),
            ("sign-key", 0x001A),
            ("sign-pin", 0x001B),
        ],
        AppName::Text => &[
            ("my-number", 0x0001),
            ("basic-info", 0x0002),
            ("integrity", 0x0003),
            ("cv-cert", 0x0004),
            ("ap-info", 0x0005),
            ("session-key", 0x0006),
            ("ap-key-cert", 0x0007),
            ("pin", 0x0011),
            ("blocked-key", 0x0012),
            ("check-a", 0x0014),
            ("check-b", 0x0015),
        ],
        AppName::Surface => &[
            ("age", 0x0001),
            ("face", 0x0002),
            ("ap-info", 0x0003),
            ("cv-cert", 0x0004),
            ("my-number-image", 0x0005),
            ("birth-key", 0x0011),
            ("check-b", 0x0012),
            ("check-a", 0x0013),
        ],
        AppName::Common => &[("record", 0x0001), ("auth-key", 0x0019), ("pin", 0x001C)],
        AppName::Juki => &[("key", 0x0002), ("pin", 0x001C)],
        AppName::Isd => &[],
    }
}

/// FID of `name` in `app`.
pub fn ef_by_name(app: AppName, name: &str) -> Option<u16> {
    ef_names(app)
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, fid)| fid)
}

/// Whether `name` names an EF in any application (for validation before
/// the current application is known).
pub fn is_known_ef_name(name: &str) -> bool {
    APPLICATIONS
        .iter()
        .any(|(app, _, _, _)| ef_by_name(*app, name).is_some())
}

/// Every EF name of every application, each once, in table order (for the
/// schema and "did you mean").
pub fn all_ef_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for (app, _, _, _) in APPLICATIONS {
        for (name, _) in ef_names(*app) {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aids_round_trip() {
        for (app, name, _, aid_bytes) in APPLICATIONS {
            assert_eq!(app_by_name(name), Some(*app));
            assert_eq!(app_name(*app), *name);
            assert_eq!(app_by_aid(aid_bytes), Some(*app));
            assert_eq!(aid(*app), *aid_bytes);
        }
    }

    #[test]
    fn the_ef_name_list_has_no_repeats() {
        let names = all_ef_names();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[..i].contains(name), "{name} twice");
        }
        // `pin` is an EF of three applications; listed once.
        assert!(names.contains(&"pin"));
    }
}
