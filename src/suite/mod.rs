//! Layer 2, the cucumber glue: the per-scenario [`world::AuthWorld`], the
//! step phrases (one request or one check each), the run's shared
//! [`context::SuiteContext`], the scenarios there are ([`catalog`]) and
//! which of them run ([`filter`]), and the cucumber run itself ([`run`]),
//! driven by whatever writer the caller composes.
//!
//! Depends on `core` and `http`. It may not touch targets, reports, the
//! app or the process: it gets a client and credentials, and hands back
//! records.

pub mod advisories;
pub mod catalog;
pub mod context;
pub mod feed;
pub mod filter;
mod masked;
pub mod run;
mod steps;
pub mod world;
