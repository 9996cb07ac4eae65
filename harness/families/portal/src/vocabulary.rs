//! Every keyword and field of the `portal` step vocabulary, as declarative
//! shapes (docs/portal.md "Scenario steps"): the parser reads step bodies
//! with them and the JSON Schema is built from them.

use myna_scenario::{Doc, Field, Shape};

/// The family's name.
pub const FAMILY: &str = "portal";

/// Capability: the portal API (openapi.yaml).
pub const CAP_API: &str = "portal.api";
/// Capability: the reference's test-control API.
pub const CAP_CONTROL: &str = "portal.control";

/// Capabilities a portal target may declare.
pub const CAPABILITIES: &[Doc] = &[
    Doc { name: CAP_API, doc: "the portal API of harness/portal/openapi.yaml" },
    Doc { name: CAP_CONTROL, doc: "the test-control API (POST /control/v1/command): clock, terms version, revocation, the 確認コード outbox" },
];

/// Step keywords.
pub const KEYWORDS: &[Doc] = &[
    Doc { name: "login", doc: "JPKI login: a challenge, the card's 利用者証明用 PIN and signature (the scenario's card, or a second emulated card), POST /auth/login" },
    Doc { name: "http", doc: "any portal request, sent as written, with a named session" },
    Doc { name: "logout", doc: "POST /auth/logout of a named session" },
    Doc { name: "accept_terms", doc: "POST /terms/acceptance (default: the version GET /terms names)" },
    Doc { name: "register_user", doc: "first-login 利用者登録: POST /email-codes, then POST /users with the 確認コード (default: read from the outbox) and the メール通知 choice" },
    Doc { name: "apply_insurance", doc: "健康保険証利用申込: POST /health-insurance/applications" },
    Doc { name: "insurance_status", doc: "申込状況確認: GET /health-insurance/status" },
    Doc { name: "cancel_insurance", doc: "DELETE /health-insurance/applications/{id} (default: the last application of the step's session)" },
    Doc { name: "register_account", doc: "公金受取口座登録: the card read again with the PIN, then PUT /public-fund-account" },
    Doc { name: "portal_control", doc: "a test-control command of the reference (needs `portal.control`)" },
];

const TEXT: Shape = Shape::Text;

const SESSION: Field = Field::optional(
    "session",
    TEXT,
    "the named session the request uses (default `main`; `none`: no session)",
);

/// `login:`.
pub const LOGIN: &[Field] = &[
    Field::optional("card", TEXT, "a persona id: a second card, emulated by the harness, instead of the scenario's card"),
    Field::optional("pin", TEXT, "the 利用者証明用 PIN sent to the card (secret; default the card's persona PIN)").secret(),
    Field::optional("as", TEXT, "the name the session is kept under (default `main`)"),
    Field::optional("certificate_of", TEXT, "send this persona's certificate instead of the card's (a signature by the wrong key)"),
    Field::optional("reuse_challenge", Shape::Bool, "send the previous login's proof again (its challenge is used)"),
    Field::optional("delay_minutes", Shape::Int { min: 0, max: 1440 }, "move the portal's clock this far between the challenge and the login (needs `portal.control`)"),
];

const METHODS: &[Doc] = &[
    Doc {
        name: "GET",
        doc: "HTTP GET",
    },
    Doc {
        name: "POST",
        doc: "HTTP POST",
    },
    Doc {
        name: "PUT",
        doc: "HTTP PUT",
    },
    Doc {
        name: "DELETE",
        doc: "HTTP DELETE",
    },
    Doc {
        name: "PATCH",
        doc: "HTTP PATCH (undocumented: for 405 tests)",
    },
];

/// `http:`.
pub const HTTP: &[Field] = &[
    Field::optional("method", Shape::Enum(METHODS), "the method (default GET)"),
    Field::required("path", TEXT, "the path (and query) from the API root"),
    Field::optional(
        "body",
        Shape::Any,
        "a string is sent as is, anything else as JSON",
    ),
    SESSION,
    Field::optional("idempotency_key", TEXT, "the Idempotency-Key header"),
];

/// `logout:`.
pub const LOGOUT: &[Field] = &[SESSION];

/// `accept_terms:`.
pub const ACCEPT_TERMS: &[Field] = &[
    Field::optional(
        "version",
        TEXT,
        "the version accepted (default: the one in force)",
    ),
    SESSION,
];

/// `register_user:`.
pub const REGISTER_USER: &[Field] = &[
    Field::required("email", TEXT, "the e-mail address"),
    Field::required("email_notification", Shape::Bool, "the メール通知 choice"),
    Field::optional(
        "code",
        TEXT,
        "the 確認コード sent (default: read from the outbox, needs `portal.control`)",
    ),
    SESSION,
];

/// `apply_insurance:`.
pub const APPLY_INSURANCE: &[Field] = &[
    Field::optional(
        "portal_user_registration",
        Shape::Bool,
        "the 「マイナポータルの利用者登録を行う」 checkbox (default false)",
    ),
    Field::optional(
        "terms_version",
        TEXT,
        "the terms version agreed (default: the one in force)",
    ),
    Field::optional("idempotency_key", TEXT, "the Idempotency-Key header"),
    SESSION,
];

/// `insurance_status:`.
pub const INSURANCE_STATUS: &[Field] = &[SESSION];

/// `cancel_insurance:`.
pub const CANCEL_INSURANCE: &[Field] = &[
    Field::optional(
        "application",
        TEXT,
        "the application id (default: the step session's last one)",
    ),
    SESSION,
];

/// `register_account:`.
pub const REGISTER_ACCOUNT: &[Field] = &[
    Field::required("bank_code", TEXT, "金融機関コード (4 digits)"),
    Field::required("branch_code", TEXT, "支店コード (3 digits)"),
    Field::required(
        "account_type",
        TEXT,
        "口座種別: ordinary, current or savings",
    ),
    Field::required("account_number", TEXT, "口座番号 (7 digits)"),
    Field::required("holder_kana", TEXT, "口座名義 (full-width katakana)"),
    Field::optional(
        "own_name_confirmed",
        Shape::Bool,
        "「本人であることを確認しました」 (default true)",
    ),
    Field::optional("phone", TEXT, "電話番号 (optional)"),
    Field::optional(
        "email",
        TEXT,
        "メールアドレス (optional; then a 確認コード is needed)",
    ),
    Field::optional(
        "email_code",
        TEXT,
        "the 確認コード (default: sent and read from the outbox when `email` is given)",
    ),
    Field::optional(
        "card",
        TEXT,
        "the card read again: a persona id of a second emulated card (default the scenario's card)",
    ),
    Field::optional(
        "pin",
        TEXT,
        "its PIN (secret; default the card's persona PIN)",
    ),
    Field::optional(
        "agreed",
        Shape::Bool,
        "「確認事項に同意する」 (default true)",
    ),
    SESSION,
];

/// `portal_control:`.
pub const PORTAL_CONTROL: &[Field] = &[
    Field::optional(
        "advance_minutes",
        Shape::Int {
            min: 0,
            max: 525_600,
        },
        "move the portal's clock forward",
    ),
    Field::optional("terms_version", TEXT, "put a new terms version in force"),
    Field::optional(
        "revoke",
        TEXT,
        "the test CA's status service revokes this serial (hex)",
    ),
    Field::optional(
        "reset",
        Shape::Bool,
        "forget everything (the start of a scenario does this)",
    ),
];

/// The fields of `keyword`.
pub fn fields(keyword: &str) -> &'static [Field] {
    match keyword {
        "login" => LOGIN,
        "http" => HTTP,
        "logout" => LOGOUT,
        "accept_terms" => ACCEPT_TERMS,
        "register_user" => REGISTER_USER,
        "apply_insurance" => APPLY_INSURANCE,
        "insurance_status" => INSURANCE_STATUS,
        "cancel_insurance" => CANCEL_INSURANCE,
        "register_account" => REGISTER_ACCOUNT,
        _ => PORTAL_CONTROL,
    }
}

/// How a login ended (`expect: { outcome }`).
pub const OUTCOMES: &[Doc] = &[
    Doc { name: "logged_in", doc: "the portal opened a session" },
    Doc { name: "refused", doc: "the portal refused the proof (see `error_code`)" },
    Doc { name: "wrong_pin", doc: "the card refused the PIN (63Cx, tries left > 0); nothing was signed" },
    Doc { name: "pin_locked", doc: "the card's PIN is blocked (63C0/6983/6984, or no tries left at the query); no VERIFY was sent or it blocked now" },
    Doc { name: "no_pin", doc: "the card has no 利用者証明用 PIN (a face-only card); nothing was sent to the portal" },
];

/// The keys of `expect:`.
pub const EXPECT_KEYS: &[Doc] = &[
    Doc {
        name: "status",
        doc: "the HTTP status of the step's main request",
    },
    Doc {
        name: "error_code",
        doc: "error.code of the answer",
    },
    Doc {
        name: "error_field",
        doc: "error.field of the answer",
    },
    Doc {
        name: "json",
        doc: "a map of JSON pointers into the answer to matchers",
    },
    Doc {
        name: "outcome",
        doc: "login and register_account: how reading the card (and the login) ended",
    },
    Doc {
        name: "tries_left",
        doc: "login and register_account: the card's 利用者証明用 PIN tries left when the card refused the PIN",
    },
];
