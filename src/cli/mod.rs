//! Layer 5, the command line: what `medusa-conformance` and `cargo test
//! --test conformance` run. Reads the arguments and the environment (the
//! only module that does) into an app [`Config`], runs it, prints the
//! summary or the error, and returns the exit code for `main` to exit with.

mod args;
mod env;

pub use env::{VARS, config_from_env, config_from_lookup};

use std::io::IsTerminal as _;
use std::time::Instant;

use crate::app::{self, Config, ConfigError, RunError};
use crate::core::redact::Redactor;
use crate::exit;
use crate::report::console;
use args::Command;

/// Runs the command line with `args` (without the program name) and the
/// process environment; returns the exit code.
pub fn main_with_args(args: &[String]) -> u8 {
    let flags = match args::parse(args) {
        Ok(Command::Run(flags)) => flags,
        Ok(Command::Help) => {
            args::print_help();
            return exit::OK;
        }
        Ok(Command::ListFaults) => {
            args::print_faults();
            return exit::OK;
        }
        Err(e) => return report_error(&RunError::Config(e)),
    };
    let config = match config_from_env() {
        Ok(mut config) => {
            // Flags win over the environment.
            flags.apply(&mut config);
            config.terminal = std::io::stdout().is_terminal();
            config
        }
        Err(e) => return report_error(&RunError::Config(e)),
    };
    match run(&config) {
        Ok(()) => exit::OK,
        Err(RunError::ContractBroken { .. }) => exit::CONTRACT,
        Err(e) => report_error(&e),
    }
}

/// Runs `config` on a fresh runtime; prints the summary of a finished run.
fn run(config: &Config) -> Result<(), RunError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let started = Instant::now();
    let outcome = rt.block_on(app::run(config, std::io::stdout()))?;
    let mut out = Redactor::global().writer(std::io::stdout());
    console::summary(&mut out, &outcome, started.elapsed());
    app::verdict(&outcome)
}

/// Prints `e` (masked) on stderr; returns its exit code.
fn report_error(e: &RunError) -> u8 {
    match e {
        // Said as it is: it names no secret, and has its own prefix.
        RunError::Config(c) => eprintln!("{c}"),
        _ => eprintln!("{}", Redactor::global().mask(&format!("error: {e}"))),
    }
    e.exit_code()
}

impl From<args::ArgError> for ConfigError {
    fn from(e: args::ArgError) -> ConfigError {
        ConfigError::new(e.problem, e.fix)
    }
}
