use http::HeaderValue;

use super::*;
use crate::core::exchange::testing::answer;

const USER: &str =
    r#"{"user":{"id":"usr_1","email":"a@b.co","api_token":"tok_0123456789abcdefghijklmn"}}"#;

fn limits(https: bool) -> Passive<'static> {
    Passive {
        https,
        session_cookie: "connect.sid",
        idle_limit_secs: 1800,
        absolute_limit_secs: 43_200,
    }
}

fn ids(ex: &Exchange, https: bool) -> Vec<&'static str> {
    passive(ex, &limits(https))
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// A login answer as Medusa 1.20.11 sends it (dev mode, over http).
fn medusa_login() -> Exchange {
    let mut ex = answer(
        Call::CreateSession,
        200,
        Some("application/json; charset=utf-8"),
        USER,
    );
    let h = &mut ex.headers;
    h.insert("x-powered-by", HeaderValue::from_static("Express"));
    h.insert(
        "date",
        HeaderValue::from_static("Mon, 30 Nov 2026 04:00:00 GMT"),
    );
    h.insert(
        "set-cookie",
        HeaderValue::from_static(
            "connect.sid=s%3Aabc.def; Path=/; Expires=Mon, 30 Nov 2026 14:00:00 GMT; HttpOnly",
        ),
    );
    ex
}

/// The same answer from a hardened backend.
fn hardened_login() -> Exchange {
    let body = USER.replace(r#""tok_0123456789abcdefghijklmn""#, "null");
    let mut ex = answer(
        Call::CreateSession,
        200,
        Some("application/json; charset=utf-8"),
        &body,
    );
    let h = &mut ex.headers;
    for (k, v) in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", "frame-ancestors 'none'"),
        ("referrer-policy", "no-referrer"),
        (
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        ),
        ("date", "Mon, 30 Nov 2026 04:00:00 GMT"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    h.insert(
        "set-cookie",
        HeaderValue::from_static("__Host-connect.sid=s%3Aabc.def; Path=/; Max-Age=1800; HttpOnly; Secure; SameSite=Strict"),
    );
    ex
}

#[test]
fn a_medusa_login_fires_the_passive_advisories_it_deserves() {
    let fired = ids(&medusa_login(), false);
    for id in [
        "cache-no-store",
        "nosniff",
        "frame-ancestors",
        "referrer-policy",
        "x-powered-by",
        "credential-in-body",
        "cookie-samesite",
        "session-idle",
    ] {
        assert!(fired.contains(&id), "{id} not in {fired:?}");
    }
    // Over http: no HSTS, no Secure; 10 h is under the 12 h absolute limit.
    for id in [
        "hsts",
        "cookie-secure",
        "session-absolute",
        "content-type",
        "error-disclosure",
    ] {
        assert!(!fired.contains(&id), "{id} in {fired:?}");
    }
    let https = ids(&medusa_login(), true);
    assert!(
        https.contains(&"hsts") && https.contains(&"cookie-secure"),
        "{https:?}"
    );
}

#[test]
fn a_hardened_login_fires_nothing_even_over_https() {
    // The hardened cookie has another name: judge the prefixed one.
    let p = Passive {
        session_cookie: "__Host-connect.sid",
        ..limits(true)
    };
    assert_eq!(passive(&hardened_login(), &p), vec![]);
}

#[test]
fn evidence_never_carries_the_token() {
    for (_, evidence) in passive(&medusa_login(), &limits(true)) {
        assert!(!evidence.contains("tok_0123"), "{evidence}");
        assert!(
            evidence.starts_with("POST /admin/auth -> 200: "),
            "{evidence}"
        );
    }
}

#[test]
fn an_untyped_401_and_a_stack_trace_fire() {
    let ex = answer(Call::GetSession, 401, None, "Unauthorized");
    assert!(ids(&ex, false).contains(&"content-type"));
    let page = "<pre>SyntaxError: Unexpected token<br> &nbsp; &nbsp;at JSON.parse (&lt;anonymous&gt;)<br> &nbsp; &nbsp;at parse (/app/node_modules/body-parser/lib/types/json.js:92:19)</pre>";
    let ex = answer(
        Call::CreateSession,
        400,
        Some("text/html; charset=utf-8"),
        page,
    );
    let fired = passive(&ex, &limits(false));
    let (_, evidence) = fired
        .iter()
        .find(|(id, _)| *id == "error-disclosure")
        .expect("fired");
    assert!(evidence.contains("stack trace"), "{evidence}");
    let clean = answer(
        Call::CreateSession,
        400,
        Some("application/json"),
        r#"{"type":"invalid_data","message":"email must be an email"}"#,
    );
    assert!(!ids(&clean, false).contains(&"error-disclosure"));
    let path_only = answer(
        Call::CreateSession,
        413,
        Some("text/html"),
        "PayloadTooLargeError at /usr/src/app/x.js",
    );
    assert!(ids(&path_only, false).contains(&"error-disclosure"));
}

#[test]
fn no_store_is_asked_only_of_answers_with_credentials_or_a_user() {
    let refused = answer(Call::CreateSession, 401, Some("text/plain"), "Unauthorized");
    assert!(!ids(&refused, false).contains(&"cache-no-store"));
    let token = answer(
        Call::GetToken,
        200,
        Some("application/json"),
        r#"{"access_token":"x.y.z"}"#,
    );
    let fired = ids(&token, false);
    assert!(fired.contains(&"cache-no-store"));
    // The token route exists to return its token.
    assert!(!fired.contains(&"credential-in-body"));
}

#[test]
fn hsts_needs_a_year() {
    assert!(hsts_long_enough("max-age=31536000"));
    assert!(hsts_long_enough("includeSubDomains; max-age=63072000"));
    assert!(!hsts_long_enough("max-age=86400"));
    assert!(!hsts_long_enough("max-age=abc"));
}

#[test]
fn one_finding_per_advisory_and_strict_fails_only_at_or_above_the_level() {
    let mut a = Advisories::new(Mode::Warn, Severity::High);
    a.add("nosniff", "first".into());
    a.add("nosniff", "second".into());
    a.add("session-fixation", "fixed".into());
    a.add("no-such-advisory", "ignored".into());
    assert_eq!(a.ids(), vec!["nosniff", "session-fixation"]);
    assert_eq!(
        a.findings()[0].advisory.id,
        "session-fixation",
        "most severe first"
    );
    assert_eq!(a.findings()[1].evidence, "first");
    assert!(a.failing().is_empty(), "warn never fails");
    a.mode = Mode::Strict;
    assert_eq!(a.failing().len(), 1);
    a.level = Some(Severity::Low);
    assert_eq!(a.failing().len(), 2);
    a.mode = Mode::Off;
    assert!(a.failing().is_empty());
}

#[test]
fn modes_levels_and_the_catalog_parse_and_hold_together() {
    assert_eq!(Mode::parse(" Strict "), Some(Mode::Strict));
    assert_eq!(Mode::parse("loud"), None);
    assert_eq!(Severity::parse("MEDIUM"), Some(Severity::Medium));
    assert_eq!(Severity::parse("critical"), None);
    let mut ids: Vec<_> = CATALOG.iter().map(|a| a.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), CATALOG.len(), "ids are unique");
    assert!(CATALOG.iter().all(|a| a.asvs5.starts_with('V')));
}

#[test]
fn origin_variants_are_null_suffix_scheme_and_case() {
    assert_eq!(
        origin_variants("http://localhost:7000"),
        vec![
            "null",
            "http://localhost:7000.evil.example",
            "https://localhost:7000",
            "http://LOCALHOST:7000"
        ]
    );
}

#[test]
fn a_finding_is_one_line_with_its_ids() {
    let mut a = Advisories::new(Mode::Warn, Severity::High);
    a.add(
        "cache-no-store",
        "GET /admin/auth -> 200: Cache-Control is absent".into(),
    );
    let line = a.findings()[0].describe();
    assert!(
        line.starts_with("advisory [medium] cache-no-store (ASVS V14.3.2; 4.0.3 8.2.1): "),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[test]
fn a_left_out_check_keeps_its_first_reason_and_unknown_ids_are_ignored() {
    let mut a = Advisories::new(Mode::Warn, Severity::High);
    a.leave_out("session-fixation", "no pre-login cookie".into());
    a.leave_out("session-fixation", "another reason".into());
    a.leave_out("no-such-check", "x".into());
    assert_eq!(
        a.left_out(),
        vec![("session-fixation", "no pre-login cookie")]
    );
    assert!(a.findings().is_empty(), "left out is not fired");
}
