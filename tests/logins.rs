//! What a run costs the backend in password checks, counted by the
//! reference backend: a real Medusa v2 hashes each password it checks
//! (scrypt, about 150 ms of its CPU), most of a v2 run's cost. On v2 the
//! preconditions share one login, fetched first, and a token step right
//! after the login's identical refused request checks that answer instead
//! of sending it again; every report names each such step. v1 sends its
//! login and its token request to two routes, each for real.

mod support;

use std::process::Output;

use medusa_conformance::target::reference::{ReferenceConfig, ReferenceServer};
use scraper::{Html, Selector};
use support::{console, scratch};

/// What a step that checked its previous step's answer says in a report.
const REUSED: &str = "same request as the previous step on this dialect: POST /auth/user/emailpass was not sent again, its answer is checked";

/// The credentials outline: its rows are the scenarios that reuse.
const ALMOST: &str = "A password that is almost the admin's is refused (";

/// Every password check a whole v2 run makes (advisories off): the shared
/// precondition login (1); the browser cookies (4: a good login, a wrong
/// password, a token request, the logout one); CORS (1, a login from a
/// foreign origin); the almost-right passwords (4, one per row); the form
/// token request (1); login (3: good, wrong, wrong vs unknown); token (2:
/// good, wrong vs unknown). The claims scenario reads the shared token.
const V2_CHECKS: usize = 16;

/// Runs the binary against `server` (seeded with `rc`), with only `vars`
/// besides of the MEDUSA_* environment set.
fn run(server: &ReferenceServer, rc: &ReferenceConfig, vars: &[(&str, &str)]) -> Output {
    let mut cmd = support::binary();
    cmd.env("MEDUSA_BASE_URL", server.base_url().as_str())
        .env("MEDUSA_ADMIN_EMAIL", &rc.admin_email)
        .env("MEDUSA_ADMIN_PASSWORD", rc.admin_password.expose())
        .env("MEDUSA_API_TOKEN", rc.api_token.expose())
        .env("MEDUSA_JWT_SECRET", rc.jwt_secret.expose())
        .env("MEDUSA_ADMIN_ORIGIN", &rc.admin_cors[0])
        .env("MEDUSA_REQUIRE_ALL", "1")
        .env("MEDUSA_ADVISORIES", "off");
    cmd.envs(vars.iter().copied());
    cmd.output().expect("the binary runs")
}

#[test]
fn a_v2_run_checks_each_password_once_and_says_which_answers_it_checked_again() {
    let rc = ReferenceConfig {
        v2: true,
        ..ReferenceConfig::random()
    };
    let (_rt, server) = support::reference(&rc);
    let dir = scratch("logins", "v2");
    let (junit, json, html) = (dir.join("j.xml"), dir.join("c.json"), dir.join("r.html"));
    let out = run(
        &server,
        &rc,
        &[
            ("MEDUSA_DIALECT", "v2"),
            ("MEDUSA_JUNIT", junit.to_str().unwrap()),
            ("MEDUSA_CUCUMBER_JSON", json.to_str().unwrap()),
            ("MEDUSA_HTML", html.to_str().unwrap()),
        ],
    );
    let log = console(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(server.password_checks(), V2_CHECKS, "{log}");
    assert!(
        log.contains("reused: 4 step(s) checked the answer their scenario's previous step got"),
        "{log}"
    );
    let junit = std::fs::read_to_string(&junit).unwrap();
    let json = std::fs::read_to_string(&json).unwrap();
    let html = std::fs::read_to_string(&html).unwrap();

    // JUnit: in the system-out of each row of the outline, and nowhere else.
    let doc = roxmltree::Document::parse(&junit).expect("well-formed XML");
    let noted: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| {
            n.children().any(|c| {
                c.has_tag_name("system-out") && c.text().is_some_and(|t| t.contains(REUSED))
            })
        })
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(noted.len(), 4, "{noted:?}");
    assert!(noted.iter().all(|n| n.contains(ALMOST)), "{noted:?}");

    // Cucumber JSON: in the description of the same four.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let described: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["elements"].as_array().unwrap())
        .filter(|e| {
            e["description"]
                .as_str()
                .is_some_and(|d| d.contains(REUSED))
        })
        .map(|e| e["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(described.len(), 4, "{described:?}");
    assert!(
        described.iter().all(|n| n.contains(ALMOST)),
        "{described:?}"
    );

    // HTML: one line in each of the four scenarios.
    let page = Html::parse_document(&html);
    let scenario = Selector::parse("details.scenario").unwrap();
    let reused = Selector::parse("p.reused").unwrap();
    let name = Selector::parse(".name").unwrap();
    let shown: Vec<String> = page
        .select(&scenario)
        .filter(|s| {
            s.select(&reused)
                .any(|p| p.text().collect::<String>().contains(REUSED))
        })
        .map(|s| s.select(&name).flat_map(|n| n.text()).collect())
        .collect();
    assert_eq!(shown.len(), 4, "{shown:?}");
    assert!(shown.iter().all(|n| n.contains(ALMOST)), "{shown:?}");
}

#[test]
fn v1_sends_the_login_and_the_token_request_of_each_row() {
    let rc = ReferenceConfig::random();
    let (_rt, server) = support::reference(&rc);
    let out = run(
        &server,
        &rc,
        &[("MEDUSA_DIALECT", "v1"), ("MEDUSA_TAGS", "@credentials")],
    );
    let log = console(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(server.password_checks(), 8, "4 rows, 2 each: {log}");
    assert!(!log.contains("reused:"), "{log}");
}
