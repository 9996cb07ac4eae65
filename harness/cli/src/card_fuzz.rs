//! `fuzz --family card`: the PIN model against `--card` (the emulator, or
//! any card through PC/SC, whose counter persists: the model starts from
//! the counter the card reports); the logic is myna-family-card's
//! `pin_fuzz`.

use myna_card_emu::Secret;
use myna_family::exit_code;
use myna_family_card::pin_fuzz::{fuzz_pin, pin_scenario_yaml, read_counter};
use myna_family_card::target::{CardTarget, EmuCard};

use crate::arg_types::{CardSpec, VPCD_ONLY_FOR_RUN};
use crate::reader_commands::{write_finding, FuzzArgs};

/// Runs the card fuzzer.
pub fn fuzz_card(args: &FuzzArgs) -> i32 {
    let persona = match myna_card_emu::persona::Persona::load_named(&args.personas, &args.persona) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: persona `{}`: {e}", args.persona);
            return exit_code::BAD_INPUT;
        }
    };
    let Some(right) = persona.auth_pin().cloned() else {
        eprintln!("error: persona `{}` has no 利用者証明用 PIN", args.persona);
        return exit_code::BAD_INPUT;
    };
    let wrong = Secret::new(if right.expose() == b"0000" {
        b"1111".to_vec()
    } else {
        b"0000".to_vec()
    });
    let profile = persona.card_profile();
    let card = args.card.clone();
    // The emulator: a fresh card per case, so even blocking sequences may run.
    let destructive = args.allow_destructive || card == CardSpec::Emu;
    let mut open = move || -> Result<Box<dyn CardTarget>, String> {
        match &card {
            CardSpec::Emu => Ok(Box::new(EmuCard::new(profile.clone()))),
            CardSpec::Pcsc(name) => open_pcsc(name.as_deref()),
            CardSpec::Vpcd { .. } => Err(VPCD_ONLY_FOR_RUN.to_owned()),
        }
    };
    // A real card keeps its counter: say where it starts (each case reads
    // it again and the model starts from it).
    match open().and_then(|mut card| read_counter(card.as_mut())) {
        Ok(tries) => eprintln!(
            "card: the 利用者証明用 PIN has {tries} tries left{}",
            if tries == 0 && !destructive {
                " (blocked: every case checks the blocked answers)"
            } else {
                ""
            }
        ),
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::INFRASTRUCTURE;
        }
    }
    match fuzz_pin(
        &mut open,
        &right,
        &wrong,
        args.cases,
        args.seed,
        args.max_len,
        destructive,
    ) {
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
        Ok(None) => {
            eprintln!(
                "{} random VERIFY sequences: the card agreed with the PIN model",
                args.cases
            );
            exit_code::OK
        }
        Ok(Some(f)) => {
            let yaml = pin_scenario_yaml(
                &format!("card.fuzz.seed-{}", args.seed),
                &args.persona,
                f.start,
                &f.steps,
            );
            let at = match f.at {
                Some(i) => format!("at step {} of {}", i + 1, f.steps.len()),
                None => "at the resetting VERIFY with the persona's PIN (the run stopped there: \
                         check that --persona is this card's)"
                    .to_owned(),
            };
            write_finding(
                &args.out,
                &yaml,
                &format!(
                    "the card differed from the PIN model {at}: expected {:04X}, got {}",
                    f.expected, f.actual
                ),
            )
        }
    }
}

#[cfg(feature = "pcsc")]
fn open_pcsc(name: Option<&str>) -> Result<Box<dyn CardTarget>, String> {
    use myna_family_card::target::{PcscCard, PcscOptions, ReaderSelector};
    PcscCard::open(PcscOptions::reader(ReaderSelector::from_cli(name)))
        .map(|c| Box::new(c) as Box<dyn CardTarget>)
        .map_err(|e| format!("PC/SC card: {e}"))
}

#[cfg(not(feature = "pcsc"))]
fn open_pcsc(_name: Option<&str>) -> Result<Box<dyn CardTarget>, String> {
    Err("this build has no PC/SC support (feature `pcsc`)".into())
}
