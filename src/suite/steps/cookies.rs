//! The session cookie as a browser keeps it: the scenario's cookie jar
//! sends what its rules allow and keeps what answers set; the login
//! cookie's attributes are checked against the contract.

use cucumber::{then, when};
use serde_json::json;

use crate::core::check::Failure;
use crate::core::contract::Call;
use crate::core::cookies::session_cookie_problems;
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::redact::Secret;
use crate::http::Extra;
use crate::suite::world::{AuthWorld, StepFailure, StepResult, credentials_body};

impl AuthWorld {
    /// Sends a request as the browser: with its cookies, keeping what the
    /// response sets.
    async fn browser_send(&mut self, call: Call, body: Body) -> Result<Exchange, StepFailure> {
        let extra = Extra {
            jar: Some(self.jar.clone()),
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
    let problems = session_cookie_problems(&cookie, ex.date(), https);
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
        if !w.jar.sends(&url, name) {
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

#[then("the browser's session cookie does not log it in")]
async fn browser_not_logged_in(w: &mut AuthWorld) -> StepResult {
    // The refused answer's cookies (if any) are in the jar: ask with them.
    let kept = w.last()?.clone();
    let set = !w.session_cookies(&kept).is_empty();
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
