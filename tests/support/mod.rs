//! Small pieces several test binaries share (each `tests/*.rs` is its own
//! crate, so they live here and are declared with `mod support;`).

#![allow(dead_code)]

use std::io::Read as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use medusa_conformance::target::reference::{ReferenceConfig, ReferenceServer};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_medusa-conformance");

/// `cmd` without any `MEDUSA_*` variable of the test's own environment, so
/// that a developer's settings never reach a case: it gets only what the
/// test gives it.
pub fn without_medusa_env(cmd: &mut Command) -> &mut Command {
    for (k, _) in std::env::vars() {
        if k.starts_with("MEDUSA_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// The binary as the tests run it: from the package root, with neither a
/// `MEDUSA_*` variable nor `NO_COLOR` of the test's own environment.
/// (`NO_COLOR` only counts when stdout is a terminal, as in
/// `tests/console.rs`; a test that pipes stdout sees no difference.)
pub fn binary() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    without_medusa_env(&mut cmd).env_remove("NO_COLOR");
    cmd
}

/// A new empty folder `medusa-conformance-BINARY-NAME-PID` in the temp
/// directory: each test binary passes its own `binary` and each test its
/// own `name`, so tests running at once never share one. Removed when the
/// returned guard drops, unless the test is failing.
pub fn scratch(binary: &str, name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "medusa-conformance-{binary}-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    Scratch(dir)
}

/// A test's scratch folder: removed when the test ends, kept when it
/// fails (its reports are the evidence). Each test process makes its own,
/// so a stress run of thousands of processes must not leave them behind.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The embedded reference backend seeded with `rc`, and the runtime that
/// serves it: keep both for as long as the test talks to it.
pub fn reference(rc: &ReferenceConfig) -> (tokio::runtime::Runtime, ReferenceServer) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt
        .block_on(ReferenceServer::start(rc.clone()))
        .expect("reference backend");
    (rt, server)
}

/// A finished run's stdout followed by its stderr.
pub fn console(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Reads one whole HTTP request (head and Content-Length body).
pub fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(buf);
            }
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Without an engine (`DOCKER_HOST` unset and no `/var/run/docker.sock`)
/// an `--include-ignored` run says so and skips: a bare machine has no
/// Docker, and `.ci/run` starts one. With `DOCKER_HOST` set, a missing
/// engine is a failure, not a skip.
pub fn no_engine() -> bool {
    let none =
        std::env::var_os("DOCKER_HOST").is_none() && !Path::new("/var/run/docker.sock").exists();
    if none {
        eprintln!("skipped: no Docker engine (DOCKER_HOST is unset); .ci/run starts one");
    }
    none
}
