//! The conformance suite against the configured target: the command CI and
//! users run (`cargo test --test conformance`). `harness = false`: cucumber
//! drives the scenarios and this exits non-zero when any fails.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::ExitCode::from(medusa_conformance::cli::main_with_args(&args))
}
