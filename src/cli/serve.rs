//! `medusa-conformance serve [FLAGS]`: its own small parser, apart from
//! the suite's (whose positional arguments are test-runner filters: under
//! `cargo test --test conformance -- serve`, `serve` stays a filter).

use clap::{CommandFactory as _, FromArgMatches as _, Parser};

use crate::app::serve::{ServeConfig, serve};
use crate::app::{ConfigError, RunError};
use crate::cli::args::Given;
use crate::cli::env::read_secret;
use crate::core::redact::Secret;
use crate::exit;
use crate::target::reference::{FaultSet, ReferenceConfig};

/// Runs the reference backend as a local server, for client developers.
///
/// Listens until Ctrl-C or SIGTERM (exit 0), logging one line per request
/// (method, path, status, time; never a header, query or body). The admin
/// password and API token come from MEDUSA_REFERENCE_ADMIN_PASSWORD /
/// MEDUSA_REFERENCE_API_TOKEN, or a file (--password-file,
/// --api-token-file); else they are generated and printed once, at start.
/// GET /__conformance/faults lists the faults, PUT {"faults": [...]} sets
/// them (loopback clients only).
#[derive(Debug, Parser)]
#[command(name = "medusa-conformance serve", version)]
struct ServeArgs {
    /// Address to listen on
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0: any free one; the URL printed says which)
    #[arg(long, value_name = "PORT", default_value_t = 9000)]
    port: u16,
    /// API dialect: v1 (Medusa 1.x, /admin/auth) or v2 (Medusa 2.x,
    /// /auth/* and /admin/users/me)
    #[arg(long, value_name = "DIALECT", default_value = "v1", value_parser = ["v1", "v2"])]
    dialect: String,
    /// Comma-separated faults to commit from the start (see
    /// `medusa-conformance --list-faults`)
    #[arg(long, value_name = "LIST")]
    faults: Option<String>,
    /// The admin's e-mail
    #[arg(
        long,
        value_name = "EMAIL",
        default_value = "admin@reference.medusa.test"
    )]
    admin_email: String,
    /// File holding the admin password (else MEDUSA_REFERENCE_ADMIN_PASSWORD;
    /// else generated)
    #[arg(long, value_name = "PATH")]
    password_file: Option<String>,
    /// File holding the admin's API token (else MEDUSA_REFERENCE_API_TOKEN;
    /// else generated)
    #[arg(long, value_name = "PATH")]
    api_token_file: Option<String>,
    /// 1: fix every security advisory the contract allows (new session id
    /// at login, no-store, security headers, SameSite=Lax, 30 min cookie,
    /// HS256 only, no stack traces, throttled logins: 5 wrong passwords in
    /// a row lock the account for 60 s, every login costs 20 ms); v1 only (else MEDUSA_REFERENCE_HARDENED) [default: 0, as
    /// Medusa 1.20.11]
    #[arg(long, value_name = "0|1", num_args = 0..=1, default_missing_value = "1", require_equals = true)]
    hardened: Option<String>,
}

/// The variable `--hardened` falls back to, as the suite's reference does.
const HARDENED: &str = "MEDUSA_REFERENCE_HARDENED";

/// The secrets' variables, and the flag that reads each from a file.
const PASSWORD: (&str, &str) = ("MEDUSA_REFERENCE_ADMIN_PASSWORD", "--password-file");
const API_TOKEN: (&str, &str) = ("MEDUSA_REFERENCE_API_TOKEN", "--api-token-file");

/// `medusa-conformance serve ARGS` (after `serve`), with the process
/// environment; returns the exit code.
pub(super) fn main(args: &[String]) -> u8 {
    let config = match config(args, |k| std::env::var(k).ok()) {
        Ok(Some(c)) => c,
        Ok(None) => return exit::OK,
        Err(e) => return super::report_error(&RunError::Config(e)),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return super::report_error(&RunError::Runtime(e)),
    };
    match rt.block_on(serve(config, std::io::stdout())) {
        Ok(()) => exit::OK,
        Err(e) => super::report_error(&e),
    }
}

/// The settings `args` and the variables `env` gives say, `None` after
/// printing `--help` or `--version`.
fn config(
    args: &[String],
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<ServeConfig>, ConfigError> {
    refuse_secret_flags(args)?;
    let argv = std::iter::once("medusa-conformance serve".to_owned()).chain(args.iter().cloned());
    let matches = match ServeArgs::command().try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => return clap_error(&e),
    };
    let a = ServeArgs::from_arg_matches(&matches).map_err(|e| clap_error(&e).unwrap_err())?;
    let faults = FaultSet::parse(a.faults.as_deref().unwrap_or_default()).map_err(|e| {
        ConfigError::new(
            format!("--faults: {e}"),
            "use names from `medusa-conformance --list-faults`",
        )
    })?;
    if !a.admin_email.contains('@') || a.admin_email.chars().any(char::is_whitespace) {
        return Err(ConfigError::new(
            format!("--admin-email {} is not an e-mail address", a.admin_email),
            "give an address such as admin@example.com",
        ));
    }
    let password = secret(a.password_file.as_deref(), PASSWORD, &env)?;
    let api_token = secret(a.api_token_file.as_deref(), API_TOKEN, &env)?;
    let mut reference = ReferenceConfig::random();
    reference.admin_email = a.admin_email;
    reference.faults = faults;
    reference.v2 = a.dialect == "v2";
    reference.hardened = hardened(a.hardened.as_deref(), &env)?;
    // No concurrent wrong-password scenarios here: the admin is throttled too.
    reference.throttle_admin = reference.hardened;
    if reference.hardened && reference.v2 {
        return Err(ConfigError::new(
            "--hardened is for the v1 reference; the v2 one has no hardened mode yet",
            "leave --hardened (and MEDUSA_REFERENCE_HARDENED) out with --dialect v2",
        ));
    }
    let (generated_password, generated_api_token) = (password.is_none(), api_token.is_none());
    if let Some(p) = password {
        reference.admin_password = p;
    }
    if let Some(t) = api_token {
        reference.api_token = t;
    }
    Ok(Some(ServeConfig {
        host: a.host,
        port: a.port,
        reference,
        generated_password,
        generated_api_token,
    }))
}

/// `--hardened[=0|1]`, else `MEDUSA_REFERENCE_HARDENED`: 1/true or
/// 0/false (not given: off).
fn hardened(
    flag: Option<&str>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<bool, ConfigError> {
    let (value, from) = match flag {
        Some(v) => (v.to_owned(), "--hardened"),
        None => match env(HARDENED).filter(|v| !v.trim().is_empty()) {
            Some(v) => (v, HARDENED),
            None => return Ok(false),
        },
    };
    match value.trim() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        other => Err(ConfigError::new(
            format!("{from} must be 1 or 0, got '{other}'"),
            "give the bare --hardened (or 1) to turn it on, 0 or nothing to leave it off",
        )),
    }
}

/// A secret from its file (the flag wins) or its variable; `None`: make
/// one up.
fn secret(
    file: Option<&str>,
    (var, flag): (&str, &str),
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    if let Some(path) = file {
        let given = Given {
            value: path.to_owned(),
            from: flag.to_owned(),
        };
        return read_secret(&given).map(Some);
    }
    Ok(env(var).filter(|v| !v.is_empty()).map(Secret::new))
}

/// A flag that would put a secret on the command line, refused without
/// repeating its value.
fn refuse_secret_flags(args: &[String]) -> Result<(), ConfigError> {
    const SECRETS: &[(&str, (&str, &str))] = &[
        ("--password", PASSWORD),
        ("--admin-password", PASSWORD),
        ("--api-token", API_TOKEN),
        ("--token", API_TOKEN),
    ];
    for a in args.iter().take_while(|a| *a != "--") {
        let name = a.split('=').next().unwrap_or(a);
        if let Some((flag, (var, file))) = SECRETS.iter().find(|(f, _)| *f == name) {
            return Err(ConfigError::new(
                format!(
                    "{flag} would put a secret on the command line (ps, shell history, CI logs), so there is no such flag"
                ),
                format!("use {file} PATH or {var}"),
            ));
        }
    }
    Ok(())
}

/// clap's error as one configuration error; `--help` and `--version`
/// printed (`Ok(None)`).
fn clap_error(e: &clap::Error) -> Result<Option<ServeConfig>, ConfigError> {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        print!("{}", e.render());
        return Ok(None);
    }
    let text = e.render().to_string();
    let problem = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("the arguments cannot be read")
        .trim_start_matches("error: ")
        .to_owned();
    Err(ConfigError::new(
        problem,
        "see medusa-conformance serve --help",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(args: &[&str], env: &[(&str, &str)]) -> Result<Option<ServeConfig>, ConfigError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config(&args, move |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    fn ok(args: &[&str], env: &[(&str, &str)]) -> ServeConfig {
        cfg(args, env).unwrap().unwrap()
    }

    fn wrong(args: &[&str]) -> ConfigError {
        cfg(args, &[]).unwrap_err()
    }

    #[test]
    fn defaults_are_loopback_port_9000_and_generated_secrets() {
        let c = ok(&[], &[]);
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 9000));
        assert!(c.generated_password && c.generated_api_token);
        assert!(c.reference.faults.is_empty());
        let other = ok(&[], &[]);
        assert_ne!(
            c.reference.admin_password.expose(),
            other.reference.admin_password.expose()
        );
    }

    #[test]
    fn flags_and_variables_are_read() {
        let c = ok(
            &[
                "--port",
                "0",
                "--host",
                "0.0.0.0",
                "--faults",
                "created-201,forbidden-403",
                "--admin-email",
                "Dev@Example.com",
                "--dialect",
                "v1",
            ],
            &[
                ("MEDUSA_REFERENCE_ADMIN_PASSWORD", "from-env-pw"),
                ("MEDUSA_REFERENCE_API_TOKEN", "from-env-tok"),
            ],
        );
        assert_eq!((c.host.as_str(), c.port), ("0.0.0.0", 0));
        assert_eq!(c.reference.faults.names(), "created-201,forbidden-403");
        assert_eq!(c.reference.admin_email, "Dev@Example.com");
        assert_eq!(c.reference.admin_password.expose(), "from-env-pw");
        assert_eq!(c.reference.api_token.expose(), "from-env-tok");
        assert!(!c.generated_password && !c.generated_api_token);
    }

    #[test]
    fn secrets_come_from_files_before_variables() {
        let dir = std::env::temp_dir().join(format!("mc-serve-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (pw, tok) = (dir.join("pw"), dir.join("tok"));
        std::fs::write(&pw, "file-pw\n").unwrap();
        std::fs::write(&tok, "file-tok").unwrap();
        let c = ok(
            &[
                "--password-file",
                pw.to_str().unwrap(),
                "--api-token-file",
                tok.to_str().unwrap(),
            ],
            &[("MEDUSA_REFERENCE_ADMIN_PASSWORD", "from-env-pw")],
        );
        assert_eq!(c.reference.admin_password.expose(), "file-pw");
        assert_eq!(c.reference.api_token.expose(), "file-tok");
        let missing = wrong(&["--password-file", "/nonexistent/pw"]);
        assert!(missing.problem.contains("--password-file"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wrong_flags_are_configuration_errors() {
        assert!(ok(&["--dialect", "v2"], &[]).reference.v2);
        assert!(!ok(&[], &[]).reference.v2);
        assert!(wrong(&["--dialect", "v3"]).problem.contains("v3"));
        assert!(
            wrong(&["--faults", "nope"])
                .problem
                .contains("unknown fault 'nope'")
        );
        assert!(wrong(&["--port", "70000"]).problem.contains("70000"));
        assert!(wrong(&["--frobnicate"]).problem.contains("--frobnicate"));
        assert!(
            wrong(&["--admin-email", "nobody"])
                .problem
                .contains("not an e-mail")
        );
        assert!(wrong(&["--port"]).fix.contains("serve --help"));
    }

    #[test]
    fn hardened_is_a_flag_or_the_suites_variable() {
        assert!(!ok(&[], &[]).reference.hardened, "off by default");
        assert!(ok(&["--hardened"], &[]).reference.hardened);
        assert!(ok(&["--hardened=1"], &[]).reference.hardened);
        assert!(ok(&[], &[(HARDENED, "1")]).reference.hardened);
        assert!(
            !ok(&["--hardened=0"], &[(HARDENED, "1")]).reference.hardened,
            "the flag wins"
        );
        assert!(wrong(&["--hardened=yes"]).problem.contains("--hardened"));
        let e = cfg(&[], &[(HARDENED, "on")]).unwrap_err();
        assert!(e.problem.contains(HARDENED), "{e}");
        let e = wrong(&["--hardened", "--dialect", "v2"]);
        assert!(e.problem.contains("v1"), "{e}");
        // serve never has the seed admin, hardened or not.
        assert!(!ok(&[], &[]).reference.seed_admin);
    }

    #[test]
    fn secret_flags_are_refused_without_echo() {
        for a in [
            &["--password", "hunter22"][..],
            &["--api-token=hunter22"],
            &["--token", "hunter22"],
        ] {
            let e = wrong(a);
            let text = e.to_string();
            assert!(!text.contains("hunter22"), "{text}");
            assert!(
                text.contains("command line") && text.contains("-file PATH"),
                "{text}"
            );
        }
    }
}
