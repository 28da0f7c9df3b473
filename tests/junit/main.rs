//! The JUnit report opens in CI's JUnit viewers: reports of real runs
//! (passing, failing, with left-out scenarios, with an undefined step) are
//! validated against the JUnit schema CI tools read (`junit-10.xsd`, next
//! to this file) with `xmllint --schema`, and say what happened to each
//! scenario: left-out scenarios are `<skipped>` test cases, never passes,
//! and never make the exit code non-zero; an undefined step still does.
//!
//! Needs `xmllint` (Debian/Ubuntu: `apt-get install libxml2-utils`); the
//! tests fail, saying so, when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use medusa_conformance::target::reference::{ReferenceConfig, ReferenceServer};

const BIN: &str = env!("CARGO_BIN_EXE_medusa-conformance");

/// A fresh folder for one test's reports.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "medusa-conformance-junit-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary with only `vars` of the MEDUSA_* environment set.
fn run(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MEDUSA_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(vars.iter().copied()).args(args);
    cmd.output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Validates `xml` against the committed schema.
fn validate(xml: &Path) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/junit/junit-10.xsd");
    let out = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(xml)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run xmllint ({e}): install libxml2-utils (apt-get install libxml2-utils) \
             to check the JUnit report against the schema"
        ),
    };
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}\n{}",
        xml.display(),
        xsd.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(xml).unwrap_or_default()
    );
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn a_passing_run_writes_a_valid_report() {
    let dir = scratch("pass");
    let junit = dir.join("junit.xml");
    let json = dir.join("cucumber.json");
    let out = run(
        &[
            ("MEDUSA_JUNIT", "/nonexistent/overridden-by-the-flag.xml"),
            ("MEDUSA_CUCUMBER_JSON", json.to_str().unwrap()),
        ],
        &["--junit", junit.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    validate(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(count(&xml, "<testcase "), 76, "{xml}");
    assert_eq!(count(&xml, "<failure"), 0, "{xml}");
    assert_eq!(count(&xml, "<skipped"), 0, "{xml}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(9), "one entry per feature");
    assert!(text(&out).contains("report: JUnit XML written to"));
}

#[test]
fn a_failing_run_writes_a_valid_report_with_failures() {
    let dir = scratch("fail");
    let junit = dir.join("junit.xml");
    let out = run(
        &[
            (
                "MEDUSA_REFERENCE_FAULTS",
                "password-hash-leaked,json-as-text-plain,whoami-other-user",
            ),
            ("MEDUSA_JUNIT", junit.to_str().unwrap()),
            ("MEDUSA_VERBOSE", "2"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    validate(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(count(&xml, "<testcase "), 76, "{xml}");
    assert!(count(&xml, "<failure") > 0, "{xml}");
    assert!(xml.contains("check failed: "), "{xml}");
}

#[test]
fn left_out_scenarios_are_skipped_test_cases_and_the_gate_stays_green() {
    // A URL target without MEDUSA_API_TOKEN leaves the @api-token
    // scenarios out (its JWT secret and admin origin are given, so only
    // those); the embedded reference backend plays the server.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let rc = ReferenceConfig::random();
    let server = rt
        .block_on(ReferenceServer::start(rc.clone()))
        .expect("reference backend");
    let dir = scratch("left-out");
    let junit = dir.join("junit.xml");
    let json = dir.join("cucumber.json");
    let out = run(
        &[
            ("MEDUSA_BASE_URL", server.base_url().as_str()),
            ("MEDUSA_ADMIN_EMAIL", &rc.admin_email),
            ("MEDUSA_ADMIN_PASSWORD", rc.admin_password.expose()),
            ("MEDUSA_JWT_SECRET", rc.jwt_secret.expose()),
            ("MEDUSA_ADMIN_ORIGIN", &rc.admin_cors[0]),
        ],
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--cucumber-json",
            json.to_str().unwrap(),
        ],
    );
    let console = text(&out);
    assert_eq!(out.status.code(), Some(0), "{console}");
    assert!(
        console.contains("conformance: 69 passed, 0 failed, 0 skipped, 7 left out"),
        "{console}"
    );
    assert_eq!(count(&console, "  left out: features/"), 7, "{console}");
    assert_eq!(
        count(&console, "(MEDUSA_API_TOKEN is not set)\n"),
        7,
        "{console}"
    );

    validate(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(count(&xml, "<testcase "), 76, "{xml}");
    assert_eq!(
        count(
            &xml,
            r#"<skipped message="left out, not run: MEDUSA_API_TOKEN is not set"/>"#
        ),
        7,
        "{xml}"
    );
    assert!(
        xml.contains("Scenario: The API token identifies the same user: features/whoami.feature:"),
        "{xml}"
    );

    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let scenarios: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["elements"].as_array().unwrap())
        .filter(|e| e["type"] == "scenario")
        .collect();
    assert_eq!(scenarios.len(), 76);
    let left_out: Vec<_> = scenarios
        .iter()
        .filter(|e| {
            e["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["result"]["status"] == "skipped")
        })
        .collect();
    assert_eq!(left_out.len(), 7, "{v:#}");
    for e in left_out {
        assert_eq!(
            e["steps"][0]["result"]["error_message"],
            "left out, not run: MEDUSA_API_TOKEN is not set"
        );
    }
    drop(server);
}

#[test]
fn an_undefined_step_fails_the_run_and_the_report() {
    let dir = scratch("undefined");
    let features = dir.join("features");
    std::fs::create_dir_all(&features).unwrap();
    std::fs::write(
        features.join("undefined.feature"),
        "Feature: Undefined\n\n  Scenario: A step nobody wrote\n    When I log in with the admin's e-mail and password\n    Then the moon is made of cheese\n",
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let out = run(
        &[
            ("MEDUSA_FEATURES", features.to_str().unwrap()),
            ("MEDUSA_JUNIT", junit.to_str().unwrap()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    validate(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(count(&xml, "<testcase "), 1, "{xml}");
    assert_eq!(count(&xml, "<skipped"), 0, "not a plain skip: {xml}");
    assert_eq!(count(&xml, "<failure"), 1, "{xml}");
}

#[test]
fn a_report_path_that_cannot_be_written_is_a_setup_error() {
    let dir = scratch("bad-path");
    let blocker = dir.join("file");
    std::fs::write(&blocker, "").unwrap();
    let bad = blocker.join("junit.xml");
    let out = run(&[], &["--junit", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("cannot write the JUnit report"),
        "{}",
        text(&out)
    );
}
