//! The reader role: the reference reader in process, or any reader that
//! speaks PROTOCOL.md at `tcp://HOST:PORT`.

use myna_family::OpenError;
use myna_reader::protocol::{Client, ClientOptions};
use myna_reader::{Defect, ReaderConfig, ReferenceReader};
use myna_scenario::Scenario;

use crate::session::Backend;
use crate::vocabulary::{CAPABILITIES, CAP_CARD_TRACE};

/// Opens a reader for each scenario.
pub trait ReaderProvider {
    /// A reader for `scenario`, fresh.
    fn open(&mut self, scenario: &Scenario) -> Result<Backend, OpenError>;
    /// Capabilities for `applies_if`.
    fn capabilities(&self) -> Vec<String>;
    /// `builtin` or the URL.
    fn describe(&self) -> String;
}

/// The reference reader in process (every capability, the card trace
/// included).
#[derive(Clone, Debug, Default)]
pub struct BuiltinReader {
    defect: Option<Defect>,
}

impl BuiltinReader {
    /// Test-only: a faulty reference reader.
    pub fn with_defect(defect: Defect) -> Self {
        BuiltinReader {
            defect: Some(defect),
        }
    }
}

impl ReaderProvider for BuiltinReader {
    fn open(&mut self, _scenario: &Scenario) -> Result<Backend, OpenError> {
        let reader = ReferenceReader::new(ReaderConfig::default());
        let reader = match self.defect {
            Some(d) => reader.with_defect(d),
            None => reader,
        };
        Ok(Backend::InProcess(Box::new(reader)))
    }

    fn capabilities(&self) -> Vec<String> {
        CAPABILITIES.iter().map(|c| c.name.to_string()).collect()
    }

    fn describe(&self) -> String {
        "builtin".into()
    }
}

/// A reader under test over the adapter protocol.
#[derive(Debug)]
pub struct TcpReader {
    address: String,
    options: ClientOptions,
    capabilities: Vec<String>,
    name: String,
}

/// The reader's own capabilities from its hello: `reader.*` ones, but never
/// the card trace, which only the card side can provide (a reader
/// claiming it would pass the trace checks on an empty trace).
fn declared(hello: &[String]) -> Vec<String> {
    hello
        .iter()
        .filter(|c| c.starts_with("reader.") && c.as_str() != CAP_CARD_TRACE)
        .cloned()
        .collect()
}

impl TcpReader {
    /// Connects once to `url` (`tcp://HOST:PORT`) for the capabilities.
    pub fn connect(url: &str, options: ClientOptions) -> Result<Self, OpenError> {
        let address = url
            .strip_prefix("tcp://")
            .ok_or_else(|| {
                OpenError::author(format!("expected --reader tcp://HOST:PORT, found {url}"))
            })?
            .to_string();
        let client = Client::connect(&address, options.clone())
            .map_err(|e| OpenError::environment(format!("reader {url}: {e}")))?;
        let hello = client.hello();
        Ok(TcpReader {
            capabilities: declared(&hello.capabilities),
            name: format!("{} {}", hello.name, hello.version),
            address,
            options,
        })
    }

    /// Declares `reader.card-trace`: the scenario's card is hosted by the
    /// harness behind vpcd (`--card vpcd`), which sees every APDU the
    /// reader sends it.
    pub fn with_card_trace(mut self) -> Self {
        if !self.capabilities.iter().any(|c| c == CAP_CARD_TRACE) {
            self.capabilities.push(CAP_CARD_TRACE.to_string());
        }
        self
    }

    /// The reader's name and version from its hello.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl ReaderProvider for TcpReader {
    fn open(&mut self, scenario: &Scenario) -> Result<Backend, OpenError> {
        let mut client = Client::connect(&self.address, self.options.clone())
            .map_err(|e| OpenError::environment(format!("reader tcp://{}: {e}", self.address)))?;
        client.reset(scenario.persona.as_deref()).map_err(|e| {
            OpenError::environment(format!("reader tcp://{}: reset: {e}", self.address))
        })?;
        Ok(Backend::Remote(Box::new(client)))
    }

    fn capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    fn describe(&self) -> String {
        format!("tcp://{}", self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_cannot_declare_the_card_trace_itself() {
        let hello = ["reader.flow", "reader.card-trace", "card.jpki"].map(String::from);
        assert_eq!(declared(&hello), vec!["reader.flow".to_string()]);
    }
}
