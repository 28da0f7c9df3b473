//! Checks on an [`Exchange`], and the one-screen report of a failed one.
//!
//! Each check returns `Ok(())` or a [`Failure`] that names the check, says
//! what was expected and what came, and carries the exchange so the report
//! can show the request and the response. Rendering goes through the
//! [`Redactor`]: a report never shows a secret.

// A failure carries the whole exchange; it is built only when a check
// fails, so its size does not matter on the passing path.
#![allow(clippy::result_large_err)]

use std::fmt::Write as _;

use serde_json::Value;
use similar::TextDiff;

use crate::core::contract::{SchemaError, SchemaName, Schemas};
use crate::core::exchange::Exchange;
use crate::core::redact::{MASK, Redactor};

/// How much of a body a report shows.
const EXCERPT_CHARS: usize = 600;

/// Every failure report starts with this, so the panic hook can tell a
/// report (already printed by the cucumber writer) from a harness bug.
pub const REPORT_MARKER: &str = "check failed: ";

/// The line a report's diff starts after (always its last part), so the
/// console and the HTML report can colour the diff's lines.
pub const DIFF_HEADER: &str = "diff (- expected, + actual):";

/// A failed check.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Short, stable name of the check (`status`, `schema AdminAuthRes`, ...).
    pub check: String,
    /// One line: what was expected and what came instead.
    pub summary: String,
    /// Schema violations, if the check was a schema check.
    pub schema_errors: Vec<SchemaError>,
    /// Expected and actual text, shown as a unified diff.
    pub diff: Option<(String, String)>,
    /// The exchange the check looked at.
    pub exchange: Option<Exchange>,
}

impl Failure {
    /// A failure of `check`, explained by `summary`.
    pub fn new(check: impl Into<String>, summary: impl Into<String>) -> Self {
        Failure {
            check: check.into(),
            summary: summary.into(),
            schema_errors: Vec::new(),
            diff: None,
            exchange: None,
        }
    }

    /// Attaches the exchange the check looked at.
    pub fn with_exchange(mut self, ex: &Exchange) -> Self {
        self.exchange = Some(ex.clone());
        self
    }

    /// Attaches the exchange the check looked at, when there is one.
    pub fn with_exchange_if(mut self, ex: Option<&Exchange>) -> Self {
        self.exchange = ex.cloned();
        self
    }

    /// Attaches an expected/actual pair, shown as a diff.
    pub fn with_diff(mut self, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        self.diff = Some((expected.into(), actual.into()));
        self
    }

    /// Renders the report, masked by `redactor`.
    pub fn render(&self, redactor: &Redactor) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{REPORT_MARKER}{}", self.check);
        let _ = writeln!(out, "  {}", self.summary);
        if let Some(ex) = &self.exchange {
            render_exchange(&mut out, ex);
        }
        if !self.schema_errors.is_empty() {
            let _ = writeln!(out, "schema errors ({}):", self.schema_errors.len());
            for e in &self.schema_errors {
                let path = if e.instance_path.is_empty() {
                    "(root)"
                } else {
                    &e.instance_path
                };
                let _ = writeln!(out, "  {path} [{}]: {}", e.keyword, e.message);
            }
        }
        if let Some((expected, actual)) = &self.diff {
            let _ = writeln!(out, "{DIFF_HEADER}");
            out.push_str(&unified_diff(expected, actual));
        }
        redactor.mask(&out).into_owned()
    }
}

fn render_exchange(out: &mut String, ex: &Exchange) {
    let _ = writeln!(out, "request: {} {}", ex.method, ex.path);
    for (k, v) in &ex.request_headers {
        // Credentials are masked by name too, not only by value.
        let v = match k.as_str() {
            "cookie" | "authorization" | "x-medusa-access-token" => MASK,
            _ => v.as_str(),
        };
        let _ = writeln!(out, "  {k}: {v}");
    }
    if let Some(body) = &ex.request_body {
        let _ = writeln!(out, "  body: {}", excerpt(&mask_password_field(body)));
    }
    if ex.retries > 0 {
        let _ = writeln!(
            out,
            "  (sent {} more time(s) after transport errors)",
            ex.retries
        );
    }
    let ct = ex.content_type().unwrap_or("(no content type)");
    let _ = writeln!(out, "response: {} {ct}", ex.status);
    for cookie in ex.set_cookies() {
        let _ = writeln!(out, "  set-cookie: {cookie}");
    }
    let cut = if ex.truncated {
        ", cut at the body limit"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "  body ({} bytes{cut}): {}",
        ex.body.len(),
        excerpt(&ex.body_text())
    );
}

/// The request body with any `password` string replaced by the mask, so a
/// report never depends on the value redactor alone for it.
fn mask_password_field(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut map)) => {
            if let Some(p) = map.get_mut("password")
                && p.is_string()
            {
                *p = Value::String(MASK.to_owned());
            }
            Value::Object(map).to_string()
        }
        _ => body.to_owned(),
    }
}

fn excerpt(text: &str) -> String {
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() > EXCERPT_CHARS {
        let cut: String = one_line.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}... ({} chars in all)", one_line.chars().count())
    } else if one_line.is_empty() {
        "(empty)".to_owned()
    } else {
        one_line
    }
}

/// A unified diff of two texts, with a trailing newline.
pub fn unified_diff(expected: &str, actual: &str) -> String {
    let expected = ensure_newline(expected);
    let actual = ensure_newline(actual);
    TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_owned()
    } else {
        format!("{s}\n")
    }
}

/// Pretty JSON for diffs (keys sorted, so order never shows as a change).
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// The response status is `expected`.
pub fn status(ex: &Exchange, expected: u16) -> Result<(), Failure> {
    if ex.status == expected {
        return Ok(());
    }
    Err(Failure::new(
        format!("status {} {}", ex.method, ex.path),
        format!("expected status {expected}, got {}", ex.status),
    )
    .with_exchange(ex)
    .with_diff(expected.to_string(), ex.status.to_string()))
}

/// The response is JSON (by content type and by parse) and returns the value.
pub fn json_body(ex: &Exchange) -> Result<Value, Failure> {
    if !ex.is_json() {
        return Err(Failure::new(
            "content type",
            format!(
                "expected a JSON body (application/json), got {}",
                ex.content_type().unwrap_or("no content type")
            ),
        )
        .with_exchange(ex));
    }
    ex.json().map_err(|e| {
        Failure::new("json", format!("the body is not valid JSON: {e}")).with_exchange(ex)
    })
}

/// The response is JSON matching schema `name`; returns the value.
pub fn schema(ex: &Exchange, name: SchemaName) -> Result<Value, Failure> {
    let body = json_body(ex)?;
    let errors = Schemas::get().errors(name, &body);
    if errors.is_empty() {
        return Ok(body);
    }
    let mut f = Failure::new(
        format!("schema {}", name.as_str()),
        format!("the body does not match the {} schema", name.as_str()),
    )
    .with_exchange(ex);
    f.schema_errors = errors;
    Err(f)
}

/// Two JSON values are equal; on difference, a diff of both.
pub fn same_json(
    check: &str,
    summary: &str,
    expected: &Value,
    actual: &Value,
    ex: Option<&Exchange>,
) -> Result<(), Failure> {
    if expected == actual {
        return Ok(());
    }
    let mut f = Failure::new(check, summary).with_diff(pretty(expected), pretty(actual));
    if let Some(ex) = ex {
        f = f.with_exchange(ex);
    }
    Err(f)
}

/// A validation error's message (`a, b, c`) against the contract's, as
/// the SET of constraint messages the real server sends: the same
/// messages, each as often, in any order (class-validator's order is not
/// part of the contract). Not substrings: an extra or a changed message
/// fails too.
pub fn same_messages(expected: &str, actual: &str) -> Result<(), Failure> {
    let split = |s: &str| {
        let mut parts: Vec<String> = s
            .split(", ")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        parts.sort_unstable();
        parts
    };
    let (want, got) = (split(expected), split(actual));
    if want == got {
        return Ok(());
    }
    let missing: Vec<&str> = want
        .iter()
        .filter(|m| !got.contains(m))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = got
        .iter()
        .filter(|m| !want.contains(m))
        .map(String::as_str)
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("it does not say: {}", missing.join("; ")));
    }
    if !extra.is_empty() {
        problems.push(format!("it also says: {}", extra.join("; ")));
    }
    if problems.is_empty() {
        problems.push("a message is repeated".to_owned());
    }
    Err(Failure::new(
        "error message",
        format!(
            "the error message is not the contract's set of constraint messages: {}",
            problems.join("; ")
        ),
    )
    .with_diff(want.join("\n"), got.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::Call;
    use http::HeaderValue;

    fn exchange(status: u16, ct: &str, body: &str) -> Exchange {
        crate::core::exchange::testing::answer(Call::CreateSession, status, Some(ct), body)
    }

    #[test]
    fn status_failure_names_the_check_and_hides_the_password() {
        let ex = exchange(401, "text/plain", "Unauthorized");
        let f = status(&ex, 200).unwrap_err();
        let text = f.render(&Redactor::new());
        assert!(
            text.starts_with("check failed: status POST /admin/auth\n"),
            "{text}"
        );
        assert!(text.contains("expected status 200, got 401"), "{text}");
        assert!(!text.contains("hunter22"), "{text}");
        assert!(text.contains("-200\n+401"), "{text}");
    }

    #[test]
    fn an_exchange_is_attached_only_when_there_is_one() {
        let ex = exchange(401, "text/plain", "Unauthorized");
        let f = Failure::new("c", "s").with_exchange_if(Some(&ex));
        assert_eq!(f.exchange.map(|e| e.status), Some(401));
        let f = Failure::new("c", "s")
            .with_exchange(&ex)
            .with_exchange_if(None);
        assert!(f.exchange.is_none());
    }

    #[test]
    fn schema_failure_lists_paths() {
        let ex = exchange(200, "application/json", r#"{"user":{"id":"x"}}"#);
        let f = schema(&ex, SchemaName::AdminAuthRes).unwrap_err();
        assert_eq!(f.check, "schema AdminAuthRes");
        assert!(f.render(&Redactor::new()).contains("/user [required]"));
    }

    #[test]
    fn json_is_required_by_content_type() {
        let ex = exchange(200, "text/plain", r#"{"user":{}}"#);
        assert_eq!(json_body(&ex).unwrap_err().check, "content type");
        let ex = exchange(200, "application/json; charset=utf-8", r#"{"user":"#);
        assert_eq!(json_body(&ex).unwrap_err().check, "json");
    }

    #[test]
    fn excerpt_is_bounded() {
        let long = "x".repeat(5000);
        assert!(excerpt(&long).len() < 700);
    }
    #[test]
    fn error_messages_are_compared_as_a_set() {
        let want = "email should not be empty, email must be an email";
        assert!(same_messages(want, "email must be an email, email should not be empty").is_ok());
        let extra = same_messages(
            want,
            "email should not be empty, email must be an email, email must be a string",
        )
        .unwrap_err();
        assert_eq!(extra.check, "error message");
        assert!(
            extra
                .summary
                .contains("it also says: email must be a string"),
            "{}",
            extra.summary
        );
        let missing = same_messages(want, "email must be an email").unwrap_err();
        assert!(
            missing
                .summary
                .contains("it does not say: email should not be empty")
        );
        // A message that only contains the expected one is another message.
        assert!(same_messages("email must be an email", "email must be an email address").is_err());
        assert!(same_messages("a, b", "a, b, b").is_err());
    }

    #[test]
    fn message_problems_say_what_is_missing_extra_or_repeated() {
        let summary = |want: &str, got: &str| same_messages(want, got).unwrap_err().summary;
        let repeated = summary("a, b", "a, b, b");
        assert!(repeated.ends_with(": a message is repeated"), "{repeated}");
        let missing = summary("a, b", "a");
        assert!(missing.ends_with(": it does not say: b"), "{missing}");
        let extra = summary("a", "a, c");
        assert!(extra.ends_with(": it also says: c"), "{extra}");
        let both = summary("a, b", "a, c");
        assert!(
            both.ends_with(": it does not say: b; it also says: c"),
            "{both}"
        );
        // Empty parts and surrounding spaces are not messages.
        assert!(same_messages("a, b", "b, , a").is_ok());
        let f = same_messages("a, b", "c").unwrap_err();
        assert_eq!(f.diff, Some(("a\nb".to_owned(), "c".to_owned())));
    }

    #[test]
    fn excerpt_bounds_are_exact() {
        let at_limit = "y".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&at_limit), at_limit);
        let over = "é".repeat(EXCERPT_CHARS + 1);
        assert_eq!(
            excerpt(&over),
            format!("{}... (601 chars in all)", "é".repeat(EXCERPT_CHARS))
        );
        assert_eq!(excerpt(""), "(empty)");
        assert_eq!(excerpt("a\nb"), "a\\nb");
    }

    #[test]
    fn a_report_shows_the_exchange_with_credentials_masked() {
        let mut ex = exchange(401, "text/plain", "Unauthorized");
        ex.request_headers = vec![
            ("cookie".into(), "connect.sid=abc".into()),
            ("authorization".into(), "Bearer abc".into()),
            ("x-medusa-access-token".into(), "tok".into()),
            ("origin".into(), "https://o.test".into()),
        ];
        ex.headers
            .append("set-cookie", HeaderValue::from_static("a=1; Path=/"));
        let text = Failure::new("c", "s")
            .with_exchange(&ex)
            .render(&Redactor::new());
        for line in [
            "request: POST /admin/auth\n",
            &format!("  cookie: {MASK}\n"),
            &format!("  authorization: {MASK}\n"),
            &format!("  x-medusa-access-token: {MASK}\n"),
            "  origin: https://o.test\n",
            &format!("  body: {{\"email\":\"a@b.co\",\"password\":\"{MASK}\"}}\n"),
            "response: 401 text/plain\n",
            "  set-cookie: a=1; Path=/\n",
            "  body (12 bytes): Unauthorized\n",
        ] {
            assert!(text.contains(line), "{line:?} in\n{text}");
        }
        assert!(!text.contains("sent") && !text.contains("cut at"), "{text}");
        ex.retries = 2;
        ex.truncated = true;
        let text = Failure::new("c", "s")
            .with_exchange(&ex)
            .render(&Redactor::new());
        assert!(
            text.contains("  (sent 2 more time(s) after transport errors)\n"),
            "{text}"
        );
        assert!(
            text.contains("  body (12 bytes, cut at the body limit): "),
            "{text}"
        );
        ex.retries = 1;
        let text = Failure::new("c", "s")
            .with_exchange(&ex)
            .render(&Redactor::new());
        assert!(text.contains("(sent 1 more time(s)"), "{text}");
    }

    #[test]
    fn only_a_string_password_field_is_masked() {
        assert_eq!(
            mask_password_field(r#"{"password":"pw","a":1}"#),
            format!(r#"{{"a":1,"password":"{MASK}"}}"#)
        );
        assert_eq!(
            mask_password_field(r#"{"password":5}"#),
            r#"{"password":5}"#
        );
        assert_eq!(mask_password_field("not json"), "not json");
    }

    #[test]
    fn schema_errors_name_their_path_or_the_root() {
        let ex = exchange(200, "application/json", r#"{"user":{"id":"x"}}"#);
        let f = schema(&ex, SchemaName::AdminAuthRes).unwrap_err();
        let n = f.schema_errors.len();
        assert!(n > 0);
        let text = f.render(&Redactor::new());
        assert!(text.contains(&format!("schema errors ({n}):\n")), "{text}");
        let root = schema(&exchange(200, "application/json", "[]"), SchemaName::Error).unwrap_err();
        assert!(root.render(&Redactor::new()).contains("  (root) [type]: "));
        assert!(
            schema(
                &exchange(
                    200,
                    "application/json",
                    r#"{"type":"not_allowed","message":"m"}"#
                ),
                SchemaName::Error
            )
            .is_ok()
        );
        let f = Failure::new("c", "s").render(&Redactor::new());
        assert_eq!(f, "check failed: c\n  s\n");
    }

    #[test]
    fn same_json_attaches_the_exchange_only_when_given() {
        let (a, b) = (serde_json::json!({"a": 1}), serde_json::json!({"a": 2}));
        assert!(same_json("c", "s", &a, &a, None).is_ok());
        let f = same_json("c", "s", &a, &b, None).unwrap_err();
        assert!(f.exchange.is_none());
        assert_eq!(f.diff, Some((pretty(&a), pretty(&b))));
        let ex = exchange(200, "application/json", "{}");
        let f = same_json("c", "s", &a, &b, Some(&ex)).unwrap_err();
        assert_eq!(f.exchange.map(|e| e.status), Some(200));
    }

    #[test]
    fn a_diff_ignores_a_missing_last_newline() {
        assert_eq!(unified_diff("a", "a\n"), "");
        assert_eq!(ensure_newline("a"), "a\n");
        assert_eq!(ensure_newline("a\n"), "a\n");
        let d = unified_diff("a\nb", "a\nc");
        assert!(
            d.contains("--- expected\n+++ actual\n") && d.contains("-b\n+c\n"),
            "{d}"
        );
    }
}
