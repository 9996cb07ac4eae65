//! `Persona::card_profile` is byte-exact to card-protocol.md §1.

use std::path::{Path, PathBuf};

use myna_card_emu::persona::cv_cert::parse_cv_certificate;
use myna_card_emu::persona::rsa_util::{decode_card_public_key, verify_sha256};
use myna_card_emu::persona::{self, Persona, SURFACE_AP_KEY_FID, TEXT_AP_KEY_FID};
use myna_card_emu::tlv::{all as parse_all, first as parse_tlv};
use myna_card_emu::{Access, AppKind, Application, CardProfile, FileContent, SessionKeySupport};
use sha2::{Digest, Sha256};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/personas")
}

fn load(id: &str) -> Persona {
    Persona::load_named(&root(), id).unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn app(profile: &CardProfile, kind: AppKind) -> &Application {
    profile
        .application(kind)
        .unwrap_or_else(|| panic!("{kind:?} missing"))
}

fn bytes(app: &Application, fid: u16) -> &[u8] {
    let file = app
        .files
        .iter()
        .find(|f| f.fid == fid)
        .unwrap_or_else(|| panic!("EF {fid:04X} missing"));
    match &file.content {
        FileContent::Transparent(b) => b,
        FileContent::Records(_) => panic!("EF {fid:04X} is record-structured"),
    }
}

fn access(app: &Application, fid: u16) -> Access {
    app.files
        .iter()
        .find(|f| f.fid == fid)
        .map(|f| f.read.clone())
        .expect("EF")
}

fn secret(app: &Application, fid: u16) -> &myna_card_emu::SecretEf {
    app.secrets
        .iter()
        .find(|s| s.fid == fid)
        .unwrap_or_else(|| panic!("secret {fid:04X} missing"))
}

#[test]
fn aids_and_session_key_answers() {
    let profile = load("taro").card_profile();
    let expected = [
        (AppKind::Jpki, "D392F000260100000001", Some(0x6982)),
        (AppKind::TextHelper, "D3921000310001010408", None),
        (AppKind::SurfaceCheck, "D3921000310001010402", Some(0x66F1)),
        (AppKind::Common, "D3921000310001010100", Some(0x66F1)),
        (AppKind::Juki, "D3921000310001010401", Some(0x6982)),
    ];
    for (kind, aid, refused) in expected {
        let a = app(&profile, kind);
        assert_eq!(hex::encode_upper(&a.aid), aid);
        match (&a.session_key, refused) {
            (SessionKeySupport::Refused(sw), Some(want)) => assert_eq!(*sw, want, "{kind:?}"),
            (SessionKeySupport::Accepted { key, needs }, None) => {
                assert_eq!(needs, &vec![0x0011], "only the text PIN opens it");
                assert_eq!(key.to_public_key(), load("taro").ca().text_session_public());
            }
            (other, want) => panic!("{kind:?}: {other:?}, expected refused with {want:?}"),
        }
    }
    assert_eq!(
        profile.atr,
        vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
    );
}

#[test]
fn jpki_ap() {
    let taro = load("taro");
    let profile = taro.card_profile();
    let jpki = app(&profile, AppKind::Jpki);
    assert_eq!(bytes(jpki, 0x000A), taro.auth().cert_der.as_slice());
    assert_eq!(
        bytes(jpki, 0x0001),
        taro.sign().expect("sign").cert_der.as_slice()
    );
    assert_eq!(bytes(jpki, 0x000B), taro.ca().auth_ca_cert.as_slice());
    assert_eq!(bytes(jpki, 0x0002), taro.ca().sign_ca_cert.as_slice());
    assert_eq!(access(jpki, 0x0001), Access::AnyOf(vec![0x001B]));
    for fid in [0x0002, 0x000A, 0x000B, 0x0006, 0x0008] {
        assert_eq!(access(jpki, fid), Access::Always, "{fid:04X}");
    }
    let token = bytes(jpki, 0x0006);
    assert_eq!(token.len(), 160);
    assert_eq!(&token[..32], b"JPKIAPICCTOKEN2                 ");
    assert_eq!(bytes(jpki, 0x0008), &[0x8F, 0x8F, 0x00]);
    let auth_key = jpki.keys.iter().find(|k| k.fid == 0x0017).expect("0017");
    assert_eq!(auth_key.use_access, Access::AnyOf(vec![0x0018]));
    assert!(auth_key.sign && !auth_key.internal_authenticate);
    let sign_key = jpki.keys.iter().find(|k| k.fid == 0x001A).expect("001A");
    assert_eq!(sign_key.use_access, Access::AnyOf(vec![0x001B]));
    assert_eq!(
        (
            secret(jpki, 0x0018).max_tries,
            secret(jpki, 0x0018).tries_left
        ),
        (3, 3)
    );
    assert_eq!(
        (
            secret(jpki, 0x001B).max_tries,
            secret(jpki, 0x001B).tries_left
        ),
        (5, 5)
    );
    assert_eq!(secret(jpki, 0x0018).value.as_ref(), taro.auth_pin());
}

#[test]
fn jpki_ap_of_special_personas() {
    let sakura = load("sakura").card_profile();
    let jpki = app(&sakura, AppKind::Jpki);
    assert_eq!(bytes(jpki, 0x0008), &[0x00, 0x8F, 0x00]);
    assert!(bytes(jpki, 0x0001).is_empty());
    assert!(jpki.keys.iter().all(|k| k.fid != 0x001A));
    assert!(secret(jpki, 0x001B).value.is_none());

    let kao = load("kao").card_profile();
    let jpki = app(&kao, AppKind::Jpki);
    assert!(secret(jpki, 0x0018).value.is_none());
    assert!(secret(app(&kao, AppKind::TextHelper), 0x0011)
        .value
        .is_none());

    let blocked = load("blocked").card_profile();
    let pin = secret(app(&blocked, AppKind::Jpki), 0x0018);
    assert_eq!((pin.max_tries, pin.tries_left), (3, 0));
}

#[test]
fn text_ap_layouts() {
    for id in persona::list(&root()).expect("list") {
        let p = load(&id);
        let profile = p.card_profile();
        let text = app(&profile, AppKind::TextHelper);

        let ef1 = bytes(text, 0x0001);
        assert_eq!(ef1.len(), 17);
        assert_eq!(&ef1[..3], &[0xFF, 0x10, 0x0C]);
        assert_eq!(&ef1[3..15], p.my_number().expose());
        assert_eq!(&ef1[15..], &[0xFF, 0xFF]);
        assert_eq!(access(text, 0x0001), Access::AnyOf(vec![0x0011, 0x0014]));

        let ef2 = bytes(text, 0x0002);
        assert_eq!(&ef2[..2], &[0xFF, 0x20]);
        let outer = parse_tlv(ef2).expect("EF 0002 TLV");
        assert_eq!(outer.raw.len(), ef2.len());
        let items = parse_all(outer.value).expect("children");
        assert_eq!(items[0].tag, 0xDF21);
        assert_eq!(items[0].value.len(), 8);
        for (i, tag) in [0x22u8, 0x23, 0x24, 0x25].into_iter().enumerate() {
            let offset = usize::from(u16::from_be_bytes([
                items[0].value[2 * i],
                items[0].value[2 * i + 1],
            ]));
            assert_eq!(&ef2[offset..offset + 2], &[0xDF, tag], "{id} DF{tag:02X}");
        }
        assert_eq!(items[1].value, p.name().as_bytes());
        assert_eq!(items[2].value, p.address().as_bytes());
        assert_eq!(items[3].value, persona::yyyymmdd(p.birth_date()).as_bytes());
        assert_eq!(items[4].value, &[p.sex().ascii()]);
        assert_eq!(access(text, 0x0002), Access::AnyOf(vec![0x0011, 0x0015]));

        let ef3 = bytes(text, 0x0003);
        assert_eq!(ef3.len(), 336);
        assert_eq!(&ef3[..5], &[0xFF, 0x30, 0x82, 0x01, 0x4B]);
        let integrity = parse_all(parse_tlv(ef3).expect("FF30").value).expect("children");
        assert_eq!(integrity[0].tag, 0xDF31);
        assert_eq!(integrity[0].value, Sha256::digest(ef1).as_slice());
        let without_df21: Vec<u8> = items[1..]
            .iter()
            .flat_map(|t| t.raw.iter().copied())
            .collect();
        assert_eq!(integrity[1].tag, 0xDF32);
        assert_eq!(integrity[1].value, Sha256::digest(&without_df21).as_slice());
        assert_eq!(&ef3[75..80], &[0xDF, 0x33, 0x82, 0x01, 0x00]);
        let cv = parse_cv_certificate(bytes(text, 0x0004)).expect("CV cert");
        let signed = [integrity[0].raw, integrity[1].raw].concat();
        assert!(
            verify_sha256(&cv.public_key, &signed, integrity[2].value),
            "{id}: DF33"
        );
        assert_eq!(
            access(text, 0x0003),
            Access::AnyOf(vec![0x0011, 0x0014, 0x0015])
        );

        assert_eq!(bytes(text, 0x0004).len(), 568);
        assert_eq!(&bytes(text, 0x0004)[..5], &[0x7F, 0x21, 0x82, 0x02, 0x33]);
        assert_eq!(access(text, 0x0004), Access::Always);
        let ef5 = bytes(text, 0x0005);
        assert_eq!(ef5.len(), 256, "the 164-byte object and filler");
        assert_eq!(parse_tlv(ef5).expect("FF40").raw.len(), 164);
        assert!(ef5[164..].iter().all(|b| *b == 0xFF));
        assert_eq!(&ef5[..5], &[0xFF, 0x40, 0x82, 0x00, 0x9F]);
        assert_eq!(&ef5[5..12], &[0xDF, 0x41, 0x04, 0x01, 0x03, 0x0E, 0x01]);
        assert_eq!(bytes(text, 0x0006).len(), 269);
        assert_eq!(&bytes(text, 0x0006)[..4], &[0xA1, 0x82, 0x01, 0x09]);
        assert_eq!(bytes(text, 0x0007).len(), 536);
        assert_eq!(&bytes(text, 0x0007)[..5], &[0xFF, 0x50, 0x82, 0x02, 0x13]);
        assert_eq!(bytes(text, 0x0008), &[0xFF; 16]);

        let blocked_key = secret(text, 0x0012);
        assert!(blocked_key.value.is_some());
        assert_eq!((blocked_key.max_tries, blocked_key.tries_left), (3, 0));
        assert_eq!(secret(text, 0x0014).value.as_ref(), Some(p.my_number()));
        assert_eq!(secret(text, 0x0015).value.as_ref(), Some(p.check_b()));
        assert_eq!(secret(text, 0x0011).max_tries, 3);
        let key = text
            .keys
            .iter()
            .find(|k| k.fid == TEXT_AP_KEY_FID)
            .expect("AP key");
        assert_eq!(key.use_access, Access::Always);
        assert_ne!(
            key.key.to_public_key(),
            cv.public_key,
            "EF 0004 certifies the data key, not the AP's own key"
        );
        let ef7 = parse_all(parse_tlv(bytes(text, 0x0007)).expect("FF50").value).expect("DF51/52");
        assert_eq!(
            decode_card_public_key(ef7[0].value),
            Some(key.key.to_public_key()),
            "DF51 is the key 80 2A 00 00 signs with"
        );
        assert!(
            verify_sha256(&cv.public_key, ef7[0].raw, ef7[1].value),
            "{id}: DF52"
        );
    }
}

#[test]
fn surface_ap_layouts() {
    for id in persona::list(&root()).expect("list") {
        let p = load(&id);
        let profile = p.card_profile();
        let surface = app(&profile, AppKind::SurfaceCheck);
        let cv = parse_cv_certificate(bytes(surface, 0x0004)).expect("CV cert");
        assert_eq!(bytes(surface, 0x0004).len(), 568);

        let ef1 = bytes(surface, 0x0001);
        assert_eq!(ef1.len(), 547);
        assert_eq!(&ef1[..5], &[0xFF, 0x10, 0x82, 0x02, 0x1E]);
        assert_eq!(&ef1[5..8], &[0xDF, 0x11, 0x08]);
        assert_eq!(&ef1[8..16], persona::yyyymmdd(p.birth_date()).as_bytes());
        assert_eq!(access(surface, 0x0001), Access::AnyOf(vec![0x0011]));

        let ef2 = bytes(surface, 0x0002);
        assert_eq!(&ef2[..3], &[0xFF, 0x20, 0x82]);
        let outer = parse_tlv(ef2).expect("FF20");
        assert_eq!(outer.raw.len(), ef2.len());
        let items = parse_all(outer.value).expect("children");
        assert_eq!(&ef2[5..8], &[0xDF, 0x21, 0x12]);
        for (i, tag) in (0x22u8..=0x2A).enumerate() {
            let offset = usize::from(u16::from_be_bytes([
                items[0].value[2 * i],
                items[0].value[2 * i + 1],
            ]));
            assert_eq!(&ef2[offset..offset + 2], &[0xDF, tag], "{id} DF{tag:02X}");
            assert_eq!(items[i + 1].tag, 0xDF00 | u32::from(tag));
        }
        assert_eq!(items[1].value, persona::yyyymmdd(p.birth_date()).as_bytes());
        assert_eq!(items[2].value, &[p.sex().ascii()]);
        assert_eq!(&items[4].value[..4], b"\x89PNG");
        assert_eq!(&items[6].value[4..8], b"jP  ");
        let mut digests = Vec::new();
        for group in [&items[1..4], &items[4..6], &items[6..7]] {
            let covered: Vec<u8> = group.iter().flat_map(|t| t.raw.iter().copied()).collect();
            digests.extend_from_slice(&Sha256::digest(&covered));
        }
        let mut digest_info =
            hex::decode("3071300D06096086480165030402010500 0460".replace(' ', "")).expect("hex");
        digest_info.extend_from_slice(&digests);
        assert!(
            cv.public_key
                .verify(
                    rsa::Pkcs1v15Sign::new_unprefixed(),
                    &digest_info,
                    items[7].value
                )
                .is_ok(),
            "{id}: DF28 over three segment digests"
        );
        assert_eq!(
            items[8].value,
            persona::yyyymmdd(p.card_expiry()).as_bytes()
        );
        assert_eq!(&items[9].value[16..24], &[0, 0, 0, 24, 0, 0, 0, 12]);
        assert_eq!(access(surface, 0x0002), Access::AnyOf(vec![0x0013, 0x0012]));

        let ef3 = bytes(surface, 0x0003);
        assert_eq!(ef3.len(), 320);
        assert_eq!(&ef3[..5], &[0xFF, 0x30, 0x82, 0x01, 0x3B]);
        assert_eq!(access(surface, 0x0003), Access::Always);
        let info = parse_all(parse_tlv(ef3).expect("FF30").value).expect("children");
        assert_eq!(info[3].value, p.municipality_code().as_bytes());

        let ef5 = bytes(surface, 0x0005);
        assert_eq!(&ef5[..3], &[0xFF, 0x40, 0x82]);
        assert_eq!(access(surface, 0x0005), Access::AnyOf(vec![0x0013]));

        assert_eq!(secret(surface, 0x0011).value.as_ref(), Some(p.birth_key()));
        assert_eq!(secret(surface, 0x0012).value.as_ref(), Some(p.check_b()));
        assert_eq!(secret(surface, 0x0013).value.as_ref(), Some(p.my_number()));
        assert_eq!(secret(surface, 0x0011).max_tries, 10);
        let key = surface
            .keys
            .iter()
            .find(|k| k.fid == SURFACE_AP_KEY_FID)
            .expect("AP key");
        assert_eq!(key.use_access, Access::Always);
        assert!(key.sign);
        assert_ne!(key.key.to_public_key(), cv.public_key);
        assert_eq!(
            decode_card_public_key(items[3].value),
            Some(key.key.to_public_key())
        );
    }
}

#[test]
fn common_juki_and_mf() {
    let p = load("taro");
    let profile = p.card_profile();
    let common = app(&profile, AppKind::Common);
    let ef = common
        .files
        .iter()
        .find(|f| f.fid == 0x0001)
        .expect("EF 0001");
    assert_eq!(ef.sfi, Some(1));
    match &ef.content {
        FileContent::Records(records) => {
            assert_eq!(records.len(), 1);
            assert_eq!(&records[0][..2], &[0x01, 0x1C]);
            assert_eq!(&records[0][2..], b"4000000127198431310120350217");
        }
        FileContent::Transparent(_) => panic!("EF 0001 must be record-structured"),
    }
    let key = common.keys.iter().find(|k| k.fid == 0x0019).expect("0019");
    assert_eq!(key.use_access, Access::Always);
    assert!(key.internal_authenticate);
    assert_eq!(key.key.to_public_key(), p.common_key().to_public_key());
    assert_eq!(secret(common, 0x001C).value.as_ref(), p.juki_pin());
    assert!(secret(common, 0x001C).changeable, "CHANGE KEY works");
    let juki = app(&profile, AppKind::Juki);
    let record = |a: &myna_card_emu::Application| match &a
        .files
        .iter()
        .find(|f| f.fid == 0x0002)
        .expect("EF 0002")
        .content
    {
        FileContent::Records(records) => records.clone(),
        FileContent::Transparent(_) => panic!("EF 0002 is record-structured"),
    };
    assert_eq!(record(juki), record(common));
    assert_eq!(record(juki)[0].len(), 16);
    assert!(secret(juki, 0x001C).changeable);

    let object = |tag: u16| {
        profile
            .mf_objects
            .iter()
            .find(|o| o.tag == tag)
            .map(|o| o.value.clone())
            .unwrap_or_else(|| panic!("{tag:04X}"))
    };
    assert_eq!(object(0x00F0), b"13101");
    assert_eq!(object(0x00F2), b"20350217");
    assert_eq!(object(0x5F51), profile.atr[1..].to_vec());
    assert_eq!(object(0x7F21), p.ca().mf_chain_lower);
    assert_eq!(object(0x00F8), p.ca().mf_chain_upper);
    assert_eq!(object(0x00F7), p.ca().mf_intermediate_key_id);
    assert_eq!(object(0x0042).len(), 16);
    for tag in [0x0045, 0x0066] {
        assert!(!object(tag).is_empty());
    }
    assert_eq!(profile.mf_files.len(), 1);
    assert_eq!(profile.mf_files[0].fid, 0x001E);
    assert_eq!(profile.mf_files[0].read, Access::Never(0x6981));
    assert_eq!(profile.quirks.read_past_end_sw, 0x6B00);
}

#[test]
fn cv_certificates_verify_under_the_issuer_key() {
    let p = load("taro");
    let issuer = p.ca().kenmen_issuer_key.to_public_key();
    for cv in [&p.ca().text_cv_cert, &p.ca().surface_cv_cert] {
        let parsed = parse_cv_certificate(cv).expect("CV");
        assert_eq!(parsed.body.len(), 297);
        assert!(verify_sha256(&issuer, &parsed.body, &parsed.signature));
    }
    let text = parse_cv_certificate(&p.ca().text_cv_cert).expect("CV");
    assert_eq!(&text.issuer_key_id[..7], b"9000033");
    assert_eq!(&text.subject_key_id[..12], b"9000031\x08\x05000");
    assert_eq!(text.public_key, p.ca().text_data_key.to_public_key());
}
