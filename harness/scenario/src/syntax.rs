//! The parse side of the family seam: what a family tells the loader about
//! its vocabulary, and the typed steps it parses.
//!
//! The loader knows the file shape (header, `vars`, `include`, `repeat`,
//! `finally`, the step modifiers) and nothing of any family's vocabulary:
//! for each step it finds the family whose keyword the step uses and hands
//! it the step's nodes through a [`StepParser`], with the shared
//! [`ParseCtx`](crate::ParseCtx) for diagnostics, so every family's
//! messages read alike.

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

use serde_json::Value;

use crate::yaml::Node;
use crate::ParseCtx;

/// A name and its one-line documentation (schema descriptions, "expected
/// one of" lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Doc {
    /// The name as written in a scenario.
    pub name: &'static str,
    /// One line for people.
    pub doc: &'static str,
}

/// A variable a family provides before any step runs (`persona.auth_pin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarDoc {
    /// The full name, as written inside `${…}`.
    pub name: &'static str,
    /// One line for people.
    pub doc: &'static str,
    /// Whether its value is a secret (masked in every output).
    pub secret: bool,
}

/// The JSON Schema (draft 2020-12) pieces of one step keyword: the schema
/// of the action key's value, and of `expect:` and `capture:` as the family
/// reads them (`None`: the step takes none). The loader's schema adds the
/// file shape's modifiers (`name`, `repeat`, `level`).
#[derive(Clone, Debug, PartialEq)]
pub struct StepSchema {
    /// The value of the action key, with a description.
    pub action: Value,
    /// `expect:`, if the step takes expectations.
    pub expect: Option<Value>,
    /// `capture:`, if the step can capture values.
    pub capture: Option<Value>,
}

/// The parse side of a family: its vocabulary.
pub trait StepSyntax {
    /// The family's name as written in ids and `family:` (`card`, `oqs`, …).
    fn family(&self) -> &'static str;
    /// Step keywords with a one-line doc each. Keywords are unique across
    /// the families of a [`Vocabulary`](crate::Vocabulary).
    fn keywords(&self) -> &'static [Doc];
    /// Capability names a target of this family may declare, each starting
    /// with the family's name and a dot (`card.jpki`); `applies_if` is
    /// checked against the union of every family's at load time.
    fn capabilities(&self) -> &'static [Doc];
    /// Variables the family provides before any step runs (card:
    /// `persona.*`), secret flag included.
    fn builtin_vars(&self) -> &'static [VarDoc];
    /// Families whose sessions this family's sessions borrow; they are
    /// opened first, and their variables are defined too (portal → card).
    fn needs(&self) -> &'static [&'static str] {
        &[]
    }
    /// A parser for one scenario (it may keep state across the scenario's
    /// steps, e.g. the card's current application, so that EF names
    /// resolve).
    fn parser(&self) -> Box<dyn StepParser>;
    /// The schema of a step whose action key is `keyword` (one of
    /// [`keywords`](Self::keywords)).
    fn step_schema(&self, keyword: &str) -> StepSchema;
}

/// One step as the loader hands it to a family: the action key and value,
/// the raw `expect:` and `capture:` nodes (their meaning is the family's),
/// and the whole step map (for "missing key" locations). `name`, `repeat`,
/// `level` and `include` are the file shape's and not passed on.
#[derive(Clone, Copy, Debug)]
pub struct StepSource<'a> {
    /// The action keyword.
    pub keyword: &'a str,
    /// The keyword's key node.
    pub key: &'a Node,
    /// The keyword's value.
    pub value: &'a Node,
    /// `expect:`, if written.
    pub expect: Option<&'a Node>,
    /// `capture:`, if written.
    pub capture: Option<&'a Node>,
    /// The step map.
    pub step: &'a Node,
}

/// Parses the steps of one scenario for one family.
pub trait StepParser {
    /// Parses one step. Every problem is reported through `cx` (all of
    /// them); returns `None` when any was reported. Templates read with
    /// [`ParseCtx::template`] and captures declared with
    /// [`ParseCtx::declare_capture`] are checked by the loader: every
    /// `${name}` must be defined at that point of the scenario.
    fn parse(&mut self, cx: &mut ParseCtx, step: StepSource<'_>) -> Option<Arc<dyn StepBody>>;
}

/// A parsed, typed step of some family. The family downcasts it to its own
/// type when it runs the step ([`downcast`]).
pub trait StepBody: Any + Debug + Send + Sync {
    /// The step's keyword.
    fn keyword(&self) -> &'static str;
    /// A human label for reports; never contains a secret (secret fields
    /// are shown as `<redacted>`).
    fn label(&self) -> String;
}

/// `body` as the family's own step type `T`, if it is one.
pub fn downcast<T: StepBody>(body: &dyn StepBody) -> Option<&T> {
    let any: &dyn Any = body;
    any.downcast_ref::<T>()
}

/// A type whose vocabulary is another value's: a family with a configured
/// target speaks the words of its stateless syntax, so it says which one
/// and gets [`StepSyntax`] from it.
pub trait WithSyntax {
    /// The vocabulary.
    fn syntax(&self) -> &dyn StepSyntax;
}

impl<T: WithSyntax> StepSyntax for T {
    fn family(&self) -> &'static str {
        self.syntax().family()
    }
    fn keywords(&self) -> &'static [Doc] {
        self.syntax().keywords()
    }
    fn capabilities(&self) -> &'static [Doc] {
        self.syntax().capabilities()
    }
    fn builtin_vars(&self) -> &'static [VarDoc] {
        self.syntax().builtin_vars()
    }
    fn needs(&self) -> &'static [&'static str] {
        self.syntax().needs()
    }
    fn parser(&self) -> Box<dyn StepParser> {
        self.syntax().parser()
    }
    fn step_schema(&self, keyword: &str) -> StepSchema {
        self.syntax().step_schema(keyword)
    }
}
