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

/// One row of a dialect's route table.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path below the base URL.
    pub path: &'static str,
    /// Schema of the 200 body, if it is JSON.
    pub success_schema: Option<SchemaName>,
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

/// Medusa 1.x (`/admin/auth*`), as Medusa 1.20.11 behaves.
pub static V1: Dialect = Dialect {
    name: "v1",
    routes: |call| match call {
        Call::CreateSession => Route {
            method: "POST",
            path: "/admin/auth",
            success_schema: Some(SchemaName::AdminAuthRes),
        },
        Call::GetSession => Route {
            method: "GET",
            path: "/admin/auth",
            success_schema: Some(SchemaName::AdminAuthRes),
        },
        Call::DeleteSession => Route {
            method: "DELETE",
            path: "/admin/auth",
            success_schema: None,
        },
        Call::GetToken => Route {
            method: "POST",
            path: "/admin/auth/token",
            success_schema: Some(SchemaName::AdminBearerAuthRes),
        },
    },
    session_cookie: "connect.sid",
    api_token_header: "x-medusa-access-token",
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
    fn v1_routes() {
        assert_eq!(V1.route(Call::GetToken).path, "/admin/auth/token");
        assert_eq!(V1.route(Call::DeleteSession).method, "DELETE");
    }
}
