//! One run of the suite: resolve the target, check it answers, run every
//! scenario concurrently, and say what happened.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// Masks secrets in everything the run writes.
    pub redactor: Redactor,
    failures: Mutex<Vec<FailedCheck>>,
}

impl RunContext {
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
    /// Scenarios left out on purpose (no API token), not run.
    pub left_out: usize,
    /// Feature files that did not parse, and failed hooks.
    pub errors: usize,
    /// Every failed check.
    pub failed_checks: Vec<FailedCheck>,
}

impl Outcome {
    /// Whether the gate is green: something ran and nothing failed.
    pub fn is_success(&self) -> bool {
        self.failed == 0 && self.skipped == 0 && self.errors == 0 && self.passed > 0
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
        "the backend at {url} cannot be reached: {reason}\n  fix: start the backend, or check MEDUSA_BASE_URL (and MEDUSA_CA_CERT for https)"
    )]
    Unreachable {
        /// Base URL tried.
        url: String,
        /// Transport error.
        reason: String,
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
            RunError::Unreachable { .. } => EXIT_UNREACHABLE,
            RunError::Setup(_) => EXIT_SETUP,
            RunError::Interrupted(_) => EXIT_INTERRUPTED,
        }
    }
}

/// The backend a run talks to, and what must be stopped after it.
struct Backend {
    base_url: url::Url,
    admin_email: String,
    admin_password: Secret,
    api_token: Option<Secret>,
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
        } => Backend {
            base_url: base_url.clone(),
            admin_email: admin_email.clone(),
            admin_password: admin_password.clone(),
            api_token: api_token.clone(),
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
        ..
    } = backend;
    redactor.add(admin_password.expose());
    if let Some(t) = &api_token {
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
    };
    let client = Client::new(&settings, &V1).map_err(RunError::Setup)?;

    // One request before the scenarios: a backend that is down gives one
    // clear message, not dozens of identical failures.
    client
        .send(Call::GetSession, &Auth::None, &Body::None)
        .await
        .map_err(|e| RunError::Unreachable {
            url: base_url.to_string(),
            reason: e.reason,
        })?;

    let ctx = Arc::new(RunContext {
        client,
        admin_email,
        admin_password,
        api_token,
        redactor: redactor.clone(),
        failures: Mutex::new(Vec::new()),
    });
    let _ = writeln!(
        out,
        "medusa-conformance: running {} against {}",
        config.features.display(),
        base_url
    );

    let left_out = Arc::new(AtomicUsize::new(0));
    let have_token = ctx.api_token.is_some();
    let tags = config.tags.clone();
    let filter = {
        let left_out = left_out.clone();
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
            if !have_token && all_tags.iter().any(|t| t.as_str() == "api-token") {
                left_out.fetch_add(examples_count(sc), Ordering::Relaxed);
                return false;
            }
            true
        }
    };

    let hook_ctx = ctx.clone();
    let console = writer::Basic::new(out, Coloring::Never, Verbosity::Default).summarized();
    let cucumber = AuthWorld::cucumber()
        .with_writer(console)
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
    Ok(Outcome {
        passed: stats.passed,
        failed: stats.failed,
        skipped: stats.skipped,
        left_out: left_out.load(Ordering::Relaxed),
        errors: writer.parsing_errors() + writer.hook_errors(),
        failed_checks,
    })
}

/// How many scenarios a scenario (outline) expands to.
fn examples_count(sc: &cucumber::gherkin::Scenario) -> usize {
    if sc.examples.is_empty() {
        1
    } else {
        sc.examples
            .iter()
            .map(|e| {
                e.table
                    .as_ref()
                    .map_or(0, |t| t.rows.len().saturating_sub(1))
            })
            .sum()
    }
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
