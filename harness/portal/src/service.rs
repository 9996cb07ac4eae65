//! The reference portal behind any transport: method, path, the two
//! headers it reads and the body in; status, content type and body out.
//! The axum server and the in-process target both call
//! [`PortalService::handle`], so they cannot drift apart. It never panics;
//! bad input is a 4xx [`PortalError`](crate::error::PortalError) naming the field.

use std::collections::HashMap;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::control::{ControlAnswer, PortalControl};
use crate::eligibility::EligibilityLink;
use crate::error::{PortalError, Problem};
use crate::identity::Residents;
use crate::login::Challenges;
use crate::state::Holder;
use crate::trust::{TrustError, TrustStore};
use crate::wire::Account;

/// The committed OpenAPI 3.1 document, served byte for byte at [`OPENAPI_PATH`].
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
/// Where the document is served.
pub const OPENAPI_PATH: &str = "/openapi.yaml";
/// Largest request body accepted (bytes).
pub const MAX_BODY: usize = 64 * 1024;

/// One request.
#[derive(Clone, Copy, Debug)]
pub struct PortalRequest<'a> {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// One answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalResponse {
    /// HTTP status.
    pub status: u16,
    /// `application/json` or the document's type.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// The `Allow` header of a 405: the methods of the route.
    pub allow: Option<String>,
}

impl PortalResponse {
    pub(crate) fn json<T: Serialize>(status: u16, value: &T) -> PortalResponse {
        match serde_json::to_vec(value) {
            Ok(body) => PortalResponse {
                status,
                content_type: "application/json",
                body,
                allow: None,
            },
            Err(e) => PortalResponse::error(&PortalError::new(Problem::Internal, e.to_string())),
        }
    }

    pub(crate) fn error(error: &PortalError) -> PortalResponse {
        let body = serde_json::to_vec(&error.body()).unwrap_or_default();
        PortalResponse {
            status: error.status(),
            content_type: "application/json",
            body,
            allow: None,
        }
    }
}

/// Configuration of the reference portal.
#[derive(Clone, Debug)]
pub struct PortalConfig {
    /// The clock at start (default 2026-04-01T00:00:00Z).
    pub start: OffsetDateTime,
    /// How long a challenge is accepted (5 minutes, portal-anchors.md §6).
    pub challenge_minutes: i64,
    /// Idle time after which a session expires (30 minutes).
    pub session_idle_minutes: i64,
    /// How long a 確認コード is accepted (10 minutes).
    pub email_code_minutes: i64,
    /// Minutes from 申込 until the registration is processed and the serial
    /// linked at the eligibility service (システム準備中 until then; 60).
    pub processing_minutes: i64,
    /// The terms version in force at start.
    pub terms_version: String,
    /// Seed of the random ids and codes (`None`: from the OS).
    pub seed: Option<u64>,
    /// Deliberate defects (the mutation test only; empty by default).
    pub defects: Vec<crate::defect::Defect>,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            start: time::macros::datetime!(2026-04-01 00:00 UTC),
            challenge_minutes: 5,
            session_idle_minutes: 30,
            email_code_minutes: 10,
            processing_minutes: 60,
            terms_version: "2024-12".to_owned(),
            seed: None,
            defects: Vec::new(),
        }
    }
}

/// A logged-in session, bound to the certificate serial of the card.
#[derive(Clone, Debug)]
pub(crate) struct SessionRecord {
    pub(crate) serial: String,
    pub(crate) last_seen: OffsetDateTime,
}

/// The reference portal.
#[derive(Clone, Debug)]
pub struct PortalService {
    pub(crate) config: PortalConfig,
    pub(crate) trust: TrustStore,
    /// The test J-LIS's 本人情報 by serial.
    pub(crate) residents: Residents,
    pub(crate) now: OffsetDateTime,
    pub(crate) terms_version: String,
    pub(crate) rng: StdRng,
    pub(crate) challenges: Challenges,
    pub(crate) sessions: HashMap<String, SessionRecord>,
    /// Per certificate serial.
    pub(crate) holders: HashMap<String, Holder>,
    /// Application id → serial.
    pub(crate) applications: HashMap<String, String>,
    /// (serial, key) → (request body, first answer).
    pub(crate) idempotency: HashMap<(String, String), (Vec<u8>, PortalResponse)>,
    /// Last code mailed per address (what the test-control `outbox` reads).
    pub(crate) outbox: HashMap<String, String>,
}

/// The latest time the portal's clock may show (the `clock` control
/// refuses to move past it): the calendar ends on 9999-12-31, and each
/// deadline the portal sets from its clock (a challenge, a session, a
/// 確認コード, a registration) must still fall inside it.
pub const LATEST_CLOCK: OffsetDateTime = time::macros::datetime!(9999-12-01 00:00 UTC);

/// `t` moved by `minutes`, saturating at the ends of the calendar (a
/// deadline past its end is as good as never); never panics.
pub(crate) fn after_minutes(t: OffsetDateTime, minutes: i64) -> OffsetDateTime {
    let moved = t.checked_add(Duration::seconds(minutes.saturating_mul(60)));
    moved.unwrap_or_else(|| {
        let edge = if minutes < 0 {
            time::PrimitiveDateTime::MIN
        } else {
            time::PrimitiveDateTime::MAX
        };
        edge.assume_offset(t.offset())
    })
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

impl PortalService {
    /// A portal trusting the CA in `ca_dir` (`vectors/personas/ca`), with
    /// the personas beside it (`ca_dir/..`) as the test J-LIS's 本人情報.
    pub fn new(ca_dir: &Path, config: PortalConfig) -> Result<PortalService, TrustError> {
        let mut trust = TrustStore::load(ca_dir)?;
        trust.ignore_revocation = config
            .defects
            .contains(&crate::defect::Defect::IgnoreRevocation);
        let residents = match ca_dir.parent() {
            Some(personas) => Residents::load(personas)?,
            None => Residents::default(),
        };
        Ok(PortalService::with_trust(trust, residents, config))
    }

    /// A portal over a loaded trust store and 本人情報 directory.
    pub fn with_trust(
        trust: TrustStore,
        residents: Residents,
        config: PortalConfig,
    ) -> PortalService {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        let mut challenges = Challenges::default();
        challenges.reusable = config
            .defects
            .contains(&crate::defect::Defect::ReusableChallenges);
        PortalService {
            challenges,
            now: config.start,
            terms_version: config.terms_version.clone(),
            config,
            trust,
            residents,
            rng,
            sessions: HashMap::new(),
            holders: HashMap::new(),
            applications: HashMap::new(),
            idempotency: HashMap::new(),
            outbox: HashMap::new(),
        }
    }

    /// The portal's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The accounts registered, per serial (for tests and properties).
    pub fn accounts(&self) -> Vec<(&str, &Account)> {
        self.holders
            .iter()
            .filter_map(|(serial, h)| h.account.as_ref().map(|a| (serial.as_str(), a)))
            .collect()
    }

    /// Serials with an application in force (for tests and properties).
    pub fn applicants(&self) -> Vec<&str> {
        self.holders
            .iter()
            .filter(|(_, h)| h.application.is_some())
            .map(|(s, _)| s.as_str())
            .collect()
    }

    pub(crate) fn has(&self, defect: crate::defect::Defect) -> bool {
        self.config.defects.contains(&defect)
    }

    pub(crate) fn random_token(&mut self, bytes: usize) -> String {
        let raw: Vec<u8> = (0..bytes).map(|_| self.rng.gen()).collect();
        crate::wire::b64::encode(&raw)
    }

    pub(crate) fn random_bytes(&mut self, bytes: usize) -> Vec<u8> {
        (0..bytes).map(|_| self.rng.gen()).collect()
    }

    pub(crate) fn random_code(&mut self) -> String {
        format!("{:06}", self.rng.gen_range(0..1_000_000u32))
    }

    /// Handles one request; registrations that are due are processed
    /// first through `link`.
    pub fn handle(
        &mut self,
        request: PortalRequest<'_>,
        link: &mut dyn EligibilityLink,
    ) -> PortalResponse {
        if request.body.len() > MAX_BODY {
            return PortalResponse::error(&PortalError::new(
                Problem::PayloadTooLarge,
                format!("body over {MAX_BODY} bytes"),
            ));
        }
        self.process_due(link);
        let (path, query) = request.path.split_once('?').unwrap_or((request.path, ""));
        let mut response = match crate::routes::route(self, request, path, query, link) {
            Ok(response) => response,
            Err(error) => PortalResponse::error(&error),
        };
        if response.status == 405 {
            response.allow = crate::routes::allowed(path);
        }
        response
    }

    /// The session the `Authorization: Bearer` header names, refreshed.
    pub(crate) fn session(&mut self, authorization: Option<&str>) -> Result<String, PortalError> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                PortalError::new(Problem::Unauthenticated, "no bearer session; log in first")
            })?;
        let idle = Duration::seconds(self.config.session_idle_minutes.saturating_mul(60));
        let now = self.now;
        let Some(session) = self.sessions.get_mut(token) else {
            return Err(PortalError::new(
                Problem::Unauthenticated,
                "unknown or logged-out session",
            ));
        };
        let immortal = self
            .config
            .defects
            .contains(&crate::defect::Defect::ImmortalSessions);
        if now - session.last_seen > idle && !immortal {
            self.sessions.remove(token);
            return Err(PortalError::new(
                Problem::SessionExpired,
                "the session expired; log in again",
            ));
        }
        session.last_seen = now;
        Ok(session.serial.clone())
    }

    /// Applies a test-control command.
    pub(crate) fn control(&mut self, command: PortalControl) -> Result<ControlAnswer, PortalError> {
        let mut code = None;
        match command {
            PortalControl::Reset {} => {
                let mut trust = self.trust.clone();
                trust.reset();
                let mut residents = self.residents.clone();
                residents.reset();
                let mut config = self.config.clone();
                config.seed = Some(self.rng.gen());
                *self = PortalService::with_trust(trust, residents, config);
            }
            PortalControl::Clock { advance_minutes } => {
                if advance_minutes > 525_600 {
                    return Err(PortalError::invalid(
                        "advance_minutes",
                        "at most a year (525600)",
                    ));
                }
                let target = after_minutes(self.now, i64::from(advance_minutes));
                if target > LATEST_CLOCK {
                    return Err(PortalError::invalid(
                        "advance_minutes",
                        "the clock would pass 9999-12-01T00:00:00Z, the latest it shows",
                    ));
                }
                self.now = target;
            }
            PortalControl::Terms { version } => {
                if version.trim().is_empty() || version.chars().count() > 64 {
                    return Err(PortalError::invalid("version", "expected 1–64 characters"));
                }
                self.terms_version = version;
            }
            PortalControl::Revoke { serial } => {
                if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(PortalError::invalid("serial", "expected hex digits"));
                }
                self.trust.revoke(&serial);
            }
            PortalControl::HolderName { serial, name_kana } => {
                if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(PortalError::invalid("serial", "expected hex digits"));
                }
                if !crate::account::is_holder_kana(&name_kana) {
                    return Err(PortalError::invalid(
                        "name_kana",
                        "expected a name in full-width katakana (at most 30 characters)",
                    ));
                }
                self.residents.set_name_kana(&serial, name_kana);
            }
            PortalControl::Outbox { email } => {
                code = Some(self.outbox.get(&email).cloned().ok_or_else(|| {
                    PortalError::field(
                        Problem::ResourceNotFound,
                        "email",
                        "no code was sent to this address",
                    )
                })?);
            }
            PortalControl::State {} => {}
        }
        Ok(ControlAnswer {
            clock: rfc3339(self.now),
            terms_version: self.terms_version.clone(),
            code,
        })
    }
}

/// Reads a JSON body as `T`; a wrong body names the field at fault.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, PortalError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde names a missing or unknown key in the message, not the path.
        let names_a_key = ["missing field", "unknown field", "duplicate field"]
            .iter()
            .any(|prefix| inner.starts_with(prefix));
        let named = inner
            .split('`')
            .nth(1)
            .filter(|f| names_a_key && !f.is_empty() && f.len() < 64);
        // A path serde could not follow (a syntax error) is `?`.
        let field = match (path.as_str(), named) {
            ("." | "" | "?", Some(name)) => name.to_owned(),
            ("." | "" | "?", None) => "body".to_owned(),
            (path, _) => path.to_owned(),
        };
        let reason = inner.split(" at line").next().unwrap_or(&inner).to_owned();
        PortalError::invalid(field, reason)
    })?;
    deserializer
        .end()
        .map_err(|_| PortalError::invalid("body", "trailing characters after the JSON value"))?;
    Ok(value)
}
