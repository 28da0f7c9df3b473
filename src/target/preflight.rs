//! One request before the scenarios: the dialect's signature call (v1:
//! `GET /admin/auth` with no credentials), which a backend of that dialect
//! refuses in one known way (v1: 401, body `Unauthorized`). A backend
//! that is down, failing, elsewhere, or not a Medusa admin API at all (a
//! web page, another JSON API, a Medusa of another version) gives one
//! clear message, not dozens of identical scenario failures.

use crate::core::contract::Dialect;
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::record::{PREFLIGHT, RetriedRequest};
use crate::http::Client;
use crate::target::TargetError;

/// How much of an unexpected body the message shows.
const EXCERPT_CHARS: usize = 240;

/// Sends the preflight request; returns its retry record if it needed
/// retries.
pub async fn preflight(client: &Client) -> Result<Option<RetriedRequest>, TargetError> {
    let url = client.base_url().to_string();
    let dialect = client.dialect();
    let sent = client
        .send_traced(dialect.signature.call, &Auth::None, &Body::None)
        .await
        .map_err(|e| TargetError::Unreachable {
            url: url.clone(),
            reason: e.reason,
        })?;
    judge(&url, dialect, &sent.exchange)?;
    Ok((!sent.retry_errors.is_empty()).then(|| RetriedRequest {
        scenario: PREFLIGHT.to_owned(),
        key: None,
        request: sent.exchange.request_line(),
        retries: sent.exchange.retries,
        errors: sent.retry_errors,
    }))
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
        "a refusal in another form: another API, or a Medusa of another version (v2 answers JSON); check that the base URL is the v1 backend's root"
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
                    "GET {} redirects ({}) to {to}; redirects are not followed, so credentials never leave the configured host",
                    ex.path, ex.status
                ),
                "set MEDUSA_BASE_URL to the URL the backend really serves (scheme, host and port)",
            ))
        }
        404 => Some((
            format!(
                "GET {} answered 404: there is no v1 admin auth route here",
                ex.path
            ),
            "set MEDUSA_BASE_URL to the backend's root (not /admin), and check it is a Medusa v1 backend (v2 has other routes)",
        )),
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
    use crate::core::contract::{Call, V1};
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
        assert!(e.to_string().contains("no v1 admin auth route"), "{e}");
    }
}
