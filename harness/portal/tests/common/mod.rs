//! Shared helpers: the reference portal over an in-process eligibility
//! model, called in process or served over real HTTP and reached through
//! the same typed client trait (`PortalTarget`), and login proofs signed
//! with the personas' committed keys (what the card would sign; the card
//! itself is driven by the family's tests).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use myna_oqs::{ControlCommand, InProcessTarget, OqsTarget};
use myna_portal::client::ClientRequest;
use myna_portal::login::digest_info;
use myna_portal::server::{serve_config, spawn_shared, Backend, BackgroundServer, Shared};
use myna_portal::wire::{b64, CardProof};
use myna_portal::{
    HttpPortal, InProcessPortal, OqsLink, PortalConfig, PortalService, PortalTarget,
};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{json, Value};

pub fn personas() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/personas"
    ))
}

pub fn cert(persona: &str) -> Vec<u8> {
    std::fs::read(personas().join(persona).join("auth-cert.der")).unwrap()
}

pub fn key(persona: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_der(
        &std::fs::read(personas().join(persona).join("auth-key.pk8.der")).unwrap(),
    )
    .unwrap()
}

/// What the card does: RSA over the DigestInfo (raw PKCS#1 v1.5 padding).
pub fn card_sign(key: &RsaPrivateKey, challenge: &[u8]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new_unprefixed(), &digest_info(challenge))
        .unwrap()
}

/// The reference: in process, or a server on a free port with the state
/// kept in reach (the properties read it).
pub enum Portal {
    InProcess(Box<InProcessPortal>),
    Http {
        client: HttpPortal,
        backend: Arc<Shared<Backend>>,
        _server: BackgroundServer,
    },
}

pub struct Rig {
    pub portal: Portal,
    /// The eligibility model of the in-process portal (the server has its own).
    pub oqs: InProcessTarget,
}

/// One answer: status and JSON (Null when not JSON).
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub raw: Vec<u8>,
    pub content_type: String,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.json
            .pointer("/error/code")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

impl Rig {
    pub fn new() -> Rig {
        Rig::with(PortalConfig {
            seed: Some(7),
            ..PortalConfig::default()
        })
    }

    pub fn with(config: PortalConfig) -> Rig {
        Rig {
            portal: Portal::InProcess(Box::new(
                InProcessPortal::new(&personas().join("ca"), config).unwrap(),
            )),
            oqs: InProcessTarget::new(),
        }
    }

    /// The reference served over HTTP on 127.0.0.1 (its own in-process
    /// eligibility model), reached by the HTTP client.
    pub fn http() -> Rig {
        let service = PortalService::new(
            &personas().join("ca"),
            PortalConfig {
                seed: Some(7),
                ..PortalConfig::default()
            },
        )
        .unwrap();
        let backend = Arc::new(Shared::new(Backend {
            service,
            eligibility: Box::new(InProcessTarget::new()),
        }));
        let server = spawn_shared(
            "127.0.0.1:0".parse().unwrap(),
            Arc::clone(&backend),
            serve_config(),
        )
        .unwrap();
        Rig {
            portal: Portal::Http {
                client: HttpPortal::new(&server.url()).unwrap(),
                backend,
                _server: server,
            },
            oqs: InProcessTarget::new(),
        }
    }

    /// `f` of the reference's state (while it serves, over HTTP).
    pub fn service<R>(&self, f: impl FnOnce(&PortalService) -> R) -> R {
        match &self.portal {
            Portal::InProcess(portal) => f(portal.service()),
            Portal::Http { backend, .. } => f(&backend.lock().service),
        }
    }

    pub fn call_with(
        &mut self,
        method: &str,
        path: &str,
        session: Option<&str>,
        key: Option<&str>,
        body: &[u8],
    ) -> Answer {
        let mut link = OqsLink::new(&mut self.oqs as &mut dyn OqsTarget);
        let target: &mut dyn PortalTarget = match &mut self.portal {
            Portal::InProcess(portal) => portal.as_mut(),
            Portal::Http { client, .. } => client,
        };
        let answer = target
            .request(
                ClientRequest {
                    method,
                    path,
                    session,
                    idempotency_key: key,
                    body,
                },
                &mut link,
            )
            .unwrap();
        Answer {
            status: answer.status,
            json: serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
            raw: answer.body,
            content_type: answer.content_type,
        }
    }

    pub fn call(&mut self, method: &str, path: &str, session: Option<&str>, body: Value) -> Answer {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        };
        self.call_with(method, path, session, None, &bytes)
    }

    /// A proof: a fresh challenge signed with `signer`'s key, with `cert_of`'s certificate.
    pub fn proof(&mut self, cert_of: &str, signer: &str) -> CardProof {
        let challenge = self.call("POST", "/auth/challenge", None, Value::Null);
        assert_eq!(challenge.status, 201);
        let bytes = b64::decode(challenge.json["challenge"].as_str().unwrap()).unwrap();
        CardProof {
            challenge_id: challenge.json["challenge_id"].as_str().unwrap().to_owned(),
            certificate: b64::encode(&cert(cert_of)),
            signature: b64::encode(&card_sign(&key(signer), &bytes)),
        }
    }

    pub fn login_answer(&mut self, persona: &str) -> Answer {
        let proof = self.proof(persona, persona);
        self.call(
            "POST",
            "/auth/login",
            None,
            serde_json::to_value(proof).unwrap(),
        )
    }

    pub fn login(&mut self, persona: &str) -> String {
        let answer = self.login_answer(persona);
        assert_eq!(answer.status, 200, "{}", answer.json);
        answer.json["session"].as_str().unwrap().to_owned()
    }

    pub fn control(&mut self, command: Value) -> Answer {
        self.call("POST", "/control/v1/command", None, command)
    }

    pub fn oqs(&mut self, command: ControlCommand) {
        let body = serde_json::to_vec(&command).unwrap();
        let answer = match &self.portal {
            Portal::InProcess(_) => self.oqs.request("POST", "/control/v1/command", &body, None),
            Portal::Http { backend, .. } => {
                backend
                    .lock()
                    .eligibility
                    .request("POST", "/control/v1/command", &body, None)
            }
        }
        .unwrap();
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
    }

    /// An eligibility world where `persona`'s card is known but not registered.
    pub fn oqs_world(&mut self, persons: &[(&str, &str)]) {
        let persons: Vec<Value> = persons
            .iter()
            .map(|(id, serial)| {
                json!({
                    "id": id, "name": "試験 太郎", "kana": "ｼｹﾝ ﾀﾛｳ", "birth_date": "1980-02-17",
                    "certificate": { "serial": serial, "not_after": "2030-02-17" },
                    "registered": false,
                    "qualifications": [{ "insurer_number": "06130012", "number": "1", "qualification_date": "2020-04-01" }]
                })
            })
            .collect();
        let command: ControlCommand =
            serde_json::from_value(json!({ "op": "world", "persons": persons })).unwrap();
        self.oqs(command);
    }

    pub fn accept_terms(&mut self, session: &str) {
        let terms = self.call("GET", "/terms", None, Value::Null);
        let version = terms.json["version"].clone();
        let a = self.call(
            "POST",
            "/terms/acceptance",
            Some(session),
            json!({ "version": version }),
        );
        assert_eq!(a.status, 200, "{}", a.json);
    }

    pub fn register_user(&mut self, session: &str, email: &str) {
        self.accept_terms(session);
        assert_eq!(
            self.call(
                "POST",
                "/email-codes",
                Some(session),
                json!({ "email": email })
            )
            .status,
            202
        );
        let code = self.control(json!({ "op": "outbox", "email": email })).json["code"].clone();
        let u = self.call(
            "POST",
            "/users",
            Some(session),
            json!({ "email": email, "code": code, "email_notification": true }),
        );
        assert_eq!(u.status, 201, "{}", u.json);
    }

    /// An account request read with `identity_of`'s card, in its holder's
    /// name (the personas' `name_kana`).
    pub fn account_body(&mut self, identity_of: &str, number: &str) -> Value {
        let proof = self.proof(identity_of, identity_of);
        let holder = match identity_of {
            "hanako" => "サトウ　ハナコ",
            "kiyoshi" => "スズキ　キヨシ",
            "expired" => "ワタナベ　ミサキ",
            "revoked" => "ナカムラ　ショウ",
            _ => "ヤマダ　タロウ",
        };
        json!({
            "bank_code": "9901", "branch_code": "101", "account_type": "ordinary",
            "account_number": number, "holder_kana": holder, "own_name_confirmed": true,
            "identity": proof, "agreed": true
        })
    }

    pub fn terms_version(&mut self) -> Value {
        self.call("GET", "/terms", None, Value::Null).json["version"].clone()
    }
}

/// The committed OpenAPI document as JSON, and response validation against
/// it with a third-party JSON Schema validator (jsonschema, draft 2020-12).
pub struct OpenApi {
    pub doc: Value,
}

impl OpenApi {
    pub fn load() -> OpenApi {
        let yaml: serde_yaml::Value = serde_yaml::from_str(myna_portal::OPENAPI_YAML).unwrap();
        OpenApi {
            doc: serde_json::to_value(yaml).unwrap(),
        }
    }

    fn template_for(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let paths = self.doc["paths"].as_object()?;
        paths
            .keys()
            .find(|template| {
                let t: Vec<&str> = template.split('/').collect();
                let p: Vec<&str> = path.split('/').collect();
                t.len() == p.len()
                    && t.iter()
                        .zip(&p)
                        .all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty()))
            })
            .cloned()
    }

    /// `Ok` when the answer is documented for the operation and its body
    /// validates; a route or method the document lacks must be a 404/405
    /// whose body is the documented error.
    pub fn check(&self, method: &str, path: &str, answer: &Answer) -> Result<(), String> {
        let error = json!({ "$ref": "#/components/responses/Error" });
        let Some(template) = self.template_for(path) else {
            return if answer.status == 404 {
                self.validate(method, path, &error, answer)
            } else {
                Err(format!("{path} undocumented, answered {}", answer.status))
            };
        };
        let operation = &self.doc["paths"][&template][method.to_ascii_lowercase()];
        if operation.is_null() {
            return if answer.status == 405 {
                self.validate(method, &template, &error, answer)
            } else {
                Err(format!(
                    "{method} {template} undocumented, answered {}",
                    answer.status
                ))
            };
        }
        let mut response = operation["responses"][answer.status.to_string()].clone();
        if response.is_null() {
            // 413 may answer any request with a body.
            if answer.status == 413 {
                response = error;
            } else {
                return Err(format!(
                    "{method} {template}: status {} undocumented ({})",
                    answer.status, answer.json
                ));
            }
        }
        self.validate(method, &template, &response, answer)
    }

    /// The answer's content type and body against the documented `response`.
    fn validate(
        &self,
        method: &str,
        template: &str,
        response: &Value,
        answer: &Answer,
    ) -> Result<(), String> {
        let mut response = response.clone();
        if let Some(reference) = response["$ref"].as_str() {
            let name = reference.rsplit('/').next().unwrap();
            response = self.doc["components"]["responses"][name].clone();
        }
        let content = response["content"].as_object().ok_or("no content")?;
        let (media, body) = content.iter().next().ok_or("no media type")?;
        if media != &answer.content_type {
            return Err(format!(
                "{method} {template}: content type {} not {media}",
                answer.content_type
            ));
        }
        if media != "application/json" {
            return Ok(());
        }
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [body["schema"]],
        });
        let validator = jsonschema::draft202012::new(&schema).map_err(|e| e.to_string())?;
        let errors: Vec<String> = validator
            .iter_errors(&answer.json)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{method} {template} {}: {}: {}",
                answer.status,
                answer.json,
                errors.join("; ")
            ))
        }
    }
}
