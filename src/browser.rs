//! Cookies as a browser sees them: an RFC 6265 cookie store per scenario
//! (the `cookie_store` crate decides, from `Path`, `Domain`,
//! `Expires`/`Max-Age` and `Secure`, what is sent back), and the session
//! cookie's attributes checked against the contract.

use std::sync::{Arc, Mutex};

use cookie_store::CookieStore;
use reqwest::header::{DATE, HeaderMap, SET_COOKIE};
use url::Url;

/// The contract's session lifetime (Medusa v1: express-session `maxAge` 10 h).
pub const SESSION_LIFETIME_SECS: i64 = 10 * 3600;

/// Slack for the one-second truncation of `Expires` and `Date`, and the
/// time between the two being written: both come from the server's clock.
const DATE_SLACK_SECS: i64 = 60;

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

/// What is wrong with a session cookie's attributes, by the contract:
/// `Path=/` (every admin route gets it back), `HttpOnly`, no `Domain`
/// (host-only), a lifetime of at most [`SESSION_LIFETIME_SECS`] measured
/// against the response's own `Date` (no local clock), and over https
/// `Secure` and `SameSite=None` (the admin UI on its own origin sends it
/// cross-site). Empty when it conforms.
pub fn session_cookie_problems(set_cookie: &str, date: Option<&str>, https: bool) -> Vec<String> {
    let Ok(c) = cookie::Cookie::parse(set_cookie.to_owned()) else {
        return vec!["its Set-Cookie header does not parse".into()];
    };
    let mut problems = Vec::new();
    match c.path() {
        Some("/") => {}
        Some(p) => problems.push(format!(
            "its Path is {p}, not /: a browser sends it back only below {p}"
        )),
        None => problems.push(
            "it has no Path: a browser sends it back only below the login route's folder, not to every admin route"
                .into(),
        ),
    }
    if c.http_only() != Some(true) {
        problems.push("it is not HttpOnly: scripts in the page could read the session".into());
    }
    if let Some(d) = c.domain() {
        problems.push(format!(
            "it has Domain={d}: a browser sends it to other hosts too (the contract's cookie is host-only)"
        ));
    }
    match lifetime_secs(&c, date) {
        Err(p) => problems.push(p),
        Ok(secs) if secs <= 0 => problems.push(format!(
            "it is already expired when set (lifetime {secs} s)"
        )),
        Ok(secs) if secs > SESSION_LIFETIME_SECS + DATE_SLACK_SECS => problems.push(format!(
            "it lives {secs} s, longer than the contract's session of {SESSION_LIFETIME_SECS} s (10 hours)"
        )),
        Ok(_) => {}
    }
    if https {
        if c.secure() != Some(true) {
            problems.push("it is not Secure although the backend is served over https".into());
        }
        let same_site = c.same_site().map(|s| s.to_string());
        if same_site.as_deref() != Some("None") {
            problems.push(format!(
                "its SameSite is {}, not None: the admin UI on its own origin would not get the session back",
                same_site.as_deref().unwrap_or("absent")
            ));
        }
    }
    problems
}

/// The cookie's lifetime in seconds: `Max-Age` if it has one (it wins, as
/// in RFC 6265), else `Expires` minus the response's `Date`.
fn lifetime_secs(c: &cookie::Cookie<'_>, date: Option<&str>) -> Result<i64, String> {
    if let Some(max_age) = c.max_age() {
        return Ok(max_age.whole_seconds());
    }
    let Some(expires) = c.expires_datetime() else {
        return Err(format!(
            "it has no Expires or Max-Age: the contract's session lasts {SESSION_LIFETIME_SECS} s (10 hours)"
        ));
    };
    let date = date.and_then(http_date).ok_or_else(|| {
        "the response has no Date header (or not an HTTP date) to measure the cookie's Expires against"
            .to_owned()
    })?;
    Ok((expires - date).whole_seconds())
}

/// An HTTP date (`Sun, 29 Nov 2026 22:15:36 GMT`), parsed as cookies parse `Expires`.
fn http_date(text: &str) -> Option<cookie::time::OffsetDateTime> {
    cookie::Cookie::parse(format!("x=y; Expires={text}"))
        .ok()?
        .expires_datetime()
}

/// The response's `Date` header, if any.
pub fn date_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(DATE).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const DATE: &str = "Sun, 29 Nov 2026 22:15:36 GMT";
    const IN_10H: &str = "Mon, 30 Nov 2026 08:15:36 GMT";

    fn cookie(attrs: &str) -> String {
        format!("connect.sid=s%3Aabc.def; {attrs}")
    }

    #[test]
    fn the_real_servers_cookies_conform() {
        let dev = cookie(&format!("Path=/; Expires={IN_10H}; HttpOnly"));
        assert!(session_cookie_problems(&dev, Some(DATE), false).is_empty());
        let prod = cookie(&format!(
            "Path=/; Expires={IN_10H}; HttpOnly; Secure; SameSite=None"
        ));
        assert!(session_cookie_problems(&prod, Some(DATE), true).is_empty());
    }

    #[test]
    fn each_broken_attribute_is_named() {
        let cases = [
            (
                format!("Path=/admin/auth; Expires={IN_10H}; HttpOnly"),
                false,
                "Path is /admin/auth",
            ),
            (format!("Expires={IN_10H}; HttpOnly"), false, "no Path"),
            (format!("Path=/; Expires={IN_10H}"), false, "not HttpOnly"),
            (
                format!("Path=/; Domain=example.com; Expires={IN_10H}; HttpOnly"),
                false,
                "Domain=example.com",
            ),
            (
                "Path=/; Expires=Fri, 29 Nov 2030 22:15:36 GMT; HttpOnly".into(),
                false,
                "longer than",
            ),
            (
                "Path=/; Max-Age=31536000; Expires=Mon, 30 Nov 2026 08:15:36 GMT; HttpOnly".into(),
                false,
                "longer than",
            ),
            (
                "Path=/; Max-Age=0; HttpOnly".into(),
                false,
                "already expired",
            ),
            ("Path=/; HttpOnly".into(), false, "no Expires or Max-Age"),
            (
                format!("Path=/; Expires={IN_10H}; HttpOnly; SameSite=None"),
                true,
                "not Secure",
            ),
            (
                format!("Path=/; Expires={IN_10H}; HttpOnly; Secure"),
                true,
                "SameSite is absent",
            ),
            (
                format!("Path=/; Expires={IN_10H}; HttpOnly; Secure; SameSite=Lax"),
                true,
                "SameSite is Lax",
            ),
        ];
        for (attrs, https, expected) in cases {
            let problems = session_cookie_problems(&cookie(&attrs), Some(DATE), https);
            assert_eq!(problems.len(), 1, "{attrs}: {problems:?}");
            assert!(problems[0].contains(expected), "{attrs}: {problems:?}");
        }
        let no_date = session_cookie_problems(
            &cookie(&format!("Path=/; Expires={IN_10H}; HttpOnly")),
            None,
            false,
        );
        assert!(no_date[0].contains("no Date header"), "{no_date:?}");
    }

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
