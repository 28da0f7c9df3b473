//! A `medusa-conformance serve` child process for the tests: started from
//! the built binary with only the environment a test gives it, its stdout
//! and stderr collected line by line, stopped by a signal. Declared beside
//! `mod support;`, whose `binary()` it starts.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bound on anything a loaded 2-core machine does in well under a second.
pub const LIMIT: Duration = Duration::from_secs(60);

/// A running `serve`.
pub struct Serve {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    /// Where it listens, as its first line says (`http://127.0.0.1:PORT`).
    pub url: String,
    /// Its socket address.
    pub addr: SocketAddr,
}

fn pump(stream: impl std::io::Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            into.lock().unwrap().push(line);
        }
    });
}

impl Serve {
    /// Starts `serve ARGS` with the variables `envs` (no other `MEDUSA_*`)
    /// and waits for the line saying where it listens.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Serve {
        let mut cmd = crate::support::binary();
        cmd.arg("serve")
            .args(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the binary starts");
        let (stdout, stderr) = (Arc::default(), Arc::default());
        pump(child.stdout.take().unwrap(), Arc::clone(&stdout));
        pump(child.stderr.take().unwrap(), Arc::clone(&stderr));
        let mut serve = Serve {
            child,
            stdout,
            stderr,
            url: String::new(),
            addr: "0.0.0.0:0".parse().unwrap(),
        };
        let first = serve.wait_for(" on http://");
        let url = first.rsplit(" on ").next().unwrap().trim().to_owned();
        serve.addr = url
            .trim_start_matches("http://")
            .parse()
            .expect("host:port");
        serve.url = url;
        serve
    }

    /// The first stdout line containing `needle`, waited for (panics with
    /// everything printed if it does not come, or the process ends).
    pub fn wait_for(&mut self, needle: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(l) = self
                .stdout
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return l.clone();
            }
            if started.elapsed() > LIMIT || self.child.try_wait().unwrap().is_some() {
                panic!("no line with {needle:?}:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything printed so far: stdout, then stderr.
    pub fn output(&self) -> String {
        let out = self.stdout.lock().unwrap().join("\n");
        let err = self.stderr.lock().unwrap().join("\n");
        format!("--- stdout\n{out}\n--- stderr\n{err}\n")
    }

    /// The stdout lines so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// Sends `signal` and waits for the exit (bounded).
    pub fn stop(mut self, signal: i32) -> (ExitStatus, String, SocketAddr) {
        let pid = self.child.id() as i32;
        // SAFETY: kill(2) on our own child's pid, which it has not reaped.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
        let started = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > LIMIT {
                let _ = self.child.kill();
                panic!("serve did not stop on signal {signal}:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the pumps read what was left in the pipes.
        std::thread::sleep(Duration::from_millis(100));
        (status, self.output(), self.addr)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // A failed test leaves nothing running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection (closed after it): status
/// and body. `headers` are extra lines, such as `Cookie: a=b`.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect_timeout(&addr, LIMIT).expect("connect");
    s.set_read_timeout(Some(LIMIT)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, head.to_owned(), body.to_owned())
}

/// Whether anything accepts connections at `addr`.
pub fn listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
}

/// Sets the faults through the fault switch; panics unless it says 200.
pub fn set_faults(addr: SocketAddr, names: &[&str]) {
    let body = serde_json::json!({ "faults": names }).to_string();
    let (status, _, answer) = http(
        addr,
        "PUT",
        "/__conformance/faults",
        &["Content-Type: application/json"],
        &body,
    );
    assert_eq!(status, 200, "{answer}");
}

/// The generated secrets the banner shows once: (password, API token).
pub fn generated_secrets(serve: &mut Serve) -> (String, String) {
    let line = serve.wait_for("generated (shown this once, never logged): ");
    let rest = line.split("never logged): ").nth(1).unwrap();
    let password = rest
        .split("password ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .expect("a password")
        .trim()
        .to_owned();
    let token = rest
        .split("API token ")
        .nth(1)
        .expect("an API token")
        .trim()
        .to_owned();
    (password, token)
}
