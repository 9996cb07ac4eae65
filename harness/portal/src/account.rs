//! The field checks of 公金受取口座登録 (seed 000 4-A): account type,
//! 7-digit number, the holder's name in full-width katakana, the own-name
//! confirmation, the optional phone and e-mail, the agreement. Each
//! failure names its field.

use crate::banks;
use crate::error::{PortalError, Problem};
use crate::wire::AccountRequest;

/// 口座種別 values: 普通, 当座, 貯蓄.
pub const ACCOUNT_TYPES: &[&str] = &["ordinary", "current", "savings"];

fn digits(text: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Full-width katakana, 長音 and spaces only, 1–30 characters.
pub fn is_holder_kana(text: &str) -> bool {
    let count = text.chars().count();
    (1..=30).contains(&count)
        && !text.trim().is_empty()
        && text
            .chars()
            .all(|c| ('\u{30A1}'..='\u{30FA}').contains(&c) || matches!(c, 'ー' | '\u{3000}' | ' '))
}

/// A plausible e-mail address (one `@`, no spaces, at most 254 bytes).
pub fn is_email(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
    ) && text.len() <= 254
        && !text.chars().any(char::is_whitespace)
}

/// Every field check but the card and the e-mail code, in the form's order.
pub fn check(request: &AccountRequest) -> Result<(), PortalError> {
    if !digits(&request.bank_code, 4..=4) {
        return Err(PortalError::invalid("bank_code", "expected 4 digits"));
    }
    if !digits(&request.branch_code, 3..=3) {
        return Err(PortalError::invalid("branch_code", "expected 3 digits"));
    }
    if banks::branches(&request.bank_code, "").is_none() {
        return Err(PortalError::field(
            Problem::UnknownInstitution,
            "bank_code",
            "no such financial institution",
        ));
    }
    if !banks::branch_exists(&request.bank_code, &request.branch_code) {
        return Err(PortalError::field(
            Problem::UnknownInstitution,
            "branch_code",
            "no such branch of this institution",
        ));
    }
    if !ACCOUNT_TYPES.contains(&request.account_type.as_str()) {
        return Err(PortalError::invalid(
            "account_type",
            "expected ordinary, current or savings",
        ));
    }
    if !digits(&request.account_number, 7..=7) {
        return Err(PortalError::invalid("account_number", "expected 7 digits"));
    }
    if !is_holder_kana(&request.holder_kana) {
        return Err(PortalError::invalid(
            "holder_kana",
            "expected the holder's name in full-width katakana (at most 30 characters)",
        ));
    }
    if !request.own_name_confirmed {
        return Err(PortalError::invalid(
            "own_name_confirmed",
            "the account must be confirmed as the applicant's own (本人であることを確認しました)",
        ));
    }
    if let Some(phone) = &request.phone {
        if !digits(phone, 10..=11) {
            return Err(PortalError::invalid("phone", "expected 10 or 11 digits"));
        }
    }
    if let Some(email) = &request.email {
        if !is_email(email) {
            return Err(PortalError::invalid("email", "expected an e-mail address"));
        }
        if request.email_code.is_none() {
            return Err(PortalError::invalid(
                "email_code",
                "an e-mail address needs its confirmation code",
            ));
        }
    }
    if !request.agreed {
        return Err(PortalError::invalid(
            "agreed",
            "the confirmation items must be agreed to",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_names() {
        assert!(is_holder_kana("ヤマダ　タロウ"));
        assert!(is_holder_kana("サトウ ハナコー"));
        assert!(!is_holder_kana("山田太郎"));
        assert!(!is_holder_kana("ﾔﾏﾀﾞ"));
        assert!(!is_holder_kana("yamada"));
        assert!(!is_holder_kana("　"));
        assert!(!is_holder_kana(&"ア".repeat(31)));
    }

    #[test]
    fn emails() {
        assert!(is_email("taro@example.jp"));
        assert!(!is_email("taro@"));
        assert!(!is_email("taro example@x.jp"));
        assert!(!is_email("a@b@c.jp"));
    }
}
