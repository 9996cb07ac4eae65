//! The validated scenario model: what the loader produces and the engine runs.
//!
//! Every node the engine may report on carries a [`Location`] so that a
//! failed expectation names `file:line:col`. Secrets are not a separate
//! type here: the fields that hold them (`verify.pin`, `change_pin.new`,
//! variables declared `secret`) are marked, and the engine keeps their
//! values out of every output.

use std::fmt;
use std::sync::Arc;

/// A position in a scenario file (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file as the user named it (relative to the working directory).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it starts in the file.
    pub at: Location,
}

impl<T> Spanned<T> {
    /// `value` written at `at`.
    pub fn new(value: T, at: Location) -> Self {
        Spanned { value, at }
    }
}

/// Which part of the ecosystem a scenario tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// My Number Card APDUs.
    Card,
    /// The reception reader's UI.
    Reader,
    /// The マイナポータル-like HTTP API.
    Portal,
    /// The eligibility lookup (オンライン資格確認).
    Oqs,
}

impl Family {
    /// The lowercase name used in ids, reports and `--filter`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Card => "card",
            Family::Reader => "reader",
            Family::Portal => "portal",
            Family::Oqs => "oqs",
        }
    }
}

/// How strongly a requirement binds: a failed `must` is `fail`, a failed
/// `should` is `warn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Failure makes the verdict `fail`.
    Must,
    /// Failure makes the verdict `warn`.
    Should,
}

/// One scenario file, validated, includes expanded.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Unique, stable, dotted id, e.g. `card.jpki.auth-pin.lockout`.
    pub id: String,
    /// One line for people.
    pub title: String,
    /// The family (from `family:` or the first segment of the id).
    pub family: Family,
    /// Requirement ids from the catalogue.
    pub requirements: Vec<String>,
    /// Where each of `requirements` is written (same length and order).
    pub requirements_at: Vec<Location>,
    /// Default `must`.
    pub level: Level,
    /// Free tags for `--tags`.
    pub tags: Vec<String>,
    /// Capabilities the target must declare, else `not_applicable`.
    pub applies_if: Vec<String>,
    /// Card persona (vectors/personas/NAME); `None` = the default persona.
    pub persona: Option<String>,
    /// Scenario-level variables, in file order.
    pub vars: Vec<Variable>,
    /// The steps, includes expanded in place.
    pub steps: Vec<Step>,
    /// Steps that always run after `steps`, even after a failure.
    pub finally: Vec<Step>,
    /// Where the file starts (line 1, col 1).
    pub at: Location,
}

/// A scenario variable.
#[derive(Clone, Debug)]
pub struct Variable {
    /// Name without `${}`.
    pub name: String,
    /// Its value; may refer to earlier variables and persona fields.
    pub value: Template,
    /// Secret values never appear in any output.
    pub secret: bool,
    /// Where it was declared.
    pub at: Location,
}

/// A string with `${name}` references, e.g. `"00 20 00 80 04 ${pin}"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Literal text and references in order.
    pub parts: Vec<TemplatePart>,
}

/// A piece of a [`Template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    /// Text taken as written.
    Literal(String),
    /// `${name}` (dotted names such as `persona.auth_pin` allowed).
    Var(String),
}

/// One step: an action, then optional expectations and captures.
#[derive(Clone, Debug)]
pub struct Step {
    /// Where the step's first key is written.
    pub at: Location,
    /// For included steps: where the `include:` step is written.
    pub included_from: Option<Location>,
    /// Optional `name:` for reports.
    pub name: Option<String>,
    /// What to do.
    pub action: Action,
    /// How many times to do it (default 1); expectations apply to every time.
    pub repeat: u32,
    /// What the response must look like (card steps only).
    pub expect: Option<Expect>,
    /// For [`Action::Generic`] steps: the `expect:` value kept as written
    /// (JSON-like), at the location of the value. `None` for card steps.
    pub generic_expect: Option<Spanned<serde_json::Value>>,
    /// Values to keep for later steps (card steps only).
    pub captures: Vec<Capture>,
    /// For [`Action::Generic`] steps: the `capture:` value kept as written
    /// (JSON-like), at the location of the value. `None` for card steps.
    pub generic_capture: Option<Spanned<serde_json::Value>>,
    /// Overrides the scenario level for this step's expectations.
    pub level: Option<Level>,
}

/// A step's action, by family.
#[derive(Clone, Debug)]
pub enum Action {
    /// A card command.
    Card(CardAction),
    /// A step of a family other than `card` (reader, portal, oqs), kept as
    /// written: the action key and its value as a JSON-like tree. Integers
    /// and floats come from plain YAML scalars; quoted scalars stay strings.
    Generic {
        /// The action key, e.g. `http` or `lookup`.
        keyword: String,
        /// Its value.
        body: serde_json::Value,
    },
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
    /// (see `crate::names`).
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
