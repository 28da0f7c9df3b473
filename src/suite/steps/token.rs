//! Access tokens: getting one, and what a (refused) token answer holds.

use cucumber::{given, then};

use crate::core::check::Failure;
use crate::core::contract::Call;
use crate::core::jwt;
use crate::core::redact::Secret;
use crate::suite::world::{AuthWorld, StepResult};

#[given("I have an access token for the admin")]
async fn have_token(w: &mut AuthWorld) -> StepResult {
    let (_, body) = w
        .admin_precondition(Call::GetToken, "get an access token")
        .await?;
    w.access_token = body["access_token"].as_str().map(Secret::new);
    Ok(())
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

/// What makes `token` unusable as an access token, if anything.
fn jwt_problem(token: &str) -> Option<String> {
    let Some((header, claims)) = jwt::decode_unverified(token) else {
        return Some(
            "it is not three base64url parts holding a JSON header and JSON claims".to_owned(),
        );
    };
    let alg = header["alg"].as_str().unwrap_or("none");
    if alg.eq_ignore_ascii_case("none") {
        return Some("it is not signed (alg none)".to_owned());
    }
    if claims["exp"]
        .as_i64()
        .is_none_or(|exp| exp <= jwt::now_secs())
    {
        return Some(format!(
            "its exp claim is missing or past: {}",
            claims["exp"]
        ));
    }
    None
}

#[then("the access token is a well-formed JWT")]
async fn token_is_jwt(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let body = w.require_json(ex)?;
    let token = body["access_token"].as_str().unwrap_or_default();
    match jwt_problem(token) {
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
