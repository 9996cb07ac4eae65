//! The card family's typed steps: what the parser makes of a card step and
//! the session runs.

use std::fmt;

use myna_scenario::{Location, Spanned, StepBody, Template};

/// One card step: an action, its expectations and captures.
#[derive(Clone, Debug)]
pub struct CardStep {
    /// What to send.
    pub action: CardAction,
    /// What the response must look like.
    pub expect: Option<Expect>,
    /// Values to keep for later steps.
    pub captures: Vec<Capture>,
    /// The label, made on first use and copied for each execution (every
    /// step's report entry has one).
    label: std::sync::OnceLock<String>,
}

impl CardStep {
    /// A step of `action`, checked by `expect`, keeping `captures`.
    pub(crate) fn new(action: CardAction, expect: Option<Expect>, captures: Vec<Capture>) -> Self {
        CardStep {
            action,
            expect,
            captures,
            label: std::sync::OnceLock::new(),
        }
    }
}

impl StepBody for CardStep {
    fn keyword(&self) -> &'static str {
        self.action.keyword()
    }

    fn label(&self) -> String {
        self.label
            .get_or_init(|| crate::label::label(&self.action))
            .clone()
    }
}

/// A named application of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppName {
    /// `jpki`: 公的個人認証AP.
    Jpki,
    /// `text`: 券面事項入力補助AP.
    Text,
    /// `surface`: 券面事項確認AP.
    Surface,
    /// `common`: 共通カードAP.
    Common,
    /// `juki`: 住基AP.
    Juki,
    /// `isd`: GlobalPlatform ISD `A0 00 00 01 51 00 00`.
    Isd,
}

/// Which application to select.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppRef {
    /// By name.
    Named(AppName),
    /// By AID bytes.
    Aid(Vec<u8>),
}

/// Which elementary file to select.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EfRef {
    /// By name, resolved against the currently selected application
    /// (see [`crate::names`]).
    Named(String),
    /// By file identifier.
    Fid(u16),
}

/// What the power step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerAction {
    /// Cold: power off (volatile state lost).
    Off,
    /// Power on after off.
    On,
    /// Warm reset.
    Reset,
}

/// How `read_file` reads a whole transparent EF (card-protocol.md §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStrategy {
    /// `header7`: 7-byte read, BER length, then Le=00 while more than 255
    /// bytes remain, else the exact rest (jpki-rs, myna-rs).
    Header7,
    /// `chunk255`: Le=FF chunks until a short answer or `6B00` (myna-yk, pyjpki).
    Chunk255,
    /// `extended`: 7-byte read, then one extended READ BINARY of the whole
    /// file (ishihatta, pymyna).
    Extended,
    /// `header4`: 4-byte read assuming `30 82 LL LL`, then ≤256-byte chunks (OpenSC, jls, gebo).
    Header4,
    /// `overread`: Le=00 from offset 0 until a short answer or `6B00`,
    /// relying on "Le past the end returns what remains".
    Overread,
}

/// Hash algorithms for DigestInfo and signature checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-1 (jpki-cli's default).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// What a `sign` step sends in the data field.
#[derive(Clone, Debug)]
pub enum SignInput {
    /// Bytes as written (hex template).
    Raw(Template),
    /// DigestInfo(hash(message)) built by the harness.
    DigestInfo {
        /// Hash algorithm.
        hash: HashAlg,
        /// The message, hex template.
        message: Template,
    },
    /// hash(message) alone (for P1 02/04).
    Hash {
        /// Hash algorithm.
        hash: HashAlg,
        /// The message, hex template.
        message: Template,
    },
}

/// A card command step.
#[derive(Clone, Debug)]
pub enum CardAction {
    /// `apdu: "00 A4 ..."`: raw hex (templates allowed; spaces free).
    Apdu(Template),
    /// `select: jpki`: `00 A4 04 0C 0A <AID>`.
    Select(AppRef),
    /// `select_ef: auth-pin`: `00 A4 02 0C 02 <FID>`.
    SelectEf(EfRef),
    /// `verify: { pin: "…" }` or `verify: {}` (the empty status query).
    Verify {
        /// The secret; `None` sends the case-1 status query.
        pin: Option<Template>,
        /// P2 (default `80`, or `80 | SFI`).
        p2: u8,
    },
    /// `change_pin: { new: "…", command }`: `00 24 01 80 Lc <new>`, or
    /// JICSAP CHANGE KEY `80 32 00 80 Lc <new>` (共通/住基 AP).
    ChangePin {
        /// The new value (secret).
        new: Template,
        /// Which command changes it.
        command: PinChange,
    },
    /// `read_binary: { offset, le, extended }`: one READ BINARY.
    ReadBinary {
        /// 15-bit offset.
        offset: u16,
        /// Expected length: 0 = Le `00` (256 short, 65536 extended).
        le: u32,
        /// Encode Le in extended form (`00 HH LL`).
        extended: bool,
    },
    /// `read_file: { strategy }`: read the whole current EF.
    ReadFile {
        /// The chunking strategy.
        strategy: ReadStrategy,
    },
    /// `sign: { p1, p2, data | digest_info | hash }`: `80 2A P1 P2 Lc data 00`.
    Sign {
        /// Scheme selector (00..05).
        p1: u8,
        /// `80` (current EF) or `80 | SFI`.
        p2: u8,
        /// What to send.
        input: SignInput,
    },
    /// `get_challenge: { le }`: `00 84 00 00 Le`.
    GetChallenge {
        /// Bytes requested (1..=256; 256 is sent as `00`).
        le: u16,
    },
    /// `power: off | on | reset`.
    Power(PowerAction),
    /// `session_key: { key }`: SET SESSION KEY `80 AE 00 00` with a fresh
    /// AES-128 key delivered by RSA-OAEP(SHA-256) under `key` (text EF
    /// 0006); on `9000` the session's secure messaging starts.
    SessionKey {
        /// The card's encryption key: text EF 0006 as read, hex.
        key: Template,
    },
    /// `secure: { verify | select_ef | read_binary }`: one command under
    /// the session's secure messaging (CLA `08`).
    Secure(SecureCommand),
}

/// Which command a `change_pin` step sends (card-protocol.md §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinChange {
    /// CHANGE REFERENCE DATA `00 24 01 80` (JPKI, text AP).
    ReferenceData,
    /// JICSAP CHANGE KEY `80 32 00 80` (共通カードAP, 住基AP).
    ChangeKey,
}

/// A command sent under secure messaging (myna-card 3.3.4 `src/sm.rs`).
#[derive(Clone, Debug)]
pub enum SecureCommand {
    /// `08 20 00 P2 Lc 86 L 01 ‖ E(value)`.
    Verify {
        /// The secret.
        pin: Template,
        /// P2 (`80` or `80 | SFI`).
        p2: u8,
    },
    /// `08 A4 02 0C Lc 86 L 01 ‖ E(FID)`.
    SelectEf(EfRef),
    /// `08 B0 P1 P2 00 00 05 96 03 00 <Le:2> 00 00`, answered `86 L 01 ‖
    /// E(data)`; the step's data is the decrypted bytes.
    ReadBinary {
        /// 15-bit offset.
        offset: u16,
        /// Bytes asked for; 0 = the rest of the file.
        le: u16,
    },
}

impl CardAction {
    /// The step keyword the action is written with.
    pub fn keyword(&self) -> &'static str {
        match self {
            CardAction::Apdu(_) => "apdu",
            CardAction::Select(_) => "select",
            CardAction::SelectEf(_) => "select_ef",
            CardAction::Verify { .. } => "verify",
            CardAction::ChangePin { .. } => "change_pin",
            CardAction::ReadBinary { .. } => "read_binary",
            CardAction::ReadFile { .. } => "read_file",
            CardAction::Sign { .. } => "sign",
            CardAction::GetChallenge { .. } => "get_challenge",
            CardAction::Power(_) => "power",
            CardAction::SessionKey { .. } => "session_key",
            CardAction::Secure(_) => "secure",
        }
    }
}

/// A status-word pattern: `9000`, or `63CX` where `X` matches any nibble.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwPattern {
    /// Bits that must match.
    pub value: u16,
    /// Which bits are compared (`0xFFF0` for `63CX`).
    pub mask: u16,
}

impl SwPattern {
    /// Whether `sw` matches.
    pub fn matches(&self, sw: u16) -> bool {
        sw & self.mask == self.value & self.mask
    }
}

impl fmt::Display for SwPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for shift in [12u16, 8, 4, 0] {
            if (self.mask >> shift) & 0xF == 0xF {
                write!(f, "{:X}", (self.value >> shift) & 0xF)?;
            } else {
                f.write_str("X")?;
            }
        }
        Ok(())
    }
}

/// An inclusive length range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LenRange {
    /// Smallest allowed.
    pub min: usize,
    /// Largest allowed.
    pub max: usize,
}

/// A path of BER-TLV tags, e.g. `FF20/DF22`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlvPath(pub Vec<u32>);

/// What a TLV element must hold.
#[derive(Clone, Debug)]
pub enum TlvExpect {
    /// `{ hex: "…" }`: exact value bytes.
    Hex(Template),
    /// `{ text: "…" }`: value decoded as UTF-8.
    Text(Template),
    /// `{ len: N }` or `{ len: { min, max } }`.
    Len(LenRange),
    /// `{ present: bool }`.
    Present(bool),
}

/// Expectations on a certificate carried in the response data (DER).
#[derive(Clone, Debug, Default)]
pub struct CertExpect {
    /// Substring of the RFC 4514-style subject, e.g. `C=JP`.
    pub subject_contains: Vec<Template>,
    /// Substring of the issuer.
    pub issuer_contains: Vec<Template>,
    /// Serial number, hex (leading zeros ignored).
    pub serial: Option<Template>,
    /// Extended key usages by name (`clientAuth`, …) or dotted OID.
    pub eku: Vec<String>,
    /// Key usages by name (`digitalSignature`, `nonRepudiation`, …).
    pub key_usage: Vec<String>,
    /// RSA modulus size in bits.
    pub key_bits: Option<u32>,
    /// NotAfter as `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_after: Option<Template>,
    /// OIDs of otherName SubjectAltName entries that must be present.
    pub san_other_names: Vec<String>,
}

/// Signature schemes a `signature:` expectation can check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigScheme {
    /// RSASSA-PKCS1-v1_5 over DigestInfo(hash(message)).
    Pkcs1v15,
    /// PKCS#1 v1.5 type-1 padding over the bare hash (P1 01).
    Pkcs1v15BareHash,
    /// RSASSA-PSS, salt length = hash length.
    Pss,
}

/// The key a signature is checked with.
#[derive(Clone, Debug)]
pub enum SignerKey {
    /// `cert:` an X.509 certificate (DER hex), its subject public key.
    Cert(Template),
    /// `key:` a card key: a card-verifiable certificate (`7F21` template or
    /// the MF form after `4D`), whose body's key is taken, or the card's
    /// public-key encoding `90 ‥ 91 ‥` (text EF 0007 DF51, surface DF24),
    /// also inside a template (text EF 0006 `A1`).
    Card(Template),
}

/// The response data must be a signature that verifies.
#[derive(Clone, Debug)]
pub struct SignatureExpect {
    /// The key it verifies with.
    pub key: SignerKey,
    /// The signed message (hex template).
    pub message: Template,
    /// Hash algorithm.
    pub hash: HashAlg,
    /// Scheme.
    pub scheme: SigScheme,
}

/// What a [`SignedExpect`] finds in the data (card-protocol.md §1.2, §1.3,
/// §1.5; myna-card 3.3.4 `tests/signatures.rs`). Every signature is
/// RSASSA-PKCS1-v1_5 with SHA-256 (card-protocol.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedLayout {
    /// A card-verifiable certificate: `5F37` signs the `5F4E` body's value;
    /// when the key is a CV certificate too, its subject key id must be
    /// this certificate's issuer key id.
    CvCertificate,
    /// A record whose signature element (at `signature:`) signs the
    /// elements before it in its parent, as encoded (text EF 0003 DF33,
    /// EF 0007 DF52; surface EF 0001 DF13, EF 0005 DF43).
    Record,
    /// The card face (surface EF 0002): DF28 signs a 115-byte DigestInfo of
    /// SHA-256(DF22‖DF23‖DF24), SHA-256(DF25‖DF26) and SHA-256(DF27), each
    /// over the elements as encoded (tag, length, value).
    CardFace,
}

/// `signed:` the data carries a signature by a card key.
#[derive(Clone, Debug)]
pub struct SignedExpect {
    /// The signer: a CV certificate or a card public key, hex.
    pub by: Template,
    /// What the data is.
    pub layout: SignedLayout,
    /// For [`SignedLayout::Record`]: where the signature element is.
    pub signature: Option<TlvPath>,
}

/// `tries_left:` the status word is `63Cx` with this many tries left.
#[derive(Clone, Debug)]
pub struct TriesExpect {
    /// A decimal count (a template: a persona field or a capture).
    pub from: Template,
    /// Subtracted from it (`{ from, minus: 1 }`: one try was spent).
    pub minus: u8,
}

/// Expectations on one response (or on a `read_file` result).
#[derive(Clone, Debug, Default)]
pub struct Expect {
    /// Any of these status words.
    pub sw: Option<Spanned<Vec<SwPattern>>>,
    /// Exact data, hex template.
    pub data: Option<Spanned<Template>>,
    /// Data length.
    pub data_len: Option<Spanned<LenRange>>,
    /// Data starts with, hex template.
    pub data_prefix: Option<Spanned<Template>>,
    /// Regex over the data as uppercase hex without spaces.
    pub data_regex: Option<Spanned<String>>,
    /// BER-TLV checks.
    pub tlv: Vec<Spanned<(TlvPath, TlvExpect)>>,
    /// Certificate checks on the data.
    pub cert: Option<Spanned<CertExpect>>,
    /// Signature check on the data.
    pub signature: Option<Spanned<SignatureExpect>>,
    /// Signature by a card key carried in the data.
    pub signed: Option<Spanned<SignedExpect>>,
    /// The tries left that `63Cx` reports.
    pub tries_left: Option<Spanned<TriesExpect>>,
}

/// Where a capture takes its value from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureSource {
    /// `data`: the response data (hex).
    Data,
    /// `sw`: the status word (4 hex digits).
    Sw,
    /// `data[a..b]`: a byte range of the data (hex).
    DataRange(usize, usize),
    /// `tlv:FF20/DF22`: a TLV value (hex).
    Tlv(TlvPath),
    /// `tries`: the tries left `x` of a `63Cx` status word, decimal.
    Tries,
}

/// `capture: { name: source }`.
#[derive(Clone, Debug)]
pub struct Capture {
    /// Variable name.
    pub name: String,
    /// What to take.
    pub source: CaptureSource,
    /// Declared secret (`capture: { name: { from: data, secret: true } }`).
    pub secret: bool,
    /// Where it is written.
    pub at: Location,
}
