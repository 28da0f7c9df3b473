//! The per-scenario state ([`AuthWorld`]) and what every step does with
//! it: send a request (learning the secrets its answer carries, and
//! failing if it echoes one back or does not look as its route row says),
//! name credentials, and turn a check's failure into a rendered, redacted
//! step failure.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::core::answer;
use crate::core::check::{self, Failure};
use crate::core::contract::Call;
use crate::core::echo::echoed_secret;
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::jwt;
use crate::core::record::{RetriedRequest, ReusedAnswer, ScenarioKey};
use crate::core::redact::{Redactor, Secret};
use crate::http::{Extra, Jar};
use crate::suite::context::SuiteContext;

/// What a failed step reports: the rendered, redacted failure.
#[derive(Debug)]
pub struct StepFailure(String);

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a step returns.
pub type StepResult = Result<(), StepFailure>;

/// Per-scenario state: its own session (cookies, tokens) and what it saw.
#[derive(Default, cucumber::World)]
#[world(init = Self::default)]
pub struct AuthWorld {
    ctx: Option<Arc<SuiteContext>>,
    scenario: String,
    /// The run's redactor, scoped to this scenario: it learns the tokens
    /// this scenario receives, and forgets them when the scenario is gone.
    redactor: Redactor,
    key: Option<ScenarioKey>,
    pub(super) last: Option<Exchange>,
    pub(super) kept: HashMap<String, Exchange>,
    pub(super) login_user: Option<Value>,
    pub(super) session_cookie: Option<Secret>,
    pub(super) second_cookie: Option<Secret>,
    pub(super) access_token: Option<Secret>,
    /// The browser's cookie jar (the steps that act as a browser).
    pub(super) jar: Jar,
    /// The origin of the last cross-origin request.
    pub(super) origin: Option<String>,
    /// The scenario's last request, when it was a refused token request,
    /// and the phrase that sent it (see [`AuthWorld::request_token`]).
    refused: Option<(TokenStep, Exchange)>,
    /// A world of no scenario (the run's first login): its failures are
    /// nobody's, and are not recorded.
    quiet: bool,
}

/// The name the run's first login goes by (see
/// [`AuthWorld::fetch_admin_token`]).
const FIRST_LOGIN: &str = "(the shared token, fetched before the scenarios)";

/// The two phrases that send a token request: "log in" on a dialect
/// whose login starts with one (v2), and "request an access token". v1
/// sends them to two routes; v2 sends both as `POST /auth/user/emailpass`
/// with the same body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenStep {
    /// "log in": the token request a session is then opened with.
    LogIn,
    /// "request an access token".
    RequestToken,
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
            .field("jar", &self.jar)
            .field("origin", &self.origin)
            .field(
                "refused_token_request",
                &self.refused.as_ref().map(|(step, _)| step),
            )
            .finish()
    }
}

impl AuthWorld {
    /// Gives the scenario its run context, its name and where it is
    /// (called by the `before` hook).
    pub fn attach(&mut self, ctx: Arc<SuiteContext>, scenario: &str, key: ScenarioKey) {
        self.redactor = ctx.redactor.scoped();
        self.ctx = Some(ctx);
        self.scenario = scenario.to_owned();
        self.key = Some(key);
    }

    /// The scenario's redactor: the run's secrets and this scenario's tokens.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// A world with `redactor` and nothing else, for unit tests.
    #[cfg(test)]
    pub(crate) fn with_redactor(redactor: Redactor) -> AuthWorld {
        AuthWorld {
            redactor,
            ..AuthWorld::default()
        }
    }

    pub(super) fn ctx(&self) -> Arc<SuiteContext> {
        self.ctx
            .clone()
            .expect("the before hook attaches the run context")
    }

    /// Records a failure for the run's summary and renders it redacted.
    pub(super) fn fail(&self, f: Failure) -> StepFailure {
        if !self.quiet {
            self.ctx().record_failure(&self.scenario, &f.check);
        }
        StepFailure(f.render(&self.redactor))
    }

    /// Fetches the run's shared admin token ([`AuthWorld::admin_token`])
    /// before any scenario asks for it, so that its login is the run's
    /// first request: on Medusa v2 every precondition waits for it, and a
    /// login sent after the first scenarios' own logins would queue behind
    /// their password hashes. The login is checked as a precondition's is;
    /// a failure is nobody's: nothing is kept or recorded, and the first
    /// scenario that needs the token logs in itself and reports its own.
    pub async fn fetch_admin_token(ctx: Arc<SuiteContext>) {
        let mut w = AuthWorld {
            quiet: true,
            ..AuthWorld::default()
        };
        w.attach(ctx, FIRST_LOGIN, ScenarioKey::default());
        let _ = w.admin_token("log in before the scenarios").await;
    }

    /// A failure of the scenario itself (a phrase it cannot do).
    pub(super) fn scenario_error(&self, summary: impl Into<String>) -> StepFailure {
        self.fail(Failure::new("scenario", summary))
    }

    /// The last exchange, or a failure if nothing was sent yet.
    pub(super) fn last(&self) -> Result<&Exchange, StepFailure> {
        self.last
            .as_ref()
            .ok_or_else(|| self.scenario_error("no request was sent before this check"))
    }

    /// Sends a request, learns the secrets its response carries, keeps it.
    pub(super) async fn send(
        &mut self,
        call: Call,
        auth: Auth,
        body: Body,
    ) -> Result<&Exchange, StepFailure> {
        self.send_with(call, auth, body, &Extra::default()).await
    }

    /// Sends a request as [`AuthWorld::send`] does, with what `extra` adds.
    /// Every exchange of every scenario passes here, so two checks run on
    /// each one and fail the step: the secret-echo check (the answer
    /// carries a secret back), then the route row (the answer does not
    /// look as its route's row says an answer with its status must).
    pub(super) async fn send_with(
        &mut self,
        call: Call,
        auth: Auth,
        body: Body,
        extra: &Extra,
    ) -> Result<&Exchange, StepFailure> {
        let ctx = self.ctx();
        // Another request goes out: the refused one is no longer the last.
        self.refused = None;
        let started = std::time::Instant::now();
        let sent = ctx
            .client
            .send_traced_with(call, &auth, &body, extra)
            .await
            .map_err(|e| self.fail(Failure::new("transport", format!("no HTTP response: {e}"))))?;
        if let Some(l) = &ctx.latencies {
            // Retries included: the time the scenario waited for its answer.
            let path = ctx.client.dialect().route(call).path;
            l.record(
                &format!("{} {path}", sent.exchange.method),
                started.elapsed(),
            );
        }
        learn_secrets(
            &self.redactor,
            ctx.client.dialect().session_cookie,
            &sent.exchange,
        );
        ctx.judge_passive(&sent.exchange, &self.redactor);
        if !sent.retry_errors.is_empty() {
            ctx.record_retried(RetriedRequest {
                scenario: self.scenario.clone(),
                key: self.key.clone(),
                request: sent.exchange.request_line(),
                retries: sent.exchange.retries,
                errors: sent.retry_errors,
            });
        }
        self.keep_checked(sent.exchange)?;
        Ok(self.last.as_ref().expect("just set"))
    }

    /// Keeps `ex` as the scenario's last answer, then runs the two checks
    /// every answer gets: the secret-echo check, then the route row.
    fn keep_checked(&mut self, ex: Exchange) -> Result<(), StepFailure> {
        let ctx = self.ctx();
        let dialect = ctx.client.dialect();
        let echoed = echoed_secret(
            &ex,
            &ctx.admin_password,
            ctx.api_token.as_ref(),
            dialect.api_token_header,
        );
        let row = answer::route_row(dialect, &ex);
        self.last = Some(ex);
        if let Some(f) = echoed {
            return Err(self.fail(f));
        }
        row.map_err(|f| self.fail(f))
    }

    /// Logs in with `body` as the dialect does it: v1 posts the
    /// credentials to its session route; v2 logs in for a token and, if it
    /// got one, opens a session with it as a bearer. Returns the last
    /// answer: the session's, or the refused token request's.
    pub(super) async fn log_in(&mut self, body: Body) -> Result<Exchange, StepFailure> {
        self.log_in_with(body, &Extra::default()).await
    }

    /// Logs in as [`AuthWorld::log_in`] does, each request with what
    /// `extra` adds (a browser's cookie jar).
    pub(super) async fn log_in_with(
        &mut self,
        body: Body,
        extra: &Extra,
    ) -> Result<Exchange, StepFailure> {
        let dialect = self.ctx().client.dialect();
        if !dialect.session_from_token {
            return Ok(self
                .send_with(Call::CreateSession, Auth::None, body, extra)
                .await?
                .clone());
        }
        let ex = self.request_token(TokenStep::LogIn, body, extra).await?;
        let Some(token) = self.token_in(&ex).filter(|_| ex.status == 200) else {
            return Ok(ex);
        };
        self.open_session(token, extra).await
    }

    /// Sends the token request of `step` with `body` (and what `extra`
    /// adds), unless the scenario's last request was this very request,
    /// sent by the other phrase and refused (4xx): then that answer is
    /// this step's too, checked again as every answer is, and the run notes
    /// that it was not sent again. A backend gets the same bytes either way
    /// (v2 sends both phrases as one request), and a refusal left nothing
    /// behind to tell the two apart; an answer that is not a refusal, any
    /// request in between, or the same phrase twice sends it for real.
    /// Saves one password check (scrypt on Medusa v2) per such pair.
    pub(super) async fn request_token(
        &mut self,
        step: TokenStep,
        body: Body,
        extra: &Extra,
    ) -> Result<Exchange, StepFailure> {
        let ctx = self.ctx();
        if let Some((earlier_step, earlier)) = self.refused.take()
            && earlier_step != step
            && ctx
                .client
                .sends_again(&earlier, Call::GetToken, &Auth::None, &body, extra)
        {
            return self.check_again(earlier);
        }
        let ex = self
            .send_with(Call::GetToken, Auth::None, body, extra)
            .await?
            .clone();
        if (400..500).contains(&ex.status) {
            self.refused = Some((step, ex.clone()));
        }
        Ok(ex)
    }

    /// Takes `earlier`, the previous step's refused answer to the same
    /// request, as this step's answer: the checks every answer gets (a
    /// secret echoed, the route row) run on it again, and the run notes
    /// that the request was not sent again.
    fn check_again(&mut self, earlier: Exchange) -> Result<Exchange, StepFailure> {
        let ctx = self.ctx();
        ctx.record_reused(ReusedAnswer {
            scenario: self.scenario.clone(),
            key: self.key.clone(),
            request: earlier.request_line(),
        });
        self.keep_checked(earlier.clone())?;
        Ok(earlier)
    }

    /// Opens a session with `token` as a bearer (v2's `POST /auth/session`,
    /// a new session each time), with what `extra` adds and the https hint.
    async fn open_session(
        &mut self,
        token: Secret,
        extra: &Extra,
    ) -> Result<Exchange, StepFailure> {
        let mut extra = extra.clone();
        extra.headers.extend(self.https_hint().headers);
        Ok(self
            .send_with(Call::CreateSession, Auth::Bearer(token), Body::None, &extra)
            .await?
            .clone())
    }

    /// The admin's access token for a precondition: got with a real login
    /// (which must answer 200 with the route's success schema) by the
    /// run's first scenario that needs it, then shared by the run's other
    /// scenarios (see [`crate::suite::context::TokenCache`] for why that
    /// is sound). Scenarios waiting for that first login wait for it.
    pub(super) async fn admin_token(&mut self, what: &str) -> Result<Secret, StepFailure> {
        let ctx = self.ctx();
        let cell = ctx.admin_login();
        let me = &mut *self;
        let token = cell
            .token
            .get_or_try_init(move || async move {
                let body = credentials_body(&ctx.admin_email, &ctx.admin_password);
                let ex = me.send(Call::GetToken, Auth::None, body).await?.clone();
                let body = me.checked_precondition(&ex, what)?;
                let Some(token) = body[ctx.client.dialect().token_key].as_str() else {
                    return Err(me.scenario_error(format!("could not {what}: no token")));
                };
                // Every scenario's output masks it from now on.
                ctx.redactor.add(token);
                Ok(Secret::new(token))
            })
            .await?
            .clone();
        Ok(token)
    }

    /// What a v2 session request adds over plain http: `medusa start`
    /// runs in production mode and sets its session cookie only for
    /// https, so the harness says what the TLS proxy in front of such a
    /// backend says (`X-Forwarded-Proto: https`; the cookie is then
    /// `Secure`, and sent back by hand). Over https, nothing.
    pub(super) fn https_hint(&self) -> Extra {
        let ctx = self.ctx();
        let headers = if ctx.client.base_url().scheme() == "http" {
            vec![("x-forwarded-proto".to_owned(), "https".to_owned())]
        } else {
            Vec::new()
        };
        Extra {
            headers,
            ..Extra::default()
        }
    }

    /// The token a token answer `ex` carries, under the dialect's key.
    pub(super) fn token_in(&self, ex: &Exchange) -> Option<Secret> {
        let key = self.ctx().client.dialect().token_key;
        let body = ex.json().ok()?;
        body[key].as_str().map(Secret::new)
    }

    /// Whether the dialect's login answer holds the user record (v1), so
    /// a login's user can be read from it; v2's holds the token's claims.
    pub(super) fn login_answer_has_the_user(&self) -> bool {
        let d = self.ctx().client.dialect();
        d.route(Call::CreateSession).success_schema() == d.route(Call::GetSession).success_schema()
    }

    /// The user a login's answer `ex` (with JSON `body`) logged in: in its
    /// body (v1), or asked of whoami with the session it set (v2). The
    /// last exchange stays the login's.
    pub(super) async fn user_of_login(
        &mut self,
        ex: &Exchange,
        body: &Value,
    ) -> Result<Value, StepFailure> {
        if self.login_answer_has_the_user() {
            return Ok(body["user"].clone());
        }
        let cookie = self.required_cookie(ex)?;
        let me = self
            .send(Call::GetSession, Auth::Cookie(cookie), Body::None)
            .await?
            .clone();
        self.last = Some(ex.clone());
        check::status(&me, 200).map_err(|f| self.fail(precondition(f, "ask who logged in")))?;
        let body = check::json_body(&me).map_err(|f| self.fail(f))?;
        Ok(body["user"].clone())
    }

    /// The user a precondition's admin login `ex` (with JSON `body`)
    /// logged in: in its body (v1), or, where sessions are opened with the
    /// run's shared token (v2), the user that token stands for, asked of
    /// whoami once per run by the first precondition (see
    /// [`crate::suite::context::TokenCache`]).
    pub(super) async fn admin_user(
        &mut self,
        ex: &Exchange,
        body: &Value,
    ) -> Result<Value, StepFailure> {
        // v1 logs each precondition in with the credentials: its answer
        // names the user.
        if !self.ctx().client.dialect().session_from_token {
            return self.user_of_login(ex, body).await;
        }
        let cell = self.ctx().admin_login();
        let me = &mut *self;
        Ok(cell
            .user
            .get_or_try_init(move || async move { me.user_of_login(ex, body).await })
            .await?
            .clone())
    }

    /// The dialect's session cookie values `ex` sets.
    pub(super) fn session_cookies(&self, ex: &Exchange) -> Vec<Secret> {
        let name = self.ctx().client.dialect().session_cookie;
        ex.cookies_named(name)
            .iter()
            .map(|c| Secret::new(c.value()))
            .collect()
    }

    /// The first session cookie `ex` sets.
    pub(super) fn session_cookie_of(&self, ex: &Exchange) -> Option<Secret> {
        self.session_cookies(ex).into_iter().next()
    }

    /// The credentials a phrase of the feature files stands for.
    pub(super) fn credentials(&self, phrase: &str) -> Result<Auth, StepFailure> {
        let ctx = self.ctx();
        let need = |v: &Option<Secret>, what: &str| {
            v.clone()
                .ok_or_else(|| self.scenario_error(format!("this scenario has no {what} yet")))
        };
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
            "a bearer token signed with another secret" => Auth::Bearer(self.foreign_jwt()),
            "a wrong API token" => Auth::ApiToken(Secret::new("wrong-api-token-0000000000")),
            // Altered and forged tokens, and API token variants.
            other => return self.token_credentials(other),
        })
    }

    /// A well-formed admin JWT for the logged-in user, signed with a secret
    /// the backend does not have.
    fn foreign_jwt(&self) -> Secret {
        let user_id = self
            .login_user
            .as_ref()
            .and_then(|u| u["id"].as_str())
            .unwrap_or("usr_unknown");
        let now = jwt::now_secs();
        // The claims the dialect's own tokens carry: only the signature is wrong.
        let claims = if self.ctx().client.dialect().session_from_token {
            json!({"actor_id": user_id, "actor_type": "user", "auth_identity_id": "authid_unknown",
                "app_metadata": {"user_id": user_id}, "iat": now, "exp": now + 3600})
        } else {
            json!({"user_id": user_id, "domain": "admin", "iat": now, "exp": now + 3600})
        };
        Secret::new(jwt::sign_hs256(
            &claims,
            b"medusa-conformance: not the backend's secret",
        ))
    }

    /// The body of `ex` as JSON, or a failure.
    pub(super) fn require_json(&self, ex: &Exchange) -> Result<Value, StepFailure> {
        check::json_body(ex).map_err(|f| self.fail(f))
    }

    /// Logs in as the admin as a precondition: it must answer 200 with a
    /// body matching the route's success schema, else the step fails
    /// saying it could not `what`. On a dialect that opens sessions from a
    /// token, the token is the run's shared one ([`AuthWorld::admin_token`])
    /// and the session a new one of this scenario's own.
    pub(super) async fn admin_login(
        &mut self,
        what: &str,
    ) -> Result<(Exchange, Value), StepFailure> {
        let ctx = self.ctx();
        let ex = if ctx.client.dialect().session_from_token {
            let token = self.admin_token(what).await?;
            self.open_session(token, &Extra::default()).await?
        } else {
            let body = credentials_body(&ctx.admin_email, &ctx.admin_password);
            self.send(Call::CreateSession, Auth::None, body)
                .await?
                .clone()
        };
        let body = self.checked_precondition(&ex, what)?;
        Ok((ex, body))
    }

    /// The body of a precondition's answer `ex`: it must be 200 with the
    /// route's success schema, else a failure saying it could not `what`.
    fn checked_precondition(&self, ex: &Exchange, what: &str) -> Result<Value, StepFailure> {
        check::status(ex, 200).map_err(|f| self.fail(precondition(f, what)))?;
        match self.ctx().client.dialect().route(ex.call).success_schema() {
            Some(schema) => check::schema(ex, schema),
            None => check::json_body(ex),
        }
        .map_err(|f| self.fail(precondition(f, what)))
    }

    /// The session cookie a precondition's login set, or a failure.
    pub(super) fn required_cookie(&self, ex: &Exchange) -> Result<Secret, StepFailure> {
        self.session_cookie_of(ex)
            .ok_or_else(|| self.fail(no_cookie(ex)))
    }
}

/// Tells the scenario's redactor about every secret a response carries.
fn learn_secrets(redactor: &Redactor, session_cookie: &str, ex: &Exchange) {
    for c in ex.cookies_named(session_cookie) {
        redactor.add(c.value());
    }
    if let Ok(v) = ex.json() {
        for key in ["access_token", "accessToken", "token"] {
            if let Some(t) = v.get(key).and_then(Value::as_str) {
                redactor.add(t);
            }
        }
        let user = v.get("user").unwrap_or(&v);
        if let Some(t) = user.get("api_token").and_then(Value::as_str) {
            redactor.add(t);
        }
    }
}

/// The cookie with one character of its signature changed. The character
/// is a plain letter or digit, never part of a `%XX` escape: changing an
/// escape's hex digit can make the value fail to decode at all, and then
/// a backend that skips the signature check still refuses it (the fault
/// would go unnoticed by chance).
fn tamper(value: &str) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    let start = value.rfind('.').map(|i| i + 1).unwrap_or(0);
    let plain = |i: usize| {
        chars[i].is_ascii_alphanumeric()
            && !(i >= 1 && chars[i - 1] == '%')
            && !(i >= 2 && chars[i - 2] == '%')
    };
    let mid = start + (chars.len() - start) / 2;
    // The plain character nearest the middle of the signature.
    let at = (0..chars.len())
        .flat_map(|d| [mid.checked_sub(d), Some(mid + d)])
        .flatten()
        .find(|&i| i >= start && i < chars.len() && plain(i));
    if let Some(i) = at {
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    }
    chars.into_iter().collect()
}

/// A login or token request body.
pub(super) fn credentials_body(email: &str, password: &Secret) -> Body {
    Body::Json(json!({"email": email, "password": password.expose()}))
}

fn precondition(mut f: Failure, what: &str) -> Failure {
    f.summary = format!("could not {what}: {}", f.summary);
    f
}

/// The failure of a login that set no session cookie.
pub(super) fn no_cookie(ex: &Exchange) -> Failure {
    Failure::new(
        "session cookie",
        "the login response sets no session cookie (a backend in production mode sets it only over https, \
         or with X-Forwarded-Proto: https from a trusted proxy)",
    )
    .with_exchange(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::redact::MASK;
    use crate::suite::steps::testing::{
        EMAIL, PASSWORD, USER_JSON, against, answer, json, ok_json, world,
    };

    #[test]
    fn tampering_changes_one_plain_character_of_the_signature() {
        let cookie = "s%3Asid123.abc%2Bdef";
        let t = tamper(cookie);
        assert_ne!(t, cookie);
        assert!(t.starts_with("s%3Asid123."), "{t}");
        assert!(t.contains("%2B"), "escapes stay whole: {t}");
        assert_eq!(
            t.chars()
                .zip(cookie.chars())
                .filter(|(a, b)| a != b)
                .count(),
            1
        );
        // The middle of this signature is an escape's hex digit.
        let t = tamper("s%3Asid.ab%2Bcd");
        assert!(t.contains("%2B") && t != "s%3Asid.ab%2Bcd", "{t}");
    }

    // Exact results pin where the change lands: the middle of the
    // signature (after the last dot), else the nearest plain character.
    #[test]
    fn tampering_changes_the_plain_character_nearest_the_middle() {
        for (cookie, tampered) in [
            ("s%3Asid.abcdefghij", "s%3Asid.abcdeAghij"),
            ("s%3Asid.abcdef", "s%3Asid.abcAef"),
            // An 'A' becomes a 'B', so the value always changes.
            ("s%3Asid.xyAqr", "s%3Asid.xyBqr"),
            // The middle is an escape's second hex digit, the one below
            // its first: the nearest plain character is above.
            ("s.%2Fab", "s.%2FAb"),
            ("s.ab%2Fcdefghij", "s.ab%2FcAefghij"),
            ("s%3Asid123.abc%2Bdef", "s%3Asid123.abA%2Bdef"),
            ("s%3Asid.ab%2Bcd", "s%3Asid.aA%2Bcd"),
            // No dot: the whole value is the signature.
            ("nodot12345", "nodotA2345"),
            // Nothing plain in the signature: left as it is (never a
            // character of the session id, never past the end).
            ("s.%2F", "s.%2F"),
        ] {
            assert_eq!(tamper(cookie), tampered, "tamper({cookie:?})");
        }
    }

    #[test]
    fn learns_every_token_an_answer_carries() {
        let redactor = Redactor::new().scoped();
        let ex = answer(
            Call::CreateSession,
            200,
            &[
                ("content-type", "application/json"),
                ("set-cookie", "connect.sid=cookie-value-one; Path=/"),
                ("set-cookie", "other=not-a-session-value; Path=/"),
            ],
            r#"{"access_token":"token-alpha","accessToken":"token-beta","token":"token-gamma",
                "user":{"api_token":"token-delta"}}"#,
        );
        learn_secrets(&redactor, "connect.sid", &ex);
        for secret in [
            "cookie-value-one",
            "token-alpha",
            "token-beta",
            "token-gamma",
            "token-delta",
        ] {
            assert_eq!(redactor.mask(secret), MASK, "{secret} learnt");
        }
        assert_eq!(
            redactor.mask("not-a-session-value"),
            "not-a-session-value",
            "only the dialect's session cookie is a secret"
        );
        // A user answered at the top level carries its API token there.
        let redactor = Redactor::new().scoped();
        learn_secrets(
            &redactor,
            "connect.sid",
            &json(200, r#"{"id":"usr_1","api_token":"token-epsilon"}"#),
        );
        assert_eq!(redactor.mask("token-epsilon"), MASK);
    }

    #[test]
    fn attaching_gives_the_run_redactor_and_the_scenario_name() {
        let base = world();
        let ctx = base.ctx();
        ctx.redactor.add("run-wide-secret");
        let mut w = AuthWorld::default();
        w.attach(ctx.clone(), "the attached scenario", ScenarioKey::default());
        assert_eq!(w.redactor().mask("run-wide-secret"), MASK);
        assert!(Arc::ptr_eq(&w.ctx(), &ctx));
        let failure = w.scenario_error("a made-up failure");
        assert!(
            failure.to_string().contains("a made-up failure"),
            "{failure}"
        );
        let failures = ctx.failures();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].scenario, "the attached scenario");
        assert_eq!(failures[0].check, "scenario");
    }

    #[test]
    fn a_failure_shows_its_rendered_text_masked() {
        let w = world();
        w.redactor().add("scenario-token-1234");
        let failure = w.fail(Failure::new("status", "saw scenario-token-1234"));
        let shown = failure.to_string();
        assert_eq!(shown, failure.0);
        assert!(shown.contains("status") && shown.contains(MASK), "{shown}");
        assert!(!shown.contains("scenario-token-1234"), "{shown}");
    }

    #[test]
    fn debug_names_what_the_world_holds_never_a_value() {
        let mut w = world();
        w.session_cookie = Some(Secret::new("s%3Acookie-secret.sig"));
        w.origin = Some("https://origin.test".into());
        let shown = format!("{w:?}");
        assert!(shown.starts_with("AuthWorld"), "{shown}");
        assert!(shown.contains("scenario: \"unit\""), "{shown}");
        assert!(shown.contains("https://origin.test"), "{shown}");
        assert!(!shown.contains("cookie-secret"), "{shown}");
    }

    #[test]
    fn the_last_exchange_is_required() {
        let w = world();
        assert!(w.last().is_err(), "nothing sent yet");
        let mut w = world();
        w.last = Some(json(418, "{}"));
        assert_eq!(w.last().map(|e| e.status).ok(), Some(418));
    }

    #[test]
    fn session_cookies_are_the_dialects_cookie_values() {
        let w = world();
        let ex = answer(
            Call::CreateSession,
            200,
            &[
                ("set-cookie", "other=zzzz-other; Path=/"),
                ("set-cookie", "connect.sid=first-cookie; Path=/"),
                ("set-cookie", "connect.sid=second-cookie; Path=/"),
            ],
            "{}",
        );
        let values: Vec<String> = w
            .session_cookies(&ex)
            .iter()
            .map(|s| s.expose().to_owned())
            .collect();
        assert_eq!(values, ["first-cookie", "second-cookie"]);
        assert_eq!(
            w.session_cookie_of(&ex).map(|s| s.expose().to_owned()),
            Some("first-cookie".to_owned())
        );
        assert_eq!(
            w.required_cookie(&ex).map(|s| s.expose().to_owned()).ok(),
            Some("first-cookie".to_owned())
        );
        let none = json(200, "{}");
        assert!(w.session_cookie_of(&none).is_none());
        let failure = w.required_cookie(&none).expect_err("no cookie");
        assert!(
            failure.to_string().contains("sets no session cookie"),
            "{failure}"
        );
    }

    fn exposed(auth: Auth) -> (&'static str, String) {
        match auth {
            Auth::None => ("none", String::new()),
            Auth::Cookie(s) => ("cookie", s.expose().to_owned()),
            Auth::Bearer(s) => ("bearer", s.expose().to_owned()),
            Auth::ApiToken(s) => ("api token", s.expose().to_owned()),
        }
    }

    #[test]
    fn phrases_name_the_scenarios_credentials() {
        let mut w = world();
        assert!(w.credentials("the session cookie").is_err(), "none yet");
        w.session_cookie = Some(Secret::new("s%3Asid.abcdef"));
        w.second_cookie = Some(Secret::new("s%3Asecond.cookie"));
        w.access_token = Some(Secret::new("an-access-token"));
        let got = |w: &AuthWorld, phrase: &str| exposed(w.credentials(phrase).expect(phrase));
        assert_eq!(got(&w, "no credentials").0, "none");
        assert_eq!(
            got(&w, "the session cookie"),
            ("cookie", "s%3Asid.abcdef".into())
        );
        assert_eq!(
            got(&w, "the second session cookie"),
            ("cookie", "s%3Asecond.cookie".into())
        );
        assert_eq!(
            got(&w, "a tampered session cookie"),
            ("cookie", "s%3Asid.abcAef".into())
        );
        assert_eq!(
            got(&w, "the access token as a bearer"),
            ("bearer", "an-access-token".into())
        );
        assert_eq!(got(&w, "the API token").0, "api token");
    }

    #[test]
    fn the_foreign_jwt_names_the_user_and_is_not_signed_with_the_backends_secret() {
        let mut w = world();
        w.login_user = Some(json!({"id": "usr_FOREIGN"}));
        let (kind, token) = exposed(
            w.credentials("a bearer token signed with another secret")
                .expect("a token"),
        );
        assert_eq!(kind, "bearer");
        let claims = jwt::verify_hs256(&token, b"medusa-conformance: not the backend's secret")
            .expect("signed with the harness's own secret");
        assert_eq!(claims["user_id"], "usr_FOREIGN");
        assert_eq!(claims["domain"], "admin");
        assert!(jwt::verify_hs256(&token, b"jwt-secret-for-tests").is_none());
    }

    #[test]
    fn a_body_that_is_not_json_fails() {
        let w = world();
        assert!(w.require_json(&json(200, "not json")).is_err());
        assert_eq!(
            w.require_json(&json(200, r#"{"a":1}"#)).ok(),
            Some(json!({"a": 1}))
        );
    }

    #[test]
    fn the_credentials_body_and_failure_wording() {
        let Body::Json(v) = credentials_body("e@x.test", &Secret::new("pw-1234")) else {
            panic!("a JSON body");
        };
        assert_eq!(v, json!({"email": "e@x.test", "password": "pw-1234"}));
        let f = precondition(Failure::new("status", "expected 200, got 401"), "log in");
        assert_eq!(f.check, "status");
        assert_eq!(f.summary, "could not log in: expected 200, got 401");
        let ex = json(200, "{}");
        let f = no_cookie(&ex);
        assert_eq!(f.check, "session cookie");
        assert!(
            f.summary.contains("sets no session cookie"),
            "{}",
            f.summary
        );
        assert_eq!(f.exchange.map(|e| e.status), Some(200));
    }

    /// A backend whose login sets a session cookie and answers the user.
    fn logs_in(method: &str, _: &str, _: &str) -> (u16, Vec<String>, String) {
        if method != "POST" {
            return (404, Vec::new(), String::new());
        }
        let (status, mut headers, body) = ok_json(format!(r#"{{"user":{USER_JSON}}}"#));
        headers.push("set-cookie: connect.sid=s%3Acanned-session.sig; Path=/; HttpOnly".into());
        (status, headers, body)
    }

    #[test]
    fn sending_keeps_the_answer_and_learns_its_secrets() {
        let (status, w) = against(logs_in, async |w| {
            w.send(
                Call::CreateSession,
                Auth::None,
                credentials_body(EMAIL, &Secret::new(PASSWORD)),
            )
            .await
            .map(|e| e.status)
            .ok()
        });
        assert_eq!(status, Some(200));
        assert_eq!(w.last.as_ref().map(|e| e.status), Some(200));
        assert_eq!(w.redactor().mask("s%3Acanned-session.sig"), MASK);
        assert!(w.ctx().retried().is_empty(), "answered at once: no retry");
        assert!(w.ctx().failures().is_empty());
    }

    /// A v2 backend: a token for good credentials, a session for it.
    fn v2_logs_in(method: &str, path: &str, _: &str) -> (u16, Vec<String>, String) {
        match (method, path) {
            ("POST", "/auth/user/emailpass") => ok_json(r#"{"token":"eyJh.eyJh.c2ln"}"#),
            ("POST", "/auth/session") => ok_json(
                r#"{"user":{"actor_id":"user_01","actor_type":"user","auth_identity_id":"authid_01",
                "auth_provider":"emailpass","mfa_enabled":false,"mfa_challenge_completed_at":null,
                "app_metadata":{"user_id":"user_01"},"user_metadata":{},"iat":1,"exp":2}}"#,
            ),
            _ => (404, Vec::new(), String::new()),
        }
    }

    /// A v2 backend that refuses the credentials (and fails any session).
    fn v2_refuses(_: &str, path: &str, _: &str) -> (u16, Vec<String>, String) {
        let (_, headers, _) = ok_json("");
        match path {
            "/auth/user/emailpass" => (
                401,
                headers,
                r#"{"type":"unauthorized","message":"Invalid email or password"}"#.to_owned(),
            ),
            _ => (500, Vec::new(), String::new()),
        }
    }

    #[test]
    fn the_https_hint_is_the_forwarded_proto_over_http_only() {
        use crate::suite::steps::testing::world_at;
        let hint = world().https_hint();
        assert_eq!(
            hint.headers,
            [("x-forwarded-proto".to_owned(), "https".to_owned())]
        );
        assert!(hint.method.is_none() && hint.jar.is_none());
        assert!(
            world_at("https://127.0.0.1:9/")
                .https_hint()
                .headers
                .is_empty()
        );
    }

    #[test]
    fn each_dialect_reads_its_own_token_key_and_login_answer() {
        use crate::core::contract::V2;
        use crate::suite::steps::testing::{ORIGIN, world_speaking};
        let v1 = world();
        let v2 = world_speaking("http://127.0.0.1:9/", ORIGIN, &V2);
        let both = json(
            200,
            r#"{"access_token":"v1-token-value","token":"v2-token-value"}"#,
        );
        let got = |w: &AuthWorld| w.token_in(&both).map(|s| s.expose().to_owned());
        assert_eq!(got(&v1).as_deref(), Some("v1-token-value"));
        assert_eq!(got(&v2).as_deref(), Some("v2-token-value"));
        assert_eq!(v1.token_in(&json(200, r#"{"token":"x"}"#)), None);
        // v1's login answers the user; v2's the token's claims.
        assert!(v1.login_answer_has_the_user());
        assert!(!v2.login_answer_has_the_user());
    }

    #[test]
    fn the_user_of_a_login_is_in_its_answer_or_asked_of_whoami() {
        use crate::core::contract::{V1, V2};
        use crate::suite::steps::testing::{against_in, v2_whoami};
        let login = answer(
            Call::CreateSession,
            200,
            &[(
                "set-cookie",
                "connect.sid=s%3Acanned-v2.sig; Path=/; HttpOnly",
            )],
            r#"{"user":{"id":"from-the-answer"}}"#,
        );
        let body = json!({"user": {"id": "from-the-answer"}});
        let user_of = async |w: &mut AuthWorld| {
            w.user_of_login(&login, &body)
                .await
                .map(|u| u["id"].clone())
                .map_err(|f| f.to_string())
        };
        // v1: the answer's own user, nothing sent (the server would fail it).
        let (got, w) = against_in(&V1, v2_whoami, user_of);
        assert_eq!(got, Ok(json!("from-the-answer")));
        assert!(w.last.is_none());
        // v2: whoami's user; the last exchange stays the login's.
        let (got, w) = against_in(&V2, v2_whoami, user_of);
        assert_eq!(got, Ok(json!("user_01M8SY5")));
        assert_eq!(w.last.map(|e| e.call), Some(Call::CreateSession));
    }

    #[test]
    fn a_v2_login_opens_a_session_only_with_a_token_it_got() {
        use crate::core::contract::V2;
        use crate::suite::steps::testing::against_in;
        let log_in = async |w: &mut AuthWorld| {
            w.log_in(credentials_body(EMAIL, &Secret::new(PASSWORD)))
                .await
                .map(|e| (e.call, e.path.clone(), e.status))
                .map_err(|f| f.to_string())
        };
        let (got, _) = against_in(&V2, v2_logs_in, log_in);
        assert_eq!(got, Ok((Call::CreateSession, "/auth/session".into(), 200)));
        let (got, w) = against_in(&V2, v2_refuses, log_in);
        assert_eq!(
            got,
            Ok((Call::GetToken, "/auth/user/emailpass".into(), 401))
        );
        assert!(w.ctx().failures().is_empty(), "no session asked for");
    }

    #[test]
    fn an_admin_precondition_returns_the_answer_and_its_body() {
        let (got, _) = against(logs_in, async |w| {
            w.admin_login("log in")
                .await
                .map(|(ex, body)| (ex.status, body["user"]["id"].clone()))
                .ok()
        });
        assert_eq!(got, Some((200, json!("usr_01CANNED"))));
        // Refused as the contract says a refusal looks, so that only the
        // precondition fails.
        let refuses = |_: &str, _: &str, _: &str| {
            (
                401,
                vec!["content-type: text/plain; charset=utf-8".to_owned()],
                "Unauthorized".to_owned(),
            )
        };
        let (err, _) = against(refuses, async |w| {
            w.admin_login("log in").await.err().map(|f| f.to_string())
        });
        let err = err.expect("a refused precondition fails");
        assert!(err.contains("could not log in"), "{err}");
    }

    static V2_TOKEN_REQUESTS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    /// A v2 backend that refuses every token request (and counts them)
    /// and answers whoami with 401.
    fn v2_counts_refusals(_: &str, path: &str, _: &str) -> (u16, Vec<String>, String) {
        let (_, headers, _) = ok_json("");
        match path {
            "/auth/user/emailpass" => {
                V2_TOKEN_REQUESTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                (
                    401,
                    headers,
                    r#"{"type":"unauthorized","message":"Invalid email or password"}"#.to_owned(),
                )
            }
            _ => (401, headers, r#"{"message":"Unauthorized"}"#.to_owned()),
        }
    }

    #[test]
    fn only_the_other_phrases_identical_refused_last_request_is_checked_again() {
        use crate::core::contract::V2;
        use crate::suite::steps::testing::against_in;
        use TokenStep::{LogIn, RequestToken};
        let body = |pw: &str| credentials_body(EMAIL, &Secret::new(pw));
        let none = Extra::default();
        // How many token requests each sequence sends, and how many
        // answers it checks again.
        let count = |steps: Vec<(TokenStep, &'static str, bool)>| {
            let before = V2_TOKEN_REQUESTS.load(std::sync::atomic::Ordering::SeqCst);
            let (statuses, w) = against_in(&V2, v2_counts_refusals, async |w| {
                let mut statuses = Vec::new();
                for (step, pw, whoami_first) in steps {
                    if whoami_first {
                        let _ = w.send(Call::GetSession, Auth::None, Body::None).await;
                    }
                    let ex = w.request_token(step, body(pw), &none).await;
                    statuses.push(ex.map(|e| e.status).ok());
                }
                statuses
            });
            assert!(statuses.iter().all(|s| *s == Some(401)), "{statuses:?}");
            let sent = V2_TOKEN_REQUESTS.load(std::sync::atomic::Ordering::SeqCst) - before;
            (sent, w.ctx().reused().len())
        };
        // The pair, in either order: one request.
        assert_eq!(
            count(vec![(LogIn, "pw-1", false), (RequestToken, "pw-1", false)]),
            (1, 1)
        );
        assert_eq!(
            count(vec![(RequestToken, "pw-1", false), (LogIn, "pw-1", false)]),
            (1, 1)
        );
        // The same phrase twice, another body, a request in between: sent.
        assert_eq!(
            count(vec![(LogIn, "pw-1", false), (LogIn, "pw-1", false)]),
            (2, 0)
        );
        assert_eq!(
            count(vec![(LogIn, "pw-1", false), (RequestToken, "pw-2", false)]),
            (2, 0)
        );
        assert_eq!(
            count(vec![(LogIn, "pw-1", false), (RequestToken, "pw-1", true)]),
            (2, 0)
        );
        // An answer is checked again once: a third step sends again.
        assert_eq!(
            count(vec![
                (LogIn, "pw-1", false),
                (RequestToken, "pw-1", false),
                (LogIn, "pw-1", false)
            ]),
            (2, 1)
        );
    }

    #[test]
    fn an_answer_checked_again_fails_as_it_would_when_sent() {
        use crate::core::contract::V2;
        // A refusal that echoes the password back: both steps fail on it.
        let refused = Exchange {
            call: Call::GetToken,
            method: "POST".into(),
            path: "/auth/user/emailpass".into(),
            ..json(
                401,
                &format!(r#"{{"type":"unauthorized","message":"wrong: {PASSWORD}"}}"#),
            )
        };
        let mut w = crate::suite::steps::testing::world_speaking(
            "http://127.0.0.1:9/",
            crate::suite::steps::testing::ORIGIN,
            &V2,
        );
        w.ctx().redactor.add(PASSWORD);
        let err = w.check_again(refused).expect_err("the echo check runs");
        let shown = err.to_string();
        assert!(
            shown.contains("carries back the admin's password"),
            "{shown}"
        );
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert_eq!(w.last.as_ref().map(|e| e.status), Some(401));
        assert_eq!(w.ctx().reused().len(), 1);
    }

    static FIRST_TOKEN_REQUESTS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);
    static FIRST_REFUSED_REQUESTS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    #[test]
    fn the_first_login_fetches_the_token_the_scenarios_then_share() {
        let gives = |_: &str, _: &str, _: &str| {
            FIRST_TOKEN_REQUESTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ok_json(format!(r#"{{"access_token":"{CANNED_TOKEN}"}}"#))
        };
        let (got, w) = against(gives, async |w| {
            AuthWorld::fetch_admin_token(w.ctx()).await;
            let fetched = FIRST_TOKEN_REQUESTS.load(std::sync::atomic::Ordering::SeqCst);
            let token = w.admin_token("get a token").await.ok();
            (fetched, token)
        });
        assert_eq!(got.0, 1, "fetched before any scenario asked");
        assert_eq!(got.1.as_ref().map(Secret::expose), Some(CANNED_TOKEN));
        assert_eq!(
            FIRST_TOKEN_REQUESTS.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "the scenario took it"
        );
        assert_eq!(w.redactor().mask(CANNED_TOKEN), MASK);
        assert!(w.ctx().failures().is_empty());
    }

    #[test]
    fn a_refused_first_login_is_nobodys_failure_and_the_scenario_logs_in_itself() {
        let refuses = |_: &str, _: &str, _: &str| {
            FIRST_REFUSED_REQUESTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (
                401,
                vec!["content-type: text/plain; charset=utf-8".to_owned()],
                "Unauthorized".to_owned(),
            )
        };
        let (err, w) = against(refuses, async |w| {
            AuthWorld::fetch_admin_token(w.ctx()).await;
            assert!(w.ctx().failures().is_empty(), "nothing recorded");
            w.admin_token("get a token")
                .await
                .err()
                .map(|f| f.to_string())
        });
        assert!(err.expect("refused").contains("could not get a token"));
        assert_eq!(
            FIRST_REFUSED_REQUESTS.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "the scenario asked again"
        );
        let failures = w.ctx().failures();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].scenario, "unit");
    }

    static TOKEN_REQUESTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static REFUSED_REQUESTS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);
    const CANNED_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoidSJ9.c2lnbmF0dXJl";

    #[test]
    fn the_admin_token_is_got_once_per_run_and_masked() {
        let gives = |_: &str, _: &str, _: &str| {
            TOKEN_REQUESTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ok_json(format!(r#"{{"access_token":"{CANNED_TOKEN}"}}"#))
        };
        let (got, w) = against(gives, async |w| {
            let first = w.admin_token("get a token").await.ok();
            // Another scenario of the same run: its own world, the run's context.
            let mut other = AuthWorld::default();
            other.attach(w.ctx(), "other", ScenarioKey::default());
            let second = other.admin_token("get a token").await.ok();
            let masked = other.redactor().mask(CANNED_TOKEN).into_owned();
            (first, second, masked)
        });
        let (first, second, masked) = got;
        assert_eq!(first.as_ref().map(Secret::expose), Some(CANNED_TOKEN));
        assert_eq!(second, first);
        assert_eq!(TOKEN_REQUESTS.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(masked, MASK, "the reusing scenario masks the token");
        assert_eq!(w.redactor().mask(CANNED_TOKEN), MASK);
        assert!(!format!("{:?}", w.ctx().tokens).contains(PASSWORD));
    }

    #[test]
    fn a_refused_admin_token_is_not_kept_and_each_scenario_fails() {
        let refuses = |_: &str, _: &str, _: &str| {
            REFUSED_REQUESTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (
                401,
                vec!["content-type: text/plain; charset=utf-8".to_owned()],
                "Unauthorized".to_owned(),
            )
        };
        let (errs, _) = against(refuses, async |w| {
            let a = w
                .admin_token("get a token")
                .await
                .err()
                .map(|f| f.to_string());
            let b = w
                .admin_token("get a token")
                .await
                .err()
                .map(|f| f.to_string());
            (a, b)
        });
        let (a, b) = errs;
        assert!(a.expect("refused").contains("could not get a token"));
        assert!(b.expect("refused again").contains("could not get a token"));
        assert_eq!(
            REFUSED_REQUESTS.load(std::sync::atomic::Ordering::SeqCst),
            2
        );
    }
}
