//! The fault catalog: the suite must go red on a broken backend, and red
//! for the right reason. For every contract fault the reference backend can
//! commit, the whole suite runs once against it and must fail with a report
//! of the check that fault breaks; with no fault it must pass. Prints the
//! fault -> verdict -> catching scenarios table and the mutation score.
//! A fault the preflight refuses (a backend that is not a Medusa admin API
//! to it) counts as caught by the check `preflight`.
//!
//! To test runners this target is one test, `fault_catalog`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex};

use futures::StreamExt as _;

use medusa_conformance::app::{self, RunError};
use medusa_conformance::cli::{config_from_lookup, single_test};
use medusa_conformance::core::record::{FailedCheck, Outcome, PREFLIGHT};
use medusa_conformance::target::TargetError;
use medusa_conformance::target::reference::Fault;

/// The check(s) whose report proves the suite saw *this* fault; any one
/// of them suffices. A status check is named after the call it checks.
fn expected_checks(fault: Fault) -> &'static [&'static str] {
    use Fault::*;
    const LOGIN: &str = "status POST /admin/auth";
    const TOKEN: &str = "status POST /admin/auth/token";
    const WHOAMI: &str = "status GET /admin/auth";
    const LOGOUT: &str = "status DELETE /admin/auth";
    // The automatic check on every exchange: `route row <METHOD> <path> <status>`.
    const LOGIN_ROW_200: &str = "route row POST /admin/auth 200";
    const WHOAMI_ROW_200: &str = "route row GET /admin/auth 200";
    const TOKEN_ROW_200: &str = "route row POST /admin/auth/token 200";
    const LOGIN_ROW_400: &str = "route row POST /admin/auth 400";
    const TOKEN_ROW_400: &str = "route row POST /admin/auth/token 400";
    match fault {
        MissingUserField | RenamedUserField | UserFieldWrongType | UserEmailNotEmail
        | UserDateNotDateTime | RoleOutsideEnum | UserNotWrapped | PasswordHashLeaked
        | UnknownUserField => &[LOGIN_ROW_200, WHOAMI_ROW_200],
        AccessTokenMissing | AccessTokenRenamed | AccessTokenNotString => &[TOKEN_ROW_200],
        Created201 => &[
            "route row POST /admin/auth 201",
            "route row POST /admin/auth/token 201",
        ],
        Forbidden403 => &[
            "route row POST /admin/auth 403",
            "route row POST /admin/auth/token 403",
        ],
        ValidationAs500 | NotJsonAs500 => &[
            "route row POST /admin/auth 500",
            "route row POST /admin/auth/token 500",
        ],
        AcceptWrongPassword => &[LOGIN, TOKEN],
        UserEnumeration => &["same answer", LOGIN],
        JsonAsTextPlain => &[LOGIN_ROW_200, TOKEN_ROW_200, LOGIN_ROW_400, TOKEN_ROW_400],
        ErrorAsHtml | ErrorWithoutType => &[LOGIN_ROW_400, TOKEN_ROW_400],
        TruncatedJson => &[LOGIN_ROW_200, TOKEN_ROW_200, LOGIN_ROW_400, TOKEN_ROW_400],
        // It answers the preflight's request without credentials.
        WhoamiWithoutCredentials => &["preflight"],
        AcceptTamperedCookie | AcceptForeignJwt | ApiTokenAsBearer => &[WHOAMI],
        IgnoreBearer | IgnoreApiToken | TokenFromOtherSecret | LoginWithoutSession => &[WHOAMI],
        LogoutKeepsSession | LogoutEndsAllSessions => &[WHOAMI],
        LogoutWithoutCredentials => &[LOGOUT],
        NoSessionCookie => &["session cookie"],
        CookieNotHttpOnly => &["session cookie attributes"],
        WhoamiOtherUser => &["same user"],
        AcceptAlgNone | AcceptEmptySignature | AcceptChangedPayload | JwtExpiryIgnored
        | JwtNbfIgnored | JwtDomainIgnored => &[WHOAMI],
        UnknownUserJwt500 => &["route row GET /admin/auth 500"],
        TokenLivesForYears => &["access token lifetime"],
        TokenClaimsPasswordHash => &["access token secrets"],
        CookieLivesForYears | CookiePathNarrow => &["session cookie attributes"],
        FailedLoginLogsIn => &[
            "no session after a refused request",
            "no session after a failed login",
        ],
        CorsReflectsAnyOrigin | CorsPrefixMatch | CorsWithoutCredentials => &["cors"],
        LoginAcceptsForm | LoginAcceptsTextPlain | LoginAcceptsUntypedJson => &[LOGIN, TOKEN],
        PasswordCaseInsensitive | PasswordTrimmed | PasswordPrefixMatch => &[LOGIN, TOKEN],
        ApiTokenPrefixMatch | ApiTokenCaseInsensitive => &[WHOAMI],
        PasswordEchoed | ApiTokenEchoed => &["secret echoed"],
        SecondLogoutOk => &[LOGOUT],
        // Only the automatic route-row check sees these.
        UnauthorizedAsJson => &[
            "route row POST /admin/auth 401",
            "route row POST /admin/auth/token 401",
        ],
        SuccessWrongContentType => &["route row GET /admin/auth 200"],
        CorsRefusalWithoutType => &[
            "route row GET /admin/auth 403",
            "route row POST /admin/auth 403",
            "route row OPTIONS /admin/auth 403",
        ],
        ValidationExtraMessage => &["error message"],
        // v2's own faults: not v1's business.
        V2EmailCaseInsensitive
        | V2ValidationAs400
        | V2SessionUserRecord
        | V2LogoutWithBearer
        | V2LogoutBodyOk
        | V2RefreshWithoutCredentials
        | V2RefreshAcceptsApiKey
        | V2LogoutKeepsCookie => &[],
    }
}

/// The check(s) that must catch `fault` when the reference speaks v2;
/// empty: the fault is not committed in v2 (or is v2's contract).
fn expected_checks_v2(fault: Fault) -> &'static [&'static str] {
    use Fault::*;
    const LOGIN: &str = "status POST /auth/user/emailpass";
    const SESSION: &str = "status POST /auth/session";
    const WHOAMI: &str = "status GET /admin/users/me";
    const LOGOUT: &str = "status DELETE /auth/session";
    const REFRESH: &str = "status POST /auth/token/refresh";
    const LOGIN_ROW_200: &str = "route row POST /auth/user/emailpass 200";
    const LOGIN_ROW_401: &str = "route row POST /auth/user/emailpass 401";
    const WHOAMI_ROW_200: &str = "route row GET /admin/users/me 200";
    match fault {
        MissingUserField
        | RenamedUserField
        | UserFieldWrongType
        | UserEmailNotEmail
        | UserDateNotDateTime
        | RoleOutsideEnum
        | UserNotWrapped
        | PasswordHashLeaked
        | UnknownUserField
        | SuccessWrongContentType => &[WHOAMI_ROW_200],
        AccessTokenMissing | AccessTokenRenamed | AccessTokenNotString => &[LOGIN_ROW_200],
        Created201 => &["route row POST /auth/user/emailpass 201"],
        // v2's route rows allow any JSON error for a 4xx: the status is the
        // scenario's business.
        Forbidden403 => &[LOGIN],
        ValidationAs500 | NotJsonAs500 => &["route row POST /auth/user/emailpass 500"],
        // The preflight's refusal is JSON too: cut, it is not v2's.
        JsonAsTextPlain | TruncatedJson => {
            &[LOGIN_ROW_200, LOGIN_ROW_401, WHOAMI_ROW_200, "preflight"]
        }
        ErrorAsHtml | ErrorWithoutType => &[LOGIN_ROW_401],
        AcceptWrongPassword | V2EmailCaseInsensitive | V2ValidationAs400 => &[LOGIN, SESSION],
        UserEnumeration => &["same answer", LOGIN],
        WhoamiWithoutCredentials => &["preflight"],
        AcceptTamperedCookie
        | AcceptForeignJwt
        | ApiTokenAsBearer
        | IgnoreBearer
        | IgnoreApiToken
        | LogoutKeepsSession
        | LogoutEndsAllSessions => &[WHOAMI, REFRESH],
        // v2 sets a cookie only for a session with a user in it.
        LoginWithoutSession => &["session cookie"],
        TokenFromOtherSecret => &[SESSION, WHOAMI],
        LogoutWithoutCredentials | SecondLogoutOk | V2LogoutWithBearer => &[LOGOUT],
        NoSessionCookie => &["session cookie"],
        CookieNotHttpOnly => &["session cookie attributes"],
        WhoamiOtherUser => &["same user", "user e-mail"],
        V2SessionUserRecord => &["route row POST /auth/session 200"],
        V2LogoutBodyOk => &["route row DELETE /auth/session 200"],
        V2RefreshWithoutCredentials | V2RefreshAcceptsApiKey => &[REFRESH],
        V2LogoutKeepsCookie => &["session cookie cleared"],
        CookieLivesForYears | CookiePathNarrow => &["session cookie attributes"],
        FailedLoginLogsIn => &[
            "no session after a refused request",
            "no session after a failed login",
        ],
        AcceptAlgNone
        | AcceptEmptySignature
        | AcceptChangedPayload
        | JwtExpiryIgnored
        | JwtNbfIgnored
        | JwtDomainIgnored
        | ApiTokenPrefixMatch
        | ApiTokenCaseInsensitive => &[WHOAMI],
        UnknownUserJwt500 => &["route row GET /admin/users/me 500"],
        TokenLivesForYears => &["access token lifetime"],
        TokenClaimsPasswordHash => &["access token secrets"],
        PasswordCaseInsensitive | PasswordTrimmed | PasswordPrefixMatch => &[LOGIN, SESSION],
        // v2 reads a JSON body only when it says application/json.
        LoginAcceptsTextPlain | LoginAcceptsUntypedJson => &[LOGIN],
        CorsReflectsAnyOrigin | CorsPrefixMatch | CorsWithoutCredentials => &["cors"],
        LoginAcceptsForm // v2 reads a form: its contract, not a fault.
        | PasswordEchoed
        | ApiTokenEchoed
        | UnauthorizedAsJson
        | CorsRefusalWithoutType
        | ValidationExtraMessage => &[],
    }
}

/// How many suites run at once.
const SUITES_AT_ONCE: usize = 6;

/// Output of one run, kept in memory.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Faults whose effect crosses scenarios: with scenarios side by side,
/// another scenario's logout may end the checking scenario's sessions
/// before its own logout, which then fails for another reason than the
/// one wanted. One scenario at a time makes the verdict the same each run.
const CROSS_SCENARIO: &[&str] = &["logout-ends-all-sessions"];

async fn run_with(dialect: &str, faults: &str) -> (Outcome, String) {
    let one_at_a_time = faults.split(',').any(|f| CROSS_SCENARIO.contains(&f));
    let config = config_from_lookup(|k| match k {
        "MEDUSA_CONCURRENCY" if one_at_a_time => Some("1".to_owned()),
        "MEDUSA_REFERENCE_FAULTS" => Some(faults.to_owned()),
        "MEDUSA_DIALECT" => Some(dialect.to_owned()),
        // The advisory probes never change a verdict (they run after the
        // scenarios and record no failed check; the outcome and its
        // failed checks are the scenarios' alone), so the catalog, which
        // judges verdicts, does not send them: they cost a run time.
        "MEDUSA_ADVISORIES" => Some("off".to_owned()),
        // No fault makes the backend slow: a long bound only leaves room
        // for a loaded machine, where a timeout would fail a run for
        // another reason than its fault.
        "MEDUSA_TIMEOUT_MS" => Some("60000".to_owned()),
        _ => None,
    })
    .expect("fault names from the catalog parse");
    let buf = Buf::default();
    let outcome = match app::run(&config, buf.clone()).await {
        Ok(outcome) => outcome,
        Err(RunError::Target(e @ TargetError::NotMedusa { .. })) => {
            let _ = writeln!(buf.clone(), "{e}");
            Outcome {
                failed: 1,
                failed_checks: vec![FailedCheck {
                    scenario: PREFLIGHT.into(),
                    check: "preflight".into(),
                }],
                ..Outcome::default()
            }
        }
        // Not a panic: cucumber swaps the panic hook during each run, and
        // with runs side by side it may be left silent.
        Err(e) => {
            let _ = writeln!(buf.clone(), "the run did not start or finish: {e}");
            Outcome::default()
        }
    };
    let text = String::from_utf8_lossy(&buf.0.lock().expect("buffer lock")).into_owned();
    (outcome, text)
}

/// "N scenarios: first; second (+k more)": the table stays one screen wide.
fn summarize(scenarios: &[String]) -> String {
    const SHOWN: usize = 2;
    let mut out = scenarios
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if scenarios.len() > SHOWN {
        out.push_str(&format!(" (+{} more)", scenarios.len() - SHOWN));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = single_test("fault_catalog", &args) {
        std::process::exit(i32::from(code));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut failures = Vec::new();
    let mut total = 0;
    // v1 (the reference's default) and v2 (`--dialect v2`), each over the
    // faults that apply to it.
    for (dialect, expected) in [
        (
            "v1",
            expected_checks as fn(Fault) -> &'static [&'static str],
        ),
        ("v2", expected_checks_v2),
    ] {
        let (clean, clean_text, results) = rt.block_on(async {
            let (clean, clean_text) = run_with(dialect, "").await;
            // A few suites at a time: all at once on a loaded 2-core machine
            // starves some preflights past their timeout.
            let runs = Fault::ALL
                .iter()
                .filter(|f| !expected(**f).is_empty())
                .map(|f| async move { (*f, run_with(dialect, f.name()).await) });
            let mut results: Vec<_> = futures::stream::iter(runs)
                .buffer_unordered(SUITES_AT_ONCE)
                .collect()
                .await;
            results.sort_by_key(|(f, _)| *f);
            (clean, clean_text, results)
        });
        if !clean.is_success() {
            failures.push(format!(
                "{dialect}: with no fault the suite must pass, but it did not:\n{clean_text}"
            ));
        }
        total += results.len() + 1;
        report(dialect, &results, expected, &mut failures);
    }
    for f in &failures {
        eprintln!("\n{f}");
    }
    println!(
        "faults: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    std::process::exit(i32::from(!failures.is_empty()));
}

/// Prints `dialect`'s fault table and mutation score; notes each fault
/// not killed for the right reason in `failures`.
fn report(
    dialect: &str,
    results: &[(Fault, (Outcome, String))],
    expected: fn(Fault) -> &'static [&'static str],
    failures: &mut Vec<String>,
) {
    println!(
        "fault catalog ({dialect}): {} faults, each run through the whole suite\n",
        results.len()
    );
    println!("| fault | verdict | caught by |");
    println!("|---|---|---|");
    let mut killed = 0;
    for (fault, (outcome, text)) in results {
        let wanted = expected(*fault);
        let checks: BTreeSet<&str> = outcome
            .failed_checks
            .iter()
            .map(|c| c.check.as_str())
            .collect();
        let right_reason = wanted.iter().any(|w| checks.contains(w));
        let verdict = if outcome.is_success() {
            "SURVIVED"
        } else if right_reason {
            killed += 1;
            "killed"
        } else {
            "failed for another reason"
        };
        let mut by_scenario: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for c in &outcome.failed_checks {
            by_scenario
                .entry(c.scenario.as_str())
                .or_default()
                .insert(c.check.as_str());
        }
        let caught: Vec<String> = by_scenario
            .iter()
            .filter(|(_, cs)| cs.iter().any(|c| wanted.contains(c)))
            .map(|(s, _)| s.to_string())
            .collect();
        println!("| {} | {verdict} | {} |", fault.name(), summarize(&caught));
        if verdict != "killed" {
            failures.push(format!(
                "{dialect}: fault {} ({}): {verdict}; wanted a failure of {:?}, the failed checks were {:?}\n{}",
                fault.name(),
                fault.description(),
                wanted,
                checks,
                text.lines().filter(|l| !l.contains('✔')).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    let total = results.len();
    println!("\nmutation score ({dialect}): {killed}/{total} faults killed\n");
}
