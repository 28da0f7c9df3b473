//! The reference backend as a long-running local server (`medusa-conformance
//! serve`): the same handler as the suite's in-process backend, on a port
//! of the caller's choice, with a log line per request, and a small admin
//! route ([`FAULTS_PATH`]) that switches faults while it runs. The route
//! answers loopback peers only: a fault switch is a way to make the server
//! misbehave, so nobody else on the network may use it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use url::Url;

use super::{Backend, Fault, FaultSet, ReferenceConfig, handle};

/// Where the fault switch answers: `GET` lists the faults on (and every
/// fault there is), `PUT {"faults": ["name", ...]}` sets them (`[]`: none).
pub const FAULTS_PATH: &str = "/__conformance/faults";

/// One request, as the log shows it: never a header, a query string or a
/// body, so never a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// The method.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// From the request's head to the response's head.
    pub elapsed: Duration,
}

/// What receives each [`RequestLine`].
pub type RequestLog = Arc<dyn Fn(&RequestLine) + Send + Sync>;

/// A reference backend bound to its address, not serving yet.
pub struct Server {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    backend: Arc<Backend>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Server({})", self.addr)
    }
}

impl Server {
    /// Binds `host:port` (port 0: one the system picks) for a backend
    /// seeded with `config`.
    pub async fn bind(host: &str, port: u16, config: ReferenceConfig) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind((host, port)).await?;
        let addr = listener.local_addr()?;
        Ok(Server {
            listener,
            addr,
            backend: Arc::new(Backend::new(config)),
        })
    }

    /// Where it listens.
    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://{}", self.addr)).expect("a socket address makes a URL")
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets
    /// the requests in flight finish (idle keep-alive connections close).
    pub async fn run(
        self,
        log: RequestLog,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = Router::new()
            .route(FAULTS_PATH, get(list_faults).put(set_faults))
            .fallback(handle)
            .with_state(self.backend)
            .layer(middleware::from_fn_with_state(log, log_request));
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

async fn log_request(State(log): State<RequestLog>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    log(&RequestLine {
        method,
        path,
        status: resp.status().as_u16(),
        elapsed: started.elapsed(),
    });
    resp
}

/// Whether `peer` may use the fault switch: a loopback address (also an
/// IPv4 loopback seen through an IPv6 socket, `::ffff:127.0.0.1`).
pub fn may_switch_faults(peer: SocketAddr) -> bool {
    peer.ip().to_canonical().is_loopback()
}

async fn list_faults(
    State(b): State<Arc<Backend>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if !may_switch_faults(peer) {
        return refused();
    }
    let all: Vec<Value> = Fault::ALL
        .iter()
        .map(|f| json!({"name": f.name(), "description": f.description()}))
        .collect();
    answer(
        StatusCode::OK,
        json!({"faults": fault_names(&b), "available": all}),
    )
}

async fn set_faults(
    State(b): State<Arc<Backend>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    if !may_switch_faults(peer) {
        return refused();
    }
    let set = match parse_fault_list(&body) {
        Ok(set) => set,
        Err(message) => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"type": "invalid_data", "message": message}),
            );
        }
    };
    *b.faults
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = set;
    answer(StatusCode::OK, json!({"faults": fault_names(&b)}))
}

/// The faults a `PUT` body names: `{"faults": ["name", ...]}`.
fn parse_fault_list(body: &[u8]) -> Result<FaultSet, String> {
    const SHAPE: &str =
        r#"the body must be {"faults": ["fault-name", ...]} (see GET for the names)"#;
    let doc: Value = serde_json::from_slice(body).map_err(|_| SHAPE.to_owned())?;
    let names = doc
        .get("faults")
        .and_then(Value::as_array)
        .ok_or_else(|| SHAPE.to_owned())?;
    let mut list = Vec::new();
    for name in names {
        list.push(name.as_str().ok_or_else(|| SHAPE.to_owned())?);
    }
    FaultSet::parse(&list.join(",")).map_err(|e| e.to_string())
}

fn fault_names(b: &Backend) -> Vec<&'static str> {
    let on = b
        .faults
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Fault::ALL
        .iter()
        .filter(|f| on.contains(**f))
        .map(|f| f.name())
        .collect()
}

fn refused() -> Response {
    answer(
        StatusCode::FORBIDDEN,
        json!({"type": "not_allowed", "message": "the fault switch answers loopback clients only"}),
    )
}

fn answer(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body.to_string().into())
        .expect("static response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_peers_may_switch_faults() {
        let ok = |s: &str| may_switch_faults(s.parse().unwrap());
        assert!(ok("127.0.0.1:5000"));
        assert!(ok("127.1.2.3:5000"));
        assert!(ok("[::1]:5000"));
        assert!(ok("[::ffff:127.0.0.1]:5000"));
        assert!(!ok("10.0.0.2:5000"));
        assert!(!ok("192.168.1.9:5000"));
        assert!(!ok("[::ffff:10.0.0.2]:5000"));
        assert!(!ok("[fe80::1]:5000"));
    }

    #[test]
    fn a_fault_list_is_an_object_of_names() {
        let set = parse_fault_list(br#"{"faults": ["created-201", "forbidden-403"]}"#).unwrap();
        assert_eq!(set.names(), "created-201,forbidden-403");
        assert!(parse_fault_list(br#"{"faults": []}"#).unwrap().is_empty());
        let unknown = parse_fault_list(br#"{"faults": ["nope"]}"#).unwrap_err();
        assert!(unknown.contains("unknown fault 'nope'"), "{unknown}");
        for bad in [
            &b"created-201"[..],
            b"{}",
            br#"{"faults": "created-201"}"#,
            br#"{"faults": [1]}"#,
        ] {
            assert!(
                parse_fault_list(bad)
                    .unwrap_err()
                    .contains("the body must be")
            );
        }
    }
}
