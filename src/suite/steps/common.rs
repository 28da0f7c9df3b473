//! Checks every flow uses: status, schema, error bodies, kept answers.

use cucumber::then;
use serde_json::Value;

use crate::core::check::{self, Failure};
use crate::core::contract::SchemaName;
use crate::core::exchange::Exchange;
use crate::suite::world::{AuthWorld, StepResult};

#[then(regex = r"^the response status is (\d{3})$")]
async fn status_is(w: &mut AuthWorld, expected: u16) -> StepResult {
    check::status(w.last()?, expected).map_err(|f| w.fail(f))
}

#[then(regex = r#"^the response body matches the "(\w+)" schema$"#)]
async fn matches_schema(w: &mut AuthWorld, name: String) -> StepResult {
    let Some(schema) = SchemaName::parse(&name) else {
        return Err(w.scenario_error(format!("no schema named {name}")));
    };
    check::schema(w.last()?, schema)
        .map(|_| ())
        .map_err(|f| w.fail(f))
}

#[then(regex = r#"^I keep the response as "(.+)"$"#)]
async fn keep_response(w: &mut AuthWorld, name: String) -> StepResult {
    let ex = w.last()?.clone();
    w.kept.insert(name, ex);
    Ok(())
}

#[then(regex = r#"^the response is answered the same way as "(.+)"$"#)]
async fn answered_the_same_way(w: &mut AuthWorld, name: String) -> StepResult {
    let ex = w.last()?;
    let Some(earlier) = w.kept.get(&name) else {
        return Err(w.scenario_error(format!("no response was kept as \"{name}\"")));
    };
    let (expected, actual) = (answer_shape(earlier), answer_shape(ex));
    if expected == actual {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "same answer",
            format!("the answer differs from \"{name}\": a client can tell which e-mails have an account"),
        )
        .with_exchange(ex)
        .with_diff(expected, actual),
    ))
}

/// Status, media type and body of a response, for comparing two answers.
fn answer_shape(ex: &Exchange) -> String {
    let media = ex
        .content_type()
        .map(|c| c.split(';').next().unwrap_or("").trim().to_owned());
    let body = match ex.json() {
        Ok(v) => check::pretty(&v),
        Err(_) => ex.body_text(),
    };
    format!(
        "status: {}\ncontent-type: {}\nbody: {body}",
        ex.status,
        media.as_deref().unwrap_or("(none)")
    )
}

#[then(regex = r#"^the response is an "(\w+)" error saying "(.*)"$"#)]
async fn error_saying(w: &mut AuthWorld, kind: String, message: String) -> StepResult {
    let ex = w.last()?;
    let body = check::schema(ex, SchemaName::Error).map_err(|f| w.fail(f))?;
    error_type_is(w, ex, &body, &kind)?;
    let actual = body["message"].as_str().unwrap_or_default();
    check::same_messages(&message, actual).map_err(|f| w.fail(f.with_exchange(ex)))
}

fn error_type_is(w: &AuthWorld, ex: &Exchange, body: &Value, kind: &str) -> StepResult {
    let actual = body["type"].as_str().unwrap_or("(no type)");
    if actual == kind {
        return Ok(());
    }
    Err(w.fail(
        Failure::new(
            "error type",
            format!("expected an error of type {kind}, got {actual}"),
        )
        .with_exchange(ex)
        .with_diff(kind, actual),
    ))
}

#[then(regex = r#"^the response body, if JSON, is an "(\w+)" error$"#)]
async fn if_json_error(w: &mut AuthWorld, kind: String) -> StepResult {
    let ex = w.last()?;
    if !ex.is_json() {
        return Ok(());
    }
    let body = check::schema(ex, SchemaName::Error).map_err(|f| w.fail(f))?;
    error_type_is(w, ex, &body, &kind)
}

#[then(regex = r#"^the response body is the text "(.*)"$"#)]
async fn body_is_text(w: &mut AuthWorld, expected: String) -> StepResult {
    let ex = w.last()?;
    let actual = ex.body_text();
    if actual.trim() == expected {
        return Ok(());
    }
    Err(w.fail(
        Failure::new("body text", format!("expected the body \"{expected}\""))
            .with_exchange(ex)
            .with_diff(expected, actual),
    ))
}
