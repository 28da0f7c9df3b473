//! The step phrases of `features/`, one file per flow. Each phrase is one
//! request or one check; the contract knowledge lives in `core`.

mod common;
mod cookies;
mod cors;
mod credentials;
mod cross_site;
mod login;
mod logout;
#[cfg(test)]
pub(super) mod testing;
mod token;
mod tokens;
mod whoami;
