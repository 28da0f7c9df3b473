//! Cookies as a browser keeps them: an RFC 6265 cookie store per scenario
//! (the `cookie_store` crate decides, from `Path`, `Domain`,
//! `Expires`/`Max-Age` and `Secure`, what is sent back). The client sends
//! what the jar holds for a URL and keeps what the response sets.

use std::sync::{Arc, Mutex};

use cookie_store::CookieStore;
use http::HeaderMap;
use http::header::SET_COOKIE;
use url::Url;

/// A browser's cookie jar for one scenario. Cheap to clone: clones share it.
#[derive(Clone, Default)]
pub struct Jar(Arc<Mutex<CookieStore>>);

// Names only: cookie values are session credentials.
impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .0
            .lock()
            .map(|s| s.iter_unexpired().map(|c| c.name().to_owned()).collect())
            .unwrap_or_default();
        write!(f, "Jar({names:?})")
    }
}

impl Jar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `Cookie` header a browser sends to `url`, if it holds any cookie for it.
    pub fn cookie_header(&self, url: &Url) -> Option<String> {
        let store = self.0.lock().ok()?;
        let pairs: Vec<String> = store
            .get_request_values(url)
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Keeps the cookies a response from `url` sets, as a browser would
    /// (a cookie the store's rules refuse is dropped).
    pub fn keep(&self, url: &Url, headers: &HeaderMap) {
        let cookies: Vec<cookie::Cookie<'static>> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| cookie::Cookie::parse(v.to_owned()).ok())
            .collect();
        if let Ok(mut store) = self.0.lock() {
            store.store_response_cookies(cookies.into_iter(), url);
        }
    }

    /// Whether a browser would send a cookie named `name` to `url`.
    pub fn sends(&self, url: &Url, name: &str) -> bool {
        self.0
            .lock()
            .map(|s| s.get_request_values(url).any(|(n, _)| n == name))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn set(headers: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for h in headers {
            map.append(SET_COOKIE, HeaderValue::from_str(h).unwrap());
        }
        map
    }

    #[test]
    fn the_jar_follows_path_expiry_and_domain() {
        let login = Url::parse("http://127.0.0.1:9000/admin/auth").unwrap();
        let token = Url::parse("http://127.0.0.1:9000/admin/auth/token").unwrap();
        let jar = Jar::new();
        jar.keep(&login, &set(&["a=1; Path=/; Max-Age=3600"]));
        assert_eq!(jar.cookie_header(&login).as_deref(), Some("a=1"));
        let jar = Jar::new();
        jar.keep(&login, &set(&["a=1; Path=/admin/auth/token"]));
        assert!(jar.cookie_header(&login).is_none());
        assert!(jar.sends(&token, "a"));
        let jar = Jar::new();
        jar.keep(&login, &set(&["a=1; Path=/; Max-Age=0"]));
        assert!(jar.cookie_header(&login).is_none());
        let jar = Jar::new();
        jar.keep(&login, &set(&["a=1; Path=/; Domain=example.com"]));
        assert!(jar.cookie_header(&login).is_none());
        // A later cookie of the same name replaces the earlier one.
        let jar = Jar::new();
        jar.keep(&login, &set(&["a=1; Path=/"]));
        jar.keep(&login, &set(&["a=2; Path=/"]));
        assert_eq!(jar.cookie_header(&login).as_deref(), Some("a=2"));
        assert!(!format!("{jar:?}").contains('2'), "{jar:?}");
    }
}
