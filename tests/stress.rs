//! The stress mode on the embedded reference backend: `--repeat N` runs
//! every selected scenario N times, `--concurrency` at once, so sessions
//! of the same admin are logged in, used and logged out concurrently. A
//! logout must end only its own session and whoami must name its own
//! session's user in every run; the summary gives per-route latency
//! percentiles. Nothing here depends on timing: the counts and the lines
//! are compared, never a time.

mod support;

use std::process::Output;

/// The logout and whoami scenarios: concurrent sessions of one user.
const SESSIONS: &str = "@logout or @whoami";

fn run(args: &[&str], faults: &str) -> (Option<i32>, String) {
    let Output { status, stdout, .. } = support::binary()
        .env("MEDUSA_TARGET", "reference")
        .env("MEDUSA_REFERENCE_FAULTS", faults)
        .env("MEDUSA_COLOR", "never")
        .args(args)
        .output()
        .expect("the binary runs");
    (status.code(), String::from_utf8_lossy(&stdout).into_owned())
}

/// The `N passed` of the summary line.
fn passed(stdout: &str) -> usize {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("conformance: "))
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    line["conformance: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line:?}"))
}

#[test]
fn repeated_concurrent_sessions_stay_separate() {
    let (code, once) = run(&["--tags", SESSIONS], "");
    assert_eq!(code, Some(0), "{once}");
    let n = passed(&once);
    assert!(
        n >= 10,
        "the selection is the logout and whoami scenarios:\n{once}"
    );
    assert!(
        !once.contains("latency: "),
        "a normal run has no stress summary"
    );

    let (code, out) = run(
        &["--tags", SESSIONS, "--repeat", "6", "--concurrency", "16"],
        "",
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!("conformance: {} passed, 0 failed", 6 * n)),
        "every scenario ran six times and passed:\n{out}"
    );
    for route in [
        "POST /admin/auth ",
        "GET /admin/auth ",
        "DELETE /admin/auth ",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with("latency: ") && l.contains(route))
            .unwrap_or_else(|| panic!("no latency line for {route}:\n{out}"));
        for part in [" p50 ", " p95 ", " p99 ", " ms"] {
            assert!(line.contains(part), "{line}");
        }
    }
    assert!(
        out.contains("stress: no scenario failed only under load"),
        "{out}"
    );
    // The repeats are told apart in the record (and so in every report).
    assert!(out.contains("(repeat 6)"), "{out}");
}

#[test]
fn a_repeat_run_fails_when_a_logout_ends_other_sessions() {
    for fault in ["logout-ends-all-sessions", "whoami-other-user"] {
        let (code, out) = run(&["--tags", SESSIONS, "--repeat", "3"], fault);
        assert_eq!(code, Some(1), "{fault} must fail the stress run:\n{out}");
        assert!(out.contains("latency: "), "{out}");
    }
}

#[test]
fn a_duration_run_is_bounded_and_reports() {
    let (code, out) = run(&["--tags", "@whoami", "--duration", "1s"], "");
    assert_eq!(code, Some(0), "{out}");
    // At least one round, whatever the machine's speed.
    assert!(passed(&out) >= 1, "{out}");
    assert!(out.contains("latency: GET /admin/auth "), "{out}");
}
