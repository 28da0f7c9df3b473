//! One start-up, step by step under one deadline: the private network,
//! PostgreSQL, Medusa (migrations and the seeded admin), and a login that
//! answers 200. Every resource is noted in [`Resources`] before it is
//! created, so whatever happens it is removed.

use std::io::Write;
use std::time::{Duration, Instant};

use tokio::time::{sleep, timeout, timeout_at};
use url::Url;

use super::api::{self, ContainerSpec, Engine, LogsQuery};
use super::cleanup::Resources;
use super::engine::is_running;
use super::images::{ImageRef, Secrets};
use super::{
    ADMIN_CORS, ADMIN_EMAIL, BUILD_COMMAND, ENGINE_CALL_TIMEOUT, LOG_TAIL, MEDUSA_PORT,
    MedusaVersion, NAME_PREFIX, POSTGRES_READY, RUN_LABEL, TIMEOUT_VAR,
};
use crate::core::contract::{Call, V1};
use crate::core::exchange::{Auth, Body, Exchange};
use crate::core::redact::Redactor;
use crate::http::{Client, ClientSettings, describe, install_crypto_provider};
use crate::target::tls_proxy::TlsProxy;

/// Progress lines on the run's output (best effort: not worth failing for).
/// A step's line is begun when it starts and ended when it is done.
pub(super) struct Progress<'a> {
    pub(super) out: &'a mut dyn Write,
    /// A line was begun and not ended.
    pub(super) open: bool,
}

impl Progress<'_> {
    pub(super) fn say(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
        self.open = !text.ends_with('\n');
    }

    /// Ends a begun line, so that what follows starts on a line of its own.
    pub(super) fn close(&mut self) {
        if self.open {
            self.say("\n");
        }
    }
}

/// One start-up: what to start, with what, by when.
pub(super) struct Plan<'a> {
    pub(super) medusa: &'a ImageRef,
    pub(super) postgres: &'a ImageRef,
    pub(super) secrets: &'a Secrets,
    pub(super) redactor: &'a Redactor,
    pub(super) deadline: tokio::time::Instant,
    pub(super) budget: Duration,
    /// How messages name the engine (`DOCKER_HOST=...`).
    pub(super) host: String,
    /// Production mode behind a [`TlsProxy`].
    pub(super) tls: bool,
    /// The Medusa the image runs.
    pub(super) version: MedusaVersion,
}

impl Plan<'_> {
    /// Creates the network and both containers in `res` (so that they are
    /// removed whatever happens) and returns Medusa's base URL, and the TLS
    /// proxy in front of it in production mode. Errors are complete
    /// messages, not yet masked.
    pub(super) async fn run(
        &self,
        res: &mut Resources,
        out: &mut Progress<'_>,
    ) -> Result<(Url, Option<TlsProxy>), String> {
        let network = self.create_network(res).await?;
        let pg_name = self.start_postgres(res, out, &network).await?;
        let medusa_name = self.start_medusa(res, out, &network, &pg_name).await?;
        self.front_and_login(res, &medusa_name, out).await
    }

    /// Puts the TLS proxy in front of Medusa in production mode, and waits
    /// until the seeded admin can log in at the URL the run will use.
    async fn front_and_login(
        &self,
        res: &Resources,
        medusa_name: &str,
        out: &mut Progress<'_>,
    ) -> Result<(Url, Option<TlsProxy>), String> {
        let medusa_url = self.base_url(res, medusa_name).await?;
        let proxy = if self.tls {
            Some(TlsProxy::start(&medusa_url).await?)
        } else {
            None
        };
        let base_url = proxy.as_ref().map_or(medusa_url, TlsProxy::base_url);
        let t = Instant::now();
        out.say(&format!(
            "container: waiting for POST {base_url}{} to answer 200...",
            self.login_path().trim_start_matches('/')
        ));
        let ca = proxy.as_ref().map(TlsProxy::ca_pem);
        match self.version {
            MedusaVersion::V1 => self.wait_for_login(res, medusa_name, &base_url, ca).await?,
            MedusaVersion::V2 => {
                self.wait_for_v2_login(res, medusa_name, &base_url, ca)
                    .await?
            }
        }
        out.say(&format!(" done in {:.1}s\n", t.elapsed().as_secs_f64()));
        Ok((base_url, proxy))
    }

    /// The run's private network, noted in `res` before it is created.
    async fn create_network(&self, res: &mut Resources) -> Result<String, String> {
        let network = format!("{NAME_PREFIX}{}", res.run_id);
        res.network = Some(network.clone());
        let labels = [(RUN_LABEL, res.run_id.as_str())];
        match timeout_at(self.deadline, res.docker.create_network(&network, &labels)).await {
            Ok(Ok(())) => Ok(network),
            Ok(Err(e)) => Err(format!(
                "cannot create the network {network}: {e}\n  fix: check the Docker engine ({}); `docker network prune` frees address pools",
                self.host
            )),
            Err(_) => Err(self.timed_out("creating the network", None)),
        }
    }

    /// PostgreSQL: reachable by its container name on the private network
    /// only. Returns that name.
    async fn start_postgres(
        &self,
        res: &mut Resources,
        out: &mut Progress<'_>,
        network: &str,
    ) -> Result<String, String> {
        let pg_name = format!("{NAME_PREFIX}{}-postgres", res.run_id);
        let t = Instant::now();
        let image = self.postgres.descriptor();
        out.say(&format!("container: starting postgres (image {image})..."));
        let run_id = res.run_id.clone();
        // reachable on the private network only: no port published
        let pg = ContainerSpec {
            image: &image,
            network,
            labels: vec![(RUN_LABEL, &run_id)],
            env: vec![
                (
                    "POSTGRES_PASSWORD",
                    self.secrets.postgres_password.expose().to_owned(),
                ),
                ("POSTGRES_DB", "medusa".to_owned()),
            ],
            publish: Vec::new(),
        };
        self.start_container(res, &pg_name, "postgres", self.postgres, &pg)
            .await?;
        self.wait_for_line(res, &pg_name, "postgres", self.postgres, POSTGRES_READY)
            .await?;
        out.say(&format!(" ready in {:.1}s\n", t.elapsed().as_secs_f64()));
        Ok(pg_name)
    }

    /// Medusa: migrations, the seeded admin and its API token, then the
    /// server. Returns its container name.
    async fn start_medusa(
        &self,
        res: &mut Resources,
        out: &mut Progress<'_>,
        network: &str,
        pg_name: &str,
    ) -> Result<String, String> {
        let medusa_name = format!("{NAME_PREFIX}{}-medusa", res.run_id);
        let t = Instant::now();
        let image = self.medusa.descriptor();
        out.say(&format!("container: starting medusa (image {image})..."));
        let run_id = res.run_id.clone();
        let medusa = ContainerSpec {
            image: &image,
            network,
            labels: vec![(RUN_LABEL, &run_id)],
            env: self.medusa_env(pg_name),
            publish: vec![MEDUSA_PORT],
        };
        self.start_container(res, &medusa_name, "medusa", self.medusa, &medusa)
            .await?;
        self.wait_for_line(
            res,
            &medusa_name,
            "medusa",
            self.medusa,
            self.version.ready_line(),
        )
        .await?;
        out.say(&format!(" ready in {:.1}s\n", t.elapsed().as_secs_f64()));
        Ok(medusa_name)
    }

    /// The Medusa container's environment: its secrets and settings.
    fn medusa_env(&self, pg_name: &str) -> Vec<(&'static str, String)> {
        let database_url = format!(
            "postgres://postgres:{}@{pg_name}:5432/medusa",
            self.secrets.postgres_password.expose()
        );
        let mut env = vec![
            ("DATABASE_URL", database_url),
            ("JWT_SECRET", self.secrets.jwt_secret.expose().to_owned()),
            (
                "COOKIE_SECRET",
                self.secrets.cookie_secret.expose().to_owned(),
            ),
            ("MEDUSA_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
            (
                "MEDUSA_ADMIN_PASSWORD",
                self.secrets.admin_password.expose().to_owned(),
            ),
            (
                "MEDUSA_API_TOKEN",
                self.secrets.api_token.expose().to_owned(),
            ),
        ];
        if self.version == MedusaVersion::V1 {
            env.push(("MEDUSA_CREATE_USER", "sql".to_owned()));
        }
        // (the v2 image creates the admin with `medusa user`, always)
        env.push(("ADMIN_CORS", ADMIN_CORS.to_owned()));
        let node_env = if self.tls {
            "production"
        } else {
            "development"
        };
        env.push(("NODE_ENV", node_env.to_owned()));
        env.push(("PORT", MEDUSA_PORT.to_string()));
        env
    }

    async fn start_container(
        &self,
        res: &mut Resources,
        name: &str,
        role: &str,
        image: &ImageRef,
        spec: &ContainerSpec<'_>,
    ) -> Result<(), String> {
        // Noted before the call: if this future is dropped half-way, the
        // container is still removed by name.
        res.names.push(name.to_owned());
        let docker = &res.docker;
        let create_and_start = async {
            docker.create_container(name, spec).await?;
            docker.start_container(name).await
        };
        match timeout_at(self.deadline, create_and_start).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!(
                "the {role} container (image {}) could not be started: {e}\n  fix: check the image ({}; {BUILD_COMMAND} --force --only {} rebuilds it) and the Docker engine ({})",
                image.descriptor(),
                image.var,
                self.build_name(role),
                self.host
            )),
            Err(_) => Err(self.timed_out(&format!("starting the {role} container"), None)),
        }
    }

    /// Follows the container's stdout until `line` appears; fails when the
    /// container exits first or the deadline passes; the container is
    /// kept, so that its exit status and last log lines can be shown.
    async fn wait_for_line(
        &self,
        res: &Resources,
        name: &str,
        role: &str,
        image: &ImageRef,
        line: &str,
    ) -> Result<(), String> {
        let query = LogsQuery {
            follow: true,
            stdout: true,
            stderr: false,
            tail: None,
        };
        let mut logs = match timeout_at(self.deadline, res.docker.logs(name, query)).await {
            Ok(Ok(logs)) => logs,
            Ok(Err(e)) => {
                return Err(format!(
                    "cannot read the {role} container's log: {e}\n  fix: check the Docker engine ({})",
                    self.host
                ));
            }
            Err(_) => {
                return Err(self.timed_out(&format!("reading the {role} container's log"), None));
            }
        };
        let mut partial = String::new();
        loop {
            match timeout_at(self.deadline, logs.next()).await {
                Err(_) => {
                    let tail = self.log_tail(&res.docker, name).await;
                    return Err(self.timed_out(
                        &format!(
                            "waiting for the {role} container (image {}) to print \"{line}\"",
                            image.descriptor()
                        ),
                        Some(tail),
                    ));
                }
                Ok(Some(Ok(chunk))) => {
                    partial.push_str(&String::from_utf8_lossy(&chunk));
                    if partial.contains(line) {
                        return Ok(());
                    }
                    // keep only the unfinished last line
                    if let Some(pos) = partial.rfind('\n') {
                        partial.drain(..=pos);
                    }
                }
                Ok(Some(Err(e))) => {
                    return Err(format!(
                        "lost the {role} container's log stream: {e}\n  fix: check the Docker engine ({})",
                        self.host
                    ));
                }
                Ok(None) => return Err(self.exited(res, name, role, image).await),
            }
        }
    }

    async fn base_url(&self, res: &Resources, name: &str) -> Result<Url, String> {
        let info = timeout(ENGINE_CALL_TIMEOUT, res.docker.inspect_container(name))
            .await
            .map_err(|_| {
                "the Docker engine did not say which port Medusa is published on".to_owned()
            })?
            .map_err(|e| format!("cannot tell which port Medusa is published on: {e}"))?;
        let port = api::published_port(&info, MEDUSA_PORT).ok_or_else(|| {
            format!("Medusa's port {MEDUSA_PORT} is not published on an IPv4 address")
        })?;
        let host = res.docker.published_host();
        let raw = if host.contains(':') {
            format!("http://[{host}]:{port}")
        } else {
            format!("http://{host}:{port}")
        };
        Url::parse(&raw).map_err(|e| format!("bad base URL {raw}: {e}"))
    }

    /// The ready line says `/health` answers; this makes sure the seeded
    /// admin can log in, so the first scenario does not race the seeding.
    /// Over https (`ca_pem`: the proxy's CA) the session cookie must also be
    /// `Secure`: the proof that Medusa runs in production mode and trusts
    /// the proxy's `X-Forwarded-Proto`.
    async fn wait_for_login(
        &self,
        res: &Resources,
        name: &str,
        base_url: &Url,
        ca_pem: Option<&str>,
    ) -> Result<(), String> {
        let settings = ClientSettings {
            base_url: base_url.clone(),
            ca_cert_pem: ca_pem.map(|p| p.as_bytes().to_vec()),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            max_retries: 0,
        };
        let client = Client::new(&settings, &V1).map_err(|e| e.to_string())?;
        let body = Body::Json(serde_json::json!({
            "email": ADMIN_EMAIL,
            "password": self.secrets.admin_password.expose(),
        }));
        let route = V1.route(Call::CreateSession);
        let mut last = String::from("no answer yet");
        loop {
            let attempt = client.send(Call::CreateSession, &Auth::None, &body);
            match timeout_at(self.deadline, attempt).await {
                Ok(Ok(ex)) if ex.status == 200 => {
                    if ca_pem.is_some() && !has_secure_session_cookie(&ex) {
                        return Err(format!(
                            "POST {base_url}admin/auth answered 200 without a Secure session cookie: the Medusa image ({}) does not run in production mode behind the TLS proxy\n  fix: the image must pass NODE_ENV to Medusa (docker/medusa-v1/)",
                            self.medusa.var
                        ));
                    }
                    return Ok(());
                }
                Ok(Ok(ex)) => last = format!("last answer: HTTP {}", ex.status),
                Ok(Err(e)) => last = format!("last attempt: {}", e.reason),
                Err(_) => {}
            }
            if tokio::time::Instant::now() >= self.deadline {
                let tail = self.log_tail(&res.docker, name).await;
                return Err(self.timed_out(
                    &format!(
                        "waiting for {} {base_url}{} to answer 200 ({last})",
                        route.method,
                        route.path.trim_start_matches('/')
                    ),
                    Some(tail),
                ));
            }
            if !is_running(&res.docker, name).await {
                return Err(self.exited(res, name, "medusa", self.medusa).await);
            }
            sleep(Duration::from_millis(200)).await;
        }
    }

    /// The path of the login that proves the admin is seeded.
    fn login_path(&self) -> &'static str {
        match self.version {
            MedusaVersion::V1 => V1.route(Call::CreateSession).path,
            MedusaVersion::V2 => V2_LOGIN_PATH,
        }
    }

    /// The name `--only` takes for the image of `role` (v1's Medusa keeps
    /// its historical `medusa`).
    fn build_name<'r>(&self, role: &'r str) -> &'r str {
        match (role, self.version) {
            ("medusa", MedusaVersion::V2) => MedusaVersion::V2.dir(),
            _ => role,
        }
    }

    /// [`Plan::wait_for_login`] for Medusa v2: `POST /auth/user/emailpass`
    /// must answer 200 with a token. Over https (`ca_pem`) that token must
    /// also open a session whose cookie is `Secure` (production mode behind
    /// the proxy). Plain reqwest, not [`Client`]: the harness's contract
    /// has no v2 routes on this branch (the lead's merge may switch this to
    /// the v2 dialect).
    async fn wait_for_v2_login(
        &self,
        res: &Resources,
        name: &str,
        base_url: &Url,
        ca_pem: Option<&str>,
    ) -> Result<(), String> {
        let client = v2_client(ca_pem)?;
        let login_url = base_url
            .join(V2_LOGIN_PATH.trim_start_matches('/'))
            .map_err(|e| e.to_string())?;
        let body = serde_json::json!({
            "email": ADMIN_EMAIL,
            "password": self.secrets.admin_password.expose(),
        });
        let mut last = String::from("no answer yet");
        loop {
            match timeout_at(self.deadline, v2_token(&client, &login_url, &body)).await {
                Ok(Ok(token)) => {
                    if ca_pem.is_none() {
                        return Ok(());
                    }
                    let url = base_url.join("auth/session").map_err(|e| e.to_string())?;
                    let session = client.post(url).bearer_auth(token).send();
                    match timeout_at(self.deadline, session).await {
                        Ok(Ok(r))
                            if r.status() == 200 && sets_secure_session_cookie(r.headers()) =>
                        {
                            return Ok(());
                        }
                        Ok(Ok(r)) if r.status() == 200 => {
                            return Err(format!(
                                "POST {base_url}auth/session answered 200 without a Secure session cookie: the Medusa image ({}) does not run in production mode behind the TLS proxy\n  fix: the image must pass NODE_ENV to Medusa (docker/medusa-v2/)",
                                self.medusa.var
                            ));
                        }
                        Ok(Ok(r)) => last = format!("POST /auth/session: HTTP {}", r.status()),
                        Ok(Err(e)) => last = format!("POST /auth/session: {}", describe(&e)),
                        Err(_) => {}
                    }
                }
                Ok(Err(e)) => last = e,
                Err(_) => {}
            }
            if tokio::time::Instant::now() >= self.deadline {
                let tail = self.log_tail(&res.docker, name).await;
                return Err(self.timed_out(
                    &format!("waiting for POST {login_url} to answer 200 ({last})"),
                    Some(tail),
                ));
            }
            if !is_running(&res.docker, name).await {
                return Err(self.exited(res, name, "medusa", self.medusa).await);
            }
            sleep(Duration::from_millis(200)).await;
        }
    }

    fn timed_out(&self, doing: &str, tail: Option<String>) -> String {
        let mut msg = format!(
            "the containers were not ready within {}s ({TIMEOUT_VAR}): timed out {doing}",
            self.budget.as_secs()
        );
        if let Some(tail) = tail {
            msg.push_str(&tail);
        }
        msg.push_str(&format!(
            "\n  fix: on a slow or busy machine raise {TIMEOUT_VAR} (e.g. {TIMEOUT_VAR}=600); otherwise the log lines above say what it was doing"
        ));
        msg
    }

    async fn exited(&self, res: &Resources, name: &str, role: &str, image: &ImageRef) -> String {
        let status = match timeout(ENGINE_CALL_TIMEOUT, res.docker.inspect_container(name)).await {
            Ok(Ok(info)) => api::exit_code(&info)
                .map_or_else(|| "an unknown status".to_owned(), |c| format!("status {c}")),
            _ => "an unknown status".to_owned(),
        };
        let tail = self.log_tail(&res.docker, name).await;
        format!(
            "the {role} container (image {}, {}) exited with {status} during start-up{tail}\n  fix: {} must name an image built from docker/{}/ (by {BUILD_COMMAND}); its log lines above say why it stopped;\n       a broken image is rebuilt by {BUILD_COMMAND} --force --only {}",
            image.descriptor(),
            image.var,
            image.var,
            if role == "medusa" {
                self.version.dir()
            } else {
                role
            },
            self.build_name(role),
        )
    }

    /// The container's last log lines (stdout and stderr, SQL query echoes
    /// left out), masked, indented, ready to append to a message.
    async fn log_tail(&self, docker: &Engine, name: &str) -> String {
        let query = LogsQuery {
            follow: false,
            stdout: true,
            stderr: true,
            tail: Some(400),
        };
        let collect = async {
            let mut logs = docker.logs(name, query).await?;
            // what was read before an error is still worth showing
            let mut bytes = Vec::new();
            while let Some(Ok(chunk)) = logs.next().await {
                bytes.extend_from_slice(&chunk);
            }
            Ok::<_, api::EngineError>(bytes)
        };
        let bytes = match timeout(ENGINE_CALL_TIMEOUT, collect).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => Vec::new(),
            Err(_) => return "\n  (its log could not be read in time)".to_owned(),
        };
        let text = String::from_utf8_lossy(&bytes);
        format_log_tail(name, &text, self.redactor)
    }
}

/// Medusa v2's login route (`POST`; v1's is the contract's `CreateSession`).
const V2_LOGIN_PATH: &str = "/auth/user/emailpass";

/// The client of [`Plan::wait_for_v2_login`]: short bounds, no redirects,
/// the TLS proxy's CA trusted.
fn v2_client(ca_pem: Option<&str>) -> Result<reqwest::Client, String> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| format!("the TLS proxy's CA is not PEM: {e}"))?;
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|e| e.to_string())
}

/// One v2 login: the token, or what went wrong (no secret in it).
async fn v2_token(
    client: &reqwest::Client,
    url: &Url,
    body: &serde_json::Value,
) -> Result<String, String> {
    let r = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("last attempt: {}", describe(&e)))?;
    let status = r.status().as_u16();
    if status != 200 {
        return Err(format!("last answer: HTTP {status}"));
    }
    let bytes = r
        .bytes()
        .await
        .map_err(|e| format!("last answer: HTTP 200, body unread: {}", describe(&e)))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| "last answer: HTTP 200 without a JSON body".to_owned())?;
    json.get("token")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .ok_or_else(|| "last answer: HTTP 200 without a token".to_owned())
}

/// Whether `headers` set a `Secure` `connect.sid` (Medusa v2's session cookie).
fn sets_secure_session_cookie(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| cookie::Cookie::parse(v).ok())
        .any(|c| c.name() == V1.session_cookie && c.secure() == Some(true))
}

/// Whether the session cookie `ex` sets is `Secure`.
fn has_secure_session_cookie(ex: &Exchange) -> bool {
    ex.cookies_named(V1.session_cookie)
        .iter()
        .any(|c| c.secure() == Some(true))
}

/// The last [`LOG_TAIL`] lines of `text`, SQL query echoes left out, masked.
pub(super) fn format_log_tail(name: &str, text: &str, redactor: &Redactor) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with("query:"))
        .collect();
    if lines.is_empty() {
        return format!("\n  container {name} printed nothing");
    }
    let start = lines.len().saturating_sub(LOG_TAIL);
    let mut out = format!(
        "\n  last {} log lines of {name} (secrets redacted):",
        lines.len() - start
    );
    for line in &lines[start..] {
        let line: String = line.chars().take(300).collect();
        out.push_str("\n    | ");
        out.push_str(&redactor.mask(&line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tails_are_short_masked_and_skip_sql() {
        let r = Redactor::new();
        r.add("hunter22secret");
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!("line {i}\nquery: SELECT {i}\n"));
        }
        text.push_str("password is hunter22secret\n");
        let tail = format_log_tail("c1", &text, &r);
        assert!(!tail.contains("hunter22secret"), "{tail}");
        assert!(tail.contains("[REDACTED]"), "{tail}");
        assert!(!tail.contains("query:"), "{tail}");
        assert_eq!(tail.matches("\n    | ").count(), LOG_TAIL, "{tail}");
        assert!(
            tail.contains("line 49") && !tail.contains("line 30\n"),
            "{tail}"
        );
        assert!(format_log_tail("c1", "", &r).contains("printed nothing"));
    }

    #[test]
    fn only_a_secure_v2_session_cookie_counts() {
        let headers = |cookies: &[&str]| {
            let mut h = reqwest::header::HeaderMap::new();
            for c in cookies {
                h.append(reqwest::header::SET_COOKIE, c.parse().unwrap());
            }
            h
        };
        // what Medusa 2.21.2 sets in production mode behind X-Forwarded-Proto: https
        let secure = "connect.sid=s%3Aa.b; Path=/; Expires=Mon, 30 Nov 2026 14:31:18 GMT; HttpOnly; Secure; SameSite=Lax";
        assert!(sets_secure_session_cookie(&headers(&[secure])));
        assert!(!sets_secure_session_cookie(&headers(&[
            "connect.sid=s%3Aa.b; Path=/; HttpOnly"
        ])));
        assert!(!sets_secure_session_cookie(&headers(&[
            "other=x; Secure",
            "connect.sid=s%3Aa.b; Path=/"
        ])));
        assert!(!sets_secure_session_cookie(&headers(&[])));
    }

    #[test]
    fn only_v2_medusa_images_are_rebuilt_as_medusa_v2() {
        let plan = |version| {
            let image = ImageRef::parse("a:b", "MEDUSA_IMAGE").unwrap();
            let secrets = Secrets::random(version);
            let redactor = Redactor::new();
            let name = |p: &Plan<'_>| {
                (
                    p.build_name("medusa").to_owned(),
                    p.build_name("postgres").to_owned(),
                    p.login_path(),
                )
            };
            name(&Plan {
                medusa: &image,
                postgres: &image,
                secrets: &secrets,
                redactor: &redactor,
                deadline: tokio::time::Instant::now(),
                budget: Duration::from_secs(1),
                host: String::new(),
                tls: false,
                version,
            })
        };
        assert_eq!(
            plan(MedusaVersion::V1),
            ("medusa".into(), "postgres".into(), "/admin/auth")
        );
        assert_eq!(
            plan(MedusaVersion::V2),
            (
                "medusa-v2".into(),
                "postgres".into(),
                "/auth/user/emailpass"
            )
        );
    }

    #[test]
    fn only_a_secure_session_cookie_counts() {
        let login = |cookies: &[&str]| {
            let mut headers = reqwest::header::HeaderMap::new();
            for c in cookies {
                headers.append(reqwest::header::SET_COOKIE, c.parse().unwrap());
            }
            Exchange {
                call: Call::CreateSession,
                method: "POST".into(),
                path: "/admin/auth".into(),
                request_headers: Vec::new(),
                request_body: None,
                status: 200,
                headers,
                body: Vec::new(),
                truncated: false,
                retries: 0,
            }
        };
        let secure = "connect.sid=s%3Aa.b; Path=/; HttpOnly; Secure; SameSite=None";
        assert!(has_secure_session_cookie(&login(&[secure])));
        assert!(!has_secure_session_cookie(&login(&[
            "connect.sid=s%3Aa.b; Path=/; HttpOnly"
        ])));
        assert!(!has_secure_session_cookie(&login(&[
            "other=x; Secure",
            "connect.sid=s%3Aa.b; Path=/"
        ])));
        assert!(!has_secure_session_cookie(&login(&[])));
    }
}
