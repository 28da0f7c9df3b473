//! What the backend promises, as data: the route table of each dialect and
//! the JSON Schemas its bodies must match, compiled once per process.
//!
//! Steps name a [`Call`] and a [`SchemaName`]; only this module knows which
//! method, path and schema file that means, so a second dialect (Medusa v2)
//! (Medusa v2, [`V2`]) is a second table, not a change to the steps.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

/// The calls of the admin auth flows: the four of the v1 JS client's
/// `medusa.admin.auth`, and v2's token refresh.
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
    /// v2 only: exchange a valid token or session for a fresh token.
    RefreshToken,
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
    /// Route of each call the dialect has (`None`: no such call).
    pub routes: fn(Call) -> Option<Route>,
    /// Name of the session cookie.
    pub session_cookie: &'static str,
    /// The `SameSite` of the session cookie over https (production mode),
    /// besides `Secure`: v1's admin UI calls from its own origin (`None`),
    /// v2's express-session sets `Lax`.
    pub https_same_site: &'static str,
    /// Header carrying an API token.
    pub api_token_header: &'static str,
    /// How the API token is written in that header.
    pub api_token_form: TokenForm,
    /// The key of the token in a token answer (`access_token`, `token`).
    pub token_key: &'static str,
    /// Whether logging in with a cookie takes a bearer token first (v2:
    /// `CreateSession` is sent with the token `GetToken` gave, no body).
    pub session_from_token: bool,
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

/// Which dialect a run speaks (`--dialect`, `MEDUSA_DIALECT`).
#[derive(Debug, Clone, Copy, Default)]
pub enum DialectChoice {
    /// The one whose signature the backend answers (v1's is tried first).
    #[default]
    Auto,
    /// This one, whatever the backend is.
    Fixed(&'static Dialect),
}

impl DialectChoice {
    /// `v1`, `v2` or `auto`.
    pub fn parse(text: &str) -> Option<DialectChoice> {
        match text.trim() {
            "auto" => Some(DialectChoice::Auto),
            name => Dialect::named(name).map(DialectChoice::Fixed),
        }
    }

    /// The choice as the setting names it.
    pub fn name(self) -> &'static str {
        match self {
            DialectChoice::Auto => "auto",
            DialectChoice::Fixed(d) => d.name,
        }
    }
}

/// How a dialect writes the API token in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenForm {
    /// The token itself (v1's `x-medusa-access-token: <token>`).
    Raw,
    /// HTTP Basic with the token as the user name and no password (v2's
    /// `Authorization: Basic base64("sk_…:")`).
    BasicUser,
}

impl Dialect {
    /// The route of `call` in this dialect. Panics if the dialect has no
    /// such call: steps ask [`Dialect::has`] first, and scenarios of calls
    /// one dialect lacks are tagged with the other's name.
    pub fn route(&self, call: Call) -> Route {
        (self.routes)(call)
            .unwrap_or_else(|| panic!("the {} dialect has no {call:?} call", self.name))
    }

    /// Whether the dialect has `call`.
    pub fn has(&self, call: Call) -> bool {
        (self.routes)(call).is_some()
    }

    /// The schema a feature file's `name` stands for in an answer to
    /// `call`: the feature files name v1's schemas, and a v1 success or
    /// error schema stands for this dialect's success body of the same
    /// call, or its error body. So one feature file reads the same for
    /// both dialects.
    pub fn schema_for(&self, name: SchemaName, call: Call) -> SchemaName {
        let v1_success = V1.has(call) && V1.route(call).success_schema() == Some(name);
        match self.has(call).then(|| self.route(call).success_schema()) {
            Some(Some(own)) if v1_success => own,
            _ if name == V1.error_schema => self.error_schema,
            _ => name,
        }
    }

    /// The dialect named `name` (`v1`, `v2`).
    pub fn named(name: &str) -> Option<&'static Dialect> {
        [&V1, &V2].into_iter().find(|d| d.name == name)
    }
}

impl Call {
    /// Every call.
    pub const ALL: [Call; 5] = [
        Call::CreateSession,
        Call::GetSession,
        Call::DeleteSession,
        Call::GetToken,
        Call::RefreshToken,
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
    routes: |call| {
        Some(match call {
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
            Call::RefreshToken => return None,
        })
    },
    session_cookie: "connect.sid",
    https_same_site: "None",
    api_token_header: "x-medusa-access-token",
    api_token_form: TokenForm::Raw,
    token_key: "access_token",
    session_from_token: false,
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

/// Medusa v2's content type of every JSON answer, as 2.21.2 sends it.
const V2_JSON: &str = "application/json; charset=utf-8";

/// The auth middleware's refusal on every authenticated v2 route
/// (`/admin/*`, `/auth/session`, `/auth/token/refresh`): `{message}`
/// alone, no `type` (the message is `Unauthorized` but for a secret key
/// sent as a bearer or a token awaiting MFA).
const V2_MIDDLEWARE_401: Answer = v2_json(401, SchemaName::V2Unauthorized);

/// A v2 answer with a JSON body matching `schema`.
const fn v2_json(status: u16, schema: SchemaName) -> Answer {
    Answer {
        status,
        content_type: Some(V2_JSON),
        body: BodyRule::Json(schema),
    }
}

/// Medusa 2.x (`/auth/*`, `/admin/users/me`), as Medusa 2.21.2 behaves.
/// Every refusal but the middleware's 401 is a `{type, message}` JSON
/// error (its 400 for a body that is not JSON, its 413 for one over
/// 100 kB, its 404 for a token of an unknown user), so no route needs
/// other answers.
pub static V2: Dialect = Dialect {
    name: "v2",
    routes: |call| {
        Some(match call {
            // Logging in for a token: every refusal is 401 `{type, message}`
            // (`Invalid email or password`, `Password should be a string`).
            Call::GetToken => Route {
                method: "POST",
                path: "/auth/user/emailpass",
                success: v2_json(200, SchemaName::V2AuthToken),
                unauthorized: v2_json(401, SchemaName::V2Error),
                other: &[],
            },
            Call::CreateSession => Route {
                method: "POST",
                path: "/auth/session",
                success: v2_json(200, SchemaName::V2SessionRes),
                unauthorized: V2_MIDDLEWARE_401,
                other: &[],
            },
            Call::GetSession => Route {
                method: "GET",
                path: "/admin/users/me",
                success: v2_json(200, SchemaName::V2UserRes),
                unauthorized: V2_MIDDLEWARE_401,
                other: &[],
            },
            Call::DeleteSession => Route {
                method: "DELETE",
                path: "/auth/session",
                success: Answer {
                    status: 200,
                    content_type: Some(V2_JSON),
                    body: BodyRule::Text(r#"{"success":true}"#),
                },
                unauthorized: V2_MIDDLEWARE_401,
                other: &[],
            },
            Call::RefreshToken => Route {
                method: "POST",
                path: "/auth/token/refresh",
                success: v2_json(200, SchemaName::V2AuthToken),
                unauthorized: V2_MIDDLEWARE_401,
                other: &[],
            },
        })
    },
    session_cookie: "connect.sid",
    // Measured on 2.21.2 in production mode, over https and over http
    // with X-Forwarded-Proto: https.
    https_same_site: "Lax",
    api_token_header: "authorization",
    api_token_form: TokenForm::BasicUser,
    token_key: "token",
    session_from_token: true,
    json_content_type: V2_JSON,
    error_schema: SchemaName::V2Error,
    // The cors middleware ends every preflight itself: 204, no body.
    preflight: Answer {
        status: 204,
        content_type: None,
        body: BodyRule::Empty,
    },
    // The auth middleware's refusal: the same bytes on every admin route.
    signature: Signature {
        call: Call::GetSession,
        status: 401,
        body: r#"{"message":"Unauthorized"}"#,
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
    /// v2: `{ token: string }` (log in for a token, refresh).
    V2AuthToken,
    /// v2: an admin user (no role, no API token).
    V2User,
    /// v2: `{ user: V2User }` (who am I).
    V2UserRes,
    /// v2: `{ user: <token claims> }` (log in with a cookie).
    V2SessionRes,
    /// v2: `{ type, message }`.
    V2Error,
    /// v2: `{ message }` (the auth middleware's 401).
    V2Unauthorized,
}

impl SchemaName {
    /// Every schema, in file order.
    pub const ALL: [SchemaName; 10] = [
        SchemaName::AdminAuthRes,
        SchemaName::AdminBearerAuthRes,
        SchemaName::User,
        SchemaName::Error,
        SchemaName::V2AuthToken,
        SchemaName::V2User,
        SchemaName::V2UserRes,
        SchemaName::V2SessionRes,
        SchemaName::V2Error,
        SchemaName::V2Unauthorized,
    ];

    /// The name used in feature files and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaName::AdminAuthRes => "AdminAuthRes",
            SchemaName::AdminBearerAuthRes => "AdminBearerAuthRes",
            SchemaName::User => "User",
            SchemaName::Error => "Error",
            SchemaName::V2AuthToken => "V2AuthToken",
            SchemaName::V2User => "V2User",
            SchemaName::V2UserRes => "V2UserRes",
            SchemaName::V2SessionRes => "V2SessionRes",
            SchemaName::V2Error => "V2Error",
            SchemaName::V2Unauthorized => "V2Unauthorized",
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
            SchemaName::V2AuthToken => include_str!("../../schemas/V2AuthToken.json"),
            SchemaName::V2User => include_str!("../../schemas/V2User.json"),
            SchemaName::V2UserRes => include_str!("../../schemas/V2UserRes.json"),
            SchemaName::V2SessionRes => include_str!("../../schemas/V2SessionRes.json"),
            SchemaName::V2Error => include_str!("../../schemas/V2Error.json"),
            SchemaName::V2Unauthorized => include_str!("../../schemas/V2Unauthorized.json"),
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
        assert!(!V1.has(Call::RefreshToken));
        for call in Call::ALL.into_iter().filter(|c| V1.has(*c)) {
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

    fn v2_user() -> Value {
        // As 2.21.2 answers GET /admin/users/me (ids shortened).
        json!({
            "id": "user_01M8SY5", "first_name": null, "last_name": null,
            "email": "admin@medusa-test.com", "avatar_url": null, "metadata": null,
            "created_at": "2026-11-29T20:52:30.671Z", "updated_at": "2026-11-29T20:52:30.671Z",
            "deleted_at": null
        })
    }

    #[test]
    fn v2_bodies_as_measured_conform() {
        let ok = |name, v: Value| {
            assert_eq!(
                keywords(name, &v),
                Vec::<(String, String)>::new(),
                "{name:?}"
            )
        };
        ok(SchemaName::V2UserRes, json!({ "user": v2_user() }));
        ok(SchemaName::V2AuthToken, json!({"token": "eyJh.eyJh.c2ln"}));
        ok(
            SchemaName::V2SessionRes,
            json!({"user": {"actor_id": "user_01", "actor_type": "user", "auth_identity_id": "authid_01",
                "auth_provider": "emailpass", "mfa_enabled": false, "mfa_challenge_completed_at": null,
                "app_metadata": {"user_id": "user_01"}, "user_metadata": {}, "iat": 1, "exp": 2}}),
        );
        ok(
            SchemaName::V2Error,
            json!({"type": "unauthorized", "message": "Invalid email or password"}),
        );
        ok(
            SchemaName::V2Error,
            json!({"message": "Unexpected end of JSON input", "type": "invalid_data"}),
        );
    }

    #[test]
    fn v2_violations_fail() {
        let bad = |name, v: Value| assert!(!keywords(name, &v).is_empty(), "{name:?} {v}");
        for (field, value) in [
            ("id", json!("usr_01")),
            ("email", json!("nope")),
            ("password_hash", json!("x")),
            ("role", json!("admin")),
            ("api_token", json!(null)),
        ] {
            let mut u = v2_user();
            u[field] = value;
            bad(SchemaName::V2UserRes, json!({ "user": u }));
        }
        bad(SchemaName::V2AuthToken, json!({"token": "not-a-jwt"}));
        bad(SchemaName::V2AuthToken, json!({"access_token": "a.b.c"}));
        bad(SchemaName::V2SessionRes, json!({"user": v2_user()}));
        bad(SchemaName::V2Error, json!({"message": "Unauthorized"}));
        bad(SchemaName::V2Error, json!({"type": "nope", "message": "m"}));
    }

    #[test]
    fn every_v2_row_is_well_formed() {
        for call in Call::ALL {
            let r = V2.route(call);
            assert_eq!(r.success.status, 200, "{call:?}");
            assert_eq!(r.unauthorized.status, 401, "{call:?}");
            assert_eq!(r.unauthorized.content_type, Some(V2.json_content_type));
            assert!(r.other.is_empty(), "{call:?}");
        }
        assert_eq!(V2.route(Call::GetToken).path, "/auth/user/emailpass");
        assert_eq!(V2.route(Call::GetSession).path, "/admin/users/me");
        assert_eq!(V2.route(Call::DeleteSession).method, "DELETE");
        assert_eq!(V2.route(Call::RefreshToken).path, "/auth/token/refresh");
        assert_eq!(
            V2.route(Call::GetSession).unauthorized.body,
            BodyRule::Json(SchemaName::V2Unauthorized)
        );
        let sig: Value = serde_json::from_str(V2.signature.body).unwrap();
        assert!(keywords(SchemaName::V2Unauthorized, &sig).is_empty());
        assert!(
            !keywords(
                SchemaName::V2Unauthorized,
                &json!({"type": "unauthorized", "message": "m"})
            )
            .is_empty()
        );
    }

    #[test]
    fn the_two_signatures_tell_the_dialects_apart() {
        // v2 refuses v1's route with its own JSON, v1 answers plain text.
        let v2_body = br#"{"message":"Unauthorized"}"#;
        assert!(V2.signature.matches(401, v2_body));
        assert!(!V1.signature.matches(401, v2_body));
        assert!(!V2.signature.matches(401, b"Unauthorized"));
        assert_eq!(Dialect::named("v2").map(|d| d.name), Some("v2"));
        assert_eq!(Dialect::named("v1").map(|d| d.name), Some("v1"));
        assert!(Dialect::named("v3").is_none());
        for name in ["auto", "v1", "v2"] {
            assert_eq!(
                DialectChoice::parse(name).map(DialectChoice::name),
                Some(name)
            );
        }
        assert!(DialectChoice::parse("V2").is_none());
        // The feature files' v1 names stand for the dialect's schema.
        use SchemaName::*;
        assert_eq!(V2.schema_for(AdminAuthRes, Call::GetSession), V2UserRes);
        assert_eq!(
            V2.schema_for(AdminAuthRes, Call::CreateSession),
            V2SessionRes
        );
        assert_eq!(
            V2.schema_for(AdminBearerAuthRes, Call::GetToken),
            V2AuthToken
        );
        assert_eq!(V2.schema_for(Error, Call::GetToken), V2Error);
        assert_eq!(V2.schema_for(V2UserRes, Call::GetSession), V2UserRes);
        assert_eq!(V2.schema_for(AdminAuthRes, Call::GetToken), AdminAuthRes);
        for call in [Call::GetSession, Call::CreateSession, Call::GetToken] {
            for name in SchemaName::ALL {
                assert_eq!(V1.schema_for(name, call), name);
            }
        }
        assert_eq!(DialectChoice::default().name(), "auto");
    }

    #[test]
    fn schema_names_round_trip_and_cases_have_words() {
        for name in SchemaName::ALL {
            assert_eq!(SchemaName::parse(name.as_str()), Some(name));
        }
        assert_eq!(SchemaName::parse("Users"), None);
        assert!(When::BodyNotJson.describe().contains("not a JSON object"));
        assert!(When::BearerSent.describe().contains("bearer token"));
        assert_eq!(format!("{:?}", Schemas::get()), "Schemas(10 compiled)");
    }
}
