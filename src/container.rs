//! `MEDUSA_TARGET=container`: PostgreSQL and Medusa v1 started as
//! containers for one run (testcontainers), removed when it ends.

use std::io::Write;

use url::Url;

use crate::redact::Secret;
use crate::runner::RunError;

/// PostgreSQL and Medusa containers on a private network, owned by the run.
#[derive(Debug)]
pub struct ContainerBackend {
    base_url: Url,
    admin_email: String,
    admin_password: Secret,
    api_token: Secret,
}

impl ContainerBackend {
    /// Starts the containers, seeds the admin, waits until Medusa answers.
    pub async fn start(
        _medusa_image: &str,
        _postgres_image: &str,
        _out: &mut dyn Write,
    ) -> Result<ContainerBackend, RunError> {
        Err(RunError::Setup(
            "the container target is not available in this build".into(),
        ))
    }

    /// Where Medusa answers.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// The seeded admin's e-mail.
    pub fn admin_email(&self) -> &str {
        &self.admin_email
    }

    /// The seeded admin's password.
    pub fn admin_password(&self) -> &Secret {
        &self.admin_password
    }

    /// The seeded admin's API token.
    pub fn api_token(&self) -> &Secret {
        &self.api_token
    }

    /// Removes every container and network this backend created.
    pub async fn remove(self) {}
}
