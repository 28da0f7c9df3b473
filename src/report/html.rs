//! The HTML report, written from the run's [`RunRecord`]: one
//! self-contained file (inline CSS, no script, no network, no external
//! asset) with the target, the start time, the duration and the verdict;
//! a list of the failures; then each feature with its scenarios (status,
//! file:line, duration, steps), each failure's full report with its diff
//! coloured line by line, the failed scenario's state and its retried
//! requests. Failed scenarios are open, the others fold away. Every
//! string is masked, then escaped.

use crate::report::advisories;
use std::fmt::Write as _;

use crate::core::check::DIFF_HEADER;
use crate::core::record::{Counts, FeatureRun, RunRecord, ScenarioRun, ScenarioStatus, StepStatus};
use crate::core::redact::Redactor;
use crate::report::console::fmt_duration;
use crate::report::{rfc3339, skipped_message};

const STYLE: &str = r#"
:root { --pass: #1a7f37; --fail: #cf222e; --skip: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 0 auto; max-width: 1100px; padding: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.verdict.passed { background: #dafbe1; color: var(--pass); }
.verdict.failed { background: #ffebe9; color: var(--fail); }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.counts span { margin-right: 14px; }
.passed .status, .count-passed { color: var(--pass); }
.failed .status, .count-failed { color: var(--fail); }
.skipped .status, .left-out .status, .count-skipped, .count-left-out { color: var(--skip); }
nav.failures { border: 1px solid #ffcecb; background: #fff8f7; border-radius: 6px; padding: 8px 14px; }
nav.failures ul { margin: 4px 0; padding-left: 20px; }
details.scenario { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
details.scenario.failed { border-color: var(--fail); }
details.scenario > summary { cursor: pointer; padding: 6px 10px; display: flex; gap: 12px; align-items: baseline; }
.status { font-weight: 700; min-width: 5.5em; }
.name { flex: 1; }
.where, .time { color: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
.body { padding: 0 12px 10px; }
ol.steps { list-style: none; padding: 0; margin: 6px 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
ol.steps li.failed, ol.steps li.undefined { color: var(--fail); font-weight: 600; }
ol.steps li.skipped { color: var(--muted); }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px;
  font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; word-break: break-all; margin: 6px 0; }
pre .add { background: #dafbe1; color: #116329; display: inline-block; width: 100%; }
pre .del { background: #ffebe9; color: #a40e26; display: inline-block; width: 100%; }
pre .hunk { color: #0550ae; }
.label { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
"#;

/// The HTML report of `record`, every string masked by `redactor`.
pub fn html_report(record: &RunRecord, redactor: &Redactor) -> String {
    let h = Html(redactor);
    let counts = record.counts();
    let failed =
        counts.failed + counts.skipped + record.parse_errors.len() > 0 || counts.passed == 0;
    let verdict = verdict_line(&counts, record.parse_errors.len());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        h.text(&format!("medusa-conformance: {verdict}"))
    );
    header(&mut out, &h, record, &verdict, failed);
    failure_index(&mut out, &h, record);
    if advisories::shown(&record.advisories) {
        out.push_str(&advisories::html_section(&record.advisories, &|s| {
            h.text(s)
        }));
    }
    for f in &record.features {
        feature(&mut out, &h, f);
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Masks, then escapes.
struct Html<'a>(&'a Redactor);

impl Html<'_> {
    fn text(&self, s: &str) -> String {
        escape(&self.0.mask(s))
    }
}

/// HTML-escapes `s` (text and attribute values alike).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn verdict_line(c: &Counts, parse_errors: usize) -> String {
    let mut line = format!(
        "{} passed, {} failed, {} skipped",
        c.passed,
        c.failed + parse_errors,
        c.skipped
    );
    if c.left_out > 0 {
        let _ = write!(line, ", {} left out", c.left_out);
    }
    line
}

fn header(out: &mut String, h: &Html<'_>, record: &RunRecord, verdict: &str, failed: bool) {
    let class = if failed { "failed" } else { "passed" };
    let c = record.counts();
    let _ = write!(
        out,
        "<header>\n<h1>Medusa admin auth conformance</h1>\n\
         <p class=\"verdict {class}\" id=\"verdict\">conformance: {}</p>\n\
         <dl class=\"meta\">\n<dt>Target</dt><dd id=\"target\">{}</dd>\n\
         <dt>Started</dt><dd id=\"started\">{}</dd>\n\
         <dt>Duration</dt><dd id=\"duration\">{}</dd>\n</dl>\n\
         <p class=\"counts\"><span class=\"count-passed\">{} passed</span>\
         <span class=\"count-failed\">{} failed</span>\
         <span class=\"count-skipped\">{} skipped</span>\
         <span class=\"count-left-out\">{} left out</span></p>\n</header>\n",
        h.text(verdict),
        h.text(&record.target),
        h.text(&rfc3339(record.started)),
        h.text(&fmt_duration(record.duration)),
        c.passed,
        c.failed,
        c.skipped,
        c.left_out,
    );
    for e in &record.parse_errors {
        let _ = writeln!(
            out,
            "<p class=\"label\">a feature file did not parse:</p><pre class=\"parse-error\">{}</pre>",
            h.text(e)
        );
    }
    for r in &record.retried {
        let _ = writeln!(out, "<p class=\"retried\">{}</p>", h.text(&r.describe()));
    }
}

/// Links to every failed scenario, at the top.
fn failure_index(out: &mut String, h: &Html<'_>, record: &RunRecord) {
    let failed: Vec<&ScenarioRun> = record
        .scenarios()
        .filter(|s| matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Skipped))
        .collect();
    if failed.is_empty() {
        return;
    }
    out.push_str("<nav class=\"failures\"><strong>Failures</strong>\n<ul>\n");
    for s in failed {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a> <span class=\"where\">{}</span></li>",
            anchor(s),
            h.text(&s.name),
            h.text(&s.key.to_string())
        );
    }
    out.push_str("</ul>\n</nav>\n");
}

fn anchor(s: &ScenarioRun) -> String {
    let raw = format!("{}-{}", s.key.path, s.key.line);
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn feature(out: &mut String, h: &Html<'_>, f: &FeatureRun) {
    let c = f.counts();
    let _ = write!(
        out,
        "<section class=\"feature\">\n<h2>{}: {} <span class=\"where\">{}</span></h2>\n\
         <p class=\"counts\"><span class=\"count-passed\">{} passed</span>\
         <span class=\"count-failed\">{} failed</span>\
         <span class=\"count-left-out\">{} left out</span></p>\n",
        h.text(&f.keyword),
        h.text(&f.name),
        h.text(&f.path),
        c.passed,
        c.failed + c.skipped,
        c.left_out,
    );
    for s in &f.scenarios {
        scenario(out, h, s);
    }
    out.push_str("</section>\n");
}

fn scenario(out: &mut String, h: &Html<'_>, s: &ScenarioRun) {
    let (class, word) = match s.status {
        ScenarioStatus::Passed => ("passed", "PASS"),
        ScenarioStatus::Failed => ("failed", "FAIL"),
        ScenarioStatus::Skipped => ("skipped", "SKIP"),
        ScenarioStatus::LeftOut => ("left-out", "LEFT OUT"),
    };
    let open = if matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Skipped) {
        " open"
    } else {
        ""
    };
    let _ = write!(
        out,
        "<details class=\"scenario {class}\" id=\"{}\"{open}>\n<summary>\
         <span class=\"status\">{word}</span><span class=\"name\">{}</span>\
         <span class=\"where\">{}</span><span class=\"time\">{}</span></summary>\n<div class=\"body\">\n",
        anchor(s),
        h.text(&s.name),
        h.text(&s.key.to_string()),
        h.text(&fmt_duration(s.duration)),
    );
    if let Some(reason) = &s.left_out {
        let _ = writeln!(
            out,
            "<p class=\"label\">{}</p>",
            h.text(&skipped_message(reason))
        );
    }
    steps(out, h, s);
    if let Some(failure) = &s.failure {
        out.push_str("<p class=\"label\">failure report</p>\n<pre class=\"report\">");
        out.push_str(&report(h, failure));
        out.push_str("</pre>\n");
    }
    if let Some(state) = &s.state {
        let _ = writeln!(
            out,
            "<p class=\"label\">scenario state</p>\n<pre class=\"state\">{}</pre>",
            h.text(state)
        );
    }
    for r in &s.retried {
        let _ = writeln!(out, "<p class=\"retried\">{}</p>", h.text(&r.describe()));
    }
    for r in &s.reused {
        let _ = writeln!(out, "<p class=\"reused\">{}</p>", h.text(&r.describe()));
    }
    out.push_str("</div>\n</details>\n");
}

fn steps(out: &mut String, h: &Html<'_>, s: &ScenarioRun) {
    out.push_str("<ol class=\"steps\">\n");
    for st in &s.steps {
        let (class, mark, time) = match st.status {
            StepStatus::Passed => ("passed", "✔", fmt_duration(st.duration)),
            StepStatus::Failed => ("failed", "✘", fmt_duration(st.duration)),
            StepStatus::Undefined => ("undefined", "?", "undefined".to_owned()),
            StepStatus::Skipped => ("skipped", "-", "not run".to_owned()),
        };
        let _ = writeln!(
            out,
            "<li class=\"{class}\">{mark} {}{} <span class=\"time\">(line {}, {})</span></li>",
            h.text(&st.keyword),
            h.text(&st.text),
            st.line,
            h.text(&time)
        );
    }
    out.push_str("</ol>\n");
}

/// A failure report, its diff's lines marked as added, removed or hunk.
fn report(h: &Html<'_>, text: &str) -> String {
    let mut out = String::new();
    let mut in_diff = false;
    for line in text.lines() {
        let escaped = h.text(line);
        let class = if in_diff {
            match line.chars().next() {
                Some('+') if !line.starts_with("+++") => Some("add"),
                Some('-') if !line.starts_with("---") => Some("del"),
                Some('@') => Some("hunk"),
                _ => None,
            }
        } else {
            None
        };
        in_diff |= line == DIFF_HEADER;
        match class {
            Some(c) => {
                let _ = writeln!(out, "<span class=\"{c}\">{escaped}</span>");
            }
            None => {
                let _ = writeln!(out, "{escaped}");
            }
        }
    }
    out
}
