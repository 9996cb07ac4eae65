//! The YAML backend: text → a spanned node tree. The only module that knows
//! about `yaml-rust2`, so the parser can be swapped without touching the
//! conversion code.
//!
//! Choices made here:
//! - scalars keep their text as written (no YAML 1.1/1.2 typing), so `9000`,
//!   `6E00` and `0001` stay the strings the scenario author typed; whether a
//!   scalar was plain is kept for the JSON-like conversion
//!   ([`ParseCtx::json`](crate::ParseCtx::json));
//! - a plain empty scalar, `~` and `null` are [`NodeKind::Null`];
//! - anchors and aliases are resolved by copying the anchored node (with a
//!   budget on the total size, against "billion laughs");
//! - tags (`!…`), several documents, duplicate keys, nesting deeper than
//!   [`MAX_DEPTH`] are diagnostics.

use std::collections::HashMap;
use std::sync::Arc;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::ast::Location;
use crate::diagnostic::Diagnostic;

/// Deepest nesting of lists and maps accepted.
pub(crate) const MAX_DEPTH: usize = 64;

/// Most nodes one file may expand to (aliases counted as copies).
const MAX_NODES: usize = 200_000;

/// A YAML node and where it starts (1-based line and column): what a family
/// parses its steps from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// The shape of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// Nothing written, `~` or `null`.
    Null,
    /// A scalar's text, and whether it was written plain (unquoted, not a
    /// block scalar).
    Scalar {
        /// The text after YAML unescaping.
        text: String,
        /// Unquoted.
        plain: bool,
    },
    /// A list.
    Seq(Vec<Node>),
    /// A map, keys in file order (duplicates already reported and dropped).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The node's location in `file`.
    pub fn location(&self, file: &Arc<str>) -> Location {
        Location {
            file: Arc::clone(file),
            line: self.line,
            col: self.col,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// What kind of node it is, without its text (`a scalar`, `a list`,
    /// …), for messages that must not quote a secret.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "nothing",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }

    /// How the node is described in "found …" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            NodeKind::Null => "nothing".to_string(),
            NodeKind::Scalar { text, .. } => {
                let mut shown: String = text.chars().take(40).collect();
                if shown.len() < text.len() {
                    shown.push('…');
                }
                format!("`{shown}`")
            }
            NodeKind::Seq(_) => "a list".to_string(),
            NodeKind::Map(_) => "a map".to_string(),
        }
    }

    /// Number of nodes in this subtree (for the alias budget).
    fn size(&self) -> usize {
        match &self.kind {
            NodeKind::Null | NodeKind::Scalar { .. } => 1,
            NodeKind::Seq(items) => items.iter().map(Node::size).fold(1, usize::saturating_add),
            NodeKind::Map(entries) => entries
                .iter()
                .map(|(k, v)| k.size().saturating_add(v.size()))
                .fold(1, usize::saturating_add),
        }
    }
}

/// A list or map being built.
enum Frame {
    Seq {
        items: Vec<Node>,
        line: u32,
        col: u32,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        line: u32,
        col: u32,
        anchor: usize,
    },
}

/// Builds the tree from parser events.
struct Builder<'f> {
    file: &'f Arc<str>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    documents: u32,
    nodes: usize,
    diags: Vec<Diagnostic>,
}

fn line_col(mark: &Marker) -> (u32, u32) {
    let line = u32::try_from(mark.line()).unwrap_or(u32::MAX).max(1);
    let col = u32::try_from(mark.col())
        .unwrap_or(u32::MAX - 1)
        .saturating_add(1);
    (line, col)
}

impl Builder<'_> {
    fn error_at(&mut self, line: u32, col: u32, message: impl Into<String>) {
        let at = Location {
            file: Arc::clone(self.file),
            line,
            col,
        };
        self.diags.push(Diagnostic::new(at, message));
    }

    /// Counts nodes against the budget; false (and a diagnostic) when over.
    fn charge(&mut self, count: usize, line: u32, col: u32) -> bool {
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > MAX_NODES {
            self.error_at(
                line,
                col,
                format!("expected a file of at most {MAX_NODES} YAML nodes (aliases expanded), found more"),
            );
            return false;
        }
        true
    }

    /// Hands a finished node to its parent (or makes it the root).
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    let first = entries.iter().find(|(k, _)| same_key(k, &key));
                    if let Some((first, _)) = first {
                        let message = format!(
                            "expected each key once in a map, found {} again (first at line {}, column {})",
                            key.describe(),
                            first.line,
                            first.col
                        );
                        let (line, col) = (key.line, key.col);
                        self.error_at(line, col, message);
                    } else {
                        entries.push((key, node));
                    }
                }
            },
        }
    }

    /// Handles one event; false to stop.
    fn event(&mut self, event: Event, mark: &Marker) -> bool {
        let (line, col) = line_col(mark);
        let is_map = matches!(event, Event::MappingStart(..));
        match event {
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => true,
            Event::StreamEnd => false,
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.error_at(
                        line,
                        col,
                        "expected one YAML document, found a second one (`---`)",
                    );
                    return false;
                }
                true
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    if !self.charge(node.size(), line, col) {
                        return false;
                    }
                    node.line = line;
                    node.col = col;
                    self.finish(node, 0);
                    true
                }
                None => {
                    self.error_at(
                        line,
                        col,
                        "expected a defined anchor, found an unknown alias",
                    );
                    false
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                if !self.charge(1, line, col) {
                    return false;
                }
                if tag.is_some() {
                    self.error_at(
                        line,
                        col,
                        "expected a value without a YAML tag, found a tag (`!…`); tags are not supported",
                    );
                }
                let plain = matches!(style, TScalarStyle::Plain);
                let kind = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    NodeKind::Null
                } else {
                    NodeKind::Scalar { text, plain }
                };
                self.finish(Node { kind, line, col }, anchor);
                true
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if !self.charge(1, line, col) {
                    return false;
                }
                if tag.is_some() {
                    self.error_at(
                        line,
                        col,
                        "expected a value without a YAML tag, found a tag (`!…`); tags are not supported",
                    );
                }
                if self.stack.len() >= MAX_DEPTH {
                    self.error_at(
                        line,
                        col,
                        format!("expected lists and maps nested at most {MAX_DEPTH} deep, found deeper nesting"),
                    );
                    return false;
                }
                self.stack.push(if is_map {
                    Frame::Map {
                        entries: Vec::new(),
                        pending_key: None,
                        line,
                        col,
                        anchor,
                    }
                } else {
                    Frame::Seq {
                        items: Vec::new(),
                        line,
                        col,
                        anchor,
                    }
                });
                true
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        line,
                        col,
                        anchor,
                    }) => (
                        Node {
                            kind: NodeKind::Seq(items),
                            line,
                            col,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        entries,
                        line,
                        col,
                        anchor,
                        ..
                    }) => {
                        // A block map's start mark is unreliable; its first
                        // key is where a reader looks.
                        let (line, col) = entries
                            .first()
                            .map_or((line, col), |(k, _)| (k.line, k.col));
                        (
                            Node {
                                kind: NodeKind::Map(entries),
                                line,
                                col,
                            },
                            anchor,
                        )
                    }
                    None => return false,
                };
                self.finish(node, anchor);
                true
            }
        }
    }
}

/// Whether two map keys are the same key.
fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Null, NodeKind::Null) => true,
        (NodeKind::Scalar { text: x, .. }, NodeKind::Scalar { text: y, .. }) => x == y,
        _ => false,
    }
}

/// Parses `text` (the content of `file`) into one node tree. An empty file
/// is a [`NodeKind::Null`] at 1:1. Syntax errors stop the parse (YAML
/// cannot be resumed reliably); duplicate keys and tags are collected.
pub(crate) fn parse(file: &Arc<str>, text: &str) -> Result<Node, Vec<Diagnostic>> {
    let mut builder = Builder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        documents: 0,
        nodes: 0,
        diags: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token() {
            Ok((event, mark)) => {
                if !builder.event(event, &mark) {
                    break;
                }
            }
            Err(error) => {
                let (line, col) = line_col(error.marker());
                let info = error.info().to_string();
                builder.error_at(
                    line,
                    col,
                    format!("expected valid YAML, found a syntax error: {info}"),
                );
                break;
            }
        }
    }
    if !builder.diags.is_empty() {
        return Err(builder.diags);
    }
    Ok(builder.root.unwrap_or(Node {
        kind: NodeKind::Null,
        line: 1,
        col: 1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Arc<str> {
        Arc::from("t.yaml")
    }

    fn scalar(text: &str, plain: bool) -> NodeKind {
        NodeKind::Scalar {
            text: text.to_string(),
            plain,
        }
    }

    #[test]
    fn positions_are_one_based() {
        let node = parse(&file(), "a: 1\nb:\n  - x\n  - 'y'\n").unwrap();
        let NodeKind::Map(entries) = &node.kind else {
            panic!("not a map: {node:?}")
        };
        assert_eq!((node.line, node.col), (1, 1));
        let (b, list) = &entries[1];
        assert_eq!((b.line, b.col), (2, 1));
        let NodeKind::Seq(items) = &list.kind else {
            panic!("not a list")
        };
        assert_eq!((items[0].line, items[0].col), (3, 5));
        assert_eq!(items[1].kind, scalar("y", false));
        assert_eq!(entries[0].1.kind, scalar("1", true));
    }

    #[test]
    fn hex_looking_scalars_keep_their_text() {
        let node = parse(&file(), "[9000, 6E00, 0001, ~, null, '']").unwrap();
        let NodeKind::Seq(items) = node.kind else {
            panic!()
        };
        let kinds: Vec<_> = items.into_iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            vec![
                scalar("9000", true),
                scalar("6E00", true),
                scalar("0001", true),
                NodeKind::Null,
                NodeKind::Null,
                scalar("", false)
            ]
        );
    }

    #[test]
    fn aliases_are_copied_with_the_alias_position() {
        let node = parse(&file(), "a: &x { k: v }\nb: *x\n").unwrap();
        let NodeKind::Map(entries) = node.kind else {
            panic!()
        };
        assert_eq!(entries[1].1.kind, entries[0].1.kind);
        assert_eq!(entries[1].1.line, 2);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let diags = parse(&file(), &text).unwrap_err();
        assert!(diags[0].message.contains("at most"), "{diags:?}");
    }

    #[test]
    fn duplicate_keys_are_reported_where_repeated() {
        let diags = parse(&file(), "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(diags.len(), 1);
        assert_eq!((diags[0].at.line, diags[0].at.col), (3, 1));
        assert!(diags[0].message.contains("first at line 1, column 1"));
    }

    #[test]
    fn syntax_errors_are_located() {
        let diags = parse(&file(), "a: [1,\n b: c").unwrap_err();
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].at.line, 3);
        assert!(diags[0].message.starts_with("expected valid YAML"));
    }

    #[test]
    fn tags_documents_and_deep_nesting_are_refused() {
        assert!(parse(&file(), "a: !!str 1\n").is_err());
        assert!(parse(&file(), "- a\n---\n- b\n").is_err());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(&file(), &deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&file(), &ok).is_ok());
    }

    #[test]
    fn empty_text_is_null() {
        assert_eq!(parse(&file(), "").unwrap().kind, NodeKind::Null);
        assert_eq!(
            parse(&file(), "# only a comment\n").unwrap().kind,
            NodeKind::Null
        );
    }
}
