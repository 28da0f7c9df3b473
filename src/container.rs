//! `MEDUSA_TARGET=container`: PostgreSQL and Medusa v1 started as
//! containers for one run (testcontainers), removed when it ends.
//!
//! [`ContainerBackend::start`] checks that a Docker engine answers and that
//! both images are there (no pull is tried: a missing image is named, with
//! the command that builds it), creates a private network
//! `medusa-conformance-<run id>`, starts PostgreSQL and then Medusa on it
//! (random database password, JWT and cookie secrets, admin password and
//! API token), waits for each container's ready line on its stdout and
//! then for `POST /admin/auth` to answer 200. All of it within
//! [`ContainerOptions::startup_timeout`] (`MEDUSA_CONTAINER_TIMEOUT_SECS`).
//!
//! With [`ContainerOptions::tls`] (`MEDUSA_CONTAINER_TLS=1`) Medusa runs
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

use std::io::Write;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use rand::distr::{Alphanumeric, SampleString as _};
use testcontainers::bollard::Docker;
use testcontainers::bollard::errors::Error as DockerError;
use testcontainers::bollard::models::NetworkCreateRequest;
use testcontainers::bollard::query_parameters::{
    InspectContainerOptions, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
};
use testcontainers::core::IntoContainerPort as _;
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, GenericImage, ImageExt as _};
use tokio::time::{sleep, timeout, timeout_at};
use url::Url;

use crate::redact::{Redactor, Secret};
use crate::runner::RunError;
use crate::tls_proxy::TlsProxy;

/// The environment variable bounding the whole start-up, in seconds (read
/// by the configuration; named here in messages).
pub const TIMEOUT_VAR: &str = "MEDUSA_CONTAINER_TIMEOUT_SECS";
/// Start-up bound when [`TIMEOUT_VAR`] is unset.
pub const DEFAULT_TIMEOUT_SECS: u64 = 180;
/// The largest accepted [`TIMEOUT_VAR`].
pub const MAX_TIMEOUT_SECS: u64 = 3600;
/// The Medusa image used unless `MEDUSA_IMAGE` says otherwise.
pub const DEFAULT_MEDUSA_IMAGE: &str = "medusa-conformance/medusa-v1:1.20.11";
/// The PostgreSQL image used unless `MEDUSA_POSTGRES_IMAGE` says otherwise.
pub const DEFAULT_POSTGRES_IMAGE: &str = "medusa-conformance/postgres:15";
/// Medusa's `admin_cors`: the origins of the v1 admin dashboard (Medusa's
/// own default, set explicitly so that it does not depend on the image).
pub const ADMIN_CORS: &str = "http://localhost:7000,http://localhost:7001";
/// An origin [`ADMIN_CORS`] allows: the first.
pub const ADMIN_ORIGIN: &str = "http://localhost:7000";
/// The seeded admin's e-mail (the password and the API token are random).
pub const ADMIN_EMAIL: &str = "admin@medusa-conformance.test";
/// Prefix of the names of every network and container a run creates.
pub const NAME_PREFIX: &str = "medusa-conformance-";
/// Label put on every network and container a run creates (value: run id).
pub const RUN_LABEL: &str = "org.medusa-conformance.run";
/// The command that builds the default images without a registry.
pub const BUILD_COMMAND: &str = "scripts/build-images.sh";

/// What the Medusa image prints on stdout once `/health` answers.
const MEDUSA_READY: &str = "medusa-conformance: medusa-v1 ready on port 9000";
/// What PostgreSQL prints on stdout once the real server accepts connections.
const POSTGRES_READY: &str = "database system is ready to accept connections";
const MEDUSA_PORT: u16 = 9000;
/// Bound of each engine call that is not a start-up wait (ping, inspect).
const ENGINE_CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound of each removal call.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(30);
/// Log lines shown when a container fails.
const LOG_TAIL: usize = 20;

/// What to start: the configuration's say on the container target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerOptions {
    /// The Medusa v1 backend image (`MEDUSA_IMAGE`).
    pub medusa_image: String,
    /// The PostgreSQL image (`MEDUSA_POSTGRES_IMAGE`).
    pub postgres_image: String,
    /// Bound on the whole start-up ([`TIMEOUT_VAR`]).
    pub startup_timeout: Duration,
    /// Production mode over https through an in-process TLS terminator
    /// (`MEDUSA_CONTAINER_TLS`).
    pub tls: bool,
}

impl Default for ContainerOptions {
    fn default() -> Self {
        ContainerOptions {
            medusa_image: DEFAULT_MEDUSA_IMAGE.to_owned(),
            postgres_image: DEFAULT_POSTGRES_IMAGE.to_owned(),
            startup_timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            tls: false,
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
}

impl ContainerBackend {
    /// Starts the containers, seeds the admin, waits until Medusa answers.
    /// Writes one progress line per step to `out`. On error, whatever was
    /// created is removed first.
    pub async fn start(
        options: &ContainerOptions,
        out: &mut dyn Write,
    ) -> Result<ContainerBackend, RunError> {
        let budget = options.startup_timeout;
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + budget;
        let medusa =
            ImageRef::parse(&options.medusa_image, "MEDUSA_IMAGE").map_err(RunError::Setup)?;
        let postgres = ImageRef::parse(&options.postgres_image, "MEDUSA_POSTGRES_IMAGE")
            .map_err(RunError::Setup)?;

        let docker = connect_engine().await.map_err(RunError::Setup)?;
        check_images(&docker, &[&medusa, &postgres])
            .await
            .map_err(RunError::Setup)?;

        let run_id = format!("{:08x}", rand::random::<u32>());
        let secrets = Secrets::random();
        let redactor = Redactor::new();
        for s in secrets.all() {
            redactor.add(s.expose());
        }
        let mut resources = Resources::new(docker, run_id);
        let plan = Plan {
            medusa: &medusa,
            postgres: &postgres,
            secrets: &secrets,
            redactor: &redactor,
            deadline,
            budget,
            tls: options.tls,
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
                })
            }
            Err(message) => {
                progress.close();
                let removal = resources.remove().await;
                let mut message = redactor.mask(&message).into_owned();
                if let Err(problems) = removal {
                    message.push_str("\n  also: could not remove everything it had started:");
                    for p in problems {
                        message.push_str("\n    ");
                        message.push_str(&p);
                    }
                }
                Err(RunError::Setup(message))
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

    /// The seeded admin's API token.
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

/// An image reference split the way testcontainers wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ImageRef {
    name: String,
    tag: String,
    /// The environment variable that chose it (for messages).
    var: &'static str,
}

impl ImageRef {
    fn parse(reference: &str, var: &'static str) -> Result<ImageRef, String> {
        let reference = reference.trim();
        if reference.is_empty() || reference.contains(char::is_whitespace) {
            return Err(format!(
                "{var} '{reference}' is not an image reference\n  fix: give one like medusa-conformance/medusa-v1:1.20.11"
            ));
        }
        if reference.contains('@') {
            return Err(format!(
                "{var} '{reference}' names an image by digest, which the container target does not support\n  fix: tag the image (docker tag {reference} name:tag) and give name:tag"
            ));
        }
        // A ':' after the last '/' starts the tag; one before it is a registry port.
        let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
        Ok(match reference[last_slash..].rfind(':') {
            Some(i) => ImageRef {
                name: reference[..last_slash + i].to_owned(),
                tag: reference[last_slash + i + 1..].to_owned(),
                var,
            },
            None => ImageRef {
                name: reference.to_owned(),
                tag: "latest".to_owned(),
                var,
            },
        })
    }

    fn descriptor(&self) -> String {
        format!("{}:{}", self.name, self.tag)
    }

    fn generic(&self) -> GenericImage {
        GenericImage::new(self.name.as_str(), self.tag.as_str())
    }
}

/// Every random value one run uses.
struct Secrets {
    postgres_password: Secret,
    jwt_secret: Secret,
    cookie_secret: Secret,
    admin_password: Secret,
    api_token: Secret,
}

impl Secrets {
    fn random() -> Secrets {
        let mut rng = rand::rng();
        let mut one = |len: usize| Secret::new(Alphanumeric.sample_string(&mut rng, len));
        Secrets {
            postgres_password: one(24),
            jwt_secret: one(40),
            cookie_secret: one(40),
            admin_password: one(24),
            api_token: one(32),
        }
    }

    fn all(&self) -> [&Secret; 5] {
        [
            &self.postgres_password,
            &self.jwt_secret,
            &self.cookie_secret,
            &self.admin_password,
            &self.api_token,
        ]
    }
}

/// Progress lines on the run's output (best effort: not worth failing for).
/// A step's line is begun when it starts and ended when it is done.
struct Progress<'a> {
    out: &'a mut dyn Write,
    /// A line was begun and not ended.
    open: bool,
}

impl Progress<'_> {
    fn say(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
        self.open = !text.ends_with('\n');
    }

    /// Ends a begun line, so that what follows starts on a line of its own.
    fn close(&mut self) {
        if self.open {
            self.say("\n");
        }
    }
}

fn docker_host_description() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.trim().is_empty() => format!("DOCKER_HOST={h}"),
        _ => "DOCKER_HOST unset: the default socket".to_owned(),
    }
}

/// The engine testcontainers talks to, checked with a bounded ping.
async fn connect_engine() -> Result<Docker, String> {
    let fix = "  fix: start Docker, or set DOCKER_HOST to a running engine (unix:///path/docker.sock or tcp://host:port);\n       with this repository's engine: scripts/docker-engine.sh start && eval \"$(scripts/docker-engine.sh env)\"";
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .map_err(|e| {
            format!(
                "no Docker engine can be reached ({}): {e}\n{fix}",
                docker_host_description()
            )
        })?;
    match timeout(ENGINE_CALL_TIMEOUT, docker.ping()).await {
        Ok(Ok(_)) => Ok(docker),
        Ok(Err(e)) => Err(format!(
            "no Docker engine answers ({}): {}\n{fix}",
            docker_host_description(),
            engine_error(&e)
        )),
        Err(_) => Err(format!(
            "the Docker engine did not answer a ping within {}s ({})\n{fix}",
            ENGINE_CALL_TIMEOUT.as_secs(),
            docker_host_description()
        )),
    }
}

/// A one-line reason for an engine error (bollard's Display can be long).
fn engine_error(e: &DockerError) -> String {
    match e {
        DockerError::DockerResponseServerError {
            status_code,
            message,
        } => format!("engine answered {status_code}: {message}"),
        other => {
            // the innermost cause is the informative one ("No such file or directory")
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                text = format!("{other}: {s}");
                source = s.source();
            }
            text
        }
    }
}

fn is_not_found(e: &DockerError) -> bool {
    matches!(
        e,
        DockerError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Both images must already be in the engine: a pull is never tried (there
/// may be no registry), and a missing image is named with its fix.
async fn check_images(docker: &Docker, images: &[&ImageRef]) -> Result<(), String> {
    let mut missing = Vec::new();
    for image in images {
        let descriptor = image.descriptor();
        match timeout(ENGINE_CALL_TIMEOUT, docker.inspect_image(&descriptor)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) if is_not_found(&e) => missing.push(*image),
            Ok(Err(e)) => {
                return Err(format!(
                    "cannot inspect the image {descriptor} ({}): {}\n  fix: check the Docker engine ({})",
                    image.var,
                    engine_error(&e),
                    docker_host_description()
                ));
            }
            Err(_) => {
                return Err(format!(
                    "the Docker engine did not answer within {}s when asked for the image {descriptor}",
                    ENGINE_CALL_TIMEOUT.as_secs()
                ));
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing
        .iter()
        .map(|i| format!("{} ({})", i.descriptor(), i.var))
        .collect();
    Err(format!(
        "the Docker engine ({}) has no image {}; the container target never pulls\n  fix: build the images here with {BUILD_COMMAND} (no registry needed),\n       or docker pull/build the image, or point {} at an image the engine has",
        docker_host_description(),
        names.join(" and no image "),
        missing
            .iter()
            .map(|i| i.var)
            .collect::<Vec<_>>()
            .join(" / "),
    ))
}

/// The containers and network one run created, removed by
/// [`Resources::remove`] (awaited) or, as a fallback, when dropped.
struct Resources {
    docker: Docker,
    run_id: String,
    /// Created (or being created) by this run.
    network: Option<String>,
    /// Every container name this run asked for, oldest first, whether or
    /// not its creation finished.
    names: Vec<String>,
    /// Containers whose start finished, with their names.
    containers: Vec<(String, ContainerAsync<GenericImage>)>,
    removed: bool,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources")
            .field("run_id", &self.run_id)
            .field("network", &self.network)
            .field("containers", &self.names)
            .field("removed", &self.removed)
            .finish()
    }
}

impl Resources {
    fn new(docker: Docker, run_id: String) -> Resources {
        Resources {
            docker,
            run_id,
            network: None,
            names: Vec::new(),
            containers: Vec::new(),
            removed: false,
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.names.is_empty() {
            parts.push(format!("containers {}", self.names.join(", ")));
        }
        if let Some(n) = &self.network {
            parts.push(format!("network {n}"));
        }
        if parts.is_empty() {
            "nothing (nothing was started)".to_owned()
        } else {
            parts.join(" and ")
        }
    }

    /// Removes the containers (newest first), then the network. Every
    /// step is bounded; what could not be removed is returned.
    async fn remove(&mut self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        while let Some((name, container)) = self.containers.pop() {
            // Removed: forget its name. Not removed: the name stays, and the
            // by-name removal below retries it and reports what fails.
            if let Ok(Ok(())) = timeout(REMOVE_TIMEOUT, container.rm()).await {
                self.names.retain(|n| *n != name);
            }
        }
        // Containers whose creation was under way, or whose removal failed above.
        for name in std::mem::take(&mut self.names).into_iter().rev() {
            if let Err(p) = remove_container(&self.docker, &name).await {
                problems.push(p);
            }
        }
        if let Some(network) = self.network.take()
            && let Err(p) = remove_network(&self.docker, &network).await
        {
            problems.push(p);
        }
        self.removed = true;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

async fn remove_container(docker: &Docker, name: &str) -> Result<(), String> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match timeout(REMOVE_TIMEOUT, docker.remove_container(name, Some(options))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) if is_not_found(&e) => Ok(()),
        Ok(Err(e)) => Err(format!("container {name}: {}", engine_error(&e))),
        Err(_) => Err(format!(
            "container {name}: not removed within {}s",
            REMOVE_TIMEOUT.as_secs()
        )),
    }
}

async fn remove_network(docker: &Docker, name: &str) -> Result<(), String> {
    // A just-removed container can hold its endpoint for a moment: retry briefly.
    let deadline = tokio::time::Instant::now() + REMOVE_TIMEOUT;
    loop {
        match timeout_at(deadline, docker.remove_network(name)).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) if is_not_found(&e) => return Ok(()),
            Ok(Err(_)) if tokio::time::Instant::now() + Duration::from_millis(200) < deadline => {
                sleep(Duration::from_millis(200)).await;
            }
            Ok(Err(e)) => return Err(format!("network {name}: {}", engine_error(&e))),
            Err(_) => {
                return Err(format!(
                    "network {name}: not removed within {}s",
                    REMOVE_TIMEOUT.as_secs()
                ));
            }
        }
    }
}

impl Drop for Resources {
    /// The fallback when [`Resources::remove`] was not awaited: the start
    /// was abandoned (SIGINT/SIGTERM while starting) or something panicked.
    /// Removal cannot be awaited here, so it runs to completion (bounded) on
    /// a thread with a runtime of its own, and this waits for it.
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        eprintln!(
            "\ncontainer: start-up abandoned: removing {}",
            self.describe()
        );
        let started = Instant::now();
        let containers = std::mem::take(&mut self.containers);
        if tokio::runtime::Handle::try_current().is_ok() {
            // testcontainers removes each one, blocking, in its own Drop.
            drop(containers);
        } else {
            // Its Drop needs a runtime; the by-name removal below does the work.
            std::mem::forget(containers);
        }
        let docker = self.docker.clone();
        let names = std::mem::take(&mut self.names);
        let network = self.network.take();
        self.removed = true;
        let worker = std::thread::Builder::new()
            .name("medusa-conformance-cleanup".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    for name in names.iter().rev() {
                        if let Err(p) = remove_container(&docker, name).await {
                            eprintln!("container: cleanup: {p}");
                        }
                    }
                    if let Some(network) = network
                        && let Err(p) = remove_network(&docker, &network).await
                    {
                        eprintln!("container: cleanup: {p}");
                    }
                });
            });
        if let Ok(worker) = worker {
            let _ = worker.join();
        }
        eprintln!(
            "container: removed what this run had started ({:.1}s)",
            started.elapsed().as_secs_f64()
        );
    }
}

/// One start-up: what to start, with what, by when.
struct Plan<'a> {
    medusa: &'a ImageRef,
    postgres: &'a ImageRef,
    secrets: &'a Secrets,
    redactor: &'a Redactor,
    deadline: tokio::time::Instant,
    budget: Duration,
    /// Production mode behind a [`TlsProxy`].
    tls: bool,
}

impl Plan<'_> {
    /// Creates the network and both containers in `res` (so that they are
    /// removed whatever happens) and returns Medusa's base URL, and the TLS
    /// proxy in front of it in production mode. Errors are complete
    /// messages, not yet masked.
    async fn run(
        &self,
        res: &mut Resources,
        out: &mut Progress<'_>,
    ) -> Result<(Url, Option<TlsProxy>), String> {
        let network = format!("{NAME_PREFIX}{}", res.run_id);
        res.network = Some(network.clone());
        let request = NetworkCreateRequest {
            name: network.clone(),
            driver: Some("bridge".into()),
            labels: Some([(RUN_LABEL.to_owned(), res.run_id.clone())].into()),
            ..Default::default()
        };
        match timeout_at(self.deadline, res.docker.create_network(request)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                return Err(format!(
                    "cannot create the network {network}: {}\n  fix: check the Docker engine ({}); `docker network prune` frees address pools",
                    engine_error(&e),
                    docker_host_description()
                ));
            }
            Err(_) => return Err(self.timed_out("creating the network", None)),
        }

        // PostgreSQL: reachable by its container name on the private network only.
        let pg_name = format!("{NAME_PREFIX}{}-postgres", res.run_id);
        let t = Instant::now();
        out.say(&format!(
            "container: starting postgres (image {})...",
            self.postgres.descriptor()
        ));
        let pg = self
            .postgres
            .generic()
            .with_network(network.as_str())
            .with_container_name(pg_name.as_str())
            .with_label(RUN_LABEL, res.run_id.as_str())
            .with_env_var("POSTGRES_PASSWORD", self.secrets.postgres_password.expose())
            .with_env_var("POSTGRES_DB", "medusa")
            .with_host_config_modifier(|hc| {
                hc.publish_all_ports = Some(false);
            });
        self.start_container(res, &pg_name, "postgres", self.postgres, pg)
            .await?;
        self.wait_for_line(res, &pg_name, "postgres", self.postgres, POSTGRES_READY)
            .await?;
        out.say(&format!(" ready in {:.1}s\n", t.elapsed().as_secs_f64()));

        // Medusa: migrations, the seeded admin and its API token, then the server.
        let medusa_name = format!("{NAME_PREFIX}{}-medusa", res.run_id);
        let t = Instant::now();
        out.say(&format!(
            "container: starting medusa (image {})...",
            self.medusa.descriptor()
        ));
        let database_url = format!(
            "postgres://postgres:{}@{pg_name}:5432/medusa",
            self.secrets.postgres_password.expose()
        );
        let medusa = self
            .medusa
            .generic()
            .with_exposed_port(MEDUSA_PORT.tcp())
            .with_network(network.as_str())
            .with_container_name(medusa_name.as_str())
            .with_label(RUN_LABEL, res.run_id.as_str())
            .with_env_var("DATABASE_URL", database_url)
            .with_env_var("JWT_SECRET", self.secrets.jwt_secret.expose())
            .with_env_var("COOKIE_SECRET", self.secrets.cookie_secret.expose())
            .with_env_var("MEDUSA_ADMIN_EMAIL", ADMIN_EMAIL)
            .with_env_var(
                "MEDUSA_ADMIN_PASSWORD",
                self.secrets.admin_password.expose(),
            )
            .with_env_var("MEDUSA_API_TOKEN", self.secrets.api_token.expose())
            .with_env_var("MEDUSA_CREATE_USER", "sql")
            .with_env_var("ADMIN_CORS", ADMIN_CORS)
            .with_env_var(
                "NODE_ENV",
                if self.tls {
                    "production"
                } else {
                    "development"
                },
            )
            .with_env_var("PORT", MEDUSA_PORT.to_string());
        self.start_container(res, &medusa_name, "medusa", self.medusa, medusa)
            .await?;
        self.wait_for_line(res, &medusa_name, "medusa", self.medusa, MEDUSA_READY)
            .await?;
        out.say(&format!(" ready in {:.1}s\n", t.elapsed().as_secs_f64()));
        self.front_and_login(res, &medusa_name, out).await
    }

    /// Puts the TLS proxy in front of Medusa in production mode, and waits
    /// until the seeded admin can log in at the URL the run will use.
    async fn front_and_login(
        &self,
        res: &Resources,
        medusa_name: &str,
        out: &mut Progress<'_>,
    ) -> Result<(Url, Option<TlsProxy>), String> {
        let medusa_url = self.base_url(res, medusa_name).await?;
        let proxy = if self.tls {
            Some(TlsProxy::start(&medusa_url).await?)
        } else {
            None
        };
        let base_url = proxy.as_ref().map_or(medusa_url, TlsProxy::base_url);
        let t = Instant::now();
        out.say(&format!(
            "container: waiting for POST {base_url}admin/auth to answer 200..."
        ));
        let ca = proxy.as_ref().map(TlsProxy::ca_pem);
        self.wait_for_login(res, medusa_name, &base_url, ca).await?;
        out.say(&format!(" done in {:.1}s\n", t.elapsed().as_secs_f64()));
        Ok((base_url, proxy))
    }

    async fn start_container(
        &self,
        res: &mut Resources,
        name: &str,
        role: &str,
        image: &ImageRef,
        request: testcontainers::ContainerRequest<GenericImage>,
    ) -> Result<(), String> {
        // Noted before the call: if this future is dropped half-way, the
        // container is still removed by name.
        res.names.push(name.to_owned());
        match timeout_at(self.deadline, request.start()).await {
            Ok(Ok(container)) => {
                res.containers.push((name.to_owned(), container));
                Ok(())
            }
            Ok(Err(e)) => Err(format!(
                "the {role} container (image {}) could not be started: {e}\n  fix: check the image ({}; {BUILD_COMMAND} --force --only {role} rebuilds it) and the Docker engine ({})",
                image.descriptor(),
                image.var,
                docker_host_description()
            )),
            Err(_) => Err(self.timed_out(&format!("starting the {role} container"), None)),
        }
    }

    /// Follows the container's stdout until `line` appears; fails when the
    /// container exits first or the deadline passes. (Not testcontainers'
    /// `WaitFor::message_on_stdout`: when that wait fails, testcontainers
    /// removes the container at once, and its exit status and last log
    /// lines, which the error message shows, are gone with it.)
    async fn wait_for_line(
        &self,
        res: &Resources,
        name: &str,
        role: &str,
        image: &ImageRef,
        line: &str,
    ) -> Result<(), String> {
        let options = LogsOptionsBuilder::new()
            .follow(true)
            .stdout(true)
            .stderr(false)
            .build();
        let mut logs = res.docker.logs(name, Some(options));
        let mut partial = String::new();
        loop {
            match timeout_at(self.deadline, logs.next()).await {
                Err(_) => {
                    let tail = self.log_tail(&res.docker, name).await;
                    return Err(self.timed_out(
                        &format!(
                            "waiting for the {role} container (image {}) to print \"{line}\"",
                            image.descriptor()
                        ),
                        Some(tail),
                    ));
                }
                Ok(Some(Ok(chunk))) => {
                    partial.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
                    if partial.contains(line) {
                        return Ok(());
                    }
                    // keep only the unfinished last line
                    if let Some(pos) = partial.rfind('\n') {
                        partial.drain(..=pos);
                    }
                }
                Ok(Some(Err(e))) => {
                    return Err(format!(
                        "lost the {role} container's log stream: {}\n  fix: check the Docker engine ({})",
                        engine_error(&e),
                        docker_host_description()
                    ));
                }
                Ok(None) => return Err(self.exited(res, name, role, image).await),
            }
        }
    }

    async fn base_url(&self, res: &Resources, name: &str) -> Result<Url, String> {
        let container = res
            .containers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
            .ok_or_else(|| format!("internal error: no container {name}"))?;
        let host = timeout(ENGINE_CALL_TIMEOUT, container.get_host())
            .await
            .map_err(|_| "the Docker engine did not say which host to reach Medusa on".to_owned())?
            .map_err(|e| format!("cannot tell which host to reach Medusa on: {e}"))?;
        let port = timeout(
            ENGINE_CALL_TIMEOUT,
            container.get_host_port_ipv4(MEDUSA_PORT),
        )
        .await
        .map_err(|_| "the Docker engine did not say which port Medusa is published on".to_owned())?
        .map_err(|e| format!("Medusa's port {MEDUSA_PORT} is not published: {e}"))?;
        let raw = match host {
            url::Host::Ipv6(ip) => format!("http://[{ip}]:{port}"),
            other => format!("http://{other}:{port}"),
        };
        Url::parse(&raw).map_err(|e| format!("bad base URL {raw}: {e}"))
    }

    /// The ready line says `/health` answers; this makes sure the seeded
    /// admin can log in, so the first scenario does not race the seeding.
    /// Over https (`ca_pem`: the proxy's CA) the session cookie must also be
    /// `Secure`: the proof that Medusa runs in production mode and trusts
    /// the proxy's `X-Forwarded-Proto`.
    async fn wait_for_login(
        &self,
        res: &Resources,
        name: &str,
        base_url: &Url,
        ca_pem: Option<&str>,
    ) -> Result<(), String> {
        crate::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(2));
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| format!("the TLS proxy's CA is not PEM: {e}"))?;
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        let url = base_url
            .join("admin/auth")
            .map_err(|e| format!("bad URL: {e}"))?;
        let body = serde_json::json!({
            "email": ADMIN_EMAIL,
            "password": self.secrets.admin_password.expose(),
        })
        .to_string();
        let mut last = String::from("no answer yet");
        loop {
            let attempt = client
                .post(url.clone())
                .header("content-type", "application/json")
                .body(body.clone())
                .send();
            match timeout_at(self.deadline, attempt).await {
                Ok(Ok(resp)) if resp.status() == reqwest::StatusCode::OK => {
                    if ca_pem.is_some() && !has_secure_session_cookie(resp.headers()) {
                        return Err(format!(
                            "POST {url} answered 200 without a Secure session cookie: the Medusa image ({}) does not run in production mode behind the TLS proxy\n  fix: the image must pass NODE_ENV to Medusa (docker/medusa-v1/)",
                            self.medusa.var
                        ));
                    }
                    return Ok(());
                }
                Ok(Ok(resp)) => last = format!("last answer: HTTP {}", resp.status()),
                Ok(Err(e)) => last = format!("last attempt: {e}"),
                Err(_) => {}
            }
            if tokio::time::Instant::now() >= self.deadline {
                let tail = self.log_tail(&res.docker, name).await;
                return Err(self.timed_out(
                    &format!("waiting for POST {url} to answer 200 ({last})"),
                    Some(tail),
                ));
            }
            if !is_running(&res.docker, name).await {
                return Err(self.exited(res, name, "medusa", self.medusa).await);
            }
            sleep(Duration::from_millis(200)).await;
        }
    }

    fn timed_out(&self, doing: &str, tail: Option<String>) -> String {
        let mut msg = format!(
            "the containers were not ready within {}s ({TIMEOUT_VAR}): timed out {doing}",
            self.budget.as_secs()
        );
        if let Some(tail) = tail {
            msg.push_str(&tail);
        }
        msg.push_str(&format!(
            "\n  fix: on a slow or busy machine raise {TIMEOUT_VAR} (e.g. {TIMEOUT_VAR}=600); otherwise the log lines above say what it was doing"
        ));
        msg
    }

    async fn exited(&self, res: &Resources, name: &str, role: &str, image: &ImageRef) -> String {
        let status = match timeout(
            ENGINE_CALL_TIMEOUT,
            res.docker
                .inspect_container(name, None::<InspectContainerOptions>),
        )
        .await
        {
            Ok(Ok(info)) => info
                .state
                .and_then(|s| s.exit_code)
                .map_or_else(|| "an unknown status".to_owned(), |c| format!("status {c}")),
            _ => "an unknown status".to_owned(),
        };
        let tail = self.log_tail(&res.docker, name).await;
        format!(
            "the {role} container (image {}, {}) exited with {status} during start-up{tail}\n  fix: {} must name an image built from docker/{}/ (by {BUILD_COMMAND}); its log lines above say why it stopped;\n       a broken image is rebuilt by {BUILD_COMMAND} --force --only {role}",
            image.descriptor(),
            image.var,
            image.var,
            if role == "medusa" { "medusa-v1" } else { role },
        )
    }

    /// The container's last log lines (stdout and stderr, SQL query echoes
    /// left out), masked, indented, ready to append to a message.
    async fn log_tail(&self, docker: &Docker, name: &str) -> String {
        let options = LogsOptionsBuilder::new()
            .follow(false)
            .stdout(true)
            .stderr(true)
            .tail("400")
            .build();
        let collect = docker
            .logs(name, Some(options))
            .take_while(|r| std::future::ready(r.is_ok()))
            .filter_map(|r| std::future::ready(r.ok()))
            .collect::<Vec<_>>();
        let chunks = match timeout(ENGINE_CALL_TIMEOUT, collect).await {
            Ok(chunks) => chunks,
            Err(_) => return "\n  (its log could not be read in time)".to_owned(),
        };
        let text: String = chunks
            .into_iter()
            .map(|c| String::from_utf8_lossy(&c.into_bytes()).into_owned())
            .collect();
        format_log_tail(name, &text, self.redactor)
    }
}

/// The last [`LOG_TAIL`] lines of `text`, SQL query echoes left out, masked.
fn format_log_tail(name: &str, text: &str, redactor: &Redactor) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with("query:"))
        .collect();
    if lines.is_empty() {
        return format!("\n  container {name} printed nothing");
    }
    let start = lines.len().saturating_sub(LOG_TAIL);
    let mut out = format!(
        "\n  last {} log lines of {name} (secrets redacted):",
        lines.len() - start
    );
    for line in &lines[start..] {
        let line: String = line.chars().take(300).collect();
        out.push_str("\n    | ");
        out.push_str(&redactor.mask(&line));
    }
    out
}

/// Whether a `connect.sid` cookie set in `headers` is `Secure`.
fn has_secure_session_cookie(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| cookie::Cookie::parse(v.to_owned()).ok())
        .any(|c| c.name() == "connect.sid" && c.secure() == Some(true))
}

async fn is_running(docker: &Docker, name: &str) -> bool {
    match timeout(
        ENGINE_CALL_TIMEOUT,
        docker.inspect_container(name, None::<InspectContainerOptions>),
    )
    .await
    {
        Ok(Ok(info)) => info.state.and_then(|s| s.running).unwrap_or(false),
        // the engine not answering is not proof that the container exited
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_name_and_tag() {
        let r = |s| ImageRef::parse(s, "MEDUSA_IMAGE").map(|i| (i.name, i.tag));
        assert_eq!(
            r("medusa-conformance/medusa-v1:1.20.11").unwrap(),
            ("medusa-conformance/medusa-v1".into(), "1.20.11".into())
        );
        assert_eq!(r("postgres").unwrap(), ("postgres".into(), "latest".into()));
        assert_eq!(
            r("localhost:5000/medusa").unwrap(),
            ("localhost:5000/medusa".into(), "latest".into())
        );
        assert_eq!(
            r("localhost:5000/medusa:1").unwrap(),
            ("localhost:5000/medusa".into(), "1".into())
        );
        assert!(r("").is_err());
        assert!(r("a b").is_err());
        assert!(r("x@sha256:abc").unwrap_err().contains("digest"));
    }

    #[test]
    fn the_admin_origin_is_one_admin_cors_allows() {
        assert!(ADMIN_CORS.split(',').any(|o| o == ADMIN_ORIGIN));
    }

    #[test]
    fn only_a_secure_session_cookie_counts() {
        let headers = |cookies: &[&str]| {
            let mut h = reqwest::header::HeaderMap::new();
            for c in cookies {
                h.append(reqwest::header::SET_COOKIE, c.parse().unwrap());
            }
            h
        };
        let secure = "connect.sid=s%3Aa.b; Path=/; HttpOnly; Secure; SameSite=None";
        assert!(has_secure_session_cookie(&headers(&[secure])));
        assert!(!has_secure_session_cookie(&headers(&[
            "connect.sid=s%3Aa.b; Path=/; HttpOnly"
        ])));
        assert!(!has_secure_session_cookie(&headers(&[
            "other=x; Secure",
            "connect.sid=s%3Aa.b; Path=/"
        ])));
        assert!(!has_secure_session_cookie(&headers(&[])));
    }

    #[test]
    fn log_tails_are_short_masked_and_skip_sql() {
        let r = Redactor::new();
        r.add("hunter22secret");
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!("line {i}\nquery: SELECT {i}\n"));
        }
        text.push_str("password is hunter22secret\n");
        let tail = format_log_tail("c1", &text, &r);
        assert!(!tail.contains("hunter22secret"), "{tail}");
        assert!(tail.contains("[REDACTED]"), "{tail}");
        assert!(!tail.contains("query:"), "{tail}");
        assert_eq!(tail.matches("\n    | ").count(), LOG_TAIL, "{tail}");
        assert!(
            tail.contains("line 49") && !tail.contains("line 30\n"),
            "{tail}"
        );
        assert!(format_log_tail("c1", "", &r).contains("printed nothing"));
    }
}
