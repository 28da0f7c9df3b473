//! Layer 5, the command line: what `medusa-conformance` and `cargo test
//! --test conformance` run. Reads the arguments and the environment (the
//! only module that does) into an app [`Config`], then lists, runs, or
//! says what is wrong, and returns the exit code for `main` to exit with.
//!
//! The conformance test target (`harness = false`) is a test runner's
//! citizen: each scenario is a test, `--list` prints them as libtest does,
//! a test-runner filter that selects nothing is a run of zero tests
//! (`cargo test redact` passes its filter to every test binary), and a
//! failing scenario exits non-zero with its report. [`single_test`] gives
//! another `harness = false` target the same manners.

mod args;
mod env;
mod serve;

pub use env::{config_from_env, config_from_lookup};

use std::io::{IsTerminal as _, Write};
use std::time::Instant;

use crate::app::{self, Config, Plan, RunError};
use crate::core::record::{Outcome, ScenarioStatus};
use crate::core::redact::Redactor;
use crate::core::select::Pick;
use crate::exit;
use crate::report::console;
use crate::target::reference::Fault;
use args::Parsed;

/// Who runs the command line: it decides what a selection of nothing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    /// `medusa-conformance`: a gate; selecting nothing is red.
    Binary,
    /// The conformance test target under `cargo test` or `cargo nextest`:
    /// a test-runner filter that selects nothing is zero tests, green.
    TestHarness,
}

/// Runs `medusa-conformance` with `args` (without the program name) and
/// the process environment; returns the exit code.
pub fn main_with_args(args: &[String]) -> u8 {
    main_as(Runner::Binary, args)
}

/// Runs the conformance test target (`cargo test --test conformance --
/// ARGS`, `cargo nextest run`): the same parser and settings as the
/// binary; returns the exit code.
pub fn test_harness_main(args: &[String]) -> u8 {
    main_as(Runner::TestHarness, args)
}

fn main_as(runner: Runner, args: &[String]) -> u8 {
    // Only the binary has subcommands: to the test runner, `serve` is a filter.
    if runner == Runner::Binary && args.first().is_some_and(|a| a == "serve") {
        return serve::main(&args[1..]);
    }
    let inputs = match args::parse(args, |k| std::env::var(k).ok()) {
        Parsed::Inputs(inputs) => inputs,
        Parsed::Print(text) => {
            print!("{text}");
            return exit::OK;
        }
        Parsed::Wrong(problem, fix) => {
            return report_error(&RunError::Config(app::ConfigError::new(problem, fix)));
        }
    };
    if inputs.args.list_faults {
        print_faults();
        return exit::OK;
    }
    let listing = inputs.args.list;
    let config = match env::build(&inputs, !listing) {
        Ok(mut config) => {
            // Only the command line knows what stdout is (progress bar,
            // colours on `auto`).
            config.terminal = std::io::stdout().is_terminal();
            config
        }
        Err(e) => return report_error(&RunError::Config(e)),
    };
    if listing {
        return list(&config);
    }
    let plan = app::plan(&config);
    if runner == Runner::TestHarness
        && config.select.narrows()
        && plan.to_run() == 0
        && plan.parse_errors.is_empty()
    {
        return zero_tests(&plan, config.require_all);
    }
    // Only the test names outlive the plan: its catalog of every scenario
    // would otherwise be held for the whole run (memory at 10,000).
    let names = TestNames::of(&plan);
    drop(plan);
    match run(&config, &names, runner) {
        Ok(()) => exit::OK,
        Err(RunError::ContractBroken { .. }) => exit::CONTRACT,
        Err(e) => report_error(&e),
    }
}

/// Prints the selected scenarios as `--list` does: libtest's `name: test`
/// lines (all that `--format terse` prints, for test runners), with each
/// scenario's file:line and tags in the pretty format. Exit 1 if a
/// feature file does not parse.
fn list(config: &Config) -> u8 {
    let plan = app::plan(config);
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) ends the listing, quietly.
    let _ = write_list(&mut out, &plan, config.terse);
    for e in &plan.parse_errors {
        eprintln!("error: a feature file does not parse: {e}");
    }
    if plan.parse_errors.is_empty() {
        exit::OK
    } else {
        exit::CONTRACT
    }
}

fn write_list(out: &mut dyn Write, plan: &Plan, terse: bool) -> std::io::Result<()> {
    let shown: Vec<_> = plan
        .scenarios
        .iter()
        .filter(|(_, pick)| *pick != Pick::Out)
        .collect();
    for (s, pick) in &shown {
        if terse {
            writeln!(out, "{}: test", s.test_name)?;
            continue;
        }
        let tags: Vec<String> = s.tags.iter().map(|t| format!("@{t}")).collect();
        let note = match pick {
            Pick::LeftOut(reason) => format!("  (ignored: left out, {reason})"),
            _ => String::new(),
        };
        writeln!(
            out,
            "{}: test  {}:{}  {}{note}",
            s.test_name,
            s.path,
            s.line,
            tags.join(" ")
        )?;
    }
    if !terse {
        writeln!(out, "\n{} tests, 0 benchmarks", shown.len())?;
    }
    out.flush()
}

/// A test-runner filter selected no scenario to run: zero tests, as
/// libtest says it, and nothing started; red only if it left some out and
/// every scenario is required to run.
fn zero_tests(plan: &Plan, require_all: bool) -> u8 {
    for (s, pick) in &plan.scenarios {
        if let Pick::LeftOut(reason) = pick {
            println!("  left out: {}:{}: {} ({reason})", s.path, s.line, s.name);
        }
    }
    let required = require_all && plan.left_out() > 0;
    let left_out = match (plan.left_out(), required) {
        (0, _) => String::new(),
        (n, false) => format!(", {n} left out"),
        (n, true) => format!(", {n} left out but required"),
    };
    println!("running 0 scenarios: none of them matches the test-runner filter");
    if required {
        println!(
            "error: {} scenario(s) were left out, and MEDUSA_REQUIRE_ALL (--require-all) requires every scenario to run",
            plan.left_out()
        );
    }
    println!("conformance: 0 passed, 0 failed, 0 skipped{left_out}");
    if required { exit::CONTRACT } else { exit::OK }
}

/// Runs `config` on a fresh runtime; prints the failed tests and the
/// summary of a finished run.
fn run(config: &Config, names: &TestNames, runner: Runner) -> Result<(), RunError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let started = Instant::now();
    let outcome = rt.block_on(app::run(config, std::io::stdout()))?;
    let mut out = Redactor::global().writer(std::io::stdout());
    let _ = write_failed_tests(&mut out, &failed_tests(&outcome, names), runner);
    console::summary(&mut out, &outcome, started.elapsed());
    if runner == Runner::TestHarness
        && config.select.narrows()
        && only_ignored(&outcome)
        && !config.require_all
    {
        return Ok(());
    }
    app::verdict(&outcome)
}

/// The test names of the scenarios that failed (or were skipped while
/// running), read from the run's record and found in the plan by file and
/// line, in file order. A scenario the plan does not know (the files
/// changed under the run) is named by its file:line.
fn failed_tests(outcome: &Outcome, names: &TestNames) -> Vec<String> {
    outcome
        .record
        .scenarios()
        .filter(|s| matches!(s.status, ScenarioStatus::Failed | ScenarioStatus::Skipped))
        .map(|s| {
            names
                .0
                .get(&(s.key.path.clone(), s.key.line))
                .map_or_else(|| s.key.to_string(), Clone::clone)
        })
        .collect()
}

/// The plan's test names by file and line (the first, should two share
/// a place).
struct TestNames(std::collections::HashMap<(String, usize), String>);

impl TestNames {
    fn of(plan: &Plan) -> TestNames {
        let mut names = std::collections::HashMap::new();
        for (info, _) in &plan.scenarios {
            names
                .entry((info.path.clone(), info.line))
                .or_insert_with(|| info.test_name.clone());
        }
        TestNames(names)
    }
}

/// libtest's list of failed tests, with how to run one again: the
/// per-scenario reports above name scenarios by file:line, a test runner
/// by test name.
fn write_failed_tests(
    out: &mut dyn Write,
    names: &[String],
    runner: Runner,
) -> std::io::Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let again = match runner {
        Runner::Binary => "medusa-conformance NAME --exact",
        Runner::TestHarness => "cargo test --test conformance -- NAME --exact",
    };
    writeln!(out, "failures (run one again with `{again}`):")?;
    for name in names {
        writeln!(out, "    {name}")?;
    }
    out.flush()
}

/// Whether a run left out every scenario it picked and nothing else went
/// wrong. The started target may lack what the plan expected (a container
/// without the JWT secret): a test runner's pick of only such scenarios is
/// ignored tests, not a gate that checked nothing.
fn only_ignored(outcome: &Outcome) -> bool {
    outcome.ran() == 0
        && !outcome.left_out.is_empty()
        && outcome.errors == 0
        && outcome.report_errors.is_empty()
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

/// The fault catalog of the reference backend.
fn print_faults() {
    for f in Fault::ALL {
        println!("{:<28} {}", f.name(), f.description());
    }
}

/// What a `harness = false` test target with one test called `name` does
/// with the test runner's arguments: `Some(code)` when it is done (a
/// `--list`, or a filter, `--skip` or `--ignored` that leaves the test
/// out), `None` when the test should run. Its other flags are accepted
/// and have no effect.
pub fn single_test(name: &str, args: &[String]) -> Option<u8> {
    let mut list = false;
    let (mut exact, mut ignored, mut terse) = (false, false, false);
    let (mut filters, mut skip) = (Vec::new(), Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--list" => list = true,
            "--exact" => exact = true,
            "--ignored" => ignored = true,
            "--format=terse" | "-q" | "--quiet" => terse = true,
            "--format" => terse = it.next().is_some_and(|f| f == "terse"),
            "--skip" => skip.extend(it.next().cloned()),
            "--test-threads" | "--color" | "--logfile" => {
                it.next();
            }
            flag if flag.starts_with('-') => {}
            filter => filters.push(filter.to_owned()),
        }
    }
    let matches = |f: &String| {
        if exact {
            name == f
        } else {
            name.contains(f.as_str())
        }
    };
    let selected = (filters.is_empty() || filters.iter().any(matches))
        && !skip.iter().any(matches)
        // It has no ignored test.
        && !ignored;
    if list {
        if selected {
            println!("{name}: test");
        }
        if !terse {
            println!("\n{} tests, 0 benchmarks", usize::from(selected));
        }
        return Some(exit::OK);
    }
    if !selected {
        println!("running 0 tests: {name} does not match the test-runner filter");
        return Some(exit::OK);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(a: &[&str]) -> Option<u8> {
        single_test(
            "fault_catalog",
            &a.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn a_run_of_only_left_out_scenarios_is_ignored_tests() {
        use crate::core::record::LeftOutScenario;
        let left = LeftOutScenario {
            feature: "F".into(),
            feature_keyword: "Feature".into(),
            path: None,
            feature_tags: vec![],
            rule: None,
            background: None,
            keyword: "Scenario".into(),
            name: "S".into(),
            line: 1,
            col: 1,
            tags: vec!["jwt-secret".into()],
            steps: vec![],
            reason: "MEDUSA_JWT_SECRET is not set".into(),
        };
        let mut o = Outcome {
            left_out: vec![left],
            ..Outcome::default()
        };
        assert!(only_ignored(&o));
        o.errors = 1;
        assert!(!only_ignored(&o));
        o.errors = 0;
        o.passed = 1;
        assert!(!only_ignored(&o));
        assert!(!only_ignored(&Outcome::default()));
    }

    #[test]
    fn failed_tests_are_listed_with_how_to_run_one_again() {
        let text = |names: &[&str], runner| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let mut out = Vec::new();
            write_failed_tests(&mut out, &names, runner).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(&[], Runner::TestHarness), "");
        assert_eq!(
            text(&["a::b", "c::d"], Runner::TestHarness),
            "failures (run one again with `cargo test --test conformance -- NAME --exact`):\n    a::b\n    c::d\n"
        );
        assert!(text(&["a::b"], Runner::Binary).contains("`medusa-conformance NAME --exact`"));
        let names = TestNames::of(&Plan::default());
        assert!(failed_tests(&Outcome::default(), &names).is_empty());
    }

    #[test]
    fn serve_is_a_subcommand_of_the_binary_only() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // The binary: serve's parser, which knows no --list (exit 2).
        assert_eq!(
            main_as(Runner::Binary, &args(&["serve", "--list"])),
            exit::CONFIG
        );
        // The test runner: a filter that matches no scenario, listed (exit 0).
        let listed = main_as(
            Runner::TestHarness,
            &args(&["serve", "--list", "--format", "terse"]),
        );
        assert_eq!(listed, exit::OK);
    }

    #[test]
    fn a_single_test_target_follows_the_test_runner() {
        assert_eq!(single(&[]), None);
        assert_eq!(single(&["--include-ignored", "--test-threads", "2"]), None);
        assert_eq!(single(&["fault"]), None);
        assert_eq!(single(&["fault_catalog", "--exact", "--nocapture"]), None);
        assert_eq!(single(&["redact"]), Some(exit::OK));
        assert_eq!(single(&["fault", "--exact"]), Some(exit::OK));
        assert_eq!(single(&["--skip", "catalog"]), Some(exit::OK));
        assert_eq!(single(&["--ignored"]), Some(exit::OK));
        assert_eq!(single(&["--list", "--format", "terse"]), Some(exit::OK));
    }
}
