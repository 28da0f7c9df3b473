//! The reference backend's Medusa v2 dialect, as a real Medusa 2.21.2
//! answers (measured case by case): `POST /auth/user/emailpass` gives a
//! token, `POST /auth/session` turns a bearer token into a `connect.sid`
//! session, `GET /admin/users/me` names the user, `DELETE /auth/session`
//! ends the cookie session, `POST /auth/token/refresh` gives a fresh token.
//! Every refusal of the auth middleware is 401 `{"message":"Unauthorized"}`;
//! every other error is `{type, message}`. The faults that make sense for
//! v2 are committed here too, and a few of v2's own.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use super::faults::{self, FAKE_PASSWORD_HASH};
use super::{
    Backend, Fault, TOKEN_TTL_SECS, User, YEARS_SECS, bearer, json_response, not_found, plain,
    preflight, session,
};
use crate::core::jwt;

/// Who a v2 request is, after the session, bearer and API-key strategies.
enum Who {
    /// A user, by a session or a bearer token of actor type `user`.
    User(User),
    /// A valid token naming a user that does not exist (v2: 404).
    UnknownActor(String),
    /// A secret API key (whoami cannot name its owner: 404).
    ApiKey,
    Nobody,
}

/// Answers one request in the v2 dialect.
pub(super) fn handle(
    b: &Backend,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let mut session = session::load(b, headers);
    let protected =
        path.starts_with("/admin/") || path == "/auth/session" || path == "/auth/token/refresh";
    let mut resp = match (method.as_str(), path) {
        ("OPTIONS", _) if protected || path.starts_with("/auth/") => preflight(headers),
        ("POST", "/auth/user/emailpass") => login(b, &mut session, headers, body),
        ("POST", "/auth/session") => create_session(b, &mut session, headers),
        ("GET", "/admin/users/me") => whoami(b, &session, headers),
        ("DELETE", "/auth/session") => logout(b, &mut session, headers),
        ("POST", "/auth/token/refresh") => refresh(b, &session, headers),
        ("GET" | "HEAD", "/health") => {
            plain(StatusCode::OK, "text/html; charset=utf-8", "OK".into())
        }
        _ if protected && matches!(identify(b, &session, headers), Who::Nobody) => unauthorized(b),
        _ => not_found(method.as_str(), path),
    };
    // The cors middleware: the allowed origin echoed, credentials always
    // (v1's; v2 has no body-parser error page, so every answer gets them).
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    super::cors_headers(b, b.allowed_origin(origin), &mut resp);
    session::store_v2(b, &session, &mut resp);
    resp
}

/// The auth middleware's refusal.
fn unauthorized(b: &Backend) -> Response {
    json_response(
        b,
        StatusCode::UNAUTHORIZED,
        json!({"message": "Unauthorized"}),
    )
}

/// Medusa's error handler: `{type, message}`.
fn error(b: &Backend, status: StatusCode, kind: &str, message: &str) -> Response {
    if b.on(Fault::ErrorWithoutType) {
        return json_response(b, status, json!({"message": message}));
    }
    if b.on(Fault::ErrorAsHtml) {
        return plain(
            status,
            "text/html; charset=utf-8",
            format!("<pre>{message}</pre>"),
        );
    }
    json_response(b, status, json!({"type": kind, "message": message}))
}

/// The emailpass provider: the password is checked before the e-mail,
/// every refusal is 401, the e-mail is matched exactly. It touches no
/// session (but for the fault that logs a wrong password in).
fn login(
    b: &Backend,
    session: &mut session::Session,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let parsed = match parse_body(b, headers, body) {
        Ok(v) => v,
        Err(message) => return not_json(b, &message),
    };
    let string = |k: &str| {
        parsed
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(password), Some(email)) = (string("password"), string("email")) else {
        let which = if string("password").is_none() {
            "Password"
        } else {
            "Email"
        };
        return not_strings(b, which);
    };
    let known = b.users.iter().find(|u| {
        u.email == email
            || (b.on(Fault::V2EmailCaseInsensitive) && u.email.eq_ignore_ascii_case(email))
    });
    if b.on(Fault::UserEnumeration) && known.is_none() {
        return error(
            b,
            StatusCode::NOT_FOUND,
            "not_found",
            "Invalid email or password",
        );
    }
    let Some(user) = known
        .filter(|u| b.password_matches(&u.password, password))
        .cloned()
    else {
        if let Some(u) = known.filter(|_| b.on(Fault::FailedLoginLogsIn)) {
            session.user_id = Some(u.id.clone());
        }
        let status = if b.on(Fault::Forbidden403) {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        };
        return error(b, status, "unauthorized", "Invalid email or password");
    };
    let status = if b.on(Fault::Created201) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json_response(b, status, token_body(b, token(b, &user)))
}

/// The refusal of a login body that is not JSON.
fn not_json(b: &Backend, message: &str) -> Response {
    let status = if b.on(Fault::NotJsonAs500) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::BAD_REQUEST
    };
    json_response(
        b,
        status,
        json!({"message": message, "type": "invalid_data"}),
    )
}

/// The refusal of a login whose `which` (`Password`, `Email`) is not a
/// non-empty string.
fn not_strings(b: &Backend, which: &str) -> Response {
    let message = format!("{which} should be a string");
    if b.on(Fault::ValidationAs500) {
        return error(
            b,
            StatusCode::INTERNAL_SERVER_ERROR,
            "unknown_error",
            &message,
        );
    }
    if b.on(Fault::V2ValidationAs400) {
        return error(b, StatusCode::BAD_REQUEST, "invalid_data", &message);
    }
    error(b, StatusCode::UNAUTHORIZED, "unauthorized", &message)
}

/// express.json() and express.urlencoded() as Medusa v2 mounts them: a
/// JSON body is parsed (an error if it is not JSON or a bare string), a
/// form too; anything else is not read.
fn parse_body(b: &Backend, headers: &HeaderMap, body: &Bytes) -> Result<Value, String> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    let json = match media.as_deref() {
        Some("application/json") => true,
        Some("text/plain") => b.on(Fault::LoginAcceptsTextPlain),
        None => b.on(Fault::LoginAcceptsUntypedJson),
        Some(_) => false,
    };
    match media.as_deref() {
        _ if json && !body.is_empty() => match serde_json::from_slice::<Value>(body) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(Value::Array(_)) => Ok(json!({})),
            Ok(_) => Err("Unexpected token in JSON: not an object or array".into()),
            Err(e) => Err(format!("Unexpected token in JSON: {e}")),
        },
        Some("application/x-www-form-urlencoded") => Ok(Value::Object(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )),
        _ => Ok(json!({})),
    }
}

/// The claims Medusa v2 signs for a user's emailpass identity.
fn claims(user: &User) -> Value {
    let now = jwt::now_secs();
    json!({
        "actor_id": user.id, "actor_type": "user", "auth_identity_id": auth_identity_id(user),
        "auth_provider": "emailpass", "mfa_enabled": false, "mfa_challenge_completed_at": null,
        "app_metadata": {"user_id": user.id}, "user_metadata": {}, "iat": now, "exp": now + TOKEN_TTL_SECS,
    })
}

fn auth_identity_id(user: &User) -> String {
    format!("authid_{}", user.id.trim_start_matches("user_"))
}

/// A signed token for `user` (HS256, one day), with the token faults.
fn token(b: &Backend, user: &User) -> String {
    let mut c = claims(user);
    if b.on(Fault::TokenLivesForYears) {
        c["exp"] = json!(c["iat"].as_i64().unwrap_or_default() + YEARS_SECS);
    }
    if b.on(Fault::TokenClaimsPasswordHash) {
        c["password_hash"] = json!(FAKE_PASSWORD_HASH);
    }
    let secret = if b.on(Fault::TokenFromOtherSecret) {
        "another-secret"
    } else {
        b.jwt_secret.expose()
    };
    let jwt = jwt::sign_hs256(&c, secret.as_bytes());
    if let (Some((_, sig)), Ok(mut issued)) = (jwt.rsplit_once('.'), b.issued.lock()) {
        issued.insert(sig.to_owned());
    }
    jwt
}

/// `{token}` with the token-body faults.
fn token_body(b: &Backend, jwt: String) -> Value {
    let v1 = faults::token_body(b, jwt);
    match v1.get("access_token") {
        Some(t) => json!({ "token": t }),
        None => v1,
    }
}

/// Who the request is: the session's user, then a bearer token, then a
/// secret API key sent as HTTP Basic.
fn identify(b: &Backend, session: &session::Session, headers: &HeaderMap) -> Who {
    if let Some(u) = session.user_id.as_deref().and_then(|id| b.user_by_id(id)) {
        return Who::User(u.clone());
    }
    if let Some(token) = bearer(headers) {
        if b.on(Fault::ApiTokenAsBearer) && b.user_by_api_token(token).is_some() {
            return Who::User(b.users[0].clone());
        }
        if let Some(who) = identify_jwt(b, token) {
            return who;
        }
    }
    if let Some(key) = basic_user(headers)
        && !b.on(Fault::IgnoreApiToken)
        && b.user_by_api_token(&key).is_some()
    {
        return Who::ApiKey;
    }
    if b.on(Fault::WhoamiWithoutCredentials) {
        return Who::User(b.users[0].clone());
    }
    Who::Nobody
}

/// The user a bearer token names: signed with the secret, not expired,
/// not before its `nbf`, of actor type `user` with an actor id.
fn identify_jwt(b: &Backend, token: &str) -> Option<Who> {
    if b.on(Fault::IgnoreBearer) {
        return None;
    }
    let c = match jwt::verify_hs256(token, b.jwt_secret.expose().as_bytes()) {
        Some(c) => c,
        None => b.accept_unverified(token)?,
    };
    let now = jwt::now_secs();
    let expired = c
        .get("exp")
        .is_some_and(|e| e.as_i64().is_none_or(|e| now >= e));
    let not_yet = c
        .get("nbf")
        .is_some_and(|n| n.as_i64().is_none_or(|n| n > now));
    let actor = c["actor_id"].as_str().filter(|a| !a.is_empty());
    if (expired && !b.on(Fault::JwtExpiryIgnored))
        || (not_yet && !b.on(Fault::JwtNbfIgnored))
        || (c["actor_type"] != "user" && !b.on(Fault::JwtDomainIgnored))
    {
        return None;
    }
    let id = actor?;
    Some(match b.user_by_id(id) {
        Some(u) => Who::User(u.clone()),
        None => Who::UnknownActor(id.to_owned()),
    })
}

/// The user part of `Authorization: Basic base64("<key>:")` (a raw key,
/// and a key without the colon, are read too, as Medusa reads them).
fn basic_user(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let rest = rest.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()
        .and_then(|d| String::from_utf8(d).ok())
        .unwrap_or_else(|| rest.to_owned());
    Some(decoded.split(':').next().unwrap_or_default().to_owned())
}

/// `POST /auth/session`: a bearer token of a user opens a cookie session;
/// a request that already has one keeps it.
fn create_session(b: &Backend, session: &mut session::Session, headers: &HeaderMap) -> Response {
    let Some(token) = bearer(headers) else {
        return unauthorized(b);
    };
    let user = match identify_jwt(b, token) {
        Some(Who::User(u)) => u,
        _ => return unauthorized(b),
    };
    if !b.on(Fault::LoginWithoutSession) {
        session.user_id = Some(user.id.clone());
    }
    let body = if b.on(Fault::V2SessionUserRecord) {
        user_body(b, &user, false)
    } else {
        json!({"user": claims(&user)})
    };
    json_response(b, StatusCode::OK, body)
}

/// `{user}` as v2 serialises it, with the user-shape faults.
fn user_body(b: &Backend, user: &User, other: bool) -> Value {
    let mut v = faults::auth_body(b, user, other);
    let u = if b.on(Fault::UserNotWrapped) {
        &mut v
    } else {
        &mut v["user"]
    };
    if let Some(obj) = u.as_object_mut() {
        obj.remove("api_token");
        if !b.on(Fault::RoleOutsideEnum) {
            obj.remove("role");
        }
        obj.insert("avatar_url".into(), Value::Null);
        if other {
            obj.insert("id".into(), json!("user_01OTHERUSER000000000000000"));
        }
    }
    v
}

fn whoami(b: &Backend, session: &session::Session, headers: &HeaderMap) -> Response {
    match identify(b, session, headers) {
        Who::User(u) => {
            let mut resp = json_response(
                b,
                StatusCode::OK,
                user_body(b, &u, b.on(Fault::WhoamiOtherUser)),
            );
            if b.on(Fault::SuccessWrongContentType) {
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=iso-8859-1"),
                );
            }
            resp
        }
        Who::UnknownActor(_) if b.on(Fault::UnknownUserJwt500) => error(
            b,
            StatusCode::INTERNAL_SERVER_ERROR,
            "unknown_error",
            "An unknown error occurred.",
        ),
        Who::UnknownActor(id) => error(
            b,
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("User with id: {id} was not found"),
        ),
        Who::ApiKey => error(
            b,
            StatusCode::NOT_FOUND,
            "not_found",
            "User with id: apk_01REFERENCEKEY0000000000000 was not found",
        ),
        Who::Nobody => unauthorized(b),
    }
}

/// `DELETE /auth/session`: only a cookie session can be ended.
fn logout(b: &Backend, session: &mut session::Session, headers: &HeaderMap) -> Response {
    let by_cookie = session.user_id.is_some();
    let by_bearer =
        b.on(Fault::V2LogoutWithBearer) && matches!(identify(b, session, headers), Who::User(_));
    let ended_cookie = b.on(Fault::SecondLogoutOk) && headers.contains_key(header::COOKIE);
    if !(by_cookie || by_bearer || ended_cookie || b.on(Fault::LogoutWithoutCredentials)) {
        return unauthorized(b);
    }
    if by_cookie && !b.on(Fault::LogoutKeepsSession) {
        session.destroy();
    }
    if b.on(Fault::V2LogoutBodyOk) {
        return plain(StatusCode::OK, "text/plain; charset=utf-8", "OK".into());
    }
    json_response(b, StatusCode::OK, json!({"success": true}))
}

/// `POST /auth/token/refresh`: a session or a bearer token of a user gets
/// a fresh token with the same claims.
fn refresh(b: &Backend, session: &session::Session, headers: &HeaderMap) -> Response {
    let who = identify(b, session, headers);
    let user = match who {
        Who::User(u) => u,
        Who::ApiKey if b.on(Fault::V2RefreshAcceptsApiKey) => b.users[0].clone(),
        _ if b.on(Fault::V2RefreshWithoutCredentials) => b.users[0].clone(),
        _ => return unauthorized(b),
    };
    json_response(b, StatusCode::OK, token_body(b, token(b, &user)))
}
