//! TLS for the reference servers (rustls, the ring provider): a certificate
//! chain and its key from PEM files. The handshake runs inside the
//! connection's task under the header-read timeout, so a client that opens
//! a connection and never says hello holds its slot no longer than one that
//! never sends a header.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A server's TLS identity, ready for the accept loop.
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<rustls::ServerConfig>,
}

/// Why the TLS identity could not be loaded: the files the user named are
/// missing or are not a certificate chain and its key (bad input).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsSetupError(String);

impl ServerTls {
    /// The chain in `cert` (PEM, leaf first) and the key in `key` (PEM,
    /// PKCS#8, SEC1 or PKCS#1). Messages name the file, never its content.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<ServerTls, TlsSetupError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|e| TlsSetupError(format!("{}: {e}", cert.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| TlsSetupError(format!("{}: {e}", cert.display())))?;
        if chain.is_empty() {
            return Err(TlsSetupError(format!(
                "{}: expected a CERTIFICATE in PEM, found none",
                cert.display()
            )));
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|_| {
            TlsSetupError(format!(
                "{}: expected a PRIVATE KEY in PEM, found none",
                key.display()
            ))
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| TlsSetupError(format!("{}: {e}", cert.display())))?;
        Ok(ServerTls {
            config: Arc::new(config),
        })
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.config))
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerTls(..)")
    }
}

impl PartialEq for ServerTls {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.config, &other.config)
    }
}

impl Eq for ServerTls {}
