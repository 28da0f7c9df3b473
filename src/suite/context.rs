//! What every scenario of a run shares: the client, the credentials, the
//! redactor, and the records the scenarios add to (failed checks, retried
//! requests). Built by `app` before the scenarios start.

use std::sync::Mutex;

use crate::core::credentials::Credentials;
use crate::core::latency::Latencies;
use crate::core::record::{FailedCheck, RetriedRequest};
use crate::core::redact::{Redactor, Secret};
use crate::http::Client;

/// What every scenario of a run shares.
#[derive(Debug)]
pub struct SuiteContext {
    /// The run's HTTP client.
    pub client: Client,
    /// The admin's e-mail.
    pub admin_email: String,
    /// The admin's password.
    pub admin_password: Secret,
    /// The admin's API token, if configured.
    pub api_token: Option<Secret>,
    /// The backend's JWT signing secret, if known (forged-token scenarios).
    pub jwt_secret: Option<Secret>,
    /// An origin the backend's admin CORS allows, if known.
    pub admin_origin: Option<String>,
    /// Masks secrets in everything the run writes.
    pub redactor: Redactor,
    /// Every answered request's time per route, in a stress run (`None`
    /// otherwise: a normal run keeps nothing per request).
    pub latencies: Option<Latencies>,
    failures: Mutex<Vec<FailedCheck>>,
    retried: Mutex<Vec<RetriedRequest>>,
}

impl SuiteContext {
    /// A context for scenarios that talk to `client` as `credentials`.
    pub fn new(client: Client, credentials: Credentials, redactor: Redactor) -> SuiteContext {
        SuiteContext {
            client,
            admin_email: credentials.admin_email,
            admin_password: credentials.admin_password,
            api_token: credentials.api_token,
            jwt_secret: credentials.jwt_secret,
            admin_origin: credentials.admin_origin,
            redactor,
            latencies: None,
            failures: Mutex::new(Vec::new()),
            retried: Mutex::new(Vec::new()),
        }
    }

    /// Notes a request answered only after retries.
    pub fn record_retried(&self, retried: RetriedRequest) {
        if let Ok(mut r) = self.retried.lock() {
            r.push(retried);
        }
    }

    /// Notes that `check` failed in `scenario`.
    pub fn record_failure(&self, scenario: &str, check: &str) {
        if let Ok(mut f) = self.failures.lock() {
            f.push(FailedCheck {
                scenario: scenario.to_owned(),
                check: check.to_owned(),
            });
        }
    }

    /// Every failed check so far.
    pub fn failures(&self) -> Vec<FailedCheck> {
        self.failures.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Every retried request so far.
    pub fn retried(&self) -> Vec<RetriedRequest> {
        self.retried.lock().map(|r| r.clone()).unwrap_or_default()
    }
}
