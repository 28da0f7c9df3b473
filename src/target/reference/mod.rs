//! The embedded reference backend: the Medusa v1 admin auth contract, as
//! a real Medusa 1.20.11 behaves (`tests/parity.rs` compares the two), served in-process on a
//! loopback port. It is the default target and the test bed of the harness.
//!
//! It imitates what a client can observe: status codes, content types,
//! bodies (class-validator's messages), the signed `connect.sid` cookie of
//! express-session, HS256 JWTs with Medusa's claims, and the API token
//! header. Contract faults ([`Fault`]) can be switched on to prove that the
//! suite notices when a backend breaks the contract.

mod faults;
pub mod serve;
mod session;
mod v2;

pub use faults::{Fault, FaultSet, UnknownFault};
pub use session::URI_COMPONENT;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use url::Url;

use crate::core::advisory::{SEED_EMAIL, SEED_PASSWORD};
use crate::core::jwt;
use crate::core::random::random_id;
use crate::core::redact::Secret;

/// Lifetime of an access token, as Medusa's `jwt.sign(..., {expiresIn: "24h"})`.
const TOKEN_TTL_SECS: i64 = 86_400;
/// Lifetime of the session cookie (Medusa: `maxAge: 10h`).
const COOKIE_TTL_SECS: i64 = 10 * 3600;
/// Five years: the lifetime the "lives for years" faults give.
const YEARS_SECS: i64 = 5 * 365 * 86_400;
/// The admin origin the reference allows unless told otherwise (the first
/// of Medusa's default `admin_cors`).
pub const DEFAULT_ADMIN_ORIGIN: &str = "http://localhost:7000";
/// What the `cors` middleware sends as `Access-Control-Allow-Methods` by default.
const CORS_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

/// What the reference backend is seeded with.
#[derive(Debug, Clone)]
pub struct ReferenceConfig {
    /// The admin's e-mail (stored lower-cased, as Medusa does).
    pub admin_email: String,
    /// The admin's password.
    pub admin_password: Secret,
    /// The admin's API token.
    pub api_token: Secret,
    /// Secret signing access tokens.
    pub jwt_secret: Secret,
    /// Secret signing session cookies.
    pub cookie_secret: Secret,
    /// Origins the admin CORS allows (Medusa's `admin_cors`), compared
    /// exactly, as the `cors` middleware compares strings.
    pub admin_cors: Vec<String>,
    /// Contract faults to commit.
    pub faults: FaultSet,
    /// Speak Medusa v2 (`/auth/*`, `/admin/users/me`) instead of v1.
    pub v2: bool,
    /// Fix every security advisory a conformant backend can fix
    /// (`MEDUSA_REFERENCE_HARDENED`); off, it behaves as Medusa 1.20.11.
    pub hardened: bool,
    /// More users (e-mail, password), such as the intrusive advisories'
    /// probe account.
    pub accounts: Vec<(String, Secret)>,
    /// Also Medusa's seed admin ([`SEED_EMAIL`] / [`SEED_PASSWORD`]), as
    /// `medusa seed` leaves it (v1, not hardened): what the suite's
    /// reference target has, so `default-credentials` fires as on such a
    /// Medusa. Off for `serve`: no well-known login on a dev server.
    pub seed_admin: bool,
    /// Hardened: throttle the admin too. Off for the suite, whose
    /// wrong-password scenarios for the admin run concurrently and must
    /// stay 401s; on for `serve --hardened`, where a client developer sees
    /// the lockout on the account they use.
    pub throttle_admin: bool,
}

/// Hardened: what every password check costs (async; a unknown e-mail
/// pays it too, as a dummy hash): a tuned KDF's time, above the
/// `kdf-cost` floor.
const HARDENED_KDF: std::time::Duration = std::time::Duration::from_millis(20);
/// Hardened: wrong passwords in a row that lock an account...
const LOCK_AFTER: u32 = 5;
/// ...for this long (429 with `Retry-After`).
const LOCK_SECS: u64 = 60;

impl ReferenceConfig {
    /// A config with fresh random secrets and no fault.
    pub fn random() -> Self {
        ReferenceConfig {
            admin_email: "admin@reference.medusa.test".into(),
            admin_password: Secret::new(format!("pw-{}", random_id(20))),
            api_token: Secret::new(format!("tok_{}", random_id(32))),
            jwt_secret: Secret::new(random_id(32)),
            cookie_secret: Secret::new(random_id(32)),
            admin_cors: vec![DEFAULT_ADMIN_ORIGIN.to_owned()],
            faults: FaultSet::default(),
            v2: false,
            hardened: false,
            accounts: Vec::new(),
            seed_admin: false,
            throttle_admin: false,
        }
    }
}

/// A running reference backend. Dropping it stops the server.
pub struct ReferenceServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    backend: Arc<Backend>,
}

// Its backend holds the accounts' secrets: only the address is shown.
impl std::fmt::Debug for ReferenceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReferenceServer({})", self.addr)
    }
}

impl ReferenceServer {
    /// Starts the backend on a random loopback port.
    pub async fn start(config: ReferenceConfig) -> std::io::Result<ReferenceServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let backend = Arc::new(Backend::new(config));
        let app = router(backend.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(ReferenceServer {
            addr,
            shutdown: Some(tx),
            backend,
        })
    }

    /// Where it listens.
    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://{}", self.addr)).expect("a socket address makes a URL")
    }

    /// How many passwords it has checked against an account's: what a
    /// real Medusa hashes (v2: scrypt, most of a run's cost), a login or
    /// token request with a known e-mail and a non-empty password.
    pub fn password_checks(&self) -> usize {
        self.backend.password_checks.load(Ordering::SeqCst)
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Debug, Clone)]
struct User {
    id: String,
    email: String,
    password: String,
    api_token: Option<String>,
    created_at: String,
}

impl User {
    /// The user as Medusa serialises it: `password_hash` left out. The role
    /// is `member`, what `medusa user` gives the admin it creates.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "role": "member",
            "email": self.email,
            "first_name": null,
            "last_name": null,
            "api_token": self.api_token,
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "deleted_at": null,
            "metadata": null,
        })
    }
}

struct Backend {
    /// The admin first, then the other accounts.
    users: Vec<User>,
    /// Hardened: wrong passwords in a row per account, and until when it
    /// is locked (unknown e-mails are not counted; the admin only with
    /// `throttle_admin`).
    failures: Mutex<HashMap<String, (u32, Option<std::time::Instant>)>>,
    /// Hardened: the admin is throttled too.
    throttle_admin: bool,
    sessions: Mutex<HashMap<String, Option<String>>>,
    jwt_secret: Secret,
    cookie_secret: Secret,
    admin_cors: Vec<String>,
    /// Signatures of the access tokens issued (the accept-changed-payload fault).
    issued: Mutex<std::collections::HashSet<String>>,
    /// Switchable while it runs (`serve`'s admin route); read at each use.
    faults: RwLock<FaultSet>,
    /// Speaks Medusa v2.
    v2: bool,
    /// Fixes the advisories a conformant backend can fix.
    hardened: bool,
    /// Passwords checked against an account's.
    password_checks: AtomicUsize,
}

/// Who a request is, after the session, bearer and API-token strategies.
enum Identity {
    User(User),
    /// A valid JWT of a user that no longer exists (Medusa: 400).
    Vanished,
    Nobody,
}

impl Backend {
    fn new(cfg: ReferenceConfig) -> Self {
        let now = now_rfc3339();
        // v1 ids are usr_<ULID>, v2 ids user_<ULID>.
        let prefix = if cfg.v2 { "user" } else { "usr" };
        let admin = User {
            id: format!("{prefix}_{}", random_id(26).to_uppercase()),
            email: cfg.admin_email.to_lowercase(),
            password: cfg.admin_password.expose().to_owned(),
            api_token: Some(cfg.api_token.expose().to_owned()),
            created_at: now,
        };
        let mut users = vec![admin];
        let seed = (cfg.seed_admin && !cfg.v2 && !cfg.hardened)
            .then(|| (SEED_EMAIL.to_owned(), Secret::new(SEED_PASSWORD)));
        for (email, password) in cfg.accounts.iter().cloned().chain(seed) {
            let email = email.to_lowercase();
            if users.iter().any(|u| u.email == email) {
                continue;
            }
            users.push(User {
                id: format!("{prefix}_{}", random_id(26).to_uppercase()),
                email,
                password: password.expose().to_owned(),
                api_token: None,
                created_at: users[0].created_at.clone(),
            });
        }
        Backend {
            users,
            failures: Mutex::new(HashMap::new()),
            throttle_admin: cfg.throttle_admin,
            sessions: Mutex::new(HashMap::new()),
            jwt_secret: cfg.jwt_secret,
            cookie_secret: cfg.cookie_secret,
            admin_cors: cfg.admin_cors,
            issued: Mutex::new(std::collections::HashSet::new()),
            faults: RwLock::new(cfg.faults),
            v2: cfg.v2,
            hardened: cfg.hardened,
            password_checks: AtomicUsize::new(0),
        }
    }

    fn on(&self, fault: Fault) -> bool {
        // A panic never happens while the lock is held: a poisoned lock
        // still holds a whole set.
        self.faults
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(fault)
    }

    fn user_by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    fn check_credentials(&self, email: &str, password: &str) -> Option<&User> {
        let email = email.to_lowercase();
        let user = self.users.iter().find(|u| u.email == email)?;
        self.password_matches(&user.password, password)
            .then_some(user)
    }

    /// Whether `password` is the `right` one (or passes for it, under a fault).
    fn password_matches(&self, right: &str, password: &str) -> bool {
        self.password_checks.fetch_add(1, Ordering::SeqCst);
        right == password
            || self.on(Fault::AcceptWrongPassword)
            || (self.on(Fault::PasswordCaseInsensitive)
                && right.to_lowercase() == password.to_lowercase())
            || (self.on(Fault::PasswordTrimmed) && right == password.trim())
            || (self.on(Fault::PasswordPrefixMatch) && password.starts_with(right))
    }

    /// Hardened: how long the account of `email` stays locked, if it is.
    fn locked_for(&self, email: &str) -> Option<u64> {
        let mut f = self.failures.lock().ok()?;
        let key = email.to_lowercase();
        let until = f.get(&key)?.1?;
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            f.remove(&key);
            return None;
        }
        Some(left.as_secs().max(1))
    }

    /// Hardened: notes a login for `email` that was right (`ok`) or wrong;
    /// the [`LOCK_AFTER`]th wrong one in a row locks the account.
    fn note_login(&self, email: &str, ok: bool) {
        let key = email.to_lowercase();
        let skip = usize::from(!self.throttle_admin);
        let throttled = self.users.iter().skip(skip).any(|u| u.email == key);
        let Ok(mut f) = self.failures.lock() else {
            return;
        };
        if ok || !throttled {
            f.remove(&key);
            return;
        }
        let entry = f.entry(key).or_insert((0, None));
        entry.0 += 1;
        if entry.0 >= LOCK_AFTER {
            entry.1 = Some(std::time::Instant::now() + std::time::Duration::from_secs(LOCK_SECS));
        }
    }

    fn user_by_api_token(&self, token: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.api_token.as_deref().is_some_and(|t| {
                t == token
                    || (self.on(Fault::ApiTokenPrefixMatch)
                        && !token.is_empty()
                        && t.starts_with(token))
                    || (self.on(Fault::ApiTokenCaseInsensitive) && t.eq_ignore_ascii_case(token))
            })
        })
    }

    /// The origin the admin CORS allows for a request from `origin`.
    fn allowed_origin<'a>(&self, origin: Option<&'a str>) -> Option<&'a str> {
        let origin = origin?;
        let allowed = self.on(Fault::CorsReflectsAnyOrigin)
            || self.admin_cors.iter().any(|a| {
                a == origin || (self.on(Fault::CorsPrefixMatch) && origin.starts_with(a.as_str()))
            });
        allowed.then_some(origin)
    }

    /// passport's strategies in Medusa's order: session, bearer JWT, API token.
    fn identify(&self, headers: &HeaderMap, session_user: Option<&str>) -> Identity {
        if let Some(u) = session_user.and_then(|id| self.user_by_id(id)) {
            return Identity::User(u.clone());
        }
        if let Some(token) = bearer(headers) {
            if self.on(Fault::ApiTokenAsBearer)
                && let Some(u) = self.user_by_api_token(token)
            {
                return Identity::User(u.clone());
            }
            if let Some(identity) = self.identify_jwt(token) {
                return identity;
            }
        }
        if let Some(token) = headers
            .get("x-medusa-access-token")
            .and_then(|v| v.to_str().ok())
            && !self.on(Fault::IgnoreApiToken)
            && let Some(u) = self.user_by_api_token(token)
        {
            return Identity::User(u.clone());
        }
        if self.on(Fault::WhoamiWithoutCredentials) {
            return Identity::User(self.users[0].clone());
        }
        Identity::Nobody
    }

    /// The identity a bearer JWT proves: an admin-domain token signed with
    /// the backend's secret, checked as jsonwebtoken checks it: `exp` and
    /// `nbf` only when present (a token without `exp` is accepted).
    fn identify_jwt(&self, token: &str) -> Option<Identity> {
        if self.on(Fault::IgnoreBearer) {
            return None;
        }
        let secret = self.jwt_secret.expose().as_bytes();
        // jsonwebtoken without pinned `algorithms` takes the HMAC family.
        let other_hmac = || {
            (!self.hardened)
                .then(|| jwt::verify_hs384(token, secret))
                .flatten()
        };
        let claims = match jwt::verify_hs256(token, secret).or_else(other_hmac) {
            Some(c) => c,
            None => self.accept_unverified(token)?,
        };
        let now = jwt::now_secs();
        let expired = claims
            .get("exp")
            .is_some_and(|exp| exp.as_i64().is_none_or(|exp| now >= exp));
        let not_yet = claims
            .get("nbf")
            .is_some_and(|nbf| nbf.as_i64().is_none_or(|nbf| nbf > now));
        if (expired && !self.on(Fault::JwtExpiryIgnored))
            || (not_yet && !self.on(Fault::JwtNbfIgnored))
            || (claims["domain"] != "admin" && !self.on(Fault::JwtDomainIgnored))
        {
            return None;
        }
        Some(
            match claims["user_id"]
                .as_str()
                .and_then(|id| self.user_by_id(id))
            {
                Some(u) => Identity::User(u.clone()),
                None => Identity::Vanished,
            },
        )
    }
}

impl Backend {
    /// The claims of a token whose signature does not verify, when a
    /// fault makes the backend accept it anyway.
    fn accept_unverified(&self, token: &str) -> Option<Value> {
        let mut parts = token.split('.');
        let (h, p, sig) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
        let decode = |part: &str| -> Option<Value> {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .ok()?;
            serde_json::from_slice(&bytes).ok()
        };
        let (header, claims) = (decode(h)?, decode(p)?);
        let alg_none = header["alg"]
            .as_str()
            .is_some_and(|a| a.eq_ignore_ascii_case("none"));
        let issued = self
            .issued
            .lock()
            .map(|set| set.contains(sig))
            .unwrap_or(false);
        let accept = self.on(Fault::AcceptForeignJwt)
            || (alg_none && self.on(Fault::AcceptAlgNone))
            || (sig.is_empty() && self.on(Fault::AcceptEmptySignature))
            || (issued && self.on(Fault::AcceptChangedPayload));
        accept.then_some(claims)
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn router(backend: Arc<Backend>) -> Router {
    Router::new().fallback(handle).with_state(backend)
}

async fn handle(
    State(b): State<Arc<Backend>>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if b.v2 {
        return v2::handle(&b, &method, uri.path(), &headers, &body);
    }
    let path = uri.path();
    hardened_login_cost(&b, &method, path).await;
    let mut session = session::load(&b, &headers);
    let admin = path == "/admin" || path.starts_with("/admin/");
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let allowed_origin = b.allowed_origin(origin);
    let mut resp = match (method.as_str(), path) {
        _ if admin && b.refuses_origin(origin, allowed_origin) => cors_refusal(&b),
        // The admin router's cors middleware answers every preflight itself.
        ("OPTIONS", _) if admin => preflight(&headers),
        _ if admin && cross_site_write(&b, &method, path, &headers, origin) => cross_site(&b),
        ("POST", "/admin/auth") => login(&b, &mut session, &headers, &body, false),
        ("POST", "/admin/auth/token") => login(&b, &mut session, &headers, &body, true),
        ("GET", "/admin/auth") => whoami(&b, &session, &headers),
        ("DELETE", "/admin/auth") => logout(&b, &mut session, &headers),
        // Medusa's liveness route (express: `res.send("OK")`, so HTML).
        ("GET" | "HEAD", "/health") => {
            plain(StatusCode::OK, "text/html; charset=utf-8", "OK".into())
        }
        // Medusa authenticates every other admin route before routing.
        _ if admin
            && matches!(
                b.identify(&headers, session.user_id.as_deref()),
                Identity::Nobody
            ) =>
        {
            unauthorized()
        }
        _ => not_found(method.as_str(), path),
    };
    if admin {
        cors_headers(&b, allowed_origin, &mut resp);
    }
    session::store(&b, &session, &mut resp);
    advisory_headers(&b, &mut resp);
    resp
}

/// The admin router's cors middleware runs after body-parser: every
/// admin response but body-parser's error page carries these, with or
/// without an Origin (the Allow-Origin echo itself is not imitated).
fn cors_headers(b: &Backend, allowed_origin: Option<&str>, resp: &mut Response) {
    if resp.extensions().get::<BodyParserError>().is_some() {
        return;
    }
    let h = resp.headers_mut();
    if let Some(o) = allowed_origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
    }
    if !h.contains_key(header::VARY) {
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    if !(b.on(Fault::CorsWithoutCredentials) && allowed_origin.is_some()) {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

/// Express's `X-Powered-By` as Medusa 1.20.11 sends it; hardened, the
/// headers the advisories ask for instead (`docs/advisories.md`).
fn advisory_headers(b: &Backend, resp: &mut Response) {
    let h = resp.headers_mut();
    if !b.hardened {
        h.insert("x-powered-by", HeaderValue::from_static("Express"));
        return;
    }
    let csp = match h.get(header::CONTENT_SECURITY_POLICY) {
        Some(_) => "default-src 'none'; frame-ancestors 'none'",
        None => "frame-ancestors 'none'",
    };
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
}

impl Backend {
    /// Whether the cors-refusal fault refuses a request from `origin`
    /// (one the admin CORS does not allow).
    fn refuses_origin(&self, origin: Option<&str>, allowed: Option<&str>) -> bool {
        origin.is_some() && allowed.is_none() && self.on(Fault::CorsRefusalWithoutType)
    }
}

/// The cors-refusal fault's answer: what an origin callback's error gives
/// behind a careless error handler.
fn cors_refusal(b: &Backend) -> Response {
    json_response(
        b,
        StatusCode::FORBIDDEN,
        json!({"message": "Not allowed by CORS"}),
    )
}

/// The `cors` middleware's answer to a preflight: 204, the default
/// methods, the requested headers reflected; the origin headers are added
/// by the caller as for every admin response.
fn preflight(headers: &HeaderMap) -> Response {
    let mut resp = Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header(header::CONTENT_LENGTH, "0")
        .body(Body::empty())
        .expect("static response");
    let h = resp.headers_mut();
    h.insert(
        header::VARY,
        HeaderValue::from_static("Origin, Access-Control-Request-Headers"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(CORS_METHODS),
    );
    if let Some(v) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
    }
    resp
}

/// Marks a response written by body-parser's error path (no cors headers).
#[derive(Debug, Clone, Copy)]
struct BodyParserError;

/// What express.json() makes of a request body: `{}` unless the request
/// says `application/json` (the body is then not read at all), `{}` for an
/// empty body, the document if it is an object, and an error (Express's
/// HTML page) otherwise.
fn parse_body(b: &Backend, headers: &HeaderMap, body: &Bytes) -> Option<Value> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    if media.as_deref() == Some("application/x-www-form-urlencoded")
        && b.on(Fault::LoginAcceptsForm)
    {
        let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        return Some(Value::Object(form));
    }
    let is_json = match media.as_deref() {
        Some("application/json") => true,
        Some("text/plain") => b.on(Fault::LoginAcceptsTextPlain),
        None => b.on(Fault::LoginAcceptsUntypedJson),
        Some(_) => false,
    };
    if !is_json || body.is_empty() {
        return Some(json!({}));
    }
    match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => Some(v),
        _ => None,
    }
}

fn login(
    b: &Backend,
    session: &mut session::Session,
    headers: &HeaderMap,
    body: &Bytes,
    token: bool,
) -> Response {
    let Some(parsed) = parse_body(b, headers, body) else {
        return not_json(b);
    };
    let mut messages = validate(&parsed);
    if b.on(Fault::ValidationExtraMessage)
        && !messages.is_empty()
        && parsed["password"]
            .as_str()
            .is_none_or(|p| p.chars().count() < 8)
    {
        messages.push("password must be longer than or equal to 8 characters".into());
    }
    if b.on(Fault::PasswordEchoed)
        && !messages.is_empty()
        && let Some(p) = parsed["password"].as_str()
    {
        messages.push(format!("password \"{p}\" was not checked"));
    }
    if !messages.is_empty() {
        return invalid_data(b, &messages.join(", "));
    }
    let email = parsed["email"].as_str().unwrap_or_default();
    let password = parsed["password"].as_str().unwrap_or_default();
    if b.hardened
        && let Some(secs) = b.locked_for(email)
    {
        return too_many_logins(b, secs);
    }
    let Some(user) = b.check_credentials(email, password).cloned() else {
        if b.hardened {
            b.note_login(email, false);
        }
        return refused_login(b, session, email);
    };
    if b.hardened {
        b.note_login(email, true);
    }
    let status = if b.on(Fault::Created201) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    if token {
        return json_response(b, status, faults::token_body(b, access_token(b, &user)));
    }
    if !b.on(Fault::LoginWithoutSession) {
        if b.hardened {
            session.regenerate();
        }
        session.user_id = Some(user.id.clone());
    }
    json_response(b, status, faults::auth_body(b, &user, false))
}

/// The answer to a login body that fails validation (`message`).
fn invalid_data(b: &Backend, message: &str) -> Response {
    if b.on(Fault::ValidationAs500) {
        return json_response(
            b,
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"type": "unknown_error", "code": "unknown_error", "message": "An unknown error occurred."}),
        );
    }
    if b.on(Fault::ErrorAsHtml) {
        return plain(
            StatusCode::BAD_REQUEST,
            "text/html; charset=utf-8",
            html_error(message),
        );
    }
    if b.on(Fault::ErrorWithoutType) {
        return json_response(b, StatusCode::BAD_REQUEST, json!({"message": message}));
    }
    json_response(
        b,
        StatusCode::BAD_REQUEST,
        json!({"type": "invalid_data", "message": message}),
    )
}

/// Hardened: a tuned KDF's cost for every login alike (a dummy hash for
/// unknown e-mails); async, so the run's other requests go on.
async fn hardened_login_cost(b: &Backend, method: &Method, path: &str) {
    if b.hardened && method == Method::POST && matches!(path, "/admin/auth" | "/admin/auth/token") {
        tokio::time::sleep(HARDENED_KDF).await;
    }
}

/// Hardened: the refusal of a cross-site write (`cross_site_write`).
fn cross_site(b: &Backend) -> Response {
    json_response(
        b,
        StatusCode::FORBIDDEN,
        json!({"type": "not_allowed", "message": "Cross-site request refused"}),
    )
}

/// Hardened: a state-changing admin request (not the login routes, which
/// take no session) from an origin the admin CORS does not allow, or in a
/// content type a cross-site form or `fetch` may send without a preflight
/// (anything but JSON): refused, CSRF-style, before the session counts.
fn cross_site_write(
    b: &Backend,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    origin: Option<&str>,
) -> bool {
    if !b.hardened
        || matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || path.starts_with("/admin/auth")
    {
        return false;
    }
    let foreign = origin.is_some_and(|o| b.allowed_origin(Some(o)).is_none());
    let simple_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            !t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    foreign || simple_type
}

/// Hardened: a locked account's answer, right password or not: 429 and
/// when to try again.
fn too_many_logins(b: &Backend, secs: u64) -> Response {
    let mut resp = json_response(
        b,
        StatusCode::TOO_MANY_REQUESTS,
        json!({"type": "not_allowed", "message": "Too many failed logins; try again later"}),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// The answer to wrong credentials for `email`.
fn refused_login(b: &Backend, session: &mut session::Session, email: &str) -> Response {
    let known = b.users.iter().any(|u| u.email == email.to_lowercase());
    if b.on(Fault::FailedLoginLogsIn)
        && let Some(u) = b.users.iter().find(|u| u.email == email.to_lowercase())
    {
        session.user_id = Some(u.id.clone());
    }
    if b.on(Fault::UserEnumeration) && !known {
        return json_response(
            b,
            StatusCode::NOT_FOUND,
            json!({"type": "not_found", "message": format!("User with email {email} was not found")}),
        );
    }
    if b.on(Fault::UnauthorizedAsJson) {
        return unauthorized_json(b);
    }
    let status = if b.on(Fault::Forbidden403) {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::UNAUTHORIZED
    };
    plain(status, "text/plain; charset=utf-8", "Unauthorized".into())
}

/// A signed access token for `user`, as Medusa's `jwt.sign` makes it.
fn access_token(b: &Backend, user: &User) -> String {
    let now = jwt::now_secs();
    let secret = if b.on(Fault::TokenFromOtherSecret) {
        "another-secret"
    } else {
        b.jwt_secret.expose()
    };
    let ttl = if b.on(Fault::TokenLivesForYears) {
        YEARS_SECS
    } else {
        TOKEN_TTL_SECS
    };
    let mut claims = json!({"user_id": user.id, "domain": "admin", "iat": now, "exp": now + ttl});
    if b.on(Fault::TokenClaimsPasswordHash) {
        claims["password_hash"] = json!(faults::FAKE_PASSWORD_HASH);
    }
    let jwt = jwt::sign_hs256(&claims, secret.as_bytes());
    if let (Some((_, sig)), Ok(mut issued)) = (jwt.rsplit_once('.'), b.issued.lock()) {
        issued.insert(sig.to_owned());
    }
    jwt
}

fn whoami(b: &Backend, session: &session::Session, headers: &HeaderMap) -> Response {
    match b.identify(headers, session.user_id.as_deref()) {
        Identity::User(u) => {
            let other = b.on(Fault::WhoamiOtherUser);
            let mut resp = json_response(b, StatusCode::OK, faults::auth_body(b, &u, other));
            if b.on(Fault::SuccessWrongContentType) {
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=iso-8859-1"),
                );
            }
            resp
        }
        Identity::Vanished if b.on(Fault::UnknownUserJwt500) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "Internal Server Error".into(),
        ),
        Identity::Vanished => plain(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            "Bad Request".into(),
        ),
        Identity::Nobody if b.on(Fault::ApiTokenEchoed) => {
            match headers
                .get("x-medusa-access-token")
                .and_then(|v| v.to_str().ok())
            {
                Some(t) => plain(
                    StatusCode::UNAUTHORIZED,
                    "text/plain; charset=utf-8",
                    format!("Unauthorized: no user has the API token {t}"),
                ),
                None => unauthorized(),
            }
        }
        Identity::Nobody => unauthorized(),
    }
}

fn logout(b: &Backend, session: &mut session::Session, headers: &HeaderMap) -> Response {
    match b.identify(headers, session.user_id.as_deref()) {
        // Logout never loads the user: a valid JWT of a vanished user is
        // authenticated enough (Medusa answers it 200 too).
        Identity::User(_) | Identity::Vanished => {
            if !b.on(Fault::LogoutKeepsSession) {
                session.destroy();
            }
            plain(StatusCode::OK, "text/plain; charset=utf-8", "OK".into())
        }
        Identity::Nobody if b.on(Fault::LogoutWithoutCredentials) => {
            plain(StatusCode::OK, "text/plain; charset=utf-8", "OK".into())
        }
        Identity::Nobody if b.on(Fault::SecondLogoutOk) && headers.contains_key(header::COOKIE) => {
            plain(StatusCode::OK, "text/plain; charset=utf-8", "OK".into())
        }
        Identity::Nobody => unauthorized(),
    }
}

/// class-validator's messages for `AdminPostAuthReq`, in Medusa's order:
/// unknown properties first (forbidNonWhitelisted), then email, then password.
fn validate(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let obj = body.as_object().expect("caller passes an object");
    for key in obj.keys() {
        if key != "email" && key != "password" {
            out.push(format!("property {key} should not exist"));
        }
    }
    let email = obj.get("email");
    if is_empty(email) {
        out.push("email should not be empty".into());
    }
    if !email.and_then(Value::as_str).is_some_and(is_email) {
        out.push("email must be an email".into());
    }
    let password = obj.get("password");
    if is_empty(password) {
        out.push("password should not be empty".into());
    }
    if !password.is_some_and(Value::is_string) {
        out.push("password must be a string".into());
    }
    out
}

/// class-validator's `isNotEmpty`: `""`, `null` and `undefined` are empty.
fn is_empty(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null)) || v.and_then(Value::as_str) == Some("")
}

/// A plain `local@domain.tld` check, close enough to validator.js `isEmail`
/// for the inputs a client sends.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// body-parser's answer to a body that is not JSON: Express's HTML error
/// page (finalhandler), without the cors headers.
fn not_json(b: &Backend) -> Response {
    let (status, text) = if b.on(Fault::NotJsonAs500) {
        (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
    } else {
        (StatusCode::BAD_REQUEST, "Bad Request")
    };
    // Development mode (NODE_ENV unset) prints the error's stack.
    let text = if b.hardened {
        text.to_owned()
    } else {
        format!("{text}{DEV_STACK}")
    };
    let mut resp = html_page(status, &text);
    resp.extensions_mut().insert(BodyParserError);
    resp
}

/// The stack finalhandler appends in development mode (Medusa 1.20.11
/// with `NODE_ENV` unset), shortened.
const DEV_STACK: &str = ": Unexpected token in JSON<br> &nbsp; &nbsp;at JSON.parse (&lt;anonymous&gt;)<br> &nbsp; &nbsp;at parse (/app/node_modules/body-parser/lib/types/json.js:92:19)";

/// Express's 404 for a route it does not know.
fn not_found(method: &str, path: &str) -> Response {
    html_page(
        StatusCode::NOT_FOUND,
        &format!("Cannot {method} {}", escape_html(path)),
    )
}

/// finalhandler's error page, with its security headers.
fn html_page(status: StatusCode, text: &str) -> Response {
    let mut resp = plain(status, "text/html; charset=utf-8", html_error(text));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html_error(text: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>{text}</pre>\n</body>\n</html>\n"
    )
}

/// passport's refusal: 401, body `Unauthorized`, no content type, and no
/// length either (it is written with `res.end`, so it goes out chunked).
fn unauthorized() -> Response {
    let chunk = futures::stream::once(async {
        Ok::<_, std::convert::Infallible>(Bytes::from_static(b"Unauthorized"))
    });
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .body(Body::from_stream(chunk))
        .expect("static response")
}

/// The unauthorized-as-json fault's 401: a Medusa-style JSON error.
fn unauthorized_json(b: &Backend) -> Response {
    json_response(
        b,
        StatusCode::UNAUTHORIZED,
        json!({"type": "unauthorized", "message": "Unauthorized"}),
    )
}

fn plain(status: StatusCode, content_type: &'static str, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, HeaderValue::from_static(content_type))
        .body(Body::from(body))
        .expect("static response")
}

fn json_response(b: &Backend, status: StatusCode, body: Value) -> Response {
    let ct = if b.on(Fault::JsonAsTextPlain) {
        "text/plain; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    let mut text = body.to_string();
    if b.on(Fault::TruncatedJson) {
        text.truncate(text.len() / 2);
    }
    plain(status, ct, text)
}

/// Now as `2026-11-29T14:35:53.510Z`, the way Medusa's dates serialise.
pub fn now_rfc3339() -> String {
    format_utc(time::OffsetDateTime::now_utc())
}

/// An RFC 3339 UTC timestamp with milliseconds, as JavaScript's
/// `Date.toISOString()` writes it.
fn format_utc(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// An HTTP date (`Sun, 29 Nov 2026 14:35:53 GMT`) `secs` from now, for `Expires`.
fn http_date_in(secs: i64) -> String {
    let t = std::time::SystemTime::now() + std::time::Duration::from_secs(secs.max(0) as u64);
    let c = time::OffsetDateTime::from(t);
    c.format(&time::format_description::well_known::Rfc2822)
        .map(|s| s.replace("+0000", "GMT"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_follow_class_validator() {
        let v = |s: &str| validate(&serde_json::from_str(s).unwrap()).join(", ");
        assert_eq!(
            v(r#"{"email":"a@b.co"}"#),
            "password should not be empty, password must be a string"
        );
        assert_eq!(
            v(r#"{"password":"x"}"#),
            "email should not be empty, email must be an email"
        );
        assert_eq!(
            v("{}"),
            "email should not be empty, email must be an email, password should not be empty, password must be a string"
        );
        assert_eq!(
            v(r#"{"email":"nope","password":"x"}"#),
            "email must be an email"
        );
        assert_eq!(
            v(r#"{"email":"a@b.co","password":"x","remember_me":true}"#),
            "property remember_me should not exist"
        );
        assert_eq!(
            v(r#"{"email":"a@b.co","password":5}"#),
            "password must be a string"
        );
        assert_eq!(
            v(r#"{"email":"a@b.co","password":""}"#),
            "password should not be empty"
        );
    }

    #[test]
    fn utc_formatting() {
        let at = |ms: i128| {
            format_utc(time::OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).unwrap())
        };
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(1_795_962_953_510), "2026-11-29T14:35:53.510Z");
    }
}
