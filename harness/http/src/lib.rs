//! One way to build the HTTP client of every HTTP target (the eligibility
//! service, the portal, and whatever comes next): timeouts, and TLS with
//! rustls: the system's roots by default, `--ca FILE` instead, and a client
//! certificate when an endpoint requires one. Keeping it in one place means
//! `--oqs https://…` and `--portal https://…` accept the same options and
//! fail the same way.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig, TlsProvider};

/// How an HTTP client trusts servers and identifies itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file of the CA certificates to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// PEM file of the client certificate chain (with `client_key`).
    pub client_cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key.
    pub client_key: Option<PathBuf>,
}

/// Settings of one HTTP client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// The whole request, connect to last body byte.
    pub timeout: Duration,
    /// TLS settings for `https://` URLs.
    pub tls: TlsOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: DEFAULT_TIMEOUT,
            tls: TlsOptions::default(),
        }
    }
}

/// The default request timeout: long enough for a slow server under load,
/// short enough that a stopped one ends the step.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why no client could be built: a file the user named is missing or is
/// not what it should be (bad input).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClientSetupError {
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A file holds no usable PEM item of the expected kind.
    #[error("{path}: expected {expected} in PEM, found {found}")]
    NotPem {
        /// The file.
        path: String,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// Only one of the client certificate and its key was given.
    #[error("a client certificate needs both --client-cert and --client-key")]
    HalfClientCert,
}

/// A server that answers, but not as the API it was named for (a wrong
/// base path, another kind of server): what was probed and what it
/// answered. Every HTTP target says it the same way, an infrastructure
/// error (exit 3) rather than scenarios that quietly do not apply.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[error("{base} is not {api}: {} (is the base URL right? {doc})", .answers.join(", and "))]
pub struct NotThisApi {
    /// The base URL probed.
    pub base: String,
    /// What it was expected to be (`an eligibility service of this API`).
    pub api: &'static str,
    /// Each probe and what it found (`GET /me answered 404 without the
    /// API's JSON error body`).
    pub answers: Vec<String>,
    /// Where the API is described.
    pub doc: &'static str,
}

/// An agent with `options`; HTTP statuses are answers, not errors.
pub fn agent(options: &ClientOptions) -> Result<ureq::Agent, ClientSetupError> {
    let tls = tls_config(&options.tls)?;
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(options.timeout))
        .tls_config(tls)
        .build()
        .into())
}

fn tls_config(options: &TlsOptions) -> Result<TlsConfig, ClientSetupError> {
    let roots = match &options.ca_file {
        Some(path) => RootCerts::Specific(Arc::new(certificates(path)?)),
        None => RootCerts::PlatformVerifier,
    };
    let client = match (&options.client_cert, &options.client_key) {
        (None, None) => None,
        (Some(cert), Some(key)) => Some(ClientCert::new_with_certs(
            &certificates(cert)?,
            private_key(key)?,
        )),
        _ => return Err(ClientSetupError::HalfClientCert),
    };
    Ok(TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(roots)
        .client_cert(client)
        .build())
}

fn read(path: &Path) -> Result<Vec<u8>, ClientSetupError> {
    std::fs::read(path).map_err(|e| ClientSetupError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Every certificate of a PEM file (at least one).
fn certificates(path: &Path) -> Result<Vec<Certificate<'static>>, ClientSetupError> {
    let bytes = read(path)?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&bytes)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(ClientSetupError::NotPem {
            path: path.display().to_string(),
            expected: "a CERTIFICATE",
            found: "none".into(),
        });
    }
    Ok(certs)
}

/// The private key of a PEM file. The error never quotes the file.
fn private_key(path: &Path) -> Result<PrivateKey<'static>, ClientSetupError> {
    let bytes = read(path)?;
    PrivateKey::from_pem(&bytes).map_err(|_| ClientSetupError::NotPem {
        path: path.display().to_string(),
        expected: "a PRIVATE KEY",
        found: "none".into(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("myna-http-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn files_that_are_not_pem_are_named() {
        let junk = temp("junk.pem", "not a certificate\n");
        let options = ClientOptions {
            tls: TlsOptions {
                ca_file: Some(junk.clone()),
                ..TlsOptions::default()
            },
            ..ClientOptions::default()
        };
        let e = agent(&options).unwrap_err();
        assert!(matches!(e, ClientSetupError::NotPem { .. }), "{e}");
        assert!(e.to_string().contains("junk.pem"));
        let missing = ClientOptions {
            tls: TlsOptions {
                ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
                ..TlsOptions::default()
            },
            ..ClientOptions::default()
        };
        assert!(matches!(
            agent(&missing).unwrap_err(),
            ClientSetupError::Unreadable { .. }
        ));
        let half = ClientOptions {
            tls: TlsOptions {
                client_cert: Some(junk),
                ..TlsOptions::default()
            },
            ..ClientOptions::default()
        };
        assert_eq!(agent(&half).unwrap_err(), ClientSetupError::HalfClientCert);
        assert!(agent(&ClientOptions::default()).is_ok());
    }

    #[test]
    fn not_this_api_names_each_probe_and_its_answer() {
        let e = NotThisApi {
            base: "http://h:1/x".into(),
            api: "a portal of harness/portal/openapi.yaml",
            answers: vec!["GET /a answered 404".into(), "GET /b answered 200".into()],
            doc: "docs/portal.md",
        };
        assert_eq!(
            e.to_string(),
            "http://h:1/x is not a portal of harness/portal/openapi.yaml: GET /a answered 404, \
             and GET /b answered 200 (is the base URL right? docs/portal.md)"
        );
    }
}
