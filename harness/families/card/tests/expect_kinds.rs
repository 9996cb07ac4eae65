//! Every expectation kind, valid and invalid.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::load_scenario;
use common::*;
use myna_family_card::step::*;
use myna_scenario::*;

fn expect_of(expect_yaml: &str) -> Expect {
    // `${x}` and `${c}` are defined (after the steps, so lines stay put).
    let s = load_card(&format!(
        "  - read_file: {{}}\n    expect:\n{expect_yaml}vars: {{ x: \"00\", c: \"00\" }}\n"
    ));
    cs(&s.steps[0]).expect.clone().unwrap()
}

#[test]
fn sw_single_list_and_wildcards() {
    let e = expect_of("      sw: 9000\n");
    assert_eq!(
        e.sw.unwrap().value,
        vec![SwPattern {
            value: 0x9000,
            mask: 0xFFFF
        }]
    );
    let e = expect_of("      sw: [\"6B00\", 6282, 63cx, 6XXX]\n");
    let sw = e.sw.unwrap();
    assert_eq!(sw.value.len(), 4);
    assert_eq!(
        sw.value[2],
        SwPattern {
            value: 0x63C0,
            mask: 0xFFF0
        }
    );
    assert_eq!(
        sw.value[3],
        SwPattern {
            value: 0x6000,
            mask: 0xF000
        }
    );
    assert_eq!((sw.at.line, sw.at.col), (7, 7));
}

#[test]
fn data_kinds() {
    let e = expect_of("      data: \"01 02 ${x}\"\n      data_prefix: 3082\n      data_len: 7\n      data_regex: \"^30\"\n");
    assert_eq!(
        e.data.unwrap().value.parts,
        vec![
            TemplatePart::Literal("01 02 ".into()),
            TemplatePart::Var("x".into())
        ]
    );
    assert_eq!(e.data_prefix.unwrap().value, Template::literal("3082"));
    assert_eq!(e.data_len.unwrap().value, LenRange { min: 7, max: 7 });
    assert_eq!(e.data_regex.unwrap().value, "^30");
    let e = expect_of("      data_len: { max: 10 }\n");
    assert_eq!(e.data_len.unwrap().value, LenRange { min: 0, max: 10 });
    let e = expect_of("      data_len: { min: 3 }\n");
    assert_eq!(e.data_len.unwrap().value.min, 3);
}

#[test]
fn tlv_kinds() {
    let e = expect_of(
        "      tlv:\n        FF20/DF24: { text: abc }\n        DF22: { hex: 0A0B }\n        \"30\": { len: 4 }\n        \"31\": { present: true }\n",
    );
    assert_eq!(e.tlv.len(), 4);
    let (path, check) = &e.tlv[0].value;
    assert_eq!(path, &TlvPath(vec![0xFF20, 0xDF24]));
    assert!(matches!(check, TlvExpect::Text(t) if *t == Template::literal("abc")));
    assert_eq!((e.tlv[0].at.line, e.tlv[0].at.col), (8, 9));
    assert!(matches!(&e.tlv[1].value.1, TlvExpect::Hex(t) if *t == Template::literal("0A0B")));
    assert!(matches!(
        e.tlv[2].value.1,
        TlvExpect::Len(LenRange { min: 4, max: 4 })
    ));
    assert!(matches!(e.tlv[3].value.1, TlvExpect::Present(true)));
}

#[test]
fn cert_and_signature() {
    let e = expect_of(
        "      cert: { subject_contains: C=JP, eku: [clientAuth], key_usage: [nonRepudiation], key_bits: 2048, serial: 0A, san_other_names: [1.2.3] }\n      signature: { cert: \"${c}\", message: \"00\", hash: sha512, scheme: pss }\n",
    );
    let cert = e.cert.unwrap().value;
    assert_eq!(cert.subject_contains, vec![Template::literal("C=JP")]);
    assert_eq!(cert.eku, ["clientAuth"]);
    assert_eq!(cert.key_usage, ["nonRepudiation"]);
    assert_eq!(cert.key_bits, Some(2048));
    assert_eq!(cert.serial, Some(Template::literal("0A")));
    assert_eq!(cert.san_other_names, ["1.2.3"]);
    let sig = e.signature.unwrap().value;
    assert_eq!(sig.hash, HashAlg::Sha512);
    assert_eq!(sig.scheme, SigScheme::Pss);
    let SignerKey::Cert(cert) = &sig.key else {
        panic!("a certificate key: {:?}", sig.key)
    };
    assert_eq!(cert.parts, vec![TemplatePart::Var("c".into())]);
    let e = expect_of("      signature: { cert: \"${c}\", message: \"00\" }\n");
    let sig = e.signature.unwrap().value;
    assert_eq!(
        (sig.hash, sig.scheme),
        (HashAlg::Sha256, SigScheme::Pkcs1v15)
    );
    let e = expect_of("      signature: { cert: \"${c}\", message: \"00\", scheme: pkcs1v15-bare-hash, hash: sha384 }\n");
    assert_eq!(
        e.signature.unwrap().value.scheme,
        SigScheme::Pkcs1v15BareHash
    );
}

#[test]
fn invalid_expectations_are_all_reported() {
    let text = card(
        "  - read_file: {}\n    expect:\n      sw: [9000, 90000]\n      data: \"0\"\n      data_len: { min: 5, max: 2 }\n      data_regex: \"([\"\n      tlv:\n        FG: { hex: 00 }\n        DF01: { hex: 00, text: a }\n        DF02: {}\n      cert: { eku: [clientAuht], key_usage: [sign], key_bits: 8, colour: red }\n      signature: { hash: md5, scheme: rsa }\n      data_prefix: [00]\n",
    );
    let found = problems(&text);
    let messages: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    let expected_starts = [
        "expected a status word",
        "expected an even number of hex digits",
        "expected `min` ≤ `max`",
        "expected a valid regular expression",
        "expected a TLV path",
        "expected one of `hex`, `text`, `len`, `present`, found a second one: `text`",
        "expected one of `hex`, `text`, `len`, `present`, found a map",
        "expected one of the keys",
        "expected an extended key usage",
        "expected a key usage",
        "expected a key size in bits",
        "expected key `cert`",
        "expected key `message`",
        "expected a hash",
        "expected a signature scheme",
        "expected a data prefix in hex, found a list",
    ];
    let mut sorted: Vec<&str> = messages.clone();
    sorted.sort();
    for start in expected_starts {
        assert!(
            messages.iter().any(|m| m.starts_with(start)),
            "missing {start:?} in {messages:#?}"
        );
    }
    assert_eq!(messages.len(), expected_starts.len(), "{messages:#?}");
    // lines are in file order
    let lines: Vec<u32> = found.iter().map(|f| f.0).collect();
    let mut ordered = lines.clone();
    ordered.sort();
    assert_eq!(lines, ordered);
    let diags = load_scenario("s.yaml", &text, &MemoryLoader::new()).unwrap_err();
    let eku = diags
        .iter()
        .find(|d| d.message.starts_with("expected an extended key usage"))
        .unwrap();
    assert_eq!(eku.help.as_deref(), Some("did you mean `clientAuth`?"));
}

#[test]
fn card_keys_signed_records_and_tries() {
    let e = expect_of(
        "      signature: { key: \"${c}\", message: \"${x}\" }\n      signed: { by: \"${c}\", signature: FF50/DF52 }\n      tries_left: { from: \"${x}\", minus: 1 }\n",
    );
    assert!(matches!(e.signature.unwrap().value.key, SignerKey::Card(_)));
    let signed = e.signed.unwrap().value;
    assert_eq!(signed.layout, SignedLayout::Record);
    assert_eq!(signed.signature, Some(TlvPath(vec![0xFF50, 0xDF52])));
    assert_eq!(e.tries_left.unwrap().value.minus, 1);
    let e = expect_of("      signed: { by: \"${c}\", layout: card-face }\n      tries_left: 3\n");
    assert_eq!(e.signed.unwrap().value.layout, SignedLayout::CardFace);
    let tries = e.tries_left.unwrap().value;
    assert_eq!((tries.from, tries.minus), (Template::literal("3"), 0));
}

#[test]
fn invalid_card_key_checks_are_all_reported() {
    let text = card(
        "  - read_file: {}\n    expect:\n      signature: { cert: \"00\", key: \"00\", message: \"00\" }\n      signed: { by: \"00\", layout: recrod }\n      tries_left: { minus: 20 }\n  - read_file: {}\n    expect:\n      signed: { by: \"00\" }\n  - read_file: {}\n    expect:\n      signed: { by: \"00\", layout: cv-certificate, signature: DF52 }\n",
    );
    let found = problems(&text);
    let messages: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    for (line, start) in [
        (7, "expected one of `cert` and `key`, found both"),
        (8, "expected a signed layout"),
        (9, "expected key `from`"),
        (9, "expected tries spent"),
        (12, "expected key `signature`"),
        (15, "expected no `signature` path"),
    ] {
        assert!(
            found.iter().any(|f| f.0 == line && f.2.starts_with(start)),
            "missing {line}: {start:?} in {found:#?}"
        );
    }
    assert_eq!(messages.len(), 6, "{messages:#?}");
    let diags = load_scenario("s.yaml", &text, &MemoryLoader::new()).unwrap_err();
    let layout = diags
        .iter()
        .find(|d| d.message.starts_with("expected a signed layout"))
        .unwrap();
    assert_eq!(layout.help.as_deref(), Some("did you mean `record`?"));
}
