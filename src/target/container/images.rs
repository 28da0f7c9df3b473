//! The two images a run starts, by reference, and the random secrets it
//! starts them with.

use rand::distr::{Alphanumeric, SampleString as _};

use super::MedusaVersion;
use crate::core::redact::Secret;

/// An image reference, split into name and tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ImageRef {
    pub(super) name: String,
    pub(super) tag: String,
    /// The environment variable that chose it (for messages).
    pub(super) var: &'static str,
}

impl ImageRef {
    pub(super) fn parse(reference: &str, var: &'static str) -> Result<ImageRef, String> {
        let reference = reference.trim();
        if reference.is_empty() || reference.contains(char::is_whitespace) {
            return Err(format!(
                "{var} '{reference}' is not an image reference\n  fix: give one like medusa-conformance/medusa-v1:1.20.11"
            ));
        }
        if reference.contains('@') {
            return Err(format!(
                "{var} '{reference}' names an image by digest, which the container target does not support\n  fix: tag the image (docker tag {reference} name:tag) and give name:tag"
            ));
        }
        // A ':' after the last '/' starts the tag; one before it is a registry port.
        let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
        Ok(match reference[last_slash..].rfind(':') {
            Some(i) => ImageRef {
                name: reference[..last_slash + i].to_owned(),
                tag: reference[last_slash + i + 1..].to_owned(),
                var,
            },
            None => ImageRef {
                name: reference.to_owned(),
                tag: "latest".to_owned(),
                var,
            },
        })
    }

    pub(super) fn descriptor(&self) -> String {
        format!("{}:{}", self.name, self.tag)
    }
}

/// Every random value one run uses.
pub(super) struct Secrets {
    pub(super) postgres_password: Secret,
    pub(super) jwt_secret: Secret,
    pub(super) cookie_secret: Secret,
    pub(super) admin_password: Secret,
    pub(super) api_token: Secret,
}

impl Secrets {
    /// Fresh values; the API token in the form `version` uses (v2: a
    /// secret API key, `sk_` and 48 letters or digits, which the v2 image
    /// sets as the token of the key it creates).
    pub(super) fn random(version: MedusaVersion) -> Secrets {
        let mut rng = rand::rng();
        let mut one = |len: usize| Secret::new(Alphanumeric.sample_string(&mut rng, len));
        let api_token = match version {
            MedusaVersion::V1 => one(32),
            MedusaVersion::V2 => Secret::new(format!("sk_{}", one(48).expose())),
        };
        Secrets {
            postgres_password: one(24),
            jwt_secret: one(40),
            cookie_secret: one(40),
            admin_password: one(24),
            api_token,
        }
    }

    pub(super) fn all(&self) -> [&Secret; 5] {
        [
            &self.postgres_password,
            &self.jwt_secret,
            &self.cookie_secret,
            &self.admin_password,
            &self.api_token,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_name_and_tag() {
        let r = |s| ImageRef::parse(s, "MEDUSA_IMAGE").map(|i| (i.name, i.tag));
        assert_eq!(
            r("medusa-conformance/medusa-v1:1.20.11").unwrap(),
            ("medusa-conformance/medusa-v1".into(), "1.20.11".into())
        );
        assert_eq!(r("postgres").unwrap(), ("postgres".into(), "latest".into()));
        assert_eq!(
            r("localhost:5000/medusa").unwrap(),
            ("localhost:5000/medusa".into(), "latest".into())
        );
        assert_eq!(
            r("localhost:5000/medusa:1").unwrap(),
            ("localhost:5000/medusa".into(), "1".into())
        );
        assert!(r("").is_err());
        assert!(r("a b").is_err());
        assert!(r("x@sha256:abc").unwrap_err().contains("digest"));
    }

    #[test]
    fn a_v2_api_token_is_a_secret_key_and_a_v1_token_is_not() {
        let v1 = Secrets::random(MedusaVersion::V1);
        assert_eq!(v1.api_token.expose().len(), 32);
        assert!(
            v1.api_token
                .expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        );
        let v2 = Secrets::random(MedusaVersion::V2);
        let key = v2.api_token.expose();
        // the form the image's v2tool.js accepts: sk_ and 16 or more letters or digits
        assert!(
            key.starts_with("sk_") && key.len() == 51,
            "{} chars",
            key.len()
        );
        assert!(key[3..].chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
