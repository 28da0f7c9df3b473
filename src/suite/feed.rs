//! The features, handed to cucumber one at a time as the run makes room.
//!
//! cucumber's own parser reads every feature file before the first
//! scenario runs, and its runner then looks through every queued scenario
//! each time it picks the next ones: memory grows with the suite and the
//! picking with its square. This parser reads a file only when fewer than
//! [`Feed::ahead`] admitted scenarios wait to start, so both stay bounded
//! by the concurrency, whatever the number of scenarios.
//!
//! It also applies the run's [`Selection`] (so it counts only the
//! scenarios that will run) and repeats the features for the stress mode:
//! `rounds` times, or until a deadline.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use cucumber::feature::Ext as _;
use cucumber::gherkin::{self, GherkinEnv};
use cucumber::parser;
use futures::stream::{self, LocalBoxStream, StreamExt as _};
use tokio::sync::Notify;

use crate::core::record::REPEAT;
use crate::suite::filter::Selection;

/// Admitted scenarios handed to cucumber but not started yet.
#[derive(Debug, Default)]
pub struct Waiting {
    count: Mutex<usize>,
    started: Notify,
    stopped: AtomicBool,
}

impl Waiting {
    /// The run starts no more scenarios (`--fail-fast` after a failure):
    /// the feed stops waiting for room and hands over nothing more, or
    /// cucumber would wait for the feed's end for ever.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.started.notify_waiters();
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// A scenario started (called by the run's `before` hook).
    pub fn started(&self) {
        let mut n = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        *n = n.saturating_sub(1);
        self.started.notify_waiters();
    }

    /// Waits until `k` more scenarios may be queued, then counts them.
    /// Never waits while nothing is queued: the runner must never find
    /// nothing to run while the feed holds features back.
    async fn enqueue(&self, k: usize, ahead: usize) {
        loop {
            // Created before the check, so no `started` between the check
            // and the wait is missed.
            let notified = self.started.notified();
            if self.is_stopped() {
                return;
            }
            {
                let mut n = self.count.lock().unwrap_or_else(PoisonError::into_inner);
                if *n == 0 || *n + k <= ahead {
                    *n += k;
                    return;
                }
            }
            notified.await;
        }
    }
}

/// How often the features are handed over.
#[derive(Debug, Clone, Copy)]
pub enum Rounds {
    /// Every feature this many times (1: a normal run).
    Count(u32),
    /// Every feature again and again until this instant (and at least once).
    Until(Instant),
}

/// cucumber's parser for a run: reads, expands, selects and paces.
#[derive(Debug, Clone)]
pub struct Feed {
    /// Which scenarios run.
    pub selection: Selection,
    /// How many admitted scenarios may wait to start.
    pub ahead: usize,
    /// How often the features are handed over.
    pub rounds: Rounds,
    /// Counts the scenarios waiting to start.
    pub waiting: Arc<Waiting>,
}

impl<I: AsRef<Path>> cucumber::Parser<I> for Feed {
    type Cli = cucumber::cli::Empty;
    type Output = LocalBoxStream<'static, parser::Result<gherkin::Feature>>;

    fn parse(self, input: I, _: Self::Cli) -> Self::Output {
        let paths = match feature_files(input.as_ref()) {
            Ok(paths) => paths,
            Err(e) => return stream::iter([Err(e.into())]).boxed_local(),
        };
        let this = Arc::new(self);
        // (round, index of the next file)
        stream::unfold(
            (this, paths, 0u32, 0usize),
            |(feed, paths, round, i)| async move {
                let (round, i) = feed.next_position(&paths, round, i)?;
                let item = feed.read(&paths[i], round).await;
                Some((item, (feed, paths, round, i + 1)))
            },
        )
        .boxed_local()
    }
}

impl Feed {
    /// Where the next file to hand over is, or `None` when done.
    fn next_position(&self, paths: &[PathBuf], round: u32, i: usize) -> Option<(u32, usize)> {
        if paths.is_empty() || self.waiting.is_stopped() {
            return None;
        }
        let (round, i) = if i < paths.len() {
            (round, i)
        } else {
            (round + 1, 0)
        };
        let more = match self.rounds {
            Rounds::Count(n) => round < n.max(1),
            Rounds::Until(deadline) => round == 0 || Instant::now() < deadline,
        };
        more.then_some((round, i))
    }

    /// Parses one file, keeps the admitted scenarios, waits for room.
    /// Round 0 notes the left-out scenarios; a later round is a repeat,
    /// told apart by its path (`login.feature (repeat 2)`), so that every
    /// record keyed by file and line keeps each run of a scenario apart.
    async fn read(&self, path: &Path, round: u32) -> parser::Result<gherkin::Feature> {
        let mut feature = parse_file(path)?;
        let admits = |f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario| {
            if round == 0 {
                self.selection.admits(f, r, s)
            } else {
                self.selection.runs(f, s)
            }
        };
        let all = std::mem::take(&mut feature.scenarios);
        feature.scenarios = all
            .into_iter()
            .filter(|s| admits(&feature, None, s))
            .collect();
        let mut rules = std::mem::take(&mut feature.rules);
        for r in &mut rules {
            let all = std::mem::take(&mut r.scenarios);
            r.scenarios = all
                .into_iter()
                .filter(|s| admits(&feature, Some(r), s))
                .collect();
        }
        feature.rules = rules;
        if round > 0 {
            feature.path = feature
                .path
                .map(|p| PathBuf::from(format!("{}{REPEAT}{})", p.display(), round + 1)));
        }
        let k = feature.scenarios.len()
            + feature
                .rules
                .iter()
                .map(|r| r.scenarios.len())
                .sum::<usize>();
        self.waiting.enqueue(k, self.ahead).await;
        Ok(feature)
    }
}

/// One feature file, parsed, its outlines expanded (as cucumber's own
/// parser does).
pub(crate) fn parse_file(path: &Path) -> parser::Result<gherkin::Feature> {
    Ok(gherkin::Feature::parse_path(path, GherkinEnv::default())?.expand_examples()?)
}

/// The `.feature` files (any case) under `root`, or `root` itself if it is
/// a file; sorted by path, as cucumber's own parser does.
pub(crate) fn feature_files(root: &Path) -> Result<Vec<PathBuf>, gherkin::ParseFileError> {
    let reading = |source| gherkin::ParseFileError::Reading {
        path: root.to_path_buf(),
        source,
    };
    let root = root.canonicalize().map_err(reading)?;
    if root.is_file() {
        return Ok(vec![root]);
    }
    let mut found = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(reading)? {
            let path = entry.map_err(reading)?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("feature"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
