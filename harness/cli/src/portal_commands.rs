//! `portal serve` (the reference portal as a server, linking registrations
//! at an eligibility service) and the `--portal` target of `run`.

use std::path::PathBuf;

use clap::Subcommand;
use myna_family::exit_code;
use myna_family_portal::{HttpPortalProvider, PortalProvider};
use myna_oqs::{HttpTarget, InProcessTarget, OqsTarget};
use myna_portal::server::{serve_blocking, Backend};
use myna_portal::{PortalConfig, PortalService};

/// `portal` subcommands.
#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Serve the reference portal (harness/portal/openapi.yaml, served at
    /// /openapi.yaml) with its test-control API until interrupted.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
        /// The eligibility service where 健康保険証利用申込 are linked: an
        /// http(s):// URL of `oqs serve` (or any implementation with the
        /// test-control API); default a private in-process model.
        #[arg(long)]
        oqs: Option<String>,
        /// Persona directory: its `ca/` is the trusted test JPKI CA.
        #[arg(long, default_value = "vectors/personas")]
        personas: PathBuf,
    },
}

/// Runs a `portal` subcommand.
pub fn dispatch(command: PortalCommand) -> i32 {
    match command {
        PortalCommand::Serve {
            listen,
            oqs,
            personas,
        } => serve(&listen, oqs.as_deref(), &personas),
    }
}

fn serve(listen: &str, oqs: Option<&str>, personas: &std::path::Path) -> i32 {
    let Ok(addr) = listen.parse() else {
        eprintln!("error: --listen expects HOST:PORT (e.g. 127.0.0.1:8090), found {listen:?}");
        return exit_code::BAD_INPUT;
    };
    let eligibility: Box<dyn OqsTarget + Send> = match oqs {
        None => Box::new(InProcessTarget::new()),
        Some(url) => match HttpTarget::connect(url) {
            Ok(t) => Box::new(t),
            Err(e) => {
                eprintln!("error: eligibility service {url}: {e}");
                return exit_code::INFRASTRUCTURE;
            }
        },
    };
    let service = match PortalService::new(&personas.join("ca"), PortalConfig::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_code::BAD_INPUT;
        }
    };
    eprintln!(
        "reference portal on http://{addr} (API: http://{addr}/openapi.yaml, eligibility: {}); Ctrl-C stops",
        oqs.unwrap_or("in-process")
    );
    let result = serve_blocking(
        addr,
        Backend {
            service,
            eligibility,
        },
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
/// or an `http(s)://` URL.
pub fn portal_provider(portal: &str) -> Result<Option<Box<dyn PortalProvider>>, i32> {
    if portal == "builtin" {
        return Ok(None);
    }
    if !(portal.starts_with("http://") || portal.starts_with("https://")) {
        eprintln!("error: --portal expects `builtin` or an http(s):// URL, found {portal:?}");
        return Err(exit_code::BAD_INPUT);
    }
    HttpPortalProvider::connect(portal)
        .map(|p| Some(Box::new(p) as Box<dyn PortalProvider>))
        .map_err(|e| {
            eprintln!("error: {e:?}");
            exit_code::INFRASTRUCTURE
        })
}
