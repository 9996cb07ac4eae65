//! Every keyword, capability and expectation key of the `reader` steps,
//! with the names they take derived from myna-reader's types (one table per
//! fact: the screen ids, buttons and consent items are the model's).

use std::sync::OnceLock;

use myna_reader::{Button, ConsentItem, ScreenId};
use myna_scenario::Doc;

/// The family's name.
pub const FAMILY: &str = "reader";

/// Capability: the physical-card flow.
pub const CAP_FLOW: &str = "reader.flow";
/// Capability: the smartphone flow (seed 004).
pub const CAP_SMARTPHONE: &str = "reader.smartphone";
/// Capability: the harness moves the reader's clock.
pub const CAP_CLOCK: &str = "reader.clock";
/// Capability: the harness changes the reader's settings.
pub const CAP_CONFIG: &str = "reader.config";
/// Capability: the harness sees every APDU the reader sends to the card.
pub const CAP_CARD_TRACE: &str = "reader.card-trace";

/// Capabilities a reader target may declare.
pub const CAPABILITIES: &[Doc] = &[
    Doc { name: CAP_FLOW, doc: "the physical-card flow: card placed, authentication, eligibility, consent, done" },
    Doc { name: CAP_SMARTPHONE, doc: "the smartphone flow (seed 004: select smartphone, iPhone/Android, hold to the generic reader)" },
    Doc { name: CAP_CLOCK, doc: "the harness moves the reader's clock (timeouts, consent validity, dated rule sets)" },
    Doc { name: CAP_CONFIG, doc: "the harness changes the reader's settings (timeouts, attempts)" },
    Doc { name: CAP_CARD_TRACE, doc: "the harness sees every APDU the reader sends to the card" },
];

/// Step keywords.
pub const KEYWORDS: &[Doc] = &[
    Doc { name: "place_card", doc: "a card is placed on the reader: `my_number` (the scenario's card), `other`, or `{ card, placement, face_only_marking }`" },
    Doc { name: "remove_card", doc: "the card (or phone) is taken away: `{}`" },
    Doc { name: "choose_method", doc: "本人確認方法選択: `face`, `pin` or `smartphone`" },
    Doc { name: "face_result", doc: "the camera's verdict on one attempt: `match` or `mismatch`" },
    Doc { name: "press", doc: "a button of the current screen" },
    Doc { name: "enter_pin", doc: "PIN digits typed on the reader (a secret; `${persona.auth_pin}`)" },
    Doc { name: "select_phone", doc: "`iphone` or `android` (seed 004 Step 2)" },
    Doc { name: "phone_authenticated", doc: "the holder authenticated on the iPhone itself: `{}`" },
    Doc { name: "hold_phone", doc: "the phone is held to the generic reader: `{}`" },
    Doc { name: "staff_visual_check", doc: "staff confirmed the holder by sight (目視確認): `{}`" },
    Doc { name: "reader_clock", doc: "moves the reader's clock: `{ advance: SECONDS | \"25h\" | \"90m\" }` or `{ set: DATETIME }`" },
    Doc { name: "reader_config", doc: "changes the reader's settings (myna_reader::ReaderConfig fields)" },
    Doc { name: "observe", doc: "no stimulus: check what the reader shows and wrote: `{}`" },
];

/// Keys of `expect:`.
pub const EXPECT_KEYS: &[Doc] = &[
    Doc { name: "screen", doc: "the screen id (a core id or `vendor:…`)" },
    Doc { name: "fields", doc: "visible fields that must show these values (lists as comma-joined text)" },
    Doc { name: "accepted", doc: "whether the reader took the stimulus (false: not expected on that screen)" },
    Doc { name: "records", doc: "how many output records the reader has written in this scenario" },
    Doc { name: "record", doc: "the last output record: `end`, `auth`, `serial`, `last_screen`, `outcome`, `validity`, `name`, `consents`, `flags`, `timed`" },
    Doc { name: "consent_state", doc: "同意区分 of each item now (0 none, 1 valid, 2 expired after 24 h)" },
    Doc { name: "trace", doc: "what the reader sent to the card in this scenario: `my_number_read`, `pin_verifies`, `phone_pin_verifies`, `verify_when_blocked`, `max_verifies_per_entry`" },
];

/// Keys of `expect: { record: … }`.
pub const RECORD_KEYS: &[Doc] = &[
    Doc {
        name: "end",
        doc: "how the visit ended: completed, removed, timed_out, cancelled, refused",
    },
    Doc {
        name: "auth",
        doc: "face, pin, visual, iphone, android, or `none`",
    },
    Doc {
        name: "serial",
        doc: "the certificate serial sent for the lookup",
    },
    Doc {
        name: "last_screen",
        doc: "the screen shown when the visit ended",
    },
    Doc {
        name: "outcome",
        doc: "the screen the eligibility check led to, or `none`",
    },
    Doc {
        name: "validity",
        doc: "QualificationValidity answered",
    },
    Doc {
        name: "name",
        doc: "the holder's name as answered",
    },
    Doc {
        name: "consents",
        doc: "the choice per item: agreed, declined, none, not_asked, statutory",
    },
    Doc {
        name: "flags",
        doc: "同意区分 per item: 0 or 1",
    },
    Doc {
        name: "timed",
        doc: "per item: whether the record carries the time of a choice",
    },
];

/// Keys of `expect: { trace: … }`.
pub const TRACE_KEYS: &[Doc] = &[
    Doc { name: "my_number_read", doc: "whether the reader selected an application that holds the 12-digit My Number (券面事項入力補助AP, 券面事項確認AP, 住基AP; seed 001: reception never handles the number)" },
    Doc { name: "pin_verifies", doc: "how many VERIFY commands carrying a PIN the reader sent (to the card and the smartphone card)" },
    Doc { name: "phone_pin_verifies", doc: "of those, how many went to the smartphone card (seed 004; the Android PIN, §1.5)" },
    Doc { name: "verify_when_blocked", doc: "whether a VERIFY carrying a PIN followed an answer saying the PIN is blocked" },
    Doc { name: "max_verifies_per_entry", doc: "the most VERIFY commands carrying a PIN sent for one `enter_pin` or `hold_phone` (1: no retry by itself)" },
];

fn leak(docs: Vec<Doc>) -> &'static [Doc] {
    docs.leak()
}

/// Every core screen id, with its doc.
pub fn screens() -> &'static [Doc] {
    static DOCS: OnceLock<&'static [Doc]> = OnceLock::new();
    DOCS.get_or_init(|| {
        leak(
            ScreenId::ALL
                .iter()
                .map(|id| Doc {
                    name: id.as_str(),
                    doc: id.doc(),
                })
                .collect(),
        )
    })
}

/// Every button.
pub fn buttons() -> &'static [Doc] {
    static DOCS: OnceLock<&'static [Doc]> = OnceLock::new();
    DOCS.get_or_init(|| {
        leak(
            Button::ALL
                .iter()
                .map(|b| Doc {
                    name: b.as_str(),
                    doc: "a button",
                })
                .collect(),
        )
    })
}

/// Every consent item.
pub fn consent_items() -> &'static [Doc] {
    static DOCS: OnceLock<&'static [Doc]> = OnceLock::new();
    DOCS.get_or_init(|| {
        leak(
            ConsentItem::ALL
                .iter()
                .map(|i| Doc {
                    name: i.as_str(),
                    doc: "a consent item",
                })
                .collect(),
        )
    })
}

/// `place_card` card kinds.
pub const CARD_KINDS: &[Doc] = &[
    Doc {
        name: "my_number",
        doc: "the scenario's My Number Card (the card target)",
    },
    Doc {
        name: "other",
        doc: "some other IC card",
    },
];

/// `place_card` placements (seed 003).
pub const PLACEMENTS: &[Doc] = &[
    Doc {
        name: "correct",
        doc: "portrait, photo up, no cover",
    },
    Doc {
        name: "covered",
        doc: "in a cover (カバーあり)",
    },
    Doc {
        name: "landscape",
        doc: "not 縦向き",
    },
    Doc {
        name: "face_down",
        doc: "photo down",
    },
];

/// Methods.
pub const METHODS: &[Doc] = &[
    Doc {
        name: "face",
        doc: "顔認証",
    },
    Doc {
        name: "pin",
        doc: "暗証番号",
    },
    Doc {
        name: "smartphone",
        doc: "the smartphone's マイナンバーカード",
    },
];

/// Face outcomes.
pub const FACE_OUTCOMES: &[Doc] = &[
    Doc {
        name: "match",
        doc: "the face matches",
    },
    Doc {
        name: "mismatch",
        doc: "it does not",
    },
];

/// Phones.
pub const PHONES: &[Doc] = &[
    Doc {
        name: "iphone",
        doc: "authenticates on the phone",
    },
    Doc {
        name: "android",
        doc: "4-digit PIN on the reader",
    },
];

/// Visit ends.
pub const ENDS: &[Doc] = &[
    Doc {
        name: "completed",
        doc: "マイナ受付完了",
    },
    Doc {
        name: "removed",
        doc: "the card was removed before",
    },
    Doc {
        name: "timed_out",
        doc: "a waiting screen timed out",
    },
    Doc {
        name: "cancelled",
        doc: "the holder chose やめる",
    },
    Doc {
        name: "refused",
        doc: "an error screen ended the visit",
    },
];

/// Authentications.
pub const AUTHS: &[Doc] = &[
    Doc {
        name: "face",
        doc: "顔認証",
    },
    Doc {
        name: "pin",
        doc: "暗証番号",
    },
    Doc {
        name: "visual",
        doc: "目視確認",
    },
    Doc {
        name: "iphone",
        doc: "on the iPhone",
    },
    Doc {
        name: "android",
        doc: "PIN on the reader for Android",
    },
    Doc {
        name: "none",
        doc: "not authenticated",
    },
];

/// Consent choices.
pub const CHOICES: &[Doc] = &[
    Doc {
        name: "agreed",
        doc: "agreed on screen",
    },
    Doc {
        name: "declined",
        doc: "declined on screen",
    },
    Doc {
        name: "none",
        doc: "no explicit choice",
    },
    Doc {
        name: "not_asked",
        doc: "the rule set does not ask",
    },
    Doc {
        name: "statutory",
        doc: "provided by law without a screen",
    },
];
