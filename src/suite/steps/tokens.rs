//! Bearer tokens in depth: altered access tokens (alg none, no signature,
//! a changed payload), tokens the suite signs with the backend's own
//! secret but wrong claims, API token variants, and what an access
//! token's claims may hold.

use cucumber::{given, then};
use serde_json::{Value, json};

use crate::core::check::{self, Failure};
use crate::core::contract::{Call, SchemaName};
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::jwt;
use crate::core::redact::Secret;
use crate::suite::steps::credentials::{change_last, swap_case};
use crate::suite::world::{AuthWorld, StepFailure, StepResult};

impl AuthWorld {
    /// The credentials of the phrases [`AuthWorld::credentials`] leaves to
    /// this file: altered access tokens, API token variants, and tokens
    /// signed with the backend's secret.
    pub(in crate::suite) fn token_credentials(&self, phrase: &str) -> Result<Auth, StepFailure> {
        if let Some(auth) = self.altered_access_token(phrase)? {
            return Ok(auth);
        }
        if let Some(auth) = self.api_token_variant(phrase)? {
            return Ok(auth);
        }
        let Some(claims) = forged_claims(self, phrase) else {
            return Err(self.scenario_error(format!("unknown credentials '{phrase}'")));
        };
        let secret = self.ctx().jwt_secret.clone().ok_or_else(|| {
            self.scenario_error("this run has no JWT secret (tag the scenario @jwt-secret)")
        })?;
        Ok(Auth::Bearer(Secret::new(jwt::sign_hs256(
            &claims,
            secret.expose().as_bytes(),
        ))))
    }

    /// The scenario's access token, altered as `phrase` says (`None`: not
    /// such a phrase). The altered token is taught to the redactor.
    fn altered_access_token(&self, phrase: &str) -> Result<Option<Auth>, StepFailure> {
        let (alter, what): (fn(&str) -> Option<String>, &str) = match phrase {
            "the access token re-headed with alg none" => (jwt::alg_none, "re-headed"),
            "the access token without its signature" => (jwt::without_signature, "stripped"),
            "the access token with its payload changed under the original signature" => {
                (jwt::payload_changed, "changed")
            }
            _ => return Ok(None),
        };
        let token = self
            .access_token
            .clone()
            .ok_or_else(|| self.scenario_error("this scenario has no access token yet"))?;
        let altered = alter(token.expose()).ok_or_else(|| {
            self.scenario_error(format!(
                "the access token cannot be {what}: it is not a JWT"
            ))
        })?;
        // Derived from this scenario's token: this scenario's to mask.
        self.redactor().add(&altered);
        Ok(Some(Auth::Bearer(Secret::new(altered))))
    }

    /// The admin's API token, changed as `phrase` says (`None`: not such a
    /// phrase). The variant is taught to the redactor.
    fn api_token_variant(&self, phrase: &str) -> Result<Option<Auth>, StepFailure> {
        let change: fn(&str) -> Option<String> = match phrase {
            "the API token shortened by one character" => |t| {
                let mut s = t.to_owned();
                s.pop();
                Some(s)
            },
            "the API token with one more character" => |t| Some(format!("{t}x")),
            "the API token in another letter case" => swap_case,
            "the API token with one character changed" => |t| Some(change_last(t)),
            _ => return Ok(None),
        };
        let ctx = self.ctx();
        let token = ctx
            .api_token
            .clone()
            .ok_or_else(|| self.scenario_error("this run has no API token"))?;
        let variant = change(token.expose()).ok_or_else(|| {
            self.scenario_error("the API token has no letter to change the case of")
        })?;
        ctx.redactor.add(&variant);
        Ok(Some(Auth::ApiToken(Secret::new(variant))))
    }
}

/// Claims of a token the suite signs with the backend's own secret.
fn forged_claims(w: &AuthWorld, phrase: &str) -> Option<Value> {
    let now = jwt::now_secs();
    let user_id = w
        .login_user
        .as_ref()
        .and_then(|u| u["id"].as_str())
        .unwrap_or("usr_unknown")
        .to_owned();
    let day = 86_400;
    Some(match phrase {
        "a bearer token signed with the backend's secret" => {
            json!({"user_id": user_id, "domain": "admin", "iat": now, "exp": now + 3600})
        }
        "an expired bearer token" => {
            json!({"user_id": user_id, "domain": "admin", "iat": now - 2 * day, "exp": now - day})
        }
        "a bearer token not valid before tomorrow" => {
            json!({"user_id": user_id, "domain": "admin", "iat": now, "nbf": now + day, "exp": now + 2 * day})
        }
        "a bearer token for the store domain" => {
            json!({"user_id": user_id, "domain": "store", "iat": now, "exp": now + 3600})
        }
        "a bearer token without a domain" => {
            json!({"user_id": user_id, "iat": now, "exp": now + 3600})
        }
        "a bearer token of an unknown user" => {
            json!({"user_id": "usr_01MEDUSACONFORMANCEGHOST00", "domain": "admin", "iat": now, "exp": now + 3600})
        }
        _ => return None,
    })
}

#[given("the backend accepts a bearer token signed with its secret")]
async fn secret_is_right(w: &mut AuthWorld) -> StepResult {
    let auth = w.credentials("a bearer token signed with the backend's secret")?;
    let ex = w.send(Call::GetSession, auth, Body::None).await?.clone();
    if ex.status == 200 {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "jwt secret",
            format!(
                "a token signed with MEDUSA_JWT_SECRET is refused ({}): the secret is not the backend's, \
                 so the refusals below would prove nothing",
                ex.status
            ),
        )
        .with_exchange(&ex),
    ))
}

/// The access token of the last response, and its claims.
fn token_claims(w: &AuthWorld) -> Result<(Exchange, Value), StepFailure> {
    let ex = w.last()?.clone();
    let body = check::schema(&ex, SchemaName::AdminBearerAuthRes).map_err(|f| w.fail(f))?;
    let token = body["access_token"].as_str().unwrap_or_default();
    match jwt::decode_unverified(token) {
        Some((_, claims)) => Ok((ex, claims)),
        None => Err(w.fail(
            Failure::new("access token is a JWT", "the access token is not a JWT")
                .with_exchange(&ex),
        )),
    }
}

#[then("no claim of the access token holds the password, a hash or the e-mail")]
async fn no_secret_claims(w: &mut AuthWorld) -> StepResult {
    let (ex, claims) = token_claims(w)?;
    let ctx = w.ctx();
    let found = secret_claims(&claims, ctx.admin_password.expose(), &ctx.admin_email);
    if found.is_empty() {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "access token secrets",
            format!(
                "the access token (readable by anyone who holds it) carries secrets: {}",
                found.join("; ")
            ),
        )
        .with_exchange(&ex),
    ))
}

/// The claims that name or hold the password, a password hash or the e-mail.
fn secret_claims(claims: &Value, password: &str, email: &str) -> Vec<String> {
    let email = email.to_lowercase();
    let mut found = Vec::new();
    for (k, v) in claims.as_object().into_iter().flatten() {
        let name = k.to_lowercase();
        if ["password", "hash", "email", "e-mail"]
            .iter()
            .any(|w| name.contains(w))
        {
            found.push(format!("the claim {k}"));
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if text.contains(password) {
            found.push(format!("the claim {k} holds the password"));
        } else if text.to_lowercase().contains(&email) {
            found.push(format!("the claim {k} holds the e-mail"));
        } else if looks_like_password_hash(&text) {
            found.push(format!("the claim {k} holds a password hash"));
        }
    }
    found
}

/// scrypt-kdf (Medusa v1, base64 of `scrypt`), bcrypt and argon2 hashes.
fn looks_like_password_hash(s: &str) -> bool {
    s.starts_with("c2NyeXB0")
        || s.starts_with("$2a$")
        || s.starts_with("$2b$")
        || s.starts_with("$2y$")
        || s.starts_with("$argon2")
        || s.starts_with("$scrypt")
}

#[then(
    regex = r#"^the access token carries exactly the claims user_id, domain, iat and exp, with domain "admin"$"#
)]
async fn exact_claims(w: &mut AuthWorld) -> StepResult {
    let (ex, claims) = token_claims(w)?;
    let mut names: Vec<&str> = claims
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    let actual = format!("claims: {}\ndomain: {}", names.join(", "), claims["domain"]);
    let expected = "claims: domain, exp, iat, user_id\ndomain: \"admin\"";
    if actual == expected {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "access token claims",
            "the access token's claims are not the contract's (user_id, domain \"admin\", iat, exp)",
        )
        .with_exchange(&ex)
        .with_diff(expected, actual),
    ))
}

#[then(regex = r"^the access token lives (\d+) seconds$")]
async fn token_lifetime(w: &mut AuthWorld, secs: i64) -> StepResult {
    let (ex, claims) = token_claims(w)?;
    let lifetime = match (claims["iat"].as_i64(), claims["exp"].as_i64()) {
        (Some(iat), Some(exp)) => Some(exp - iat),
        _ => None,
    };
    if lifetime == Some(secs) {
        return Ok(());
    }
    let actual = lifetime.map_or("(no numeric iat and exp)".to_owned(), |l| l.to_string());
    Err(w.fail(
        Failure::new(
            "access token lifetime",
            format!("the access token lives {actual} s (exp - iat), not {secs} s"),
        )
        .with_exchange(&ex)
        .with_diff(secs.to_string(), actual),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_claims_are_named() {
        let pw = "hunter2-admin";
        let email = "Admin@Example.com";
        let clean = json!({"user_id": "usr_1", "domain": "admin", "iat": 1, "exp": 2});
        assert!(secret_claims(&clean, pw, email).is_empty());
        let bad = json!({
            "user_id": "usr_1",
            "password_hash": "x",
            "sub": "admin@example.com",
            "note": "hunter2-admin",
            "h": "c2NyeXB0AA8AAAAIAAAAAc0mJ1kO",
        });
        let found = secret_claims(&bad, pw, email).join("; ");
        for expected in [
            "the claim password_hash",
            "the claim sub holds the e-mail",
            "the claim note holds the password",
            "the claim h holds a password hash",
        ] {
            assert!(found.contains(expected), "{found}");
        }
        assert!(looks_like_password_hash("c2NyeXB0AA8AAAAIAAAAAc0mJ1kO"));
        assert!(!looks_like_password_hash("usr_01"));
    }
}
