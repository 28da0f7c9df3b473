//! Credentials matched exactly: the admin's password with another letter
//! case, a character more or less, or surrounding spaces (the API token
//! variants are credentials phrases, in `tokens.rs`).

use cucumber::when;

use crate::core::redact::Secret;
use crate::suite::steps::login::send_verb;
use crate::suite::world::{AuthWorld, StepResult, credentials_body};

/// The text with every letter's case swapped; `None` if it has no letter.
pub(super) fn swap_case(s: &str) -> Option<String> {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_lowercase() {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .collect();
    (out != s).then_some(out)
}

/// The text with its last character replaced by another.
pub(super) fn change_last(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(c) = chars.last_mut() {
        *c = if *c == 'x' { 'y' } else { 'x' };
    }
    chars.into_iter().collect()
}

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail and the password (in another letter case|with one more character|with one character less|with surrounding spaces)$"
)]
async fn with_password_variant(w: &mut AuthWorld, verb: String, how: String) -> StepResult {
    let ctx = w.ctx();
    let right = ctx.admin_password.expose();
    let variant = match how.as_str() {
        "in another letter case" => swap_case(right),
        "with one more character" => Some(format!("{right}x")),
        "with one character less" => {
            let mut chars = right.chars();
            chars.next_back();
            Some(chars.as_str().to_owned())
        }
        _ => Some(format!(" {right} ")),
    };
    let Some(variant) = variant.filter(|v| !v.is_empty()) else {
        return Err(w.scenario_error(format!(
            "the admin's password cannot be changed this way ({how})"
        )));
    };
    ctx.redactor.add(&variant);
    let body = credentials_body(&ctx.admin_email, &Secret::new(variant));
    send_verb(w, &verb, body).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_differ() {
        assert_eq!(swap_case("aB-1").as_deref(), Some("Ab-1"));
        assert_eq!(swap_case("123"), None);
        assert_eq!(change_last("abc"), "abx");
        assert_eq!(change_last("abx"), "aby");
    }

    use crate::suite::steps::testing::{PASSWORD, against};

    fn refuses(_: &str, _: &str, _: &str) -> (u16, Vec<String>, String) {
        (
            401,
            vec!["content-type: text/plain; charset=utf-8".to_owned()],
            "Unauthorized".to_owned(),
        )
    }

    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::core::contract::{Call, Dialect, V1, V2};
    use crate::suite::steps::common::status_is;
    use crate::suite::steps::login::no_logged_in_session;
    use crate::suite::steps::testing::{against_in, ok_json};
    use crate::suite::steps::token::no_access_token;
    use crate::suite::world::AuthWorld;

    /// One row of the credentials outline, every step run even after one
    /// fails (cucumber stops there): each step's verdict, in order.
    async fn outline_row(w: &mut AuthWorld) -> Vec<bool> {
        let how = "with one more character";
        vec![
            with_password_variant(w, "log in".into(), how.into())
                .await
                .is_ok(),
            status_is(w, 401).await.is_ok(),
            no_logged_in_session(w).await.is_ok(),
            with_password_variant(w, "request an access token".into(), how.into())
                .await
                .is_ok(),
            status_is(w, 401).await.is_ok(),
            no_access_token(w).await.is_ok(),
        ]
    }

    /// The outline row against `reply`: each step's verdict, the world,
    /// and how many requests `sent` counted.
    fn row_against(
        dialect: &'static Dialect,
        reply: crate::suite::steps::testing::Reply,
        sent: &AtomicUsize,
    ) -> (Vec<bool>, AuthWorld, usize) {
        let before = sent.load(Ordering::SeqCst);
        let (verdicts, w) = against_in(dialect, reply, async |w| outline_row(w).await);
        (verdicts, w, sent.load(Ordering::SeqCst) - before)
    }

    static V2_REFUSED: AtomicUsize = AtomicUsize::new(0);
    static V1_REFUSED: AtomicUsize = AtomicUsize::new(0);
    static V2_LET_IN: AtomicUsize = AtomicUsize::new(0);

    /// Medusa v2 refusing a wrong password.
    fn v2_refuses(_: &str, path: &str, _: &str) -> (u16, Vec<String>, String) {
        V2_REFUSED.fetch_add(1, Ordering::SeqCst);
        let (_, headers, _) = ok_json("");
        if path != "/auth/user/emailpass" {
            return (500, Vec::new(), String::new());
        }
        let body = r#"{"type":"unauthorized","message":"Invalid email or password"}"#;
        (401, headers, body.to_owned())
    }

    #[test]
    fn on_v2_the_token_step_checks_the_logins_identical_refused_request() {
        let (verdicts, w, sent) = row_against(&V2, v2_refuses, &V2_REFUSED);
        assert_eq!(verdicts, [true; 6], "every step passes");
        assert_eq!(sent, 1, "one request for the pair");
        let last = w.last.as_ref().expect("an answer");
        assert_eq!((last.call, last.status), (Call::GetToken, 401));
        let reused = w.ctx().reused();
        assert_eq!(reused.len(), 1, "{reused:?}");
        assert_eq!(reused[0].request, "POST /auth/user/emailpass");
        assert!(
            reused[0]
                .describe()
                .starts_with("same request as the previous step on this dialect: POST /auth/user/emailpass was not sent again"),
            "{}",
            reused[0].describe()
        );
    }

    /// Medusa v1 refusing a wrong password, on both routes.
    fn v1_refuses(_: &str, _: &str, _: &str) -> (u16, Vec<String>, String) {
        V1_REFUSED.fetch_add(1, Ordering::SeqCst);
        refuses("", "", "")
    }

    #[test]
    fn on_v1_the_login_and_the_token_request_are_each_sent() {
        let (verdicts, w, sent) = row_against(&V1, v1_refuses, &V1_REFUSED);
        assert_eq!(verdicts, [true; 6]);
        assert_eq!(sent, 2, "a login and a token request");
        assert_eq!(
            w.last.as_ref().map(|e| e.path.as_str()),
            Some("/admin/auth/token")
        );
        assert!(w.ctx().reused().is_empty());
    }

    /// A v2 backend that takes any password: a token, and a session for it.
    fn v2_lets_anyone_in(method: &str, path: &str, _: &str) -> (u16, Vec<String>, String) {
        match (method, path) {
            ("POST", "/auth/user/emailpass") => {
                V2_LET_IN.fetch_add(1, Ordering::SeqCst);
                ok_json(r#"{"token":"eyJh.eyJh.c2ln"}"#)
            }
            ("POST", "/auth/session") => ok_json(
                r#"{"user":{"actor_id":"user_01","actor_type":"user","auth_identity_id":"authid_01",
                "auth_provider":"emailpass","mfa_enabled":false,"mfa_challenge_completed_at":null,
                "app_metadata":{"user_id":"user_01"},"user_metadata":{},"iat":1,"exp":2}}"#,
            ),
            _ => (404, Vec::new(), String::new()),
        }
    }

    #[test]
    fn a_v2_backend_that_takes_the_variant_fails_both_steps() {
        let (verdicts, w, sent) = row_against(&V2, v2_lets_anyone_in, &V2_LET_IN);
        // Each step's own status check fails, and the token step's
        // no-token check: the token request was sent, not reused.
        assert_eq!(verdicts, [true, false, true, true, false, false]);
        assert_eq!(sent, 2, "an accepted login is not a refusal to reuse");
        assert!(w.ctx().reused().is_empty());
    }

    #[test]
    fn each_password_variant_is_sent_and_masked() {
        for (how, expected) in [
            ("in another letter case", PASSWORD.to_uppercase()),
            ("with one more character", format!("{PASSWORD}x")),
            (
                "with one character less",
                PASSWORD[..PASSWORD.len() - 1].to_owned(),
            ),
            ("with surrounding spaces", format!(" {PASSWORD} ")),
        ] {
            let (r, w) = against(refuses, async |w| {
                with_password_variant(w, "log in".into(), how.into()).await
            });
            assert!(r.is_ok(), "{how}");
            let body = w.last.as_ref().unwrap().request_body.clone().unwrap();
            let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(sent["password"], expected.as_str(), "{how}");
            assert!(
                !w.ctx().redactor.mask(&expected).contains(&expected),
                "{how}"
            );
        }
    }
}
