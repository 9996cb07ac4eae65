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
/// Issuer key of the 券面 APs' CV certificates.
pub const KENMEN_ISSUER_KEY: &str = "kenmen-issuer-key.pk8.der";
/// The 券面事項入力補助AP's own signing key.
pub const TEXT_AP_KEY: &str = "text-ap-key.pk8.der";
/// The 券面事項確認AP's own signing key.
pub const SURFACE_AP_KEY: &str = "surface-ap-key.pk8.der";
/// The text AP's session-key encryption key (public half in text EF 0006).
pub const TEXT_SESSION_KEY: &str = "text-session-key.pk8.der";
/// CV certificate of the text AP key (text EF 0004), 568 bytes.
pub const TEXT_CV_CERT: &str = "text-ap-cv-cert.bin";
/// CV certificate of the surface AP key (surface EF 0004), 568 bytes.
pub const SURFACE_CV_CERT: &str = "surface-ap-cv-cert.bin";

/// Key id (7 digits) of the text AP CV-certificate issuer (test, card-protocol.md §4).
pub const TEXT_ISSUER_KEY_ID: &str = "6000033";
/// Key id of the text AP's own key (card-protocol.md §1.2 DF42 example).
pub const TEXT_AP_KEY_ID: &str = "6000034";
/// Key id of the surface AP CV-certificate issuer (test, card-protocol.md §4).
pub const SURFACE_ISSUER_KEY_ID: &str = "6000023";
/// Key id of the surface AP's own key.
pub const SURFACE_AP_KEY_ID: &str = "6000024";
