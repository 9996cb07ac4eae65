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
}

impl StepBody for CardStep {
    fn keyword(&self) -> &'static str {
        self.action.keyword()
    }

    fn label(&self) -> String {
        crate::label::label(&self.action)
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
    /// `change_pin: { new: "…" }`: `00 24 01 80 Lc <new>`.
    ChangePin {
        /// The new value (secret).
        new: Template,
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

/// The response data must be a signature that verifies.
#[derive(Clone, Debug)]
pub struct SignatureExpect {
    /// The certificate (DER, hex template, typically a capture).
    pub cert: Template,
    /// The signed message (hex template).
    pub message: Template,
    /// Hash algorithm.
    pub hash: HashAlg,
    /// Scheme.
    pub scheme: SigScheme,
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
