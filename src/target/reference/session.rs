//! express-session as Medusa v1 configures it, seen from the client: a
//! `connect.sid` cookie holding `s:<sid>.<signature>` (cookie-signature:
//! HMAC-SHA256, base64 without padding), URL-encoded.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{Backend, COOKIE_TTL_SECS, Fault, YEARS_SECS, http_date_in, random_id};
use crate::core::contract::V1;
use crate::core::cookies::request_cookie;

/// The hardened session's lifetime: ASVS 4.0.3 3.3.2's 30 minutes (L2).
const HARDENED_COOKIE_TTL_SECS: i64 = 30 * 60;

/// What JavaScript's `encodeURIComponent` leaves as it is (cookie values).
pub const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The session of one request.
#[derive(Debug)]
pub(super) struct Session {
    sid: String,
    /// The logged-in user, if any.
    pub user_id: Option<String>,
    /// The user the stored session had when the request came.
    loaded_user_id: Option<String>,
    is_new: bool,
    destroyed: bool,
    /// The id a regenerated session had (removed from the store).
    replaced: Option<String>,
}

impl Session {
    /// A new session id for this session, the old one forgotten
    /// (express-session's `regenerate`: what the hardened login does).
    pub fn regenerate(&mut self) {
        let old = std::mem::replace(&mut self.sid, random_id(32));
        self.replaced = Some(old);
        self.loaded_user_id = None;
        self.is_new = true;
    }

    /// Ends the session (logout).
    pub fn destroy(&mut self) {
        self.destroyed = true;
        self.user_id = None;
    }
}

fn sign(sid: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(sid.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{sid}.{sig}")
}

/// The session id a cookie value carries, if its signature is right.
fn unsign(b: &Backend, value: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()?;
    let signed = decoded.strip_prefix("s:")?;
    let (sid, _) = signed.rsplit_once('.')?;
    // cookie-signature compares the whole signed string, not decoded bytes.
    let good = sign(sid, b.cookie_secret.expose()) == signed || b.on(Fault::AcceptTamperedCookie);
    good.then(|| sid.to_owned())
}

/// The request's session: the stored one its cookie names, or a new one.
pub(super) fn load(b: &Backend, headers: &HeaderMap) -> Session {
    let cookie_headers = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    let from_cookie = request_cookie(cookie_headers, V1.session_cookie).and_then(|v| unsign(b, v));
    if let Some(sid) = from_cookie {
        let store = b.sessions.lock().expect("session store lock");
        if let Some(user_id) = store.get(&sid) {
            return Session {
                sid,
                user_id: user_id.clone(),
                loaded_user_id: user_id.clone(),
                is_new: false,
                destroyed: false,
                replaced: None,
            };
        }
    }
    Session {
        sid: random_id(32),
        user_id: None,
        loaded_user_id: None,
        is_new: true,
        destroyed: false,
        replaced: None,
    }
}

/// Saves the session and sets the cookie where express-session would
/// (`rolling: false`, a `maxAge`): on every response to a request that came
/// without a valid session, and when the request changed its session (a
/// login carrying an anonymous cookie: the same sid is sent back, with a
/// fresh `Expires`). A destroyed session sets no cookie.
pub(super) fn store(b: &Backend, session: &Session, resp: &mut Response) {
    let mut store = b.sessions.lock().expect("session store lock");
    if let Some(old) = &session.replaced {
        store.remove(old);
    }
    if session.destroyed {
        if b.on(Fault::LogoutEndsAllSessions) {
            store.clear();
        }
        store.remove(&session.sid);
        return;
    }
    if !b.on(Fault::LoginWithoutSession) || session.user_id.is_none() {
        store.insert(session.sid.clone(), session.user_id.clone());
    }
    drop(store);
    let modified = session.user_id != session.loaded_user_id;
    if !(session.is_new || modified) || b.on(Fault::NoSessionCookie) {
        return;
    }
    let (value, http_only) = (signed_value(b, &session.sid), http_only(b));
    let ttl = if b.on(Fault::CookieLivesForYears) {
        YEARS_SECS
    } else if b.hardened {
        HARDENED_COOKIE_TTL_SECS
    } else {
        COOKIE_TTL_SECS
    };
    let path = cookie_path(b);
    let same_site = if b.hardened { "; SameSite=Lax" } else { "" };
    let cookie = format!(
        "{}={value}; Path={path}; Expires={}{http_only}{same_site}",
        V1.session_cookie,
        http_date_in(ttl)
    );
    set_cookie(resp, &cookie);
}

/// The session cookie's value for `sid`, as express-session signs and
/// encodes it.
fn signed_value(b: &Backend, sid: &str) -> String {
    percent_encoding::utf8_percent_encode(
        &format!("s:{}", sign(sid, b.cookie_secret.expose())),
        URI_COMPONENT,
    )
    .to_string()
}

/// The session cookie's `Path`: `/`, unless a fault narrows it.
fn cookie_path(b: &Backend) -> &'static str {
    if b.on(Fault::CookiePathNarrow) {
        "/admin/auth/token"
    } else {
        "/"
    }
}

/// The `HttpOnly` attribute, unless a fault drops it.
fn http_only(b: &Backend) -> &'static str {
    if b.on(Fault::CookieNotHttpOnly) {
        ""
    } else {
        "; HttpOnly"
    }
}

/// Appends `cookie` as a `Set-Cookie` header.
fn set_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Saves a v2 session as Medusa 2.x's express-session does
/// (`saveUninitialized: false`): a cookie only when a login put a user in
/// the session, an expired one when logout ended it, nothing otherwise.
pub(super) fn store_v2(b: &Backend, session: &Session, resp: &mut Response) {
    let mut store = b.sessions.lock().expect("session store lock");
    if session.destroyed {
        if b.on(Fault::LogoutEndsAllSessions) {
            store.clear();
        }
        store.remove(&session.sid);
        if !b.on(Fault::V2LogoutKeepsCookie) {
            let cleared = format!(
                "{}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                V1.session_cookie
            );
            set_cookie(resp, &cleared);
        }
        return;
    }
    if session.user_id.is_none() || session.user_id == session.loaded_user_id {
        return;
    }
    store.insert(session.sid.clone(), session.user_id.clone());
    drop(store);
    if b.on(Fault::NoSessionCookie) {
        return;
    }
    let (value, http_only) = (signed_value(b, &session.sid), http_only(b));
    let ttl = if b.on(Fault::CookieLivesForYears) {
        YEARS_SECS
    } else {
        COOKIE_TTL_SECS
    };
    let cookie = format!(
        "{}={value}; Path={}; Expires={}{http_only}",
        V1.session_cookie,
        cookie_path(b),
        http_date_in(ttl)
    );
    set_cookie(resp, &cookie);
}
