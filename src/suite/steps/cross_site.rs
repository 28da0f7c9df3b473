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
