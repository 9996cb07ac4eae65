//! The eligibility-lookup role: the built-in reference model in-process
//! (a fresh model per scenario) or any server implementing the API of
//! `docs/oqs.md` over HTTP.

use myna_family::OpenError as ProviderError;
use myna_oqs::{HttpTarget, InProcessTarget, OqsTarget};

/// Opens an OQS target for each scenario.
pub trait OqsProvider {
    /// A target for one scenario.
    fn open(&mut self) -> Result<Box<dyn OqsTarget>, ProviderError>;
    /// Capabilities (`oqs.lookup`, `oqs.control`).
    fn capabilities(&self) -> Vec<String>;
    /// `builtin` or the URL.
    fn describe(&self) -> String;
}

/// The reference model, in-process.
#[derive(Debug, Default)]
pub struct BuiltinOqs;

impl OqsProvider for BuiltinOqs {
    fn open(&mut self) -> Result<Box<dyn OqsTarget>, ProviderError> {
        Ok(Box::new(InProcessTarget::new()))
    }

    fn capabilities(&self) -> Vec<String> {
        InProcessTarget::new().capabilities()
    }

    fn describe(&self) -> String {
        "builtin".into()
    }
}

/// A server under test at a URL. Scenarios that need the test-control API
/// are not applicable when the server does not offer it.
#[derive(Debug)]
pub struct HttpOqs {
    url: String,
    options: myna_http::ClientOptions,
    capabilities: Vec<String>,
}

impl HttpOqs {
    /// Probes the server at `url` once for its capabilities.
    pub fn connect(url: &str) -> Result<Self, ProviderError> {
        Self::connect_with(url, myna_http::ClientOptions::default())
    }

    /// Probes the server at `url` once, with these client settings (TLS,
    /// timeouts), which every scenario's connection then uses.
    pub fn connect_with(
        url: &str,
        options: myna_http::ClientOptions,
    ) -> Result<Self, ProviderError> {
        let target = HttpTarget::connect_with(url, &options)
            .map_err(|e| ProviderError::environment(format!("eligibility service {url}: {e}")))?;
        Ok(HttpOqs {
            url: url.to_string(),
            options,
            capabilities: target.capabilities(),
        })
    }
}

impl OqsProvider for HttpOqs {
    fn open(&mut self) -> Result<Box<dyn OqsTarget>, ProviderError> {
        HttpTarget::connect_with(&self.url, &self.options)
            .map(|t| Box::new(t) as Box<dyn OqsTarget>)
            .map_err(|e| {
                ProviderError::environment(format!("eligibility service {}: {e}", self.url))
            })
    }

    fn capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}
