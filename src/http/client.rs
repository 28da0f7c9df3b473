//! One [`Client`] per run holds the connection pool and the settings
//! (timeouts, TLS roots, body limit); each scenario brings its own
//! credentials, so scenarios never share a session. Every exchange is kept
//! whole so a failing check can show the request and response.

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use base64::Engine as _;

use crate::core::contract::{Call, Dialect, TokenForm};
use crate::core::exchange::{Auth, Body, Exchange};
use crate::http::jar::Jar;

/// Bodies above this size are cut: the checks never need more, and a
/// misbehaving backend must not make the harness use unbounded memory.
pub const BODY_LIMIT: usize = 1024 * 1024;

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

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The extra CA is not PEM.
    #[error("the CA certificate is not PEM: {0}")]
    CaNotPem(String),
    /// The extra CA file holds no certificate.
    #[error("the CA certificate file holds no certificate")]
    CaEmpty,
    /// reqwest refused the settings.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
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
}

/// An exchange, and the transport errors that made the client send its
/// request again before the answer came.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The request and its response.
    pub exchange: Exchange,
    /// One transport error per retry, in order (empty: answered at once).
    pub retry_errors: Vec<String>,
}

/// What a request carries beyond its call, credentials and body: what a
/// browser adds on its own (an `Origin`, a preflight's method), and the
/// scenario's cookie jar.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Another method than the route's (`OPTIONS` for a CORS preflight).
    pub method: Option<&'static str>,
    /// Another path than the route's: an advisory probe's request to a
    /// route outside the contract (the logged-in cross-site POST).
    pub path: Option<&'static str>,
    /// More request headers (`origin`, `access-control-request-method`).
    pub headers: Vec<(String, String)>,
    /// A browser's cookie jar: the request sends the cookies it holds for
    /// the URL, and the jar keeps what the response sets.
    pub jar: Option<Jar>,
}

/// A request ready to be sent (and sent again).
struct Prepared {
    /// The path sent: the route's, or the one [`Extra`] gives.
    path: &'static str,
    /// The method sent: the route's, or the one [`Extra`] gives.
    method_name: &'static str,
    url: Url,
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    map: HeaderMap,
    body: Option<String>,
}

/// The parts of a response the harness keeps.
struct Received {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    truncated: bool,
}

impl Client {
    /// Builds the run's client. Redirects are not followed: a backend that
    /// redirects an auth call is reported, and credentials never go to
    /// another host.
    pub fn new(
        settings: &ClientSettings,
        dialect: &'static Dialect,
    ) -> Result<Client, ClientError> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("medusa-conformance/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &settings.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::CaNotPem(e.to_string()))?;
            if certs.is_empty() {
                return Err(ClientError::CaEmpty);
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Client {
            http,
            base_url: settings.base_url.clone(),
            dialect,
            max_retries: settings.max_retries,
        })
    }

    /// The same client (same connection pool and settings) speaking
    /// `dialect`: what the preflight chose.
    pub fn speaking(&self, dialect: &'static Dialect) -> Client {
        Client {
            dialect,
            ..self.clone()
        }
    }

    /// The dialect this client speaks.
    pub fn dialect(&self) -> &'static Dialect {
        self.dialect
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
        self.send_traced(call, auth, body).await.map(|s| s.exchange)
    }

    /// Like [`Client::send`], and says which transport errors made it send
    /// the request again.
    pub async fn send_traced(
        &self,
        call: Call,
        auth: &Auth,
        body: &Body,
    ) -> Result<Sent, TransportError> {
        self.send_traced_with(call, auth, body, &Extra::default())
            .await
    }

    /// The URL of `call`'s route.
    pub fn url_of(&self, call: Call) -> Url {
        join(&self.base_url, self.dialect.route(call).path)
    }

    /// Like [`Client::send_traced`], with what `extra` adds; a jar in
    /// `extra` keeps the cookies the response sets.
    pub async fn send_traced_with(
        &self,
        call: Call,
        auth: &Auth,
        body: &Body,
        extra: &Extra,
    ) -> Result<Sent, TransportError> {
        let p = self.prepare(call, auth, body, extra)?;
        // Only requests that may be repeated safely are retried, and only
        // for transport errors: a wrong answer is never asked again.
        let idempotent = matches!(p.method_name, "GET" | "HEAD" | "DELETE" | "OPTIONS");
        let mut retry_errors = Vec::new();
        let received = loop {
            match read(self.request(&p)).await {
                Ok(r) => break r,
                Err(e)
                    if idempotent
                        && retry_errors.len() < self.max_retries as usize
                        && transient(&e) =>
                {
                    retry_errors.push(describe(&e));
                    // 100 ms, 200 ms, 400 ms, ...: short, the run has a gate to pass.
                    let n = retry_errors.len() as u32;
                    tokio::time::sleep(Duration::from_millis(100 << (n - 1).min(5))).await;
                }
                Err(e) => {
                    let after = match retry_errors.len() {
                        0 => String::new(),
                        n => format!(" (after {n} retries)"),
                    };
                    return Err(fail(&p, format!("{}{after}", describe(&e))));
                }
            }
        };
        if let Some(jar) = &extra.jar {
            jar.keep(&p.url, &received.headers);
        }
        Ok(Sent {
            exchange: Exchange {
                call,
                method: p.method_name.to_owned(),
                path: p.path.to_owned(),
                request_headers: p.headers,
                request_body: p.body,
                status: received.status,
                headers: received.headers,
                body: received.body,
                truncated: received.truncated,
                retries: retry_errors.len() as u32,
            },
            retry_errors,
        })
    }

    /// Whether sending `call` with `auth`, `body` and `extra` now would put
    /// on the wire exactly what `earlier` (an exchange of this client)
    /// sent: the same call, method, path, headers (a jar's cookies as the
    /// jar holds them now) and body.
    pub fn sends_again(
        &self,
        earlier: &Exchange,
        call: Call,
        auth: &Auth,
        body: &Body,
        extra: &Extra,
    ) -> bool {
        self.prepare(call, auth, body, extra).is_ok_and(|p| {
            earlier.call == call
                && earlier.method == p.method_name
                && earlier.path == p.path
                && earlier.request_headers == p.headers
                && earlier.request_body == p.body
        })
    }

    /// The URL, method, headers and body of `call`, with what `extra` adds.
    fn prepare(
        &self,
        call: Call,
        auth: &Auth,
        body: &Body,
        extra: &Extra,
    ) -> Result<Prepared, TransportError> {
        let route = self.dialect.route(call);
        let method_name = extra.method.unwrap_or(route.method);
        let path = extra.path.unwrap_or(route.path);
        let fail = |reason: String| TransportError {
            method: method_name.to_owned(),
            path: path.to_owned(),
            reason,
        };
        let url = join(&self.base_url, path);
        let method =
            reqwest::Method::from_bytes(method_name.as_bytes()).map_err(|e| fail(e.to_string()))?;
        let mut headers = self.auth_headers(auth);
        if let Some(ct) = body.content_type() {
            headers.push(("content-type".into(), ct.to_owned()));
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
        Ok(Prepared {
            path,
            method_name,
            url,
            method,
            headers,
            map,
            body: body.text(),
        })
    }

    /// The headers that carry `auth`, as the dialect names them.
    fn auth_headers(&self, auth: &Auth) -> Vec<(String, String)> {
        match auth {
            Auth::None => vec![],
            Auth::Cookie(v) => vec![(
                "cookie".into(),
                format!("{}={}", self.dialect.session_cookie, v.expose()),
            )],
            Auth::Bearer(t) => vec![("authorization".into(), format!("Bearer {}", t.expose()))],
            Auth::ApiToken(t) => {
                let value = match self.dialect.api_token_form {
                    TokenForm::Raw => t.expose().to_owned(),
                    TokenForm::BasicUser => format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{}:", t.expose()))
                    ),
                };
                vec![(self.dialect.api_token_header.into(), value)]
            }
        }
    }

    fn request(&self, p: &Prepared) -> reqwest::RequestBuilder {
        let req = self
            .http
            .request(p.method.clone(), p.url.clone())
            .headers(p.map.clone());
        match &p.body {
            Some(b) => req.body(b.clone()),
            None => req,
        }
    }
}

fn fail(p: &Prepared, reason: String) -> TransportError {
    TransportError {
        method: p.method_name.to_owned(),
        path: p.path.to_owned(),
        reason,
    }
}

/// Makes `ring` the process's TLS crypto provider (reqwest is built without
/// one, so it does not compile a second C crypto library). Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Whether a transport error may go away if the request is sent again: not
/// a timeout (the bound would be paid again) nor a certificate that does
/// not verify.
fn transient(e: &reqwest::Error) -> bool {
    !e.is_timeout() && !describe(e).contains("certificate")
}

/// Sends a request and reads its response, the body up to [`BODY_LIMIT`].
async fn read(req: reqwest::RequestBuilder) -> Result<Received, reqwest::Error> {
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
    Ok(Received {
        status,
        headers,
        body,
        truncated,
    })
}

/// Joins a route path onto the base URL, keeping any path prefix of the
/// base (a backend mounted under `/medusa` stays under it).
fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url
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
            join(&base, "/admin/auth").as_str(),
            "http://h:1/medusa/admin/auth"
        );
        let base = Url::parse("http://h:1").unwrap();
        assert_eq!(join(&base, "/admin/auth").as_str(), "http://h:1/admin/auth");
    }

    /// A client's settings for tests that send nothing: no retry, short
    /// timeouts, a host that is never reached.
    fn settings() -> ClientSettings {
        ClientSettings {
            base_url: Url::parse("http://h:1").unwrap(),
            ca_cert_pem: None,
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
            max_retries: 0,
        }
    }

    #[test]
    fn each_dialect_writes_the_api_token_its_way() {
        use crate::core::contract::{V1, V2};
        use crate::core::redact::Secret;
        let token = Auth::ApiToken(Secret::new("sk_abc"));
        let v1 = Client::new(&settings(), &V1).unwrap();
        assert_eq!(
            v1.auth_headers(&token),
            vec![("x-medusa-access-token".to_owned(), "sk_abc".to_owned())]
        );
        // base64("sk_abc:"), as Medusa v2's docs and admin client send it.
        assert_eq!(
            v1.speaking(&V2).auth_headers(&token),
            vec![("authorization".to_owned(), "Basic c2tfYWJjOg==".to_owned())]
        );
        assert_eq!(v1.speaking(&V2).dialect().name, "v2");
    }

    /// A v2 client, and the exchange of a token request it sent with
    /// password `pw` (refused).
    fn v2_token_request(pw: &str) -> (Client, Exchange) {
        let v2 = Client::new(&settings(), &crate::core::contract::V2).unwrap();
        let p = v2
            .prepare(Call::GetToken, &Auth::None, &body(pw), &Extra::default())
            .unwrap();
        let earlier = Exchange {
            call: Call::GetToken,
            method: p.method_name.to_owned(),
            path: p.path.to_owned(),
            request_headers: p.headers,
            request_body: p.body,
            status: 401,
            headers: HeaderMap::new(),
            body: Vec::new(),
            truncated: false,
            retries: 0,
        };
        (v2, earlier)
    }

    fn body(pw: &str) -> Body {
        Body::Json(serde_json::json!({"email": "a@b.co", "password": pw}))
    }

    #[test]
    fn only_the_same_bytes_are_sent_again() {
        use crate::core::redact::Secret;
        let (v2, earlier) = v2_token_request("pw-1");
        let none = Extra::default();
        let again =
            |auth: &Auth, b: &Body, e: &Extra| v2.sends_again(&earlier, Call::GetToken, auth, b, e);
        assert!(again(&Auth::None, &body("pw-1"), &none));
        assert!(!again(&Auth::None, &body("pw-2"), &none));
        let bearer = Auth::Bearer(Secret::new("a-token"));
        assert!(!again(&bearer, &body("pw-1"), &none));
        let origin = Extra {
            headers: vec![("origin".to_owned(), "https://elsewhere.test".to_owned())],
            ..Extra::default()
        };
        assert!(!again(&Auth::None, &body("pw-1"), &origin));
        // v1 sends a login and a token request to two routes.
        let v1 = v2.speaking(&crate::core::contract::V1);
        for call in [Call::GetToken, Call::CreateSession] {
            assert!(!v1.sends_again(&earlier, call, &Auth::None, &body("pw-1"), &none));
        }
    }

    #[test]
    fn a_jar_that_now_holds_a_cookie_sends_other_bytes() {
        let (v2, earlier) = v2_token_request("pw-1");
        let jar = Jar::new();
        let browser = Extra {
            jar: Some(jar.clone()),
            ..Extra::default()
        };
        let again = || {
            v2.sends_again(
                &earlier,
                Call::GetToken,
                &Auth::None,
                &body("pw-1"),
                &browser,
            )
        };
        assert!(again(), "an empty jar adds nothing");
        let mut set = HeaderMap::new();
        set.append(
            "set-cookie",
            HeaderValue::from_static("connect.sid=s1; Path=/"),
        );
        jar.keep(&v2.url_of(Call::GetToken), &set);
        assert!(!again(), "the cookie goes with the request now");
    }
}
