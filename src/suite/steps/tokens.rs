//! Bearer tokens in depth: altered access tokens (alg none, no signature,
//! a changed payload), tokens the suite signs with the backend's own
//! secret but wrong claims, API token variants, and what an access
//! token's claims may hold.

use cucumber::{given, then};
use serde_json::{Value, json};

use crate::core::check::Failure;
use crate::core::contract::Call;
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
    if w.ctx().client.dialect().session_from_token {
        return forged_v2_claims(&user_id, phrase, now);
    }
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

/// v2's forged claims: the actor stands for v1's user, its actor type for
/// v1's domain (`customer` for the store).
fn forged_v2_claims(user_id: &str, phrase: &str, now: i64) -> Option<Value> {
    let day = 86_400;
    let (actor_id, actor_type) = match phrase {
        "a bearer token of an unknown user" => ("user_01MEDUSACONFORMANCEGHOST00", Some("user")),
        "a bearer token for the store domain" => (user_id, Some("customer")),
        "a bearer token without a domain" => (user_id, None),
        _ => (user_id, Some("user")),
    };
    let (iat, nbf, exp) = match phrase {
        "an expired bearer token" => (now - 2 * day, None, now - day),
        "a bearer token not valid before tomorrow" => (now, Some(now + day), now + 2 * day),
        "a bearer token signed with the backend's secret"
        | "a bearer token of an unknown user"
        | "a bearer token for the store domain"
        | "a bearer token without a domain" => (now, None, now + 3600),
        _ => return None,
    };
    let mut claims = json!({"actor_id": actor_id, "app_metadata": {"user_id": actor_id}, "iat": iat, "exp": exp});
    if let Some(t) = actor_type {
        claims["actor_type"] = json!(t);
    }
    if let Some(n) = nbf {
        claims["nbf"] = json!(n);
    }
    Some(claims)
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

/// The scenario's access token (the one its steps send as "the access
/// token": from its own login or token request, or the run's shared one)
/// and its claims, with the exchange that carried it when that is the
/// last one (the shared token's login is no exchange of this scenario).
fn token_claims(w: &AuthWorld) -> Result<(Option<Exchange>, Value), StepFailure> {
    let Some(token) = w.access_token.clone() else {
        return Err(w.scenario_error("this scenario has no access token yet"));
    };
    let carried = w
        .last()
        .ok()
        .filter(|ex| w.token_in(ex).is_some_and(|t| t.expose() == token.expose()))
        .cloned();
    match jwt::decode_unverified(token.expose()) {
        Some((_, claims)) => Ok((carried, claims)),
        None => Err(w.fail(
            Failure::new("access token is a JWT", "the access token is not a JWT")
                .with_exchange_if(carried.as_ref()),
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
        .with_exchange_if(ex.as_ref()),
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

#[then(regex = r#"^the access token carries exactly the claims (.+), with (\w+) "(\w+)"$"#)]
async fn exact_claims(w: &mut AuthWorld, list: String, key: String, value: String) -> StepResult {
    let (ex, claims) = token_claims(w)?;
    let mut names: Vec<&str> = claims
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    let mut wanted: Vec<&str> = list
        .split(", ")
        .flat_map(|p| p.split(" and "))
        .map(str::trim)
        .collect();
    wanted.sort_unstable();
    let actual = format!("claims: {}\n{key}: {}", names.join(", "), claims[&key]);
    let expected = format!("claims: {}\n{key}: \"{value}\"", wanted.join(", "));
    if actual == expected {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "access token claims",
            format!("the access token's claims are not the contract's ({list}, {key} \"{value}\")"),
        )
        .with_exchange_if(ex.as_ref())
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
        .with_exchange_if(ex.as_ref())
        .with_diff(secs.to_string(), actual),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1_CLAIMS: &str = "user_id, domain, iat and exp";

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

    use crate::core::exchange::Auth;
    use crate::suite::steps::testing::{API_TOKEN, json, run, with_last, world};

    #[test]
    fn every_hash_format_is_recognised() {
        for hash in [
            "c2NyeXB0AA8AAAAI",
            "$2a$10$abc",
            "$2b$10$abc",
            "$2y$10$abc",
            "$argon2id$v=19$m=65536",
            "$scrypt$ln=15",
        ] {
            assert!(looks_like_password_hash(hash), "{hash}");
        }
        assert!(!looks_like_password_hash("$1$abc"));
    }

    #[test]
    fn each_kind_of_secret_claim_is_found_alone() {
        let (pw, email) = ("hunter2-admin", "admin@example.com");
        let one = |claims: Value| secret_claims(&claims, pw, email);
        assert_eq!(one(json!({"Email": "x"})), ["the claim Email"]);
        assert_eq!(one(json!({"e-mail": "x"})), ["the claim e-mail"]);
        assert_eq!(one(json!({"pwHash": "x"})), ["the claim pwHash"]);
        assert_eq!(one(json!({"password": 1})), ["the claim password"]);
        assert_eq!(
            one(json!({"n": ["hunter2-admin"]})),
            ["the claim n holds the password"]
        );
        assert_eq!(
            one(json!({"n": "ADMIN@EXAMPLE.COM"})),
            ["the claim n holds the e-mail"]
        );
        assert_eq!(
            one(json!({"n": "$2b$10$abc"})),
            ["the claim n holds a password hash"]
        );
        assert_eq!(one(json!({"a": "x", "b": 2})), Vec::<String>::new());
        assert_eq!(one(json!("not an object")), Vec::<String>::new());
    }

    fn bearer(auth: Auth) -> String {
        match auth {
            Auth::Bearer(s) => s.expose().to_owned(),
            other => panic!("not a bearer token: {other:?}"),
        }
    }

    fn claims_of(auth: Auth) -> Value {
        jwt::decode_unverified(&bearer(auth)).unwrap().1
    }

    #[test]
    fn forged_tokens_are_signed_with_the_secret_and_carry_the_phrase_claims() {
        let mut w = world();
        w.login_user = Some(json!({"id": "usr_01LOGGEDIN"}));
        let day = 86_400;
        let phrase = "a bearer token signed with the backend's secret";
        let token = bearer(w.token_credentials(phrase).unwrap());
        let claims = jwt::verify_hs256(&token, b"jwt-secret-for-tests").expect("signed");
        assert_eq!(claims["user_id"], "usr_01LOGGEDIN");
        assert_eq!(claims["domain"], "admin");
        let (iat, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert_eq!(exp - iat, 3600);
        assert!((iat - jwt::now_secs()).abs() < 600, "iat is now");

        let c = claims_of(w.token_credentials("an expired bearer token").unwrap());
        let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
        assert_eq!((exp - iat, c["domain"].clone()), (day, json!("admin")));
        assert!(exp < jwt::now_secs() - day / 2, "expired a day ago");

        let c = claims_of(
            w.token_credentials("a bearer token not valid before tomorrow")
                .unwrap(),
        );
        let (iat, nbf, exp) = (
            c["iat"].as_i64().unwrap(),
            c["nbf"].as_i64().unwrap(),
            c["exp"].as_i64().unwrap(),
        );
        assert_eq!((nbf - iat, exp - iat), (day, 2 * day));

        let c = claims_of(
            w.token_credentials("a bearer token for the store domain")
                .unwrap(),
        );
        assert_eq!(c["domain"], "store");
        assert_eq!(
            c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
            3600
        );
        let c = claims_of(
            w.token_credentials("a bearer token without a domain")
                .unwrap(),
        );
        assert!(c.get("domain").is_none() && c["user_id"] == "usr_01LOGGEDIN");
        assert_eq!(
            c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
            3600
        );
        let c = claims_of(
            w.token_credentials("a bearer token of an unknown user")
                .unwrap(),
        );
        assert_eq!(c["user_id"], "usr_01MEDUSACONFORMANCEGHOST00");
        assert_eq!(c["domain"], "admin");
        assert_eq!(
            c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
            3600
        );

        assert!(w.token_credentials("no such phrase").is_err());
        let nobody = claims_of(world().token_credentials(phrase).unwrap());
        assert_eq!(nobody["user_id"], "usr_unknown");
    }

    /// v2's forged claims, exactly, at a fixed clock.
    #[test]
    fn forged_v2_claims_are_exact_for_each_phrase() {
        let (now, day, me) = (1_000_000, 86_400, "user_01ME");
        let claims = |phrase| forged_v2_claims(me, phrase, now);
        let ghost = "user_01MEDUSACONFORMANCEGHOST00";
        let (meta, ghost_meta) = (json!({"user_id": me}), json!({"user_id": ghost}));
        assert_eq!(
            claims("a bearer token signed with the backend's secret"),
            Some(
                json!({"actor_id": me, "app_metadata": meta, "actor_type": "user", "iat": now, "exp": now + 3600})
            )
        );
        assert_eq!(
            claims("a bearer token of an unknown user"),
            Some(
                json!({"actor_id": ghost, "app_metadata": ghost_meta, "actor_type": "user", "iat": now, "exp": now + 3600})
            )
        );
        assert_eq!(
            claims("a bearer token for the store domain"),
            Some(
                json!({"actor_id": me, "app_metadata": meta, "actor_type": "customer", "iat": now, "exp": now + 3600})
            )
        );
        assert_eq!(
            claims("a bearer token without a domain"),
            Some(json!({"actor_id": me, "app_metadata": meta, "iat": now, "exp": now + 3600}))
        );
        assert_eq!(
            claims("an expired bearer token"),
            Some(
                json!({"actor_id": me, "app_metadata": meta, "actor_type": "user", "iat": now - 2 * day, "exp": now - day})
            )
        );
        assert_eq!(
            claims("a bearer token not valid before tomorrow"),
            Some(
                json!({"actor_id": me, "app_metadata": meta, "actor_type": "user", "iat": now, "nbf": now + day, "exp": now + 2 * day})
            )
        );
        assert_eq!(claims("no such phrase"), None);
    }

    #[test]
    fn altered_access_tokens_are_altered_and_masked() {
        let mut w = world();
        assert!(
            w.token_credentials("the access token without its signature")
                .is_err(),
            "no access token yet"
        );
        let token = jwt::sign_hs256(&json!({"user_id": "usr_1"}), b"k");
        w.access_token = Some(Secret::new(token.clone()));
        for (phrase, alter) in [
            (
                "the access token re-headed with alg none",
                jwt::alg_none as fn(&str) -> Option<String>,
            ),
            (
                "the access token without its signature",
                jwt::without_signature,
            ),
            (
                "the access token with its payload changed under the original signature",
                jwt::payload_changed,
            ),
        ] {
            let altered = bearer(w.token_credentials(phrase).unwrap());
            assert_eq!(Some(altered.clone()), alter(&token), "{phrase}");
            assert_ne!(altered, token);
            assert!(!w.ctx().redactor.mask(&altered).contains(&altered));
        }
        w.access_token = Some(Secret::new("not-a-jwt"));
        assert!(
            w.token_credentials("the access token without its signature")
                .is_err()
        );
    }

    #[test]
    fn api_token_variants_are_the_named_changes_and_masked() {
        let w = world();
        for (phrase, expected) in [
            (
                "the API token shortened by one character",
                "api-token-AbCdE",
            ),
            ("the API token with one more character", "api-token-AbCdEfx"),
            ("the API token in another letter case", "API-TOKEN-aBcDeF"),
            (
                "the API token with one character changed",
                "api-token-AbCdEx",
            ),
        ] {
            let Auth::ApiToken(variant) = w.token_credentials(phrase).unwrap() else {
                panic!("{phrase}: not an API token");
            };
            assert_eq!(variant.expose(), expected, "{phrase}");
            assert_ne!(variant.expose(), API_TOKEN);
            assert!(
                !w.ctx().redactor.mask(expected).contains(expected),
                "{phrase}"
            );
        }
    }

    fn token_answer(claims: Value) -> crate::core::exchange::Exchange {
        let token = jwt::sign_hs256(&claims, b"k");
        json(200, &json!({ "access_token": token }).to_string())
    }

    /// A world that got a token with `claims` in its last answer and holds
    /// it as its access token, as the token steps leave it.
    fn holding(claims: Value) -> AuthWorld {
        let ex = token_answer(claims);
        let token = ex.json().unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut w = with_last(world(), ex);
        w.access_token = Some(Secret::new(token));
        w
    }

    #[test]
    fn claim_checks_read_the_held_token_and_show_its_answer_only_if_last() {
        let good = json!({"user_id": "usr_1", "domain": "admin", "iat": 100, "exp": 186_500});
        let leaky = json!({"user_id": "usr_1", "email": "admin@medusa-test.com"});
        // No token held: the step cannot check anything.
        let mut w = with_last(world(), token_answer(good.clone()));
        assert!(run(token_lifetime(&mut w, 186_400)).is_err());
        // A shared token (no answer of this scenario carried it) is read.
        let mut w = world();
        w.access_token = Some(Secret::new(jwt::sign_hs256(&good, b"k")));
        assert!(run(token_lifetime(&mut w, 186_400)).is_ok());
        // The held token is read, not the last answer's.
        let mut w = holding(leaky.clone());
        w.last = Some(token_answer(good.clone()));
        assert!(run(no_secret_claims(&mut w)).is_err());
        let (carried, _) = token_claims(&w).unwrap();
        assert!(carried.is_none(), "the last answer did not carry it");
        // Its answer is shown when it is the last one.
        let w = holding(leaky);
        let (carried, claims) = token_claims(&w).unwrap();
        assert_eq!(carried.map(|ex| ex.status), Some(200));
        assert_eq!(claims["user_id"], "usr_1");
    }

    #[test]
    fn claim_checks_read_the_access_token() {
        let good = json!({"user_id": "usr_1", "domain": "admin", "iat": 100, "exp": 186_500});
        let mut w = holding(good.clone());
        assert!(run(no_secret_claims(&mut w)).is_ok());
        assert!(
            run(exact_claims(
                &mut w,
                V1_CLAIMS.into(),
                "domain".into(),
                "admin".into()
            ))
            .is_ok()
        );
        assert!(run(token_lifetime(&mut w, 186_400)).is_ok());
        assert!(run(token_lifetime(&mut w, 186_401)).is_err());
        assert!(run(token_lifetime(&mut w, 186_600)).is_err());

        let mut leaky = good.clone();
        leaky["email"] = json!("admin@medusa-test.com");
        let mut w = holding(leaky);
        assert!(run(no_secret_claims(&mut w)).is_err());
        assert!(
            run(exact_claims(
                &mut w,
                V1_CLAIMS.into(),
                "domain".into(),
                "admin".into()
            ))
            .is_err()
        );

        let mut store = good.clone();
        store["domain"] = json!("store");
        assert!(
            run(exact_claims(
                &mut holding(store),
                V1_CLAIMS.into(),
                "domain".into(),
                "admin".into(),
            ))
            .is_err()
        );
        let mut no_iat = good;
        no_iat.as_object_mut().unwrap().remove("iat");
        let mut w = holding(no_iat);
        assert!(run(token_lifetime(&mut w, 186_400)).is_err());

        let mut not_jwt = with_last(world(), json(200, r#"{"access_token":"abc"}"#));
        not_jwt.access_token = Some(Secret::new("abc"));
        assert!(run(no_secret_claims(&mut not_jwt)).is_err());
    }

    #[test]
    fn the_secret_is_right_only_if_a_token_signed_with_it_is_accepted() {
        use crate::suite::steps::testing::{USER_JSON, against, ok_json};
        let accepted = |_: &str, _: &str, _: &str| ok_json(format!(r#"{{"user":{USER_JSON}}}"#));
        let (r, w) = against(accepted, async |w| secret_is_right(w).await);
        assert!(r.is_ok());
        let sent = &w.last.unwrap().request_headers;
        assert!(
            sent.iter()
                .any(|(k, v)| k == "authorization" && v.starts_with("Bearer "))
        );
        let refused = |_: &str, _: &str, _: &str| (401, vec![], "Unauthorized".to_owned());
        let (r, _) = against(refused, async |w| secret_is_right(w).await);
        assert!(r.unwrap_err().to_string().contains("is refused (401)"));
    }
}
