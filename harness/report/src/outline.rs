//! The layout of `report.json`: laid out like `serde_json`'s pretty
//! printer (two-space indent) down to each step, and each step (with its
//! failures and evidence) compact on one line. A large run's file is then a
//! quarter smaller than fully pretty (127 → 96 MB for 1,000 scenarios × 100
//! steps) and quicker to write, and still reads and diffs one step a line.
//!
//! Why our own formatter: `serde_json` has pretty and compact, not a mix,
//! and its pretty formatter's depth is private (a scenario written on its
//! own must start at the depth it has in the file).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// Containers at this depth or less (the root object is 1, a scenario's
/// `steps` array 4) have one member a line; deeper ones are compact.
const LAID_OUT_DEPTH: usize = 4;

/// The formatter; `depth` is that of the container being written into.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outline {
    depth: usize,
    has_value: bool,
}

impl Outline {
    /// A formatter for a value that sits inside `depth` containers.
    pub(crate) fn at(depth: usize) -> Outline {
        Outline {
            depth,
            has_value: false,
        }
    }

    fn laid_out(&self) -> bool {
        self.depth <= LAID_OUT_DEPTH
    }

    fn new_line<W: ?Sized + Write>(&self, writer: &mut W, first: bool) -> io::Result<()> {
        if self.laid_out() {
            writer.write_all(if first { b"\n" } else { b",\n" })?;
            indent(writer, self.depth)
        } else if first {
            Ok(())
        } else {
            writer.write_all(b",")
        }
    }

    fn end<W: ?Sized + Write>(&mut self, writer: &mut W, close: &[u8]) -> io::Result<()> {
        let laid_out = self.laid_out();
        self.depth -= 1;
        if laid_out && self.has_value {
            writer.write_all(b"\n")?;
            indent(writer, self.depth)?;
        }
        writer.write_all(close)
    }
}

/// Two spaces per level.
pub(crate) fn indent<W: ?Sized + Write>(writer: &mut W, depth: usize) -> io::Result<()> {
    for _ in 0..depth {
        writer.write_all(b"  ")?;
    }
    Ok(())
}

/// Writes `value` as it sits inside `depth` containers of `report.json`.
pub(crate) fn write_at<W: Write>(
    writer: &mut W,
    depth: usize,
    value: &impl Serialize,
) -> serde_json::Result<()> {
    let mut serializer = Serializer::with_formatter(writer, Outline::at(depth));
    value.serialize(&mut serializer)
}

impl Formatter for Outline {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.new_line(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.new_line(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(if self.laid_out() { b": " } else { b":" })
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write_at(&mut out, 0, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn laid_out_to_the_steps_and_compact_within_them() {
        let value = json!({"a": [{"b": [{"c": [1, {"d": []}], "e": {}}]}], "f": []});
        assert_eq!(
            text(&value),
            "{\n  \"a\": [\n    {\n      \"b\": [\n        {\"c\":[1,{\"d\":[]}],\"e\":{}}\n      ]\n    }\n  ],\n  \"f\": []\n}"
        );
    }

    #[test]
    fn shallow_values_are_as_serde_json_pretty_prints_them() {
        let value = json!({"a": [1, 2], "b": {"c": null, "d": "x"}, "e": [], "f": {}});
        assert_eq!(text(&value), serde_json::to_string_pretty(&value).unwrap());
    }
}
