//! `MEDUSA_TARGET=container`: PostgreSQL and Medusa (v1, or v2 with
//! [`ContainerBackend::start_version`]) started as containers for one run
//! (the engine's HTTP API, a client of our own), removed when it ends.
//!
//! [`ContainerBackend::start`] checks that a Docker engine answers and that
//! both images are there (no pull is tried: a missing image is named, with
//! the command that builds it), creates a private network
//! `medusa-conformance-<run id>`, starts PostgreSQL and then Medusa on it
//! (random database password, JWT and cookie secrets, admin password and
//! API token), waits for each container's ready line on its stdout and
//! then for `POST /admin/auth` (v2: `POST /auth/user/emailpass`) to answer
//! 200. All of it within
//! [`ContainerSettings::startup_timeout`] (`MEDUSA_CONTAINER_TIMEOUT_SECS`,
//! read by the command line, default 180 s for v1 and
//! [`DEFAULT_V2_TIMEOUT_SECS`] for v2).
//!
//! With [`ContainerSettings::tls`] (`MEDUSA_CONTAINER_TLS=1`) Medusa runs
//! with `NODE_ENV=production` behind an in-process [`TlsProxy`]: the base
//! URL is `https://127.0.0.1:<port>`, and [`ContainerBackend::ca_cert_pem`]
//! is the run's CA for the client to trust.
//!
//! [`ContainerBackend::remove`] removes both containers and the network,
//! awaited. On any start-up error what was created is removed before the
//! error is returned. If the start is abandoned half-way (the run's
//! SIGINT/SIGTERM handling drops the future) or a backend is dropped
//! without [`ContainerBackend::remove`] (a panic), a guard removes the
//! containers and the network synchronously, on a thread of its own.
//!
//! Reads one environment variable, `DOCKER_HOST` (the engine's address, as
//! Docker's own clients do); everything else comes in [`ContainerSettings`].

mod api;
mod cleanup;
mod engine;
mod images;
mod plan;

use std::io::Write;
use std::time::{Duration, Instant};

use url::Url;

use crate::core::redact::{Redactor, Secret};
use crate::target::TargetError;
use crate::target::tls_proxy::TlsProxy;
use cleanup::Resources;
use images::{ImageRef, Secrets};
use plan::{Plan, Progress};

/// The environment variable bounding the whole start-up, in seconds.
pub const TIMEOUT_VAR: &str = "MEDUSA_CONTAINER_TIMEOUT_SECS";
/// Start-up bound when [`TIMEOUT_VAR`] is unset (Medusa v1).
pub const DEFAULT_TIMEOUT_SECS: u64 = 180;
/// Start-up bound for Medusa v2 when [`TIMEOUT_VAR`] is unset: its
/// migrations, `medusa user` and boot take about 40 s idle and 84-100 s
/// at a load average of 7-15 on 2 cores; 180 s left under 2x of that.
pub const DEFAULT_V2_TIMEOUT_SECS: u64 = 420;
/// The largest accepted [`TIMEOUT_VAR`].
pub const MAX_TIMEOUT_SECS: u64 = 3600;
/// The seeded admin's e-mail (the password and the API token are random).
pub const ADMIN_EMAIL: &str = "admin@medusa-conformance.test";
/// Prefix of the names of every network and container a run creates.
pub const NAME_PREFIX: &str = "medusa-conformance-";
/// Label put on every network and container a run creates (value: run id).
pub const RUN_LABEL: &str = "org.medusa-conformance.run";
/// The command that builds the default images without a registry.
pub const BUILD_COMMAND: &str = "scripts/build-images.sh";
/// The Medusa image used unless `MEDUSA_IMAGE` says otherwise.
pub const DEFAULT_MEDUSA_IMAGE: &str = "medusa-conformance/medusa-v1:1.20.11";
/// The Medusa v2 image ([`MedusaVersion::V2`]'s default).
pub const DEFAULT_MEDUSA_V2_IMAGE: &str = "medusa-conformance/medusa-v2:2.21.2";
/// The PostgreSQL image used unless `MEDUSA_POSTGRES_IMAGE` says otherwise.
pub const DEFAULT_POSTGRES_IMAGE: &str = "medusa-conformance/postgres:15";
/// Medusa's `admin_cors`: the origins of the v1 admin dashboard (Medusa's
/// own default, set explicitly so that it does not depend on the image).
pub const ADMIN_CORS: &str = "http://localhost:7000,http://localhost:7001";
/// An origin [`ADMIN_CORS`] allows: the first.
pub const ADMIN_ORIGIN: &str = "http://localhost:7000";

/// What the Medusa image prints on stdout once `/health` answers.
const MEDUSA_READY: &str = "medusa-conformance: medusa-v1 ready on port 9000";
/// What the Medusa v2 image prints once `/health` answers and its secret
/// API key authenticates (a timing in parentheses follows).
const MEDUSA_V2_READY: &str = "medusa-conformance: medusa-v2 ready on port 9000";
/// What PostgreSQL prints on stdout once the real server accepts connections.
const POSTGRES_READY: &str = "database system is ready to accept connections";
const MEDUSA_PORT: u16 = 9000;
/// Bound of each engine call that is not a start-up wait (ping, inspect).
const ENGINE_CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound of each removal call.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(30);
/// Log lines shown when a container fails.
const LOG_TAIL: usize = 20;

/// Which Medusa a container run starts. The image must be built from the
/// matching `docker/medusa-v*/` folder: the version decides the ready line
/// waited for, the login that proves the admin is seeded and the form of
/// the API token (v2: a secret key `sk_...`, sent as HTTP Basic).
///
/// The command line's dialect setting chooses it: `--dialect v2` (or
/// `MEDUSA_DIALECT=v2`) starts v2, with [`MedusaVersion::default_image`]
/// when `MEDUSA_IMAGE` is not given; `v1` and `auto` start v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MedusaVersion {
    /// Medusa 1.20.11 ([`DEFAULT_MEDUSA_IMAGE`]).
    #[default]
    V1,
    /// Medusa 2.21.2 ([`DEFAULT_MEDUSA_V2_IMAGE`]).
    V2,
}

impl MedusaVersion {
    /// The image built for this version by [`BUILD_COMMAND`].
    pub fn default_image(self) -> &'static str {
        match self {
            MedusaVersion::V1 => DEFAULT_MEDUSA_IMAGE,
            MedusaVersion::V2 => DEFAULT_MEDUSA_V2_IMAGE,
        }
    }

    /// The image's folder under `docker/` (and its `--only` name).
    fn dir(self) -> &'static str {
        match self {
            MedusaVersion::V1 => "medusa-v1",
            MedusaVersion::V2 => "medusa-v2",
        }
    }

    /// The start-up bound when [`TIMEOUT_VAR`] is unset.
    pub fn default_timeout_secs(self) -> u64 {
        match self {
            MedusaVersion::V1 => DEFAULT_TIMEOUT_SECS,
            MedusaVersion::V2 => DEFAULT_V2_TIMEOUT_SECS,
        }
    }

    fn ready_line(self) -> &'static str {
        match self {
            MedusaVersion::V1 => MEDUSA_READY,
            MedusaVersion::V2 => MEDUSA_V2_READY,
        }
    }
}

/// What a container start-up needs to know (all of it from `Config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSettings {
    /// The Medusa v1 backend image.
    pub medusa_image: String,
    /// The PostgreSQL image.
    pub postgres_image: String,
    /// Bound on the whole start-up.
    pub startup_timeout: Duration,
    /// `DOCKER_HOST` as the process had it (for messages only: the engine
    /// client reads it itself).
    pub docker_host: Option<String>,
    /// Production mode over https through an in-process TLS terminator
    /// (`MEDUSA_CONTAINER_TLS`).
    pub tls: bool,
    /// Which Medusa `medusa_image` is ([`ContainerBackend::start_with`]).
    pub version: MedusaVersion,
}

impl ContainerSettings {
    /// Settings for these two images, with the default start-up bound.
    pub fn new(medusa_image: &str, postgres_image: &str) -> ContainerSettings {
        ContainerSettings {
            medusa_image: medusa_image.to_owned(),
            postgres_image: postgres_image.to_owned(),
            startup_timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            docker_host: None,
            tls: false,
            version: MedusaVersion::V1,
        }
    }
}

/// PostgreSQL and Medusa containers on a private network, owned by the run.
#[derive(Debug)]
pub struct ContainerBackend {
    base_url: Url,
    admin_email: String,
    admin_password: Secret,
    api_token: Secret,
    jwt_secret: Secret,
    cookie_secret: Secret,
    /// In front of Medusa in production mode; dropped (stopped) first.
    proxy: Option<TlsProxy>,
    resources: Resources,
    version: MedusaVersion,
}

impl ContainerBackend {
    /// Starts the two images with the default start-up bound; see
    /// [`ContainerBackend::start_with`].
    pub async fn start(
        medusa_image: &str,
        postgres_image: &str,
        out: &mut dyn Write,
    ) -> Result<ContainerBackend, TargetError> {
        Self::start_with(&ContainerSettings::new(medusa_image, postgres_image), out).await
    }

    /// Starts the Medusa of `settings.version`; see
    /// [`ContainerBackend::start_version`].
    pub async fn start_with(
        settings: &ContainerSettings,
        out: &mut dyn Write,
    ) -> Result<ContainerBackend, TargetError> {
        Self::start_version(settings, settings.version, out).await
    }

    /// Starts the containers with `settings.medusa_image` run as a Medusa of
    /// `version`, seeds the admin (and its API token), waits until Medusa
    /// answers. Writes one progress line per step to `out`. On error,
    /// whatever was created is removed first.
    pub async fn start_version(
        settings: &ContainerSettings,
        version: MedusaVersion,
        out: &mut dyn Write,
    ) -> Result<ContainerBackend, TargetError> {
        let setup = |message: String| TargetError::Setup(message);
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + settings.startup_timeout;
        let medusa = ImageRef::parse(&settings.medusa_image, "MEDUSA_IMAGE").map_err(setup)?;
        let postgres =
            ImageRef::parse(&settings.postgres_image, "MEDUSA_POSTGRES_IMAGE").map_err(setup)?;
        let host = engine::host_description(settings.docker_host.as_deref());
        let docker = engine::connect_engine(&host).await.map_err(setup)?;
        engine::check_images(&docker, &[&medusa, &postgres], &host)
            .await
            .map_err(setup)?;

        let secrets = Secrets::random(version);
        let redactor = Redactor::new();
        for s in secrets.all() {
            redactor.add(s.expose());
        }
        let mut resources = Resources::new(docker, format!("{:08x}", rand::random::<u32>()));
        let plan = Plan {
            medusa: &medusa,
            postgres: &postgres,
            secrets: &secrets,
            redactor: &redactor,
            deadline,
            budget: settings.startup_timeout,
            host,
            tls: settings.tls,
            version,
        };
        let mut progress = Progress { out, open: false };
        match plan.run(&mut resources, &mut progress).await {
            Ok((base_url, proxy)) => {
                progress.say(&format!(
                    "container: Medusa at {base_url} ({:.1}s from start)\n",
                    started.elapsed().as_secs_f64()
                ));
                Ok(ContainerBackend {
                    base_url,
                    admin_email: ADMIN_EMAIL.to_owned(),
                    admin_password: secrets.admin_password,
                    api_token: secrets.api_token,
                    jwt_secret: secrets.jwt_secret,
                    cookie_secret: secrets.cookie_secret,
                    proxy,
                    resources,
                    version,
                })
            }
            Err(message) => {
                progress.close();
                Err(setup(abandon(resources, &redactor, &message).await))
            }
        }
    }

    /// Where Medusa answers.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// The seeded admin's e-mail.
    pub fn admin_email(&self) -> &str {
        &self.admin_email
    }

    /// The seeded admin's password.
    pub fn admin_password(&self) -> &Secret {
        &self.admin_password
    }

    /// The Medusa this backend runs.
    pub fn version(&self) -> MedusaVersion {
        self.version
    }

    /// The seeded admin's API token (v2: the secret API key `sk_...`).
    pub fn api_token(&self) -> &Secret {
        &self.api_token
    }

    /// The secret Medusa signs access tokens with (`jwt_secret`).
    pub fn jwt_secret(&self) -> &Secret {
        &self.jwt_secret
    }

    /// The secret Medusa signs session cookies with (`cookie_secret`).
    pub fn cookie_secret(&self) -> &Secret {
        &self.cookie_secret
    }

    /// An origin Medusa's `admin_cors` allows (all of them: [`ADMIN_CORS`]).
    pub fn admin_origin(&self) -> &str {
        ADMIN_ORIGIN
    }

    /// The PEM of the CA to trust for [`ContainerBackend::base_url`] in
    /// production mode (https); `None` over plain http.
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.proxy.as_ref().map(TlsProxy::ca_pem)
    }

    /// The name of the private network the containers run on.
    pub fn network(&self) -> Option<&str> {
        self.resources.network.as_deref()
    }

    /// Removes every container and network this backend created, and says
    /// so (or what could not be removed) on stderr.
    pub async fn remove(mut self) {
        self.proxy = None;
        let started = Instant::now();
        let what = self.resources.describe();
        match self.resources.remove().await {
            Ok(()) => eprintln!(
                "container: removed {what} ({:.1}s)",
                started.elapsed().as_secs_f64()
            ),
            Err(problems) => {
                eprintln!("container: could not remove everything this run started:");
                for p in problems {
                    eprintln!("  {p}");
                }
                eprintln!(
                    "  fix: remove them by hand: docker ps -a --filter label={RUN_LABEL}; docker network ls --filter label={RUN_LABEL}"
                );
            }
        }
    }
}

/// Removes what a failed start-up created; returns its (masked) message,
/// with what could not be removed.
async fn abandon(mut resources: Resources, redactor: &Redactor, message: &str) -> String {
    let removal = resources.remove().await;
    let mut message = redactor.mask(message).into_owned();
    if let Err(problems) = removal {
        message.push_str("\n  also: could not remove everything it had started:");
        for p in problems {
            message.push_str("\n    ");
            message.push_str(&p);
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_origin_is_one_admin_cors_allows() {
        assert!(ADMIN_CORS.split(',').any(|o| o == ADMIN_ORIGIN));
    }

    #[test]
    fn each_version_has_its_own_image_folder_and_ready_line() {
        assert_eq!(MedusaVersion::default(), MedusaVersion::V1);
        for v in [MedusaVersion::V1, MedusaVersion::V2] {
            // the image is named after its folder, and so is its ready line
            assert!(
                v.default_image().contains(&format!("/{}:", v.dir())),
                "{v:?}"
            );
            assert!(
                v.ready_line()
                    .contains(&format!(" {} ready on port {MEDUSA_PORT}", v.dir())),
                "{v:?}"
            );
        }
        assert_ne!(
            MedusaVersion::V1.ready_line(),
            MedusaVersion::V2.ready_line()
        );
    }
}
