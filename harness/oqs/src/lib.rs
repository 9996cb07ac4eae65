//! myna-oqs: the オンライン資格確認 (OQS) eligibility model, its national-scale
//! serial-tracing index, the reference HTTP server with a test-control API,
//! its in-process and HTTP targets, and a load generator. The scenario
//! steps are the `myna-family-oqs` crate's.
//!
//! Facts come from `health-insurance-system.md` §4–§6 and seed 001
//! (マイナポータル利用規約 第5条の4–5: J-LIS 旧番号の探索). The step vocabulary,
//! the wire shapes and the harness-defined codes are documented in
//! `docs/oqs.md`.
#![forbid(unsafe_code)]

pub mod clock;
pub mod codes;
pub mod control;
pub mod error;
pub mod index;
pub mod jis;
pub mod link;
pub mod load;
pub mod lookup;
pub mod model;
pub mod person;
pub mod serial;
pub mod server;
pub mod service;
pub mod target;
pub mod wire;

pub use clock::VirtualClock;
pub use codes::{CodeConfig, NoCurrentQualification, QualificationValidity};
pub use control::{ControlCommand, ModelConfig};
pub use error::ModelError;
pub use index::{Resolution, SerialIndex};
pub use link::LinkOutcome;
pub use load::{bench_lookup, BenchError, BenchOptions, BenchResult};
pub use model::{AuthOutcome, Faults, OqsModel, RegistrationRequest, REGISTER_PATH};
pub use serial::Serial;
pub use server::{
    serve, serve_blocking, spawn_background, BackgroundServer, ServerConfig, ServerError,
};
pub use service::{OqsService, RawAnswer, ServiceResponse};
pub use target::{HttpTarget, InProcessTarget, OqsTarget, RawResponse, TargetError};
