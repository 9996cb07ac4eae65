//! Generates the TEST ONLY personas in `vectors/personas/`.
//!
//! ```text
//! cargo run --release -p myna-card-emu --example gen_personas -- vectors/personas
//! ```
//!
//! Deterministic: every RSA key comes from a ChaCha20 RNG seeded with
//! SHA-256 of a fixed label, PKCS#1 v1.5 signatures are deterministic and no
//! wall-clock time is read, so a rerun rewrites the same bytes. After writing,
//! every persona is loaded back with `Persona::load` as a check.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use der::asn1::{Ia5String, OctetString, UtcTime, Utf8StringRef};
use der::{Any, DateTime, Encode};
use myna_card_emu::persona::cv_cert::{
    build_cv_certificate, build_mf_cv_object, key_id, key_id_numbered,
};
use myna_card_emu::persona::files;
use myna_card_emu::persona::{
    complete_my_number, format_utc, wareki_yymmdd, CertificateEntry, CounterEntry, Era,
    LocalityRomaji, Persona, PersonaDocument, PhoneEntry, QuirkEntries, RetryEntries, SecretText,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::EncodePrivateKey;
use rsa::RsaPrivateKey;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, OtherName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, CertificatePolicies,
    CrlDistributionPoints, ExtendedKeyUsage, IssuerAltName, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// 利用者証明用 certificate policy, test-card variant (card-protocol.md §4:
/// production `1.2.392.200149.8.5.1.3.30`, test card `…1.0.30`).
const AUTH_POLICY: &str = "1.2.392.200149.8.5.1.0.30";
/// 署名用 certificate policy, test-card variant (card-protocol.md §4 `…1.0.20`).
const SIGN_POLICY: &str = "1.2.392.200149.8.5.1.0.20";
/// SubjectAltName otherName types of the 署名用 certificate (card-protocol.md §4).
const OTHER_NAME_NAME: &str = "1.2.392.200149.8.5.5.1";
const OTHER_NAME_SEX: &str = "1.2.392.200149.8.5.5.3";
const OTHER_NAME_BIRTH: &str = "1.2.392.200149.8.5.5.4";
const OTHER_NAME_ADDRESS: &str = "1.2.392.200149.8.5.5.5";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const OCSP: &str = "1.3.6.1.5.5.7.48.1";

const AUTH_CA_DN: &str = "OU=Japan Agency for Local Authority Information Systems,\
OU=JPKI for user authentication,O=JPKI-TEST,C=JP";
const SIGN_CA_DN: &str = "OU=Japan Agency for Local Authority Information Systems,\
OU=JPKI for digital signature,O=JPKI-TEST,C=JP";

type Ymd = (i32, u8, u8);

/// One persona's definition.
struct Spec {
    id: &'static str,
    description: &'static str,
    name: &'static str,
    name_kana: &'static str,
    address: &'static str,
    prefecture_romaji: &'static str,
    city_romaji: &'static str,
    birth: Ymd,
    sex: u8,
    my_number_body: &'static str,
    auth_pin: Option<&'static str>,
    sign_password: Option<&'static str>,
    text_pin: Option<&'static str>,
    juki_pin: Option<&'static str>,
    security_code: &'static str,
    card_expiry: Ymd,
    municipality_code: &'static str,
    card_serial: &'static str,
    auth_serial: u64,
    sign_serial: Option<u64>,
    cert_not_before: Ymd,
    cert_not_after: Ymd,
    face_only: bool,
    auth_pin_left: Option<u8>,
    /// The smartphone card's own PIN; `None`: no smartphone card.
    phone_pin: Option<&'static str>,
}

fn specs() -> Vec<Spec> {
    vec![
        Spec {
            id: "taro",
            description: "Default persona: adult male aged 40-74 (特定健診 band), every PIN set, both certificates valid.",
            name: "山田\u{3000}太郎",
            name_kana: "ヤマダ\u{3000}タロウ",
            address: "東京都千代田区霞が関２丁目１番２号",
            prefecture_romaji: "Tokyo-to",
            city_romaji: "Chiyoda-ku",
            birth: (1980, 2, 17),
            sex: 1,
            my_number_body: "31415926535",
            auth_pin: Some("4826"),
            sign_password: Some("TAROSIGN26"),
            text_pin: Some("7391"),
            juki_pin: Some("5064"),
            security_code: "2285",
            card_expiry: (2035, 2, 17),
            municipality_code: "13101",
            card_serial: "400000012719843",
            auth_serial: 0x18C_453E,
            sign_serial: Some(0x18C_453F),
            cert_not_before: (2025, 2, 20),
            cert_not_after: (2030, 2, 17),
            face_only: false,
            auth_pin_left: None,
            phone_pin: Some("1357"),
        },
        Spec {
            id: "hanako",
            description: "Adult female aged 18-39, every PIN set, both certificates valid.",
            name: "佐藤\u{3000}花子",
            name_kana: "サトウ\u{3000}ハナコ",
            address: "大阪府大阪市北区中之島１丁目３番２０号",
            prefecture_romaji: "Osaka-fu",
            city_romaji: "Osaka-shi Kita-ku",
            birth: (1995, 7, 3),
            sex: 2,
            my_number_body: "27182818284",
            auth_pin: Some("3957"),
            sign_password: Some("HANAKO7PW"),
            text_pin: Some("6204"),
            juki_pin: Some("8813"),
            security_code: "7419",
            card_expiry: (2034, 7, 3),
            municipality_code: "27127",
            card_serial: "400000010000202",
            auth_serial: 0x2A1_B001,
            sign_serial: Some(0x2A1_B002),
            cert_not_before: (2024, 7, 10),
            cert_not_after: (2029, 7, 3),
            face_only: false,
            auth_pin_left: None,
            phone_pin: Some("2468"),
        },
        Spec {
            id: "kiyoshi",
            description: "Male aged 75+ (後期高齢者), every PIN set, both certificates valid.",
            name: "鈴木\u{3000}清",
            name_kana: "スズキ\u{3000}キヨシ",
            address: "北海道札幌市中央区北１条西２丁目１番地",
            prefecture_romaji: "Hokkaido",
            city_romaji: "Sapporo-shi Chuo-ku",
            birth: (1945, 11, 3),
            sex: 1,
            my_number_body: "16180339887",
            auth_pin: Some("2718"),
            sign_password: Some("KIYOSHI45A"),
            text_pin: Some("9406"),
            juki_pin: Some("3141"),
            security_code: "5530",
            card_expiry: (2033, 11, 3),
            municipality_code: "01101",
            card_serial: "400000010000303",
            auth_serial: 0x3C2_D101,
            sign_serial: Some(0x3C2_D102),
            cert_not_before: (2023, 11, 10),
            cert_not_after: (2028, 11, 3),
            face_only: false,
            auth_pin_left: None,
            phone_pin: Some("9024"),
        },
        Spec {
            id: "sakura",
            description: "Child under 15 (born in 令和): no 署名用 certificate or password; JPKI EF 0008 = 00 8F 00.",
            name: "田中\u{3000}さくら",
            name_kana: "タナカ\u{3000}サクラ",
            address: "福岡県福岡市中央区天神１丁目８番１号",
            prefecture_romaji: "Fukuoka-ken",
            city_romaji: "Fukuoka-shi Chuo-ku",
            birth: (2020, 6, 15),
            sex: 2,
            my_number_body: "14142135623",
            auth_pin: Some("6071"),
            sign_password: None,
            text_pin: Some("8352"),
            juki_pin: Some("1947"),
            security_code: "9162",
            card_expiry: (2030, 6, 15),
            municipality_code: "40133",
            card_serial: "400000010000404",
            auth_serial: 0x4D3_E201,
            sign_serial: None,
            cert_not_before: (2025, 6, 20),
            cert_not_after: (2030, 6, 15),
            face_only: false,
            auth_pin_left: None,
            phone_pin: Some("5813"),
        },
        Spec {
            id: "kao",
            description: "Face-only card (顔認証マイナンバーカード): no PIN set, no 署名用 certificate (uncertain modelling: VERIFY answers 6984).",
            name: "高橋\u{3000}薫",
            name_kana: "タカハシ\u{3000}カオル",
            address: "愛知県名古屋市中区三の丸３丁目１番１号",
            prefecture_romaji: "Aichi-ken",
            city_romaji: "Nagoya-shi Naka-ku",
            birth: (1958, 9, 30),
            sex: 1,
            my_number_body: "17320508075",
            auth_pin: None,
            sign_password: None,
            text_pin: None,
            juki_pin: None,
            security_code: "4408",
            card_expiry: (2034, 9, 30),
            municipality_code: "23106",
            card_serial: "400000010000505",
            auth_serial: 0x5E4_F301,
            sign_serial: None,
            cert_not_before: (2024, 10, 1),
            cert_not_after: (2029, 9, 30),
            face_only: true,
            auth_pin_left: None,
            phone_pin: None,
        },
        Spec {
            id: "blocked",
            description: "利用者証明用 PIN blocked at manufacture (tries left 0); everything else as taro.",
            name: "伊藤\u{3000}健",
            name_kana: "イトウ\u{3000}ケン",
            address: "神奈川県横浜市中区日本大通１番地",
            prefecture_romaji: "Kanagawa-ken",
            city_romaji: "Yokohama-shi Naka-ku",
            birth: (1972, 12, 24),
            sex: 1,
            my_number_body: "22360679774",
            auth_pin: Some("3074"),
            sign_password: Some("KENSIGN72"),
            text_pin: Some("5928"),
            juki_pin: Some("7163"),
            security_code: "6637",
            card_expiry: (2032, 12, 24),
            municipality_code: "14104",
            card_serial: "400000010000606",
            auth_serial: 0x6F5_0401,
            sign_serial: Some(0x6F5_0402),
            cert_not_before: (2022, 12, 26),
            cert_not_after: (2027, 12, 24),
            face_only: false,
            auth_pin_left: Some(0),
            phone_pin: Some("7260"),
        },
        Spec {
            id: "expired",
            description: "利用者証明用 and 署名用 certificates expired (NotAfter 2024-12-07T14:59:59Z); the card itself is still valid.",
            name: "渡辺\u{3000}美咲",
            name_kana: "ワタナベ\u{3000}ミサキ",
            address: "京都府京都市中京区寺町通御池上る上本能寺前町４８８番地",
            prefecture_romaji: "Kyoto-fu",
            city_romaji: "Kyoto-shi Nakagyo-ku",
            birth: (1988, 12, 7),
            sex: 2,
            my_number_body: "26457513110",
            auth_pin: Some("8149"),
            sign_password: Some("MISAKI88X"),
            text_pin: Some("2573"),
            juki_pin: Some("4690"),
            security_code: "3826",
            card_expiry: (2029, 12, 7),
            municipality_code: "26104",
            card_serial: "400000010000707",
            auth_serial: 0x706_1501,
            sign_serial: Some(0x706_1502),
            cert_not_before: (2019, 12, 10),
            cert_not_after: (2024, 12, 7),
            face_only: false,
            auth_pin_left: None,
            phone_pin: Some("3141"),
        },
        // The portal family's revoked certificate: valid dates, listed on
        // the test CA's revocation list (vectors/personas/ca/auth-ca.crl,
        // harness/portal/examples/gen_crl.rs).
        Spec {
            id: "revoked",
            description: "利用者証明用 certificate revoked (listed on the test CA's CRL, ca/auth-ca.crl); card, PINs and dates valid.",
            name: "中村\u{3000}翔",
            name_kana: "ナカムラ\u{3000}ショウ",
            address: "宮城県仙台市青葉区本町３丁目８番１号",
            prefecture_romaji: "Miyagi-ken",
            city_romaji: "Sendai-shi Aoba-ku",
            birth: (1990, 4, 12),
            sex: 1,
            my_number_body: "30277563776",
            auth_pin: Some("5182"),
            sign_password: Some("SHO90REV"),
            text_pin: Some("6647"),
            juki_pin: Some("2209"),
            security_code: "8093",
            card_expiry: (2034, 4, 12),
            municipality_code: "04101",
            card_serial: "400000010000808",
            auth_serial: 0x8A7_0601,
            sign_serial: Some(0x8A7_0602),
            cert_not_before: (2024, 4, 20),
            cert_not_after: (2029, 4, 12),
            face_only: false,
            auth_pin_left: None,
            phone_pin: Some("6420"),
        },
    ]
}

/// An RSA-2048 key from a ChaCha20 RNG seeded by SHA-256(label).
fn key(label: &str) -> Result<RsaPrivateKey> {
    let seed: [u8; 32] = Sha256::digest(format!("myna-conform TEST ONLY key/{label}")).into();
    let mut rng = ChaCha20Rng::from_seed(seed);
    Ok(RsaPrivateKey::new(&mut rng, 2048)?)
}

/// `n` characters of A–Z 0–9 derived from a label (opaque certificate CNs).
fn opaque_id(label: &str, n: usize) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::new();
    let mut counter = 0u32;
    while out.len() < n {
        let digest = Sha256::digest(format!("{label}/{counter}"));
        for byte in digest {
            if out.len() < n {
                out.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
        counter += 1;
    }
    out
}

fn utc(date: Ymd, hour: u8, minute: u8, second: u8) -> Result<Time> {
    let (year, month, day) = date;
    let year = u16::try_from(year)?;
    Ok(Time::UtcTime(UtcTime::from_date_time(DateTime::new(
        year, month, day, hour, minute, second,
    )?)?))
}

fn oid(text: &str) -> Result<ObjectIdentifier> {
    Ok(ObjectIdentifier::new(text)?)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn write_key(path: &Path, key: &RsaPrivateKey) -> Result<()> {
    write(path, key.to_pkcs8_der()?.as_bytes())
}

fn spki(key: &RsaPrivateKey) -> Result<SubjectPublicKeyInfoOwned> {
    Ok(SubjectPublicKeyInfoOwned::from_key(key.to_public_key())?)
}

fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<OctetString> {
    Ok(OctetString::new(
        Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec(),
    )?)
}

/// A JPKI-TEST root CA.
struct Ca {
    name: Name,
    key: RsaPrivateKey,
    serial: SerialNumber,
    spki: SubjectPublicKeyInfoOwned,
    cert_der: Vec<u8>,
}

fn make_ca(dn: &str, label: &str, serial: u8) -> Result<Ca> {
    let key = key(label)?;
    let name = Name::from_str(dn)?;
    let spki = spki(&key)?;
    let serial = SerialNumber::from(serial);
    let validity = Validity {
        not_before: utc((2015, 1, 1), 0, 0, 0)?,
        not_after: utc((2045, 1, 1), 14, 59, 59)?,
    };
    let signer = SigningKey::<Sha256>::new(key.clone());
    let builder = CertificateBuilder::new(
        Profile::Root,
        serial.clone(),
        validity,
        name.clone(),
        spki.clone(),
        &signer,
    )?;
    let cert = builder.build::<rsa::pkcs1v15::Signature>()?;
    Ok(Ca {
        name,
        key,
        serial,
        spki,
        cert_der: cert.to_der()?,
    })
}

/// Extensions common to both leaf kinds.
fn common_extensions(
    builder: &mut CertificateBuilder<'_, SigningKey<Sha256>>,
    ca: &Ca,
    subject_spki: &SubjectPublicKeyInfoOwned,
    spec: &Spec,
    policy: &str,
) -> Result<()> {
    builder.add_extension(&CertificatePolicies(vec![PolicyInformation {
        policy_identifier: oid(policy)?,
        policy_qualifiers: None,
    }]))?;
    builder.add_extension(&IssuerAltName(vec![GeneralName::DirectoryName(
        Name::from_str("O=公的個人認証サービス,C=JP")?,
    )]))?;
    let crl_dp = Name::from_str(&format!(
        "CN={} CRLDP,OU={},OU=CRL Distribution Points,O=JPKI-TEST,C=JP",
        spec.city_romaji, spec.prefecture_romaji
    ))?;
    builder.add_extension(&CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::DirectoryName(crl_dp),
        ])),
        reasons: None,
        crl_issuer: None,
    }]))?;
    builder.add_extension(&AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: oid(OCSP)?,
        access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(
            "http://ocsp.jpki-test.invalid",
        )?),
    }]))?;
    builder.add_extension(&AuthorityKeyIdentifier {
        key_identifier: Some(key_identifier(&ca.spki)?),
        authority_cert_issuer: Some(vec![GeneralName::DirectoryName(ca.name.clone())]),
        authority_cert_serial_number: Some(ca.serial.clone()),
    })?;
    builder.add_extension(&SubjectKeyIdentifier(key_identifier(subject_spki)?))?;
    Ok(())
}

fn leaf_validity(spec: &Spec) -> Result<Validity> {
    Ok(Validity {
        not_before: utc(spec.cert_not_before, 0, 0, 0)?,
        not_after: utc(spec.cert_not_after, 14, 59, 59)?,
    })
}

fn serial_number(value: u64) -> Result<SerialNumber> {
    Ok(SerialNumber::from(value))
}

/// 利用者証明用 certificate (card-protocol.md §4).
fn auth_cert(spec: &Spec, ca: &Ca, key: &RsaPrivateKey, cn: &str) -> Result<Vec<u8>> {
    let subject_spki = spki(key)?;
    let signer = SigningKey::<Sha256>::new(ca.key.clone());
    let mut builder = CertificateBuilder::new(
        Profile::Manual {
            issuer: Some(ca.name.clone()),
        },
        serial_number(spec.auth_serial)?,
        leaf_validity(spec)?,
        Name::from_str(&format!("CN={cn},C=JP"))?,
        subject_spki.clone(),
        &signer,
    )?;
    builder.add_extension(&KeyUsage(KeyUsages::DigitalSignature.into()))?;
    builder.add_extension(&ExtendedKeyUsage(vec![oid(CLIENT_AUTH)?]))?;
    common_extensions(&mut builder, ca, &subject_spki, spec, AUTH_POLICY)?;
    Ok(builder.build::<rsa::pkcs1v15::Signature>()?.to_der()?)
}

fn other_name(type_id: &str, value: &str) -> Result<GeneralName> {
    Ok(GeneralName::OtherName(OtherName {
        type_id: oid(type_id)?,
        value: Any::encode_from(&Utf8StringRef::new(value)?)?,
    }))
}

/// 署名用 certificate (card-protocol.md §4).
fn sign_cert(spec: &Spec, serial: u64, ca: &Ca, key: &RsaPrivateKey, cn: &str) -> Result<Vec<u8>> {
    let subject_spki = spki(key)?;
    let signer = SigningKey::<Sha256>::new(ca.key.clone());
    let subject = Name::from_str(&format!(
        "CN={cn},L={},L={},C=JP",
        spec.city_romaji, spec.prefecture_romaji
    ))?;
    let mut builder = CertificateBuilder::new(
        Profile::Manual {
            issuer: Some(ca.name.clone()),
        },
        serial_number(serial)?,
        leaf_validity(spec)?,
        subject,
        subject_spki.clone(),
        &signer,
    )?;
    builder.add_extension(&KeyUsage(
        KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
    ))?;
    let (year, month, day) = spec.birth;
    let birth = time::Date::from_calendar_date(year, time::Month::try_from(month)?, day)?;
    let era = Era::of(birth).ok_or("birth date before 大正")?;
    builder.add_extension(&SubjectAltName(vec![
        other_name(OTHER_NAME_NAME, spec.name)?,
        other_name(OTHER_NAME_SEX, &spec.sex.to_string())?,
        other_name(
            OTHER_NAME_BIRTH,
            &format!("{}{year:04}{month:02}{day:02}", era.digit()),
        )?,
        other_name(OTHER_NAME_ADDRESS, spec.address)?,
    ]))?;
    common_extensions(&mut builder, ca, &subject_spki, spec, SIGN_POLICY)?;
    Ok(builder.build::<rsa::pkcs1v15::Signature>()?.to_der()?)
}

fn ymd_text((year, month, day): Ymd) -> String {
    format!("{year:04}{month:02}{day:02}")
}

fn generate_persona(root: &Path, spec: &Spec, auth_ca: &Ca, sign_ca: &Ca) -> Result<()> {
    let dir = root.join(spec.id);
    std::fs::create_dir_all(&dir)?;
    let auth_key = key(&format!("{}/auth", spec.id))?;
    let auth_cn = opaque_id(&format!("{}/auth-cn", spec.id), 23);
    write(
        &dir.join(files::AUTH_CERT),
        &auth_cert(spec, auth_ca, &auth_key, &auth_cn)?,
    )?;
    write_key(&dir.join(files::AUTH_KEY), &auth_key)?;
    write_key(
        &dir.join(files::COMMON_KEY),
        &key(&format!("{}/common", spec.id))?,
    )?;

    let not_after = |date: Ymd| -> Result<String> {
        let (y, m, d) = date;
        let t = time::Date::from_calendar_date(y, time::Month::try_from(m)?, d)?
            .with_hms(14, 59, 59)?
            .assume_utc();
        Ok(format_utc(t))
    };
    let not_before = |date: Ymd| -> Result<String> {
        let (y, m, d) = date;
        Ok(format!("{y:04}-{m:02}-{d:02}T00:00:00Z"))
    };
    let sign_entry = match spec.sign_serial {
        Some(serial) => {
            let sign_key = key(&format!("{}/sign", spec.id))?;
            let sign_cn = opaque_id(&format!("{}/sign-cn", spec.id), 28);
            write(
                &dir.join(files::SIGN_CERT),
                &sign_cert(spec, serial, sign_ca, &sign_key, &sign_cn)?,
            )?;
            write_key(&dir.join(files::SIGN_KEY), &sign_key)?;
            Some(CertificateEntry {
                serial: format!("{serial:X}"),
                subject_cn: sign_cn,
                not_before: not_before(spec.cert_not_before)?,
                not_after: not_after(spec.cert_not_after)?,
            })
        }
        None => {
            for stale in [files::SIGN_CERT, files::SIGN_KEY] {
                let path = dir.join(stale);
                if path.exists() {
                    std::fs::remove_file(path)?;
                }
            }
            None
        }
    };

    let (year, month, day) = spec.birth;
    let birth = time::Date::from_calendar_date(year, time::Month::try_from(month)?, day)?;
    let birth_key = wareki_yymmdd(birth).ok_or("birth date has no 和暦")?;
    let check_b = format!("{birth_key}{:04}{}", spec.card_expiry.0, spec.security_code);
    let secret = |s: &str| SecretText(s.to_owned());
    let document = PersonaDocument {
        test_only: true,
        id: spec.id.to_owned(),
        description: spec.description.to_owned(),
        name: spec.name.to_owned(),
        name_kana: spec.name_kana.to_owned(),
        address: spec.address.to_owned(),
        locality_romaji: LocalityRomaji {
            prefecture: spec.prefecture_romaji.to_owned(),
            city: spec.city_romaji.to_owned(),
        },
        birth_date: ymd_text(spec.birth),
        sex: spec.sex,
        my_number: secret(&complete_my_number(spec.my_number_body).ok_or("my number body")?),
        auth_pin: spec.auth_pin.map(secret),
        sign_password: spec.sign_password.map(secret),
        text_pin: spec.text_pin.map(secret),
        juki_pin: spec.juki_pin.map(secret),
        security_code: secret(spec.security_code),
        birth_key: Some(secret(&birth_key)),
        check_b: Some(secret(&check_b)),
        card_expiry: ymd_text(spec.card_expiry),
        municipality_code: spec.municipality_code.to_owned(),
        card_serial: spec.card_serial.to_owned(),
        auth_cert: CertificateEntry {
            serial: format!("{:X}", spec.auth_serial),
            subject_cn: auth_cn,
            not_before: not_before(spec.cert_not_before)?,
            not_after: not_after(spec.cert_not_after)?,
        },
        sign_cert: sign_entry,
        face_only: spec.face_only,
        atr: Some("3BE000FF8131FE4514".to_owned()),
        token_label: Some("JPKIAPICCTOKEN2".to_owned()),
        token_info: None,
        retries: RetryEntries {
            auth_pin: Some(CounterEntry {
                max: 3,
                left: spec.auth_pin_left,
            }),
            sign_password: Some(CounterEntry { max: 5, left: None }),
            text_pin: Some(CounterEntry { max: 3, left: None }),
            juki_pin: Some(CounterEntry { max: 3, left: None }),
            check_a: Some(CounterEntry {
                max: 10,
                left: None,
            }),
            check_b: Some(CounterEntry {
                max: 10,
                left: None,
            }),
            birth_key: Some(CounterEntry {
                max: 10,
                left: None,
            }),
        },
        quirks: QuirkEntries {
            read_past_end_sw: Some("6B00".to_owned()),
            ..QuirkEntries::default()
        },
        phone: spec.phone_pin.map(|pin| PhoneEntry {
            auth_pin: secret(pin),
            serial: None,
            applications: None,
            retries: None,
        }),
    };
    write(
        &dir.join(files::PERSONA_YAML),
        document.to_yaml()?.as_bytes(),
    )?;
    Ok(())
}

fn generate_ca(ca_dir: &Path) -> Result<(Ca, Ca)> {
    std::fs::create_dir_all(ca_dir)?;
    let auth_ca = make_ca(AUTH_CA_DN, "ca/auth", 1)?;
    let sign_ca = make_ca(SIGN_CA_DN, "ca/sign", 2)?;
    write_key(&ca_dir.join(files::AUTH_CA_KEY), &auth_ca.key)?;
    write(&ca_dir.join(files::AUTH_CA_CERT), &auth_ca.cert_der)?;
    write_key(&ca_dir.join(files::SIGN_CA_KEY), &sign_ca.key)?;
    write(&ca_dir.join(files::SIGN_CA_CERT), &sign_ca.cert_der)?;

    let issuer = key("ca/kenmen-issuer")?;
    let text_ap = key("ca/text-ap")?;
    let surface_ap = key("ca/surface-ap")?;
    let text_data = key("ca/text-data")?;
    let surface_data = key("ca/surface-data")?;
    write_key(&ca_dir.join(files::KENMEN_ISSUER_KEY), &issuer)?;
    write_key(&ca_dir.join(files::TEXT_AP_KEY), &text_ap)?;
    write_key(&ca_dir.join(files::SURFACE_AP_KEY), &surface_ap)?;
    write_key(&ca_dir.join(files::TEXT_DATA_KEY), &text_data)?;
    write_key(&ca_dir.join(files::SURFACE_DATA_KEY), &surface_data)?;
    write_key(
        &ca_dir.join(files::TEXT_SESSION_KEY),
        &key("ca/text-session")?,
    )?;
    write_key(&ca_dir.join(files::COMMON_KEY), &key("ca/common-default")?)?;
    write(
        &ca_dir.join(files::TEXT_CV_CERT),
        &build_cv_certificate(
            &key_id(files::TEXT_ISSUER_KEY_ID),
            &key_id_numbered(files::TEXT_DATA_KEY_ID, "000"),
            &text_data.to_public_key(),
            &issuer,
        )?,
    )?;
    write(
        &ca_dir.join(files::SURFACE_CV_CERT),
        &build_cv_certificate(
            &key_id(files::SURFACE_ISSUER_KEY_ID),
            &key_id_numbered(files::SURFACE_DATA_KEY_ID, "000"),
            &surface_data.to_public_key(),
            &issuer,
        )?,
    )?;
    generate_mf_chain(ca_dir)?;
    Ok((auth_ca, sign_ca))
}

/// The MF-level chain: root → intermediate (00F8), intermediate → the key
/// below (7F21), with the key ids and numbers of the test card's chain.
fn generate_mf_chain(ca_dir: &Path) -> Result<()> {
    let root = key("ca/mf-cv-root")?;
    let intermediate = key("ca/mf-cv-intermediate")?;
    let lower = key("ca/mf-cv-lower")?;
    write_key(&ca_dir.join(files::MF_ROOT_KEY), &root)?;
    write_key(&ca_dir.join(files::MF_INTERMEDIATE_KEY), &intermediate)?;
    write_key(&ca_dir.join(files::MF_LOWER_KEY), &lower)?;
    let intermediate_id = key_id_numbered(files::MF_INTERMEDIATE_KEY_ID, "002");
    write(
        &ca_dir.join(files::MF_CHAIN_UPPER),
        &build_mf_cv_object(
            &key_id(files::MF_ROOT_KEY_ID),
            &intermediate_id,
            &intermediate.to_public_key(),
            &root,
        )?,
    )?;
    write(
        &ca_dir.join(files::MF_CHAIN_LOWER),
        &build_mf_cv_object(
            &intermediate_id,
            &key_id(files::MF_LOWER_KEY_ID),
            &lower.to_public_key(),
            &intermediate,
        )?,
    )
}

fn main() -> Result<()> {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: gen_personas <output dir, e.g. vectors/personas>")?;
    std::fs::create_dir_all(&root)?;
    let (auth_ca, sign_ca) = generate_ca(&root.join(files::CA_DIR))?;
    for spec in specs() {
        generate_persona(&root, &spec, &auth_ca, &sign_ca)?;
        let persona = Persona::load(&root.join(spec.id))?;
        println!(
            "{}: auth serial {} (not after {}), sign {}",
            persona.id(),
            persona.auth().serial_hex(),
            format_utc(persona.auth().not_after),
            persona
                .sign()
                .map_or_else(|| "absent".to_owned(), |s| s.serial_hex())
        );
    }
    Ok(())
}
