//! The settings, read and checked once into an app [`Config`], with one
//! clear error per mistake naming where the value came from (`--timeout`
//! or `MEDUSA_TIMEOUT_MS`): the only reader of environment variables in
//! the crate (through [`Inputs`]).

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use url::Url;

use crate::app::{AdvisorySettings, Config, ConfigError, MAX_DURATION, MAX_REPEAT};
use crate::cli::args::{Given, Inputs};
use crate::core::advisory::{Mode, Severity};
use crate::core::contract::DialectChoice;
use crate::core::credentials::{Credentials, ProbeAccount};
use crate::core::redact::Secret;
use crate::core::select::{Criteria, Ignored, TagExpr};
use crate::report::console::ColorChoice;
use crate::target::TargetConfig;
use crate::target::container::{
    ContainerSettings, DEFAULT_POSTGRES_IMAGE, MAX_TIMEOUT_SECS, MedusaVersion,
};
use crate::target::reference::FaultSet;

fn err(problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError::new(problem, fix)
}

/// Reads the configuration from the process environment (no flags).
pub fn config_from_env() -> Result<Config, ConfigError> {
    config_from_lookup(|k| std::env::var(k).ok())
}

/// Reads the configuration from the variables `get` returns (no flags;
/// tests pass a map).
pub fn config_from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    build(&Inputs::from_lookup(get), true)
}

/// Checks `inputs` into a [`Config`]. Without `need_credentials` (a
/// `--list`, which sends nothing) a URL target may lack its credentials.
pub(super) fn build(inputs: &Inputs<'_>, need_credentials: bool) -> Result<Config, ConfigError> {
    let timeout_ms = number(inputs.given("timeout"), 10_000, 1)?;
    let (repeat, duration) = stress(inputs)?;
    let args = &inputs.args;
    Ok(Config {
        target: target(inputs, need_credentials)?,
        dialect: dialect(inputs)?,
        ca_cert_pem: ca_cert(inputs.given("ca_cert"))?,
        features: features(inputs.given("features"))?,
        path_base: path_base(inputs),
        concurrency: number(inputs.given("concurrency"), 16, 1)? as usize,
        connect_timeout: Duration::from_millis(timeout_ms.min(5_000)),
        request_timeout: Duration::from_millis(timeout_ms),
        max_retries: number(inputs.given("max_retries"), 3, 0)?.min(10) as u32,
        select: criteria(inputs)?,
        fail_fast: args.fail_fast,
        junit: path(inputs.given("junit")),
        cucumber_json: path(inputs.given("cucumber_json")),
        html: path(inputs.given("html")),
        color: color(inputs)?,
        terminal: false,
        terse: args.quiet || args.format.as_deref() == Some("terse"),
        verbose: verbose(inputs)?,
        require_all: args.require_all || switch(inputs, "MEDUSA_REQUIRE_ALL")?,
        repeat,
        duration,
        advisories: advisories(inputs, need_credentials)?,
    })
}

/// Reads `--dialect` / `MEDUSA_DIALECT`: `v1`, `v2` or `auto` (default).
fn dialect(inputs: &Inputs<'_>) -> Result<DialectChoice, ConfigError> {
    let Some(g) = inputs.given("dialect") else {
        return Ok(DialectChoice::Auto);
    };
    DialectChoice::parse(&g.value).ok_or_else(|| {
        err(
            format!("{} must be v1, v2 or auto, got '{}'", g.from, g.value),
            format!(
                "leave {} out (auto: the preflight recognises the backend) or give v1 (Medusa 1.x) or v2 (Medusa 2.x)",
                g.from
            ),
        )
    })
}

/// Reads the advisory settings: mode, level, the session limits and the
/// intrusive checks' probe account.
fn advisories(
    inputs: &Inputs<'_>,
    need_credentials: bool,
) -> Result<AdvisorySettings, ConfigError> {
    let mode = match inputs.given("advisories") {
        None => Mode::Warn,
        Some(g) => Mode::parse(&g.value).ok_or_else(|| {
            err(
                format!("{} must be off, warn or strict, got '{}'", g.from, g.value),
                "give off, warn (the default) or strict",
            )
        })?,
    };
    let level = match inputs.given("advisory_level") {
        None => Severity::High,
        Some(g) => Severity::parse(&g.value).ok_or_else(|| {
            err(
                format!("{} must be low, medium or high, got '{}'", g.from, g.value),
                "give low, medium or high (the default)",
            )
        })?,
    };
    let limit = |id: &str, default: u64| -> Result<Duration, ConfigError> {
        Ok(time_limit(inputs.given(id))?.unwrap_or(Duration::from_secs(default)))
    };
    Ok(AdvisorySettings {
        mode,
        level,
        idle_limit: limit("session_idle_limit", 30 * 60)?,
        absolute_limit: limit("session_absolute_limit", 12 * 3_600)?,
        intrusive: intrusive(inputs, mode, need_credentials)?,
    })
}

/// The probe account of the intrusive checks when they are asked for
/// (`MEDUSA_ADVISORIES_INTRUSIVE=1`): refused without one, with advisories
/// off, or when it is the admin the suite logs in as. Without
/// `need_credentials` (a `--list`) a missing account is no mistake.
fn intrusive(
    inputs: &Inputs<'_>,
    mode: Mode,
    need_credentials: bool,
) -> Result<Option<ProbeAccount>, ConfigError> {
    if !flag(inputs, "advisories_intrusive")? {
        return Ok(None);
    }
    let from = inputs
        .given("advisories_intrusive")
        .map_or("MEDUSA_ADVISORIES_INTRUSIVE", |g| g.from.as_str());
    if mode == Mode::Off {
        return Err(err(
            format!("{from} asks for the intrusive checks, but advisories are off"),
            "give --advisories warn or strict with it, or leave it out",
        ));
    }
    let email = inputs
        .given("probe_email")
        .map(|g| g.value.trim().to_owned());
    let password = secret(inputs, "probe_password_file", "MEDUSA_PROBE_PASSWORD")?;
    let (Some(email), Some(password)) = (email, password) else {
        if !need_credentials {
            return Ok(None);
        }
        return Err(err(
            format!(
                "{from} asks for the intrusive checks (wrong passwords until the backend throttles), but no probe account is given"
            ),
            "create a throwaway user on the backend (never the admin the suite logs in as; the reference and \
             container targets' admins are refused too) and give its e-mail (MEDUSA_PROBE_EMAIL or --probe-email) \
             and password (MEDUSA_PROBE_PASSWORD or --probe-password-file); or leave the intrusive checks off",
        ));
    };
    if let Some(admin) = inputs.given("email")
        && admin.value.trim().eq_ignore_ascii_case(&email)
    {
        return Err(err(
            format!(
                "the probe account ({}) is the admin the suite logs in as ({})",
                inputs
                    .given("probe_email")
                    .map_or("MEDUSA_PROBE_EMAIL", |g| g.from.as_str()),
                admin.from
            ),
            "the intrusive checks send wrong passwords until the backend throttles: give a throwaway user's e-mail",
        ));
    }
    Ok(Some(ProbeAccount { email, password }))
}

/// A session limit: a whole number of seconds, minutes or hours (`30m`).
fn time_limit(given: Option<&Given>) -> Result<Option<Duration>, ConfigError> {
    let Some(g) = given else {
        return Ok(None);
    };
    let raw = g.value.trim();
    let secs = whole_secs(raw, |unit| match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3_600),
        _ => None,
    });
    match secs {
        Some(n) if n >= 1 => Ok(Some(Duration::from_secs(n))),
        _ => Err(err(
            format!("{} must be a time such as 30m or 12h, got '{raw}'", g.from),
            "give a whole number with s, m or h",
        )),
    }
}

/// Reads the stress settings: `--repeat` or `--duration`, not both.
fn stress(inputs: &Inputs<'_>) -> Result<(u32, Option<Duration>), ConfigError> {
    let (given_repeat, given_duration) = (inputs.given("repeat"), inputs.given("duration"));
    if let (Some(r), Some(d)) = (given_repeat, given_duration) {
        return Err(err(
            format!("{} and {} are both set", r.from, d.from),
            "give a number of runs (--repeat) or a time (--duration), not both",
        ));
    }
    Ok((repeat(given_repeat)?, duration(given_duration)?))
}

/// Reads `--repeat` (1 to [`MAX_REPEAT`]).
fn repeat(given: Option<&Given>) -> Result<u32, ConfigError> {
    let n = number(given, 1, 1)?;
    if n > MAX_REPEAT {
        let from = given.map_or("--repeat", |g| g.from.as_str());
        return Err(err(
            format!("{from} must be at most {MAX_REPEAT}, got {n}"),
            format!("give a number of runs from 1 to {MAX_REPEAT}, or use --duration"),
        ));
    }
    Ok(n as u32)
}

/// Reads `--duration`: a whole number of seconds (`30s`, `30`), minutes
/// (`2m`) or hours (`1h`), from 1 second to [`MAX_DURATION`].
fn duration(given: Option<&Given>) -> Result<Option<Duration>, ConfigError> {
    let Some(g) = given else {
        return Ok(None);
    };
    let raw = g.value.trim();
    let secs = whole_secs(raw, |unit| match unit {
        "s" | "sec" | "secs" => Some(1),
        "m" | "min" => Some(60),
        "h" => Some(3_600),
        _ => None,
    });
    match secs {
        Some(n) if n >= 1 && n <= MAX_DURATION.as_secs() => Ok(Some(Duration::from_secs(n))),
        _ => Err(err(
            format!(
                "{} must be a time from 1s to 1h (30s, 2m, 1h), got '{raw}'",
                g.from
            ),
            "give a whole number with s, m or h, e.g. --duration 30s",
        )),
    }
}

/// A whole number with an optional unit (`30m`; none: seconds), in
/// seconds; `scale` gives each unit the caller accepts its seconds.
fn whole_secs(raw: &str, scale: impl Fn(&str) -> Option<u64>) -> Option<u64> {
    let (digits, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => raw.split_at(at),
        None => (raw, "s"),
    };
    scale(unit.trim())
        .zip(digits.parse::<u64>().ok())
        .map(|(s, n)| n.saturating_mul(s))
}

fn path(given: Option<&Given>) -> Option<PathBuf> {
    given.map(|g| PathBuf::from(&g.value))
}

fn target(inputs: &Inputs<'_>, need_credentials: bool) -> Result<TargetConfig, ConfigError> {
    let target = target_kind(inputs, need_credentials)?;
    // Asking another target for TLS is a mistake, not a silent http run.
    if !matches!(target, TargetConfig::Container(_)) && container_tls(inputs)? {
        let kind = match target {
            TargetConfig::Url { .. } => "url",
            _ => "reference",
        };
        let from = inputs
            .given("container_tls")
            .map_or("MEDUSA_CONTAINER_TLS", |g| g.from.as_str());
        return Err(err(
            format!("{from} is set but the target is {kind}"),
            "use it with --target container (MEDUSA_TARGET=container), or leave it out",
        ));
    }
    Ok(target)
}

fn target_kind(inputs: &Inputs<'_>, need_credentials: bool) -> Result<TargetConfig, ConfigError> {
    let base_url = inputs.given("base_url");
    let kind = inputs.given("target");
    let name = kind
        .map(|k| k.value.trim())
        .unwrap_or(if base_url.is_some() {
            "url"
        } else {
            "reference"
        });
    match name {
        "url" => url_target(inputs, need_credentials),
        "reference" => reference_target(inputs),
        "container" => Ok(TargetConfig::Container(container_settings(inputs)?)),
        other => Err(err(
            format!(
                "unknown {} '{other}'",
                kind.map_or("target", |k| k.from.as_str())
            ),
            "give url, reference or container (--target or MEDUSA_TARGET)",
        )),
    }
}

fn url_target(inputs: &Inputs<'_>, need_credentials: bool) -> Result<TargetConfig, ConfigError> {
    let given = inputs.given("base_url").ok_or_else(|| {
        let from = inputs
            .given("target")
            .map_or("the target", |k| k.from.as_str());
        err(
            format!("{from}=url but no base URL is given (MEDUSA_BASE_URL or --base-url)"),
            "set MEDUSA_BASE_URL=http://host:port or pass --base-url http://host:port",
        )
    })?;
    let base_url = base_url(given)?;
    let base = &given.from;
    let email = match inputs.given("email") {
        Some(e) => e.value.clone(),
        None if !need_credentials => String::new(),
        None => {
            return Err(err(
                format!("{base} is set but MEDUSA_ADMIN_EMAIL is not (nor --email)"),
                "set MEDUSA_ADMIN_EMAIL or pass --email with the admin user's e-mail",
            ));
        }
    };
    let password = match secret(inputs, "password_file", "MEDUSA_ADMIN_PASSWORD")? {
        Some(p) => p,
        None if !need_credentials => Secret::new(""),
        None => {
            return Err(err(
                format!("{base} is set but MEDUSA_ADMIN_PASSWORD is not (nor --password-file)"),
                "set MEDUSA_ADMIN_PASSWORD or pass --password-file with a file holding the admin's password",
            ));
        }
    };
    let credentials = Credentials {
        admin_email: email,
        admin_password: password,
        api_token: secret(inputs, "api_token_file", "MEDUSA_API_TOKEN")?,
        jwt_secret: secret(inputs, "jwt_secret_file", "MEDUSA_JWT_SECRET")?,
        admin_origin: inputs.given("admin_origin").map(origin).transpose()?,
    };
    Ok(TargetConfig::Url {
        base_url,
        credentials,
    })
}

fn base_url(given: &Given) -> Result<Url, ConfigError> {
    let from = &given.from;
    let url = Url::parse(given.value.trim()).map_err(|e| {
        err(
            format!("{from} is not a URL ({e})"),
            "give a full URL such as http://127.0.0.1:9000",
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(err(
            format!(
                "{from} must be an http or https URL with a host, got scheme '{}'",
                url.scheme()
            ),
            "give a URL such as http://127.0.0.1:9000 or https://staging.example.com",
        ));
    }
    Ok(url)
}

/// An origin as a browser serialises it (`scheme://host[:port]`, no path,
/// no trailing slash): CORS compares origins as strings.
fn origin(given: &Given) -> Result<String, ConfigError> {
    let raw = given.value.trim();
    let bad = |why: &str| {
        err(
            format!(
                "{} must be an origin like http://localhost:7000 ({why}), got '{raw}'",
                given.from
            ),
            "give the admin UI's origin: scheme, host and port, nothing else",
        )
    };
    let url = Url::parse(raw).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("not http or https with a host"));
    }
    let origin = url.origin().ascii_serialization();
    if raw != origin {
        return Err(bad("an origin has no path, query or trailing slash"));
    }
    Ok(origin)
}

/// A secret from its file (a flag wins), else from the variable `var`,
/// else from its file's variable. Both variables at once is a mistake.
fn secret(inputs: &Inputs<'_>, file_id: &str, var: &str) -> Result<Option<Secret>, ConfigError> {
    let file = inputs.given(file_id);
    let value = (inputs.var)(var);
    match (file, value) {
        (Some(f), Some(_)) if !f.from.starts_with("--") => Err(err(
            format!("both {var} and {} are set", f.from),
            format!(
                "set only one of them (a --{} flag would win)",
                file_id.replace('_', "-")
            ),
        )),
        (Some(f), _) => read_secret(f).map(Some),
        (None, v) => Ok(v.map(Secret::new)),
    }
}

/// The secret in the file `given` names: its content without the one
/// line ending an editor adds.
pub(super) fn read_secret(given: &Given) -> Result<Secret, ConfigError> {
    let from = &given.from;
    let text = std::fs::read_to_string(&given.value).map_err(|e| {
        err(
            format!("{from} {} cannot be read: {e}", given.value),
            format!("point {from} at a readable file holding the secret"),
        )
    })?;
    let secret = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if secret.is_empty() {
        return Err(err(
            format!("{from} {} is empty", given.value),
            "put the secret in the file (one line)",
        ));
    }
    Ok(Secret::new(secret))
}

fn reference_target(inputs: &Inputs<'_>) -> Result<TargetConfig, ConfigError> {
    let faults = inputs.given("reference_faults");
    let faults = FaultSet::parse(faults.map_or("", |f| f.value.as_str())).map_err(|e| {
        err(
            format!(
                "{}: {e}",
                faults.map_or("MEDUSA_REFERENCE_FAULTS", |f| f.from.as_str())
            ),
            "use names from `medusa-conformance --list-faults`",
        )
    })?;
    Ok(TargetConfig::Reference {
        faults,
        admin_password: secret(
            inputs,
            "reference_password_file",
            "MEDUSA_REFERENCE_ADMIN_PASSWORD",
        )?,
        api_token: secret(
            inputs,
            "reference_api_token_file",
            "MEDUSA_REFERENCE_API_TOKEN",
        )?,
        // The reference speaks v2 only when asked: `auto` finds it v1.
        v2: matches!(dialect(inputs)?, DialectChoice::Fixed(d) if d.name == "v2"),
        hardened: flag(inputs, "reference_hardened")?,
        // The probe account of the intrusive checks, seeded beside the admin.
        probe: intrusive(inputs, Mode::Warn, false)?,
    })
}

fn container_settings(inputs: &Inputs<'_>) -> Result<ContainerSettings, ConfigError> {
    let or = |id: &str, default: &str| {
        inputs
            .given(id)
            .map_or_else(|| default.to_owned(), |g| g.value.clone())
    };
    // `--dialect v2` starts Medusa 2.x; `auto` cannot ask a backend that
    // is not up yet, so it starts v1 (the preflight then recognises it).
    let version = match dialect(inputs)? {
        DialectChoice::Fixed(d) if d.name == "v2" => MedusaVersion::V2,
        _ => MedusaVersion::V1,
    };
    Ok(ContainerSettings {
        medusa_image: or("image", version.default_image()),
        postgres_image: or("postgres_image", DEFAULT_POSTGRES_IMAGE),
        startup_timeout: startup_timeout(inputs.given("container_timeout"), version)?,
        docker_host: (inputs.var)("DOCKER_HOST"),
        tls: container_tls(inputs)?,
        version,
    })
}

/// `--container-tls` / `MEDUSA_CONTAINER_TLS`: 1 or true, 0 or false
/// (not given: false; the bare flag: 1).
fn container_tls(inputs: &Inputs<'_>) -> Result<bool, ConfigError> {
    let Some(g) = inputs.given("container_tls") else {
        return Ok(false);
    };
    match g.value.trim() {
        "0" | "false" => Ok(false),
        "1" | "true" => Ok(true),
        other => Err(err(
            format!("{} must be 1 or 0, got '{other}'", g.from),
            "give 1 (or the bare --container-tls) for https in production mode, or leave it out",
        )),
    }
}

/// A `0|1` setting given as a flag or a variable (`id` names its argument).
fn flag(inputs: &Inputs<'_>, id: &str) -> Result<bool, ConfigError> {
    let Some(g) = inputs.given(id) else {
        return Ok(false);
    };
    match g.value.trim() {
        "0" | "false" => Ok(false),
        "1" | "true" => Ok(true),
        other => Err(err(
            format!("{} must be 1 or 0, got '{other}'", g.from),
            format!(
                "give 1 to turn it on, 0 or nothing to leave it off ({})",
                g.from
            ),
        )),
    }
}

/// Reads the container start-up bound (not given: `version`'s default).
fn startup_timeout(given: Option<&Given>, version: MedusaVersion) -> Result<Duration, ConfigError> {
    let Some(g) = given else {
        return Ok(Duration::from_secs(version.default_timeout_secs()));
    };
    let raw = g.value.trim();
    match raw.parse::<u64>() {
        Ok(n) if (1..=MAX_TIMEOUT_SECS).contains(&n) => Ok(Duration::from_secs(n)),
        _ => Err(err(
            format!(
                "{} must be a whole number of seconds from 1 to {MAX_TIMEOUT_SECS}, got '{raw}'",
                g.from
            ),
            format!(
                "leave it out (default {}) or give a number of seconds",
                version.default_timeout_secs()
            ),
        )),
    }
}

/// The PEM of the CA file, read and checked to hold a certificate.
fn ca_cert(given: Option<&Given>) -> Result<Option<Vec<u8>>, ConfigError> {
    let Some(g) = given else {
        return Ok(None);
    };
    let (from, path) = (&g.from, PathBuf::from(&g.value));
    let pem = std::fs::read(&path).map_err(|e| {
        err(
            format!("{from} {} cannot be read: {e}", path.display()),
            format!("point {from} at a readable PEM file"),
        )
    })?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(err(
            format!("{from} {} holds no PEM certificate", path.display()),
            format!("point {from} at a readable PEM file (-----BEGIN CERTIFICATE-----)"),
        ));
    }
    Ok(Some(pem))
}

fn number(given: Option<&Given>, default: u64, min: u64) -> Result<u64, ConfigError> {
    match given {
        None => Ok(default),
        Some(g) => g
            .value
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| {
                err(
                    format!(
                        "{} must be a whole number of at least {min}, got '{}'",
                        g.from, g.value
                    ),
                    format!("leave {} out (default {default}) or give a number", g.from),
                )
            }),
    }
}

fn features(given: Option<&Given>) -> Result<PathBuf, ConfigError> {
    let features = given
        .map(|g| PathBuf::from(&g.value))
        .unwrap_or_else(default_features_dir);
    if !features.is_dir() {
        return Err(err(
            format!("the feature folder {} does not exist", features.display()),
            "run from the repository root or give the folder of .feature files (--features or MEDUSA_FEATURES)",
        ));
    }
    Ok(features)
}

/// The scenarios to run: tags, name, and the test runner's filters.
fn criteria(inputs: &Inputs<'_>) -> Result<Criteria, ConfigError> {
    let tags = inputs
        .given("tags")
        .map(|g| {
            TagExpr::parse(&g.value).map_err(|e| {
                err(
                    format!("{} '{}' is not a tag expression: {e}", g.from, g.value),
                    "e.g. --tags '@login and not @api-token' (tags start with @; and, or, not, parentheses)",
                )
            })
        })
        .transpose()?;
    let name = inputs
        .given("name")
        .map(|g| {
            Regex::new(&g.value).map_err(|e| {
                let why = e.to_string();
                let why = why.lines().last().unwrap_or_default().trim().to_owned();
                err(
                    format!("{} '{}' is not a regular expression: {why}", g.from, g.value),
                    "give a regular expression matched against scenario names, e.g. --name 'logs? (in|out)'",
                )
            })
        })
        .transpose()?;
    let args = &inputs.args;
    Ok(Criteria {
        tags,
        name,
        filters: args.filters.clone(),
        skip: args.skip.clone(),
        exact: args.exact,
        ignored: match (args.ignored, args.include_ignored) {
            (true, _) => Ignored::Only,
            (false, true) => Ignored::Include,
            (false, false) => Ignored::Exclude,
        },
    })
}

/// An on/off variable: `1`/`true`/`yes` or `0`/`false`/`no` (unset: off).
fn switch(inputs: &Inputs<'_>, key: &str) -> Result<bool, ConfigError> {
    match (inputs.var)(key)
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
        Some(other) => Err(err(
            format!("{key} must be 1 or 0, got '{other}'"),
            format!("set {key}=1 to turn it on, or unset it"),
        )),
    }
}

/// `-v` counts; without it, `MEDUSA_VERBOSE`.
fn verbose(inputs: &Inputs<'_>) -> Result<u8, ConfigError> {
    if inputs.args.verbose > 0 {
        return Ok(inputs.args.verbose.min(2));
    }
    match (inputs.var)("MEDUSA_VERBOSE").as_deref().map(str::trim) {
        None => Ok(0),
        Some(v) => v.parse::<u8>().ok().filter(|n| *n <= 2).ok_or_else(|| {
            err(
                format!("MEDUSA_VERBOSE must be 0, 1 or 2, got '{v}'"),
                "unset MEDUSA_VERBOSE, or give 0, 1 or 2 (or -v, -vv)",
            )
        }),
    }
}

// ---- output: HTML report and colours --------------------------------------

/// `--color`, else `MEDUSA_COLOR`, with `NO_COLOR` turning `auto` into
/// `never`.
fn color(inputs: &Inputs<'_>) -> Result<ColorChoice, ConfigError> {
    let choice = match inputs.given("color") {
        None => ColorChoice::Auto,
        Some(g) => ColorChoice::parse(&g.value).ok_or_else(|| {
            err(
                format!(
                    "{} must be auto, always or never, got '{}'",
                    g.from, g.value
                ),
                format!("leave {} out (auto) or give auto, always or never", g.from),
            )
        })?,
    };
    Ok(match choice {
        ColorChoice::Auto if (inputs.var)("NO_COLOR").is_some() => ColorChoice::Never,
        c => c,
    })
}

/// The folder feature paths are shown relative to, as cucumber's writers
/// choose it: the workspace, else the crate, else the working directory.
fn path_base(inputs: &Inputs<'_>) -> String {
    (inputs.var)("CARGO_WORKSPACE_DIR")
        .or_else(|| (inputs.var)("CARGO_MANIFEST_DIR"))
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
    use crate::cli::args::{Parsed, parse};
    use crate::target::container::TIMEOUT_VAR;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config_from_lookup(|k| map.get(k).cloned())
    }

    /// The configuration of `args` with the variables `pairs`.
    fn cli(args: &[&str], pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&args, move |k| map.get(k).cloned()) {
            Parsed::Inputs(i) => build(&i, true),
            _ => panic!("{args:?} did not parse"),
        }
    }

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mc-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
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
        let e = cli(&["--base-url", "http://h:1", "--email", "a@b.co"], &[]).unwrap_err();
        assert!(
            e.problem
                .starts_with("--base-url is set but MEDUSA_ADMIN_PASSWORD is not"),
            "{e}"
        );
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
                .contains("MEDUSA_TARGET 'moon'")
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
    fn errors_name_the_flag_when_a_flag_gave_the_value() {
        let e = cli(&["--timeout", "soon"], &[("MEDUSA_TIMEOUT_MS", "5")]).unwrap_err();
        assert!(
            e.problem.starts_with("--timeout must be a whole number"),
            "{e}"
        );
        let e = cli(&["--target", "moon"], &[]).unwrap_err();
        assert!(e.problem.contains("unknown --target 'moon'"), "{e}");
        let e = cli(&["--tags", "login"], &[]).unwrap_err();
        assert!(
            e.problem.contains("--tags 'login' is not a tag expression"),
            "{e}"
        );
        let e = cli(&["--name", "(unclosed"], &[]).unwrap_err();
        assert!(
            e.problem
                .contains("--name '(unclosed' is not a regular expression"),
            "{e}"
        );
        assert_eq!(e.problem.lines().count(), 1, "{e}");
    }

    #[test]
    fn flags_win_over_variables() {
        let c = cli(
            &["--concurrency", "2", "--junit", "flag.xml", "-v"],
            &[
                ("MEDUSA_CONCURRENCY", "7"),
                ("MEDUSA_JUNIT", "env.xml"),
                ("MEDUSA_VERBOSE", "2"),
                ("MEDUSA_CUCUMBER_JSON", "env.json"),
            ],
        )
        .unwrap();
        assert_eq!(c.concurrency, 2);
        assert_eq!(c.junit, Some(PathBuf::from("flag.xml")));
        assert_eq!(c.cucumber_json, Some(PathBuf::from("env.json")));
        assert_eq!(c.verbose, 1);
        let c = cli(&["--test-threads", "1", "--html", "r.html"], &[]).unwrap();
        assert_eq!(c.concurrency, 1);
        assert_eq!(c.html, Some(PathBuf::from("r.html")));
    }

    #[test]
    fn selection_flags_become_criteria() {
        let c = cli(
            &[
                "--tags",
                "@login and not @api-token",
                "--name",
                "good",
                "--fail-fast",
                "login::",
                "--exact",
                "--ignored",
                "--format",
                "terse",
                "--color",
                "never",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.select.tags.unwrap().text(), "@login and not @api-token");
        assert!(c.select.name.unwrap().is_match("good credentials"));
        assert_eq!(c.select.filters, ["login::"]);
        assert!(c.select.exact && c.fail_fast && c.terse);
        assert_eq!(c.select.ignored, Ignored::Only);
        assert_eq!(c.color, ColorChoice::Never);
        // The old one-tag form still works.
        let c = cfg(&[("MEDUSA_TAGS", "@whoami")]).unwrap();
        assert!(c.select.tags.unwrap().matches(&["whoami".into()]));
    }

    #[test]
    fn secrets_come_from_files_or_variables() {
        let pw = temp_file("pw", "hunter22\n");
        let tok = temp_file("tok", "tok-secret\r\n");
        let url = [
            ("MEDUSA_BASE_URL", "http://h:1"),
            ("MEDUSA_ADMIN_EMAIL", "a@b.co"),
        ];
        let c = cli(
            &[
                "--password-file",
                pw.to_str().unwrap(),
                "--api-token-file",
                tok.to_str().unwrap(),
            ],
            &[&url[..], &[("MEDUSA_ADMIN_PASSWORD", "from-env")]].concat(),
        )
        .unwrap();
        let TargetConfig::Url { credentials, .. } = c.target else {
            panic!("not a URL target");
        };
        assert_eq!(credentials.admin_password.expose(), "hunter22");
        assert_eq!(credentials.api_token.unwrap().expose(), "tok-secret");
        let both = cfg(&[
            &url[..],
            &[
                ("MEDUSA_ADMIN_PASSWORD", "x"),
                ("MEDUSA_ADMIN_PASSWORD_FILE", pw.to_str().unwrap()),
            ],
        ]
        .concat())
        .unwrap_err();
        assert!(
            both.problem
                .contains("both MEDUSA_ADMIN_PASSWORD and MEDUSA_ADMIN_PASSWORD_FILE"),
            "{both}"
        );
        let empty = temp_file("empty", "\n");
        let e = cli(&["--reference-password-file", empty.to_str().unwrap()], &[]).unwrap_err();
        assert!(
            e.problem.contains("--reference-password-file") && e.problem.contains("empty"),
            "{e}"
        );
        let e = cli(
            &["--api-token-file", "/nonexistent/tok"],
            &[&url[..], &[("MEDUSA_ADMIN_PASSWORD", "x")]].concat(),
        )
        .unwrap_err();
        assert!(e.problem.contains("cannot be read"), "{e}");
        let _ = std::fs::remove_dir_all(pw.parent().unwrap());
    }

    #[test]
    fn a_list_needs_no_credentials() {
        let args: Vec<String> = ["--base-url", "http://h:1", "--list"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let Parsed::Inputs(i) = parse(&args, |_| None) else {
            panic!("not parsed");
        };
        assert!(build(&i, true).is_err());
        assert!(matches!(
            build(&i, false).unwrap().target,
            TargetConfig::Url { .. }
        ));
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
            ("MEDUSA_HTML", "out/report.html"),
            ("MEDUSA_VERBOSE", "2"),
        ])
        .unwrap();
        assert_eq!(c.junit, Some(PathBuf::from("out/junit.xml")));
        assert_eq!(c.cucumber_json, Some(PathBuf::from("out/cucumber.json")));
        assert_eq!(c.html, Some(PathBuf::from("out/report.html")));
        assert_eq!(c.verbose, 2);
        let c = cfg(&[]).unwrap();
        assert_eq!((c.junit, c.cucumber_json, c.verbose), (None, None, 0));
    }

    #[test]
    fn require_all_by_flag_or_variable() {
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
        assert!(cli(&["--require-all"], &[]).unwrap().require_all);
        assert!(
            cli(&["--require-all"], &[("MEDUSA_REQUIRE_ALL", "0")])
                .unwrap()
                .require_all
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
    fn the_color_flag_wins_over_its_variable_and_no_color_only_changes_auto() {
        let colour = |args: &[&str], env: &[(&str, &str)]| cli(args, env).unwrap().color;
        let never = [("MEDUSA_COLOR", "never")];
        assert_eq!(colour(&["--color", "always"], &never), ColorChoice::Always);
        assert_eq!(colour(&["--color=ALWAYS"], &[]), ColorChoice::Always);
        assert_eq!(colour(&[], &never), ColorChoice::Never);
        let no_color = [("NO_COLOR", "1")];
        assert_eq!(colour(&["--color", "auto"], &no_color), ColorChoice::Never);
        assert_eq!(
            colour(&["--color", "always"], &no_color),
            ColorChoice::Always
        );
        let e = cli(&[], &[("MEDUSA_COLOR", "rainbow")]).unwrap_err();
        assert!(e.problem.starts_with("MEDUSA_COLOR must be"), "{e}");
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
        let g = |v: &str| Given {
            value: v.into(),
            from: TIMEOUT_VAR.into(),
        };
        assert_eq!(
            startup_timeout(None, MedusaVersion::V1).unwrap(),
            Duration::from_secs(180)
        );
        assert_eq!(
            startup_timeout(None, MedusaVersion::V2).unwrap(),
            Duration::from_secs(420)
        );
        for version in [MedusaVersion::V1, MedusaVersion::V2] {
            assert_eq!(
                startup_timeout(Some(&g("42")), version).unwrap(),
                Duration::from_secs(42)
            );
        }
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
        assert_eq!(
            s.medusa_image,
            crate::target::container::DEFAULT_MEDUSA_IMAGE
        );
        assert_eq!(s.version, MedusaVersion::V1);
        assert!(!s.tls);
    }

    #[test]
    fn the_dialect_chooses_the_container_medusa() {
        let started = |vars: &[(&str, &str)]| -> ContainerSettings {
            let mut all = vec![("MEDUSA_TARGET", "container")];
            all.extend_from_slice(vars);
            match cfg(&all).unwrap().target {
                TargetConfig::Container(s) => s,
                _ => panic!("not the container target"),
            }
        };
        let v2 = started(&[("MEDUSA_DIALECT", "v2")]);
        assert_eq!(v2.version, MedusaVersion::V2);
        assert_eq!(v2.startup_timeout, Duration::from_secs(420));
        assert_eq!(
            v2.medusa_image,
            crate::target::container::DEFAULT_MEDUSA_V2_IMAGE
        );
        for d in ["v1", "auto"] {
            let v1 = started(&[("MEDUSA_DIALECT", d)]);
            assert_eq!(v1.version, MedusaVersion::V1, "{d}");
            assert_eq!(v1.startup_timeout, Duration::from_secs(180), "{d}");
            assert_eq!(
                v1.medusa_image,
                crate::target::container::DEFAULT_MEDUSA_IMAGE
            );
        }
        // An image given by name is kept, whatever the dialect.
        let named = started(&[("MEDUSA_DIALECT", "v2"), ("MEDUSA_IMAGE", "x/y:1")]);
        assert_eq!(
            (named.medusa_image.as_str(), named.version),
            ("x/y:1", MedusaVersion::V2)
        );
    }

    #[test]
    fn container_tls_is_read_and_checked() {
        let tls = |args: &[&str], value: &str| -> Result<bool, ConfigError> {
            let mut vars = vec![("MEDUSA_TARGET", "container")];
            if !value.is_empty() {
                vars.push(("MEDUSA_CONTAINER_TLS", value));
            }
            match cli(args, &vars)?.target {
                TargetConfig::Container(s) => Ok(s.tls),
                _ => panic!("not the container target"),
            }
        };
        assert_eq!(tls(&[], "1"), Ok(true));
        assert_eq!(tls(&[], "true"), Ok(true));
        assert_eq!(tls(&[], "0"), Ok(false));
        assert_eq!(tls(&[], " "), Ok(false));
        assert_eq!(tls(&[], ""), Ok(false));
        // The bare flag turns it on; a flag wins over its variable.
        assert_eq!(tls(&["--container-tls"], ""), Ok(true));
        assert_eq!(tls(&["--container-tls"], "0"), Ok(true));
        assert_eq!(tls(&["--container-tls=0"], "1"), Ok(false));
        let e = tls(&[], "yes").unwrap_err();
        assert!(e.problem.contains("MEDUSA_CONTAINER_TLS must be"), "{e}");
        let e = tls(&["--container-tls=yes"], "").unwrap_err();
        assert!(e.problem.contains("--container-tls must be"), "{e}");
        // Asking another target for TLS is a mistake, not a silent http run.
        let e = cfg(&[("MEDUSA_CONTAINER_TLS", "1")]).unwrap_err();
        assert!(e.problem.contains("the target is reference"), "{e}");
        let e = cfg(&[
            ("MEDUSA_BASE_URL", "http://127.0.0.1:9000"),
            ("MEDUSA_ADMIN_EMAIL", "a@b.co"),
            ("MEDUSA_ADMIN_PASSWORD", "pw"),
            ("MEDUSA_CONTAINER_TLS", "1"),
        ])
        .unwrap_err();
        assert!(e.problem.contains("the target is url"), "{e}");
        assert!(cfg(&[("MEDUSA_CONTAINER_TLS", "0")]).is_ok());
    }

    #[test]
    fn stress_settings_default_parse_and_are_bounded() {
        let c = cli(&[], &[]).unwrap();
        assert_eq!((c.repeat, c.duration, c.stress()), (1, None, false));
        let c = cli(&["--repeat", "5"], &[("MEDUSA_REPEAT", "9")]).unwrap();
        assert_eq!((c.repeat, c.stress()), (5, true));
        assert_eq!(cli(&[], &[("MEDUSA_REPEAT", "9")]).unwrap().repeat, 9);
        for (raw, secs) in [("30s", 30), ("30", 30), ("2m", 120), ("1h", 3600)] {
            let c = cli(&["--duration", raw], &[]).unwrap();
            assert_eq!(c.duration, Some(Duration::from_secs(secs)), "{raw}");
        }
        let c = cli(&[], &[("MEDUSA_DURATION", "3s")]).unwrap();
        assert_eq!(c.duration, Some(Duration::from_secs(3)));
        for bad in ["0s", "2h", "soon", "1.5s", "3d"] {
            let e = cli(&["--duration", bad], &[]).unwrap_err();
            assert!(e.problem.starts_with("--duration must be"), "{bad}: {e}");
        }
        for bad in ["0", "1001", "x"] {
            let e = cli(&[], &[("MEDUSA_REPEAT", bad)]).unwrap_err();
            assert!(e.problem.starts_with("MEDUSA_REPEAT must be"), "{bad}: {e}");
        }
        let e = cli(&["--repeat", "2"], &[("MEDUSA_DURATION", "5s")]).unwrap_err();
        assert!(e.problem.contains("--repeat and MEDUSA_DURATION"), "{e}");
    }

    #[test]
    fn advisory_settings_are_read_and_checked() {
        let a = cfg(&[]).unwrap().advisories;
        assert_eq!((a.mode, a.level), (Mode::Warn, Severity::High));
        assert_eq!(a.idle_limit, Duration::from_secs(1_800));
        assert_eq!(a.absolute_limit, Duration::from_secs(43_200));
        let a = cfg(&[
            ("MEDUSA_ADVISORIES", "STRICT"),
            ("MEDUSA_ADVISORY_LEVEL", "low"),
            ("MEDUSA_SESSION_IDLE_LIMIT", "15m"),
            ("MEDUSA_SESSION_ABSOLUTE_LIMIT", "8h"),
        ])
        .unwrap()
        .advisories;
        assert_eq!((a.mode, a.level), (Mode::Strict, Severity::Low));
        assert_eq!(a.idle_limit, Duration::from_secs(900));
        assert_eq!(a.absolute_limit, Duration::from_secs(28_800));
        let flag = cli(&["--advisories", "off"], &[("MEDUSA_ADVISORIES", "strict")]).unwrap();
        assert_eq!(flag.advisories.mode, Mode::Off, "a flag wins");
        for (k, v) in [
            ("MEDUSA_ADVISORIES", "loud"),
            ("MEDUSA_ADVISORY_LEVEL", "critical"),
            ("MEDUSA_SESSION_IDLE_LIMIT", "0m"),
            ("MEDUSA_SESSION_IDLE_LIMIT", "ten"),
        ] {
            let e = cfg(&[(k, v)]).unwrap_err();
            assert!(e.problem.contains(k), "{e}");
        }
    }

    #[test]
    fn intrusive_checks_need_a_probe_account_that_is_not_the_admin() {
        let on = ("MEDUSA_ADVISORIES_INTRUSIVE", "1");
        assert!(cfg(&[]).unwrap().advisories.intrusive.is_none());
        let e = cfg(&[on]).unwrap_err();
        assert!(
            e.problem.contains("no probe account") && e.fix.contains("MEDUSA_PROBE_EMAIL"),
            "{e}"
        );
        let e = cfg(&[on, ("MEDUSA_PROBE_EMAIL", "probe@x.test")]).unwrap_err();
        assert!(e.problem.contains("no probe account"), "{e}");
        let e = cfg(&[on, ("MEDUSA_ADVISORIES", "off")]).unwrap_err();
        assert!(e.problem.contains("advisories are off"), "{e}");
        let account = [
            on,
            ("MEDUSA_PROBE_EMAIL", "probe@x.test"),
            ("MEDUSA_PROBE_PASSWORD", "probe-pw-1"),
        ];
        let probe = cfg(&account).unwrap().advisories.intrusive.unwrap();
        assert_eq!(probe.email, "probe@x.test");
        assert_eq!(probe.password.expose(), "probe-pw-1");
        // Seeded beside the reference's admin.
        match cfg(&account).unwrap().target {
            TargetConfig::Reference { probe, .. } => {
                assert_eq!(probe.unwrap().email, "probe@x.test");
            }
            other => panic!("{other:?}"),
        }
        // The admin the suite logs in as is refused, in any case.
        let url = [
            ("MEDUSA_BASE_URL", "http://127.0.0.1:9000"),
            ("MEDUSA_ADMIN_EMAIL", "Probe@X.test"),
            ("MEDUSA_ADMIN_PASSWORD", "admin-pw"),
        ];
        let e = cfg(&[&account[..], &url[..]].concat()).unwrap_err();
        assert!(e.problem.contains("is the admin"), "{e}");
        assert!(!e.to_string().contains("probe-pw-1"), "{e}");
        // The flag form; the password is never a flag.
        let c = cli(
            &["--advisories-intrusive", "--probe-email", "p@x.test"],
            &[("MEDUSA_PROBE_PASSWORD", "probe-pw-1")],
        )
        .unwrap();
        assert_eq!(c.advisories.intrusive.unwrap().email, "p@x.test");
        // Off by default even with an account given.
        assert!(cfg(&account[1..]).unwrap().advisories.intrusive.is_none());
    }

    #[test]
    fn the_hardened_reference_is_a_switch() {
        let hardened = |pairs: &[(&str, &str)]| match cfg(pairs).unwrap().target {
            TargetConfig::Reference { hardened, .. } => hardened,
            _ => panic!("not the reference"),
        };
        assert!(!hardened(&[]));
        assert!(hardened(&[("MEDUSA_REFERENCE_HARDENED", "1")]));
        assert!(!hardened(&[("MEDUSA_REFERENCE_HARDENED", "0")]));
        let e = cfg(&[("MEDUSA_REFERENCE_HARDENED", "yes please")]).unwrap_err();
        assert!(e.problem.contains("MEDUSA_REFERENCE_HARDENED"), "{e}");
    }
}
