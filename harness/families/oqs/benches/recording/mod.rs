//! The in-process eligibility model as a recording target, for the engine
//! benchmarks of the oqs and reader families (each includes this file by
//! `#[path]`): every request the engine sends is kept, so that the baseline
//! can send the same ones straight to a fresh service.

#![allow(dead_code)] // each bench uses part of it

use std::sync::{Arc, Mutex};
use std::time::Duration;

use myna_family::OpenError;
use myna_family_oqs::OqsProvider;
use myna_oqs::{InProcessTarget, OqsTarget, RawResponse, TargetError};

/// One request as the engine sent it.
#[derive(Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    pub timeout: Option<Duration>,
}

/// The requests sent so far.
pub type Sent = Arc<Mutex<Vec<Request>>>;

/// The in-process model, remembering every request.
struct Recording {
    inner: InProcessTarget,
    sent: Sent,
}

impl OqsTarget for Recording {
    fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        timeout: Option<Duration>,
    ) -> Result<RawResponse, TargetError> {
        self.sent.lock().unwrap().push(Request {
            method: method.to_string(),
            path: path.to_string(),
            body: body.to_vec(),
            timeout,
        });
        self.inner.request(method, path, body, timeout)
    }

    fn capabilities(&self) -> Vec<String> {
        self.inner.capabilities()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// A fresh recording model per scenario, recording into `sent`.
pub struct RecordingProvider {
    pub sent: Sent,
}

impl OqsProvider for RecordingProvider {
    fn open(&mut self) -> Result<Box<dyn OqsTarget>, OpenError> {
        Ok(Box::new(Recording {
            inner: InProcessTarget::new(),
            sent: Arc::clone(&self.sent),
        }))
    }

    fn capabilities(&self) -> Vec<String> {
        InProcessTarget::new().capabilities()
    }

    fn describe(&self) -> String {
        "builtin (recording)".into()
    }
}
