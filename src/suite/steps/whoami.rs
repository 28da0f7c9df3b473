//! Asking who I am, and what the answer must (not) reveal.

use cucumber::{then, when};

use crate::core::check::{self, Failure};
use crate::core::contract::Call;
use crate::core::exchange::Body;
use crate::suite::world::{AuthWorld, StepResult};

#[when(regex = r"^I ask who I am with (.+)$")]
async fn whoami(w: &mut AuthWorld, phrase: String) -> StepResult {
    let auth = w.credentials(&phrase)?;
    w.send(Call::GetSession, auth, Body::None).await?;
    Ok(())
}

#[then("the response user has the admin's e-mail")]
async fn user_has_admin_email(w: &mut AuthWorld) -> StepResult {
    let ex = w.last()?.clone();
    let mut body = w.require_json(&ex)?;
    if ex.call == Call::CreateSession && !w.login_answer_has_the_user() {
        // v2's login answer holds the token's claims: its user is the one
        // whoami names with the session the login set.
        body = serde_json::json!({ "user": w.user_of_login(&ex, &body).await? });
    }
    let ex = &ex;
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
        return Err(w.scenario_error("no user has logged in in this scenario"));
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::suite::steps::testing::{EMAIL, answer, json, run, with_last, world};

    const USER: &str = r#"{"user":{"id":"usr_01ABC","email":"admin@medusa-test.com"}}"#;

    #[test]
    fn the_user_has_the_admins_lower_case_email() {
        assert!(
            run(user_has_admin_email(&mut with_last(
                world(),
                json(200, USER)
            )))
            .is_ok()
        );
        let upper = USER.replace(EMAIL, &EMAIL.to_uppercase());
        assert!(
            run(user_has_admin_email(&mut with_last(
                world(),
                json(200, &upper)
            )))
            .is_err()
        );
        let other = USER.replace("admin@", "other@");
        assert!(
            run(user_has_admin_email(&mut with_last(
                world(),
                json(200, &other)
            )))
            .is_err()
        );
        let none = r#"{"user":{}}"#;
        assert!(
            run(user_has_admin_email(&mut with_last(
                world(),
                json(200, none)
            )))
            .is_err()
        );
    }

    #[test]
    fn v2_asks_whoami_for_the_user_of_a_login_only() {
        use crate::core::contract::V2;
        use crate::suite::steps::testing::{against_in, v2_whoami};
        // A v2 login answers the token's claims (no e-mail): whoami is
        // asked with the session cookie the login set.
        let login = answer(
            Call::CreateSession,
            200,
            &[
                ("content-type", "application/json; charset=utf-8"),
                (
                    "set-cookie",
                    "connect.sid=s%3Acanned-v2.sig; Path=/; HttpOnly",
                ),
            ],
            r#"{"user":{"actor_id":"user_01M8SY5","actor_type":"user"}}"#,
        );
        let (r, w) = against_in(&V2, v2_whoami, async |w| {
            w.last = Some(login);
            user_has_admin_email(w).await.map_err(|f| f.to_string())
        });
        assert_eq!(r, Ok(()));
        assert_eq!(w.last.map(|e| e.call), Some(Call::CreateSession));
        // Any other answer is read as it is: nothing is sent (no cookie
        // to send, and the server would fail it).
        let (r, w) = against_in(&V2, v2_whoami, async |w| {
            w.last = Some(json(200, USER));
            user_has_admin_email(w).await.map_err(|f| f.to_string())
        });
        assert_eq!(r, Ok(()));
        assert_eq!(w.last.map(|e| e.call), Some(Call::GetSession));
    }

    #[test]
    fn the_same_user_is_the_logged_in_user() {
        let mut w = with_last(world(), json(200, USER));
        assert!(run(same_user(&mut w)).is_err(), "nobody logged in");
        w.login_user = Some(json!({"id": "usr_01ABC", "email": EMAIL}));
        assert!(run(same_user(&mut w)).is_ok());
        w.login_user = Some(json!({"id": "usr_01XYZ", "email": EMAIL}));
        assert!(run(same_user(&mut w)).is_err());
    }

    #[test]
    fn any_trace_of_the_user_reveals_it() {
        let refused = r#"{"type":"unauthorized","message":"Unauthorized"}"#;
        let text = |body: &str| answer(Call::GetSession, 401, &[], body);
        let mut revealing = vec![
            json(401, r#"{"user":null}"#),
            json(401, r#"{"email":"x"}"#),
            text(&format!("no session for {}", EMAIL.to_uppercase())),
            text("no session for USR_01ABC"),
        ];
        for ex in revealing.drain(..) {
            let mut w = with_last(world(), ex);
            w.login_user = Some(json!({"id": "usr_01ABC"}));
            assert!(run(does_not_reveal_user(&mut w)).is_err());
        }
        for ex in [json(401, refused), text("Unauthorized")] {
            let mut w = with_last(world(), ex);
            w.login_user = Some(json!({"id": "usr_01ABC"}));
            assert!(run(does_not_reveal_user(&mut w)).is_ok());
            // Without a logged-in user only the e-mail and the keys count.
            assert!(
                run(does_not_reveal_user(&mut with_last(
                    world(),
                    w.last.unwrap()
                )))
                .is_ok()
            );
        }
    }

    #[test]
    fn asking_who_i_am_sends_the_phrase_credentials() {
        use crate::suite::steps::testing::against;
        let refuses = |_: &str, _: &str, _: &str| (401, vec![], "Unauthorized".to_owned());
        let (r, w) = against(refuses, async |w| {
            whoami(w, "a garbage bearer token".into()).await
        });
        assert!(r.is_ok(), "{r:?}");
        let ex = w.last.unwrap();
        assert_eq!(ex.method, "GET");
        let auth = ex
            .request_headers
            .iter()
            .find(|(k, _)| k == "authorization");
        assert_eq!(auth.map(|(_, v)| v.as_str()), Some("Bearer not-a-jwt"));
    }
}
