//! The smartphone card (スマホ用電子証明書): its own 利用者証明用 certificate
//! serial, issued for a person's card certificate. It can be used only
//! while that certificate is valid, and the 3-month grace applies to the
//! physical card alone (health-insurance-system.md §1.5, KB0012286; seed
//! 004 A18).

use std::collections::HashMap;

use super::{AuthOutcome, OqsModel};
use crate::clock::{add_months, date_of_day_number};
use crate::error::ModelError;
use crate::index::{CertId, PersonId};
use crate::serial::Serial;
use time::Date;

/// Smartphone certificates by serial: whose, and the card certificate
/// whose life they share.
#[derive(Clone, Debug, Default)]
pub(crate) struct Phones {
    by_serial: HashMap<Serial, (PersonId, CertId)>,
}

impl Phones {
    /// The holder and card certificate of the phone certificate `serial`.
    pub(crate) fn get(&self, serial: Serial) -> Option<(PersonId, CertId)> {
        self.by_serial.get(&serial).copied()
    }
}

impl OqsModel {
    /// Issues the smartphone certificate `serial` to `person` for the card
    /// certificate `card` (the one current when the phone was set up).
    pub(crate) fn issue_phone(
        &mut self,
        person: PersonId,
        card: CertId,
        serial: Serial,
    ) -> Result<(), ModelError> {
        if self.index().find(serial).is_some() || self.phones.get(serial).is_some() {
            return Err(ModelError::invalid(
                "phone_serial",
                format!("serial {serial} is already issued"),
            ));
        }
        self.phones.by_serial.insert(serial, (person, card));
        Ok(())
    }

    /// Authenticates a smartphone certificate: the card certificate's
    /// revocation and expiry decide, with no grace.
    pub(crate) fn authenticate_phone(&self, person: PersonId, card: CertId) -> AuthOutcome {
        let index = self.index();
        if index.is_revoked(card) {
            return AuthOutcome::Revoked;
        }
        let today = self.clock().today();
        let not_after = index
            .not_after(card)
            .map(date_of_day_number)
            .unwrap_or(Date::MAX);
        if today > not_after {
            return AuthOutcome::Expired;
        }
        if index.is_cancelled(person) || !index.is_registered(person) {
            return AuthOutcome::NotRegistered;
        }
        let warn_from = add_months(today, self.config().expiry_warning_months).unwrap_or(Date::MAX);
        AuthOutcome::Authenticated {
            person,
            relinked: false,
            trace_steps: 0,
            in_grace: false,
            expiring_soon: not_after < warn_from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::ControlCommand;
    use serde_json::json;

    fn apply(m: &mut OqsModel, command: serde_json::Value) -> Result<(), ModelError> {
        let command: ControlCommand =
            serde_json::from_value(command).unwrap_or_else(|e| unreachable!("test command: {e}"));
        m.apply(&command).map(drop)
    }

    fn serial(s: &str) -> Serial {
        Serial::parse(s).unwrap_or_else(|_| unreachable!("test serials are valid"))
    }

    /// A holder whose card certificate `C1` expired on 2025-02-10 (in
    /// grace on 2025-04-01) with the smartphone certificate `F1`.
    fn world(phone: &str) -> Result<OqsModel, ModelError> {
        let mut m = OqsModel::new();
        apply(
            &mut m,
            json!({"op": "world", "clock": "2025-04-01T09:00", "persons": [{
                "id": "a", "name": "山田 太郎", "kana": "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date": "1970-01-01",
                "certificate": {"serial": "C1", "not_after": "2030-12-31"},
                "phone_serial": phone}]}),
        )?;
        Ok(m)
    }

    #[test]
    fn the_phone_serial_authenticates_its_holder_while_the_card_certificate_is_valid() {
        let mut m = world("F1").unwrap_or_else(|e| unreachable!("{e}"));
        let card = m.authenticate(serial("C1"));
        let phone = m.authenticate(serial("F1"));
        assert!(matches!(card, AuthOutcome::Authenticated { person: 0, .. }));
        assert!(matches!(
            phone,
            AuthOutcome::Authenticated {
                person: 0,
                in_grace: false,
                ..
            }
        ));
        assert!(matches!(
            m.authenticate(serial("F2")),
            AuthOutcome::NotRegistered
        ));
    }

    #[test]
    fn the_phone_dies_with_the_card_certificate_and_has_no_grace() {
        let mut m = world("F1").unwrap_or_else(|e| unreachable!("{e}"));
        assert!(apply(
            &mut m,
            json!({"op": "expire", "serial": "C1", "on": "2025-02-10"})
        )
        .is_ok());
        assert!(matches!(
            m.authenticate(serial("C1")),
            AuthOutcome::Authenticated { in_grace: true, .. }
        ));
        assert!(matches!(m.authenticate(serial("F1")), AuthOutcome::Expired));
    }

    #[test]
    fn a_revoked_card_certificate_revokes_the_phone() {
        let mut m = world("F1").unwrap_or_else(|e| unreachable!("{e}"));
        assert!(apply(&mut m, json!({"op": "revoke", "serial": "C1"})).is_ok());
        assert!(matches!(m.authenticate(serial("F1")), AuthOutcome::Revoked));
    }

    #[test]
    fn a_phone_serial_may_not_be_a_card_serial_nor_stand_without_a_card() {
        let clash = world("C1").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(clash.contains("phone_serial"), "{clash}");
        let mut m = OqsModel::new();
        let alone = apply(
            &mut m,
            json!({"op": "world", "persons": [{"id": "a", "name": "n", "kana": "k",
                "birth_date": "1970-01-01", "phone_serial": "F1"}]}),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(alone.contains("phone_serial"), "{alone}");
    }
}
