//! HTTP exchanges with the backend under test.
//!
//! One [`Client`] per run holds the connection pool and the settings
//! (timeouts, TLS roots, body limit); each scenario brings its own
//! credentials, so scenarios never share a session. Every exchange is kept
//! whole ([`Exchange`]) so a failing check can show the request and response.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::contract::{Call, Dialect};
use crate::redact::Secret;

/// Bodies above this size are cut: the checks never need more, and a
/// misbehaving backend must not make the harness use unbounded memory.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credentials at all.
    None,
    /// A session cookie value (`connect.sid=<value>`).
    Cookie(Secret),
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// The dialect's API token header.
    ApiToken(Secret),
}

/// The body of a request.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    None,
    /// A JSON document (secrets inside are masked when printed).
    Json(serde_json::Value),
    /// Raw bytes sent with `Content-Type: application/json`.
    RawJson(String),
    /// Text sent with this content type, or with none at all (the shapes
    /// of a cross-site form post).
    Raw {
        /// The `Content-Type` header; `None` sends none.
        content_type: Option<String>,
        /// The body.
        text: String,
    },
}

/// What a request carries beyond its call, credentials and body: what a
/// browser adds on its own (an `Origin`, a preflight's method), and the
/// scenario's cookie jar.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Another method than the route's (`OPTIONS` for a CORS preflight).
    pub method: Option<&'static str>,
    /// More request headers (`origin`, `access-control-request-method`).
    pub headers: Vec<(String, String)>,
    /// A browser's cookie jar: the request sends the cookies it holds for
    /// the URL, and the jar keeps what the response sets.
    pub jar: Option<crate::browser::Jar>,
}

/// Settings shared by every request of a run.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Where the backend is.
    pub base_url: Url,
    /// Extra root certificate (PEM) to trust, for a test CA.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// How often a request that failed in transport is sent again, if its
    /// method is idempotent (the JS client's `maxRetries`).
    pub max_retries: u32,
}

/// A transport-level failure: no HTTP response was received.
#[derive(Debug, thiserror::Error)]
#[error("{method} {path}: {reason}")]
pub struct TransportError {
    /// Request method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// What went wrong, in words.
    pub reason: String,
}

/// The HTTP client of a run.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: Url,
    dialect: &'static Dialect,
    max_retries: u32,
    retries: Arc<Mutex<Vec<Retry>>>,
}

/// A request sent again after a transport error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// Method and path of the request.
    pub request: String,
    /// Which retry this was (1 = the first).
    pub attempt: u32,
    /// The transport error that caused it.
    pub reason: String,
}

/// One request and its response, as sent and received.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The call this exchange made.
    pub call: Call,
    /// Request method.
    pub method: String,
    /// Request path (no host: ports and hosts vary between targets).
    pub path: String,
    /// Request headers the harness set (values may hold secrets: print redacted).
    pub request_headers: Vec<(String, String)>,
    /// Request body as text.
    pub request_body: Option<String>,
    /// Response status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body (at most [`BODY_LIMIT`] bytes).
    pub body: Vec<u8>,
    /// Whether the body was cut at [`BODY_LIMIT`].
    pub truncated: bool,
    /// How many times the request was sent again after a transport error.
    pub retries: u32,
}

impl Exchange {
    /// The response's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// Whether the response says it is JSON.
    pub fn is_json(&self) -> bool {
        self.content_type()
            .map(|ct| {
                let ct = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                ct == "application/json" || ct.ends_with("+json")
            })
            .unwrap_or(false)
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// Every `Set-Cookie` header of the response.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

impl Client {
    /// Builds the run's client. Redirects are not followed: a backend that
    /// redirects an auth call is reported, and credentials never go to
    /// another host.
    pub fn new(settings: &ClientSettings, dialect: &'static Dialect) -> Result<Client, String> {
        crate::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("medusa-conformance/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &settings.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("the CA certificate is not PEM: {e}"))?;
            if certs.is_empty() {
                return Err("the CA certificate file holds no certificate".into());
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client {
            http,
            base_url: settings.base_url.clone(),
            dialect,
            max_retries: settings.max_retries,
            retries: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// The dialect this client speaks.
    pub fn dialect(&self) -> &'static Dialect {
        self.dialect
    }

    /// Every retry made so far, in order.
    pub fn retries(&self) -> Vec<Retry> {
        self.retries.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// Sends `call` with `auth` and `body`, and reads the response.
    pub async fn send(
        &self,
        call: Call,
        auth: &Auth,
        body: &Body,
    ) -> Result<Exchange, TransportError> {
        self.send_with(call, auth, body, &Extra::default()).await
    }

    /// The URL of `call`'s route.
    pub fn url_of(&self, call: Call) -> Url {
        join(&self.base_url, self.dialect.route(call).path)
            .unwrap_or_else(|_| self.base_url.clone())
    }

    /// Sends `call` as [`Client::send`] does, with what `extra` adds.
    pub async fn send_with(
        &self,
        call: Call,
        auth: &Auth,
        body: &Body,
        extra: &Extra,
    ) -> Result<Exchange, TransportError> {
        let route = self.dialect.route(call);
        let route_method = extra.method.unwrap_or(route.method);
        let path = route.path.to_owned();
        let fail = |reason: String| TransportError {
            method: route_method.to_owned(),
            path: path.clone(),
            reason,
        };
        let url = join(&self.base_url, route.path).map_err(&fail)?;
        let method = reqwest::Method::from_bytes(route_method.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        let mut headers: Vec<(String, String)> = Vec::new();
        match auth {
            Auth::None => {}
            Auth::Cookie(v) => headers.push((
                "cookie".into(),
                format!("{}={}", self.dialect.session_cookie, v.expose()),
            )),
            Auth::Bearer(t) => {
                headers.push(("authorization".into(), format!("Bearer {}", t.expose())))
            }
            Auth::ApiToken(t) => {
                headers.push((self.dialect.api_token_header.into(), t.expose().to_owned()))
            }
        }
        let request_body = match body {
            Body::None => None,
            Body::Json(v) => Some(v.to_string()),
            Body::RawJson(s) => Some(s.clone()),
            Body::Raw { text, .. } => Some(text.clone()),
        };
        match body {
            Body::Raw {
                content_type: Some(ct),
                ..
            } => headers.push(("content-type".into(), ct.clone())),
            Body::Raw { .. } => {}
            _ if request_body.is_some() => {
                headers.push(("content-type".into(), "application/json".into()));
            }
            _ => {}
        }
        headers.extend(extra.headers.iter().cloned());
        if let Some(cookies) = extra.jar.as_ref().and_then(|j| j.cookie_header(&url)) {
            headers.push(("cookie".into(), cookies));
        }
        let mut map = HeaderMap::new();
        for (k, v) in &headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| fail(e.to_string()))?;
            let value =
                HeaderValue::from_str(v).map_err(|_| fail(format!("header {k} is not valid")))?;
            map.append(name, value);
        }
        // Only requests that may be repeated safely are retried, and only
        // for transport errors: a wrong answer is never asked again.
        let idempotent = matches!(route_method, "GET" | "HEAD" | "DELETE" | "OPTIONS");
        let mut retries = 0;
        let (status, resp_headers, body_bytes, truncated) = loop {
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .headers(map.clone());
            if let Some(b) = &request_body {
                req = req.body(b.clone());
            }
            match read(req).await {
                Ok(parts) => break parts,
                Err(e) if idempotent && retries < self.max_retries && transient(&e) => {
                    retries += 1;
                    if let Ok(mut log) = self.retries.lock() {
                        log.push(Retry {
                            request: format!("{route_method} {path}"),
                            attempt: retries,
                            reason: describe(&e),
                        });
                    }
                    // 100 ms, 200 ms, 400 ms, ...: short, the run has a gate to pass.
                    tokio::time::sleep(Duration::from_millis(100 << (retries - 1).min(5))).await;
                }
                Err(e) => {
                    let after = if retries > 0 {
                        format!(" (after {retries} retries)")
                    } else {
                        String::new()
                    };
                    return Err(fail(format!("{}{after}", describe(&e))));
                }
            }
        };
        if let Some(jar) = &extra.jar {
            jar.keep(&url, &resp_headers);
        }
        Ok(Exchange {
            call,
            method: route_method.to_owned(),
            path,
            request_headers: headers,
            request_body,
            status,
            headers: resp_headers,
            body: body_bytes,
            truncated,
            retries,
        })
    }
}

/// Whether a transport error may go away if the request is sent again: not
/// a timeout (the bound would be paid again) nor a certificate that does
/// not verify.
fn transient(e: &reqwest::Error) -> bool {
    !e.is_timeout() && !describe(e).contains("certificate")
}

/// Sends a request and reads its response, the body up to [`BODY_LIMIT`].
async fn read(
    req: reqwest::RequestBuilder,
) -> Result<(u16, HeaderMap, Vec<u8>, bool), reqwest::Error> {
    let mut resp = req.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = resp.chunk().await? {
        let room = BODY_LIMIT - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body, truncated))
}

/// Joins a route path onto the base URL, keeping any path prefix of the
/// base (a backend mounted under `/medusa` stays under it).
fn join(base: &Url, path: &str) -> Result<Url, String> {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    Ok(url)
}

/// Words for a reqwest error, with its causes (reqwest's Display alone
/// says only "error sending request").
pub fn describe(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_base_prefix() {
        let base = Url::parse("http://h:1/medusa/").unwrap();
        assert_eq!(
            join(&base, "/admin/auth").unwrap().as_str(),
            "http://h:1/medusa/admin/auth"
        );
        let base = Url::parse("http://h:1").unwrap();
        assert_eq!(
            join(&base, "/admin/auth").unwrap().as_str(),
            "http://h:1/admin/auth"
        );
    }
}
