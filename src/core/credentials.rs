//! Who the suite logs in as: the admin a target seeds or is given.

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
}
