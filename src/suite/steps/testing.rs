//! Unit-test support for the step checks: a world attached to a run
//! context whose client is never used (the checks read only the last
//! exchange), and hand-made answers. Mutation testing showed that the
//! fault catalog alone does not pin each check's own logic.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use url::Url;

use crate::core::contract::{Call, Dialect, V1};
use crate::core::credentials::Credentials;
use crate::core::exchange::Exchange;
use crate::core::record::ScenarioKey;
use crate::core::redact::{Redactor, Secret};
use crate::http::{Client, ClientSettings};
use crate::suite::context::SuiteContext;
use crate::suite::world::{AuthWorld, StepResult};

pub(in crate::suite) const EMAIL: &str = "admin@medusa-test.com";
pub(in crate::suite) const PASSWORD: &str = "supersecret-pass";
pub(in crate::suite) const API_TOKEN: &str = "api-token-AbCdEf";
pub(in crate::suite) const ORIGIN: &str = "https://admin.example.test";

/// A world attached to a context for `base` (nothing is sent to it).
pub(in crate::suite) fn world_at(base: &str) -> AuthWorld {
    world_with(base, ORIGIN)
}

/// A world for `base` whose admin origin is `origin`.
pub(in crate::suite) fn world_with(base: &str, origin: &str) -> AuthWorld {
    world_speaking(base, origin, &V1)
}

/// A world for `base` whose client speaks `dialect`.
pub(in crate::suite) fn world_speaking(
    base: &str,
    origin: &str,
    dialect: &'static Dialect,
) -> AuthWorld {
    // The canned server answers at once, but a loaded 2-core machine can
    // hold it back for seconds: the bounds only stop a hang.
    let settings = ClientSettings {
        base_url: Url::parse(base).expect("test URL"),
        ca_cert_pem: None,
        connect_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(30),
        max_retries: 0,
    };
    let client = Client::new(&settings, dialect).expect("client");
    let credentials = Credentials {
        admin_email: EMAIL.into(),
        admin_password: Secret::new(PASSWORD),
        api_token: Some(Secret::new(API_TOKEN)),
        jwt_secret: Some(Secret::new("jwt-secret-for-tests")),
        admin_origin: Some(origin.into()),
    };
    let ctx = SuiteContext::new(client, credentials, Redactor::new());
    let mut w = AuthWorld::default();
    w.attach(Arc::new(ctx), "unit", ScenarioKey::default());
    w
}

/// A world over http.
pub(in crate::suite) fn world() -> AuthWorld {
    world_at("http://127.0.0.1:9/")
}

/// An answer to `call` with these headers and body.
pub(in crate::suite) fn answer(
    call: Call,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Exchange {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.append(
            http::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            v.parse().expect("header value"),
        );
    }
    Exchange {
        call,
        method: "GET".into(),
        path: "/admin/auth".into(),
        request_headers: Vec::new(),
        request_body: None,
        status,
        headers: map,
        body: body.as_bytes().to_vec(),
        truncated: false,
        retries: 0,
    }
}

/// A JSON answer.
pub(in crate::suite) fn json(status: u16, body: &str) -> Exchange {
    answer(
        Call::GetSession,
        status,
        &[("content-type", "application/json; charset=utf-8")],
        body,
    )
}

/// Runs a step to its end (the checks never wait on anything).
pub(in crate::suite) fn run(step: impl Future<Output = StepResult>) -> StepResult {
    futures::executor::block_on(step)
}

/// The world with `ex` as its last exchange.
pub(in crate::suite) fn with_last(mut w: AuthWorld, ex: Exchange) -> AuthWorld {
    w.last = Some(ex);
    w
}

/// What the canned server answers to `(method, path, request body)`: a
/// status, extra header lines and a body.
pub(in crate::suite) type Reply = fn(&str, &str, &str) -> (u16, Vec<String>, String);

/// A canned reply: 200 with a JSON body.
pub(in crate::suite) fn ok_json(body: impl Into<String>) -> (u16, Vec<String>, String) {
    (
        200,
        vec!["content-type: application/json; charset=utf-8".to_owned()],
        body.into(),
    )
}

/// A canned Medusa v2 whoami: `GET /admin/users/me` answers the admin (as
/// 2.21.2 does); any other request is a 500, so a step that asks anything
/// else fails.
pub(in crate::suite) fn v2_whoami(method: &str, path: &str, _: &str) -> (u16, Vec<String>, String) {
    if (method, path) != ("GET", "/admin/users/me") {
        return (500, Vec::new(), String::new());
    }
    ok_json(
        r#"{"user":{"id":"user_01M8SY5","first_name":null,"last_name":null,
        "email":"admin@medusa-test.com","avatar_url":null,"metadata":null,
        "created_at":"2026-11-29T20:52:30.671Z","updated_at":"2026-11-29T20:52:30.671Z",
        "deleted_at":null}}"#,
    )
}

/// A loopback HTTP/1.1 server that answers every request with `reply`
/// (one request per connection); its base URL. A mock for the steps'
/// unit tests only: the suite's own tests run against the reference
/// backend.
pub(in crate::suite) async fn canned(reply: Reply) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer_one(stream, reply));
        }
    });
    format!("http://{addr}/")
}

async fn answer_one(mut stream: tokio::net::TcpStream, reply: Reply) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head, body) = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if body.len() >= length {
            break (head.to_owned(), body.to_owned());
        }
    };
    let mut first = head.split_whitespace();
    let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let (status, headers, text) = reply(method, path, &body);
    let mut out = format!("HTTP/1.1 {status} X\r\nconnection: close\r\n");
    for h in headers {
        out.push_str(&h);
        out.push_str("\r\n");
    }
    out.push_str(&format!("content-length: {}\r\n\r\n{text}", text.len()));
    let _ = stream.write_all(out.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Runs `f` with a world talking to a canned server answering `reply`.
pub(in crate::suite) fn against<T>(
    reply: Reply,
    f: impl AsyncFnOnce(&mut AuthWorld) -> T,
) -> (T, AuthWorld) {
    against_in(&V1, reply, f)
}

/// [`against`], the world's client speaking `dialect`.
pub(in crate::suite) fn against_in<T>(
    dialect: &'static Dialect,
    reply: Reply,
    f: impl AsyncFnOnce(&mut AuthWorld) -> T,
) -> (T, AuthWorld) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let base = canned(reply).await;
        let mut w = world_speaking(&base, ORIGIN, dialect);
        let out = f(&mut w).await;
        (out, w)
    })
}

/// A user object that matches the `User` schema.
pub(in crate::suite) const USER_JSON: &str = r#"{"id":"usr_01CANNED","role":"admin","email":"admin@medusa-test.com","first_name":null,"last_name":null,"api_token":null,"created_at":"2026-11-29T14:35:53.510Z","updated_at":"2026-11-29T14:35:53.510Z","deleted_at":null,"metadata":null}"#;
