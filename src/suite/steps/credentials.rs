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
