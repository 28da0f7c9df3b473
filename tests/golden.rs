//! The failure report is specified by these golden files: the plain-text
//! rendering of a failed check (`check::Failure::render`) with its request,
//! status, body excerpt, schema errors with paths, and diff. Each case
//! builds its `Exchange` by hand from fixed values (ids, dates, ports,
//! durations written out here, no clock or random source), so the
//! rendering depends on the code under test alone and is compared byte
//! for byte with `tests/golden/<case>.txt`.
//!
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the files; review
//! the diff before committing it.

use std::path::PathBuf;

use medusa_conformance::core::answer;
use medusa_conformance::core::check::{self, Failure};
use medusa_conformance::core::contract::{Call, SchemaName, V1};
use medusa_conformance::core::exchange::Exchange;
use medusa_conformance::core::redact::Redactor;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

const PASSWORD: &str = "golden-Pass word/1";
const COOKIE: &str = "s%3Agolden-session-id.golden-signature";
/// The id of the admin who logged in, shaped like the reference backend's.
const ADMIN_ID: &str = "usr_01HGW2B5V1J3K4M5N6P7Q8R9ST";
/// The id of another user, for the "same user" diff.
const OTHER_ID: &str = "usr_01HGW2C7X2Y3Z4A5B6C7D8E9FG";
/// A date as Medusa serialises them (`Date.toISOString()`).
const CREATED_AT: &str = "2026-11-29T14:35:53.510Z";
const UPDATED_AT: &str = "2026-11-30T08:01:02.003Z";

/// Compares `actual` with the golden file `name`, or rewrites it.
fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); create it with UPDATE_GOLDEN=1 cargo test --test golden",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "the rendering of {name} differs from {} (UPDATE_GOLDEN=1 rewrites it):\n{}",
        path.display(),
        check::unified_diff(&expected, actual)
    );
}

fn redactor() -> Redactor {
    let r = Redactor::new();
    r.add(PASSWORD);
    r.add(COOKIE);
    r
}

/// A user as `GET /admin/auth` returns it, every value fixed.
fn user(id: &str) -> Value {
    json!({
        "id": id,
        "email": "admin@reference.medusa.test",
        "first_name": "Ada",
        "last_name": "Admin",
        "role": "admin",
        "created_at": CREATED_AT,
        "updated_at": UPDATED_AT,
        "deleted_at": null,
        "metadata": null
    })
}

/// An exchange of `(call, method, path)`.
fn exchange(
    (call, method, path): (Call, &str, &str),
    request_headers: &[(&str, &str)],
    request_body: Option<String>,
    status: u16,
    response_headers: &[(&str, &str)],
    body: &[u8],
) -> Exchange {
    let mut headers = HeaderMap::new();
    for (k, v) in response_headers {
        headers.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    Exchange {
        call,
        method: method.into(),
        path: path.into(),
        request_headers: request_headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        request_body,
        status,
        headers,
        body: body.to_vec(),
        truncated: false,
        retries: 0,
    }
}

fn login_body() -> Option<String> {
    Some(json!({"email": "admin@reference.medusa.test", "password": PASSWORD}).to_string())
}

#[test]
fn status_failure() {
    let ex = exchange(
        (Call::CreateSession, "POST", "/admin/auth"),
        &[
            ("content-type", "application/json"),
            ("x-request-id", "127.0.0.1:41234 took 12ms"),
        ],
        login_body(),
        401,
        &[
            ("content-type", "text/plain; charset=utf-8"),
            (
                "set-cookie",
                &format!("connect.sid={COOKIE}; Path=/; HttpOnly"),
            ),
        ],
        b"Unauthorized",
    );
    let f = check::status(&ex, 200).unwrap_err();
    let text = f.render(&redactor());
    assert!(!text.contains("golden-"), "{text}");
    golden("status_failure", &text);
}

#[test]
fn schema_failure_with_several_errors() {
    let mut u = user(ADMIN_ID);
    u["id"] = json!(42);
    u["email"] = json!("not an e-mail");
    u["role"] = json!("owner");
    u["password_hash"] = json!("c2NyeXB0AA4AAAAIAAAAAc");
    u.as_object_mut().unwrap().remove("created_at");
    let body = json!({ "user": u }).to_string();
    let ex = exchange(
        (Call::GetSession, "GET", "/admin/auth"),
        &[("cookie", &format!("connect.sid={COOKIE}"))],
        None,
        200,
        &[("content-type", "application/json; charset=utf-8")],
        body.as_bytes(),
    );
    let f = check::schema(&ex, SchemaName::AdminAuthRes).unwrap_err();
    assert!(f.schema_errors.len() >= 3, "{:?}", f.schema_errors);
    let text = f.render(&redactor());
    assert!(!text.contains("golden-"), "{text}");
    golden("schema_failure", &text);
}

#[test]
fn same_user_diff() {
    let expected = user(ADMIN_ID);
    let mut actual = user(OTHER_ID);
    actual["email"] = json!("someone-else@reference.medusa.test");
    actual["first_name"] = json!("Eve");
    let body = json!({ "user": actual }).to_string();
    let ex = exchange(
        (Call::GetSession, "GET", "/admin/auth"),
        &[(
            "authorization",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln",
        )],
        None,
        200,
        &[("content-type", "application/json; charset=utf-8")],
        body.as_bytes(),
    );
    let f = check::same_json(
        "same user",
        "the user is not the one who logged in",
        &expected,
        &actual,
        Some(&ex),
    )
    .unwrap_err();
    let text = f.render(&redactor());
    assert!(!text.contains("eyJ"), "{text}");
    golden("same_user_diff", &text);
}

#[test]
fn cut_body() {
    let page = format!(
        "<!DOCTYPE html><html><head><title>Error</title></head><body><pre>{}</pre></body></html>",
        "ValidationError: email must be an email\n    at validator (/srv/medusa/node_modules/class-validator/index.js:1:1)\n"
            .repeat(40)
    );
    let mut ex = exchange(
        (Call::CreateSession, "POST", "/admin/auth"),
        &[("content-type", "application/json")],
        Some(r#"{"email":"not-an-email","password":"x"}"#.into()),
        400,
        &[("content-type", "text/html; charset=utf-8")],
        page.as_bytes(),
    );
    ex.truncated = true;
    let f = check::json_body(&ex).unwrap_err();
    let text = f.render(&redactor());
    assert!(text.contains("cut at the body limit"), "{text}");
    assert!(text.contains(" chars in all)"), "{text}");
    golden("cut_body", &text);
}

#[test]
fn route_row_failure() {
    // A 401 that is a JSON error: the automatic check on every exchange.
    let ex = exchange(
        (Call::GetSession, "GET", "/admin/auth"),
        &[("cookie", &format!("connect.sid={COOKIE}"))],
        None,
        401,
        &[("content-type", "application/json; charset=utf-8")],
        br#"{"type":"unauthorized","message":"Unauthorized"}"#,
    );
    let f = answer::route_row(&V1, &ex).unwrap_err();
    let text = f.render(&redactor());
    assert!(!text.contains("golden-"), "{text}");
    golden("route_row_failure", &text);
}

#[test]
fn a_hand_made_failure_renders_every_part_in_order() {
    let f = Failure::new("error message", "the error message does not say: x")
        .with_diff("a\nb", "a\nc");
    let text = f.render(&Redactor::new());
    let order = [
        "check failed: error message",
        "  the error message",
        "diff (",
    ];
    let mut at = 0;
    for part in order {
        let i = text[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part:?} missing or out of order in:\n{text}"));
        at += i;
    }
}
