//! The typed wire structs of the eligibility API (docs/oqs.md "HTTP API"),
//! shared by the server (`lookup.rs`, `service.rs`) and every client (the
//! HTTP target, the `oqs` family's steps, the load generator), so the two
//! ends cannot build different JSON by hand.

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod fields;
mod response;

pub use fields::{
    check_result_path, resolve_schema, result_fields, UnknownResultField, WireField, WireShape,
};
pub use response::{
    ElderlyRecipientCertificateInfo, LimitApplicationCertificateRelatedInfo, MedicalTicketInfo,
    PublicExpenseResultList, QualificationResult, ResponseBody, ResponseHeader, ResponseMsg,
    ResultList, SearchResponse, SpecificDiseasesCertificateInfo, SpecificDiseasesCertificateList,
};

/// A lookup request (health-insurance-system.md §4.1–§4.2):
/// `{"XmlMsg":{"MessageHeader":{…},"MessageBody":{…}}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchRequest {
    /// The message.
    pub xml_msg: RequestMsg,
}

/// Header and body of a [`SearchRequest`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestMsg {
    /// Who asks, for when.
    pub message_header: RequestHeader,
    /// What is asked.
    pub message_body: RequestBody,
}

/// The header of a lookup request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestHeader {
    /// 資格確認日 `YYYYMMDD` (default: the service's today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification_confirmation_date: Option<String>,
    /// 医療機関コード, 10 digits.
    pub medical_institution_code: String,
    /// Echoed in the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_file_identifier: Option<String>,
}

/// The body of a lookup request: a certificate serial (card lookup) or an
/// insurance card, and the consent flags (`"0"`/`"1"`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestBody {
    /// The 利用者証明用 certificate serial (harness-defined field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_serial_number: Option<String>,
    /// An insurance-card lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification_confirm_search_info: Option<SearchInfo>,
    /// 限度額適用認定証 consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_related_cons_flg: Option<String>,
    /// 特定疾病療養受療証 consent (閲覧同意情報種別 TSR, §2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_certificate_related_cons_flg: Option<String>,
    /// 特定健診 consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_health_checkups_info_cons_flg: Option<String>,
    /// 薬剤 consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pharmacists_info_cons_flg: Option<String>,
    /// 診療 consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis_info_cons_flg: Option<String>,
    /// 手術 consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_info_cons_flg: Option<String>,
}

/// The insurance card of an insurance-card lookup (§4.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchInfo {
    /// 保険者番号.
    pub insurer_number: String,
    /// 記号.
    #[serde(default)]
    pub insured_card_symbol: String,
    /// 番号.
    pub insured_identification_number: String,
    /// 枝番.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_branch_number: Option<String>,
    /// 生年月日 `YYYYMMDD`.
    pub birthdate: String,
    /// 限度額 consent given with the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_related_cons_flg: Option<String>,
}

/// Every API error: `{"error":{"code":"OQS-…","message":"…"}}` with a 4xx
/// status (503 only for the injected outage): the one error shape of every
/// reference server, myna-serve's.
pub use myna_serve::{ErrorBody, ErrorDetail};

/// `GET /control/v1/capabilities`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilitiesAnswer {
    /// `oqs.lookup`, `oqs.control`.
    pub capabilities: Vec<String>,
}

/// The answer to a test-control command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlAnswer {
    /// Always true on success.
    pub ok: bool,
    /// Clock, counts and faults after the command.
    pub state: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_and_leaves_absent_fields_out() {
        let request = SearchRequest {
            xml_msg: RequestMsg {
                message_header: RequestHeader {
                    medical_institution_code: "1310000001".into(),
                    ..RequestHeader::default()
                },
                message_body: RequestBody {
                    certificate_serial_number: Some("1A0001".into()),
                    ..RequestBody::default()
                },
            },
        };
        let json = serde_json::to_value(&request).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"XmlMsg": {"MessageHeader": {"MedicalInstitutionCode": "1310000001"},
                "MessageBody": {"CertificateSerialNumber": "1A0001"}}})
        );
        assert_eq!(
            serde_json::from_value::<SearchRequest>(json).ok(),
            Some(request)
        );
    }
}
