//! Checks a card response against a step's `expect:`.

use myna_card_emu::tlv;
use myna_family::{Mismatch, Redactor, Vars};
use myna_scenario::Location;

use super::action::{parse_hex, Outcome};
use super::{card_signature, cert_check, signature_check};
use crate::step::{Expect, LenRange, TlvExpect, TriesExpect};

/// A check that could not be evaluated because the scenario is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorError {
    /// Where.
    pub at: Location,
    /// What is wrong.
    pub message: String,
}

/// Evaluates every expectation; returns all mismatches (not just the first).
pub fn check(
    expect: &Expect,
    outcome: &Outcome,
    vars: &Vars,
    redactor: &Redactor,
) -> Result<Vec<Mismatch>, AuthorError> {
    let mut out = Vec::new();
    let data = &outcome.data;
    // Texts are masked before they are shortened, so a secret cut in half
    // by a length limit is still recognised and hidden.
    let describe_bytes = |bytes: &[u8]| describe_bytes(redactor, bytes);
    let describe_difference = |want: &[u8], got: &[u8]| describe_difference(redactor, want, got);
    if let Some(sw) = &expect.sw {
        let actual = outcome.sw.map(|a| a.0);
        let ok = actual.is_some_and(|a| sw.value.iter().any(|p| p.matches(a)));
        if !ok {
            out.push(Mismatch {
                at: sw.at.clone(),
                check: "sw".into(),
                expected: sw
                    .value
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                actual: actual.map_or_else(|| "no status word".into(), |a| format!("{a:04X}")),
                note: None,
            });
        }
    }
    if let Some(expected) = &expect.data {
        let (want, secret) = secret_hex_of(vars, &expected.value, &expected.at)?;
        if &want != data {
            let (expected_text, actual) = if secret || redactor.touches(data) {
                secret_mismatch(want.len(), data.len())
            } else {
                (describe_bytes(&want), describe_difference(&want, data))
            };
            out.push(Mismatch {
                at: expected.at.clone(),
                check: "data".into(),
                expected: expected_text,
                actual,
                note: None,
            });
        }
    }
    if let Some(len) = &expect.data_len {
        if !in_range(data.len(), len.value) {
            out.push(Mismatch {
                at: len.at.clone(),
                check: "data_len".into(),
                expected: describe_range(len.value),
                actual: format!("{} bytes", data.len()),
                note: None,
            });
        }
    }
    if let Some(prefix) = &expect.data_prefix {
        let (want, secret) = secret_hex_of(vars, &prefix.value, &prefix.at)?;
        if secret && !data.starts_with(&want) {
            let (expected, actual) = secret_mismatch(want.len(), data.len());
            out.push(Mismatch {
                at: prefix.at.clone(),
                check: "data_prefix".into(),
                expected,
                actual,
                note: None,
            });
        } else if !data.starts_with(&want) {
            out.push(Mismatch {
                at: prefix.at.clone(),
                check: "data_prefix".into(),
                expected: describe_bytes(&want),
                // Masked over the whole data first, then cut to the prefix.
                actual: {
                    let masked = redactor.hex(data);
                    let shown = (want.len() * 2).min(masked.len());
                    if data.is_empty() {
                        "no data".to_string()
                    } else {
                        masked.get(..shown).unwrap_or_default().to_string()
                    }
                },
                note: None,
            });
        }
    }
    if let Some(regex) = &expect.data_regex {
        let re = regex::Regex::new(&regex.value).map_err(|e| AuthorError {
            at: regex.at.clone(),
            message: format!("data_regex is not a valid regex: {e}"),
        })?;
        let hex = hex::encode_upper(data);
        if !re.is_match(&hex) {
            out.push(Mismatch {
                at: regex.at.clone(),
                check: "data_regex".into(),
                expected: format!("match /{}/", regex.value),
                actual: describe_bytes(data),
                note: None,
            });
        }
    }
    for item in &expect.tlv {
        let (path, want) = &item.value;
        let path_text = path
            .0
            .iter()
            .map(|t| format!("{t:X}"))
            .collect::<Vec<_>>()
            .join("/");
        let found = tlv::find(data, &path.0);
        let check = format!("tlv {path_text}");
        let failure = match (want, found) {
            (TlvExpect::Present(true), None) => Some(("present".to_string(), "absent".to_string())),
            (TlvExpect::Present(false), Some(v)) => {
                Some(("absent".to_string(), format!("present ({} bytes)", v.len())))
            }
            (TlvExpect::Present(_), _) => None,
            (_, None) => Some(("present".to_string(), "absent".to_string())),
            (TlvExpect::Hex(t), Some(v)) => {
                let (want, secret) = secret_hex_of(vars, t, &item.at)?;
                (want != v).then(|| {
                    if secret {
                        secret_mismatch(want.len(), v.len())
                    } else {
                        (describe_bytes(&want), describe_difference(&want, v))
                    }
                })
            }
            (TlvExpect::Text(t), Some(v)) => {
                let want = vars.render(t).map_err(|e| undefined(&item.at, &e.0))?;
                let got = String::from_utf8_lossy(v);
                (want.text.as_bytes() != v).then(|| {
                    if want.secret {
                        secret_mismatch(want.text.len(), v.len())
                    } else {
                        (format!("{:?}", want.text), format!("{got:?}"))
                    }
                })
            }
            (TlvExpect::Len(range), Some(v)) => (!in_range(v.len(), *range))
                .then(|| (describe_range(*range), format!("{} bytes", v.len()))),
        };
        if let Some((expected, actual)) = failure {
            out.push(Mismatch {
                at: item.at.clone(),
                check,
                expected,
                actual,
                note: None,
            });
        }
    }
    if let Some(cert) = &expect.cert {
        out.extend(cert_check::check(&cert.value, &cert.at, data, vars)?);
    }
    if let Some(sig) = &expect.signature {
        out.extend(signature_check::check(&sig.value, &sig.at, data, vars)?);
    }
    if let Some(signed) = &expect.signed {
        out.extend(card_signature::check(
            &signed.value,
            &signed.at,
            data,
            vars,
        )?);
    }
    if let Some(tries) = &expect.tries_left {
        let want = tries_wanted(&tries.value, &tries.at, vars)?;
        let actual = outcome.sw;
        if actual.and_then(|sw| sw.tries_left()) != Some(want) {
            out.push(Mismatch {
                at: tries.at.clone(),
                check: "tries_left".into(),
                expected: format!("63C{want:X} ({want} tries left)"),
                actual: actual.map_or_else(|| "no status word".into(), |sw| sw.to_string()),
                note: None,
            });
        }
    }
    Ok(out)
}

/// The tries a `tries_left` expectation wants, as `63Cx` can report them
/// (one nibble: more than 15 shows as 15, card-protocol.md §3.1).
fn tries_wanted(want: &TriesExpect, at: &Location, vars: &Vars) -> Result<u8, AuthorError> {
    let text = vars
        .render(&want.from)
        .map_err(|e| undefined(at, &e.0))?
        .text;
    let from: u32 = text.trim().parse().map_err(|_| AuthorError {
        at: at.clone(),
        message: format!(
            "tries_left: expected a decimal number after substitution, found `{text}`"
        ),
    })?;
    let left = from
        .checked_sub(u32::from(want.minus))
        .ok_or_else(|| AuthorError {
            at: at.clone(),
            message: format!("tries_left: {from} minus {} is below zero", want.minus),
        })?;
    Ok(u8::try_from(left.min(15)).unwrap_or(15))
}

fn undefined(at: &Location, name: &str) -> AuthorError {
    AuthorError {
        at: at.clone(),
        message: format!(
            "`${{{name}}}` has no value at this point of the run (the step that captures it did not run or captured nothing)"
        ),
    }
}

/// Renders a hex template and decodes it.
pub fn hex_of(
    vars: &Vars,
    template: &myna_scenario::Template,
    at: &Location,
) -> Result<Vec<u8>, AuthorError> {
    secret_hex_of(vars, template, at).map(|(bytes, _)| bytes.into_owned())
}

/// [`hex_of`], and whether a secret was substituted into it; a `${name}`
/// alone is decoded once per value (a persona's certificate), not per
/// check.
fn secret_hex_of<'v>(
    vars: &'v Vars,
    template: &myna_scenario::Template,
    at: &Location,
) -> Result<(std::borrow::Cow<'v, [u8]>, bool), AuthorError> {
    if let Some((bytes, secret)) = vars.var_bytes(template) {
        return Ok((std::borrow::Cow::Borrowed(bytes), secret));
    }
    let (text, secret) = vars.render_cow(template).map_err(|e| undefined(at, &e.0))?;
    let bytes = parse_hex(&text).map_err(|_| AuthorError {
        at: at.clone(),
        message: "expected hex bytes after substitution".into(),
    })?;
    Ok((bytes.into(), secret))
}

/// A comparison with a secret side: what the failure may say. Neither the
/// secret's bytes nor the offset of the first difference (which, beside the
/// other side's bytes in the evidence, gives the secret's prefix away:
/// issue 9) — only that it differs, and the lengths.
fn secret_mismatch(want_len: usize, got_len: usize) -> (String, String) {
    (
        format!("a secret value ({want_len} bytes)"),
        format!("{got_len} bytes that differ from it (where is not said: the value is secret)"),
    )
}

fn in_range(n: usize, range: LenRange) -> bool {
    (range.min..=range.max).contains(&n)
}

fn describe_range(range: LenRange) -> String {
    if range.min == range.max {
        format!("{} bytes", range.min)
    } else {
        format!("{}..={} bytes", range.min, range.max)
    }
}

/// Hex with secrets masked, shortened past 48 bytes, with the length.
pub fn describe_bytes(redactor: &Redactor, bytes: &[u8]) -> String {
    const SHOW: usize = 48;
    let masked = redactor.hex(bytes);
    if bytes.is_empty() {
        "no data".into()
    } else if bytes.len() <= SHOW {
        masked
    } else {
        format!(
            "{}… ({} bytes)",
            masked.get(..SHOW * 2).unwrap_or_default(),
            bytes.len()
        )
    }
}

/// The actual bytes, with where they first differ from the expected ones
/// (a secret byte is shown as `**`).
fn describe_difference(redactor: &Redactor, want: &[u8], got: &[u8]) -> String {
    let first = want.iter().zip(got).position(|(a, b)| a != b);
    match first {
        Some(i) => {
            let byte_at = |bytes: &[u8]| {
                let masked = redactor.hex(bytes);
                masked.get(i * 2..i * 2 + 2).unwrap_or("??").to_string()
            };
            format!(
                "{} (first difference at byte {i}: expected {}, found {})",
                describe_bytes(redactor, got),
                byte_at(want),
                byte_at(got)
            )
        }
        None => format!(
            "{} ({} bytes where {} were expected)",
            describe_bytes(redactor, got),
            got.len(),
            want.len()
        ),
    }
}
