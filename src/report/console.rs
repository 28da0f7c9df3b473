//! The console's end-of-run summary: what was left out, what was retried,
//! why the gate is red, where the reports went, and the `conformance:`
//! line CI reads. Written from the run's [`Outcome`] alone.

use std::io::Write;
use std::time::Duration;

use crate::core::record::Outcome;

/// Writes the summary of `outcome` (a run that took `elapsed`) to `out`.
/// Best effort: a console that cannot be written to is not worth failing
/// the run for.
pub fn summary(out: &mut dyn Write, outcome: &Outcome, elapsed: Duration) {
    let mut lines = Vec::new();
    lines.extend(left_out_lines(outcome));
    // Every attempt first, then one line per retried request.
    lines.extend(outcome.retried.iter().flat_map(|r| r.attempts()));
    lines.extend(outcome.retried.iter().map(|r| r.describe()));
    lines.extend(problem_lines(outcome));
    if outcome.report_errors.is_empty() {
        for (what, path) in &outcome.reports_written {
            lines.push(format!("report: {what} written to {path}"));
        }
    }
    lines.push(format!("time: {:.3}s", elapsed.as_secs_f64()));
    lines.push(verdict_line(outcome));
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
}

/// The notice about scenarios left out on purpose, and each of them.
fn left_out_lines(outcome: &Outcome) -> Vec<String> {
    if outcome.left_out.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "notice: {} scenario(s) tagged @api-token, @jwt-secret or @admin-origin were left out, not run: \
         set MEDUSA_API_TOKEN, MEDUSA_JWT_SECRET and MEDUSA_ADMIN_ORIGIN to run them",
        outcome.left_out.len()
    )];
    lines.extend(
        outcome
            .left_out
            .iter()
            .map(|s| format!("  left out: {} ({})", s.describe(), s.reason)),
    );
    lines
}

/// Why the gate is red, besides failed scenarios.
fn problem_lines(outcome: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    if outcome.ran() == 0 {
        lines.push("error: no scenario ran: a release gate that checks nothing is red".to_owned());
    }
    if outcome.skipped > 0 {
        lines.push(format!(
            "error: {} scenario(s) had skipped or undefined steps",
            outcome.skipped
        ));
    }
    if outcome.errors > 0 {
        lines.push(format!(
            "error: {} feature file(s) or hook(s) failed",
            outcome.errors
        ));
    }
    lines.extend(outcome.report_errors.iter().map(|e| format!("error: {e}")));
    if outcome.required_left_out() > 0 {
        lines.push(format!(
            "error: {} scenario(s) were left out, and MEDUSA_REQUIRE_ALL (--require-all) requires every scenario to run",
            outcome.required_left_out()
        ));
    }
    lines
}

/// `conformance: N passed, N failed, N skipped[, N left out]`.
fn verdict_line(outcome: &Outcome) -> String {
    let left_out = match (outcome.left_out.len(), outcome.required_left_out()) {
        (0, _) => String::new(),
        (n, 0) => format!(", {n} left out"),
        (n, _) => format!(", {n} left out but required"),
    };
    format!(
        "conformance: {} passed, {} failed, {} skipped{left_out}",
        outcome.passed,
        outcome.failed + outcome.errors + outcome.report_errors.len(),
        outcome.skipped
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::RetriedRequest;

    fn text(outcome: &Outcome) -> String {
        let mut out = Vec::new();
        summary(&mut out, outcome, Duration::from_millis(1500));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_green_run_ends_with_the_verdict() {
        let o = Outcome {
            passed: 3,
            ..Outcome::default()
        };
        assert_eq!(
            text(&o),
            "time: 1.500s\nconformance: 3 passed, 0 failed, 0 skipped\n"
        );
    }

    #[test]
    fn left_out_scenarios_are_listed_with_why() {
        use crate::core::record::{LeftOutScenario, NO_API_TOKEN, NO_JWT_SECRET};
        let left_out = |line: usize, reason: String| LeftOutScenario {
            feature: "Tokens".into(),
            feature_keyword: "Feature".into(),
            path: Some("features/tokens.feature".into()),
            feature_tags: vec![],
            rule: None,
            background: None,
            keyword: "Scenario".into(),
            name: format!("S{line}"),
            line,
            col: 3,
            tags: vec![],
            steps: vec![],
            reason,
        };
        let o = Outcome {
            passed: 2,
            left_out: vec![
                left_out(4, NO_API_TOKEN.into()),
                left_out(9, format!("{NO_API_TOKEN}, {NO_JWT_SECRET}")),
            ],
            ..Outcome::default()
        };
        let t = text(&o);
        assert!(
            t.starts_with(
                "notice: 2 scenario(s) tagged @api-token, @jwt-secret or @admin-origin were left out, not run: \
                 set MEDUSA_API_TOKEN, MEDUSA_JWT_SECRET and MEDUSA_ADMIN_ORIGIN to run them\n\
                 \x20 left out: features/tokens.feature:4: S4 (MEDUSA_API_TOKEN is not set)\n\
                 \x20 left out: features/tokens.feature:9: S9 (MEDUSA_API_TOKEN is not set, MEDUSA_JWT_SECRET is not set)\n"
            ),
            "{t}"
        );
        assert!(
            t.ends_with("conformance: 2 passed, 0 failed, 0 skipped, 2 left out\n"),
            "{t}"
        );
        let required = Outcome {
            require_all: true,
            ..o
        };
        let t = text(&required);
        assert!(
            t.contains(
                "\nerror: 2 scenario(s) were left out, and MEDUSA_REQUIRE_ALL (--require-all) requires every scenario to run\n"
            ),
            "{t}"
        );
        assert!(
            t.contains("  left out: features/tokens.feature:4: S4"),
            "{t}"
        );
        assert!(
            t.ends_with("conformance: 2 passed, 0 failed, 0 skipped, 2 left out but required\n"),
            "{t}"
        );
    }

    #[test]
    fn retries_and_a_run_that_checked_nothing_are_shown() {
        let o = Outcome {
            retried: vec![RetriedRequest {
                scenario: "S".into(),
                request: "GET /admin/auth".into(),
                retries: 1,
                errors: vec!["connection closed".into()],
            }],
            ..Outcome::default()
        };
        let t = text(&o);
        assert!(
            t.contains("retry: GET /admin/auth sent again (retry 1) after: connection closed\n"),
            "{t}"
        );
        assert!(
            t.contains("retried: GET /admin/auth was sent 1 more time(s)"),
            "{t}"
        );
        assert!(t.contains("error: no scenario ran"), "{t}");
    }
}
