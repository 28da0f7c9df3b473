//! Steps for the contract in depth: forged and altered bearer tokens, the
//! access token's claims, cookies as a browser keeps them, CORS, cross-site
//! request shapes, exact credential matching, and the secret-echo check
//! that runs on every exchange ([`echoed_secret`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::browser::{self, Jar};
use crate::check::Failure;
use crate::client::{Auth, Body, Exchange, Extra};
use crate::contract::{Call, SchemaName};
use crate::jwt;
use crate::redact::Secret;
use crate::runner::RunContext;
use crate::steps::{AuthWorld, StepFailure, call_of, credentials_body, session_cookies};

type StepResult = Result<(), StepFailure>;

/// An origin no backend allows: a page on another site.
const FOREIGN_ORIGIN: &str = "https://evil.medusa-conformance.test";

/// Secrets shorter than this are not looked for in answers: a short value
/// can appear by chance.
const MIN_ECHO_LEN: usize = 6;

/// What these steps remember within a scenario.
#[derive(Debug, Default)]
pub struct DepthState {
    /// The browser's cookie jar.
    jar: Jar,
    /// The origin of the last cross-origin request.
    origin: Option<String>,
}

// ---- The secret-echo check ------------------------------------------------

/// A failure if the response carries back a secret: the admin's password,
/// any password or API token this request sent, or the admin's API token
/// anywhere but the user's own `api_token` field (the contract's, not an echo).
pub(crate) fn echoed_secret(ctx: &RunContext, ex: &Exchange) -> Option<Failure> {
    echo_in(
        ex,
        &ctx.admin_password,
        ctx.api_token.as_ref(),
        ctx.client.dialect().api_token_header,
    )
}

/// [`echoed_secret`], with what it needs of the run spelled out.
fn echo_in(
    ex: &Exchange,
    admin_password: &Secret,
    api_token: Option<&Secret>,
    token_header: &str,
) -> Option<Failure> {
    let mut secrets: Vec<(String, &str)> =
        vec![(admin_password.expose().to_owned(), "the admin's password")];
    if let Some(body) = &ex.request_body {
        let sent = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v["password"].as_str().map(str::to_owned))
            .or_else(|| {
                url::form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "password")
                    .map(|(_, v)| v.into_owned())
            });
        if let Some(p) = sent {
            secrets.push((p, "the password it was sent"));
        }
    }
    for (k, v) in &ex.request_headers {
        if k == token_header {
            secrets.push((v.trim().to_owned(), "the API token it was sent"));
        }
    }
    if let Some(t) = api_token {
        secrets.push((t.expose().to_owned(), "the admin's API token"));
    }
    secrets.retain(|(s, _)| s.len() >= MIN_ECHO_LEN);

    let own_token = api_token.map(Secret::expose);
    let texts = answer_texts(ex, own_token);
    for (secret, what) in &secrets {
        let forms = [
            secret.clone(),
            serde_json::to_string(secret)
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned(),
            html_escape(secret),
        ];
        for (place, text) in &texts {
            if forms.iter().any(|f| text.contains(f.as_str())) {
                return Some(
                    Failure::new(
                        "secret echoed",
                        format!("the response carries back {what}, in its {place}"),
                    )
                    .with_exchange(ex),
                );
            }
        }
    }
    None
}

/// The texts of an answer a secret must not be in: every header value, and
/// the body (for JSON, every key and string, but the user's `api_token` when
/// it is the admin's own).
fn answer_texts(ex: &Exchange, own_token: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ex
        .headers
        .iter()
        .map(|(k, v)| {
            (
                format!("{k} header"),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    match ex.json() {
        Ok(v) => {
            let mut strings = Vec::new();
            json_strings(&v, None, own_token, &mut strings);
            out.push(("body".into(), strings.join("\n")));
        }
        Err(_) => out.push(("body".into(), ex.body_text())),
    }
    out
}

fn json_strings(v: &Value, key: Option<&str>, own_token: Option<&str>, out: &mut Vec<String>) {
    match v {
        Value::String(s) if key == Some("api_token") && Some(s.as_str()) == own_token => {}
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items
            .iter()
            .for_each(|i| json_strings(i, None, own_token, out)),
        Value::Object(map) => {
            for (k, child) in map {
                out.push(k.clone());
                json_strings(child, Some(k), own_token, out);
            }
        }
        _ => {}
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

// ---- Credentials: forged and altered tokens --------------------------------

/// The credentials of the phrases `crate::steps` does not know.
pub(crate) fn credentials(w: &AuthWorld, phrase: &str) -> Result<Auth, StepFailure> {
    let ctx = w.ctx();
    let access_token = || {
        w.access_token.clone().ok_or_else(|| {
            w.fail(Failure::new(
                "scenario",
                "this scenario has no access token yet",
            ))
        })
    };
    let api_token = || {
        ctx.api_token
            .clone()
            .ok_or_else(|| w.fail(Failure::new("scenario", "this run has no API token")))
    };
    let altered = |t: Option<String>, what: &str| {
        t.map(|t| {
            ctx.redactor.add(&t);
            Secret::new(t)
        })
        .ok_or_else(|| {
            w.fail(Failure::new(
                "scenario",
                format!("the access token cannot be {what}: it is not a JWT"),
            ))
        })
    };
    let variant = |t: Option<String>| -> Result<Secret, StepFailure> {
        match t {
            Some(t) => {
                ctx.redactor.add(&t);
                Ok(Secret::new(t))
            }
            None => Err(w.fail(Failure::new(
                "scenario",
                "the API token has no letter to change the case of",
            ))),
        }
    };
    Ok(match phrase {
        "the access token re-headed with alg none" => {
            Auth::Bearer(altered(alg_none(access_token()?.expose()), "re-headed")?)
        }
        "the access token without its signature" => Auth::Bearer(altered(
            without_signature(access_token()?.expose()),
            "stripped",
        )?),
        "the access token with its payload changed under the original signature" => Auth::Bearer(
            altered(payload_changed(access_token()?.expose()), "changed")?,
        ),
        "the API token shortened by one character" => {
            let t = api_token()?;
            let mut s = t.expose().to_owned();
            s.pop();
            Auth::ApiToken(variant(Some(s))?)
        }
        "the API token with one more character" => {
            Auth::ApiToken(variant(Some(format!("{}x", api_token()?.expose())))?)
        }
        "the API token in another letter case" => {
            Auth::ApiToken(variant(swap_case(api_token()?.expose()))?)
        }
        "the API token with one character changed" => {
            Auth::ApiToken(variant(Some(change_last(api_token()?.expose())))?)
        }
        other => {
            let Some(claims) = forged_claims(w, other) else {
                return Err(w.fail(Failure::new(
                    "scenario",
                    format!("unknown credentials '{other}'"),
                )));
            };
            let secret = ctx.jwt_secret.clone().ok_or_else(|| {
                w.fail(Failure::new(
                    "scenario",
                    "this run has no JWT secret (tag the scenario @jwt-secret)",
                ))
            })?;
            Auth::Bearer(Secret::new(jwt::sign_hs256(
                &claims,
                secret.expose().as_bytes(),
            )))
        }
    })
}

/// Claims of a token the suite signs with the backend's own secret.
fn forged_claims(w: &AuthWorld, phrase: &str) -> Option<Value> {
    let now = jwt::now_secs();
    let user_id = w
        .login_user
        .as_ref()
        .and_then(|u| u["id"].as_str())
        .unwrap_or("usr_unknown")
        .to_owned();
    let day = 86_400;
    Some(match phrase {
        "a bearer token signed with the backend's secret" => {
            json!({"user_id": user_id, "domain": "admin", "iat": now, "exp": now + 3600})
        }
        "an expired bearer token" => {
            json!({"user_id": user_id, "domain": "admin", "iat": now - 2 * day, "exp": now - day})
        }
        "a bearer token not valid before tomorrow" => {
            json!({"user_id": user_id, "domain": "admin", "iat": now, "nbf": now + day, "exp": now + 2 * day})
        }
        "a bearer token for the store domain" => {
            json!({"user_id": user_id, "domain": "store", "iat": now, "exp": now + 3600})
        }
        "a bearer token without a domain" => {
            json!({"user_id": user_id, "iat": now, "exp": now + 3600})
        }
        "a bearer token of an unknown user" => {
            json!({"user_id": "usr_01MEDUSACONFORMANCEGHOST00", "domain": "admin", "iat": now, "exp": now + 3600})
        }
        _ => return None,
    })
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The token's payload under a header saying `alg: none`, unsigned.
fn alg_none(token: &str) -> Option<String> {
    let (_, payload, _) = parts(token)?;
    Some(format!(
        "{}.{payload}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#)
    ))
}

/// The token with its signature emptied.
fn without_signature(token: &str) -> Option<String> {
    let (header, payload, _) = parts(token)?;
    Some(format!("{header}.{payload}."))
}

/// The token with one hour more of life, under its original signature.
fn payload_changed(token: &str) -> Option<String> {
    let (header, _, sig) = parts(token)?;
    let (_, mut claims) = jwt::decode_unverified(token)?;
    let exp = claims["exp"].as_i64().unwrap_or_else(jwt::now_secs);
    claims["exp"] = json!(exp + 3600);
    Some(format!(
        "{header}.{}.{sig}",
        b64(claims.to_string().as_bytes())
    ))
}

fn parts(token: &str) -> Option<(&str, &str, &str)> {
    let mut it = token.split('.');
    let parts = (it.next()?, it.next()?, it.next()?);
    it.next().is_none().then_some(parts)
}

/// The text with every letter's case swapped; `None` if it has no letter.
fn swap_case(s: &str) -> Option<String> {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_lowercase() {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .collect();
    (out != s).then_some(out)
}

/// The text with its last character replaced by another.
fn change_last(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(c) = chars.last_mut() {
        *c = if *c == 'x' { 'y' } else { 'x' };
    }
    chars.into_iter().collect()
}

// ---- Given -------------------------------------------------------------

#[given("the backend accepts a bearer token signed with its secret")]
async fn secret_is_right(w: &mut AuthWorld) -> StepResult {
    let auth = w.credentials("a bearer token signed with the backend's secret")?;
    let ex = w
        .send_with(Call::GetSession, auth, Body::None, &Extra::default())
        .await?
        .clone();
    if ex.status == 200 {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "jwt secret",
            format!(
                "a token signed with MEDUSA_JWT_SECRET is refused ({}): the secret is not the backend's, \
                 so the refusals below would prove nothing",
                ex.status
            ),
        )
        .with_exchange(&ex),
    ))
}

// ---- When: credentials matched exactly, cross-site shapes ---------------

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail and the password (in another letter case|with one more character|with one character less|with surrounding spaces)$"
)]
async fn with_password_variant(w: &mut AuthWorld, verb: String, how: String) -> StepResult {
    let ctx = w.ctx();
    let right = ctx.admin_password.expose();
    let variant = match how.as_str() {
        "in another letter case" => swap_case(right),
        "with one more character" => Some(format!("{right}x")),
        "with one character less" => Some(right[..right.len() - 1].to_owned()),
        _ => Some(format!(" {right} ")),
    };
    let Some(variant) = variant.filter(|v| !v.is_empty()) else {
        return Err(w.fail(Failure::new(
            "scenario",
            format!("the admin's password cannot be changed this way ({how})"),
        )));
    };
    ctx.redactor.add(&variant);
    let body = credentials_body(&ctx.admin_email, &Secret::new(variant));
    w.send_with(call_of(&verb), Auth::None, body, &Extra::default())
        .await?;
    Ok(())
}

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail and password sent as (a form|text/plain|multipart/form-data|JSON without a content type)$"
)]
async fn cross_site_shape(w: &mut AuthWorld, verb: String, shape: String) -> StepResult {
    let ctx = w.ctx();
    let (email, password) = (ctx.admin_email.as_str(), ctx.admin_password.expose());
    let json_text = json!({"email": email, "password": password}).to_string();
    // The password as a form encodes it, so reports mask that form too.
    ctx.redactor
        .add(&url::form_urlencoded::byte_serialize(password.as_bytes()).collect::<String>());
    let boundary = "medusa-conformance-boundary";
    let (content_type, text) = match shape.as_str() {
        "a form" => (
            Some("application/x-www-form-urlencoded".to_owned()),
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("email", email)
                .append_pair("password", password)
                .finish(),
        ),
        // What a page's <form enctype="text/plain"> or fetch(no-cors) sends.
        "text/plain" => (Some("text/plain;charset=UTF-8".to_owned()), json_text),
        "multipart/form-data" => (
            Some(format!("multipart/form-data; boundary={boundary}")),
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{email}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{password}\r\n\
                 --{boundary}--\r\n"
            ),
        ),
        _ => (None, json_text),
    };
    let body = Body::Raw { content_type, text };
    w.send_with(call_of(&verb), Auth::None, body, &Extra::default())
        .await?;
    Ok(())
}

// ---- When: the browser ---------------------------------------------------

impl AuthWorld {
    /// Sends a request as the browser: with its cookies, keeping what the
    /// response sets.
    async fn browser_send(&mut self, call: Call, body: Body) -> Result<Exchange, StepFailure> {
        let extra = Extra {
            jar: Some(self.depth.jar.clone()),
            ..Extra::default()
        };
        Ok(self
            .send_with(call, Auth::None, body, &extra)
            .await?
            .clone())
    }
}

#[when(
    regex = r"^the browser (logs in|requests an access token) with the admin's e-mail and (password|a wrong password|no password)$"
)]
async fn browser_login(w: &mut AuthWorld, verb: String, what: String) -> StepResult {
    let ctx = w.ctx();
    let email = ctx.admin_email.clone();
    let body = match what.as_str() {
        "password" => credentials_body(&email, &ctx.admin_password),
        "a wrong password" => credentials_body(
            &email,
            &Secret::new(format!("{}-wrong", ctx.admin_password.expose())),
        ),
        _ => Body::Json(json!({ "email": email })),
    };
    let call = if verb == "logs in" {
        Call::CreateSession
    } else {
        Call::GetToken
    };
    let ex = w.browser_send(call, body).await?;
    if call == Call::CreateSession
        && ex.status == 200
        && let Ok(v) = ex.json()
    {
        w.login_user = Some(v["user"].clone());
    }
    Ok(())
}

#[when(regex = r"^the browser (asks who I am|logs out)$")]
async fn browser_call(w: &mut AuthWorld, what: String) -> StepResult {
    let call = if what == "logs out" {
        Call::DeleteSession
    } else {
        Call::GetSession
    };
    w.browser_send(call, Body::None).await?;
    Ok(())
}

// ---- When: CORS ----------------------------------------------------------

impl AuthWorld {
    fn origin(&self, phrase: &str) -> Result<String, StepFailure> {
        if phrase == "a foreign origin" {
            return Ok(FOREIGN_ORIGIN.into());
        }
        if phrase == "the null origin" {
            return Ok("null".into());
        }
        let admin = self.ctx().admin_origin.clone().ok_or_else(|| {
            self.fail(Failure::new(
                "scenario",
                "this run has no admin origin (tag the scenario @admin-origin)",
            ))
        })?;
        Ok(match phrase {
            "the admin origin" => admin,
            "the admin origin with a suffix" => format!("{admin}.evil.medusa-conformance.test"),
            "the admin origin over the other scheme" => match admin.strip_prefix("https://") {
                Some(rest) => format!("http://{rest}"),
                None => admin.replacen("http://", "https://", 1),
            },
            other => {
                return Err(self.fail(Failure::new(
                    "scenario",
                    format!("unknown origin '{other}'"),
                )));
            }
        })
    }
}

#[when(
    regex = r"^a page on (a foreign origin|the null origin|the admin origin|the admin origin with a suffix|the admin origin over the other scheme) (sends a preflight to log in|asks who I am with the session cookie|logs in with the admin's e-mail and password)$"
)]
async fn cross_origin(w: &mut AuthWorld, origin: String, what: String) -> StepResult {
    let origin = w.origin(&origin)?;
    let mut extra = Extra {
        headers: vec![("origin".into(), origin.clone())],
        ..Extra::default()
    };
    w.depth.origin = Some(origin);
    let ctx = w.ctx();
    let (call, auth, body) = match what.as_str() {
        "sends a preflight to log in" => {
            extra.method = Some("OPTIONS");
            extra.headers.extend([
                ("access-control-request-method".into(), "POST".into()),
                (
                    "access-control-request-headers".into(),
                    "content-type".into(),
                ),
            ]);
            (Call::CreateSession, Auth::None, Body::None)
        }
        "asks who I am with the session cookie" => (
            Call::GetSession,
            w.credentials("the session cookie")?,
            Body::None,
        ),
        _ => (
            Call::CreateSession,
            Auth::None,
            credentials_body(&ctx.admin_email, &ctx.admin_password),
        ),
    };
    w.send_with(call, auth, body, &extra).await?;
    Ok(())
}

// ---- Then ----------------------------------------------------------------

fn header<'a>(ex: &'a Exchange, name: &str) -> Option<&'a str> {
    ex.headers.get(name).and_then(|v| v.to_str().ok())
}

#[then("the response does not allow that origin")]
async fn origin_not_allowed(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let origin = w.depth.origin.clone().unwrap_or_default();
    let allowed = header(ex, "access-control-allow-origin");
    if allowed.is_none_or(|a| a != origin && a != "*") {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "cors",
            format!(
                "the origin {origin} is allowed (Access-Control-Allow-Origin: {}): a page there can \
                 call the admin API with the user's cookies",
                allowed.unwrap_or_default()
            ),
        )
        .with_exchange(ex),
    ))
}

#[then("the response allows that origin with credentials")]
async fn origin_allowed(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let origin = w.depth.origin.clone().unwrap_or_default();
    let expected =
        format!("access-control-allow-origin: {origin}\naccess-control-allow-credentials: true");
    let actual = format!(
        "access-control-allow-origin: {}\naccess-control-allow-credentials: {}",
        header(ex, "access-control-allow-origin").unwrap_or("(none)"),
        header(ex, "access-control-allow-credentials").unwrap_or("(none)")
    );
    if expected == actual {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "cors",
            format!("the admin origin {origin} is not allowed with credentials: the admin UI cannot log in"),
        )
        .with_exchange(ex)
        .with_diff(expected, actual),
    ))
}

#[then("the session cookie has the contract's attributes")]
async fn session_cookie_attributes(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let ctx = w.ctx();
    let name = ctx.client.dialect().session_cookie;
    let cookie = ex.set_cookies().into_iter().rev().find(|c| {
        cookie::Cookie::parse(c.as_str()).is_ok_and(|c| c.name() == name && !c.value().is_empty())
    });
    let Some(cookie) = cookie else {
        return Err(w.fail(
            Failure::new("session cookie", "the response sets no session cookie").with_exchange(ex),
        ));
    };
    let https = ctx.client.base_url().scheme() == "https";
    let problems =
        browser::session_cookie_problems(&cookie, browser::date_header(&ex.headers), https);
    if problems.is_empty() {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "session cookie attributes",
            format!(
                "the {name} cookie breaks the contract: {}",
                problems.join("; ")
            ),
        )
        .with_exchange(ex),
    ))
}

#[then("the browser holds a session cookie for every admin route")]
async fn browser_holds_cookie(w: &mut AuthWorld) -> StepResult {
    let ctx = w.ctx();
    let name = ctx.client.dialect().session_cookie;
    for call in [Call::GetSession, Call::GetToken] {
        let url = ctx.client.url_of(call);
        if !w.depth.jar.sends(&url, name) {
            let ex = w.last()?;
            return Err(w.fail(
                Failure::new(
                    "session cookie attributes",
                    format!(
                        "a browser would not send the {name} cookie to {}",
                        url.path()
                    ),
                )
                .with_exchange(ex),
            ));
        }
    }
    Ok(())
}

/// The access token of the last response, and its claims.
fn token_claims(w: &AuthWorld) -> Result<(Exchange, Value), StepFailure> {
    let ex = w.last()?.clone();
    let body = crate::check::schema(&ex, SchemaName::AdminBearerAuthRes).map_err(|f| w.fail(f))?;
    let token = body["access_token"].as_str().unwrap_or_default();
    match jwt::decode_unverified(token) {
        Some((_, claims)) => Ok((ex, claims)),
        None => Err(w.fail(
            Failure::new("access token is a JWT", "the access token is not a JWT")
                .with_exchange(&ex),
        )),
    }
}

#[then("no claim of the access token holds the password, a hash or the e-mail")]
async fn no_secret_claims(w: &mut AuthWorld) -> StepResult {
    let (ex, claims) = token_claims(w)?;
    let ctx = w.ctx();
    let password = ctx.admin_password.expose();
    let email = ctx.admin_email.to_lowercase();
    let mut found = Vec::new();
    for (k, v) in claims.as_object().into_iter().flatten() {
        let name = k.to_lowercase();
        if ["password", "hash", "email", "e-mail"]
            .iter()
            .any(|w| name.contains(w))
        {
            found.push(format!("the claim {k}"));
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if text.contains(password) {
            found.push(format!("the claim {k} holds the password"));
        } else if text.to_lowercase().contains(&email) {
            found.push(format!("the claim {k} holds the e-mail"));
        } else if looks_like_password_hash(&text) {
            found.push(format!("the claim {k} holds a password hash"));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "access token secrets",
            format!(
                "the access token (readable by anyone who holds it) carries secrets: {}",
                found.join("; ")
            ),
        )
        .with_exchange(&ex),
    ))
}

/// scrypt-kdf (Medusa v1, base64 of `scrypt`), bcrypt and argon2 hashes.
fn looks_like_password_hash(s: &str) -> bool {
    s.starts_with("c2NyeXB0")
        || s.starts_with("$2a$")
        || s.starts_with("$2b$")
        || s.starts_with("$2y$")
        || s.starts_with("$argon2")
        || s.starts_with("$scrypt")
}

#[then(
    regex = r#"^the access token carries exactly the claims user_id, domain, iat and exp, with domain "admin"$"#
)]
async fn exact_claims(w: &mut AuthWorld) -> StepResult {
    let (ex, claims) = token_claims(w)?;
    let mut names: Vec<&str> = claims
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    let actual = format!("claims: {}\ndomain: {}", names.join(", "), claims["domain"]);
    let expected = "claims: domain, exp, iat, user_id\ndomain: \"admin\"";
    if actual == expected {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "access token claims",
            "the access token's claims are not the contract's (user_id, domain \"admin\", iat, exp)",
        )
        .with_exchange(&ex)
        .with_diff(expected, actual),
    ))
}

#[then(regex = r"^the access token lives (\d+) seconds$")]
async fn token_lifetime(w: &mut AuthWorld, secs: i64) -> StepResult {
    let (ex, claims) = token_claims(w)?;
    let lifetime = match (claims["iat"].as_i64(), claims["exp"].as_i64()) {
        (Some(iat), Some(exp)) => Some(exp - iat),
        _ => None,
    };
    if lifetime == Some(secs) {
        return Ok(());
    }
    let actual = lifetime.map_or("(no numeric iat and exp)".to_owned(), |l| l.to_string());
    Err(w.fail(
        Failure::new(
            "access token lifetime",
            format!("the access token lives {actual} s (exp - iat), not {secs} s"),
        )
        .with_exchange(&ex)
        .with_diff(secs.to_string(), actual),
    ))
}

#[then("the browser's session cookie does not log it in")]
async fn browser_not_logged_in(w: &mut AuthWorld) -> StepResult {
    // The refused answer's cookies (if any) are in the jar: ask with them.
    let kept = w.last()?.clone();
    let name = w.ctx().client.dialect().session_cookie;
    let set = !session_cookies(&kept, name).is_empty();
    let probe = w.browser_send(Call::GetSession, Body::None).await?;
    w.last = Some(kept);
    if probe.status == 401 {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "no session after a refused request",
            format!(
                "whoami with the browser's cookies after a refused request answered {}{}",
                probe.status,
                if set {
                    " (the refused answer set the cookie)"
                } else {
                    ""
                }
            ),
        )
        .with_exchange(&probe),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn altered_tokens() {
        let t = jwt::sign_hs256(&json!({"user_id": "u", "exp": 100}), b"k");
        let none = alg_none(&t).unwrap();
        assert!(none.ends_with('.'));
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(none.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "none");
        assert_eq!(none.split('.').nth(1), t.split('.').nth(1));
        let bare = without_signature(&t).unwrap();
        assert_eq!(bare, t[..=t.rfind('.').unwrap()]);
        let changed = payload_changed(&t).unwrap();
        assert_eq!(changed.rsplit('.').next(), t.rsplit('.').next());
        assert!(jwt::verify_hs256(&changed, b"k").is_none());
        let (_, c) = jwt::decode_unverified(&changed).unwrap();
        assert_eq!(c["exp"], 3700);
        assert!(alg_none("not-a-jwt").is_none());
    }

    fn answer(
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
        sent: &[(&str, &str)],
    ) -> Exchange {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.append(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                reqwest::header::HeaderValue::from_str(v).unwrap(),
            );
        }
        Exchange {
            call: Call::CreateSession,
            method: "POST".into(),
            path: "/admin/auth".into(),
            request_headers: sent
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            request_body: Some(r#"{"email":"a@b.co","password":"Wrong-pw-42"}"#.into()),
            status,
            headers: map,
            body: body.as_bytes().to_vec(),
            truncated: false,
            retries: 0,
        }
    }

    #[test]
    fn echoed_secrets_are_found_and_the_users_own_token_is_not_an_echo() {
        let pw = Secret::new("hunter2-admin");
        let tok = Secret::new("tok_0123456789");
        let header = "x-medusa-access-token";
        let check = |ex: &Exchange| echo_in(ex, &pw, Some(&tok), header).map(|f| f.summary);
        let user = r#"{"user":{"id":"usr_1","api_token":"tok_0123456789"}}"#;
        assert_eq!(check(&answer(200, &[], user, &[])), None);
        assert_eq!(check(&answer(401, &[], "Unauthorized", &[])), None);
        let cases = [
            (
                answer(
                    400,
                    &[],
                    r#"{"message":"password \"Wrong-pw-42\" is invalid"}"#,
                    &[],
                ),
                "the password it was sent, in its body",
            ),
            (
                answer(400, &[], "<pre>hunter2-admin</pre>", &[]),
                "the admin's password, in its body",
            ),
            (
                answer(401, &[("x-debug", "hunter2-admin")], "", &[]),
                "the admin's password, in its x-debug header",
            ),
            (
                answer(401, &[], "no user has tok_0123456789", &[]),
                "the admin's API token, in its body",
            ),
            (
                answer(401, &[], r#"{"user":{"note":"tok_0123456789"}}"#, &[]),
                "the admin's API token, in its body",
            ),
            (
                answer(
                    401,
                    &[],
                    "Unauthorized: TOK_0123456789",
                    &[(header, "TOK_0123456789")],
                ),
                "the API token it was sent, in its body",
            ),
        ];
        for (ex, expected) in cases {
            let found = check(&ex).unwrap_or_default();
            assert!(found.ends_with(expected), "{found} / {expected}");
        }
    }

    #[test]
    fn variants_differ() {
        assert_eq!(swap_case("aB-1").as_deref(), Some("Ab-1"));
        assert_eq!(swap_case("123"), None);
        assert_eq!(change_last("abc"), "abx");
        assert_eq!(change_last("abx"), "aby");
        assert!(looks_like_password_hash("c2NyeXB0AA8AAAAIAAAAAc0mJ1kO"));
        assert!(!looks_like_password_hash("usr_01"));
    }
}
