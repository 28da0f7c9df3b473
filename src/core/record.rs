//! What a run found out, as plain data: the records the suite produces and
//! the reports and the exit code read. No rendering beyond one-line
//! descriptions, no I/O.
//!
//! Every scenario is keyed by its feature file and line ([`ScenarioKey`]),
//! never by its name: two scenarios of the same name in two files stay
//! apart in every record and report.

use crate::core::advisory::Advisories;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A request of a scenario that got its answer only after retries: the one
/// retry record (console, JUnit and Cucumber JSON all show it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetriedRequest {
    /// The scenario's name ([`PREFLIGHT`] for the request before them).
    pub scenario: String,
    /// Where the scenario is (`None` for the preflight request).
    pub key: Option<ScenarioKey>,
    /// Method and path.
    pub request: String,
    /// How many times it was sent again.
    pub retries: u32,
    /// The transport error that caused each retry, in order.
    pub errors: Vec<String>,
}

/// The scenario name of the preflight request's retry record.
pub const PREFLIGHT: &str = "(preflight, before the scenarios)";

/// `, features/x.feature:12` after a scenario's name in a one-line
/// description, or nothing for a record of no scenario.
fn at(key: Option<&ScenarioKey>) -> String {
    key.map(|k| format!(", {k}")).unwrap_or_default()
}

impl RetriedRequest {
    /// One line for the console and the reports.
    pub fn describe(&self) -> String {
        let at = at(self.key.as_ref());
        format!(
            "retried: {} was sent {} more time(s) after transport errors (scenario: {}{at})",
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

/// A step that did not send its request because the scenario's previous
/// request was byte-identical and refused: the dialect maps two phrases
/// to one request (v2: "log in" and "request an access token" both start
/// with `POST /auth/user/emailpass`, same body), so the step's checks ran
/// on that answer. Shown with its scenario in every report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReusedAnswer {
    /// The scenario's name.
    pub scenario: String,
    /// Where the scenario is.
    pub key: Option<ScenarioKey>,
    /// Method and path of the request not sent again.
    pub request: String,
}

impl ReusedAnswer {
    /// One line for the reports.
    pub fn describe(&self) -> String {
        let at = at(self.key.as_ref());
        format!(
            "same request as the previous step on this dialect: {} was not sent again, its answer is checked (scenario: {}{at})",
            self.request, self.scenario
        )
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

/// Why `@v1` scenarios are left out on a v2 backend.
pub const ONLY_V1: &str = "a Medusa v1 scenario; the backend speaks the v2 dialect";
/// Why `@v2` scenarios are left out on a v1 backend.
pub const ONLY_V2: &str = "a Medusa v2 scenario; the backend speaks the v1 dialect";

/// Whether a scenario left out for `reason` was left out (also) because
/// it is the other dialect's: no setting can make it run.
pub fn other_dialect_only(reason: &str) -> bool {
    reason.contains(ONLY_V1) || reason.contains(ONLY_V2)
}

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
    /// Feature files that did not parse (a failed hook fails its scenario).
    pub errors: usize,
    /// Every failed check.
    pub failed_checks: Vec<FailedCheck>,
    /// Requests answered only after retries.
    pub retried: Vec<RetriedRequest>,
    /// Whether a left-out scenario fails the gate (`MEDUSA_REQUIRE_ALL`).
    pub require_all: bool,
    /// The whole run, as the reports were written from it.
    pub record: RunRecord,
    /// A stress run's latencies and scenarios failed under load.
    pub stress: Option<StressSummary>,
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

    /// Left-out scenarios that fail the gate: when every scenario is
    /// required to run, all but those of the other dialect (which no
    /// setting can make run); else none.
    pub fn required_left_out(&self) -> usize {
        if self.require_all {
            self.left_out
                .iter()
                .filter(|l| !other_dialect_only(&l.reason))
                .count()
        } else {
            0
        }
    }

    /// Scenarios that ran (passed, failed or skipped).
    pub fn ran(&self) -> usize {
        self.passed + self.failed + self.skipped
    }
}

/// Where a scenario is: its feature file (relative to the project, as the
/// reports show it) and its line there. An outline's example is keyed by
/// its row's line. Unique in a run, stable across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ScenarioKey {
    /// The feature file, relative to the project when possible.
    pub path: String,
    /// The scenario's (or example row's) line in it.
    pub line: usize,
}

impl ScenarioKey {
    /// The key of the scenario at `line` of the feature file `path`, shown
    /// relative to `base` (the folder reports name files from).
    pub fn new(path: Option<&Path>, line: usize, base: &str) -> ScenarioKey {
        let path = path
            .and_then(Path::to_str)
            .map(|p| relative_path(p, base).to_owned())
            .unwrap_or_else(|| "(no file)".to_owned());
        ScenarioKey { path, line }
    }
}

impl std::fmt::Display for ScenarioKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// `path` relative to `base`, as the reports print it.
pub fn relative_path<'a>(path: &'a str, base: &str) -> &'a str {
    let trimmed = if base.is_empty() {
        path
    } else {
        path.strip_prefix(base).unwrap_or(path)
    };
    trimmed.trim_start_matches(['/', '\\'])
}

/// What became of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// It ran and passed.
    Passed,
    /// It ran and failed (a failed check, a panic, an ambiguous phrase).
    Failed,
    /// No step definition matches its text (fails the run).
    Undefined,
    /// It did not run (an earlier step failed, or it was left out).
    Skipped,
}

/// What became of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioStatus {
    /// Every step passed.
    Passed,
    /// A step or a hook failed, or a step is undefined.
    Failed,
    /// A step was skipped while running (fails the gate too).
    Skipped,
    /// Not run on purpose (see [`ScenarioRun::left_out`]); changes no verdict.
    LeftOut,
}

/// One step as it ran (or did not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    /// `Given `, `When `, ... (shared: see [`Interner`]).
    pub keyword: Arc<str>,
    /// The step's text (shared: see [`Interner`]).
    pub text: Arc<str>,
    /// Its line in the feature file.
    pub line: usize,
    /// Whether it is a step of the feature's background.
    pub background: bool,
    /// What became of it.
    pub status: StepStatus,
    /// How long it took (zero if it did not run).
    pub duration: Duration,
    /// Why it failed: the failure report, as the step gave it.
    pub error: Option<String>,
}

/// One scenario of a run, with its steps and what happened around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRun {
    /// Where it is: the key every report uses.
    pub key: ScenarioKey,
    /// Its column in the feature file.
    pub col: usize,
    /// `Scenario`, `Scenario Outline`, `Example`... (shared: see [`Interner`]).
    pub keyword: Arc<str>,
    /// Its name (an outline's example with its values filled in).
    pub name: String,
    /// The rule it is in, if any.
    pub rule: Option<String>,
    /// Its own tags (without `@`).
    pub tags: Vec<Arc<str>>,
    /// What became of it.
    pub status: ScenarioStatus,
    /// From its start to its end.
    pub duration: Duration,
    /// Background steps first, then its own, in file order.
    pub steps: Vec<StepRun>,
    /// Why it failed: a failed step's report, or a failed hook.
    pub failure: Option<String>,
    /// The scenario's state when a step failed (the World's `Debug`: which
    /// credentials it holds, never their values).
    pub state: Option<String>,
    /// Requests of this scenario that were answered only after retries.
    pub retried: Vec<RetriedRequest>,
    /// Steps of this scenario that checked the previous step's answer to
    /// the same request instead of sending it again.
    pub reused: Vec<ReusedAnswer>,
    /// Why it was left out, if it was.
    pub left_out: Option<String>,
}

impl ScenarioRun {
    /// The failed step, if one failed.
    pub fn failed_step(&self) -> Option<&StepRun> {
        self.steps
            .iter()
            .find(|s| matches!(s.status, StepStatus::Failed | StepStatus::Undefined))
    }

    /// The scenario of a left-out record: every step skipped.
    pub fn left_out(l: &LeftOutScenario) -> ScenarioRun {
        let step = |background: bool| {
            move |s: &StepRecord| StepRun {
                keyword: s.keyword.as_str().into(),
                text: s.text.as_str().into(),
                line: s.line,
                background,
                status: StepStatus::Skipped,
                duration: Duration::ZERO,
                error: None,
            }
        };
        let background = l.background.iter().flat_map(|(_, steps)| steps);
        ScenarioRun {
            key: ScenarioKey {
                path: l.path.clone().unwrap_or_else(|| "(no file)".to_owned()),
                line: l.line,
            },
            col: l.col,
            keyword: l.keyword.as_str().into(),
            name: l.name.clone(),
            rule: l.rule.clone(),
            tags: l.tags.iter().map(|t| t.as_str().into()).collect(),
            status: ScenarioStatus::LeftOut,
            duration: Duration::ZERO,
            steps: background
                .map(step(true))
                .chain(l.steps.iter().map(step(false)))
                .collect(),
            failure: None,
            state: None,
            retried: Vec::new(),
            reused: Vec::new(),
            left_out: Some(l.reason.clone()),
        }
    }
}

/// A feature file and its scenarios as they ran.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeatureRun {
    /// The file, relative to the project when possible.
    pub path: String,
    /// `Feature`.
    pub keyword: String,
    /// The feature's name.
    pub name: String,
    /// The feature's tags (without `@`).
    pub tags: Vec<String>,
    /// The feature's line (1 unless tags come first).
    pub line: usize,
    /// Its background's keyword, if it has one.
    pub background_keyword: Option<String>,
    /// Its scenarios, by line.
    pub scenarios: Vec<ScenarioRun>,
}

impl FeatureRun {
    /// Counts of its scenarios by status.
    pub fn counts(&self) -> Counts {
        Counts::of(self.scenarios.iter())
    }

    /// The sum of its scenarios' durations.
    pub fn duration(&self) -> Duration {
        self.scenarios.iter().map(|s| s.duration).sum()
    }
}

/// Scenarios by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped while running.
    pub skipped: usize,
    /// Left out on purpose.
    pub left_out: usize,
}

impl Counts {
    fn of<'a>(scenarios: impl Iterator<Item = &'a ScenarioRun>) -> Counts {
        let mut c = Counts::default();
        for s in scenarios {
            match s.status {
                ScenarioStatus::Passed => c.passed += 1,
                ScenarioStatus::Failed => c.failed += 1,
                ScenarioStatus::Skipped => c.skipped += 1,
                ScenarioStatus::LeftOut => c.left_out += 1,
            }
        }
        c
    }

    /// Every scenario counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped + self.left_out
    }
}

/// Everything one run did, as data: what the reports are written from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// What the run was against (a URL, the reference backend...).
    pub target: String,
    /// When the scenarios started.
    pub started: SystemTime,
    /// From the first scenario's start to the last one's end.
    pub duration: Duration,
    /// The feature files, by path.
    pub features: Vec<FeatureRun>,
    /// Feature files that did not parse, one message each.
    pub parse_errors: Vec<String>,
    /// Retried requests that belong to no scenario (the preflight's).
    pub retried: Vec<RetriedRequest>,
    /// The security advisories of the run (separate from the contract).
    pub advisories: Advisories,
}

impl Default for RunRecord {
    fn default() -> RunRecord {
        RunRecord {
            target: String::new(),
            started: SystemTime::UNIX_EPOCH,
            duration: Duration::ZERO,
            features: Vec::new(),
            parse_errors: Vec::new(),
            retried: Vec::new(),
            advisories: Advisories::default(),
        }
    }
}

impl RunRecord {
    /// The feature at `path`, made from `make` if it is not there yet.
    pub fn feature_mut(
        &mut self,
        path: &str,
        make: impl FnOnce() -> FeatureRun,
    ) -> &mut FeatureRun {
        // From the end: the feature a scenario belongs to started recently
        // (features are fed a file at a time), so 10,000 scenarios in
        // 1,000 files do not each scan every file.
        let at = match self.features.iter().rposition(|f| f.path == path) {
            Some(i) => i,
            None => {
                self.features.push(make());
                self.features.len() - 1
            }
        };
        &mut self.features[at]
    }

    /// Adds the scenarios left out on purpose to their features.
    pub fn add_left_out(&mut self, left_out: &[LeftOutScenario]) {
        for l in left_out {
            let scenario = ScenarioRun::left_out(l);
            let feature = self.feature_mut(&scenario.key.path, || FeatureRun {
                path: scenario.key.path.clone(),
                keyword: l.feature_keyword.clone(),
                name: l.feature.clone(),
                tags: l.feature_tags.clone(),
                line: 1,
                background_keyword: l.background.as_ref().map(|(k, _)| k.clone()),
                scenarios: Vec::new(),
            });
            feature.scenarios.push(scenario);
        }
        self.sort();
    }

    /// Gives each retried request to its scenario, by key; the others
    /// (the preflight's) stay with the run.
    pub fn attach_retries(&mut self, retried: &[RetriedRequest]) {
        for r in retried {
            let owner = r.key.as_ref().and_then(|k| self.scenario_mut(k));
            match owner {
                Some(s) => s.retried.push(r.clone()),
                None => self.retried.push(r.clone()),
            }
        }
    }

    /// Gives each reused answer to its scenario, by key (one without a
    /// scenario has nothing to be shown with).
    pub fn attach_reused(&mut self, reused: &[ReusedAnswer]) {
        for r in reused {
            if let Some(s) = r.key.as_ref().and_then(|k| self.scenario_mut(k)) {
                s.reused.push(r.clone());
            }
        }
    }

    /// The scenario at `key`.
    pub fn scenario_mut(&mut self, key: &ScenarioKey) -> Option<&mut ScenarioRun> {
        self.features
            .iter_mut()
            .filter(|f| f.path == key.path)
            .flat_map(|f| f.scenarios.iter_mut())
            .find(|s| s.key == *key)
    }

    /// Features by path, scenarios by line.
    pub fn sort(&mut self) {
        self.features.sort_by(|a, b| a.path.cmp(&b.path));
        for f in &mut self.features {
            f.scenarios.sort_by_key(|s| s.key.line);
        }
    }

    /// Every scenario, feature by feature.
    pub fn scenarios(&self) -> impl Iterator<Item = &ScenarioRun> {
        self.features.iter().flat_map(|f| f.scenarios.iter())
    }

    /// Counts of every scenario by status.
    pub fn counts(&self) -> Counts {
        Counts::of(self.scenarios())
    }
}

/// What a repeated feature's path carries after the file's own path: a
/// stress run's second run of `login.feature` is `login.feature (repeat 2)`.
pub const REPEAT: &str = " (repeat ";

/// What a stress run (`--repeat`, `--duration`) adds to the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StressSummary {
    /// Every route's latency percentiles.
    pub latencies: Vec<crate::core::latency::RouteLatency>,
    /// Scenarios that passed in some runs and failed in others.
    pub flaky: Vec<FlakyScenario>,
}

/// A scenario that failed in some of its runs only: under load, since
/// the same scenario passed in the same run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakyScenario {
    /// Where it is (its file's own path, not a repeat's).
    pub key: ScenarioKey,
    /// Its name.
    pub name: String,
    /// How many times it ran.
    pub runs: usize,
    /// How many of those runs failed.
    pub failed: usize,
    /// The first failed run's report.
    pub report: String,
}

impl FlakyScenario {
    /// One line for the console.
    pub fn describe(&self) -> String {
        format!(
            "failed only under load: {} ({}) failed {} of {} runs",
            self.name, self.key, self.failed, self.runs
        )
    }
}

/// The scenarios of `record` that failed in some runs and passed in
/// others, by file and line.
pub fn flaky_scenarios(record: &RunRecord) -> Vec<FlakyScenario> {
    let mut by_key: std::collections::BTreeMap<ScenarioKey, FlakyScenario> =
        std::collections::BTreeMap::new();
    for run in record.features.iter().flat_map(|f| &f.scenarios) {
        let path = run.key.path.split(REPEAT).next().unwrap_or_default();
        let key = ScenarioKey {
            path: path.to_owned(),
            line: run.key.line,
        };
        let entry = by_key.entry(key.clone()).or_insert_with(|| FlakyScenario {
            key,
            name: run.name.clone(),
            runs: 0,
            failed: 0,
            report: String::new(),
        });
        entry.runs += 1;
        if run.status != ScenarioStatus::Passed {
            entry.failed += 1;
            if entry.report.is_empty() {
                entry.report = run.failure.clone().unwrap_or_default();
            }
        }
    }
    by_key
        .into_values()
        .filter(|f| f.failed > 0 && f.failed < f.runs)
        .collect()
}

/// One shared copy of each text the records repeat (step keywords and
/// texts, scenario keywords and tags): a suite of thousands of scenarios
/// says "Given I am logged in as the admin" thousands of times, and each
/// record would otherwise hold its own copy for as long as the run lasts.
#[derive(Debug, Default)]
pub struct Interner(HashSet<Arc<str>>);

impl Interner {
    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = text.into();
        self.0.insert(shared.clone());
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interner_shares_one_copy_of_each_text() {
        let mut texts = Interner::default();
        let a = texts.get("I am logged in as the admin");
        let b = texts.get(&String::from("I am logged in as the admin"));
        let c = texts.get("I log out");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!((&*a, &*c), ("I am logged in as the admin", "I log out"));
    }

    #[test]
    fn paths_are_shown_relative_to_the_base() {
        assert_eq!(
            relative_path("/p/features/a.feature", "/p"),
            "features/a.feature"
        );
        assert_eq!(
            relative_path("features/a.feature", ""),
            "features/a.feature"
        );
        assert_eq!(relative_path("/q/a.feature", "/p"), "q/a.feature");
        let key = ScenarioKey::new(Some(Path::new("/p/features/a.feature")), 12, "/p");
        assert_eq!(key.to_string(), "features/a.feature:12");
    }

    #[test]
    fn a_retry_and_a_reused_answer_name_their_scenario_and_its_place() {
        let key = Some(ScenarioKey {
            path: "features/a.feature".into(),
            line: 7,
        });
        let retried = |key| RetriedRequest {
            scenario: "S".into(),
            key,
            request: "GET /admin/auth".into(),
            retries: 2,
            errors: Vec::new(),
        };
        assert_eq!(
            retried(key.clone()).describe(),
            "retried: GET /admin/auth was sent 2 more time(s) after transport errors \
             (scenario: S, features/a.feature:7)"
        );
        assert_eq!(
            retried(None).describe(),
            "retried: GET /admin/auth was sent 2 more time(s) after transport errors \
             (scenario: S)"
        );
        let reused = |key| ReusedAnswer {
            scenario: "S".into(),
            key,
            request: "POST /auth/user/emailpass".into(),
        };
        let says = "same request as the previous step on this dialect: POST \
                    /auth/user/emailpass was not sent again, its answer is checked (scenario: S";
        assert_eq!(
            reused(key).describe(),
            format!("{says}, features/a.feature:7)")
        );
        assert_eq!(reused(None).describe(), format!("{says})"));
    }

    #[test]
    fn flaky_scenarios_are_those_that_failed_in_some_runs_only() {
        let run = |path: &str, line: usize, failure: Option<&str>| ScenarioRun {
            key: ScenarioKey {
                path: path.to_owned(),
                line,
            },
            name: format!("s{line}"),
            status: if failure.is_some() {
                ScenarioStatus::Failed
            } else {
                ScenarioStatus::Passed
            },
            failure: failure.map(str::to_owned),
            col: 1,
            keyword: "Scenario".into(),
            rule: None,
            tags: Vec::new(),
            duration: Duration::ZERO,
            steps: Vec::new(),
            state: None,
            retried: Vec::new(),
            reused: Vec::new(),
            left_out: None,
        };
        let mut record = RunRecord::default();
        record.features.push(FeatureRun {
            path: "a.feature".to_owned(),
            scenarios: vec![
                run("a.feature", 3, None),
                run("a.feature", 9, Some("always")),
            ],
            ..FeatureRun::default()
        });
        record.features.push(FeatureRun {
            path: "a.feature (repeat 2)".to_owned(),
            scenarios: vec![
                run("a.feature (repeat 2)", 3, Some("first")),
                run("a.feature (repeat 2)", 9, Some("always")),
            ],
            ..FeatureRun::default()
        });
        record.features.push(FeatureRun {
            path: "a.feature (repeat 3)".to_owned(),
            scenarios: vec![run("a.feature (repeat 3)", 3, Some("second"))],
            ..FeatureRun::default()
        });
        let flaky = flaky_scenarios(&record);
        assert_eq!(flaky.len(), 1, "{flaky:?}");
        let f = &flaky[0];
        assert_eq!(
            (f.key.to_string(), f.runs, f.failed),
            ("a.feature:3".to_owned(), 3, 2)
        );
        assert_eq!(f.report, "first");
        assert!(
            f.describe().contains("failed 2 of 3 runs"),
            "{}",
            f.describe()
        );
    }
}
