//! The reference reader against the emulated card and the in-process
//! eligibility model: the main flows, PIN lockout that is the card's, the
//! dated consent rules and the output record.

#![allow(clippy::unwrap_used)]

use myna_card_emu::persona::Persona;
use myna_family_card::target::{CardTarget, EmuCard};
use myna_oqs::{InProcessTarget, OqsTarget};
use myna_reader::{
    Button, ClockChange, ConsentChoice, ConsentItem, Defect, FaceOutcome, Method, Peers, PinDigits,
    Reaction, ReaderConfig, ReferenceReader, Stimulus, VisitEnd,
};

struct Rig {
    reader: ReferenceReader,
    card: Box<dyn CardTarget>,
    phone: Box<dyn CardTarget>,
    oqs: InProcessTarget,
    persona: Persona,
}

fn persona(id: &str) -> Persona {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/personas");
    Persona::load_named(dir.as_ref(), id).unwrap()
}

fn rig(id: &str, registered: bool, clock: &str) -> Rig {
    let persona = persona(id);
    let card: Box<dyn CardTarget> = Box::new(EmuCard::new(persona.card_profile()));
    let phone: Box<dyn CardTarget> =
        Box::new(EmuCard::new(persona.phone_profile().unwrap().unwrap()));
    let mut oqs = InProcessTarget::new();
    let serial = persona
        .variables()
        .into_iter()
        .find(|v| v.name == "auth_serial")
        .unwrap()
        .value;
    let world = serde_json::json!({"op": "world", "clock": clock, "persons": [{
        "id": "p", "name": "山田 太郎", "kana": "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date": "1980-02-17", "sex": "1",
        "registered": registered,
        "certificate": {"serial": serial, "not_after": "2030-02-17",
            "phone_serial": persona.phone_serial_hex().unwrap()},
        "qualifications": [{"insurer_number": "06130012", "symbol": "1", "number": "2",
            "insurer_name": "試験健保", "qualification_date": "2020-04-01"}]}]});
    let answer = oqs
        .request(
            "POST",
            "/control/v1/command",
            world.to_string().as_bytes(),
            None,
        )
        .unwrap();
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let mut rig = Rig {
        reader: ReferenceReader::new(ReaderConfig::default()),
        card,
        phone,
        oqs,
        persona,
    };
    rig.go(Stimulus::Clock {
        change: ClockChange::Set(clock.into()),
    });
    rig
}

impl Rig {
    fn go(&mut self, stimulus: Stimulus) -> Reaction {
        let mut peers = Peers {
            card: self.card.as_mut(),
            phone: Some(self.phone.as_mut()),
            eligibility: &mut self.oqs,
        };
        self.reader.handle(&stimulus, &mut peers).unwrap()
    }

    fn screen(&self) -> String {
        self.reader.screen().id
    }

    fn pin(&self) -> PinDigits {
        PinDigits(self.persona.auth_pin().unwrap().clone())
    }

    fn press(&mut self, button: Button) -> Reaction {
        self.go(Stimulus::Press { button })
    }
}

fn place() -> Stimulus {
    Stimulus::PlaceCard {
        card: Default::default(),
        placement: Default::default(),
        face_only_marking: false,
    }
}

#[test]
fn face_flow_under_the_2024_10_07_rules_ends_in_a_record_with_times() {
    let mut r = rig("taro", true, "2025-04-01T09:00");
    assert_eq!(r.go(place()), Reaction::Accepted);
    assert_eq!(r.screen(), "auth_method");
    r.go(Stimulus::ChooseMethod {
        method: Method::Face,
    });
    r.go(Stimulus::FaceResult {
        outcome: FaceOutcome::Match,
    });
    assert_eq!(r.screen(), "consent_bulk");
    assert_eq!(r.reader.screen().fields["name"], "山田 太郎");
    r.press(Button::AgreeAll);
    assert_eq!(r.screen(), "done");
    let record = r.reader.records().last().unwrap().clone();
    assert_eq!(record.end, VisitEnd::Completed);
    assert_eq!(record.serial.as_deref(), Some("18C453E"));
    assert_eq!(
        record.consent(ConsentItem::Medical).unwrap().choice,
        ConsentChoice::Agreed
    );
    assert_eq!(
        record.consent(ConsentItem::Limit).unwrap().choice,
        ConsentChoice::Statutory
    );
    assert_eq!(
        record
            .consent(ConsentItem::Medical)
            .unwrap()
            .valid_until
            .as_deref(),
        Some("2025-04-02T09:00:00")
    );
    // Consent lapses after 24 hours.
    assert_eq!(r.reader.consents_in_force()[&ConsentItem::Medical], "1");
    r.go(Stimulus::RemoveCard);
    r.go(Stimulus::Clock {
        change: ClockChange::AdvanceSeconds(24 * 3600),
    });
    assert_eq!(r.reader.consents_in_force()[&ConsentItem::Medical], "2");
}

#[test]
fn the_old_rules_ask_for_limit_consent_only_of_high_cost_users() {
    let mut r = rig("taro", true, "2024-10-01T09:00");
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Face,
    });
    r.go(Stimulus::FaceResult {
        outcome: FaceOutcome::Match,
    });
    assert_eq!(r.screen(), "consent_checkup");
    r.press(Button::Agree);
    assert_eq!(r.screen(), "consent_medical");
    r.press(Button::Decline);
    assert_eq!(r.screen(), "consent_high_cost");
    r.press(Button::Yes);
    assert_eq!(r.screen(), "consent_limit");
    r.press(Button::Agree);
    let record = r.reader.records().last().unwrap();
    assert_eq!(record.consent(ConsentItem::Limit).unwrap().flag, "1");
    assert_eq!(record.consent(ConsentItem::Medical).unwrap().flag, "0");
}

#[test]
fn removal_before_consent_leaves_none_and_the_defect_is_visible() {
    for defect in [None, Some(Defect::ConsentOnRemoval)] {
        let mut r = rig("taro", true, "2025-04-01T09:00");
        if let Some(d) = defect {
            r.reader = r.reader.clone().with_defect(d);
        }
        r.go(place());
        r.go(Stimulus::ChooseMethod {
            method: Method::Face,
        });
        r.go(Stimulus::FaceResult {
            outcome: FaceOutcome::Match,
        });
        r.go(Stimulus::RemoveCard);
        assert_eq!(r.screen(), "idle");
        let record = r.reader.records().last().unwrap();
        assert_eq!(record.end, VisitEnd::Removed);
        let medical = record.consent(ConsentItem::Medical).unwrap();
        assert_eq!(medical.choice == ConsentChoice::None, defect.is_none());
    }
}

#[test]
fn three_wrong_pins_across_two_visits_lock_the_card_not_the_reader() {
    let mut r = rig("taro", true, "2025-04-01T09:00");
    let wrong = PinDigits::new("0000");
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Pin,
    });
    assert_eq!(r.reader.screen().fields["tries_left"], 3);
    r.go(Stimulus::EnterPin {
        digits: wrong.clone(),
    });
    r.go(Stimulus::EnterPin {
        digits: wrong.clone(),
    });
    assert_eq!(r.reader.screen().fields["tries_left"], 1);
    r.go(Stimulus::RemoveCard);
    // A fresh reader: the counter is on the card.
    r.reader = ReferenceReader::default();
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Pin,
    });
    assert_eq!(r.reader.screen().fields["tries_left"], 1);
    r.go(Stimulus::EnterPin { digits: wrong });
    assert_eq!(r.screen(), "pin_locked");
    // 目視確認 still lets the holder through.
    r.go(Stimulus::StaffVisualCheck);
    assert_eq!(r.screen(), "consent_bulk");
    // The right PIN on the next visit does not help: blocked is blocked.
    r.press(Button::AgreeAll);
    r.go(Stimulus::RemoveCard);
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Pin,
    });
    assert_eq!(r.screen(), "pin_locked");
    let pin = r.pin();
    assert!(matches!(
        r.go(Stimulus::EnterPin { digits: pin }),
        Reaction::Rejected(_)
    ));
}

#[test]
fn registration_at_the_reader_links_the_serial() {
    let mut r = rig("taro", false, "2025-04-01T09:00");
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Pin,
    });
    let pin = r.pin();
    r.go(Stimulus::EnterPin { digits: pin });
    assert_eq!(r.screen(), "registration_required");
    r.press(Button::Continue);
    assert_eq!(r.screen(), "registration_terms");
    r.press(Button::Agree);
    assert_eq!(r.screen(), "registration_done");
    r.press(Button::GetQualification);
    assert_eq!(r.screen(), "consent_bulk");
}

#[test]
fn waiting_screens_time_out_and_a_forgotten_card_is_reminded() {
    let mut r = rig("taro", true, "2025-04-01T09:00");
    r.go(place());
    r.go(Stimulus::Clock {
        change: ClockChange::AdvanceSeconds(59),
    });
    assert_eq!(r.screen(), "auth_method");
    r.go(Stimulus::Clock {
        change: ClockChange::AdvanceSeconds(1),
    });
    assert_eq!(r.screen(), "timed_out");
    assert_eq!(r.reader.records().last().unwrap().end, VisitEnd::TimedOut);
    r.go(Stimulus::RemoveCard);
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Face,
    });
    r.go(Stimulus::FaceResult {
        outcome: FaceOutcome::Match,
    });
    r.press(Button::AgreeAll);
    r.go(Stimulus::Clock {
        change: ClockChange::AdvanceSeconds(10),
    });
    assert_eq!(r.screen(), "card_forgotten");
}

#[test]
fn the_faulty_reader_spends_two_tries_on_one_wrong_pin() {
    let mut r = rig("taro", true, "2025-04-01T09:00");
    r.reader = r.reader.clone().with_defect(Defect::RetriesWrongPin);
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Pin,
    });
    r.go(Stimulus::EnterPin {
        digits: PinDigits::new("0000"),
    });
    assert_eq!(r.reader.screen().fields["tries_left"], 1);
}

fn tries(target: &mut dyn CardTarget) -> Option<u8> {
    myna_family_card::host::JpkiHost::new(target)
        .auth_pin_tries()
        .unwrap()
}

fn android(r: &mut Rig, pin: PinDigits) {
    r.go(Stimulus::EnterPin { digits: pin });
    assert_eq!(r.go(Stimulus::HoldPhone), Reaction::Accepted);
}

#[test]
fn the_android_flow_verifies_the_phone_pin_on_the_phone_and_leaves_the_card_alone() {
    let mut r = rig("taro", true, "2025-04-01T09:00");
    r.go(Stimulus::ChooseMethod {
        method: Method::Smartphone,
    });
    r.go(Stimulus::SelectPhone {
        phone: myna_reader::Phone::Android,
    });
    // The card's PIN is not the phone's: a wrong PIN for the phone.
    let card_pin = r.pin();
    android(&mut r, card_pin);
    assert_eq!(r.screen(), "phone_pin");
    assert_eq!(r.reader.screen().fields["tries_left"], 2);
    assert_eq!(tries(r.phone.as_mut()), Some(2));
    assert_eq!(tries(r.card.as_mut()), Some(3), "the card's counter");
    let phone_pin = PinDigits(r.persona.phone().unwrap().pin.clone());
    android(&mut r, phone_pin);
    assert_eq!(r.screen(), "consent_bulk");
    assert_eq!(tries(r.phone.as_mut()), Some(3));
    assert_eq!(tries(r.card.as_mut()), Some(3));
    r.press(Button::AgreeAll);
    let record = r.reader.records().last().unwrap();
    assert_eq!(record.serial, r.persona.phone_serial_hex());
    assert_ne!(
        record.serial.as_deref(),
        Some(r.persona.auth().serial_hex().as_str())
    );
}

#[test]
fn a_locked_phone_pin_is_never_sent_again_and_the_card_still_works() {
    let mut r = rig("taro", true, "2025-04-01T09:00");
    for _ in 0..2 {
        r.go(Stimulus::ChooseMethod {
            method: Method::Smartphone,
        });
        r.go(Stimulus::SelectPhone {
            phone: myna_reader::Phone::Android,
        });
        let mut wrong = 0;
        while r.screen() != "pin_locked" && wrong < 3 {
            android(&mut r, PinDigits::new("0000"));
            wrong += 1;
        }
        assert_eq!(r.screen(), "pin_locked");
        r.go(Stimulus::RemoveCard);
    }
    assert_eq!(tries(r.phone.as_mut()), Some(0));
    assert_eq!(tries(r.card.as_mut()), Some(3));
    r.go(place());
    r.go(Stimulus::ChooseMethod {
        method: Method::Pin,
    });
    let pin = r.pin();
    r.go(Stimulus::EnterPin { digits: pin });
    assert_eq!(r.screen(), "consent_bulk");
}
