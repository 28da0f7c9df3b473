//! Layer 3, what a run shows: the live console, the report files CI
//! reads (JUnit XML, Cucumber JSON) and the HTML report people read, all
//! built from the run's own records (`core::record`); it never runs
//! anything.
//!
//! The [`Recorder`] is the run's one cucumber writer: it turns cucumber's
//! events into a [`RunRecord`] and drives the [`console::Console`]. When
//! the run is over, [`junit`], [`cucumber_json`] and [`html`] each write
//! their format from that record (with the left-out scenarios and retried
//! requests the app adds to it), masking every string with the run's
//! [`Redactor`] (which by then knows every token the run captured);
//! [`Reports::finish`] then writes each file through
//! [`Redactor::writer`], so every byte passes the redactor once more.
//!
//! Depends on `core` only (and on cucumber's event types). It may not know
//! the suite's steps, the targets, the app or the process.

pub mod advisories;
pub mod console;
pub mod cucumber_json;
pub mod html;
pub mod junit;
mod recorder;

pub use recorder::{RecordHandle, Recorder};

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::core::record::{RunRecord, StepRun, StepStatus};
use crate::core::redact::Redactor;

/// Why a report file could not be created or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file (or its folder) could not be created or written.
    #[error("cannot write the {what} to {}: {source}", path.display())]
    Io {
        /// Which report (`JUnit report`, `Cucumber JSON report`, `HTML report`).
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
}

/// The message of a left-out test case.
fn skipped_message(reason: &str) -> String {
    format!("left out, not run: {reason}")
}

/// One step as a line of text (console-free: no colours).
fn step_line(s: &StepRun) -> String {
    let (mark, time) = match s.status {
        StepStatus::Passed => ("✔", console::fmt_duration(s.duration)),
        StepStatus::Failed => ("✘", console::fmt_duration(s.duration)),
        StepStatus::Undefined => ("?", "undefined".to_owned()),
        StepStatus::Skipped => ("-", "not run".to_owned()),
    };
    format!("{mark} {}{} (line {}, {time})", s.keyword, s.text, s.line)
}

/// `2026-11-29T15:47:21.058Z` (UTC, milliseconds).
fn rfc3339(t: SystemTime) -> String {
    let format = time::format_description::parse_borrowed::<2>(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z",
    );
    format
        .ok()
        .and_then(|f| time::OffsetDateTime::from(t).format(&f).ok())
        .unwrap_or_default()
}

/// Teaches `redactor` the forms a secret takes inside report files that
/// its own list of encodings does not cover (XML- and HTML-escaped). The
/// reports mask every string before escaping it; this is the second line.
pub fn learn_report_forms(redactor: &Redactor, secret: &str) {
    for escaped in [xml_escape(secret), html::escape(secret)] {
        if escaped != secret {
            redactor.add(&escaped);
        }
    }
}

/// XML-escapes `s` as quick-xml does for text and attribute values.
fn xml_escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// Writes `text` to `out` through `redactor.writer(...)`, flushed.
pub fn write_report<W: Write>(out: W, text: &str, redactor: &Redactor) -> io::Result<()> {
    let mut w = redactor.writer(out);
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// A report file opened before the run (so a bad path fails fast), written
/// when the run is over.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    file: std::fs::File,
}

impl ReportFile {
    /// Creates (truncates) the file at `path`, and its folder if needed.
    pub fn create(path: &Path) -> io::Result<ReportFile> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        Ok(ReportFile {
            path: path.to_owned(),
            file: std::fs::File::create(path)?,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `text` through `redactor` and flushes it to disk.
    pub fn write(self, text: &str, redactor: &Redactor) -> io::Result<()> {
        write_report(self.file, text, redactor)
    }
}

/// Where the reports go (each `None` if not asked for).
#[derive(Debug, Default, Clone, Copy)]
pub struct ReportPaths<'a> {
    /// JUnit XML.
    pub junit: Option<&'a Path>,
    /// Cucumber JSON.
    pub cucumber_json: Option<&'a Path>,
    /// The HTML report.
    pub html: Option<&'a Path>,
}

/// The report files a run writes: opened before the scenarios run,
/// written from the run's record when it is over.
#[derive(Debug, Default)]
pub struct Reports {
    files: Vec<(Format, ReportFile)>,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Junit,
    CucumberJson,
    Html,
}

impl Format {
    /// What the console calls it, and what an error calls it.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Format::Junit => ("JUnit XML", "JUnit report"),
            Format::CucumberJson => ("Cucumber JSON", "Cucumber JSON report"),
            Format::Html => ("HTML", "HTML report"),
        }
    }

    fn render(self, record: &RunRecord, redactor: &Redactor) -> String {
        match self {
            Format::Junit => junit::junit_xml(record, redactor),
            Format::CucumberJson => cucumber_json::cucumber_json(record, redactor),
            Format::Html => html::html_report(record, redactor),
        }
    }
}

/// What [`Reports::finish`] did.
#[derive(Debug, Default)]
pub struct Finished {
    /// Report files written: what (`JUnit XML`, `Cucumber JSON`, `HTML`) and where.
    pub written: Vec<(&'static str, String)>,
    /// What could not be written.
    pub errors: Vec<ReportError>,
}

impl Reports {
    /// Creates the report files asked for; says which one cannot be.
    pub fn open(paths: ReportPaths<'_>) -> Result<Reports, ReportError> {
        let mut files = Vec::new();
        for (format, path) in [
            (Format::Junit, paths.junit),
            (Format::CucumberJson, paths.cucumber_json),
            (Format::Html, paths.html),
        ] {
            let Some(path) = path else { continue };
            let file = ReportFile::create(path).map_err(|source| ReportError::Io {
                what: format.names().1,
                path: path.to_owned(),
                source,
            })?;
            files.push((format, file));
        }
        Ok(Reports { files })
    }

    /// Writes each report asked for from `record`, through `redactor`.
    pub fn finish(self, record: &RunRecord, redactor: &Redactor) -> Finished {
        let mut done = Finished::default();
        for (format, file) in self.files {
            let (label, what) = format.names();
            let path = file.path().to_owned();
            let text = format.render(record, redactor);
            match file.write(&text, redactor) {
                Ok(()) => done.written.push((label, path.display().to_string())),
                Err(source) => done.errors.push(ReportError::Io { what, path, source }),
            }
        }
        done
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::record::{
        FeatureRun, LeftOutScenario, NO_API_TOKEN, RetriedRequest, ScenarioKey, ScenarioRun,
        ScenarioStatus, StepRecord,
    };
    use std::time::Duration;

    fn step(text: &str, line: usize, status: StepStatus, error: Option<&str>) -> StepRun {
        StepRun {
            keyword: "Then ".into(),
            text: text.into(),
            line,
            background: false,
            status,
            duration: Duration::from_millis(2),
            error: error.map(Into::into),
        }
    }

    fn scenario(path: &str, line: usize, name: &str, failure: Option<&str>) -> ScenarioRun {
        let status = if failure.is_some() {
            StepStatus::Failed
        } else {
            StepStatus::Passed
        };
        ScenarioRun {
            key: ScenarioKey {
                path: path.into(),
                line,
            },
            col: 3,
            keyword: "Scenario".into(),
            name: name.into(),
            rule: None,
            tags: vec![],
            status: if failure.is_some() {
                ScenarioStatus::Failed
            } else {
                ScenarioStatus::Passed
            },
            duration: Duration::from_millis(5),
            steps: vec![
                step("the response status is 200", line + 1, status, failure),
                step("the user is the admin", line + 2, StepStatus::Skipped, None),
            ],
            failure: failure.map(Into::into),
            state: failure.map(|_| "AuthWorld { session_cookie: Some([REDACTED]) }".into()),
            retried: vec![],
            reused: vec![],
            left_out: None,
        }
    }

    fn feature(path: &str, name: &str, scenarios: Vec<ScenarioRun>) -> FeatureRun {
        FeatureRun {
            path: path.into(),
            keyword: "Feature".into(),
            name: name.into(),
            tags: vec!["login".into()],
            line: 2,
            background_keyword: None,
            scenarios,
        }
    }

    pub(crate) const REPORT: &str = "check failed: same user\n  the user is not the one who logged in\n\
        diff (- expected, + actual):\n--- expected\n+++ actual\n@@ -1 +1 @@\n-\"a@b.co\"\n+\"x<y>&z@b.co\"\n";

    /// Two files with a scenario of the same name each (one failing, one
    /// retried), a left-out scenario, and a preflight retry.
    pub(crate) fn sample() -> RunRecord {
        let retried = |path: &str, line| RetriedRequest {
            scenario: "Same name".into(),
            key: Some(ScenarioKey {
                path: path.into(),
                line,
            }),
            request: "GET /admin/auth".into(),
            retries: 1,
            errors: vec!["connection closed".into()],
        };
        let mut record = RunRecord {
            target: "embedded reference backend at http://127.0.0.1:1234/".into(),
            duration: Duration::from_millis(30),
            features: vec![
                feature(
                    "features/a.feature",
                    "A",
                    vec![scenario("features/a.feature", 4, "Same name", None)],
                ),
                feature(
                    "features/b.feature",
                    "B",
                    vec![scenario("features/b.feature", 7, "Same name", Some(REPORT))],
                ),
            ],
            ..RunRecord::default()
        };
        record.add_left_out(&[LeftOutScenario {
            feature: "B".into(),
            feature_keyword: "Feature".into(),
            path: Some("features/b.feature".into()),
            feature_tags: vec![],
            rule: None,
            background: None,
            keyword: "Scenario".into(),
            name: "API token <x> & co".into(),
            line: 20,
            col: 3,
            tags: vec!["api-token".into()],
            steps: vec![StepRecord {
                keyword: "When ".into(),
                line: 21,
                text: "I ask who I am with the API token".into(),
            }],
            reason: NO_API_TOKEN.into(),
        }]);
        record.attach_retries(&[
            retried("features/a.feature", 4),
            RetriedRequest {
                scenario: crate::core::record::PREFLIGHT.into(),
                key: None,
                ..retried("", 0)
            },
        ]);
        record
    }

    #[test]
    fn retries_go_to_their_scenario_by_key_not_by_name() {
        let r = sample();
        let same: Vec<&ScenarioRun> = r.scenarios().filter(|s| s.name == "Same name").collect();
        assert_eq!(same.len(), 2);
        assert_eq!(same[0].key.path, "features/a.feature");
        assert_eq!(same[0].retried.len(), 1);
        assert!(same[1].retried.is_empty());
        assert_eq!(r.retried.len(), 1, "the preflight's stays with the run");
        let c = r.counts();
        assert_eq!((c.passed, c.failed, c.left_out), (1, 1, 1));
    }

    #[test]
    fn reused_answers_go_to_their_scenario_by_key_and_into_each_report() {
        use crate::core::record::ReusedAnswer;
        let mut r = sample();
        let reused = |key: Option<ScenarioKey>| ReusedAnswer {
            scenario: "Same name".into(),
            key,
            request: "POST /auth/user/emailpass".into(),
        };
        let b7 = ScenarioKey {
            path: "features/b.feature".into(),
            line: 7,
        };
        r.attach_reused(&[reused(Some(b7)), reused(None)]);
        let counts: Vec<usize> = r.scenarios().map(|s| s.reused.len()).collect();
        assert_eq!(
            counts.iter().sum::<usize>(),
            1,
            "one without a key is dropped"
        );
        let b = r
            .scenarios()
            .find(|s| s.key.line == 7)
            .expect("b.feature:7");
        assert_eq!(b.reused.len(), 1);
        let line = b.reused[0].describe();
        assert_eq!(
            line,
            "same request as the previous step on this dialect: POST /auth/user/emailpass was not sent again, \
             its answer is checked (scenario: Same name, features/b.feature:7)"
        );
        let none = Redactor::new();
        assert_eq!(junit::junit_xml(&r, &none).matches(&line).count(), 1);
        assert_eq!(
            cucumber_json::cucumber_json(&r, &none)
                .matches(&line)
                .count(),
            1
        );
        assert_eq!(
            html::html_report(&r, &none)
                .matches("class=\"reused\"")
                .count(),
            1
        );
    }

    #[test]
    fn junit_is_well_formed_and_keeps_same_named_scenarios_apart() {
        let xml = junit::junit_xml(&sample(), &Redactor::new());
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let cases: Vec<roxmltree::Node<'_, '_>> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 3, "{xml}");
        let a = cases[0];
        assert_eq!(
            a.attribute("name"),
            Some("Scenario: Same name: features/a.feature:4:3")
        );
        let err: Vec<_> = a
            .children()
            .filter(|n| n.has_tag_name("system-err"))
            .collect();
        assert_eq!(err.len(), 1, "{xml}");
        assert!(err[0].text().unwrap().contains("features/a.feature:4"));
        let b = cases[1];
        assert!(!b.children().any(|n| n.has_tag_name("system-err")), "{xml}");
        let failure = b.children().find(|n| n.has_tag_name("failure")).unwrap();
        assert_eq!(
            failure.attribute("message"),
            Some("check failed: same user")
        );
        assert!(failure.text().unwrap().contains("+\"x<y>&z@b.co\""));
        let skipped = cases[2]
            .children()
            .find(|n| n.has_tag_name("skipped"))
            .unwrap();
        assert_eq!(
            skipped.attribute("message"),
            Some("left out, not run: MEDUSA_API_TOKEN is not set")
        );
        let suites = doc.root_element();
        assert_eq!(suites.attribute("tests"), Some("3"));
        assert_eq!(suites.attribute("failures"), Some("1"));
    }

    #[test]
    fn cucumber_json_keeps_same_named_scenarios_apart() {
        let json = cucumber_json::cucumber_json(&sample(), &Redactor::new());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["uri"], "features/a.feature");
        let a = &v[0]["elements"][0];
        assert!(
            a["description"]
                .as_str()
                .unwrap()
                .contains("retried: GET /admin/auth")
        );
        let b = &v[1]["elements"][0];
        assert_eq!(b["description"], "");
        assert_eq!(b["steps"][0]["result"]["status"], "failed");
        assert_eq!(b["steps"][1]["result"]["status"], "skipped");
        let left_out = &v[1]["elements"][1];
        assert_eq!(
            left_out["steps"][0]["result"]["error_message"],
            "left out, not run: MEDUSA_API_TOKEN is not set"
        );
    }

    #[test]
    fn every_format_is_masked() {
        let mut record = sample();
        let secret = "s3cr&t\"pw<x>";
        let sc = &mut record.features[1].scenarios[0];
        sc.failure = Some(format!("check failed: x\n{secret}"));
        sc.steps[0].error = sc.failure.clone();
        record.target = format!("http://{secret}@h/");
        let r = Redactor::new();
        r.add(secret);
        learn_report_forms(&r, secret);
        for text in [
            junit::junit_xml(&record, &r),
            cucumber_json::cucumber_json(&record, &r),
            html::html_report(&record, &r),
        ] {
            assert!(!text.contains("s3cr"), "{text}");
            assert!(text.contains("[REDACTED]"), "{text}");
        }
    }

    #[test]
    fn times_are_utc_to_the_millisecond() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_764_430_041_058_999_999);
        assert_eq!(rfc3339(t), "2025-11-29T15:27:21.058Z");
    }

    #[test]
    fn report_files_are_written_and_named() {
        let dir = std::env::temp_dir().join(format!("mc-report-unit-{}", std::process::id()));
        let html = dir.join("deep/report.html");
        let reports = Reports::open(ReportPaths {
            html: Some(&html),
            ..ReportPaths::default()
        })
        .unwrap();
        let done = reports.finish(&sample(), &Redactor::new());
        assert!(done.errors.is_empty());
        assert_eq!(done.written[0].0, "HTML");
        assert!(
            std::fs::read_to_string(&html)
                .unwrap()
                .starts_with("<!DOCTYPE html>")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
