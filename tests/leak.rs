//! Secrets never leak: the built binary runs the suite against the embedded
//! reference backend with distinctive secrets (characters that change under
//! every encoding), once passing and once with many contract faults (so
//! failure reports, diffs, schema errors and request dumps are printed),
//! with JUnit XML, Cucumber JSON and the HTML report on, the most verbose
//! output (every step, and the scenario state's `Debug`) and colours
//! forced on. Every byte written to stdout, stderr and the report files is
//! searched (colour codes taken out first, so that none can split a
//! secret) for the secrets in every encoding they travel in, and for any
//! JWT or `connect.sid` session cookie value.
//!
//! The unit tests at the bottom prove the search can go red.

mod support;

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use regex::Regex;

/// The admin password: a space, `+`, `/`, `%`, quotes, a backslash, XML
/// specials and a non-ASCII letter, so that every encoding differs.
const PASSWORD: &str = "Leak+Test/Pass word%1\"&<é>'\\";
/// The API token (sent in a header: printable ASCII only).
const API_TOKEN: &str = "Leak_Api+Token/9%zz&\"q<x>=";

/// The faults of the first failing run: schema errors, diffs, enumeration,
/// accepted forgeries and wrong passwords, other users, cookie attributes,
/// 401s that are JSON. None breaks the login's own answer: a scenario then
/// holds a session when it fails, and its state is printed.
const FAULTS: &str = "user-enumeration,accept-foreign-jwt,whoami-other-user,\
accept-wrong-password,access-token-renamed,api-token-as-bearer,logout-keeps-session,\
cookie-not-httponly,error-without-type,unauthorized-as-json";

/// The faults of the second failing run: bodies that are not the JSON they
/// claim (the reports then show raw bodies and content types).
const BODY_FAULTS: &str = "json-as-text-plain,truncated-json,error-as-html";

/// Every form `secret` must never appear in.
fn forms(secret: &str) -> Vec<(String, String)> {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let url = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
    let lower = lower_hex(&url);
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).expect("strings serialise");
    let mut out = vec![
        ("raw".to_owned(), secret.to_owned()),
        ("URL-encoded".to_owned(), url),
        ("URL-encoded, lower-case hex".to_owned(), lower),
        ("form-encoded".to_owned(), form.clone()),
        ("form-encoded, lower-case hex".to_owned(), lower_hex(&form)),
        ("base64".to_owned(), STANDARD.encode(secret)),
        (
            "base64 without padding".to_owned(),
            STANDARD_NO_PAD.encode(secret),
        ),
        ("base64url".to_owned(), URL_SAFE.encode(secret)),
        (
            "base64url without padding".to_owned(),
            URL_SAFE_NO_PAD.encode(secret),
        ),
        ("JSON-escaped".to_owned(), json.trim_matches('"').to_owned()),
        ("XML-escaped".to_owned(), xml_escape(secret)),
        ("bearer".to_owned(), format!("Bearer {secret}")),
    ];
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

fn lower_hex(encoded: &str) -> String {
    let mut out = String::new();
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for h in chars.by_ref().take(2) {
                out.push(h.to_ascii_lowercase());
            }
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// What leaked into `text` (named `source`), one line each.
fn leaks(source: &str, text: &str, secrets: &[(&str, &str)]) -> Vec<String> {
    let ansi = Regex::new("\x1b\\[[0-9;]*m").expect("valid regex");
    let text = &*ansi.replace_all(text, "");
    let mut found = Vec::new();
    for (name, secret) in secrets {
        for (form, value) in forms(secret) {
            if let Some(at) = text.find(&value) {
                found.push(format!(
                    "{source}: the {name} ({form}) at byte {at}: ...{}...",
                    context(text, at)
                ));
            }
        }
    }
    let patterns = [
        ("a JWT", r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\."),
        ("a session cookie value", r"connect\.sid=s(%3[Aa]|:)"),
    ];
    for (what, re) in patterns {
        let re = Regex::new(re).expect("valid regex");
        if let Some(m) = re.find(text) {
            found.push(format!(
                "{source}: {what} at byte {}: ...{}...",
                m.start(),
                context(text, m.start())
            ));
        }
    }
    found
}

fn context(text: &str, at: usize) -> String {
    let mut start = at.saturating_sub(60);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + 60).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text[start..end].replace('\n', "\\n")
}

/// One run's every output: (where, text).
fn run(name: &str, faults: &str) -> (Option<i32>, Vec<(String, String)>) {
    let dir = support::scratch("leak", name);
    let junit = dir.join("junit.xml");
    let json = dir.join("cucumber.json");
    let html = dir.join("report.html");
    let out = support::binary()
        .env("MEDUSA_TARGET", "reference")
        .env("MEDUSA_REFERENCE_ADMIN_PASSWORD", PASSWORD)
        .env("MEDUSA_REFERENCE_API_TOKEN", API_TOKEN)
        .env("MEDUSA_REFERENCE_FAULTS", faults)
        .env("MEDUSA_VERBOSE", "2")
        .env("MEDUSA_JUNIT", &junit)
        .env("MEDUSA_HTML", &html)
        .env("MEDUSA_COLOR", "always")
        .arg("--cucumber-json")
        .arg(&json)
        .output()
        .expect("the binary runs");
    let read = |p: &PathBuf| {
        String::from_utf8_lossy(
            &std::fs::read(p).unwrap_or_else(|e| panic!("{} was not written: {e}", p.display())),
        )
        .into_owned()
    };
    let outputs = vec![
        (
            "stdout".to_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        ("JUnit XML".to_owned(), read(&junit)),
        ("Cucumber JSON".to_owned(), read(&json)),
        ("HTML".to_owned(), read(&html)),
    ];
    (out.status.code(), outputs)
}

fn assert_no_leak(outputs: &[(String, String)]) {
    let secrets = [("admin password", PASSWORD), ("API token", API_TOKEN)];
    let found: Vec<String> = outputs
        .iter()
        .flat_map(|(source, text)| leaks(source, text, &secrets))
        .collect();
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}

#[test]
fn a_passing_run_leaks_nothing() {
    let (code, outputs) = run("pass", "");
    assert_eq!(
        code,
        Some(0),
        "the suite must pass with these secrets:\n{}",
        outputs[0].1
    );
    assert!(outputs[0].1.contains("conformance: 76 passed"));
    assert_no_leak(&outputs);
}

/// Runs with `faults`, checks it failed and printed every `part`, and
/// that nothing leaked.
fn failing_run(name: &str, faults: &str, parts: &[&str]) {
    let (code, outputs) = run(name, faults);
    let stdout = &outputs[0].1;
    assert_eq!(code, Some(1), "the faults must fail the suite:\n{stdout}");
    // The run printed what a leak could hide in.
    for part in parts {
        assert!(stdout.contains(part), "stdout lacks {part:?}:\n{stdout}");
    }
    for report in ["JUnit XML", "Cucumber JSON", "HTML"] {
        let text = &outputs.iter().find(|(s, _)| s == report).unwrap().1;
        assert!(text.contains("check failed: "), "{report} has no failure");
    }
    assert_no_leak(&outputs);
}

#[test]
fn a_failing_run_leaks_nothing() {
    failing_run(
        "fail",
        FAULTS,
        &[
            "check failed: ",
            "request: POST /admin/auth",
            "  body: {",
            "set-cookie: connect.sid=[REDACTED]",
            "schema errors (",
            "diff (- expected, + actual):",
            "AuthWorld {",
            "session_cookie: Some(\n              [REDACTED],",
            "\x1b[1;31mFAIL\x1b[0m",
            "\x1b[2m(line ",
        ],
    );
}

#[test]
fn a_run_with_broken_bodies_leaks_nothing() {
    failing_run(
        "bodies",
        BODY_FAULTS,
        &[
            "check failed: route row POST /admin/auth/token 200",
            "text/plain",
            "  body (",
            "AuthWorld {",
        ],
    );
}

#[test]
fn the_search_finds_every_form_of_a_secret() {
    let secrets = [("admin password", PASSWORD), ("API token", API_TOKEN)];
    for (name, secret) in secrets {
        for (form, value) in forms(secret) {
            let text = format!("before {value} after");
            assert!(
                !leaks("t", &text, &secrets).is_empty(),
                "the {form} form of the {name} was not found in {text:?}"
            );
        }
    }
    assert!(
        !leaks(
            "t",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1IjoxfQ.sig",
            &[]
        )
        .is_empty()
    );
    assert!(!leaks("t", "set-cookie: connect.sid=s%3AabC.dEf; Path=/", &[]).is_empty());
    assert!(!leaks("t", "Cookie: connect.sid=s:abc.def", &[]).is_empty());
    let split = format!("Leak+Test/\x1b[32mPass word%1\x1b[0m{}", &PASSWORD[21..]);
    assert!(
        !leaks("t", &split, &secrets).is_empty(),
        "colour codes hide nothing"
    );
    assert!(
        leaks(
            "t",
            "password: [REDACTED] connect.sid=[REDACTED] Bearer [REDACTED]",
            &secrets
        )
        .is_empty()
    );
}

#[test]
fn the_forms_are_distinct_and_distinctive() {
    let forms = forms(PASSWORD);
    assert!(forms.len() >= 11, "{forms:?}");
    for (form, value) in &forms {
        assert!(value.len() >= 12, "{form} {value}");
    }
    // Spot checks of the encodings themselves.
    let get = |name: &str| forms.iter().find(|(f, _)| f == name).unwrap().1.clone();
    assert!(get("URL-encoded").starts_with("Leak%2BTest%2FPass%20word%251"));
    assert!(get("URL-encoded, lower-case hex").starts_with("Leak%2bTest%2fPass%20word%251"));
    assert!(get("JSON-escaped").ends_with("\\\"&<é>'\\\\"));
}
