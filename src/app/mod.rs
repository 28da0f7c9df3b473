//! Layer 4, orchestration: one run of the suite. Brings the target up,
//! checks it answers, runs the scenarios with the console and report
//! writers, writes the reports, removes what it started (on success,
//! failure and SIGINT/SIGTERM), and says what happened as an [`Outcome`]
//! or a [`RunError`].
//!
//! The only module that uses every layer below it (`core`, `http`,
//! `suite`, `target`, `report`). It may not read the environment or the
//! arguments (that is `cli`), nor exit the process (that is `main`).

pub mod config;
pub mod error;
pub mod signal;

pub use config::{Config, ConfigError};
pub use error::{RunError, verdict};

use std::io::Write;
use std::sync::Arc;

use cucumber::WriterExt as _;
use cucumber::writer::{self, Coloring, Verbosity};
use url::Url;

use crate::core::contract::V1;
use crate::core::credentials::Credentials;
use crate::core::record::Outcome;
use crate::core::redact::{RedactingWriter, Redactor};
use crate::http::{Client, ClientSettings};
use crate::report::{self, FixedCli, Reports};
use crate::suite::context::SuiteContext;
use crate::suite::filter::{self, LeftOut, Selection};
use crate::suite::run::{SuiteResult, SuiteSettings};
use crate::suite::world::AuthWorld;
use crate::target::{self, Backend};
use signal::{quiet_report_panics, shutdown_signal};

/// Runs the suite as `config` says, writing progress and failures
/// (redacted) to `out`. Whatever the run started (reference backend,
/// containers) is removed before it returns: on success, on failure, and
/// on SIGINT/SIGTERM.
pub async fn run<W: Write + Send + 'static>(config: &Config, out: W) -> Result<Outcome, RunError> {
    quiet_report_panics();
    let redactor = Redactor::new();
    let mut out = redactor.writer(out);
    let started = tokio::select! {
        b = target::start(&config.target, &mut out) => b.map_err(RunError::from),
        sig = shutdown_signal() => Err(RunError::Interrupted(sig)),
    };
    let Backend {
        base_url,
        credentials,
        guard,
    } = started?;
    let result = tokio::select! {
        r = run_scenarios(config, base_url, credentials, redactor, out) => r,
        sig = shutdown_signal() => Err(RunError::Interrupted(sig)),
    };
    guard.remove().await;
    result
}

/// Teaches `redactor` the configured secrets, in every form they may take
/// in the console and the report files.
fn learn_secrets(redactor: &Redactor, credentials: &Credentials) {
    let secrets = std::iter::once(&credentials.admin_password)
        .chain(&credentials.api_token)
        .chain(&credentials.jwt_secret);
    for s in secrets {
        redactor.add(s.expose());
        report::learn_report_forms(redactor, s.expose());
    }
}

fn client_settings(config: &Config, base_url: Url) -> ClientSettings {
    ClientSettings {
        base_url,
        ca_cert_pem: config.ca_cert_pem.clone(),
        connect_timeout: config.connect_timeout,
        request_timeout: config.request_timeout,
        max_retries: config.max_retries,
    }
}

async fn run_scenarios<W: Write + Send + 'static>(
    config: &Config,
    base_url: Url,
    credentials: Credentials,
    redactor: Redactor,
    mut out: RedactingWriter<W>,
) -> Result<Outcome, RunError> {
    learn_secrets(&redactor, &credentials);
    let client = Client::new(&client_settings(config, base_url.clone()), &V1)?;
    // One request before the scenarios: a backend that is down gives one
    // clear message, not dozens of identical failures.
    let preflight_retry = target::preflight(&client).await?;
    let selection = Selection {
        tags: config.tags.clone(),
        unavailable: filter::unavailable(&credentials),
        path_base: config.path_base.clone(),
        left_out: LeftOut::default(),
    };
    let ctx = Arc::new(SuiteContext::new(client, credentials, redactor.clone()));
    let _ = writeln!(
        out,
        "medusa-conformance: running {} against {}",
        config.features.display(),
        base_url
    );
    // Created before the scenarios run, so a bad path costs no run.
    let reports = Reports::open(config.junit.as_deref(), config.cucumber_json.as_deref())?;
    let result = run_suite(config, ctx.clone(), selection, &reports, out).await;
    let retried: Vec<_> = preflight_retry.into_iter().chain(ctx.retried()).collect();
    let finished = reports.finish(&result.left_out, &retried, &redactor);
    Ok(Outcome {
        passed: result.passed,
        failed: result.failed,
        skipped: result.skipped,
        left_out: result.left_out,
        report_errors: finished.errors.iter().map(ToString::to_string).collect(),
        reports_written: finished.written,
        errors: result.errors,
        failed_checks: ctx.failures(),
        retried,
        require_all: config.require_all,
    })
}

/// Runs the scenarios; the console, JUnit and Cucumber JSON writers see
/// the same (normalised) events. The reports are kept in memory and
/// written, redacted, at the end.
async fn run_suite<W: Write + Send + 'static>(
    config: &Config,
    ctx: Arc<SuiteContext>,
    selection: Selection,
    reports: &Reports,
    out: RedactingWriter<W>,
) -> SuiteResult {
    let verbosity = Verbosity::from(config.verbose);
    let writers = writer::Basic::raw(out, Coloring::Never, verbosity)
        .tee::<AuthWorld, _>(FixedCli(writer::JUnit::for_tee(
            reports.junit_buffer(),
            verbosity,
        )))
        .tee::<AuthWorld, _>(FixedCli(writer::Json::for_tee(reports.json_buffer())))
        .normalized()
        .summarized();
    let settings = SuiteSettings {
        features: config.features.clone(),
        concurrency: config.concurrency,
    };
    crate::suite::run::run(ctx, &settings, selection, writers).await
}
