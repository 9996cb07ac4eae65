//! 健康保険証利用登録 at a reception reader, by certificate serial (seed 003:
//! 続ける → 同意して進む → 登録完了 → 資格情報を取得する): the reader knows only
//! the serial it read from the card, and the registration links that
//! serial's holder (seed 001, 利用規約 第5条の2: the 発行の番号 is sent).

use serde::{Deserialize, Serialize};

use super::OqsModel;
use crate::error::ModelError;
use crate::serial::Serial;

/// `POST /oqs/v1/register` (the reader's registration; harness-defined,
/// since the reader→マイナポータル message is not public).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RegistrationRequest {
    /// The 利用者証明用 certificate serial read from the card (hex).
    pub certificate_serial_number: String,
}

/// The path of [`RegistrationRequest`].
pub const REGISTER_PATH: &str = "/oqs/v1/register";

impl OqsModel {
    /// Registers the holder of the certificate `serial` (it must be known
    /// and not revoked): [`OqsModel::link_serial`] without a person, the one
    /// registration logic the portal's 利用申込 uses too.
    pub fn register_by_serial(&mut self, serial: Serial) -> Result<(), ModelError> {
        self.link_serial(None, serial, None).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::ControlCommand;

    #[test]
    fn registers_the_holder_of_a_serial_and_refuses_unknown_ones() {
        let mut model = OqsModel::new();
        let world: ControlCommand = serde_json::from_value(serde_json::json!({
            "op": "world",
            "persons": [{"id": "p", "name": "山田 太郎", "kana": "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date": "1980-01-01",
                "registered": false, "certificate": {"serial": "1A", "not_after": "2030-01-01"},
                "qualifications": []}]
        }))
        .unwrap();
        model.apply(&world).unwrap();
        let serial = Serial::parse("1A").unwrap();
        let cert = model.index.find(serial).unwrap();
        let person = model.index.owner(cert).unwrap();
        assert!(!model.index.is_registered(person));
        model.register_by_serial(serial).unwrap();
        assert!(model.index.is_registered(person));
        assert!(model
            .register_by_serial(Serial::parse("2B").unwrap())
            .is_err());
    }
}
