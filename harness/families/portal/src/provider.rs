//! The portal role: the reference in process (a fresh portal per
//! scenario) or any server implementing harness/portal/openapi.yaml.

use std::path::PathBuf;

use myna_family::OpenError;
use myna_portal::client::ClientRequest;
use myna_portal::{HttpPortal, InProcessPortal, NoLink, PortalConfig, PortalTarget};

use crate::vocabulary::{CAP_API, CAP_CONTROL};

/// Opens a portal target for each scenario.
pub trait PortalProvider {
    /// A target for one scenario, in its start state.
    fn open(&mut self) -> Result<Box<dyn PortalTarget>, OpenError>;
    /// Capabilities (`portal.api`, `portal.control`).
    fn capabilities(&self) -> Vec<String>;
    /// `builtin` or the URL.
    fn describe(&self) -> String;
}

/// The reference, in process, trusting the test CA under the personas.
#[derive(Clone, Debug)]
pub struct BuiltinPortal {
    ca_dir: PathBuf,
    config: PortalConfig,
}

impl BuiltinPortal {
    /// Trusting `personas/ca`.
    pub fn new(personas: impl Into<PathBuf>) -> Self {
        BuiltinPortal::with_config(personas, PortalConfig::default())
    }

    /// With `config` (the mutation test sets defects).
    pub fn with_config(personas: impl Into<PathBuf>, config: PortalConfig) -> Self {
        BuiltinPortal {
            ca_dir: personas.into().join("ca"),
            config,
        }
    }
}

impl PortalProvider for BuiltinPortal {
    fn open(&mut self) -> Result<Box<dyn PortalTarget>, OpenError> {
        InProcessPortal::new(&self.ca_dir, self.config.clone())
            .map(|p| Box::new(p) as Box<dyn PortalTarget>)
            .map_err(|e| OpenError::environment(format!("the reference portal: {e}")))
    }

    fn capabilities(&self) -> Vec<String> {
        vec![CAP_API.to_owned(), CAP_CONTROL.to_owned()]
    }

    fn describe(&self) -> String {
        "builtin".into()
    }
}

/// A portal under test at a URL (`http://` or `https://`, with the client
/// settings of myna-http: `--ca`, a client certificate). It offers
/// `portal.control` when its control `state` command answers 200; each
/// scenario then starts with a `reset`.
#[derive(Clone, Debug)]
pub struct HttpPortalProvider {
    url: String,
    options: myna_http::ClientOptions,
    control: bool,
}

fn control(target: &mut HttpPortal, body: &[u8]) -> Result<u16, String> {
    target
        .request(
            ClientRequest {
                method: "POST",
                path: "/control/v1/command",
                session: None,
                idempotency_key: None,
                body,
            },
            &mut NoLink,
        )
        .map(|a| a.status)
}

impl HttpPortalProvider {
    /// Probes `url` once for the control API, with default client settings.
    pub fn connect(url: &str) -> Result<Self, OpenError> {
        HttpPortalProvider::connect_with(url, myna_http::ClientOptions::default())
    }

    /// Probes `url` once for the control API, with `options` (timeouts,
    /// TLS), and `GET /me` without a session must answer as the API does
    /// (401 with its JSON error body): a server that does not (a wrong base
    /// path, another kind of server) is an environment error naming what was
    /// probed and what it answered.
    pub fn connect_with(url: &str, options: myna_http::ClientOptions) -> Result<Self, OpenError> {
        let mut target = HttpPortal::with_options(url, &options)
            .map_err(|e| OpenError::environment(format!("portal {url}: {e}")))?;
        let state = control(&mut target, br#"{"op":"state"}"#)
            .map_err(|e| OpenError::environment(format!("portal {url}: {e}")))?;
        // The eligibility service has a control `state` command too: only
        // the API's own answer tells a portal.
        probe_api(&mut target, url, state)?;
        Ok(HttpPortalProvider {
            url: url.to_owned(),
            options,
            control: state == 200,
        })
    }
}

/// `GET /me` without a session: the API answers 401 with its JSON error
/// body; anything else is not this API.
fn probe_api(target: &mut HttpPortal, url: &str, control_status: u16) -> Result<(), OpenError> {
    let answer = target
        .request(
            ClientRequest {
                method: "GET",
                path: "/me",
                session: None,
                idempotency_key: None,
                body: &[],
            },
            &mut NoLink,
        )
        .map_err(|e| OpenError::environment(format!("portal {url}: {e}")))?;
    let is_api = answer.status == 401
        && serde_json::from_slice::<myna_portal::wire::ErrorBody>(&answer.body).is_ok();
    if is_api {
        return Ok(());
    }
    let found = if answer.status == 401 {
        "without the API's JSON error body".to_owned()
    } else {
        "instead of 401 with the API's JSON error body".to_owned()
    };
    Err(OpenError::environment(
        myna_http::NotThisApi {
            base: url.trim_end_matches('/').to_owned(),
            api: "a portal of harness/portal/openapi.yaml",
            answers: vec![
                format!("POST /control/v1/command answered {control_status}"),
                format!("GET /me answered {} {found}", answer.status),
            ],
            doc: "docs/portal.md",
        }
        .to_string(),
    ))
}

impl PortalProvider for HttpPortalProvider {
    fn open(&mut self) -> Result<Box<dyn PortalTarget>, OpenError> {
        let mut target = HttpPortal::with_options(&self.url, &self.options)
            .map_err(|e| OpenError::environment(format!("portal {}: {e}", self.url)))?;
        if self.control {
            let status = control(&mut target, br#"{"op":"reset"}"#)
                .map_err(|e| OpenError::environment(format!("portal {}: {e}", self.url)))?;
            if status != 200 {
                return Err(OpenError::environment(format!(
                    "portal {}: reset answered {status}",
                    self.url
                )));
            }
        }
        Ok(Box::new(target))
    }

    fn capabilities(&self) -> Vec<String> {
        let mut caps = vec![CAP_API.to_owned()];
        if self.control {
            caps.push(CAP_CONTROL.to_owned());
        }
        caps
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}
