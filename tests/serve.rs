//! `medusa-conformance serve`, the built binary: it answers as the
//! reference backend and as Medusa's `/health`, logs a line per request,
//! switches faults through its loopback-only admin route, stops cleanly
//! (exit 0, port free) on SIGTERM and SIGINT, refuses bad flags with exit
//! 2, and prints no secret but the generated credentials, once.

mod serve_support;
mod support;

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

use base64::Engine as _;
use serve_support::{Serve, http, listening, set_faults};

#[test]
fn serve_answers_logs_and_stops_on_sigterm_with_the_port_free() {
    let mut serve = Serve::start(&["--port", "0"], &[]);
    let (status, head, body) = http(serve.addr, "GET", "/health", &[], "");
    assert_eq!((status, body.as_str()), (200, "OK"), "{head}");
    // As a real Medusa 1.20.11 answers it (express's res.send: HTML).
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    let (status, _, _) = http(serve.addr, "GET", "/admin/auth?x=1", &[], "");
    assert_eq!(status, 401);
    serve.wait_for("GET /health 200 ");
    let line = serve.wait_for("GET /admin/auth 401 ");
    assert!(!line.contains("x=1"), "the query string is logged: {line}");
    let (code, out, addr) = serve.stop(libc::SIGTERM);
    assert_eq!(code.code(), Some(0), "{out}");
    assert!(out.contains("stopped by SIGTERM"), "{out}");
    assert!(!listening(addr), "something still listens on {addr}");
}

#[test]
fn serve_speaks_v2_when_asked() {
    let serve = Serve::start(&["--port", "0", "--dialect", "v2"], &[]);
    // As a real Medusa 2.21.2 answers it: the auth middleware's JSON.
    let (status, head, body) = http(serve.addr, "GET", "/admin/users/me", &[], "");
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#),
        "{head}"
    );
    let (status, _, body) = http(serve.addr, "POST", "/auth/token/refresh", &[], "");
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    let (code, out, _) = serve.stop(libc::SIGTERM);
    assert_eq!(code.code(), Some(0), "{out}");
}

/// `serve --hardened`: the advisories' fixes a client developer can see,
/// and the lockout after 5 wrong passwords in a row (429 with
/// `Retry-After`, the right password too, until it ends); without the
/// flag, as Medusa 1.20.11, none of it.
#[test]
fn serve_hardened_fixes_the_advisories_and_locks_after_wrong_passwords() {
    const PASSWORD: &str = "hardened-pw-1";
    let env = [("MEDUSA_REFERENCE_ADMIN_PASSWORD", PASSWORD)];
    let json = ["Content-Type: application/json"];
    let login = |password: &str| {
        serde_json::json!({"email": "admin@reference.medusa.test", "password": password})
            .to_string()
    };
    for hardened in [true, false] {
        let args: &[&str] = if hardened {
            &["--port", "0", "--hardened"]
        } else {
            &["--port", "0"]
        };
        let mut serve = Serve::start(args, &env);
        serve.wait_for("stop:");
        let a = serve.addr;
        let (code, head, _) = http(a, "POST", "/admin/auth", &json, &login(PASSWORD));
        assert_eq!(code, 200, "{head}");
        let head = head.to_ascii_lowercase();
        for fixed in [
            "cache-control: no-store",
            "x-content-type-options: nosniff",
            "samesite=lax",
        ] {
            assert_eq!(head.contains(fixed), hardened, "{fixed}: {head}");
        }
        assert_eq!(head.contains("x-powered-by"), !hardened, "{head}");
        let statuses: Vec<u16> = (0..6)
            .map(|_| http(a, "POST", "/admin/auth", &json, &login("wrong-pw")).0)
            .collect();
        let (right, head, _) = http(a, "POST", "/admin/auth", &json, &login(PASSWORD));
        if hardened {
            serve.wait_for("  hardened: ");
            assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
            assert_eq!(right, 429, "locked: {head}");
            assert!(
                head.to_ascii_lowercase().contains("retry-after: "),
                "{head}"
            );
        } else {
            assert!(!serve.output().contains("hardened"), "{}", serve.output());
            assert_eq!(statuses, [401; 6]);
            assert_eq!(right, 200, "{head}");
        }
        let (code, out, _) = serve.stop(libc::SIGTERM);
        assert_eq!(code.code(), Some(0), "{out}");
    }
}

#[test]
fn serve_stops_on_sigint_with_a_keep_alive_connection_open() {
    let serve = Serve::start(&["--port", "0"], &[]);
    // An idle keep-alive connection must not hold the shutdown up.
    let mut idle = std::net::TcpStream::connect(serve.addr).unwrap();
    std::io::Write::write_all(
        &mut idle,
        format!("GET /health HTTP/1.1\r\nHost: {}\r\n\r\n", serve.addr).as_bytes(),
    )
    .unwrap();
    let (code, out, addr) = serve.stop(libc::SIGINT);
    assert_eq!(code.code(), Some(0), "{out}");
    assert!(out.contains("stopped by SIGINT"), "{out}");
    assert!(!listening(addr), "something still listens on {addr}");
}

#[test]
fn faults_switch_at_run_time() {
    let serve = Serve::start(
        &["--port", "0", "--faults", "created-201"],
        &[
            ("MEDUSA_REFERENCE_ADMIN_PASSWORD", "switch-pass-word"),
            ("MEDUSA_REFERENCE_API_TOKEN", "switch_token"),
        ],
    );
    let login = r#"{"email":"admin@reference.medusa.test","password":"switch-pass-word"}"#;
    let json = ["Content-Type: application/json"];
    let status = |s: &Serve| http(s.addr, "POST", "/admin/auth", &json, login).0;
    assert_eq!(
        status(&serve),
        201,
        "the --faults flag is on from the start"
    );
    let (code, _, listed) = http(serve.addr, "GET", "/__conformance/faults", &[], "");
    assert_eq!(code, 200);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["faults"], serde_json::json!(["created-201"]));
    assert!(listed["available"].as_array().unwrap().len() >= 60);
    set_faults(serve.addr, &[]);
    assert_eq!(status(&serve), 200);
    set_faults(serve.addr, &["forbidden-403", "created-201"]);
    assert_eq!(status(&serve), 201);
    let bad = r#"{"email":"admin@reference.medusa.test","password":"nope-nope"}"#;
    assert_eq!(http(serve.addr, "POST", "/admin/auth", &json, bad).0, 403);
    let (code, _, answer) = http(
        serve.addr,
        "PUT",
        "/__conformance/faults",
        &json,
        r#"{"faults":["no-such-fault"]}"#,
    );
    assert_eq!(code, 400);
    assert!(answer.contains("unknown fault 'no-such-fault'"), "{answer}");
    let (code, out, _) = serve.stop(libc::SIGTERM);
    assert_eq!(code.code(), Some(0), "{out}");
    assert!(out.contains("PUT /__conformance/faults 200"), "{out}");
}

/// A local address other hosts would reach this one at (no packet is
/// sent: connecting a UDP socket only picks the route).
fn non_loopback_ipv4() -> Option<Ipv4Addr> {
    let s = UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("10.255.255.1:9").ok()?;
    match s.local_addr().ok()?.ip() {
        std::net::IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

#[test]
fn the_fault_switch_refuses_peers_that_are_not_loopback() {
    let Some(ip) = non_loopback_ipv4() else {
        eprintln!("skipped: this machine has no non-loopback IPv4 address to connect from");
        return;
    };
    let serve = Serve::start(&["--port", "0", "--host", "0.0.0.0"], &[]);
    let port = serve.addr.port();
    let outside = SocketAddr::from((ip, port));
    let (code, _, body) = http(outside, "GET", "/__conformance/faults", &[], "");
    assert_eq!(code, 403, "{body}");
    let put = r#"{"faults":["accept-wrong-password"]}"#;
    let json = ["Content-Type: application/json"];
    assert_eq!(
        http(outside, "PUT", "/__conformance/faults", &json, put).0,
        403
    );
    // The backend itself answers anyone; only the switch is refused.
    assert_eq!(http(outside, "GET", "/health", &[], "").0, 200);
    let inside = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let (code, _, body) = http(inside, "GET", "/__conformance/faults", &[], "");
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(r#""faults":[]"#),
        "the refused PUT changed nothing: {body}"
    );
}

fn serve_exit(args: &[&str]) -> (Option<i32>, String, String) {
    let out = support::binary().arg("serve").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_flags_are_one_screen_and_exit_2() {
    for (args, says) in [
        (&["--port", "nine"][..], "--port"),
        (&["--port", "70000"], "70000"),
        (&["--dialect", "v9"], "v9"),
        (
            &["--faults", "no-such-fault"],
            "unknown fault 'no-such-fault'",
        ),
        (&["--frobnicate"], "--frobnicate"),
        (&["--password", "hunter22-secret"], "command line"),
        (&["--password-file", "/nonexistent/pw"], "--password-file"),
    ] {
        let (code, stdout, stderr) = serve_exit(args);
        assert_eq!(code, Some(2), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.contains("fix: "), "{args:?}: {stderr}");
        assert!(
            stderr.lines().count() <= 24,
            "{args:?}: more than a screen: {stderr}"
        );
        assert!(!stderr.contains("hunter22"), "{stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
    let (code, help, _) = serve_exit(&["--help"]);
    assert_eq!(code, Some(0));
    for flag in [
        "--port",
        "--host",
        "--faults",
        "--admin-email",
        "--dialect",
        "--password-file",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}

#[test]
fn a_port_in_use_is_a_setup_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, _, stderr) = serve_exit(&["--port", &port]);
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("cannot listen on 127.0.0.1:"), "{stderr}");
}

/// Every form a secret could be printed in.
fn forms(secret: &str) -> Vec<String> {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        secret.to_owned(),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        serde_json::to_string(secret)
            .unwrap()
            .trim_matches('"')
            .to_owned(),
        b64.encode(secret),
    ]
}

/// What of `secrets` (and any JWT or session cookie) `text` shows.
fn leaks(text: &str, secrets: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for s in secrets {
        for f in forms(s) {
            if text.contains(&f) {
                found.push(format!("{f:?}"));
            }
        }
    }
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.").unwrap();
    let cookie = regex::Regex::new(r"connect\.sid=s(%3[Aa]|:)").unwrap();
    found.extend(jwt.find(text).map(|m| format!("a JWT at {}", m.start())));
    found.extend(
        cookie
            .find(text)
            .map(|m| format!("a cookie at {}", m.start())),
    );
    found
}

#[test]
fn the_leak_search_goes_red() {
    assert!(!leaks("xx s3cr%et yy", &["s3cr%et"]).is_empty());
    assert!(!leaks("xx s3cr%25et yy", &["s3cr%et"]).is_empty());
    assert!(!leaks("Set-Cookie: connect.sid=s%3Aabc", &[]).is_empty());
    assert!(!leaks("eyJhbGciOi.eyJ1c2VyX2lk.sig", &[]).is_empty());
    assert!(leaks("nothing here", &["s3cr%et"]).is_empty());
}

/// Given secrets are never printed, whatever the requests carry: in the
/// body, a header, the query string or the path; the tokens and cookies
/// the server hands out are not either.
#[test]
fn serve_prints_no_given_secret() {
    const PASSWORD: &str = "Serve+Leak/Pass word%1\"&<>'";
    const TOKEN: &str = "Serve_Leak+Token/9%zz";
    let serve = Serve::start(
        &["--port", "0"],
        &[
            ("MEDUSA_REFERENCE_ADMIN_PASSWORD", PASSWORD),
            ("MEDUSA_REFERENCE_API_TOKEN", TOKEN),
        ],
    );
    let a = serve.addr;
    let login = serde_json::json!({"email": "admin@reference.medusa.test", "password": PASSWORD})
        .to_string();
    let json = ["Content-Type: application/json"];
    let (code, head, _) = http(a, "POST", "/admin/auth", &json, &login);
    assert_eq!(code, 200, "{head}");
    let (code, _, token) = http(a, "POST", "/admin/auth/token", &json, &login);
    assert_eq!(code, 200);
    let jwt = serde_json::from_str::<serde_json::Value>(&token).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Authorization: Bearer {jwt}");
    assert_eq!(http(a, "GET", "/admin/auth", &[&bearer], "").0, 200);
    let key = format!("x-medusa-access-token: {TOKEN}");
    assert_eq!(http(a, "GET", "/admin/auth", &[&key], "").0, 200);
    let enc: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
    let enc_token: String = url::form_urlencoded::byte_serialize(TOKEN.as_bytes()).collect();
    http(a, "GET", &format!("/admin/auth?password={enc}"), &[], "");
    http(a, "GET", &format!("/admin/{enc_token}"), &[], "");
    http(a, "GET", &format!("/store/{jwt}"), &[], "");
    set_faults(a, &["password-echoed", "api-token-echoed"]);
    let echo = serde_json::json!({"email": "nope", "password": PASSWORD}).to_string();
    http(a, "POST", "/admin/auth", &json, &echo);
    let (code, out, _) = serve.stop(libc::SIGTERM);
    assert_eq!(code.code(), Some(0), "{out}");
    assert!(out.contains("given secrets are not shown"), "{out}");
    let found = leaks(&out, &[PASSWORD, TOKEN, &jwt]);
    assert!(found.is_empty(), "leaked {found:?}:\n{out}");
    assert!(
        out.matches(" /admin/").count() >= 3,
        "requests were logged: {out}"
    );
}

/// Generated secrets are printed once, in the banner's one line, and in
/// no form anywhere else, whatever the requests carry.
#[test]
fn generated_secrets_are_printed_once_and_nowhere_else() {
    let mut serve = Serve::start(&["--port", "0"], &[]);
    let (password, token) = serve_support::generated_secrets(&mut serve);
    let a = serve.addr;
    let login = serde_json::json!({"email": "admin@reference.medusa.test", "password": password});
    let json = ["Content-Type: application/json"];
    assert_eq!(
        http(a, "POST", "/admin/auth", &json, &login.to_string()).0,
        200
    );
    let (_, _, body) = http(a, "POST", "/admin/auth/token", &json, &login.to_string());
    let jwt = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = format!("x-medusa-access-token: {token}");
    assert_eq!(http(a, "GET", "/admin/auth", &[&key], "").0, 200);
    http(
        a,
        "GET",
        &format!("/admin/{password}/{token}?t={token}"),
        &[],
        "",
    );
    http(a, "GET", &format!("/admin/{jwt}"), &[], "");
    let (code, out, _) = serve.stop(libc::SIGTERM);
    assert_eq!(code.code(), Some(0), "{out}");
    let (banner, rest): (Vec<&str>, Vec<&str>) = out
        .lines()
        .partition(|l| l.contains("generated (shown this once, never logged): "));
    assert_eq!(banner.len(), 1, "{out}");
    assert!(banner[0].contains(&password) && banner[0].contains(&token));
    let rest = rest.join("\n");
    let found = leaks(&rest, &[&password, &token, &jwt]);
    assert!(found.is_empty(), "leaked {found:?}:\n{out}");
    assert!(rest.contains("GET /admin/[REDACTED]"), "{rest}");
}
