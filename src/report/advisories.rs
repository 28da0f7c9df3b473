//! The security advisories in the report files, beside the scenarios:
//! a JUnit `<testsuite name="security advisories">` (a `<failure>` only for
//! the ones a strict run fails on), a Cucumber JSON feature of their own
//! (`failed` only in strict), and an HTML section. Nothing is written when
//! the run judged no advisory (`off`). Every string is masked by the
//! caller's redactor as the rest of each report.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::core::advisory::{Advisories, Finding, Mode};

/// Whether a report shows advisories at all.
pub fn shown(a: &Advisories) -> bool {
    a.mode != Mode::Off
}

/// Whether `f` fails the run (strict, at or above the level).
pub fn fails(a: &Advisories, f: &Finding) -> bool {
    a.failing().iter().any(|x| x.advisory.id == f.advisory.id)
}

/// The ASVS ids of `f`: `V7.2.4 (4.0.3 3.2.1)`.
pub fn requirement(f: &Finding) -> String {
    match f.advisory.asvs4 {
        Some(old) => format!("ASVS {} (4.0.3 {old})", f.advisory.asvs5),
        None => format!("ASVS {}", f.advisory.asvs5),
    }
}

/// The Cucumber JSON feature of the advisories (uri `advisories`): one
/// element per finding, one step holding the statement and the evidence.
pub fn cucumber_feature(a: &Advisories) -> Value {
    let elements: Vec<Value> = a
        .findings()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let status = if fails(a, f) { "failed" } else { "passed" };
            let mut result = json!({"status": status, "duration": 0});
            if fails(a, f) {
                result["error_message"] = json!(f.evidence);
            }
            json!({
                "keyword": "Advisory",
                "type": "scenario",
                "id": format!("security-advisories;{}", f.advisory.id),
                "line": i + 1,
                "name": format!("[{}] {}: {}", f.advisory.severity.name(), f.advisory.id, requirement(f)),
                "description": f.evidence,
                "tags": [{"name": format!("@advisory-{}", f.advisory.severity.name()), "line": i + 1}],
                "steps": [{
                    "keyword": "Then ",
                    "name": f.advisory.statement,
                    "line": i + 1,
                    "result": result,
                }],
            })
        })
        .collect();
    json!({
        "uri": "advisories",
        "id": "security-advisories",
        "keyword": "Feature",
        "name": format!("Security advisories (OWASP ASVS 5.0, {} mode)", a.mode.name()),
        "line": 1,
        "description": "Separate from the contract: they fail the run only in strict mode.",
        "tags": [],
        "elements": elements,
    })
}

/// The HTML section: a table of the findings, the most severe first;
/// `text` masks and escapes.
pub fn html_section(a: &Advisories, text: &dyn Fn(&str) -> String) -> String {
    let findings = a.findings();
    let mut out = format!(
        "<section class=\"advisories\" id=\"advisories\">\n<h2>Security advisories: {} ({} mode, separate from the contract)</h2>\n",
        findings.len(),
        a.mode.name()
    );
    if findings.is_empty() {
        out.push_str("<p>None fired.</p>\n</section>\n");
        return out;
    }
    out.push_str("<table>\n<tr><th>severity</th><th>advisory</th><th>requirement</th><th>statement</th><th>evidence</th></tr>\n");
    for f in findings {
        let class = if fails(a, f) { " class=\"failed\"" } else { "" };
        let _ = writeln!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.advisory.severity.name(),
            text(f.advisory.id),
            text(&requirement(f)),
            text(f.advisory.statement),
            text(&f.evidence)
        );
    }
    out.push_str("</table>\n</section>\n");
    out
}
