//! Parity: proof that the embedded reference backend is a faithful double of
//! a real Medusa v1 server.
//!
//! The same sequence of requests (every CONTRACT.md section 3 case the
//! harness relies on, plus the error cases) is played against the reference
//! backend and against a real server. Each response is reduced to a
//! normalised description: what legitimately differs between two servers
//! (ids, timestamps, JWTs, cookie values, `Expires` dates, ETags, `Date`,
//! body lengths, the configured e-mail and API token) is replaced by what a
//! client can rely on (`<the admin's id>`, `<signed sid: new>`,
//! `<date-time>`, ...). The descriptions must be equal, case by case; every
//! difference is shown as a unified diff (`-` real server, `+` reference),
//! all of them at once.
//!
//! The comparison against a real server is `#[ignore]`d: it needs one
//! (`scripts/medusa-v1.sh up`), named by the `MEDUSA_PARITY_*` variables.
//! CI runs `cargo test --test parity -- --include-ignored`. The unit tests
//! at the bottom prove the normalisation can go red.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use medusa_conformance::core::check::unified_diff;
use medusa_conformance::core::contract::{Call, V1};
use medusa_conformance::core::exchange::{Auth, Body, Exchange};
use medusa_conformance::core::jwt::{decode_unverified, sign_hs256};
use medusa_conformance::core::redact::{Redactor, Secret};
use medusa_conformance::http::{Client, ClientSettings};
use medusa_conformance::target::reference::{ReferenceConfig, ReferenceServer};
use serde_json::{Map, Value, json};
use url::Url;

/// The variables naming the real server, in the order they are documented.
const ENV_VARS: [&str; 5] = [
    "MEDUSA_PARITY_BASE_URL",
    "MEDUSA_PARITY_ADMIN_EMAIL",
    "MEDUSA_PARITY_ADMIN_PASSWORD",
    "MEDUSA_PARITY_API_TOKEN",
    "MEDUSA_PARITY_JWT_SECRET",
];

/// The session cookie's name (Medusa v1, express-session).
const COOKIE_NAME: &str = "connect.sid";

use medusa_conformance::target::reference::URI_COMPONENT;

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------

/// One backend and what it was seeded with.
struct Target {
    name: &'static str,
    base_url: Url,
    admin_email: String,
    admin_password: Secret,
    api_token: Secret,
    jwt_secret: Secret,
}

/// The real server, from the `MEDUSA_PARITY_*` variables (`lookup` reads one).
fn real_target(lookup: impl Fn(&str) -> Option<String>) -> Result<Target, String> {
    let values: Vec<Option<String>> = ENV_VARS
        .iter()
        .map(|k| lookup(k).filter(|v| !v.trim().is_empty()))
        .collect();
    let missing: Vec<&str> = ENV_VARS
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the parity test needs a real Medusa v1 server, named by {all}; \
             not set: {missing}. With scripts/medusa-v1.sh: \
             `eval \"$(scripts/medusa-v1.sh env)\"` then \
             MEDUSA_PARITY_BASE_URL=$MEDUSA_BASE_URL MEDUSA_PARITY_ADMIN_EMAIL=$MEDUSA_ADMIN_EMAIL \
             MEDUSA_PARITY_ADMIN_PASSWORD=$MEDUSA_ADMIN_PASSWORD MEDUSA_PARITY_API_TOKEN=$MEDUSA_API_TOKEN \
             MEDUSA_PARITY_JWT_SECRET=$MEDUSA_JWT_SECRET cargo test --test parity -- --include-ignored",
            all = ENV_VARS.join(", "),
            missing = missing.join(", "),
        ));
    }
    let mut values = values.into_iter().map(Option::unwrap_or_default);
    let mut next = || values.next().unwrap_or_default();
    let url_text = next();
    let base_url = Url::parse(url_text.trim())
        .map_err(|e| format!("MEDUSA_PARITY_BASE_URL is not a URL ({e})"))?;
    Ok(Target {
        name: "real Medusa",
        base_url,
        admin_email: next(),
        admin_password: Secret::new(next()),
        api_token: Secret::new(next()),
        jwt_secret: Secret::new(next()),
    })
}

fn reference_target(server: &ReferenceServer, cfg: &ReferenceConfig) -> Target {
    Target {
        name: "reference",
        base_url: server.base_url(),
        admin_email: cfg.admin_email.clone(),
        admin_password: cfg.admin_password.clone(),
        api_token: cfg.api_token.clone(),
        jwt_secret: cfg.jwt_secret.clone(),
    }
}

// ---------------------------------------------------------------------------
// The cases, played identically on each side
// ---------------------------------------------------------------------------

/// One side's run: its client, what it recorded, and what it learned.
struct Run<'a> {
    target: &'a Target,
    client: Client,
    /// For the few requests the harness client cannot make (other routes,
    /// other content types).
    raw: reqwest::Client,
    recorded: Vec<(String, Exchange)>,
    /// The admin's user id, from the first good login.
    admin_id: Option<String>,
    /// Cookie values and tokens the run received (masked in any output).
    captured: Vec<String>,
}

impl<'a> Run<'a> {
    fn new(target: &'a Target) -> Result<Self, String> {
        let settings = ClientSettings {
            base_url: target.base_url.clone(),
            ca_cert_pem: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            // A parity run compares exact answers: no transparent retry.
            max_retries: 0,
        };
        let client = Client::new(&settings, &V1).map_err(|e| format!("{}: {e}", target.name))?;
        Ok(Run {
            target,
            client,
            raw: raw_client(),
            recorded: Vec::new(),
            admin_id: None,
            captured: Vec::new(),
        })
    }

    async fn send(
        &mut self,
        label: &str,
        call: Call,
        auth: Auth,
        body: Body,
    ) -> Result<Exchange, String> {
        let ex = self.client.send(call, &auth, &body).await.map_err(|e| {
            format!(
                "{} at {}: case '{label}': no response: {e}",
                self.target.name, self.target.base_url
            )
        })?;
        if let Some(c) = session_cookie(&ex) {
            self.captured.push(c);
        }
        if let Ok(v) = ex.json()
            && let Some(t) = v["access_token"].as_str()
        {
            self.captured.push(t.to_owned());
        }
        self.recorded.push((label.to_owned(), ex.clone()));
        Ok(ex)
    }

    /// Sends a request the harness client has no call for.
    async fn send_raw(
        &mut self,
        label: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<Exchange, String> {
        let fail = |e: String| {
            format!(
                "{} at {}: case '{label}': no response: {e}",
                self.target.name, self.target.base_url
            )
        };
        let url = self
            .target
            .base_url
            .join(path)
            .map_err(|e| fail(e.to_string()))?;
        let m = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| fail(e.to_string()))?;
        let mut req = self.raw.request(m, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = &body {
            req = req.body(b.clone());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| fail(medusa_conformance::http::describe(&e)))?;
        let status = resp.status().as_u16();
        let resp_headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| fail(medusa_conformance::http::describe(&e)))?;
        let ex = Exchange {
            call: Call::GetSession,
            method: method.to_owned(),
            path: path.to_owned(),
            request_headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            request_body: body,
            status,
            headers: resp_headers,
            body: bytes.to_vec(),
            truncated: false,
            retries: 0,
        };
        if let Some(c) = session_cookie(&ex) {
            self.captured.push(c);
        }
        self.recorded.push((label.to_owned(), ex.clone()));
        Ok(ex)
    }

    fn norm(&self) -> Norm<'_> {
        Norm {
            admin_email: self.target.admin_email.to_lowercase(),
            api_token: self.target.api_token.expose(),
            admin_id: self.admin_id.as_deref(),
        }
    }
}

fn raw_client() -> reqwest::Client {
    medusa_conformance::http::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a plain HTTP client builds")
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Plays every case, in a fixed order, against one side.
async fn play(run: &mut Run<'_>) -> Result<(), String> {
    let email = run.target.admin_email.clone();
    let password = run.target.admin_password.expose().to_owned();
    let api_token = run.target.api_token.clone();
    let jwt_secret = run.target.jwt_secret.clone();
    let creds = json!({"email": email, "password": password});

    let mut login_cookie: Option<String> = None;
    let mut access_token: Option<String> = None;
    for (call, route) in [(Call::CreateSession, "login"), (Call::GetToken, "token")] {
        let label = |what: &str| format!("{route}: {what}");
        let good = run
            .send(
                &label("good credentials"),
                call,
                Auth::None,
                Body::Json(creds.clone()),
            )
            .await?;
        let parsed = good.json().unwrap_or(Value::Null);
        match call {
            Call::CreateSession => {
                run.admin_id = parsed["user"]["id"].as_str().map(str::to_owned);
                login_cookie = session_cookie(&good);
            }
            _ => access_token = parsed["access_token"].as_str().map(str::to_owned),
        }
        let bodies: Vec<(&str, Body)> = vec![
            (
                "e-mail in upper case",
                Body::Json(json!({"email": email.to_uppercase(), "password": password})),
            ),
            (
                "wrong password",
                Body::Json(json!({"email": email, "password": "wrong-password"})),
            ),
            (
                "unknown e-mail",
                Body::Json(json!({"email": "nobody@example.com", "password": password})),
            ),
            ("missing e-mail", Body::Json(json!({"password": password}))),
            ("missing password", Body::Json(json!({"email": email}))),
            ("empty object", Body::Json(json!({}))),
            (
                "e-mail not an e-mail",
                Body::Json(json!({"email": "not-an-email", "password": password})),
            ),
            (
                "extra property remember_me",
                Body::Json(json!({"email": email, "password": password, "remember_me": true})),
            ),
            (
                "password a number",
                Body::Json(json!({"email": email, "password": 12_345_678})),
            ),
            (
                "password empty string",
                Body::Json(json!({"email": email, "password": ""})),
            ),
            (
                "body not JSON",
                Body::RawJson(format!(r#"{{"email": "{email}", "password": "#)),
            ),
        ];
        for (what, body) in bodies {
            run.send(&label(what), call, Auth::None, body).await?;
        }
        // Bodies the JS client never sends, but a hand-written one might.
        let path = V1.route(call).path;
        let json_creds = creds.to_string();
        let raw_bodies: [(&str, Option<&str>, String); 3] = [
            (
                "form-encoded body",
                Some("application/x-www-form-urlencoded"),
                format!("email={email}"),
            ),
            ("JSON body without a content type", None, json_creds),
            (
                "empty body with a JSON content type",
                Some("application/json"),
                String::new(),
            ),
        ];
        for (what, ct, body) in raw_bodies {
            let headers: Vec<(&str, &str)> = ct.map(|c| ("content-type", c)).into_iter().collect();
            run.send_raw(&label(what), "POST", path, &headers, Some(body))
                .await?;
        }
    }

    // Values the whoami cases need; a side that failed to hand them out gets
    // placeholders, so its other cases still run and show as differences.
    let cookie = login_cookie.unwrap_or_else(|| "s%3Amissing.missing".into());
    let jwt = access_token.unwrap_or_else(|| "missing.jwt.token".into());
    let admin_id = run.admin_id.clone().unwrap_or_else(|| "usr_missing".into());
    let secret = jwt_secret.expose().as_bytes();
    let now = now_secs();
    let other_secret_jwt = sign_hs256(
        &json!({"user_id": admin_id, "domain": "admin", "iat": now, "exp": now + 86_400}),
        b"another-secret",
    );
    let expired_jwt = sign_hs256(
        &json!({"user_id": admin_id, "domain": "admin", "iat": now - 2 * 86_400, "exp": now - 86_400}),
        secret,
    );
    let store_jwt = sign_hs256(
        &json!({"customer_id": "cus_01HGHOSTCUSTOMER00000000000", "domain": "store", "iat": now, "exp": now + 86_400}),
        secret,
    );
    let ghost_jwt = sign_hs256(
        &json!({"user_id": "usr_01HGHOSTUSER000000000000000", "domain": "admin", "iat": now, "exp": now + 86_400}),
        secret,
    );
    run.captured.extend([
        other_secret_jwt.clone(),
        expired_jwt.clone(),
        store_jwt.clone(),
        ghost_jwt.clone(),
    ]);
    let s = |v: &str| Secret::new(v.to_owned());
    let whoami_cases: Vec<(&str, Auth)> = vec![
        ("session cookie", Auth::Cookie(s(&cookie))),
        ("API token", Auth::ApiToken(api_token.clone())),
        ("bearer JWT", Auth::Bearer(s(&jwt))),
        ("no credentials", Auth::None),
        ("garbage cookie", Auth::Cookie(s("garbage"))),
        ("tampered cookie", Auth::Cookie(s(&tamper(&cookie)))),
        ("garbage bearer", Auth::Bearer(s("garbage"))),
        ("wrong API token", Auth::ApiToken(s("wrong-token"))),
        (
            "JWT signed with another secret",
            Auth::Bearer(s(&other_secret_jwt)),
        ),
        ("expired JWT", Auth::Bearer(s(&expired_jwt))),
        ("store-domain JWT", Auth::Bearer(s(&store_jwt))),
        ("JWT of a nonexistent user", Auth::Bearer(s(&ghost_jwt))),
        ("API token as bearer", Auth::Bearer(api_token.clone())),
    ];
    for (what, auth) in whoami_cases {
        run.send(
            &format!("whoami: {what}"),
            Call::GetSession,
            auth,
            Body::None,
        )
        .await?;
    }

    // Logout with a cookie of its own session, then whoami with it.
    let again = run
        .send(
            "logout with cookie: login",
            Call::CreateSession,
            Auth::None,
            Body::Json(creds.clone()),
        )
        .await?;
    let cookie2 = session_cookie(&again).unwrap_or_else(|| "s%3Amissing.missing".into());
    run.send(
        "logout with cookie: logout",
        Call::DeleteSession,
        Auth::Cookie(s(&cookie2)),
        Body::None,
    )
    .await?;
    run.send(
        "logout with cookie: whoami with that cookie",
        Call::GetSession,
        Auth::Cookie(s(&cookie2)),
        Body::None,
    )
    .await?;
    run.send(
        "logout with a JWT of a nonexistent user",
        Call::DeleteSession,
        Auth::Bearer(s(&ghost_jwt)),
        Body::None,
    )
    .await?;
    run.send(
        "logout with no credentials",
        Call::DeleteSession,
        Auth::None,
        Body::None,
    )
    .await?;
    run.send(
        "logout with only bearer: logout",
        Call::DeleteSession,
        Auth::Bearer(s(&jwt)),
        Body::None,
    )
    .await?;
    run.send(
        "logout with only bearer: whoami with the bearer",
        Call::GetSession,
        Auth::Bearer(s(&jwt)),
        Body::None,
    )
    .await?;
    run.send(
        "logout with only API token: logout",
        Call::DeleteSession,
        Auth::ApiToken(api_token.clone()),
        Body::None,
    )
    .await?;
    run.send(
        "logout with only API token: whoami with the token",
        Call::GetSession,
        Auth::ApiToken(api_token.clone()),
        Body::None,
    )
    .await?;

    // Login carrying an anonymous session cookie keeps (and re-sends) its sid.
    let anon = run
        .send(
            "anonymous session: whoami without credentials",
            Call::GetSession,
            Auth::None,
            Body::None,
        )
        .await?;
    let anon_cookie = session_cookie(&anon).unwrap_or_else(|| "s%3Amissing.missing".into());
    run.send(
        "anonymous session: login carrying the anonymous cookie",
        Call::CreateSession,
        Auth::Cookie(s(&anon_cookie)),
        Body::Json(creds.clone()),
    )
    .await?;
    run.send(
        "anonymous session: whoami with the anonymous cookie",
        Call::GetSession,
        Auth::Cookie(s(&anon_cookie)),
        Body::None,
    )
    .await?;
    run.send(
        "anonymous session: login again with the now logged-in cookie",
        Call::CreateSession,
        Auth::Cookie(s(&anon_cookie)),
        Body::Json(creds.clone()),
    )
    .await?;
    run.send(
        "anonymous session: token carrying the logged-in cookie",
        Call::GetToken,
        Auth::Cookie(s(&anon_cookie)),
        Body::Json(creds),
    )
    .await?;

    // Admin routes other than auth: authentication comes before routing.
    run.send_raw(
        "unknown admin route: no credentials",
        "GET",
        "/admin/nope",
        &[],
        None,
    )
    .await?;
    run.send_raw(
        "unknown admin route: API token",
        "GET",
        "/admin/nope",
        &[("x-medusa-access-token", api_token.expose())],
        None,
    )
    .await?;
    Ok(())
}

/// The `connect.sid` value a response sets, if any.
fn session_cookie(ex: &Exchange) -> Option<String> {
    ex.set_cookies().iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (name, value) = first.split_once('=')?;
        (name.trim() == COOKIE_NAME).then(|| value.trim().to_owned())
    })
}

/// The cookie with one character of its signature changed.
fn tamper(cookie: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(cookie)
        .decode_utf8_lossy()
        .into_owned();
    let Some((signed, sig)) = decoded.rsplit_once('.') else {
        return format!("{cookie}x");
    };
    let mut sig: Vec<char> = sig.chars().collect();
    match sig.first_mut() {
        Some(c) => *c = if *c == 'A' { 'B' } else { 'A' },
        None => sig.push('A'),
    }
    let sig: String = sig.into_iter().collect();
    percent_encoding::utf8_percent_encode(&format!("{signed}.{sig}"), URI_COMPONENT).to_string()
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

/// What one side was seeded with and learned, to recognise its values.
struct Norm<'a> {
    /// The configured admin e-mail, lower-cased.
    admin_email: String,
    api_token: &'a str,
    admin_id: Option<&'a str>,
}

/// Headers a client (or a browser) acts on, compared verbatim.
const COMPARED_HEADERS: [&str; 7] = [
    "vary",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "content-security-policy",
    "x-content-type-options",
    "access-control-allow-methods",
    "access-control-allow-headers",
];

fn header_values(ex: &Exchange, name: &str) -> Option<String> {
    let values: Vec<&str> = ex
        .headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The normalised description of one exchange: everything compared, nothing
/// that legitimately differs between two servers, no secret.
fn describe(ex: &Exchange, norm: &Norm<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "request: {} {}", ex.method, ex.path);
    let _ = writeln!(out, "status: {}", ex.status);
    let _ = writeln!(
        out,
        "content-type: {}",
        ex.content_type().unwrap_or("(none)")
    );
    // Content-Length values only reflect id and token lengths; the framing
    // (a length, or chunked) is what differs between two writers.
    let chunked = header_values(ex, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    // A 204 has no body: Express still sends `Content-Length: 0` (RFC 9110
    // forbids it), hyper drops it; no client reads either.
    let framing = if ex.status == 204 {
        "(a 204: no body)"
    } else if chunked {
        "chunked"
    } else if ex.headers.contains_key("content-length") {
        "content-length"
    } else {
        "(none)"
    };
    let _ = writeln!(out, "framing: {framing}");
    for name in COMPARED_HEADERS {
        let v = header_values(ex, name).unwrap_or_else(|| "(none)".into());
        let _ = writeln!(out, "{name}: {v}");
    }
    let request_sid = ex
        .request_headers
        .iter()
        .find(|(k, _)| k == "cookie")
        .and_then(|(_, v)| {
            v.split(';')
                .find_map(|p| p.trim().strip_prefix("connect.sid="))
        })
        .and_then(signed_sid);
    let cookies = ex.set_cookies();
    if cookies.is_empty() {
        let _ = writeln!(out, "set-cookie: (none)");
    }
    for c in &cookies {
        let _ = writeln!(
            out,
            "set-cookie: {}",
            describe_cookie(c, request_sid.as_deref())
        );
    }
    out.push_str(&describe_body(ex, norm));
    out
}

/// The session id of a signed express-session cookie value (`s:<sid>.<sig>`).
fn signed_sid(value: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()?;
    let signed = decoded.strip_prefix("s:")?;
    let (sid, _) = signed.rsplit_once('.')?;
    Some(sid.to_owned())
}

/// A `Set-Cookie` with its value and `Expires` date normalised and its
/// attributes sorted by name.
fn describe_cookie(set_cookie: &str, request_sid: Option<&str>) -> String {
    let mut parts = set_cookie.split(';').map(str::trim);
    let first = parts.next().unwrap_or_default();
    let (name, value) = first.split_once('=').unwrap_or((first, ""));
    let value = match signed_sid(value) {
        Some(sid) if Some(sid.as_str()) == request_sid => "<signed sid: the request's>",
        Some(_) => "<signed sid: new>",
        None if value.is_empty() => "<empty>",
        None => "<unsigned value>",
    };
    let mut attrs: Vec<String> = parts
        .filter(|p| !p.is_empty())
        .map(|attr| {
            let (k, v) = match attr.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (attr, None),
            };
            match (k.to_ascii_lowercase().as_str(), v) {
                ("expires", Some(v)) => format!("{k}={}", describe_expires(v)),
                ("max-age", Some(_)) => format!("{k}=<seconds>"),
                (_, Some(v)) => format!("{k}={v}"),
                (_, None) => k.to_owned(),
            }
        })
        .collect();
    attrs.sort_by_key(|a| a.to_ascii_lowercase());
    // Not `name=value`: the redactor's cookie pattern would eat the text.
    let mut out = format!("name={name} value={value}");
    for a in attrs {
        out.push_str("; ");
        out.push_str(&a);
    }
    out
}

/// An `Expires` date as its distance from now, in whole hours.
fn describe_expires(date: &str) -> String {
    let parsed = cookie::Cookie::parse(format!("x=y; Expires={date}"))
        .ok()
        .and_then(|c| c.expires_datetime());
    match parsed {
        Some(t) => {
            let secs = (t - cookie::time::OffsetDateTime::now_utc()).whole_seconds();
            let hours = (secs as f64 / 3600.0).round() as i64;
            format!("<http-date: now{hours:+}h>")
        }
        None => "<not an http-date>".into(),
    }
}

fn describe_body(ex: &Exchange, norm: &Norm<'_>) -> String {
    let text = ex.body_text();
    let trimmed = text.trim_start();
    if ex.body.is_empty() {
        return "body: (empty)\n".into();
    }
    if let Ok(v @ (Value::Object(_) | Value::Array(_))) = serde_json::from_slice::<Value>(&ex.body)
    {
        let mut out = String::from("body (json):\n");
        render(&json_shape(&v, None, norm, true), 0, &mut out);
        out.push('\n');
        return out;
    }
    let head: String = trimmed
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return "body (html): <an HTML page>\n".into();
    }
    let mut shown: String = text.chars().take(300).collect();
    if text.chars().count() > 300 {
        shown.push_str("...");
    }
    format!("body (text): {}\n", shown.replace('\n', "\\n"))
}

/// The shape of a JSON value: keys kept (sorted), values replaced by their
/// type, except values that mean the same on any server (error `type` and
/// `message`, the user's `role`) and values recognised as the side's own
/// (its admin's id, e-mail and API token, date-times, its JWTs).
fn json_shape(v: &Value, key: Option<&str>, norm: &Norm<'_>, top: bool) -> Value {
    match v {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, &Value> = map.iter().collect();
            let mut out = Map::new();
            for (k, child) in sorted {
                let keep = top && matches!(k.as_str(), "type" | "message" | "code");
                let shaped = if keep && child.is_string() {
                    child.clone()
                } else {
                    json_shape(child, Some(k), norm, false)
                };
                out.insert(k.clone(), shaped);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| json_shape(i, None, norm, false))
                .collect(),
        ),
        Value::String(s) => describe_string(s, key, norm),
        Value::Number(_) => placeholder("number"),
        Value::Bool(_) | Value::Null => v.clone(),
    }
}

/// Marks a string of the shape as a placeholder, printed without quotes.
const PLACEHOLDER: char = '\u{1}';

fn placeholder(what: &str) -> Value {
    Value::String(format!("{PLACEHOLDER}<{what}>"))
}

/// Pretty JSON where placeholders show bare (`"id": <string>`), so they
/// are never mistaken for values (nor for secrets by the redactor).
fn render(v: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize| " ".repeat(n);
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, child)) in map.iter().enumerate() {
                let key = serde_json::to_string(k).unwrap_or_default();
                let _ = write!(out, "{}{key}: ", pad(indent + 2));
                render(child, indent + 2, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}}}", pad(indent));
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, child) in items.iter().enumerate() {
                out.push_str(&pad(indent + 2));
                render(child, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}]", pad(indent));
        }
        Value::String(s) => match s.strip_prefix(PLACEHOLDER) {
            Some(bare) => out.push_str(bare),
            None => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        },
        other => out.push_str(&other.to_string()),
    }
}

fn describe_string(s: &str, key: Option<&str>, norm: &Norm<'_>) -> Value {
    match key {
        Some("role") => return Value::String(s.to_owned()),
        Some("id") if Some(s) == norm.admin_id => return placeholder("string: the admin's id"),
        Some("email") if s == norm.admin_email => {
            return placeholder("string: the admin's e-mail, lower-case");
        }
        Some("api_token") if s == norm.api_token => {
            return placeholder("string: the admin's API token");
        }
        _ => {}
    }
    if is_date_time(s) {
        return placeholder("string: date-time like 2026-11-29T14:35:53.510Z");
    }
    if let Some((header, claims)) = decode_unverified(s) {
        return placeholder(&describe_jwt(&header, &claims, norm));
    }
    placeholder("string")
}

/// `2026-11-29T14:35:53.510Z`, the way Medusa serialises dates.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 24
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && b[23] == b'Z'
}

/// A JWT by what a client can rely on: algorithm, claim names, domain,
/// whose it is and how long it lives.
fn describe_jwt(header: &Value, claims: &Value, norm: &Norm<'_>) -> String {
    let alg = header["alg"].as_str().unwrap_or("?");
    let names: Vec<&str> = claims
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let domain = claims["domain"].as_str().unwrap_or("?");
    let user = match claims["user_id"].as_str() {
        Some(u) if Some(u) == norm.admin_id => "the admin",
        Some(_) => "another user",
        None => "none",
    };
    let ttl = match (claims["iat"].as_i64(), claims["exp"].as_i64()) {
        (Some(iat), Some(exp)) => (exp - iat).to_string(),
        _ => "?".into(),
    };
    format!(
        "string: jwt alg={alg} claims=[{}] domain={domain} user={user} exp-iat={ttl}",
        names.join(",")
    )
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// Every differing case, as one report (empty when both sides agree).
fn compare(real: &Run<'_>, reference: &Run<'_>) -> Vec<String> {
    let (rn, fnorm) = (real.norm(), reference.norm());
    let mut diffs = Vec::new();
    let n = real.recorded.len().max(reference.recorded.len());
    for i in 0..n {
        let (label, real_desc) = match real.recorded.get(i) {
            Some((l, ex)) => (l.clone(), describe(ex, &rn)),
            None => (String::new(), "(no such case: the run stopped)\n".into()),
        };
        let (ref_label, ref_desc) = match reference.recorded.get(i) {
            Some((l, ex)) => (l.clone(), describe(ex, &fnorm)),
            None => (String::new(), "(no such case: the run stopped)\n".into()),
        };
        let label = if label.is_empty() { ref_label } else { label };
        if real_desc != ref_desc {
            diffs.push(format!(
                "case {}: {label}\n(- {}, + {})\n{}",
                i + 1,
                real.target.name,
                reference.target.name,
                unified_diff(&real_desc, &ref_desc)
            ));
        }
    }
    diffs
}

/// A redactor that knows every secret both sides used or handed out.
fn redactor(runs: &[&Run<'_>]) -> Redactor {
    let r = Redactor::new();
    for run in runs {
        r.add(run.target.admin_password.expose());
        r.add(run.target.api_token.expose());
        r.add(run.target.jwt_secret.expose());
        for c in &run.captured {
            r.add(c);
        }
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real Medusa: set MEDUSA_PARITY_BASE_URL, MEDUSA_PARITY_ADMIN_EMAIL, \
            MEDUSA_PARITY_ADMIN_PASSWORD, MEDUSA_PARITY_API_TOKEN, MEDUSA_PARITY_JWT_SECRET \
            and run with --include-ignored"]
async fn reference_matches_real_medusa() {
    let real = match real_target(|k| std::env::var(k).ok()) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let mut cfg = ReferenceConfig::random();
    // Both sides allow the same admin origin, so their CORS answers compare.
    cfg.admin_cors = vec![depth::admin_origin()];
    let server = ReferenceServer::start(cfg.clone())
        .await
        .expect("the reference backend starts");
    let reference = reference_target(&server, &cfg);

    let mut real_run = Run::new(&real).unwrap_or_else(|e| panic!("{e}"));
    let mut ref_run = Run::new(&reference).unwrap_or_else(|e| panic!("{e}"));
    let mut real_result = play(&mut real_run).await;
    if real_result.is_ok() {
        real_result = depth::play(&mut real_run).await;
    }
    let mut ref_result = play(&mut ref_run).await;
    if ref_result.is_ok() {
        ref_result = depth::play(&mut ref_run).await;
    }
    let masker = redactor(&[&real_run, &ref_run]);
    for result in [&real_result, &ref_result] {
        if let Err(e) = result {
            panic!("{}", masker.mask(e));
        }
    }

    if std::env::var_os("MEDUSA_PARITY_SHOW").is_some() {
        // The normalised descriptions, as compared (masked all the same).
        let norm = real_run.norm();
        for (i, (label, ex)) in real_run.recorded.iter().enumerate() {
            let text = format!("== case {}: {label}\n{}", i + 1, describe(ex, &norm));
            eprint!("{}", masker.mask(&text));
        }
    }
    let diffs = compare(&real_run, &ref_run);
    let total = real_run.recorded.len();
    if !diffs.is_empty() {
        let report = format!(
            "{} of {total} cases differ between the real Medusa ({}) and the reference backend:\n\n{}",
            diffs.len(),
            real.base_url,
            diffs.join("\n")
        );
        panic!("{}", masker.mask(&report));
    }
    eprintln!("parity: {total} cases, the reference answers like the real Medusa");
}

// ---------------------------------------------------------------------------
// The normalisation can go red
// ---------------------------------------------------------------------------

#[cfg(test)]
mod normalisation {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

    fn exchange(
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
        request_cookie: Option<&str>,
    ) -> Exchange {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let mut request_headers = vec![("content-type".into(), "application/json".into())];
        if let Some(c) = request_cookie {
            request_headers.push(("cookie".into(), format!("connect.sid={c}")));
        }
        Exchange {
            call: Call::CreateSession,
            method: "POST".into(),
            path: "/admin/auth".into(),
            request_headers,
            request_body: Some(r#"{"email":"a@b.co","password":"hunter22"}"#.into()),
            status,
            headers: map,
            body: body.as_bytes().to_vec(),
            truncated: false,
            retries: 0,
        }
    }

    fn user_body(id: &str, email: &str, token: &str, at: &str) -> String {
        json!({"user": {
            "id": id, "role": "member", "email": email, "first_name": null,
            "last_name": null, "api_token": token, "created_at": at,
            "updated_at": at, "deleted_at": null, "metadata": null,
        }})
        .to_string()
    }

    fn expires_in(hours: i64) -> String {
        let t = cookie::time::OffsetDateTime::now_utc() + cookie::time::Duration::hours(hours);
        t.format(&cookie::time::format_description::well_known::Rfc2822)
            .unwrap()
            .replace("+0000", "GMT")
    }

    const REAL_ID: &str = "usr_01M8KYDTZBHE97ZERBSNAMRX5K";
    const REF_ID: &str = "usr_ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    fn real_norm() -> Norm<'static> {
        Norm {
            admin_email: "admin@medusa-test.local".into(),
            api_token: "real-token-0123456789abcdefghij",
            admin_id: Some(REAL_ID),
        }
    }

    fn ref_norm() -> Norm<'static> {
        Norm {
            admin_email: "admin@reference.medusa.test".into(),
            api_token: "tok_ref0123456789",
            admin_id: Some(REF_ID),
        }
    }

    /// A real login response and its reference twin: every value differs,
    /// nothing a client relies on does.
    fn login_pair() -> (Exchange, Exchange) {
        let real_body = user_body(
            REAL_ID,
            "admin@medusa-test.local",
            "real-token-0123456789abcdefghij",
            "2026-11-29T15:22:54.795Z",
        );
        let ref_body = user_body(
            REF_ID,
            "admin@reference.medusa.test",
            "tok_ref0123456789",
            "2030-01-02T03:04:05.006Z",
        );
        let real_len = real_body.len().to_string();
        let ref_len = ref_body.len().to_string();
        let real_cookie = format!(
            "connect.sid=s%3ANrTfHjhblriXRcBwTQeGs5JU9VUdAA7F.ODeOWRt2BNZdPqr4ppsEoRs40VwxLhaxeRpY2tMo0do; Path=/; Expires={}; HttpOnly",
            expires_in(10)
        );
        let ref_cookie = format!(
            "connect.sid=s%3Azzzz.%2Fsig%2B; Path=/; Expires={}; HttpOnly",
            expires_in(10)
        );
        let real = exchange(
            200,
            &[
                ("vary", "Origin"),
                ("access-control-allow-credentials", "true"),
                ("content-type", "application/json; charset=utf-8"),
                ("content-length", &real_len),
                ("etag", "W/\"124-rbAjLTC7KIjhXezZsNGJDB4cdJo\""),
                ("set-cookie", &real_cookie),
                ("date", "Sun, 29 Nov 2026 15:23:30 GMT"),
            ],
            &real_body,
            None,
        );
        let reference = exchange(
            200,
            &[
                ("vary", "Origin"),
                ("access-control-allow-credentials", "true"),
                ("content-type", "application/json; charset=utf-8"),
                ("content-length", &ref_len),
                ("set-cookie", &ref_cookie),
                ("date", "Mon, 01 Jan 2030 00:00:00 GMT"),
            ],
            &ref_body,
            None,
        );
        (real, reference)
    }

    fn headers_of(ex: &Exchange) -> Vec<(String, String)> {
        ex.headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect()
    }

    fn rebuild(ex: &Exchange, f: impl Fn(&str, &str) -> Option<(String, String)>) -> Exchange {
        let mut map = HeaderMap::new();
        for (k, v) in headers_of(ex) {
            if let Some((k, v)) = f(&k, &v) {
                map.append(
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(&v).unwrap(),
                );
            }
        }
        Exchange {
            headers: map,
            ..ex.clone()
        }
    }

    #[test]
    fn ids_timestamps_cookies_and_configured_values_normalise_equal() {
        let (real, reference) = login_pair();
        let (a, b) = (
            describe(&real, &real_norm()),
            describe(&reference, &ref_norm()),
        );
        assert_eq!(a, b, "{}", unified_diff(&a, &b));
        assert!(a.contains("<string: the admin's id>"), "{a}");
        assert!(a.contains("Expires=<http-date: now+10h>"), "{a}");
        assert!(a.contains("\"role\": \"member\""), "{a}");
    }

    #[test]
    fn a_different_status_differs() {
        let (real, mut reference) = login_pair();
        reference.status = 201;
        let (a, b) = (
            describe(&real, &real_norm()),
            describe(&reference, &ref_norm()),
        );
        assert_ne!(a, b);
        assert!(unified_diff(&a, &b).contains("-status: 200\n+status: 201"));
    }

    #[test]
    fn a_missing_http_only_differs() {
        let (real, reference) = login_pair();
        let reference = rebuild(&reference, |k, v| {
            Some((k.to_owned(), v.replace("; HttpOnly", "")))
        });
        let (a, b) = (
            describe(&real, &real_norm()),
            describe(&reference, &ref_norm()),
        );
        assert_ne!(a, b);
        let diff = unified_diff(&a, &b);
        assert!(diff.contains("HttpOnly"), "{diff}");
    }

    #[test]
    fn a_missing_cookie_or_header_differs() {
        let (real, reference) = login_pair();
        for drop in [
            "set-cookie",
            "vary",
            "access-control-allow-credentials",
            "content-type",
        ] {
            let changed = rebuild(&reference, |k, v| {
                (k != drop).then(|| (k.to_owned(), v.to_owned()))
            });
            assert_ne!(
                describe(&real, &real_norm()),
                describe(&changed, &ref_norm()),
                "{drop}"
            );
        }
    }

    #[test]
    fn a_renamed_key_or_changed_type_differs() {
        let (real, mut reference) = login_pair();
        let renamed = String::from_utf8(reference.body.clone())
            .unwrap()
            .replace("first_name", "firstName");
        reference.body = renamed.into_bytes();
        assert_ne!(
            describe(&real, &real_norm()),
            describe(&reference, &ref_norm())
        );

        let (real, mut reference) = login_pair();
        let mut v: Value = serde_json::from_slice(&reference.body).unwrap();
        v["user"]["metadata"] = json!({});
        reference.body = v.to_string().into_bytes();
        assert_ne!(
            describe(&real, &real_norm()),
            describe(&reference, &ref_norm())
        );

        // Another user's id, or an e-mail that is not the lower-cased admin's.
        let (real, mut reference) = login_pair();
        let mut v: Value = serde_json::from_slice(&reference.body).unwrap();
        v["user"]["email"] = json!("ADMIN@reference.medusa.test");
        reference.body = v.to_string().into_bytes();
        assert_ne!(
            describe(&real, &real_norm()),
            describe(&reference, &ref_norm())
        );
    }

    #[test]
    fn error_bodies_compare_type_and_message() {
        let err = |msg: &str| {
            exchange(
                400,
                &[("content-type", "application/json; charset=utf-8")],
                &json!({"type": "invalid_data", "message": msg}).to_string(),
                None,
            )
        };
        let a = describe(&err("email must be an email"), &real_norm());
        assert_eq!(a, describe(&err("email must be an email"), &ref_norm()));
        assert!(a.contains("\"message\": \"email must be an email\""), "{a}");
        assert_ne!(a, describe(&err("email is invalid"), &ref_norm()));
    }

    #[test]
    fn text_html_and_framing() {
        let chunked = exchange(
            401,
            &[("transfer-encoding", "chunked")],
            "Unauthorized",
            None,
        );
        let sized = exchange(401, &[("content-length", "12")], "Unauthorized", None);
        assert_ne!(
            describe(&chunked, &real_norm()),
            describe(&sized, &ref_norm())
        );
        let other_text = exchange(401, &[("transfer-encoding", "chunked")], "Nope", None);
        assert_ne!(
            describe(&chunked, &real_norm()),
            describe(&other_text, &ref_norm())
        );

        let html = |body: &str| {
            exchange(
                400,
                &[("content-type", "text/html; charset=utf-8")],
                body,
                None,
            )
        };
        let a = describe(
            &html("<!DOCTYPE html>\n<html><pre>SyntaxError: at /work/x.js:1</pre></html>"),
            &real_norm(),
        );
        let b = describe(
            &html("<!DOCTYPE html>\n<html><pre>Bad Request</pre></html>"),
            &ref_norm(),
        );
        assert_eq!(a, b);
        assert_ne!(a, describe(&html("Bad Request"), &ref_norm()));
    }

    #[test]
    fn a_cookie_keeping_the_request_sid_is_told_from_a_new_one() {
        let sent =
            "s%3APFA99Rr6sqsxJPUuXIKb_QzZ8oRVvEif.rD4fjjiVURBehEKfOdVd72pjkjmGTfqPlJWfRLCSvdo";
        let set = |v: &str| {
            format!(
                "connect.sid={v}; Path=/; Expires={}; HttpOnly",
                expires_in(10)
            )
        };
        let same = exchange(200, &[("set-cookie", &set(sent))], "", Some(sent));
        let fresh = exchange(
            200,
            &[("set-cookie", &set("s%3Aother.sig"))],
            "",
            Some(sent),
        );
        let (a, b) = (describe(&same, &real_norm()), describe(&fresh, &ref_norm()));
        assert!(a.contains("<signed sid: the request's>"), "{a}");
        assert!(b.contains("<signed sid: new>"), "{b}");
        assert_ne!(a, b);
        let later = exchange(
            200,
            &[(
                "set-cookie",
                &format!(
                    "connect.sid={sent}; Path=/; Expires={}; HttpOnly",
                    expires_in(24)
                ),
            )],
            "",
            Some(sent),
        );
        assert_ne!(a, describe(&later, &ref_norm()));
    }

    #[test]
    fn access_tokens_are_described_by_their_claims() {
        let now = now_secs();
        let token = |user: &str, ttl: i64, secret: &[u8]| {
            let jwt = sign_hs256(
                &json!({"user_id": user, "domain": "admin", "iat": now, "exp": now + ttl}),
                secret,
            );
            exchange(
                200,
                &[("content-type", "application/json; charset=utf-8")],
                &json!({ "access_token": jwt }).to_string(),
                None,
            )
        };
        let a = describe(&token(REAL_ID, 86_400, b"one"), &real_norm());
        assert_eq!(a, describe(&token(REF_ID, 86_400, b"two"), &ref_norm()));
        assert!(a.contains("exp-iat=86400"), "{a}");
        assert_ne!(a, describe(&token(REF_ID, 3_600, b"two"), &ref_norm()));
        assert_ne!(
            a,
            describe(&token("usr_other", 86_400, b"two"), &ref_norm())
        );
    }

    #[test]
    fn descriptions_and_reports_hold_no_secret() {
        let (real, _) = login_pair();
        let jwt = sign_hs256(&json!({"user_id": REAL_ID, "domain": "admin"}), b"k");
        let with_token = exchange(
            200,
            &[("content-type", "application/json")],
            &json!({ "access_token": jwt }).to_string(),
            Some("s%3Asecretsid.secretsig"),
        );
        let text = format!(
            "{}{}",
            describe(&real, &real_norm()),
            describe(&with_token, &real_norm())
        );
        for secret in [
            "hunter22",
            "real-token-0123456789abcdefghij",
            "NrTfHjhblriXRcBwTQeGs5JU9VUdAA7F",
            "ODeOWRt2BNZdPqr4ppsEoRs40VwxLhaxeRpY2tMo0do",
            "secretsid",
            jwt.as_str(),
            "eyJ",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        // Nothing secret-shaped is left for the redactor to mask, so the
        // placeholders survive it and the diffs stay readable.
        assert_eq!(Redactor::new().mask(&text), text);
        assert!(
            text.contains("\"api_token\": <string: the admin's API token>"),
            "{text}"
        );
    }

    #[test]
    fn tampering_changes_only_the_signature() {
        let c = "s%3APFA99Rr6sqsxJPUuXIKb_QzZ8oRVvEif.rD4fjjiVURBehEKfOdVd72pjkjmGTfqPlJWfRLCSvdo";
        let t = tamper(c);
        assert_ne!(t, c);
        assert_eq!(signed_sid(&t), signed_sid(c));
        assert_eq!(t.len(), c.len());
        let c = "s%3Asid.%2Fsig";
        let t = tamper(c);
        assert_eq!(signed_sid(&t).as_deref(), Some("sid"));
        assert_ne!(t, c);
    }

    #[test]
    fn missing_variables_are_named() {
        let err = real_target(|_| None).err().unwrap();
        for v in ENV_VARS {
            assert!(err.contains(v), "{err}");
        }
        let err = real_target(|k| (k != "MEDUSA_PARITY_JWT_SECRET").then(|| "x".into()))
            .err()
            .unwrap();
        assert!(err.contains("not set: MEDUSA_PARITY_JWT_SECRET"), "{err}");
        let ok = real_target(|k| {
            Some(if k == "MEDUSA_PARITY_BASE_URL" {
                "http://127.0.0.1:9000".into()
            } else {
                format!("{k}-value")
            })
        })
        .unwrap();
        assert_eq!(ok.admin_email, "MEDUSA_PARITY_ADMIN_EMAIL-value");
        assert_eq!(ok.jwt_secret.expose(), "MEDUSA_PARITY_JWT_SECRET-value");
    }

    #[test]
    fn compare_reports_each_differing_case_once() {
        let (real, reference) = login_pair();
        let target = |name| Target {
            name,
            base_url: Url::parse("http://127.0.0.1:1").unwrap(),
            admin_email: "x@y.zz".into(),
            admin_password: Secret::new("pw"),
            api_token: Secret::new("t"),
            jwt_secret: Secret::new("s"),
        };
        let (ta, tb) = (target("real Medusa"), target("reference"));
        let run = |t, recorded: Vec<(String, Exchange)>| Run {
            target: t,
            raw: raw_client(),
            client: Client::new(
                &ClientSettings {
                    base_url: Url::parse("http://127.0.0.1:1").unwrap(),
                    ca_cert_pem: None,
                    connect_timeout: Duration::from_secs(1),
                    request_timeout: Duration::from_secs(1),
                    max_retries: 0,
                },
                &V1,
            )
            .unwrap(),
            recorded,
            admin_id: None,
            captured: Vec::new(),
        };
        let mut bad = reference.clone();
        bad.status = 500;
        let a = run(
            &ta,
            vec![("one".into(), real.clone()), ("two".into(), real.clone())],
        );
        let b = run(&tb, vec![("one".into(), reference), ("two".into(), bad)]);
        let diffs = compare(&a, &b);
        assert_eq!(diffs.len(), 1, "{diffs:?}");
        assert!(diffs[0].starts_with("case 2: two\n(- real Medusa, + reference)"));
        assert!(
            diffs[0].contains("-status: 200\n+status: 500"),
            "{}",
            diffs[0]
        );
    }
}

// ---------------------------------------------------------------------------
// The contract in depth: forged tokens, CORS, cross-site shapes, exact
// credentials, second logout (played after the cases above, on both sides)
// ---------------------------------------------------------------------------

mod depth {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// The admin origin both sides allow: `MEDUSA_PARITY_ADMIN_ORIGIN`, else
    /// the first origin of Medusa's default `admin_cors`.
    pub(super) fn admin_origin() -> String {
        std::env::var("MEDUSA_PARITY_ADMIN_ORIGIN")
            .ok()
            .filter(|o| !o.trim().is_empty())
            .unwrap_or_else(|| {
                medusa_conformance::target::reference::DEFAULT_ADMIN_ORIGIN.to_owned()
            })
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub(super) async fn play(run: &mut Run<'_>) -> Result<(), String> {
        let email = run.target.admin_email.clone();
        let password = run.target.admin_password.expose().to_owned();
        let api_token = run.target.api_token.expose().to_owned();
        let secret = run.target.jwt_secret.expose().as_bytes().to_vec();
        let s = |v: &str| Secret::new(v.to_owned());
        let creds = json!({"email": email, "password": password});
        let admin_id = run.admin_id.clone().unwrap_or_else(|| "usr_missing".into());

        // Tokens: altered copies of a real one, and tokens signed with the secret.
        let token = run
            .send(
                "depth: token for the altered copies",
                Call::GetToken,
                Auth::None,
                Body::Json(creds.clone()),
            )
            .await?;
        let jwt = token.json().unwrap_or(Value::Null)["access_token"]
            .as_str()
            .unwrap_or("a.b.c")
            .to_owned();
        let mut parts = jwt.splitn(3, '.');
        let (h, p, sig) = (
            parts.next().unwrap_or_default().to_owned(),
            parts.next().unwrap_or_default().to_owned(),
            parts.next().unwrap_or_default().to_owned(),
        );
        let mut claims = decode_unverified(&jwt)
            .map(|(_, c)| c)
            .unwrap_or(Value::Null);
        claims["exp"] = json!(claims["exp"].as_i64().unwrap_or(0) + 3600);
        let now = now_secs();
        let signed = |c: Value| sign_hs256(&c, &secret);
        let forged = vec![
            (
                "alg none",
                format!("{}.{p}.", b64(br#"{"alg":"none","typ":"JWT"}"#)),
            ),
            ("empty signature", format!("{h}.{p}.")),
            (
                "payload changed under the original signature",
                format!("{h}.{}.{sig}", b64(claims.to_string().as_bytes())),
            ),
            (
                "nbf in the future",
                signed(
                    json!({"user_id": admin_id, "domain": "admin", "iat": now, "nbf": now + 86_400, "exp": now + 2 * 86_400}),
                ),
            ),
            (
                "no domain",
                signed(json!({"user_id": admin_id, "iat": now, "exp": now + 3600})),
            ),
            (
                "admin's id, store domain",
                signed(
                    json!({"user_id": admin_id, "domain": "store", "iat": now, "exp": now + 3600}),
                ),
            ),
            (
                "no exp (accepted)",
                signed(json!({"user_id": admin_id, "domain": "admin", "iat": now})),
            ),
        ];
        for (what, t) in forged {
            run.captured.push(t.clone());
            run.send(
                &format!("depth: whoami with a bearer JWT: {what}"),
                Call::GetSession,
                Auth::Bearer(s(&t)),
                Body::None,
            )
            .await?;
        }

        // Cross-site shapes (a form and no content type are played above).
        let json_creds = creds.to_string();
        let boundary = "medusa-conformance-boundary";
        let multipart = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{email}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{password}\r\n--{boundary}--\r\n"
        );
        let multipart_ct = format!("multipart/form-data; boundary={boundary}");
        for call in [Call::CreateSession, Call::GetToken] {
            let path = V1.route(call).path;
            let shapes: [(&str, &str, String); 4] = [
                ("text/plain", "text/plain;charset=UTF-8", json_creds.clone()),
                ("multipart", &multipart_ct, multipart.clone()),
                (
                    "vnd.api+json",
                    "application/vnd.api+json",
                    json_creds.clone(),
                ),
                (
                    "json with a charset",
                    "application/json; charset=utf-8",
                    json_creds.clone(),
                ),
            ];
            for (what, ct, body) in shapes {
                run.send_raw(
                    &format!("depth: POST {path} sent as {what}"),
                    "POST",
                    path,
                    &[("content-type", ct)],
                    Some(body),
                )
                .await?;
            }
        }

        // Credentials matched exactly.
        let swapped: String = password
            .chars()
            .map(|c| {
                if c.is_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        let variants = [
            ("other case", swapped),
            ("one more character", format!("{password}x")),
            (
                "one character less",
                password[..password.len() - 1].to_owned(),
            ),
            ("surrounding spaces", format!(" {password} ")),
        ];
        for (what, pw) in variants {
            for (call, route) in [(Call::CreateSession, "login"), (Call::GetToken, "token")] {
                run.send(
                    &format!("depth: {route} with the password: {what}"),
                    call,
                    Auth::None,
                    Body::Json(json!({"email": email, "password": pw})),
                )
                .await?;
            }
        }
        let token_variants = [
            ("shorter", api_token[..api_token.len() - 1].to_owned()),
            ("longer", format!("{api_token}x")),
            ("other case", api_token.to_uppercase()),
            (
                "one character changed",
                format!(
                    "{}{}",
                    &api_token[..api_token.len() - 1],
                    if api_token.ends_with('x') { 'y' } else { 'x' }
                ),
            ),
            (
                "surrounding spaces (trimmed: accepted)",
                format!(" {api_token} "),
            ),
        ];
        for (what, t) in token_variants {
            run.send(
                &format!("depth: whoami with the API token: {what}"),
                Call::GetSession,
                Auth::ApiToken(s(&t)),
                Body::None,
            )
            .await?;
        }

        // A cookie from a refused login, then whoami with it.
        let refused = run
            .send(
                "depth: refused login",
                Call::CreateSession,
                Auth::None,
                Body::Json(json!({"email": email, "password": "wrong-password"})),
            )
            .await?;
        let refused_cookie =
            session_cookie(&refused).unwrap_or_else(|| "s%3Amissing.missing".into());
        run.send(
            "depth: whoami with the refused login's cookie",
            Call::GetSession,
            Auth::Cookie(s(&refused_cookie)),
            Body::None,
        )
        .await?;

        // A second logout with the same cookie.
        let login = run
            .send(
                "depth: second logout: login",
                Call::CreateSession,
                Auth::None,
                Body::Json(creds.clone()),
            )
            .await?;
        let cookie = session_cookie(&login).unwrap_or_else(|| "s%3Amissing.missing".into());
        for what in ["first", "second"] {
            run.send(
                &format!("depth: second logout: {what} logout"),
                Call::DeleteSession,
                Auth::Cookie(s(&cookie)),
                Body::None,
            )
            .await?;
        }

        // CORS: preflights and real requests from allowed and other origins.
        let admin = admin_origin();
        let other_scheme = match admin.strip_prefix("https://") {
            Some(rest) => format!("http://{rest}"),
            None => admin.replacen("http://", "https://", 1),
        };
        let origins = [
            ("the admin origin", admin.clone()),
            (
                "a foreign origin",
                "https://evil.medusa-conformance.test".to_owned(),
            ),
            ("null", "null".to_owned()),
            (
                "the admin origin with a suffix",
                format!("{admin}.evil.medusa-conformance.test"),
            ),
            ("the admin origin over the other scheme", other_scheme),
            (
                "the admin origin with a trailing slash",
                format!("{admin}/"),
            ),
        ];
        for (what, origin) in &origins {
            run.send_raw(
                &format!("depth: preflight for POST /admin/auth from {what}"),
                "OPTIONS",
                "/admin/auth",
                &[
                    ("origin", origin),
                    ("access-control-request-method", "POST"),
                    ("access-control-request-headers", "content-type"),
                ],
                None,
            )
            .await?;
            run.send_raw(
                &format!("depth: GET /admin/auth from {what}"),
                "GET",
                "/admin/auth",
                &[("origin", origin)],
                None,
            )
            .await?;
        }
        run.send_raw(
            "depth: preflight without an origin",
            "OPTIONS",
            "/admin/auth",
            &[],
            None,
        )
        .await?;
        run.send_raw(
            "depth: preflight for the token route from the admin origin",
            "OPTIONS",
            "/admin/auth/token",
            &[
                ("origin", &admin),
                ("access-control-request-method", "POST"),
            ],
            None,
        )
        .await?;
        run.send_raw(
            "depth: preflight for an unknown admin route from the admin origin",
            "OPTIONS",
            "/admin/nope",
            &[("origin", &admin), ("access-control-request-method", "GET")],
            None,
        )
        .await?;
        run.send_raw(
            "depth: login from the admin origin",
            "POST",
            "/admin/auth",
            &[("origin", &admin), ("content-type", "application/json")],
            Some(creds.to_string()),
        )
        .await?;
        run.send_raw(
            "depth: body not JSON from the admin origin",
            "POST",
            "/admin/auth",
            &[("origin", &admin), ("content-type", "application/json")],
            Some("{not json".to_owned()),
        )
        .await?;
        Ok(())
    }
}
