//! The report files CI reads (JUnit XML, Cucumber JSON), and the scenarios
//! a run leaves out on purpose.
//!
//! cucumber's own writers fill in-memory [`Buffer`]s during the run. When
//! the run is over, [`finish_junit`] and [`finish_cucumber_json`] add the
//! left-out scenarios (as skipped test cases, never as passes) and mask
//! every string with the run's [`Redactor`] (which by then knows every
//! token the run captured); [`write_report`] then writes the text to its
//! file through [`Redactor::writer`], so every byte of a report passes the
//! redactor once more on its way out.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use cucumber::gherkin;
use serde_json::{Value, json};

use crate::redact::Redactor;
use crate::runner::RetriedRequest;

/// Why @api-token scenarios are left out.
pub const NO_API_TOKEN: &str = "MEDUSA_API_TOKEN is not set";
/// Why `@jwt-secret` scenarios are left out.
pub const NO_JWT_SECRET: &str = "MEDUSA_JWT_SECRET is not set";
/// Why `@admin-origin` scenarios are left out.
pub const NO_ADMIN_ORIGIN: &str = "MEDUSA_ADMIN_ORIGIN is not set";

/// A scenario the run left out on purpose, and why.
#[derive(Debug, Clone)]
pub struct LeftOutScenario {
    /// The feature's name.
    pub feature: String,
    /// The feature's keyword (`Feature`).
    pub feature_keyword: String,
    /// The feature file, relative to the project when possible.
    pub path: Option<String>,
    /// The feature's tags.
    pub feature_tags: Vec<String>,
    /// The rule the scenario is in, if any.
    pub rule: Option<String>,
    /// The feature's background, if it has one.
    pub background: Option<gherkin::Background>,
    /// The scenario (an outline already expanded to one example).
    pub scenario: gherkin::Scenario,
    /// Why it was left out.
    pub reason: String,
}

impl LeftOutScenario {
    /// `features/x.feature:12: name`, for the console.
    pub fn describe(&self) -> String {
        format!(
            "{}:{}: {}",
            self.path.as_deref().unwrap_or("(no file)"),
            self.scenario.position.line,
            self.scenario.name
        )
    }

    /// The test case name cucumber's JUnit writer would give the scenario.
    fn junit_name(&self) -> String {
        format!(
            "{}Scenario: {}: {}{}:{}",
            self.rule
                .as_ref()
                .map(|r| format!("Rule: {r}: "))
                .unwrap_or_default(),
            self.scenario.name,
            self.path
                .as_ref()
                .map(|p| format!("{p}:"))
                .unwrap_or_default(),
            self.scenario.position.line,
            self.scenario.position.col,
        )
    }
}

/// The scenarios a run left out, noted by its filter. Clones share the list.
#[derive(Debug, Clone, Default)]
pub struct LeftOut(Arc<Mutex<Vec<LeftOutScenario>>>);

impl LeftOut {
    /// Notes that `scenario` of `feature` is left out, for `reason`.
    pub fn note(
        &self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
        reason: &str,
    ) {
        let entry = LeftOutScenario {
            feature: feature.name.clone(),
            feature_keyword: feature.keyword.clone(),
            path: feature
                .path
                .as_deref()
                .and_then(Path::to_str)
                .map(|p| trim_path(p).to_owned()),
            feature_tags: feature.tags.clone(),
            rule: rule.map(|r| r.name.clone()),
            background: feature.background.clone(),
            scenario: scenario.clone(),
            reason: reason.to_owned(),
        };
        if let Ok(mut list) = self.0.lock() {
            list.push(entry);
        }
    }

    /// Every left-out scenario, by file and line.
    pub fn list(&self) -> Vec<LeftOutScenario> {
        let mut list = self.0.lock().map(|l| l.clone()).unwrap_or_default();
        list.sort_by(|a, b| {
            (&a.path, a.scenario.position.line).cmp(&(&b.path, b.scenario.position.line))
        });
        list
    }
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

impl Reports {
    /// Creates the report files asked for; says which one cannot be.
    pub fn open(junit: Option<&Path>, json: Option<&Path>) -> Result<Reports, String> {
        let open = |path: Option<&Path>, what: &str| {
            path.map(|p| {
                ReportFile::create(p)
                    .map_err(|e| format!("cannot write the {what} to {}: {e}", p.display()))
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

    /// Adds the left-out scenarios, masks, and writes each file asked for
    /// through `redactor`; returns what could not be written.
    pub fn finish(
        self,
        left_out: &[LeftOutScenario],
        retried: &[RetriedRequest],
        redactor: &Redactor,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        if let Some(file) = self.junit {
            let xml = finish_junit(&self.junit_buffer.text(), left_out, retried, redactor);
            let path = file.path().display().to_string();
            if let Err(e) = file.write(&xml, redactor) {
                errors.push(format!("cannot write the JUnit report to {path}: {e}"));
            }
        }
        if let Some(file) = self.json {
            let path = file.path().display().to_string();
            match finish_cucumber_json(&self.json_buffer.text(), left_out, retried, redactor) {
                Ok(json) => {
                    if let Err(e) = file.write(&json, redactor) {
                        errors.push(format!(
                            "cannot write the Cucumber JSON report to {path}: {e}"
                        ));
                    }
                }
                Err(e) => errors.push(format!(
                    "the Cucumber JSON report for {path} is not JSON: {e}"
                )),
            }
        }
        errors
    }
}

/// Runs a report writer with its default CLI options and offers none
/// itself: the run is configured by `Config` alone, and cucumber's
/// console summary needs every composed writer's options to say how to
/// color (the JUnit writer's `--junit-v` cannot).
#[derive(Debug)]
pub struct FixedCli<Wr>(pub Wr);

impl<W, Wr> cucumber::Writer<W> for FixedCli<Wr>
where
    W: cucumber::World,
    Wr: cucumber::Writer<W>,
    Wr::Cli: Default,
{
    type Cli = cucumber::cli::Empty;

    async fn handle_event(
        &mut self,
        event: cucumber::parser::Result<cucumber::Event<cucumber::event::Cucumber<W>>>,
        _: &Self::Cli,
    ) {
        self.0.handle_event(event, &Wr::Cli::default()).await;
    }
}

impl<W, Wr, Val> cucumber::writer::Arbitrary<W, Val> for FixedCli<Wr>
where
    W: cucumber::World,
    Wr: cucumber::writer::Arbitrary<W, Val>,
    Wr::Cli: Default,
{
    async fn write(&mut self, val: Val) {
        self.0.write(val).await;
    }
}

impl<W, Wr> cucumber::writer::Stats<W> for FixedCli<Wr>
where
    W: cucumber::World,
    Wr: cucumber::writer::Stats<W>,
    Wr::Cli: Default,
{
    fn passed_steps(&self) -> usize {
        self.0.passed_steps()
    }
    fn skipped_steps(&self) -> usize {
        self.0.skipped_steps()
    }
    fn failed_steps(&self) -> usize {
        self.0.failed_steps()
    }
    fn retried_steps(&self) -> usize {
        self.0.retried_steps()
    }
    fn parsing_errors(&self) -> usize {
        self.0.parsing_errors()
    }
    fn hook_errors(&self) -> usize {
        self.0.hook_errors()
    }
}

impl<Wr: cucumber::writer::NonTransforming> cucumber::writer::NonTransforming for FixedCli<Wr> {}

/// Writes `text` to `out` through `redactor.writer(...)`, flushed.
pub fn write_report<W: Write>(out: W, text: &str, redactor: &Redactor) -> io::Result<()> {
    let mut w = redactor.writer(out);
    w.write_all(text.as_bytes())?;
    w.flush()
}

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

/// Teaches `redactor` the forms a secret takes inside report files that
/// its own list of encodings does not cover (XML-escaped).
pub fn learn_report_forms(redactor: &Redactor, secret: &str) {
    let escaped = xml_escape(secret);
    if escaped != secret {
        redactor.add(&escaped);
    }
}

/// The message of a left-out test case.
fn skipped_message(reason: &str) -> String {
    format!("left out, not run: {reason}")
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
        let mut body = String::new();
        for case in &cases {
            let _ = write!(
                body,
                r#"<testcase name="{}" time="0"><skipped message="{}"/><system-out>{}</system-out></testcase>"#,
                xml_escape(&case.junit_name()),
                xml_escape(&skipped_message(&case.reason)),
                xml_escape(&format!(
                    "{}: left out, not run: {}\n",
                    case.describe(),
                    case.reason
                )),
            );
        }
        xml = add_to_suite(&xml, feature, cases[0], cases.len(), &body);
    }
    redactor.mask(&xml).into_owned()
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
    let mut from = 0;
    while let Some(rel) = xml[from..].find("<testsuite ") {
        let start = from + rel;
        let Some(end_rel) = xml[start..].find('>') else {
            break;
        };
        let end = start + end_rel;
        let tag = &xml[start..end];
        let name = attr(tag, "name").map(|n| xml_unescape(&n));
        if name.is_some_and(|n| n == wanted || n.starts_with(&format!("{wanted}: "))) {
            let self_closing = tag.ends_with('/');
            let mut tag = tag.trim_end_matches('/').to_owned();
            let tests = attr(&tag, "tests")
                .and_then(|t| t.parse::<usize>().ok())
                .unwrap_or(0);
            tag = set_attr(&tag, "tests", &(tests + count).to_string());
            let skipped = attr(&tag, "skipped")
                .and_then(|t| t.parse::<usize>().ok())
                .unwrap_or(0);
            tag = set_attr(&tag, "skipped", &(skipped + count).to_string());
            let rest = &xml[end + 1..];
            return if self_closing {
                format!("{}{tag}>{cases}</testsuite>{rest}", &xml[..start])
            } else {
                let close = rest.find("</testsuite>").unwrap_or(rest.len());
                format!(
                    "{}{tag}>{}{cases}{}",
                    &xml[..start],
                    &rest[..close],
                    &rest[close..]
                )
            };
        }
        from = end;
    }
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

/// The Cucumber JSON cucumber wrote, with every left-out scenario added to
/// its feature as an element whose steps are all `skipped` (the first
/// saying why), and every string masked by `redactor`.
pub fn finish_cucumber_json(
    text: &str,
    left_out: &[LeftOutScenario],
    retried: &[RetriedRequest],
    redactor: &Redactor,
) -> Result<String, serde_json::Error> {
    let mut features: Value = if text.trim().is_empty() {
        Value::Array(Vec::new())
    } else {
        serde_json::from_str(text)?
    };
    // A scenario answered only after retries says so in its description.
    for r in retried {
        let elements = features
            .as_array_mut()
            .into_iter()
            .flatten()
            .filter_map(|f| f["elements"].as_array_mut());
        for e in elements
            .flatten()
            .filter(|e| e["name"].as_str().is_some_and(|n| n.ends_with(&r.scenario)))
        {
            let before = e["description"].as_str().unwrap_or_default().to_owned();
            let sep = if before.is_empty() { "" } else { "\n" };
            e["description"] = Value::String(format!("{before}{sep}{}", r.describe()));
        }
    }
    if let Value::Array(list) = &mut features {
        for l in left_out {
            let pos = list
                .iter()
                .position(|f| f["name"] == l.feature.as_str())
                .unwrap_or_else(|| {
                    list.push(json!({
                        "uri": l.path,
                        "keyword": l.feature_keyword,
                        "name": l.feature,
                        "tags": l.feature_tags.iter().map(|t| json!({"name": t, "line": 1})).collect::<Vec<_>>(),
                        "elements": [],
                    }));
                    list.len() - 1
                });
            if let Some(Value::Array(elements)) = list[pos].get_mut("elements") {
                if let Some(bg) = &l.background {
                    elements.push(json_element(l, "background", &bg.keyword, &bg.steps));
                }
                elements.push(json_element(
                    l,
                    "scenario",
                    &l.scenario.keyword,
                    &l.scenario.steps,
                ));
                elements.sort_by_key(|e| e["line"].as_u64().unwrap_or(0));
            }
        }
    }
    mask_strings(&mut features, redactor);
    serde_json::to_string(&features)
}

fn json_element(l: &LeftOutScenario, ty: &str, keyword: &str, steps: &[gherkin::Step]) -> Value {
    let sc = &l.scenario;
    let name = format!(
        "{}{}",
        l.rule.as_ref().map(|r| format!("{r} ")).unwrap_or_default(),
        sc.name
    );
    let steps: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let mut result = json!({"status": "skipped", "duration": 0});
            if i == 0 {
                result["error_message"] = Value::String(skipped_message(&l.reason));
            }
            json!({
                "keyword": st.keyword,
                "line": st.position.line,
                "name": st.value,
                "result": result,
            })
        })
        .collect();
    json!({
        "keyword": keyword,
        "type": ty,
        "id": format!("{}/{}", kebab(&l.feature), kebab(&sc.name)),
        "line": sc.position.line,
        "name": name,
        "description": skipped_message(&l.reason),
        "tags": sc.tags.iter().map(|t| json!({"name": t, "line": sc.position.line})).collect::<Vec<_>>(),
        "steps": steps,
    })
}

fn kebab(s: &str) -> String {
    let mut out = String::new();
    for word in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

fn mask_strings(v: &mut Value, redactor: &Redactor) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(m) = redactor.mask(s) {
                *s = m;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask_strings(x, redactor)),
        Value::Object(o) => o.values_mut().for_each(|x| mask_strings(x, redactor)),
        _ => {}
    }
}

/// `path` relative to the project, as cucumber's writers print it.
fn trim_path(path: &str) -> &str {
    let base = std::env::var("CARGO_WORKSPACE_DIR")
        .or_else(|_| std::env::var("CARGO_MANIFEST_DIR"))
        .unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        });
    let trimmed = if base.is_empty() {
        path
    } else {
        path.strip_prefix(base.as_str()).unwrap_or(path)
    };
    trimmed.trim_start_matches(['/', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left_out(feature: &str, name: &str, line: usize) -> LeftOutScenario {
        LeftOutScenario {
            feature: feature.into(),
            feature_keyword: "Feature".into(),
            path: Some(format!("features/{}.feature", feature.to_lowercase())),
            feature_tags: vec![],
            rule: None,
            background: None,
            scenario: gherkin::Scenario {
                keyword: "Scenario".into(),
                name: name.into(),
                description: None,
                steps: vec![],
                examples: vec![],
                tags: vec!["api-token".into()],
                span: Default::default(),
                position: gherkin::LineCol { line, col: 3 },
            },
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
