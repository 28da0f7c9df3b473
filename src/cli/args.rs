//! The command line, declared once with clap's derive: every setting is a
//! flag with its `MEDUSA_*` variable as fallback (a flag wins), grouped in
//! `--help` as target, selection, test runner, output and reference
//! backend, with the exit codes after them. The same parser serves
//! `medusa-conformance` and `cargo test --test conformance -- ...`, so it
//! also speaks the test runner's flags (libtest's, which `cargo test` and
//! `cargo nextest` pass).
//!
//! Secrets are never flags: they come from the environment or from a file
//! (`--password-file`, `--api-token-file`, ...), so they never show in
//! `ps`, shell history or CI logs of the command.

use std::collections::HashMap;

use clap::{ArgMatches, CommandFactory as _, FromArgMatches as _, Parser};

use crate::exit;

const TARGET: &str = "Target";
const SELECTION: &str = "Selection";
const RUNNER: &str = "Test runner (cargo test, cargo nextest)";
const OUTPUT: &str = "Output";
const REFERENCE: &str = "Reference backend (no --base-url)";
const ADVISORIES: &str = "Security advisories (OWASP ASVS 5.0, docs/advisories.md)";
const STRESS: &str = "Stress (the selected scenarios again and again)";

/// Checks that a backend honours Medusa's admin auth contract.
///
/// Runs the contract's scenarios (features/) against a backend at a URL,
/// the embedded reference backend (the default), or containers started
/// for the run. Every flag falls back to the environment variable shown
/// with it; a flag wins over its variable.
#[derive(Debug, Default, Parser)]
#[command(name = "medusa-conformance", version, about, long_about)]
pub(super) struct Args {
    // ---- target -------------------------------------------------------
    /// What to run against: url, reference or container [default: url
    /// with --base-url, else reference]
    #[arg(long, env = "MEDUSA_TARGET", value_name = "KIND", help_heading = TARGET)]
    pub target: Option<String>,
    /// Base URL of the backend under test
    #[arg(long, env = "MEDUSA_BASE_URL", value_name = "URL", help_heading = TARGET)]
    pub base_url: Option<String>,
    /// The admin's e-mail (required with --base-url)
    #[arg(long, visible_alias = "admin-email", env = "MEDUSA_ADMIN_EMAIL", value_name = "EMAIL", help_heading = TARGET)]
    pub email: Option<String>,
    /// File holding the admin's password (else MEDUSA_ADMIN_PASSWORD)
    #[arg(long, env = "MEDUSA_ADMIN_PASSWORD_FILE", value_name = "PATH", help_heading = TARGET)]
    pub password_file: Option<String>,
    /// File holding the admin's API token (else MEDUSA_API_TOKEN); without
    /// one, @api-token scenarios are left out
    #[arg(long, env = "MEDUSA_API_TOKEN_FILE", value_name = "PATH", help_heading = TARGET)]
    pub api_token_file: Option<String>,
    /// File holding the backend's JWT signing secret (else
    /// MEDUSA_JWT_SECRET); without one, @jwt-secret scenarios are left out
    #[arg(long, env = "MEDUSA_JWT_SECRET_FILE", value_name = "PATH", help_heading = TARGET)]
    pub jwt_secret_file: Option<String>,
    /// An origin the backend's admin CORS allows (scheme://host[:port]);
    /// without one, @admin-origin scenarios are left out
    #[arg(long, env = "MEDUSA_ADMIN_ORIGIN", value_name = "ORIGIN", help_heading = TARGET)]
    pub admin_origin: Option<String>,
    /// API dialect: v1 (Medusa 1.x), v2 (Medusa 2.x), or auto: the
    /// preflight recognises it and says which [default: auto]
    #[arg(long, env = "MEDUSA_DIALECT", value_name = "v1|v2|auto", help_heading = TARGET)]
    pub dialect: Option<String>,
    /// PEM file of a CA to trust for https (a test CA)
    #[arg(long, env = "MEDUSA_CA_CERT", value_name = "PATH", help_heading = TARGET)]
    pub ca_cert: Option<String>,
    /// Request timeout in ms [default: 10000]; the connect timeout is the
    /// smaller of it and 5000
    #[arg(long, alias = "timeout-ms", env = "MEDUSA_TIMEOUT_MS", value_name = "MS", help_heading = TARGET)]
    pub timeout: Option<String>,
    /// Retries of a GET or DELETE after a transport error [default: 3]
    #[arg(long, env = "MEDUSA_MAX_RETRIES", value_name = "N", help_heading = TARGET)]
    pub max_retries: Option<String>,
    /// Scenarios run at once [default: 16]
    #[arg(long, visible_alias = "test-threads", env = "MEDUSA_CONCURRENCY", value_name = "N", help_heading = TARGET)]
    pub concurrency: Option<String>,
    /// Medusa v1 image for --target container
    #[arg(long, env = "MEDUSA_IMAGE", value_name = "IMAGE", help_heading = TARGET)]
    pub image: Option<String>,
    /// PostgreSQL image for --target container
    #[arg(long, env = "MEDUSA_POSTGRES_IMAGE", value_name = "IMAGE", help_heading = TARGET)]
    pub postgres_image: Option<String>,
    /// Bound on container start-up, 1 to 3600 [default: 180; v2: 420]
    #[arg(long, env = "MEDUSA_CONTAINER_TIMEOUT_SECS", value_name = "SECS", help_heading = TARGET)]
    pub container_timeout: Option<String>,
    /// 1: --target container runs Medusa in production mode behind an
    /// https proxy with a per-run CA [default: 0]
    #[arg(long, env = "MEDUSA_CONTAINER_TLS", value_name = "0|1", num_args = 0..=1, default_missing_value = "1", require_equals = true, help_heading = TARGET)]
    pub container_tls: Option<String>,

    // ---- advisories ---------------------------------------------------
    /// off, warn (list them; the verdict is the contract's) or strict
    /// (advisories at or above --advisory-level fail the run, exit 5)
    /// [default: warn]
    #[arg(long, env = "MEDUSA_ADVISORIES", value_name = "MODE", help_heading = ADVISORIES)]
    pub advisories: Option<String>,
    /// The lowest severity strict fails on: low, medium or high [default: high]
    #[arg(long, env = "MEDUSA_ADVISORY_LEVEL", value_name = "LEVEL", help_heading = ADVISORIES)]
    pub advisory_level: Option<String>,
    /// A session cookie living longer than this fires session-idle
    /// (30s, 30m, 12h) [default: 30m]
    #[arg(long, env = "MEDUSA_SESSION_IDLE_LIMIT", value_name = "TIME", help_heading = ADVISORIES)]
    pub session_idle_limit: Option<String>,
    /// A session cookie living longer than this fires session-absolute
    /// [default: 12h]
    #[arg(long, env = "MEDUSA_SESSION_ABSOLUTE_LIMIT", value_name = "TIME", help_heading = ADVISORIES)]
    pub session_absolute_limit: Option<String>,
    /// 1: also the intrusive checks (wrong passwords until throttled, the
    /// seed's default credentials, timed logins), against the probe
    /// account only, never the admin [default: 0]
    #[arg(long, env = "MEDUSA_ADVISORIES_INTRUSIVE", value_name = "0|1", num_args = 0..=1, default_missing_value = "1", require_equals = true, help_heading = ADVISORIES)]
    pub advisories_intrusive: Option<String>,
    /// The probe account's e-mail: a throwaway user the intrusive checks
    /// send wrong passwords for (never the admin)
    #[arg(long, env = "MEDUSA_PROBE_EMAIL", value_name = "EMAIL", help_heading = ADVISORIES)]
    pub probe_email: Option<String>,
    /// File holding the probe account's password (else MEDUSA_PROBE_PASSWORD)
    #[arg(long, env = "MEDUSA_PROBE_PASSWORD_FILE", value_name = "PATH", help_heading = ADVISORIES)]
    pub probe_password_file: Option<String>,

    // ---- selection ----------------------------------------------------
    /// Folder of .feature files [default: features/]
    #[arg(long, env = "MEDUSA_FEATURES", value_name = "DIR", help_heading = SELECTION)]
    pub features: Option<String>,
    /// Only scenarios whose tags match this expression, e.g. '@login and
    /// not @api-token'
    #[arg(long, short = 't', env = "MEDUSA_TAGS", value_name = "EXPR", help_heading = SELECTION)]
    pub tags: Option<String>,
    /// Only scenarios whose name matches this regular expression
    #[arg(long, short = 'n', env = "MEDUSA_NAME", value_name = "REGEX", help_heading = SELECTION)]
    pub name: Option<String>,
    /// Start no more scenarios after the first failure
    #[arg(long, help_heading = SELECTION)]
    pub fail_fast: bool,
    /// A selected scenario left out (no API token, JWT secret or admin
    /// origin) fails the run; else MEDUSA_REQUIRE_ALL=1
    #[arg(long, help_heading = SELECTION)]
    pub require_all: bool,
    /// List the selected scenarios (test name, file:line, tags); sends
    /// nothing, starts nothing
    #[arg(long, help_heading = SELECTION)]
    pub list: bool,

    // ---- test runner (libtest's flags) ----------------------------------
    /// Run only tests (scenarios) whose test name contains a FILTER
    #[arg(value_name = "FILTER", help_heading = RUNNER)]
    pub filters: Vec<String>,
    /// FILTER and --skip match whole test names
    #[arg(long, help_heading = RUNNER)]
    pub exact: bool,
    /// Leave out tests whose name contains FILTER
    #[arg(long, value_name = "FILTER", help_heading = RUNNER)]
    pub skip: Vec<String>,
    /// Only the ignored tests: the scenarios a run leaves out (@api-token
    /// without an API token)
    #[arg(long, conflicts_with = "include_ignored", help_heading = RUNNER)]
    pub ignored: bool,
    /// Ignored tests too (left-out scenarios still cannot run)
    #[arg(long, help_heading = RUNNER)]
    pub include_ignored: bool,
    /// Output format: pretty or terse (--list --format terse prints
    /// `name: test` lines, as test runners read them)
    #[arg(long, value_name = "FORMAT", value_parser = ["pretty", "terse"], help_heading = RUNNER)]
    pub format: Option<String>,
    /// The same as --format terse
    #[arg(long, short = 'q', help_heading = RUNNER)]
    pub quiet: bool,
    /// Accepted for libtest: output is never captured
    #[arg(long, help_heading = RUNNER)]
    pub nocapture: bool,
    /// Accepted for libtest: output is always shown
    #[arg(long, help_heading = RUNNER)]
    pub show_output: bool,

    // ---- output ---------------------------------------------------------
    /// Write a JUnit XML report to PATH
    #[arg(long, env = "MEDUSA_JUNIT", value_name = "PATH", help_heading = OUTPUT)]
    pub junit: Option<String>,
    /// Write a Cucumber JSON report to PATH
    #[arg(long, env = "MEDUSA_CUCUMBER_JSON", value_name = "PATH", help_heading = OUTPUT)]
    pub cucumber_json: Option<String>,
    /// Write an HTML report (one self-contained file) to PATH
    #[arg(long, env = "MEDUSA_HTML", value_name = "PATH", help_heading = OUTPUT)]
    pub html: Option<String>,
    /// Colours: auto (on a terminal, unless NO_COLOR is set), always or
    /// never [default: auto]
    #[arg(long, env = "MEDUSA_COLOR", value_name = "WHEN", value_parser = ["auto", "always", "never"], ignore_case = true, help_heading = OUTPUT)]
    pub color: Option<String>,
    /// More output: -v adds steps, -vv the scenario state (never a
    /// secret); else MEDUSA_VERBOSE=0..2
    #[arg(long, short = 'v', action = clap::ArgAction::Count, help_heading = OUTPUT)]
    pub verbose: u8,

    // ---- stress (--repeat, --duration) ----------------------------------
    /// Run each selected scenario N times (1 to 1000), --concurrency at
    /// once; ends with per-route latency percentiles and the scenarios
    /// that failed only in some runs [default: 1]
    #[arg(long, env = "MEDUSA_REPEAT", value_name = "N", help_heading = STRESS)]
    pub repeat: Option<String>,
    /// Run the selected scenarios again and again for this long (30s, 2m;
    /// 1s to 1h), --concurrency at once; then as --repeat
    #[arg(long, env = "MEDUSA_DURATION", value_name = "TIME", help_heading = STRESS)]
    pub duration: Option<String>,

    // ---- reference backend ------------------------------------------------
    /// Comma-separated contract faults for the reference backend to commit
    #[arg(long, env = "MEDUSA_REFERENCE_FAULTS", value_name = "LIST", help_heading = REFERENCE)]
    pub reference_faults: Option<String>,
    /// File holding the reference backend's admin password (else
    /// MEDUSA_REFERENCE_ADMIN_PASSWORD; default: random per run)
    #[arg(long, env = "MEDUSA_REFERENCE_ADMIN_PASSWORD_FILE", value_name = "PATH", help_heading = REFERENCE)]
    pub reference_password_file: Option<String>,
    /// File holding the reference backend's API token (else
    /// MEDUSA_REFERENCE_API_TOKEN; default: random per run)
    #[arg(long, env = "MEDUSA_REFERENCE_API_TOKEN_FILE", value_name = "PATH", help_heading = REFERENCE)]
    pub reference_api_token_file: Option<String>,
    /// 1: the reference backend fixes every advisory it can (new session
    /// id at login, no-store, security headers, ...) [default: 0, as
    /// Medusa 1.20.11]
    #[arg(long, env = "MEDUSA_REFERENCE_HARDENED", value_name = "0|1", num_args = 0..=1, default_missing_value = "1", require_equals = true, help_heading = REFERENCE)]
    pub reference_hardened: Option<String>,
    /// List the faults the reference backend can commit, and exit
    #[arg(long, help_heading = REFERENCE)]
    pub list_faults: bool,
}

/// The secrets' variables (never flags), and the flag that reads each
/// from a file instead.
pub(super) const SECRET_VARS: &[(&str, &str)] = &[
    ("MEDUSA_ADMIN_PASSWORD", "--password-file"),
    ("MEDUSA_API_TOKEN", "--api-token-file"),
    ("MEDUSA_JWT_SECRET", "--jwt-secret-file"),
    (
        "MEDUSA_REFERENCE_ADMIN_PASSWORD",
        "--reference-password-file",
    ),
    ("MEDUSA_REFERENCE_API_TOKEN", "--reference-api-token-file"),
    ("MEDUSA_PROBE_PASSWORD", "--probe-password-file"),
];

/// A value given for a setting, and where from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Given {
    /// The value, as given (never blank).
    pub value: String,
    /// Where it came from, as the user wrote it: `--base-url` or
    /// `MEDUSA_BASE_URL`.
    pub from: String,
}

/// What the command line and the environment say: the flags, each
/// setting's value and origin, and a lookup for the variables that are
/// not flags.
pub(super) struct Inputs<'a> {
    /// The parsed flags (values too, but read them through [`Inputs::given`]).
    pub args: Args,
    given: HashMap<String, Given>,
    /// Reads an environment variable (set and not blank).
    pub var: Lookup<'a>,
}

/// Reads an environment variable.
pub(super) type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

impl<'a> Inputs<'a> {
    /// The value of the setting whose field is `id`, if given.
    pub fn given(&self, id: &str) -> Option<&Given> {
        debug_assert!(
            command().get_arguments().any(|a| a.get_id() == id),
            "no setting {id}"
        );
        self.given.get(id)
    }

    /// The settings of the environment alone, read through `get` (no
    /// flags): what `config_from_lookup` reads.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String> + 'a) -> Inputs<'a> {
        let get = move |k: &str| get(k).filter(|v| !v.trim().is_empty());
        Inputs {
            args: Args::default(),
            given: given_values(None, &get),
            var: Box::new(get),
        }
    }
}

/// What the arguments ask for, or why they cannot be read.
pub(super) enum Parsed<'a> {
    /// Settings to run (or list) with.
    Inputs(Box<Inputs<'a>>),
    /// `--help` or `--version`: print this and exit 0.
    Print(String),
    /// A wrong argument: what is wrong, and what to do.
    Wrong(String, String),
}

/// Reads `args` (without the program name), with `env` as the
/// environment. clap parses the flags; the variables each flag declares
/// are read here, through `env`, so that one lookup serves every setting
/// and tests can give their own.
pub(super) fn parse<'a>(args: &[String], env: impl Fn(&str) -> Option<String> + 'a) -> Parsed<'a> {
    if let Some(wrong) = secret_on_argv(args) {
        return wrong;
    }
    let argv = std::iter::once("medusa-conformance".to_owned()).chain(args.iter().cloned());
    let flags_only = command().mut_args(|a| a.env(None));
    let matches = match flags_only.try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => return clap_error(&e, args),
    };
    let parsed = match Args::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => return clap_error(&e, args),
    };
    let env = move |k: &str| env(k).filter(|v| !v.trim().is_empty());
    Parsed::Inputs(Box::new(Inputs {
        args: parsed,
        given: given_values(Some(&matches), &env),
        var: Box::new(env),
    }))
}

/// Each setting's value and origin: its flag if given, else its variable.
fn given_values(
    matches: Option<&ArgMatches>,
    env: &dyn Fn(&str) -> Option<String>,
) -> HashMap<String, Given> {
    let mut given = HashMap::new();
    for arg in command().get_arguments() {
        let (Some(var), Some(long)) = (arg.get_env().and_then(|v| v.to_str()), arg.get_long())
        else {
            continue;
        };
        let id = arg.get_id().as_str();
        let flag = matches
            .and_then(|m| m.try_get_one::<String>(id).ok().flatten())
            .filter(|v| !v.trim().is_empty())
            .map(|v| Given {
                value: v.clone(),
                from: format!("--{long}"),
            });
        let from_env = || {
            env(var).map(|value| Given {
                value,
                from: var.to_owned(),
            })
        };
        if let Some(g) = flag.or_else(from_env) {
            given.insert(id.to_owned(), g);
        }
    }
    given
}

/// A flag that would carry a secret on the command line, refused without
/// repeating its value.
fn secret_on_argv<'a>(args: &[String]) -> Option<Parsed<'a>> {
    const SECRETS: &[(&str, &str)] = &[
        (
            "--password",
            "--password-file PATH or MEDUSA_ADMIN_PASSWORD",
        ),
        (
            "--admin-password",
            "--password-file PATH or MEDUSA_ADMIN_PASSWORD",
        ),
        ("--api-token", "--api-token-file PATH or MEDUSA_API_TOKEN"),
        ("--token", "--api-token-file PATH or MEDUSA_API_TOKEN"),
        (
            "--jwt-secret",
            "--jwt-secret-file PATH or MEDUSA_JWT_SECRET",
        ),
        (
            "--reference-password",
            "--reference-password-file PATH or MEDUSA_REFERENCE_ADMIN_PASSWORD",
        ),
        (
            "--reference-api-token",
            "--reference-api-token-file PATH or MEDUSA_REFERENCE_API_TOKEN",
        ),
        (
            "--probe-password",
            "--probe-password-file PATH or MEDUSA_PROBE_PASSWORD",
        ),
    ];
    let flags = args.iter().take_while(|a| *a != "--");
    for a in flags {
        let name = a.split('=').next().unwrap_or(a);
        if let Some((flag, instead)) = SECRETS.iter().find(|(f, _)| *f == name) {
            return Some(Parsed::Wrong(
                format!(
                    "{flag} would put a secret on the command line (ps, shell history, CI logs), so there is no such flag"
                ),
                format!("use {instead}"),
            ));
        }
    }
    None
}

/// A clap error as a configuration error (or the help and version, which
/// clap reports as errors).
fn clap_error<'a>(e: &clap::Error, args: &[String]) -> Parsed<'a> {
    use clap::error::ErrorKind;
    match e.kind() {
        // Rendered from the full command, which shows each flag's variable.
        ErrorKind::DisplayHelp if args.iter().any(|a| a == "--help") => {
            return Parsed::Print(command().render_long_help().to_string());
        }
        ErrorKind::DisplayHelp => return Parsed::Print(command().render_help().to_string()),
        ErrorKind::DisplayVersion => return Parsed::Print(e.render().to_string()),
        _ => {}
    }
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let problem = lines
        .next()
        .unwrap_or("the arguments cannot be read")
        .trim_start_matches("error: ")
        .to_owned();
    let fix = lines
        .find_map(|l| l.strip_prefix("tip: "))
        .map(|tip| format!("{tip}; see medusa-conformance --help"))
        .unwrap_or_else(|| "see medusa-conformance --help".to_owned());
    Parsed::Wrong(problem, fix)
}

/// The command: the derived flags, env values hidden from `--help`, the
/// secrets and the exit codes after them.
pub(super) fn command() -> clap::Command {
    Args::command()
        .mut_args(|a| a.hide_env_values(true))
        .after_long_help(after_help())
        .after_help(
            "Secrets, exit codes and the test runner: see --help.\n\
             The reference backend as a local server: medusa-conformance serve --help.",
        )
}

fn after_help() -> String {
    let mut text =
        String::from("Secrets come from the environment or a file, never from the command line:\n");
    for (var, flag) in SECRET_VARS {
        text.push_str(&format!("  {var:<33} or {flag} PATH\n"));
    }
    text.push_str(
        "Also read: MEDUSA_VERBOSE=0..2 (when -v is not given), MEDUSA_REQUIRE_ALL=1 (as\n\
         --require-all), NO_COLOR.\n",
    );
    text.push_str(
        "\nmedusa-conformance serve [FLAGS] runs the reference backend as a local\n\
         server for client developers (see serve --help).\n",
    );
    text.push_str(
        "\nUnder cargo test (cargo test --test conformance -- ARGS) and cargo nextest,\n\
         each scenario is a test named after its file and name, such as\n\
         login::the_admin_logs_in_with_good_credentials (see --list).\n\nExit codes:\n",
    );
    for (code, meaning) in exit::TABLE {
        text.push_str(&format!("  {code:<4} {meaning}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(a: &[&str], env: &[(&str, &str)]) -> Parsed<'static> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        parse(&args, move |k| env.get(k).cloned())
    }

    fn inputs(a: &[&str]) -> Box<Inputs<'static>> {
        match parsed(a, &[]) {
            Parsed::Inputs(i) => i,
            Parsed::Print(t) => panic!("printed {t}"),
            Parsed::Wrong(p, f) => panic!("{p} / {f}"),
        }
    }

    fn wrong(a: &[&str]) -> (String, String) {
        match parsed(a, &[]) {
            Parsed::Wrong(p, f) => (p, f),
            _ => panic!("{a:?} was accepted"),
        }
    }

    #[test]
    fn the_command_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn flags_carry_their_origin() {
        let i = inputs(&["--junit=a.xml", "--base-url", "http://h:1", "-vv"]);
        let junit = i.given("junit").unwrap();
        assert_eq!(
            (junit.value.as_str(), junit.from.as_str()),
            ("a.xml", "--junit")
        );
        assert_eq!(i.given("base_url").unwrap().from, "--base-url");
        assert_eq!(i.args.verbose, 2);
        assert!(i.given("cucumber_json").is_none());
    }

    #[test]
    fn libtest_flags_are_understood() {
        let i = inputs(&[
            "login::",
            "--exact",
            "--nocapture",
            "--test-threads",
            "1",
            "--format",
            "terse",
            "--include-ignored",
            "--skip",
            "x",
            "--color=never",
            "-q",
        ]);
        assert_eq!(i.args.filters, ["login::"]);
        assert!(i.args.exact && i.args.include_ignored && i.args.quiet);
        assert_eq!(i.args.skip, ["x"]);
        assert_eq!(i.args.format.as_deref(), Some("terse"));
        assert_eq!(i.given("color").unwrap().value, "never");
        assert_eq!(i.given("concurrency").unwrap().from, "--concurrency");
    }

    #[test]
    fn help_and_version_are_printed() {
        let Parsed::Print(help) = parsed(&["--help"], &[]) else {
            panic!("no help");
        };
        for heading in [TARGET, SELECTION, RUNNER, OUTPUT, REFERENCE] {
            assert!(help.contains(&format!("{heading}:")), "{heading}: {help}");
        }
        assert!(help.contains("[env: MEDUSA_BASE_URL]"), "{help}");
        assert!(help.contains("  3    backend unreachable"), "{help}");
        let Parsed::Print(v) = parsed(&["--version"], &[]) else {
            panic!("no version");
        };
        assert!(v.contains(env!("CARGO_PKG_VERSION")), "{v}");
    }

    #[test]
    fn env_values_never_show_in_help() {
        assert!(
            command()
                .get_arguments()
                .all(|a| a.is_hide_env_values_set())
        );
    }

    #[test]
    fn a_flag_wins_over_its_variable() {
        let env = [("MEDUSA_JUNIT", "env.xml"), ("MEDUSA_TAGS", "@login")];
        let Parsed::Inputs(i) = parsed(&["--junit", "flag.xml"], &env) else {
            panic!("not parsed");
        };
        assert_eq!(i.given("junit").unwrap().value, "flag.xml");
        let tags = i.given("tags").unwrap();
        assert_eq!(
            (tags.value.as_str(), tags.from.as_str()),
            ("@login", "MEDUSA_TAGS")
        );
    }

    #[test]
    fn secrets_on_the_command_line_are_refused_without_echo() {
        for a in [
            &["--password", "hunter22"][..],
            &["--password=hunter22"],
            &["--api-token=hunter22"],
            &["--reference-api-token", "hunter22"],
        ] {
            let (p, f) = wrong(a);
            assert!(
                !p.contains("hunter22") && !f.contains("hunter22"),
                "{p} {f}"
            );
            assert!(
                p.contains("command line") && f.contains("-file"),
                "{p} / {f}"
            );
        }
    }

    #[test]
    fn unknown_flags_and_bad_values_are_wrong() {
        let (p, f) = wrong(&["--frobnicate"]);
        assert!(p.contains("'--frobnicate'"), "{p}");
        assert!(f.contains("--help"), "{f}");
        assert!(wrong(&["--junit"]).0.contains("--junit"));
        assert!(wrong(&["--format", "json"]).0.contains("json"));
        assert!(
            wrong(&["--ignored", "--include-ignored"])
                .0
                .contains("cannot be used")
        );
    }

    #[test]
    fn lookup_inputs_name_the_variable() {
        let i = Inputs::from_lookup(|k| (k == "MEDUSA_TIMEOUT_MS").then(|| "5".to_owned()));
        assert_eq!(i.given("timeout").unwrap().from, "MEDUSA_TIMEOUT_MS");
        assert!(i.given("junit").is_none());
        let blank = Inputs::from_lookup(|_| Some("  ".to_owned()));
        assert!(blank.given("junit").is_none() && (blank.var)("MEDUSA_API_TOKEN").is_none());
    }
}
