//! What every scenario of a run shares: the client, the credentials, the
//! redactor, and the records the scenarios add to (failed checks, retried
//! requests). Built by `app` before the scenarios start.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::core::advisory::{self, Advisories};
use crate::core::credentials::{Credentials, ProbeAccount};
use crate::core::exchange::Exchange;
use crate::core::latency::Latencies;
use crate::core::record::{FailedCheck, RetriedRequest, ReusedAnswer};
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
    /// How advisories are judged (`None`: advisories are off).
    pub advisory: Option<AdvisoryJudge>,
    /// The admin's access token, got once per run (see [`TokenCache`]).
    pub tokens: TokenCache,
    advisories: Mutex<Advisories>,
    failures: Mutex<Vec<FailedCheck>>,
    retried: Mutex<Vec<RetriedRequest>>,
    reused: Mutex<Vec<ReusedAnswer>>,
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
            advisory: None,
            tokens: TokenCache::default(),
            advisories: Mutex::new(Advisories::default()),
            failures: Mutex::new(Vec::new()),
            retried: Mutex::new(Vec::new()),
            reused: Mutex::new(Vec::new()),
        }
    }

    /// Judges `ex` by the passive advisories (when they are on), noting
    /// each that fires with its evidence masked by `redactor`.
    pub fn judge_passive(&self, ex: &Exchange, redactor: &Redactor) {
        let Some(j) = &self.advisory else {
            return;
        };
        let p = advisory::Passive {
            https: j.https,
            session_cookie: self.client.dialect().session_cookie,
            idle_limit_secs: j.idle_limit_secs,
            absolute_limit_secs: j.absolute_limit_secs,
        };
        for (id, evidence) in advisory::passive(ex, &p) {
            self.add_advisory(id, &evidence, redactor);
        }
    }

    /// Notes that advisory `id` fired, with `evidence` masked by `redactor`.
    pub fn add_advisory(&self, id: &str, evidence: &str, redactor: &Redactor) {
        if let Ok(mut a) = self.advisories.lock() {
            a.add(id, redactor.mask(evidence).into_owned());
        }
    }

    /// Notes that the advisory check `id` was left out, and why.
    pub fn leave_out_advisory(&self, id: &str, why: &str) {
        if let Ok(mut a) = self.advisories.lock() {
            a.leave_out(id, why.to_owned());
        }
    }

    /// The advisories so far, in `mode` with `level`.
    pub fn advisories(&self, mode: advisory::Mode, level: advisory::Severity) -> Advisories {
        let mut a = self
            .advisories
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default();
        a.mode = mode;
        a.level = Some(level);
        a
    }

    /// Notes a request answered only after retries.
    pub fn record_retried(&self, retried: RetriedRequest) {
        if let Ok(mut r) = self.retried.lock() {
            r.push(retried);
        }
    }

    /// Notes a step that checked its scenario's previous answer to the
    /// same request instead of sending it again.
    pub fn record_reused(&self, reused: ReusedAnswer) {
        if let Ok(mut r) = self.reused.lock() {
            r.push(reused);
        }
    }

    /// Every reused answer so far.
    pub fn reused(&self) -> Vec<ReusedAnswer> {
        self.reused.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The admin's shared login of this run (see [`TokenCache`]).
    pub fn admin_login(&self) -> Arc<SharedLogin> {
        self.tokens.cell(&self.admin_email, &self.admin_password)
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

/// Access tokens got once per run and per credentials, for the scenarios
/// whose subject is not the login itself (their preconditions: "I have an
/// access token", and on a dialect that opens sessions from a token, "I
/// am logged in"). Sound because an access token is stateless in both
/// dialects' contracts: logging out or refreshing does not revoke it
/// (rows that the logout and token scenarios check), and each session
/// opened from it is a session of its own. Every scenario about logging in
/// or about credentials still logs in for real.
///
/// With the token goes the user it stands for, on a dialect whose login
/// answer does not carry the user (v2): every session opened from the one
/// token is that token's user's, so the first precondition asks whoami and
/// the others compare with its answer instead of asking again.
#[derive(Default)]
pub struct TokenCache(Mutex<HashMap<[u8; 32], Arc<SharedLogin>>>);

/// What one credentials' shared login gives the run (see [`TokenCache`]).
#[derive(Default)]
pub struct SharedLogin {
    /// The access token, once a login succeeded.
    pub token: OnceCell<Secret>,
    /// The user the token stands for, once a session opened with it said
    /// who it is (only where the login answer does not say it).
    pub user: OnceCell<Value>,
}

// The keys are digests of credentials and the values tokens: neither is
// printed.
impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|m| m.len()).unwrap_or_default();
        write!(f, "TokenCache({n} credentials)")
    }
}

impl TokenCache {
    /// The shared login of `email` and `password` (empty until a login for
    /// them succeeds; a failed login leaves it empty, so the next scenario
    /// tries again and reports its own failure).
    pub fn cell(&self, email: &str, password: &Secret) -> Arc<SharedLogin> {
        let mut h = Sha256::new();
        h.update(email.as_bytes());
        h.update([0]);
        h.update(password.expose().as_bytes());
        let key: [u8; 32] = h.finalize().into();
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(key).or_default().clone()
    }
}

/// What the advisory checks need besides the exchanges.
#[derive(Debug, Clone)]
pub struct AdvisoryJudge {
    /// Whether the backend is served over https.
    pub https: bool,
    /// A session cookie living longer fires `session-idle`.
    pub idle_limit_secs: i64,
    /// A session cookie living longer fires `session-absolute`.
    pub absolute_limit_secs: i64,
    /// The intrusive checks' account (`None`: they do not run).
    pub probe: Option<ProbeAccount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_cache_keeps_one_cell_per_credentials() {
        let cache = TokenCache::default();
        let pw = |p: &str| Secret::new(p);
        let a = cache.cell("a@b.co", &pw("secret-1"));
        assert!(Arc::ptr_eq(&a, &cache.cell("a@b.co", &pw("secret-1"))));
        assert!(!Arc::ptr_eq(&a, &cache.cell("a@b.co", &pw("secret-2"))));
        assert!(!Arc::ptr_eq(&a, &cache.cell("x@b.co", &pw("secret-1"))));
        // The e-mail and the password are kept apart in the key.
        let ab = cache.cell("ab", &pw("c"));
        assert!(!Arc::ptr_eq(&ab, &cache.cell("a", &pw("bc"))));
        let shown = format!("{cache:?}");
        assert_eq!(shown, "TokenCache(5 credentials)");
    }
}
