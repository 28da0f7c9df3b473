//! Small pieces several test binaries share (each `tests/*.rs` is its own
//! crate, so they live here and are declared with `mod support;`).

#![allow(dead_code)]

use std::io::Read as _;
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

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
