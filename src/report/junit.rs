//! The JUnit XML report, written from the run's [`RunRecord`] with an XML
//! writer (quick-xml): one `<testsuite>` per feature file, one
//! `<testcase>` per scenario named by its file, line and column (so two
//! scenarios of the same name never mix), `<failure>` with the full
//! report, `<skipped>` for a left-out scenario, the steps (and a failed
//! scenario's state) in `<system-out>`, its retried requests in
//! `<system-err>`. Counts are computed from the same records, so they add
//! up. Every string is masked before it is escaped.
//!
//! The structure is the Ant/Jenkins `junit-10.xsd` one that CI tools read
//! (`tests/junit/` checks it with an XML parser).

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::core::advisory::{Advisories, Finding};
use crate::core::record::{
    FeatureRun, RunRecord, ScenarioRun, ScenarioStatus, StepRun, StepStatus,
};
use crate::core::redact::Redactor;
use crate::report::advisories;
use crate::report::{rfc3339, skipped_message, step_line};

type Xml = Writer<Vec<u8>>;

/// The JUnit XML of `record`, every string masked by `redactor`.
pub fn junit_xml(record: &RunRecord, redactor: &Redactor) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a Vec cannot fail.
    let _ = write_document(&mut w, record, redactor);
    String::from_utf8_lossy(&w.into_inner()).into_owned()
}

fn write_document(w: &mut Xml, record: &RunRecord, r: &Redactor) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let counts = record.counts();
    let errors = record.parse_errors.len();
    let a = &record.advisories;
    let (adv_tests, adv_failures) = match advisories::shown(a) {
        true => (a.findings().len(), a.failing().len()),
        false => (0, 0),
    };
    let tests = counts.total() + errors + adv_tests;
    let failures = counts.failed + counts.skipped + adv_failures;
    w.create_element("testsuites")
        .with_attributes([
            ("name", "medusa-conformance"),
            ("tests", &tests.to_string()),
            ("failures", &failures.to_string()),
            ("errors", &errors.to_string()),
            ("time", &seconds(record.duration)),
        ])
        .write_inner_content(|w| {
            for (id, feature) in record.features.iter().enumerate() {
                write_suite(w, id, feature, record, r)?;
            }
            if !record.parse_errors.is_empty() {
                write_parse_errors(w, record, r)?;
            }
            if advisories::shown(&record.advisories) {
                write_advisories(w, record, r)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_suite(
    w: &mut Xml,
    id: usize,
    feature: &FeatureRun,
    record: &RunRecord,
    r: &Redactor,
) -> io::Result<()> {
    let c = feature.counts();
    let name = format!("{}: {}: {}", feature.keyword, feature.name, feature.path);
    w.create_element("testsuite")
        .with_attributes([
            ("name", clean(r, &name).as_str()),
            ("id", &id.to_string()),
            ("package", &clean(r, &feature.path)),
            ("tests", &c.total().to_string()),
            ("failures", &(c.failed + c.skipped).to_string()),
            ("errors", "0"),
            ("skipped", &c.left_out.to_string()),
            ("time", &seconds(feature.duration())),
            ("timestamp", &rfc3339(record.started)),
        ])
        .write_inner_content(|w| {
            for sc in &feature.scenarios {
                write_case(w, feature, sc, r)?;
            }
            Ok(())
        })?;
    Ok(())
}

/// `[Rule: R: ]Scenario: N: file:line:col`: unique in a run.
pub fn case_name(sc: &ScenarioRun) -> String {
    let rule = sc
        .rule
        .as_ref()
        .map(|r| format!("Rule: {r}: "))
        .unwrap_or_default();
    format!("{rule}{}: {}: {}:{}", sc.keyword, sc.name, sc.key, sc.col)
}

fn write_case(w: &mut Xml, feature: &FeatureRun, sc: &ScenarioRun, r: &Redactor) -> io::Result<()> {
    w.create_element("testcase")
        .with_attributes([
            ("name", clean(r, &case_name(sc)).as_str()),
            ("classname", &clean(r, &feature.path)),
            ("time", &seconds(sc.duration)),
        ])
        .write_inner_content(|w| {
            match sc.status {
                ScenarioStatus::LeftOut => {
                    let why = skipped_message(sc.left_out.as_deref().unwrap_or_default());
                    w.create_element("skipped")
                        .with_attribute(("message", clean(r, &why).as_str()))
                        .write_empty()?;
                }
                ScenarioStatus::Failed | ScenarioStatus::Skipped => write_failure(w, sc, r)?,
                ScenarioStatus::Passed => {}
            }
            text_element(w, "system-out", &system_out(sc), r)?;
            if !sc.retried.is_empty() {
                let lines: Vec<String> = sc.retried.iter().map(|x| x.describe()).collect();
                text_element(w, "system-err", &lines.join("\n"), r)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_failure(w: &mut Xml, sc: &ScenarioRun, r: &Redactor) -> io::Result<()> {
    let step = sc.failed_step();
    let kind = match step.map(|s| s.status) {
        Some(StepStatus::Undefined) => "undefined step",
        Some(_) => "failed step",
        None if sc.status == ScenarioStatus::Skipped => "skipped step",
        None => "failed hook",
    };
    let report = sc
        .failure
        .clone()
        .unwrap_or_else(|| "a step was skipped: the scenario did not run to its end".into());
    let text = match step {
        Some(s) => format!("{}\n\n{report}", failed_at(sc, s)),
        None => report.clone(),
    };
    let message = report.lines().next().unwrap_or(kind).to_owned();
    w.create_element("failure")
        .with_attributes([("message", clean(r, &message).as_str()), ("type", kind)])
        .write_text_content(BytesText::new(&clean(r, &text)))?;
    Ok(())
}

/// `step: Then ... (features/x.feature:14)`.
fn failed_at(sc: &ScenarioRun, s: &StepRun) -> String {
    format!("step: {}{} ({}:{})", s.keyword, s.text, sc.key.path, s.line)
}

/// The steps, one line each, and the state of a failed scenario.
fn system_out(sc: &ScenarioRun) -> String {
    let mut lines: Vec<String> = sc.steps.iter().map(step_line).collect();
    lines.extend(sc.reused.iter().map(|x| x.describe()));
    if let Some(state) = &sc.state {
        lines.push(format!("state: {state}"));
    }
    lines.join("\n")
}

fn write_parse_errors(w: &mut Xml, record: &RunRecord, r: &Redactor) -> io::Result<()> {
    let n = record.parse_errors.len().to_string();
    w.create_element("testsuite")
        .with_attributes([
            ("name", "Feature files that did not parse"),
            ("id", &record.features.len().to_string()),
            ("tests", &n),
            ("failures", "0"),
            ("errors", &n),
            ("skipped", "0"),
            ("time", "0"),
            ("timestamp", &rfc3339(record.started)),
        ])
        .write_inner_content(|w| {
            for (i, e) in record.parse_errors.iter().enumerate() {
                w.create_element("testcase")
                    .with_attributes([("name", format!("parse error {}", i + 1).as_str())])
                    .write_inner_content(|w| {
                        let first = e.lines().next().unwrap_or_default();
                        w.create_element("error")
                            .with_attributes([
                                ("message", clean(r, first).as_str()),
                                ("type", "parse error"),
                            ])
                            .write_text_content(BytesText::new(&clean(r, e)))?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// The advisories as a suite of their own: one case per finding, with
/// `<properties>` naming each finding's severity and ASVS ids; a case has
/// a `<failure>` only when a strict run fails on it.
fn write_advisories(w: &mut Xml, record: &RunRecord, r: &Redactor) -> io::Result<()> {
    let a = &record.advisories;
    let findings = a.findings();
    w.create_element("testsuite")
        .with_attributes([
            ("name", "security advisories (OWASP ASVS 5.0)"),
            ("id", &(record.features.len() + 1).to_string()),
            ("tests", &findings.len().to_string()),
            ("failures", &a.failing().len().to_string()),
            ("errors", "0"),
            ("skipped", "0"),
            ("time", "0"),
            ("timestamp", &rfc3339(record.started)),
        ])
        .write_inner_content(|w| {
            w.create_element("properties").write_inner_content(|w| {
                let mode = ("advisories.mode", a.mode.name().to_owned());
                let rows = findings.iter().map(|f| {
                    let value = format!(
                        "{} {}",
                        f.advisory.severity.name(),
                        advisories::requirement(f)
                    );
                    (f.advisory.id, value)
                });
                for (name, value) in std::iter::once(mode).chain(rows) {
                    w.create_element("property")
                        .with_attributes([("name", name), ("value", clean(r, &value).as_str())])
                        .write_empty()?;
                }
                Ok(())
            })?;
            for f in &findings {
                write_advisory(w, a, f, r)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_advisory(w: &mut Xml, a: &Advisories, f: &Finding, r: &Redactor) -> io::Result<()> {
    let name = format!(
        "[{}] {}: {}",
        f.advisory.severity.name(),
        f.advisory.id,
        f.advisory.statement
    );
    w.create_element("testcase")
        .with_attributes([
            ("name", clean(r, &name).as_str()),
            ("classname", "advisories"),
            ("time", "0"),
        ])
        .write_inner_content(|w| {
            if advisories::fails(a, f) {
                w.create_element("failure")
                    .with_attributes([
                        ("message", clean(r, &f.evidence).as_str()),
                        ("type", "advisory (strict)"),
                    ])
                    .write_text_content(BytesText::new(&clean(r, &f.describe())))?;
            }
            text_element(w, "system-out", &f.describe(), r)
        })?;
    Ok(())
}

fn text_element(w: &mut Xml, name: &str, text: &str, r: &Redactor) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&clean(r, text)))?;
    Ok(())
}

/// `text` masked, and without the characters XML 1.0 cannot hold even
/// escaped (control characters from a raw response body).
fn clean(r: &Redactor, text: &str) -> String {
    r.mask(text)
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}
