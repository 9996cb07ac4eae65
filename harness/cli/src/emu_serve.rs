//! `emu serve --vpcd`: the emulated card dials vpcd (inside pcscd) and is
//! served until interrupted; it reconnects when pcscd restarts. With
//! `--test-control` it also answers the factory-reset command; with
//! `--commands` the card can be pulled out and put back from standard input.

use std::io::BufRead;
use std::path::Path;

use myna_card_emu::vpcd::{
    BoxedCard, Emulator, EmulatorControl, EmulatorOptions, Reconnect, Silent, StderrLog,
    TestControlCard,
};
use myna_family::exit_code;

use crate::commands::bad_argument;

/// What `emu serve` was asked to do.
pub struct ServeOptions<'a> {
    pub vpcd: &'a str,
    pub persona: &'a str,
    pub personas: &'a Path,
    pub quiet: bool,
    pub once: bool,
    pub test_control: bool,
    pub commands: bool,
}

/// A card of `persona`, with test control when asked.
fn card(personas: &Path, persona: &str, test_control: bool) -> Result<BoxedCard, String> {
    if test_control {
        TestControlCard::from_personas(personas, persona)
            .map(|card| Box::new(card) as BoxedCard)
            .map_err(|e| format!("persona `{persona}`: {e}"))
    } else {
        myna_card_emu::persona::Persona::load_named(personas, persona)
            .map(|p| Box::new(myna_card_emu::Card::new(p.card_profile())) as BoxedCard)
            .map_err(|e| format!("persona `{persona}`: {e}"))
    }
}

/// Serves as asked; returns the exit code.
pub fn emu_serve(serve: &ServeOptions<'_>) -> i32 {
    let first = match card(serve.personas, serve.persona, serve.test_control) {
        Ok(card) => card,
        Err(e) => return bad_argument(&format!("--persona: {e}")),
    };
    let mut options = EmulatorOptions::default();
    if serve.once {
        options.reconnect = Reconnect::Never;
    }
    eprintln!(
        "serving persona `{}` to vpcd at {}{} (reader \"Virtual PCD 00 00\" for port 35963); Ctrl-C stops",
        serve.persona,
        serve.vpcd,
        if serve.test_control {
            " with test control (factory reset 80 EE 00 00)"
        } else {
            ""
        }
    );
    let emulator = Emulator::new(serve.vpcd, first).with_options(options);
    let emulator = if serve.quiet {
        emulator.with_observer(Silent)
    } else {
        emulator.with_observer(StderrLog)
    };
    let result = if serve.commands {
        let (control, thread) = emulator.spawn();
        eprintln!("commands on standard input: remove | insert [PERSONA] | quit");
        read_commands(&control, serve);
        let _stopped = control.shutdown();
        match thread.join() {
            Ok(result) => result,
            Err(_) => {
                eprintln!("error: the emulator thread stopped unexpectedly (a harness bug)");
                return exit_code::INFRASTRUCTURE;
            }
        }
    } else {
        emulator.run()
    };
    match result {
        Ok(()) => exit_code::OK,
        Err(e) => {
            eprintln!("error: {e} (is pcscd running with vsmartcard-vpcd? see docs/pcsc.md)");
            exit_code::INFRASTRUCTURE
        }
    }
}

/// Applies commands from standard input until `quit` or its end.
fn read_commands(control: &EmulatorControl, serve: &ServeOptions<'_>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let mut words = line.split_whitespace();
        let outcome = match (words.next(), words.next()) {
            (None, _) => continue,
            (Some("quit"), None) => break,
            (Some("remove"), None) => control.remove().map(|()| "removed".to_string()),
            (Some("insert"), None) => control.reinsert().map(|()| "inserted".to_string()),
            (Some("insert"), Some(persona)) => {
                match card(serve.personas, persona, serve.test_control) {
                    Ok(card) => control
                        .insert(card)
                        .map(|()| format!("inserted a fresh `{persona}` card")),
                    Err(e) => {
                        eprintln!("error: {e}");
                        continue;
                    }
                }
            }
            _ => {
                eprintln!("unknown command {line:?}: remove | insert [PERSONA] | quit");
                continue;
            }
        };
        match outcome {
            Ok(done) => eprintln!("ok: {done}"),
            Err(_) => {
                eprintln!("the emulator has stopped");
                break;
            }
        }
    }
}
