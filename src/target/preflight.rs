//! One request before the scenarios: the dialect's signature call (v1:
//! `GET /admin/auth` with no credentials), which a backend of that dialect
//! refuses in one known way (v1: 401, body `Unauthorized`). A backend
//! that is down, failing, elsewhere, or not a Medusa admin API at all (a
//! web page, another JSON API, a Medusa of another version) gives one
//! clear message, not dozens of identical scenario failures.

use crate::core::contract::{Dialect, DialectChoice, V1, V2};
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::record::{PREFLIGHT, RetriedRequest};
use crate::http::{Client, Sent};
use crate::target::TargetError;

/// How much of an unexpected body the message shows.
const EXCERPT_CHARS: usize = 240;

/// What the preflight found out.
#[derive(Debug)]
pub struct Preflight {
    /// The dialect the backend speaks (the one asked for, or recognised).
    pub dialect: &'static Dialect,
    /// Why this dialect, in one line for the console.
    pub why: String,
    /// The retry record of a signature request that needed retries.
    pub retried: Option<RetriedRequest>,
}

/// Sends the signature request of the chosen dialect (with `auto`: v1's,
/// then v2's if v1's does not match) and judges the answers.
pub async fn preflight(client: &Client, choice: DialectChoice) -> Result<Preflight, TargetError> {
    let url = client.base_url().to_string();
    let dialect = match choice {
        DialectChoice::Fixed(d) => d,
        DialectChoice::Auto => return recognise(client, &url).await,
    };
    let sent = signature(client, dialect, &url).await?;
    judge(&url, dialect, &sent.exchange)?;
    Ok(Preflight {
        dialect,
        why: format!(
            "dialect {} (as asked); {} without credentials answered {}",
            dialect.name,
            sent.exchange.request_line(),
            sent.exchange.status
        ),
        retried: retried(&sent),
    })
}

/// `auto`: v1's signature, else v2's; neither is one wrong-backend error.
async fn recognise(client: &Client, url: &str) -> Result<Preflight, TargetError> {
    let v1 = signature(client, &V1, url).await?;
    let v2 = if V1.signature.matches(v1.exchange.status, &v1.exchange.body) {
        None
    } else {
        Some(signature(client, &V2, url).await?)
    };
    let dialect = choose(url, &v1.exchange, v2.as_ref().map(|s| &s.exchange))?;
    let sent = v2.as_ref().unwrap_or(&v1);
    Ok(Preflight {
        dialect,
        why: format!(
            "dialect {} (auto): {} without credentials answered {} `{}`, as a Medusa {} backend does",
            dialect.name,
            sent.exchange.request_line(),
            dialect.signature.status,
            dialect.signature.body,
            dialect.name
        ),
        retried: retried(&v1).or_else(|| v2.as_ref().and_then(retried)),
    })
}

/// The dialect whose signature `v1` (the answer to v1's signature call)
/// or `v2` (to v2's, sent only when v1's did not match) is; else why
/// the backend is neither.
pub(crate) fn choose(
    url: &str,
    v1: &Exchange,
    v2: Option<&Exchange>,
) -> Result<&'static Dialect, TargetError> {
    if V1.signature.matches(v1.status, &v1.body) {
        return Ok(&V1);
    }
    let Some(v2) = v2 else {
        return judge(url, &V1, v1).map(|()| &V1);
    };
    if V2.signature.matches(v2.status, &v2.body) {
        return Ok(&V2);
    }
    // A backend that fails or redirects says so on either request.
    for ex in [v1, v2] {
        if let Some((reason, fix)) = failing(ex) {
            return Err(TargetError::Unhealthy {
                url: url.to_owned(),
                reason,
                fix: fix.to_owned(),
            });
        }
    }
    Err(TargetError::NotMedusa {
        url: url.to_owned(),
        expected: format!(
            "{} and {} without credentials; a Medusa v1 backend answers the first {} `{}`, a Medusa v2 backend the second {} `{}`",
            v1.request_line(),
            v2.request_line(),
            V1.signature.status,
            V1.signature.body,
            V2.signature.status,
            V2.signature.body
        ),
        got: format!("{}; {}", got(v1), got(v2)),
        fix: "check that the base URL (--base-url, MEDUSA_BASE_URL) is a Medusa backend's root (v1 or v2), not a storefront, an admin dashboard or a proxy's page; or name the dialect with --dialect / MEDUSA_DIALECT".to_owned(),
    })
}

/// Sends `dialect`'s signature call with no credentials.
async fn signature(
    client: &Client,
    dialect: &'static Dialect,
    url: &str,
) -> Result<Sent, TargetError> {
    client
        .speaking(dialect)
        .send_traced(dialect.signature.call, &Auth::None, &Body::None)
        .await
        .map_err(|e| TargetError::Unreachable {
            url: url.to_owned(),
            reason: e.reason,
        })
}

/// The retry record of `sent`, if it needed retries.
fn retried(sent: &Sent) -> Option<RetriedRequest> {
    (!sent.retry_errors.is_empty()).then(|| RetriedRequest {
        scenario: PREFLIGHT.to_owned(),
        key: None,
        request: sent.exchange.request_line(),
        retries: sent.exchange.retries,
        errors: sent.retry_errors.clone(),
    })
}

/// Whether the preflight answer `ex` from `url` is the dialect's signature;
/// if not, what is wrong and what to check.
fn judge(url: &str, dialect: &Dialect, ex: &Exchange) -> Result<(), TargetError> {
    let sig = &dialect.signature;
    if sig.matches(ex.status, &ex.body) {
        return Ok(());
    }
    if let Some((reason, fix)) = unhealthy(ex) {
        return Err(TargetError::Unhealthy {
            url: url.to_owned(),
            reason,
            fix: fix.to_owned(),
        });
    }
    let fix = if ex.status == sig.status {
        "a refusal in another form: another API, or a Medusa of another version (v1 answers plain text, v2 JSON); check the base URL, and the dialect (--dialect auto finds out)"
    } else {
        "check that the base URL (--base-url, MEDUSA_BASE_URL) is the Medusa backend's root, not a storefront, an admin dashboard or a proxy's page, and that the backend refuses requests without credentials"
    };
    Err(TargetError::NotMedusa {
        url: url.to_owned(),
        expected: format!(
            "{} {} without credentials; a Medusa {} backend answers {} with the body `{}`",
            ex.method, ex.path, dialect.name, sig.status, sig.body
        ),
        got: got(ex),
        fix: fix.to_owned(),
    })
}

/// The answer in one line: status, content type, size and a body excerpt.
fn got(ex: &Exchange) -> String {
    let text = ex.body_text();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut excerpt: String = flat.chars().take(EXCERPT_CHARS).collect();
    if excerpt.len() < flat.len() {
        excerpt.push_str(" ...");
    }
    if !excerpt.is_empty() {
        excerpt.insert_str(0, ": ");
    }
    format!(
        "{} {}, {} bytes{excerpt}",
        ex.status,
        ex.content_type().unwrap_or("(no content type)"),
        ex.body.len(),
    )
}

/// What is wrong with a preflight answer no working backend gives, and
/// what to check.
fn unhealthy(ex: &Exchange) -> Option<(String, &'static str)> {
    if ex.status == 404 {
        return Some((
            format!(
                "{} {} answered 404: there is no such admin auth route here",
                ex.method, ex.path
            ),
            "set MEDUSA_BASE_URL to the backend's root (not /admin), and check the dialect: Medusa v1 has /admin/auth, v2 /auth/* and /admin/users/me (--dialect auto finds out)",
        ));
    }
    failing(ex)
}

/// A backend that fails or redirects before authentication is checked.
fn failing(ex: &Exchange) -> Option<(String, &'static str)> {
    match ex.status {
        500..=599 => Some((
            format!(
                "GET {} answered {} before any scenario ran",
                ex.path, ex.status
            ),
            "look at the backend's logs: it fails before authentication is even checked",
        )),
        300..=399 => {
            let to = ex
                .headers
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location)");
            Some((
                format!(
                    "{} {} redirects ({}) to {to}; redirects are not followed, so credentials never leave the configured host",
                    ex.method, ex.path, ex.status
                ),
                "set MEDUSA_BASE_URL to the URL the backend really serves (scheme, host and port)",
            ))
        }
        _ => None,
    }
}

/// What to do about a transport error, by its kind.
pub(super) fn unreachable_fix(reason: &str) -> &'static str {
    if reason.contains("certificate") {
        "the server's certificate does not verify: give the CA that signed it with MEDUSA_CA_CERT=ca.pem, or fix the certificate"
    } else if reason.contains("timed out") {
        "the backend does not answer in time: check that it is up and not overloaded, or raise MEDUSA_TIMEOUT_MS"
    } else if reason.contains("dns error") {
        "the host name does not resolve: check the host in MEDUSA_BASE_URL"
    } else {
        "start the backend, or check the scheme, host and port in MEDUSA_BASE_URL"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::Call;
    use http::HeaderMap;

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> Exchange {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(http::header::CONTENT_TYPE, ct.parse().unwrap());
        }
        Exchange {
            call: Call::GetSession,
            method: "GET".into(),
            path: "/admin/auth".into(),
            request_headers: vec![],
            request_body: None,
            status,
            headers,
            body: body.as_bytes().to_vec(),
            truncated: false,
            retries: 0,
        }
    }

    fn verdict(ex: &Exchange) -> Result<(), TargetError> {
        judge("http://h/", &V1, ex)
    }

    #[test]
    fn the_v1_refusal_is_a_medusa() {
        assert!(verdict(&answer(401, None, "Unauthorized")).is_ok());
        assert!(verdict(&answer(401, Some("text/plain"), "Unauthorized\n")).is_ok());
    }

    #[test]
    fn anything_else_is_not_a_medusa_admin_api() {
        for (status, ct, body) in [
            (
                200,
                "text/html; charset=utf-8",
                "<html><body>hello</body></html>",
            ),
            (200, "application/json", r#"{"user":{"id":"usr_1"}}"#),
            (401, "application/json", r#"{"message":"Unauthorized"}"#),
            (403, "text/plain", "Forbidden"),
            (204, "text/plain", ""),
        ] {
            let e = verdict(&answer(status, Some(ct), body)).unwrap_err();
            let text = e.to_string();
            assert!(
                matches!(e, TargetError::NotMedusa { .. })
                    && text.starts_with("this is not a Medusa admin API: http://h/")
                    && text.contains("401 with the body `Unauthorized`")
                    && text.contains(&format!("got: {status} {ct}"))
                    && text.contains("fix:"),
                "{text}"
            );
            assert!(text.lines().count() <= 6, "one screen: {text}");
        }
    }

    #[test]
    fn a_long_body_is_cut_to_one_line() {
        let body = "<p>\n".repeat(500);
        let e = verdict(&answer(200, Some("text/html"), &body)).unwrap_err();
        let text = e.to_string();
        let line = text.lines().find(|l| l.contains("got:")).unwrap();
        assert!(line.len() < 400 && line.ends_with(" ..."), "{line}");
        assert!(line.contains("2000 bytes"), "{line}");
    }

    #[test]
    fn failing_and_misplaced_backends_keep_their_own_messages() {
        let e = verdict(&answer(503, Some("text/html"), "down")).unwrap_err();
        assert!(e.to_string().contains("answered 503"), "{e}");
        let e = verdict(&answer(404, None, "")).unwrap_err();
        assert!(e.to_string().contains("no such admin auth route"), "{e}");
        assert!(e.to_string().contains("--dialect auto"), "{e}");
    }

    fn at(path: &str, status: u16, ct: Option<&str>, body: &str) -> Exchange {
        Exchange {
            path: path.into(),
            ..answer(status, ct, body)
        }
    }

    const V2_401: &str = r#"{"message":"Unauthorized"}"#;
    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    fn chosen(v1: &Exchange, v2: Option<&Exchange>) -> Result<&'static str, String> {
        choose("http://h/", v1, v2)
            .map(|d| d.name)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn auto_picks_v1_by_its_plain_refusal_without_asking_v2() {
        assert_eq!(chosen(&answer(401, None, "Unauthorized"), None), Ok("v1"));
    }

    #[test]
    fn auto_picks_v2_by_its_json_refusal_whatever_v1_route_answers() {
        // As 2.21.2 answers: v1's route is refused in JSON too (401, no
        // session); a v2 behind a proxy may 404 it.
        let v2 = at("/admin/users/me", 401, JSON, V2_401);
        for v1 in [
            answer(401, JSON, V2_401),
            answer(404, Some("text/html"), "Cannot GET /admin/auth"),
        ] {
            assert_eq!(chosen(&v1, Some(&v2)), Ok("v2"));
        }
    }

    #[test]
    fn auto_refuses_a_backend_that_is_neither_in_one_message() {
        let v1 = answer(200, Some("text/html"), "<html>shop</html>");
        let v2 = at(
            "/admin/users/me",
            200,
            Some("text/html"),
            "<html>shop</html>",
        );
        let text = chosen(&v1, Some(&v2)).unwrap_err();
        assert!(
            text.starts_with("this is not a Medusa admin API: http://h/")
                && text.contains("GET /admin/auth and GET /admin/users/me")
                && text.contains("v1 backend answers the first 401 `Unauthorized`")
                && text.contains(r#"v2 backend the second 401 `{"message":"Unauthorized"}`"#)
                && text.contains("--dialect"),
            "{text}"
        );
        assert!(text.lines().count() <= 6, "one screen: {text}");
        // Same exit code as any wrong backend: the same error.
        assert!(matches!(
            choose("http://h/", &v1, Some(&v2)),
            Err(TargetError::NotMedusa { .. })
        ));
        // A v1 route refused in v2's form, but v2's route not: neither.
        let v1 = answer(401, JSON, V2_401);
        let v2 = at("/admin/users/me", 404, Some("text/html"), "nope");
        assert!(chosen(&v1, Some(&v2)).is_err());
    }

    #[test]
    fn auto_says_when_the_backend_fails() {
        let v1 = answer(503, Some("text/html"), "down");
        let v2 = at("/admin/users/me", 503, Some("text/html"), "down");
        let text = chosen(&v1, Some(&v2)).unwrap_err();
        assert!(text.contains("answered 503"), "{text}");
    }

    #[test]
    fn a_fixed_dialect_judges_by_its_own_signature() {
        let v2 = at("/admin/users/me", 401, JSON, V2_401);
        assert!(judge("http://h/", &V2, &v2).is_ok());
        assert!(judge("http://h/", &V1, &answer(401, JSON, V2_401)).is_err());
        let e = judge(
            "http://h/",
            &V2,
            &at("/admin/users/me", 401, None, "Unauthorized"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(
                r#"Medusa v2 backend answers 401 with the body `{"message":"Unauthorized"}`"#
            ),
            "{e}"
        );
    }
}
