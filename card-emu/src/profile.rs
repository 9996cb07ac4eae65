//! What an emulated card is made of: applications, elementary files, secrets
//! (PINs, passwords, 照合番号) and private keys, with the access rule of each.
//!
//! A [`CardProfile`] is plain data. The persona module builds one from a
//! persona on disk; the card module executes APDUs against it. Neither side
//! knows how the other works.

use crate::secret::Secret;

/// Everything the card holds at manufacture.
#[derive(Clone, Debug)]
pub struct CardProfile {
    /// Answer-to-reset returned on power-on and to vpcd's get-ATR.
    pub atr: Vec<u8>,
    /// The dedicated files (applications), each selected by AID.
    pub applications: Vec<Application>,
    /// GET DATA (`00 CA`) objects, each answered where its
    /// [`ObjectScope`] says (card-protocol.md §1.5).
    pub mf_objects: Vec<DataObject>,
    /// EFs selectable at MF level (e.g. `001E`, whose reads answer `6981`).
    pub mf_files: Vec<ElementaryFile>,
    /// How the card answers where the sources disagree.
    pub quirks: Quirks,
}

/// Behaviour the sources mark uncertain; each defaults to the value the
/// spec file finds most likely (or, where nothing is known, to what real
/// clients tolerate) and can be changed per persona.
#[derive(Clone, Debug)]
pub struct Quirks {
    /// SW for READ BINARY at or past the end of the file (`6B00` per JICSAP
    /// 7.3.1; some readers tolerate `6282`). card-protocol.md §2.3.
    pub read_past_end_sw: u16,
    /// Answer to the empty VERIFY after a successful VERIFY: `None` answers
    /// `63Cx` as usual, `Some(0x9000)` models the "some cards" of §3.2.
    pub empty_verify_after_success: Option<u16>,
    /// Answer to the empty VERIFY of a secret that is not set (a child's
    /// 署名用パスワード, a face-only card's PINs): `None` answers `63Cx` with
    /// the counter, `Some(sw)` that SW. No source says what a real card
    /// answers; OpenSC's JPKI driver refuses the whole card unless the empty
    /// VERIFY of both JPKI PINs answers `63xx` (card-protocol.md §6), so the
    /// default is what the clients tolerate.
    pub empty_verify_unset_sw: Option<u16>,
    /// Whether GET DATA `5F51` (contact ATR) answers at the MF. It answers
    /// with an application current in any case; "some return it at the
    /// master file level and some only with an application selected"
    /// (myna-card 3.3.4 `Card::contact_atr`).
    pub contact_atr_at_mf: bool,
    /// Whether 照合番号B opens text EF 0003 (card-protocol.md §1.2: "crate
    /// doc says A at one place, either at another — uncertain for B").
    /// Default `true`, as myna-card's fixture table reads it ("the PIN or
    /// either 照合番号"). Applied when the persona builds the profile.
    pub text_integrity_by_check_b: bool,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            read_past_end_sw: 0x6B00,
            empty_verify_after_success: None,
            empty_verify_unset_sw: None,
            contact_atr_at_mf: true,
            text_integrity_by_check_b: true,
        }
    }
}

/// A GET DATA object.
#[derive(Clone, Debug)]
pub struct DataObject {
    /// The P1-P2 tag, e.g. `0x00F0`.
    pub tag: u16,
    /// The object's value as returned by the card.
    pub value: Vec<u8>,
    /// Where the card answers it.
    pub scope: ObjectScope,
}

/// Where GET DATA answers an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectScope {
    /// Only while no application is selected (myna-card 3.3.4 `src/mf.rs`:
    /// "GET DATA answers there, and only there").
    Mf,
    /// At the MF and with any application current (`5F51` on most cards).
    Everywhere,
    /// Only with an application current (`5F51` on "some cards").
    Applications,
}

/// Which of the card's applications this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppKind {
    /// 公的個人認証AP, `D3 92 F0 00 26 01 00 00 00 01`.
    Jpki,
    /// 券面事項入力補助AP, `D3 92 10 00 31 00 01 01 04 08`.
    TextHelper,
    /// 券面事項確認AP, `D3 92 10 00 31 00 01 01 04 02`.
    SurfaceCheck,
    /// 共通カードAP, `D3 92 10 00 31 00 01 01 01 00`.
    Common,
    /// 住基AP, `D3 92 10 00 31 00 01 01 04 01`.
    Juki,
}

/// One application (DF).
#[derive(Clone, Debug)]
pub struct Application {
    /// Which application.
    pub kind: AppKind,
    /// The 10-byte AID it is selected by.
    pub aid: Vec<u8>,
    /// Its elementary files.
    pub files: Vec<ElementaryFile>,
    /// Its verifiable secrets (PINs, passwords, 照合番号, keys checked by VERIFY).
    pub secrets: Vec<SecretEf>,
    /// Its private keys.
    pub keys: Vec<PrivateKeyEf>,
    /// How this application answers `80 AE` SET SESSION KEY.
    pub session_key: SessionKeySupport,
}

/// SET SESSION KEY (`80 AE`) and secure messaging (card-protocol.md §3.1,
/// §3.3; myna-card 3.3.4 `src/sm.rs`, `src/ap/text.rs`).
#[derive(Clone, Debug)]
pub enum SessionKeySupport {
    /// Always refused with this SW: `66F1` on 共通/券面事項確認 ("no key
    /// delivery configured"), `6982` on JPKI/住基.
    Refused(u16),
    /// The 券面事項入力補助AP: a session key delivered under `key` (RSA-OAEP,
    /// SHA-256) once one of `needs` is verified in this DF session, then
    /// AES-128 secure messaging with CLA `08`.
    Accepted {
        /// The private half of the key published in EF 0006.
        key: Box<rsa::RsaPrivateKey>,
        /// Secrets that open it (the PIN only: 照合番号A does not).
        needs: Vec<u16>,
    },
}

/// An elementary file holding data.
#[derive(Clone, Debug)]
pub struct ElementaryFile {
    /// File identifier, e.g. `0x000A`.
    pub fid: u16,
    /// Short EF identifier (1..=30) for READ BINARY/RECORD by SFI, if any.
    pub sfi: Option<u8>,
    /// The bytes.
    pub content: FileContent,
    /// Who may read it.
    pub read: Access,
}

/// The structure of an elementary file.
#[derive(Clone, Debug)]
pub enum FileContent {
    /// Read with READ BINARY.
    Transparent(Vec<u8>),
    /// Read with READ RECORD; record numbers start at 1.
    Records(Vec<Vec<u8>>),
}

/// An access rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No condition.
    Always,
    /// Allowed once any one of these secrets (by FID, in the same
    /// application) has been verified in the current DF session.
    AnyOf(Vec<u16>),
    /// Refused with this SW whatever was verified (e.g. `6985`, `6981`).
    Never(u16),
}

/// A secret checked by VERIFY (`00 20 00 80`).
#[derive(Clone, Debug)]
pub struct SecretEf {
    /// File identifier of the key EF, e.g. `0x0018`.
    pub fid: u16,
    /// Human name used in messages, e.g. "利用者証明用 PIN". Never the value.
    pub label: &'static str,
    /// The reference value. `None` = not set on this card (e.g. face-only
    /// cards); VERIFY then answers `6984`.
    pub value: Option<Secret>,
    /// Retry limit (3 auth PIN, 5 sign password, 3 text PIN; unknown for the
    /// 照合番号 and 生年月日 key: configurable, default 10).
    pub max_tries: u8,
    /// Tries left at manufacture of this persona (0 = blocked).
    pub tries_left: u8,
    /// Whether CHANGE REFERENCE DATA (`00 24 01 80`) may change it.
    pub changeable: bool,
}

/// A private key used by COMPUTE DIGITAL SIGNATURE or INTERNAL AUTHENTICATE.
#[derive(Clone, Debug)]
pub struct PrivateKeyEf {
    /// File identifier of the key EF, e.g. `0x0017`.
    pub fid: u16,
    /// The RSA-2048 key.
    pub key: rsa::RsaPrivateKey,
    /// Which secret must be verified before use.
    pub use_access: Access,
    /// Answers `80 2A` COMPUTE DIGITAL SIGNATURE.
    pub sign: bool,
    /// Answers `00 88` INTERNAL AUTHENTICATE.
    pub internal_authenticate: bool,
}

impl CardProfile {
    /// The application of the given kind, if the card has it.
    pub fn application(&self, kind: AppKind) -> Option<&Application> {
        self.applications.iter().find(|app| app.kind == kind)
    }
}
