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
