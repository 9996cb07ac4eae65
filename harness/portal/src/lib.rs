//! myna-portal: a マイナポータル-like API for the flows of seeds 000–002,
//! published as OpenAPI 3.1 (`openapi.yaml`, served byte for byte at
//! `/openapi.yaml`), its reference server, and its clients.
//!
//! - [`wire`]: the typed request and answer structs, shared by server and clients.
//! - [`login`] and [`trust`]: JPKI login (challenge, the 利用者証明用 signature
//!   by the card, chain to the test CA, validity, revocation list).
//! - [`service`]: the reference state machine behind any transport
//!   ([`PortalService::handle`]); `routes.rs`/`flows.rs` its routes,
//!   `state.rs` what it keeps per card holder, [`account`] the 公金受取口座
//!   field checks, [`identity`] the holders' 本人情報 and the 名義 check,
//!   [`banks`] the test institutions, [`control`] the test-control commands.
//! - [`eligibility`]: where a 健康保険証利用申込 lands (myna-oqs's targets).
//! - [`server`] (axum) and [`client`] (in-process and HTTP targets).
//!
//! No official API for these flows is public (health-insurance-system.md
//! §3.4), so this one is the harness's own; docs/portal.md describes it.
#![forbid(unsafe_code)]

pub mod account;
pub mod banks;
pub mod client;
pub mod control;
pub mod defect;
pub mod eligibility;
pub mod error;
mod flows;
pub mod identity;
pub mod login;
mod routes;
pub mod server;
pub mod service;
mod state;
pub mod trust;
pub mod wire;

pub use client::{HttpPortal, InProcessPortal, PortalTarget, RawAnswer};
pub use control::{ControlAnswer, PortalControl};
pub use eligibility::{EligibilityLink, LinkRefusal, NoLink, OqsLink};
pub use error::{PortalError, Problem};
pub use service::{PortalConfig, PortalRequest, PortalResponse, PortalService, OPENAPI_YAML};
pub use trust::TrustStore;
