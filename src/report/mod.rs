//! Layer 3, the report files CI reads (JUnit XML, Cucumber JSON) and the
//! console summary: sibling writers that read the run's records
//! (`core::record`) and never run anything.
//!
//! cucumber's own writers fill in-memory [`Buffer`]s during the run. When
//! the run is over, [`junit::finish_junit`] and
//! [`cucumber_json::finish_cucumber_json`] add the left-out scenarios (as
//! skipped test cases, never as passes) and the retried requests, and mask
//! every string with the run's [`Redactor`] (which by then knows every
//! token the run captured); [`write_report`] then writes the text to its
//! file through [`Redactor::writer`], so every byte of a report passes the
//! redactor once more on its way out.
//!
//! Depends on `core` only (and on cucumber's writers). It may not know the
//! suite's steps, the targets, the app or the process.

pub mod console;
mod cucumber_adapter;
pub mod cucumber_json;
pub mod junit;

pub use cucumber_adapter::FixedCli;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::core::record::{LeftOutScenario, RetriedRequest};
use crate::core::redact::Redactor;

/// Why a report file could not be created or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file (or its folder) could not be created or written.
    #[error("cannot write the {what} to {}: {source}", path.display())]
    Io {
        /// Which report (`JUnit report`, `Cucumber JSON report`).
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// cucumber's JSON writer wrote something that is not JSON.
    #[error("the Cucumber JSON report for {} is not JSON: {source}", path.display())]
    NotJson {
        /// Its path.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
}

/// The message of a left-out test case.
fn skipped_message(reason: &str) -> String {
    format!("left out, not run: {reason}")
}

/// Teaches `redactor` the forms a secret takes inside report files that
/// its own list of encodings does not cover (XML-escaped).
pub fn learn_report_forms(redactor: &Redactor, secret: &str) {
    let escaped = junit::xml_escape(secret);
    if escaped != secret {
        redactor.add(&escaped);
    }
}

/// Writes `text` to `out` through `redactor.writer(...)`, flushed.
pub fn write_report<W: Write>(out: W, text: &str, redactor: &Redactor) -> io::Result<()> {
    let mut w = redactor.writer(out);
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// Where a report writer puts its text during the run. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// The text written so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("report buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A report file opened before the run (so a bad path fails fast), written
/// when the run is over.
#[derive(Debug)]
pub struct ReportFile {
    path: std::path::PathBuf,
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

/// The report files a run writes: opened before the scenarios run, filled
/// by cucumber's writers (into [`Buffer`]s), written when the run is over.
#[derive(Debug, Default)]
pub struct Reports {
    junit: Option<ReportFile>,
    json: Option<ReportFile>,
    junit_buffer: Buffer,
    json_buffer: Buffer,
}

/// What [`Reports::finish`] did.
#[derive(Debug, Default)]
pub struct Finished {
    /// Report files written: what (`JUnit XML`, `Cucumber JSON`) and where.
    pub written: Vec<(&'static str, String)>,
    /// What could not be written.
    pub errors: Vec<ReportError>,
}

impl Reports {
    /// Creates the report files asked for; says which one cannot be.
    pub fn open(junit: Option<&Path>, json: Option<&Path>) -> Result<Reports, ReportError> {
        let open = |path: Option<&Path>, what: &'static str| {
            path.map(|p| {
                ReportFile::create(p).map_err(|source| ReportError::Io {
                    what,
                    path: p.to_owned(),
                    source,
                })
            })
            .transpose()
        };
        Ok(Reports {
            junit: open(junit, "JUnit report")?,
            json: open(json, "Cucumber JSON report")?,
            ..Reports::default()
        })
    }

    /// Where cucumber's JUnit writer puts its XML.
    pub fn junit_buffer(&self) -> Buffer {
        self.junit_buffer.clone()
    }

    /// Where cucumber's JSON writer puts its JSON.
    pub fn json_buffer(&self) -> Buffer {
        self.json_buffer.clone()
    }

    /// Adds the left-out scenarios and retries, masks, and writes each file
    /// asked for through `redactor`.
    pub fn finish(
        self,
        left_out: &[LeftOutScenario],
        retried: &[RetriedRequest],
        redactor: &Redactor,
    ) -> Finished {
        let mut done = Finished::default();
        if let Some(file) = self.junit {
            let xml = junit::finish_junit(&self.junit_buffer.text(), left_out, retried, redactor);
            done.record("JUnit XML", "JUnit report", file, Ok(xml), redactor);
        }
        if let Some(file) = self.json {
            let json = cucumber_json::finish_cucumber_json(
                &self.json_buffer.text(),
                left_out,
                retried,
                redactor,
            )
            .map_err(|source| ReportError::NotJson {
                path: file.path().to_owned(),
                source,
            });
            done.record(
                "Cucumber JSON",
                "Cucumber JSON report",
                file,
                json,
                redactor,
            );
        }
        done
    }
}

impl Finished {
    /// Writes `text` to `file`, noting success or failure.
    fn record(
        &mut self,
        label: &'static str,
        what: &'static str,
        file: ReportFile,
        text: Result<String, ReportError>,
        redactor: &Redactor,
    ) {
        let path = file.path().to_owned();
        let written = text.and_then(|t| {
            file.write(&t, redactor).map_err(|source| ReportError::Io {
                what,
                path: path.clone(),
                source,
            })
        });
        match written {
            Ok(()) => self.written.push((label, path.display().to_string())),
            Err(e) => self.errors.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::NO_API_TOKEN;
    use cucumber_json::finish_cucumber_json;
    use junit::finish_junit;
    use serde_json::Value;

    fn left_out(feature: &str, name: &str, line: usize) -> LeftOutScenario {
        LeftOutScenario {
            feature: feature.into(),
            feature_keyword: "Feature".into(),
            path: Some(format!("features/{}.feature", feature.to_lowercase())),
            feature_tags: vec![],
            rule: None,
            background: None,
            keyword: "Scenario".into(),
            name: name.into(),
            line,
            col: 3,
            tags: vec!["api-token".into()],
            steps: vec![],
            reason: NO_API_TOKEN.into(),
        }
    }

    #[test]
    fn left_out_cases_join_their_suite_and_its_counts() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite id="0" name="Feature: Whoami: features/whoami.feature" package="p" tests="2" errors="0" failures="0" hostname="localhost" timestamp="t" time="0.1"><testcase name="a" time="0"/><testcase name="b" time="0"/></testsuite></testsuites>"#;
        let out = finish_junit(
            xml,
            &[
                left_out("Whoami", "Token <x> & co", 23),
                left_out("Logout", "API token logout", 49),
            ],
            &[],
            &Redactor::new(),
        );
        assert!(
            out.contains(r#"tests="3" errors="0""#) && out.contains(r#"time="0.1" skipped="1">"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<testcase name="Scenario: Token &lt;x&gt; &amp; co: features/whoami.feature:23:3" time="0"><skipped message="left out, not run: MEDUSA_API_TOKEN is not set"/>"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"name="Feature: Logout: features/logout.feature" tests="1" skipped="1""#
            ),
            "{out}"
        );
        assert!(out.ends_with("</testsuite></testsuites>"), "{out}");
    }

    #[test]
    fn empty_reports_still_list_left_out_scenarios() {
        let out = finish_junit(
            r#"<?xml version="1.0" encoding="utf-8"?><testsuites/>"#,
            &[left_out("Whoami", "x", 1)],
            &[],
            &Redactor::new(),
        );
        assert!(out.contains("<testsuites><testsuite id=\"0\""), "{out}");
        let json = finish_cucumber_json("[]", &[left_out("Whoami", "x", 1)], &[], &Redactor::new())
            .unwrap();
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["elements"][0]["name"], "x");
        assert_eq!(
            v[0]["elements"][0]["description"],
            "left out, not run: MEDUSA_API_TOKEN is not set"
        );
    }

    #[test]
    fn retried_scenarios_say_so_in_both_formats() {
        let r = RetriedRequest {
            scenario: "Who & I".into(),
            request: "GET /admin/auth".into(),
            retries: 2,
            errors: vec!["connection closed".into(), "connection closed".into()],
        };
        for case in [
            r#"<testsuites><testsuite name="x" tests="1"><testcase name="Scenario: Who &amp; I: f.feature:3:3" time="0"/></testsuite></testsuites>"#,
            r#"<testsuites><testsuite name="x" tests="1"><testcase name="Scenario: Who &amp; I: f.feature:3:3" time="0"><system-out>o</system-out></testcase></testsuite></testsuites>"#,
        ] {
            let xml = finish_junit(case, &[], std::slice::from_ref(&r), &Redactor::new());
            assert!(
                xml.contains("<system-err>retried: GET /admin/auth was sent 2 more time(s) after transport errors (scenario: Who &amp; I)</system-err></testcase>"),
                "{xml}"
            );
        }
        let json = finish_cucumber_json(
            r#"[{"name":"f","elements":[{"name":"Who & I","description":""}]}]"#,
            &[],
            std::slice::from_ref(&r),
            &Redactor::new(),
        )
        .unwrap();
        assert!(
            json.contains("retried: GET /admin/auth was sent 2 more time(s)"),
            "{json}"
        );
    }

    #[test]
    fn reports_are_masked() {
        let r = Redactor::new();
        r.add("s3cr&t\"pw");
        learn_report_forms(&r, "s3cr&t\"pw");
        let xml = finish_junit(
            r#"<testsuites><testsuite name="x" tests="1"><testcase name="s3cr&amp;t&quot;pw"/></testsuite></testsuites>"#,
            &[],
            &[],
            &r,
        );
        assert!(!xml.contains("s3cr"), "{xml}");
        let json =
            finish_cucumber_json(r#"[{"name":"s3cr&t\"pw","elements":[]}]"#, &[], &[], &r).unwrap();
        assert!(!json.contains("s3cr"), "{json}");
    }
}
