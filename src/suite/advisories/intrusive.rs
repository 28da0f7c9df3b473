//! The intrusive advisory probes (`MEDUSA_ADVISORIES_INTRUSIVE=1`): timed
//! logins (user enumeration by timing, a KDF that costs nothing), Medusa's
//! seed credentials, and wrong passwords until the backend throttles. They
//! send wrong passwords for the probe account only, never for the admin
//! the suite logs in as, and are bounded: at most [`MAX_REQUESTS`]
//! requests and [`BUDGET`] of time. Judging is `core::advisory::timing`.
//!
//! Every login goes to the dialect's token route (v1 `/admin/auth/token`,
//! v2 `/auth/user/emailpass`): it checks the password and leaves no
//! session to clean up.

use std::time::{Duration, Instant};

use crate::core::advisory::timing::{self, Attempt};
use crate::core::advisory::{SEED_EMAIL, SEED_PASSWORD};
use crate::core::contract::Call;
use crate::core::credentials::ProbeAccount;
use crate::core::exchange::Auth;
use crate::core::random::random_id;
use crate::core::redact::Secret;
use crate::http::Extra;
use crate::suite::world::credentials_body;

use super::Probe;

/// The most time the intrusive probes take; past it they stop sampling
/// and judge what they have (or say nothing).
const BUDGET: Duration = Duration::from_secs(60);
/// Interleaved samples per group of the enumeration check.
const SAMPLES: usize = 15;
/// Correct-password logins timed for the KDF check (the enumeration
/// check's resets count).
const CORRECT: usize = 10;
/// Wrong passwords in a row before one right one, while timing: fewer
/// than a throttle locks after, so timing never meets a lockout.
const RESET_EVERY: usize = 3;
/// Wrong passwords of the throttling check.
const WRONG: usize = 10;
/// The most requests the intrusive probes send (a test holds the docs to it).
#[cfg(test)]
const MAX_REQUESTS: usize = 1 + 2 * SAMPLES + CORRECT + 1 + WRONG + 1;

/// One timed login's answer.
struct Timed {
    status: u16,
    retry_after: bool,
    rate_limit: bool,
    ms: f64,
}

/// Runs the intrusive probes against `account`.
pub(super) async fn probe(p: &Probe<'_>, account: &ProbeAccount) {
    if account.email.eq_ignore_ascii_case(&p.ctx.admin_email) {
        // The configuration refuses this; never send wrong passwords for the admin.
        return;
    }
    let deadline = Instant::now() + BUDGET;
    // A probe account that does not log in would make every verdict
    // below meaningless (its "known" e-mail unknown): say so instead.
    let first = login(p, &account.email, &account.password).await;
    if !first
        .as_ref()
        .is_some_and(|t| (200..300).contains(&t.status))
    {
        let got = first.map_or("no answer".to_owned(), |t| t.status.to_string());
        let why = format!(
            "the probe account {} does not log in with its password (got {got}): create it on the backend (v1: POST /admin/users) or fix MEDUSA_PROBE_EMAIL / MEDUSA_PROBE_PASSWORD",
            account.email
        );
        for id in crate::core::advisory::INTRUSIVE {
            p.ctx.leave_out_advisory(id, &why);
        }
        return;
    }
    timed_checks(p, account, deadline).await;
    default_credentials(p).await;
    throttling(p, account, deadline).await;
}

/// Logs in (token route) as `email` with `password`, timed.
async fn login(p: &Probe<'_>, email: &str, password: &Secret) -> Option<Timed> {
    let started = Instant::now();
    let ex = p
        .send(
            Call::GetToken,
            Auth::None,
            credentials_body(email, password),
            &Extra::default(),
        )
        .await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let rate_limit = ex
        .headers
        .keys()
        .any(|k| k.as_str().starts_with("ratelimit") || k.as_str().starts_with("x-ratelimit"));
    Some(Timed {
        status: ex.status,
        retry_after: ex.headers.contains_key("retry-after"),
        rate_limit,
        ms,
    })
}

/// A wrong password for the probe account: never a real one.
fn wrong_password() -> Secret {
    Secret::new(format!("wrong-{}", random_id(16)))
}

/// User enumeration by timing and the KDF's cost: failed logins for the
/// probe account and for unknown e-mails, interleaved, and its correct
/// logins. A sample counts only when answered as expected (401 for a
/// wrong password, 2xx for the right one); a throttled answer is none.
async fn timed_checks(p: &Probe<'_>, account: &ProbeAccount, deadline: Instant) {
    let domain = account.email.rsplit('@').next().unwrap_or("example.com");
    let (mut known, mut unknown, mut correct) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..SAMPLES {
        if Instant::now() > deadline {
            break;
        }
        let nobody = format!("nobody-{}@{domain}", random_id(12).to_lowercase());
        if let Some(t) = login(p, &nobody, &wrong_password()).await
            && t.status == 401
        {
            unknown.push(t.ms);
        }
        if let Some(t) = login(p, &account.email, &wrong_password()).await
            && t.status == 401
        {
            known.push(t.ms);
        }
        if (i + 1) % RESET_EVERY == 0 {
            correct.extend(right_login(p, account).await);
        }
    }
    while correct.len() < CORRECT && Instant::now() < deadline {
        let Some(ms) = right_login(p, account).await else {
            break; // the right password does not log in: no sample to take
        };
        correct.push(ms);
    }
    if let Some(v) = timing::enumeration(&known, &unknown)
        && v.fires
    {
        p.fire("timing-enumeration", &v.evidence);
    }
    if let Some(v) = timing::kdf_cost(&correct, timing::KDF_FLOOR_MS)
        && v.fires
    {
        p.fire("kdf-cost", &v.evidence);
    }
}

/// The time of a login with the right password, if it logged in.
async fn right_login(p: &Probe<'_>, account: &ProbeAccount) -> Option<f64> {
    let t = login(p, &account.email, &account.password).await?;
    (200..300).contains(&t.status).then_some(t.ms)
}

/// V6.3.2: Medusa's seed admin must not log in. When it is the admin the
/// suite logs in as, judged from the configuration (nothing is sent for
/// that account).
async fn default_credentials(p: &Probe<'_>) {
    if p.ctx.admin_email.eq_ignore_ascii_case(SEED_EMAIL) {
        if p.ctx.admin_password.expose() == SEED_PASSWORD {
            p.fire(
                "default-credentials",
                &format!("the admin the suite logs in as is {SEED_EMAIL} with the seed's password"),
            );
        }
        return;
    }
    let password = Secret::new(SEED_PASSWORD);
    if let Some(t) = login(p, SEED_EMAIL, &password).await
        && (200..300).contains(&t.status)
    {
        p.fire(
            "default-credentials",
            &format!(
                "{SEED_EMAIL} with the seed's password got {} from the token route",
                t.status
            ),
        );
    }
}

/// V6.3.1: wrong passwords for the probe account until the backend
/// throttles (at most [`WRONG`]), then the right one.
async fn throttling(p: &Probe<'_>, account: &ProbeAccount, deadline: Instant) {
    let mut attempts = Vec::new();
    let started = Instant::now();
    while attempts.len() < WRONG && Instant::now() < deadline {
        let Some(t) = login(p, &account.email, &wrong_password()).await else {
            return;
        };
        attempts.push(Attempt {
            status: t.status,
            retry_after: t.retry_after,
            rate_limit: t.rate_limit,
            ms: t.ms,
        });
        if timing::throttled(&attempts).is_some() {
            break;
        }
    }
    if attempts.is_empty() {
        return;
    }
    let spent = started.elapsed().as_secs_f64();
    let throttled = timing::throttled(&attempts);
    let Some(right) = login(p, &account.email, &account.password).await else {
        return;
    };
    let then = format!(
        "the right password then got {}{}",
        right.status,
        if right.retry_after {
            " with Retry-After"
        } else {
            ""
        }
    );
    match throttled {
        None => {
            let statuses: std::collections::BTreeSet<u16> =
                attempts.iter().map(|a| a.status).collect();
            let ms: Vec<f64> = attempts.iter().map(|a| a.ms).collect();
            let n = ms.len();
            p.fire(
                "login-throttling",
                &format!(
                    "{n} wrong passwords for the probe account in {spent:.2} s: all {statuses:?}, no 429, Retry-After or RateLimit header, latency from {:.1} to {:.1} ms (first and last three, medians); {then}",
                    timing::median(&ms[..n.min(3)]).unwrap_or_default(),
                    timing::median(&ms[n.saturating_sub(3)..]).unwrap_or_default(),
                ),
            );
        }
        Some(how) if timing::lockout_unsaid(true, right.status, right.retry_after) => {
            p.fire(
                "lockout-unsaid",
                &format!("throttled ({how}), and {then}: locked without saying until when"),
            );
        }
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probes_are_bounded_as_documented() {
        // docs/advisories.md: "at most 53 requests and 60 s".
        assert_eq!(MAX_REQUESTS, 53);
        assert_eq!(BUDGET, Duration::from_secs(60));
        const { assert!(RESET_EVERY < 5, "timing stays under a 5-failure lockout") };
    }
}
