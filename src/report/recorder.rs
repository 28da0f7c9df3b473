//! The recorder: the one cucumber writer of a run. It turns cucumber's
//! events into the run's [`RunRecord`] (every scenario keyed by file and
//! line, with its steps, durations, failure report and state) and hands
//! each finished scenario to the [`Console`]. Every report file is then
//! written from that record, never from another writer's text.
//!
//! Scenarios run concurrently, so their events interleave: each running
//! scenario is tracked by its key until it ends (the writer does not need
//! cucumber's normalised order).

use std::collections::HashMap;
use std::fmt::Debug;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cucumber::event::{self, Cucumber, Feature, Rule, Scenario, StepError};
use cucumber::{Event, gherkin, parser};

use crate::core::record::{
    FeatureRun, Interner, RunRecord, ScenarioKey, ScenarioRun, ScenarioStatus, StepRun, StepStatus,
};
use crate::report::console::Console;

/// Where the record of a run is kept while the recorder fills it. Clones
/// share it.
#[derive(Debug, Clone, Default)]
pub struct RecordHandle(Arc<Mutex<RunRecord>>);

impl RecordHandle {
    /// The record so far (all of it once the run is over).
    pub fn take(&self) -> RunRecord {
        self.0
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut RunRecord) -> T) -> Option<T> {
        self.0.lock().ok().map(|mut r| f(&mut r))
    }
}

/// A scenario while it runs.
struct Running {
    started: SystemTime,
    run: ScenarioRun,
    /// When each step started, by its index in `run.steps`.
    step_started: HashMap<usize, SystemTime>,
}

/// The cucumber writer that records the run and drives the console.
pub struct Recorder<Out: Write> {
    record: RecordHandle,
    running: HashMap<ScenarioKey, Running>,
    path_base: String,
    console: Console<Out>,
    texts: Interner,
}

impl<Out: Write> Recorder<Out> {
    /// A recorder that names feature files relative to `path_base` and
    /// shows the run on `console`.
    pub fn new(console: Console<Out>, path_base: impl Into<String>) -> Recorder<Out> {
        Recorder {
            record: RecordHandle::default(),
            running: HashMap::new(),
            path_base: path_base.into(),
            console,
            texts: Interner::default(),
        }
    }

    /// Where the record is kept: read it when the run is over.
    pub fn handle(&self) -> RecordHandle {
        self.record.clone()
    }

    fn handle_event<W: Debug>(&mut self, event: parser::Result<Event<Cucumber<W>>>) {
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                let message = parse_error(&e, &self.path_base);
                self.console.error(&message);
                self.record.with(|r| r.parse_errors.push(message));
                return;
            }
        };
        let at = event.at;
        match event.value {
            Cucumber::Started => {
                self.record.with(|r| r.started = at);
            }
            Cucumber::ParsingFinished { scenarios, .. } => self.console.started(scenarios),
            Cucumber::Feature(feature, ev) => self.feature_event(&feature, ev, at),
            Cucumber::Finished => {
                self.record.with(|r| {
                    r.duration = since(r.started, at);
                    r.sort();
                });
                self.console.finish();
            }
        }
    }

    fn feature_event<W: Debug>(
        &mut self,
        feature: &gherkin::Feature,
        ev: Feature<W>,
        at: SystemTime,
    ) {
        match ev {
            Feature::Started => {
                let path = self.key(feature, 0).path;
                self.record.with(|r| {
                    r.feature_mut(&path, || feature_run(feature, path.clone()));
                });
            }
            Feature::Scenario(sc, ev) => self.scenario_event(feature, None, &sc, ev.event, at),
            Feature::Rule(rule, Rule::Scenario(sc, ev)) => {
                self.scenario_event(feature, Some(&rule), &sc, ev.event, at);
            }
            Feature::Rule(..) | Feature::Finished => {}
        }
    }

    fn key(&self, feature: &gherkin::Feature, line: usize) -> ScenarioKey {
        ScenarioKey::new(feature.path.as_deref(), line, &self.path_base)
    }

    fn scenario_event<W: Debug>(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
        ev: Scenario<W>,
        at: SystemTime,
    ) {
        let key = self.key(feature, sc.position.line);
        match ev {
            Scenario::Started => {
                let run = planned(feature, rule, sc, key.clone(), &mut self.texts);
                let running = Running {
                    started: at,
                    run,
                    step_started: HashMap::new(),
                };
                self.running.insert(key, running);
            }
            Scenario::Background(step, ev) => self.step_event(&key, true, &step, ev, at),
            Scenario::Step(step, ev) => self.step_event(&key, false, &step, ev, at),
            Scenario::Hook(which, event::Hook::Failed(world, info)) => {
                if let Some(r) = self.running.get_mut(&key) {
                    let why = format!("the {which} hook failed: {}", payload(&info));
                    r.run.failure.get_or_insert(why);
                    r.run.status = ScenarioStatus::Failed;
                    if let Some(w) = world {
                        r.run.state.get_or_insert_with(|| format!("{w:#?}"));
                    }
                }
            }
            Scenario::Hook(..) | Scenario::Log(_) => {}
            Scenario::Finished => self.finish_scenario(feature, &key, at),
        }
    }

    fn step_event<W: Debug>(
        &mut self,
        key: &ScenarioKey,
        background: bool,
        step: &gherkin::Step,
        ev: event::Step<W>,
        at: SystemTime,
    ) {
        let Some(r) = self.running.get_mut(key) else {
            return;
        };
        let Some(i) = r
            .run
            .steps
            .iter()
            .position(|s| s.background == background && s.line == step.position.line)
        else {
            return;
        };
        let started = r.step_started.get(&i).copied().unwrap_or(at);
        let s = &mut r.run.steps[i];
        match ev {
            event::Step::Started => {
                r.step_started.insert(i, at);
            }
            event::Step::Skipped => {
                s.status = StepStatus::Skipped;
                if r.run.status == ScenarioStatus::Passed {
                    r.run.status = ScenarioStatus::Skipped;
                }
            }
            event::Step::Passed(..) => {
                s.status = StepStatus::Passed;
                s.duration = since(started, at);
            }
            event::Step::Failed(_, _, world, err) => {
                let (status, text) = step_error(&err);
                s.status = status;
                s.duration = since(started, at);
                s.error = Some(text.clone());
                r.run.status = ScenarioStatus::Failed;
                r.run.failure.get_or_insert(text);
                if let Some(w) = world {
                    r.run.state.get_or_insert_with(|| format!("{w:#?}"));
                }
            }
        }
    }

    fn finish_scenario(&mut self, feature: &gherkin::Feature, key: &ScenarioKey, at: SystemTime) {
        let Some(Running {
            started, mut run, ..
        }) = self.running.remove(key)
        else {
            return;
        };
        run.duration = since(started, at);
        self.console.scenario(&run);
        self.record.with(|r| {
            r.feature_mut(&key.path, || feature_run(feature, key.path.clone()))
                .scenarios
                .push(run);
        });
    }
}

impl<W, Out> cucumber::Writer<W> for Recorder<Out>
where
    W: cucumber::World + Debug,
    Out: Write,
{
    type Cli = cucumber::cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<W>>>, _: &Self::Cli) {
        Recorder::handle_event(self, event);
    }
}

// The recorder passes no event on: it is the end of the writer chain.
impl<Out: Write> cucumber::writer::NonTransforming for Recorder<Out> {}

/// The feature's record, without scenarios yet.
fn feature_run(feature: &gherkin::Feature, path: String) -> FeatureRun {
    FeatureRun {
        path,
        keyword: feature.keyword.clone(),
        name: feature.name.clone(),
        tags: feature.tags.clone(),
        line: feature.position.line,
        background_keyword: feature.background.as_ref().map(|b| b.keyword.clone()),
        scenarios: Vec::new(),
    }
}

/// The scenario as planned: every step (background first) not run yet.
fn planned(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    sc: &gherkin::Scenario,
    key: ScenarioKey,
    texts: &mut Interner,
) -> ScenarioRun {
    let background = feature
        .background
        .iter()
        .chain(rule.and_then(|r| r.background.as_ref()))
        .flat_map(|b| b.steps.iter().map(|st| (true, st)));
    let steps = background
        .chain(sc.steps.iter().map(|st| (false, st)))
        .map(|(background, st)| StepRun {
            keyword: texts.get(&st.keyword),
            text: texts.get(&st.value),
            line: st.position.line,
            background,
            status: StepStatus::Skipped,
            duration: Duration::ZERO,
            error: None,
        })
        .collect();
    ScenarioRun {
        key,
        col: sc.position.col,
        keyword: texts.get(&sc.keyword),
        name: sc.name.clone(),
        rule: rule.map(|r| r.name.clone()),
        tags: sc.tags.iter().map(|t| texts.get(t)).collect(),
        status: ScenarioStatus::Passed,
        duration: Duration::ZERO,
        steps,
        failure: None,
        state: None,
        retried: Vec::new(),
        reused: Vec::new(),
        left_out: None,
    }
}

/// What a failed step says, and whether it was undefined.
fn step_error(err: &StepError) -> (StepStatus, String) {
    match err {
        StepError::NotFound => (
            StepStatus::Undefined,
            "undefined step: no step definition matches this text".to_owned(),
        ),
        StepError::AmbiguousMatch(e) => (StepStatus::Failed, format!("ambiguous step: {e}")),
        StepError::Panic(info) => (StepStatus::Failed, payload(info)),
    }
}

/// The text a step or hook failed with (steps return a rendered report).
fn payload(info: &event::Info) -> String {
    info.downcast_ref::<String>()
        .cloned()
        .or_else(|| info.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(failed without a message)".to_owned())
}

/// A feature file that did not parse, named relative to `base`.
fn parse_error(e: &parser::Error, base: &str) -> String {
    let text = e.to_string();
    if base.is_empty() {
        return text;
    }
    let prefix = format!("{}/", base.trim_end_matches('/'));
    text.replace(&prefix, "")
}

fn since(start: SystemTime, end: SystemTime) -> Duration {
    end.duration_since(start).unwrap_or_default()
}
