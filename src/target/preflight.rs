//! One request before the scenarios (`GET /admin/auth`, no credentials): a
//! backend that is down, failing or elsewhere gives one clear message, not
//! dozens of identical scenario failures. Any other answer, right or wrong,
//! is left to the scenarios to judge.

use crate::core::contract::Call;
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::record::{PREFLIGHT, RetriedRequest};
use crate::http::Client;
use crate::target::TargetError;

/// Sends the preflight request; returns its retry record if it needed
/// retries.
pub async fn preflight(client: &Client) -> Result<Option<RetriedRequest>, TargetError> {
    let url = client.base_url().to_string();
    let sent = client
        .send_traced(Call::GetSession, &Auth::None, &Body::None)
        .await
        .map_err(|e| TargetError::Unreachable {
            url: url.clone(),
            reason: e.reason,
        })?;
    if let Some((reason, fix)) = unhealthy(&sent.exchange) {
        return Err(TargetError::Unhealthy {
            url,
            reason,
            fix: fix.to_owned(),
        });
    }
    Ok((!sent.retry_errors.is_empty()).then(|| RetriedRequest {
        scenario: PREFLIGHT.to_owned(),
        key: None,
        request: sent.exchange.request_line(),
        retries: sent.exchange.retries,
        errors: sent.retry_errors,
    }))
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
