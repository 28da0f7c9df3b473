//! `cargo bench`: what the README's "Speed" table shows.
//!
//! - `per_response`: the work the harness does on every answer, on a
//!   realistic login answer (a user body, a session cookie): the schema
//!   check, the automatic per-route checks (route row, echoed secrets),
//!   and rendering + masking a failure report with a run's secrets and a
//!   scenario's tokens.
//! - `suite_reference`: the whole suite against the embedded reference
//!   backend, with the features copied 1x (76 scenarios), 13x (988) and
//!   130x (9,880) into a temporary folder.
//! - `suite_real`: the whole suite against the Medusa that
//!   `MEDUSA_BASE_URL` (with `MEDUSA_ADMIN_EMAIL`, `MEDUSA_ADMIN_PASSWORD`,
//!   ...) names, v1 or v2 (`MEDUSA_DIALECT`, `auto` by default); skipped
//!   with a notice when it is not set. It times the whole run as the
//!   command runs it: the preflight, the scenarios and the advisory
//!   probes (`MEDUSA_ADVISORIES`, `warn` by default).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use http::HeaderMap;
use http::header::{CONTENT_TYPE, SET_COOKIE};
use medusa_conformance::core::answer::route_row;
use medusa_conformance::core::check::{self, Failure};
use medusa_conformance::core::contract::{Call, SchemaName, V1};
use medusa_conformance::core::echo::echoed_secret;
use medusa_conformance::core::exchange::Exchange;
use medusa_conformance::core::redact::{Redactor, Secret};

fn main() {
    divan::main();
}

const USER: &str = r#"{"user":{"id":"usr_01HQ8Z6K3J1T2V4W5X6Y7Z8A9B","email":"admin@medusa-test.com","first_name":"Ada","last_name":"Admin","role":"admin","api_token":null,"metadata":null,"created_at":"2024-01-01T00:00:00.000Z","updated_at":"2024-01-01T00:00:00.000Z","deleted_at":null}}"#;

/// A login answer as Medusa 1.20 gives it.
fn login_answer() -> Exchange {
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        "application/json; charset=utf-8".parse().unwrap(),
    );
    headers.insert(
        SET_COOKIE,
        "connect.sid=s%3AQk3x9yJz0aQ1bC2dE3fG4hI5jK6lM7nO.Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb7Aa6Z5Y4; Path=/; Expires=Mon, 30 Nov 2026 12:00:00 GMT; HttpOnly"
            .parse()
            .unwrap(),
    );
    Exchange {
        call: Call::CreateSession,
        method: "POST".to_owned(),
        path: "/admin/auth".to_owned(),
        request_headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        request_body: Some(
            r#"{"email":"admin@medusa-test.com","password":"bench-password-0123"}"#.to_owned(),
        ),
        status: 200,
        headers,
        body: USER.as_bytes().to_vec(),
        truncated: false,
        retries: 0,
    }
}

/// A run's redactor (password, API token) scoped to a scenario that
/// holds a few tokens, as a failing scenario's would be.
fn scenario_redactor() -> Redactor {
    let run = Redactor::new();
    run.add("bench-password-0123");
    run.add("bench-api-token-4567");
    let scoped = run.scoped();
    for i in 0..8 {
        scoped.add(&format!("s%3Ascenario-cookie-{i:04}.signature"));
    }
    scoped
}

#[divan::bench]
fn per_response(bencher: divan::Bencher) {
    let ex = login_answer();
    let password = Secret::new("bench-password-0123");
    let token = Secret::new("bench-api-token-4567");
    let redactor = scenario_redactor();
    bencher.bench_local(|| {
        let body = check::schema(&ex, SchemaName::AdminAuthRes).expect("valid");
        assert!(echoed_secret(&ex, &password, Some(&token), "x-medusa-access-token").is_none());
        route_row(&V1, &ex).expect("a good answer");
        let mut f = Failure::new("status", "expected 401, got 200");
        f.exchange = Some(ex.clone());
        divan::black_box((body, f.render(&redactor)))
    });
}

#[divan::bench]
fn schema_check(bencher: divan::Bencher) {
    let ex = login_answer();
    bencher.bench_local(|| check::schema(&ex, SchemaName::AdminAuthRes).expect("valid"));
}

#[divan::bench]
fn route_checks(bencher: divan::Bencher) {
    let ex = login_answer();
    let password = Secret::new("bench-password-0123");
    bencher.bench_local(|| {
        divan::black_box(echoed_secret(&ex, &password, None, "x-medusa-access-token"));
        route_row(&V1, &ex).expect("a good answer");
    });
}

#[divan::bench]
fn redact_report(bencher: divan::Bencher) {
    let mut f = Failure::new("status", "expected 401, got 200");
    f.exchange = Some(login_answer());
    let redactor = scenario_redactor();
    bencher.bench_local(|| f.render(&redactor));
}

/// The features copied `copies` times into a temporary folder.
fn features(copies: usize) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    let dir = std::env::temp_dir().join(format!(
        "medusa-conformance-bench-{copies}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for i in 0..copies {
        let to = dir.join(format!("copy{i:03}"));
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&src).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// One whole run as `vars` configure it; panics unless it is green.
fn whole_suite(vars: &HashMap<&str, String>) {
    let config = medusa_conformance::cli::config_from_lookup(|k| vars.get(k).cloned())
        .expect("a valid configuration");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let outcome = rt
        .block_on(medusa_conformance::app::run(&config, std::io::sink()))
        .expect("the run ends");
    assert!(outcome.is_success(), "{} failed", outcome.failed);
}

// 76 scenarios: the features once; then about 1,000 and 10,000.
#[divan::bench(args = [1, 13, 130], sample_count = 3, sample_size = 1)]
fn suite_reference(bencher: divan::Bencher, copies: usize) {
    let dir = features(copies);
    let vars = HashMap::from([
        ("MEDUSA_TARGET", "reference".to_owned()),
        ("MEDUSA_FEATURES", dir.display().to_string()),
    ]);
    bencher.bench(|| whole_suite(&vars));
    let _ = std::fs::remove_dir_all(&dir);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn suite_real(bencher: divan::Bencher) {
    let vars: HashMap<&str, String> = [
        "MEDUSA_BASE_URL",
        "MEDUSA_ADMIN_EMAIL",
        "MEDUSA_ADMIN_PASSWORD",
        "MEDUSA_API_TOKEN",
        "MEDUSA_JWT_SECRET",
        "MEDUSA_ADMIN_ORIGIN",
        "MEDUSA_CA_CERT",
        "MEDUSA_DIALECT",
        "MEDUSA_ADVISORIES",
        "MEDUSA_CONCURRENCY",
    ]
    .into_iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k, v)))
    .collect();
    if !vars.contains_key("MEDUSA_BASE_URL") {
        eprintln!("suite_real: skipped (MEDUSA_BASE_URL is not set)");
        return;
    }
    bencher.bench(|| whole_suite(&vars));
}
