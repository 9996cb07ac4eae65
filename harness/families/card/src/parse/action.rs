//! Card action keys (`apdu`, `select`, …) → [`CardAction`].

use myna_scenario::{did_you_mean, parse_hex, Node, ParseCtx as Ctx};

use super::codes::parse_param_byte;
use crate::names::{
    all_ef_names, app_by_aid, app_by_name, app_name, app_names, ef_by_name, ef_names,
    is_known_ef_name,
};
use crate::step::SecureCommand;
use crate::step::{AppName, AppRef, CardAction, EfRef, PinChange, ReadStrategy, SignInput};
use crate::vocabulary::{
    CHANGE_PIN_KEYS, GET_CHALLENGE_KEYS, HASHES, HASH_INPUT_KEYS, PIN_CHANGES, POWER_ACTIONS,
    READ_BINARY_KEYS, READ_FILE_KEYS, READ_STRATEGIES, SECURE_COMMANDS, SECURE_READ_KEYS,
    SESSION_KEY_KEYS, SIGN_KEYS, VERIFY_KEYS,
};

/// Default P2 of VERIFY and COMPUTE DIGITAL SIGNATURE: `80` = the current
/// EF (card-protocol.md §2).
const DEFAULT_P2: u8 = 0x80;

/// Converts the value of card action `key`. `current_app` is the
/// application the preceding steps selected, if known, to check EF names.
pub(crate) fn card_action(
    ctx: &mut Ctx,
    key: &str,
    key_node: &Node,
    value: &Node,
    current_app: Option<AppName>,
) -> Option<CardAction> {
    match key {
        "apdu" => apdu(ctx, value),
        "select" => select(ctx, value).map(CardAction::Select),
        "select_ef" => select_ef(ctx, value, current_app).map(CardAction::SelectEf),
        // The values of these steps are secrets: no diagnostic quotes them.
        "verify" => ctx.secretly(|ctx| verify(ctx, value)),
        "change_pin" => change_pin(ctx, value),
        "read_binary" => read_binary(ctx, value),
        "read_file" => read_file(ctx, value),
        "sign" => sign(ctx, value),
        "get_challenge" => get_challenge(ctx, value),
        "power" => ctx
            .choice(value, "a power action", POWER_ACTIONS)
            .map(CardAction::Power),
        "session_key" => session_key(ctx, value),
        "secure" => secure(ctx, value, current_app).map(CardAction::Secure),
        _ => {
            ctx.error(
                key_node,
                format!("expected a card action, found `{key}` (no parser for it)"),
            );
            None
        }
    }
}

fn apdu(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let template = ctx.hex_template(value, "a C-APDU in hex")?;
    if !template.has_vars() {
        let bytes = parse_hex(value.as_str().unwrap_or_default()).unwrap_or_default();
        if bytes.len() < 4 {
            ctx.error(
                value,
                format!(
                    "expected a C-APDU of at least 4 bytes (CLA INS P1 P2), found {} bytes",
                    bytes.len()
                ),
            );
            return None;
        }
    }
    Some(CardAction::Apdu(template))
}

fn select(ctx: &mut Ctx, value: &Node) -> Option<AppRef> {
    let text = ctx.str(value, "an application name or hex AID")?;
    if let Some(app) = app_by_name(text) {
        return Some(AppRef::Named(app));
    }
    match parse_hex(text) {
        Ok(bytes) if (5..=16).contains(&bytes.len()) => Some(AppRef::Aid(bytes)),
        _ => {
            let listed = app_names()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let message = format!(
                "expected an application ({listed}) or a hex AID of 5 to 16 bytes, found `{text}`"
            );
            match did_you_mean(text, app_names()) {
                Some(near) => ctx.error_help(value, message, format!("did you mean `{near}`?")),
                None => ctx.error(value, message),
            }
            None
        }
    }
}

/// The application a `select:` step leaves current, if it is a named one.
pub(crate) fn selected_app(app: &AppRef) -> Option<AppName> {
    match app {
        AppRef::Named(app) => Some(*app),
        AppRef::Aid(bytes) => app_by_aid(bytes),
    }
}

fn select_ef(ctx: &mut Ctx, value: &Node, current_app: Option<AppName>) -> Option<EfRef> {
    let text = ctx.str(value, "an EF name or 4 hex digits")?;
    // Names first: `face` is both an EF name and four hex digits.
    let known = match current_app {
        Some(app) => ef_by_name(app, text).is_some(),
        None => is_known_ef_name(text),
    };
    if known {
        return Some(EfRef::Named(text.to_string()));
    }
    if text.len() == 4 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        return u16::from_str_radix(text, 16).ok().map(EfRef::Fid);
    }
    let candidates: Vec<&str> = match current_app {
        Some(app) => ef_names(app).iter().map(|(name, _)| *name).collect(),
        None => all_ef_names(),
    };
    let message = match current_app {
        Some(app) => format!(
            "expected an EF of `{}` ({}) or 4 hex digits, found `{text}`",
            app_name(app),
            candidates
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!(
            "expected an EF name (see docs/scenario-format.md) or 4 hex digits, found `{text}`"
        ),
    };
    match did_you_mean(text, candidates.iter().copied()) {
        Some(near) => ctx.error_help(value, message, format!("did you mean `{near}`?")),
        None => ctx.error(value, message),
    }
    None
}

fn param_byte(ctx: &mut Ctx, node: &Node, what: &str) -> Option<u8> {
    let text = ctx.str(node, what)?;
    match parse_param_byte(text) {
        Ok(byte) => Some(byte),
        Err(message) => {
            ctx.error(node, message);
            None
        }
    }
}

fn verify(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let fields = ctx.map(value, "a map `{ pin, p2 }` (or `{}`)", VERIFY_KEYS, true)?;
    let pin = match fields.get("pin") {
        Some(node) => Some(ctx.secret_template(node, "a PIN")?),
        None => None,
    };
    let p2 = match fields.get("p2") {
        Some(node) => param_byte(ctx, node, "P2")?,
        None => DEFAULT_P2,
    };
    Some(CardAction::Verify { pin, p2 })
}

fn change_pin(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let fields =
        ctx.secretly(|ctx| ctx.map(value, "a map `{ new, command }`", CHANGE_PIN_KEYS, false))?;
    let command = match fields.get("command") {
        Some(node) => ctx.choice(node, "a PIN change command", PIN_CHANGES),
        None => Some(PinChange::ReferenceData),
    };
    let Some(node) = fields.get("new") else {
        ctx.missing(value, "new", "the new PIN");
        return None;
    };
    let new = ctx.secret_template(node, "the new PIN")?;
    Some(CardAction::ChangePin {
        new,
        command: command?,
    })
}

fn session_key(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let fields = ctx.map(value, "a map `{ key }`", SESSION_KEY_KEYS, false)?;
    let Some(node) = fields.get("key") else {
        ctx.missing(
            value,
            "key",
            "the card's encryption key: text EF 0006 as read, hex",
        );
        return None;
    };
    let key = ctx.hex_template(node, "the card's encryption key in hex")?;
    Some(CardAction::SessionKey { key })
}

/// `secure: { verify: { pin, p2 } | select_ef: EF | read_binary: { offset, le } }`.
fn secure(ctx: &mut Ctx, value: &Node, current_app: Option<AppName>) -> Option<SecureCommand> {
    let before = ctx.problems();
    let fields = ctx.map(
        value,
        "a map with one of `verify`, `select_ef`, `read_binary`",
        SECURE_COMMANDS,
        false,
    )?;
    let (key, _, node) = match fields.entries.as_slice() {
        [one] => *one,
        [] => {
            // An unknown key was reported already.
            if ctx.problems() == before {
                ctx.expected(value, "one of `verify`, `select_ef`, `read_binary`");
            }
            return None;
        }
        [_, (second, key_node, _), ..] => {
            ctx.error(
                key_node,
                format!(
                    "expected one command under secure messaging, found a second one: `{second}`"
                ),
            );
            return None;
        }
    };
    match key {
        "verify" => match ctx.secretly(|ctx| verify(ctx, node))? {
            CardAction::Verify { pin: Some(pin), p2 } => Some(SecureCommand::Verify { pin, p2 }),
            _ => {
                ctx.missing(
                    node,
                    "pin",
                    "the secret; the empty query is not sent under secure messaging",
                );
                None
            }
        },
        "select_ef" => select_ef(ctx, node, current_app).map(SecureCommand::SelectEf),
        _ => {
            let fields = ctx.map(node, "a map `{ offset, le }`", SECURE_READ_KEYS, false)?;
            let offset = match fields.get("offset") {
                Some(n) => ctx.int(n, "an offset", 0, 0x7FFF),
                None => Some(0),
            };
            let le = match fields.get("le") {
                Some(n) => ctx.int(n, "a length, 0 = the rest of the file", 0, 0xFFFF),
                None => {
                    ctx.missing(node, "le", "bytes to read, 0 = the rest of the file");
                    None
                }
            };
            Some(SecureCommand::ReadBinary {
                offset: u16::try_from(offset?).ok()?,
                le: u16::try_from(le?).ok()?,
            })
        }
    }
}

fn read_binary(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let fields = ctx.map(
        value,
        "a map `{ offset, le, extended }`",
        READ_BINARY_KEYS,
        false,
    )?;
    let offset = match fields.get("offset") {
        Some(node) => ctx.int(node, "an offset", 0, 0x7FFF),
        None => Some(0),
    };
    let extended = match fields.get("extended") {
        Some(node) => ctx.bool(node),
        None => Some(false),
    };
    let le = match fields.get("le") {
        Some(node) => {
            let max = if extended == Some(true) { 65_536 } else { 256 };
            ctx.int(node, "le", 0, max)
        }
        None => {
            ctx.missing(value, "le", "the expected length; 0 = `00`");
            None
        }
    };
    Some(CardAction::ReadBinary {
        offset: u16::try_from(offset?).ok()?,
        le: u32::try_from(le?).ok()?,
        extended: extended?,
    })
}

fn read_file(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let fields = ctx.map(
        value,
        "a map `{ strategy }` (or `{}`)",
        READ_FILE_KEYS,
        true,
    )?;
    let strategy = match fields.get("strategy") {
        Some(node) => ctx.choice(node, "a read strategy", READ_STRATEGIES)?,
        None => ReadStrategy::Header7,
    };
    Some(CardAction::ReadFile { strategy })
}

fn sign(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let fields = ctx.map(
        value,
        "a map `{ p1, p2, data | digest_info | hash }`",
        SIGN_KEYS,
        false,
    )?;
    let p1 = match fields.get("p1") {
        Some(node) => param_byte(ctx, node, "P1"),
        None => Some(0),
    };
    let p2 = match fields.get("p2") {
        Some(node) => param_byte(ctx, node, "P2"),
        None => Some(DEFAULT_P2),
    };
    let inputs: Vec<_> = fields
        .entries
        .iter()
        .filter(|(key, _, _)| matches!(*key, "data" | "digest_info" | "hash"))
        .collect();
    let input = match inputs.as_slice() {
        [] => {
            ctx.missing(value, "data", "or `digest_info` or `hash`: what to sign");
            None
        }
        [(key, _, node)] => sign_input(ctx, key, node),
        [_, (second, key_node, _), ..] => {
            ctx.error(
                key_node,
                format!(
                    "expected one of `data`, `digest_info`, `hash`, found a second one: `{second}`"
                ),
            );
            None
        }
    };
    Some(CardAction::Sign {
        p1: p1?,
        p2: p2?,
        input: input?,
    })
}

fn sign_input(ctx: &mut Ctx, key: &str, node: &Node) -> Option<SignInput> {
    if key == "data" {
        return ctx
            .hex_template(node, "the data to sign in hex")
            .map(SignInput::Raw);
    }
    let fields = ctx.map(node, "a map `{ hash, message }`", HASH_INPUT_KEYS, false)?;
    let hash = match fields.get("hash") {
        Some(hash) => ctx.choice(hash, "a hash", HASHES),
        None => {
            ctx.missing(node, "hash", "the hash algorithm");
            None
        }
    };
    let message = match fields.get("message") {
        Some(message) => ctx.hex_template(message, "the message in hex"),
        None => {
            ctx.missing(node, "message", "the message in hex");
            None
        }
    };
    let (hash, message) = (hash?, message?);
    Some(if key == "digest_info" {
        SignInput::DigestInfo { hash, message }
    } else {
        SignInput::Hash { hash, message }
    })
}

fn get_challenge(ctx: &mut Ctx, value: &Node) -> Option<CardAction> {
    let fields = ctx.map(value, "a map `{ le }` (or `{}`)", GET_CHALLENGE_KEYS, true)?;
    let le = match fields.get("le") {
        Some(node) => u16::try_from(ctx.int(node, "le", 1, 256)?).ok()?,
        None => 8,
    };
    Some(CardAction::GetChallenge { le })
}
