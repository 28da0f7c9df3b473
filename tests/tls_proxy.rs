//! The TLS terminator of the container target's production mode, against a
//! plain-HTTP loopback server that echoes what reaches it (no engine needed),
//! and in front of the reference backend with the harness binary.

mod support;

use std::process::Stdio;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::IntoResponse;
use medusa_conformance::target::reference::{ReferenceConfig, ReferenceServer};
use medusa_conformance::target::tls_proxy::TlsProxy;
use serde_json::{Value, json};
use support::console;
use url::Url;

/// Echoes the request as JSON, with a cookie and the hop-by-hop headers a
/// Node server sends.
async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: String) -> impl IntoResponse {
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let seen = json!({
        "method": method.as_str(),
        "path": uri.to_string(),
        "body": body,
        "host": header("host"),
        "x-forwarded-proto": header("x-forwarded-proto"),
        "x-forwarded-for": header("x-forwarded-for"),
        "proxy-authorization": header("proxy-authorization"),
    });
    (
        [
            (
                "set-cookie",
                "connect.sid=s%3Aabc.def; Path=/; HttpOnly; Secure",
            ),
            ("keep-alive", "timeout=5"),
            ("content-type", "application/json"),
        ],
        seen.to_string(),
    )
}

async fn echo_server() -> (Url, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let app = Router::new().fallback(echo);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

fn client(ca_pem: Option<&str>) -> reqwest::Client {
    medusa_conformance::http::install_crypto_provider();
    let mut b = reqwest::Client::builder().timeout(Duration::from_secs(20));
    if let Some(pem) = ca_pem {
        for c in reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap() {
            b = b.add_root_certificate(c);
        }
    }
    b.build().unwrap()
}

#[tokio::test]
async fn requests_reach_the_backend_marked_https_and_answers_come_back_whole() {
    let (upstream, _server) = echo_server().await;
    let proxy = TlsProxy::start(&upstream).await.unwrap();
    assert_eq!(proxy.base_url().scheme(), "https");
    let c = client(Some(proxy.ca_pem()));
    for _ in 0..3 {
        // a client's own claims about the hop are replaced
        let resp = c
            .post(proxy.base_url().join("admin/auth?x=1").unwrap())
            .header("x-forwarded-proto", "http")
            .header("proxy-authorization", "Basic c2VjcmV0")
            .body("{\"email\":\"a@b.co\"}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["set-cookie"],
            "connect.sid=s%3Aabc.def; Path=/; HttpOnly; Secure"
        );
        assert!(resp.headers().get("keep-alive").is_none(), "{resp:?}");
        let seen: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(seen["method"], "POST");
        assert_eq!(seen["path"], "/admin/auth?x=1");
        assert_eq!(seen["body"], "{\"email\":\"a@b.co\"}");
        assert_eq!(seen["x-forwarded-proto"], "https");
        assert_eq!(seen["x-forwarded-for"], "127.0.0.1");
        assert_eq!(seen["proxy-authorization"], Value::Null);
        assert_eq!(
            seen["host"].as_str(),
            Some(format!("127.0.0.1:{}", proxy.base_url().port().unwrap()).as_str())
        );
    }
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_run_ca_is_refused() {
    let (upstream, _server) = echo_server().await;
    let proxy = TlsProxy::start(&upstream).await.unwrap();
    let err = client(None)
        .get(proxy.base_url())
        .send()
        .await
        .expect_err("an unknown CA must not verify");
    let text = medusa_conformance::http::describe(&err);
    assert!(text.contains("certificate"), "{text}");
    // Nor does another proxy's CA.
    let other = TlsProxy::start(&upstream).await.unwrap();
    assert!(
        client(Some(other.ca_pem()))
            .get(proxy.base_url())
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_backend_that_is_down_gives_the_proxys_own_502() {
    let (upstream, server) = echo_server().await;
    server.abort();
    let _ = server.await;
    let proxy = TlsProxy::start(&upstream).await.unwrap();
    let resp = client(Some(proxy.ca_pem()))
        .get(proxy.base_url())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("medusa-conformance TLS proxy: "), "{text}");
}

#[tokio::test]
async fn a_dropped_proxy_stops_listening() {
    let (upstream, _server) = echo_server().await;
    let proxy = TlsProxy::start(&upstream).await.unwrap();
    let addr = format!("127.0.0.1:{}", proxy.base_url().port().unwrap());
    drop(proxy);
    tokio::task::yield_now().await;
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "{addr} still accepts connections");
}

#[tokio::test]
async fn only_http_backends_are_accepted() {
    for bad in ["https://127.0.0.1:1", "unix:/tmp/x"] {
        let e = TlsProxy::start(&Url::parse(bad).unwrap())
            .await
            .unwrap_err();
        assert!(e.contains("http://host:port"), "{e}");
    }
}

/// The harness binary over https through the proxy: with the run's CA it
/// gets through (and the suite then demands a `Secure` cookie, which the
/// development-mode reference backend does not set); without it, exit 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_trusts_the_proxy_only_with_its_ca() {
    let cfg = ReferenceConfig::random();
    let server = ReferenceServer::start(cfg.clone()).await.unwrap();
    let proxy = TlsProxy::start(&server.base_url()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("mc-tls-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, proxy.ca_pem()).unwrap();
    let run = |with_ca: bool| {
        let mut cmd = support::binary();
        cmd.env("MEDUSA_BASE_URL", proxy.base_url().as_str())
            .env("MEDUSA_ADMIN_EMAIL", &cfg.admin_email)
            .env("MEDUSA_ADMIN_PASSWORD", cfg.admin_password.expose())
            .env("MEDUSA_API_TOKEN", cfg.api_token.expose())
            .env("MEDUSA_TAGS", "@login")
            .stdin(Stdio::null());
        if with_ca {
            cmd.env("MEDUSA_CA_CERT", &ca);
        }
        cmd
    };
    let (mut with, mut without) = (run(true), run(false));
    let (with, without) =
        tokio::task::spawn_blocking(move || (with.output().unwrap(), without.output().unwrap()))
            .await
            .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(without.status.code(), Some(3), "{}", console(&without));
    assert!(
        console(&without).contains("MEDUSA_CA_CERT"),
        "{}",
        console(&without)
    );
    assert_eq!(with.status.code(), Some(1), "{}", console(&with));
    let with = console(&with);
    assert!(with.contains(" passed, "), "{with}");
    assert!(
        with.contains("it is not Secure although the backend is served over https"),
        "{with}"
    );
    assert!(!with.contains(cfg.admin_password.expose()), "{with}");
}
