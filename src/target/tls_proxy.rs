//! An in-process TLS terminator: `https://127.0.0.1:<port>` in front of a
//! plain-HTTP backend, for a production-mode Medusa (`NODE_ENV=production`).
//!
//! Such a Medusa sets its session cookie `Secure; SameSite=None` and sends
//! it only when the request came over https; it trusts one proxy hop, so the
//! proxy tells it with `X-Forwarded-Proto: https` (what nginx or a load
//! balancer does in front of a real deployment).
//!
//! Each proxy makes its own test CA and a leaf certificate for `127.0.0.1`
//! and `localhost`, in memory, when it starts ([`TlsProxy::ca_pem`] is the
//! CA to trust; no key is ever written anywhere). HTTP/1.1 only. Dropping
//! the proxy stops it and every connection it holds.
//!
//! This module does no I/O but its own sockets, and reads no environment.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use url::Url;

/// What the proxy answers: the backend's response, or its own error page.
type ProxyBody = Either<Incoming, Full<Bytes>>;

/// Bound of a client's TLS handshake (a silent client must not hold a task).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle upstream connections are closed before Node's 5 s keep-alive timeout
/// closes them, so a request is never sent on a connection being closed.
const UPSTREAM_IDLE: Duration = Duration::from_secs(2);

/// Headers of one hop only (RFC 9110 section 7.6.1): never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

/// A running TLS terminator; stops when dropped.
#[derive(Debug)]
pub struct TlsProxy {
    base_url: Url,
    ca_pem: String,
    task: JoinHandle<()>,
}

impl TlsProxy {
    /// Makes a fresh test CA and certificate and starts listening on a free
    /// loopback port, forwarding every request to `upstream` (`http://host:port`).
    pub async fn start(upstream: &Url) -> Result<TlsProxy, String> {
        if upstream.scheme() != "http" || upstream.host().is_none() {
            return Err(format!(
                "the TLS proxy forwards to http://host:port, not {upstream}"
            ));
        }
        let origin = upstream.origin().ascii_serialization();
        let (ca_pem, leaf, key) = test_certificates()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS proxy: {e}"))?
            .with_no_client_auth()
            .with_single_cert(vec![leaf], key)
            .map_err(|e| format!("TLS proxy: the certificate is refused: {e}"))?;
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| format!("TLS proxy: cannot listen on loopback: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("TLS proxy: {e}"))?
            .port();
        let base_url = Url::parse(&format!("https://127.0.0.1:{port}"))
            .map_err(|e| format!("TLS proxy: {e}"))?;
        let forwarder = Arc::new(Forwarder {
            origin,
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(UPSTREAM_IDLE)
                .build(HttpConnector::new()),
        });
        let task = tokio::spawn(serve(listener, TlsAcceptor::from(Arc::new(tls)), forwarder));
        Ok(TlsProxy {
            base_url,
            ca_pem,
            task,
        })
    }

    /// Where clients connect: `https://127.0.0.1:<port>`.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// The PEM of the CA that signed the proxy's certificate (public).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        // The accept loop owns the connections' JoinSet: all of them end too.
        self.task.abort();
    }
}

/// A test CA (its PEM) and a leaf for `127.0.0.1`/`localhost` signed by it.
/// rcgen's default validity (1975 to 4096) keeps the clock out of it.
fn test_certificates() -> Result<(String, CertificateDer<'static>, PrivateKeyDer<'static>), String>
{
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let fail = |e: rcgen::Error| format!("TLS proxy: cannot make a test certificate: {e}");
    let ca_key = KeyPair::generate().map_err(fail)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca.distinguished_name
        .push(DnType::CommonName, "medusa-conformance test CA (one run)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).map_err(fail)?;
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = KeyPair::generate().map_err(fail)?;
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .map_err(fail)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(fail)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok((ca_cert.pem(), leaf_cert.der().clone(), key))
}

/// Accepts connections until aborted; each one is a task of `connections`,
/// which goes (and aborts them) with this future.
async fn serve(listener: TcpListener, acceptor: TlsAcceptor, forwarder: Arc<Forwarder>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let acceptor = acceptor.clone();
                    let forwarder = forwarder.clone();
                    connections.spawn(connection(tcp, peer, acceptor, forwarder));
                }
                // Out of file descriptors and the like: wait, do not spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    forwarder: Arc<Forwarder>,
) {
    // A failed handshake (an untrusted certificate, say) is the client's to report.
    let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
        return;
    };
    let service = hyper::service::service_fn(move |req| {
        let forwarder = forwarder.clone();
        async move { Ok::<_, Infallible>(forwarder.forward(req, peer).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await;
}

/// Sends requests on to the backend.
struct Forwarder {
    /// `http://host:port` of the backend.
    origin: String,
    client: Client<HttpConnector, Incoming>,
}

impl Forwarder {
    async fn forward(&self, mut req: Request<Incoming>, peer: SocketAddr) -> Response<ProxyBody> {
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let uri = match format!("{}{path}", self.origin).parse::<Uri>() {
            Ok(uri) => uri,
            Err(e) => return error_page(StatusCode::BAD_REQUEST, &format!("bad target: {e}")),
        };
        *req.uri_mut() = uri;
        let headers = req.headers_mut();
        strip_hop_by_hop(headers);
        // This proxy is the first hop: whatever a client claimed is replaced.
        headers.insert(
            HeaderName::from_static("x-forwarded-proto"),
            HeaderValue::from_static("https"),
        );
        if let Ok(v) = HeaderValue::from_str(&peer.ip().to_string()) {
            headers.insert(HeaderName::from_static("x-forwarded-for"), v);
        }
        match self.client.request(req).await {
            Ok(mut resp) => {
                strip_hop_by_hop(resp.headers_mut());
                resp.map(Either::Left)
            }
            Err(e) => error_page(
                StatusCode::BAD_GATEWAY,
                &format!("the backend at {} did not answer: {e}", self.origin),
            ),
        }
    }
}

/// Removes the hop-by-hop headers and those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// The proxy's own answer, marked as such, so that it is never mistaken
/// for the backend's.
fn error_page(status: StatusCode, text: &str) -> Response<ProxyBody> {
    let mut resp = Response::new(Either::Right(Full::new(Bytes::from(format!(
        "medusa-conformance TLS proxy: {text}\n"
    )))));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("connection", "keep-alive, x-private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("upgrade", "h2c"),
            ("set-cookie", "a=b"),
            ("content-length", "2"),
        ] {
            h.append(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        strip_hop_by_hop(&mut h);
        let mut left: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["content-length", "set-cookie"]);
    }

    #[test]
    fn the_leaf_is_for_loopback_and_signed_by_the_ca() {
        use rustls::client::danger::ServerCertVerifier as _;
        let (ca_pem, leaf, _) = test_certificates().unwrap();
        assert!(
            ca_pem.starts_with("-----BEGIN CERTIFICATE-----"),
            "{ca_pem}"
        );
        let mut roots = rustls::RootCertStore::empty();
        for ca in rustls::pki_types::pem::PemObject::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(ca.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        let now = rustls::pki_types::UnixTime::now();
        for name in ["127.0.0.1", "localhost"] {
            let name = rustls::pki_types::ServerName::try_from(name).unwrap();
            verifier
                .verify_server_cert(&leaf, &[], &name, &[], now)
                .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        }
        let other = rustls::pki_types::ServerName::try_from("example.com").unwrap();
        assert!(
            verifier
                .verify_server_cert(&leaf, &[], &other, &[], now)
                .is_err()
        );
        // Another proxy's CA does not vouch for this leaf.
        let (other_ca, _, _) = test_certificates().unwrap();
        assert_ne!(other_ca, ca_pem);
    }
}
