//! Everything the harness reads from its environment, read and checked
//! once, with one clear error per mistake.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::redact::Secret;
use crate::reference::FaultSet;

/// Where the backend under test comes from.
#[derive(Debug, Clone)]
pub enum Target {
    /// A running backend at this URL (staging, or one started by hand).
    Url {
        /// Its base URL.
        base_url: Url,
        /// The admin's e-mail.
        admin_email: String,
        /// The admin's password.
        admin_password: Secret,
        /// The admin's API token, if it has one.
        api_token: Option<Secret>,
        /// The backend's JWT signing secret, if given (forged-token scenarios).
        jwt_secret: Option<Secret>,
        /// An origin the backend's admin CORS allows, if given.
        admin_origin: Option<String>,
    },
    /// The embedded reference backend, started in-process.
    Reference {
        /// Contract faults it commits on purpose (empty: none).
        faults: FaultSet,
        /// The seeded admin's password (random unless given).
        admin_password: Option<Secret>,
        /// The seeded admin's API token (random unless given).
        api_token: Option<Secret>,
    },
    /// PostgreSQL and Medusa v1 started as containers for this run, and
    /// removed after it.
    Container {
        /// The Medusa v1 backend image.
        medusa_image: String,
        /// The PostgreSQL image.
        postgres_image: String,
    },
}

/// The Medusa image `MEDUSA_TARGET=container` uses unless `MEDUSA_IMAGE` says otherwise.
pub const DEFAULT_MEDUSA_IMAGE: &str = "medusa-conformance/medusa-v1:1.20.11";
/// The PostgreSQL image used unless `MEDUSA_POSTGRES_IMAGE` says otherwise.
pub const DEFAULT_POSTGRES_IMAGE: &str = "medusa-conformance/postgres:15";

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The backend under test.
    pub target: Target,
    /// PEM file of an extra CA to trust (a test CA).
    pub ca_cert: Option<PathBuf>,
    /// Folder of `.feature` files.
    pub features: PathBuf,
    /// Scenarios run at once.
    pub concurrency: usize,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Retries of an idempotent request after a transport error.
    pub max_retries: u32,
    /// Only scenarios with this tag expression's tags (a single `@tag`).
    pub tags: Option<String>,
    /// Where to write the JUnit XML report (`MEDUSA_JUNIT`, `--junit`).
    pub junit: Option<PathBuf>,
    /// Where to write the Cucumber JSON report (`MEDUSA_CUCUMBER_JSON`,
    /// `--cucumber-json`).
    pub cucumber_json: Option<PathBuf>,
    /// How much a failed step shows (`MEDUSA_VERBOSE`): 0 the failure
    /// report, 1 also the scenario's state (the World's `Debug`, secrets
    /// masked), 2 also doc strings. Console and JUnit report alike.
    pub verbose: u8,
}

/// A configuration mistake, with what to do about it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {problem}\n  fix: {fix}")]
pub struct ConfigError {
    /// What is wrong.
    pub problem: String,
    /// How to put it right.
    pub fix: String,
}

fn err(problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError {
        problem: problem.into(),
        fix: fix.into(),
    }
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
        "0 (default), 1: show each failed scenario's state, 2: also doc strings",
    ),
];

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let base_url = get("MEDUSA_BASE_URL");
        let target_kind = get("MEDUSA_TARGET").unwrap_or_else(|| {
            if base_url.is_some() {
                "url".into()
            } else {
                "reference".into()
            }
        });
        let target = match target_kind.as_str() {
            "url" => {
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
                let admin_email = get("MEDUSA_ADMIN_EMAIL").ok_or_else(|| {
                    err(
                        "MEDUSA_BASE_URL is set but MEDUSA_ADMIN_EMAIL is not",
                        "set MEDUSA_ADMIN_EMAIL to the admin user's e-mail",
                    )
                })?;
                let admin_password =
                    get("MEDUSA_ADMIN_PASSWORD")
                        .map(Secret::new)
                        .ok_or_else(|| {
                            err(
                                "MEDUSA_BASE_URL is set but MEDUSA_ADMIN_PASSWORD is not",
                                "set MEDUSA_ADMIN_PASSWORD to the admin user's password",
                            )
                        })?;
                Target::Url {
                    base_url,
                    admin_email,
                    admin_password,
                    api_token: get("MEDUSA_API_TOKEN").map(Secret::new),
                    jwt_secret: get("MEDUSA_JWT_SECRET").map(Secret::new),
                    admin_origin: get("MEDUSA_ADMIN_ORIGIN")
                        .map(|o| parse_origin(&o))
                        .transpose()?,
                }
            }
            "reference" => {
                let faults = FaultSet::parse(&get("MEDUSA_REFERENCE_FAULTS").unwrap_or_default())
                    .map_err(|e| {
                    err(
                        format!("MEDUSA_REFERENCE_FAULTS: {e}"),
                        "use names from `medusa-conformance --list-faults`",
                    )
                })?;
                Target::Reference {
                    faults,
                    admin_password: get("MEDUSA_REFERENCE_ADMIN_PASSWORD").map(Secret::new),
                    api_token: get("MEDUSA_REFERENCE_API_TOKEN").map(Secret::new),
                }
            }
            "container" => Target::Container {
                medusa_image: get("MEDUSA_IMAGE").unwrap_or_else(|| DEFAULT_MEDUSA_IMAGE.into()),
                postgres_image: get("MEDUSA_POSTGRES_IMAGE")
                    .unwrap_or_else(|| DEFAULT_POSTGRES_IMAGE.into()),
            },
            other => {
                return Err(err(
                    format!("unknown MEDUSA_TARGET '{other}'"),
                    "use MEDUSA_TARGET=url, reference or container",
                ));
            }
        };
        let ca_cert = get("MEDUSA_CA_CERT").map(PathBuf::from);
        if let Some(path) = &ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
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
        }
        let number = |key: &str, default: u64, min: u64| -> Result<u64, ConfigError> {
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
        };
        let concurrency = number("MEDUSA_CONCURRENCY", 16, 1)? as usize;
        let timeout_ms = number("MEDUSA_TIMEOUT_MS", 10_000, 1)?;
        let max_retries = number("MEDUSA_MAX_RETRIES", 3, 0)?.min(10) as u32;
        let features = get("MEDUSA_FEATURES")
            .map(PathBuf::from)
            .unwrap_or_else(default_features_dir);
        if !features.is_dir() {
            return Err(err(
                format!("the feature folder {} does not exist", features.display()),
                "run from the repository root or set MEDUSA_FEATURES to the folder of .feature files",
            ));
        }
        let tags = get("MEDUSA_TAGS");
        if let Some(t) = &tags
            && (!t.starts_with('@') || t.contains(char::is_whitespace))
        {
            return Err(err(
                format!("MEDUSA_TAGS must be one tag like @login, got '{t}'"),
                "give one tag, e.g. MEDUSA_TAGS=@whoami",
            ));
        }
        let verbose = match get("MEDUSA_VERBOSE").as_deref().map(str::trim) {
            None => 0,
            Some(v) => v.parse::<u8>().ok().filter(|n| *n <= 2).ok_or_else(|| {
                err(
                    format!("MEDUSA_VERBOSE must be 0, 1 or 2, got '{v}'"),
                    "unset MEDUSA_VERBOSE or give 0, 1 or 2",
                )
            })?,
        };
        Ok(Config {
            target,
            ca_cert,
            features,
            concurrency,
            connect_timeout: Duration::from_millis(timeout_ms.min(5_000)),
            request_timeout: Duration::from_millis(timeout_ms),
            max_retries,
            tags,
            junit: get("MEDUSA_JUNIT").map(PathBuf::from),
            cucumber_json: get("MEDUSA_CUCUMBER_JSON").map(PathBuf::from),
            verbose,
        })
    }
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
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn default_is_the_reference_backend() {
        assert!(matches!(cfg(&[]).unwrap().target, Target::Reference { .. }));
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
        match with(&[]).unwrap().target {
            Target::Url {
                jwt_secret,
                admin_origin,
                ..
            } => assert!(jwt_secret.is_none() && admin_origin.is_none()),
            other => panic!("{other:?}"),
        }
        match with(&[
            ("MEDUSA_JWT_SECRET", "s3cret"),
            ("MEDUSA_ADMIN_ORIGIN", "http://localhost:7000"),
        ])
        .unwrap()
        .target
        {
            Target::Url {
                jwt_secret,
                admin_origin,
                ..
            } => {
                assert_eq!(jwt_secret.unwrap().expose(), "s3cret");
                assert_eq!(admin_origin.as_deref(), Some("http://localhost:7000"));
            }
            other => panic!("{other:?}"),
        }
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
}
