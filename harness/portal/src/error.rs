//! Every error the portal answers: one [`Problem`] per stage, each with
//! its stable code and HTTP status (one table), optionally naming the
//! request field at fault. Bad input is always 4xx.

use crate::wire::ErrorBody;

/// The stable error codes (portal-anchors.md §6 "one error code each").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The body is not JSON of the documented shape, or a field is wrong.
    InvalidField,
    /// No such route.
    NotFound,
    /// The route exists, not with this method.
    MethodNotAllowed,
    /// The body is larger than allowed.
    PayloadTooLarge,
    /// No `Authorization: Bearer` session, or an unknown one (logged out).
    Unauthenticated,
    /// The session was idle longer than allowed.
    SessionExpired,
    /// No such challenge.
    ChallengeUnknown,
    /// The challenge expired before the signature came.
    ChallengeExpired,
    /// The challenge was already used.
    ChallengeUsed,
    /// The certificate is not DER X.509.
    CertificateMalformed,
    /// Not issued by the 利用者証明用 CA (a 署名用 certificate included).
    CertificateUntrusted,
    /// Before notBefore.
    CertificateNotYetValid,
    /// After notAfter.
    CertificateExpired,
    /// The signature does not verify.
    SignatureMismatch,
    /// Listed as revoked.
    CertificateRevoked,
    /// The revocation state cannot be established (fail closed).
    RevocationUnavailable,
    /// The re-read card is not the session's card.
    CardMismatch,
    /// The current terms are not accepted.
    TermsNotAccepted,
    /// The terms version sent is not the one in force.
    TermsVersionOutdated,
    /// A confirmation code is wrong or expired.
    CodeMismatch,
    /// The portal user is already registered.
    UserExists,
    /// The operation needs a registered portal user.
    UserNotRegistered,
    /// An application is already in force.
    ApplicationExists,
    /// The same Idempotency-Key with another payload.
    IdempotencyMismatch,
    /// No such resource for this session (another person's included).
    ResourceNotFound,
    /// The eligibility service refused or could not be reached.
    EligibilityUnavailable,
    /// Unknown bank or branch code.
    UnknownInstitution,
    /// The account's 名義 is not the name of the card's holder (本人情報).
    HolderNameMismatch,
    /// The server itself failed (never for bad input).
    Internal,
}

impl Problem {
    /// `(code, HTTP status)`.
    pub fn code_and_status(self) -> (&'static str, u16) {
        match self {
            Problem::InvalidField => ("invalid_field", 400),
            Problem::NotFound => ("not_found", 404),
            Problem::MethodNotAllowed => ("method_not_allowed", 405),
            Problem::PayloadTooLarge => ("payload_too_large", 413),
            Problem::Unauthenticated => ("unauthenticated", 401),
            Problem::SessionExpired => ("session_expired", 401),
            Problem::ChallengeUnknown => ("challenge_unknown", 400),
            Problem::ChallengeExpired => ("challenge_expired", 400),
            Problem::ChallengeUsed => ("challenge_used", 400),
            Problem::CertificateMalformed => ("certificate_malformed", 400),
            Problem::CertificateUntrusted => ("certificate_untrusted", 401),
            Problem::CertificateNotYetValid => ("certificate_not_yet_valid", 401),
            Problem::CertificateExpired => ("certificate_expired", 401),
            Problem::SignatureMismatch => ("signature_mismatch", 401),
            Problem::CertificateRevoked => ("certificate_revoked", 401),
            Problem::RevocationUnavailable => ("revocation_unavailable", 503),
            Problem::CardMismatch => ("card_mismatch", 403),
            Problem::TermsNotAccepted => ("terms_not_accepted", 403),
            Problem::TermsVersionOutdated => ("terms_version_outdated", 409),
            Problem::CodeMismatch => ("code_mismatch", 400),
            Problem::UserExists => ("user_exists", 409),
            Problem::UserNotRegistered => ("user_not_registered", 403),
            Problem::ApplicationExists => ("application_exists", 409),
            Problem::IdempotencyMismatch => ("idempotency_key_reused", 422),
            Problem::ResourceNotFound => ("resource_not_found", 404),
            Problem::EligibilityUnavailable => ("eligibility_unavailable", 502),
            Problem::UnknownInstitution => ("unknown_institution", 422),
            Problem::HolderNameMismatch => ("holder_name_mismatch", 422),
            Problem::Internal => ("internal", 500),
        }
    }

    /// The stable code.
    pub fn code(self) -> &'static str {
        self.code_and_status().0
    }
}

/// A problem with its reason and field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalError {
    /// Which.
    pub problem: Problem,
    /// Lowercase reason.
    pub message: String,
    /// The field at fault.
    pub field: Option<String>,
}

impl PortalError {
    /// Without a field.
    pub fn new(problem: Problem, message: impl Into<String>) -> Self {
        PortalError {
            problem,
            message: message.into(),
            field: None,
        }
    }

    /// Naming `field`.
    pub fn field(problem: Problem, field: impl Into<String>, message: impl Into<String>) -> Self {
        PortalError {
            problem,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// A bad field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        PortalError::field(Problem::InvalidField, field, message)
    }

    /// The answer body.
    pub fn body(&self) -> ErrorBody {
        let mut body = ErrorBody::new(self.problem.code(), self.message.clone());
        body.error.field.clone_from(&self.field);
        body
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.problem.code_and_status().1
    }
}
