//! The steps that read the card: `login` (JPKI login) and
//! `register_account` (the 公金受取口座 flow re-reads the card with the PIN,
//! seed 000 4-A). The card is driven as the portal app drives it
//! (card-protocol.md §2.1, §2.3): the PIN's tries are asked first and a
//! blocked PIN is never VERIFYed; the certificate is read; the PIN is
//! verified; the SHA-256 DigestInfo of the challenge is signed with the
//! 利用者証明用 key.

use myna_card_emu::persona::Persona;
use myna_card_emu::Secret;
use myna_family::{FieldValue, RawEvidence, StepCtx, StepEnd};
use myna_family_card::host::{HostError, JpkiHost, VerifyOutcome};
use myna_family_card::target::{CardTarget, EmuCard};
use myna_family_card::CardSession;
use myna_portal::login::digest_info;
use myna_portal::wire::{b64, CardProof};
use serde_json::{json, Value};

use super::{session_name, text, Answer, Produced, Send, MAIN};
use crate::session::{PortalSession, SecondCard};
use crate::step::PortalStep;
use crate::vocabulary::FAMILY;

/// How driving the card ended.
enum CardEnd {
    Signed {
        certificate: Vec<u8>,
        signature: Vec<u8>,
    },
    Stopped {
        outcome: &'static str,
        tries_left: Option<u8>,
    },
}

fn drive(
    target: &mut dyn CardTarget,
    pin: Option<&Secret>,
    challenge: &[u8],
) -> Result<(CardEnd, Vec<String>), HostError> {
    let mut host = JpkiHost::new(target);
    let end = drive_host(&mut host, pin, challenge);
    let trace = host
        .trace
        .iter()
        .map(|e| {
            let hex: String = e.command.iter().map(|b| format!("{b:02X}")).collect();
            let sw: String = e
                .response
                .iter()
                .rev()
                .take(2)
                .rev()
                .map(|b| format!("{b:02X}"))
                .collect();
            format!(
                "{hex}{} → {sw}",
                if e.secret_withheld {
                    " (PIN withheld)"
                } else {
                    ""
                }
            )
        })
        .collect();
    end.map(|e| (e, trace))
}

fn drive_host(
    host: &mut JpkiHost<'_>,
    pin: Option<&Secret>,
    challenge: &[u8],
) -> Result<CardEnd, HostError> {
    let tries = host.auth_pin_tries()?;
    // A card without a PIN (a face-only card: its persona has none, and the
    // card answers as if blocked) cannot log in; a blocked PIN is never
    // VERIFYed.
    let (Some(pin), Some(left)) = (pin, tries) else {
        return Ok(CardEnd::Stopped {
            outcome: "no_pin",
            tries_left: tries,
        });
    };
    if left == 0 {
        return Ok(CardEnd::Stopped {
            outcome: "pin_locked",
            tries_left: Some(0),
        });
    }
    let certificate = host.read_auth_cert()?;
    match host.verify_auth_pin(pin)? {
        VerifyOutcome::Verified => {}
        VerifyOutcome::Wrong { tries_left } => {
            return Ok(CardEnd::Stopped {
                outcome: "wrong_pin",
                tries_left: Some(tries_left),
            })
        }
        VerifyOutcome::Blocked => {
            return Ok(CardEnd::Stopped {
                outcome: "pin_locked",
                tries_left: Some(0),
            })
        }
        VerifyOutcome::NoPin => {
            return Ok(CardEnd::Stopped {
                outcome: "no_pin",
                tries_left: None,
            })
        }
        VerifyOutcome::Other(sw) => {
            return Err(HostError::Status {
                what: "VERIFY the 利用者証明用 PIN",
                sw,
            })
        }
    }
    let signature = host.sign_auth(&digest_info(challenge))?;
    Ok(CardEnd::Signed {
        certificate,
        signature,
    })
}

fn persona_pin(persona: &Persona) -> Option<String> {
    persona
        .variables()
        .into_iter()
        .find(|v| v.name == "auth_pin")
        .map(|v| v.value)
        .filter(|v| !v.is_empty())
}

/// Signs `challenge` with the step's card: the scenario's card (its APDUs
/// are the card role's evidence) or a second emulated card.
fn sign_with_card(
    session: &mut PortalSession,
    step: &PortalStep,
    body: &Value,
    challenge: &[u8],
    cx: &mut StepCtx<'_>,
) -> Result<CardEnd, StepEnd> {
    let pin_text = match &step.pin {
        Some(template) => Some(cx.render(template)?.text),
        None => None,
    };
    let result = match text(body, "card") {
        Some(persona_id) => {
            if !session.cards.contains_key(persona_id) {
                let persona = Persona::load_named(&session.personas, persona_id).map_err(|e| {
                    StepEnd::author(format!(
                        "{}: no persona `{persona_id}` for a second card: {e}",
                        cx.at
                    ))
                })?;
                let pin = persona_pin(&persona);
                if let Some(pin) = &pin {
                    cx.redactor.add_text(pin);
                }
                session.cards.insert(
                    persona_id.to_owned(),
                    SecondCard {
                        card: EmuCard::new(persona.card_profile()),
                        pin,
                    },
                );
            }
            let Some(second) = session.cards.get_mut(persona_id) else {
                return Err(StepEnd::author("the second card vanished"));
            };
            let pin = pin_text
                .or_else(|| second.pin.clone())
                .map(|p| Secret::new(p.into_bytes()));
            let result = drive(&mut second.card, pin.as_ref(), challenge);
            if let Ok((_, trace)) = &result {
                let mut record = RawEvidence::new(FAMILY, "second-card", cx.evidence.now_us())
                    .with("persona", FieldValue::text(persona_id))
                    .with("apdus", FieldValue::Json(json!(trace)));
                record.summary = Some(format!(
                    "the second card ({persona_id}): {} APDUs",
                    trace.len()
                ));
                cx.evidence.push(record);
            }
            result
        }
        None => {
            let pin = pin_text
                .or_else(|| cx.vars.get("persona.auth_pin").map(|v| v.text.clone()))
                .filter(|p| !p.is_empty())
                .map(|p| Secret::new(p.into_bytes()));
            let StepCtx {
                others,
                evidence,
                redactor,
                ..
            } = cx;
            let Some(card) = others.get_mut::<CardSession>("card") else {
                return Err(StepEnd::Error {
                    blame: myna_family::Blame::Harness,
                    message: "the portal step found no card session".into(),
                });
            };
            let mut recording = card.recording(evidence, redactor);
            drive(&mut recording, pin.as_ref(), challenge)
        }
    };
    match result {
        Ok((end, _)) => Ok(end),
        Err(HostError::Transport(e)) => {
            Err(StepEnd::environment(format!("{}: the card: {e}", cx.at)))
        }
        Err(e) => Err(StepEnd::iut(format!("{}: the card: {e}", cx.at))),
    }
}

/// A challenge from the portal: its id and bytes, or the answer that was
/// not one.
fn challenge(
    session: &mut PortalSession,
    cx: &mut StepCtx<'_>,
) -> Result<Result<(String, Vec<u8>), Answer>, StepEnd> {
    let answer = session.send(
        cx,
        Send {
            method: "POST",
            path: "/auth/challenge",
            session: None,
            idempotency_key: None,
            body: None,
        },
    )?;
    if answer.status != 201 {
        return Ok(Err(answer));
    }
    let id = answer.json.get("challenge_id").and_then(Value::as_str);
    let bytes = answer
        .json
        .get("challenge")
        .and_then(Value::as_str)
        .and_then(b64::decode);
    match (id, bytes) {
        (Some(id), Some(bytes)) => Ok(Ok((id.to_owned(), bytes))),
        _ => Err(StepEnd::iut(format!(
            "{}: the challenge answer has no `challenge_id` and base64url `challenge`: {}",
            cx.at, answer.json
        ))),
    }
}

/// A proof made by the step's card, or how the card stopped.
fn proof(
    session: &mut PortalSession,
    step: &PortalStep,
    body: &Value,
    cx: &mut StepCtx<'_>,
) -> Result<Result<CardProof, Produced>, StepEnd> {
    let (id, bytes) = match challenge(session, cx)? {
        Ok(c) => c,
        Err(answer) => {
            return Ok(Err(Produced {
                answer: Some(answer),
                login: Some(("refused", None)),
            }))
        }
    };
    if let Some(minutes) = body.get("delay_minutes").and_then(Value::as_u64) {
        super::flows::control(
            session,
            cx,
            json!({ "op": "clock", "advance_minutes": minutes }),
        )?;
    }
    let (mut certificate, signature) = match sign_with_card(session, step, body, &bytes, cx)? {
        CardEnd::Signed {
            certificate,
            signature,
        } => (certificate, signature),
        CardEnd::Stopped {
            outcome,
            tries_left,
        } => {
            return Ok(Err(Produced {
                answer: None,
                login: Some((outcome, tries_left)),
            }))
        }
    };
    if let Some(other) = text(body, "certificate_of") {
        certificate =
            std::fs::read(session.personas.join(other).join("auth-cert.der")).map_err(|e| {
                StepEnd::author(format!(
                    "{}: no certificate of persona `{other}`: {e}",
                    cx.at
                ))
            })?;
    }
    Ok(Ok(CardProof {
        challenge_id: id,
        certificate: b64::encode(&certificate),
        signature: b64::encode(&signature),
    }))
}

/// `login:`.
pub(crate) fn login(
    session: &mut PortalSession,
    step: &PortalStep,
    body: &Value,
    cx: &mut StepCtx<'_>,
) -> Result<Produced, StepEnd> {
    let proof = if body.get("reuse_challenge").and_then(Value::as_bool) == Some(true) {
        session.last_proof.clone().ok_or_else(|| {
            StepEnd::author(format!(
                "{}: `reuse_challenge` needs an earlier login in the scenario",
                cx.at
            ))
        })?
    } else {
        match proof(session, step, body, cx)? {
            Ok(proof) => proof,
            Err(produced) => return Ok(produced),
        }
    };
    session.last_proof = Some(proof.clone());
    let request = serde_json::to_vec(&proof).unwrap_or_default();
    let answer = session.send(
        cx,
        Send {
            method: "POST",
            path: "/auth/login",
            session: None,
            idempotency_key: None,
            body: Some(request),
        },
    )?;
    let logged_in = answer.status == 200;
    if logged_in {
        if let Some(token) = answer.json.get("session").and_then(Value::as_str) {
            let name = text(body, "as").unwrap_or(MAIN).to_owned();
            session.tokens.insert(name, token.to_owned());
        }
    }
    Ok(Produced {
        answer: Some(answer),
        login: Some((if logged_in { "logged_in" } else { "refused" }, None)),
    })
}

/// `register_account:`.
pub(crate) fn register_account(
    session: &mut PortalSession,
    step: &PortalStep,
    body: &Value,
    cx: &mut StepCtx<'_>,
) -> Result<Produced, StepEnd> {
    let name = session_name(body);
    let mut request = json!({
        "own_name_confirmed": true,
        "agreed": true,
    });
    for key in [
        "bank_code",
        "branch_code",
        "account_type",
        "account_number",
        "holder_kana",
        "own_name_confirmed",
        "phone",
        "email",
        "email_code",
        "agreed",
    ] {
        if let Some(v) = body.get(key) {
            request[key] = v.clone();
        }
    }
    if let (Some(email), None) = (text(body, "email"), body.get("email_code")) {
        let sent = session.send(
            cx,
            Send {
                method: "POST",
                path: "/email-codes",
                session: name,
                idempotency_key: None,
                body: serde_json::to_vec(&json!({ "email": email })).ok(),
            },
        )?;
        if sent.status != 202 {
            return Ok(Produced {
                answer: Some(sent),
                login: None,
            });
        }
        let outbox = super::flows::control(session, cx, json!({ "op": "outbox", "email": email }))?;
        request["email_code"] = outbox.json.get("code").cloned().unwrap_or(Value::Null);
    }
    let identity = match proof(session, step, body, cx)? {
        Ok(proof) => proof,
        Err(produced) => return Ok(produced),
    };
    request["identity"] = serde_json::to_value(identity).unwrap_or(Value::Null);
    let answer = session.send(
        cx,
        Send {
            method: "PUT",
            path: "/public-fund-account",
            session: name,
            idempotency_key: None,
            body: serde_json::to_vec(&request).ok(),
        },
    )?;
    Ok(Produced {
        answer: Some(answer),
        login: None,
    })
}
