//! One cucumber run of the features: every scenario the [`Selection`]
//! admits, concurrently, each with the shared [`SuiteContext`], written by
//! the writer the caller composes (console, report buffers).

use std::path::PathBuf;
use std::sync::Arc;

use cucumber::World as _;
use cucumber::Writer;
use cucumber::writer::{Normalized, Stats, Summarize};
use futures::FutureExt as _;

use crate::core::record::{LeftOutScenario, ScenarioKey};
use crate::suite::context::SuiteContext;
use crate::suite::filter::Selection;
use crate::suite::world::AuthWorld;

/// How the scenarios are run.
#[derive(Debug, Clone)]
pub struct SuiteSettings {
    /// Folder of `.feature` files.
    pub features: PathBuf,
    /// Scenarios run at once.
    pub concurrency: usize,
    /// Stop starting scenarios after the first failure.
    pub fail_fast: bool,
}

/// What the scenarios did, as counts and records.
#[derive(Debug, Clone, Default)]
pub struct SuiteResult {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
    /// Scenarios with skipped or undefined steps.
    pub skipped: usize,
    /// Feature files that did not parse, and failed hooks.
    pub errors: usize,
    /// Scenarios left out on purpose.
    pub left_out: Vec<LeftOutScenario>,
}

/// Runs the admitted scenarios of `settings.features` with `writer` (whose
/// summary counts the scenarios).
pub async fn run<Wr>(
    ctx: Arc<SuiteContext>,
    settings: &SuiteSettings,
    selection: Selection,
    writer: Summarize<Wr>,
) -> SuiteResult
where
    Summarize<Wr>: Stats<AuthWorld> + Normalized + 'static,
    <Summarize<Wr> as Writer<AuthWorld>>::Cli: Default,
{
    let left_out = selection.left_out.clone();
    let path_base = selection.path_base.clone();
    let mut cucumber = AuthWorld::cucumber()
        .with_writer(writer)
        // The run is configured by Config alone, never by the process's
        // arguments (the fault catalog test runs many suites in one process).
        .with_cli(cucumber::cli::Opts::<_, _, _, cucumber::cli::Empty>::default())
        .max_concurrent_scenarios(settings.concurrency)
        .fail_on_skipped()
        .before(move |feature, _rule, scenario, world| {
            let key = ScenarioKey::new(feature.path.as_deref(), scenario.position.line, &path_base);
            world.attach(ctx.clone(), &scenario.name, key);
            async {}.boxed_local()
        });
    if settings.fail_fast {
        cucumber = cucumber.fail_fast();
    }
    let writer = cucumber
        .filter_run(settings.features.clone(), move |f, r, s| {
            selection.admits(f, r, s)
        })
        .await;
    let stats = writer.scenarios_stats();
    SuiteResult {
        passed: stats.passed,
        failed: stats.failed,
        skipped: stats.skipped,
        errors: writer.parsing_errors() + writer.hook_errors(),
        left_out: left_out.list(),
    }
}
