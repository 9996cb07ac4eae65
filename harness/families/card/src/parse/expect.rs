//! `expect:` on a card step → [`Expect`].

use myna_scenario::{did_you_mean, Diagnostic, Node, NodeKind, ParseCtx as Ctx, Spanned, Template};

use super::codes::{parse_sw, parse_tlv_path};
use crate::step::{CertExpect, Expect, LenRange, SignatureExpect, SwPattern, TlvExpect, TlvPath};
use crate::step::{HashAlg, SigScheme, SignedExpect, SignedLayout, SignerKey, TriesExpect};
use crate::vocabulary::{
    is_oid, CERT_KEYS, EKU_NAMES, EXPECT_KEYS, HASHES, KEY_USAGE_NAMES, LEN_RANGE_KEYS, SCHEMES,
    SIGNATURE_KEYS, SIGNED_KEYS, SIGNED_LAYOUTS, TLV_EXPECT_KEYS, TRIES_KEYS,
};

/// Largest length a range may name (extended READ BINARY, 65536 bytes,
/// is far below it; this only keeps numbers sane).
const MAX_LEN: u64 = 1 << 24;

/// Converts an `expect:` map. Every problem is recorded; fields that fail
/// are left out.
pub(crate) fn expect(ctx: &mut Ctx, node: &Node) -> Option<Expect> {
    let fields = ctx.map_docs(node, "a map of expectations", EXPECT_KEYS, false)?;
    let mut out = Expect::default();
    for &(key, key_node, value) in &fields.entries {
        let at = ctx.at(key_node);
        match key {
            "sw" => out.sw = sw_list(ctx, value).map(|value| Spanned::new(value, at.clone())),
            "data" => {
                out.data = ctx
                    .hex_template(value, "the data in hex")
                    .map(|value| Spanned::new(value, at.clone()))
            }
            "data_len" => {
                out.data_len = len_range(ctx, value).map(|value| Spanned::new(value, at.clone()))
            }
            "data_prefix" => {
                out.data_prefix = ctx
                    .hex_template(value, "a data prefix in hex")
                    .map(|value| Spanned::new(value, at.clone()))
            }
            "data_regex" => {
                out.data_regex = data_regex(ctx, value).map(|value| Spanned::new(value, at.clone()))
            }
            "tlv" => out.tlv = tlv(ctx, value),
            "cert" => out.cert = cert(ctx, value).map(|value| Spanned::new(value, at.clone())),
            "signature" => {
                out.signature = signature(ctx, value).map(|value| Spanned::new(value, at.clone()))
            }
            "signed" => {
                out.signed = signed(ctx, value).map(|value| Spanned::new(value, at.clone()))
            }
            "tries_left" => {
                out.tries_left = tries_left(ctx, value).map(|value| Spanned::new(value, at.clone()))
            }
            _ => ctx.error(
                key_node,
                format!("expected an expectation, found `{key}` (no parser for it)"),
            ),
        }
    }
    Some(out)
}

fn sw_list(ctx: &mut Ctx, node: &Node) -> Option<Vec<SwPattern>> {
    let items = ctx.list(node, "a status word or a list of them", true)?;
    if items.is_empty() {
        ctx.expected(node, "at least one status word");
        return None;
    }
    let mut patterns = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(text) = ctx.str(item, "a status word like `9000` or `63CX`") else {
            ok = false;
            continue;
        };
        match parse_sw(text) {
            Ok(pattern) => patterns.push(pattern),
            Err(message) => {
                ctx.error(item, message);
                ok = false;
            }
        }
    }
    ok.then_some(patterns)
}

/// `N` or `{ min, max }` (either bound may be left out).
pub(crate) fn len_range(ctx: &mut Ctx, node: &Node) -> Option<LenRange> {
    if let NodeKind::Scalar { .. } = node.kind {
        let len = usize::try_from(ctx.int(node, "a length", 0, MAX_LEN)?).ok()?;
        return Some(LenRange { min: len, max: len });
    }
    let fields = ctx.map(node, "a length or `{ min, max }`", LEN_RANGE_KEYS, false)?;
    if fields.entries.is_empty() {
        ctx.expected(node, "`min`, `max` or both");
        return None;
    }
    let min = match fields.get("min") {
        Some(min) => ctx.int(min, "a minimum length", 0, MAX_LEN),
        None => Some(0),
    };
    let max = match fields.get("max") {
        Some(max) => ctx.int(max, "a maximum length", 0, MAX_LEN),
        None => Some(MAX_LEN),
    };
    let (min, max) = (usize::try_from(min?).ok()?, usize::try_from(max?).ok()?);
    if min > max {
        ctx.error(
            node,
            format!("expected `min` ≤ `max`, found min {min} > max {max}"),
        );
        return None;
    }
    Some(LenRange { min, max })
}

fn data_regex(ctx: &mut Ctx, node: &Node) -> Option<String> {
    let text = ctx.str(node, "a regular expression")?;
    match regex::Regex::new(text) {
        Ok(_) => Some(text.to_string()),
        Err(error) => {
            let first_line = error
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_string();
            ctx.error(
                node,
                format!("expected a valid regular expression, found `{text}`: {first_line}"),
            );
            None
        }
    }
}

fn tlv(ctx: &mut Ctx, node: &Node) -> Vec<Spanned<(TlvPath, TlvExpect)>> {
    let Some(entries) = ctx.free_map(node, "a map of TLV paths to checks") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path_text, key_node, value) in entries {
        let path = match parse_tlv_path(path_text) {
            Ok(path) => Some(path),
            Err(message) => {
                ctx.error(key_node, message);
                None
            }
        };
        let check = tlv_check(ctx, value);
        if let (Some(path), Some(check)) = (path, check) {
            out.push(Spanned {
                value: (path, check),
                at: ctx.at(key_node),
            });
        }
    }
    out
}

fn tlv_check(ctx: &mut Ctx, node: &Node) -> Option<TlvExpect> {
    let fields = ctx.map(
        node,
        "a TLV check `{ hex | text | len | present }`",
        TLV_EXPECT_KEYS,
        false,
    )?;
    let (key, _, value) = match fields.entries.as_slice() {
        [one] => *one,
        [] => {
            ctx.expected(node, "one of `hex`, `text`, `len`, `present`");
            return None;
        }
        [_, (second, key_node, _), ..] => {
            ctx.error(
                key_node,
                format!("expected one of `hex`, `text`, `len`, `present`, found a second one: `{second}`"),
            );
            return None;
        }
    };
    match key {
        "hex" => ctx
            .hex_template(value, "the value in hex")
            .map(TlvExpect::Hex),
        "text" => ctx
            .template(value, "the value as text")
            .map(TlvExpect::Text),
        "len" => len_range(ctx, value).map(TlvExpect::Len),
        _ => ctx.bool(value).map(TlvExpect::Present),
    }
}

/// A list of names from `known`, or dotted OIDs when `oid_ok`.
fn names(
    ctx: &mut Ctx,
    node: &Node,
    what: &str,
    known: &[&str],
    oid_ok: bool,
) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (name, at) in ctx.strings(node, what) {
        if known.contains(&name.as_str()) || (oid_ok && is_oid(&name)) {
            out.push(name);
            continue;
        }
        ok = false;
        let listed = known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let or_oid = if oid_ok { " or a dotted OID" } else { "" };
        let mut diag = Diagnostic::new(
            at,
            format!("expected {what} ({listed}){or_oid}, found `{name}`"),
        );
        if let Some(near) = did_you_mean(&name, known.iter().copied()) {
            diag = diag.with_help(format!("did you mean `{near}`?"));
        }
        ctx.push(diag);
    }
    ok.then_some(out)
}

fn templates(ctx: &mut Ctx, node: &Node, what: &str) -> Vec<Template> {
    let Some(items) = ctx.list(node, &format!("a list of {what}"), true) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| ctx.template(item, what))
        .collect()
}

fn cert(ctx: &mut Ctx, node: &Node) -> Option<CertExpect> {
    let fields = ctx.map(node, "a map of certificate checks", CERT_KEYS, false)?;
    let mut out = CertExpect::default();
    let before = ctx.problems();
    for &(key, _, value) in &fields.entries {
        match key {
            "subject_contains" => {
                out.subject_contains = templates(ctx, value, "subject substrings")
            }
            "issuer_contains" => out.issuer_contains = templates(ctx, value, "issuer substrings"),
            "serial" => out.serial = ctx.hex_template(value, "a serial number in hex"),
            "eku" => {
                out.eku =
                    names(ctx, value, "an extended key usage", EKU_NAMES, true).unwrap_or_default()
            }
            "key_usage" => {
                out.key_usage =
                    names(ctx, value, "a key usage", KEY_USAGE_NAMES, false).unwrap_or_default()
            }
            "key_bits" => {
                out.key_bits = ctx
                    .int(value, "a key size in bits", 512, 16_384)
                    .and_then(|bits| u32::try_from(bits).ok())
            }
            "not_after" => out.not_after = ctx.template(value, "a date `YYYY-MM-DDTHH:MM:SSZ`"),
            _ => {
                out.san_other_names =
                    names(ctx, value, "an otherName OID", &[], true).unwrap_or_default()
            }
        }
    }
    (ctx.problems() == before).then_some(out)
}

fn signature(ctx: &mut Ctx, node: &Node) -> Option<SignatureExpect> {
    let fields = ctx.map(
        node,
        "a map `{ cert | key, message, hash, scheme }`",
        SIGNATURE_KEYS,
        false,
    )?;
    let key = match (fields.get("cert"), fields.get("key")) {
        (Some(cert), None) => ctx
            .hex_template(cert, "a DER certificate in hex")
            .map(SignerKey::Cert),
        (None, Some(key)) => ctx
            .hex_template(key, "a card key or CV certificate in hex")
            .map(SignerKey::Card),
        (None, None) => {
            ctx.missing(
                node,
                "cert",
                "(or `key`) the certificate or card key whose key verifies",
            );
            None
        }
        (Some(_), Some(key)) => {
            ctx.error(
                key,
                "expected one of `cert` and `key`, found both".to_string(),
            );
            None
        }
    };
    let message = match fields.get("message") {
        Some(message) => ctx.hex_template(message, "the signed message in hex"),
        None => {
            ctx.missing(node, "message", "the signed message in hex");
            None
        }
    };
    let hash = match fields.get("hash") {
        Some(hash) => ctx.choice(hash, "a hash", HASHES),
        None => Some(HashAlg::Sha256),
    };
    let scheme = match fields.get("scheme") {
        Some(scheme) => ctx.choice(scheme, "a signature scheme", SCHEMES),
        None => Some(SigScheme::Pkcs1v15),
    };
    Some(SignatureExpect {
        key: key?,
        message: message?,
        hash: hash?,
        scheme: scheme?,
    })
}

/// `signed: { by, layout, signature }`.
fn signed(ctx: &mut Ctx, node: &Node) -> Option<SignedExpect> {
    let fields = ctx.map(
        node,
        "a map `{ by, layout, signature }`",
        SIGNED_KEYS,
        false,
    )?;
    let by = match fields.get("by") {
        Some(by) => ctx.hex_template(by, "the signer's CV certificate or card key in hex"),
        None => {
            ctx.missing(
                node,
                "by",
                "the signer: a CV certificate or a card public key, hex",
            );
            None
        }
    };
    let layout = match fields.get("layout") {
        Some(layout) => ctx.choice(layout, "a signed layout", SIGNED_LAYOUTS),
        None => Some(SignedLayout::Record),
    };
    let signature = match fields.get("signature") {
        Some(path) => {
            let text = ctx.str(path, "the TLV path of the signature, e.g. `FF50/DF52`");
            match text.map(parse_tlv_path) {
                Some(Ok(path)) => Some(Some(path)),
                Some(Err(message)) => {
                    ctx.error(path, message);
                    None
                }
                None => None,
            }
        }
        None => Some(None),
    };
    let (layout, signature) = (layout?, signature?);
    match (layout, &signature) {
        (SignedLayout::Record, None) => {
            ctx.missing(
                node,
                "signature",
                "the TLV path of the record's signature element, e.g. `FF50/DF52`",
            );
            return None;
        }
        (SignedLayout::CvCertificate | SignedLayout::CardFace, Some(_)) => {
            if let Some(path) = fields.get("signature") {
                ctx.error(
                    path,
                    "expected no `signature` path: this layout fixes where the signature is"
                        .to_string(),
                );
            }
            return None;
        }
        _ => {}
    }
    Some(SignedExpect {
        by: by?,
        layout,
        signature,
    })
}

/// `tries_left: N` (a number or a template) or `{ from, minus }`.
fn tries_left(ctx: &mut Ctx, node: &Node) -> Option<TriesExpect> {
    if let NodeKind::Scalar { .. } = node.kind {
        let from = ctx.template(node, "a number of tries")?;
        return Some(TriesExpect { from, minus: 0 });
    }
    let fields = ctx.map(node, "a number or `{ from, minus }`", TRIES_KEYS, false)?;
    let from = match fields.get("from") {
        Some(from) => ctx.template(from, "a number of tries (a variable)"),
        None => {
            ctx.missing(node, "from", "the tries left before, e.g. a capture");
            None
        }
    };
    let minus = match fields.get("minus") {
        Some(minus) => ctx
            .int(minus, "tries spent", 0, 15)
            .and_then(|n| u8::try_from(n).ok()),
        None => Some(0),
    };
    Some(TriesExpect {
        from: from?,
        minus: minus?,
    })
}
