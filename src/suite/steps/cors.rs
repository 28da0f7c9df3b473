//! Cross-origin requests: what a page on another origin (or the admin
//! UI's own) gets back in the CORS headers, for a preflight and for real
//! requests.

use cucumber::{then, when};

use crate::core::check::Failure;
use crate::core::contract::Call;
use crate::core::exchange::{Auth, Body, Exchange};
use crate::http::Extra;
use crate::suite::world::{AuthWorld, StepFailure, StepResult, credentials_body};

/// An origin no backend allows: a page on another site.
const FOREIGN_ORIGIN: &str = "https://evil.medusa-conformance.test";

impl AuthWorld {
    /// The origin a phrase of the feature files stands for.
    fn origin(&self, phrase: &str) -> Result<String, StepFailure> {
        if phrase == "a foreign origin" {
            return Ok(FOREIGN_ORIGIN.into());
        }
        if phrase == "the null origin" {
            return Ok("null".into());
        }
        let admin = self.ctx().admin_origin.clone().ok_or_else(|| {
            self.scenario_error("this run has no admin origin (tag the scenario @admin-origin)")
        })?;
        Ok(match phrase {
            "the admin origin" => admin,
            "the admin origin with a suffix" => format!("{admin}.evil.medusa-conformance.test"),
            "the admin origin over the other scheme" => match admin.strip_prefix("https://") {
                Some(rest) => format!("http://{rest}"),
                None => admin.replacen("http://", "https://", 1),
            },
            other => return Err(self.scenario_error(format!("unknown origin '{other}'"))),
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
    w.origin = Some(origin);
    let ctx = w.ctx();
    // v2 logs in for a token first: that is the request a page sends.
    let login = if ctx.client.dialect().session_from_token {
        Call::GetToken
    } else {
        Call::CreateSession
    };
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
            (login, Auth::None, Body::None)
        }
        "asks who I am with the session cookie" => (
            Call::GetSession,
            w.credentials("the session cookie")?,
            Body::None,
        ),
        _ => (
            login,
            Auth::None,
            credentials_body(&ctx.admin_email, &ctx.admin_password),
        ),
    };
    w.send_with(call, auth, body, &extra).await?;
    Ok(())
}

fn header<'a>(ex: &'a Exchange, name: &str) -> Option<&'a str> {
    ex.headers.get(name).and_then(|v| v.to_str().ok())
}

#[then("the response does not allow that origin")]
async fn origin_not_allowed(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let origin = w.origin.clone().unwrap_or_default();
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
    let origin = w.origin.clone().unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::steps::testing::{ORIGIN, json, run, with_last, world, world_with};

    #[test]
    fn origin_phrases_name_their_origins() {
        let w = world();
        assert_eq!(w.origin("a foreign origin").unwrap(), FOREIGN_ORIGIN);
        assert_eq!(w.origin("the null origin").unwrap(), "null");
        assert_eq!(w.origin("the admin origin").unwrap(), ORIGIN);
        assert_eq!(
            w.origin("the admin origin with a suffix").unwrap(),
            "https://admin.example.test.evil.medusa-conformance.test"
        );
        assert_eq!(
            w.origin("the admin origin over the other scheme").unwrap(),
            "http://admin.example.test"
        );
        assert!(w.origin("an origin of no phrase").is_err());
    }

    fn cors_answer(allow: Option<&str>, credentials: Option<&str>) -> Exchange {
        let mut headers = vec![("content-type", "application/json")];
        headers.extend(allow.map(|a| ("access-control-allow-origin", a)));
        headers.extend(credentials.map(|c| ("access-control-allow-credentials", c)));
        crate::suite::steps::testing::answer(Call::CreateSession, 200, &headers, "{}")
    }

    fn from(origin: &str, ex: Exchange) -> AuthWorld {
        let mut w = with_last(world(), ex);
        w.origin = Some(origin.into());
        w
    }

    #[test]
    fn an_origin_is_allowed_by_its_name_or_a_star() {
        let page = "https://evil.example";
        for ex in [
            json(200, "{}"),
            cors_answer(Some("https://other.example"), Some("true")),
        ] {
            assert!(run(origin_not_allowed(&mut from(page, ex))).is_ok());
        }
        for allow in [page, "*"] {
            let ex = cors_answer(Some(allow), None);
            assert!(
                run(origin_not_allowed(&mut from(page, ex))).is_err(),
                "{allow}"
            );
        }
    }

    #[test]
    fn the_admin_origin_is_allowed_with_credentials() {
        let ok = cors_answer(Some(ORIGIN), Some("true"));
        assert!(run(origin_allowed(&mut from(ORIGIN, ok))).is_ok());
        for ex in [
            cors_answer(Some(ORIGIN), None),
            cors_answer(Some("*"), Some("true")),
            cors_answer(None, Some("true")),
        ] {
            assert!(run(origin_allowed(&mut from(ORIGIN, ex))).is_err());
        }
    }

    #[test]
    fn the_other_scheme_of_an_http_origin_is_https() {
        let w = world_with("http://127.0.0.1:9/", "http://admin.local:7001");
        assert_eq!(
            w.origin("the admin origin over the other scheme").unwrap(),
            "https://admin.local:7001"
        );
    }

    #[test]
    fn a_page_sends_its_origin_and_a_preflight_asks_first() {
        use crate::suite::steps::testing::against;
        let backend = |method: &str, _: &str, _: &str| match method {
            "OPTIONS" => (204, vec![], String::new()),
            _ => (401, vec![], "Unauthorized".to_owned()),
        };
        let (r, w) = against(backend, async |w| {
            cross_origin(
                w,
                "a foreign origin".into(),
                "sends a preflight to log in".into(),
            )
            .await
        });
        assert!(r.is_ok(), "{r:?}");
        let ex = w.last.clone().unwrap();
        assert_eq!(ex.method, "OPTIONS");
        let sent = |name: &str| {
            ex.request_headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(sent("origin").as_deref(), Some(FOREIGN_ORIGIN));
        assert_eq!(
            sent("access-control-request-method").as_deref(),
            Some("POST")
        );
        assert_eq!(w.origin.as_deref(), Some(FOREIGN_ORIGIN));
        let (_, w) = against(backend, async |w| {
            cross_origin(
                w,
                "the null origin".into(),
                "logs in with the admin's e-mail and password".into(),
            )
            .await
        });
        let ex = w.last.unwrap();
        assert_eq!(
            (ex.method.as_str(), ex.path.as_str()),
            ("POST", "/admin/auth")
        );
        assert!(
            ex.request_body
                .unwrap()
                .contains(crate::suite::steps::testing::PASSWORD)
        );
    }

    #[test]
    fn a_page_asking_who_i_am_sends_the_session_cookie() {
        use crate::suite::steps::testing::against;
        let refuses = |_: &str, _: &str, _: &str| (401, vec![], "Unauthorized".to_owned());
        let (r, w) = against(refuses, async |w| {
            w.session_cookie = Some(crate::core::redact::Secret::new("s%3Asid.sig"));
            cross_origin(
                w,
                "the admin origin".into(),
                "asks who I am with the session cookie".into(),
            )
            .await
        });
        assert!(r.is_ok(), "{r:?}");
        let ex = w.last.unwrap();
        assert_eq!(ex.method, "GET");
        let origin = ex.request_headers.iter().find(|(k, _)| k == "origin");
        assert_eq!(origin.map(|(_, v)| v.as_str()), Some(ORIGIN));
        assert!(ex.request_headers.iter().any(|(k, _)| k == "cookie"));
    }
}
