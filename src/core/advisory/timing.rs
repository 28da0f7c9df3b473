//! The judging of the intrusive advisories from what the probes measured:
//! failed-login throttling (statuses and headers, latency as a last
//! resort), and the two timed checks (user enumeration by timing, a KDF
//! that costs nothing). Pure: the probes send and time, these functions
//! take the figures, so tests give them fixed samples.
//!
//! The timed verdicts depend on the machine's load, so each says how sure
//! it is (`sure: high|medium|low`) and shows its figures.

/// A correct login faster than this (median, ms) fires `kdf-cost`: a tuned
/// KDF (scrypt, bcrypt, argon2 at their recommended costs) takes tens of
/// milliseconds on a server.
pub const KDF_FLOOR_MS: f64 = 10.0;

/// Fewer samples per group than this judge nothing.
pub const MIN_SAMPLES: usize = 5;

/// How sure a timed verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sure {
    /// The figures point that way, but load could explain them.
    Low,
    /// Most samples agree.
    Medium,
    /// Every sample (or nearly every pair) agrees, with enough samples.
    High,
}

impl Sure {
    /// `low`, `medium` or `high`.
    pub fn name(self) -> &'static str {
        match self {
            Sure::Low => "low",
            Sure::Medium => "medium",
            Sure::High => "high",
        }
    }
}

/// A timed check's verdict: whether it fires, how sure, and the figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Whether the advisory fires.
    pub fires: bool,
    /// How sure the verdict is.
    pub sure: Sure,
    /// The figures, for the evidence (never a credential).
    pub evidence: String,
}

/// The median of `xs` (the mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// The share of pairs `(a, b)` with `a > b` (a tie counts half): 0.5 when
/// the two groups are alike, near 1 when every `a` is slower. The
/// Mann-Whitney U statistic over the number of pairs.
pub fn superiority(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for x in a {
        for y in b {
            wins += match x.total_cmp(y) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    Some(wins / (a.len() * b.len()) as f64)
}

/// User enumeration by timing: `known` are failed logins (ms) for an
/// existing e-mail, `unknown` for e-mails no user has, interleaved. Fires
/// when one group is slower in at least 80% of pairs and by at least
/// 1 ms and a fifth of the faster median. `None`: too few samples.
pub fn enumeration(known: &[f64], unknown: &[f64]) -> Option<Verdict> {
    if known.len() < MIN_SAMPLES || unknown.len() < MIN_SAMPLES {
        return None;
    }
    let (mk, mu) = (median(known)?, median(unknown)?);
    let a = superiority(known, unknown)?;
    let ordered = a.max(1.0 - a);
    let gap = (mk - mu).abs();
    let fires = ordered >= 0.8 && gap >= 1.0 && gap >= 0.2 * mk.min(mu);
    let many = known.len().min(unknown.len()) >= 15;
    let sure = match (fires, ordered) {
        (true, o) if o >= 0.95 && many => Sure::High,
        (true, _) => Sure::Medium,
        // Silent: as sure as the groups are alike.
        (false, o) if o <= 0.7 && many => Sure::High,
        (false, o) if o <= 0.8 => Sure::Medium,
        (false, _) => Sure::Low,
    };
    let slower = if mk >= mu { "known" } else { "unknown" };
    let evidence = format!(
        "failed logins for a known e-mail took a median {mk:.1} ms, for unknown e-mails {mu:.1} ms ({} and {} interleaved samples); the {slower} one was slower in {:.0}% of pairs; sure: {}",
        known.len(),
        unknown.len(),
        ordered * 100.0,
        sure.name()
    );
    Some(Verdict {
        fires,
        sure,
        evidence,
    })
}

/// A KDF that costs nothing: `correct` are correct-password logins (ms).
/// Fires when their median is under `floor_ms`. `None`: too few samples.
pub fn kdf_cost(correct: &[f64], floor_ms: f64) -> Option<Verdict> {
    if correct.len() < MIN_SAMPLES {
        return None;
    }
    let m = median(correct)?;
    let below = correct.iter().filter(|x| **x < floor_ms).count();
    let n = correct.len();
    let fires = m < floor_ms;
    // Load only ever adds time: a fast sample is proof of a cheap check,
    // a slow one is not proof of a costly one.
    let sure = match (fires, below) {
        (true, b) if b == n => Sure::High,
        (true, b) if b * 4 >= n * 3 => Sure::Medium,
        (true, _) => Sure::Low,
        (false, 0) => Sure::High,
        (false, b) if b * 4 <= n => Sure::Medium,
        (false, _) => Sure::Low,
    };
    let (min, max) = correct
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), x| {
            (lo.min(*x), hi.max(*x))
        });
    let evidence = format!(
        "correct-password logins took a median {m:.1} ms ({n} samples, {min:.1} to {max:.1} ms; {below} under {floor_ms:.0} ms, what a tuned KDF costs at least); sure: {}",
        sure.name()
    );
    Some(Verdict {
        fires,
        sure,
        evidence,
    })
}

/// One wrong-password login of the throttling probe, as it was answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The status.
    pub status: u16,
    /// Whether it sent `Retry-After`.
    pub retry_after: bool,
    /// Whether it sent a `RateLimit-*` or `X-RateLimit-*` header.
    pub rate_limit: bool,
    /// How long it took (ms).
    pub ms: f64,
}

/// How the backend throttled the `attempts` (one line), or `None` when it
/// did not: a 429, a `Retry-After` or `RateLimit-*` header, or latency
/// that rose (the last three at least three times the first three and
/// 100 ms slower: a backoff, not load).
pub fn throttled(attempts: &[Attempt]) -> Option<String> {
    if let Some((i, a)) = attempts
        .iter()
        .enumerate()
        .find(|(_, a)| a.status == 429 || a.retry_after || a.rate_limit)
    {
        let how = if a.status == 429 {
            "429"
        } else if a.retry_after {
            "Retry-After"
        } else {
            "a RateLimit header"
        };
        return Some(format!("{how} at wrong password {}", i + 1));
    }
    if attempts.len() < 6 {
        return None;
    }
    let ms: Vec<f64> = attempts.iter().map(|a| a.ms).collect();
    let (first, last) = (median(&ms[..3])?, median(&ms[ms.len() - 3..])?);
    (last >= 3.0 * first && last - first >= 100.0).then(|| {
        format!(
            "latency rose from {first:.0} ms to {last:.0} ms over {} wrong passwords",
            attempts.len()
        )
    })
}

/// Whether a throttled account's right password was refused without
/// saying when to try again (`lockout-unsaid`): 2xx, or a refusal with
/// `Retry-After`, is what a good lockout gives.
pub fn lockout_unsaid(throttled: bool, right_status: u16, right_retry_after: bool) -> bool {
    throttled && !(200..300).contains(&right_status) && !right_retry_after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_superiority_on_fixed_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(superiority(&[2.0, 3.0], &[1.0, 1.0]), Some(1.0));
        assert_eq!(superiority(&[1.0], &[1.0]), Some(0.5));
        assert_eq!(superiority(&[1.0, 3.0], &[2.0]), Some(0.5));
        assert_eq!(superiority(&[], &[2.0]), None);
    }

    /// Medusa 1.20.11: an unknown e-mail skips the (free) hash: alike.
    const ALIKE_KNOWN: [f64; 15] = [
        2.0, 2.1, 1.9, 2.3, 2.0, 2.2, 1.8, 2.1, 2.0, 2.4, 1.9, 2.0, 2.2, 2.1, 2.0,
    ];
    const ALIKE_UNKNOWN: [f64; 15] = [
        2.1, 2.0, 2.2, 1.9, 2.0, 2.1, 2.3, 1.8, 2.0, 2.1, 2.2, 1.9, 2.0, 2.1, 2.0,
    ];

    #[test]
    fn enumeration_fires_on_a_hash_only_known_e_mails_pay() {
        let known: Vec<f64> = ALIKE_KNOWN.iter().map(|x| x + 60.0).collect();
        let v = enumeration(&known, &ALIKE_UNKNOWN).unwrap();
        assert!(v.fires, "{v:?}");
        assert_eq!(v.sure, Sure::High);
        assert!(
            v.evidence
                .contains("the known one was slower in 100% of pairs")
        );
        // Fewer samples: still fires, less sure.
        let v = enumeration(&known[..6], &ALIKE_UNKNOWN[..6]).unwrap();
        assert!(v.fires && v.sure == Sure::Medium, "{v:?}");
        // Unknown e-mails slower is an oracle too.
        assert!(enumeration(&ALIKE_UNKNOWN, &known).unwrap().fires);
    }

    #[test]
    fn enumeration_is_silent_when_the_groups_are_alike_or_close() {
        let v = enumeration(&ALIKE_KNOWN, &ALIKE_UNKNOWN).unwrap();
        assert!(!v.fires, "{v:?}");
        assert_eq!(v.sure, Sure::High);
        // Ordered, but by 0.5 ms: under the 1 ms a verdict needs.
        let known: Vec<f64> = ALIKE_UNKNOWN.iter().map(|x| x + 0.5).collect();
        assert!(!enumeration(&known, &ALIKE_UNKNOWN).unwrap().fires);
        // Too few samples: no verdict.
        assert_eq!(enumeration(&ALIKE_KNOWN[..4], &ALIKE_UNKNOWN), None);
    }

    #[test]
    fn kdf_cost_fires_under_the_floor_and_says_how_sure() {
        let v = kdf_cost(&ALIKE_KNOWN, KDF_FLOOR_MS).unwrap();
        assert!(v.fires && v.sure == Sure::High, "{v:?}");
        assert!(v.evidence.contains("median 2.0 ms (15 samples"), "{v:?}");
        // A loaded machine: some slow samples, the median still fast.
        let v = kdf_cost(&[2.0, 3.0, 2.5, 40.0, 2.2, 35.0, 2.1, 2.4], KDF_FLOOR_MS).unwrap();
        assert!(v.fires && v.sure == Sure::Medium, "{v:?}");
        let v = kdf_cost(
            &[2.0, 30.0, 2.5, 40.0, 2.2, 35.0, 2.1, 50.0, 3.0],
            KDF_FLOOR_MS,
        )
        .unwrap();
        assert!(v.fires && v.sure == Sure::Low, "{v:?}");
    }

    #[test]
    fn kdf_cost_is_silent_for_a_costly_check() {
        let scrypt = [150.0, 148.0, 160.0, 152.0, 149.0, 151.0];
        let v = kdf_cost(&scrypt, KDF_FLOOR_MS).unwrap();
        assert!(!v.fires && v.sure == Sure::High, "{v:?}");
        let v = kdf_cost(
            &[150.0, 148.0, 9.0, 152.0, 149.0, 151.0, 20.0],
            KDF_FLOOR_MS,
        )
        .unwrap();
        assert!(!v.fires && v.sure == Sure::Medium, "{v:?}");
        assert_eq!(kdf_cost(&scrypt[..4], KDF_FLOOR_MS), None);
    }

    fn attempt(status: u16, ms: f64) -> Attempt {
        Attempt {
            status,
            retry_after: false,
            rate_limit: false,
            ms,
        }
    }

    #[test]
    fn throttling_is_seen_in_statuses_headers_or_a_backoff() {
        let mut v: Vec<Attempt> = (0..10).map(|_| attempt(401, 2.0)).collect();
        assert_eq!(throttled(&v), None, "Medusa 1.20.11: ten flat 401s");
        v[5].status = 429;
        assert_eq!(throttled(&v).as_deref(), Some("429 at wrong password 6"));
        v[5].status = 401;
        v[2].retry_after = true;
        assert_eq!(
            throttled(&v).as_deref(),
            Some("Retry-After at wrong password 3")
        );
        v[2].retry_after = false;
        v[9].rate_limit = true;
        assert!(throttled(&v).unwrap().contains("RateLimit"));
        let backoff: Vec<Attempt> = [2.0, 3.0, 2.0, 50.0, 200.0, 400.0, 800.0]
            .iter()
            .map(|ms| attempt(401, *ms))
            .collect();
        assert!(throttled(&backoff).unwrap().starts_with("latency rose"));
        // Load: three times slower, but by less than 100 ms.
        let load: Vec<Attempt> = [2.0, 3.0, 2.0, 5.0, 9.0, 10.0, 12.0]
            .iter()
            .map(|ms| attempt(401, *ms))
            .collect();
        assert_eq!(throttled(&load), None);
    }

    #[test]
    fn a_lockout_must_say_when_it_ends() {
        assert!(lockout_unsaid(true, 429, false));
        assert!(lockout_unsaid(true, 401, false));
        assert!(!lockout_unsaid(true, 429, true), "Retry-After says when");
        assert!(
            !lockout_unsaid(true, 200, false),
            "the right password works"
        );
        assert!(
            !lockout_unsaid(false, 401, false),
            "not throttled: nothing to say"
        );
    }
}
