//! Step definitions: each sentence of the feature files is one request or
//! one check. Steps parse words and call [`crate::client`] and
//! [`crate::check`]; they hold no contract knowledge of their own.

use std::collections::HashMap;
use std::sync::Arc;

use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::check::{self, Failure};
use crate::client::{Auth, Body, Exchange, Extra};
use crate::contract::{Call, SchemaName};
use crate::jwt;
use crate::redact::Secret;
use crate::runner::RunContext;

/// What a failed step reports: the rendered, redacted failure.
#[derive(Debug)]
pub struct StepFailure(String);

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type StepResult = Result<(), StepFailure>;

/// Per-scenario state: its own session (cookies, tokens) and what it saw.
#[derive(Default, cucumber::World)]
#[world(init = Self::default)]
pub struct AuthWorld {
    ctx: Option<Arc<RunContext>>,
    scenario: String,
    pub(crate) last: Option<Exchange>,
    kept: HashMap<String, Exchange>,
    pub(crate) login_user: Option<Value>,
    pub(crate) session_cookie: Option<Secret>,
    second_cookie: Option<Secret>,
    pub(crate) access_token: Option<Secret>,
    /// State of the steps in [`crate::steps_depth`] (browser, origin).
    pub(crate) depth: crate::steps_depth::DepthState,
}

// Printed by cucumber at high verbosity: names what the scenario holds,
// never a value.
impl std::fmt::Debug for AuthWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthWorld")
            .field("scenario", &self.scenario)
            .field("last_status", &self.last.as_ref().map(|e| e.status))
            .field("kept", &self.kept.keys().collect::<Vec<_>>())
            .field(
                "logged_in_user",
                &self.login_user.as_ref().map(|u| u["id"].clone()),
            )
            .field("session_cookie", &self.session_cookie)
            .field("second_cookie", &self.second_cookie)
            .field("access_token", &self.access_token)
            .field("depth", &self.depth)
            .finish()
    }
}

impl AuthWorld {
    /// Gives the scenario its run context (called by the `before` hook).
    pub fn attach(&mut self, ctx: Arc<RunContext>, scenario: &str) {
        self.ctx = Some(ctx);
        self.scenario = scenario.to_owned();
    }

    pub(crate) fn ctx(&self) -> Arc<RunContext> {
        self.ctx
            .clone()
            .expect("the before hook attaches the run context")
    }

    /// Records a failure for the run's summary and renders it redacted.
    pub(crate) fn fail(&self, f: Failure) -> StepFailure {
        let ctx = self.ctx();
        ctx.record_failure(&self.scenario, &f.check);
        StepFailure(f.render(&ctx.redactor))
    }

    pub(crate) fn last(&self) -> Result<&Exchange, StepFailure> {
        self.last.as_ref().ok_or_else(|| {
            self.fail(Failure::new(
                "scenario",
                "no request was sent before this check",
            ))
        })
    }

    /// Sends a request, learns the secrets its response carries, keeps it.
    async fn send(&mut self, call: Call, auth: Auth, body: Body) -> Result<&Exchange, StepFailure> {
        self.send_with(call, auth, body, &Extra::default()).await
    }

    /// Sends a request as [`AuthWorld::send`], with what `extra` adds.
    /// Every exchange of every scenario passes here: the secret-echo check
    /// runs on each one.
    pub(crate) async fn send_with(
        &mut self,
        call: Call,
        auth: Auth,
        body: Body,
        extra: &Extra,
    ) -> Result<&Exchange, StepFailure> {
        let ctx = self.ctx();
        let ex = ctx
            .client
            .send_with(call, &auth, &body, extra)
            .await
            .map_err(|e| self.fail(Failure::new("transport", format!("no HTTP response: {e}"))))?;
        learn_secrets(&ctx, &ex);
        if let Some(f) = crate::steps_depth::echoed_secret(&ctx, &ex) {
            self.last = Some(ex);
            return Err(self.fail(f));
        }
        if ex.retries > 0 {
            ctx.record_retried(
                &self.scenario,
                format!("{} {}", ex.method, ex.path),
                ex.retries,
            );
        }
        self.last = Some(ex);
        Ok(self.last.as_ref().expect("just set"))
    }

    fn session_cookie_of(&self, ex: &Exchange) -> Option<Secret> {
        let name = self.ctx().client.dialect().session_cookie;
        session_cookies(ex, name)
            .into_iter()
            .next()
            .map(Secret::new)
    }

    /// The credentials a phrase of the feature files stands for.
    pub(crate) fn credentials(&self, phrase: &str) -> Result<Auth, StepFailure> {
        let ctx = self.ctx();
        let need = |v: &Option<Secret>, what: &str| {
            v.clone().ok_or_else(|| {
                self.fail(Failure::new(
                    "scenario",
                    format!("this scenario has no {what} yet"),
                ))
            })
        };
        let user_id = self
            .login_user
            .as_ref()
            .and_then(|u| u["id"].as_str())
            .unwrap_or("usr_unknown")
            .to_owned();
        Ok(match phrase {
            "no credentials" => Auth::None,
            "the session cookie" => Auth::Cookie(need(&self.session_cookie, "session cookie")?),
            "the second session cookie" => {
                Auth::Cookie(need(&self.second_cookie, "second session cookie")?)
            }
            "the access token as a bearer" => {
                Auth::Bearer(need(&self.access_token, "access token")?)
            }
            "the API token" => Auth::ApiToken(need(&ctx.api_token, "API token")?),
            "the API token as a bearer" => Auth::Bearer(need(&ctx.api_token, "API token")?),
            "a garbage session cookie" => Auth::Cookie(Secret::new("s%3Agarbage.garbage")),
            "a tampered session cookie" => Auth::Cookie(Secret::new(tamper(
                need(&self.session_cookie, "session cookie")?.expose(),
            ))),
            "a garbage bearer token" => Auth::Bearer(Secret::new("not-a-jwt")),
            "a bearer token signed with another secret" => {
                let now = jwt::now_secs();
                let claims =
                    json!({"user_id": user_id, "domain": "admin", "iat": now, "exp": now + 3600});
                Auth::Bearer(Secret::new(jwt::sign_hs256(
                    &claims,
                    b"medusa-conformance: not the backend's secret",
                )))
            }
            "a wrong API token" => Auth::ApiToken(Secret::new("wrong-api-token-0000000000")),
            other => return crate::steps_depth::credentials(self, other),
        })
    }

    fn require_json(&self, ex: &Exchange) -> Result<Value, StepFailure> {
        check::json_body(ex).map_err(|f| self.fail(f))
    }
}

/// Tells the redactor about every secret a response carries.
fn learn_secrets(ctx: &RunContext, ex: &Exchange) {
    for value in session_cookies(ex, ctx.client.dialect().session_cookie) {
        ctx.redactor.add(&value);
    }
    if let Ok(v) = ex.json() {
        for key in ["access_token", "accessToken", "token"] {
            if let Some(t) = v.get(key).and_then(Value::as_str) {
                ctx.redactor.add(t);
            }
        }
        let user = v.get("user").unwrap_or(&v);
        if let Some(t) = user.get("api_token").and_then(Value::as_str) {
            ctx.redactor.add(t);
        }
    }
}

/// Values of the `name` cookies a response sets.
pub(crate) fn session_cookies(ex: &Exchange, name: &str) -> Vec<String> {
    ex.set_cookies()
        .iter()
        .filter_map(|c| cookie::Cookie::parse(c.as_str()).ok())
        .filter(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
        .collect()
}

/// The cookie with one character of its signature changed.
fn tamper(value: &str) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    let start = value.rfind('.').map(|i| i + 1).unwrap_or(0);
    let i = start + (chars.len() - start) / 2;
    if let Some(c) = chars.get_mut(i) {
        *c = if *c == 'A' { 'B' } else { 'A' };
    }
    chars.into_iter().collect()
}

pub(crate) fn call_of(verb: &str) -> Call {
    if verb == "log in" {
        Call::CreateSession
    } else {
        Call::GetToken
    }
}

pub(crate) fn credentials_body(email: &str, password: &Secret) -> Body {
    Body::Json(json!({"email": email, "password": password.expose()}))
}

// ---- Given -------------------------------------------------------------

impl AuthWorld {
    /// Sends `call` with the admin's credentials as a precondition: it must
    /// answer 200 with a body matching `schema`, else the step fails saying
    /// it could not `what`.
    pub(crate) async fn admin_precondition(
        &mut self,
        call: Call,
        schema: SchemaName,
        what: &str,
    ) -> Result<(Exchange, Value), StepFailure> {
        let ctx = self.ctx();
        let body = credentials_body(&ctx.admin_email, &ctx.admin_password);
        let ex = self.send(call, Auth::None, body).await?.clone();
        check::status(&ex, 200).map_err(|f| self.fail(precondition(f, what)))?;
        let body = check::schema(&ex, schema).map_err(|f| self.fail(precondition(f, what)))?;
        Ok((ex, body))
    }

    /// The session cookie a precondition's login set, or a failure.
    fn required_cookie(&self, ex: &Exchange) -> Result<Secret, StepFailure> {
        self.session_cookie_of(ex)
            .ok_or_else(|| self.fail(no_cookie(ex)))
    }
}

#[given("I am logged in as the admin")]
async fn logged_in(w: &mut AuthWorld) -> StepResult {
    let (ex, body) = w
        .admin_precondition(
            Call::CreateSession,
            SchemaName::AdminAuthRes,
            "log in as the admin",
        )
        .await?;
    w.login_user = Some(body["user"].clone());
    w.session_cookie = Some(w.required_cookie(&ex)?);
    Ok(())
}

#[given("I have logged in a second time in another session")]
async fn second_login(w: &mut AuthWorld) -> StepResult {
    let (ex, _) = w
        .admin_precondition(
            Call::CreateSession,
            SchemaName::AdminAuthRes,
            "log in a second time",
        )
        .await?;
    w.second_cookie = Some(w.required_cookie(&ex)?);
    Ok(())
}

#[given("I have an access token for the admin")]
async fn have_token(w: &mut AuthWorld) -> StepResult {
    let (_, body) = w
        .admin_precondition(
            Call::GetToken,
            SchemaName::AdminBearerAuthRes,
            "get an access token",
        )
        .await?;
    w.access_token = body["access_token"].as_str().map(Secret::new);
    Ok(())
}

fn precondition(mut f: Failure, what: &str) -> Failure {
    f.summary = format!("could not {what}: {}", f.summary);
    f
}

fn no_cookie(ex: &Exchange) -> Failure {
    Failure::new(
        "session cookie",
        "the login response sets no session cookie (a backend in production mode sets it only over https, \
         or with X-Forwarded-Proto: https from a trusted proxy)",
    )
    .with_exchange(ex)
}

// ---- When --------------------------------------------------------------

#[when(regex = r"^I (log in|request an access token) with the admin's e-mail and password$")]
async fn with_good_credentials(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    let ex = w
        .send(
            call_of(&verb),
            Auth::None,
            credentials_body(&ctx.admin_email, &ctx.admin_password),
        )
        .await?
        .clone();
    if let Some(c) = w.session_cookie_of(&ex) {
        w.session_cookie = Some(c);
    }
    if let Some(t) = ex
        .json()
        .ok()
        .and_then(|v| v["access_token"].as_str().map(Secret::new))
    {
        w.access_token = Some(t);
    }
    Ok(())
}

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail in upper case and the admin's password$"
)]
async fn with_upper_case_email(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    w.send(
        call_of(&verb),
        Auth::None,
        credentials_body(&ctx.admin_email.to_uppercase(), &ctx.admin_password),
    )
    .await?;
    Ok(())
}

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail and a wrong password$"
)]
async fn with_wrong_password(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    let wrong = Secret::new(format!("{}-wrong", ctx.admin_password.expose()));
    w.send(
        call_of(&verb),
        Auth::None,
        credentials_body(&ctx.admin_email, &wrong),
    )
    .await?;
    Ok(())
}

#[when(regex = r"^I (log in|request an access token) with an unknown e-mail and a password$")]
async fn with_unknown_email(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    let email = format!(
        "nobody-{}@medusa-conformance.test",
        crate::reference::random_id(10).to_lowercase()
    );
    w.send(
        call_of(&verb),
        Auth::None,
        credentials_body(&email, &ctx.admin_password),
    )
    .await?;
    Ok(())
}

#[when(regex = r"^I (log in|request an access token) with the body (\{.*\})$")]
async fn with_body(w: &mut AuthWorld, verb: String, template: String) -> StepResult {
    let ctx = w.ctx();
    let quoted = |s: &str| serde_json::to_string(s).expect("strings serialise");
    let text = template
        .replace("\"{{email}}\"", &quoted(&ctx.admin_email))
        .replace("\"{{password}}\"", &quoted(ctx.admin_password.expose()));
    if serde_json::from_str::<Value>(&text).is_err() {
        return Err(w.fail(Failure::new(
            "scenario",
            format!("the body in the feature file is not JSON: {template}"),
        )));
    }
    w.send(call_of(&verb), Auth::None, Body::RawJson(text))
        .await?;
    Ok(())
}

#[when(regex = r#"^I (log in|request an access token) with the raw body "(.*)" sent as JSON$"#)]
async fn with_raw_body(w: &mut AuthWorld, verb: String, raw: String) -> StepResult {
    w.send(call_of(&verb), Auth::None, Body::RawJson(raw))
        .await?;
    Ok(())
}

#[when(regex = r"^I ask who I am with (.+)$")]
async fn whoami(w: &mut AuthWorld, phrase: String) -> StepResult {
    let auth = w.credentials(&phrase)?;
    w.send(Call::GetSession, auth, Body::None).await?;
    Ok(())
}

#[when(regex = r"^I log out with (.+)$")]
async fn logout(w: &mut AuthWorld, phrase: String) -> StepResult {
    let auth = w.credentials(&phrase)?;
    w.send(Call::DeleteSession, auth, Body::None).await?;
    Ok(())
}

// ---- Then --------------------------------------------------------------

#[then(regex = r"^the response status is (\d{3})$")]
async fn status_is(w: &mut AuthWorld, expected: u16) -> StepResult {
    check::status(w.last()?, expected).map_err(|f| w.fail(f))
}

#[then(regex = r#"^the response body matches the "(\w+)" schema$"#)]
async fn matches_schema(w: &mut AuthWorld, name: String) -> StepResult {
    let Some(schema) = SchemaName::parse(&name) else {
        return Err(w.fail(Failure::new("scenario", format!("no schema named {name}"))));
    };
    check::schema(w.last()?, schema)
        .map(|_| ())
        .map_err(|f| w.fail(f))
}

#[then("the response user has the admin's e-mail")]
async fn user_has_admin_email(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let body = w.require_json(ex)?;
    let expected = w.ctx().admin_email.to_lowercase();
    let actual = body["user"]["email"]
        .as_str()
        .unwrap_or("(no user.email)")
        .to_owned();
    if actual == expected {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "user e-mail",
            "the user is not the admin (e-mails are stored lower-cased)",
        )
        .with_exchange(ex)
        .with_diff(expected, actual),
    ))
}

#[then("the response user is the user who logged in")]
async fn same_user(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let body = w.require_json(ex)?;
    let Some(expected) = &w.login_user else {
        return Err(w.fail(Failure::new(
            "scenario",
            "no user has logged in in this scenario",
        )));
    };
    check::same_json(
        "same user",
        "the user is not the one who logged in",
        expected,
        &body["user"],
        Some(ex),
    )
    .map_err(|f| w.fail(f))
}

#[then("the response sets an HttpOnly session cookie")]
async fn sets_http_only_cookie(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let ctx = w.ctx();
    let name = ctx.client.dialect().session_cookie;
    let parsed: Vec<cookie::Cookie<'_>> = ex
        .set_cookies()
        .iter()
        .filter_map(|c| cookie::Cookie::parse(c.clone()).ok())
        .filter(|c| c.name() == name && !c.value().is_empty())
        .collect();
    let Some(c) = parsed.last() else {
        return Err(w.fail(no_cookie(ex)));
    };
    let mut problems = Vec::new();
    if c.http_only() != Some(true) {
        problems.push("it is not HttpOnly: scripts in the page could read the session");
    }
    if ctx.client.base_url().scheme() == "https" && c.secure() != Some(true) {
        problems.push("it is not Secure although the backend is served over https");
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "session cookie attributes",
            format!("the {name} cookie is unsafe: {}", problems.join("; ")),
        )
        .with_exchange(ex),
    ))
}

#[then("the response does not reveal the user")]
async fn does_not_reveal_user(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let ctx = w.ctx();
    let text = ex.body_text().to_lowercase();
    let user_id = w
        .login_user
        .as_ref()
        .and_then(|u| u["id"].as_str())
        .map(str::to_lowercase);
    let has_user = ex
        .json()
        .ok()
        .is_some_and(|v| v.get("user").is_some() || v.get("email").is_some());
    let leaks = has_user
        || text.contains(&ctx.admin_email.to_lowercase())
        || user_id.is_some_and(|id| text.contains(&id));
    if !leaks {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "no user revealed",
            "a refused request got the user's data back",
        )
        .with_exchange(ex),
    ))
}

#[then("the response does not start a logged-in session")]
async fn no_logged_in_session(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?.clone();
    let name = w.ctx().client.dialect().session_cookie;
    for value in session_cookies(&ex, name) {
        let probe = w
            .send(
                Call::GetSession,
                Auth::Cookie(Secret::new(value)),
                Body::None,
            )
            .await?
            .clone();
        if probe.status != 401 {
            return Err(w.fail(
                Failure::new(
                    "no session after a failed login",
                    format!(
                        "the cookie set by a refused login is accepted: whoami with it answered {}",
                        probe.status
                    ),
                )
                .with_exchange(&probe),
            ));
        }
    }
    w.last = Some(ex);
    Ok(())
}

#[then(regex = r#"^I keep the response as "(.+)"$"#)]
async fn keep_response(w: &mut AuthWorld, name: String) -> StepResult {
    let ex = w.last()?.clone();
    w.kept.insert(name, ex);
    Ok(())
}

#[then(regex = r#"^the response is answered the same way as "(.+)"$"#)]
async fn answered_the_same_way(w: &mut AuthWorld, name: String) -> StepResult {
    let ex = w.last()?;
    let Some(earlier) = w.kept.get(&name) else {
        return Err(w.fail(Failure::new(
            "scenario",
            format!("no response was kept as \"{name}\""),
        )));
    };
    let (expected, actual) = (answer_shape(earlier), answer_shape(ex));
    if expected == actual {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "same answer",
            format!("the answer differs from \"{name}\": a client can tell which e-mails have an account"),
        )
        .with_exchange(ex)
        .with_diff(expected, actual),
    ))
}

/// Status, media type and body of a response, for comparing two answers.
fn answer_shape(ex: &Exchange) -> String {
    let media = ex
        .content_type()
        .map(|c| c.split(';').next().unwrap_or("").trim().to_owned());
    let body = match ex.json() {
        Ok(v) => check::pretty(&v),
        Err(_) => ex.body_text(),
    };
    format!(
        "status: {}\ncontent-type: {}\nbody: {body}",
        ex.status,
        media.as_deref().unwrap_or("(none)")
    )
}

#[then(regex = r#"^the response is an "(\w+)" error saying "(.*)"$"#)]
async fn error_saying(w: &mut AuthWorld, kind: String, message: String) -> StepResult {
    let ex = w.last()?;
    let body = check::schema(ex, SchemaName::Error).map_err(|f| w.fail(f))?;
    error_type_is(w, ex, &body, &kind)?;
    let actual = body["message"].as_str().unwrap_or_default();
    // class-validator's order is not part of the contract: each constraint
    // message must be there, in any order.
    let missing: Vec<&str> = message
        .split(", ")
        .filter(|part| !actual.contains(part))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "error message",
            format!("the error message does not say: {}", missing.join("; ")),
        )
        .with_exchange(ex)
        .with_diff(message.replace(", ", "\n"), actual.replace(", ", "\n")),
    ))
}

fn error_type_is(w: &AuthWorld, ex: &Exchange, body: &Value, kind: &str) -> StepResult {
    let actual = body["type"].as_str().unwrap_or("(no type)");
    if actual == kind {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "error type",
            format!("expected an error of type {kind}, got {actual}"),
        )
        .with_exchange(ex)
        .with_diff(kind, actual),
    ))
}

#[then(regex = r#"^the response body, if JSON, is an "(\w+)" error$"#)]
async fn if_json_error(w: &mut AuthWorld, kind: String) -> StepResult {
    let ex = w.last()?;
    if !ex.is_json() {
        return Ok(());
    }
    let body = check::schema(ex, SchemaName::Error).map_err(|f| w.fail(f))?;
    error_type_is(w, ex, &body, &kind)
}

#[then("the response does not contain an access token")]
async fn no_access_token(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let keys = ex
        .json()
        .ok()
        .is_some_and(|v| v.get("access_token").is_some() || v.get("accessToken").is_some());
    let jwt_shaped = ex
        .body_text()
        .split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .any(|word| jwt::decode_unverified(word).is_some());
    if !keys && !jwt_shaped {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "no access token",
            "a refused token request got an access token",
        )
        .with_exchange(ex),
    ))
}

#[then("the access token is a well-formed JWT")]
async fn token_is_jwt(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let body = w.require_json(ex)?;
    let token = body["access_token"].as_str().unwrap_or_default();
    let problem = match jwt::decode_unverified(token) {
        None => {
            Some("it is not three base64url parts holding a JSON header and JSON claims".to_owned())
        }
        Some((header, claims)) => {
            let alg = header["alg"].as_str().unwrap_or("none");
            if alg.eq_ignore_ascii_case("none") {
                Some("it is not signed (alg none)".to_owned())
            } else if claims["exp"]
                .as_i64()
                .is_none_or(|exp| exp <= jwt::now_secs())
            {
                Some(format!(
                    "its exp claim is missing or past: {}",
                    claims["exp"]
                ))
            } else {
                None
            }
        }
    };
    match problem {
        None => {
            w.access_token = Some(Secret::new(token));
            Ok(())
        }
        Some(p) => Err(w.fail(
            Failure::new(
                "access token is a JWT",
                format!("the access token is not a usable JWT: {p}"),
            )
            .with_exchange(ex),
        )),
    }
}

#[then(regex = r#"^the response body is the text "(.*)"$"#)]
async fn body_is_text(w: &mut AuthWorld, expected: String) -> StepResult {
    let ex = w.last()?;
    let actual = ex.body_text();
    if actual.trim() == expected {
        return Ok(());
    }
    Err(w.fail(
        Failure::new("body text", format!("expected the body \"{expected}\""))
            .with_exchange(ex)
            .with_diff(expected, actual),
    ))
}
