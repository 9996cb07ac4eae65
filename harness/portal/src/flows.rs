//! The flows after login: terms (seed 001), first-login 利用者登録 with the
//! 確認コード and メール通知 (seed 000 2-B), 健康保険証利用申込 and 申込状況
//! (seed 002), cancellation (health-insurance-system.md §3.2), and
//! 公金受取口座登録 (seed 000 4-A) with the shared-account flag (§3.3).
//! Every route needs the session; a resource of another card holder is
//! `resource_not_found`, the same as one that does not exist.

use crate::account;
use crate::eligibility::{EligibilityLink, LinkRefusal};
use crate::error::{PortalError, Problem};
use crate::identity::same_name;
use crate::login::verify_proof;
use crate::service::{
    after_minutes, parse_body, rfc3339, PortalRequest, PortalResponse, PortalService,
};
use crate::state::{ApplicationRecord, Registration, SentCode};
use crate::wire::{
    Account, AccountRequest, ApplicationRequest, EmailCodeRequest, EmailCodeSent, InsuranceStatus,
    Me, TermsAcceptance, TermsState, User, UserRegistration, ACCOUNT_DONE, ACCOUNT_REVIEW,
    FLAG_SHARED_ACCOUNT, NOT_APPLIED, REGISTERED,
};

type Answer = Result<PortalResponse, PortalError>;

/// The routes of this file; `None` when the path is none of them.
pub(crate) fn route(
    service: &mut PortalService,
    request: PortalRequest<'_>,
    segments: &[&str],
    link: &mut dyn EligibilityLink,
) -> Option<Answer> {
    let handler: fn(
        &mut PortalService,
        &str,
        &PortalRequest<'_>,
        &mut dyn EligibilityLink,
    ) -> Answer = match (request.method, segments) {
        ("GET", ["", "me"]) => me,
        ("POST", ["", "terms", "acceptance"]) => accept_terms,
        ("POST", ["", "email-codes"]) => send_code,
        ("POST", ["", "users"]) => register_user,
        ("POST", ["", "health-insurance", "applications"]) => apply,
        ("GET", ["", "health-insurance", "applications", _]) => get_application,
        ("DELETE", ["", "health-insurance", "applications", _]) => cancel_application,
        ("GET", ["", "health-insurance", "status"]) => status,
        ("GET", ["", "public-fund-account"]) => get_account,
        ("PUT", ["", "public-fund-account"]) => put_account,
        _ => return None,
    };
    Some(
        service
            .session(request.authorization)
            .and_then(|serial| handler(service, &serial, &request, link)),
    )
}

fn holder<'s>(service: &'s mut PortalService, serial: &str) -> &'s mut crate::state::Holder {
    service.holders.entry(serial.to_owned()).or_default()
}

fn terms_accepted(service: &mut PortalService, serial: &str) -> Result<(), PortalError> {
    let current = service.terms_version.clone();
    if holder(service, serial).accepted_terms.as_deref() == Some(current.as_str()) {
        Ok(())
    } else {
        Err(PortalError::new(
            Problem::TermsNotAccepted,
            format!("the terms version {current} in force is not accepted"),
        ))
    }
}

fn me(
    service: &mut PortalService,
    serial: &str,
    _: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    let current = service.terms_version.clone();
    let h = holder(service, serial);
    Ok(PortalResponse::json(
        200,
        &Me {
            serial: serial.to_owned(),
            user: h.user.clone(),
            terms: TermsState {
                current_version: current,
                accepted_version: h.accepted_terms.clone(),
            },
        },
    ))
}

fn accept_terms(
    service: &mut PortalService,
    serial: &str,
    request: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    let body: TermsAcceptance = parse_body(request.body)?;
    if body.version != service.terms_version {
        return Err(PortalError::field(
            Problem::TermsVersionOutdated,
            "version",
            format!("the version in force is {}", service.terms_version),
        ));
    }
    holder(service, serial).accepted_terms = Some(body.version);
    me(service, serial, request, &mut crate::eligibility::NoLink)
}

fn send_code(
    service: &mut PortalService,
    serial: &str,
    request: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    let body: EmailCodeRequest = parse_body(request.body)?;
    if !account::is_email(&body.email) {
        return Err(PortalError::invalid("email", "expected an e-mail address"));
    }
    let code = service.random_code();
    let expires_at = after_minutes(service.now, service.config.email_code_minutes);
    service.outbox.insert(body.email.clone(), code.clone());
    holder(service, serial)
        .codes
        .insert(body.email.clone(), SentCode { code, expires_at });
    Ok(PortalResponse::json(
        202,
        &EmailCodeSent {
            email: body.email,
            expires_at: rfc3339(expires_at),
        },
    ))
}

/// Checks the code sent to `email` for this holder, and uses it up.
fn take_code(
    service: &mut PortalService,
    serial: &str,
    email: &str,
    code: &str,
    field: &str,
) -> Result<(), PortalError> {
    let now = service.now;
    let h = holder(service, serial);
    let valid = h
        .codes
        .get(email)
        .is_some_and(|sent| sent.code == code && now <= sent.expires_at);
    if !valid {
        return Err(PortalError::field(
            Problem::CodeMismatch,
            field,
            "the confirmation code is wrong or expired",
        ));
    }
    h.codes.remove(email);
    Ok(())
}

fn register_user(
    service: &mut PortalService,
    serial: &str,
    request: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    let body: UserRegistration = parse_body(request.body)?;
    terms_accepted(service, serial)?;
    if holder(service, serial).user.is_some() {
        return Err(PortalError::new(
            Problem::UserExists,
            "this card's holder is registered already",
        ));
    }
    if !account::is_email(&body.email) {
        return Err(PortalError::invalid("email", "expected an e-mail address"));
    }
    take_code(service, serial, &body.email, &body.code, "code")?;
    let user = User {
        email: Some(body.email),
        email_notification: body.email_notification,
    };
    holder(service, serial).user = Some(user.clone());
    Ok(PortalResponse::json(201, &user))
}

fn apply(
    service: &mut PortalService,
    serial: &str,
    request: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    let replay_key = request
        .idempotency_key
        .map(|k| (serial.to_owned(), k.to_owned()));
    if let Some(key) = &replay_key {
        if key.1.is_empty() || key.1.len() > 255 {
            return Err(PortalError::invalid(
                "Idempotency-Key",
                "expected 1–255 characters",
            ));
        }
        if let Some((body, answer)) = service.idempotency.get(key) {
            if body.as_slice() == request.body {
                return Ok(answer.clone());
            }
            return Err(PortalError::field(
                Problem::IdempotencyMismatch,
                "Idempotency-Key",
                "this key was used with another request",
            ));
        }
    }
    let body: ApplicationRequest = parse_body(request.body)?;
    if body.terms_version != service.terms_version {
        return Err(PortalError::field(
            Problem::TermsVersionOutdated,
            "terms_version",
            format!("the version in force is {}", service.terms_version),
        ));
    }
    let duplicates = service.has(crate::defect::Defect::DuplicateApplications);
    if let Some(existing) = holder(service, serial)
        .application
        .as_ref()
        .filter(|a| !a.cancelled && !duplicates)
    {
        return Err(PortalError::new(
            Problem::ApplicationExists,
            format!("application {} is in force", existing.id),
        ));
    }
    let id = format!("app-{}", service.random_token(12));
    let ready_at = after_minutes(service.now, service.config.processing_minutes);
    let record = ApplicationRecord {
        id: id.clone(),
        serial: serial.to_owned(),
        cancelled: false,
        registration: Registration::Preparing { ready_at },
        portal_user_registration: body.portal_user_registration,
    };
    let wire = record.wire();
    let version = service.terms_version.clone();
    let h = holder(service, serial);
    // 「同意して次へ進む」 is the terms' acceptance.
    h.accepted_terms = Some(version);
    if body.portal_user_registration && h.user.is_none() {
        h.user = Some(User {
            email: None,
            email_notification: false,
        });
    }
    h.application = Some(record);
    service.applications.insert(id, serial.to_owned());
    let answer = PortalResponse::json(201, &wire);
    if let Some(key) = replay_key {
        service
            .idempotency
            .insert(key, (request.body.to_vec(), answer.clone()));
    }
    Ok(answer)
}

/// The application `id` when it is this holder's.
fn own_application<'s>(
    service: &'s mut PortalService,
    serial: &str,
    id: &str,
) -> Result<&'s mut ApplicationRecord, PortalError> {
    let not_found = || PortalError::field(Problem::ResourceNotFound, "id", "no such application");
    let owner = match service.applications.get(id) {
        Some(owner) if owner == serial => owner.clone(),
        Some(owner) if service.has(crate::defect::Defect::NoOwnerCheck) => owner.clone(),
        _ => return Err(not_found()),
    };
    holder(service, &owner)
        .application
        .as_mut()
        .filter(|a| a.id == id)
        .ok_or_else(not_found)
}

fn last_segment<'r>(request: &PortalRequest<'r>) -> &'r str {
    let path = request.path.split('?').next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default()
}

fn get_application(
    service: &mut PortalService,
    serial: &str,
    request: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    let id = last_segment(request);
    let record = own_application(service, serial, id)?;
    Ok(PortalResponse::json(200, &record.wire()))
}

fn cancel_application(
    service: &mut PortalService,
    serial: &str,
    request: &PortalRequest<'_>,
    link: &mut dyn EligibilityLink,
) -> Answer {
    let id = last_segment(request);
    let record = own_application(service, serial, id)?;
    if record.cancelled {
        // Cancelling twice is idempotent.
        return Ok(PortalResponse::json(200, &record.wire()));
    }
    if record.registration == Registration::Registered {
        match link.unlink(serial) {
            Ok(()) | Err(LinkRefusal::Refused(_)) => {}
            Err(LinkRefusal::Unavailable(reason)) => {
                return Err(PortalError::new(Problem::EligibilityUnavailable, reason))
            }
        }
    }
    let record = own_application(service, serial, id)?;
    record.cancelled = true;
    Ok(PortalResponse::json(200, &record.wire()))
}

fn status(
    service: &mut PortalService,
    serial: &str,
    _: &PortalRequest<'_>,
    link: &mut dyn EligibilityLink,
) -> Answer {
    let in_force = holder(service, serial)
        .application
        .as_ref()
        .filter(|a| !a.cancelled)
        .map(ApplicationRecord::wire);
    if let Some(application) = in_force {
        return Ok(PortalResponse::json(
            200,
            &InsuranceStatus {
                registration_status: application.registration_status.clone(),
                application: Some(application),
                found_by: None,
            },
        ));
    }
    // No application here: the registration may have been made elsewhere
    // (a reader) or under an earlier certificate (seed 001 第5条の5).
    let registered = link.is_registered(serial).map_err(|e| match e {
        LinkRefusal::Refused(r) | LinkRefusal::Unavailable(r) => {
            PortalError::new(Problem::EligibilityUnavailable, r)
        }
    })?;
    Ok(PortalResponse::json(
        200,
        &InsuranceStatus {
            registration_status: if registered { REGISTERED } else { NOT_APPLIED }.to_owned(),
            application: None,
            found_by: registered.then(|| "eligibility_lookup".to_owned()),
        },
    ))
}

fn get_account(
    service: &mut PortalService,
    serial: &str,
    _: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    holder(service, serial)
        .account
        .clone()
        .map(|a| PortalResponse::json(200, &a))
        .ok_or_else(|| PortalError::new(Problem::ResourceNotFound, "no account is registered"))
}

fn put_account(
    service: &mut PortalService,
    serial: &str,
    request: &PortalRequest<'_>,
    _: &mut dyn EligibilityLink,
) -> Answer {
    let body: AccountRequest = parse_body(request.body)?;
    terms_accepted(service, serial)?;
    if holder(service, serial).user.is_none() {
        return Err(PortalError::new(
            Problem::UserNotRegistered,
            "公金受取口座登録 needs a registered portal user",
        ));
    }
    account::check(&body)?;
    // Re-reading the card (本人確認): the same card as the session's.
    let now = service.now;
    let identity = verify_proof(&mut service.challenges, &service.trust, &body.identity, now)
        .map_err(|mut e| {
            e.field = Some(format!(
                "identity.{}",
                e.field.as_deref().unwrap_or("certificate")
            ));
            e
        })?;
    if identity.serial != serial && !service.has(crate::defect::Defect::NoCardBinding) {
        return Err(PortalError::field(
            Problem::CardMismatch,
            "identity",
            "the card read is not the card this session logged in with",
        ));
    }
    // The 名義 against the 本人情報 of the card's holder (§3.3: the
    // account must be the person's own; seed 000 4-A ➐ 口座名義を確認し).
    let registered = service.residents.name_kana(serial);
    let own_name = registered.is_some_and(|kana| same_name(&body.holder_kana, kana));
    if !own_name && !service.has(crate::defect::Defect::NoHolderNameCheck) {
        return Err(PortalError::field(
            Problem::HolderNameMismatch,
            "holder_kana",
            "the account's 名義 is not the name of the card's holder (本人情報)",
        ));
    }
    if let (Some(email), Some(code)) = (&body.email, &body.email_code) {
        take_code(service, serial, email, code, "email_code")?;
    }
    let same = |a: &Account| {
        a.bank_code == body.bank_code
            && a.branch_code == body.branch_code
            && a.account_type == body.account_type
            && a.account_number == body.account_number
    };
    let shared = service
        .holders
        .iter()
        .any(|(other, h)| other != serial && h.account.as_ref().is_some_and(same));
    let account = Account {
        status: if shared { ACCOUNT_REVIEW } else { ACCOUNT_DONE }.to_owned(),
        bank_code: body.bank_code,
        branch_code: body.branch_code,
        account_type: body.account_type,
        account_number: body.account_number,
        holder_kana: body.holder_kana,
        flags: if shared {
            vec![FLAG_SHARED_ACCOUNT.to_owned()]
        } else {
            Vec::new()
        },
    };
    holder(service, serial).account = Some(account.clone());
    Ok(PortalResponse::json(201, &account))
}

impl PortalService {
    /// Links the applications whose processing time has come (システム準備中
    /// → 登録完了, or 登録できませんでした when the eligibility service refuses).
    pub(crate) fn process_due(&mut self, link: &mut dyn EligibilityLink) {
        let now = self.now;
        let no_link = self.has(crate::defect::Defect::NoEligibilityLink);
        for (serial, h) in self.holders.iter_mut() {
            let Some(app) = h.application.as_mut() else {
                continue;
            };
            let due =
                matches!(app.registration, Registration::Preparing { ready_at } if ready_at <= now);
            if app.cancelled || !due {
                continue;
            }
            if no_link {
                app.registration = Registration::Registered;
                continue;
            }
            match link.link(serial) {
                Ok(()) => app.registration = Registration::Registered,
                Err(LinkRefusal::Refused(_)) => app.registration = Registration::Failed,
                Err(LinkRefusal::Unavailable(_)) => {}
            }
        }
    }
}
