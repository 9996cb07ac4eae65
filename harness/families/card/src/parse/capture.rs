//! `capture:` on a card step → [`Capture`]s, each declared to the loader.

use myna_scenario::{secret_entries, LongForm, Node, ParseCtx as Ctx, SecretEntry};

use super::codes::parse_tlv_path;
use crate::step::{Capture, CaptureSource};
use crate::vocabulary::CAPTURE_KEYS;

/// Parses a capture source: `data`, `sw`, `tries`, `data[a..b]`, `tlv:FF20/DF22`.
pub fn parse_capture_source(text: &str) -> Result<CaptureSource, String> {
    let wrong = || {
        format!("expected a capture source (`data`, `sw`, `tries`, `data[a..b]`, `tlv:FF20/DF22`), found `{text}`")
    };
    match text.trim() {
        "data" => Ok(CaptureSource::Data),
        "sw" => Ok(CaptureSource::Sw),
        "tries" => Ok(CaptureSource::Tries),
        other => {
            if let Some(path) = other.strip_prefix("tlv:") {
                return parse_tlv_path(path.trim()).map(CaptureSource::Tlv);
            }
            let range = other
                .strip_prefix("data[")
                .and_then(|rest| rest.strip_suffix(']'))
                .ok_or_else(wrong)?;
            let (start, end) = range.split_once("..").ok_or_else(wrong)?;
            let start: usize = start.trim().parse().map_err(|_| wrong())?;
            let end: usize = end.trim().parse().map_err(|_| wrong())?;
            if start > end {
                return Err(format!(
                    "expected a byte range `data[a..b]` with a ≤ b, found `{text}`"
                ));
            }
            Ok(CaptureSource::DataRange(start, end))
        }
    }
}

/// Converts a `capture:` map: `{ var: source }` or
/// `{ var: { from: source, secret: true } }`.
pub(crate) fn captures(ctx: &mut Ctx, node: &Node) -> Vec<Capture> {
    let long = LongForm {
        inner: "from",
        keys: CAPTURE_KEYS,
        what: "the capture source",
    };
    let mut out = Vec::new();
    for entry in secret_entries(
        ctx,
        node,
        "a map of variable names to capture sources",
        &long,
    ) {
        let SecretEntry {
            name,
            key: key_node,
            value: source_node,
            secret,
        } = entry;
        let Some(text) = ctx.str(source_node, "a capture source") else {
            continue;
        };
        let at = ctx.at(key_node);
        ctx.declare_capture(name, secret, at.clone());
        match parse_capture_source(text) {
            Ok(source) => out.push(Capture {
                name: name.to_string(),
                source,
                secret,
                at,
            }),
            Err(message) => ctx.error(source_node, message),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::TlvPath;

    #[test]
    fn sources() {
        assert_eq!(parse_capture_source("data"), Ok(CaptureSource::Data));
        assert_eq!(parse_capture_source("sw"), Ok(CaptureSource::Sw));
        assert_eq!(parse_capture_source("tries"), Ok(CaptureSource::Tries));
        assert_eq!(
            parse_capture_source("data[2..6]"),
            Ok(CaptureSource::DataRange(2, 6))
        );
        assert_eq!(
            parse_capture_source("tlv:FF20/DF22"),
            Ok(CaptureSource::Tlv(TlvPath(vec![0xFF20, 0xDF22])))
        );
        assert!(parse_capture_source("data[6..2]").is_err());
        assert!(parse_capture_source("data[x..2]").is_err());
        assert!(parse_capture_source("date").is_err());
        assert!(parse_capture_source("tlv:").is_err());
    }
}
