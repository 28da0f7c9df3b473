//! The active advisory probes (`core::advisory`): requests the scenarios
//! do not make, sent once per run after them, as the configured admin.
//! The intrusive ones (throttling, default credentials, timing) run only
//! when asked, against the probe account ([`intrusive`]).
//! What they see is judged here and noted in the run's context, with the
//! evidence masked by a redactor that knows every secret they receive.
//! They never change the contract verdict.

use tokio::sync::OnceCell;

use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::record::RetriedRequest;
use crate::core::redact::{Redactor, Secret};
use crate::core::{advisory, contract::Call, jwt};
use crate::http::Extra;
use crate::suite::context::SuiteContext;
use crate::suite::world::credentials_body;

mod intrusive;

/// One probe's view of the run: the context, a redactor of its own, and
/// the admin's access token the probes share ([`admin_token`]).
struct Probe<'a> {
    ctx: &'a SuiteContext,
    redactor: Redactor,
    token: OnceCell<Option<Secret>>,
}

impl Probe<'_> {
    /// Sends a request; passive advisories judge it too. `None` when the
    /// backend did not answer (a probe then says nothing).
    async fn send(&self, call: Call, auth: Auth, body: Body, extra: &Extra) -> Option<Exchange> {
        let sent = self
            .ctx
            .client
            .send_traced_with(call, &auth, &body, extra)
            .await
            .ok()?;
        if !sent.retry_errors.is_empty() {
            // Shown with the run's other retried requests (no scenario's).
            self.ctx.record_retried(RetriedRequest {
                scenario: "(advisory probes, after the scenarios)".into(),
                key: None,
                request: sent.exchange.request_line(),
                retries: sent.exchange.retries,
                errors: sent.retry_errors,
            });
        }
        let ex = sent.exchange;
        for c in ex.cookies_named(self.ctx.client.dialect().session_cookie) {
            self.redactor.add(c.value());
        }
        if let Ok(v) = ex.json() {
            for t in [&v["access_token"], &v["token"], &v["user"]["api_token"]] {
                if let Some(t) = t.as_str() {
                    self.redactor.add(t);
                }
            }
        }
        self.ctx.judge_passive(&ex, &self.redactor);
        Some(ex)
    }

    fn fire(&self, id: &str, evidence: &str) {
        self.ctx.add_advisory(id, evidence, &self.redactor);
    }

    fn login_body(&self) -> Body {
        credentials_body(&self.ctx.admin_email, &self.ctx.admin_password)
    }

    fn cookie_of(&self, ex: &Exchange) -> Option<Secret> {
        ex.cookies_named(self.ctx.client.dialect().session_cookie)
            .first()
            .map(|c| Secret::new(c.value()))
    }
}

/// Runs every active probe once, noting the advisories that fire.
pub async fn probe(ctx: &SuiteContext) {
    let p = Probe {
        ctx,
        redactor: ctx.redactor.scoped(),
        token: OnceCell::new(),
    };
    // Medusa v2 logs in for a token, and makes a cookie session from it.
    let v2 = ctx.client.dialect().session_from_token;
    if v2 {
        ctx.leave_out_advisory(
            "session-fixation",
            "Medusa v2 sets no session cookie before a login (POST /auth/session takes a bearer token), so there is no pre-login cookie to carry into it",
        );
    } else {
        session_fixation(&p).await;
    }
    jwt_secrets(&p).await;
    cors_variants(&p).await;
    if v2 {
        ctx.leave_out_advisory(
            "csrf-text-plain",
            "Medusa v2's cookie login (POST /auth/session) needs an Authorization header, which no simple cross-site request carries",
        );
    } else {
        text_plain_login(&p).await;
    }
    logged_in_cross_site_post(&p).await;
    // Last of the probes that use the admin's token: a backend that
    // revokes it on logout must not leave the others without one.
    logout_revocation(&p).await;
    if let Some(account) = ctx.advisory.as_ref().and_then(|j| j.probe.clone()) {
        intrusive::probe(&p, &account).await;
    }
}

/// V7.2.4: log in carrying an anonymous session cookie; the cookie must
/// not be authenticated afterwards (v1).
async fn session_fixation(p: &Probe<'_>) -> Option<()> {
    let none = Extra::default();
    let anonymous = p
        .send(Call::GetSession, Auth::None, Body::None, &none)
        .await?;
    let login_auth = p.cookie_of(&anonymous).map_or(Auth::None, Auth::Cookie);
    let login = p
        .send(
            Call::CreateSession,
            login_auth.clone(),
            p.login_body(),
            &none,
        )
        .await?;
    if let Auth::Cookie(pre) = &login_auth {
        let after = p
            .send(
                Call::GetSession,
                Auth::Cookie(pre.clone()),
                Body::None,
                &none,
            )
            .await?;
        let same = p
            .cookie_of(&login)
            .is_some_and(|c| c.expose() == pre.expose());
        if after.status == 200 {
            p.fire(
                "session-fixation",
                &format!(
                    "the anonymous cookie of GET /admin/auth, sent with the login, then got {} from GET /admin/auth{}",
                    after.status,
                    if same { " (the login set the same session id again)" } else { "" }
                ),
            );
        }
    }
    // Leave no session of the admin behind (the store of a real server).
    if let Some(c) = p.cookie_of(&login).or(match login_auth {
        Auth::Cookie(c) => Some(c),
        _ => None,
    }) {
        let _ = p
            .send(Call::DeleteSession, Auth::Cookie(c), Body::None, &none)
            .await;
    }
    Some(())
}

/// The admin's access token (JWT) for the probes: the run's shared one
/// ([`SuiteContext::tokens`], got with a real login by the first scenario
/// that needed it), else one login of the probes' own, shared by them. A
/// token is stateless in both contracts, so every probe sees what it
/// would with a token of its own; the logout probe, which could revoke
/// it, runs last.
async fn admin_token(p: &Probe<'_>) -> Option<Secret> {
    p.token
        .get_or_init(|| async {
            match p.ctx.admin_login().token.get() {
                Some(token) => Some(token.clone()),
                None => fresh_token(p).await,
            }
        })
        .await
        .clone()
}

/// A fresh access token (JWT) of the admin, from the dialect's token route.
async fn fresh_token(p: &Probe<'_>) -> Option<Secret> {
    let key = p.ctx.client.dialect().token_key;
    p.send(
        Call::GetToken,
        Auth::None,
        p.login_body(),
        &Extra::default(),
    )
    .await
    .and_then(|ex| ex.json().ok())
    .and_then(|v| v[key].as_str().map(Secret::new))
}

/// The path of `call` in the backend's dialect, for the evidence.
fn path(p: &Probe<'_>, call: Call) -> &'static str {
    p.ctx.client.dialect().route(call).path
}

/// V7.4.1 / V7.2.2: a JWT and the API token after a logout made with them.
async fn logout_revocation(p: &Probe<'_>) {
    if let Some(token) = admin_token(p).await {
        let auth = Auth::Bearer(token);
        survives(p, auth, "logout-jwt", "the access token (JWT)").await;
    }
    if p.ctx.client.dialect().session_from_token {
        p.ctx.leave_out_advisory(
            "logout-api-token",
            "Medusa v2's secret API keys are no session: DELETE /auth/session refuses them and GET /admin/users/me has no user for them; they end through the admin API (POST /admin/api-keys/{id}/revoke), which this run does not call",
        );
    } else if let Some(t) = p.ctx.api_token.clone() {
        survives(p, Auth::ApiToken(t), "logout-api-token", "the API token").await;
    }
}

/// Logs out with `auth`, then asks who it is with it: 200 fires `id`.
async fn survives(p: &Probe<'_>, auth: Auth, id: &str, what: &str) {
    let none = Extra::default();
    let Some(out) = p
        .send(Call::DeleteSession, auth.clone(), Body::None, &none)
        .await
    else {
        return;
    };
    let Some(after) = p.send(Call::GetSession, auth, Body::None, &none).await else {
        return;
    };
    if after.status == 200 {
        p.fire(
            id,
            &format!(
                "DELETE {} with {what} got {}, then GET {} with it got 200",
                path(p, Call::DeleteSession),
                out.status,
                path(p, Call::GetSession)
            ),
        );
    }
}

/// Extra JWT hygiene: the claims of a genuine admin token, signed again
/// with well-known secrets, must be refused; and with HS384 when the
/// backend's secret is known (algorithm pinning). Re-signing the
/// backend's own claims fits either dialect's token.
async fn jwt_secrets(p: &Probe<'_>) {
    let none = Extra::default();
    let Some(claims) = admin_token(p)
        .await
        .and_then(|t| jwt::decode_unverified(t.expose()))
        .map(|(_, claims)| claims)
    else {
        return;
    };
    let whoami = path(p, Call::GetSession);
    for secret in advisory::WEAK_JWT_SECRETS {
        let token = Secret::new(jwt::sign_hs256(&claims, secret.as_bytes()));
        let Some(ex) = p
            .send(Call::GetSession, Auth::Bearer(token), Body::None, &none)
            .await
        else {
            continue;
        };
        if ex.status == 200 {
            p.fire(
                "jwt-weak-secret",
                &format!("the admin's JWT claims signed with the well-known secret '{secret}' got 200 from GET {whoami}"),
            );
        }
    }
    let Some(secret) = &p.ctx.jwt_secret else {
        return;
    };
    let token = Secret::new(jwt::sign_hs384(&claims, secret.expose().as_bytes()));
    if let Some(ex) = p
        .send(Call::GetSession, Auth::Bearer(token), Body::None, &none)
        .await
        && ex.status == 200
    {
        p.fire(
            "jwt-alg-pinned",
            &format!("the admin's JWT claims signed with HS384 and the backend's secret got 200 from GET {whoami} (it issues HS256)"),
        );
    }
}

/// V3.4.2: `null`, suffix, scheme and case variants of the admin origin
/// must not be allowed.
async fn cors_variants(p: &Probe<'_>) {
    let Some(origin) = p.ctx.admin_origin.clone() else {
        return;
    };
    for variant in advisory::origin_variants(&origin) {
        let extra = Extra {
            headers: vec![("origin".into(), variant.clone())],
            ..Extra::default()
        };
        let Some(ex) = p
            .send(Call::GetSession, Auth::None, Body::None, &extra)
            .await
        else {
            continue;
        };
        let allowed = ex
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok());
        if allowed == Some(variant.as_str()) || allowed == Some("*") {
            p.fire(
                "cors-variants",
                &format!(
                    "Origin: {variant} got Access-Control-Allow-Origin: {}",
                    allowed.unwrap_or_default()
                ),
            );
        }
    }
}

/// V3.5.1: a cross-site login sent as `text/plain` (a simple request, no
/// preflight) must not log in.
async fn text_plain_login(p: &Probe<'_>) {
    let text = p.login_body().text().unwrap_or_default();
    let extra = Extra {
        headers: vec![("origin".into(), "http://evil.example".into())],
        ..Extra::default()
    };
    let body = Body::Raw {
        content_type: Some("text/plain".into()),
        text,
    };
    if let Some(ex) = p.send(Call::CreateSession, Auth::None, body, &extra).await
        && (200..300).contains(&ex.status)
    {
        p.fire(
            "csrf-text-plain",
            &format!("POST /admin/auth with Content-Type: text/plain from Origin: http://evil.example got {}", ex.status),
        );
    }
}

/// A POST a logged-in admin can send that changes nothing, on v1 and v2
/// alike: cancelling an order that does not exist (measured on Medusa
/// 1.20.11 and 2.21.2: the handler answers 404 `not_found`).
pub const HARMLESS_POST: &str = "/admin/orders/order_medusa_conformance_none/cancel";

/// V3.5.1 / V3.5.2: [`HARMLESS_POST`] sent cross-site as a simple request
/// (`Content-Type: text/plain`, `Origin: http://evil.example`, no
/// preflight) with the admin's session cookie must be refused: 403, 415,
/// or the cookie not honoured (401). Anything else means the handler ran.
async fn logged_in_cross_site_post(p: &Probe<'_>) {
    let none = Extra::default();
    let login = if p.ctx.client.dialect().session_from_token {
        let Some(token) = admin_token(p).await else {
            return;
        };
        p.send(Call::CreateSession, Auth::Bearer(token), Body::None, &none)
            .await
    } else {
        p.send(Call::CreateSession, Auth::None, p.login_body(), &none)
            .await
    };
    let Some(cookie) = login.as_ref().and_then(|ex| p.cookie_of(ex)) else {
        return;
    };
    let extra = Extra {
        path: Some(HARMLESS_POST),
        headers: vec![("origin".into(), "http://evil.example".into())],
        ..Extra::default()
    };
    let body = Body::Raw {
        content_type: Some("text/plain".into()),
        text: "{}".into(),
    };
    // The login route's call, sent to the harmless path: both are POSTs.
    let answer = p
        .send(
            Call::CreateSession,
            Auth::Cookie(cookie.clone()),
            body,
            &extra,
        )
        .await;
    if let Some(ex) = answer
        && !matches!(ex.status, 401 | 403 | 415)
    {
        let text = ex.body_text();
        let said: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(100)
            .collect();
        p.fire(
            "csrf-logged-in",
            &format!(
                "POST {HARMLESS_POST} with the admin's session cookie, Content-Type: text/plain and Origin: http://evil.example (a simple request, no preflight) got {}: the handler ran ({})",
                ex.status, said
            ),
        );
    }
    let _ = p
        .send(Call::DeleteSession, Auth::Cookie(cookie), Body::None, &none)
        .await;
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::core::advisory::{Mode, Severity};
    use crate::core::contract::V2;
    use crate::suite::steps::testing::{against_in, ok_json, v2_whoami};

    const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoidSJ9.c2lnbmF0dXJl";

    /// A v2 backend that logs the admin in, opens sessions, and keeps a
    /// token valid after a logout (as 2.21.2 does).
    fn v2_backend(method: &str, path: &str) -> (u16, Vec<String>, String) {
        match (method, path) {
            ("POST", "/auth/user/emailpass") => ok_json(format!(r#"{{"token":"{TOKEN}"}}"#)),
            ("POST", "/auth/session") => {
                let (status, mut headers, body) = ok_json(r#"{"user":{}}"#);
                headers.push("set-cookie: connect.sid=s%3Aprobe-session.sig; Path=/".into());
                (status, headers, body)
            }
            ("DELETE", "/auth/session") => ok_json(r#"{"success":true}"#),
            ("GET", "/admin/users/me") => v2_whoami(method, path, ""),
            _ => (404, Vec::new(), String::new()),
        }
    }

    static FRESH: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static SHARED: Mutex<Vec<String>> = Mutex::new(Vec::new());

    fn noted(log: &Mutex<Vec<String>>, method: &str, path: &str) -> (u16, Vec<String>, String) {
        log.lock().expect("log").push(format!("{method} {path}"));
        v2_backend(method, path)
    }

    fn logins(log: &Mutex<Vec<String>>) -> usize {
        let log = log.lock().expect("log");
        log.iter()
            .filter(|r| *r == "POST /auth/user/emailpass")
            .count()
    }

    fn fired(ctx: &SuiteContext) -> Vec<&'static str> {
        ctx.advisories(Mode::Warn, Severity::Low).ids()
    }

    #[test]
    fn without_a_shared_token_the_probes_log_in_once_for_all() {
        let (_, w) = against_in(
            &V2,
            |m, p, _| noted(&FRESH, m, p),
            async |w| probe(&w.ctx()).await,
        );
        assert_eq!(logins(&FRESH), 1, "{:?}", FRESH.lock().expect("log"));
        // Each probe that needs the token still got it and judged.
        let ids = fired(&w.ctx());
        for id in ["jwt-weak-secret", "csrf-logged-in", "logout-jwt"] {
            assert!(ids.contains(&id), "{id}: {ids:?}");
        }
        // The logout with the token comes after every other use of it.
        let log = FRESH.lock().expect("log");
        let cross_site = log.iter().position(|r| r.contains("/cancel"));
        let last_logout = log.iter().rposition(|r| r == "DELETE /auth/session");
        assert!(cross_site < last_logout, "{log:?}");
    }

    #[test]
    fn the_probes_use_the_runs_shared_token() {
        let (got, w) = against_in(
            &V2,
            |m, p, _| noted(&SHARED, m, p),
            async |w| {
                let token = w.admin_token("get a token").await.ok();
                probe(&w.ctx()).await;
                token
            },
        );
        assert_eq!(got.as_ref().map(Secret::expose), Some(TOKEN));
        assert_eq!(logins(&SHARED), 1, "{:?}", SHARED.lock().expect("log"));
        assert!(fired(&w.ctx()).contains(&"logout-jwt"));
    }
}
