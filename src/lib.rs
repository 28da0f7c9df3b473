//! medusa-conformance: a contract-conformance test harness for the admin
//! authentication API of Medusa (and any backend that claims to speak it).
//!
//! The layers, bottom to top; each uses only the ones above it in this
//! list (`tests/layers.rs` checks it, `docs/architecture.md` explains it):
//!
//! - [`exit`]: the exit codes, a leaf.
//! - [`core`]: the contract as data (routes, schemas), the checks and their
//!   failure reports, redaction, JWTs, and the run's records. Pure.
//! - [`http`]: the one HTTP client; turns a call into an exchange.
//! - [`suite`]: cucumber's world and the step phrases of `features/`.
//! - [`target`]: what the suite runs against (a URL, the embedded
//!   reference backend, containers) and the preflight check.
//! - [`report`]: the console summary, JUnit XML and Cucumber JSON.
//! - [`app`]: one run, start to end; errors mapped to exit codes.
//! - [`cli`]: arguments and environment in, exit code out.

#![warn(clippy::too_many_lines)]

pub mod exit;

pub mod core;

pub mod http;

pub mod suite;

pub mod target;

pub mod report;

pub mod app;

pub mod cli;
