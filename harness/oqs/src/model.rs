//! The executable eligibility model: persons, certificates, registrations,
//! the J-LIS serial chain, expiry with grace, faults and a virtual clock.
//! It is the built-in reference OQS and the oracle for property tests.

use std::collections::HashMap;

use serde_json::{json, Value};
use time::{Date, Duration, PrimitiveDateTime};

use crate::clock::{
    add_months, date_of_day_number, day_number, month_end, parse_date, parse_datetime, VirtualClock,
};
use crate::control::{
    ControlCommand, LossSpec, ModelConfig, PersonSpec, QualificationSpec, MAX_POPULATION_COUNT,
    MAX_POPULATION_TOTAL, MAX_SLOW_MS,
};
use crate::error::ModelError;
use crate::index::{CertId, PersonId, Resolution, SerialIndex};
use crate::person::{
    insurer_number_key, ElderlyInfo, LimitInfo, MedicalTicket, Person, Qualification,
    ReferenceNumber, SpecificDiseaseCertificate,
};
use crate::serial::Serial;

/// Injected faults (test-control API).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Every lookup fails with 503.
    pub outage: bool,
    /// Every lookup answers this many milliseconds late.
    pub slow_ms: u64,
    /// JPKI/J-LIS is down: first use after re-issue cannot be traced
    /// (health-insurance-system.md §4.6, maintenance of 2024-12-15).
    pub jpki_down: bool,
}

/// How a certificate serial authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    /// The serial leads to a registration in force.
    Authenticated {
        /// The registered person.
        person: PersonId,
        /// This lookup re-linked the registration to a re-issued serial.
        relinked: bool,
        /// Links followed while tracing (0 without tracing).
        trace_steps: u32,
        /// The certificate has expired but is within the grace period:
        /// eligibility only (health-insurance-system.md §4.6).
        in_grace: bool,
        /// The certificate expires within the warning window (§1.6).
        expiring_soon: bool,
    },
    /// No registration: unknown serial, or its chain has none.
    NotRegistered,
    /// A re-issued certificate whose renewal has not taken effect yet
    /// (`ModelConfig::renewal_delay_hours`, health-insurance-system.md §4.6).
    NotYetInEffect,
    /// The serial was revoked or replaced by a re-issue.
    Revoked,
    /// Expired beyond the grace period.
    Expired,
    /// The holder's registration was cancelled (after the grace period).
    RegistrationCancelled,
    /// First use of a re-issued serial while JPKI is down.
    JpkiUnavailable,
}

mod phone;
mod registration;
pub use phone::PhoneCert;
pub use registration::{RegistrationRequest, REGISTER_PATH};

/// The eligibility model.
#[derive(Clone, Debug, Default)]
pub struct OqsModel {
    config: ModelConfig,
    clock: VirtualClock,
    faults: Faults,
    index: SerialIndex,
    persons: Vec<Person>,
    handles: HashMap<String, PersonId>,
    /// Re-issued certificates not yet in effect, with the time they take
    /// effect (`ModelConfig::renewal_delay_hours`, health-insurance-system.md §4.6).
    pending: HashMap<CertId, PrimitiveDateTime>,
    /// Smartphone cards' certificates by serial (seed 004).
    phones: HashMap<Serial, PhoneCert>,
}

impl OqsModel {
    /// An empty model at the default clock with default configuration.
    pub fn new() -> OqsModel {
        OqsModel::default()
    }

    /// The configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The clock.
    pub fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.faults
    }

    /// The serial index (read-only).
    pub fn index(&self) -> &SerialIndex {
        &self.index
    }

    /// The serial index, mutable (for the model's own operations in other files).
    pub(crate) fn index_mut(&mut self) -> &mut SerialIndex {
        &mut self.index
    }

    /// A person by id.
    pub fn person(&self, id: PersonId) -> Option<&Person> {
        self.persons.get(id as usize)
    }

    /// A person's id by handle.
    pub fn person_id(&self, handle: &str) -> Result<PersonId, ModelError> {
        self.handles
            .get(handle)
            .copied()
            .ok_or_else(|| ModelError::unknown("person", handle))
    }

    /// Applies a test-control command; returns a short JSON summary.
    pub fn apply(&mut self, command: &ControlCommand) -> Result<Value, ModelError> {
        match command {
            ControlCommand::World {
                clock,
                config,
                persons,
            } => {
                let mut fresh = OqsModel::new();
                if let Some(c) = clock {
                    fresh.clock.set(parse_datetime("clock", c)?);
                }
                if let Some(c) = config {
                    fresh.config = ModelConfig::clone(c);
                }
                for p in persons {
                    fresh.seed_person(p)?;
                }
                *self = fresh;
            }
            ControlCommand::Seed { persons } => {
                let mut next = self.clone();
                for p in persons {
                    next.seed_person(p)?;
                }
                *self = next;
            }
            ControlCommand::Population {
                count,
                first_serial,
            } => {
                self.seed_population(*count, Serial::parse(first_serial)?)?;
            }
            ControlCommand::Register { person, serial } => {
                let person = self.person_id(person)?;
                let serial = Serial::parse(serial)?;
                let cert = self
                    .index
                    .find(serial)
                    .ok_or_else(|| ModelError::unknown("serial", serial.to_string()))?;
                self.index.register(person, cert)?;
            }
            ControlCommand::LinkSerial {
                person,
                serial,
                not_after,
            } => {
                let person = person.as_deref().map(|p| self.person_id(p)).transpose()?;
                self.link_serial(person, Serial::parse(serial)?, not_after.as_deref())?;
            }
            ControlCommand::UnlinkSerial { serial } => {
                self.unlink_serial(Serial::parse(serial)?)?;
            }
            ControlCommand::Reissue {
                person,
                new_serial,
                not_after,
            } => {
                let person = self.person_id(person)?;
                self.reissue(
                    person,
                    Serial::parse(new_serial)?,
                    parse_date("not_after", not_after)?,
                )?;
            }
            ControlCommand::IssuePhone {
                serial,
                card_serial,
            } => {
                self.issue_phone(Serial::parse(serial)?, Serial::parse(card_serial)?)?;
            }
            ControlCommand::Revoke { serial } => {
                let serial = Serial::parse(serial)?;
                if self.revoke_phone(serial) {
                    return Ok(self.state());
                }
                let cert = self
                    .index
                    .find(serial)
                    .ok_or_else(|| ModelError::unknown("serial", serial.to_string()))?;
                self.index.revoke(cert);
            }
            ControlCommand::Expire { serial, on } => {
                let serial = Serial::parse(serial)?;
                let cert = self
                    .index
                    .find(serial)
                    .ok_or_else(|| ModelError::unknown("serial", serial.to_string()))?;
                let date = match on {
                    Some(d) => parse_date("on", d)?,
                    None => self.clock.today().previous_day().unwrap_or(Date::MIN),
                };
                self.index.set_not_after(cert, day_number(date));
            }
            ControlCommand::Qualification {
                person,
                lose,
                acquire,
            } => {
                let person = self.person_id(person)?;
                self.change_qualification(person, lose.as_ref(), acquire.as_deref())?;
            }
            ControlCommand::Clock { advance, set } => {
                // On a copy: a bad `advance` leaves a good `set` unapplied too.
                let mut clock = self.clock;
                if let Some(t) = set {
                    clock.set(parse_datetime("set", t)?);
                }
                if let Some(a) = advance {
                    clock.advance(a)?;
                }
                self.clock = clock;
            }
            ControlCommand::Fault {
                outage,
                slow_ms,
                jpki_down,
            } => {
                if slow_ms.is_some_and(|v| v > MAX_SLOW_MS) {
                    return Err(ModelError::invalid(
                        "slow_ms",
                        format!("expected a whole number from 0 to {MAX_SLOW_MS}"),
                    ));
                }
                if let Some(v) = outage {
                    self.faults.outage = *v;
                }
                if let Some(v) = slow_ms {
                    self.faults.slow_ms = *v;
                }
                if let Some(v) = jpki_down {
                    self.faults.jpki_down = *v;
                }
            }
            ControlCommand::State {} => {}
        }
        Ok(self.state())
    }

    /// Clock, counts and faults as JSON.
    pub fn state(&self) -> Value {
        json!({
            "clock": crate::clock::wire_datetime(self.clock.now()),
            "persons": self.persons.len(),
            "certificates": self.index.certificates(),
            "faults": {
                "outage": self.faults.outage,
                "slow_ms": self.faults.slow_ms,
                "jpki_down": self.faults.jpki_down,
            },
        })
    }

    /// Re-issues `person`'s certificate. If the previous certificate had
    /// already passed its grace period, the registration is cancelled: the
    /// holder must register again (health-insurance-system.md §4.6). The new
    /// certificate takes effect `renewal_delay_hours` from now.
    pub fn reissue(
        &mut self,
        person: PersonId,
        serial: Serial,
        not_after: Date,
    ) -> Result<CertId, ModelError> {
        if let Some(previous) = self.index.newest(person) {
            if self.beyond_grace(previous) && self.index.linked(person).is_some() {
                self.index.cancel(person);
            }
        }
        let cert = self.index.issue(person, serial, day_number(not_after))?;
        let delay = self.config.renewal_delay_hours;
        if delay > 0 {
            let effective = self
                .clock
                .now()
                .checked_add(Duration::hours(i64::from(delay)))
                .unwrap_or(PrimitiveDateTime::MAX);
            self.pending.insert(cert, effective);
        }
        Ok(cert)
    }

    /// When a re-issued certificate takes effect, if it has not yet.
    pub fn takes_effect_at(&self, cert: CertId) -> Option<PrimitiveDateTime> {
        self.pending
            .get(&cert)
            .copied()
            .filter(|at| *at > self.clock.now())
    }

    /// The last day a certificate expiring on `not_after` may still be used
    /// for eligibility: the end of the month `grace_months` after the expiry
    /// month (health-insurance-system.md §4.6, いわき市 and 多摩市).
    pub fn grace_end(&self, not_after: Date) -> Date {
        add_months(not_after, self.config.grace_months)
            .map(month_end)
            .unwrap_or(Date::MAX)
    }

    /// Records the 照会番号 `institution` gave `person` (OQSsiimm01req,
    /// health-insurance-system.md §4.1); a second registration by the same
    /// institution replaces the first.
    pub fn register_reference_number(
        &mut self,
        person: PersonId,
        institution: &str,
        number: &str,
    ) -> Result<(), ModelError> {
        if institution.len() != 10 || !institution.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ModelError::invalid(
                "institution",
                "a MedicalInstitutionCode is 10 digits",
            ));
        }
        let record = self
            .persons
            .get_mut(person as usize)
            .ok_or_else(|| ModelError::unknown("person", person.to_string()))?;
        record
            .reference_numbers
            .retain(|r| r.institution != institution);
        record.reference_numbers.push(ReferenceNumber {
            institution: institution.to_owned(),
            number: number.to_owned(),
        });
        Ok(())
    }

    fn beyond_grace(&self, cert: CertId) -> bool {
        let not_after = self
            .index
            .not_after(cert)
            .map(date_of_day_number)
            .unwrap_or(Date::MAX);
        self.clock.today() > self.grace_end(not_after)
    }

    /// Authenticates a serial: resolves it, traces a re-issued serial back
    /// to its registration (re-linking it on first use), and applies expiry.
    pub fn authenticate(&mut self, serial: Serial) -> AuthOutcome {
        let (cert, person, unlinked) = match self.index.resolve(serial) {
            Resolution::Unknown => {
                return self
                    .authenticate_phone(serial)
                    .unwrap_or(AuthOutcome::NotRegistered)
            }
            Resolution::Revoked { .. } => return AuthOutcome::Revoked,
            Resolution::Linked { cert, person } => (cert, person, false),
            Resolution::Cancelled { cert, person } => (cert, person, false),
            Resolution::Unlinked { cert, person } => (cert, person, true),
        };
        if self.takes_effect_at(cert).is_some() {
            // Renewed less than `renewal_delay_hours` ago: the renewal has
            // not taken effect, so the serial cannot be used yet.
            return AuthOutcome::NotYetInEffect;
        }
        let today = self.clock.today();
        let not_after = self
            .index
            .not_after(cert)
            .map(date_of_day_number)
            .unwrap_or(Date::MAX);
        if today > self.grace_end(not_after) {
            if self.index.newest(person) == Some(cert) && self.index.linked(person).is_some() {
                self.index.cancel(person);
            }
            return AuthOutcome::Expired;
        }
        if self.index.is_cancelled(person) {
            return AuthOutcome::RegistrationCancelled;
        }
        let mut relinked = false;
        let mut trace_steps = 0;
        if unlinked {
            if self.faults.jpki_down {
                return AuthOutcome::JpkiUnavailable;
            }
            let trace = self.index.trace(cert);
            trace_steps = trace.steps;
            match trace.registered {
                Some(registered) if registered == person => {
                    self.index.relink(person, cert);
                    relinked = true;
                }
                _ => return AuthOutcome::NotRegistered,
            }
        }
        let warn_from = add_months(today, self.config.expiry_warning_months).unwrap_or(Date::MAX);
        AuthOutcome::Authenticated {
            person,
            relinked,
            trace_steps,
            in_grace: today > not_after,
            expiring_soon: today <= not_after && not_after < warn_from,
        }
    }

    /// The persons' qualifications in force on `date` as OQS knows them now.
    pub fn qualifications_in_force(&self, person: PersonId, date: Date) -> Vec<&Qualification> {
        let now = self.clock.now();
        self.person(person)
            .map(|p| {
                p.qualifications
                    .iter()
                    .filter(|q| q.in_force(date, now))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Persons with a visible record carrying these 保険証 numbers and birth date.
    pub fn find_by_card(
        &self,
        insurer: &str,
        symbol: &str,
        number: &str,
        branch: Option<&str>,
        birth_date: Date,
    ) -> Vec<(PersonId, usize)> {
        let now = self.clock.now();
        let mut found = Vec::new();
        for (pid, person) in self.persons.iter().enumerate() {
            if person.birth_date != birth_date {
                continue;
            }
            for (qi, q) in person.qualifications.iter().enumerate() {
                if q.visible(now) && q.matches_card(insurer, symbol, number, branch) {
                    if let Ok(pid) = u32::try_from(pid) {
                        found.push((pid, qi));
                    }
                }
            }
        }
        found
    }

    fn seed_person(&mut self, spec: &PersonSpec) -> Result<PersonId, ModelError> {
        if spec.id.is_empty() {
            return Err(ModelError::invalid("id", "a person needs a handle"));
        }
        if self.handles.contains_key(&spec.id) {
            return Err(ModelError::Conflict(format!(
                "person `{}` already exists",
                spec.id
            )));
        }
        let mut qualifications = Vec::with_capacity(spec.qualifications.len());
        for q in &spec.qualifications {
            qualifications.push(self.qualification_from(q)?);
        }
        let mut reference_numbers: Vec<ReferenceNumber> = Vec::new();
        for r in &spec.reference_numbers {
            reference_numbers.retain(|known| known.institution != r.institution);
            reference_numbers.push(ReferenceNumber {
                institution: r.institution.clone(),
                number: r.number.clone(),
            });
        }
        let person = Person {
            handle: spec.id.clone(),
            name: spec.name.clone(),
            name_of_other: spec.name_of_other.clone(),
            name_kana: spec.kana.clone(),
            name_of_other_kana: spec.name_of_other_kana.clone(),
            birth_date: parse_date("birth_date", &spec.birth_date)?,
            sex: spec.sex.clone(),
            sex2: spec.sex2.clone(),
            address: spec.address.clone(),
            post_number: spec.post_number.clone(),
            qualifications,
            reference_numbers,
        };
        let id = self.index.add_person()?;
        self.persons.push(person);
        self.handles.insert(spec.id.clone(), id);
        if let Some(c) = &spec.certificate {
            let cert = self.index.issue(
                id,
                Serial::parse(&c.serial)?,
                day_number(parse_date("not_after", &c.not_after)?),
            )?;
            if spec.registered {
                self.index.register(id, cert)?;
            }
            if let Some(phone) = &c.phone_serial {
                self.issue_phone(Serial::parse(phone)?, Serial::parse(&c.serial)?)?;
            }
        }
        Ok(id)
    }

    fn seed_population(&mut self, count: u32, first: Serial) -> Result<(), ModelError> {
        self.check_population(count, first)?;
        let not_after = add_months(self.clock.today(), 60)?;
        let base = self.persons.len();
        for i in 0..count {
            let serial = first
                .value()
                .checked_add(u64::from(i))
                .and_then(Serial::new)
                .ok_or_else(|| ModelError::invalid("first_serial", "serial range overflows"))?;
            let id = self.index.add_person()?;
            let handle = format!("pop-{}", base + i as usize);
            self.persons.push(Person {
                handle: handle.clone(),
                name: "試験 太郎".into(),
                name_of_other: None,
                name_kana: "ｼｹﾝ ﾀﾛｳ".into(),
                name_of_other_kana: None,
                birth_date: parse_date("birth_date", "1980-01-01")?,
                sex: "1".into(),
                sex2: None,
                address: None,
                post_number: None,
                reference_numbers: Vec::new(),
                qualifications: vec![Qualification {
                    card_classification: None,
                    insurer_number: "06139999".into(),
                    symbol: "1".into(),
                    number: format!("{}", base + i as usize),
                    branch: "00".into(),
                    personal_family: "1".into(),
                    insurer_name: "試験健康保険組合".into(),
                    insured_name: None,
                    qualification_date: parse_date("qualification_date", "2020-04-01")?,
                    disqualification_date: None,
                    reason_of_loss: None,
                    contribution_ratio: Some("030".into()),
                    card_expiration: None,
                    certificate_issuance: None,
                    card_valid_from: None,
                    preschool_classification: None,
                    specific_diseases: Vec::new(),
                    medical_tickets: Vec::new(),
                    limit: None,
                    elderly: None,
                    recorded_at: None,
                    loss_recorded_at: None,
                }],
            });
            self.handles.insert(handle, id);
            let cert = self.index.issue(id, serial, day_number(not_after))?;
            self.index.register(id, cert)?;
        }
        Ok(())
    }

    /// Everything that could stop a population part-way, checked before
    /// the first person is added, so a refused command changes nothing.
    fn check_population(&self, count: u32, first: Serial) -> Result<(), ModelError> {
        if count > MAX_POPULATION_COUNT {
            return Err(ModelError::invalid(
                "count",
                format!("expected a whole number from 0 to {MAX_POPULATION_COUNT}"),
            ));
        }
        let total = self.persons.len().saturating_add(count as usize);
        if total > MAX_POPULATION_TOTAL {
            return Err(ModelError::Capacity(format!(
                "a model holds at most {MAX_POPULATION_TOTAL} persons"
            )));
        }
        for i in 0..count {
            let serial = first
                .value()
                .checked_add(u64::from(i))
                .and_then(Serial::new)
                .ok_or_else(|| ModelError::invalid("first_serial", "serial range overflows"))?;
            if self.index.find(serial).is_some() {
                return Err(ModelError::Conflict(format!(
                    "serial {serial} is already issued"
                )));
            }
        }
        Ok(())
    }

    fn lagged(&self, days: u32) -> Option<PrimitiveDateTime> {
        (days > 0).then(|| {
            self.clock
                .now()
                .checked_add(Duration::days(i64::from(days)))
                .unwrap_or(PrimitiveDateTime::MAX)
        })
    }

    fn qualification_from(&self, q: &QualificationSpec) -> Result<Qualification, ModelError> {
        let opt_date = |field: &'static str, v: &Option<String>| {
            v.as_deref().map(|s| parse_date(field, s)).transpose()
        };
        Ok(Qualification {
            card_classification: q.card_classification.clone(),
            insurer_number: q.insurer_number.clone(),
            symbol: q.symbol.clone(),
            number: q.number.clone(),
            branch: q.branch.clone(),
            personal_family: q.personal_family.clone(),
            insurer_name: q.insurer_name.clone(),
            insured_name: q.insured_name.clone(),
            qualification_date: parse_date("qualification_date", &q.qualification_date)?,
            disqualification_date: opt_date("disqualification_date", &q.disqualification_date)?,
            reason_of_loss: q.reason_of_loss.clone(),
            contribution_ratio: q.contribution_ratio.clone(),
            card_expiration: opt_date("card_expiration", &q.card_expiration)?,
            certificate_issuance: opt_date("certificate_issuance", &q.certificate_issuance)?,
            card_valid_from: opt_date("card_valid_from", &q.card_valid_from)?,
            preschool_classification: q.preschool_classification.clone(),
            specific_diseases: q
                .specific_diseases
                .iter()
                .map(|d| {
                    Ok(SpecificDiseaseCertificate {
                        disease_category: d.disease_category.clone(),
                        certificate_date: opt_date("certificate_date", &d.certificate_date)?,
                        valid_start: opt_date("valid_start", &d.valid_start)?,
                        valid_end: opt_date("valid_end", &d.valid_end)?,
                        self_pay: d.self_pay.clone(),
                    })
                })
                .collect::<Result<_, ModelError>>()?,
            medical_tickets: q
                .medical_tickets
                .iter()
                .map(|t| MedicalTicket {
                    ticket_type: t.ticket_type.clone(),
                    issue_number: t.issue_number.clone(),
                    designated_medical_institution: t.designated_medical_institution.clone(),
                    self_pay_amount: t.self_pay_amount.clone(),
                })
                .collect(),
            limit: match &q.limit {
                None => None,
                Some(l) => Some(LimitInfo {
                    classification: l.classification.clone(),
                    classification_flag: l.flag.clone(),
                    issued: opt_date("issued", &l.issued)?,
                    valid_start: opt_date("valid_start", &l.valid_start)?,
                    valid_end: opt_date("valid_end", &l.valid_end)?,
                    long_term: opt_date("long_term", &l.long_term)?,
                }),
            },
            elderly: match &q.elderly {
                None => None,
                Some(e) => Some(ElderlyInfo {
                    issued: opt_date("issued", &e.issued)?,
                    contribution_ratio: e.contribution_ratio.clone(),
                    valid_start: opt_date("valid_start", &e.valid_start)?,
                    valid_end: opt_date("valid_end", &e.valid_end)?,
                }),
            },
            recorded_at: self.lagged(q.lag_days),
            loss_recorded_at: None,
        })
    }

    fn change_qualification(
        &mut self,
        person: PersonId,
        lose: Option<&LossSpec>,
        acquire: Option<&QualificationSpec>,
    ) -> Result<(), ModelError> {
        let acquired = acquire.map(|q| self.qualification_from(q)).transpose()?;
        let loss = match lose {
            None => None,
            Some(l) => Some((parse_date("date", &l.date)?, l, self.lagged(l.lag_days))),
        };
        let today = self.clock.today();
        let now = self.clock.now();
        let record = self
            .persons
            .get_mut(person as usize)
            .ok_or_else(|| ModelError::unknown("person", person.to_string()))?;
        if let Some((date, spec, recorded)) = loss {
            let target =
                record
                    .qualifications
                    .iter_mut()
                    .rev()
                    .find(|q| match &spec.insurer_number {
                        Some(n) => {
                            insurer_number_key(&q.insurer_number) == insurer_number_key(n)
                                && q.disqualification_date.is_none()
                        }
                        None => {
                            q.disqualification_date.is_none()
                                && q.in_force(today.max(q.qualification_date), now)
                        }
                    });
            let target = target.ok_or_else(|| {
                ModelError::unknown("qualification", "no qualification in force to lose")
            })?;
            target.disqualification_date = Some(date);
            target.reason_of_loss = Some(spec.reason.clone().unwrap_or_else(|| "99".into()));
            target.loss_recorded_at = recorded;
        }
        if let Some(q) = acquired {
            record.qualifications.push(q);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::CertificateSpec;

    fn world() -> OqsModel {
        let mut m = OqsModel::new();
        let cmd = ControlCommand::World {
            clock: Some("2025-04-01T09:00".into()),
            // Tracing and grace without the renewal delay; the delay's
            // tests set it.
            config: Some(Box::new(ModelConfig {
                renewal_delay_hours: 0,
                ..ModelConfig::default()
            })),
            persons: vec![PersonSpec {
                id: "a".into(),
                name: "山田 太郎".into(),
                kana: "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
                birth_date: "1970-01-01".into(),
                sex: "1".into(),
                name_of_other: None,
                name_of_other_kana: None,
                sex2: None,
                reference_numbers: vec![],
                address: None,
                post_number: None,
                certificate: Some(CertificateSpec {
                    serial: "A1".into(),
                    not_after: "2025-05-10".into(),
                    phone_serial: None,
                }),
                registered: true,
                qualifications: vec![],
            }],
        };
        assert!(m.apply(&cmd).is_ok());
        m
    }

    fn serial(s: &str) -> Serial {
        Serial::parse(s).unwrap_or_else(|_| unreachable!("test serials are valid"))
    }

    #[test]
    fn grace_month_end_rule_and_cancellation() {
        let mut m = world();
        let end = m.grace_end(parse_date("t", "2025-05-10").unwrap_or(Date::MIN));
        assert_eq!(crate::clock::wire_date(end), "20250831");
        assert!(matches!(
            m.authenticate(serial("A1")),
            AuthOutcome::Authenticated {
                expiring_soon: true,
                in_grace: false,
                ..
            }
        ));
        assert!(m
            .apply(&ControlCommand::Clock {
                advance: None,
                set: Some("2025-08-31T23:00".into())
            })
            .is_ok());
        assert!(matches!(
            m.authenticate(serial("A1")),
            AuthOutcome::Authenticated { in_grace: true, .. }
        ));
        assert!(m
            .apply(&ControlCommand::Clock {
                advance: None,
                set: Some("2025-09-01".into())
            })
            .is_ok());
        assert_eq!(m.authenticate(serial("A1")), AuthOutcome::Expired);
        let a = m.person_id("a").unwrap_or(0);
        assert!(m.index().is_cancelled(a));
        assert!(m
            .reissue(
                a,
                serial("A2"),
                parse_date("t", "2030-01-01").unwrap_or(Date::MIN)
            )
            .is_ok());
        assert_eq!(
            m.authenticate(serial("A2")),
            AuthOutcome::RegistrationCancelled
        );
    }

    #[test]
    fn grace_ends_at_the_month_end_three_months_on() {
        let m = world();
        for (not_after, end) in [
            ("2025-02-10", "20250531"), // 多摩市: 有効期限が2月なら5月末まで
            ("2025-02-28", "20250531"),
            ("2025-11-30", "20260228"),
            ("2024-11-15", "20250228"),
        ] {
            let end_day = m.grace_end(parse_date("t", not_after).unwrap_or(Date::MIN));
            assert_eq!(crate::clock::wire_date(end_day), end, "{not_after}");
        }
    }

    #[test]
    fn a_renewed_certificate_takes_effect_after_the_configured_delay() {
        let mut m = world();
        m.config.renewal_delay_hours = crate::control::PUBLISHED_RENEWAL_DELAY_HOURS;
        let a = m.person_id("a").unwrap_or(0);
        let cert = m
            .reissue(
                a,
                serial("C2"),
                parse_date("t", "2030-01-01").unwrap_or(Date::MIN),
            )
            .unwrap_or(u32::MAX);
        assert!(m.takes_effect_at(cert).is_some());
        assert_eq!(m.authenticate(serial("C2")), AuthOutcome::NotYetInEffect);
        assert_eq!(m.authenticate(serial("A1")), AuthOutcome::Revoked);
        let advance = |m: &mut OqsModel, hours: i64| {
            assert!(m
                .apply(&ControlCommand::Clock {
                    advance: Some(crate::control::Advance {
                        hours,
                        ..Default::default()
                    }),
                    set: None
                })
                .is_ok());
        };
        advance(&mut m, 23);
        assert_eq!(m.authenticate(serial("C2")), AuthOutcome::NotYetInEffect);
        advance(&mut m, 1);
        assert!(m.takes_effect_at(cert).is_none());
        assert!(matches!(
            m.authenticate(serial("C2")),
            AuthOutcome::Authenticated { relinked: true, .. }
        ));
    }

    #[test]
    fn without_a_delay_a_renewed_certificate_works_at_once() {
        let mut m = world();
        assert_eq!(
            ModelConfig::default().renewal_delay_hours,
            crate::control::PUBLISHED_RENEWAL_DELAY_HOURS
        );
        m.config.renewal_delay_hours = 0;
        let a = m.person_id("a").unwrap_or(0);
        assert!(m
            .reissue(
                a,
                serial("C3"),
                parse_date("t", "2030-01-01").unwrap_or(Date::MIN)
            )
            .is_ok());
        assert!(matches!(
            m.authenticate(serial("C3")),
            AuthOutcome::Authenticated { relinked: true, .. }
        ));
    }

    #[test]
    fn reference_numbers_are_per_institution() {
        let mut m = world();
        let a = m.person_id("a").unwrap_or(0);
        assert!(m
            .register_reference_number(a, "1310123456", "P-001")
            .is_ok());
        assert!(m.register_reference_number(a, "2710199999", "77").is_ok());
        assert!(m
            .register_reference_number(a, "1310123456", "P-002")
            .is_ok());
        assert!(m.register_reference_number(a, "131012345", "x").is_err());
        let person = m.person(a).cloned();
        let person = person.as_ref();
        assert_eq!(
            person.and_then(|p| p.reference_number("1310123456")),
            Some("P-002")
        );
        assert_eq!(
            person.and_then(|p| p.reference_number("2710199999")),
            Some("77")
        );
        assert_eq!(person.and_then(|p| p.reference_number("0000000000")), None);
    }

    #[test]
    fn a_zero_padded_insurer_number_finds_the_record() {
        let mut m = OqsModel::new();
        let seeded: Result<ControlCommand, _> = serde_json::from_value(json!({
            "op": "world",
            "clock": "2025-04-01T09:00",
            "persons": [{
                "id": "u", "name": "小林 梅", "kana": "ｺﾊﾞﾔｼ ｳﾒ", "birth_date": "1950-05-10",
                "name_of_other": "小林 うめ", "sex2": "2",
                "reference_numbers": [{ "institution": "1310123456", "number": "K-9" }],
                "qualifications": [{
                    "insurer_number": "138016", "symbol": "X", "number": "99",
                    "qualification_date": "2010-04-01",
                    "certificate_issuance": "2010-04-01",
                    "specific_diseases": [{ "disease_category": "1", "self_pay": "10000" }],
                    "medical_tickets": [{ "ticket_type": "1", "issue_number": "0001" }]
                }]
            }]
        }));
        let Ok(seeded) = seeded else {
            unreachable!("the world command parses")
        };
        assert!(m.apply(&seeded).is_ok());
        let birth = parse_date("t", "1950-05-10").unwrap_or(Date::MIN);
        for insurer in ["138016", "00138016", "  138016"] {
            assert_eq!(
                m.find_by_card(insurer, "X", "99", None, birth).len(),
                1,
                "{insurer:?}"
            );
        }
        assert!(m
            .find_by_card("00138017", "X", "99", None, birth)
            .is_empty());
        let person = m.person(0).cloned();
        let q = person
            .as_ref()
            .and_then(|p| p.qualifications.first().cloned());
        assert_eq!(q.as_ref().map(|q| q.specific_diseases.len()), Some(1));
        assert_eq!(
            q.as_ref()
                .and_then(|q| q.medical_tickets.first())
                .map(|t| t.issue_number.as_str()),
            Some("0001")
        );
        assert_eq!(
            person
                .as_ref()
                .and_then(|p| p.reference_number("1310123456")),
            Some("K-9")
        );
        assert_eq!(person.as_ref().and_then(|p| p.sex2.as_deref()), Some("2"));
    }

    #[test]
    fn first_use_while_jpki_down_then_up() {
        let mut m = world();
        let a = m.person_id("a").unwrap_or(0);
        assert!(m
            .reissue(
                a,
                serial("B2"),
                parse_date("t", "2030-01-01").unwrap_or(Date::MIN)
            )
            .is_ok());
        m.faults.jpki_down = true;
        assert_eq!(m.authenticate(serial("B2")), AuthOutcome::JpkiUnavailable);
        assert_eq!(m.authenticate(serial("A1")), AuthOutcome::Revoked);
        m.faults.jpki_down = false;
        assert!(matches!(
            m.authenticate(serial("B2")),
            AuthOutcome::Authenticated {
                relinked: true,
                trace_steps: 1,
                ..
            }
        ));
        m.faults.jpki_down = true;
        assert!(matches!(
            m.authenticate(serial("B2")),
            AuthOutcome::Authenticated {
                relinked: false,
                ..
            }
        ));
    }
}
