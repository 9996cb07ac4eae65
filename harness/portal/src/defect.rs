//! Deliberate defects of the reference, for the mutation test of the
//! portal suite (harness/families/portal/tests/mutants.rs): each must make
//! at least one portal scenario fail. Never on by default; `portal serve`
//! offers none.

/// One way the reference can be broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Defect {
    /// Revocation is not checked (neither the CRL nor the status service).
    IgnoreRevocation,
    /// A challenge can be used again.
    ReusableChallenges,
    /// Logout and idle expiry do not end a session.
    ImmortalSessions,
    /// The card read again in the account flow need not be the session's.
    NoCardBinding,
    /// An application id is served to whichever session asks (IDOR).
    NoOwnerCheck,
    /// A second application while one is in force is accepted.
    DuplicateApplications,
    /// The serial is never linked at the eligibility service.
    NoEligibilityLink,
    /// The 公金受取口座's 名義 need not be the card holder's name.
    NoHolderNameCheck,
}

/// Every defect.
pub const ALL: &[Defect] = &[
    Defect::IgnoreRevocation,
    Defect::ReusableChallenges,
    Defect::ImmortalSessions,
    Defect::NoCardBinding,
    Defect::NoOwnerCheck,
    Defect::DuplicateApplications,
    Defect::NoEligibilityLink,
    Defect::NoHolderNameCheck,
];
