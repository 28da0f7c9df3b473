//! Logging in (and the credential variants shared with the token request).

use cucumber::{given, then, when};
use serde_json::Value;

use crate::core::check::Failure;
use crate::core::contract::Call;
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::random::random_id;
use crate::core::redact::Secret;
use crate::http::Extra;
use crate::suite::world::{
    AuthWorld, StepFailure, StepResult, TokenStep, credentials_body, no_cookie,
};

/// `log in` is a session login; anything else asks for an access token.
pub(super) fn call_of(verb: &str) -> Call {
    if verb == "log in" {
        Call::CreateSession
    } else {
        Call::GetToken
    }
}

/// Sends the request of `verb` with `body`: a login as the dialect logs
/// in (v2: a token, then a session with it), or a token request. On v2
/// both start with the same request: a step right after the other verb's
/// refused identical request checks that answer (see
/// [`AuthWorld::request_token`]).
pub(super) async fn send_verb(
    w: &mut AuthWorld,
    verb: &str,
    body: Body,
) -> Result<Exchange, StepFailure> {
    match call_of(verb) {
        Call::CreateSession => w.log_in(body).await,
        _ => {
            w.request_token(TokenStep::RequestToken, body, &Extra::default())
                .await
        }
    }
}

#[given("I am logged in as the admin")]
async fn logged_in(w: &mut AuthWorld) -> StepResult {
    let (ex, body) = w.admin_login("log in as the admin").await?;
    w.session_cookie = Some(w.required_cookie(&ex)?);
    w.login_user = Some(w.admin_user(&ex, &body).await?);
    Ok(())
}

#[given("I have logged in a second time in another session")]
async fn second_login(w: &mut AuthWorld) -> StepResult {
    let (ex, _) = w.admin_login("log in a second time").await?;
    w.second_cookie = Some(w.required_cookie(&ex)?);
    Ok(())
}

#[when(regex = r"^I (log in|request an access token) with the admin's e-mail and password$")]
async fn with_good_credentials(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    let body = credentials_body(&ctx.admin_email, &ctx.admin_password);
    let ex = send_verb(w, &verb, body).await?;
    if let Some(c) = w.session_cookie_of(&ex) {
        w.session_cookie = Some(c);
    }
    if let Some(t) = w.token_in(&ex) {
        w.access_token = Some(t);
    }
    Ok(())
}

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail in upper case and the admin's password$"
)]
async fn with_upper_case_email(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    let body = credentials_body(&ctx.admin_email.to_uppercase(), &ctx.admin_password);
    send_verb(w, &verb, body).await?;
    Ok(())
}

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail and a wrong password$"
)]
async fn with_wrong_password(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    let wrong = Secret::new(format!("{}-wrong", ctx.admin_password.expose()));
    send_verb(w, &verb, credentials_body(&ctx.admin_email, &wrong)).await?;
    Ok(())
}

#[when(regex = r"^I (log in|request an access token) with an unknown e-mail and a password$")]
async fn with_unknown_email(w: &mut AuthWorld, verb: String) -> StepResult {
    let ctx = w.ctx();
    let email = format!(
        "nobody-{}@medusa-conformance.test",
        random_id(10).to_lowercase()
    );
    send_verb(w, &verb, credentials_body(&email, &ctx.admin_password)).await?;
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
        return Err(w.scenario_error(format!(
            "the body in the feature file is not JSON: {template}"
        )));
    }
    send_verb(w, &verb, Body::RawJson(text)).await?;
    Ok(())
}

#[when(regex = r#"^I (log in|request an access token) with the raw body "(.*)" sent as JSON$"#)]
async fn with_raw_body(w: &mut AuthWorld, verb: String, raw: String) -> StepResult {
    send_verb(w, &verb, Body::RawJson(raw)).await?;
    Ok(())
}

#[then("the response sets an HttpOnly session cookie")]
async fn sets_http_only_cookie(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let ctx = w.ctx();
    let name = ctx.client.dialect().session_cookie;
    let cookies = ex.cookies_named(name);
    let Some(c) = cookies.last() else {
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

#[then("the response does not start a logged-in session")]
pub(super) async fn no_logged_in_session(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?.clone();
    for value in w.session_cookies(&ex) {
        let probe = w
            .send(Call::GetSession, Auth::Cookie(value), Body::None)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::steps::testing::{answer, run, with_last, world, world_at};

    fn setting(cookie: &str) -> crate::core::exchange::Exchange {
        answer(
            Call::CreateSession,
            200,
            &[("content-type", "application/json"), ("set-cookie", cookie)],
            "{}",
        )
    }

    #[test]
    fn log_in_is_the_session_login() {
        assert_eq!(call_of("log in"), Call::CreateSession);
        assert_eq!(call_of("request an access token"), Call::GetToken);
    }

    #[test]
    fn the_session_cookie_must_be_http_only_and_secure_over_https() {
        let plain = "connect.sid=s%3Aabc.def; Path=/";
        let http_only = "connect.sid=s%3Aabc.def; Path=/; HttpOnly";
        let secure = "connect.sid=s%3Aabc.def; Path=/; HttpOnly; Secure";
        let check = |base: &str, cookie: &str| {
            run(sets_http_only_cookie(&mut with_last(
                world_at(base),
                setting(cookie),
            )))
        };
        assert!(check("http://h:1/", http_only).is_ok());
        assert!(check("http://h:1/", plain).is_err());
        assert!(
            check("http://h:1/", "other=1; HttpOnly").is_err(),
            "no session cookie"
        );
        assert!(check("https://h:1/", http_only).is_err());
        assert!(check("https://h:1/", secure).is_ok());
    }

    #[test]
    fn a_refusal_without_cookies_starts_no_session() {
        let refused = answer(Call::CreateSession, 401, &[], "Unauthorized");
        let mut w = with_last(world(), refused);
        assert!(run(no_logged_in_session(&mut w)).is_ok());
        assert_eq!(w.last.map(|e| e.status), Some(401));
    }

    use crate::suite::steps::testing::{PASSWORD, USER_JSON, against, ok_json};

    /// A backend that logs anyone in, and knows no session.
    fn logs_in(method: &str, _: &str, _: &str) -> (u16, Vec<String>, String) {
        if method == "POST" {
            return (
                200,
                vec![
                    "content-type: application/json; charset=utf-8".to_owned(),
                    "set-cookie: connect.sid=s%3Acanned.sig; Path=/; HttpOnly".to_owned(),
                ],
                format!(r#"{{"user":{USER_JSON}}}"#),
            );
        }
        (401, vec![], "Unauthorized".to_owned())
    }

    fn sent_password(w: &AuthWorld) -> String {
        let body = w.last.as_ref().unwrap().request_body.clone().unwrap();
        serde_json::from_str::<Value>(&body).unwrap()["password"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn logging_in_keeps_the_user_and_the_cookie() {
        let (r, w) = against(logs_in, async |w| logged_in(w).await);
        assert!(r.is_ok());
        assert_eq!(w.login_user.unwrap()["id"], "usr_01CANNED");
        assert_eq!(w.session_cookie.unwrap().expose(), "s%3Acanned.sig");
        let (r, w) = against(logs_in, async |w| second_login(w).await);
        assert!(r.is_ok());
        assert_eq!(w.second_cookie.unwrap().expose(), "s%3Acanned.sig");
        let (r, w) = against(logs_in, async |w| {
            with_good_credentials(w, "log in".into()).await
        });
        assert!(r.is_ok());
        assert_eq!(w.session_cookie.unwrap().expose(), "s%3Acanned.sig");
    }

    static V2_WHOAMIS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    /// A Medusa v2 that gives a token, opens sessions with it and counts
    /// whoamis.
    fn v2_counting(method: &str, path: &str, body: &str) -> (u16, Vec<String>, String) {
        match (method, path) {
            ("POST", "/auth/user/emailpass") => {
                ok_json(r#"{"token":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}"#)
            }
            ("POST", "/auth/session") => (
                200,
                vec![
                    "content-type: application/json; charset=utf-8".to_owned(),
                    "set-cookie: connect.sid=s%3Av2.sig; Path=/; HttpOnly".to_owned(),
                ],
                r#"{"user":{"actor_id":"user_01M8SY5","actor_type":"user","auth_identity_id":"authid_01",
                "auth_provider":"emailpass","app_metadata":{"user_id":"user_01M8SY5"},"user_metadata":{},
                "iat":1796058255,"exp":1796144655}}"#
                    .to_owned(),
            ),
            ("GET", "/admin/users/me") => {
                V2_WHOAMIS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                crate::suite::steps::testing::v2_whoami(method, path, body)
            }
            _ => (500, Vec::new(), String::new()),
        }
    }

    #[test]
    fn on_v2_the_first_precondition_asks_who_the_shared_token_is_and_the_others_know() {
        use crate::core::contract::V2;
        use crate::core::record::ScenarioKey;
        let (users, w) = crate::suite::steps::testing::against_in(&V2, v2_counting, async |w| {
            logged_in(w).await.expect("first precondition");
            // Another scenario of the same run: its own world, the run's context.
            let mut other = AuthWorld::default();
            other.attach(w.ctx(), "other", ScenarioKey::default());
            logged_in(&mut other).await.expect("second precondition");
            (
                w.login_user.clone(),
                other.login_user.clone(),
                other.session_cookie.clone(),
            )
        });
        assert_eq!(V2_WHOAMIS.load(std::sync::atomic::Ordering::SeqCst), 1);
        let (first, second, cookie) = users;
        assert_eq!(
            first.as_ref().map(|u| u["id"].clone()),
            Some("user_01M8SY5".into())
        );
        assert_eq!(second, first);
        assert_eq!(
            cookie.map(|c| c.expose().to_owned()).as_deref(),
            Some("s%3Av2.sig")
        );
        // The first precondition's last exchange is its own session's.
        assert_eq!(w.last.map(|e| e.path), Some("/auth/session".to_owned()));
    }

    #[test]
    fn the_login_variants_send_what_they_say() {
        let (r, w) = against(logs_in, async |w| {
            with_wrong_password(w, "log in".into()).await
        });
        assert!(r.is_ok());
        assert_eq!(sent_password(&w), format!("{PASSWORD}-wrong"));
        let (_, w) = against(logs_in, async |w| {
            with_upper_case_email(w, "log in".into()).await
        });
        let body = w.last.unwrap().request_body.unwrap();
        assert!(body.contains("ADMIN@MEDUSA-TEST.COM"), "{body}");
        let (_, w) = against(logs_in, async |w| {
            with_unknown_email(w, "log in".into()).await
        });
        let body = w.last.unwrap().request_body.unwrap();
        assert!(
            body.contains("@medusa-conformance.test") && body.contains(PASSWORD),
            "{body}"
        );
        let (_, w) = against(logs_in, async |w| {
            with_body(
                w,
                "log in".into(),
                r#"{"email":"{{email}}","password":"{{password}}","x":1}"#.into(),
            )
            .await
        });
        let body = w.last.unwrap().request_body.unwrap();
        assert!(
            body.contains(r#""x":1"#) && body.contains(PASSWORD),
            "{body}"
        );
        let (r, _) = against(logs_in, async |w| {
            with_body(w, "log in".into(), "{not json}".into()).await
        });
        assert!(r.is_err());
        let (_, w) = against(logs_in, async |w| {
            with_raw_body(w, "log in".into(), "[1]".into()).await
        });
        assert_eq!(w.last.unwrap().request_body.as_deref(), Some("[1]"));
    }

    #[test]
    fn a_cookie_of_a_refused_login_must_not_log_in() {
        let refused_with_cookie = answer(
            Call::CreateSession,
            401,
            &[("set-cookie", "connect.sid=s%3Aleft.over; Path=/")],
            "Unauthorized",
        );
        // The backend knows no session: the cookie is refused.
        let (r, w) = against(logs_in, async |w| {
            w.last = Some(refused_with_cookie.clone());
            no_logged_in_session(w).await
        });
        assert!(r.is_ok());
        assert_eq!(w.last.unwrap().status, 401, "the refused answer is kept");
        let accepts = |_: &str, _: &str, _: &str| ok_json(format!(r#"{{"user":{USER_JSON}}}"#));
        let (r, _) = against(accepts, async |w| {
            w.last = Some(refused_with_cookie.clone());
            no_logged_in_session(w).await
        });
        assert!(r.is_err());
    }
}
