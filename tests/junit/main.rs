//! The JUnit report opens in CI's JUnit viewers: reports of real runs
//! (passing, failing, with left-out scenarios, with an undefined step) are
//! parsed with a real XML parser (roxmltree) and checked against the rules
//! of the JUnit schema CI tools read (`junit-10.xsd`, next to this file,
//! written out in [`RULES`]): element names, where each may appear and in
//! which order, required attributes, numbers that are numbers, and counts
//! that add up. They also say what happened to each scenario: left-out
//! scenarios are `<skipped>` test cases, never passes, and never make the
//! exit code non-zero; an undefined step still does.
//!
//! Needs nothing installed: the unit tests at the bottom prove the checker
//! can go red.

#[path = "../support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::process::Output;

use medusa_conformance::target::reference::ReferenceConfig;
use roxmltree::{Document, Node};
use support::{console, scratch};

/// What an element of the schema may hold.
struct Rule {
    name: &'static str,
    /// Attributes: (name, required).
    attributes: &'static [(&'static str, bool)],
    /// Child elements in schema order: (name, at most how many).
    children: &'static [(&'static str, usize)],
    /// Whether it may hold text.
    text: bool,
}

const MANY: usize = usize::MAX;

/// `junit-10.xsd`, rule by rule.
const RULES: &[Rule] = &[
    Rule {
        name: "testsuites",
        attributes: &[
            ("name", false),
            ("time", false),
            ("tests", false),
            ("failures", false),
            ("disabled", false),
            ("errors", false),
        ],
        children: &[("testsuite", MANY)],
        text: false,
    },
    Rule {
        name: "testsuite",
        attributes: &[
            ("name", true),
            ("tests", true),
            ("failures", false),
            ("errors", false),
            ("time", false),
            ("disabled", false),
            ("skipped", false),
            ("timestamp", false),
            ("hostname", false),
            ("id", false),
            ("package", false),
        ],
        children: &[
            ("properties", 1),
            ("testcase", MANY),
            ("system-out", 1),
            ("system-err", 1),
        ],
        text: false,
    },
    Rule {
        name: "testcase",
        attributes: &[
            ("name", true),
            ("assertions", false),
            ("time", false),
            ("classname", false),
            ("status", false),
        ],
        children: &[
            ("skipped", 1),
            ("error", MANY),
            ("failure", MANY),
            ("system-out", MANY),
            ("system-err", MANY),
        ],
        text: false,
    },
    Rule {
        name: "failure",
        attributes: &[("type", false), ("message", false)],
        children: &[],
        text: true,
    },
    Rule {
        name: "error",
        attributes: &[("type", false), ("message", false)],
        children: &[],
        text: true,
    },
    Rule {
        name: "skipped",
        attributes: &[("message", false)],
        children: &[],
        text: true,
    },
    Rule {
        name: "properties",
        attributes: &[],
        children: &[("property", MANY)],
        text: false,
    },
    Rule {
        name: "property",
        attributes: &[("name", true), ("value", true)],
        children: &[],
        text: false,
    },
    Rule {
        name: "system-out",
        attributes: &[],
        children: &[],
        text: true,
    },
    Rule {
        name: "system-err",
        attributes: &[],
        children: &[],
        text: true,
    },
];

/// Every way `xml` breaks the JUnit rules; empty if it keeps them.
fn junit_problems(xml: &str) -> Vec<String> {
    let doc = match Document::parse(xml) {
        Ok(d) => d,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let root = doc.root_element();
    let mut problems = Vec::new();
    if !root.has_tag_name("testsuites") {
        problems.push(format!(
            "the root is <{}>, not <testsuites>",
            root.tag_name().name()
        ));
    }
    for node in root.descendants().filter(Node::is_element) {
        element_problems(node, &mut problems);
    }
    count_problems(root, &mut problems);
    let mut names = HashSet::new();
    for case in root.descendants().filter(|n| n.has_tag_name("testcase")) {
        let name = case.attribute("name").unwrap_or_default();
        if !names.insert(name) {
            problems.push(format!("two test cases are named {name:?}"));
        }
    }
    problems
}

/// The element's own rule: attributes, children and their order, text.
fn element_problems(node: Node<'_, '_>, problems: &mut Vec<String>) {
    let name = node.tag_name().name();
    let Some(rule) = RULES.iter().find(|r| r.name == name) else {
        problems.push(format!("<{name}> is not a JUnit element"));
        return;
    };
    for a in node.attributes() {
        if !rule.attributes.iter().any(|(n, _)| *n == a.name()) {
            problems.push(format!("<{name}> has an unknown attribute {}", a.name()));
        }
    }
    for (attr, required) in rule.attributes {
        if *required && node.attribute(*attr).is_none() {
            problems.push(format!("<{name}> lacks the required attribute {attr}"));
        }
    }
    for attr in ["tests", "failures", "errors", "skipped", "disabled", "id"] {
        if let Some(v) = node.attribute(attr)
            && v.parse::<u64>().is_err()
        {
            problems.push(format!("<{name} {attr}={v:?}> is not a count"));
        }
    }
    if let Some(t) = node.attribute("time")
        && !t.parse::<f64>().is_ok_and(|s| s >= 0.0 && s.is_finite())
    {
        problems.push(format!("<{name} time={t:?}> is not a number of seconds"));
    }
    if !rule.text
        && node
            .children()
            .any(|c| c.is_text() && !c.text().unwrap_or_default().trim().is_empty())
    {
        problems.push(format!("<{name}> holds text"));
    }
    order_problems(node, rule, problems);
}

/// Children in schema order, each at most as often as allowed.
fn order_problems(node: Node<'_, '_>, rule: &Rule, problems: &mut Vec<String>) {
    let mut at = 0;
    let mut seen = 0;
    for child in node.children().filter(Node::is_element) {
        let child_name = child.tag_name().name();
        while at < rule.children.len() && rule.children[at].0 != child_name {
            at += 1;
            seen = 0;
        }
        if at == rule.children.len() {
            problems.push(format!(
                "<{child_name}> may not be in <{}> here (allowed, in order: {:?})",
                rule.name,
                rule.children.iter().map(|c| c.0).collect::<Vec<_>>()
            ));
            return;
        }
        seen += 1;
        if seen > rule.children[at].1 {
            problems.push(format!(
                "<{}> holds more than one <{child_name}>",
                rule.name
            ));
        }
    }
}

/// `tests`, `failures`, `errors`, `skipped` say what the test cases hold,
/// and the totals are the sums of the suites.
fn count_problems(root: Node<'_, '_>, problems: &mut Vec<String>) {
    let mut totals = [0u64; 3];
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let cases: Vec<Node<'_, '_>> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let holding = |what: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|n| n.has_tag_name(what)))
                .count() as u64
        };
        let counted = [
            ("tests", cases.len() as u64),
            ("failures", holding("failure")),
            ("errors", holding("error")),
            ("skipped", holding("skipped")),
        ];
        let name = suite.attribute("name").unwrap_or_default();
        for (i, (attr, n)) in counted.iter().enumerate() {
            let stated = suite
                .attribute(*attr)
                .map(|v| v.parse::<u64>().unwrap_or(u64::MAX));
            if stated.unwrap_or(0) != *n && (stated.is_some() || *n > 0) {
                problems.push(format!("suite {name:?} says {attr}={stated:?}, holds {n}"));
            }
            if i < 3 {
                totals[i] += n;
            }
        }
    }
    for (attr, n) in ["tests", "failures", "errors"].iter().zip(totals) {
        if let Some(v) = root.attribute(*attr)
            && v.parse::<u64>().ok() != Some(n)
        {
            problems.push(format!("<testsuites {attr}={v:?}> but the suites hold {n}"));
        }
    }
}

fn check(xml: &str) {
    let problems = junit_problems(xml);
    assert!(
        problems.is_empty(),
        "the JUnit report breaks the schema's rules:\n{}\n{xml}",
        problems.join("\n")
    );
}

/// Runs the binary with only `vars` of the MEDUSA_* environment set.
fn run(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = support::binary();
    // The reference speaks v1: its @v2 scenarios would be left out.
    cmd.env("MEDUSA_TAGS", "not @v2");
    // The scenario suites are what these tests count; the advisories'
    // own suite is checked by `advisories_are_a_valid_suite_of_their_own`.
    cmd.env("MEDUSA_ADVISORIES", "off");
    cmd.envs(vars.iter().copied()).args(args);
    cmd.output().expect("the binary runs")
}

/// How many elements named `name` `xml` holds.
fn count(xml: &str, name: &str) -> usize {
    let doc = Document::parse(xml).expect("well-formed XML");
    doc.descendants().filter(|n| n.has_tag_name(name)).count()
}

#[test]
fn a_passing_run_writes_a_valid_report() {
    let dir = scratch("junit", "pass");
    let junit = dir.join("junit.xml");
    let json = dir.join("cucumber.json");
    let out = run(
        &[
            ("MEDUSA_JUNIT", "/nonexistent/overridden-by-the-flag.xml"),
            ("MEDUSA_CUCUMBER_JSON", json.to_str().unwrap()),
        ],
        &["--junit", junit.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", console(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    check(&xml);
    assert_eq!(count(&xml, "testcase"), 76, "{xml}");
    assert_eq!(count(&xml, "testsuite"), 9, "{xml}");
    assert_eq!(count(&xml, "failure"), 0, "{xml}");
    assert_eq!(count(&xml, "skipped"), 0, "{xml}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(9), "one entry per feature");
    assert!(console(&out).contains("report: JUnit XML written to"));
}

#[test]
fn advisories_are_a_valid_suite_of_their_own() {
    let dir = scratch("junit", "advisories");
    let junit = dir.join("junit.xml");
    let out = run(
        &[
            ("MEDUSA_ADVISORIES", "strict"),
            ("MEDUSA_JUNIT", junit.to_str().unwrap()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(5), "{}", console(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    check(&xml);
    assert_eq!(count(&xml, "testsuite"), 10, "{xml}");
    assert_eq!(count(&xml, "testcase"), 76 + 15, "{xml}");
    // The scenarios all passed: the failures are the three high advisories.
    assert_eq!(count(&xml, "failure"), 3, "{xml}");
}

#[test]
fn a_failing_run_writes_a_valid_report_with_failures() {
    let dir = scratch("junit", "fail");
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
    assert_eq!(out.status.code(), Some(1), "{}", console(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    check(&xml);
    assert_eq!(count(&xml, "testcase"), 76, "{xml}");
    let doc = Document::parse(&xml).unwrap();
    let failures: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert!(!failures.is_empty(), "{xml}");
    for f in &failures {
        let message = f.attribute("message").unwrap_or_default();
        assert!(message.starts_with("check failed: "), "{message}");
        let body = f.text().unwrap_or_default();
        assert!(
            body.starts_with("step: "),
            "the failed step is named: {body}"
        );
        assert!(body.contains(message), "the full report follows: {body}");
    }
    let conformance = console(&out);
    let failed_in_console = conformance
        .lines()
        .filter(|l| l.starts_with("FAIL  "))
        .count();
    assert_eq!(failed_in_console, failures.len(), "{conformance}");
}

#[test]
fn left_out_scenarios_are_skipped_test_cases_and_the_gate_stays_green() {
    // A URL target without MEDUSA_API_TOKEN leaves the @api-token
    // scenarios out (its JWT secret and admin origin are given, so only
    // those); the embedded reference backend plays the server.
    let rc = ReferenceConfig::random();
    let (_rt, server) = support::reference(&rc);
    let dir = scratch("junit", "left-out");
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
    let console = console(&out);
    assert_eq!(out.status.code(), Some(0), "{console}");
    assert!(
        console.contains("conformance: 69 passed, 0 failed, 0 skipped, 7 left out"),
        "{console}"
    );
    assert_eq!(
        console.matches("  left out: features/").count(),
        7,
        "{console}"
    );
    assert_eq!(
        console.matches("(MEDUSA_API_TOKEN is not set)\n").count(),
        7,
        "{console}"
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    check(&xml);
    assert_eq!(count(&xml, "testcase"), 76, "{xml}");
    let doc = Document::parse(&xml).unwrap();
    let skipped: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .collect();
    assert_eq!(skipped.len(), 7, "{xml}");
    for s in &skipped {
        assert_eq!(
            s.attribute("message"),
            Some("left out, not run: MEDUSA_API_TOKEN is not set")
        );
    }
    let names: Vec<&str> = skipped
        .iter()
        .filter_map(|s| s.parent()?.attribute("name"))
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with(
            "Scenario: The API token identifies the same user: features/whoami.feature:"
        )),
        "{names:?}"
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
    let dir = scratch("junit", "undefined");
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
    assert_eq!(out.status.code(), Some(1), "{}", console(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    check(&xml);
    assert_eq!(count(&xml, "testcase"), 1, "{xml}");
    assert_eq!(count(&xml, "skipped"), 0, "not a plain skip: {xml}");
    assert_eq!(count(&xml, "failure"), 1, "{xml}");
    assert!(xml.contains("type=\"undefined step\""), "{xml}");
}

#[test]
fn a_feature_that_does_not_parse_is_an_error_case() {
    let dir = scratch("junit", "parse");
    let features = dir.join("features");
    std::fs::create_dir_all(&features).unwrap();
    std::fs::write(features.join("broken.feature"), "Feature: broken\n  Scenario: no steps\n    Givn a typo outside any keyword\n  Examples without outline\n").unwrap();
    let junit = dir.join("junit.xml");
    let out = run(
        &[
            ("MEDUSA_FEATURES", features.to_str().unwrap()),
            ("MEDUSA_JUNIT", junit.to_str().unwrap()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", console(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    check(&xml);
    assert_eq!(count(&xml, "error"), 1, "{xml}");
}

#[test]
fn a_report_path_that_cannot_be_written_is_a_setup_error() {
    let dir = scratch("junit", "bad-path");
    let blocker = dir.join("file");
    std::fs::write(&blocker, "").unwrap();
    let bad = blocker.join("junit.xml");
    let out = run(&[], &["--junit", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", console(&out));
    assert!(
        console(&out).contains("cannot write the JUnit report"),
        "{}",
        console(&out)
    );
}

// ---- the checker can go red --------------------------------------------

const GOOD: &str = r#"<?xml version="1.0"?><testsuites tests="2" failures="1" errors="0"><testsuite name="s" tests="2" failures="1" skipped="0"><testcase name="a" time="0.1"><failure message="m">x</failure><system-out>o</system-out></testcase><testcase name="b"/></testsuite></testsuites>"#;

#[test]
fn the_checker_accepts_a_good_report() {
    assert_eq!(junit_problems(GOOD), Vec::<String>::new());
}

#[test]
fn the_checker_finds_every_kind_of_break() {
    let cases = [
        (
            GOOD.replace("<testsuites", "<tests")
                .replace("</testsuites>", "</tests>"),
            "not <testsuites>",
        ),
        (
            GOOD.replace("<testsuite name=\"s\"", "<testsuite"),
            "lacks the required attribute name",
        ),
        (
            GOOD.replace(
                "tests=\"2\" failures=\"1\" skipped",
                "tests=\"3\" failures=\"1\" skipped",
            ),
            "says tests=Some(3), holds 2",
        ),
        (
            GOOD.replace("<testsuites tests=\"2\"", "<testsuites tests=\"5\""),
            "but the suites hold 2",
        ),
        (
            GOOD.replace(
                "<failure message=\"m\">x</failure><system-out>o</system-out>",
                "<system-out>o</system-out><failure message=\"m\">x</failure>",
            ),
            "may not be in <testcase> here",
        ),
        (
            GOOD.replace("<testcase name=\"b\"/>", "<testcase name=\"a\"/>"),
            "two test cases are named",
        ),
        (
            GOOD.replace("time=\"0.1\"", "time=\"soon\""),
            "not a number of seconds",
        ),
        (
            GOOD.replace(
                "<testcase name=\"b\"/>",
                "<testcase name=\"b\"><skipped/><skipped/></testcase>",
            ),
            "more than one <skipped>",
        ),
        (
            GOOD.replace(
                "<testcase name=\"b\"/>",
                "<testcase name=\"b\" colour=\"red\"/>",
            ),
            "unknown attribute colour",
        ),
        (
            GOOD.replace(
                "<testcase name=\"b\"/>",
                "<testcase name=\"b\"><oops/></testcase>",
            ),
            "<oops> is not a JUnit element",
        ),
        (GOOD.replace("</testsuite>", ""), "not well-formed"),
    ];
    for (xml, wanted) in cases {
        let problems = junit_problems(&xml);
        assert!(
            problems.iter().any(|p| p.contains(wanted)),
            "{wanted:?} not found in {problems:?} for {xml}"
        );
    }
}
