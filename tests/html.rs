//! The HTML report, read as a browser reads it (html5ever, through
//! `scraper`): one self-contained file (no script, no stylesheet or image
//! to fetch, links only within the page) that shows the target, the start
//! time, the verdict, every feature and scenario with its status, place
//! and duration, and each failure's full report with its diff lines
//! marked as added or removed. And, for every report format: two
//! scenarios of the same name in two files never mix, even when one of
//! them had a request retried.
//!
//! `.ci/html-check.sh` also opens a failing run's report in a real
//! headless Chromium; this test needs nothing installed.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use medusa_conformance::target::reference::ReferenceConfig;
use scraper::{ElementRef, Html, Selector};
use support::{console, scratch};

/// Runs the binary with only `vars` of the MEDUSA_* environment set.
fn run(vars: &[(&str, &str)]) -> Output {
    let mut cmd = support::binary();
    // The reference speaks v1: its @v2 scenarios would be left out.
    cmd.env("MEDUSA_TAGS", "not @v2");
    cmd.envs(vars.iter().copied());
    cmd.output().expect("the binary runs")
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).expect("a valid selector")
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect()
}

/// Every reason `doc` would need the network or another file.
fn external_references(doc: &Html) -> Vec<String> {
    let mut found = Vec::new();
    for tag in [
        "script", "link", "img", "iframe", "object", "embed", "video", "audio", "base",
    ] {
        if doc.select(&sel(tag)).next().is_some() {
            found.push(format!("a <{tag}> element"));
        }
    }
    for e in doc.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            let external = match name {
                "src" | "srcset" | "action" | "formaction" | "data" | "poster" => true,
                "href" => !value.starts_with('#'),
                _ => false,
            };
            if external {
                found.push(format!("<{} {name}={value:?}>", e.value().name()));
            }
        }
    }
    for style in doc.select(&sel("style")) {
        let css = text(style);
        for needle in ["url(", "@import", "http:", "https:"] {
            if css.contains(needle) {
                found.push(format!("{needle} in a stylesheet"));
            }
        }
    }
    found
}

#[test]
fn a_failing_run_has_a_readable_self_contained_report() {
    let dir = scratch("html", "failing");
    let html = dir.join("report.html");
    let out = run(&[
        ("MEDUSA_REFERENCE_FAULTS", "whoami-other-user"),
        ("MEDUSA_HTML", html.to_str().unwrap()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", console(&out));
    assert!(console(&out).contains("report: HTML written to"));
    let page = std::fs::read_to_string(&html).unwrap();
    let doc = Html::parse_document(&page);
    assert!(doc.errors.is_empty(), "parse errors: {:?}", doc.errors);
    assert_eq!(external_references(&doc), Vec::<String>::new());

    let one = |css: &str| {
        let s = sel(css);
        let e = doc.select(&s).next();
        e.map(text)
            .unwrap_or_else(|| panic!("no {css} in the report"))
    };
    assert!(one("#target").starts_with("embedded reference backend at http://127.0.0.1:"));
    assert!(one("#target").contains("whoami-other-user"));
    assert!(one("#started").ends_with('Z'), "{}", one("#started"));
    let verdict = one("#verdict");
    assert!(verdict.starts_with("conformance: "), "{verdict}");
    assert!(doc.select(&sel(".verdict.failed")).next().is_some());
    assert_eq!(doc.select(&sel("section.feature")).count(), 9);

    let scenarios: Vec<ElementRef<'_>> = doc.select(&sel("details.scenario")).collect();
    assert_eq!(scenarios.len(), 76);
    for s in &scenarios {
        let place = s
            .select(&sel(".where"))
            .next()
            .map(text)
            .unwrap_or_default();
        assert!(
            place.starts_with("features/") && place.contains(".feature:"),
            "{place}"
        );
        let time = s.select(&sel(".time")).next().map(text).unwrap_or_default();
        assert!(time.ends_with(" ms") || time.ends_with(" s"), "{time}");
    }
    let failed: Vec<&ElementRef<'_>> = scenarios
        .iter()
        .filter(|s| s.value().classes().any(|c| c == "failed"))
        .collect();
    assert!(!failed.is_empty());
    assert!(
        verdict.contains(&format!("{} failed", failed.len())),
        "{verdict}"
    );
    let mut diffs = 0;
    for f in &failed {
        assert!(
            f.value().attr("open").is_some(),
            "a failure is shown unfolded"
        );
        let report = f
            .select(&sel("pre.report"))
            .next()
            .expect("a failure report");
        assert!(
            text(report).starts_with("check failed: "),
            "{}",
            text(report)
        );
        let added: Vec<String> = report.select(&sel(".add")).map(text).collect();
        let removed: Vec<String> = report.select(&sel(".del")).map(text).collect();
        assert!(added.iter().all(|l| l.starts_with('+')), "{added:?}");
        assert!(removed.iter().all(|l| l.starts_with('-')), "{removed:?}");
        if added
            .iter()
            .any(|l| l.contains("someone.else@reference.medusa.test"))
            && removed
                .iter()
                .any(|l| l.contains("admin@reference.medusa.test"))
        {
            diffs += 1;
        }
        let index = doc
            .select(&sel(&format!(
                "nav.failures a[href=\"#{}\"]",
                f.value().id().unwrap()
            )))
            .count();
        assert_eq!(index, 1, "every failure is listed at the top");
    }
    assert!(
        diffs > 0,
        "no failure shows the other user's e-mail as a diff"
    );
}

#[test]
fn a_passing_run_has_no_failure_section() {
    let dir = scratch("html", "passing");
    let html = dir.join("report.html");
    let out = run(&[("MEDUSA_HTML", html.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(0), "{}", console(&out));
    let doc = Html::parse_document(&std::fs::read_to_string(&html).unwrap());
    assert!(doc.select(&sel(".verdict.passed")).next().is_some());
    assert!(doc.select(&sel("nav.failures")).next().is_none());
    assert_eq!(doc.select(&sel("details.scenario.passed")).count(), 76);
    assert_eq!(doc.select(&sel("pre.report")).count(), 0);
}

// ---- same-named scenarios in two files, one retried --------------------

/// Forwards `request` to `upstream` on a connection of its own.
fn forward(request: &[u8], upstream: std::net::SocketAddr, s: &mut TcpStream) {
    let text = String::from_utf8_lossy(request).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let head: Vec<&str> = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    let forwarded = format!("{}\r\nconnection: close\r\n\r\n{body}", head.join("\r\n"));
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = up.write_all(forwarded.as_bytes());
    let mut answer = Vec::new();
    let _ = up.read_to_end(&mut answer);
    let _ = s.write_all(&answer);
}

/// A loopback proxy to `upstream` that hangs up, unanswered, on the
/// second GET it sees (the first is the preflight's); it stops after
/// `life`. Returns its port and how many requests it dropped.
fn proxy(upstream: std::net::SocketAddr, life: Duration) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let gets = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    thread::spawn(move || {
        let end = Instant::now() + life;
        while Instant::now() < end {
            let Ok((mut s, _)) = listener.accept() else {
                thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = s.set_nonblocking(false);
            let (gets, d) = (gets.clone(), d.clone());
            thread::spawn(move || {
                let Some(request) = support::read_request(&mut s) else {
                    return;
                };
                if request.starts_with(b"GET ") && gets.fetch_add(1, Ordering::SeqCst) == 1 {
                    d.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                forward(&request, upstream, &mut s);
            });
        }
    });
    (port, dropped)
}

const TWIN_A: &str = "Feature: Twin A\n\n  Scenario: The twin\n    When I ask who I am with no credentials\n    Then the response status is 401\n";
const TWIN_B: &str = "Feature: Twin B\n\n  Scenario: The twin\n    When I log in with the admin's e-mail and password\n    Then the response status is 418\n";

#[test]
fn same_named_scenarios_in_two_files_never_mix() {
    let rc = ReferenceConfig::random();
    let (_rt, backend) = support::reference(&rc);
    let upstream = backend.base_url().socket_addrs(|| None).unwrap()[0];
    let (port, dropped) = proxy(upstream, Duration::from_secs(60));
    let dir = scratch("html", "twins");
    let features = dir.join("features");
    std::fs::create_dir_all(&features).unwrap();
    std::fs::write(features.join("a.feature"), TWIN_A).unwrap();
    std::fs::write(features.join("b.feature"), TWIN_B).unwrap();
    let (junit, json, html) = (dir.join("j.xml"), dir.join("c.json"), dir.join("r.html"));
    let out = run(&[
        ("MEDUSA_BASE_URL", &format!("http://127.0.0.1:{port}")),
        ("MEDUSA_ADMIN_EMAIL", &rc.admin_email),
        ("MEDUSA_ADMIN_PASSWORD", rc.admin_password.expose()),
        ("MEDUSA_API_TOKEN", rc.api_token.expose()),
        ("MEDUSA_FEATURES", features.to_str().unwrap()),
        ("MEDUSA_JUNIT", junit.to_str().unwrap()),
        ("MEDUSA_CUCUMBER_JSON", json.to_str().unwrap()),
        ("MEDUSA_HTML", html.to_str().unwrap()),
    ]);
    drop(backend);
    let log = console(&out);
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "{log}");
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("conformance: 1 passed, 1 failed"), "{log}");
    assert!(log.contains("a.feature:3)"), "{log}");

    twins_in_junit(&std::fs::read_to_string(&junit).unwrap());
    twins_in_json(&std::fs::read_to_string(&json).unwrap());
    twins_in_html(&std::fs::read_to_string(&html).unwrap());
}

fn twins_in_junit(xml: &str) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let case = |file: &str| {
        doc.descendants()
            .find(|n| {
                n.has_tag_name("testcase")
                    && n.attribute("name").is_some_and(|a| {
                        a.starts_with("Scenario: The twin: ") && a.ends_with(&format!("{file}:3:3"))
                    })
            })
            .unwrap_or_else(|| panic!("no test case for {file}: {xml}"))
    };
    let has = |n: roxmltree::Node<'_, '_>, tag: &str| n.children().any(|c| c.has_tag_name(tag));
    let (a, b) = (case("a.feature"), case("b.feature"));
    assert!(has(a, "system-err") && !has(a, "failure"), "{xml}");
    assert!(!has(b, "system-err") && has(b, "failure"), "{xml}");
    let err = a.children().find(|c| c.has_tag_name("system-err")).unwrap();
    assert!(err.text().unwrap().contains("a.feature:3"), "{xml}");
}

fn twins_in_json(json: &str) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let element = |file: &str| {
        let feature = v
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["uri"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("no feature {file}: {json}"));
        feature["elements"][0].clone()
    };
    let (a, b) = (element("a.feature"), element("b.feature"));
    assert_eq!((&a["name"], &b["name"]), (&b["name"], &a["name"]));
    assert!(
        a["description"]
            .as_str()
            .unwrap()
            .contains("retried: GET /admin/auth")
    );
    assert_eq!(a["steps"][1]["result"]["status"], "passed");
    assert_eq!(b["description"], "");
    assert_eq!(b["steps"][1]["result"]["status"], "failed");
}

fn twins_in_html(page: &str) {
    let doc = Html::parse_document(page);
    let twins: Vec<ElementRef<'_>> = doc.select(&sel("details.scenario")).collect();
    assert_eq!(twins.len(), 2);
    let place = |e: &ElementRef<'_>| e.select(&sel(".where")).next().map(text).unwrap();
    let a = twins
        .iter()
        .find(|e| place(e).ends_with("a.feature:3"))
        .unwrap();
    let b = twins
        .iter()
        .find(|e| place(e).ends_with("b.feature:3"))
        .unwrap();
    assert!(a.value().classes().any(|c| c == "passed"));
    assert_eq!(a.select(&sel(".retried")).count(), 1);
    assert!(b.value().classes().any(|c| c == "failed"));
    assert_eq!(b.select(&sel(".retried")).count(), 0);
}
