//! Where a 健康保険証利用申込 lands: the eligibility service, reached
//! through myna-oqs's own targets (the model in process or any server over
//! HTTP) and its own wire types (`ControlCommand::LinkSerial`, the lookup
//! request), so the portal speaks the eligibility API as every other
//! client does.

use std::time::Duration;

use myna_oqs::wire::{RequestBody, RequestHeader, RequestMsg, SearchRequest};
use myna_oqs::{ControlCommand, OqsTarget};
use serde_json::Value;

/// The control path of the eligibility API.
const CONTROL_PATH: &str = "/control/v1/command";
/// The lookup path of the eligibility API.
const SEARCH_PATH: &str = "/oqs/v1/search";
/// How long the portal waits for the eligibility service.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The 医療機関コード the portal's status lookups are made as (synthetic).
const PORTAL_INSTITUTION: &str = "1399999999";

/// Why the eligibility service did not do what the portal asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkRefusal {
    /// It refused (conflict, unknown serial): the registration fails.
    Refused(String),
    /// It could not be reached or answered 5xx: try again later.
    Unavailable(String),
}

/// What the portal needs from the eligibility service.
pub trait EligibilityLink {
    /// Links `serial` to its holder's registration (`link_serial`).
    fn link(&mut self, serial: &str) -> Result<(), LinkRefusal>;
    /// Cancels the registration of `serial`'s holder (`unlink_serial`).
    fn unlink(&mut self, serial: &str) -> Result<(), LinkRefusal>;
    /// Whether a lookup by `serial` finds a registration (it traces a
    /// re-issued serial to the earlier one and re-links it, seed 001
    /// 第5条の5).
    fn is_registered(&mut self, serial: &str) -> Result<bool, LinkRefusal>;
}

/// An [`EligibilityLink`] over any [`OqsTarget`].
pub struct OqsLink<'a> {
    target: &'a mut dyn OqsTarget,
}

impl<'a> OqsLink<'a> {
    /// Over `target`.
    pub fn new(target: &'a mut dyn OqsTarget) -> Self {
        OqsLink { target }
    }

    fn control(&mut self, command: &ControlCommand) -> Result<(), LinkRefusal> {
        let body = serde_json::to_vec(command)
            .map_err(|e| LinkRefusal::Unavailable(format!("cannot encode the command: {e}")))?;
        let answer = self
            .target
            .request("POST", CONTROL_PATH, &body, Some(TIMEOUT))
            .map_err(|e| LinkRefusal::Unavailable(e.to_string()))?;
        match answer.status {
            200..=299 => Ok(()),
            400..=499 => Err(LinkRefusal::Refused(reason(&answer.body))),
            status => Err(LinkRefusal::Unavailable(format!(
                "the eligibility service answered {status}: {}",
                reason(&answer.body)
            ))),
        }
    }
}

fn reason(body: &[u8]) -> String {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    json.pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("no reason given")
        .to_owned()
}

impl EligibilityLink for OqsLink<'_> {
    fn link(&mut self, serial: &str) -> Result<(), LinkRefusal> {
        self.control(&ControlCommand::LinkSerial {
            person: None,
            serial: serial.to_owned(),
            not_after: None,
        })
    }

    fn unlink(&mut self, serial: &str) -> Result<(), LinkRefusal> {
        self.control(&ControlCommand::UnlinkSerial {
            serial: serial.to_owned(),
        })
    }

    fn is_registered(&mut self, serial: &str) -> Result<bool, LinkRefusal> {
        let request = SearchRequest {
            xml_msg: RequestMsg {
                message_header: RequestHeader {
                    qualification_confirmation_date: None,
                    medical_institution_code: PORTAL_INSTITUTION.to_owned(),
                    arbitrary_file_identifier: None,
                },
                message_body: RequestBody {
                    certificate_serial_number: Some(serial.to_owned()),
                    ..RequestBody::default()
                },
            },
        };
        let body = serde_json::to_vec(&request)
            .map_err(|e| LinkRefusal::Unavailable(format!("cannot encode the lookup: {e}")))?;
        let answer = self
            .target
            .request("POST", SEARCH_PATH, &body, Some(TIMEOUT))
            .map_err(|e| LinkRefusal::Unavailable(e.to_string()))?;
        if answer.status != 200 {
            return Err(LinkRefusal::Unavailable(format!(
                "the eligibility lookup answered {}: {}",
                answer.status,
                reason(&answer.body)
            )));
        }
        let json: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        Ok(json
            .pointer("/XmlMsg/MessageBody/ProcessingResultStatus")
            .and_then(Value::as_str)
            == Some("1"))
    }
}

/// No eligibility service: every link is unavailable (registrations stay
/// システム準備中).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLink;

impl EligibilityLink for NoLink {
    fn link(&mut self, _: &str) -> Result<(), LinkRefusal> {
        Err(LinkRefusal::Unavailable("no eligibility service".into()))
    }

    fn unlink(&mut self, _: &str) -> Result<(), LinkRefusal> {
        Err(LinkRefusal::Unavailable("no eligibility service".into()))
    }

    fn is_registered(&mut self, _: &str) -> Result<bool, LinkRefusal> {
        Err(LinkRefusal::Unavailable("no eligibility service".into()))
    }
}
