//! Property tests of the eligibility model's issue-8 facts: the padded
//! 8-character InsurerNumber (health-insurance-system.md §4.2) and the
//! delay before a renewed certificate takes effect (§4.6). The month-end
//! grace rule has its property test in `properties.rs`.

// Test helpers may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used)]

use myna_oqs::clock::parse_date;
use myna_oqs::control::{Advance, PUBLISHED_RENEWAL_DELAY_HOURS};
use myna_oqs::{AuthOutcome, ControlCommand, OqsModel, Serial};
use proptest::prelude::*;
use serde_json::json;

fn world(insurer: &str, delay_hours: u32) -> OqsModel {
    let mut model = OqsModel::new();
    let command: ControlCommand = serde_json::from_value(json!({
        "op": "world",
        "clock": "2025-04-01T09:00",
        "config": { "renewal_delay_hours": delay_hours },
        "persons": [{
            "id": "p", "name": "山田 花子", "kana": "ﾔﾏﾀﾞ ﾊﾅｺ", "birth_date": "1990-06-15",
            "certificate": { "serial": "1A0001", "not_after": "2030-06-15" },
            "qualifications": [{
                "insurer_number": insurer, "symbol": "1", "number": "2",
                "qualification_date": "2020-04-01"
            }]
        }]
    }))
    .unwrap();
    model.apply(&command).unwrap();
    model
}

proptest! {
    /// Any insurer number of 1–8 digits is found whether the request gives
    /// it bare, zero-padded or space-padded to 8 characters, and the record
    /// may be stored in any of those forms too; another number is not found.
    #[test]
    fn padded_insurer_numbers_match(digits in "[0-9]{1,8}", stored_form in 0..3usize, asked_form in 0..3usize) {
        let forms = [digits.clone(), format!("{digits:0>8}"), format!("{digits:>8}")];
        let model = world(&forms[stored_form], 0);
        let birth = parse_date("t", "1990-06-15").unwrap();
        prop_assert_eq!(model.find_by_card(&forms[asked_form], "1", "2", None, birth).len(), 1);
        let other = format!("{:08}", digits.parse::<u64>().unwrap() + 1);
        prop_assert!(model.find_by_card(&other, "1", "2", None, birth).is_empty());
    }

    /// A renewed certificate authenticates as not registered until exactly
    /// `renewal_delay_hours` have passed, then re-links.
    #[test]
    fn renewal_takes_effect_after_the_delay(delay in 1u32..=72, waited in 0u32..=96) {
        let mut model = world("06130012", delay);
        let person = model.person_id("p").unwrap();
        model
            .reissue(person, Serial::parse("1A0002").unwrap(), parse_date("t", "2035-06-15").unwrap())
            .unwrap();
        model
            .apply(&ControlCommand::Clock {
                advance: Some(Advance { hours: i64::from(waited), ..Advance::default() }),
                set: None,
            })
            .unwrap();
        let outcome = model.authenticate(Serial::parse("1A0002").unwrap());
        if waited < delay {
            prop_assert_eq!(outcome, AuthOutcome::NotYetInEffect);
        } else {
            let relinked = matches!(outcome, AuthOutcome::Authenticated { relinked: true, .. });
            prop_assert!(relinked, "{:?}", outcome);
        }
    }
}

#[test]
fn the_published_delay_is_24_hours() {
    assert_eq!(PUBLISHED_RENEWAL_DELAY_HOURS, 24);
}
