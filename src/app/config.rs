//! The run's configuration as one value, and the error a wrong one is.
//! The command line builds it (from argv and the environment); nothing
//! below the app reads the process's settings.

use std::path::PathBuf;
use std::time::Duration;

use crate::core::advisory::{Mode, Severity};
use crate::core::contract::DialectChoice;
use crate::core::credentials::ProbeAccount;
use crate::core::select::Criteria;
use crate::report::console::ColorChoice;
use crate::target::TargetConfig;

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The backend under test.
    pub target: TargetConfig,
    /// The API dialect it speaks, or `auto` (the preflight recognises it).
    pub dialect: DialectChoice,
    /// PEM of an extra CA to trust (a test CA), already read and checked.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Folder of `.feature` files.
    pub features: PathBuf,
    /// The folder feature paths are shown relative to in reports.
    pub path_base: String,
    /// Scenarios run at once.
    pub concurrency: usize,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Retries of an idempotent request after a transport error.
    pub max_retries: u32,
    /// Which scenarios run (tag expression, name, test-runner filters).
    pub select: Criteria,
    /// Stop starting scenarios after the first failure (`--fail-fast`).
    pub fail_fast: bool,
    /// Where to write the JUnit XML report (`MEDUSA_JUNIT`, `--junit`).
    pub junit: Option<PathBuf>,
    /// Where to write the Cucumber JSON report (`MEDUSA_CUCUMBER_JSON`,
    /// `--cucumber-json`).
    pub cucumber_json: Option<PathBuf>,
    /// How much the console shows (`MEDUSA_VERBOSE`, `-v`, `-vv`): 0 a
    /// line per scenario and each failure's report, 1 also every step, 2
    /// also a failed scenario's state (the World's `Debug`, secrets masked).
    pub verbose: u8,
    /// Whether a scenario left out for want of an optional credential
    /// fails the run (`MEDUSA_REQUIRE_ALL=1`, `--require-all`).
    pub require_all: bool,

    // ---- output: HTML report and colours ------------------------------
    /// Where to write the HTML report (`MEDUSA_HTML`, `--html`).
    pub html: Option<PathBuf>,
    /// When the console uses colours (`MEDUSA_COLOR`, `--color`; `NO_COLOR`
    /// turns `auto` into `never`).
    pub color: ColorChoice,
    /// Whether the console is a terminal (progress bar; colours on `auto`).
    /// Set by the command line from stdout; false for a library caller.
    pub terminal: bool,
    /// Terse console output, as the test runner's `--format terse` / `-q`
    /// asks.
    pub terse: bool,

    // ---- stress (--repeat, --duration) ---------------------------------
    /// How many times each scenario runs (`MEDUSA_REPEAT`, `--repeat`; 1
    /// is a normal run).
    pub repeat: u32,
    /// Run the scenarios again and again for this long
    /// (`MEDUSA_DURATION`, `--duration`).
    pub duration: Option<Duration>,

    // ---- advisories ------------------------------------------------------
    /// What the run does with security advisories.
    pub advisories: AdvisorySettings,
}

/// What the run does with security advisories (`core::advisory`).
#[derive(Debug, Clone)]
pub struct AdvisorySettings {
    /// off, warn or strict (`MEDUSA_ADVISORIES`, `--advisories`).
    pub mode: Mode,
    /// The lowest severity strict fails on (`--advisory-level`).
    pub level: Severity,
    /// A session cookie living longer fires `session-idle`.
    pub idle_limit: Duration,
    /// A session cookie living longer fires `session-absolute`.
    pub absolute_limit: Duration,
    /// The intrusive checks' account (`MEDUSA_ADVISORIES_INTRUSIVE=1`);
    /// `None`: no intrusive check runs.
    pub intrusive: Option<ProbeAccount>,
}

impl Default for AdvisorySettings {
    fn default() -> AdvisorySettings {
        AdvisorySettings {
            mode: Mode::Warn,
            level: Severity::High,
            idle_limit: Duration::from_secs(30 * 60),
            absolute_limit: Duration::from_secs(12 * 3_600),
            intrusive: None,
        }
    }
}

/// The most runs of each scenario `--repeat` takes.
pub const MAX_REPEAT: u64 = 1_000;
/// The longest `--duration`.
pub const MAX_DURATION: Duration = Duration::from_secs(3_600);

impl Config {
    /// Whether this is a stress run (`--repeat` above 1 or `--duration`).
    pub fn stress(&self) -> bool {
        self.repeat > 1 || self.duration.is_some()
    }
}

/// A configuration mistake, with what to do about it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {problem}\n  fix: {fix}")]
pub struct ConfigError {
    /// What is wrong.
    pub problem: String,
    /// How to put it right.
    pub fix: String,
}

impl ConfigError {
    /// A mistake: `problem`, put right by `fix`.
    pub fn new(problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
        ConfigError {
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}
