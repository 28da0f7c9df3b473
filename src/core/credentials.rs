//! Who the suite logs in as: the admin a target seeds or is given, and
//! what else it knows of the backend (its JWT secret, its admin origin).

use crate::core::redact::Secret;

/// The admin's credentials. `Debug` masks the secrets.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The admin's e-mail.
    pub admin_email: String,
    /// The admin's password.
    pub admin_password: Secret,
    /// The admin's API token, if there is one (else the @api-token
    /// scenarios are left out).
    pub api_token: Option<Secret>,
    /// The backend's JWT signing secret, if known (else the @jwt-secret
    /// scenarios, which sign tokens with wrong claims, are left out).
    pub jwt_secret: Option<Secret>,
    /// An origin the backend's admin CORS allows (`scheme://host[:port]`),
    /// if known (else the @admin-origin scenarios are left out).
    pub admin_origin: Option<String>,
}

/// The throwaway account the intrusive advisories send wrong passwords
/// for (`MEDUSA_PROBE_EMAIL`, `MEDUSA_PROBE_PASSWORD`): never the admin
/// the suite logs in as. `Debug` masks the password.
#[derive(Debug, Clone)]
pub struct ProbeAccount {
    /// Its e-mail.
    pub email: String,
    /// Its password.
    pub password: Secret,
}
