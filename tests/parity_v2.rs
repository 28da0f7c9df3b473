//! Parity, Medusa v2: proof that the reference backend's v2 dialect is a
//! faithful double of a real Medusa 2.x. The same requests go to both;
//! each answer is reduced to what a client can rely on (status, media
//! type, the JSON body with ids, tokens, dates and e-mails replaced by
//! placeholders, the session cookie's name and attributes), and the
//! descriptions must be equal, case by case; every difference is printed.
//!
//! The real server is the one `MEDUSA_BASE_URL`, `MEDUSA_ADMIN_EMAIL`,
//! `MEDUSA_ADMIN_PASSWORD` and `MEDUSA_API_TOKEN` (a secret key) name, as
//! for a conformance run; with no URL, a Medusa 2.21.2 started for the
//! test in containers (the image `scripts/build-images.sh` builds; `.ci/run`
//! runs it so). It is `#[ignore]`d, and says so and passes when there is
//! neither a URL nor a Docker engine. Production mode (`medusa start`) sets the cookie only
//! for https: every session request says `X-Forwarded-Proto: https`, and
//! the production attributes (`Secure`, `SameSite`) are not compared.
//! `MEDUSA_REFERENCE_FAULTS=<fault>` makes the reference commit a fault:
//! the comparison must then go red.

mod support;

use std::fmt::Write as _;
use std::time::Duration;

use medusa_conformance::core::contract::{Call, V2};
use medusa_conformance::core::exchange::{Auth, Body, Exchange};
use medusa_conformance::core::redact::Secret;
use medusa_conformance::http::{Client, ClientSettings, Extra};
use medusa_conformance::target::container::{
    ContainerBackend, ContainerSettings, DEFAULT_MEDUSA_V2_IMAGE, DEFAULT_POSTGRES_IMAGE,
    MedusaVersion,
};
use medusa_conformance::target::reference::{FaultSet, ReferenceConfig, ReferenceServer};
use serde_json::{Value, json};
use url::Url;

/// One v2 backend and who to log in as.
struct Target {
    client: Client,
    email: String,
    password: Secret,
    api_token: Secret,
}

impl Target {
    fn new(base_url: Url, email: String, password: Secret, api_token: Secret) -> Target {
        let settings = ClientSettings {
            base_url,
            ca_cert_pem: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(60),
            max_retries: 0,
        };
        let client = Client::new(&settings, &V2).expect("client");
        Target {
            client,
            email,
            password,
            api_token,
        }
    }

    async fn send(&self, call: Call, auth: Auth, body: Body, extra: &Extra) -> Exchange {
        self.client
            .send_traced_with(call, &auth, &body, extra)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .exchange
    }
}

fn https() -> Extra {
    Extra {
        headers: vec![("x-forwarded-proto".into(), "https".into())],
        ..Extra::default()
    }
}

fn json_body(v: Value) -> Body {
    Body::Json(v)
}

/// The case-by-case descriptions of `t`'s answers.
async fn play(t: &Target) -> Vec<(String, String)> {
    let none = Extra::default();
    let mut out = Vec::new();
    let creds = json!({"email": t.email, "password": t.password.expose()});
    let mut case = |name: &str, ex: &Exchange| out.push((name.to_owned(), describe(t, ex)));

    let ex = t
        .send(Call::GetSession, Auth::None, Body::None, &none)
        .await;
    case("whoami without credentials", &ex);
    let login = t
        .send(Call::GetToken, Auth::None, json_body(creds.clone()), &none)
        .await;
    case("token: good credentials", &login);
    let token = Secret::new(
        login.json().unwrap()["token"]
            .as_str()
            .expect("a token")
            .to_owned(),
    );
    let wrong = json!({"email": t.email, "password": format!("{}-wrong", t.password.expose())});
    let ex = t
        .send(Call::GetToken, Auth::None, json_body(wrong), &none)
        .await;
    case("token: wrong password", &ex);
    let unknown = json!({"email": "nobody@parity.test", "password": t.password.expose()});
    let ex = t
        .send(Call::GetToken, Auth::None, json_body(unknown), &none)
        .await;
    case("token: unknown e-mail", &ex);
    let upper = json!({"email": t.email.to_uppercase(), "password": t.password.expose()});
    let ex = t
        .send(Call::GetToken, Auth::None, json_body(upper), &none)
        .await;
    case("token: e-mail in upper case", &ex);
    for (name, body) in [
        ("token: {}", json!({})),
        ("token: no e-mail", json!({"password": t.password.expose()})),
        ("token: no password", json!({"email": t.email})),
        (
            "token: password a number",
            json!({"email": t.email, "password": 5}),
        ),
    ] {
        let ex = t
            .send(Call::GetToken, Auth::None, json_body(body), &none)
            .await;
        case(name, &ex);
    }
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", &t.email)
        .append_pair("password", t.password.expose())
        .finish();
    for (name, ct, text) in [
        (
            "token: a form",
            Some("application/x-www-form-urlencoded"),
            form,
        ),
        ("token: text/plain", Some("text/plain"), creds.to_string()),
        ("token: no content type", None, creds.to_string()),
    ] {
        let body = Body::Raw {
            content_type: ct.map(str::to_owned),
            text,
        };
        let ex = t.send(Call::GetToken, Auth::None, body, &none).await;
        case(name, &ex);
    }
    let bearer = || Auth::Bearer(token.clone());
    let ex = t
        .send(Call::CreateSession, Auth::None, Body::None, &https())
        .await;
    case("session: no credentials", &ex);
    let session = t
        .send(Call::CreateSession, bearer(), Body::None, &https())
        .await;
    case("session: bearer", &session);
    let cookie = Auth::Cookie(Secret::new(
        session
            .cookies_named("connect.sid")
            .first()
            .expect("a session cookie")
            .value()
            .to_owned(),
    ));
    for (name, call, auth) in [
        ("whoami: bearer", Call::GetSession, bearer()),
        ("whoami: cookie", Call::GetSession, cookie.clone()),
        (
            "whoami: garbage bearer",
            Call::GetSession,
            Auth::Bearer(Secret::new("not-a-jwt")),
        ),
        (
            "whoami: secret key",
            Call::GetSession,
            Auth::ApiToken(t.api_token.clone()),
        ),
        ("refresh: bearer", Call::RefreshToken, bearer()),
        ("refresh: cookie", Call::RefreshToken, cookie.clone()),
        ("refresh: nothing", Call::RefreshToken, Auth::None),
        (
            "refresh: secret key",
            Call::RefreshToken,
            Auth::ApiToken(t.api_token.clone()),
        ),
        ("logout: bearer only", Call::DeleteSession, bearer()),
        ("logout: cookie", Call::DeleteSession, cookie.clone()),
        (
            "whoami: cookie after logout",
            Call::GetSession,
            cookie.clone(),
        ),
        ("logout: cookie again", Call::DeleteSession, cookie.clone()),
        ("whoami: bearer after logout", Call::GetSession, bearer()),
    ] {
        let ex = t.send(call, auth, Body::None, &none).await;
        case(name, &ex);
    }
    let preflight = Extra {
        method: Some("OPTIONS"),
        headers: vec![
            ("origin".into(), "http://localhost:7000".into()),
            ("access-control-request-method".into(), "GET".into()),
        ],
        ..Extra::default()
    };
    let ex = t
        .send(Call::GetSession, Auth::None, Body::None, &preflight)
        .await;
    case("preflight: whoami", &ex);
    out
}

/// Status, media type, the session cookie and the JSON body, normalised.
fn describe(t: &Target, ex: &Exchange) -> String {
    let media = ex.content_type().map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    let mut out = format!("{} {}\n", ex.status, media.as_deref().unwrap_or("(none)"));
    for c in ex.cookies_named("connect.sid") {
        let cleared = c.value().is_empty();
        let _ = writeln!(
            out,
            "set-cookie: connect.sid={}; path={:?}; http-only={:?}; {}",
            if cleared { "(empty)" } else { "<signed sid>" },
            c.path(),
            c.http_only(),
            if cleared { "expired" } else { "expires later" }
        );
    }
    match ex.json() {
        Ok(v) => out.push_str(&shape(&v, None, t).to_string()),
        Err(_) if ex.body.is_empty() => out.push_str("(no body)"),
        Err(_) => out.push_str("(not JSON)"),
    }
    out
}

/// `v` with what legitimately differs replaced by placeholders.
fn shape(v: &Value, key: Option<&str>, t: &Target) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), shape(v, Some(k), t)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| shape(v, key, t)).collect()),
        Value::Number(_) if matches!(key, Some("iat" | "exp")) => json!("<seconds>"),
        Value::String(s) => json!(placeholder(s, key, t)),
        other => other.clone(),
    }
}

fn placeholder(s: &str, key: Option<&str>, t: &Target) -> String {
    if key == Some("token") {
        return "<JWT>".into();
    }
    if s.eq_ignore_ascii_case(&t.email) {
        return "<the admin's e-mail>".into();
    }
    if s.len() > 12 && s.as_bytes().get(10) == Some(&b'T') && s.ends_with('Z') {
        return "<date-time>".into();
    }
    let ids = ["user_", "authid_", "apk_"];
    let words: Vec<String> = s
        .split(' ')
        .map(|w| match ids.iter().find(|p| w.starts_with(*p)) {
            Some(p) => format!("<{}id>", p),
            None => w.to_owned(),
        })
        .collect();
    words.join(" ")
}

fn real_target() -> Option<Target> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let url = var("MEDUSA_BASE_URL")?;
    Some(Target::new(
        Url::parse(&url).expect("MEDUSA_BASE_URL is a URL"),
        var("MEDUSA_ADMIN_EMAIL").expect("MEDUSA_ADMIN_EMAIL"),
        Secret::new(var("MEDUSA_ADMIN_PASSWORD").expect("MEDUSA_ADMIN_PASSWORD")),
        Secret::new(var("MEDUSA_API_TOKEN").expect("MEDUSA_API_TOKEN (a secret key)")),
    ))
}

/// A Medusa 2.21.2 in containers, for this test only.
async fn container() -> ContainerBackend {
    let settings = ContainerSettings {
        startup_timeout: Duration::from_secs(600),
        docker_host: std::env::var("DOCKER_HOST").ok(),
        version: MedusaVersion::V2,
        ..ContainerSettings::new(DEFAULT_MEDUSA_V2_IMAGE, DEFAULT_POSTGRES_IMAGE)
    };
    ContainerBackend::start_with(&settings, &mut std::io::sink())
        .await
        .unwrap_or_else(|e| panic!("parity v2: Medusa v2 did not start: {e}"))
}

fn container_target(c: &ContainerBackend) -> Target {
    Target::new(
        c.base_url(),
        c.admin_email().to_owned(),
        c.admin_password().clone(),
        c.api_token().clone(),
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a real Medusa 2.x (MEDUSA_BASE_URL, MEDUSA_ADMIN_EMAIL, MEDUSA_ADMIN_PASSWORD, MEDUSA_API_TOKEN) or a Docker engine: run via .ci/run"]
async fn reference_v2_matches_real_medusa_v2() {
    let (real, container) = match real_target() {
        Some(real) => (real, None),
        None if support::no_engine() => {
            eprintln!(
                "parity v2: no MEDUSA_BASE_URL and no engine: no real Medusa 2.x to compare with"
            );
            return;
        }
        None => {
            let c = container().await;
            (container_target(&c), Some(c))
        }
    };
    let probe = real
        .send(Call::GetSession, Auth::None, Body::None, &Extra::default())
        .await;
    assert!(
        V2.signature.matches(probe.status, &probe.body),
        "MEDUSA_BASE_URL is not a Medusa 2.x: GET /admin/users/me without credentials answered {}",
        probe.status
    );
    let mut cfg = ReferenceConfig::random();
    cfg.v2 = true;
    // MEDUSA_REFERENCE_FAULTS=<fault> shows the comparison going red.
    let faults = std::env::var("MEDUSA_REFERENCE_FAULTS").unwrap_or_default();
    cfg.faults = FaultSet::parse(&faults).expect("fault names");
    // The reference's secret key is a key, as v2's are.
    cfg.api_token = Secret::new(format!("sk_{}", cfg.api_token.expose()));
    let server = ReferenceServer::start(cfg.clone())
        .await
        .expect("reference");
    let reference = Target::new(
        server.base_url(),
        cfg.admin_email.clone(),
        cfg.admin_password.clone(),
        cfg.api_token.clone(),
    );
    let (a, b) = (play(&real).await, play(&reference).await);
    let mut diffs = Vec::new();
    for ((name, r), (_, f)) in a.iter().zip(&b) {
        if r != f {
            diffs.push(format!(
                "{name}:\n  real:      {}\n  reference: {}",
                r.replace('\n', " | "),
                f.replace('\n', " | ")
            ));
        }
    }
    if let Some(c) = container {
        c.remove().await;
    }
    println!("parity v2: {} cases, {} differences", a.len(), diffs.len());
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn the_description_goes_red_on_a_difference() {
    let t = Target::new(
        Url::parse("http://127.0.0.1:9").unwrap(),
        "admin@x.test".into(),
        Secret::new("pw"),
        Secret::new("sk_x"),
    );
    let v = |s: &str| shape(&serde_json::from_str(s).unwrap(), None, &t).to_string();
    assert_eq!(
        v(
            r#"{"user":{"id":"user_01A","email":"admin@x.test","created_at":"2026-11-30T04:00:00.000Z"}}"#
        ),
        v(
            r#"{"user":{"id":"user_99Z","email":"ADMIN@x.test","created_at":"2025-01-01T00:00:00.123Z"}}"#
        )
    );
    assert_ne!(
        v(r#"{"type":"unauthorized","message":"Invalid email or password"}"#),
        v(r#"{"type":"unauthorized","message":"Password should be a string"}"#)
    );
    assert_ne!(
        v(r#"{"user":{"id":"user_01A"}}"#),
        v(r#"{"user":{"id":"usr_01A"}}"#)
    );
    assert_eq!(
        v(r#"{"message":"User with id: apk_01X was not found"}"#),
        v(r#"{"message":"User with id: apk_02Y was not found"}"#)
    );
}
