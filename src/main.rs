//! `medusa-conformance`: runs the admin auth conformance suite against the
//! backend the environment names (see `--help`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(medusa_conformance::cli::main_with_args(&args));
}
