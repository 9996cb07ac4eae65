//! Running `portal` steps: each flow step becomes one or a few requests
//! through the session's target, with the scenario's eligibility service
//! as the reference's link, each exchange recorded as `portal` evidence,
//! then the step's checks and captures on its main answer.

mod check;
mod flows;
mod login;

use std::time::Instant;

use myna_family::{FieldValue, Mismatch, RawEvidence, StepCtx, StepEnd};
use myna_family_oqs::OqsSession;
use myna_portal::client::ClientRequest;
use myna_portal::{NoLink, OqsLink};
use serde_json::Value;

use crate::session::PortalSession;
use crate::step::PortalStep;
use crate::vocabulary::FAMILY;

/// The default session name.
pub(crate) const MAIN: &str = "main";

/// A portal answer.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) json: Value,
}

/// What a step produced for its checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Produced {
    /// The main answer (none when a login ended at the card).
    pub(crate) answer: Option<Answer>,
    /// How a login ended, and the card's tries left.
    pub(crate) login: Option<(&'static str, Option<u8>)>,
}

/// One request to send.
pub(crate) struct Send<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    /// Session name; `None`: no session.
    pub(crate) session: Option<&'a str>,
    pub(crate) idempotency_key: Option<&'a str>,
    pub(crate) body: Option<Vec<u8>>,
}

impl PortalSession {
    /// Sends one request, records it, returns the answer; a transport
    /// failure is the environment's (or the IUT's) error.
    pub(crate) fn send(&mut self, cx: &mut StepCtx<'_>, send: Send<'_>) -> Result<Answer, StepEnd> {
        let token = match send.session {
            None => None,
            Some(name) => match self.tokens.get(name) {
                Some(token) => Some(token.clone()),
                None => {
                    return Err(StepEnd::author(format!(
                        "{}: no session `{name}` is open (log in with `as: {name}` first)",
                        cx.at
                    )))
                }
            },
        };
        let body = send.body.unwrap_or_default();
        let at_us = cx.evidence.now_us();
        let started = Instant::now();
        let request = ClientRequest {
            method: send.method,
            path: send.path,
            session: token.as_deref(),
            idempotency_key: send.idempotency_key,
            body: &body,
        };
        let answer = match cx.others.get_mut::<OqsSession>("oqs") {
            Some(oqs) => self
                .target
                .request(request, &mut OqsLink::new(oqs.target())),
            None => self.target.request(request, &mut NoLink),
        };
        let mut evidence = RawEvidence::new(FAMILY, "http", at_us)
            .with("method", FieldValue::text(send.method))
            .with("path", FieldValue::text(send.path));
        evidence.duration_us = u64::try_from(started.elapsed().as_micros()).ok();
        if !body.is_empty() {
            let request_json = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            evidence = evidence.with("request", FieldValue::Json(request_json));
        }
        let answer = match answer {
            Ok(answer) => answer,
            Err(message) => {
                evidence.summary = Some(format!("{} {} → no answer", send.method, send.path));
                cx.evidence
                    .push(evidence.with("error", FieldValue::text(&message)));
                return Err(StepEnd::environment(format!(
                    "{}: the portal did not answer: {message}",
                    cx.at
                )));
            }
        };
        let json = if answer.content_type == "application/json" {
            serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
        } else {
            Value::String(String::from_utf8_lossy(&answer.body).into_owned())
        };
        // Session tokens are bearer credentials: masked in every output.
        if let Some(token) = json.get("session").and_then(Value::as_str) {
            cx.redactor.add_text(token);
        }
        let code = json
            .pointer("/error/code")
            .and_then(Value::as_str)
            .unwrap_or("");
        evidence.summary = Some(format!(
            "{} {} → {}{}",
            send.method,
            send.path,
            answer.status,
            if code.is_empty() {
                String::new()
            } else {
                format!(" {code}")
            }
        ));
        let shown = if answer.content_type == "application/json" {
            json.clone()
        } else {
            Value::String(format!(
                "({} bytes of {})",
                answer.body.len(),
                answer.content_type
            ))
        };
        cx.evidence.push(
            evidence
                .with("status", FieldValue::Number(u64::from(answer.status)))
                .with("response", FieldValue::Json(shown)),
        );
        Ok(Answer {
            status: answer.status,
            json,
        })
    }
}

/// The text of a body field.
pub(crate) fn text<'v>(body: &'v Value, key: &str) -> Option<&'v str> {
    body.get(key).and_then(Value::as_str)
}

/// The step's session name (`none` → no session).
pub(crate) fn session_name(body: &Value) -> Option<&str> {
    match text(body, "session") {
        Some("none") => None,
        Some(name) => Some(name),
        None => Some(MAIN),
    }
}

/// Runs one step.
pub(crate) fn run(session: &mut PortalSession, step: &PortalStep, cx: &mut StepCtx<'_>) -> StepEnd {
    let body = match cx.fill_json(&step.body) {
        Ok(b) => b,
        Err(end) => return end,
    };
    let produced = match step.keyword {
        "login" => login::login(session, step, &body, cx),
        "register_account" => login::register_account(session, step, &body, cx),
        keyword => flows::run(session, keyword, &body, cx),
    };
    let produced = match produced {
        Ok(p) => p,
        Err(end) => return end,
    };
    let mut found: Vec<Mismatch> = Vec::new();
    match &step.expect {
        Some(expectations) => {
            for e in expectations {
                match check::fill_expectation(&e.value, cx) {
                    Ok(filled) => check::check(&mut found, &e.at, &filled, &produced),
                    Err(end) => return end,
                }
            }
        }
        None => check::default_check(&mut found, cx.at, step.keyword, &produced),
    }
    check::note_error(&mut found, &produced);
    for capture in &step.captures {
        check::capture(capture, &produced, &mut found, cx);
    }
    StepEnd::Done(found)
}
