//! The secret-echo check, run on every exchange of every scenario: an
//! answer must not carry back the admin's password, a password or API
//! token the request sent, or the admin's API token anywhere but the
//! user's own `api_token` field (which the contract's user object holds).

use serde_json::Value;

use crate::core::check::Failure;
use crate::core::exchange::Exchange;
use crate::core::redact::Secret;

/// Secrets shorter than this are not looked for in answers: a short value
/// can appear by chance.
const MIN_ECHO_LEN: usize = 6;

/// A failure (check `secret echoed`) if the answer of `ex` carries back a
/// secret: `admin_password`, a password or API token (`token_header`) the
/// request sent, or `api_token` outside the user's own `api_token` field.
pub fn echoed_secret(
    ex: &Exchange,
    admin_password: &Secret,
    api_token: Option<&Secret>,
    token_header: &str,
) -> Option<Failure> {
    let mut secrets: Vec<(String, &str)> =
        vec![(admin_password.expose().to_owned(), "the admin's password")];
    secrets.extend(sent_secrets(ex, token_header));
    if let Some(t) = api_token {
        secrets.push((t.expose().to_owned(), "the admin's API token"));
    }
    secrets.retain(|(s, _)| s.len() >= MIN_ECHO_LEN);

    let texts = answer_texts(ex, api_token.map(Secret::expose));
    for (secret, what) in &secrets {
        // As sent, as a JSON string holds it, as an HTML page holds it.
        let forms = [
            secret.clone(),
            serde_json::to_string(secret)
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned(),
            html_escape(secret),
        ];
        for (place, text) in &texts {
            if forms.iter().any(|f| text.contains(f.as_str())) {
                return Some(
                    Failure::new(
                        "secret echoed",
                        format!("the response carries back {what}, in its {place}"),
                    )
                    .with_exchange(ex),
                );
            }
        }
    }
    None
}

/// The password (JSON or form body) and API token the request sent.
fn sent_secrets(ex: &Exchange, token_header: &str) -> Vec<(String, &'static str)> {
    let mut secrets = Vec::new();
    if let Some(body) = &ex.request_body {
        let sent = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v["password"].as_str().map(str::to_owned))
            .or_else(|| {
                url::form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "password")
                    .map(|(_, v)| v.into_owned())
            });
        if let Some(p) = sent {
            secrets.push((p, "the password it was sent"));
        }
    }
    for (k, v) in &ex.request_headers {
        if k == token_header {
            secrets.push((v.trim().to_owned(), "the API token it was sent"));
        }
    }
    secrets
}

/// The texts of an answer a secret must not be in: every header value, and
/// the body (for JSON, every key and string, but the user's `api_token` when
/// it is the admin's own).
fn answer_texts(ex: &Exchange, own_token: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ex
        .headers
        .iter()
        .map(|(k, v)| {
            (
                format!("{k} header"),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    match ex.json() {
        Ok(v) => {
            let mut strings = Vec::new();
            json_strings(&v, None, own_token, &mut strings);
            out.push(("body".into(), strings.join("\n")));
        }
        Err(_) => out.push(("body".into(), ex.body_text())),
    }
    out
}

fn json_strings(v: &Value, key: Option<&str>, own_token: Option<&str>, out: &mut Vec<String>) {
    match v {
        Value::String(s) if key == Some("api_token") && Some(s.as_str()) == own_token => {}
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items
            .iter()
            .for_each(|i| json_strings(i, None, own_token, out)),
        Value::Object(map) => {
            for (k, child) in map {
                out.push(k.clone());
                json_strings(child, Some(k), own_token, out);
            }
        }
        _ => {}
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::Call;

    fn answer(
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
        sent: &[(&str, &str)],
    ) -> Exchange {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        Exchange {
            call: Call::CreateSession,
            method: "POST".into(),
            path: "/admin/auth".into(),
            request_headers: sent
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            request_body: Some(r#"{"email":"a@b.co","password":"Wrong-pw-42"}"#.into()),
            status,
            headers: map,
            body: body.as_bytes().to_vec(),
            truncated: false,
            retries: 0,
        }
    }

    #[test]
    fn echoed_secrets_are_found_and_the_users_own_token_is_not_an_echo() {
        let pw = Secret::new("hunter2-admin");
        let tok = Secret::new("tok_0123456789");
        let header = "x-medusa-access-token";
        let check = |ex: &Exchange| echoed_secret(ex, &pw, Some(&tok), header).map(|f| f.summary);
        let user = r#"{"user":{"id":"usr_1","api_token":"tok_0123456789"}}"#;
        assert_eq!(check(&answer(200, &[], user, &[])), None);
        assert_eq!(check(&answer(401, &[], "Unauthorized", &[])), None);
        let cases = [
            (
                answer(
                    400,
                    &[],
                    r#"{"message":"password \"Wrong-pw-42\" is invalid"}"#,
                    &[],
                ),
                "the password it was sent, in its body",
            ),
            (
                answer(400, &[], "<pre>hunter2-admin</pre>", &[]),
                "the admin's password, in its body",
            ),
            (
                answer(401, &[("x-debug", "hunter2-admin")], "", &[]),
                "the admin's password, in its x-debug header",
            ),
            (
                answer(401, &[], "no user has tok_0123456789", &[]),
                "the admin's API token, in its body",
            ),
            (
                answer(401, &[], r#"{"user":{"note":"tok_0123456789"}}"#, &[]),
                "the admin's API token, in its body",
            ),
            (
                answer(
                    401,
                    &[],
                    "Unauthorized: TOK_0123456789",
                    &[(header, "TOK_0123456789")],
                ),
                "the API token it was sent, in its body",
            ),
        ];
        for (ex, expected) in cases {
            let found = check(&ex).unwrap_or_default();
            assert!(found.ends_with(expected), "{found} / {expected}");
        }
    }

    fn found(ex: &Exchange, pw: &str, tok: Option<&str>) -> Option<String> {
        let tok = tok.map(Secret::new);
        echoed_secret(ex, &Secret::new(pw), tok.as_ref(), "x-medusa-access-token")
            .map(|f| f.summary)
    }

    #[test]
    fn a_secret_of_six_characters_is_looked_for_and_shorter_ones_are_not() {
        let mut ex = answer(401, &[], "it was abcdef", &[]);
        ex.request_body = None;
        assert!(found(&ex, "abcdef", None).is_some());
        let mut ex = answer(401, &[], "it was abcde", &[]);
        ex.request_body = None;
        assert_eq!(found(&ex, "abcde", None), None);
    }

    #[test]
    fn escaped_forms_of_a_secret_are_echoes_too() {
        let pw = r#"p<w>"d&'1"#;
        let html = answer(400, &[], "<pre>p&lt;w&gt;&quot;d&amp;&#39;1</pre>", &[]);
        assert!(found(&html, pw, None).is_some());
        let json_in_text = answer(400, &[], r#"bad: "p<w>\"d&'1""#, &[]);
        assert!(found(&json_in_text, pw, None).is_some());
        let clean = answer(400, &[], "<pre>Bad Request</pre>", &[]);
        assert_eq!(found(&clean, pw, None), None);
    }

    #[test]
    fn a_form_password_sent_is_looked_for() {
        let mut ex = answer(400, &[], "<pre>no: form-pw-99</pre>", &[]);
        ex.request_body = Some("email=a%40b.c&password=form-pw-99".into());
        let f = found(&ex, "hunter2-admin", None).unwrap_or_default();
        assert!(f.ends_with("the password it was sent, in its body"), "{f}");
    }

    #[test]
    fn keys_and_array_items_of_a_json_answer_are_searched() {
        let pw = "hunter2-admin";
        let key = answer(400, &[], r#"{"hunter2-admin":1}"#, &[]);
        assert!(found(&key, pw, None).is_some());
        let item = answer(400, &[], r#"{"a":["x","hunter2-admin"]}"#, &[]);
        assert!(found(&item, pw, None).is_some());
        let number = answer(400, &[], r#"{"a":[1,true,null]}"#, &[]);
        assert_eq!(found(&number, pw, None), None);
    }

    #[test]
    fn only_the_users_own_token_in_its_api_token_field_is_no_echo() {
        let pw = "hunter2-admin";
        let tok = Some("tok_0123456789");
        let elsewhere = answer(200, &[], r#"{"user":{"token":"tok_0123456789"}}"#, &[]);
        assert!(found(&elsewhere, pw, tok).is_some());
        let another = answer(200, &[], r#"{"user":{"api_token":"tok_9876543210"}}"#, &[]);
        // Not the admin's token: no echo of it, whatever the field.
        assert_eq!(found(&another, pw, tok), None);
        let sent = answer(
            200,
            &[],
            r#"{"user":{"api_token":"tok_9876543210"}}"#,
            &[("x-medusa-access-token", " tok_9876543210 ")],
        );
        let f = found(&sent, pw, tok).unwrap_or_default();
        assert!(f.ends_with("the API token it was sent, in its body"), "{f}");
        let other_header = answer(401, &[], "tok_9876543210", &[("x-other", "tok_9876543210")]);
        assert_eq!(found(&other_header, pw, tok), None);
    }
}
