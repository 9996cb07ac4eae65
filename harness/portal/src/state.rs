//! What the portal keeps per card holder (keyed by the certificate serial
//! the session is bound to): accepted terms, the portal user, the
//! 健康保険証利用申込 with its status, the 公金受取口座, the 確認コード sent.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::wire::{Account, Application, ACCEPTED, CANCELLED, FAILED, PREPARING, REGISTERED};

/// 登録状況 of an application as a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Registration {
    /// Waiting for processing until `ready_at` (システム準備中).
    Preparing { ready_at: OffsetDateTime },
    /// Linked at the eligibility service (登録完了).
    Registered,
    /// The eligibility service refused the link.
    Failed,
}

/// One 健康保険証利用申込.
#[derive(Clone, Debug)]
pub(crate) struct ApplicationRecord {
    pub(crate) id: String,
    pub(crate) serial: String,
    pub(crate) cancelled: bool,
    pub(crate) registration: Registration,
    pub(crate) portal_user_registration: bool,
}

impl ApplicationRecord {
    /// As the API shows it.
    pub(crate) fn wire(&self) -> Application {
        Application {
            application_id: self.id.clone(),
            application_status: if self.cancelled { CANCELLED } else { ACCEPTED }.to_owned(),
            registration_status: match self.registration {
                Registration::Preparing { .. } => PREPARING,
                Registration::Registered => REGISTERED,
                Registration::Failed => FAILED,
            }
            .to_owned(),
            portal_user_registration: self.portal_user_registration.then(|| ACCEPTED.to_owned()),
            serial: self.serial.clone(),
        }
    }
}

/// A 確認コード sent.
#[derive(Clone, Debug)]
pub(crate) struct SentCode {
    pub(crate) code: String,
    pub(crate) expires_at: OffsetDateTime,
}

/// Everything about one card holder.
#[derive(Clone, Debug, Default)]
pub(crate) struct Holder {
    pub(crate) accepted_terms: Option<String>,
    pub(crate) user: Option<crate::wire::User>,
    /// The application in force (the latest, cancelled ones included).
    pub(crate) application: Option<ApplicationRecord>,
    pub(crate) account: Option<Account>,
    /// Codes sent, by address.
    pub(crate) codes: HashMap<String, SentCode>,
}
