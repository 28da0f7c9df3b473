//! The one parser of session cookies: the `Set-Cookie` headers a backend
//! sends (read by the steps), the `Cookie` header a client sends (read by
//! the reference backend), and the session cookie's attributes judged
//! against the contract ([`session_cookie_problems`]). Pure: strings in,
//! values out.

/// The contract's session lifetime (Medusa v1: express-session `maxAge` 10 h).
pub const SESSION_LIFETIME_SECS: i64 = 10 * 3600;

/// Slack for the one-second truncation of `Expires` and `Date`, and the
/// time between the two being written: both come from the server's clock.
const DATE_SLACK_SECS: i64 = 60;

/// The non-empty cookies called `name` among `Set-Cookie` header values.
pub fn set_cookies_named(set_cookies: &[String], name: &str) -> Vec<cookie::Cookie<'static>> {
    set_cookies
        .iter()
        .filter_map(|c| cookie::Cookie::parse(c.clone()).ok())
        .filter(|c| c.name() == name && !c.value().is_empty())
        .collect()
}

/// The raw (still encoded) value of the first cookie called `name` in the
/// values of a request's `Cookie` headers.
pub fn request_cookie<'a>(
    cookie_headers: impl IntoIterator<Item = &'a str>,
    name: &str,
) -> Option<&'a str> {
    cookie_headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// What is wrong with a session cookie's attributes, by the contract:
/// `Path=/` (every admin route gets it back), `HttpOnly`, no `Domain`
/// (host-only), a lifetime of at most [`SESSION_LIFETIME_SECS`] measured
/// against the response's own `Date` (no local clock), and over https
/// (`https_same_site` given) `Secure` and that `SameSite` (the dialect's:
/// v1 `None`, the admin UI on its own origin sends it cross-site; v2
/// `Lax`). Empty when it conforms.
pub fn session_cookie_problems(
    set_cookie: &str,
    date: Option<&str>,
    https_same_site: Option<&str>,
) -> Vec<String> {
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
    problems.extend(lifetime_problem(&c, date));
    if let Some(same_site) = https_same_site {
        problems.extend(https_problems(&c, same_site));
    }
    problems
}

/// What is wrong with the cookie's lifetime, if anything.
fn lifetime_problem(c: &cookie::Cookie<'_>, date: Option<&str>) -> Option<String> {
    match lifetime_secs(c, date) {
        Err(p) => Some(p),
        Ok(secs) if secs <= 0 => Some(format!(
            "it is already expired when set (lifetime {secs} s)"
        )),
        Ok(secs) if secs > SESSION_LIFETIME_SECS + DATE_SLACK_SECS => Some(format!(
            "it lives {secs} s, longer than the contract's session of {SESSION_LIFETIME_SECS} s (10 hours)"
        )),
        Ok(_) => None,
    }
}

/// What an https session cookie lacks: `Secure` and `SameSite=<wanted>`.
fn https_problems(c: &cookie::Cookie<'_>, wanted: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if c.secure() != Some(true) {
        problems.push("it is not Secure although the backend is served over https".into());
    }
    let same_site = c.same_site().map(|s| s.to_string());
    if same_site.as_deref() != Some(wanted) {
        let why = if wanted == "None" {
            "the admin UI on its own origin would not get the session back"
        } else {
            "the contract's cookie says so"
        };
        problems.push(format!(
            "its SameSite is {}, not {wanted}: {why}",
            same_site.as_deref().unwrap_or("absent")
        ));
    }
    problems
}

/// The cookie's lifetime in seconds: `Max-Age` if it has one (it wins, as
/// in RFC 6265), else `Expires` minus the response's `Date`.
pub fn lifetime_secs(c: &cookie::Cookie<'_>, date: Option<&str>) -> Result<i64, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_values_by_name() {
        let headers = vec![
            "other=1; Path=/".to_owned(),
            "connect.sid=; Path=/".to_owned(),
            "connect.sid=s%3Aabc.def; Path=/; HttpOnly".to_owned(),
        ];
        let found = set_cookies_named(&headers, "connect.sid");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value(), "s%3Aabc.def");
        assert_eq!(found[0].http_only(), Some(true));
    }

    #[test]
    fn request_cookie_by_name() {
        let headers = ["a=1; connect.sid=s%3Ax.y", "connect.sid=second"];
        assert_eq!(request_cookie(headers, "connect.sid"), Some("s%3Ax.y"));
        assert_eq!(request_cookie(["a=1"], "connect.sid"), None);
    }

    const DATE: &str = "Sun, 29 Nov 2026 22:15:36 GMT";
    const IN_10H: &str = "Mon, 30 Nov 2026 08:15:36 GMT";

    fn cookie(attrs: &str) -> String {
        format!("connect.sid=s%3Aabc.def; {attrs}")
    }

    #[test]
    fn the_real_servers_cookies_conform() {
        let dev = cookie(&format!("Path=/; Expires={IN_10H}; HttpOnly"));
        assert!(session_cookie_problems(&dev, Some(DATE), None).is_empty());
        let prod = cookie(&format!(
            "Path=/; Expires={IN_10H}; HttpOnly; Secure; SameSite=None"
        ));
        assert!(session_cookie_problems(&prod, Some(DATE), Some("None")).is_empty());
        // Medusa 2.21.2 in production mode.
        let v2 = cookie(&format!(
            "Path=/; Expires={IN_10H}; HttpOnly; Secure; SameSite=Lax"
        ));
        assert!(session_cookie_problems(&v2, Some(DATE), Some("Lax")).is_empty());
        assert!(session_cookie_problems(&v2, Some(DATE), None).is_empty());
        let v2_none = session_cookie_problems(&prod, Some(DATE), Some("Lax"));
        assert_eq!(v2_none.len(), 1, "{v2_none:?}");
        // The why is each dialect's own: v2's cookie is the contract's Lax.
        assert_eq!(
            v2_none[0],
            "its SameSite is None, not Lax: the contract's cookie says so"
        );
        let v1_lax = session_cookie_problems(&v2, Some(DATE), Some("None"));
        assert_eq!(
            v1_lax,
            [
                "its SameSite is Lax, not None: the admin UI on its own origin would not get the session back"
            ]
        );
    }

    #[test]
    fn each_broken_attribute_is_named() {
        let cases = [
            (
                format!("Path=/admin/auth; Expires={IN_10H}; HttpOnly"),
                None,
                "Path is /admin/auth",
            ),
            (format!("Expires={IN_10H}; HttpOnly"), None, "no Path"),
            (format!("Path=/; Expires={IN_10H}"), None, "not HttpOnly"),
            (
                format!("Path=/; Domain=example.com; Expires={IN_10H}; HttpOnly"),
                None,
                "Domain=example.com",
            ),
            (
                "Path=/; Expires=Fri, 29 Nov 2030 22:15:36 GMT; HttpOnly".into(),
                None,
                "longer than",
            ),
            (
                "Path=/; Max-Age=31536000; Expires=Mon, 30 Nov 2026 08:15:36 GMT; HttpOnly".into(),
                None,
                "longer than",
            ),
            (
                "Path=/; Max-Age=0; HttpOnly".into(),
                None,
                "already expired",
            ),
            ("Path=/; HttpOnly".into(), None, "no Expires or Max-Age"),
            (
                format!("Path=/; Expires={IN_10H}; HttpOnly; SameSite=None"),
                Some("None"),
                "not Secure",
            ),
            (
                format!("Path=/; Expires={IN_10H}; HttpOnly; Secure"),
                Some("None"),
                "SameSite is absent",
            ),
            (
                format!("Path=/; Expires={IN_10H}; HttpOnly; Secure; SameSite=Lax"),
                Some("None"),
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
            None,
        );
        assert!(no_date[0].contains("no Date header"), "{no_date:?}");
    }

    #[test]
    fn the_lifetime_bounds_are_exact() {
        let with_max_age = |secs: i64| {
            session_cookie_problems(
                &cookie(&format!("Path=/; Max-Age={secs}; HttpOnly")),
                None,
                None,
            )
        };
        assert_eq!(with_max_age(1), Vec::<String>::new());
        assert_eq!(
            with_max_age(SESSION_LIFETIME_SECS + DATE_SLACK_SECS),
            Vec::<String>::new()
        );
        let over = with_max_age(SESSION_LIFETIME_SECS + DATE_SLACK_SECS + 1);
        assert!(
            over.len() == 1 && over[0].contains("lives 36061 s"),
            "{over:?}"
        );
        let expired = with_max_age(0);
        assert_eq!(expired, ["it is already expired when set (lifetime 0 s)"]);
        // Expires is measured against the answer's Date, not the local clock.
        let expires = |date: &str| {
            session_cookie_problems(
                &cookie(&format!("Path=/; Expires={IN_10H}; HttpOnly")),
                Some(date),
                None,
            )
        };
        let late = expires("Mon, 30 Nov 2026 08:15:36 GMT");
        assert!(late[0].contains("already expired"), "{late:?}");
        let early = expires("Sun, 29 Nov 2026 22:14:35 GMT");
        assert!(early[0].contains("lives 36061 s"), "{early:?}");
        assert!(expires("not a date")[0].contains("no Date header"));
    }

    #[test]
    fn an_unparsable_cookie_and_empty_values_are_named() {
        let p = session_cookie_problems("no equals sign", None, None);
        assert_eq!(p, ["its Set-Cookie header does not parse"]);
        let headers = ["connect.sid=".to_owned(), "other=x".to_owned()];
        assert!(set_cookies_named(&headers, "connect.sid").is_empty());
        assert_eq!(set_cookies_named(&headers, "other").len(), 1);
        assert_eq!(request_cookie([" a = 1 ;b=2"], "b"), Some("2"));
    }
}
