//! Contract faults the reference backend can commit on purpose: each one a
//! small, realistic violation of the kind a refactor or a dependency upgrade
//! brings in. The fault catalog test runs the suite once per fault and
//! requires it to fail, naming the check the fault breaks.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{Backend, User};

macro_rules! faults {
    ($($variant:ident = $name:literal: $what:literal,)*) => {
        /// One contract violation, selected by its name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $(#[doc = $what] $variant,)*
        }

        impl Fault {
            /// Every fault, in catalog order.
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            /// The fault's name, as `MEDUSA_REFERENCE_FAULTS` takes it.
            pub fn name(self) -> &'static str {
                match self { $(Fault::$variant => $name,)* }
            }

            /// What the fault breaks, in words.
            pub fn description(self) -> &'static str {
                match self { $(Fault::$variant => $what,)* }
            }
        }
    };
}

faults! {
    MissingUserField = "user-missing-field": "the user has no created_at",
    RenamedUserField = "user-renamed-field": "first_name is sent as firstName",
    UserFieldWrongType = "user-field-wrong-type": "the user id is a number",
    UserEmailNotEmail = "user-email-not-email": "the user's email is not an e-mail address",
    UserDateNotDateTime = "user-date-not-date-time": "updated_at is not an RFC 3339 date-time",
    RoleOutsideEnum = "role-outside-enum": "the user's role is 'owner'",
    UserNotWrapped = "user-not-wrapped": "the user is sent bare, not as {user}",
    PasswordHashLeaked = "password-hash-leaked": "the user carries its password_hash",
    UnknownUserField = "user-unknown-field": "the user carries an extra last_login_at field",
    AccessTokenMissing = "access-token-missing": "the token response has no access_token",
    AccessTokenRenamed = "access-token-renamed": "the token is sent as accessToken, as an old spec had it",
    AccessTokenNotString = "access-token-not-string": "access_token is an object, not a string",
    Created201 = "created-201": "login and token answer 201 instead of 200",
    Forbidden403 = "forbidden-403": "bad credentials answer 403 instead of 401",
    ValidationAs500 = "validation-500": "invalid bodies answer 500 instead of 400",
    NotJsonAs500 = "not-json-500": "a body that is not JSON answers 500 instead of 400",
    JsonAsTextPlain = "json-as-text-plain": "JSON bodies are served as text/plain",
    ErrorAsHtml = "error-as-html": "validation errors are an HTML page, not JSON",
    ErrorWithoutType = "error-without-type": "validation errors have no type",
    TruncatedJson = "truncated-json": "JSON bodies are cut in half",
    AcceptWrongPassword = "accept-wrong-password": "any password logs the admin in",
    UserEnumeration = "user-enumeration": "an unknown e-mail is answered 404, unlike a wrong password",
    WhoamiWithoutCredentials = "whoami-without-credentials": "whoami answers the admin to anyone",
    AcceptTamperedCookie = "accept-tampered-cookie": "the cookie signature is not checked",
    AcceptForeignJwt = "accept-foreign-jwt": "the JWT signature is not checked",
    IgnoreBearer = "ignore-bearer": "bearer access tokens are ignored",
    IgnoreApiToken = "ignore-api-token": "the x-medusa-access-token header is ignored",
    ApiTokenAsBearer = "api-token-as-bearer": "the API token is accepted as a bearer token",
    LogoutKeepsSession = "logout-keeps-session": "logout answers OK but the session lives on",
    LogoutEndsAllSessions = "logout-ends-all-sessions": "logout ends every session, not only its own",
    LogoutWithoutCredentials = "logout-without-credentials": "logout answers OK without credentials",
    TokenFromOtherSecret = "token-other-secret": "access tokens are signed with a secret the backend does not accept",
    NoSessionCookie = "no-session-cookie": "login sets no session cookie",
    CookieNotHttpOnly = "cookie-not-httponly": "the session cookie lacks HttpOnly",
    LoginWithoutSession = "login-without-session": "the login cookie does not log the session in",
    WhoamiOtherUser = "whoami-other-user": "whoami answers another user than the one logged in",
    AcceptAlgNone = "accept-alg-none": "a bearer JWT whose header says alg none is accepted unsigned",
    AcceptEmptySignature = "accept-empty-signature": "a bearer JWT with an empty signature is accepted",
    AcceptChangedPayload = "accept-changed-payload": "a JWT is recognised by a signature the backend issued, whatever its payload",
    JwtExpiryIgnored = "jwt-expiry-ignored": "an expired bearer JWT is accepted",
    JwtNbfIgnored = "jwt-nbf-ignored": "a bearer JWT not valid yet (nbf in the future) is accepted",
    JwtDomainIgnored = "jwt-domain-ignored": "a bearer JWT of another domain, or of none, is accepted",
    UnknownUserJwt500 = "unknown-user-jwt-500": "a valid JWT of an unknown user answers 500, not 400",
    TokenLivesForYears = "token-lives-for-years": "access tokens expire after five years, not one day",
    TokenClaimsPasswordHash = "token-claims-password-hash": "access tokens carry the user's password hash as a claim",
    CookieLivesForYears = "cookie-lives-for-years": "the session cookie expires after five years, not 10 hours",
    CookiePathNarrow = "cookie-path-narrow": "the session cookie has Path=/admin/auth/token, so a browser sends it to no other route",
    FailedLoginLogsIn = "cookie-from-failed-login-authenticates": "a wrong password for a known e-mail logs the session in anyway",
    CorsReflectsAnyOrigin = "cors-reflects-any-origin": "CORS allows any origin, with credentials",
    CorsPrefixMatch = "cors-prefix-match": "CORS allows any origin that starts with an allowed one",
    CorsWithoutCredentials = "cors-without-credentials": "CORS allows the admin origin without Access-Control-Allow-Credentials",
    LoginAcceptsForm = "login-accepts-form": "login and token accept a form-encoded body (login CSRF)",
    LoginAcceptsTextPlain = "login-accepts-text-plain": "login and token parse a text/plain body as JSON (login CSRF)",
    LoginAcceptsUntypedJson = "login-accepts-untyped-json": "login and token parse a body without a content type as JSON",
    PasswordCaseInsensitive = "password-case-insensitive": "passwords are compared ignoring letter case",
    PasswordTrimmed = "password-trimmed": "surrounding spaces are cut from the password before comparing",
    PasswordPrefixMatch = "password-prefix-match": "a password that starts with the right one is accepted",
    ApiTokenPrefixMatch = "api-token-prefix-match": "an API token that is a prefix of the right one is accepted",
    ApiTokenCaseInsensitive = "api-token-case-insensitive": "API tokens are compared ignoring letter case",
    PasswordEchoed = "password-echoed": "validation messages quote the submitted password",
    ApiTokenEchoed = "api-token-echoed": "a refused API token is quoted in the 401 body",
    SecondLogoutOk = "second-logout-ok": "logout with a cookie whose session has ended answers OK",
    UnauthorizedAsJson = "unauthorized-as-json": "wrong credentials at login and token are refused 401 with a JSON error, not the text Unauthorized",
    SuccessWrongContentType = "success-wrong-content-type": "whoami's user is labelled application/json; charset=iso-8859-1",
    CorsRefusalWithoutType = "cors-refusal-without-type": "a request from an origin the admin CORS does not allow is refused 403 with a JSON error that has no type",
    ValidationExtraMessage = "validation-extra-message": "a missing, non-string or short password also gets a length message the real server does not send",
    V2EmailCaseInsensitive = "v2-email-case-insensitive": "v2: the login e-mail is matched ignoring letter case",
    V2ValidationAs400 = "v2-validation-400": "v2: a login without a string e-mail or password is refused 400 invalid_data, not 401",
    V2SessionUserRecord = "v2-session-user-record": "v2: POST /auth/session answers the user record, not the token's claims",
    V2LogoutWithBearer = "v2-logout-with-bearer": "v2: DELETE /auth/session with only a bearer token answers 200",
    V2LogoutBodyOk = "v2-logout-body-ok": "v2: DELETE /auth/session answers v1's text OK, not {\"success\":true}",
    V2RefreshWithoutCredentials = "v2-refresh-without-credentials": "v2: POST /auth/token/refresh gives the admin's token to anyone",
    V2RefreshAcceptsApiKey = "v2-refresh-accepts-api-key": "v2: POST /auth/token/refresh gives a token for a secret API key",
    V2LogoutKeepsCookie = "v2-logout-keeps-cookie": "v2: DELETE /auth/session ends the session but does not clear the browser's cookie",
}

/// A fault name that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault '{0}' (see `medusa-conformance --list-faults`)")]
pub struct UnknownFault(pub String);

/// A set of faults to commit (empty: the contract, faithfully).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet(BTreeSet<Fault>);

impl FaultSet {
    /// A set of one fault.
    pub fn one(fault: Fault) -> Self {
        FaultSet(BTreeSet::from([fault]))
    }

    /// Whether `fault` is on.
    pub fn contains(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }

    /// Whether no fault is on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses a comma-separated list of fault names.
    pub fn parse(list: &str) -> Result<FaultSet, UnknownFault> {
        let mut set = BTreeSet::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let fault = Fault::ALL
                .iter()
                .copied()
                .find(|f| f.name() == name)
                .ok_or_else(|| UnknownFault(name.to_owned()))?;
            set.insert(fault);
        }
        Ok(FaultSet(set))
    }

    /// The names of the faults, comma-separated.
    pub fn names(&self) -> String {
        self.0
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// What the faults that leak a password hash leak (scrypt-kdf's format, as Medusa v1 stores it).
pub(super) const FAKE_PASSWORD_HASH: &str = "c2NyeXB0AA8AAAAIAAAAAc0mJ1kO";

/// `{user}` with the body-shape faults applied.
pub(super) fn auth_body(b: &Backend, user: &User, other_user: bool) -> Value {
    let mut u = user.to_json();
    if b.hardened {
        // The static API token stays out of login and whoami bodies.
        u["api_token"] = Value::Null;
    }
    if other_user {
        u["id"] = json!("usr_01OTHERUSER000000000000000");
        u["email"] = json!("someone.else@reference.medusa.test");
    }
    let obj = u.as_object_mut().expect("user is an object");
    if b.on(Fault::MissingUserField) {
        obj.remove("created_at");
    }
    if b.on(Fault::RenamedUserField) {
        let v = obj.remove("first_name").unwrap_or(Value::Null);
        obj.insert("firstName".into(), v);
    }
    if b.on(Fault::UserFieldWrongType) {
        obj.insert("id".into(), json!(42));
    }
    if b.on(Fault::UserEmailNotEmail) {
        let v = obj["email"]
            .as_str()
            .unwrap_or_default()
            .replace('@', " at ");
        obj.insert("email".into(), json!(v));
    }
    if b.on(Fault::UserDateNotDateTime) {
        obj.insert("updated_at".into(), json!("29/11/2026 14:35"));
    }
    if b.on(Fault::RoleOutsideEnum) {
        obj.insert("role".into(), json!("owner"));
    }
    if b.on(Fault::PasswordHashLeaked) {
        obj.insert("password_hash".into(), json!(FAKE_PASSWORD_HASH));
    }
    if b.on(Fault::UnknownUserField) {
        obj.insert("last_login_at".into(), json!(null));
    }
    if b.on(Fault::UserNotWrapped) {
        u
    } else {
        json!({ "user": u })
    }
}

/// `{access_token}` with the token faults applied.
pub(super) fn token_body(b: &Backend, jwt: String) -> Value {
    if b.on(Fault::AccessTokenMissing) {
        json!({})
    } else if b.on(Fault::AccessTokenRenamed) {
        json!({ "accessToken": jwt })
    } else if b.on(Fault::AccessTokenNotString) {
        json!({ "access_token": { "token": jwt } })
    } else {
        json!({ "access_token": jwt })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut seen = BTreeSet::new();
        for f in Fault::ALL {
            assert!(seen.insert(f.name()), "duplicate {}", f.name());
            assert_eq!(FaultSet::parse(f.name()).unwrap(), FaultSet::one(*f));
        }
        assert!(Fault::ALL.len() >= 30);
        assert!(FaultSet::parse("nope").is_err());
        assert!(FaultSet::parse("").unwrap().is_empty());
    }
}
