//! Checks every flow uses: status, schema, error bodies, kept answers.

use cucumber::then;
use serde_json::Value;

use crate::core::check::{self, Failure};
use crate::core::contract::SchemaName;
use crate::core::exchange::Exchange;
use crate::suite::world::{AuthWorld, StepResult};

#[then(regex = r"^the response status is (\d{3})$")]
pub(super) async fn status_is(w: &mut AuthWorld, expected: u16) -> StepResult {
    check::status(w.last()?, expected).map_err(|f| w.fail(f))
}

#[then(regex = r#"^the response body matches the "(\w+)" schema$"#)]
async fn matches_schema(w: &mut AuthWorld, name: String) -> StepResult {
    let Some(named) = SchemaName::parse(&name) else {
        return Err(w.scenario_error(format!("no schema named {name}")));
    };
    let ex = w.last()?;
    // The feature files name v1's schemas; each stands for the dialect's.
    let schema = w.ctx().client.dialect().schema_for(named, ex.call);
    check::schema(ex, schema).map(|_| ()).map_err(|f| w.fail(f))
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
    let schema = w.ctx().client.dialect().error_schema;
    let body = check::schema(ex, schema).map_err(|f| w.fail(f))?;
    error_type_is(w, ex, &body, &kind)?;
    let actual = body["message"].as_str().unwrap_or_default();
    check::same_messages(&message, actual).map_err(|f| w.fail(f.with_exchange(ex)))
}

#[then(regex = r#"^the response is an? "(\w+)" error$"#)]
async fn error_of_type(w: &mut AuthWorld, kind: String) -> StepResult {
    let ex = w.last()?;
    let schema = w.ctx().client.dialect().error_schema;
    let body = check::schema(ex, schema).map_err(|f| w.fail(f))?;
    error_type_is(w, ex, &body, &kind)
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
    let schema = w.ctx().client.dialect().error_schema;
    let body = check::schema(ex, schema).map_err(|f| w.fail(f))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::steps::testing::{answer, json, run, with_last, world};

    const UNAUTHORIZED: &str = r#"{"type":"unauthorized","message":"Unauthorized"}"#;

    #[test]
    fn status_is_the_status() {
        let mut w = with_last(world(), json(401, UNAUTHORIZED));
        assert!(run(status_is(&mut w, 401)).is_ok());
        assert!(run(status_is(&mut w, 200)).is_err());
        assert!(
            run(status_is(&mut world(), 401)).is_err(),
            "nothing sent yet"
        );
    }

    #[test]
    fn schema_check_is_the_named_schema() {
        let mut w = with_last(world(), json(401, UNAUTHORIZED));
        assert!(run(matches_schema(&mut w, "Error".into())).is_ok());
        assert!(run(matches_schema(&mut w, "AdminBearerAuthRes".into())).is_err());
        assert!(run(matches_schema(&mut w, "NoSuchSchema".into())).is_err());
    }

    #[test]
    fn the_same_answer_is_the_same_status_type_and_body() {
        let mut w = with_last(world(), json(401, UNAUTHORIZED));
        assert!(
            run(answered_the_same_way(&mut w, "first".into())).is_err(),
            "nothing kept"
        );
        run(keep_response(&mut w, "first".into())).unwrap();
        assert_eq!(w.kept["first"].status, 401);
        assert!(run(answered_the_same_way(&mut w, "first".into())).is_ok());
        // The media type's parameters and the JSON layout do not matter.
        let same = answer(
            crate::core::contract::Call::GetSession,
            401,
            &[("content-type", "application/json")],
            r#"{ "type": "unauthorized", "message": "Unauthorized" }"#,
        );
        let mut w = with_last(w, same);
        assert!(run(answered_the_same_way(&mut w, "first".into())).is_ok());
        for other in [
            json(400, UNAUTHORIZED),
            json(401, r#"{"type":"unauthorized","message":"Wrong password"}"#),
            answer(
                crate::core::contract::Call::GetSession,
                401,
                &[("content-type", "text/plain")],
                UNAUTHORIZED,
            ),
        ] {
            let mut w2 = with_last(world(), other);
            w2.kept = w.kept.clone();
            assert!(run(answered_the_same_way(&mut w2, "first".into())).is_err());
        }
    }

    #[test]
    fn answer_shape_names_status_media_type_and_body() {
        let shape = answer_shape(&json(401, r#"{"a":1}"#));
        assert_eq!(
            shape,
            "status: 401\ncontent-type: application/json\nbody: {\n  \"a\": 1\n}"
        );
        let text = answer(
            crate::core::contract::Call::GetSession,
            401,
            &[],
            "Unauthorized",
        );
        assert_eq!(
            answer_shape(&text),
            "status: 401\ncontent-type: (none)\nbody: Unauthorized"
        );
    }

    #[test]
    fn error_saying_checks_type_and_message() {
        let mut w = with_last(world(), json(401, UNAUTHORIZED));
        assert!(
            run(error_saying(
                &mut w,
                "unauthorized".into(),
                "Unauthorized".into()
            ))
            .is_ok()
        );
        assert!(
            run(error_saying(
                &mut w,
                "not_allowed".into(),
                "Unauthorized".into()
            ))
            .is_err()
        );
        assert!(
            run(error_saying(
                &mut w,
                "unauthorized".into(),
                "Forbidden".into()
            ))
            .is_err()
        );
        let mut w = with_last(world(), json(401, r#"{"message":"Unauthorized"}"#));
        assert!(
            run(error_saying(
                &mut w,
                "unauthorized".into(),
                "Unauthorized".into()
            ))
            .is_err()
        );
    }

    #[test]
    fn if_json_error_checks_only_json() {
        let text = answer(
            crate::core::contract::Call::GetSession,
            401,
            &[],
            "Unauthorized",
        );
        assert!(
            run(if_json_error(
                &mut with_last(world(), text),
                "not_allowed".into()
            ))
            .is_ok()
        );
        let mut w = with_last(world(), json(401, UNAUTHORIZED));
        assert!(run(if_json_error(&mut w, "unauthorized".into())).is_ok());
        assert!(run(if_json_error(&mut w, "not_allowed".into())).is_err());
        let mut w = with_last(world(), json(401, r#"{"x":1}"#));
        assert!(run(if_json_error(&mut w, "unauthorized".into())).is_err());
    }

    #[test]
    fn body_text_is_compared_trimmed() {
        let text = answer(
            crate::core::contract::Call::GetSession,
            401,
            &[],
            "Unauthorized\n",
        );
        let mut w = with_last(world(), text);
        assert!(run(body_is_text(&mut w, "Unauthorized".into())).is_ok());
        assert!(run(body_is_text(&mut w, "OK".into())).is_err());
    }
}
