//! Valid files load into the expected model.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::load_scenario;
use common::*;
use myna_family_card::step::*;
use myna_scenario::*;

fn loc(file: &str, line: u32, col: u32) -> Location {
    Location {
        file: file.into(),
        line,
        col,
    }
}

fn lit(s: &str) -> TemplatePart {
    TemplatePart::Literal(s.to_string())
}

fn var(s: &str) -> TemplatePart {
    TemplatePart::Var(s.to_string())
}

#[test]
fn rich_scenario_top_level() {
    let s = load_fixture("valid_rich.yaml").unwrap();
    let f = "fixtures/valid_rich.yaml";
    assert_eq!(s.id, "card.jpki.auth-pin.lockout");
    assert_eq!(
        s.title,
        "Auth PIN blocks after three wrong PINs and stays blocked"
    );
    assert_eq!(s.family, "card");
    assert_eq!(s.families, ["card"]);
    assert_eq!(
        s.requirements,
        ["CARD-JPKI-AUTH-PIN-LOCK", "CARD-JPKI-AUTH-PIN-STATUS"]
    );
    assert_eq!(s.requirements_at, [loc(f, 3, 16), loc(f, 3, 41)]);
    assert_eq!(s.level, Level::Should);
    assert_eq!(s.tags, ["jpki", "pin"]);
    assert_eq!(s.applies_if, ["card.jpki"]);
    assert_eq!(s.persona.as_deref(), Some("taro"));
    assert_eq!(s.at, loc(f, 1, 1));
    // scenario vars first; the fragment's `wrong` does not override, its new var is added
    let vars: Vec<_> = s
        .vars
        .iter()
        .map(|v| (v.name.as_str(), v.value.parts.clone(), v.secret))
        .collect();
    assert_eq!(
        vars,
        vec![
            ("wrong", vec![lit("9999")], false),
            ("pin", vec![var("persona.auth_pin")], true),
            ("fragment_only", vec![lit("AB")], false),
        ]
    );
    assert_eq!(
        s.vars[2].at,
        loc("fixtures/fragments/select-auth-pin.yaml", 3, 3)
    );
    assert_eq!(s.finally.len(), 1);
    assert!(matches!(
        cs(&s.finally[0]).action,
        CardAction::Power(PowerAction::Off)
    ));
}

#[test]
fn rich_scenario_steps() {
    let s = load_fixture("valid_rich.yaml").unwrap();
    let f = "fixtures/valid_rich.yaml";
    let frag = "fixtures/fragments/select-auth-pin.yaml";
    let steps = &s.steps;
    assert_eq!(steps.len(), 17);

    // nested include: select-jpki.yaml via select-auth-pin.yaml
    assert_eq!(
        steps[0].at,
        loc("fixtures/fragments/select-jpki.yaml", 2, 5)
    );
    assert_eq!(steps[0].included_from, Some(loc(frag, 5, 5)));
    assert!(matches!(
        cs(&steps[0]).action,
        CardAction::Select(AppRef::Named(AppName::Jpki))
    ));
    assert_eq!(steps[1].included_from, Some(loc(f, 12, 5)));
    assert!(
        matches!(&cs(&steps[1]).action, CardAction::SelectEf(EfRef::Named(n)) if n == "auth-pin")
    );

    let status = &steps[2];
    assert_eq!(status.at, loc(f, 13, 5));
    assert_eq!(status.included_from, None);
    assert_eq!(status.name.as_deref(), Some("status query"));
    let CardAction::Apdu(t) = &cs(status).action else {
        panic!("{status:?}")
    };
    assert_eq!(t.parts, vec![lit("00 20 00 80")]);
    let sw = cs(status).expect.as_ref().unwrap().sw.as_ref().unwrap();
    assert_eq!(
        sw.value,
        vec![SwPattern {
            value: 0x63C3,
            mask: 0xFFFF
        }]
    );
    assert_eq!(sw.at, loc(f, 15, 15));

    let sw = cs(&steps[3]).expect.as_ref().unwrap().sw.as_ref().unwrap();
    assert_eq!(
        sw.value,
        vec![
            SwPattern {
                value: 0x63C2,
                mask: 0xFFFF
            },
            SwPattern {
                value: 0x63C0,
                mask: 0xFFF0
            }
        ]
    );

    let repeated = &steps[4];
    assert_eq!(repeated.repeat, 2);
    assert_eq!(repeated.level, Some(Level::Must));
    let CardAction::Verify { pin: Some(pin), p2 } = &cs(repeated).action else {
        panic!()
    };
    assert_eq!(pin.parts, vec![var("wrong")]);
    assert_eq!(*p2, 0x98);

    assert!(matches!(
        cs(&steps[5]).action,
        CardAction::Verify {
            pin: None,
            p2: 0x80
        }
    ));
    assert!(matches!(
        cs(&steps[6]).action,
        CardAction::ReadBinary {
            offset: 2,
            le: 0,
            extended: true
        }
    ));

    let read = cs(&steps[7]);
    assert!(matches!(
        read.action,
        CardAction::ReadFile {
            strategy: ReadStrategy::Chunk255
        }
    ));
    let captures: Vec<_> = read
        .captures
        .iter()
        .map(|c| (c.name.as_str(), c.source.clone(), c.secret))
        .collect();
    assert_eq!(
        captures,
        vec![
            ("cert", CaptureSource::Data, false),
            ("head", CaptureSource::DataRange(0, 4), false),
            ("status", CaptureSource::Sw, true),
            (
                "date",
                CaptureSource::Tlv(TlvPath(vec![0xFF20, 0xDF22])),
                false
            ),
        ]
    );
    assert_eq!(read.captures[0].at, loc(f, 27, 7));

    assert!(matches!(
        &cs(&steps[8]).action,
        CardAction::Sign { p1: 0, p2: 0x80, input: SignInput::DigestInfo { hash: HashAlg::Sha256, message } }
            if message.parts == vec![lit("616263")]
    ));
    assert!(matches!(
        &cs(&steps[9]).action,
        CardAction::Sign { p1: 1, p2: 0x80, input: SignInput::Hash { hash: HashAlg::Sha1, message } }
            if message.parts.is_empty()
    ));
    assert!(matches!(
        &cs(&steps[10]).action,
        CardAction::Sign { input: SignInput::Raw(t), .. } if t.parts.len() == 2
    ));
    assert!(matches!(
        cs(&steps[11]).action,
        CardAction::GetChallenge { le: 8 }
    ));
    assert!(matches!(
        &cs(&steps[12]).action,
        CardAction::Select(AppRef::Aid(aid)) if aid.as_slice() == myna_family_card::names::aid(AppName::Jpki)
    ));
    assert!(
        matches!(&cs(&steps[13]).action, CardAction::SelectEf(EfRef::Named(n)) if n == "auth-cert")
    );
    assert!(matches!(
        cs(&steps[14]).action,
        CardAction::SelectEf(EfRef::Fid(0x000A))
    ));
    assert!(
        matches!(&cs(&steps[15]).action, CardAction::ChangePin { new, command: PinChange::ReferenceData } if new.parts == vec![var("pin")])
    );
    assert!(matches!(
        cs(&steps[16]).action,
        CardAction::Power(PowerAction::Reset)
    ));
}

#[test]
fn explicit_family_overrides_the_id() {
    let s = load_scenario(
        "s.yaml",
        "id: x.y\nfamily: card\ntitle: t\nrequirements: [CARD-A]\nsteps:\n  - power: on\n",
        &MemoryLoader::new(),
    )
    .unwrap();
    assert_eq!(s.family, "card");
    assert!(matches!(
        cs(&s.steps[0]).action,
        CardAction::Power(PowerAction::On)
    ));
}

#[test]
fn defaults() {
    let s = load_card(
        "  - read_file: {}\n  - get_challenge: ~\n  - verify: {}\n  - sign: { data: '00' }\n",
    );
    assert_eq!(s.level, Level::Must);
    assert_eq!(s.persona, None);
    assert!(s.tags.is_empty() && s.vars.is_empty() && s.finally.is_empty());
    assert!(matches!(
        cs(&s.steps[0]).action,
        CardAction::ReadFile {
            strategy: ReadStrategy::Header7
        }
    ));
    assert!(matches!(
        cs(&s.steps[1]).action,
        CardAction::GetChallenge { le: 8 }
    ));
    assert!(matches!(
        cs(&s.steps[2]).action,
        CardAction::Verify {
            pin: None,
            p2: 0x80
        }
    ));
    assert!(matches!(
        cs(&s.steps[3]).action,
        CardAction::Sign {
            p1: 0,
            p2: 0x80,
            ..
        }
    ));
    assert_eq!(s.steps[0].repeat, 1);
    assert!(cs(&s.steps[0]).expect.is_none());
}

#[test]
fn ef_names_follow_the_selected_application() {
    // `pin` is an EF of `text` but not of `jpki`
    let s = load_card("  - select: text\n  - select_ef: pin\n");
    assert!(matches!(&cs(&s.steps[1]).action, CardAction::SelectEf(EfRef::Named(n)) if n == "pin"));
    let found = problems(&card("  - select: jpki\n  - select_ef: pin\n"));
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0, found[0].1), (6, 16));
    assert!(found[0].2.contains("an EF of `jpki`"), "{found:?}");
    // unknown current application: any application's names
    let s = load_card("  - power: reset\n  - select_ef: check-b\n");
    assert_eq!(s.steps.len(), 2);
    let found = problems(&card("  - select_ef: no-such-ef\n"));
    assert_eq!(found.len(), 1);
}

/// Regression: `face` is an EF name of the surface AP and also four hex
/// digits; the name wins (it was read as FID `FACE`).
#[test]
fn ef_names_win_over_hex_lookalikes() {
    let text = "id: card.x.face\ntitle: t\nrequirements: [CARD-X]\nsteps:\n  - select: surface\n  - select_ef: face\n  - select_ef: \"0002\"\n";
    let scenario = load_scenario("f.yaml", text, &myna_scenario::NoIncludes).unwrap();
    let efs: Vec<_> = scenario
        .steps
        .iter()
        .filter_map(|s| match &cs(s).action {
            CardAction::SelectEf(ef) => Some(ef.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(efs, vec![EfRef::Named("face".into()), EfRef::Fid(0x0002)]);
}

/// The `${persona.*}` variables the card family declares are exactly those
/// every persona provides (card-emu's `Persona::variables`), secret flags
/// included, so the load-time check and the run agree.
#[test]
fn the_declared_persona_variables_are_the_personas() {
    let root = common::root().join("vectors/personas");
    for id in myna_card_emu::persona::list(&root).unwrap() {
        let persona = myna_card_emu::persona::Persona::load_named(&root, &id).unwrap();
        let provided: Vec<(String, bool)> = persona
            .variables()
            .into_iter()
            .map(|v| (format!("persona.{}", v.name), v.secret))
            .collect();
        let declared: Vec<(String, bool)> = myna_family_card::vocabulary::PERSONA_VARS
            .iter()
            .map(|v| (v.name.to_string(), v.secret))
            .collect();
        assert_eq!(declared, provided, "persona {id}");
    }
}
