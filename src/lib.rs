//! medusa-conformance: a contract-conformance test harness for the admin
//! authentication API of Medusa (and any backend that claims to speak it).
//!
//! Gherkin features (`features/`) describe the login, whoami, logout and
//! token flows; [`steps`] turns each sentence into one request or one check;
//! [`check`] compares responses with the JSON Schemas in `schemas/` and
//! renders failures; [`redact`] keeps secrets out of every output. The
//! target is a URL, or the embedded [`reference`] backend.

pub mod browser;
pub mod check;
pub mod cli;
pub mod client;
pub mod config;
pub mod container;
pub mod contract;
pub mod jwt;
pub mod redact;
pub mod reference;
pub mod report;
pub mod runner;
pub mod steps;
pub mod steps_depth;

/// Makes `ring` the process's TLS crypto provider (reqwest is built without
/// one, so it does not compile a second C crypto library). Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
