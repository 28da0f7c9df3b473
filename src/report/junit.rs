//! The JUnit XML report: cucumber's JUnit writer fills a buffer during the
//! run; [`finish_junit`] then adds what cucumber does not know (left-out
//! scenarios as `<skipped>` test cases, retried requests as `<system-err>`)
//! and masks the text.

use std::fmt::Write as _;

use crate::core::record::{LeftOutScenario, RetriedRequest};
use crate::core::redact::Redactor;
use crate::report::skipped_message;

/// XML-escapes `s` for an attribute value or text.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The test case name cucumber's JUnit writer would give the scenario.
fn junit_name(l: &LeftOutScenario) -> String {
    format!(
        "{}Scenario: {}: {}{}:{}",
        l.rule
            .as_ref()
            .map(|r| format!("Rule: {r}: "))
            .unwrap_or_default(),
        l.name,
        l.path.as_ref().map(|p| format!("{p}:")).unwrap_or_default(),
        l.line,
        l.col,
    )
}

/// The JUnit XML cucumber wrote, with every left-out scenario added as a
/// `<testcase>` holding `<skipped message="left out, not run: ..."/>`
/// (in its feature's `<testsuite>`, whose `tests` and `skipped` counts
/// follow), and masked by `redactor`.
pub fn finish_junit(
    xml: &str,
    left_out: &[LeftOutScenario],
    retried: &[RetriedRequest],
    redactor: &Redactor,
) -> String {
    let mut xml = xml.to_owned();
    for r in retried {
        xml = note_retry_in_testcase(&xml, r);
    }
    if xml.trim().is_empty() {
        xml = r#"<?xml version="1.0" encoding="utf-8"?><testsuites/>"#.to_owned();
    }
    let mut features: Vec<&str> = left_out.iter().map(|l| l.feature.as_str()).collect();
    features.dedup();
    for feature in features {
        let cases: Vec<&LeftOutScenario> =
            left_out.iter().filter(|l| l.feature == feature).collect();
        let body: String = cases.iter().map(|c| skipped_case(c)).collect();
        xml = add_to_suite(&xml, feature, cases[0], cases.len(), &body);
    }
    redactor.mask(&xml).into_owned()
}

/// The `<testcase>` of a left-out scenario.
fn skipped_case(case: &LeftOutScenario) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<testcase name="{}" time="0"><skipped message="{}"/><system-out>{}</system-out></testcase>"#,
        xml_escape(&junit_name(case)),
        xml_escape(&skipped_message(&case.reason)),
        xml_escape(&format!(
            "{}: left out, not run: {}\n",
            case.describe(),
            case.reason
        )),
    );
    out
}

/// Inserts `cases` (XML) into the `<testsuite>` of `feature`, or into a new
/// one at the end of `<testsuites>`.
fn add_to_suite(
    xml: &str,
    feature: &str,
    first: &LeftOutScenario,
    count: usize,
    cases: &str,
) -> String {
    let wanted = format!("Feature: {feature}");
    match find_suite(xml, &wanted) {
        Some((start, end)) => add_to_existing_suite(xml, start, end, count, cases),
        None => add_new_suite(xml, &wanted, first, count, cases),
    }
}

/// Start and end (the `>`) of the `<testsuite ...>` tag named `wanted`.
fn find_suite(xml: &str, wanted: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(rel) = xml[from..].find("<testsuite ") {
        let start = from + rel;
        let end = start + xml[start..].find('>')?;
        let name = attr(&xml[start..end], "name").map(|n| xml_unescape(&n));
        if name.is_some_and(|n| n == wanted || n.starts_with(&format!("{wanted}: "))) {
            return Some((start, end));
        }
        from = end;
    }
    None
}

/// Adds `cases` to the suite whose start tag is `xml[start..end]`, and
/// `count` to its `tests` and `skipped` counts.
fn add_to_existing_suite(xml: &str, start: usize, end: usize, count: usize, cases: &str) -> String {
    let tag = &xml[start..end];
    let self_closing = tag.ends_with('/');
    let mut tag = tag.trim_end_matches('/').to_owned();
    for name in ["tests", "skipped"] {
        let n = attr(&tag, name)
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(0);
        tag = set_attr(&tag, name, &(n + count).to_string());
    }
    let rest = &xml[end + 1..];
    if self_closing {
        format!("{}{tag}>{cases}</testsuite>{rest}", &xml[..start])
    } else {
        let close = rest.find("</testsuite>").unwrap_or(rest.len());
        format!(
            "{}{tag}>{}{cases}{}",
            &xml[..start],
            &rest[..close],
            &rest[close..]
        )
    }
}

/// Adds a new suite named `wanted` holding `cases` at the end of `<testsuites>`.
fn add_new_suite(
    xml: &str,
    wanted: &str,
    first: &LeftOutScenario,
    count: usize,
    cases: &str,
) -> String {
    let id = xml.matches("<testsuite ").count();
    let suite = format!(
        r#"<testsuite id="{id}" name="{}" tests="{count}" skipped="{count}" errors="0" failures="0" time="0">{cases}</testsuite>"#,
        xml_escape(&format!(
            "{wanted}{}",
            first
                .path
                .as_ref()
                .map(|p| format!(": {p}"))
                .unwrap_or_default()
        )),
    );
    if let Some(pos) = xml.rfind("</testsuites>") {
        format!("{}{suite}{}", &xml[..pos], &xml[pos..])
    } else if let Some(pos) = xml.rfind("<testsuites/>") {
        format!(
            "{}<testsuites>{suite}</testsuites>{}",
            &xml[..pos],
            &xml[pos + "<testsuites/>".len()..]
        )
    } else {
        format!("{xml}<testsuites>{suite}</testsuites>")
    }
}

/// Adds a `<system-err>` line about `r` to the test case of its scenario, so
/// a scenario that passed only thanks to retries does not look like a plain
/// pass.
fn note_retry_in_testcase(xml: &str, r: &RetriedRequest) -> String {
    let wanted = xml_escape(&format!("Scenario: {}: ", r.scenario));
    let Some(start) = xml.find(&format!("<testcase name=\"{wanted}")) else {
        return xml.to_owned();
    };
    let Some(head_len) = xml[start..].find('>') else {
        return xml.to_owned();
    };
    let head_end = start + head_len;
    let note = format!("<system-err>{}</system-err>", xml_escape(&r.describe()));
    if xml[..head_end].ends_with('/') {
        // `<testcase .../>`: open it up.
        return format!(
            "{}>{note}</testcase>{}",
            &xml[..head_end - 1],
            &xml[head_end + 1..]
        );
    }
    match xml[head_end..].find("</testcase>") {
        Some(close) => {
            let at = head_end + close;
            format!("{}{note}{}", &xml[..at], &xml[at..])
        }
        None => xml.to_owned(),
    }
}

/// The raw (escaped) value of attribute `name` in a start tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

/// The start tag with attribute `name` set to `value` (a number: no escaping).
fn set_attr(tag: &str, name: &str, value: &str) -> String {
    let key = format!(" {name}=\"");
    match tag.find(&key) {
        Some(i) => {
            let start = i + key.len();
            let len = tag[start..].find('"').unwrap_or(0);
            format!("{}{value}{}", &tag[..start], &tag[start + len..])
        }
        None => format!("{tag} {name}=\"{value}\""),
    }
}
