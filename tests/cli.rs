//! The command line's own contract, run as users and test runners run it:
//! flags and variables (a flag wins), secrets never on argv, every
//! scenario required (`MEDUSA_REQUIRE_ALL=1`, `--require-all`), `--help`
//! and `--version`, `--list` (nothing sent), selection by tag expression,
//! name and test-runner filter, `--fail-fast`, and the protocol `cargo
//! nextest run` speaks to a test binary (list with `--list --format terse`
//! and `--ignored`, then each test as `<name> --exact --nocapture` in its
//! own process). The binary and `cargo test --test conformance` share one
//! parser; what differs (a filter that selects nothing) is tested
//! in-process through `cli::test_harness_main`.

mod support;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use medusa_conformance::cli::test_harness_main;
use medusa_conformance::exit;
use support::console;

/// Runs the binary with only `vars` of the MEDUSA_* environment set (and
/// no `DOCKER_HOST`).
fn run(vars: &[(&str, &str)], args: &[&str]) -> Output {
    support::binary()
        .env_remove("DOCKER_HOST")
        .envs(vars.iter().copied())
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The `name: test` lines of a terse listing.
/// The scenarios a v1 backend runs: the @v2 ones are left out there.
const NOT_V2: [(&str, &str); 1] = [("MEDUSA_TAGS", "not @v2")];

fn listed(vars: &[(&str, &str)], args: &[&str]) -> Vec<String> {
    let mut all = vec!["--list", "--format", "terse"];
    all.extend_from_slice(args);
    let out = run(vars, &all);
    assert_eq!(out.status.code(), Some(0), "{}", console(&out));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    stdout
        .lines()
        .map(|l| {
            l.strip_suffix(": test")
                .unwrap_or_else(|| panic!("not a test line: {l:?}"))
                .to_owned()
        })
        .collect()
}

/// The numbers of the closing line `conformance: N passed, N failed, N skipped`.
fn verdict(output: &str) -> (usize, usize, usize) {
    let line = output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("conformance: "))
        .unwrap_or_else(|| panic!("no closing line in:\n{output}"));
    let n: Vec<usize> = line
        .split(", ")
        .take(3)
        .map(|p| p.split(' ').next().unwrap().parse().unwrap())
        .collect();
    (n[0], n[1], n[2])
}

/// A loopback listener that counts connections (and answers none).
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    thread::spawn(move || {
        for c in listener.incoming() {
            if c.is_ok() {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, count)
}

// ---- configuration -------------------------------------------------------

#[test]
fn a_bad_container_timeout_is_a_configuration_error() {
    for (vars, args, named) in [
        (
            vec![("MEDUSA_CONTAINER_TIMEOUT_SECS", "ten")],
            vec![],
            "MEDUSA_CONTAINER_TIMEOUT_SECS",
        ),
        (
            vec![],
            vec!["--container-timeout", "3601"],
            "--container-timeout",
        ),
        (
            vec![("MEDUSA_CONTAINER_TIMEOUT_SECS", "0")],
            vec![],
            "MEDUSA_CONTAINER_TIMEOUT_SECS",
        ),
    ] {
        let mut vars = vars;
        vars.push(("MEDUSA_TARGET", "container"));
        // Nothing listens here: reaching the engine would be a bug.
        vars.push(("DOCKER_HOST", "unix:///nonexistent/docker.sock"));
        let out = run(&vars, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{named}: {err}");
        assert!(
            err.contains(&format!("configuration error: {named}")) && err.contains("fix:"),
            "{named}: {err}"
        );
        assert!(!err.contains("Docker"), "the engine was not asked: {err}");
    }
}

#[test]
fn help_is_grouped_and_lists_every_exit_code() {
    let out = run(
        &[("MEDUSA_BASE_URL", "http://sekrit.example:1")],
        &["--help"],
    );
    let help = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    for heading in [
        "Target:",
        "Selection:",
        "Test runner (cargo test, cargo nextest):",
        "Output:",
        "Reference backend (no --base-url):",
    ] {
        assert!(help.contains(heading), "{heading}:\n{help}");
    }
    for (code, meaning) in exit::TABLE {
        assert!(
            help.contains(&format!("  {code:<4} {meaning}")),
            "{code}:\n{help}"
        );
    }
    for var in [
        "[env: MEDUSA_BASE_URL]",
        "[env: MEDUSA_TAGS]",
        "[env: MEDUSA_HTML]",
        "MEDUSA_ADMIN_PASSWORD",
    ] {
        assert!(help.contains(var), "{var}:\n{help}");
    }
    assert!(!help.contains("sekrit"), "a variable's value in --help");
    let short = run(&[], &["-h"]);
    assert!(String::from_utf8_lossy(&short.stdout).contains("--base-url <URL>"));
    let version = run(&[], &["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("medusa-conformance {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_unknown_argument_exits_2() {
    let out = run(&[], &["--frobnicate"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("configuration error: unexpected argument '--frobnicate'")
            && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn secrets_are_never_taken_from_argv() {
    let out = run(&[], &["--base-url", "http://h:1", "--password", "hunter22"]);
    let all = console(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("--password-file") && !all.contains("hunter22"),
        "{all}"
    );
}

#[test]
fn a_password_file_serves_a_url_target() {
    let dir = std::env::temp_dir().join(format!("mc-cli-pw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pw = dir.join("password");
    std::fs::write(&pw, "from-a-file\n").unwrap();
    let (port, connections) = counting_listener();
    let url = format!("http://127.0.0.1:{port}");
    // Without a password the configuration is incomplete...
    let out = run(
        &[("MEDUSA_TIMEOUT_MS", "300")],
        &["--base-url", &url, "--email", "a@b.co"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", console(&out));
    assert!(console(&out).contains("MEDUSA_ADMIN_PASSWORD is not (nor --password-file)"));
    // ...with the file it is complete, and the run reaches the backend
    // (which never answers: exit 3 after the timeout).
    let out = run(
        &[("MEDUSA_TIMEOUT_MS", "300"), ("MEDUSA_MAX_RETRIES", "0")],
        &[
            "--base-url",
            &url,
            "--email",
            "a@b.co",
            "--password-file",
            pw.to_str().unwrap(),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(3), "{}", console(&out));
    assert!(connections.load(Ordering::SeqCst) >= 1);
    assert!(!console(&out).contains("from-a-file"));
}

// ---- listing and selection -------------------------------------------------

#[test]
fn list_prints_every_scenario_and_sends_nothing() {
    let (port, connections) = counting_listener();
    let url = format!("http://127.0.0.1:{port}");
    // A URL target without credentials: a listing needs none.
    let out = run(&[], &["--base-url", &url, "--list"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", console(&out));
    let lines: Vec<&str> = stdout.lines().collect();
    let tests: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(": test  "))
        .collect();
    assert!(tests.len() >= 30, "{stdout}");
    assert_eq!(
        lines.last().copied(),
        Some(format!("{} tests, 0 benchmarks", tests.len()).as_str())
    );
    assert!(
        stdout.contains(
            "login::the_admin_logs_in_with_good_credentials: test  features/login.feature:12  @login\n"
        ),
        "{stdout}"
    );
    // Without an API token the @api-token scenarios are the ignored tests.
    assert!(
        tests
            .iter()
            .filter(|l| l.contains("@api-token"))
            .all(|l| l.ends_with("(ignored: left out, MEDUSA_API_TOKEN is not set)")),
        "{stdout}"
    );
    thread::sleep(Duration::from_millis(100));
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "a listing sent a request"
    );
}

#[test]
fn test_names_are_unique_and_stable() {
    let names = listed(&[], &[]);
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert!(
        names.iter().all(|n| n.split("::").count() == 2
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':')),
        "{names:?}"
    );
    assert_eq!(names, listed(&[], &[]), "the same names in the same order");
}

#[test]
fn tag_expressions_names_and_filters_select() {
    let all = listed(&[], &[]);
    let login_no_token = listed(&[], &["--tags", "@login and not @api-token"]);
    assert!(!login_no_token.is_empty());
    assert!(login_no_token.iter().all(|n| n.starts_with("login::")));
    let malformed = listed(&[], &["--name", "malformed login request"]);
    assert!(malformed.len() > 1 && malformed.iter().all(|n| n.contains("malformed")));
    let filtered = listed(&[], &["logout::"]);
    assert_eq!(
        filtered,
        all.iter()
            .filter(|n| n.contains("logout::"))
            .cloned()
            .collect::<Vec<_>>()
    );
    let exact = listed(&[], &[&all[0], "--exact"]);
    assert_eq!(exact, [all[0].clone()]);
    let skipped = listed(&[], &["--skip", "login::"]);
    assert_eq!(skipped.len(), all.len() - listed(&[], &["login::"]).len());
    // A flag wins over its variable.
    let flagged = listed(&[("MEDUSA_TAGS", "@logout")], &["--tags", "@whoami"]);
    assert!(
        flagged.iter().all(|n| n.starts_with("whoami::")),
        "{flagged:?}"
    );
    // A bad expression is a configuration error.
    let out = run(&[], &["--list", "--tags", "@login and"]);
    assert_eq!(out.status.code(), Some(2), "{}", console(&out));
}

#[test]
fn a_tag_expression_run_runs_what_the_list_shows() {
    let expr = "@login and not @api-token and not @v2";
    let expected = listed(&[], &["--tags", expr]).len();
    let out = run(&[], &["--tags", expr, "-v"]);
    let all = console(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert_eq!(verdict(&all), (expected, 0, 0), "{all}");
}

#[test]
fn fail_fast_stops_after_the_first_failure() {
    // This fault fails every scenario that reads a JSON body.
    let vars = [("MEDUSA_REFERENCE_FAULTS", "json-as-text-plain")];
    let out = run(&vars, &["--concurrency", "1"]);
    let (_, failed_all, _) = verdict(&console(&out));
    let out = run(&vars, &["--concurrency", "1", "--fail-fast"]);
    let all = console(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let (passed, failed, _) = verdict(&all);
    assert_eq!(failed, 1, "{all}");
    assert!(
        failed_all > 1 && passed + failed < listed(&[], &[]).len(),
        "{all}"
    );
}

/// The output flags drive the reports and the console: --html writes the
/// HTML report, --color always colours a pipe, -v adds the steps.
#[test]
fn output_flags_drive_the_reports_and_the_console() {
    let dir = std::env::temp_dir().join(format!("mc-cli-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let html = dir.join("report.html");
    let out = run(
        &[("MEDUSA_COLOR", "never"), ("MEDUSA_VERBOSE", "0")],
        &[
            "--tags",
            "@logout and not @api-token",
            "--html",
            html.to_str().unwrap(),
            "--color",
            "always",
            "-v",
        ],
    );
    let report = std::fs::read_to_string(&html);
    let _ = std::fs::remove_dir_all(&dir);
    let all = console(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let report = report.unwrap_or_else(|e| panic!("no HTML report ({e}): {all}"));
    assert!(
        report.contains("<html") && report.contains("logout.feature"),
        "{report}"
    );
    assert!(
        all.contains("\u{1b}[32mPASS\u{1b}[0m"),
        "--color wins: {all:?}"
    );
    assert!(
        all.contains("\n      \u{1b}[32m✔\u{1b}[0m When I log out"),
        "-v shows the steps: {all:?}"
    );
    assert!(all.contains("report: HTML written to"), "{all}");
}

// ---- the test runner's protocol --------------------------------------------

/// What `cargo nextest run` does with a test binary: list the tests and
/// the ignored ones, then run each test in a process of its own.
#[test]
fn nextest_lists_and_runs_each_scenario_in_its_own_process() {
    // The reference speaks v1: its @v2 scenarios are left out (ignored).
    let names = listed(&NOT_V2, &[]);
    assert!(
        listed(&NOT_V2, &["--ignored"]).is_empty(),
        "nothing is ignored with a token"
    );
    // Each run without the advisory probes: they come after the one
    // scenario, never change its verdict or the exit code (warn), and were
    // half of each process's time (a_failing_scenario_... runs them).
    let no_probes = [NOT_V2[0], ("MEDUSA_ADVISORIES", "off")];
    let no_probes = &no_probes;
    let failures: Vec<String> = thread::scope(|scope| {
        let chunks: Vec<_> = names.chunks(names.len().div_ceil(3)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut bad = Vec::new();
                    for name in chunk {
                        let out = run(no_probes, &[name.as_str(), "--exact", "--nocapture"]);
                        let all = console(&out);
                        if out.status.code() != Some(0) || verdict(&all) != (1, 0, 0) {
                            bad.push(format!("{name}: {:?}\n{all}", out.status.code()));
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_failing_scenario_is_a_failing_test_with_its_report() {
    let name = "whoami::the_session_cookie_identifies_the_logged_in_user";
    assert!(
        listed(&[], &[]).contains(&name.to_owned()),
        "{name} is a test"
    );
    let out = run(
        &[("MEDUSA_REFERENCE_FAULTS", "whoami-other-user")],
        &[name, "--exact", "--nocapture"],
    );
    let all = console(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("check failed: same user"), "{all}");
    assert!(
        all.contains(&format!("--exact`):\n    {name}\n")),
        "the failed test is named: {all}"
    );
    assert_eq!(verdict(&all), (0, 1, 0), "{all}");
}

#[test]
fn ignored_tests_are_the_left_out_scenarios() {
    let url = [
        ("MEDUSA_BASE_URL", "http://127.0.0.1:9"),
        ("MEDUSA_ADMIN_EMAIL", "a@b.co"),
        ("MEDUSA_ADMIN_PASSWORD", "p"),
    ];
    let ignored = listed(&url, &["--ignored"]);
    let tagged = listed(
        &[],
        &["--tags", "@api-token or @jwt-secret or @admin-origin"],
    );
    assert!(!ignored.is_empty());
    assert_eq!(ignored, tagged);
    let token = [&url[..], &[("MEDUSA_API_TOKEN", "t")]].concat();
    let without_token_ones = listed(&token, &["--ignored"]);
    assert!(without_token_ones.len() < ignored.len());
    let all = [
        &token[..],
        &[
            ("MEDUSA_JWT_SECRET", "s"),
            ("MEDUSA_ADMIN_ORIGIN", "http://localhost:7000"),
        ],
    ]
    .concat();
    assert!(listed(&all, &["--ignored"]).is_empty());
    // The targets a run starts itself know what they seeded: none left out
    // but the other dialect's (they speak v1).
    assert!(listed(&NOT_V2, &["--ignored"]).is_empty());
    let v2_only = listed(&[("MEDUSA_TAGS", "@v2")], &[]);
    assert!(!v2_only.is_empty());
    assert_eq!(listed(&[], &["--ignored"]), v2_only);
    let container = [("MEDUSA_TARGET", "container"), NOT_V2[0]];
    assert!(listed(&container, &["--ignored"]).is_empty());
    assert_eq!(listed(&container, &[]), listed(&NOT_V2, &[]));
}

#[test]
fn a_filter_that_selects_nothing() {
    // `cargo test redact` hands its filter to every test binary: the
    // conformance target runs zero tests, green, and starts nothing...
    let code = test_harness_main(&["redact".to_owned()]);
    assert_eq!(code, exit::OK);
    let code = test_harness_main(&["--ignored".to_owned(), "--nocapture".to_owned()]);
    assert_eq!(code, exit::OK);
    // ...while the binary, a release gate, is red when nothing ran.
    let out = run(&[], &["redact"]);
    let all = console(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("no scenario ran"), "{all}");
}

#[test]
fn libtest_flags_are_accepted_by_a_run() {
    let out = run(
        &NOT_V2,
        &[
            "logout::",
            "--test-threads",
            "1",
            "--include-ignored",
            "--nocapture",
            "--color",
            "never",
        ],
    );
    let all = console(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert_eq!(
        verdict(&all).0,
        listed(&NOT_V2, &["logout::"]).len(),
        "{all}"
    );
}

#[test]
fn a_listing_with_a_feature_that_does_not_parse_is_red() {
    let dir = std::env::temp_dir().join(format!("mc-cli-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/features/logout.feature"),
        dir.join("logout.feature"),
    )
    .unwrap();
    std::fs::write(
        dir.join("broken.feature"),
        "Feature: broken\n  Examples without outline\n",
    )
    .unwrap();
    let out = run(&[], &["--list", "--features", dir.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    let all = console(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("logout::") && all.contains("error: a feature file does not parse"),
        "{all}"
    );
}

#[test]
fn require_all_turns_left_out_scenarios_red_by_variable_or_flag() {
    use medusa_conformance::target::reference::ReferenceConfig;
    let cfg = ReferenceConfig::random();
    let (_rt, server) = support::reference(&cfg);
    let url = server.base_url().to_string();
    // No API token: whoami's two @api-token scenarios are left out.
    let base = [
        ("MEDUSA_BASE_URL", url.as_str()),
        ("MEDUSA_ADMIN_EMAIL", cfg.admin_email.as_str()),
        ("MEDUSA_ADMIN_PASSWORD", cfg.admin_password.expose()),
        ("MEDUSA_TAGS", "@whoami and not @v2"),
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

#[test]
fn require_all_makes_a_test_runner_pick_of_left_out_scenarios_red() {
    // In-process (the test runner's path): the process environment is
    // read, so a developer's optional credentials would serve the
    // scenarios this case needs left out.
    let set: Vec<&str> = [
        "MEDUSA_API_TOKEN",
        "MEDUSA_JWT_SECRET",
        "MEDUSA_ADMIN_ORIGIN",
        "MEDUSA_REQUIRE_ALL",
    ]
    .into_iter()
    .filter(|v| std::env::var(v).is_ok_and(|x| !x.trim().is_empty()))
    .collect();
    if !set.is_empty() {
        eprintln!("skipped: {set:?} set in this environment");
        return;
    }
    let dir = std::env::temp_dir().join(format!("mc-cli-req-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pw = dir.join("password");
    std::fs::write(&pw, "unused-password\n").unwrap();
    // A URL target without the optional credentials; `--ignored` picks
    // only the scenarios it leaves out, so nothing is sent.
    let args = |extra: &[&str]| -> Vec<String> {
        [
            "--base-url",
            "http://127.0.0.1:9",
            "--email",
            "a@b.co",
            "--password-file",
            pw.to_str().unwrap(),
            "--ignored",
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
    };
    let plain = test_harness_main(&args(&[]));
    let required = test_harness_main(&args(&["--require-all"]));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(plain, exit::OK);
    assert_eq!(required, exit::CONTRACT);
}
