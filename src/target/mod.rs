//! Layer 2, what the suite runs against: a backend at a URL, the embedded
//! [`reference`] backend, or [`container`]s started for the run. [`start`]
//! brings the configured one up and returns a [`Backend`] (where it is, who
//! to log in as, and a [`Guard`] that removes what was started);
//! [`preflight`] checks once that it answers like a Medusa backend of the
//! client's dialect.
//!
//! Depends on `core` and `http`. It may not know scenarios, reports, the
//! app or the process: settings come in [`TargetConfig`], errors go out as
//! [`TargetError`], and it reads no environment variable.

pub mod container;
mod preflight;
pub mod reference;
pub mod tls_proxy;

pub use preflight::preflight;

use std::io::Write;

use url::Url;

use crate::core::credentials::{Credentials, ProbeAccount};
use crate::core::redact::Secret;
use container::{ContainerBackend, ContainerSettings};
use reference::{FaultSet, ReferenceConfig, ReferenceServer};

/// Where the backend under test comes from.
#[derive(Debug, Clone)]
pub enum TargetConfig {
    /// A running backend at this URL (staging, or one started by hand).
    Url {
        /// Its base URL.
        base_url: Url,
        /// Who to log in as.
        credentials: Credentials,
    },
    /// The embedded reference backend, started in-process.
    Reference {
        /// Contract faults it commits on purpose (empty: none).
        faults: FaultSet,
        /// The seeded admin's password (random unless given).
        admin_password: Option<Secret>,
        /// The seeded admin's API token (random unless given).
        api_token: Option<Secret>,
        /// Speak Medusa v2 (`--dialect v2`); else v1.
        v2: bool,
        /// Fix every security advisory it can (`MEDUSA_REFERENCE_HARDENED`).
        hardened: bool,
        /// The intrusive advisories' probe account, seeded beside the admin.
        probe: Option<ProbeAccount>,
    },
    /// PostgreSQL and Medusa v1 started as containers for this run, and
    /// removed after it.
    Container(ContainerSettings),
}

/// Why the target could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The target could not be set up (the message says how to fix it).
    #[error("cannot set up the target: {0}")]
    Setup(String),
    /// The backend did not answer the preflight request.
    #[error(
        "the backend at {url} cannot be reached: {reason}\n  fix: {}",
        preflight::unreachable_fix(reason)
    )]
    Unreachable {
        /// Base URL tried.
        url: String,
        /// Transport error.
        reason: String,
    },
    /// The backend answered the preflight request in a way no working
    /// Medusa-compatible backend does.
    #[error("the backend at {url} is not answering as a Medusa backend: {reason}\n  fix: {fix}")]
    Unhealthy {
        /// Base URL tried.
        url: String,
        /// What it answered.
        reason: String,
        /// What to check.
        fix: String,
    },
    /// The backend answered the preflight request, but not as the
    /// dialect's backend does: a web page, another API, another version.
    #[error(
        "this is not a Medusa admin API: {url}\n  sent: {expected}\n  got: {got}\n  fix: {fix}"
    )]
    NotMedusa {
        /// Base URL tried.
        url: String,
        /// What was sent, and the answer a backend of the dialect gives.
        expected: String,
        /// What it answered, in one line.
        got: String,
        /// What to check.
        fix: String,
    },
}

/// The backend a run talks to, and what must be removed after it.
#[derive(Debug)]
pub struct Backend {
    /// Where it answers.
    pub base_url: Url,
    /// Who to log in as.
    pub credentials: Credentials,
    /// PEM of a CA the backend itself hands out, to trust for this run only
    /// (the container target's https proxy).
    pub ca_cert_pem: Option<Vec<u8>>,
    /// What the run started for it.
    pub guard: Guard,
}

/// What the run started itself, and removes when it ends.
#[derive(Debug)]
pub enum Guard {
    /// Nothing (a backend at a URL).
    Nothing,
    /// The in-process reference backend (stops when dropped).
    Reference(ReferenceServer),
    /// Containers (removed by [`Guard::remove`], or from `Drop`).
    Containers(Box<ContainerBackend>),
}

impl Guard {
    /// Stops and removes what was started, awaited.
    pub async fn remove(self) {
        match self {
            Guard::Nothing => {}
            Guard::Reference(server) => drop(server),
            Guard::Containers(c) => c.remove().await,
        }
    }
}

/// Brings up the backend `config` names; container progress goes to `out`.
pub async fn start(config: &TargetConfig, out: &mut dyn Write) -> Result<Backend, TargetError> {
    match config {
        TargetConfig::Url {
            base_url,
            credentials,
        } => Ok(Backend {
            base_url: base_url.clone(),
            credentials: credentials.clone(),
            ca_cert_pem: None,
            guard: Guard::Nothing,
        }),
        TargetConfig::Reference {
            faults,
            admin_password,
            api_token,
            v2,
            hardened,
            probe,
        } => {
            let mut rc = ReferenceConfig::random();
            rc.v2 = *v2;
            rc.hardened = *hardened;
            // As a Medusa after `medusa seed` (never when hardened).
            rc.seed_admin = true;
            rc.accounts = probe
                .iter()
                .map(|p| (p.email.clone(), p.password.clone()))
                .collect();
            start_reference(rc, faults, admin_password, api_token).await
        }
        TargetConfig::Container(settings) => {
            let c = ContainerBackend::start_with(settings, out).await?;
            Ok(Backend {
                base_url: c.base_url(),
                credentials: Credentials {
                    admin_email: c.admin_email().to_owned(),
                    admin_password: c.admin_password().clone(),
                    api_token: Some(c.api_token().clone()),
                    // The run started Medusa with these, so no scenario
                    // is left out against it.
                    jwt_secret: Some(c.jwt_secret().clone()),
                    admin_origin: Some(c.admin_origin().to_owned()),
                },
                ca_cert_pem: c.ca_cert_pem().map(|p| p.as_bytes().to_vec()),
                guard: Guard::Containers(Box::new(c)),
            })
        }
    }
}

async fn start_reference(
    mut rc: ReferenceConfig,
    faults: &FaultSet,
    admin_password: &Option<Secret>,
    api_token: &Option<Secret>,
) -> Result<Backend, TargetError> {
    rc.faults = faults.clone();
    if let Some(p) = admin_password {
        rc.admin_password = p.clone();
    }
    if let Some(t) = api_token {
        rc.api_token = t.clone();
    }
    let server = ReferenceServer::start(rc.clone()).await.map_err(|e| {
        TargetError::Setup(format!(
            "the reference backend cannot listen on loopback: {e}"
        ))
    })?;
    Ok(Backend {
        base_url: server.base_url(),
        credentials: Credentials {
            admin_email: rc.admin_email,
            admin_password: rc.admin_password,
            api_token: Some(rc.api_token),
            // The suite knows its own backend's secret and origin, so the
            // @jwt-secret and @admin-origin scenarios run here too.
            jwt_secret: Some(rc.jwt_secret),
            admin_origin: rc.admin_cors.first().cloned(),
        },
        ca_cert_pem: None,
        guard: Guard::Reference(server),
    })
}
