//! The conformance suite against the configured target: the command CI and
//! users run (`cargo test --test conformance`). `harness = false`: the
//! harness's own command line runs it, speaking enough of libtest's
//! protocol for `cargo test <filter>`, `--list` and `cargo nextest run`
//! (each scenario is a test); a failing scenario fails the run.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::ExitCode::from(medusa_conformance::cli::test_harness_main(&args))
}
