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
use crate::suite::world::{AuthWorld, StepFailure, StepResult, TokenStep, credentials_body};

impl AuthWorld {
    /// What a browser's request carries besides the call: its cookies.
    fn browser(&self) -> Extra {
        Extra {
            jar: Some(self.jar.clone()),
            ..Extra::default()
        }
    }

    /// Sends a request as the browser: with its cookies, keeping what the
    /// response sets.
    async fn browser_send(&mut self, call: Call, body: Body) -> Result<Exchange, StepFailure> {
        let extra = self.browser();
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
    // A login as the dialect's admin UI does it (v2: a token, then a
    // session opened with it as a bearer), every request through the jar.
    let ex = if verb == "logs in" {
        let extra = w.browser();
        w.log_in_with(body, &extra).await?
    } else {
        let extra = w.browser();
        w.request_token(TokenStep::RequestToken, body, &extra)
            .await?
    };
    if ex.call == Call::CreateSession
        && ex.status == 200
        && let Ok(v) = ex.json()
    {
        w.login_user = Some(w.user_of_login(&ex, &v).await?);
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
    let same_site = https.then_some(ctx.client.dialect().https_same_site);
    let problems = session_cookie_problems(&cookie, ex.date(), same_site);
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
    let dialect = ctx.client.dialect();
    let calls = [
        Call::GetSession,
        Call::DeleteSession,
        Call::GetToken,
        Call::RefreshToken,
    ];
    for call in calls.into_iter().filter(|c| dialect.has(*c)) {
        let url = ctx.client.url_of(call);
        if !w.jar.sends(&url, name) {
            let ex = w.last()?;
            return Err(w.fail(
                Failure::new(
                    "session cookie attributes",
                    format!(
                        "a browser would not send the {name} cookie to {}{}",
                        url.path(),
                        secure_over_http(ex, name, &url)
                    ),
                )
                .with_exchange(ex),
            ));
        }
    }
    Ok(())
}

/// Why a browser would not send a cookie back, when the reason is that it
/// is `Secure` and the backend is served over plain http to a host that is
/// not loopback (browsers, and the jar, treat http on loopback as secure).
/// No browser could keep that session: the scenario fails and says to run
/// over https (as a production backend is served).
fn secure_over_http(ex: &Exchange, name: &str, url: &url::Url) -> &'static str {
    let secure = ex
        .cookies_named(name)
        .iter()
        .any(|c| c.secure() == Some(true));
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if secure && url.scheme() == "http" && !loopback {
        " (the cookie is Secure and the backend is served over plain http: no browser sends a Secure \
         cookie back to an http host other than loopback; run the suite over https)"
    } else {
        ""
    }
}

#[then("the browser holds no session cookie")]
async fn browser_holds_no_cookie(w: &mut AuthWorld) -> StepResult {
    let ctx = w.ctx();
    let name = ctx.client.dialect().session_cookie;
    let url = ctx.client.url_of(Call::GetSession);
    if !w.jar.sends(&url, name) {
        return Ok(());
    }
    let ex = w.last()?;
    Err(w.fail(
        Failure::new(
            "session cookie cleared",
            format!(
                "the browser still holds the {name} cookie after this answer: it does not clear it (an expired Set-Cookie)"
            ),
        )
        .with_exchange(ex),
    ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::steps::testing::{answer, run, with_last, world, world_at};

    const GOOD: &str = "connect.sid=s%3Aabc.def; Path=/; Max-Age=36000; HttpOnly";
    const HTTPS_GOOD: &str =
        "connect.sid=s%3Aabc.def; Path=/; Max-Age=36000; HttpOnly; Secure; SameSite=None";

    fn setting(cookies: &[&str]) -> Exchange {
        let headers: Vec<(&str, &str)> = cookies.iter().map(|c| ("set-cookie", *c)).collect();
        answer(Call::CreateSession, 200, &headers, "{}")
    }

    fn attributes(base: &str, cookies: &[&str]) -> StepResult {
        run(session_cookie_attributes(&mut with_last(
            world_at(base),
            setting(cookies),
        )))
    }

    #[test]
    fn the_last_non_empty_session_cookie_is_judged() {
        assert!(attributes("http://h:1/", &[GOOD]).is_ok());
        assert!(attributes("http://h:1/", &[GOOD, "other=1"]).is_ok());
        assert!(
            attributes(
                "http://h:1/",
                &[GOOD, "connect.sid=; Path=/; Max-Age=0; HttpOnly"]
            )
            .is_ok(),
            "a cleared cookie is not the session cookie"
        );
        assert!(attributes("http://h:1/", &["connect.sid=s%3Aabc; Path=/"]).is_err());
        assert!(attributes("http://h:1/", &["other=1"]).is_err());
        assert!(attributes("http://h:1/", &[]).is_err());
    }

    #[test]
    fn https_asks_for_secure_and_same_site_none() {
        assert!(attributes("https://h:1/", &[GOOD]).is_err());
        assert!(attributes("https://h:1/", &[HTTPS_GOOD]).is_ok());
    }

    #[test]
    fn the_jar_must_send_the_cookie_to_every_admin_route() {
        let kept = |cookie: &str| {
            let mut w = with_last(world(), setting(&[cookie]));
            let url = w.ctx().client.url_of(Call::CreateSession);
            w.jar.keep(&url, &w.last.as_ref().unwrap().headers);
            run(browser_holds_cookie(&mut w))
        };
        assert!(kept(GOOD).is_ok());
        assert!(kept("connect.sid=s%3Aabc; Path=/admin/auth/token").is_err());
        assert!(kept("other=1; Path=/").is_err());
    }

    #[test]
    fn logout_must_leave_the_browser_without_the_cookie() {
        let mut w = with_last(world(), setting(&[GOOD]));
        let url = w.ctx().client.url_of(Call::GetSession);
        w.jar.keep(&url, &w.last.as_ref().unwrap().headers);
        let text = run(browser_holds_no_cookie(&mut w))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("still holds the connect.sid cookie"),
            "{text}"
        );
        let cleared = setting(&["connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
        w.jar.keep(&url, &cleared.headers);
        assert!(run(browser_holds_no_cookie(&mut w)).is_ok());
        assert!(run(browser_holds_no_cookie(&mut world())).is_ok());
    }

    #[test]
    fn a_secure_cookie_over_plain_http_off_loopback_is_named_as_the_reason() {
        let secure = setting(&["connect.sid=s%3Aabc.def; Path=/; HttpOnly; Secure"]);
        let url = |u: &str| url::Url::parse(u).unwrap();
        let why = |ex: &Exchange, u: &str| secure_over_http(ex, "connect.sid", &url(u));
        assert!(
            why(&secure, "http://192.0.2.7:9000/admin/users/me")
                .contains("run the suite over https")
        );
        assert!(why(&secure, "http://medusa.example:9000/").contains("Secure"));
        for u in [
            "http://127.0.0.1:9000/",
            "http://localhost:9000/",
            "http://[::1]:9000/",
            "https://192.0.2.7/",
        ] {
            assert_eq!(why(&secure, u), "", "{u}");
        }
        assert_eq!(
            why(&setting(&[GOOD]), "http://192.0.2.7/"),
            "",
            "not Secure"
        );
        // The jar agrees: kept from loopback http, not sent to another host's http.
        let w = world();
        w.jar
            .keep(&url("http://192.0.2.7/auth/session"), &secure.headers);
        assert!(
            !w.jar
                .sends(&url("http://192.0.2.7/admin/users/me"), "connect.sid")
        );
        w.jar
            .keep(&url("http://127.0.0.1:9/auth/session"), &secure.headers);
        assert!(
            w.jar
                .sends(&url("http://127.0.0.1:9/admin/users/me"), "connect.sid")
        );
    }

    use crate::suite::steps::testing::{PASSWORD, USER_JSON, against};

    /// Logs anyone in; a session is a session (for GET and DELETE).
    fn backend(method: &str, _: &str, _: &str) -> (u16, Vec<String>, String) {
        let json = "content-type: application/json; charset=utf-8".to_owned();
        match method {
            "POST" => (
                200,
                vec![json, format!("set-cookie: {GOOD}")],
                format!(r#"{{"user":{USER_JSON}}}"#),
            ),
            "GET" => (200, vec![json], format!(r#"{{"user":{USER_JSON}}}"#)),
            _ => (
                200,
                vec!["content-type: text/plain; charset=utf-8".to_owned()],
                "OK".to_owned(),
            ),
        }
    }

    fn sent_cookie(ex: &Exchange) -> Option<String> {
        ex.request_headers
            .iter()
            .find(|(k, _)| k == "cookie")
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn the_browser_logs_in_keeps_the_cookie_and_sends_it() {
        let (r, w) = against(backend, async |w| {
            browser_login(w, "logs in".into(), "password".into()).await?;
            browser_holds_cookie(w).await?;
            browser_call(w, "asks who I am".into()).await
        });
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(w.login_user.as_ref().unwrap()["id"], "usr_01CANNED");
        let ex = w.last.clone().unwrap();
        assert_eq!(ex.method, "GET");
        assert_eq!(sent_cookie(&ex).as_deref(), Some("connect.sid=s%3Aabc.def"));
        let (_, w) = against(backend, async |w| browser_call(w, "logs out".into()).await);
        assert_eq!(w.last.unwrap().method, "DELETE");
    }

    #[test]
    fn the_browser_login_sends_the_phrase_credentials() {
        let password = |what: &str, verb: &str| {
            let (what, verb) = (what.to_owned(), verb.to_owned());
            let (_, w) = against(backend, async move |w| browser_login(w, verb, what).await);
            let ex = w.last.clone().unwrap();
            let body: serde_json::Value =
                serde_json::from_str(&ex.request_body.clone().unwrap()).unwrap();
            (
                ex.path,
                body["password"].as_str().map(str::to_owned),
                w.login_user,
            )
        };
        let (path, pw, user) = password("password", "logs in");
        assert_eq!(
            (path.as_str(), pw.as_deref()),
            ("/admin/auth", Some(PASSWORD))
        );
        assert!(user.is_some());
        let (_, pw, _) = password("a wrong password", "logs in");
        assert_eq!(pw, Some(format!("{PASSWORD}-wrong")));
        let (_, pw, _) = password("no password", "logs in");
        assert_eq!(pw, None);
        let (path, _, user) = password("password", "requests an access token");
        assert_eq!(path, "/admin/auth/token");
        assert!(user.is_none(), "only a session login is the logged-in user");
    }

    #[test]
    fn a_refused_request_must_leave_the_browser_logged_out() {
        let refused = setting(&[]);
        let (r, w) = against(backend, async |w| {
            w.last = Some(refused.clone());
            browser_not_logged_in(w).await
        });
        let text = r.unwrap_err().to_string();
        assert!(text.contains("answered 200"), "{text}");
        assert!(!text.contains("set the cookie"), "it set none: {text}");
        assert_eq!(w.last.unwrap().status, 200, "the refused answer is kept");
        let (r, _) = against(backend, async |w| {
            w.last = Some(setting(&[GOOD]));
            browser_not_logged_in(w).await
        });
        let text = r.unwrap_err().to_string();
        assert!(
            text.contains("answered 200 (the refused answer set the cookie)"),
            "{text}"
        );
        let logged_out = |_: &str, _: &str, _: &str| (401, vec![], "Unauthorized".to_owned());
        let (r, _) = against(logged_out, async |w| {
            w.last = Some(refused.clone());
            browser_not_logged_in(w).await
        });
        assert!(r.is_ok());
    }
}
