//! Smartphone cards (スマホ用電子証明書, seed 004): a phone certificate of
//! its own serial, issued for the holder of one physical card certificate.
//! The phone serial resolves to that holder while the card certificate is
//! in force; when the card certificate is revoked, replaced or expired the
//! phone certificate dies with it, and there is no 3-month grace (seed 004
//! A18 "マイナンバーカードの電子証明書が失効したとき、有効期限が切れたときは、
//! スマートフォンのマイナンバーカードも連動して失効する";
//! health-insurance-system.md §1.5: "The 3-month grace (§4.6) applies only
//! to the physical card"). One phone per person (seed 004 A19: a phone
//! added later makes the earlier one unusable).

use time::Date;

use super::{AuthOutcome, OqsModel};
use crate::clock::{add_months, date_of_day_number};
use crate::error::ModelError;
use crate::index::CertId;
use crate::serial::Serial;

/// A smartphone card's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhoneCert {
    /// The physical card certificate it was issued for.
    pub card: CertId,
    /// Revoked (a lost phone suspended, seed 004 A20; or a newer phone).
    pub revoked: bool,
}

impl OqsModel {
    /// Issues the phone certificate `serial` for the holder of the card
    /// certificate `card_serial`; the holder's earlier phones stop working.
    pub fn issue_phone(&mut self, serial: Serial, card_serial: Serial) -> Result<(), ModelError> {
        let card = self
            .index
            .find(card_serial)
            .ok_or_else(|| ModelError::unknown("card_serial", card_serial.to_string()))?;
        if self.index.find(serial).is_some() || self.phones.contains_key(&serial) {
            return Err(ModelError::Conflict(format!(
                "serial {serial} is already issued"
            )));
        }
        let person = self.index.owner(card);
        for phone in self.phones.values_mut() {
            if self.index.owner(phone.card) == person {
                phone.revoked = true;
            }
        }
        self.phones.insert(
            serial,
            PhoneCert {
                card,
                revoked: false,
            },
        );
        Ok(())
    }

    /// Revokes the phone certificate `serial`; `false` when it is no phone's.
    pub(crate) fn revoke_phone(&mut self, serial: Serial) -> bool {
        match self.phones.get_mut(&serial) {
            Some(phone) => {
                phone.revoked = true;
                true
            }
            None => false,
        }
    }

    /// The phone certificate of `serial`, if one was issued.
    pub fn phone(&self, serial: Serial) -> Option<PhoneCert> {
        self.phones.get(&serial).copied()
    }

    /// Authenticates a phone serial; `None` when it is no phone's. Its
    /// card certificate decides: revoked or replaced → revoked; past its
    /// expiry → expired at once (no grace); otherwise the holder's
    /// registration, never traced (the phone was issued for this card).
    pub(crate) fn authenticate_phone(&mut self, serial: Serial) -> Option<AuthOutcome> {
        let phone = self.phones.get(&serial).copied()?;
        if phone.revoked || !self.index.is_active(phone.card) {
            return Some(AuthOutcome::Revoked);
        }
        if self.takes_effect_at(phone.card).is_some() {
            return Some(AuthOutcome::NotYetInEffect);
        }
        let Some(person) = self.index.owner(phone.card) else {
            return Some(AuthOutcome::NotRegistered);
        };
        let today = self.clock.today();
        let not_after = self
            .index
            .not_after(phone.card)
            .map(date_of_day_number)
            .unwrap_or(Date::MAX);
        if today > not_after {
            return Some(AuthOutcome::Expired);
        }
        if self.index.is_cancelled(person) {
            return Some(AuthOutcome::RegistrationCancelled);
        }
        if !self.index.is_registered(person) {
            return Some(AuthOutcome::NotRegistered);
        }
        let warn_from = add_months(today, self.config.expiry_warning_months).unwrap_or(Date::MAX);
        Some(AuthOutcome::Authenticated {
            person,
            relinked: false,
            trace_steps: 0,
            in_grace: false,
            expiring_soon: not_after < warn_from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::ControlCommand;

    fn model() -> OqsModel {
        let mut model = OqsModel::new();
        let world: ControlCommand = serde_json::from_value(serde_json::json!({
            "op": "world", "clock": "2025-04-01T09:00",
            "config": {"renewal_delay_hours": 0},
            "persons": [{"id": "p", "name": "山田 太郎", "kana": "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date": "1980-01-01",
                "certificate": {"serial": "1A", "not_after": "2030-01-01"},
                "qualifications": []}]
        }))
        .unwrap();
        model.apply(&world).unwrap();
        model
    }

    fn command(json: serde_json::Value) -> ControlCommand {
        serde_json::from_value(json).unwrap()
    }

    fn serial(s: &str) -> Serial {
        Serial::parse(s).unwrap()
    }

    #[test]
    fn the_phone_serial_resolves_to_the_holder_while_the_card_certificate_is_valid() {
        let mut m = model();
        m.apply(&command(
            serde_json::json!({"op": "issue_phone", "serial": "2A", "card_serial": "1A"}),
        ))
        .unwrap();
        let person = m.person_id("p").unwrap();
        assert!(matches!(
            m.authenticate(serial("2A")),
            AuthOutcome::Authenticated { person: p, in_grace: false, .. } if p == person
        ));
        assert_eq!(m.authenticate(serial("2B")), AuthOutcome::NotRegistered);
    }

    #[test]
    fn the_phone_dies_with_the_card_certificate_and_has_no_grace() {
        let mut m = model();
        m.issue_phone(serial("2A"), serial("1A")).unwrap();
        // Expired last month: the card is within its 3-month grace, the phone is not.
        m.apply(&command(
            serde_json::json!({"op": "expire", "serial": "1A", "on": "2025-03-10"}),
        ))
        .unwrap();
        assert!(matches!(
            m.authenticate(serial("1A")),
            AuthOutcome::Authenticated { in_grace: true, .. }
        ));
        assert_eq!(m.authenticate(serial("2A")), AuthOutcome::Expired);
    }

    #[test]
    fn a_revoked_or_replaced_card_certificate_revokes_the_phone() {
        let mut m = model();
        m.issue_phone(serial("2A"), serial("1A")).unwrap();
        m.apply(&command(
            serde_json::json!({"op": "revoke", "serial": "1A"}),
        ))
        .unwrap();
        assert_eq!(m.authenticate(serial("2A")), AuthOutcome::Revoked);

        let mut m = model();
        m.issue_phone(serial("2A"), serial("1A")).unwrap();
        m.apply(&command(serde_json::json!({
            "op": "reissue", "person": "p", "new_serial": "1B", "not_after": "2035-01-01"
        })))
        .unwrap();
        assert_eq!(m.authenticate(serial("2A")), AuthOutcome::Revoked);
    }

    #[test]
    fn a_lost_phone_is_revoked_alone_and_a_new_phone_replaces_the_old() {
        let mut m = model();
        m.issue_phone(serial("2A"), serial("1A")).unwrap();
        m.apply(&command(
            serde_json::json!({"op": "revoke", "serial": "2A"}),
        ))
        .unwrap();
        assert_eq!(m.authenticate(serial("2A")), AuthOutcome::Revoked);
        assert!(matches!(
            m.authenticate(serial("1A")),
            AuthOutcome::Authenticated { .. }
        ));
        m.issue_phone(serial("2C"), serial("1A")).unwrap();
        m.issue_phone(serial("2D"), serial("1A")).unwrap();
        assert_eq!(m.authenticate(serial("2C")), AuthOutcome::Revoked);
        assert!(matches!(
            m.authenticate(serial("2D")),
            AuthOutcome::Authenticated { .. }
        ));
    }

    #[test]
    fn issuing_checks_both_serials() {
        let mut m = model();
        assert!(matches!(
            m.issue_phone(serial("2A"), serial("FF")),
            Err(ModelError::Unknown { .. })
        ));
        assert!(matches!(
            m.issue_phone(serial("1A"), serial("1A")),
            Err(ModelError::Conflict(_))
        ));
    }
}
