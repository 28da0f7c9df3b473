//! One request and its response as plain data: what the checks read and
//! what a failure report shows. No client types: the HTTP layer fills it.

use http::HeaderMap;
use http::header::{CONTENT_TYPE, DATE, SET_COOKIE};

use crate::core::contract::Call;
use crate::core::redact::Secret;

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

impl Body {
    /// The body as the text that goes on the wire, if any.
    pub fn text(&self) -> Option<String> {
        match self {
            Body::None => None,
            Body::Json(v) => Some(v.to_string()),
            Body::RawJson(s) => Some(s.clone()),
            Body::Raw { text, .. } => Some(text.clone()),
        }
    }

    /// The `Content-Type` the body is sent with, if any.
    pub fn content_type(&self) -> Option<&str> {
        match self {
            Body::None => None,
            Body::Json(_) | Body::RawJson(_) => Some("application/json"),
            Body::Raw { content_type, .. } => content_type.as_deref(),
        }
    }
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
    /// Response body (at most the HTTP client's body limit).
    pub body: Vec<u8>,
    /// Whether the body was cut at the body limit.
    pub truncated: bool,
    /// How many times the request was sent again after a transport error.
    pub retries: u32,
}

impl Exchange {
    /// `METHOD /path`, as reports and retry records name a request.
    pub fn request_line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The response's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// The response's `Date` header, if any.
    pub fn date(&self) -> Option<&str> {
        self.headers.get(DATE).and_then(|v| v.to_str().ok())
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
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The non-empty cookies called `name` the response sets, in order.
    pub fn cookies_named(&self, name: &str) -> Vec<cookie::Cookie<'static>> {
        crate::core::cookies::set_cookies_named(&self.set_cookies(), name)
    }
}

/// Exchanges for the unit tests of the checks.
#[cfg(test)]
pub(crate) mod testing {
    use http::{HeaderMap, HeaderValue};

    use super::Exchange;
    use crate::core::contract::{Call, V1};

    /// An answer to `call` on its v1 route, sent as a JSON login (with a
    /// password the tests expect to see masked).
    pub(crate) fn answer(call: Call, status: u16, ct: Option<&str>, body: &str) -> Exchange {
        let route = V1.route(call);
        let mut headers = HeaderMap::new();
        if let Some(ct) = ct {
            headers.insert("content-type", HeaderValue::from_str(ct).unwrap());
        }
        Exchange {
            call,
            method: route.method.into(),
            path: route.path.into(),
            request_headers: vec![("content-type".into(), "application/json".into())],
            request_body: Some(r#"{"email":"a@b.co","password":"hunter22"}"#.into()),
            status,
            headers,
            body: body.as_bytes().to_vec(),
            truncated: false,
            retries: 0,
        }
    }
}
