//! The arguments: report paths, `--help`, `--list-faults`, and the libtest
//! flags `cargo test` passes to a `harness = false` target.

use std::path::PathBuf;

use crate::app::{Config, ConfigError};
use crate::cli::VARS;
use crate::exit;
use crate::target::reference::Fault;

const USAGE: &str = "\
medusa-conformance: checks that a backend honours Medusa's admin auth contract

usage: medusa-conformance [--junit PATH] [--cucumber-json PATH] [--require-all] [--list-faults] [--help]

  --junit PATH          write a JUnit XML report to PATH (overrides MEDUSA_JUNIT)
  --cucumber-json PATH  write a Cucumber JSON report to PATH (overrides MEDUSA_CUCUMBER_JSON)
  --require-all         a left-out scenario fails the run (as MEDUSA_REQUIRE_ALL=1)

The target and everything else come from the environment:";

/// What the arguments ask for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Command {
    /// Run the suite, with these report paths.
    Run(Flags),
    /// Print the usage.
    Help,
    /// Print the fault catalog.
    ListFaults,
}

/// Settings given as flags (they win over the environment).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Flags {
    junit: Option<PathBuf>,
    cucumber_json: Option<PathBuf>,
    require_all: bool,
}

impl Flags {
    /// Sets the paths given as flags in `config`.
    pub(super) fn apply(self, config: &mut Config) {
        if self.junit.is_some() {
            config.junit = self.junit;
        }
        if self.cucumber_json.is_some() {
            config.cucumber_json = self.cucumber_json;
        }
        if self.require_all {
            config.require_all = true;
        }
    }
}

/// A wrong argument.
#[derive(Debug)]
pub(super) struct ArgError {
    pub(super) problem: String,
    pub(super) fix: String,
}

/// Reads `args` (without the program name).
pub(super) fn parse(args: &[String]) -> Result<Command, ConfigError> {
    let mut flags = Flags::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f == "--junit" || f == "--cucumber-json" => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        if flag == "--junit" || flag == "--cucumber-json" {
            let path = inline
                .or_else(|| args.next().cloned())
                .filter(|p| !p.is_empty())
                .ok_or_else(|| ArgError {
                    problem: format!("{flag} needs a file path"),
                    fix: format!("e.g. {flag} target/reports/report"),
                })?;
            let slot = if flag == "--junit" {
                &mut flags.junit
            } else {
                &mut flags.cucumber_json
            };
            *slot = Some(PathBuf::from(path));
            continue;
        }
        match arg.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--list-faults" => return Ok(Command::ListFaults),
            "--require-all" => flags.require_all = true,
            // `cargo test` passes libtest flags to harness = false targets.
            "--nocapture" | "--quiet" | "-q" | "--color=never" | "--color=auto"
            | "--color=always" => {}
            other => {
                return Err(ArgError {
                    problem: format!("unknown argument '{other}'"),
                    fix: "see medusa-conformance --help".into(),
                }
                .into());
            }
        }
    }
    Ok(Command::Run(flags))
}

/// The usage, the environment variables and the exit codes.
pub(super) fn print_help() {
    println!("{USAGE}");
    for (k, v) in VARS {
        println!("  {k:<26} {v}");
    }
    let codes: Vec<String> = exit::TABLE
        .iter()
        .map(|(code, meaning)| format!("{code} {meaning}"))
        .collect();
    println!("\nexit codes: {}", codes.join(", "));
}

/// The fault catalog of the reference backend.
pub(super) fn print_faults() {
    for f in Fault::ALL {
        println!("{:<28} {}", f.name(), f.description());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Command, ConfigError> {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn report_paths_inline_or_next() {
        let Command::Run(f) = args(&["--junit=a.xml", "--cucumber-json", "b.json", "-q"]).unwrap()
        else {
            panic!("not a run");
        };
        assert_eq!(f.junit, Some(PathBuf::from("a.xml")));
        assert_eq!(f.cucumber_json, Some(PathBuf::from("b.json")));
        assert!(!f.require_all);
    }

    #[test]
    fn require_all_flag() {
        let Command::Run(f) = args(&["--require-all"]).unwrap() else {
            panic!("not a run");
        };
        assert!(f.require_all);
    }

    #[test]
    fn bad_arguments_are_configuration_errors() {
        assert!(
            args(&["--junit"])
                .unwrap_err()
                .problem
                .contains("needs a file path")
        );
        assert!(args(&["--junit="]).is_err());
        assert!(
            args(&["--frobnicate"])
                .unwrap_err()
                .problem
                .contains("unknown argument")
        );
        assert_eq!(args(&["--help"]).unwrap(), Command::Help);
    }
}
