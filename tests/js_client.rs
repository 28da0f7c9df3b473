//! Medusa's own JS client (`@medusajs/medusa-js` 6.1.10, pinned by
//! `clients/js-v1/package-lock.json`) against `medusa-conformance serve`:
//! `clients/js-v1/check.js` drives `admin.auth` (createSession,
//! getSession, getToken, deleteSession) and compares what the client
//! returns with what a real Medusa 1.20.11 gives; then, with each fault
//! the script exercises switched on through serve's fault switch, it must
//! see that fault where a client of a broken Medusa would.
//!
//! Needs Node.js and npm (`npm ci` fetches the pinned tree from the npm
//! registry, once per lock file: the install is kept in `target/tmp`): where either is missing the tests say so and pass; `.ci/run`
//! installs them. The ignored test runs the same script against a real
//! Medusa 1.20.11 in containers (a Docker engine with the images of
//! `scripts/build-images.sh`; `.ci/run` runs it with `--include-ignored`).

mod serve_support;
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use sha2::{Digest as _, Sha256};

use serve_support::{Serve, generated_secrets, http, listening, set_faults};
use support::{BIN, console};

fn client_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/js-v1")
}

/// Whether node and npm run; if not, says the test is skipped.
fn node_missing() -> bool {
    let runs = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing = !(runs("node") && runs("npm"));
    if missing {
        eprintln!("skipped: node or npm is not installed (.ci/run installs them)");
    }
    missing
}

/// Where the script runs: a directory under `target/tmp` holding the
/// pinned tree (`npm ci` there once per lock file and .npmrc, kept between
/// runs, as a CI cache keyed by the lock file would) and a fresh copy of
/// `check.js`. Installed once per test process (the tests of this file
/// share it); another process installing at once loses nothing (each
/// installs aside, the first rename wins).
fn installed() -> PathBuf {
    static DIR: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut dir = DIR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(d) = &*dir {
        return d.clone();
    }
    let read = |name: &str| std::fs::read(client_dir().join(name)).expect("clients/js-v1 is read");
    // npm's settings (.npmrc: legacy peer dependencies) shape the tree too.
    let inputs = [".npmrc", "package.json", "package-lock.json"].map(|n| (n, read(n)));
    let key = inputs
        .iter()
        .fold(Sha256::new(), |h, (_, bytes)| h.chain_update(bytes))
        .finalize();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let cache = tmp.join(format!("js-v1-{}", hex(&key[..8])));
    if !cache.join("node_modules").is_dir() {
        let aside = tmp.join(format!("js-v1-installing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&aside);
        std::fs::create_dir_all(&aside).unwrap();
        for (name, bytes) in &inputs {
            std::fs::write(aside.join(name), bytes).unwrap();
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&aside)
            .output()
            .expect("npm runs");
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&aside);
            panic!("npm ci failed:\n{}", console(&out));
        }
        if std::fs::rename(&aside, &cache).is_err() {
            // Another process's install is in place: the same tree.
            let _ = std::fs::remove_dir_all(&aside);
        }
    }
    // The script as it is now (it is not part of the key): written aside,
    // then renamed over the old copy, so a concurrent reader sees a whole one.
    let aside = cache.join(format!("check.js.{}", std::process::id()));
    std::fs::write(&aside, read("check.js")).unwrap();
    std::fs::rename(&aside, cache.join("check.js")).unwrap();
    *dir = Some(cache.clone());
    cache
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The script exited with `code` and said `says`.
fn expect(out: &Output, code: i32, says: &str) {
    let all = console(out);
    assert_eq!(out.status.code(), Some(code), "{all}");
    assert!(all.contains(says), "{all}");
}

/// Who the script logs in as, and where.
struct Target {
    base_url: String,
    email: String,
    password: String,
    api_token: String,
    admin_origin: String,
}

/// `node check.js ARGS` against `t`.
fn check(t: &Target, args: &[&str]) -> Output {
    let mut cmd = Command::new("node");
    cmd.arg("check.js").args(args).current_dir(installed());
    support::without_medusa_env(&mut cmd)
        .env("MEDUSA_BASE_URL", &t.base_url)
        .env("MEDUSA_ADMIN_EMAIL", &t.email)
        .env("MEDUSA_ADMIN_PASSWORD", &t.password)
        .env("MEDUSA_API_TOKEN", &t.api_token)
        .env("MEDUSA_ADMIN_ORIGIN", &t.admin_origin)
        .output()
        .expect("node runs")
}

/// The faults the script exercises, and the ones it says it cannot.
fn script_faults(t: &Target) -> (Vec<String>, Vec<String>) {
    let out = check(t, &["--list-faults"]);
    assert!(out.status.success(), "{}", console(&out));
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(name) = line.strip_prefix("exercised ") {
            on.push(name.to_owned());
        } else if let Some(rest) = line.strip_prefix("not-exercised ") {
            off.push(rest.split(':').next().unwrap().to_owned());
        }
    }
    (on, off)
}

/// Every fault of serve's catalog (`--list-faults`).
fn catalog() -> BTreeSet<String> {
    let out = Command::new(BIN).arg("--list-faults").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        // The v2 dialect's own faults: Medusa v1's JS client never sees them.
        .filter(|name| !name.starts_with("v2-"))
        .collect()
}

/// The observation lines of a contract run (`  key: value`).
fn observations(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(str::to_owned)
        .collect()
}

fn serve_target(serve: &mut Serve, email: &str) -> Target {
    let (password, api_token) = generated_secrets(serve);
    Target {
        base_url: serve.url.clone(),
        email: email.to_owned(),
        password,
        api_token,
        admin_origin: "http://localhost:7000".to_owned(),
    }
}

#[test]
fn the_js_client_sees_the_contract_and_every_fault_through_serve() {
    if node_missing() {
        return;
    }
    installed();
    let mut serve = Serve::start(&["--port", "0"], &[]);
    let t = serve_target(&mut serve, "admin@reference.medusa.test");
    let out = check(&t, &[]);
    assert!(out.status.success(), "contract run:\n{}", console(&out));
    assert!(console(&out).contains("the client saw what a real Medusa 1.20.11 gives"));

    let (exercised, not_exercised) = script_faults(&t);
    let named: BTreeSet<String> = exercised.iter().chain(&not_exercised).cloned().collect();
    assert_eq!(
        named,
        catalog(),
        "check.js must name every fault, exercised or not (with why)"
    );
    assert!(exercised.len() >= 55, "{exercised:?}");
    // One node process switches each fault on in turn (serve's fault
    // switch) and must see every one; it switches them off at the end.
    set_faults(serve.addr, &["forbidden-403"]);
    let out = check(&t, &["--each-fault", &exercised.join(",")]);
    let all = console(&out);
    assert!(out.status.success(), "{all}");
    for fault in &exercised {
        assert!(
            all.contains(&format!("fault {fault} seen by the client at ")),
            "{fault}:\n{all}"
        );
    }
    let again = check(&t, &[]);
    assert!(
        again.status.success(),
        "faults off again:\n{}",
        console(&again)
    );

    let (code, output, addr) = serve.stop(libc::SIGTERM);
    assert_eq!(code.code(), Some(0), "{output}");
    assert!(!listening(addr));
    // The generated secrets are printed once (the banner) and never again,
    // whatever the client sent; no JWT or session cookie is printed.
    for secret in [&t.password, &t.api_token] {
        assert_eq!(output.matches(secret.as_str()).count(), 1, "{output}");
    }
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.").unwrap();
    assert!(
        !jwt.is_match(&output) && !output.contains("connect.sid=s"),
        "{output}"
    );
}

#[test]
fn the_script_goes_red_on_a_backend_that_is_not_the_contract() {
    if node_missing() {
        return;
    }
    installed();
    let mut serve = Serve::start(&["--port", "0", "--faults", "forbidden-403"], &[]);
    let t = serve_target(&mut serve, "admin@reference.medusa.test");
    expect(&check(&t, &[]), 1, "differs login.wrongPassword");
    // A fault that is off is not seen.
    expect(
        &check(&t, &["--fault", "created-201"]),
        1,
        "fault created-201 NOT seen",
    );
    // A list: each fault is switched on in turn and judged on its own; a
    // name the script does not exercise is refused before anything runs.
    expect(
        &check(&t, &["--each-fault", "forbidden-403,created-201"]),
        0,
        "fault created-201 seen by the client at login.status",
    );
    expect(
        &check(&t, &["--each-fault", "created-201,not-a-fault"]),
        2,
        "not faults this script exercises: not-a-fault",
    );
    // Wrong credentials: the client gets 401s, the run is red.
    let wrong = Target {
        password: format!("{}-not-it", t.password),
        ..t
    };
    assert_eq!(check(&wrong, &[]).status.code(), Some(1));
}

#[test]
#[ignore = "needs a Docker engine with the images: run via .ci/run"]
fn the_js_client_sees_the_same_from_a_real_medusa_and_from_serve() {
    use medusa_conformance::target::container::{
        ContainerBackend, DEFAULT_MEDUSA_IMAGE, DEFAULT_POSTGRES_IMAGE,
    };
    if support::no_engine() || node_missing() {
        return;
    }
    installed();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut progress = Vec::new();
    let medusa = rt
        .block_on(ContainerBackend::start(
            DEFAULT_MEDUSA_IMAGE,
            DEFAULT_POSTGRES_IMAGE,
            &mut progress,
        ))
        .expect("Medusa 1.20.11 starts in containers");
    let real = Target {
        base_url: medusa.base_url().as_str().trim_end_matches('/').to_owned(),
        email: medusa.admin_email().to_owned(),
        password: medusa.admin_password().expose().to_owned(),
        api_token: medusa.api_token().expose().to_owned(),
        admin_origin: medusa.admin_origin().to_owned(),
    };
    let real_out = check(&real, &[]);
    let real_health = real_health(&real.base_url);
    rt.block_on(medusa.remove());
    assert!(
        real_out.status.success(),
        "real Medusa:\n{}",
        console(&real_out)
    );

    let mut serve = Serve::start(&["--port", "0", "--admin-email", &real.email], &[]);
    let mut t = serve_target(&mut serve, &real.email);
    t.admin_origin = real.admin_origin.clone();
    let serve_out = check(&t, &[]);
    assert!(
        serve_out.status.success(),
        "serve:\n{}",
        console(&serve_out)
    );
    assert_eq!(observations(&real_out), observations(&serve_out));
    let (_, head, body) = http(serve.addr, "GET", "/health", &[], "");
    assert_eq!(real_health, (health_type(&head), body), "GET /health");
}

/// `GET /health` of the real server: (content type, body).
fn real_health(base_url: &str) -> (String, String) {
    let url = url::Url::parse(base_url).unwrap();
    let addr = url.socket_addrs(|| None).unwrap()[0];
    let (status, head, body) = http(addr, "GET", "/health", &[], "");
    assert_eq!(status, 200, "{head}");
    (health_type(&head), body)
}

fn health_type(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default()
}
