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
pub mod serve;
pub mod signal;

pub use config::{AdvisorySettings, Config, ConfigError, MAX_DURATION, MAX_REPEAT};
pub use error::{RunError, verdict};

use std::io::Write;
use std::sync::Arc;

use cucumber::WriterExt as _;
use url::Url;

use crate::core::advisory::{Advisories, Mode};
use crate::core::contract::{Dialect, DialectChoice, V1};
use crate::core::credentials::Credentials;
use crate::core::latency::Latencies;
use crate::core::record::{Outcome, RunRecord, StressSummary, flaky_scenarios};
use crate::core::redact::{RedactingWriter, Redactor, Secret};
use crate::core::select::{Pick, ScenarioInfo};
use crate::http::{Client, ClientSettings};
use crate::report::console::{Console, ConsoleSettings};
use crate::report::{self, Recorder, ReportPaths, Reports};
use crate::suite::catalog;
use crate::suite::context::{AdvisoryJudge, SuiteContext};
use crate::suite::feed::Rounds;
use crate::suite::filter::{self, Selection};
use crate::suite::run::{SuiteResult, SuiteSettings};
use crate::target::{self, Backend, TargetConfig};
use signal::{quiet_report_panics, shutdown_signal};

/// The scenarios of the feature files and, for each, whether the run
/// would run it: what `--list` prints, found without starting anything.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every scenario and its pick, in file order.
    pub scenarios: Vec<(ScenarioInfo, Pick)>,
    /// Feature files that did not parse (the run reports them and is red).
    pub parse_errors: Vec<String>,
}

impl Plan {
    /// How many scenarios would run.
    pub fn to_run(&self) -> usize {
        self.count(|p| *p == Pick::Run)
    }

    /// How many scenarios are selected but left out.
    pub fn left_out(&self) -> usize {
        self.count(|p| matches!(p, Pick::LeftOut(_)))
    }

    fn count(&self, f: impl Fn(&Pick) -> bool) -> usize {
        self.scenarios.iter().filter(|(_, p)| f(p)).count()
    }
}

/// Reads the feature files and decides, for each scenario, whether a run
/// of `config` runs it, as far as is known before the target starts (a
/// run decides again with what the started target gives). Sends nothing,
/// starts nothing.
pub fn plan(config: &Config) -> Plan {
    plan_with(
        config,
        &filter::unavailable(&expected_credentials(config), expected_dialect(config)),
    )
}

/// The dialect `config`'s run will speak, if known before the preflight:
/// the one named, or v1 for a started reference backend or container on
/// `auto` (both speak v1 unless told otherwise).
fn expected_dialect(config: &Config) -> Option<&'static Dialect> {
    match (config.dialect, &config.target) {
        (DialectChoice::Fixed(d), _) => Some(d),
        (DialectChoice::Auto, TargetConfig::Url { .. }) => None,
        (DialectChoice::Auto, _) => Some(&V1),
    }
}

/// The credentials `config`'s target will give, as `target::start` fills
/// them; secrets are placeholders (only whether each is there matters).
fn expected_credentials(config: &Config) -> Credentials {
    let known = || Some(Secret::new("known"));
    match &config.target {
        TargetConfig::Url { credentials, .. } => credentials.clone(),
        // Both are started by the run, which knows what it seeded them
        // with: every scenario can run.
        TargetConfig::Reference { .. } | TargetConfig::Container(_) => Credentials {
            admin_email: String::new(),
            admin_password: Secret::new(""),
            api_token: known(),
            jwt_secret: known(),
            admin_origin: Some(String::new()),
        },
    }
}

/// The plan of `config` when the tags in `unavailable` cannot run.
fn plan_with(config: &Config, unavailable: &[(&str, &str)]) -> Plan {
    let found = catalog::discover(&config.features, &config.path_base);
    Plan {
        scenarios: found
            .scenarios
            .into_iter()
            .map(|s| {
                let pick = config.select.pick(&s, unavailable);
                (s, pick)
            })
            .collect(),
        parse_errors: found.parse_errors,
    }
}

/// Runs the suite as `config` says, writing progress and failures
/// (redacted) to `out`. Whatever the run started (reference backend,
/// containers) is removed before it returns: on success, on failure, and
/// on SIGINT/SIGTERM.
pub async fn run<W: Write + Send + 'static>(config: &Config, out: W) -> Result<Outcome, RunError> {
    quiet_report_panics();
    // One listener, made before anything starts and kept across both
    // phases: a signal between them is not lost, and none finds the
    // default action (death without clean-up) once the run has begun.
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let redactor = Redactor::new();
    let mut out = redactor.writer(out);
    let started = tokio::select! {
        b = target::start(&config.target, &mut out) => b.map_err(RunError::from),
        sig = &mut stop => Err(RunError::Interrupted(sig)),
    };
    let Backend {
        base_url,
        credentials,
        ca_cert_pem,
        guard,
    } = started?;
    let backend = Reached {
        base_url,
        credentials,
        ca_cert_pem,
    };
    let result = tokio::select! {
        r = run_scenarios(config, backend, redactor, out) => r,
        sig = &mut stop => Err(RunError::Interrupted(sig)),
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

/// Teaches `redactor` the run's secrets (the probe account's password
/// too), and refuses a probe account that is the admin the suite logs in
/// as (a started target's admin is known only now).
fn check_probe(
    config: &Config,
    redactor: &Redactor,
    credentials: &Credentials,
) -> Result<(), RunError> {
    learn_secrets(redactor, credentials);
    let Some(probe) = &config.advisories.intrusive else {
        return Ok(());
    };
    redactor.add(probe.password.expose());
    report::learn_report_forms(redactor, probe.password.expose());
    if probe
        .email
        .trim()
        .eq_ignore_ascii_case(credentials.admin_email.trim())
    {
        return Err(RunError::Config(ConfigError::new(
            format!(
                "the probe account ({}) is the admin the suite logs in as",
                probe.email
            ),
            "the intrusive checks send wrong passwords until the backend throttles: give a throwaway user's e-mail (MEDUSA_PROBE_EMAIL)",
        )));
    }
    Ok(())
}

/// The started backend as the scenarios see it (its guard stays with `run`).
struct Reached {
    base_url: Url,
    credentials: Credentials,
    /// The backend's own CA (PEM), if it hands one out.
    ca_cert_pem: Option<Vec<u8>>,
}

/// The configured CA and the backend's own, both trusted for this run.
fn trusted_cas(configured: Option<&[u8]>, backend: Option<&[u8]>) -> Option<Vec<u8>> {
    match (configured, backend) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.to_vec()),
        (Some(a), Some(b)) => Some([a, b"\n", b].concat()),
    }
}

fn client_settings(config: &Config, base_url: Url, backend_ca: Option<&[u8]>) -> ClientSettings {
    ClientSettings {
        base_url,
        ca_cert_pem: trusted_cas(config.ca_cert_pem.as_deref(), backend_ca),
        connect_timeout: config.connect_timeout,
        request_timeout: config.request_timeout,
        max_retries: config.max_retries,
    }
}

async fn run_scenarios<W: Write + Send + 'static>(
    config: &Config,
    Reached {
        base_url,
        credentials,
        ca_cert_pem,
    }: Reached,
    redactor: Redactor,
    out: RedactingWriter<W>,
) -> Result<Outcome, RunError> {
    check_probe(config, &redactor, &credentials)?;
    let settings = client_settings(config, base_url.clone(), ca_cert_pem.as_deref());
    // One request before the scenarios (two when the dialect is
    // recognised): a backend that is down gives one clear message, not
    // dozens of identical failures.
    let client = Client::new(&settings, &V1)?;
    let found = target::preflight(&client, config.dialect).await?;
    let (client, preflight_retry) = (client.speaking(found.dialect), found.retried);
    let selection = selection(config, &credentials, found.dialect);
    let ctx = suite_context(config, client, credentials, &redactor, &base_url);
    let mut console = Console::new(out, redactor.clone(), console_settings(config));
    console.line(&format!(
        "medusa-conformance: running {} against {}",
        config.features.display(),
        base_url
    ));
    console.line(&format!("medusa-conformance: {}", found.why));
    // Created before the scenarios run, so a bad path costs no run.
    let reports = Reports::open(ReportPaths {
        junit: config.junit.as_deref(),
        cucumber_json: config.cucumber_json.as_deref(),
        html: config.html.as_deref(),
    })?;
    let recorder = Recorder::new(console, config.path_base.clone());
    let handle = recorder.handle();
    let result = run_suite(config, ctx.clone(), selection, recorder).await;
    let mut record = handle.take();
    record.advisories = advisories(config, &ctx).await;
    let retried: Vec<_> = preflight_retry.into_iter().chain(ctx.retried()).collect();
    record.target = describe_target(config, &base_url);
    record.add_left_out(&result.left_out);
    record.attach_retries(&retried);
    record.attach_reused(&ctx.reused());
    let finished = reports.finish(&record, &redactor);
    let counts = record.counts();
    Ok(Outcome {
        passed: counts.passed,
        failed: counts.failed,
        skipped: counts.skipped,
        left_out: result.left_out,
        report_errors: finished.errors.iter().map(ToString::to_string).collect(),
        reports_written: finished.written,
        errors: record.parse_errors.len(),
        failed_checks: ctx.failures(),
        retried,
        require_all: config.require_all,
        stress: config.stress().then(|| stress_summary(&ctx, &record)),
        record,
    })
}

/// What every scenario shares: the client speaking the dialect found,
/// latencies in stress mode, the advisory judge.
fn suite_context(
    config: &Config,
    client: Client,
    credentials: Credentials,
    redactor: &Redactor,
    base_url: &Url,
) -> Arc<SuiteContext> {
    let mut ctx = SuiteContext::new(client, credentials, redactor.clone());
    ctx.latencies = config.stress().then(Latencies::default);
    ctx.advisory = advisory_judge(config, base_url);
    Arc::new(ctx)
}

/// The run's advisories: the passive ones the scenarios fired, then the
/// active probes' (none when advisories are off).
async fn advisories(config: &Config, ctx: &SuiteContext) -> Advisories {
    if ctx.advisory.is_none() {
        return Advisories::default();
    }
    crate::suite::advisories::probe(ctx).await;
    ctx.advisories(config.advisories.mode, config.advisories.level)
}

/// How advisories are judged in this run, or `None` when they are off.
fn advisory_judge(config: &Config, base_url: &Url) -> Option<AdvisoryJudge> {
    let a = &config.advisories;
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    (a.mode != Mode::Off).then(|| AdvisoryJudge {
        https: base_url.scheme() == "https",
        idle_limit_secs: secs(a.idle_limit),
        absolute_limit_secs: secs(a.absolute_limit),
        probe: a.intrusive.clone(),
    })
}

/// The scenarios to run. The plan's catalog is dropped once the
/// selection holds their keys (memory at 10,000 scenarios).
fn selection(config: &Config, credentials: &Credentials, dialect: &Dialect) -> Selection {
    let plan = plan_with(config, &filter::unavailable(credentials, Some(dialect)));
    Selection::new(
        plan.scenarios.iter().map(|(s, p)| (s, p.clone())),
        &config.path_base,
    )
}

/// How often the scenarios run: once, `--repeat` times, or until
/// `--duration` is over.
fn rounds(config: &Config) -> Rounds {
    match config.duration {
        Some(d) => Rounds::Until(std::time::Instant::now() + d),
        None => Rounds::Count(config.repeat.max(1)),
    }
}

/// A stress run's latencies and the scenarios that failed in some runs.
fn stress_summary(ctx: &SuiteContext, record: &RunRecord) -> StressSummary {
    StressSummary {
        latencies: ctx
            .latencies
            .as_ref()
            .map(Latencies::summary)
            .unwrap_or_default(),
        flaky: flaky_scenarios(record),
    }
}

/// How the console shows the run: verbosity, colours, progress bar.
fn console_settings(config: &Config) -> ConsoleSettings {
    ConsoleSettings {
        verbosity: config.verbose,
        color: config.color.enabled(config.terminal),
        progress: config.terminal,
    }
}

/// What the run is against, for the reports (never a URL's credentials).
fn describe_target(config: &Config, base_url: &Url) -> String {
    let mut url = base_url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    match &config.target {
        TargetConfig::Url { .. } => url.to_string(),
        TargetConfig::Reference { faults, .. } if faults.is_empty() => {
            format!("embedded reference backend at {url}")
        }
        TargetConfig::Reference { faults, .. } => format!(
            "embedded reference backend at {url}, committing faults: {}",
            faults.names()
        ),
        TargetConfig::Container(s) => format!("containers ({}) at {url}", s.medusa_image),
    }
}

/// Runs the scenarios with the recorder as the one writer: it keeps the
/// run's record and drives the console. Scenarios run concurrently and
/// the recorder keys their events by scenario, so it needs no normalised
/// order.
async fn run_suite<W: Write + Send + 'static>(
    config: &Config,
    ctx: Arc<SuiteContext>,
    selection: Selection,
    recorder: Recorder<RedactingWriter<W>>,
) -> SuiteResult {
    let writer = recorder
        .discard_arbitrary_writes()
        .assert_normalized()
        .summarized();
    let settings = SuiteSettings {
        features: config.features.clone(),
        concurrency: config.concurrency,
        fail_fast: config.fail_fast,
        rounds: rounds(config),
    };
    crate::suite::run::run(ctx, &settings, selection, writer).await
}
