//! What a run found out, as plain data: the records the suite produces and
//! the reports and the exit code read. No rendering beyond one-line
//! descriptions, no I/O.

/// A request of a scenario that got its answer only after retries: the one
/// retry record (console, JUnit and Cucumber JSON all show it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetriedRequest {
    /// The scenario's name ([`PREFLIGHT`] for the request before them).
    pub scenario: String,
    /// Method and path.
    pub request: String,
    /// How many times it was sent again.
    pub retries: u32,
    /// The transport error that caused each retry, in order.
    pub errors: Vec<String>,
}

/// The scenario name of the preflight request's retry record.
pub const PREFLIGHT: &str = "(preflight, before the scenarios)";

impl RetriedRequest {
    /// One line for the console and the reports.
    pub fn describe(&self) -> String {
        format!(
            "retried: {} was sent {} more time(s) after transport errors (scenario: {})",
            self.request, self.retries, self.scenario
        )
    }

    /// One line per retry, with the transport error that caused it.
    pub fn attempts(&self) -> Vec<String> {
        self.errors
            .iter()
            .enumerate()
            .map(|(i, reason)| {
                format!(
                    "retry: {} sent again (retry {}) after: {reason}",
                    self.request,
                    i + 1
                )
            })
            .collect()
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

/// Why @api-token scenarios are left out.
pub const NO_API_TOKEN: &str = "MEDUSA_API_TOKEN is not set";
/// Why `@jwt-secret` scenarios are left out.
pub const NO_JWT_SECRET: &str = "MEDUSA_JWT_SECRET is not set";
/// Why `@admin-origin` scenarios are left out.
pub const NO_ADMIN_ORIGIN: &str = "MEDUSA_ADMIN_ORIGIN is not set";

/// A step of a left-out scenario, as the feature file has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// `Given `, `When `, ...
    pub keyword: String,
    /// Line in the feature file.
    pub line: usize,
    /// The step's text.
    pub text: String,
}

/// A scenario the run left out on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOutScenario {
    /// The feature's name.
    pub feature: String,
    /// The feature's keyword (`Feature`).
    pub feature_keyword: String,
    /// The feature file, relative to the project when possible.
    pub path: Option<String>,
    /// The feature's tags.
    pub feature_tags: Vec<String>,
    /// The rule the scenario is in, if any.
    pub rule: Option<String>,
    /// The feature's background, if it has one: keyword and steps.
    pub background: Option<(String, Vec<StepRecord>)>,
    /// The scenario's keyword (`Scenario`).
    pub keyword: String,
    /// The scenario's name (an outline already expanded to one example).
    pub name: String,
    /// Line of the scenario in its file.
    pub line: usize,
    /// Column of the scenario in its file.
    pub col: usize,
    /// The scenario's own tags.
    pub tags: Vec<String>,
    /// The scenario's steps.
    pub steps: Vec<StepRecord>,
    /// Why it was left out.
    pub reason: String,
}

impl LeftOutScenario {
    /// `features/x.feature:12: name`, for the console.
    pub fn describe(&self) -> String {
        format!(
            "{}:{}: {}",
            self.path.as_deref().unwrap_or("(no file)"),
            self.line,
            self.name
        )
    }
}

/// What a run ended with.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
    /// Scenarios with skipped or undefined steps (a failure for a gate).
    pub skipped: usize,
    /// Scenarios left out on purpose (no API token, JWT secret or admin
    /// origin), not run.
    pub left_out: Vec<LeftOutScenario>,
    /// Report files that could not be written (the gate is red then).
    pub report_errors: Vec<String>,
    /// Report files written: what and where.
    pub reports_written: Vec<(&'static str, String)>,
    /// Feature files that did not parse, and failed hooks.
    pub errors: usize,
    /// Every failed check.
    pub failed_checks: Vec<FailedCheck>,
    /// Requests answered only after retries.
    pub retried: Vec<RetriedRequest>,
    /// Whether a left-out scenario fails the gate (`MEDUSA_REQUIRE_ALL`).
    pub require_all: bool,
}

impl Outcome {
    /// Whether the gate is green: something ran and nothing failed.
    pub fn is_success(&self) -> bool {
        self.failed == 0
            && self.skipped == 0
            && self.errors == 0
            && self.report_errors.is_empty()
            && self.passed > 0
            && self.required_left_out() == 0
    }

    /// Left-out scenarios that fail the gate: all of them when every
    /// scenario is required to run, else none.
    pub fn required_left_out(&self) -> usize {
        if self.require_all {
            self.left_out.len()
        } else {
            0
        }
    }

    /// Scenarios that ran (passed, failed or skipped).
    pub fn ran(&self) -> usize {
        self.passed + self.failed + self.skipped
    }
}
