//! Why a run did not pass, as one type, and the one place that maps it to
//! the process's exit code ([`RunError::exit_code`]).

use crate::app::config::ConfigError;
use crate::core::record::Outcome;
use crate::exit;
use crate::http::ClientError;
use crate::report::ReportError;
use crate::target::TargetError;

/// Why a run did not pass.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The target could not be set up, reached, or is not a Medusa v1 backend.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The run's HTTP client could not be built.
    #[error("cannot set up the target: {0}")]
    Client(#[from] ClientError),
    /// A report file could not be created (before any scenario ran).
    #[error("{0}")]
    Report(#[from] ReportError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The run was stopped by a signal; what it started was removed.
    #[error("interrupted by {0}: stopped, and removed what this run had started")]
    Interrupted(&'static str),
    /// The contract held, but strict advisories failed the run.
    #[error("strict advisories: {count} at or above the {level} level (the contract holds)")]
    Advisories {
        /// How many advisories fail the run.
        count: usize,
        /// The level strict fails on.
        level: &'static str,
    },
    /// The scenarios ran and the gate is red (the summary says why).
    #[error("the contract does not hold: {passed} passed, {failed} failed")]
    ContractBroken {
        /// Scenarios that passed.
        passed: usize,
        /// Scenarios that failed, plus errors.
        failed: usize,
    },
}

impl RunError {
    /// The process exit code for this error: the one mapping.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Config(_) => exit::CONFIG,
            RunError::Target(
                TargetError::Unreachable { .. }
                | TargetError::Unhealthy { .. }
                | TargetError::NotMedusa { .. },
            ) => exit::UNREACHABLE,
            RunError::Target(TargetError::Setup(_))
            | RunError::Client(_)
            | RunError::Report(_)
            | RunError::Runtime(_) => exit::SETUP,
            RunError::Interrupted(_) => exit::INTERRUPTED,
            RunError::ContractBroken { .. } => exit::CONTRACT,
            RunError::Advisories { .. } => exit::ADVISORY,
        }
    }
}

/// A finished run's verdict: `Ok` if the gate is green, else
/// [`RunError::ContractBroken`]; a green contract with strict advisories
/// at or above the level is [`RunError::Advisories`] (a broken contract
/// wins: its code says more).
pub fn verdict(outcome: &Outcome) -> Result<(), RunError> {
    if outcome.is_success() {
        let a = &outcome.record.advisories;
        let failing = a.failing().len();
        if failing > 0 {
            return Err(RunError::Advisories {
                count: failing,
                level: a.level.map_or("high", |l| l.name()),
            });
        }
        return Ok(());
    }
    Err(RunError::ContractBroken {
        passed: outcome.passed,
        failed: outcome.failed
            + outcome.skipped
            + outcome.errors
            + outcome.report_errors.len()
            + outcome.required_left_out(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_error_has_its_code() {
        let setup = RunError::Target(TargetError::Setup("x".into()));
        let unreachable = RunError::Target(TargetError::Unreachable {
            url: "u".into(),
            reason: "r".into(),
        });
        let config = RunError::Config(ConfigError::new("p", "f"));
        assert_eq!(setup.exit_code(), exit::SETUP);
        assert_eq!(unreachable.exit_code(), exit::UNREACHABLE);
        assert_eq!(config.exit_code(), exit::CONFIG);
        assert_eq!(
            RunError::Interrupted("SIGINT").exit_code(),
            exit::INTERRUPTED
        );
    }

    #[test]
    fn strict_advisories_fail_a_green_contract_with_their_own_code() {
        let mut o = Outcome {
            passed: 1,
            ..Outcome::default()
        };
        o.record.advisories = crate::core::advisory::Advisories::new(
            crate::core::advisory::Mode::Warn,
            crate::core::advisory::Severity::High,
        );
        o.record.advisories.add("session-fixation", "seen".into());
        assert!(verdict(&o).is_ok(), "warn never changes the verdict");
        o.record.advisories.mode = crate::core::advisory::Mode::Strict;
        assert_eq!(verdict(&o).unwrap_err().exit_code(), exit::ADVISORY);
        // A broken contract wins.
        o.failed = 1;
        assert_eq!(verdict(&o).unwrap_err().exit_code(), exit::CONTRACT);
    }

    #[test]
    fn a_run_that_checked_nothing_is_red() {
        let nothing = Outcome::default();
        assert_eq!(verdict(&nothing).unwrap_err().exit_code(), exit::CONTRACT);
        let green = Outcome {
            passed: 1,
            ..Outcome::default()
        };
        assert!(verdict(&green).is_ok());
    }

    #[test]
    fn left_out_scenarios_are_red_only_when_all_are_required() {
        let left = crate::core::record::LeftOutScenario {
            feature: "F".into(),
            feature_keyword: "Feature".into(),
            path: None,
            feature_tags: vec![],
            rule: None,
            background: None,
            keyword: "Scenario".into(),
            name: "needs a token".into(),
            line: 1,
            col: 1,
            tags: vec!["api-token".into()],
            steps: vec![],
            reason: "MEDUSA_API_TOKEN is not set".into(),
        };
        let mut o = Outcome {
            passed: 3,
            left_out: vec![left],
            ..Outcome::default()
        };
        assert!(verdict(&o).is_ok());
        o.require_all = true;
        match verdict(&o) {
            Err(RunError::ContractBroken { passed, failed }) => {
                assert_eq!((passed, failed), (3, 1))
            }
            other => panic!("{other:?}"),
        }
    }
}
