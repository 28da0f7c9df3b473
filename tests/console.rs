//! What a person sees: a green run prints one line per scenario and the
//! summary; a failure prints its report; `MEDUSA_VERBOSE=1` adds the
//! steps and `2` a failed scenario's state. On a real terminal (a
//! pseudo-terminal opened here with openpty(3), no tool needed) a progress
//! bar with counts shows and the statuses are coloured; `NO_COLOR` takes
//! the colours away; a pipe gets plain lines and no escape code at all.

mod support;

use std::fs::File;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const SCENARIOS: usize = 76;

/// The binary with only `vars` of the MEDUSA_* (and colour) environment.
fn command(vars: &[(&str, &str)]) -> Command {
    let mut cmd = support::binary();
    cmd.env_remove("TERM");
    // The reference speaks v1: its @v2 scenarios would be left out, with
    // a notice these tests of the plain output do not expect.
    cmd.env("MEDUSA_TAGS", "not @v2");
    cmd.envs(vars.iter().copied());
    cmd
}

fn piped(vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let out: Output = command(vars).output().expect("the binary runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), text)
}

/// Runs the binary with its stdout on a new pseudo-terminal (80x24);
/// returns the exit code and everything the terminal received.
fn on_a_terminal(vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty(3) writes two descriptors we then own.
    let made = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(made, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nothing else.
    let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut child = command(vars)
        .env("TERM", "xterm-256color")
        .stdout(Stdio::from(slave))
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    // The child holds the only slave descriptor now: when it exits, the
    // master reads EOF (EIO on Linux).
    let reader = thread::spawn(move || {
        let mut master = master;
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = master.read(&mut chunk) {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the run did not end on a terminal");
        }
        thread::sleep(Duration::from_millis(20));
    };
    (code, reader.join().expect("the reader ends"))
}

#[test]
fn a_green_run_prints_one_line_per_scenario_and_the_summary() {
    let (code, out) = piped(&[]);
    assert_eq!(code, Some(0), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let passed = lines.iter().filter(|l| l.starts_with("PASS  ")).count();
    assert_eq!(passed, SCENARIOS, "{out}");
    // The header, the dialect chosen, the time and the verdict besides (and the advisories,
    // one line each plus their count: warn is the default).
    let advisories = lines
        .iter()
        .filter(|l| l.starts_with("advisory [") || l.starts_with("advisories: "))
        .count();
    assert!(advisories > 0, "{out}");
    assert!(
        lines.len() <= SCENARIOS + 4 + advisories,
        "{} lines:\n{out}",
        lines.len()
    );
    assert_eq!(
        lines.last(),
        Some(&"conformance: 76 passed, 0 failed, 0 skipped")
    );
    assert!(!out.contains('\u{1b}'), "no escape code in a pipe: {out:?}");
    for l in lines.iter().filter(|l| l.starts_with("PASS  ")) {
        assert!(
            l.contains("(features/") && l.ends_with(" ms)") || l.ends_with(" s)"),
            "{l}"
        );
    }
}

#[test]
fn verbosity_adds_the_steps_then_the_state() {
    let (code, out) = piped(&[("MEDUSA_VERBOSE", "1")]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("\n      ✔ When I log in with the admin's e-mail and password  (line 13, "),
        "{out}"
    );
    assert!(!out.contains("state: "), "{out}");

    let (code, out) = piped(&[
        ("MEDUSA_VERBOSE", "2"),
        ("MEDUSA_REFERENCE_FAULTS", "whoami-other-user"),
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("\n      state: AuthWorld {\n"), "{out}");
    assert!(
        out.contains("      ✘ And the response user is the user who logged in"),
        "{out}"
    );
}

#[test]
fn a_failure_prints_its_step_and_its_report_once() {
    let (code, out) = piped(&[("MEDUSA_REFERENCE_FAULTS", "logout-keeps-session")]);
    assert_eq!(code, Some(1), "{out}");
    let fail = out
        .lines()
        .position(|l| {
            l.starts_with("FAIL  Logging out ends the cookie session  (features/logout.feature:9, ")
        })
        .unwrap_or_else(|| panic!("no FAIL line:\n{out}"));
    let next: Vec<&str> = out.lines().skip(fail + 1).take(2).collect();
    assert!(
        next[0].starts_with("      failed step: Then the response status is 401 (line "),
        "{out}"
    );
    assert_eq!(
        next[1], "      check failed: status GET /admin/auth",
        "{out}"
    );
    let failed = out.lines().filter(|l| l.starts_with("FAIL  ")).count();
    assert_eq!(
        out.matches("check failed: ").count(),
        failed,
        "one report each: {out}"
    );
    assert!(
        out.ends_with(&format!(
            "conformance: {} passed, {failed} failed, 0 skipped\n",
            SCENARIOS - failed
        )),
        "{out}"
    );
}

#[test]
fn a_terminal_gets_a_progress_bar_and_colours() {
    let (code, out) = on_a_terminal(&[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!("/{SCENARIOS} scenarios: ")),
        "no progress bar: {out:?}"
    );
    assert!(
        out.contains("\u{1b}[32mPASS\u{1b}[0m"),
        "no colours: {out:?}"
    );
    assert!(
        out.contains("conformance: 76 passed, 0 failed, 0 skipped"),
        "{out:?}"
    );
}

#[test]
fn no_color_keeps_the_bar_and_drops_the_colours() {
    let (code, out) = on_a_terminal(&[("NO_COLOR", "1")]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!("/{SCENARIOS} scenarios: ")),
        "no progress bar: {out:?}"
    );
    assert!(
        !out.contains("\u{1b}[32m") && !out.contains("\u{1b}[1;31m"),
        "{out:?}"
    );
    assert!(out.contains("PASS  "), "{out:?}");
    let (_, forced) = on_a_terminal(&[("NO_COLOR", "1"), ("MEDUSA_COLOR", "always")]);
    assert!(
        forced.contains("\u{1b}[32mPASS"),
        "--color always wins: {forced:?}"
    );
}

#[test]
fn colours_can_be_forced_into_a_pipe() {
    let (_, out) = piped(&[("MEDUSA_COLOR", "always")]);
    assert!(out.contains("\u{1b}[32mPASS\u{1b}[0m"), "{out:?}");
    assert!(!out.contains("scenarios: "), "no bar in a pipe: {out:?}");
}
