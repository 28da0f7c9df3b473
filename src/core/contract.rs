//! What the backend promises, as data: the route table of each dialect and
//! the JSON Schemas its bodies must match, compiled once per process.
//!
//! Steps name a [`Call`] and a [`SchemaName`]; only this module knows which
//! method, path and schema file that means, so a second dialect (Medusa v2)
//! is a second table, not a change to the steps.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

/// The four calls of the JS client's `medusa.admin.auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    /// `createSession`: log in, get a cookie session.
    CreateSession,
    /// `getSession`: who am I.
    GetSession,
    /// `deleteSession`: log out.
    DeleteSession,
    /// `getToken`: exchange credentials for a bearer access token.
    GetToken,
}

/// One row of a dialect's route table: where the call goes, and what
/// every answer to it must look like (checked on each exchange as it
/// arrives, by `core::answer::route_row`).
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path below the base URL.
    pub path: &'static str,
    /// The successful answer.
    pub success: Answer,
    /// The refusal of a request without valid credentials.
    pub unauthorized: Answer,
    /// Other answers that are not JSON errors, each only in its case (any
    /// other 4xx must be a JSON error: the dialect's `error_schema`).
    pub other: &'static [OtherAnswer],
}

impl Route {
    /// Schema of the success body, if it is JSON.
    pub fn success_schema(&self) -> Option<SchemaName> {
        match self.success.body {
            BodyRule::Json(schema) => Some(schema),
            _ => None,
        }
    }
}

/// One answer as the real server sends it: status, content type, body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// The `Content-Type` header, as sent (compared ignoring case and
    /// spaces); `None`: the answer has no `Content-Type`.
    pub content_type: Option<&'static str>,
    /// What the body must be.
    pub body: BodyRule,
}

/// What the body of an [`Answer`] must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    /// JSON matching this schema.
    Json(SchemaName),
    /// Exactly this text.
    Text(&'static str),
    /// Nothing.
    Empty,
    /// Any body: an error page whose text depends on the server's mode
    /// (development shows a stack trace, production does not).
    Any,
}

/// An answer a route gives only in one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherAnswer {
    /// The answer.
    pub answer: Answer,
    /// The case, told by the request.
    pub when: When,
}

/// A case of an [`OtherAnswer`], as the request shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The body was sent as `application/json` but is not a JSON object
    /// or array: Express's body-parser refuses it with its error page.
    BodyNotJson,
    /// The request carries a bearer token: a valid token of a user that
    /// does not exist is a bad request.
    BearerSent,
}

impl When {
    /// The case in words, for failure reports and docs.
    pub fn describe(self) -> &'static str {
        match self {
            When::BodyNotJson => "when the body sent as JSON is not a JSON object or array",
            When::BearerSent => "when a bearer token of a user that does not exist is sent",
        }
    }
}

/// A backend API dialect: its routes and how it names its auth artefacts.
#[derive(Debug)]
pub struct Dialect {
    /// Short name (`v1`).
    pub name: &'static str,
    /// Route of each call.
    pub routes: fn(Call) -> Route,
    /// Name of the session cookie.
    pub session_cookie: &'static str,
    /// Header carrying an API token.
    pub api_token_header: &'static str,
    /// The `Content-Type` of every JSON answer.
    pub json_content_type: &'static str,
    /// The schema of every JSON 4xx answer.
    pub error_schema: SchemaName,
    /// The answer to a CORS preflight (`OPTIONS`) on any route.
    pub preflight: Answer,
    /// How a backend of this dialect refuses a request without
    /// credentials: the preflight's proof that it talks to one.
    pub signature: Signature,
}

/// The answer by which a dialect is recognised: `call` sent with no
/// credentials gets `status` with exactly `body` (surrounding whitespace
/// aside).
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    /// The call sent.
    pub call: Call,
    /// The status it must get.
    pub status: u16,
    /// The body it must get.
    pub body: &'static str,
}

impl Signature {
    /// Whether an answer of `status` with `body` is this signature.
    pub fn matches(&self, status: u16, body: &[u8]) -> bool {
        status == self.status && String::from_utf8_lossy(body).trim() == self.body
    }
}

impl Dialect {
    /// The route of `call` in this dialect.
    pub fn route(&self, call: Call) -> Route {
        (self.routes)(call)
    }
}

impl Call {
    /// Every call.
    pub const ALL: [Call; 4] = [
        Call::CreateSession,
        Call::GetSession,
        Call::DeleteSession,
        Call::GetToken,
    ];
}

/// Medusa v1's content types, as 1.20.11 sends them.
const V1_JSON: &str = "application/json; charset=utf-8";
const V1_TEXT: &str = "text/plain; charset=utf-8";
const V1_HTML: &str = "text/html; charset=utf-8";

/// A failed login: passport's local strategy refusal, sent with a type.
const V1_LOGIN_401: Answer = Answer {
    status: 401,
    content_type: Some(V1_TEXT),
    body: BodyRule::Text("Unauthorized"),
};

/// The auth middleware's refusal: `res.end("Unauthorized")`, no type.
const V1_MIDDLEWARE_401: Answer = Answer {
    status: 401,
    content_type: None,
    body: BodyRule::Text("Unauthorized"),
};

/// The answers of a route that reads a JSON body: body-parser's error page.
const V1_BODY_ROUTE: &[OtherAnswer] = &[OtherAnswer {
    answer: Answer {
        status: 400,
        content_type: Some(V1_HTML),
        body: BodyRule::Any,
    },
    when: When::BodyNotJson,
}];

/// Medusa 1.x (`/admin/auth*`), as Medusa 1.20.11 behaves.
pub static V1: Dialect = Dialect {
    name: "v1",
    routes: |call| match call {
        Call::CreateSession => Route {
            method: "POST",
            path: "/admin/auth",
            success: Answer {
                status: 200,
                content_type: Some(V1_JSON),
                body: BodyRule::Json(SchemaName::AdminAuthRes),
            },
            unauthorized: V1_LOGIN_401,
            other: V1_BODY_ROUTE,
        },
        Call::GetSession => Route {
            method: "GET",
            path: "/admin/auth",
            success: Answer {
                status: 200,
                content_type: Some(V1_JSON),
                body: BodyRule::Json(SchemaName::AdminAuthRes),
            },
            unauthorized: V1_MIDDLEWARE_401,
            other: &[OtherAnswer {
                answer: Answer {
                    status: 400,
                    content_type: Some(V1_TEXT),
                    body: BodyRule::Text("Bad Request"),
                },
                when: When::BearerSent,
            }],
        },
        Call::DeleteSession => Route {
            method: "DELETE",
            path: "/admin/auth",
            success: Answer {
                status: 200,
                content_type: Some(V1_TEXT),
                body: BodyRule::Text("OK"),
            },
            unauthorized: V1_MIDDLEWARE_401,
            other: &[],
        },
        Call::GetToken => Route {
            method: "POST",
            path: "/admin/auth/token",
            success: Answer {
                status: 200,
                content_type: Some(V1_JSON),
                body: BodyRule::Json(SchemaName::AdminBearerAuthRes),
            },
            unauthorized: V1_LOGIN_401,
            other: V1_BODY_ROUTE,
        },
    },
    session_cookie: "connect.sid",
    api_token_header: "x-medusa-access-token",
    json_content_type: V1_JSON,
    error_schema: SchemaName::Error,
    // The cors middleware ends every preflight itself: 204, no body.
    preflight: Answer {
        status: 204,
        content_type: None,
        body: BodyRule::Empty,
    },
    // passport's refusal, as Medusa 1.20.11 sends it (no content type).
    signature: Signature {
        call: Call::GetSession,
        status: 401,
        body: "Unauthorized",
    },
};

/// The schemas the harness checks bodies against (files in `schemas/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaName {
    /// `{ user: User }`.
    AdminAuthRes,
    /// `{ access_token: string }`.
    AdminBearerAuthRes,
    /// A `User` without `password_hash`.
    User,
    /// Medusa's JSON error body.
    Error,
}

impl SchemaName {
    /// Every schema, in file order.
    pub const ALL: [SchemaName; 4] = [
        SchemaName::AdminAuthRes,
        SchemaName::AdminBearerAuthRes,
        SchemaName::User,
        SchemaName::Error,
    ];

    /// The name used in feature files and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaName::AdminAuthRes => "AdminAuthRes",
            SchemaName::AdminBearerAuthRes => "AdminBearerAuthRes",
            SchemaName::User => "User",
            SchemaName::Error => "Error",
        }
    }

    /// Looks a schema up by the name a feature file uses.
    pub fn parse(name: &str) -> Option<SchemaName> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    fn source(self) -> &'static str {
        match self {
            SchemaName::AdminAuthRes => include_str!("../../schemas/AdminAuthRes.json"),
            SchemaName::AdminBearerAuthRes => include_str!("../../schemas/AdminBearerAuthRes.json"),
            SchemaName::User => include_str!("../../schemas/User.json"),
            SchemaName::Error => include_str!("../../schemas/Error.json"),
        }
    }
}

/// One schema violation, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the body (`/user/email`); empty for the root.
    pub instance_path: String,
    /// The schema keyword that failed (`required`, `format`, ...).
    pub keyword: String,
    /// What is wrong, with instance values masked.
    pub message: String,
}

/// An embedded schema that does not parse or compile (a bug in `schemas/`).
#[derive(Debug, thiserror::Error)]
#[error("broken schema: {0}")]
pub struct BrokenSchema(pub String);

/// Compiled validators for every [`SchemaName`].
pub struct Schemas {
    validators: HashMap<SchemaName, Validator>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schemas({} compiled)", self.validators.len())
    }
}

impl Schemas {
    /// The process-wide compiled schemas. They are embedded in the binary,
    /// so compiling cannot fail at run time unless a schema file is broken,
    /// which the unit tests catch.
    pub fn get() -> &'static Schemas {
        static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
        SCHEMAS.get_or_init(|| Schemas::compile().expect("embedded schemas compile"))
    }

    /// Compiles every schema, resolving `$ref`s between them locally: no
    /// network, no file system.
    pub fn compile() -> Result<Schemas, BrokenSchema> {
        let broken = |e: String| BrokenSchema(e);
        let mut docs = Vec::new();
        for name in SchemaName::ALL {
            let doc: Value = serde_json::from_str(name.source())
                .map_err(|e| broken(format!("schemas/{}.json: {e}", name.as_str())))?;
            let id = doc["$id"]
                .as_str()
                .ok_or_else(|| broken(format!("schemas/{}.json has no $id", name.as_str())))?
                .to_owned();
            docs.push((name, id, doc));
        }
        let mut registry = jsonschema::Registry::new();
        for (_, id, doc) in &docs {
            registry = registry
                .add(id.as_str(), doc.clone())
                .map_err(|e| broken(e.to_string()))?;
        }
        let registry = registry.prepare().map_err(|e| broken(e.to_string()))?;
        let mut validators = HashMap::new();
        for (name, _, doc) in &docs {
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .offline()
                .with_registry(&registry)
                .build(doc)
                .map_err(|e| broken(format!("schemas/{}.json: {e}", name.as_str())))?;
            validators.insert(*name, validator);
        }
        Ok(Schemas { validators })
    }

    /// Every way `instance` violates schema `name` (empty when it conforms).
    pub fn errors(&self, name: SchemaName, instance: &Value) -> Vec<SchemaError> {
        let validator = &self.validators[&name];
        validator
            .iter_errors(instance)
            .map(|e| SchemaError {
                instance_path: e.instance_path().to_string(),
                keyword: e.kind().keyword().to_owned(),
                message: e.masked().to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "usr_01", "role": "admin", "email": "a@example.com",
            "first_name": null, "last_name": "L", "api_token": null,
            "created_at": "2026-11-29T14:35:53.510Z", "updated_at": "2026-11-29T14:35:53.510Z",
            "deleted_at": null, "metadata": null
        })
    }

    fn keywords(name: SchemaName, v: &Value) -> Vec<(String, String)> {
        Schemas::get()
            .errors(name, v)
            .into_iter()
            .map(|e| (e.instance_path, e.keyword))
            .collect()
    }

    #[test]
    fn a_good_user_conforms() {
        assert!(keywords(SchemaName::AdminAuthRes, &json!({"user": user()})).is_empty());
    }

    #[test]
    fn each_user_violation_is_reported_with_its_path() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("email", json!("not-an-email"), "format"),
            ("created_at", json!("yesterday"), "format"),
            ("role", json!("owner"), "enum"),
            ("metadata", json!("x"), "type"),
            ("first_name", json!(7), "type"),
        ];
        for (field, value, keyword) in cases {
            let mut u = user();
            u[field] = value;
            let errs = keywords(SchemaName::AdminAuthRes, &json!({ "user": u }));
            assert_eq!(
                errs,
                vec![(format!("/user/{field}"), keyword.to_owned())],
                "{field}"
            );
        }
    }

    #[test]
    fn missing_leaked_and_unknown_fields_fail() {
        let mut u = user();
        u.as_object_mut().unwrap().remove("deleted_at");
        assert_eq!(
            keywords(SchemaName::User, &u),
            vec![(String::new(), "required".to_owned())]
        );
        let mut u = user();
        u["password_hash"] = json!("x");
        assert!(!keywords(SchemaName::User, &u).is_empty());
        let mut u = user();
        u["nickname"] = json!("x");
        assert!(!keywords(SchemaName::User, &u).is_empty());
    }

    #[test]
    fn bearer_res_requires_a_string_access_token() {
        assert!(
            keywords(
                SchemaName::AdminBearerAuthRes,
                &json!({"access_token": "t"})
            )
            .is_empty()
        );
        assert!(!keywords(SchemaName::AdminBearerAuthRes, &json!({"accessToken": "t"})).is_empty());
        assert!(!keywords(SchemaName::AdminBearerAuthRes, &json!({"access_token": 1})).is_empty());
    }

    #[test]
    fn error_body_needs_type_and_message() {
        assert!(
            keywords(
                SchemaName::Error,
                &json!({"type": "invalid_data", "message": "m"})
            )
            .is_empty()
        );
        assert!(!keywords(SchemaName::Error, &json!({"message": "m"})).is_empty());
    }

    #[test]
    fn every_v1_row_is_well_formed() {
        for call in Call::ALL {
            let r = V1.route(call);
            assert!((200..300).contains(&r.success.status), "{call:?}");
            assert_eq!(r.unauthorized.status, 401, "{call:?}");
            assert_eq!(r.unauthorized.body, BodyRule::Text("Unauthorized"));
            for o in r.other {
                // Other answers are refusals that are not JSON errors.
                assert!((400..500).contains(&o.answer.status), "{call:?}");
                assert_ne!(o.answer.status, 401, "{call:?}");
                assert_ne!(o.answer.content_type, Some(V1.json_content_type));
            }
        }
        assert_eq!(
            V1.route(Call::GetSession).success_schema(),
            Some(SchemaName::AdminAuthRes)
        );
        assert_eq!(V1.route(Call::DeleteSession).success_schema(), None);
    }

    #[test]
    fn v1_routes() {
        assert_eq!(V1.route(Call::GetToken).path, "/admin/auth/token");
        assert_eq!(V1.route(Call::DeleteSession).method, "DELETE");
    }

    #[test]
    fn the_signature_is_its_status_and_its_trimmed_body() {
        let sig = V1.signature;
        assert!(sig.matches(401, b" Unauthorized\n"));
        assert!(!sig.matches(401, b"Unauthorized: no session"));
        assert!(!sig.matches(400, b"Unauthorized"));
    }

    #[test]
    fn schema_names_round_trip_and_cases_have_words() {
        for name in SchemaName::ALL {
            assert_eq!(SchemaName::parse(name.as_str()), Some(name));
        }
        assert_eq!(SchemaName::parse("Users"), None);
        assert!(When::BodyNotJson.describe().contains("not a JSON object"));
        assert!(When::BearerSent.describe().contains("bearer token"));
        assert_eq!(format!("{:?}", Schemas::get()), "Schemas(4 compiled)");
    }
}
