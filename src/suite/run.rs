//! One cucumber run of the features: every scenario the [`Selection`]
//! admits, concurrently, each with the shared [`SuiteContext`], written by
//! the writer the caller composes (console, report buffers).

use std::path::PathBuf;
use std::sync::Arc;

use cucumber::World as _;
use cucumber::Writer;
use cucumber::event::ScenarioFinished;
use cucumber::writer::{Normalized, Stats, Summarize};
use futures::FutureExt as _;

use crate::core::record::{LeftOutScenario, ScenarioKey};
use crate::suite::context::SuiteContext;
use crate::suite::feed::{Feed, Rounds, Waiting};
use crate::suite::filter::Selection;
use crate::suite::masked::MaskFailures;
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
    /// How often every scenario runs (once, unless stress-testing).
    pub rounds: Rounds,
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
    let first_login = first_login(&ctx, &selection);
    let waiting = Arc::new(Waiting::default());
    let fail_fast = settings.fail_fast;
    let feed = Feed {
        selection,
        // Enough queued to keep every slot busy, few enough that memory
        // does not grow with the suite.
        ahead: settings.concurrency.saturating_mul(2).max(32),
        rounds: settings.rounds,
        waiting: waiting.clone(),
    };
    let stopper = waiting.clone();
    let mut cucumber = AuthWorld::cucumber::<PathBuf>()
        .with_parser(feed)
        .with_writer(MaskFailures(writer))
        // The run is configured by Config alone, never by the process's
        // arguments (the fault catalog test runs many suites in one process).
        .with_cli(cucumber::cli::Opts::<_, _, _, cucumber::cli::Empty>::default())
        .max_concurrent_scenarios(settings.concurrency)
        .fail_on_skipped()
        .before(move |feature, _rule, scenario, world| {
            waiting.started();
            let key = ScenarioKey::new(feature.path.as_deref(), scenario.position.line, &path_base);
            world.attach(ctx.clone(), &scenario.name, key);
            async {}.boxed_local()
        })
        .after(move |_, _, _, finished, _| {
            stop_on_failure(fail_fast, finished, &stopper);
            async {}.boxed_local()
        });
    if settings.fail_fast {
        cucumber = cucumber.fail_fast();
    }
    // Polled first, so its request goes out before the scenarios' own.
    let ((), writer) = futures::join!(first_login, cucumber.run(settings.features.clone()));
    let writer = &writer.0;
    let stats = writer.scenarios_stats();
    SuiteResult {
        passed: stats.passed,
        failed: stats.failed,
        skipped: stats.skipped,
        errors: writer.parsing_errors() + writer.hook_errors(),
        left_out: left_out.take(),
    }
}

/// The shared token's login, when the scenarios that run use it
/// ([`AuthWorld::fetch_admin_token`]); else nothing.
fn first_login(ctx: &Arc<SuiteContext>, selection: &Selection) -> impl Future<Output = ()> + use<> {
    let session_from_token = ctx.client.dialect().session_from_token;
    let ctx = selection
        .shared_logins()
        .use_the_token(session_from_token)
        .then(|| ctx.clone());
    async move {
        if let Some(ctx) = ctx {
            AuthWorld::fetch_admin_token(ctx).await;
        }
    }
}

/// After a failure `--fail-fast` starts nothing more: the feed stops.
fn stop_on_failure(fail_fast: bool, finished: &ScenarioFinished, waiting: &Waiting) {
    let failed = matches!(
        finished,
        ScenarioFinished::StepFailed(..) | ScenarioFinished::BeforeHookFailed(_)
    );
    if fail_fast && failed {
        waiting.stop();
    }
}
