//! `capture:`: keeps part of a response as a variable for later steps.

use myna_card_emu::tlv;

use super::action::Outcome;
use crate::step::{Capture, CaptureSource};

/// The captured text (hex for bytes), or why nothing could be taken.
pub fn take(capture: &Capture, outcome: &Outcome) -> Result<String, String> {
    let data = &outcome.data;
    match &capture.source {
        CaptureSource::Data => Ok(hex::encode_upper(data)),
        CaptureSource::Sw => outcome
            .sw
            .map(|sw| sw.to_string())
            .ok_or_else(|| "the step has no status word".to_string()),
        CaptureSource::DataRange(a, b) => {
            data.get(*a..*b).map(hex::encode_upper).ok_or_else(|| {
                format!(
                    "data[{a}..{b}] is out of range: the data has {} bytes",
                    data.len()
                )
            })
        }
        CaptureSource::Tries => outcome
            .sw
            .and_then(|sw| sw.tries_left())
            .map(|tries| tries.to_string())
            .ok_or_else(|| {
                let sw = outcome
                    .sw
                    .map_or_else(|| "none".into(), |sw| sw.to_string());
                format!("the status word {sw} is not 63Cx: no tries to capture")
            }),
        CaptureSource::Tlv(path) => {
            tlv::find(data, &path.0)
                .map(hex::encode_upper)
                .ok_or_else(|| {
                    let p: Vec<String> = path.0.iter().map(|t| format!("{t:X}")).collect();
                    format!("no TLV element at {}", p.join("/"))
                })
        }
    }
}
