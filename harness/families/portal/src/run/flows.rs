//! The flow steps that need no card: `http`, `logout`, `accept_terms`,
//! `register_user`, `apply_insurance`, `insurance_status`,
//! `cancel_insurance`, `portal_control`.

use myna_family::{StepCtx, StepEnd};
use serde_json::{json, Value};

use super::{session_name, text, Answer, Produced, Send};
use crate::session::PortalSession;

fn json_body(value: &Value) -> Option<Vec<u8>> {
    serde_json::to_vec(value).ok()
}

/// One test-control command.
pub(crate) fn control(
    session: &mut PortalSession,
    cx: &mut StepCtx<'_>,
    command: Value,
) -> Result<Answer, StepEnd> {
    let answer = session.send(
        cx,
        Send {
            method: "POST",
            path: "/control/v1/command",
            session: None,
            idempotency_key: None,
            body: json_body(&command),
        },
    )?;
    if answer.status == 404
        && answer.json.pointer("/error/code").and_then(Value::as_str) == Some("not_found")
    {
        return Err(StepEnd::NotApplicable(format!(
            "the portal {} has no test-control API",
            session.target.describe()
        )));
    }
    Ok(answer)
}

fn current_terms(session: &mut PortalSession, cx: &mut StepCtx<'_>) -> Result<Value, StepEnd> {
    let terms = session.send(
        cx,
        Send {
            method: "GET",
            path: "/terms",
            session: None,
            idempotency_key: None,
            body: None,
        },
    )?;
    terms.json.get("version").cloned().ok_or_else(|| {
        StepEnd::iut(format!(
            "{}: GET /terms has no `version`: {}",
            cx.at, terms.json
        ))
    })
}

fn done(answer: Answer) -> Result<Produced, StepEnd> {
    Ok(Produced {
        answer: Some(answer),
        login: None,
    })
}

pub(crate) fn run(
    session: &mut PortalSession,
    keyword: &str,
    body: &Value,
    cx: &mut StepCtx<'_>,
) -> Result<Produced, StepEnd> {
    let name = session_name(body);
    match keyword {
        "http" => {
            let method = text(body, "method").unwrap_or("GET");
            let path = text(body, "path").unwrap_or("/");
            let payload = match body.get("body") {
                None => None,
                Some(Value::String(s)) => Some(s.clone().into_bytes()),
                Some(other) => json_body(other),
            };
            let answer = session.send(
                cx,
                Send {
                    method,
                    path,
                    session: name,
                    idempotency_key: text(body, "idempotency_key"),
                    body: payload,
                },
            )?;
            done(answer)
        }
        "logout" => done(session.send(
            cx,
            Send {
                method: "POST",
                path: "/auth/logout",
                session: name,
                idempotency_key: None,
                body: None,
            },
        )?),
        "accept_terms" => {
            let version = match body.get("version") {
                Some(v) => v.clone(),
                None => current_terms(session, cx)?,
            };
            done(session.send(
                cx,
                Send {
                    method: "POST",
                    path: "/terms/acceptance",
                    session: name,
                    idempotency_key: None,
                    body: json_body(&json!({ "version": version })),
                },
            )?)
        }
        "register_user" => {
            let email = body.get("email").cloned().unwrap_or(Value::Null);
            let sent = session.send(
                cx,
                Send {
                    method: "POST",
                    path: "/email-codes",
                    session: name,
                    idempotency_key: None,
                    body: json_body(&json!({ "email": email })),
                },
            )?;
            if sent.status != 202 {
                return done(sent);
            }
            let code = match body.get("code") {
                Some(code) => code.clone(),
                None => control(session, cx, json!({ "op": "outbox", "email": email }))?
                    .json
                    .get("code")
                    .cloned()
                    .unwrap_or(Value::Null),
            };
            let request = json!({ "email": email, "code": code, "email_notification": body.get("email_notification").cloned().unwrap_or(Value::Bool(false)) });
            done(session.send(
                cx,
                Send {
                    method: "POST",
                    path: "/users",
                    session: name,
                    idempotency_key: None,
                    body: json_body(&request),
                },
            )?)
        }
        "apply_insurance" => {
            let version = match body.get("terms_version") {
                Some(v) => v.clone(),
                None => current_terms(session, cx)?,
            };
            let mut request = json!({ "terms_version": version });
            if let Some(flag) = body.get("portal_user_registration") {
                request["portal_user_registration"] = flag.clone();
            }
            let answer = session.send(
                cx,
                Send {
                    method: "POST",
                    path: "/health-insurance/applications",
                    session: name,
                    idempotency_key: text(body, "idempotency_key"),
                    body: json_body(&request),
                },
            )?;
            if let (Some(name), Some(id)) = (
                name,
                answer.json.get("application_id").and_then(Value::as_str),
            ) {
                session.applications.insert(name.to_owned(), id.to_owned());
            }
            done(answer)
        }
        "insurance_status" => done(session.send(
            cx,
            Send {
                method: "GET",
                path: "/health-insurance/status",
                session: name,
                idempotency_key: None,
                body: None,
            },
        )?),
        "cancel_insurance" => {
            let id = match text(body, "application") {
                Some(id) => id.to_owned(),
                None => name
                    .and_then(|n| session.applications.get(n).cloned())
                    .ok_or_else(|| {
                        StepEnd::author(format!(
                            "{}: no application to cancel: apply first or name `application`",
                            cx.at
                        ))
                    })?,
            };
            let path = format!("/health-insurance/applications/{id}");
            done(session.send(
                cx,
                Send {
                    method: "DELETE",
                    path: &path,
                    session: name,
                    idempotency_key: None,
                    body: None,
                },
            )?)
        }
        _ => {
            let mut last = None;
            if body.get("reset").and_then(Value::as_bool) == Some(true) {
                last = Some(control(session, cx, json!({ "op": "reset" }))?);
                session.tokens.clear();
                session.applications.clear();
            }
            if let Some(minutes) = body.get("advance_minutes") {
                last = Some(control(
                    session,
                    cx,
                    json!({ "op": "clock", "advance_minutes": minutes }),
                )?);
            }
            if let Some(version) = body.get("terms_version") {
                last = Some(control(
                    session,
                    cx,
                    json!({ "op": "terms", "version": version }),
                )?);
            }
            if let Some(serial) = body.get("revoke") {
                last = Some(control(
                    session,
                    cx,
                    json!({ "op": "revoke", "serial": serial }),
                )?);
            }
            Ok(Produced {
                answer: last,
                login: None,
            })
        }
    }
}
