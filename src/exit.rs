//! The process exit codes: a contract with CI scripts, so they are named,
//! documented once here, and listed by `--help` from [`TABLE`].
//!
//! A leaf: depends on nothing in the crate. Only `app` maps errors onto
//! these numbers (one `match`), and only `main` exits with them.

/// Every scenario passed.
pub const OK: u8 = 0;
/// The backend broke the contract, or nothing ran (a gate that checks
/// nothing is red), or a report could not be written.
pub const CONTRACT: u8 = 1;
/// The configuration (environment or arguments) is wrong.
pub const CONFIG: u8 = 2;
/// The backend could not be reached, or does not answer as a Medusa v1
/// backend before any scenario runs.
pub const UNREACHABLE: u8 = 3;
/// The harness could not set up its target (reference backend, containers,
/// async runtime).
pub const SETUP: u8 = 4;
/// The contract held, but `--advisories strict` found security advisories
/// at or above `--advisory-level`.
pub const ADVISORY: u8 = 5;
/// Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells do).
pub const INTERRUPTED: u8 = 130;
/// A harness bug: the process panicked outside a step (Rust's own code).
pub const PANIC: u8 = 101;

/// `(code, meaning)` of every exit code, in the order `--help` prints them.
pub const TABLE: &[(u8, &str)] = &[
    (OK, "passed"),
    (CONTRACT, "contract failure"),
    (CONFIG, "configuration error"),
    (
        UNREACHABLE,
        "backend unreachable, or not a Medusa admin API",
    ),
    (SETUP, "setup failed"),
    (ADVISORY, "security advisories in strict mode"),
    (INTERRUPTED, "interrupted"),
    (PANIC, "harness bug (panic)"),
];
