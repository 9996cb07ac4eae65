//! The lookup answer's wire structs (health-insurance-system.md §4.3, §2.1),
//! serialized by the server (`lookup.rs`) and read by every client.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A lookup answer (health-insurance-system.md §4.3):
/// `{"XmlMsg":{"MessageHeader":{…},"MessageBody":{…}}}`.
///
/// Field names follow the spec's OSS-derived lists (the result watcher and
/// YUKI-ENT/OQSDrug2 `QualificationImportModels.cs`, both transcriptions
/// of 別紙3-1): **provisional** until checked against the 別紙
/// (health-insurance-system.md §0). Fields marked *harness-defined* are
/// this reference's own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SearchResponse {
    /// The message.
    pub xml_msg: ResponseMsg,
}

/// Header and body of a [`SearchResponse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseMsg {
    /// How the lookup went, for whom.
    pub message_header: ResponseHeader,
    /// The result; empty after an abnormal end.
    pub message_body: ResponseBody,
}

/// The header of a lookup answer (§4.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseHeader {
    /// `YYYYMMDDHHmmss` of the service's clock.
    pub process_execution_time: String,
    /// 資格確認日 `YYYYMMDD`.
    pub qualification_confirmation_date: String,
    /// 医療機関コード, echoed.
    pub medical_institution_code: String,
    /// Echoed from the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_file_identifier: Option<String>,
    /// 照会区分 (OQSCD002): `1` マイナンバーカード, `2` 被保険者証情報.
    pub reference_classification: String,
    /// 処理結果区分 (OQSCD003; normal/abnormal codes configurable, §4.4).
    pub segment_of_result: String,
    /// 文字コード識別 (OQSCD005; configurable, §4.4).
    pub character_code_identifier: String,
    /// On an abnormal end: the 処理結果コード.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// On an abnormal end: its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// The body of a lookup answer (§4.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseBody {
    /// 処理結果状況 (OQSCD004): `1` 正常終了, `2` 異常終了.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_result_status: Option<String>,
    /// 処理結果コード (別紙6-1; this reference's placeholders, docs/oqs.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_result_code: Option<String>,
    /// Shown as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_result_message: Option<String>,
    /// 資格有効性 (OQSCD006).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification_validity: Option<String>,
    /// 照会番号 the requesting 医療機関 registered for the person, with card
    /// results only (§4.2, sanox road18/26). *Provisional place*: in the
    /// bulk result it stands beside the results of one person
    /// (OQSDrug2 `BulkConfirmUnit/ReferenceNumber`), so here beside
    /// `ResultList`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_number: Option<String>,
    /// The qualifications found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_list: Option<ResultList>,
}

/// `ResultList`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ResultList {
    /// One entry per qualification.
    #[serde(default)]
    pub result_of_qualification_confirmation: Vec<QualificationResult>,
}

/// `ResultOfQualificationConfirmation`: one qualification (§4.3, §2.1).
/// Every field is optional on the wire; dates are `YYYYMMDD`, times
/// `YYYYMMDDHHmmss`, flags `"0"`/`"1"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct QualificationResult {
    /// 被保険者証区分 (OQSCD010; `A1` 医療扶助).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_card_classification: Option<String>,
    /// 保険者番号 (8 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer_number: Option<String>,
    /// 被保険者証記号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_card_symbol: Option<String>,
    /// 被保険者証番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_identification_number: Option<String>,
    /// 被保険者証枝番 (2 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_branch_number: Option<String>,
    /// 本人・家族の別: `1` 本人, `2` 家族.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_family_classification: Option<String>,
    /// 被保険者氏名 (世帯主氏名).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_name: Option<String>,
    /// 氏名 (外字 shown as `●`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 氏名（その他）.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_of_other: Option<String>,
    /// 氏名カナ (half-width).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    /// 氏名カナ（その他）.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_of_other_kana: Option<String>,
    /// 性別1: `1` 男, `2` 女, `3` 未設定.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex1: Option<String>,
    /// 性別2 (set where the insurer follows the 平成24年 notice on sex
    /// notation; the result watcher's comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex2: Option<String>,
    /// 生年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// 住所 as held by the insurer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 郵便番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_number: Option<String>,
    /// 資格取得年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification_date: Option<String>,
    /// 資格喪失年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualification_date: Option<String>,
    /// 被保険者証交付年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_certificate_issuance_date: Option<String>,
    /// 被保険者証有効開始年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_card_valid_date: Option<String>,
    /// 被保険者証有効終了年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_card_expiration_date: Option<String>,
    /// 被保険者証一部負担金割合 (`"030"` = 3割).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_partial_contribution_ratio: Option<String>,
    /// 未就学区分.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preschool_classification: Option<String>,
    /// 資格喪失事由 (`01` 死亡, `02` 生活保護, `03` 他保険取得, `99`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_of_loss: Option<String>,
    /// *Harness-defined*: the label of `ReasonOfLoss` (configurable for 99, §4.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_of_loss_name: Option<String>,
    /// 保険者名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer_name: Option<String>,
    /// 高齢受給者証情報.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_recipient_certificate_info: Option<ElderlyRecipientCertificateInfo>,
    /// 限度額適用認定証提供同意フラグ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_related_cons_flg: Option<String>,
    /// 限度額適用認定証提供同意日時.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_related_cons_time: Option<String>,
    /// 限度額適用認定証関連情報 (with consent and registered data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_related_info: Option<LimitApplicationCertificateRelatedInfo>,
    /// 特定疾病療養受療証提供同意フラグ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_certificate_related_cons_flg: Option<String>,
    /// 特定疾病療養受療証提供同意日時.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_certificate_related_cons_time: Option<String>,
    /// 特定疾病療養受療証情報リスト (with consent and registered data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_certificate_list: Option<SpecificDiseasesCertificateList>,
    /// 医療扶助: the medical tickets (*provisional*: the element is only
    /// partly transcribed in the sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_expense_result_list: Option<PublicExpenseResultList>,
    /// 特定健診情報閲覧同意フラグ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_health_checkups_info_cons_flg: Option<String>,
    /// 特定健診情報閲覧同意日時.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_health_checkups_info_cons_time: Option<String>,
    /// 薬剤情報閲覧同意フラグ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pharmacists_info_cons_flg: Option<String>,
    /// 薬剤情報閲覧同意日時.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pharmacists_info_cons_time: Option<String>,
    /// 診療情報閲覧同意フラグ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis_info_cons_flg: Option<String>,
    /// 診療情報閲覧同意日時.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis_info_cons_time: Option<String>,
    /// 手術情報閲覧同意フラグ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_info_cons_flg: Option<String>,
    /// 手術情報閲覧同意日時.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_info_cons_time: Option<String>,
}

/// `ElderlyRecipientCertificateInfo` (高齢受給者証).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ElderlyRecipientCertificateInfo {
    /// 高齢受給者証交付年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_recipient_certificate_date: Option<String>,
    /// 高齢受給者証有効開始年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_recipient_valid_start_date: Option<String>,
    /// 高齢受給者証有効終了年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_recipient_valid_end_date: Option<String>,
    /// 高齢受給者証一部負担金割合 (`"020"` = 2割).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_recipient_contribution_ratio: Option<String>,
}

/// `LimitApplicationCertificateRelatedInfo` (限度額適用認定証関連情報).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LimitApplicationCertificateRelatedInfo {
    /// 限度額適用認定証区分 (OQSCD011).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_classification: Option<String>,
    /// 限度額適用認定証適用区分 (OQSCD012).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_classification_flag: Option<String>,
    /// 交付年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_date: Option<String>,
    /// 有効開始年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_valid_start_date: Option<String>,
    /// 有効終了年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_valid_end_date: Option<String>,
    /// 長期入院該当年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_application_certificate_long_term_date: Option<String>,
}

/// `SpecificDiseasesCertificateList` (特定疾病療養受療証情報リスト).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SpecificDiseasesCertificateList {
    /// One entry per certificate.
    #[serde(default)]
    pub specific_diseases_certificate_info: Vec<SpecificDiseasesCertificateInfo>,
}

/// `SpecificDiseasesCertificateInfo` (特定疾病療養受療証情報).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SpecificDiseasesCertificateInfo {
    /// 認定疾病区分 (OQSCD013: `1` 人工透析, `2` 血友病, `3` HIV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_disease_category: Option<String>,
    /// 交付年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_certificate_date: Option<String>,
    /// 有効開始年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_valid_start_date: Option<String>,
    /// 有効終了年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_valid_end_date: Option<String>,
    /// 自己負担限度額.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_diseases_self_pay: Option<String>,
}

/// `PublicExpenseResultList` (医療扶助, *provisional*).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PublicExpenseResultList {
    /// One entry per 医療券・調剤券.
    #[serde(default)]
    pub medical_ticket_info: Vec<MedicalTicketInfo>,
}

/// `MedicalTicketInfo` (医療券・調剤券; names as OQSDrug2 transcribes them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MedicalTicketInfo {
    /// 券種別.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<String>,
    /// 交付番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_number: Option<String>,
    /// 指定医療機関名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub designated_medical_institution_name: Option<String>,
    /// 本人支払額.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_pay_amount: Option<String>,
}
