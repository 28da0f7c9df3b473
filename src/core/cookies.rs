//! The one parser of session cookies: the `Set-Cookie` headers a backend
//! sends (read by the steps) and the `Cookie` header a client sends (read
//! by the reference backend). Pure: strings in, values out.

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
}
