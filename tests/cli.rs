//! The command line's own contract: what it reads is checked before
//! anything starts, and a wrong value exits 2 (configuration), never 4
//! (setup); and what it asks of a run (every scenario, with
//! MEDUSA_REQUIRE_ALL or --require-all). Needs no engine: the runs that
//! reach a backend use the embedded reference backend.

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

#[test]
fn require_all_turns_left_out_scenarios_red_by_variable_or_flag() {
    use medusa_conformance::target::reference::{ReferenceConfig, ReferenceServer};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = ReferenceConfig::random();
    let server = rt.block_on(ReferenceServer::start(cfg.clone())).unwrap();
    let url = server.base_url().to_string();
    // No API token: whoami's two @api-token scenarios are left out.
    let base = [
        ("MEDUSA_BASE_URL", url.as_str()),
        ("MEDUSA_ADMIN_EMAIL", cfg.admin_email.as_str()),
        ("MEDUSA_ADMIN_PASSWORD", cfg.admin_password.expose()),
        ("MEDUSA_TAGS", "@whoami"),
    ];
    let with = |extra: &[(&'static str, &'static str)], args: &[&str]| {
        let mut vars = base.to_vec();
        vars.extend_from_slice(extra);
        let out = run(&vars, args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let listed = "left out: features/whoami.feature:";
    let (code, text) = with(&[], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(listed) && text.contains(", 2 left out\n"),
        "{text}"
    );
    assert!(!text.contains("MEDUSA_REQUIRE_ALL"), "{text}");
    let required = [
        (vec![("MEDUSA_REQUIRE_ALL", "1")], vec![]),
        (vec![], vec!["--require-all"]),
    ];
    for (vars, args) in required {
        let (code, text) = with(&vars, &args);
        assert_eq!(code, Some(1), "{vars:?} {args:?}: {text}");
        assert!(
            text.contains(listed)
                && text.contains("error: 2 scenario(s) were left out, and MEDUSA_REQUIRE_ALL")
                && text.contains(", 2 left out but required\n"),
            "{vars:?} {args:?}: {text}"
        );
    }
    let (code, text) = with(&[("MEDUSA_REQUIRE_ALL", "0")], &[]);
    assert_eq!(code, Some(0), "{text}");
}
