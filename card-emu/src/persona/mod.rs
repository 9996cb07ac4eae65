//! Personas: synthetic TEST ONLY identities, each with the card issued to it.
//!
//! A persona lives in `vectors/personas/<id>/` as `persona.yaml` (personal
//! data, secrets, counters, flags) plus DER files (PKCS#8 keys, X.509
//! certificates); material shared by all personas (JPKI-TEST root CAs, the
//! 券面 AP keys and CV certificates) is in `vectors/personas/ca/`. The files
//! are produced once by `examples/gen_personas.rs` and committed.
//!
//! ```no_run
//! use std::path::Path;
//! use myna_card_emu::persona::{self, Persona};
//!
//! let root = Path::new("vectors/personas");
//! for id in persona::list(root)? {
//!     let persona = Persona::load_named(root, &id)?;
//!     let profile = persona.card_profile();      // for the card module
//!     let variables = persona.variables();       // for `${persona.FIELD}`
//!     # let _ = (profile, variables);
//! }
//! # Ok::<(), myna_card_emu::persona::PersonaError>(())
//! ```

mod ca;
mod card_profile;
mod certified_key;
mod common_ap;
pub mod cv_cert;
mod dates;
mod document;
mod error;
pub mod files;
pub mod images;
mod jpki_ap;
mod load;
mod mf;
mod my_number;
#[allow(clippy::module_inception)]
mod persona;
mod phone;
mod retry;
pub mod rsa_util;
mod sex;
mod signed_images;
pub mod surface_ap;
pub mod text_ap;
pub mod tlv;
mod validate;
mod variables;
mod wareki;

pub use ca::CaMaterial;
pub use card_profile::{SURFACE_AP_KEY_FID, TEXT_AP_KEY_FID};
pub use certified_key::{serial_hex, CertifiedKey};
pub use common_ap::{common_record, COMMON_AP_AID, JUKI_AP_AID};
pub use dates::{format_utc, parse_utc, parse_yyyymmdd, yyyymmdd};
pub use document::{
    CertificateEntry, CounterEntry, LocalityRomaji, PersonaDocument, PhoneEntry, QuirkEntries,
    RetryEntries, SecretText, TokenInfoEntries,
};
pub use error::PersonaError;
pub use jpki_ap::{ef0006_token_info, ef0008_availability, TokenInfo, JPKI_AP_AID, TOKEN_INFO_LEN};
pub use load::list;
pub use my_number::{complete_my_number, is_valid_my_number, my_number_check_digit};
pub use persona::{Persona, DEFAULT_ATR, DEFAULT_TOKEN_LABEL};
pub use phone::{PhoneOptions, PHONE_APPLICATIONS};
pub use retry::{Counter, RetrySettings};
pub use sex::Sex;
pub use signed_images::SignedImages;
pub use validate::{is_digits, is_sign_password};
pub use variables::PersonaVariable;
pub use wareki::{wareki_yymmdd, Era};
