//! File names inside `vectors/personas/` (one directory per persona plus the
//! shared `ca/` directory). Shared by the loader and the generator.

/// The shared CA directory under the personas root; not a persona.
pub const CA_DIR: &str = "ca";
/// The persona document in each persona directory.
pub const PERSONA_YAML: &str = "persona.yaml";
/// 利用者証明用 private key, PKCS#8 DER.
pub const AUTH_KEY: &str = "auth-key.pk8.der";
/// 利用者証明用電子証明書, X.509 DER.
pub const AUTH_CERT: &str = "auth-cert.der";
/// 署名用 private key, PKCS#8 DER (absent when no 署名用 certificate).
pub const SIGN_KEY: &str = "sign-key.pk8.der";
/// 署名用電子証明書, X.509 DER (absent when not issued).
pub const SIGN_CERT: &str = "sign-cert.der";
/// 共通AP INTERNAL AUTHENTICATE key (EF 0019), PKCS#8 DER. Optional in a
/// persona directory; the loader falls back to the one in `ca/`.
pub const COMMON_KEY: &str = "common-key.pk8.der";

/// JPKI-TEST 利用者証明用 root CA key (generator input only).
pub const AUTH_CA_KEY: &str = "auth-ca-key.pk8.der";
/// JPKI-TEST 利用者証明用 root CA certificate (JPKI EF 000B).
pub const AUTH_CA_CERT: &str = "auth-ca-cert.der";
/// JPKI-TEST 署名用 root CA key (generator input only).
pub const SIGN_CA_KEY: &str = "sign-ca-key.pk8.der";
/// JPKI-TEST 署名用 root CA certificate (JPKI EF 0002).
pub const SIGN_CA_CERT: &str = "sign-ca-cert.der";
/// Issuer key of the 券面 APs' CV certificates (EF 0004).
pub const KENMEN_ISSUER_KEY: &str = "kenmen-issuer-key.pk8.der";
/// The key the text AP's EF 0004 certifies; it signs text EF 0003 DF33 and
/// EF 0007 DF52 (myna-card 3.3.4 `IntegrityRecord`, `SignedPublicKey`).
pub const TEXT_DATA_KEY: &str = "text-data-key.pk8.der";
/// The key the surface AP's EF 0004 certifies; it signs the surface
/// records (myna-card 3.3.4 `tests/signatures.rs`).
pub const SURFACE_DATA_KEY: &str = "surface-data-key.pk8.der";
/// The 券面事項入力補助AP's own key (EF 0013, text EF 0007 DF51): signs
/// challenges with `80 2A 00 00`.
pub const TEXT_AP_KEY: &str = "text-ap-key.pk8.der";
/// The 券面事項確認AP's own key (DF12/DF24/DF42 of its records): signs
/// challenges with `80 2A 00 00`.
pub const SURFACE_AP_KEY: &str = "surface-ap-key.pk8.der";
/// Root of the MF-level card-verifiable chain (generator input; its public
/// half verifies GET DATA 00F8).
pub const MF_ROOT_KEY: &str = "mf-cv-root-key.pk8.der";
/// The intermediate the root certifies in 00F8 (generator input).
pub const MF_INTERMEDIATE_KEY: &str = "mf-cv-intermediate-key.pk8.der";
/// The key the intermediate certifies in 7F21 (generator input).
pub const MF_LOWER_KEY: &str = "mf-cv-lower-key.pk8.der";
/// GET DATA 00F8: the root certifying the intermediate, 575 bytes.
pub const MF_CHAIN_UPPER: &str = "mf-do-00f8.bin";
/// GET DATA 7F21: the intermediate certifying the key below it, 575 bytes.
pub const MF_CHAIN_LOWER: &str = "mf-do-7f21.bin";
/// The text AP's session-key encryption key (public half in text EF 0006).
pub const TEXT_SESSION_KEY: &str = "text-session-key.pk8.der";
/// CV certificate of the text AP key (text EF 0004), 568 bytes.
pub const TEXT_CV_CERT: &str = "text-ap-cv-cert.bin";
/// CV certificate of the surface AP key (surface EF 0004), 568 bytes.
pub const SURFACE_CV_CERT: &str = "surface-ap-cv-cert.bin";

// Synthetic key ids. The 16-byte shape is the test card's (7 ASCII digits ‖
// `08 05` ‖ 3 digits ‖ 4 zero bytes, card-protocol.md §1.2 DF42), the digits
// are not: every id here starts with `9`, a first digit no known J-LIS id
// has — production issuers are `5000023`/`5000033`, the J-LIS test
// hierarchy's `6000020`/`6000023`/`6000024`/`6000033`/`6000034`/`0000050`
// (card-protocol.md §1.2, §4; myna-card 3.3.4 fixtures), and the per-card
// ids start with a 5-digit municipality code, whose prefecture part is
// 01–47. Our keys are synthetic (vectors/personas/ca): an id the J-LIS test
// hierarchy also uses would send a client that carries its keys to the
// wrong key and make it report our signatures as bad; with an id nobody
// else uses it reports an unknown issuer, which is the truth
// (vectors/personas/README.md, issue 8).

/// The first digit of every synthetic key id below.
pub const SYNTHETIC_KEY_ID_FIRST_DIGIT: u8 = b'9';
/// Key id (7 digits) of the text AP CV-certificate issuer (where the test
/// card has `6000033`, card-protocol.md §4).
pub const TEXT_ISSUER_KEY_ID: &str = "9000033";
/// Key id of text EF 0005 DF42 (where the test card has `6000034`,
/// card-protocol.md §1.2 DF42; not the key EF 0004 certifies, myna-card
/// 3.3.4 `ApBasicData::public_key_id`).
pub const TEXT_AP_KEY_ID: &str = "9000034";
/// Key id of the surface AP CV-certificate issuer (where the test card has
/// `6000023`, card-protocol.md §4).
pub const SURFACE_ISSUER_KEY_ID: &str = "9000023";
/// Key id of surface EF 0003 DF32 (`6000024/001` on the test card).
pub const SURFACE_AP_KEY_ID: &str = "9000024";
/// Subject key id of text EF 0004 (`<municipality>31/000` on the test card,
/// `1322131`; here one synthetic value shared by every persona).
pub const TEXT_DATA_KEY_ID: &str = "9000031";
/// Subject key id of surface EF 0004 (`1322121/000` on the test card).
pub const SURFACE_DATA_KEY_ID: &str = "9000021";
/// Issuer key id of GET DATA 00F8 (`6000020/001` on the test card,
/// myna-card 3.3.4 `tests/fixtures/mf-do-F8.bin`).
pub const MF_ROOT_KEY_ID: &str = "9000020";
/// The intermediate of the MF chain (`1322130/002` on the test card).
pub const MF_INTERMEDIATE_KEY_ID: &str = "9000030";
/// The key below it (`0000050/001` on the test card, `mf-do-7F21.bin`).
pub const MF_LOWER_KEY_ID: &str = "9000050";
