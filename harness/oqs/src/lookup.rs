//! The lookup message: request parsing and result building, shaped after the
//! public Web API (health-insurance-system.md §4.1–§4.3):
//! `{"XmlMsg":{"MessageHeader":{…},"MessageBody":{…}}}` both ways.
//!
//! Card-based lookups carry `MessageBody.CertificateSerialNumber` (the
//! 利用者証明用電子証明書 serial the reader read; a harness-defined field,
//! since the reader→OQS message is not public). Insurance-card lookups carry
//! `MessageBody.QualificationConfirmSearchInfo` (§4.2).

use serde_json::Value;
use time::Date;

use crate::clock::{parse_date, wire_date, wire_datetime};
use crate::codes::{reason_of_loss_label, NoCurrentQualification, QualificationValidity};
use crate::error::ModelError;
use crate::jis::displayed_name;
use crate::model::{AuthOutcome, OqsModel};
use crate::person::{Person, Qualification};
use crate::serial::Serial;
use crate::wire::{
    ElderlyRecipientCertificateInfo, LimitApplicationCertificateRelatedInfo, MedicalTicketInfo,
    PublicExpenseResultList, QualificationResult, ResponseBody, ResponseHeader, ResponseMsg,
    ResultList, SearchRequest, SearchResponse, SpecificDiseasesCertificateInfo,
    SpecificDiseasesCertificateList,
};

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
    /// A renewed certificate that has not taken effect yet: the renewal
    /// takes effect 24 hours after the municipal procedure (§4.6; the delay
    /// is `renewal_delay_hours`).
    pub const CERT_NOT_YET_EFFECTIVE: &str = "OQS-E-CERT-NOT-YET-EFFECTIVE";
    /// Header `ErrorCode`: first use after re-issue while JPKI is down.
    pub const JPKI_UNAVAILABLE: &str = "OQS-JPKI-UNAVAILABLE";
}

/// Consents given at the reader, carried in the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Consents {
    limit: bool,
    specific_diseases: bool,
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
        specific_diseases: flag(
            "SpecificDiseasesCertificateRelatedConsFlg",
            &body.specific_diseases_certificate_related_cons_flg,
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
    let answer = lookup(model, body)?;
    serde_json::to_value(answer).map_err(|e| ModelError::invalid("XmlMsg", e.to_string()))
}

/// The typed answer to one lookup request body.
pub fn lookup(model: &mut OqsModel, body: &[u8]) -> Result<SearchResponse, ModelError> {
    let request = parse(body)?;
    let date = request.date.unwrap_or_else(|| model.clock().today());
    let codes = &model.config().codes;
    let mut header = ResponseHeader {
        process_execution_time: wire_datetime(model.clock().now()),
        qualification_confirmation_date: wire_date(date),
        medical_institution_code: request.institution.clone(),
        arbitrary_file_identifier: request.file_id.clone(),
        reference_classification: match request.key {
            Key::Serial(_) => "1",
            Key::Card { .. } => "2",
        }
        .to_string(),
        segment_of_result: codes.segment_normal.clone(),
        character_code_identifier: codes.charset_utf8.clone(),
        error_code: None,
        error_message: None,
    };
    let answer = |header: ResponseHeader, body: ResponseBody| SearchResponse {
        xml_msg: ResponseMsg {
            message_header: header,
            message_body: body,
        },
    };

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
        header.segment_of_result = model.config().codes.segment_abnormal.clone();
        header.error_code = Some(result_codes::JPKI_UNAVAILABLE.to_string());
        header.error_message = Some(
            "公的個人認証サービスに接続できないため、電子証明書更新後の初回の資格確認ができません"
                .to_string(),
        );
        return Ok(answer(header, ResponseBody::default()));
    }
    let error = match outcome {
        AuthOutcome::NotRegistered => Some((
            result_codes::NOT_REGISTERED,
            "健康保険証利用の登録がありません",
        )),
        AuthOutcome::NotYetInEffect => Some((
            result_codes::CERT_NOT_YET_EFFECTIVE,
            "更新された利用者証明用電子証明書はまだ利用できません。時間をおいて再度お試しください",
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
        let body = ResponseBody {
            processing_result_status: Some("2".into()),
            processing_result_code: Some(code.into()),
            processing_result_message: Some(message.into()),
            ..ResponseBody::default()
        };
        return Ok(answer(header, body));
    }
    let AuthOutcome::Authenticated {
        person,
        in_grace,
        expiring_soon,
        ..
    } = outcome
    else {
        return Ok(answer(header, ResponseBody::default()));
    };
    let (validity, records) = match &request.key {
        Key::Serial(_) => card_records(model, person, date),
        Key::Card {
            insurer,
            symbol,
            number,
            branch,
            birth,
        } => insurance_card_records(
            model,
            (insurer, symbol, number, branch.as_deref(), *birth),
            date,
        ),
    };
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
    // 照会番号: with card results, the number this institution registered
    // (§4.2, sanox road18/26).
    let reference_number = match request.key {
        Key::Serial(_) => model
            .person(person)
            .and_then(|p| p.reference_number(&request.institution))
            .map(str::to_owned),
        Key::Card { .. } => None,
    };
    let results = records
        .iter()
        .filter_map(|(pid, q)| {
            model
                .person(*pid)
                .map(|p| result_entry(model, p, q, consents))
        })
        .collect();
    let body = ResponseBody {
        processing_result_status: Some("1".into()),
        processing_result_code: code.map(|(c, _)| c.to_string()),
        processing_result_message: code.map(|(_, m)| m.to_string()),
        qualification_validity: Some(validity.code().into()),
        reference_number,
        result_list: Some(ResultList {
            result_of_qualification_confirmation: results,
        }),
    };
    Ok(answer(header, body))
}

type Records = (QualificationValidity, Vec<(u32, Qualification)>);

/// The qualifications of a card lookup on `date`.
fn card_records(model: &OqsModel, person: u32, date: Date) -> Records {
    let now = model.clock().now();
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

/// The qualifications an insurance-card lookup finds on `date`.
fn insurance_card_records(
    model: &OqsModel,
    (insurer, symbol, number, branch, birth): (&str, &str, &str, Option<&str>, Date),
    date: Date,
) -> Records {
    let now = model.clock().now();
    let found = model.find_by_card(insurer, symbol, number, branch, birth);
    match found.as_slice() {
        [] => (QualificationValidity::NoQualification, Vec::new()),
        [(pid, qi)] => {
            let record = model
                .person(*pid)
                .and_then(|p| p.qualifications.get(*qi))
                .cloned();
            match record {
                None => (QualificationValidity::NoQualification, Vec::new()),
                Some(q) if q.in_force(date, now) => (QualificationValidity::Valid, vec![(*pid, q)]),
                Some(q) => {
                    let newer =
                        model
                            .qualifications_in_force(*pid, date)
                            .into_iter()
                            .any(|other| {
                                other.qualification_date >= q.qualification_date && *other != q
                            });
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

fn date_of(date: Option<Date>) -> Option<String> {
    date.map(wire_date)
}

fn flag_of(given: bool) -> Option<String> {
    Some(if given { "1" } else { "0" }.to_string())
}

fn result_entry(
    model: &OqsModel,
    person: &Person,
    q: &Qualification,
    consents: Consents,
) -> QualificationResult {
    let now = model.clock().now();
    let time = wire_datetime(now);
    let when = |given: bool| given.then(|| time.clone());
    let loss = q.known_loss(now);
    let reason = loss.and(q.reason_of_loss.clone());
    let limit = q.limit.as_ref().filter(|_| consents.limit).map(|l| {
        LimitApplicationCertificateRelatedInfo {
            limit_application_certificate_classification: Some(l.classification.clone()),
            limit_application_certificate_classification_flag: Some(l.classification_flag.clone()),
            limit_application_certificate_date: date_of(l.issued),
            limit_application_certificate_valid_start_date: date_of(l.valid_start),
            limit_application_certificate_valid_end_date: date_of(l.valid_end),
            limit_application_certificate_long_term_date: date_of(l.long_term),
        }
    });
    let specific_diseases =
        (consents.specific_diseases && !q.specific_diseases.is_empty()).then(|| {
            SpecificDiseasesCertificateList {
                specific_diseases_certificate_info: q
                    .specific_diseases
                    .iter()
                    .map(|d| SpecificDiseasesCertificateInfo {
                        specific_diseases_disease_category: Some(d.disease_category.clone()),
                        specific_diseases_certificate_date: date_of(d.certificate_date),
                        specific_diseases_valid_start_date: date_of(d.valid_start),
                        specific_diseases_valid_end_date: date_of(d.valid_end),
                        specific_diseases_self_pay: d.self_pay.clone(),
                    })
                    .collect(),
            }
        });
    let tickets = (!q.medical_tickets.is_empty()).then(|| PublicExpenseResultList {
        medical_ticket_info: q
            .medical_tickets
            .iter()
            .map(|t| MedicalTicketInfo {
                ticket_type: Some(t.ticket_type.clone()),
                issue_number: Some(t.issue_number.clone()),
                designated_medical_institution_name: t.designated_medical_institution.clone(),
                self_pay_amount: t.self_pay_amount.clone(),
            })
            .collect(),
    });
    QualificationResult {
        insured_card_classification: q.card_classification.clone(),
        insurer_number: Some(q.insurer_number.clone()),
        insured_card_symbol: Some(q.symbol.clone()),
        insured_identification_number: Some(q.number.clone()),
        insured_branch_number: Some(q.branch.clone()),
        personal_family_classification: Some(q.personal_family.clone()),
        insured_name: q.insured_name.as_deref().map(displayed_name),
        name: Some(displayed_name(&person.name)),
        name_of_other: person.name_of_other.as_deref().map(displayed_name),
        name_kana: Some(person.name_kana.clone()),
        name_of_other_kana: person.name_of_other_kana.clone(),
        sex1: Some(person.sex.clone()),
        sex2: person.sex2.clone(),
        birthdate: Some(wire_date(person.birth_date)),
        address: person.address.as_deref().map(displayed_name),
        post_number: person.post_number.clone(),
        qualification_date: Some(wire_date(q.qualification_date)),
        disqualification_date: date_of(loss),
        insured_certificate_issuance_date: date_of(q.certificate_issuance),
        insured_card_valid_date: date_of(q.card_valid_from),
        insured_card_expiration_date: date_of(q.card_expiration),
        insured_partial_contribution_ratio: q.contribution_ratio.clone(),
        preschool_classification: q.preschool_classification.clone(),
        reason_of_loss_name: reason
            .as_deref()
            .map(|r| reason_of_loss_label(r, &model.config().codes).to_string()),
        reason_of_loss: reason,
        insurer_name: Some(q.insurer_name.clone()),
        elderly_recipient_certificate_info: q.elderly.as_ref().map(|e| {
            ElderlyRecipientCertificateInfo {
                elderly_recipient_certificate_date: date_of(e.issued),
                elderly_recipient_valid_start_date: date_of(e.valid_start),
                elderly_recipient_valid_end_date: date_of(e.valid_end),
                elderly_recipient_contribution_ratio: Some(e.contribution_ratio.clone()),
            }
        }),
        limit_application_certificate_related_cons_flg: flag_of(consents.limit),
        limit_application_certificate_related_cons_time: when(consents.limit),
        limit_application_certificate_related_info: limit,
        specific_diseases_certificate_related_cons_flg: flag_of(consents.specific_diseases),
        specific_diseases_certificate_related_cons_time: when(consents.specific_diseases),
        specific_diseases_certificate_list: specific_diseases,
        public_expense_result_list: tickets,
        specific_health_checkups_info_cons_flg: flag_of(consents.health_checkups),
        specific_health_checkups_info_cons_time: when(consents.health_checkups),
        pharmacists_info_cons_flg: flag_of(consents.pharmacists),
        pharmacists_info_cons_time: when(consents.pharmacists),
        diagnosis_info_cons_flg: flag_of(consents.diagnosis),
        diagnosis_info_cons_time: when(consents.diagnosis),
        operation_info_cons_flg: flag_of(consents.operation),
        operation_info_cons_time: when(consents.operation),
    }
}
