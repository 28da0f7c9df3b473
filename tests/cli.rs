//! The command line's own contract: what it reads is checked before
//! anything starts, and a wrong value exits 2 (configuration), never 4
//! (setup). Needs no engine and no backend: the run stops at the check.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_medusa-conformance");

/// Runs the binary with only `vars` of the MEDUSA_* environment set.
fn run(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("MEDUSA_") || k == "DOCKER_HOST" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(vars.iter().copied())
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_bad_container_timeout_is_a_configuration_error() {
    for bad in ["0", "ten", "3601"] {
        let out = run(
            &[
                ("MEDUSA_TARGET", "container"),
                ("MEDUSA_CONTAINER_TIMEOUT_SECS", bad),
                // Nothing listens here: reaching the engine would be a bug.
                ("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
            ],
            &[],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("configuration error: MEDUSA_CONTAINER_TIMEOUT_SECS")
                && err.contains("fix:"),
            "{bad}: {err}"
        );
        assert!(!err.contains("Docker"), "the engine was not asked: {err}");
    }
}

#[test]
fn help_lists_every_exit_code() {
    let out = run(&[], &["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text.contains(
            "exit codes: 0 passed, 1 contract failure, 2 configuration error, 3 backend unreachable, 4 setup failed, 130 interrupted"
        ),
        "{text}"
    );
}

#[test]
fn an_unknown_argument_exits_2() {
    let out = run(&[], &["--frobnicate"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown argument '--frobnicate'"), "{err}");
}
