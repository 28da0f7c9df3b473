//! `medusa-conformance`: runs the admin auth conformance suite against the
//! backend its flags and environment name (see `--help`). The only place the
//! process exits.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(medusa_conformance::cli::main_with_args(&args))
}
