//! The step phrases of `features/`, one file per flow. Each phrase is one
//! request or one check; the contract knowledge lives in `core`.

mod common;
mod login;
mod logout;
mod token;
mod whoami;
