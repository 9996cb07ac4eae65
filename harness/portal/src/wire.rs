//! The typed wire structs of the portal API (`harness/portal/openapi.yaml`),
//! shared by the reference server and every client (the HTTP client, the
//! `portal` family's steps), so the two ends cannot build different JSON.
//!
//! Binary values (challenge, certificate, signature) are base64url without
//! padding ([`b64`]); no other encoding is accepted.

use serde::{Deserialize, Serialize};

/// 申込状況 "正常に受け付けました" (seed 002).
pub const ACCEPTED: &str = "正常に受け付けました";
/// 登録状況 "システム準備中" (seed 002: "システム準備中のため、しばらくお待ちください").
pub const PREPARING: &str = "システム準備中";
/// 登録状況 "登録完了" (seed 002).
pub const REGISTERED: &str = "登録完了";
/// 登録状況 of a person without an application (harness-defined word).
pub const NOT_APPLIED: &str = "未申込";
/// 申込状況 of a cancelled application (harness-defined word; cancelling is
/// possible, health-insurance-system.md §3.2).
pub const CANCELLED: &str = "取消済み";
/// 登録状況 when the eligibility service refused the link (harness-defined).
pub const FAILED: &str = "登録できませんでした";
/// 公金受取口座 status "登録手続き完了" (seed 000 ➑).
pub const ACCOUNT_DONE: &str = "登録手続き完了";
/// 公金受取口座 status while a registration is held for review (the
/// account is registered to another person too, health-insurance-system.md
/// §3.3; harness-defined word).
pub const ACCOUNT_REVIEW: &str = "確認中";
/// The flag on an account registered to several persons (§3.3, §6).
pub const FLAG_SHARED_ACCOUNT: &str = "account_registered_to_another_person";

/// base64url without padding, the one encoding of binary fields.
pub mod b64 {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    /// Encodes `bytes`.
    pub fn encode(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Decodes `text`; `None` when it is not base64url without padding.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(text).ok()
    }
}

/// Every error answer, `{"error":{"code","message","field"?}}`: the one
/// error type of every reference server (myna-serve's, as the eligibility
/// service's), so the portal's API and control errors and the serving
/// layer's have the same field names.
pub use myna_serve::{ErrorBody, ErrorDetail};

/// `POST /auth/challenge` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Handle to send back with the signature.
    pub challenge_id: String,
    /// 32 random bytes, base64url: the card signs the SHA-256 DigestInfo
    /// of these bytes ([`crate::login::digest_info`]).
    pub challenge: String,
    /// When it stops being accepted (RFC 3339, the portal's clock).
    pub expires_at: String,
}

/// `POST /auth/login` and the card re-read of the account flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardProof {
    /// From [`Challenge`].
    pub challenge_id: String,
    /// The 利用者証明用 certificate (DER, base64url).
    pub certificate: String,
    /// RSASSA-PKCS1-v1_5 over SHA-256 of the challenge (base64url).
    pub signature: String,
}

/// `POST /auth/login` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginAnswer {
    /// Bearer token of the session.
    pub session: String,
    /// Idle expiry of the session (RFC 3339).
    pub expires_at: String,
    /// The certificate serial the session is bound to (hex).
    pub serial: String,
    /// Whether this card's holder is a registered portal user.
    pub user_registered: bool,
    /// Whether the current terms version is accepted.
    pub terms_accepted: bool,
}

/// `GET /me` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Me {
    /// The session's certificate serial (hex).
    pub serial: String,
    /// The portal user, when registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Terms versions.
    pub terms: TermsState,
}

/// A portal user (利用者登録, seed 000 2-B).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The confirmed e-mail address (absent when registered through the
    /// 申込 checkbox without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// メール通知 on or off.
    pub email_notification: bool,
}

/// Current and accepted terms versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsState {
    /// The version in force.
    pub current_version: String,
    /// The version this card's holder accepted last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_version: Option<String>,
}

/// `GET /terms` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// The version in force.
    pub version: String,
    /// Its title.
    pub title: String,
}

/// `POST /terms/acceptance` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsAcceptance {
    /// The version accepted: must be the one in force.
    pub version: String,
}

/// `POST /email-codes` request: send a confirmation code (確認コード).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailCodeRequest {
    /// Where to send it.
    pub email: String,
}

/// `POST /email-codes` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailCodeSent {
    /// Where it was sent.
    pub email: String,
    /// Until when it is accepted (RFC 3339).
    pub expires_at: String,
}

/// `POST /users` request (first-login 利用者登録, seed 000 2-B ❸❹).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRegistration {
    /// The e-mail address a code was sent to.
    pub email: String,
    /// The 確認コード received there.
    pub code: String,
    /// The メール通知 choice.
    pub email_notification: bool,
}

/// `POST /health-insurance/applications` request (健康保険証利用申込,
/// seed 002 ステップ1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    /// The terms version agreed with 「同意して次へ進む」: the one in force.
    pub terms_version: String,
    /// The 「マイナポータルの利用者登録を行う」 checkbox.
    #[serde(default)]
    pub portal_user_registration: bool,
}

/// A 健康保険証利用申込 and its status (申込状況, seed 002).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// Its id.
    pub application_id: String,
    /// 申込状況: [`ACCEPTED`] or [`CANCELLED`].
    pub application_status: String,
    /// 健康保険証としての登録状況: [`PREPARING`], [`REGISTERED`] or [`FAILED`].
    pub registration_status: String,
    /// マイナポータルの利用者登録: [`ACCEPTED`], present only when the
    /// checkbox was ticked (seed 002).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_user_registration: Option<String>,
    /// The certificate serial the application links (hex).
    pub serial: String,
}

/// `GET /health-insurance/status` answer (申込状況確認, seed 002 状況照会).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsuranceStatus {
    /// 登録状況: [`NOT_APPLIED`], [`PREPARING`], [`REGISTERED`], [`FAILED`].
    pub registration_status: String,
    /// The application in force, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
    /// How a registration without an application here was found: `old_serial`
    /// when the eligibility service traced a re-issued certificate to an
    /// earlier registration (seed 001 第5条の5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_by: Option<String>,
}

/// A bank or a branch (`GET /banks`, `GET /banks/{code}/branches`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    /// 4-digit bank code or 3-digit branch code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// `PUT /public-fund-account` request (公金受取口座登録, seed 000 4-A).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRequest {
    /// 金融機関コード (4 digits, from `GET /banks`).
    pub bank_code: String,
    /// 支店コード (3 digits, from `GET /banks/{code}/branches`).
    pub branch_code: String,
    /// 口座種別: `ordinary` 普通, `current` 当座, `savings` 貯蓄.
    pub account_type: String,
    /// 口座番号, 7 digits.
    pub account_number: String,
    /// 口座名義 in full-width katakana.
    pub holder_kana: String,
    /// 「本人であることを確認しました」.
    pub own_name_confirmed: bool,
    /// Optional phone number (10 or 11 digits).
    #[serde(default)]
    pub phone: Option<String>,
    /// Optional e-mail; when given, `email_code` is required (seed 000:
    /// without it the 確認コード入力画面 is skipped).
    #[serde(default)]
    pub email: Option<String>,
    /// The 確認コード sent to `email`.
    #[serde(default)]
    pub email_code: Option<String>,
    /// The card read again with the PIN (本人確認): bound to the session's card.
    pub identity: CardProof,
    /// 「確認事項に同意する」.
    pub agreed: bool,
}

/// A registered 公金受取口座.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// [`ACCOUNT_DONE`] or [`ACCOUNT_REVIEW`].
    pub status: String,
    /// 金融機関コード.
    pub bank_code: String,
    /// 支店コード.
    pub branch_code: String,
    /// 口座種別.
    pub account_type: String,
    /// 口座番号.
    pub account_number: String,
    /// 口座名義.
    pub holder_kana: String,
    /// Review flags ([`FLAG_SHARED_ACCOUNT`]).
    pub flags: Vec<String>,
}

/// `POST /auth/logout` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedOut {
    /// Always true.
    pub logged_out: bool,
}
