//! The routes of the portal API (openapi.yaml `paths`), each a function of
//! the service; the JPKI login and the test-control routes are here, the
//! flows after login in `flows.rs`.

use crate::banks;
use crate::eligibility::EligibilityLink;
use crate::error::{PortalError, Problem};
use crate::login::{verify_proof, CHALLENGE_LEN};
use crate::service::{
    after_minutes, parse_body, rfc3339, PortalRequest, PortalResponse, PortalService,
    SessionRecord, OPENAPI_PATH, OPENAPI_YAML,
};
use crate::wire::{CardProof, Challenge, LoggedOut, LoginAnswer, Terms};

/// The title of the terms (seed 001).
pub const TERMS_TITLE: &str = "マイナポータル利用規約";

/// Every documented path pattern and its methods (a `*` segment is an id).
const PATHS: &[(&str, &[&str])] = &[
    (OPENAPI_PATH, &["GET"]),
    ("/auth/challenge", &["POST"]),
    ("/auth/login", &["POST"]),
    ("/auth/logout", &["POST"]),
    ("/me", &["GET"]),
    ("/terms", &["GET"]),
    ("/terms/acceptance", &["POST"]),
    ("/email-codes", &["POST"]),
    ("/users", &["POST"]),
    ("/health-insurance/applications", &["POST"]),
    ("/health-insurance/applications/*", &["GET", "DELETE"]),
    ("/health-insurance/status", &["GET"]),
    ("/banks", &["GET"]),
    ("/banks/*/branches", &["GET"]),
    ("/public-fund-account", &["GET", "PUT"]),
    ("/control/v1/command", &["POST"]),
];

fn matches(pattern: &str, path: &str) -> bool {
    let mut p = pattern.split('/');
    let mut q = path.split('/');
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some("*"), Some(seg)) if !seg.is_empty() => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// The methods of the documented route `path` matches (the `Allow` header
/// of a 405, RFC 9110 §15.5.6).
pub(crate) fn allowed(path: &str) -> Option<String> {
    PATHS
        .iter()
        .find(|(pattern, _)| matches(pattern, path))
        .map(|(_, methods)| methods.join(", "))
}

/// The value of `key` in a query string, percent-decoded.
fn query_value(query: &str, key: &str) -> String {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| percent_decode(v))
        .unwrap_or_default()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Dispatches one request.
pub(crate) fn route(
    service: &mut PortalService,
    request: PortalRequest<'_>,
    path: &str,
    query: &str,
    link: &mut dyn EligibilityLink,
) -> Result<PortalResponse, PortalError> {
    let segments: Vec<&str> = path.split('/').collect();
    match (request.method, segments.as_slice()) {
        ("GET", ["", "openapi.yaml"]) => Ok(PortalResponse {
            status: 200,
            content_type: "application/yaml",
            body: OPENAPI_YAML.as_bytes().to_vec(),
            allow: None,
        }),
        ("POST", ["", "auth", "challenge"]) => Ok(challenge(service)),
        ("POST", ["", "auth", "login"]) => login(service, request.body),
        ("POST", ["", "auth", "logout"]) => logout(service, request.authorization),
        ("GET", ["", "terms"]) => Ok(PortalResponse::json(
            200,
            &Terms {
                version: service.terms_version.clone(),
                title: TERMS_TITLE.to_owned(),
            },
        )),
        ("GET", ["", "banks"]) => Ok(PortalResponse::json(
            200,
            &banks::banks(&query_value(query, "q")),
        )),
        ("GET", ["", "banks", code, "branches"]) => banks::branches(code, &query_value(query, "q"))
            .map(|b| PortalResponse::json(200, &b))
            .ok_or_else(|| {
                PortalError::field(Problem::ResourceNotFound, "code", "no such institution")
            }),
        ("POST", ["", "control", "v1", "command"]) => {
            let command = crate::control::PortalControl::parse(request.body)?;
            service
                .control(command)
                .map(|answer| PortalResponse::json(200, &answer))
        }
        _ => crate::flows::route(service, request, &segments, link).unwrap_or_else(|| {
            Err(match allowed(path) {
                Some(methods) => {
                    PortalError::new(Problem::MethodNotAllowed, format!("allowed: {methods}"))
                }
                None => PortalError::new(Problem::NotFound, format!("no route {path}")),
            })
        }),
    }
}

fn challenge(service: &mut PortalService) -> PortalResponse {
    let id = service.random_token(16);
    let bytes = service.random_bytes(CHALLENGE_LEN);
    let expires_at = after_minutes(service.now, service.config.challenge_minutes);
    let answer = Challenge {
        challenge_id: id.clone(),
        challenge: crate::wire::b64::encode(&bytes),
        expires_at: rfc3339(expires_at),
    };
    service.challenges.issue(id, bytes, expires_at);
    PortalResponse::json(201, &answer)
}

fn login(service: &mut PortalService, body: &[u8]) -> Result<PortalResponse, PortalError> {
    let proof: CardProof = parse_body(body)?;
    let now = service.now;
    let verified = verify_proof(&mut service.challenges, &service.trust, &proof, now)?;
    let token = service.random_token(32);
    service.sessions.insert(
        token.clone(),
        SessionRecord {
            serial: verified.serial.clone(),
            last_seen: now,
        },
    );
    let holder = service.holders.entry(verified.serial.clone()).or_default();
    let answer = LoginAnswer {
        session: token,
        expires_at: rfc3339(after_minutes(now, service.config.session_idle_minutes)),
        serial: verified.serial,
        user_registered: holder.user.is_some(),
        terms_accepted: holder.accepted_terms.as_deref() == Some(service.terms_version.as_str()),
    };
    Ok(PortalResponse::json(200, &answer))
}

fn logout(
    service: &mut PortalService,
    authorization: Option<&str>,
) -> Result<PortalResponse, PortalError> {
    service.session(authorization)?;
    if service.has(crate::defect::Defect::ImmortalSessions) {
        return Ok(PortalResponse::json(200, &LoggedOut { logged_out: true }));
    }
    if let Some(token) = authorization.and_then(|h| h.strip_prefix("Bearer ")) {
        service.sessions.remove(token.trim());
    }
    Ok(PortalResponse::json(200, &LoggedOut { logged_out: true }))
}
