//! `medusa-conformance serve`: the reference backend as a local stand-in
//! for Medusa, for people who write clients against the admin auth API.
//! Prints where it listens and who to log in as (a generated password or
//! API token is shown here, once, on purpose: like a development server
//! printing the credentials it made up, it is the only way to learn
//! them), then a line per request (never a secret), until SIGINT or
//! SIGTERM.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::app::RunError;
use crate::app::signal::shutdown_signal;
use crate::core::redact::Redactor;
use crate::target::TargetError;
use crate::target::reference::ReferenceConfig;
use crate::target::reference::serve::{FAULTS_PATH, RequestLine, RequestLog, Server};

/// How long requests still in flight may take once a signal came.
const DRAIN: Duration = Duration::from_secs(5);

/// What `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The address to listen on (default loopback).
    pub host: String,
    /// The port (0: one the system picks; the URL printed says which).
    pub port: u16,
    /// The backend's admin, secrets and initial faults.
    pub reference: ReferenceConfig,
    /// The password was made up here, not given: print it once.
    pub generated_password: bool,
    /// The API token was made up here, not given: print it once.
    pub generated_api_token: bool,
}

/// Serves until SIGINT or SIGTERM, writing the banner and the request log
/// to `out`. `Ok` once stopped by a signal.
pub async fn serve<W: Write + Send + 'static>(config: ServeConfig, out: W) -> Result<(), RunError> {
    // Installed first: a signal from now on stops the server cleanly.
    let stop = shutdown_signal();
    let server = Server::bind(&config.host, config.port, config.reference.clone())
        .await
        .map_err(|e| {
            TargetError::Setup(format!(
                "serve cannot listen on {}:{}: {e}",
                config.host, config.port
            ))
        })?;
    let out = Arc::new(Mutex::new(out));
    {
        let mut o = out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = write_banner(&mut *o, &config, server.base_url().as_str());
    }
    // From here on every line is masked: the secrets were shown once.
    let redactor = Redactor::new();
    redactor.add(config.reference.admin_password.expose());
    redactor.add(config.reference.api_token.expose());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(request_log(out.clone(), redactor), async {
        let _ = rx.await;
    }));
    let signal = stop.await;
    let _ = tx.send(());
    let stopped = match tokio::time::timeout(DRAIN, running).await {
        Ok(Ok(Ok(()))) => format!("stopped by {signal}"),
        Ok(Ok(Err(e))) => format!("stopped by {signal} (the server said: {e})"),
        Ok(Err(e)) => format!("stopped by {signal} (the server task failed: {e})"),
        Err(_) => format!("stopped by {signal}; requests still open after {DRAIN:?} were cut"),
    };
    let mut o = out
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let _ = writeln!(o, "medusa-conformance serve: {stopped}");
    let _ = o.flush();
    Ok(())
}

/// The lines printed at start: where, who, which faults, how to switch
/// them and how to stop. The generated secrets, and only they, are shown.
fn write_banner(out: &mut dyn Write, config: &ServeConfig, url: &str) -> std::io::Result<()> {
    let url = url.trim_end_matches('/');
    let rc = &config.reference;
    writeln!(
        out,
        "medusa-conformance serve: the reference backend (Medusa v1 admin auth) on {url}"
    )?;
    writeln!(out, "  admin e-mail: {}", rc.admin_email.to_lowercase())?;
    let mut shown = Vec::new();
    if config.generated_password {
        shown.push(format!("password {}", rc.admin_password.expose()));
    }
    if config.generated_api_token {
        shown.push(format!("API token {}", rc.api_token.expose()));
    }
    if !shown.is_empty() {
        writeln!(
            out,
            "  generated (shown this once, never logged): {}",
            shown.join(", ")
        )?;
    }
    if !config.generated_password || !config.generated_api_token {
        writeln!(out, "  given secrets are not shown")?;
    }
    let faults = if rc.faults.is_empty() {
        "none".to_owned()
    } else {
        rc.faults.names()
    };
    writeln!(out, "  faults: {faults}")?;
    if rc.hardened {
        writeln!(
            out,
            "  hardened: every advisory the contract allows is fixed (docs/advisories.md); 5 wrong passwords in a row lock the account for 60 s (429, Retry-After)"
        )?;
    }
    writeln!(
        out,
        "  switch faults (from this machine only): curl -X PUT -H 'content-type: application/json' \
         -d '{{\"faults\":[\"created-201\"]}}' {url}{FAULTS_PATH}"
    )?;
    writeln!(out, "  stop: Ctrl-C or SIGTERM")?;
    out.flush()
}

/// A log line per request, masked, written at once.
fn request_log<W: Write + Send + 'static>(out: Arc<Mutex<W>>, redactor: Redactor) -> RequestLog {
    Arc::new(move |r: &RequestLine| {
        let shown = RequestLine {
            path: shown_path(&redactor, &r.path),
            ..r.clone()
        };
        let line = format_line(&crate::target::reference::now_rfc3339(), &shown);
        let mut o = out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(o, "{}", redactor.mask(&line));
        let _ = o.flush();
    })
}

/// The path as logged: as sent, unless its percent-decoded form holds a
/// secret (in an encoding the redactor does not know, such as `_` left
/// as it is): then decoded, masked, and escaped (no control character
/// reaches the log).
fn shown_path(redactor: &Redactor, raw: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let masked = redactor.mask(&decoded);
    if masked == decoded {
        return raw.to_owned();
    }
    masked.chars().flat_map(char::escape_default).collect()
}

/// `2026-11-30T01:40:00.123Z GET /admin/auth 401 0.4ms`.
fn format_line(at: &str, r: &RequestLine) -> String {
    let ms = r.elapsed.as_secs_f64() * 1000.0;
    format!("{at} {} {} {} {ms:.1}ms", r.method, r.path, r.status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::redact::Secret;

    fn config(generated: bool) -> ServeConfig {
        let mut reference = ReferenceConfig::random();
        reference.admin_password = Secret::new("pw-SHOWN-ONCE");
        reference.api_token = Secret::new("tok_SHOWN_ONCE");
        ServeConfig {
            host: "127.0.0.1".into(),
            port: 0,
            reference,
            generated_password: generated,
            generated_api_token: generated,
        }
    }

    fn banner(c: &ServeConfig) -> String {
        let mut out = Vec::new();
        write_banner(&mut out, c, "http://127.0.0.1:9000/").unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn generated_secrets_are_shown_and_given_ones_are_not() {
        let b = banner(&config(true));
        assert!(b.contains("on http://127.0.0.1:9000\n"), "{b}");
        assert!(
            b.contains("generated (shown this once, never logged): password pw-SHOWN-ONCE, API token tok_SHOWN_ONCE"),
            "{b}"
        );
        let b = banner(&config(false));
        assert!(
            !b.contains("SHOWN") && b.contains("given secrets are not shown"),
            "{b}"
        );
        let mut one = config(false);
        one.generated_api_token = true;
        let b = banner(&one);
        assert!(
            b.contains("API token tok_SHOWN_ONCE") && !b.contains("pw-SHOWN"),
            "{b}"
        );
    }

    #[test]
    fn a_path_that_carries_a_secret_is_masked_in_any_encoding() {
        let r = Redactor::new();
        r.add("Path_Secret+1/x");
        assert_eq!(shown_path(&r, "/admin/auth"), "/admin/auth");
        assert_eq!(shown_path(&r, "/a%20b"), "/a%20b");
        let shown = shown_path(&r, "/admin/Path_Secret%2B1%2Fx%0A");
        assert_eq!(shown, "/admin/[REDACTED]\\n");
    }

    #[test]
    fn a_log_line_says_method_path_status_and_time() {
        let r = RequestLine {
            method: "POST".into(),
            path: "/admin/auth".into(),
            status: 401,
            elapsed: Duration::from_micros(1500),
        };
        assert_eq!(
            format_line("2026-11-30T01:40:00.123Z", &r),
            "2026-11-30T01:40:00.123Z POST /admin/auth 401 1.5ms"
        );
    }
}
