//! The lookup message: request parsing and result building, shaped after the
//! public Web API (health-insurance-system.md §4.1–§4.3):
//! `{"XmlMsg":{"MessageHeader":{…},"MessageBody":{…}}}` both ways.
//!
//! Card-based lookups carry `MessageBody.CertificateSerialNumber` (the
//! 利用者証明用電子証明書 serial the reader read; a harness-defined field,
//! since the reader→OQS message is not public). Insurance-card lookups carry
//! `MessageBody.QualificationConfirmSearchInfo` (§4.2).

use serde_json::{json, Map, Value};
use time::Date;

use crate::clock::{parse_date, wire_date, wire_datetime};
use crate::codes::{reason_of_loss_label, NoCurrentQualification, QualificationValidity};
use crate::error::ModelError;
use crate::jis::displayed_name;
use crate::model::{AuthOutcome, OqsModel};
use crate::person::{Person, Qualification};
use crate::serial::Serial;
use crate::wire::SearchRequest;

/// Processing result codes of this reference (placeholders until 別紙6-1 is
/// available; health-insurance-system.md §0). See docs/oqs.md.
pub mod result_codes {
    /// Normal result, certificate expires within the warning window (§1.6).
    pub const CERT_EXPIRING: &str = "OQS-W-CERT-EXPIRING";
    /// Normal result for an expired certificate in its grace period:
    /// eligibility only, no medical information (§4.6).
    pub const CERT_GRACE: &str = "OQS-W-CERT-GRACE";
    /// Not registered for 保険証利用 (→ 利用登録 screen, §1.2 S4).
    pub const NOT_REGISTERED: &str = "OQS-E-NOT-REGISTERED";
    /// Revoked or superseded certificate (reader code 006, §1.6).
    pub const CERT_REVOKED: &str = "OQS-E-CERT-REVOKED";
    /// Expired beyond the grace period.
    pub const CERT_EXPIRED: &str = "OQS-E-CERT-EXPIRED";
    /// Registration cancelled after the grace period; register again.
    pub const REGISTRATION_CANCELLED: &str = "OQS-E-REGISTRATION-CANCELLED";
    /// Header `ErrorCode`: first use after re-issue while JPKI is down.
    pub const JPKI_UNAVAILABLE: &str = "OQS-JPKI-UNAVAILABLE";
}

/// Consents given at the reader, carried in the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Consents {
    limit: bool,
    health_checkups: bool,
    pharmacists: bool,
    diagnosis: bool,
    operation: bool,
}

enum Key {
    Serial(Serial),
    Card {
        insurer: String,
        symbol: String,
        number: String,
        branch: Option<String>,
        birth: Date,
    },
}

struct Parsed {
    institution: String,
    file_id: Option<String>,
    date: Option<Date>,
    key: Key,
    consents: Consents,
}

fn flag(field: &'static str, value: &Option<String>) -> Result<bool, ModelError> {
    match value.as_deref() {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(ModelError::invalid(
            field,
            "consent flags are \"0\" or \"1\"",
        )),
    }
}

fn parse(body: &[u8]) -> Result<Parsed, ModelError> {
    let request: SearchRequest =
        serde_json::from_slice(body).map_err(|e| ModelError::invalid("XmlMsg", e.to_string()))?;
    let header = request.xml_msg.message_header;
    let body = request.xml_msg.message_body;
    if header.medical_institution_code.len() != 10
        || !header
            .medical_institution_code
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return Err(ModelError::invalid(
            "MedicalInstitutionCode",
            "expected 10 digits",
        ));
    }
    let date = header
        .qualification_confirmation_date
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| parse_date("QualificationConfirmationDate", d))
        .transpose()?;
    let mut consents = Consents {
        limit: flag(
            "LimitApplicationCertificateRelatedConsFlg",
            &body.limit_application_certificate_related_cons_flg,
        )?,
        health_checkups: flag(
            "SpecificHealthCheckupsInfoConsFlg",
            &body.specific_health_checkups_info_cons_flg,
        )?,
        pharmacists: flag("PharmacistsInfoConsFlg", &body.pharmacists_info_cons_flg)?,
        diagnosis: flag("DiagnosisInfoConsFlg", &body.diagnosis_info_cons_flg)?,
        operation: flag("OperationInfoConsFlg", &body.operation_info_cons_flg)?,
    };
    let key = match (
        body.certificate_serial_number,
        body.qualification_confirm_search_info,
    ) {
        (Some(serial), None) => Key::Serial(Serial::parse(&serial)?),
        (None, Some(info)) => {
            if flag(
                "LimitApplicationCertificateRelatedConsFlg",
                &info.limit_application_certificate_related_cons_flg,
            )? {
                consents.limit = true;
            }
            if info.insurer_number.trim().is_empty()
                || info.insured_identification_number.is_empty()
            {
                return Err(ModelError::invalid(
                    "QualificationConfirmSearchInfo",
                    "InsurerNumber and InsuredIdentificationNumber are required",
                ));
            }
            Key::Card {
                insurer: info.insurer_number,
                symbol: info.insured_card_symbol,
                number: info.insured_identification_number,
                branch: info.insured_branch_number,
                birth: parse_date("Birthdate", &info.birthdate)?,
            }
        }
        (Some(_), Some(_)) => {
            return Err(ModelError::invalid(
                "MessageBody",
                "give CertificateSerialNumber or QualificationConfirmSearchInfo, not both",
            ))
        }
        (None, None) => {
            return Err(ModelError::invalid(
                "MessageBody",
                "CertificateSerialNumber or QualificationConfirmSearchInfo is required",
            ))
        }
    };
    Ok(Parsed {
        institution: header.medical_institution_code,
        file_id: header.arbitrary_file_identifier,
        date,
        key,
        consents,
    })
}

/// Handles one lookup request body; `Err` is a malformed request (4xx).
/// Faults are the caller's business (the service checks them first).
pub fn handle_lookup(model: &mut OqsModel, body: &[u8]) -> Result<Value, ModelError> {
    let request = parse(body)?;
    let date = request.date.unwrap_or_else(|| model.clock().today());
    let reference_classification = match request.key {
        Key::Serial(_) => "1",
        Key::Card { .. } => "2",
    };
    let mut header = Map::new();
    header.insert(
        "ProcessExecutionTime".into(),
        json!(wire_datetime(model.clock().now())),
    );
    header.insert(
        "QualificationConfirmationDate".into(),
        json!(wire_date(date)),
    );
    header.insert("MedicalInstitutionCode".into(), json!(request.institution));
    if let Some(id) = &request.file_id {
        header.insert("ArbitraryFileIdentifier".into(), json!(id));
    }
    header.insert(
        "ReferenceClassification".into(),
        json!(reference_classification),
    );
    header.insert(
        "CharacterCodeIdentifier".into(),
        json!(model.config().codes.charset_utf8),
    );

    let outcome = match &request.key {
        Key::Serial(serial) => model.authenticate(*serial),
        Key::Card { .. } => AuthOutcome::Authenticated {
            person: 0,
            relinked: false,
            trace_steps: 0,
            in_grace: false,
            expiring_soon: false,
        },
    };
    if outcome == AuthOutcome::JpkiUnavailable {
        header.insert(
            "SegmentOfResult".into(),
            json!(model.config().codes.segment_abnormal),
        );
        header.insert("ErrorCode".into(), json!(result_codes::JPKI_UNAVAILABLE));
        header.insert(
            "ErrorMessage".into(),
            json!("公的個人認証サービスに接続できないため、電子証明書更新後の初回の資格確認ができません"),
        );
        return Ok(json!({ "XmlMsg": { "MessageHeader": header, "MessageBody": {} } }));
    }
    header.insert(
        "SegmentOfResult".into(),
        json!(model.config().codes.segment_normal),
    );
    let mut body = Map::new();
    let error = match outcome {
        AuthOutcome::NotRegistered => Some((
            result_codes::NOT_REGISTERED,
            "健康保険証利用の登録がありません",
        )),
        AuthOutcome::Revoked => Some((
            result_codes::CERT_REVOKED,
            "利用者証明用電子証明書が失効しています",
        )),
        AuthOutcome::Expired => Some((
            result_codes::CERT_EXPIRED,
            "利用者証明用電子証明書の有効期限が切れています",
        )),
        AuthOutcome::RegistrationCancelled => Some((
            result_codes::REGISTRATION_CANCELLED,
            "健康保険証利用の登録が解除されています。再度登録してください",
        )),
        AuthOutcome::JpkiUnavailable | AuthOutcome::Authenticated { .. } => None,
    };
    if let Some((code, message)) = error {
        body.insert("ProcessingResultStatus".into(), json!("2"));
        body.insert("ProcessingResultCode".into(), json!(code));
        body.insert("ProcessingResultMessage".into(), json!(message));
        return Ok(json!({ "XmlMsg": { "MessageHeader": header, "MessageBody": body } }));
    }
    let AuthOutcome::Authenticated {
        person,
        in_grace,
        expiring_soon,
        ..
    } = outcome
    else {
        return Ok(json!({ "XmlMsg": { "MessageHeader": header, "MessageBody": body } }));
    };
    let now = model.clock().now();
    let (validity, records): (QualificationValidity, Vec<(u32, Qualification)>) = match &request.key
    {
        Key::Serial(_) => {
            let in_force: Vec<(u32, Qualification)> = model
                .qualifications_in_force(person, date)
                .into_iter()
                .map(|q| (person, q.clone()))
                .collect();
            match in_force.len() {
                1 => (QualificationValidity::Valid, in_force),
                n if n > 1 => (QualificationValidity::Multiple, in_force),
                _ => match model.config().no_current_qualification {
                    NoCurrentQualification::NoQualification => {
                        (QualificationValidity::NoQualification, Vec::new())
                    }
                    NoCurrentQualification::Invalid => {
                        let latest = model.person(person).and_then(|p| {
                            p.qualifications
                                .iter()
                                .rev()
                                .find(|q| q.visible(now))
                                .cloned()
                        });
                        match latest {
                            Some(q) => (QualificationValidity::Invalid, vec![(person, q)]),
                            None => (QualificationValidity::NoQualification, Vec::new()),
                        }
                    }
                },
            }
        }
        Key::Card {
            insurer,
            symbol,
            number,
            branch,
            birth,
        } => {
            let found = model.find_by_card(insurer, symbol, number, branch.as_deref(), *birth);
            match found.as_slice() {
                [] => (QualificationValidity::NoQualification, Vec::new()),
                [(pid, qi)] => {
                    let record = model
                        .person(*pid)
                        .and_then(|p| p.qualifications.get(*qi))
                        .cloned();
                    match record {
                        None => (QualificationValidity::NoQualification, Vec::new()),
                        Some(q) if q.in_force(date, now) => {
                            (QualificationValidity::Valid, vec![(*pid, q)])
                        }
                        Some(q) => {
                            let newer = model.qualifications_in_force(*pid, date).into_iter().any(
                                |other| {
                                    other.qualification_date >= q.qualification_date && *other != q
                                },
                            );
                            let validity = if newer {
                                QualificationValidity::InvalidNewerExists
                            } else {
                                QualificationValidity::Invalid
                            };
                            (validity, vec![(*pid, q)])
                        }
                    }
                }
                many => {
                    let records = many
                        .iter()
                        .filter_map(|(pid, qi)| {
                            model
                                .person(*pid)
                                .and_then(|p| p.qualifications.get(*qi))
                                .map(|q| (*pid, q.clone()))
                        })
                        .collect();
                    (QualificationValidity::Multiple, records)
                }
            }
        }
    };
    body.insert("ProcessingResultStatus".into(), json!("1"));
    let code = if in_grace {
        Some((
            result_codes::CERT_GRACE,
            "電子証明書の有効期限が切れています。資格情報のみ提供します。更新手続きをしてください",
        ))
    } else if expiring_soon {
        Some((
            result_codes::CERT_EXPIRING,
            "マイナンバーカードの電子証明書の有効期限が近づいています",
        ))
    } else {
        None
    };
    if let Some((code, message)) = code {
        body.insert("ProcessingResultCode".into(), json!(code));
        body.insert("ProcessingResultMessage".into(), json!(message));
    }
    body.insert("QualificationValidity".into(), json!(validity.code()));
    let consents = if in_grace {
        Consents {
            health_checkups: false,
            pharmacists: false,
            diagnosis: false,
            operation: false,
            ..request.consents
        }
    } else {
        request.consents
    };
    let results: Vec<Value> = records
        .iter()
        .filter_map(|(pid, q)| {
            model
                .person(*pid)
                .map(|p| result_entry(model, p, q, consents))
        })
        .collect();
    body.insert(
        "ResultList".into(),
        json!({ "ResultOfQualificationConfirmation": results }),
    );
    Ok(json!({ "XmlMsg": { "MessageHeader": header, "MessageBody": body } }))
}

fn put_date(map: &mut Map<String, Value>, key: &str, date: Option<Date>) {
    if let Some(d) = date {
        map.insert(key.into(), json!(wire_date(d)));
    }
}

fn result_entry(model: &OqsModel, person: &Person, q: &Qualification, consents: Consents) -> Value {
    let now = model.clock().now();
    let time = wire_datetime(now);
    let mut m = Map::new();
    if let Some(c) = &q.card_classification {
        m.insert("InsuredCardClassification".into(), json!(c));
    }
    m.insert("InsurerNumber".into(), json!(q.insurer_number));
    m.insert("InsuredCardSymbol".into(), json!(q.symbol));
    m.insert("InsuredIdentificationNumber".into(), json!(q.number));
    m.insert("InsuredBranchNumber".into(), json!(q.branch));
    m.insert(
        "PersonalFamilyClassification".into(),
        json!(q.personal_family),
    );
    if let Some(n) = &q.insured_name {
        m.insert("InsuredName".into(), json!(displayed_name(n)));
    }
    m.insert("Name".into(), json!(displayed_name(&person.name)));
    m.insert("NameKana".into(), json!(person.name_kana));
    m.insert("Sex1".into(), json!(person.sex));
    m.insert("Birthdate".into(), json!(wire_date(person.birth_date)));
    if let Some(a) = &person.address {
        m.insert("Address".into(), json!(displayed_name(a)));
    }
    if let Some(p) = &person.post_number {
        m.insert("PostNumber".into(), json!(p));
    }
    m.insert("InsurerName".into(), json!(q.insurer_name));
    m.insert(
        "QualificationDate".into(),
        json!(wire_date(q.qualification_date)),
    );
    if let Some(lost) = q.known_loss(now) {
        m.insert("DisqualificationDate".into(), json!(wire_date(lost)));
        if let Some(reason) = &q.reason_of_loss {
            m.insert("ReasonOfLoss".into(), json!(reason));
            m.insert(
                "ReasonOfLossName".into(),
                json!(reason_of_loss_label(reason, &model.config().codes)),
            );
        }
    }
    put_date(&mut m, "InsuredCardExpirationDate", q.card_expiration);
    if let Some(r) = &q.contribution_ratio {
        m.insert("InsuredPartialContributionRatio".into(), json!(r));
    }
    if let Some(e) = &q.elderly {
        let mut info = Map::new();
        info.insert("ContributionRatio".into(), json!(e.contribution_ratio));
        put_date(&mut info, "ValidStartDate", e.valid_start);
        put_date(&mut info, "ValidEndDate", e.valid_end);
        m.insert(
            "ElderlyRecipientCertificateInfo".into(),
            Value::Object(info),
        );
    }
    let flag = |b: bool| if b { "1" } else { "0" };
    m.insert(
        "LimitApplicationCertificateRelatedConsFlg".into(),
        json!(flag(consents.limit)),
    );
    if consents.limit {
        m.insert(
            "LimitApplicationCertificateRelatedConsTime".into(),
            json!(time),
        );
        if let Some(l) = &q.limit {
            let mut info = Map::new();
            info.insert(
                "LimitApplicationCertificateClassification".into(),
                json!(l.classification),
            );
            info.insert(
                "LimitApplicationCertificateClassificationFlag".into(),
                json!(l.classification_flag),
            );
            put_date(&mut info, "LimitApplicationCertificateDate", l.issued);
            put_date(
                &mut info,
                "LimitApplicationCertificateValidStartDate",
                l.valid_start,
            );
            put_date(
                &mut info,
                "LimitApplicationCertificateValidEndDate",
                l.valid_end,
            );
            put_date(
                &mut info,
                "LimitApplicationCertificateLongTermDate",
                l.long_term,
            );
            m.insert(
                "LimitApplicationCertificateRelatedInfo".into(),
                Value::Object(info),
            );
        }
    }
    for (name, given) in [
        ("SpecificHealthCheckupsInfo", consents.health_checkups),
        ("PharmacistsInfo", consents.pharmacists),
        ("DiagnosisInfo", consents.diagnosis),
        ("OperationInfo", consents.operation),
    ] {
        m.insert(format!("{name}ConsFlg"), json!(flag(given)));
        if given {
            m.insert(format!("{name}ConsTime"), json!(time));
        }
    }
    Value::Object(m)
}
