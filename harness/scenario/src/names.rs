//! Names scenario authors may use instead of hex: applications and EFs
//! (card-protocol.md §1).

use crate::ast::AppName;

/// AID of each named application (card-protocol.md §1).
pub fn aid(app: AppName) -> &'static [u8] {
    match app {
        AppName::Jpki => &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01],
        AppName::Text => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
        AppName::Surface => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02],
        AppName::Common => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
        AppName::Juki => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01],
        AppName::Isd => &[0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00],
    }
}

/// The application named `name` in scenario files.
pub fn app_by_name(name: &str) -> Option<AppName> {
    Some(match name {
        "jpki" => AppName::Jpki,
        "text" => AppName::Text,
        "surface" => AppName::Surface,
        "common" => AppName::Common,
        "juki" => AppName::Juki,
        "isd" => AppName::Isd,
        _ => return None,
    })
}

/// The application named `name`'s scenario-file name.
pub fn app_name(app: AppName) -> &'static str {
    match app {
        AppName::Jpki => "jpki",
        AppName::Text => "text",
        AppName::Surface => "surface",
        AppName::Common => "common",
        AppName::Juki => "juki",
        AppName::Isd => "isd",
    }
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
    [
        AppName::Jpki,
        AppName::Text,
        AppName::Surface,
        AppName::Common,
        AppName::Juki,
    ]
    .into_iter()
    .any(|app| ef_by_name(app, name).is_some())
}
