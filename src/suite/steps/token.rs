//! Access tokens: getting one, and what a (refused) token answer holds.

use cucumber::{given, then, when};

use crate::core::check::Failure;
use crate::core::contract::Call;
use crate::core::exchange::Body;
use crate::core::jwt;
use crate::core::redact::Secret;
use crate::suite::world::{AuthWorld, StepResult};

#[given("I have an access token for the admin")]
async fn have_token(w: &mut AuthWorld) -> StepResult {
    w.access_token = Some(w.admin_token("get an access token").await?);
    Ok(())
}

#[when(regex = r"^I refresh the access token with (.+)$")]
async fn refresh(w: &mut AuthWorld, phrase: String) -> StepResult {
    if !w.ctx().client.dialect().has(Call::RefreshToken) {
        return Err(w.scenario_error("this dialect has no token refresh: tag the scenario @v2"));
    }
    let auth = w.credentials(&phrase)?;
    w.send(Call::RefreshToken, auth, Body::None).await?;
    Ok(())
}

#[then("the response does not contain an access token")]
pub(super) async fn no_access_token(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?;
    let keys = ex.json().ok().is_some_and(|v| {
        ["access_token", "accessToken", "token"]
            .iter()
            .any(|k| v.get(k).is_some())
    });
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
    let token = body[w.ctx().client.dialect().token_key]
        .as_str()
        .unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::contract::Call;
    use crate::suite::steps::testing::{answer, json, run, with_last, world};

    fn token(header_alg: &str, exp: Option<i64>) -> String {
        let signed = jwt::sign_hs256(
            &match exp {
                Some(exp) => json!({"user_id": "usr_1", "exp": exp}),
                None => json!({"user_id": "usr_1"}),
            },
            b"k",
        );
        if header_alg == "HS256" {
            return signed;
        }
        let header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            json!({"alg": header_alg, "typ": "JWT"}).to_string(),
        );
        let rest = signed.split_once('.').unwrap().1;
        format!("{header}.{rest}")
    }

    #[test]
    fn a_usable_token_is_signed_and_not_expired() {
        let later = jwt::now_secs() + 3600;
        assert_eq!(jwt_problem(&token("HS256", Some(later))), None);
        assert!(jwt_problem("not-a-jwt").is_some());
        assert!(jwt_problem(&token("none", Some(later))).is_some());
        assert!(jwt_problem(&token("NoNe", Some(later))).is_some());
        assert!(jwt_problem(&token("HS256", None)).is_some());
        assert!(jwt_problem(&token("HS256", Some(jwt::now_secs() - 10))).is_some());
        // Expiring now is expired (the clock only moves on: never a false red).
        assert!(jwt_problem(&token("HS256", Some(jwt::now_secs()))).is_some());
    }

    #[test]
    fn the_token_step_keeps_a_usable_token() {
        let good = token("HS256", Some(jwt::now_secs() + 3600));
        let body = json!({ "access_token": good }).to_string();
        let mut w = with_last(world(), json(200, &body));
        assert!(run(token_is_jwt(&mut w)).is_ok());
        assert_eq!(
            w.access_token.as_ref().map(|t| t.expose()),
            Some(good.as_str())
        );
        let mut w = with_last(world(), json(200, r#"{"access_token":"abc"}"#));
        assert!(run(token_is_jwt(&mut w)).is_err());
        assert!(w.access_token.is_none());
    }

    #[test]
    fn a_refusal_holds_no_token_by_key_or_by_shape() {
        let jwt_text = token("HS256", Some(1));
        let holding = [
            json(401, r#"{"access_token":"x"}"#),
            json(401, r#"{"accessToken":"x"}"#),
            json(401, r#"{"token":"x"}"#),
            answer(Call::GetToken, 401, &[], &format!("token={jwt_text};")),
        ];
        for ex in holding {
            assert!(run(no_access_token(&mut with_last(world(), ex))).is_err());
        }
        let clean = [
            json(401, r#"{"type":"unauthorized","message":"Unauthorized"}"#),
            answer(Call::GetToken, 401, &[], "Unauthorized"),
        ];
        for ex in clean {
            assert!(run(no_access_token(&mut with_last(world(), ex))).is_ok());
        }
    }

    #[test]
    fn v1_has_no_refresh_and_sends_nothing() {
        let mut w = world();
        let err = run(refresh(&mut w, "the access token".to_owned())).unwrap_err();
        assert!(
            err.to_string()
                .contains("this dialect has no token refresh: tag the scenario @v2"),
            "{err}"
        );
        assert!(w.last.is_none(), "nothing sent");
    }

    #[test]
    fn having_a_token_keeps_the_answers_token() {
        use crate::suite::steps::testing::{against, ok_json};
        let token = |_: &str, _: &str, _: &str| {
            ok_json(r#"{"access_token":"canned-token-value"}"#.to_owned())
        };
        let (r, w) = against(token, async |w| have_token(w).await);
        assert!(r.is_ok());
        assert_eq!(w.access_token.unwrap().expose(), "canned-token-value");
    }
}
