//! A small client for the Docker engine's HTTP API: only the calls the
//! container target makes (ping, image inspect, network create/remove,
//! container create/start/inspect/logs/remove), over the engine's Unix
//! socket or plain TCP, one connection per call.
//!
//! Why not a Docker crate: testcontainers with bollard (its generated
//! models and BuildKit protobufs) was about a fifth of a cold build, for
//! ten calls whose JSON is a few fields each.
//!
//! The engine is the one `DOCKER_HOST` names (`unix:///path` or
//! `tcp://host:port`), else the first socket that exists of
//! `/var/run/docker.sock` and the rootless ones, as testcontainers chose.

use std::fmt;
use std::path::{Path, PathBuf};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;
use tokio::task::JoinHandle;

/// The engine's socket when `DOCKER_HOST` names none and no other exists.
const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// What a path segment (an image or container name) must escape; `/` and
/// `:` stay, as image references contain them and the engine routes them.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// What a query value must escape.
const QUERY: &AsciiSet = &SEGMENT.add(b'/').add(b'&').add(b'=').add(b'+').add(b':');

/// An engine call that failed: the engine's own answer, or no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum EngineError {
    /// The engine answered with an error status (`message`: its own words).
    Status { code: u16, message: String },
    /// The engine could not be reached, or the answer could not be read.
    Transport(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Status { code, message } => write!(f, "engine answered {code}: {message}"),
            EngineError::Transport(text) => f.write_str(text),
        }
    }
}

impl EngineError {
    /// The engine has no such image, container or network.
    pub(super) fn is_not_found(&self) -> bool {
        matches!(self, EngineError::Status { code: 404, .. })
    }
}

/// Where the engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Endpoint {
    Unix(PathBuf),
    /// `host:port`, plain HTTP.
    Tcp(String),
}

/// A Docker engine, by its API endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Engine {
    endpoint: Endpoint,
}

/// What a container is created with (the fields the target sets).
#[derive(Debug, Clone, Default)]
pub(super) struct ContainerSpec<'a> {
    pub(super) image: &'a str,
    pub(super) network: &'a str,
    pub(super) labels: Vec<(&'a str, &'a str)>,
    pub(super) env: Vec<(&'a str, String)>,
    /// Container ports (TCP) published on a random host port.
    pub(super) publish: Vec<u16>,
}

/// Which log lines to read.
#[derive(Debug, Clone, Copy)]
pub(super) struct LogsQuery {
    pub(super) follow: bool,
    pub(super) stdout: bool,
    pub(super) stderr: bool,
    /// Only the last this many lines (all when `None`).
    pub(super) tail: Option<u32>,
}

impl Engine {
    /// The engine `docker_host` (`DOCKER_HOST`'s value) names, or the
    /// default socket; an address of another kind is refused, saying so.
    pub(super) fn from_host(docker_host: Option<&str>) -> Result<Engine, String> {
        let host = docker_host.map(str::trim).filter(|h| !h.is_empty());
        let Some(host) = host else {
            return Ok(Engine {
                endpoint: Endpoint::Unix(default_socket()),
            });
        };
        let endpoint = if let Some(path) = host.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(format!("DOCKER_HOST={host} names no socket path"));
            }
            Endpoint::Unix(PathBuf::from(path))
        } else if let Some(rest) = host.strip_prefix("tcp://") {
            let authority = rest.trim_end_matches('/');
            if authority.is_empty() || authority.contains('/') {
                return Err(format!("DOCKER_HOST={host} is not tcp://host:port"));
            }
            if authority
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                Endpoint::Tcp(authority.to_owned())
            } else {
                Endpoint::Tcp(format!("{authority}:2375"))
            }
        } else {
            return Err(format!(
                "DOCKER_HOST={host} is neither unix:///path nor tcp://host:port (TLS to the engine is not supported)"
            ));
        };
        Ok(Engine { endpoint })
    }

    /// The host the engine publishes container ports on, as a client on
    /// this machine reaches it: `localhost` for a socket, else the TCP host.
    pub(super) fn published_host(&self) -> String {
        match &self.endpoint {
            Endpoint::Unix(_) => "localhost".to_owned(),
            Endpoint::Tcp(authority) => authority
                .rsplit_once(':')
                .map_or(authority.as_str(), |(h, _)| h)
                .to_owned(),
        }
    }

    /// `GET /_ping`.
    pub(super) async fn ping(&self) -> Result<(), EngineError> {
        self.call(Method::GET, "/_ping", None).await.map(drop)
    }

    /// `GET /images/{name}/json`: whether the engine has the image.
    pub(super) async fn inspect_image(&self, reference: &str) -> Result<(), EngineError> {
        let path = format!("/images/{}/json", segment(reference));
        self.call(Method::GET, &path, None).await.map(drop)
    }

    /// `POST /networks/create`: a bridge network with these labels.
    pub(super) async fn create_network(
        &self,
        name: &str,
        labels: &[(&str, &str)],
    ) -> Result<(), EngineError> {
        let body = serde_json::json!({
            "Name": name,
            "Driver": "bridge",
            "CheckDuplicate": true,
            "Labels": labels_object(labels),
        });
        self.call(Method::POST, "/networks/create", Some(body))
            .await
            .map(drop)
    }

    /// `DELETE /networks/{name}`.
    pub(super) async fn remove_network(&self, name: &str) -> Result<(), EngineError> {
        let path = format!("/networks/{}", segment(name));
        self.call(Method::DELETE, &path, None).await.map(drop)
    }

    /// `POST /containers/create?name=...`.
    pub(super) async fn create_container(
        &self,
        name: &str,
        spec: &ContainerSpec<'_>,
    ) -> Result<(), EngineError> {
        let path = format!("/containers/create?name={}", query(name));
        self.call(Method::POST, &path, Some(create_body(spec)))
            .await
            .map(drop)
    }

    /// `POST /containers/{name}/start`.
    pub(super) async fn start_container(&self, name: &str) -> Result<(), EngineError> {
        let path = format!("/containers/{}/start", segment(name));
        self.call(Method::POST, &path, None).await.map(drop)
    }

    /// `GET /containers/{name}/json`: the engine's description of it.
    pub(super) async fn inspect_container(&self, name: &str) -> Result<Value, EngineError> {
        let path = format!("/containers/{}/json", segment(name));
        let bytes = self.call(Method::GET, &path, None).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            EngineError::Transport(format!(
                "the engine's description of {name} is not JSON: {e}"
            ))
        })
    }

    /// `DELETE /containers/{name}?force=true&v=true`: stopped if running,
    /// removed with its anonymous volumes.
    pub(super) async fn remove_container(&self, name: &str) -> Result<(), EngineError> {
        let path = format!("/containers/{}?force=true&v=true", segment(name));
        self.call(Method::DELETE, &path, None).await.map(drop)
    }

    /// `GET /containers/{name}/logs`: the container's output, frame by frame.
    pub(super) async fn logs(&self, name: &str, q: LogsQuery) -> Result<LogStream, EngineError> {
        let path = logs_path(name, q);
        let (response, connection) = self.send(Method::GET, &path, None).await?;
        let response = ok_or_error(response).await?;
        Ok(LogStream {
            body: response.into_body(),
            frames: FrameParser::default(),
            connection,
            done: false,
        })
    }

    /// One call whose answer is read whole; an error status becomes
    /// [`EngineError::Status`] with the engine's message.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Bytes, EngineError> {
        let (response, connection) = self.send(method, path, body).await?;
        let response = ok_or_error(response).await;
        let result = match response {
            Ok(r) => r
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .map_err(|e| EngineError::Transport(format!("reading the engine's answer: {e}"))),
            Err(e) => Err(e),
        };
        connection.abort();
        result
    }

    /// Opens a connection, sends one request, returns the answer's head
    /// and the task driving the connection (aborted when done with).
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(Response<Incoming>, JoinHandle<()>), EngineError> {
        let request = build_request(method, path, body)
            .map_err(|e| EngineError::Transport(format!("bad engine request {path}: {e}")))?;
        let (mut sender, connection) = match &self.endpoint {
            Endpoint::Unix(socket) => {
                let stream = tokio::net::UnixStream::connect(socket)
                    .await
                    .map_err(|e| connect_error(&socket.display().to_string(), &e))?;
                handshake(stream).await?
            }
            Endpoint::Tcp(authority) => {
                let stream = tokio::net::TcpStream::connect(authority.as_str())
                    .await
                    .map_err(|e| connect_error(authority, &e))?;
                handshake(stream).await?
            }
        };
        match sender.send_request(request).await {
            Ok(response) => Ok((response, connection)),
            Err(e) => {
                connection.abort();
                Err(EngineError::Transport(format!(
                    "the engine did not answer: {e}"
                )))
            }
        }
    }
}

fn connect_error(what: &str, e: &std::io::Error) -> EngineError {
    EngineError::Transport(format!("cannot connect to {what}: {e}"))
}

async fn handshake<S>(
    stream: S,
) -> Result<
    (
        hyper::client::conn::http1::SendRequest<Full<Bytes>>,
        JoinHandle<()>,
    ),
    EngineError,
>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| EngineError::Transport(format!("no HTTP with the engine: {e}")))?;
    let task = tokio::spawn(async move {
        // its end (or error) shows in the answer being read
        let _ = connection.await;
    });
    Ok((sender, task))
}

/// The answer itself when its status is a success, else the engine's
/// message as an error.
async fn ok_or_error(response: Response<Incoming>) -> Result<Response<Incoming>, EngineError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Err(status_error(status, &body))
}

/// The engine's error answer in one line: its JSON `message`, else the text.
fn status_error(status: StatusCode, body: &[u8]) -> EngineError {
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    EngineError::Status {
        code: status.as_u16(),
        message: message.lines().next().unwrap_or_default().to_owned(),
    }
}

fn build_request(
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Request<Full<Bytes>>, hyper::http::Error> {
    let builder = Request::builder()
        .method(method)
        .uri(path)
        // HTTP/1.1 wants a Host; over a socket any name does
        .header(hyper::header::HOST, "docker");
    match body {
        Some(json) => builder
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(json.to_string()))),
        None => builder.body(Full::new(Bytes::new())),
    }
}

fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

fn query(s: &str) -> String {
    utf8_percent_encode(s, QUERY).to_string()
}

fn labels_object(labels: &[(&str, &str)]) -> Value {
    Value::Object(
        labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect(),
    )
}

/// The body of `POST /containers/create`. No TTY: the logs then come as
/// multiplexed frames, which [`FrameParser`] reads.
fn create_body(spec: &ContainerSpec<'_>) -> Value {
    let ports: serde_json::Map<String, Value> = spec
        .publish
        .iter()
        .map(|p| (format!("{p}/tcp"), serde_json::json!({})))
        .collect();
    serde_json::json!({
        "Image": spec.image,
        "Env": spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        "Labels": labels_object(&spec.labels),
        "Tty": false,
        "ExposedPorts": ports,
        "HostConfig": {
            "NetworkMode": spec.network,
            // only the ports asked for are published (on random host ports)
            "PublishAllPorts": !spec.publish.is_empty(),
        },
    })
}

fn logs_path(name: &str, q: LogsQuery) -> String {
    let mut path = format!(
        "/containers/{}/logs?follow={}&stdout={}&stderr={}",
        segment(name),
        q.follow,
        q.stdout,
        q.stderr
    );
    if let Some(n) = q.tail {
        path.push_str(&format!("&tail={n}"));
    }
    path
}

/// The host port a container port is published on (IPv4), from
/// [`Engine::inspect_container`]'s answer.
pub(super) fn published_port(info: &Value, port: u16) -> Option<u16> {
    info.pointer("/NetworkSettings/Ports")?
        .get(format!("{port}/tcp"))?
        .as_array()?
        .iter()
        .filter(|b| {
            b.get("HostIp")
                .and_then(Value::as_str)
                .is_none_or(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok() || ip.is_empty())
        })
        .find_map(|b| b.get("HostPort")?.as_str()?.parse().ok())
}

/// Whether [`Engine::inspect_container`]'s answer says it is running.
pub(super) fn is_running(info: &Value) -> bool {
    info.pointer("/State/Running")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The exit code in [`Engine::inspect_container`]'s answer.
pub(super) fn exit_code(info: &Value) -> Option<i64> {
    info.pointer("/State/ExitCode").and_then(Value::as_i64)
}

/// A container's log output being read, one payload at a time.
pub(super) struct LogStream {
    body: Incoming,
    frames: FrameParser,
    connection: JoinHandle<()>,
    done: bool,
}

impl LogStream {
    /// The next frame's payload (stdout or stderr, as asked); `None` once
    /// the output ends (a followed container has exited).
    pub(super) async fn next(&mut self) -> Option<Result<Vec<u8>, EngineError>> {
        loop {
            if let Some((_, payload)) = self.frames.next_frame() {
                return Some(Ok(payload));
            }
            if self.done {
                return self.frames.rest().map(Ok);
            }
            match self.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.frames.push(&data);
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(EngineError::Transport(format!(
                        "the log stream broke: {e}"
                    ))));
                }
                None => self.done = true,
            }
        }
    }
}

impl Drop for LogStream {
    fn drop(&mut self) {
        // a followed log never ends by itself: close its connection
        self.connection.abort();
    }
}

/// The engine's multiplexed stream: each frame is a header of 8 bytes
/// (stream: 0 stdin, 1 stdout, 2 stderr; three zero bytes; the payload's
/// length, big-endian u32) and the payload. Bytes arrive in any split.
#[derive(Debug, Default)]
pub(super) struct FrameParser {
    buf: Vec<u8>,
}

impl FrameParser {
    pub(super) fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole frame (stream, payload), if it has all arrived.
    pub(super) fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        if self.buf.len() < 8 {
            return None;
        }
        let len = u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]) as usize;
        if self.buf.len() < 8 + len {
            return None;
        }
        let stream = self.buf[0];
        let payload = self.buf[8..8 + len].to_vec();
        self.buf.drain(..8 + len);
        Some((stream, payload))
    }

    /// What is left when the stream ended mid-frame: the payload bytes
    /// that did arrive (a cut-off last line is still worth showing).
    pub(super) fn rest(&mut self) -> Option<Vec<u8>> {
        if self.buf.len() <= 8 {
            self.buf.clear();
            return None;
        }
        let rest = self.buf.split_off(8);
        self.buf.clear();
        Some(rest)
    }
}

/// The first engine socket that exists, as testcontainers looked: the
/// system one, then the rootless ones; the system one if none does.
fn default_socket() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    let candidates = [
        Some(PathBuf::from(DEFAULT_SOCKET)),
        runtime.map(|d| d.join(".docker/run/docker.sock")),
        home.as_ref().map(|d| d.join(".docker/run/docker.sock")),
        home.as_ref().map(|d| d.join(".docker/desktop/docker.sock")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| Path::new(p).exists())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(stream: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![stream, 0, 0, 0];
        f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn frames_are_read_whatever_the_split() {
        let mut bytes = frame(1, b"database system is ");
        bytes.extend(frame(2, b"warning\n"));
        bytes.extend(frame(1, b""));
        bytes.extend(frame(1, b"ready\n"));
        for split in 1..bytes.len() {
            let mut p = FrameParser::default();
            let mut got = Vec::new();
            for chunk in bytes.chunks(split) {
                p.push(chunk);
                while let Some(f) = p.next_frame() {
                    got.push(f);
                }
            }
            assert_eq!(
                got,
                vec![
                    (1, b"database system is ".to_vec()),
                    (2, b"warning\n".to_vec()),
                    (1, Vec::new()),
                    (1, b"ready\n".to_vec()),
                ],
                "chunks of {split}"
            );
            assert_eq!(p.rest(), None);
        }
    }

    #[test]
    fn a_frame_waits_for_its_whole_payload_and_a_cut_one_is_kept() {
        let mut p = FrameParser::default();
        let f = frame(1, b"hello world");
        p.push(&f[..7]);
        assert_eq!(p.next_frame(), None);
        p.push(&f[7..12]);
        assert_eq!(p.next_frame(), None);
        assert_eq!(p.rest(), Some(b"hell".to_vec()));
        assert_eq!(p.rest(), None);
        // a length over 64 KiB is read big-endian
        let big = vec![b'x'; 70_000];
        p.push(&frame(2, &big));
        assert_eq!(p.next_frame(), Some((2, big)));
    }

    #[test]
    fn docker_host_chooses_the_endpoint() {
        let e = |h: &str| Engine::from_host(Some(h)).map(|e| e.endpoint);
        assert_eq!(
            e("unix:///var/tmp/x/docker.sock"),
            Ok(Endpoint::Unix("/var/tmp/x/docker.sock".into()))
        );
        assert_eq!(
            e("tcp://10.0.0.2:2376"),
            Ok(Endpoint::Tcp("10.0.0.2:2376".into()))
        );
        assert_eq!(e("tcp://engine/"), Ok(Endpoint::Tcp("engine:2375".into())));
        assert!(e("unix://").is_err());
        assert!(e("https://engine:2376").unwrap_err().contains("TLS"));
        assert!(e("ssh://me@engine").is_err());
        assert_eq!(
            Engine::from_host(Some("tcp://10.0.0.2:2376"))
                .unwrap()
                .published_host(),
            "10.0.0.2"
        );
        assert_eq!(
            Engine::from_host(Some("unix:///s"))
                .unwrap()
                .published_host(),
            "localhost"
        );
        // unset or blank: a socket, whichever exists
        assert!(matches!(
            Engine::from_host(Some("  ")).unwrap().endpoint,
            Endpoint::Unix(_)
        ));
    }

    #[test]
    fn requests_name_their_resource_escaped_and_carry_json() {
        let r = build_request(
            Method::POST,
            &format!(
                "/containers/create?name={}",
                query("medusa-conformance-1a2b-medusa")
            ),
            Some(serde_json::json!({"Image": "x"})),
        )
        .unwrap();
        assert_eq!(r.method(), Method::POST);
        assert_eq!(
            r.uri(),
            "/containers/create?name=medusa-conformance-1a2b-medusa"
        );
        assert_eq!(r.headers()["host"], "docker");
        assert_eq!(r.headers()["content-type"], "application/json");
        let get = build_request(Method::GET, "/_ping", None).unwrap();
        assert!(get.headers().get("content-type").is_none());
        assert_eq!(
            format!(
                "/images/{}/json",
                segment("localhost:5000/medusa-conformance/medusa-v1:1.20.11")
            ),
            "/images/localhost:5000/medusa-conformance/medusa-v1:1.20.11/json"
        );
        assert_eq!(segment("a b?c#d%"), "a%20b%3Fc%23d%25");
        assert_eq!(query("a/b&c=d:e"), "a%2Fb%26c%3Dd%3Ae");
        assert_eq!(
            logs_path(
                "c1",
                LogsQuery {
                    follow: true,
                    stdout: true,
                    stderr: false,
                    tail: None
                }
            ),
            "/containers/c1/logs?follow=true&stdout=true&stderr=false"
        );
        assert_eq!(
            logs_path(
                "c1",
                LogsQuery {
                    follow: false,
                    stdout: true,
                    stderr: true,
                    tail: Some(400)
                }
            ),
            "/containers/c1/logs?follow=false&stdout=true&stderr=true&tail=400"
        );
    }

    #[test]
    fn a_container_is_created_as_the_target_needs_it() {
        let spec = ContainerSpec {
            image: "medusa-conformance/medusa-v1:1.20.11",
            network: "medusa-conformance-1a2b",
            labels: vec![("org.medusa-conformance.run", "1a2b")],
            env: vec![("PORT", "9000".to_owned()), ("A", "b=c".to_owned())],
            publish: vec![9000],
        };
        let body = create_body(&spec);
        assert_eq!(
            body,
            serde_json::json!({
                "Image": "medusa-conformance/medusa-v1:1.20.11",
                "Env": ["PORT=9000", "A=b=c"],
                "Labels": {"org.medusa-conformance.run": "1a2b"},
                "Tty": false,
                "ExposedPorts": {"9000/tcp": {}},
                "HostConfig": {"NetworkMode": "medusa-conformance-1a2b", "PublishAllPorts": true},
            })
        );
        let unpublished = create_body(&ContainerSpec {
            publish: vec![],
            ..spec
        });
        assert_eq!(unpublished["HostConfig"]["PublishAllPorts"], false);
        assert_eq!(unpublished["ExposedPorts"], serde_json::json!({}));
    }

    #[test]
    fn inspect_answers_give_port_state_and_exit_code() {
        let info = serde_json::json!({
            "State": {"Running": false, "ExitCode": 137},
            "NetworkSettings": {"Ports": {
                "9000/tcp": [{"HostIp": "::", "HostPort": "40001"}, {"HostIp": "0.0.0.0", "HostPort": "40000"}],
                "5432/tcp": null,
            }},
        });
        assert_eq!(published_port(&info, 9000), Some(40000));
        assert_eq!(published_port(&info, 5432), None);
        assert_eq!(published_port(&info, 80), None);
        assert!(!is_running(&info));
        assert_eq!(exit_code(&info), Some(137));
        assert!(is_running(&serde_json::json!({"State": {"Running": true}})));
        assert!(!is_running(&serde_json::json!({})));
    }

    #[test]
    fn engine_errors_are_one_line_with_the_engine_s_message() {
        let e = status_error(
            StatusCode::NOT_FOUND,
            br#"{"message":"No such image: medusa-conformance/x:1"}"#,
        );
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "engine answered 404: No such image: medusa-conformance/x:1"
        );
        let e = status_error(StatusCode::INTERNAL_SERVER_ERROR, b"boom\nmore\n");
        assert!(!e.is_not_found());
        assert_eq!(e.to_string(), "engine answered 500: boom");
    }

    #[tokio::test]
    async fn no_engine_is_a_transport_error_naming_the_socket() {
        let engine = Engine::from_host(Some("unix:///nonexistent/docker.sock")).unwrap();
        let e = engine.ping().await.unwrap_err();
        assert!(matches!(e, EngineError::Transport(_)), "{e:?}");
        assert!(e.to_string().contains("/nonexistent/docker.sock"), "{e}");
        assert!(!e.is_not_found());
    }
}
