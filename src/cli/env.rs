//! Everything the harness reads from its environment, read and checked
//! once, with one clear error per mistake: the only reader of environment
//! variables in the crate.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::app::{Config, ConfigError};
use crate::core::credentials::Credentials;
use crate::core::redact::Secret;
use crate::report::console::ColorChoice;
use crate::target::TargetConfig;
use crate::target::container::{
    ContainerSettings, DEFAULT_MEDUSA_IMAGE, DEFAULT_POSTGRES_IMAGE, DEFAULT_TIMEOUT_SECS,
    MAX_TIMEOUT_SECS, TIMEOUT_VAR,
};
use crate::target::reference::FaultSet;

fn err(problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError::new(problem, fix)
}

/// The environment variables the harness reads, for docs and `--help`.
pub const VARS: &[(&str, &str)] = &[
    (
        "MEDUSA_BASE_URL",
        "base URL of the backend under test; unset: the embedded reference backend",
    ),
    (
        "MEDUSA_ADMIN_EMAIL",
        "admin e-mail (required with MEDUSA_BASE_URL)",
    ),
    (
        "MEDUSA_ADMIN_PASSWORD",
        "admin password (required with MEDUSA_BASE_URL)",
    ),
    (
        "MEDUSA_API_TOKEN",
        "the admin's API token; unset: @api-token scenarios are left out, with a notice",
    ),
    (
        "MEDUSA_JWT_SECRET",
        "the backend's JWT signing secret; unset: @jwt-secret scenarios are left out, with a notice",
    ),
    (
        "MEDUSA_ADMIN_ORIGIN",
        "an origin the backend's admin CORS allows (scheme://host[:port]); unset: @admin-origin scenarios are left out",
    ),
    (
        "MEDUSA_REQUIRE_ALL",
        "1: a scenario left out (no MEDUSA_API_TOKEN, MEDUSA_JWT_SECRET or MEDUSA_ADMIN_ORIGIN) fails the run (also --require-all)",
    ),
    (
        "MEDUSA_CA_CERT",
        "PEM file of a CA to trust for https (a test CA)",
    ),
    (
        "MEDUSA_TARGET",
        "url, reference or container; default: url if MEDUSA_BASE_URL is set, else reference",
    ),
    (
        "MEDUSA_IMAGE",
        "Medusa v1 image for MEDUSA_TARGET=container (default medusa-conformance/medusa-v1:1.20.11)",
    ),
    (
        "MEDUSA_POSTGRES_IMAGE",
        "PostgreSQL image for MEDUSA_TARGET=container (default medusa-conformance/postgres:15)",
    ),
    (
        "MEDUSA_CONTAINER_TIMEOUT_SECS",
        "bound on container start-up, 1 to 3600 (default 180)",
    ),
    (
        "MEDUSA_REFERENCE_FAULTS",
        "comma-separated contract faults for the reference backend to commit",
    ),
    (
        "MEDUSA_REFERENCE_ADMIN_PASSWORD",
        "the reference backend's admin password (default: random per run)",
    ),
    (
        "MEDUSA_REFERENCE_API_TOKEN",
        "the reference backend's API token (default: random per run)",
    ),
    (
        "MEDUSA_FEATURES",
        "folder of .feature files (default: features/)",
    ),
    (
        "MEDUSA_TAGS",
        "run only scenarios with this tag, e.g. @login",
    ),
    ("MEDUSA_CONCURRENCY", "scenarios run at once (default 16)"),
    (
        "MEDUSA_TIMEOUT_MS",
        "request timeout in ms (default 10000; connect timeout is the smaller of it and 5000)",
    ),
    (
        "MEDUSA_MAX_RETRIES",
        "retries of a GET or DELETE after a transient transport error (default 3, as the JS client)",
    ),
    (
        "MEDUSA_JUNIT",
        "write a JUnit XML report to this file (also --junit PATH)",
    ),
    (
        "MEDUSA_CUCUMBER_JSON",
        "write a Cucumber JSON report to this file (also --cucumber-json PATH)",
    ),
    (
        "MEDUSA_VERBOSE",
        "0 (default): a line per scenario and each failure's report; 1: also the steps; 2: also a failed scenario's state",
    ),
    // ---- output: HTML report and colours --------------------------------
    (
        "MEDUSA_HTML",
        "write a self-contained HTML report to this file",
    ),
    (
        "MEDUSA_COLOR",
        "auto (default: colours on a terminal), always or never",
    ),
    (
        "NO_COLOR",
        "set (not empty): no colours unless MEDUSA_COLOR=always",
    ),
];

/// Reads the configuration from the process environment.
pub fn config_from_env() -> Result<Config, ConfigError> {
    config_from_lookup(|k| std::env::var(k).ok())
}

/// Reads the configuration through `get` (tests pass a map).
pub fn config_from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let target = target(&get)?;
    let ca_cert_pem = ca_cert(&get)?;
    let concurrency = number(&get, "MEDUSA_CONCURRENCY", 16, 1)? as usize;
    let timeout_ms = number(&get, "MEDUSA_TIMEOUT_MS", 10_000, 1)?;
    let max_retries = number(&get, "MEDUSA_MAX_RETRIES", 3, 0)?.min(10) as u32;
    Ok(Config {
        target,
        ca_cert_pem,
        features: features(&get)?,
        path_base: path_base(&get),
        concurrency,
        connect_timeout: Duration::from_millis(timeout_ms.min(5_000)),
        request_timeout: Duration::from_millis(timeout_ms),
        max_retries,
        tags: tags(&get)?,
        junit: get("MEDUSA_JUNIT").map(PathBuf::from),
        cucumber_json: get("MEDUSA_CUCUMBER_JSON").map(PathBuf::from),
        verbose: verbose(&get)?,
        require_all: switch(&get, "MEDUSA_REQUIRE_ALL")?,
        html: get("MEDUSA_HTML").map(PathBuf::from),
        color: color(&get)?,
        terminal: false,
    })
}

/// A lookup of a variable that is set and not blank.
type Get<'a> = dyn Fn(&str) -> Option<String> + 'a;

fn target(get: &Get<'_>) -> Result<TargetConfig, ConfigError> {
    let base_url = get("MEDUSA_BASE_URL");
    let kind = get("MEDUSA_TARGET").unwrap_or_else(|| {
        if base_url.is_some() {
            "url"
        } else {
            "reference"
        }
        .into()
    });
    match kind.as_str() {
        "url" => url_target(get, base_url),
        "reference" => reference_target(get),
        "container" => Ok(TargetConfig::Container(container_settings(get)?)),
        other => Err(err(
            format!("unknown MEDUSA_TARGET '{other}'"),
            "use MEDUSA_TARGET=url, reference or container",
        )),
    }
}

fn url_target(get: &Get<'_>, base_url: Option<String>) -> Result<TargetConfig, ConfigError> {
    let raw = base_url.ok_or_else(|| {
        err(
            "MEDUSA_TARGET=url but MEDUSA_BASE_URL is not set",
            "set MEDUSA_BASE_URL=http://host:port",
        )
    })?;
    let base_url = Url::parse(raw.trim()).map_err(|e| {
        err(
            format!("MEDUSA_BASE_URL is not a URL ({e})"),
            "give a full URL such as http://127.0.0.1:9000",
        )
    })?;
    if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
        return Err(err(
            format!(
                "MEDUSA_BASE_URL must be an http or https URL with a host, got scheme '{}'",
                base_url.scheme()
            ),
            "give a URL such as http://127.0.0.1:9000 or https://staging.example.com",
        ));
    }
    let required = |key: &str, what: &str| {
        get(key).ok_or_else(|| {
            err(
                format!("MEDUSA_BASE_URL is set but {key} is not"),
                format!("set {key} to the admin user's {what}"),
            )
        })
    };
    let credentials = Credentials {
        admin_email: required("MEDUSA_ADMIN_EMAIL", "e-mail")?,
        admin_password: Secret::new(required("MEDUSA_ADMIN_PASSWORD", "password")?),
        api_token: get("MEDUSA_API_TOKEN").map(Secret::new),
        jwt_secret: get("MEDUSA_JWT_SECRET").map(Secret::new),
        admin_origin: get("MEDUSA_ADMIN_ORIGIN")
            .map(|o| parse_origin(&o))
            .transpose()?,
    };
    Ok(TargetConfig::Url {
        base_url,
        credentials,
    })
}

/// An origin as a browser serialises it (`scheme://host[:port]`, no path,
/// no trailing slash): CORS compares origins as strings.
fn parse_origin(raw: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| {
        err(
            format!(
                "MEDUSA_ADMIN_ORIGIN must be an origin like http://localhost:7000 ({why}), got '{raw}'"
            ),
            "give the admin UI's origin: scheme, host and port, nothing else",
        )
    };
    let url = Url::parse(raw.trim()).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("not http or https with a host"));
    }
    let origin = url.origin().ascii_serialization();
    if raw.trim() != origin {
        return Err(bad("an origin has no path, query or trailing slash"));
    }
    Ok(origin)
}

fn reference_target(get: &Get<'_>) -> Result<TargetConfig, ConfigError> {
    let faults =
        FaultSet::parse(&get("MEDUSA_REFERENCE_FAULTS").unwrap_or_default()).map_err(|e| {
            err(
                format!("MEDUSA_REFERENCE_FAULTS: {e}"),
                "use names from `medusa-conformance --list-faults`",
            )
        })?;
    Ok(TargetConfig::Reference {
        faults,
        admin_password: get("MEDUSA_REFERENCE_ADMIN_PASSWORD").map(Secret::new),
        api_token: get("MEDUSA_REFERENCE_API_TOKEN").map(Secret::new),
    })
}

fn container_settings(get: &Get<'_>) -> Result<ContainerSettings, ConfigError> {
    Ok(ContainerSettings {
        medusa_image: get("MEDUSA_IMAGE").unwrap_or_else(|| DEFAULT_MEDUSA_IMAGE.into()),
        postgres_image: get("MEDUSA_POSTGRES_IMAGE")
            .unwrap_or_else(|| DEFAULT_POSTGRES_IMAGE.into()),
        startup_timeout: startup_timeout(get(TIMEOUT_VAR).as_deref())?,
        docker_host: get("DOCKER_HOST"),
    })
}

/// Reads the container start-up bound: `value` is [`TIMEOUT_VAR`]'s value,
/// if set.
fn startup_timeout(value: Option<&str>) -> Result<Duration, ConfigError> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(Duration::from_secs(DEFAULT_TIMEOUT_SECS));
    };
    match raw.parse::<u64>() {
        Ok(n) if (1..=MAX_TIMEOUT_SECS).contains(&n) => Ok(Duration::from_secs(n)),
        _ => Err(err(
            format!(
                "{TIMEOUT_VAR} must be a whole number of seconds from 1 to {MAX_TIMEOUT_SECS}, got '{raw}'"
            ),
            format!("unset it (default {DEFAULT_TIMEOUT_SECS}) or give a number of seconds"),
        )),
    }
}

/// The PEM of `MEDUSA_CA_CERT`, read and checked to hold a certificate.
fn ca_cert(get: &Get<'_>) -> Result<Option<Vec<u8>>, ConfigError> {
    let Some(path) = get("MEDUSA_CA_CERT").map(PathBuf::from) else {
        return Ok(None);
    };
    let pem = std::fs::read(&path).map_err(|e| {
        err(
            format!("MEDUSA_CA_CERT {} cannot be read: {e}", path.display()),
            "point MEDUSA_CA_CERT at a readable PEM file",
        )
    })?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(err(
            format!("MEDUSA_CA_CERT {} holds no PEM certificate", path.display()),
            "point MEDUSA_CA_CERT at a readable PEM file (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(Some(pem))
}

fn number(get: &Get<'_>, key: &str, default: u64, min: u64) -> Result<u64, ConfigError> {
    match get(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| {
                err(
                    format!("{key} must be a whole number of at least {min}, got '{v}'"),
                    format!("unset {key} or give a number"),
                )
            }),
    }
}

fn features(get: &Get<'_>) -> Result<PathBuf, ConfigError> {
    let features = get("MEDUSA_FEATURES")
        .map(PathBuf::from)
        .unwrap_or_else(default_features_dir);
    if !features.is_dir() {
        return Err(err(
            format!("the feature folder {} does not exist", features.display()),
            "run from the repository root or set MEDUSA_FEATURES to the folder of .feature files",
        ));
    }
    Ok(features)
}

fn tags(get: &Get<'_>) -> Result<Option<String>, ConfigError> {
    let tags = get("MEDUSA_TAGS");
    if let Some(t) = &tags
        && (!t.starts_with('@') || t.contains(char::is_whitespace))
    {
        return Err(err(
            format!("MEDUSA_TAGS must be one tag like @login, got '{t}'"),
            "give one tag, e.g. MEDUSA_TAGS=@whoami",
        ));
    }
    Ok(tags)
}

/// An on/off variable: `1`/`true`/`yes` or `0`/`false`/`no` (unset: off).
fn switch(get: &Get<'_>, key: &str) -> Result<bool, ConfigError> {
    match get(key).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(other) => Err(err(
            format!("{key} must be 1 or 0, got '{other}'"),
            format!("set {key}=1 to turn it on, or unset it"),
        )),
    }
}

fn verbose(get: &Get<'_>) -> Result<u8, ConfigError> {
    match get("MEDUSA_VERBOSE").as_deref().map(str::trim) {
        None => Ok(0),
        Some(v) => v.parse::<u8>().ok().filter(|n| *n <= 2).ok_or_else(|| {
            err(
                format!("MEDUSA_VERBOSE must be 0, 1 or 2, got '{v}'"),
                "unset MEDUSA_VERBOSE or give 0, 1 or 2",
            )
        }),
    }
}

// ---- output: HTML report and colours --------------------------------------

/// `MEDUSA_COLOR`, with `NO_COLOR` turning `auto` into `never`.
fn color(get: &Get<'_>) -> Result<ColorChoice, ConfigError> {
    let choice = match get("MEDUSA_COLOR") {
        None => ColorChoice::Auto,
        Some(v) => ColorChoice::parse(&v).ok_or_else(|| {
            err(
                format!("MEDUSA_COLOR must be auto, always or never, got '{v}'"),
                "unset MEDUSA_COLOR or give auto, always or never",
            )
        })?,
    };
    Ok(match choice {
        ColorChoice::Auto if get("NO_COLOR").is_some() => ColorChoice::Never,
        c => c,
    })
}

/// The folder feature paths are shown relative to, as cucumber's writers
/// choose it: the workspace, else the crate, else the working directory.
fn path_base(get: &Get<'_>) -> String {
    get("CARGO_WORKSPACE_DIR")
        .or_else(|| get("CARGO_MANIFEST_DIR"))
        .unwrap_or_else(|| {
            std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        })
}

/// `features/` of the working directory, else the one this binary was built from.
fn default_features_dir() -> PathBuf {
    let here = PathBuf::from("features");
    if here.is_dir() {
        here
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("features")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config_from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn default_is_the_reference_backend() {
        assert!(matches!(
            cfg(&[]).unwrap().target,
            TargetConfig::Reference { .. }
        ));
    }

    #[test]
    fn a_url_needs_credentials() {
        let e = cfg(&[("MEDUSA_BASE_URL", "http://127.0.0.1:9000")]).unwrap_err();
        assert!(e.problem.contains("MEDUSA_ADMIN_EMAIL"), "{e}");
        let e = cfg(&[
            ("MEDUSA_BASE_URL", "http://127.0.0.1:9000"),
            ("MEDUSA_ADMIN_EMAIL", "a@b.co"),
        ])
        .unwrap_err();
        assert!(e.problem.contains("MEDUSA_ADMIN_PASSWORD"), "{e}");
    }

    #[test]
    fn bad_urls_and_values_are_refused() {
        for url in ["not a url", "ftp://host/", "localhost:9000"] {
            let e = cfg(&[
                ("MEDUSA_BASE_URL", url),
                ("MEDUSA_ADMIN_EMAIL", "a@b.co"),
                ("MEDUSA_ADMIN_PASSWORD", "p"),
            ])
            .unwrap_err();
            assert!(e.problem.contains("MEDUSA_BASE_URL"), "{url}: {e}");
        }
        assert!(
            cfg(&[("MEDUSA_TARGET", "moon")])
                .unwrap_err()
                .problem
                .contains("MEDUSA_TARGET")
        );
        assert!(cfg(&[("MEDUSA_CONCURRENCY", "0")]).is_err());
        assert!(
            cfg(&[("MEDUSA_CA_CERT", "/nonexistent/ca.pem")])
                .unwrap_err()
                .problem
                .contains("MEDUSA_CA_CERT")
        );
        assert!(cfg(&[("MEDUSA_REFERENCE_FAULTS", "nope")]).is_err());
        assert!(
            cfg(&[("MEDUSA_VERBOSE", "3")])
                .unwrap_err()
                .problem
                .contains("MEDUSA_VERBOSE")
        );
    }

    #[test]
    fn the_optional_secret_and_origin() {
        let base = [
            ("MEDUSA_BASE_URL", "http://h:1"),
            ("MEDUSA_ADMIN_EMAIL", "a@b.co"),
            ("MEDUSA_ADMIN_PASSWORD", "p"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            cfg(&all)
        };
        let credentials = |c: Config| match c.target {
            TargetConfig::Url { credentials, .. } => credentials,
            other => panic!("{other:?}"),
        };
        let c = credentials(with(&[]).unwrap());
        assert!(c.jwt_secret.is_none() && c.admin_origin.is_none());
        let c = credentials(
            with(&[
                ("MEDUSA_JWT_SECRET", "s3cret"),
                ("MEDUSA_ADMIN_ORIGIN", "http://localhost:7000"),
            ])
            .unwrap(),
        );
        assert_eq!(c.jwt_secret.unwrap().expose(), "s3cret");
        assert_eq!(c.admin_origin.as_deref(), Some("http://localhost:7000"));
        for bad in [
            "localhost:7000",
            "http://localhost:7000/",
            "http://h/admin",
            "ftp://h",
        ] {
            let e = with(&[("MEDUSA_ADMIN_ORIGIN", bad)]).unwrap_err();
            assert!(e.problem.contains("MEDUSA_ADMIN_ORIGIN"), "{bad}: {e}");
        }
    }

    #[test]
    fn report_paths_and_verbosity() {
        let c = cfg(&[
            ("MEDUSA_JUNIT", "out/junit.xml"),
            ("MEDUSA_CUCUMBER_JSON", "out/cucumber.json"),
            ("MEDUSA_VERBOSE", "2"),
        ])
        .unwrap();
        assert_eq!(c.junit, Some(PathBuf::from("out/junit.xml")));
        assert_eq!(c.cucumber_json, Some(PathBuf::from("out/cucumber.json")));
        assert_eq!(c.verbose, 2);
        let c = cfg(&[]).unwrap();
        assert_eq!((c.junit, c.cucumber_json, c.verbose), (None, None, 0));
    }

    #[test]
    fn require_all_is_off_unless_asked_for() {
        assert!(!cfg(&[]).unwrap().require_all);
        assert!(!cfg(&[("MEDUSA_REQUIRE_ALL", "0")]).unwrap().require_all);
        for on in ["1", "true", " YES "] {
            assert!(
                cfg(&[("MEDUSA_REQUIRE_ALL", on)]).unwrap().require_all,
                "{on}"
            );
        }
        let e = cfg(&[("MEDUSA_REQUIRE_ALL", "all")]).unwrap_err();
        assert!(
            e.problem.contains("MEDUSA_REQUIRE_ALL must be 1 or 0"),
            "{e}"
        );
    }

    #[test]
    fn html_path_and_colours() {
        let c = cfg(&[("MEDUSA_HTML", "out/report.html")]).unwrap();
        assert_eq!(c.html, Some(PathBuf::from("out/report.html")));
        assert_eq!(c.color, ColorChoice::Auto);
        assert!(!c.terminal, "only the command line says it is a terminal");
        assert_eq!(cfg(&[("NO_COLOR", "1")]).unwrap().color, ColorChoice::Never);
        let c = cfg(&[("NO_COLOR", "1"), ("MEDUSA_COLOR", "always")]).unwrap();
        assert_eq!(c.color, ColorChoice::Always);
        assert_eq!(
            cfg(&[("MEDUSA_COLOR", "NEVER")]).unwrap().color,
            ColorChoice::Never
        );
        let e = cfg(&[("MEDUSA_COLOR", "rainbow")]).unwrap_err();
        assert!(e.problem.contains("MEDUSA_COLOR"), "{e}");
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let c = cfg(&[
            ("MEDUSA_BASE_URL", "http://h:1"),
            ("MEDUSA_ADMIN_EMAIL", "a@b.co"),
            ("MEDUSA_ADMIN_PASSWORD", "hunter22"),
            ("MEDUSA_API_TOKEN", "tok-secret"),
            ("MEDUSA_JWT_SECRET", "jwt-secret-value"),
        ])
        .unwrap();
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("hunter22")
                && !debug.contains("tok-secret")
                && !debug.contains("jwt-secret-value"),
            "{debug}"
        );
    }

    #[test]
    fn container_timeout_defaults_and_is_validated() {
        assert_eq!(
            startup_timeout(None).unwrap(),
            Duration::from_secs(DEFAULT_TIMEOUT_SECS)
        );
        assert_eq!(
            startup_timeout(Some(" ")).unwrap(),
            Duration::from_secs(DEFAULT_TIMEOUT_SECS)
        );
        assert_eq!(
            startup_timeout(Some("42")).unwrap(),
            Duration::from_secs(42)
        );
        for bad in ["0", "-1", "1.5", "ten", "3601"] {
            let e = cfg(&[("MEDUSA_TARGET", "container"), (TIMEOUT_VAR, bad)]).unwrap_err();
            assert!(e.problem.contains(TIMEOUT_VAR), "{bad}: {e}");
        }
        let c = cfg(&[
            ("MEDUSA_TARGET", "container"),
            (TIMEOUT_VAR, "600"),
            ("DOCKER_HOST", "unix:///tmp/d.sock"),
        ])
        .unwrap();
        let TargetConfig::Container(s) = c.target else {
            panic!("not the container target");
        };
        assert_eq!(s.startup_timeout, Duration::from_secs(600));
        assert_eq!(s.docker_host.as_deref(), Some("unix:///tmp/d.sock"));
        assert_eq!(s.medusa_image, DEFAULT_MEDUSA_IMAGE);
    }
}
