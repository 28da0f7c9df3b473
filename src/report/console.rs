//! The console: one line per scenario as it ends (status, name, where,
//! time), the full report of each failure, the steps at `-v`, the
//! scenario's state at `-vv`; a progress bar with counts on a terminal;
//! then the end-of-run summary and the `conformance:` line CI reads.
//!
//! Every piece of text is masked by the run's redactor before it is
//! coloured, and written through a redacting writer on top.

use crate::core::advisory::{Advisories, Mode};
use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::core::check::DIFF_HEADER;
use crate::core::record::{Outcome, ScenarioRun, ScenarioStatus, StepStatus, other_dialect_only};
use crate::core::redact::Redactor;

/// When the console uses colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always (`--color always`).
    Always,
    /// Never (`--color never`, or `NO_COLOR` with `auto`).
    Never,
}

impl ColorChoice {
    /// `auto`, `always` or `never`.
    pub fn parse(text: &str) -> Option<ColorChoice> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(ColorChoice::Auto),
            "always" => Some(ColorChoice::Always),
            "never" => Some(ColorChoice::Never),
            _ => None,
        }
    }

    /// Whether a console that is (or is not) a `terminal` is coloured.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal,
        }
    }
}

/// How the console shows a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleSettings {
    /// 0: a line per scenario and each failure's report; 1: also the
    /// steps; 2: also a failed scenario's state.
    pub verbosity: u8,
    /// ANSI colours.
    pub color: bool,
    /// A progress bar (on a terminal only: it redraws in place).
    pub progress: bool,
}

/// Colours, or none.
#[derive(Debug, Clone, Copy)]
struct Palette(bool);

const GREEN: &str = "32";
const RED: &str = "31";
const BOLD_RED: &str = "1;31";
const YELLOW: &str = "33";
const CYAN: &str = "36";
const DIM: &str = "2";

impl Palette {
    fn paint(self, code: &str, text: &str) -> String {
        if self.0 && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The live console of a run.
pub struct Console<Out: Write> {
    out: Out,
    redactor: Redactor,
    settings: ConsoleSettings,
    bar: Option<ProgressBar>,
    passed: usize,
    failed: usize,
}

impl<Out: Write> Console<Out> {
    /// A console writing to `out`, masking with `redactor`.
    pub fn new(out: Out, redactor: Redactor, settings: ConsoleSettings) -> Console<Out> {
        Console {
            out,
            redactor,
            settings,
            bar: None,
            passed: 0,
            failed: 0,
        }
    }

    /// Writes one line of its own (the run's header).
    pub fn line(&mut self, text: &str) {
        let masked = self.redactor.mask(text).into_owned();
        self.write(&format!("{masked}\n"));
    }

    /// The scenarios are parsed: `total` will run.
    pub(crate) fn started(&mut self, total: usize) {
        if !self.settings.progress || total == 0 {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stdout());
        if let Ok(style) = ProgressStyle::with_template("[{bar:30}] {pos}/{len} scenarios: {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(self.counts());
        bar.tick();
        self.bar = Some(bar);
    }

    /// A scenario ended: its line (and report, steps, state).
    pub(crate) fn scenario(&mut self, run: &ScenarioRun) {
        match run.status {
            ScenarioStatus::Passed => self.passed += 1,
            _ => self.failed += 1,
        }
        let text = scenario_text(
            run,
            self.settings.verbosity,
            Palette(self.settings.color),
            &self.redactor,
        );
        self.write(&text);
        let counts = self.counts();
        if let Some(bar) = &self.bar {
            bar.set_message(counts);
            bar.inc(1);
        }
    }

    /// Something went wrong outside any scenario (a feature file that does
    /// not parse).
    pub(crate) fn error(&mut self, message: &str) {
        let masked = self.redactor.mask(message).into_owned();
        let text = format!(
            "{} {masked}\n",
            Palette(self.settings.color).paint(BOLD_RED, "error:")
        );
        self.write(&text);
    }

    /// The scenarios are over: the bar goes away.
    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let _ = self.out.flush();
    }

    fn counts(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }

    /// Writes `text` (whole lines), with the bar out of the way.
    fn write(&mut self, text: &str) {
        let out = &mut self.out;
        let mut put = || {
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(put),
            None => put(),
        }
    }
}

/// `3 ms`, `1.25 s`.
pub fn fmt_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The console text of a finished scenario at `verbosity`.
fn scenario_text(run: &ScenarioRun, verbosity: u8, p: Palette, r: &Redactor) -> String {
    let (word, code) = match run.status {
        ScenarioStatus::Passed => ("PASS", GREEN),
        ScenarioStatus::Failed => ("FAIL", BOLD_RED),
        ScenarioStatus::Skipped => ("SKIP", YELLOW),
        ScenarioStatus::LeftOut => ("LEFT OUT", YELLOW),
    };
    let mut out = format!(
        "{}  {}  {}\n",
        p.paint(code, word),
        r.mask(&run.name),
        p.paint(
            DIM,
            &format!("({}, {})", run.key, fmt_duration(run.duration))
        )
    );
    if verbosity >= 1 {
        for s in &run.steps {
            let (mark, code) = match s.status {
                StepStatus::Passed => ("✔", GREEN),
                StepStatus::Failed => ("✘", BOLD_RED),
                StepStatus::Undefined => ("?", BOLD_RED),
                StepStatus::Skipped => ("-", YELLOW),
            };
            let time = match s.status {
                StepStatus::Skipped => "not run".to_owned(),
                _ => fmt_duration(s.duration),
            };
            out.push_str(&format!(
                "      {} {}{}  {}\n",
                p.paint(code, mark),
                s.keyword,
                r.mask(&s.text),
                p.paint(DIM, &format!("(line {}, {time})", s.line))
            ));
        }
    }
    if let Some(failure) = &run.failure {
        if verbosity == 0
            && let Some(step) = run.failed_step()
        {
            out.push_str(&format!(
                "      failed step: {}{} (line {})\n",
                step.keyword,
                r.mask(&step.text),
                step.line
            ));
        }
        out.push_str(&indent(&report_lines(&r.mask(failure), p), "      "));
    }
    if verbosity >= 2
        && let Some(state) = &run.state
    {
        out.push_str(&indent(&format!("state: {}\n", r.mask(state)), "      "));
    }
    out
}

/// A failure report with its diff's lines coloured.
fn report_lines(report: &str, p: Palette) -> String {
    let mut out = String::new();
    let mut in_diff = false;
    for line in report.lines() {
        let painted = if in_diff {
            match line.chars().next() {
                Some('+') if !line.starts_with("+++") => p.paint(GREEN, line),
                Some('-') if !line.starts_with("---") => p.paint(RED, line),
                Some('@') => p.paint(CYAN, line),
                _ => line.to_owned(),
            }
        } else {
            line.to_owned()
        };
        in_diff |= line == DIFF_HEADER;
        out.push_str(&painted);
        out.push('\n');
    }
    out
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// Writes the summary of `outcome` (a run that took `elapsed`) to `out`.
/// Best effort: a console that cannot be written to is not worth failing
/// the run for.
pub fn summary(out: &mut dyn Write, outcome: &Outcome, elapsed: Duration) {
    let mut lines = Vec::new();
    lines.extend(left_out_lines(outcome));
    // Every attempt first, then one line per retried request.
    lines.extend(outcome.retried.iter().flat_map(|r| r.attempts()));
    lines.extend(outcome.retried.iter().map(|r| r.describe()));
    let reused: usize = outcome.record.scenarios().map(|s| s.reused.len()).sum();
    if reused > 0 {
        lines.push(format!(
            "reused: {reused} step(s) checked the answer their scenario's previous step got to the same request, not sent again (this dialect sends both phrases as one request; the reports name each)"
        ));
    }
    lines.extend(problem_lines(outcome));
    lines.extend(stress_lines(outcome));
    lines.extend(advisory_lines(&outcome.record.advisories));
    if outcome.report_errors.is_empty() {
        for (what, path) in &outcome.reports_written {
            lines.push(format!("report: {what} written to {path}"));
        }
    }
    lines.push(format!("time: {:.3}s", elapsed.as_secs_f64()));
    lines.push(verdict_line(outcome));
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
}

/// The advisories, one line each, the most severe first, and a count
/// line that says whether they count (strict) or not (warn).
pub fn advisory_lines(a: &Advisories) -> Vec<String> {
    if a.mode == Mode::Off {
        return Vec::new();
    }
    let mut lines: Vec<String> = a.findings().iter().map(|f| f.describe()).collect();
    let failing = a.failing().len();
    let level = a.level.map_or("high", |l| l.name());
    lines.push(match a.mode {
        Mode::Strict => format!(
            "advisories: {} (strict: {failing} at or above {level} fail the run)",
            lines.len()
        ),
        _ => format!(
            "advisories: {} (warn: they do not change the verdict; see docs/advisories.md)",
            lines.len()
        ),
    });
    for (id, why) in a.left_out() {
        lines.push(format!("advisory left out: {id} -- {why}"));
    }
    lines
}

/// A stress run's per-route latency, and each scenario that failed only
/// in some of its runs, with its first failure's report.
fn stress_lines(outcome: &Outcome) -> Vec<String> {
    let Some(stress) = &outcome.stress else {
        return Vec::new();
    };
    let mut lines: Vec<String> = stress.latencies.iter().map(|l| l.describe()).collect();
    for f in &stress.flaky {
        lines.push(f.describe());
        lines.extend(f.report.lines().map(|l| format!("    {l}")));
    }
    if stress.flaky.is_empty() {
        lines.push("stress: no scenario failed only under load".to_owned());
    }
    lines
}

/// The notice about scenarios left out on purpose, and each of them.
fn left_out_lines(outcome: &Outcome) -> Vec<String> {
    if outcome.left_out.is_empty() {
        return Vec::new();
    }
    let dialect = outcome
        .left_out
        .iter()
        .filter(|s| other_dialect_only(&s.reason))
        .count();
    let settings = outcome.left_out.len() - dialect;
    let mut lines = Vec::new();
    if settings > 0 {
        lines.push(format!(
            "notice: {settings} scenario(s) tagged @api-token, @jwt-secret or @admin-origin were left out, not run: \
             set MEDUSA_API_TOKEN, MEDUSA_JWT_SECRET and MEDUSA_ADMIN_ORIGIN to run them"
        ));
    }
    if dialect > 0 {
        lines.push(format!(
            "notice: {dialect} scenario(s) tagged with the other dialect (@v1 or @v2) were left out, not run: \
             they check what only that Medusa version has"
        ));
    }
    lines.extend(
        outcome
            .left_out
            .iter()
            .map(|s| format!("  left out: {} ({})", s.describe(), s.reason)),
    );
    lines
}

/// Why the gate is red, besides failed scenarios.
fn problem_lines(outcome: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    if outcome.ran() == 0 {
        lines.push("error: no scenario ran: a release gate that checks nothing is red".to_owned());
    }
    if outcome.skipped > 0 {
        lines.push(format!(
            "error: {} scenario(s) had skipped or undefined steps",
            outcome.skipped
        ));
    }
    if outcome.errors > 0 {
        lines.push(format!(
            "error: {} feature file(s) did not parse",
            outcome.errors
        ));
    }
    lines.extend(outcome.report_errors.iter().map(|e| format!("error: {e}")));
    if outcome.required_left_out() > 0 {
        lines.push(format!(
            "error: {} scenario(s) were left out, and MEDUSA_REQUIRE_ALL (--require-all) requires every scenario to run",
            outcome.required_left_out()
        ));
    }
    lines
}

/// `conformance: N passed, N failed, N skipped[, N left out]`.
fn verdict_line(outcome: &Outcome) -> String {
    let left_out = match (outcome.left_out.len(), outcome.required_left_out()) {
        (0, _) => String::new(),
        (n, 0) => format!(", {n} left out"),
        (n, r) if r == n => format!(", {n} left out but required"),
        // The other dialect's are never required.
        (n, r) => format!(", {n} left out, {r} of them required"),
    };
    format!(
        "conformance: {} passed, {} failed, {} skipped{left_out}",
        outcome.passed,
        outcome.failed + outcome.errors + outcome.report_errors.len(),
        outcome.skipped
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::RetriedRequest;
    use crate::report::tests::sample;

    fn failed() -> ScenarioRun {
        sample().features[1].scenarios[0].clone()
    }

    #[test]
    fn a_scenario_is_one_line_and_a_failure_adds_its_report() {
        let r = Redactor::new();
        let passed = sample().features[0].scenarios[0].clone();
        let text = scenario_text(&passed, 0, Palette(false), &r);
        assert_eq!(text, "PASS  Same name  (features/a.feature:4, 5 ms)\n");
        let text = scenario_text(&failed(), 0, Palette(false), &r);
        assert!(
            text.starts_with(
                "FAIL  Same name  (features/b.feature:7, 5 ms)\n      failed step: Then the response status is 200 (line 8)\n      check failed: same user\n"
            ),
            "{text}"
        );
        assert!(text.contains("\n      +\"x<y>&z@b.co\"\n"), "{text}");
        assert!(!text.contains("state:") && !text.contains('\x1b'), "{text}");
    }

    #[test]
    fn verbosity_adds_steps_then_state() {
        let r = Redactor::new();
        let one = scenario_text(&failed(), 1, Palette(false), &r);
        assert!(
            one.contains("      ✘ Then the response status is 200  (line 8, 2 ms)\n"),
            "{one}"
        );
        assert!(
            one.contains("      - Then the user is the admin  (line 9, not run)\n"),
            "{one}"
        );
        assert!(
            !one.contains("failed step:") && !one.contains("state:"),
            "{one}"
        );
        let two = scenario_text(&failed(), 2, Palette(false), &r);
        assert!(
            two.contains("      state: AuthWorld { session_cookie: Some([REDACTED]) }\n"),
            "{two}"
        );
    }

    #[test]
    fn colours_mark_the_status_and_the_diff() {
        let text = scenario_text(&failed(), 0, Palette(true), &Redactor::new());
        assert!(text.starts_with("\x1b[1;31mFAIL\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[32m+\"x<y>&z@b.co\"\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[31m-\"a@b.co\"\x1b[0m"), "{text}");
        assert!(
            text.contains("--- expected\n"),
            "the header is not a removed line: {text}"
        );
    }

    #[test]
    fn the_console_masks_before_it_colours() {
        let r = Redactor::new();
        r.add("hunter22");
        let mut sc = failed();
        sc.name = "log in as hunter22".into();
        sc.failure = Some("check failed: x\n  password hunter22".into());
        let text = scenario_text(&sc, 2, Palette(true), &r);
        assert!(!text.contains("hunter22"), "{text}");
        let mut out = Vec::new();
        let mut console = Console::new(&mut out, r.clone(), ConsoleSettings::default());
        console.line("header hunter22");
        console.error("bad hunter22");
        console.scenario(&sc);
        console.finish();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("hunter22") && text.contains("header [REDACTED]"),
            "{text}"
        );
    }

    #[test]
    fn colour_choices() {
        assert_eq!(ColorChoice::parse(" Always "), Some(ColorChoice::Always));
        assert_eq!(ColorChoice::parse("sometimes"), None);
        assert!(ColorChoice::Auto.enabled(true) && !ColorChoice::Auto.enabled(false));
        assert!(ColorChoice::Always.enabled(false) && !ColorChoice::Never.enabled(true));
        assert_eq!(fmt_duration(Duration::from_millis(1250)), "1.25 s");
    }

    fn text(outcome: &Outcome) -> String {
        let mut out = Vec::new();
        summary(&mut out, outcome, Duration::from_millis(1500));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_green_run_ends_with_the_verdict() {
        let o = Outcome {
            passed: 3,
            ..Outcome::default()
        };
        assert_eq!(
            text(&o),
            "time: 1.500s\nconformance: 3 passed, 0 failed, 0 skipped\n"
        );
    }

    #[test]
    fn left_out_scenarios_are_listed_with_why() {
        use crate::core::record::{LeftOutScenario, NO_API_TOKEN, NO_JWT_SECRET};
        let left_out = |line: usize, reason: String| LeftOutScenario {
            feature: "Tokens".into(),
            feature_keyword: "Feature".into(),
            path: Some("features/tokens.feature".into()),
            feature_tags: vec![],
            rule: None,
            background: None,
            keyword: "Scenario".into(),
            name: format!("S{line}"),
            line,
            col: 3,
            tags: vec![],
            steps: vec![],
            reason,
        };
        let o = Outcome {
            passed: 2,
            left_out: vec![
                left_out(4, NO_API_TOKEN.into()),
                left_out(9, format!("{NO_API_TOKEN}, {NO_JWT_SECRET}")),
            ],
            ..Outcome::default()
        };
        let t = text(&o);
        assert!(
            t.starts_with(
                "notice: 2 scenario(s) tagged @api-token, @jwt-secret or @admin-origin were left out, not run: \
                 set MEDUSA_API_TOKEN, MEDUSA_JWT_SECRET and MEDUSA_ADMIN_ORIGIN to run them\n\
                 \x20 left out: features/tokens.feature:4: S4 (MEDUSA_API_TOKEN is not set)\n\
                 \x20 left out: features/tokens.feature:9: S9 (MEDUSA_API_TOKEN is not set, MEDUSA_JWT_SECRET is not set)\n"
            ),
            "{t}"
        );
        assert!(
            t.ends_with("conformance: 2 passed, 0 failed, 0 skipped, 2 left out\n"),
            "{t}"
        );
        let required = Outcome {
            require_all: true,
            ..o
        };
        let t = text(&required);
        assert!(
            t.contains(
                "\nerror: 2 scenario(s) were left out, and MEDUSA_REQUIRE_ALL (--require-all) requires every scenario to run\n"
            ),
            "{t}"
        );
        assert!(
            t.contains("  left out: features/tokens.feature:4: S4"),
            "{t}"
        );
        assert!(
            t.ends_with("conformance: 2 passed, 0 failed, 0 skipped, 2 left out but required\n"),
            "{t}"
        );
    }

    #[test]
    fn the_other_dialects_scenarios_have_their_own_notice_and_are_never_required() {
        use crate::core::record::{LeftOutScenario, NO_API_TOKEN, ONLY_V1};
        let one = |line: usize, reason: &str| LeftOutScenario {
            feature: "F".into(),
            feature_keyword: "Feature".into(),
            path: Some("features/x.feature".into()),
            feature_tags: vec![],
            rule: None,
            background: None,
            keyword: "Scenario".into(),
            name: format!("S{line}"),
            line,
            col: 3,
            tags: vec![],
            steps: vec![],
            reason: reason.into(),
        };
        let o = Outcome {
            passed: 1,
            left_out: vec![one(4, ONLY_V1), one(9, NO_API_TOKEN)],
            require_all: true,
            ..Outcome::default()
        };
        let t = text(&o);
        assert!(
            t.contains(
                "notice: 1 scenario(s) tagged with the other dialect (@v1 or @v2) were left out"
            ) && t
                .contains("notice: 1 scenario(s) tagged @api-token, @jwt-secret or @admin-origin"),
            "{t}"
        );
        assert_eq!(o.required_left_out(), 1);
        assert!(
            t.contains("\nerror: 1 scenario(s) were left out, and MEDUSA_REQUIRE_ALL"),
            "{t}"
        );
        assert!(t.ends_with(", 2 left out, 1 of them required\n"), "{t}");
        let only_dialect = Outcome {
            left_out: vec![one(4, ONLY_V1)],
            ..o
        };
        assert!(
            only_dialect.is_success(),
            "the other dialect's never fail a run"
        );
    }

    #[test]
    fn retries_and_a_run_that_checked_nothing_are_shown() {
        let o = Outcome {
            retried: vec![RetriedRequest {
                scenario: "S".into(),
                key: None,
                request: "GET /admin/auth".into(),
                retries: 1,
                errors: vec!["connection closed".into()],
            }],
            ..Outcome::default()
        };
        let t = text(&o);
        assert!(
            t.contains("retry: GET /admin/auth sent again (retry 1) after: connection closed\n"),
            "{t}"
        );
        assert!(
            t.contains("retried: GET /admin/auth was sent 1 more time(s)"),
            "{t}"
        );
        assert!(t.contains("error: no scenario ran"), "{t}");
    }

    #[test]
    fn answers_checked_again_are_counted() {
        use crate::core::record::ReusedAnswer;
        let mut o = Outcome {
            passed: 3,
            record: sample(),
            ..Outcome::default()
        };
        assert!(!text(&o).contains("reused:"), "none yet");
        let reused = ReusedAnswer {
            scenario: "S".into(),
            key: None,
            request: "POST /auth/user/emailpass".into(),
        };
        o.record.features[0].scenarios[0].reused = vec![reused.clone(), reused.clone()];
        o.record.features[1].scenarios[0].reused = vec![reused];
        let t = text(&o);
        assert!(
            t.lines().any(|l| l.starts_with("reused: 3 step(s) checked the answer their scenario's previous step got to the same request, not sent again")),
            "{t}"
        );
    }
}
