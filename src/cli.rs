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

usage: medusa-conformance [--junit PATH] [--cucumber-json PATH] [--list-faults] [--help]

  --junit PATH          write a JUnit XML report to PATH (overrides MEDUSA_JUNIT)
  --cucumber-json PATH  write a Cucumber JSON report to PATH (overrides MEDUSA_CUCUMBER_JSON)

The target and everything else come from the environment:";

/// Runs the command line with `args` (without the program name) and the
/// process environment; returns the exit code.
pub fn main_with_args(args: &[String]) -> i32 {
    let mut junit = None;
    let mut cucumber_json = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f == "--junit" || f == "--cucumber-json" => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        if flag == "--junit" || flag == "--cucumber-json" {
            let Some(path) = inline
                .or_else(|| args.next().cloned())
                .filter(|p| !p.is_empty())
            else {
                eprintln!(
                    "configuration error: {flag} needs a file path\n  fix: e.g. {flag} target/reports/report"
                );
                return EXIT_CONFIG;
            };
            let slot = if flag == "--junit" {
                &mut junit
            } else {
                &mut cucumber_json
            };
            *slot = Some(std::path::PathBuf::from(path));
            continue;
        }
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
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_CONFIG;
        }
    };
    // Flags win over the environment.
    if junit.is_some() {
        config.junit = junit;
    }
    if cucumber_json.is_some() {
        config.cucumber_json = cucumber_json;
    }
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
            let mut err = Redactor::global().writer(std::io::stdout());
            if outcome.left_out() > 0 {
                let _ = writeln!(
                    err,
                    "notice: {} scenario(s) tagged @api-token, @jwt-secret or @admin-origin were left out, not run: \
                     set MEDUSA_API_TOKEN, MEDUSA_JWT_SECRET and MEDUSA_ADMIN_ORIGIN to run them",
                    outcome.left_out(),
                );
                for s in &outcome.left_out_scenarios {
                    let _ = writeln!(err, "  left out: {s}");
                }
            }
            for r in &outcome.retries {
                let _ = writeln!(
                    err,
                    "retry: {} sent again (retry {}) after: {}",
                    r.request, r.attempt, r.reason
                );
            }
            for r in &outcome.retried {
                let _ = writeln!(err, "{}", r.describe());
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
            for e in &outcome.report_errors {
                let _ = writeln!(err, "error: {e}");
            }
            for (what, path) in [
                ("JUnit XML", &config.junit),
                ("Cucumber JSON", &config.cucumber_json),
            ] {
                if let Some(path) = path
                    && outcome.report_errors.is_empty()
                {
                    let _ = writeln!(err, "report: {what} written to {}", path.display());
                }
            }
            let _ = writeln!(err, "time: {:.3}s", elapsed.as_secs_f64());
            let left_out = if outcome.left_out() > 0 {
                format!(", {} left out", outcome.left_out())
            } else {
                String::new()
            };
            let _ = writeln!(
                err,
                "conformance: {} passed, {} failed, {} skipped{left_out}",
                outcome.passed,
                outcome.failed + outcome.errors + outcome.report_errors.len(),
                outcome.skipped
            );
            outcome.exit_code()
        }
    }
}
