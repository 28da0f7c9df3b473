//! Cross-site request shapes (login CSRF): the admin's credentials sent as
//! a form, text/plain, multipart/form-data, or JSON without a content type,
//! as a page on another site can make a browser send them.

use cucumber::when;
use serde_json::json;

use crate::core::exchange::{Auth, Body};
use crate::suite::steps::login::call_of;
use crate::suite::world::{AuthWorld, StepResult};

/// The boundary of the multipart body.
const BOUNDARY: &str = "medusa-conformance-boundary";

#[when(
    regex = r"^I (log in|request an access token) with the admin's e-mail and password sent as (a form|text/plain|multipart/form-data|JSON without a content type)$"
)]
async fn cross_site_shape(w: &mut AuthWorld, verb: String, shape: String) -> StepResult {
    let ctx = w.ctx();
    let (email, password) = (ctx.admin_email.as_str(), ctx.admin_password.expose());
    // The password as a form encodes it, so reports mask that form too.
    ctx.redactor
        .add(&url::form_urlencoded::byte_serialize(password.as_bytes()).collect::<String>());
    let body = shaped(&shape, email, password);
    w.send(call_of(&verb), Auth::None, body).await?;
    Ok(())
}

/// The credentials in the body `shape` names.
fn shaped(shape: &str, email: &str, password: &str) -> Body {
    let json_text = json!({"email": email, "password": password}).to_string();
    let (content_type, text) = match shape {
        "a form" => (
            Some("application/x-www-form-urlencoded".to_owned()),
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("email", email)
                .append_pair("password", password)
                .finish(),
        ),
        // What a page's <form enctype="text/plain"> or fetch(no-cors) sends.
        "text/plain" => (Some("text/plain;charset=UTF-8".to_owned()), json_text),
        "multipart/form-data" => (
            Some(format!("multipart/form-data; boundary={BOUNDARY}")),
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{email}\r\n\
                 --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{password}\r\n\
                 --{BOUNDARY}--\r\n"
            ),
        ),
        _ => (None, json_text),
    };
    Body::Raw { content_type, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(b: Body) -> (Option<String>, String) {
        match b {
            Body::Raw { content_type, text } => (content_type, text),
            other => panic!("not a raw body: {other:?}"),
        }
    }

    #[test]
    fn each_shape_carries_the_credentials_as_a_page_would_send_them() {
        let (e, p) = ("a@b.c", "p&w d");
        let (ct, text) = parts(shaped("a form", e, p));
        assert_eq!(ct.as_deref(), Some("application/x-www-form-urlencoded"));
        assert_eq!(text, "email=a%40b.c&password=p%26w+d");
        let json_text = r#"{"email":"a@b.c","password":"p&w d"}"#;
        let (ct, text) = parts(shaped("text/plain", e, p));
        assert_eq!(ct.as_deref(), Some("text/plain;charset=UTF-8"));
        assert_eq!(text, json_text);
        let (ct, text) = parts(shaped("multipart/form-data", e, p));
        assert_eq!(
            ct.as_deref(),
            Some("multipart/form-data; boundary=medusa-conformance-boundary")
        );
        assert!(
            text.starts_with("--medusa-conformance-boundary\r\n"),
            "{text}"
        );
        assert!(
            text.contains("name=\"password\"\r\n\r\np&w d\r\n"),
            "{text}"
        );
        assert!(
            text.ends_with("--medusa-conformance-boundary--\r\n"),
            "{text}"
        );
        let (ct, text) = parts(shaped("JSON without a content type", e, p));
        assert_eq!((ct, text.as_str()), (None, json_text));
    }

    #[test]
    fn the_shaped_login_is_sent_and_its_form_encoding_masked() {
        use crate::suite::steps::testing::{PASSWORD, against};
        let refuses = |_: &str, _: &str, _: &str| {
            (
                401,
                vec!["content-type: text/plain; charset=utf-8".to_owned()],
                "Unauthorized".to_owned(),
            )
        };
        let (r, w) = against(refuses, async |w| {
            cross_site_shape(w, "request an access token".into(), "a form".into()).await
        });
        assert!(r.is_ok());
        let ex = w.last.clone().unwrap();
        assert_eq!(ex.path, "/admin/auth/token");
        assert!(ex.request_body.unwrap().contains(PASSWORD));
        let encoded: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
        assert!(!w.ctx().redactor.mask(&encoded).contains(&encoded));
    }
}
