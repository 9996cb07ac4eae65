//! Linking a certificate serial to a person's registration: the
//! 健康保険証利用申込 of the portal and of the reception reader
//! ([`ControlCommand::LinkSerial`](crate::ControlCommand::LinkSerial)).
//!
//! Seed 001 (マイナポータル利用規約 第5条の2–5) says the registration sends
//! the 利用者証明用電子証明書's serial to J-LIS and 支払基金; the link is to
//! the certificate, not to the My Number (health-insurance-system.md §3.2),
//! which is why a wrong-person link must be refused here rather than
//! silently moved (§6).

use crate::clock::{day_number, parse_date};
use crate::error::ModelError;
use crate::index::{PersonId, Resolution};
use crate::model::OqsModel;
use crate::serial::Serial;

/// What [`OqsModel::link_serial`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The registration now points at the serial.
    Linked,
    /// It already did: nothing changed.
    AlreadyLinked,
}

impl OqsModel {
    /// Links `serial` to `person`'s registration. A serial the model has
    /// never seen is issued to `person` first, expiring on `not_after`
    /// (required then); it replaces the person's previous certificate, as
    /// a re-issue does.
    pub fn link_serial(
        &mut self,
        person: Option<PersonId>,
        serial: Serial,
        not_after: Option<&str>,
    ) -> Result<LinkOutcome, ModelError> {
        let holder = self
            .index()
            .find(serial)
            .and_then(|c| self.index().owner(c));
        let person = match (person, holder) {
            (Some(person), _) => person,
            (None, Some(holder)) => holder,
            (None, None) => return Err(ModelError::unknown("serial", serial.to_string())),
        };
        let cert = match self.index().resolve(serial) {
            Resolution::Linked { person: owner, .. } if owner == person => {
                return Ok(LinkOutcome::AlreadyLinked)
            }
            Resolution::Linked { person: owner, .. }
            | Resolution::Cancelled { person: owner, .. }
            | Resolution::Unlinked { person: owner, .. }
            | Resolution::Revoked { person: owner, .. }
                if owner != person =>
            {
                return Err(ModelError::Conflict(format!(
                    "serial {serial} belongs to another person"
                )))
            }
            Resolution::Revoked { .. } => {
                return Err(ModelError::Conflict(format!(
                    "serial {serial} is revoked or superseded"
                )))
            }
            Resolution::Linked { cert, .. }
            | Resolution::Cancelled { cert, .. }
            | Resolution::Unlinked { cert, .. } => cert,
            Resolution::Unknown => {
                let Some(not_after) = not_after else {
                    return Err(ModelError::invalid(
                        "not_after",
                        "a serial the model has not seen needs its expiry",
                    ));
                };
                let day = day_number(parse_date("not_after", not_after)?);
                self.index_mut().issue(person, serial, day)?
            }
        };
        self.index_mut().register(person, cert)?;
        Ok(LinkOutcome::Linked)
    }

    /// Cancels the registration of `serial`'s holder.
    pub fn unlink_serial(&mut self, serial: Serial) -> Result<(), ModelError> {
        let holder = self
            .index()
            .find(serial)
            .and_then(|c| self.index().owner(c))
            .ok_or_else(|| ModelError::unknown("serial", serial.to_string()))?;
        self.index_mut().cancel(holder);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::{CertificateSpec, ControlCommand, PersonSpec};
    use crate::model::AuthOutcome;

    fn person(id: &str, serial: Option<&str>, registered: bool) -> PersonSpec {
        PersonSpec {
            id: id.into(),
            name: "山田　太郎".into(),
            kana: "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
            birth_date: "1980-02-17".into(),
            sex: "1".into(),
            name_of_other: None,
            name_of_other_kana: None,
            sex2: None,
            reference_numbers: vec![],
            address: None,
            post_number: None,
            certificate: serial.map(|s| CertificateSpec {
                serial: s.into(),
                not_after: "2030-02-17".into(),
                phone_serial: None,
            }),
            registered,
            qualifications: vec![],
        }
    }

    fn world(persons: Vec<PersonSpec>) -> OqsModel {
        let mut model = OqsModel::new();
        model
            .apply(&ControlCommand::World {
                clock: None,
                config: None,
                persons,
            })
            .unwrap();
        model
    }

    fn link(
        model: &mut OqsModel,
        who: &str,
        serial: &str,
        not_after: Option<&str>,
    ) -> Result<(), ModelError> {
        model
            .apply(&ControlCommand::LinkSerial {
                person: (!who.is_empty()).then(|| who.to_owned()),
                serial: serial.into(),
                not_after: not_after.map(str::to_owned),
            })
            .map(drop)
    }

    #[test]
    fn an_unregistered_certificate_authenticates_after_the_link() {
        let mut model = world(vec![person("taro", Some("18C453E"), false)]);
        let serial = Serial::parse("18C453E").unwrap();
        assert_eq!(model.authenticate(serial), AuthOutcome::NotRegistered);
        link(&mut model, "taro", "18C453E", None).unwrap();
        assert!(matches!(
            model.authenticate(serial),
            AuthOutcome::Authenticated {
                relinked: false,
                ..
            }
        ));
        let taro = model.person_id("taro").unwrap();
        assert_eq!(
            model.link_serial(Some(taro), serial, None),
            Ok(LinkOutcome::AlreadyLinked)
        );
        // The holder as J-LIS knows it, and the cancellation.
        assert_eq!(
            model.link_serial(None, serial, None),
            Ok(LinkOutcome::AlreadyLinked)
        );
        model.unlink_serial(serial).unwrap();
        assert_eq!(
            model.authenticate(serial),
            AuthOutcome::RegistrationCancelled
        );
        link(&mut model, "", "18C453E", None).unwrap();
        assert!(matches!(
            model.authenticate(serial),
            AuthOutcome::Authenticated { .. }
        ));
    }

    #[test]
    fn without_a_person_an_unknown_serial_is_unknown() {
        let mut model = world(vec![]);
        let err = link(&mut model, "", "18C453E", Some("2030-01-01")).unwrap_err();
        assert!(matches!(err, ModelError::Unknown { what: "serial", .. }));
    }

    #[test]
    fn a_new_serial_needs_its_expiry_and_is_then_issued_and_linked() {
        let mut model = world(vec![person("taro", None, false)]);
        let err = link(&mut model, "taro", "18C453E", None).unwrap_err();
        assert!(matches!(
            err,
            ModelError::Invalid {
                field: "not_after",
                ..
            }
        ));
        link(&mut model, "taro", "18C453E", Some("2030-02-17")).unwrap();
        let serial = Serial::parse("18C453E").unwrap();
        assert!(matches!(
            model.authenticate(serial),
            AuthOutcome::Authenticated { .. }
        ));
    }

    #[test]
    fn another_persons_serial_is_a_conflict_and_changes_nothing() {
        let mut model = world(vec![
            person("taro", Some("18C453E"), true),
            person("hanako", None, false),
        ]);
        let err = link(&mut model, "hanako", "18C453E", None).unwrap_err();
        assert!(matches!(err, ModelError::Conflict(_)));
        let serial = Serial::parse("18C453E").unwrap();
        let taro = model.person_id("taro").unwrap();
        assert!(matches!(
            model.authenticate(serial),
            AuthOutcome::Authenticated { person, .. } if person == taro
        ));
    }

    #[test]
    fn a_revoked_serial_cannot_be_linked() {
        let mut model = world(vec![person("taro", Some("18C453E"), false)]);
        model
            .apply(&ControlCommand::Revoke {
                serial: "18C453E".into(),
            })
            .unwrap();
        let err = link(&mut model, "taro", "18C453E", None).unwrap_err();
        assert!(matches!(err, ModelError::Conflict(_)));
    }

    #[test]
    fn unknown_person_is_unknown() {
        let mut model = world(vec![]);
        let err = link(&mut model, "nobody", "18C453E", Some("2030-01-01")).unwrap_err();
        assert!(matches!(err, ModelError::Unknown { what: "person", .. }));
    }
}
