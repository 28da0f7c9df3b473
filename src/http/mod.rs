//! Layer 1, the HTTP adapter: the one reqwest client of the harness. It
//! turns a contract [`Call`](crate::core::contract::Call) into a request
//! and the response into a [`core` exchange](crate::core::exchange::Exchange),
//! with timeouts, retries of idempotent calls, a body limit and TLS roots,
//! and, for the steps that act as a browser, a cookie [`Jar`].
//!
//! Depends on `core` only. It may not know scenarios, targets, reports or
//! the process (environment, exit codes).

mod client;
mod jar;

pub use client::{
    BODY_LIMIT, Client, ClientError, ClientSettings, Extra, Sent, TransportError, describe,
    install_crypto_provider,
};
pub use jar::Jar;
