//! `portal serve` (the reference portal as a server, linking registrations
//! at an eligibility service) and the `--portal` target of `run`.

use std::path::PathBuf;

use clap::Subcommand;
use myna_family::exit_code;
use myna_family_portal::{HttpPortalProvider, PortalProvider};
use myna_oqs::{HttpTarget, InProcessTarget, OqsTarget};
use myna_portal::server::{serve_blocking, serve_config, Backend};
use myna_portal::{PortalConfig, PortalService};

use crate::arg_types::{http_url, listen_address, HttpTarget as TargetSpec, HttpUrl};
use crate::args::ServerTlsArgs;

/// `portal` subcommands.
#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Serve the reference portal (harness/portal/openapi.yaml, served at
    /// /openapi.yaml) with its test-control API until interrupted.
    Serve {
        /// Address to listen on (IP:PORT).
        #[arg(long, default_value = "127.0.0.1:8090", value_parser = listen_address)]
        listen: std::net::SocketAddr,
        /// The eligibility service where 健康保険証利用申込 are linked: an
        /// http(s):// URL of `oqs serve` (or any implementation with the
        /// test-control API); default a private in-process model.
        #[arg(long, value_parser = http_url)]
        oqs: Option<HttpUrl>,
        /// Persona directory: its `ca/` is the trusted test JPKI CA, its
        /// personas the test J-LIS's 本人情報 (the holder-name check of
        /// 公金受取口座登録).
        #[arg(long, default_value = "vectors/personas")]
        personas: PathBuf,
        #[command(flatten)]
        tls: ServerTlsArgs,
        /// With `--oqs https://…`: trust the CA certificates in this PEM
        /// file for the eligibility service instead of the system's roots.
        #[arg(long, value_name = "PEM")]
        oqs_ca: Option<PathBuf>,
    },
}

/// Runs a `portal` subcommand.
pub fn dispatch(command: PortalCommand) -> i32 {
    match command {
        PortalCommand::Serve {
            listen,
            oqs,
            personas,
            tls,
            oqs_ca,
        } => serve(&Serve {
            listen,
            oqs: oqs.as_ref().map(HttpUrl::as_str),
            oqs_ca,
            personas: &personas,
            tls: &tls,
        }),
    }
}

/// What `portal serve` was asked to do.
struct Serve<'a> {
    listen: std::net::SocketAddr,
    oqs: Option<&'a str>,
    oqs_ca: Option<PathBuf>,
    personas: &'a std::path::Path,
    tls: &'a ServerTlsArgs,
}

/// The eligibility service `portal serve --oqs` names (default a private
/// in-process model); `Err` is the exit code, the problem printed.
fn eligibility(url: Option<&str>, ca: Option<PathBuf>) -> Result<Box<dyn OqsTarget + Send>, i32> {
    let Some(url) = url else {
        return Ok(Box::new(InProcessTarget::new()));
    };
    let options = myna_http::ClientOptions {
        tls: myna_http::TlsOptions {
            ca_file: ca,
            ..myna_http::TlsOptions::default()
        },
        ..myna_http::ClientOptions::default()
    };
    // A CA file that is not one is the user's mistake.
    if let Err(e) = myna_http::agent(&options) {
        eprintln!("error: --oqs-ca: {e}");
        return Err(exit_code::BAD_INPUT);
    }
    HttpTarget::connect_with(url, &options)
        .map(|t| Box::new(t) as Box<dyn OqsTarget + Send>)
        .map_err(|e| {
            eprintln!("error: eligibility service {url}: {e}");
            exit_code::INFRASTRUCTURE
        })
}

fn serve(args: &Serve<'_>) -> i32 {
    let addr = args.listen;
    let identity = match args.tls.identity() {
        Ok(identity) => identity,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::BAD_INPUT;
        }
    };
    let scheme = if identity.is_some() { "https" } else { "http" };
    let eligibility = match eligibility(args.oqs, args.oqs_ca.clone()) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let (oqs, personas) = (args.oqs, args.personas);
    let service = match PortalService::new(&personas.join("ca"), PortalConfig::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::BAD_INPUT;
        }
    };
    let announce = |bound: std::net::SocketAddr| {
        eprintln!(
            "reference portal on {scheme}://{bound} (API: {scheme}://{bound}/openapi.yaml, eligibility: {}); Ctrl-C stops",
            oqs.unwrap_or("in-process")
        );
    };
    let result = serve_blocking(
        addr,
        Backend {
            service,
            eligibility,
        },
        serve_config().tls(identity),
        announce,
    );
    match result {
        Ok(()) => exit_code::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        }
    }
}

/// The portal provider `--portal` names: `builtin` (`None`: the default)
/// or an `http(s)://` URL, reached with `tls` (`--ca`, a client certificate).
pub fn portal_provider(
    portal: &TargetSpec,
    tls: &crate::args::ClientTlsArgs,
) -> Result<Option<Box<dyn PortalProvider>>, i32> {
    let Some(url) = portal.url() else {
        return Ok(None);
    };
    let options = myna_http::ClientOptions {
        tls: tls.options(),
        ..myna_http::ClientOptions::default()
    };
    // A CA or client-certificate file that is not one is the user's mistake.
    if let Err(e) = myna_http::agent(&options) {
        eprintln!("error: {e}");
        return Err(exit_code::BAD_INPUT);
    }
    HttpPortalProvider::connect_with(url.as_str(), options)
        .map(|p| Some(Box::new(p) as Box<dyn PortalProvider>))
        .map_err(|e| {
            eprintln!("error: {e}");
            exit_code::INFRASTRUCTURE
        })
}
