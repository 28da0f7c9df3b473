//! One run of the suite: resolve the target, check it answers, run every
//! scenario concurrently, and say what happened.

use std::io::Write;
use std::sync::{Arc, Mutex};

use cucumber::writer::{self, Coloring, Stats as _, Verbosity};
use cucumber::{World as _, WriterExt as _};
use futures::FutureExt as _;

use crate::client::{Auth, Body, Client, ClientSettings};
use crate::config::{Config, Target};
use crate::container::ContainerBackend;
use crate::contract::{Call, V1};
use crate::redact::{RedactingWriter, Redactor, Secret};
use crate::reference::{ReferenceConfig, ReferenceServer};
use crate::report::{self, FixedCli, LeftOut, Reports};
use crate::steps::AuthWorld;

/// Exit code: every scenario passed.
pub const EXIT_OK: i32 = 0;
/// Exit code: the backend broke the contract (or nothing ran).
pub const EXIT_CONTRACT: i32 = 1;
/// Exit code: the configuration is wrong.
pub const EXIT_CONFIG: i32 = 2;
/// Exit code: the backend could not be reached.
pub const EXIT_UNREACHABLE: i32 = 3;
/// Exit code: the harness could not set up its target.
pub const EXIT_SETUP: i32 = 4;
/// Exit code: stopped by SIGINT or SIGTERM (128 + SIGINT, as shells do).
pub const EXIT_INTERRUPTED: i32 = 130;

/// What every scenario of a run shares.
#[derive(Debug)]
pub struct RunContext {
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
    failures: Mutex<Vec<FailedCheck>>,
    retried: Mutex<Vec<RetriedRequest>>,
}

/// A request of a scenario that got its answer only after retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetriedRequest {
    /// The scenario's name.
    pub scenario: String,
    /// Method and path.
    pub request: String,
    /// How many times it was sent again.
    pub retries: u32,
}

impl RetriedRequest {
    /// One line for the console and the reports.
    pub fn describe(&self) -> String {
        format!(
            "retried: {} was sent {} more time(s) after transport errors (scenario: {})",
            self.request, self.retries, self.scenario
        )
    }
}

impl RunContext {
    /// Notes that a request of `scenario` was answered only after retries.
    pub fn record_retried(&self, scenario: &str, request: String, retries: u32) {
        if let Ok(mut r) = self.retried.lock() {
            r.push(RetriedRequest {
                scenario: scenario.to_owned(),
                request,
                retries,
            });
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
}

/// A check that failed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedCheck {
    /// The scenario's name.
    pub scenario: String,
    /// The check's name (`status`, `schema AdminAuthRes`, ...).
    pub check: String,
}

/// What a run ended with.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
    /// Scenarios with skipped or undefined steps (a failure for a gate).
    pub skipped: usize,
    /// Scenarios left out on purpose (no API token, JWT secret or admin
    /// origin), not run: one `file:line: name (why)` each.
    pub left_out_scenarios: Vec<String>,
    /// Report files that could not be written (the gate is red then).
    pub report_errors: Vec<String>,
    /// Feature files that did not parse, and failed hooks.
    pub errors: usize,
    /// Every failed check.
    pub failed_checks: Vec<FailedCheck>,
    /// Requests sent again after a transport error.
    pub retries: Vec<crate::client::Retry>,
    /// Scenarios' requests that were answered only after retries.
    pub retried: Vec<RetriedRequest>,
}

impl Outcome {
    /// How many scenarios were left out on purpose.
    pub fn left_out(&self) -> usize {
        self.left_out_scenarios.len()
    }

    /// Whether the gate is green: something ran and nothing failed.
    pub fn is_success(&self) -> bool {
        self.failed == 0
            && self.skipped == 0
            && self.errors == 0
            && self.report_errors.is_empty()
            && self.passed > 0
    }

    /// The process exit code for this outcome.
    pub fn exit_code(&self) -> i32 {
        if self.is_success() {
            EXIT_OK
        } else {
            EXIT_CONTRACT
        }
    }
}

/// Why a run could not run its scenarios.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The backend did not answer the preflight request.
    #[error(
        "the backend at {url} cannot be reached: {reason}\n  fix: {}",
        unreachable_fix(reason)
    )]
    Unreachable {
        /// Base URL tried.
        url: String,
        /// Transport error.
        reason: String,
    },
    /// The backend answered the preflight request in a way no working
    /// Medusa-compatible backend does.
    #[error("the backend at {url} is not answering as a Medusa v1 backend: {reason}\n  fix: {fix}")]
    Unhealthy {
        /// Base URL tried.
        url: String,
        /// What it answered.
        reason: String,
        /// What to check.
        fix: String,
    },
    /// The target could not be set up.
    #[error("cannot set up the target: {0}")]
    Setup(String),
    /// The run was stopped by a signal; what it started was removed.
    #[error("interrupted by {0}: stopped, and removed what this run had started")]
    Interrupted(&'static str),
}

impl RunError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Unreachable { .. } | RunError::Unhealthy { .. } => EXIT_UNREACHABLE,
            RunError::Setup(_) => EXIT_SETUP,
            RunError::Interrupted(_) => EXIT_INTERRUPTED,
        }
    }
}

/// What to do about a transport error, by its kind.
fn unreachable_fix(reason: &str) -> &'static str {
    if reason.contains("certificate") {
        "the server's certificate does not verify: give the CA that signed it with MEDUSA_CA_CERT=ca.pem, or fix the certificate"
    } else if reason.contains("timed out") {
        "the backend does not answer in time: check that it is up and not overloaded, or raise MEDUSA_TIMEOUT_MS"
    } else if reason.contains("dns error") {
        "the host name does not resolve: check the host in MEDUSA_BASE_URL"
    } else {
        "start the backend, or check the scheme, host and port in MEDUSA_BASE_URL"
    }
}

/// The backend a run talks to, and what must be stopped after it.
struct Backend {
    base_url: url::Url,
    admin_email: String,
    admin_password: Secret,
    api_token: Option<Secret>,
    jwt_secret: Option<Secret>,
    admin_origin: Option<String>,
    owned: Owned,
}

/// What the run started itself, and removes when it ends.
enum Owned {
    Nothing,
    Reference(ReferenceServer),
    Containers(Box<ContainerBackend>),
}

impl Owned {
    async fn remove(self) {
        match self {
            Owned::Nothing => {}
            Owned::Reference(server) => drop(server),
            Owned::Containers(c) => c.remove().await,
        }
    }
}

async fn start_backend(config: &Config, out: &mut dyn Write) -> Result<Backend, RunError> {
    Ok(match &config.target {
        Target::Url {
            base_url,
            admin_email,
            admin_password,
            api_token,
            jwt_secret,
            admin_origin,
        } => Backend {
            base_url: base_url.clone(),
            admin_email: admin_email.clone(),
            admin_password: admin_password.clone(),
            api_token: api_token.clone(),
            jwt_secret: jwt_secret.clone(),
            admin_origin: admin_origin.clone(),
            owned: Owned::Nothing,
        },
        Target::Reference {
            faults,
            admin_password,
            api_token,
        } => {
            let mut rc = ReferenceConfig::random();
            rc.faults = faults.clone();
            if let Some(p) = admin_password {
                rc.admin_password = p.clone();
            }
            if let Some(t) = api_token {
                rc.api_token = t.clone();
            }
            let server = ReferenceServer::start(rc.clone()).await.map_err(|e| {
                RunError::Setup(format!(
                    "the reference backend cannot listen on loopback: {e}"
                ))
            })?;
            Backend {
                base_url: server.base_url(),
                admin_email: rc.admin_email,
                admin_password: rc.admin_password,
                api_token: Some(rc.api_token),
                // The suite knows its own backend's secret and origin, so
                // the @jwt-secret and @admin-origin scenarios run here too.
                jwt_secret: Some(rc.jwt_secret),
                admin_origin: rc.admin_cors.first().cloned(),
                owned: Owned::Reference(server),
            }
        }
        Target::Container {
            medusa_image,
            postgres_image,
        } => {
            let c = ContainerBackend::start(medusa_image, postgres_image, out).await?;
            Backend {
                base_url: c.base_url(),
                admin_email: c.admin_email().to_owned(),
                admin_password: c.admin_password().clone(),
                api_token: Some(c.api_token().clone()),
                jwt_secret: None,
                admin_origin: None,
                owned: Owned::Containers(Box::new(c)),
            }
        }
    })
}

/// Runs the suite as `config` says, writing progress and failures
/// (redacted) to `out`. Whatever the run started (reference backend,
/// containers) is removed before it returns: on success, on failure, and
/// on SIGINT/SIGTERM.
pub async fn run<W: Write + Send + 'static>(config: &Config, out: W) -> Result<Outcome, RunError> {
    quiet_report_panics();
    let redactor = Redactor::new();
    let mut out = redactor.writer(out);
    let started = tokio::select! {
        b = start_backend(config, &mut out) => b,
        sig = shutdown_signal() => Err(RunError::Interrupted(sig)),
    };
    let mut backend = started?;
    let owned = std::mem::replace(&mut backend.owned, Owned::Nothing);
    let result = tokio::select! {
        r = run_scenarios(config, backend, redactor, out) => r,
        sig = shutdown_signal() => Err(RunError::Interrupted(sig)),
    };
    owned.remove().await;
    result
}

/// One request before the scenarios (`GET /admin/auth`, no credentials): a
/// backend that is down, failing or elsewhere gives one clear message, not
/// dozens of identical scenario failures. Any other answer, right or wrong,
/// is left to the scenarios to judge.
async fn preflight(client: &Client, base_url: &url::Url) -> Result<(), RunError> {
    let url = base_url.to_string();
    let ex = client
        .send(Call::GetSession, &Auth::None, &Body::None)
        .await
        .map_err(|e| RunError::Unreachable {
            url: url.clone(),
            reason: e.reason,
        })?;
    let unhealthy = |reason: String, fix: &str| RunError::Unhealthy {
        url: url.clone(),
        reason,
        fix: fix.to_owned(),
    };
    match ex.status {
        500..=599 => Err(unhealthy(
            format!(
                "GET {} answered {} before any scenario ran",
                ex.path, ex.status
            ),
            "look at the backend's logs: it fails before authentication is even checked",
        )),
        300..=399 => {
            let to = ex
                .headers
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location)");
            Err(unhealthy(
                format!(
                    "GET {} redirects ({}) to {to}; redirects are not followed, so credentials never leave the configured host",
                    ex.path, ex.status
                ),
                "set MEDUSA_BASE_URL to the URL the backend really serves (scheme, host and port)",
            ))
        }
        404 => Err(unhealthy(
            format!(
                "GET {} answered 404: there is no v1 admin auth route here",
                ex.path
            ),
            "set MEDUSA_BASE_URL to the backend's root (not /admin), and check it is a Medusa v1 backend (v2 has other routes)",
        )),
        _ => Ok(()),
    }
}

/// Resolves when the process is asked to stop; says by which signal.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

async fn run_scenarios<W: Write + Send + 'static>(
    config: &Config,
    backend: Backend,
    redactor: Redactor,
    mut out: RedactingWriter<W>,
) -> Result<Outcome, RunError> {
    let Backend {
        base_url,
        admin_email,
        admin_password,
        api_token,
        jwt_secret,
        admin_origin,
        ..
    } = backend;
    redactor.add(admin_password.expose());
    for t in api_token.iter().chain(&jwt_secret) {
        redactor.add(t.expose());
    }
    let ca_cert_pem = match &config.ca_cert {
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| RunError::Setup(format!("cannot read {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let settings = ClientSettings {
        base_url: base_url.clone(),
        ca_cert_pem,
        connect_timeout: config.connect_timeout,
        request_timeout: config.request_timeout,
        max_retries: config.max_retries,
    };
    let client = Client::new(&settings, &V1).map_err(RunError::Setup)?;

    // One request before the scenarios: a backend that is down gives one
    // clear message, not dozens of identical failures.
    preflight(&client, &base_url).await?;

    let ctx = Arc::new(RunContext {
        client,
        admin_email,
        admin_password,
        api_token,
        jwt_secret,
        admin_origin,
        redactor: redactor.clone(),
        failures: Mutex::new(Vec::new()),
        retried: Mutex::new(Vec::new()),
    });
    let _ = writeln!(
        out,
        "medusa-conformance: running {} against {}",
        config.features.display(),
        base_url
    );
    let reports = open_reports(config, &ctx)?;

    let left_out_list = LeftOut::default();
    // Scenarios needing what the run was not given: tag, and why not.
    let missing: Vec<(&'static str, &'static str)> = [
        (ctx.api_token.is_none(), "api-token", report::NO_API_TOKEN),
        (
            ctx.jwt_secret.is_none(),
            "jwt-secret",
            report::NO_JWT_SECRET,
        ),
        (
            ctx.admin_origin.is_none(),
            "admin-origin",
            report::NO_ADMIN_ORIGIN,
        ),
    ]
    .into_iter()
    .filter(|(absent, _, _)| *absent)
    .map(|(_, tag, why)| (tag, why))
    .collect();
    let tags = config.tags.clone();
    let filter = {
        let left_out_list = left_out_list.clone();
        move |feat: &cucumber::gherkin::Feature,
              rule: Option<&cucumber::gherkin::Rule>,
              sc: &cucumber::gherkin::Scenario| {
            let all_tags: Vec<&String> = feat
                .tags
                .iter()
                .chain(rule.iter().flat_map(|r| &r.tags))
                .chain(sc.tags.iter())
                .collect();
            if let Some(t) = &tags
                && !all_tags.iter().any(|x| format!("@{x}") == *t || *x == t)
            {
                return false;
            }
            let why: Vec<&str> = missing
                .iter()
                .filter(|(tag, _)| all_tags.iter().any(|t| t.as_str() == *tag))
                .map(|(_, why)| *why)
                .collect();
            if !why.is_empty() {
                left_out_list.note(feat, rule, sc, &why.join(", "));
                return false;
            }
            true
        }
    };

    let hook_ctx = ctx.clone();
    // Console, JUnit and Cucumber JSON see the same (normalised) events;
    // the reports are kept in memory and written, redacted, at the end.
    let verbosity = Verbosity::from(config.verbose);
    let writers = writer::Basic::raw(out, Coloring::Never, verbosity)
        .tee::<AuthWorld, _>(FixedCli(writer::JUnit::for_tee(
            reports.junit_buffer(),
            verbosity,
        )))
        .tee::<AuthWorld, _>(FixedCli(writer::Json::for_tee(reports.json_buffer())))
        .normalized()
        .summarized();
    let cucumber = AuthWorld::cucumber()
        .with_writer(writers)
        // The run is configured by Config alone, never by the process's
        // arguments (the fault catalog test runs many suites in one process).
        .with_cli(cucumber::cli::Opts::<_, _, _, cucumber::cli::Empty>::default())
        .max_concurrent_scenarios(config.concurrency)
        .fail_on_skipped()
        .before(move |_feature, _rule, scenario, world| {
            world.attach(hook_ctx.clone(), &scenario.name);
            async {}.boxed_local()
        });
    let writer = cucumber.filter_run(config.features.clone(), filter).await;

    let stats = writer.scenarios_stats();
    let failed_checks = ctx.failures.lock().map(|f| f.clone()).unwrap_or_default();
    let left_out_list = left_out_list.list();
    let retried = ctx.retried.lock().map(|r| r.clone()).unwrap_or_default();
    let report_errors = reports.finish(&left_out_list, &retried, &redactor);
    Ok(Outcome {
        passed: stats.passed,
        failed: stats.failed,
        skipped: stats.skipped,
        left_out_scenarios: left_out_list
            .iter()
            .map(|l| format!("{} ({})", l.describe(), l.reason))
            .collect(),
        report_errors,
        errors: writer.parsing_errors() + writer.hook_errors(),
        failed_checks,
        retries: ctx.client.retries(),
        retried,
    })
}

/// Creates the report files `config` asks for (before the scenarios run,
/// so a bad path costs no run), and teaches the redactor the forms the
/// configured secrets take inside them.
fn open_reports(config: &Config, ctx: &RunContext) -> Result<Reports, RunError> {
    report::learn_report_forms(&ctx.redactor, ctx.admin_password.expose());
    for t in ctx.api_token.iter().chain(&ctx.jwt_secret) {
        report::learn_report_forms(&ctx.redactor, t.expose());
    }
    Reports::open(config.junit.as_deref(), config.cucumber_json.as_deref()).map_err(RunError::Setup)
}

/// A failed step panics with a rendered report that the cucumber writer
/// already prints (redacted); the default hook would print it again,
/// unredacted, to stderr. Other panics are harness bugs: print them masked.
fn quiet_report_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            if msg.starts_with(crate::check::REPORT_MARKER) {
                return;
            }
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!(
                "{}",
                Redactor::global().mask(&format!("harness panic{location}: {msg}"))
            );
        }));
    });
}
