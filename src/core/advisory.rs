//! Security advisories mapped to OWASP ASVS 5.0.0: what even a conformant
//! backend may get wrong. Separate from the contract: an advisory never
//! changes the contract verdict; only `strict` mode turns the ones at or
//! above a level into a failed run (its own exit code).
//!
//! This module holds the catalog ([`CATALOG`]), the modes and levels, and
//! the pure judging of exchanges ([`passive`]) and of probe results. It
//! sends nothing: the suite makes the requests.

use std::collections::BTreeMap;

use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY};
use serde_json::Value;

use crate::core::contract::Call;
use crate::core::cookies;
use crate::core::exchange::Exchange;

/// How bad an advisory is for a release gate, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Low,
    /// Worth fixing.
    Medium,
    /// Fix before a release.
    High,
}

impl Severity {
    /// The level's name, as `--advisory-level` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// The level named `text` (`low`, `medium`, `high`), if it is one.
    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Low, Severity::Medium, Severity::High]
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// What the run does with advisories (`MEDUSA_ADVISORIES`, `--advisories`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// No advisory check runs.
    Off,
    /// Advisories are reported; the verdict is the contract's alone.
    #[default]
    Warn,
    /// Advisories at or above the level fail the run.
    Strict,
}

impl Mode {
    /// The mode named `text` (`off`, `warn`, `strict`), if it is one.
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Mode::Off),
            "warn" => Some(Mode::Warn),
            "strict" => Some(Mode::Strict),
            _ => None,
        }
    }

    /// The mode's name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Warn => "warn",
            Mode::Strict => "strict",
        }
    }
}

/// One check of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advisory {
    /// Stable name (`session-fixation`).
    pub id: &'static str,
    /// The ASVS 5.0.0 requirement(s).
    pub asvs5: &'static str,
    /// The ASVS 4.0.3 requirement, where there is one.
    pub asvs4: Option<&'static str>,
    /// What a good backend does, in one line.
    pub statement: &'static str,
    /// How bad a miss is.
    pub severity: Severity,
}

const fn adv(
    id: &'static str,
    asvs5: &'static str,
    asvs4: Option<&'static str>,
    statement: &'static str,
    severity: Severity,
) -> Advisory {
    Advisory {
        id,
        asvs5,
        asvs4,
        statement,
        severity,
    }
}

use Severity::{High, Low, Medium};

/// Every advisory, passive checks first, then the probes.
pub const CATALOG: &[Advisory] = &[
    adv(
        "cache-no-store",
        "V14.3.2",
        Some("8.2.1"),
        "answers carrying credentials or user data send Cache-Control: no-store",
        Medium,
    ),
    adv(
        "nosniff",
        "V3.4.4",
        Some("14.4.4"),
        "every answer sends X-Content-Type-Options: nosniff",
        Low,
    ),
    adv(
        "frame-ancestors",
        "V3.4.6",
        Some("14.4.7"),
        "every answer forbids framing (CSP frame-ancestors or X-Frame-Options)",
        Low,
    ),
    adv(
        "referrer-policy",
        "V3.4.5",
        Some("14.4.6"),
        "every answer sends a Referrer-Policy",
        Low,
    ),
    adv(
        "hsts",
        "V3.4.1",
        Some("14.4.5"),
        "answers over https send Strict-Transport-Security with max-age of a year or more",
        Medium,
    ),
    adv(
        "content-type",
        "V4.1.1",
        Some("14.4.1"),
        "every answer with a body says its Content-Type",
        Low,
    ),
    adv(
        "error-disclosure",
        "V13.4.2, V16.5.1",
        Some("14.3.2"),
        "error bodies carry no stack trace and no absolute path",
        Medium,
    ),
    adv(
        "x-powered-by",
        "V13.4.6",
        Some("14.3.3"),
        "no answer names its framework in X-Powered-By",
        Low,
    ),
    adv(
        "credential-in-body",
        "V14.2.6",
        None,
        "login and whoami bodies carry no credential (user.api_token) the route does not exist to return",
        High,
    ),
    adv(
        "cookie-secure",
        "V3.3.1",
        Some("3.4.1"),
        "over https the session cookie is Secure and has a __Host- or __Secure- name",
        Medium,
    ),
    adv(
        "cookie-samesite",
        "V3.3.2",
        Some("3.4.3"),
        "the session cookie sets SameSite to Lax or Strict",
        Medium,
    ),
    adv(
        "session-idle",
        "V7.3.1",
        Some("3.3.2"),
        "a session lasts no longer than the idle limit without use",
        Medium,
    ),
    adv(
        "session-absolute",
        "V7.3.2",
        Some("3.3.2"),
        "a session lasts no longer than the absolute limit",
        Medium,
    ),
    adv(
        "session-fixation",
        "V7.2.4",
        Some("3.2.1"),
        "login issues a new session id: the pre-login cookie does not become authenticated",
        High,
    ),
    adv(
        "logout-jwt",
        "V7.4.1",
        Some("3.3.1"),
        "logout revokes the access tokens (JWT) of the user (the v1 contract keeps them valid)",
        Medium,
    ),
    adv(
        "logout-api-token",
        "V7.2.2",
        Some("3.5.2"),
        "logout or expiry ends a static API token (the v1 contract keeps it valid)",
        Medium,
    ),
    adv(
        "jwt-weak-secret",
        "V9.1.1 (ZAP JWT weak key)",
        Some("3.5.3"),
        "a JWT signed with a well-known secret (supersecret, secret, something) is refused",
        High,
    ),
    adv(
        "jwt-alg-pinned",
        "V9.1.2",
        Some("3.5.3"),
        "a JWT signed with another HMAC algorithm (HS384) than the HS256 the backend issues is refused",
        Low,
    ),
    adv(
        "cors-variants",
        "V3.4.2",
        Some("14.5.3"),
        "CORS allows no null, suffix, scheme or case variant of the admin origin",
        High,
    ),
    adv(
        "csrf-text-plain",
        "V3.5.1",
        Some("13.2.3"),
        "a cross-site text/plain login (a simple request) does not log in",
        High,
    ),
    adv(
        "csrf-logged-in",
        "V3.5.1, V3.5.2",
        Some("13.2.3"),
        "a cross-site text/plain POST carrying the admin's session cookie (a simple request) is refused",
        High,
    ),
    // Intrusive: only with MEDUSA_ADVISORIES_INTRUSIVE=1, against the probe account.
    adv(
        "login-throttling",
        "V6.3.1, V2.4.1",
        Some("2.2.1"),
        "repeated wrong passwords for one account are throttled (429, Retry-After, RateLimit-* or rising latency)",
        High,
    ),
    adv(
        "lockout-unsaid",
        "V6.3.1",
        Some("2.2.1"),
        "once throttled, the right password works or the refusal says when to try again (Retry-After)",
        Low,
    ),
    adv(
        "default-credentials",
        "V6.3.2",
        Some("2.5.4"),
        "Medusa's seed admin (admin@medusa-test.com / supersecret) does not log in",
        High,
    ),
    adv(
        "timing-enumeration",
        "V6.3.8",
        None,
        "a login for an unknown e-mail takes as long as one for a known e-mail (no user enumeration by timing)",
        Medium,
    ),
    adv(
        "kdf-cost",
        "V11.4.2",
        Some("2.4.1"),
        "a password check costs what a tuned KDF costs (a correct login takes 10 ms or more)",
        High,
    ),
];

/// The advisories that send wrong passwords or time logins: judged only
/// when asked (`MEDUSA_ADVISORIES_INTRUSIVE=1`), against the probe account.
pub const INTRUSIVE: &[&str] = &[
    "login-throttling",
    "lockout-unsaid",
    "default-credentials",
    "timing-enumeration",
    "kdf-cost",
];

/// The admin `medusa seed` creates from Medusa's demo data (and the v1
/// image's default admin): what `default-credentials` tries.
pub const SEED_EMAIL: &str = "admin@medusa-test.com";
/// That admin's password.
pub const SEED_PASSWORD: &str = "supersecret";

/// The advisories judged from the clock: their verdict depends on the
/// machine's load, so each finding says how sure it is.
pub const TIMED: &[&str] = &["timing-enumeration", "kdf-cost"];

/// The advisory named `id`.
pub fn advisory(id: &str) -> Option<&'static Advisory> {
    CATALOG.iter().find(|a| a.id == id)
}

/// One advisory that fired, with the evidence that made it fire (already
/// redacted when it leaves the suite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The advisory.
    pub advisory: &'static Advisory,
    /// What was seen: the request and what its answer lacked or carried.
    pub evidence: String,
}

impl Finding {
    /// One console line: severity, id, ASVS ids, statement, evidence.
    pub fn describe(&self) -> String {
        let a = self.advisory;
        let old = a.asvs4.map(|v| format!("; 4.0.3 {v}")).unwrap_or_default();
        format!(
            "advisory [{}] {} (ASVS {}{old}): {} -- {}",
            a.severity.name(),
            a.id,
            a.asvs5,
            a.statement,
            self.evidence
        )
    }
}

/// The advisories of a run: at most one finding per advisory (the first
/// evidence), plus how the run treats them. The default is `off` with
/// nothing found (a record of a run that judged none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisories {
    /// The run's mode.
    pub mode: Mode,
    /// The lowest severity `strict` fails on.
    pub level: Option<Severity>,
    findings: BTreeMap<&'static str, Finding>,
    /// Checks that do not fit the backend's dialect, and why.
    left_out: BTreeMap<&'static str, String>,
}

impl Default for Advisories {
    fn default() -> Advisories {
        Advisories {
            mode: Mode::Off,
            level: None,
            findings: BTreeMap::new(),
            left_out: BTreeMap::new(),
        }
    }
}

impl Advisories {
    /// No finding yet, in `mode` with `level`.
    pub fn new(mode: Mode, level: Severity) -> Advisories {
        Advisories {
            mode,
            level: Some(level),
            findings: BTreeMap::new(),
            left_out: BTreeMap::new(),
        }
    }

    /// Notes `advisory` with `evidence`, unless it has fired already.
    pub fn add(&mut self, id: &str, evidence: String) {
        let Some(advisory) = advisory(id) else {
            return;
        };
        self.findings
            .entry(advisory.id)
            .or_insert(Finding { advisory, evidence });
    }

    /// Notes that the check `id` was left out, and why (a route it needs
    /// is not the backend dialect's).
    pub fn leave_out(&mut self, id: &str, why: String) {
        if let Some(advisory) = advisory(id) {
            self.left_out.entry(advisory.id).or_insert(why);
        }
    }

    /// The checks left out, and why, in id order.
    pub fn left_out(&self) -> Vec<(&'static str, &str)> {
        self.left_out
            .iter()
            .map(|(id, why)| (*id, why.as_str()))
            .collect()
    }

    /// Every finding, the most severe first, then in catalog order.
    pub fn findings(&self) -> Vec<&Finding> {
        let order = |f: &Finding| CATALOG.iter().position(|a| a.id == f.advisory.id);
        let mut v: Vec<&Finding> = self.findings.values().collect();
        v.sort_by_key(|f| (std::cmp::Reverse(f.advisory.severity), order(f)));
        v
    }

    /// The ids that fired, sorted (what the parity test compares).
    pub fn ids(&self) -> Vec<&'static str> {
        self.findings.keys().copied().collect()
    }

    /// The findings that fail a strict run (none in `off` or `warn`).
    pub fn failing(&self) -> Vec<&Finding> {
        let level = self.level.unwrap_or(High);
        if self.mode != Mode::Strict {
            return Vec::new();
        }
        self.findings()
            .into_iter()
            .filter(|f| f.advisory.severity >= level)
            .collect()
    }
}

/// What the passive checks need to know besides the exchange.
#[derive(Debug, Clone, Copy)]
pub struct Passive<'a> {
    /// Whether the backend is served over https.
    pub https: bool,
    /// The dialect's session cookie name.
    pub session_cookie: &'a str,
    /// The idle limit of a session, in seconds.
    pub idle_limit_secs: i64,
    /// The absolute limit of a session, in seconds.
    pub absolute_limit_secs: i64,
}

/// The advisories one exchange fires, as `(id, evidence)`. The evidence
/// names the request and the header or part of the body, never a value
/// of a credential (callers still mask it with the scenario's redactor).
pub fn passive(ex: &Exchange, p: &Passive<'_>) -> Vec<(&'static str, String)> {
    let at = ex.request_line();
    let mut found = header_findings(ex, p.https);
    if !ex.body.is_empty() && ex.content_type().is_none() {
        let n = ex.body.len();
        found.push((
            "content-type",
            format!("a body of {n} bytes without Content-Type"),
        ));
    }
    if ex.status >= 400
        && let Some(what) = disclosure(&ex.body_text())
    {
        found.push(("error-disclosure", what));
    }
    if let Some(what) = credential_in_body(ex) {
        found.push(("credential-in-body", what));
    }
    found.extend(cookie_findings(ex, p));
    found
        .into_iter()
        .map(|(id, what)| (id, format!("{at} -> {}: {what}", ex.status)))
        .collect()
}

/// The security headers an answer lacks (or the one it should not send).
fn header_findings(ex: &Exchange, https: bool) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let header = |name: &str| ex.headers.get(name).and_then(|v| v.to_str().ok());
    let shown = |name: &str| header(name).unwrap_or("absent").to_owned();
    if carries_credentials_or_user(ex)
        && !header(CACHE_CONTROL.as_str()).is_some_and(|v| v.contains("no-store"))
    {
        out.push((
            "cache-no-store",
            format!("Cache-Control is {}", shown("cache-control")),
        ));
    }
    if !header("x-content-type-options").is_some_and(|v| v.trim().eq_ignore_ascii_case("nosniff")) {
        out.push(("nosniff", "no X-Content-Type-Options: nosniff".into()));
    }
    let csp_frames =
        header(CONTENT_SECURITY_POLICY.as_str()).is_some_and(|v| v.contains("frame-ancestors"));
    if !csp_frames && header("x-frame-options").is_none() {
        out.push((
            "frame-ancestors",
            "neither CSP frame-ancestors nor X-Frame-Options".into(),
        ));
    }
    if header(REFERRER_POLICY.as_str()).is_none() {
        out.push(("referrer-policy", "no Referrer-Policy".into()));
    }
    if https && !header("strict-transport-security").is_some_and(hsts_long_enough) {
        let v = shown("strict-transport-security");
        out.push(("hsts", format!("Strict-Transport-Security is {v}")));
    }
    if let Some(v) = header("x-powered-by") {
        out.push(("x-powered-by", format!("X-Powered-By: {v}")));
    }
    out
}

/// Whether the answer is a success that carries a token or a user.
fn carries_credentials_or_user(ex: &Exchange) -> bool {
    if !(200..300).contains(&ex.status) {
        return false;
    }
    let Ok(v) = ex.json() else {
        return false;
    };
    ["user", "access_token", "accessToken", "token", "api_token"]
        .iter()
        .any(|k| v.get(k).is_some_and(|x| !x.is_null()))
}

/// `max-age` of at least a year.
fn hsts_long_enough(v: &str) -> bool {
    v.split(';')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .any(|n| {
            n.trim_matches('"')
                .parse::<u64>()
                .is_ok_and(|n| n >= 31_536_000)
        })
}

/// What in an error body discloses the server's insides, if anything.
fn disclosure(body: &str) -> Option<String> {
    // Express's dev error page breaks lines with <br> and indents with &nbsp;.
    let text = body.replace("<br>", "\n").replace("&nbsp;", " ");
    let stack = text.lines().find(|l| {
        let t = l.trim_start();
        t.starts_with("at ") && (t.contains(".js:") || t.contains('('))
    });
    if let Some(line) = stack {
        return Some(format!("a stack trace line: {}", shorten(line.trim())));
    }
    let path = ["/node_modules/", "/usr/src/", "/home/", "/app/", "C:\\"]
        .iter()
        .find(|p| body.contains(*p))?;
    Some(format!("an absolute path ({path}...)"))
}

fn shorten(s: &str) -> String {
    let cut: String = s.chars().take(120).collect();
    if cut.len() < s.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// The credential a login or whoami body carries, if any.
fn credential_in_body(ex: &Exchange) -> Option<String> {
    if !matches!(ex.call, Call::CreateSession | Call::GetSession)
        || !(200..300).contains(&ex.status)
    {
        return None;
    }
    let v = ex.json().ok()?;
    let user = v.get("user").unwrap_or(&v);
    match user.get("api_token") {
        Some(Value::String(t)) if !t.is_empty() => Some(format!(
            "user.api_token is a {}-character static API token",
            t.chars().count()
        )),
        _ => None,
    }
}

/// The session cookie's attributes against the cookie advisories.
fn cookie_findings(ex: &Exchange, p: &Passive<'_>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for c in ex.cookies_named(p.session_cookie) {
        if p.https && (c.secure() != Some(true) || !has_prefix(c.name())) {
            out.push((
                "cookie-secure",
                format!(
                    "{} is {}Secure, and its name has no __Host-/__Secure- prefix",
                    c.name(),
                    if c.secure() == Some(true) { "" } else { "not " }
                ),
            ));
        }
        let same_site = c.same_site().map(|s| s.to_string());
        if !matches!(same_site.as_deref(), Some("Lax" | "Strict")) {
            out.push((
                "cookie-samesite",
                format!(
                    "{} has SameSite={}",
                    c.name(),
                    same_site.as_deref().unwrap_or("absent")
                ),
            ));
        }
        if let Ok(secs) = cookies::lifetime_secs(&c, ex.date()) {
            // Expires and Date are whole seconds, made at two moments.
            if secs - SLACK_SECS > p.idle_limit_secs {
                out.push((
                    "session-idle",
                    format!(
                        "{} lives {secs} s, over the idle limit of {} s",
                        c.name(),
                        p.idle_limit_secs
                    ),
                ));
            }
            if secs - SLACK_SECS > p.absolute_limit_secs {
                out.push((
                    "session-absolute",
                    format!(
                        "{} lives {secs} s, over the absolute limit of {} s",
                        c.name(),
                        p.absolute_limit_secs
                    ),
                ));
            }
        }
    }
    out
}

/// What an `Expires` measured against `Date` may be off by.
const SLACK_SECS: i64 = 2;

fn has_prefix(name: &str) -> bool {
    name.starts_with("__Host-") || name.starts_with("__Secure-")
}

/// The well-known JWT secrets the weak-secret probe signs with.
pub const WEAK_JWT_SECRETS: &[&str] = &["supersecret", "secret", "something"];

/// The admin-origin variants a CORS allowlist must not reflect: `null`,
/// a suffix, the other scheme, and a case change of the host.
pub fn origin_variants(origin: &str) -> Vec<String> {
    let mut v = vec!["null".to_owned(), format!("{origin}.evil.example")];
    if let Some(rest) = origin.strip_prefix("http://") {
        v.push(format!("https://{rest}"));
    } else if let Some(rest) = origin.strip_prefix("https://") {
        v.push(format!("http://{rest}"));
    }
    if let Some((scheme, host)) = origin.split_once("://") {
        let upper = format!("{scheme}://{}", host.to_ascii_uppercase());
        if upper != origin {
            v.push(upper);
        }
    }
    v
}

pub mod timing;

#[cfg(test)]
mod tests;
