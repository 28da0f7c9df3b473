//! Per-route latency of a stress run: every answered request's time,
//! gathered per route, summarised as percentiles (nearest rank).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The times of the answered requests, per route (`POST /admin/auth`).
/// Bounded by the stress mode's own bounds (count and time).
#[derive(Debug, Default)]
pub struct Latencies {
    by_route: Mutex<BTreeMap<String, Vec<Duration>>>,
}

/// One route's percentiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteLatency {
    /// Method and path.
    pub route: String,
    /// Requests answered.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

impl RouteLatency {
    /// One line for the console.
    pub fn describe(&self) -> String {
        format!(
            "latency: {:<24} n={:<6} p50 {} p95 {} p99 {} max {}",
            self.route,
            self.count,
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max)
        )
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

impl Latencies {
    /// Notes that `route` answered in `took`.
    pub fn record(&self, route: &str, took: Duration) {
        let mut m = self
            .by_route
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match m.get_mut(route) {
            Some(v) => v.push(took),
            None => {
                m.insert(route.to_owned(), vec![took]);
            }
        }
    }

    /// Every route's percentiles, by route.
    pub fn summary(&self) -> Vec<RouteLatency> {
        let m = self
            .by_route
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.iter()
            .map(|(route, times)| summarise(route, times))
            .collect()
    }
}

/// The percentiles of `times` (not empty: a route is noted with a time).
fn summarise(route: &str, times: &[Duration]) -> RouteLatency {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    RouteLatency {
        route: route.to_owned(),
        count: sorted.len(),
        p50: percentile(&sorted, 50),
        p95: percentile(&sorted, 95),
        p99: percentile(&sorted, 99),
        max: sorted.last().copied().unwrap_or_default(),
    }
}

/// The nearest-rank `p`th percentile of `sorted` (ascending).
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank: the smallest value with at least p% at or below it.
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&sorted, 50), ms(50));
        assert_eq!(percentile(&sorted, 95), ms(95));
        assert_eq!(percentile(&sorted, 99), ms(99));
        assert_eq!(percentile(&[ms(7)], 99), ms(7));
        assert_eq!(percentile(&[ms(1), ms(9)], 50), ms(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }

    #[test]
    fn summary_is_per_route_and_order_free() {
        let l = Latencies::default();
        for n in [30, 10, 20] {
            l.record("GET /admin/auth", ms(n));
        }
        l.record("POST /admin/auth", ms(5));
        let s = l.summary();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].route, "GET /admin/auth");
        assert_eq!((s[0].count, s[0].p50, s[0].max), (3, ms(20), ms(30)));
        assert_eq!((s[1].count, s[1].p99), (1, ms(5)));
        assert!(
            s[0].describe().contains("p95 30.00 ms"),
            "{}",
            s[0].describe()
        );
    }
}
