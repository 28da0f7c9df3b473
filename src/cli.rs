//! The command line: what `medusa-conformance` and `cargo test --test
//! conformance` run. Reads the environment, runs the suite, prints a
//! summary and returns the exit code.

use std::io::Write;

use crate::config::{Config, VARS};
use crate::redact::Redactor;
use crate::reference::Fault;
use crate::runner::{self, EXIT_CONFIG, EXIT_OK, EXIT_SETUP};

const USAGE: &str = "\
medusa-conformance: checks that a backend honours Medusa's admin auth contract

usage: medusa-conformance [--list-faults] [--help]

The target and everything else come from the environment:";

/// Runs the command line with `args` (without the program name) and the
/// process environment; returns the exit code.
pub fn main_with_args(args: &[String]) -> i32 {
    for arg in args {
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                for (k, v) in VARS {
                    println!("  {k:<26} {v}");
                }
                println!(
                    "\nexit codes: 0 passed, 1 contract failure, 2 configuration error, 3 backend unreachable, 4 setup failed, 130 interrupted"
                );
                return EXIT_OK;
            }
            "--list-faults" => {
                for f in Fault::ALL {
                    println!("{:<28} {}", f.name(), f.description());
                }
                return EXIT_OK;
            }
            // `cargo test` passes libtest flags to harness = false targets.
            "--nocapture" | "--quiet" | "-q" | "--color=never" | "--color=auto"
            | "--color=always" => {}
            other => {
                eprintln!(
                    "configuration error: unknown argument '{other}'\n  fix: see medusa-conformance --help"
                );
                return EXIT_CONFIG;
            }
        }
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_CONFIG;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return EXIT_SETUP;
        }
    };
    let started = std::time::Instant::now();
    let result = rt.block_on(runner::run(&config, std::io::stdout()));
    let elapsed = started.elapsed();
    match result {
        Err(e) => {
            eprintln!("{}", Redactor::global().mask(&format!("error: {e}")));
            e.exit_code()
        }
        Ok(outcome) => {
            let mut err = std::io::stdout();
            if outcome.left_out > 0 {
                let _ = writeln!(
                    err,
                    "notice: {} scenario(s) tagged @api-token were left out, not run: MEDUSA_API_TOKEN is not set",
                    outcome.left_out
                );
            }
            if outcome.passed + outcome.failed + outcome.skipped == 0 {
                let _ = writeln!(
                    err,
                    "error: no scenario ran: a release gate that checks nothing is red"
                );
            }
            if outcome.skipped > 0 {
                let _ = writeln!(
                    err,
                    "error: {} scenario(s) had skipped or undefined steps",
                    outcome.skipped
                );
            }
            if outcome.errors > 0 {
                let _ = writeln!(
                    err,
                    "error: {} feature file(s) or hook(s) failed",
                    outcome.errors
                );
            }
            let _ = writeln!(err, "time: {:.3}s", elapsed.as_secs_f64());
            let _ = writeln!(
                err,
                "conformance: {} passed, {} failed, {} skipped",
                outcome.passed,
                outcome.failed + outcome.errors,
                outcome.skipped + outcome.left_out
            );
            outcome.exit_code()
        }
    }
}
