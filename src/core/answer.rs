//! The automatic check: every answer against its route row. Each exchange
//! of every scenario passes here as it arrives (the suite's one send
//! path), so no scenario can forget to check what an answer looks like:
//! the success status, content type and body; the exact 401; a JSON error
//! for any other refusal; the route's declared other answers, each only in
//! its case; the preflight answer. Which status a scenario expects is the
//! scenario's business; what an answer with that status must look like is
//! the row's.

// A failure carries the whole exchange; it is built only when a check
// fails, so its size does not matter on the passing path.
#![allow(clippy::result_large_err)]

use serde_json::Value;

use crate::core::check::Failure;
use crate::core::contract::{Answer, BodyRule, Dialect, Route, Schemas, When};
use crate::core::exchange::Exchange;

/// The check's name for `ex`: `route row POST /admin/auth 401`.
pub fn check_name(ex: &Exchange) -> String {
    format!("route row {} {} {}", ex.method, ex.path, ex.status)
}

/// `Ok` if the answer of `ex` looks as its route row in `dialect` says an
/// answer with its status must; else a failure named by [`check_name`].
pub fn route_row(dialect: &Dialect, ex: &Exchange) -> Result<(), Failure> {
    let route = dialect.route(ex.call);
    let fail = |summary: String| Failure::new(check_name(ex), summary).with_exchange(ex);
    if ex.method != route.method {
        if ex.method == "OPTIONS" {
            return judge(ex, &dialect.preflight, "a CORS preflight");
        }
        return Err(fail(format!(
            "the route row of {} {} has no answers for {}",
            route.method, route.path, ex.method
        )));
    }
    if ex.status == route.success.status {
        return judge(ex, &route.success, "the success answer");
    }
    if ex.status == route.unauthorized.status {
        return judge(
            ex,
            &route.unauthorized,
            "the refusal without valid credentials",
        );
    }
    if !(400..500).contains(&ex.status) {
        return Err(fail(format!(
            "{} {} answers {} on success, {} without valid credentials and a 4xx error on a \
             refused request; never {}",
            route.method, route.path, route.success.status, route.unauthorized.status, ex.status
        ))
        .with_diff(
            format!(
                "status: {} or {} or 4xx",
                route.success.status, route.unauthorized.status
            ),
            format!("status: {}", ex.status),
        ));
    }
    let other = route.other.iter().find(|o| {
        o.answer.status == ex.status
            && same_content_type(o.answer.content_type, ex.content_type())
            && holds(o.when, ex)
    });
    if let Some(o) = other {
        return judge(ex, &o.answer, o.when.describe());
    }
    let error = Answer {
        status: ex.status,
        content_type: Some(dialect.json_content_type),
        body: BodyRule::Json(dialect.error_schema),
    };
    judge(ex, &error, "a refused request (a JSON error)").map_err(|mut f| {
        f.summary.push_str(&others_allowed(&route, ex.status));
        f
    })
}

/// The route's other answers with `status`, for a failure's summary.
fn others_allowed(route: &Route, status: u16) -> String {
    let others: Vec<String> = route
        .other
        .iter()
        .filter(|o| o.answer.status == status)
        .map(|o| format!("{} only {}", describe(&o.answer), o.when.describe()))
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!(" (the row also allows: {})", others.join("; "))
    }
}

/// Whether the request of `ex` is in the case `when`.
fn holds(when: When, ex: &Exchange) -> bool {
    let header = |name: &str| {
        ex.request_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    match when {
        When::BodyNotJson => {
            let json_sent = header("content-type")
                .and_then(|ct| ct.split(';').next())
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
            let parsed = ex
                .request_body
                .as_deref()
                .filter(|b| !b.is_empty())
                .map(serde_json::from_str::<Value>);
            json_sent
                && matches!(
                    parsed,
                    Some(Err(_))
                        | Some(Ok(Value::String(_)
                            | Value::Number(_)
                            | Value::Bool(_)
                            | Value::Null))
                )
        }
        When::BearerSent => header("authorization").is_some_and(|v| {
            v.split_whitespace()
                .next()
                .is_some_and(|s| s.eq_ignore_ascii_case("bearer"))
        }),
    }
}

/// `application/json; charset=utf-8` and `Application/JSON;charset=UTF-8`
/// are the same type; a missing one matches only a missing one.
fn same_content_type(expected: Option<&str>, actual: Option<&str>) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    match (expected, actual) {
        (None, None) => true,
        (Some(e), Some(a)) => norm(e) == norm(a),
        _ => false,
    }
}

/// The answer in words: `401, no Content-Type, body "Unauthorized"`.
fn describe(a: &Answer) -> String {
    let ct = a.content_type.unwrap_or("no Content-Type");
    let body = match a.body {
        BodyRule::Json(schema) => format!("a JSON body matching the {} schema", schema.as_str()),
        BodyRule::Text(t) => format!("the body \"{t}\""),
        BodyRule::Empty => "an empty body".to_owned(),
        BodyRule::Any => "any body".to_owned(),
    };
    format!("{}, {ct}, {body}", a.status)
}

/// Checks `ex` against `answer`: every part that differs is named, the
/// differing lines of status, content type and text body are diffed, and
/// schema errors listed.
fn judge(ex: &Exchange, answer: &Answer, what: &str) -> Result<(), Failure> {
    let mut problems = Vec::new();
    let (mut want, mut got) = (Vec::new(), Vec::new());
    if ex.status != answer.status {
        problems.push(format!("the status is {}", ex.status));
        want.push(format!("status: {}", answer.status));
        got.push(format!("status: {}", ex.status));
    }
    if !same_content_type(answer.content_type, ex.content_type()) {
        problems.push(format!(
            "the Content-Type is {}",
            ex.content_type().unwrap_or("missing")
        ));
        let shown = |ct: Option<&str>| ct.unwrap_or("(none)").to_owned();
        want.push(format!("content-type: {}", shown(answer.content_type)));
        got.push(format!("content-type: {}", shown(ex.content_type())));
    }
    let mut schema_errors = Vec::new();
    match answer.body {
        BodyRule::Any => {}
        BodyRule::Empty if ex.body.is_empty() => {}
        BodyRule::Empty => problems.push(format!("the body has {} bytes", ex.body.len())),
        BodyRule::Text(t) if ex.body == t.as_bytes() => {}
        BodyRule::Text(t) => {
            problems.push("the body differs".to_owned());
            want.push(format!("body: {t}"));
            got.push(format!("body: {}", ex.body_text()));
        }
        BodyRule::Json(schema) => match ex.json() {
            Err(e) => problems.push(format!("the body is not valid JSON: {e}")),
            Ok(body) => {
                schema_errors = Schemas::get().errors(schema, &body);
                if !schema_errors.is_empty() {
                    problems.push(format!(
                        "the body does not match the {} schema",
                        schema.as_str()
                    ));
                }
            }
        },
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut f = Failure::new(
        check_name(ex),
        format!(
            "{what} must be {}, but {}",
            describe(answer),
            problems.join(" and ")
        ),
    )
    .with_exchange(ex);
    if !want.is_empty() {
        f = f.with_diff(want.join("\n"), got.join("\n"));
    }
    f.schema_errors = schema_errors;
    Err(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::{Call, V1};
    use crate::core::redact::Redactor;
    use http::HeaderValue;

    const USER: &str = r#"{"user":{"id":"usr_01","role":"member","email":"a@example.com","first_name":null,"last_name":null,"api_token":null,"created_at":"2026-11-29T14:35:53.510Z","updated_at":"2026-11-29T14:35:53.510Z","deleted_at":null,"metadata":null}}"#;
    const JSON: &str = "application/json; charset=utf-8";
    const TEXT: &str = "text/plain; charset=utf-8";

    fn ex(call: Call, status: u16, ct: Option<&str>, body: &str) -> Exchange {
        crate::core::exchange::testing::answer(call, status, ct, body)
    }

    fn check(e: &Exchange) -> Result<(), String> {
        route_row(&V1, e).map_err(|f| f.render(&Redactor::new()))
    }

    #[test]
    fn what_the_real_server_sends_passes() {
        let ok = [
            ex(Call::CreateSession, 200, Some(JSON), USER),
            ex(
                Call::GetSession,
                200,
                Some("Application/JSON;charset=UTF-8"),
                USER,
            ),
            ex(
                Call::GetToken,
                200,
                Some(JSON),
                r#"{"access_token":"a.b.c"}"#,
            ),
            ex(Call::DeleteSession, 200, Some(TEXT), "OK"),
            ex(Call::CreateSession, 401, Some(TEXT), "Unauthorized"),
            ex(Call::GetToken, 401, Some(TEXT), "Unauthorized"),
            ex(Call::GetSession, 401, None, "Unauthorized"),
            ex(Call::DeleteSession, 401, None, "Unauthorized"),
            ex(
                Call::CreateSession,
                400,
                Some(JSON),
                r#"{"type":"invalid_data","message":"email must be an email"}"#,
            ),
            // Another 4xx is the scenario's business, as long as it is an Error.
            ex(
                Call::GetSession,
                404,
                Some(JSON),
                r#"{"type":"not_found","message":"m"}"#,
            ),
        ];
        for e in &ok {
            assert_eq!(check(e), Ok(()), "{} {}", e.request_line(), e.status);
        }
    }

    #[test]
    fn a_401_is_exactly_unauthorized_with_the_routes_content_type() {
        let json_401 = ex(
            Call::GetSession,
            401,
            Some(JSON),
            r#"{"type":"unauthorized","message":"Unauthorized"}"#,
        );
        let text = check(&json_401).unwrap_err();
        assert!(
            text.starts_with("check failed: route row GET /admin/auth 401\n"),
            "{text}"
        );
        assert!(
            text.contains("the Content-Type is application/json"),
            "{text}"
        );
        // The login route's refusal has a type; the middleware's has none.
        assert!(check(&ex(Call::CreateSession, 401, None, "Unauthorized")).is_err());
        assert!(check(&ex(Call::GetSession, 401, Some(TEXT), "Unauthorized")).is_err());
        let longer = check(&ex(Call::GetSession, 401, None, "Unauthorized: bad token"));
        assert!(longer.unwrap_err().contains("the body differs"));
    }

    #[test]
    fn success_needs_its_status_content_type_and_schema() {
        let created = check(&ex(Call::CreateSession, 201, Some(JSON), USER)).unwrap_err();
        assert!(created.starts_with("check failed: route row POST /admin/auth 201\n"));
        assert!(created.contains("never 201"), "{created}");
        let latin1 = check(&ex(
            Call::GetSession,
            200,
            Some("application/json; charset=iso-8859-1"),
            USER,
        ))
        .unwrap_err();
        assert!(latin1.contains("-content-type: application/json; charset=utf-8"));
        let schema = check(&ex(
            Call::GetToken,
            200,
            Some(JSON),
            r#"{"accessToken":"t"}"#,
        ));
        assert!(schema.unwrap_err().contains("(root) [required]"));
        let cut = check(&ex(Call::GetSession, 200, Some(JSON), r#"{"user":"#));
        assert!(cut.unwrap_err().contains("not valid JSON"));
        assert!(check(&ex(Call::DeleteSession, 200, Some(TEXT), "Bye")).is_err());
        assert!(check(&ex(Call::GetSession, 500, Some(JSON), "{}")).is_err());
    }

    #[test]
    fn a_4xx_json_error_needs_the_error_schema() {
        let no_type = check(&ex(
            Call::GetSession,
            403,
            Some(JSON),
            r#"{"message":"Not allowed by CORS"}"#,
        ))
        .unwrap_err();
        assert!(no_type.contains("check failed: route row GET /admin/auth 403"));
        assert!(no_type.contains("(root) [required]"), "{no_type}");
        assert!(check(&ex(Call::GetSession, 403, Some(TEXT), "Forbidden")).is_err());
    }

    #[test]
    fn other_answers_are_allowed_only_in_their_case() {
        let mut page = ex(
            Call::CreateSession,
            400,
            Some("text/html; charset=utf-8"),
            "<pre>Bad Request</pre>",
        );
        page.request_body = Some("email=admin&password=secret".into());
        assert_eq!(check(&page), Ok(()));
        // The same page for a body that is JSON: a validation error is due.
        page.request_body = Some(r#"{"email":"x"}"#.into());
        let text = check(&page).unwrap_err();
        assert!(
            text.contains("the row also allows: 400, text/html"),
            "{text}"
        );
        // Nor where the route reads no body.
        let mut whoami = ex(Call::GetSession, 400, Some(TEXT), "Bad Request");
        assert!(check(&whoami).is_err());
        whoami.request_headers = vec![("authorization".into(), "Bearer a.b.c".into())];
        assert_eq!(check(&whoami), Ok(()));
        whoami.body = b"Bad Request: no user".to_vec();
        assert!(check(&whoami).is_err());
    }

    #[test]
    fn a_preflight_is_204_without_a_body() {
        let mut pre = ex(Call::CreateSession, 204, None, "");
        pre.method = "OPTIONS".into();
        assert_eq!(check(&pre), Ok(()));
        pre.status = 403;
        pre.headers
            .insert("content-type", HeaderValue::from_static(JSON));
        pre.body = br#"{"message":"Not allowed by CORS"}"#.to_vec();
        let text = check(&pre).unwrap_err();
        assert!(text.starts_with("check failed: route row OPTIONS /admin/auth 403\n"));
        assert!(text.contains("a CORS preflight must be 204"), "{text}");
    }

    #[test]
    fn a_failure_is_rendered_redacted() {
        let r = Redactor::new();
        r.add("hunter22");
        let e = ex(Call::CreateSession, 401, Some(JSON), r#"{"message":"no"}"#);
        let text = route_row(&V1, &e).unwrap_err().render(&r);
        assert!(!text.contains("hunter22"), "{text}");
    }

    #[test]
    fn answers_are_described_in_words() {
        let a = |content_type, body| {
            describe(&Answer {
                status: 400,
                content_type,
                body,
            })
        };
        assert_eq!(
            a(
                Some("x/y"),
                BodyRule::Json(crate::core::contract::SchemaName::Error)
            ),
            "400, x/y, a JSON body matching the Error schema"
        );
        assert_eq!(
            a(None, BodyRule::Text("T")),
            "400, no Content-Type, the body \"T\""
        );
        assert_eq!(
            a(None, BodyRule::Empty),
            "400, no Content-Type, an empty body"
        );
        assert_eq!(a(None, BodyRule::Any), "400, no Content-Type, any body");
    }

    #[test]
    fn a_4xx_is_any_status_from_400_to_499() {
        let error = r#"{"type":"not_found","message":"m"}"#;
        for status in [400, 499] {
            assert_eq!(
                check(&ex(Call::GetSession, status, Some(JSON), error)),
                Ok(())
            );
        }
        for status in [399, 500, 302] {
            let text = check(&ex(Call::GetSession, status, Some(JSON), error)).unwrap_err();
            assert!(text.contains(&format!("never {status}")), "{text}");
            assert!(text.contains("-status: 200 or 401 or 4xx"), "{text}");
        }
    }

    fn sent(content_type: &str, body: Option<&str>) -> Exchange {
        let mut e = ex(Call::CreateSession, 400, Some(JSON), "");
        e.request_headers = vec![("Content-Type".into(), content_type.into())];
        e.request_body = body.map(str::to_owned);
        e
    }

    #[test]
    fn a_body_not_json_is_one_sent_as_json_that_is_no_object_or_array() {
        let not_json = When::BodyNotJson;
        assert!(holds(not_json, &sent("application/json", Some("{bad"))));
        assert!(holds(
            not_json,
            &sent("Application/JSON; charset=utf-8", Some("\"s\""))
        ));
        for scalar in ["1", "true", "null"] {
            assert!(
                holds(not_json, &sent("application/json", Some(scalar))),
                "{scalar}"
            );
        }
        assert!(!holds(not_json, &sent("application/json", Some("{}"))));
        assert!(!holds(not_json, &sent("application/json", Some("[1]"))));
        assert!(!holds(not_json, &sent("application/json", Some(""))));
        assert!(!holds(not_json, &sent("application/json", None)));
        assert!(!holds(not_json, &sent("text/plain", Some("{bad"))));
        assert!(!holds(not_json, &sent("application/jsonx", Some("{bad"))));
    }

    #[test]
    fn a_bearer_is_any_case_of_the_scheme() {
        let mut e = ex(Call::GetSession, 400, Some(TEXT), "Bad Request");
        for (value, bearer) in [
            ("bearer a.b.c", true),
            ("BEARER x", true),
            ("Basic x", false),
            ("", false),
        ] {
            e.request_headers = vec![("Authorization".into(), value.into())];
            assert_eq!(holds(When::BearerSent, &e), bearer, "{value}");
        }
        e.request_headers = vec![];
        assert!(!holds(When::BearerSent, &e));
    }

    #[test]
    fn content_types_compare_without_case_and_spaces_and_none_only_with_none() {
        assert!(same_content_type(None, None));
        assert!(same_content_type(Some("a/b; c=d"), Some("A/B;C=D")));
        assert!(!same_content_type(Some("a/b"), None));
        assert!(!same_content_type(None, Some("a/b")));
        assert!(!same_content_type(Some("a/b"), Some("a/c")));
    }

    #[test]
    fn a_failure_says_every_problem_and_diffs_only_status_type_and_text() {
        let mut pre = ex(Call::CreateSession, 204, None, "x");
        pre.method = "OPTIONS".into();
        let f = route_row(&V1, &pre).unwrap_err();
        assert_eq!(f.diff, None, "only the body differs, and it is not text");
        assert!(
            f.summary.ends_with("but the body has 1 bytes"),
            "{}",
            f.summary
        );
        let e = ex(Call::DeleteSession, 200, Some(JSON), "Bye");
        let f = route_row(&V1, &e).unwrap_err();
        assert!(
            f.summary.ends_with(
                "but the Content-Type is application/json; charset=utf-8 and the body differs"
            ),
            "{}",
            f.summary
        );
        let (want, got) = f.diff.unwrap();
        assert_eq!(want, "content-type: text/plain; charset=utf-8\nbody: OK");
        assert_eq!(
            got,
            "content-type: application/json; charset=utf-8\nbody: Bye"
        );
        let no_others = check(&ex(Call::GetSession, 403, Some(TEXT), "Forbidden")).unwrap_err();
        assert!(!no_others.contains("the row also allows"), "{no_others}");
        let wrong_method = {
            let mut e = ex(Call::GetSession, 200, Some(JSON), USER);
            e.method = "PUT".into();
            check(&e).unwrap_err()
        };
        assert!(
            wrong_method.contains("has no answers for PUT"),
            "{wrong_method}"
        );
        assert_eq!(check_name(&e), "route row DELETE /admin/auth 200");
    }
}
