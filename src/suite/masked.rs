//! Step failures masked with their own scenario's secrets, as they happen.
//!
//! Each scenario masks with a redactor scoped to it (the run's secrets and
//! the tokens that scenario captured), and that redactor is gone when the
//! scenario is. Whatever a failed step says travels in cucumber's events to
//! the console and the report writers, possibly long after the scenario
//! ended (the writers are normalised, so output waits for its turn). So the
//! failure text is masked here, on the event, with the failing world's
//! redactor, before any writer sees it. The checks' reports are already
//! masked when rendered; this also covers a step that panics (a harness
//! bug) with a message holding a token.

use std::sync::Arc;

use cucumber::event::{Cucumber, Feature, Hook, Info, Rule, Scenario, Step, StepError};
use cucumber::{Event, Writer, parser};

use crate::core::redact::Redactor;
use crate::suite::world::AuthWorld;

/// Wraps the run's writer: every step or hook failure is masked with its
/// scenario's redactor before the wrapped writer sees it.
#[derive(Debug)]
pub struct MaskFailures<Wr>(pub Wr);

impl<Wr> Writer<AuthWorld> for MaskFailures<Wr>
where
    Wr: Writer<AuthWorld>,
{
    type Cli = Wr::Cli;

    async fn handle_event(
        &mut self,
        mut event: parser::Result<Event<Cucumber<AuthWorld>>>,
        cli: &Self::Cli,
    ) {
        if let Ok(ev) = &mut event {
            mask_event(&mut ev.value);
        }
        self.0.handle_event(event, cli).await;
    }
}

// Masking changes no event's order or kind.
impl<Wr: cucumber::writer::Normalized> cucumber::writer::Normalized for MaskFailures<Wr> {}

fn mask_event(ev: &mut Cucumber<AuthWorld>) {
    match ev {
        Cucumber::Feature(_, Feature::Scenario(_, s))
        | Cucumber::Feature(_, Feature::Rule(_, Rule::Scenario(_, s))) => {
            mask_scenario_event(&mut s.event);
        }
        _ => {}
    }
}

/// Masks the failure a scenario event carries, if any.
pub(crate) fn mask_scenario_event(ev: &mut Scenario<AuthWorld>) {
    match ev {
        Scenario::Step(_, Step::Failed(_, _, world, StepError::Panic(info)))
        | Scenario::Background(_, Step::Failed(_, _, world, StepError::Panic(info)))
        | Scenario::Hook(_, Hook::Failed(world, info)) => {
            *info = masked(world.as_deref(), info);
        }
        _ => {}
    }
}

/// The panic payload as masked text. Without a world (it could not be
/// built) the process-wide redactor masks it: it knows every live scope.
fn masked(world: Option<&AuthWorld>, info: &Info) -> Info {
    let text = info
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| info.downcast_ref::<&str>().copied());
    let Some(text) = text else {
        // Not text: cucumber prints no payload it cannot read.
        return info.clone();
    };
    let redactor = world.map_or(Redactor::global(), AuthWorld::redactor);
    Arc::new(redactor.mask(text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::redact::MASK;
    use cucumber::event::Source;
    use cucumber::gherkin;

    fn step() -> Source<gherkin::Step> {
        Source::new(gherkin::Step {
            keyword: "When ".into(),
            ty: gherkin::StepType::When,
            value: "a step".into(),
            docstring: None,
            table: None,
            span: gherkin::Span { start: 0, end: 0 },
            position: gherkin::LineCol { line: 1, col: 1 },
        })
    }

    fn payload(ev: &Scenario<AuthWorld>) -> String {
        match ev {
            Scenario::Step(_, Step::Failed(_, _, _, StepError::Panic(i))) => {
                i.downcast_ref::<String>().cloned().unwrap_or_default()
            }
            _ => panic!("not a failed step"),
        }
    }

    #[test]
    fn a_panic_is_masked_with_its_own_scenarios_secrets() {
        let run = Redactor::new();
        run.add("run-wide-secret");
        let world = AuthWorld::with_redactor(run.scoped());
        world.redactor().add("scenario-token-1234");
        let text = "boom: scenario-token-1234 and run-wide-secret";
        let mut ev = Scenario::Step(
            step(),
            Step::Failed(
                None,
                None,
                Some(Arc::new(world)),
                StepError::Panic(Arc::new(text.to_owned())),
            ),
        );
        mask_scenario_event(&mut ev);
        assert_eq!(payload(&ev), format!("boom: {MASK} and {MASK}"));
        // The run's redactor never learnt the scenario's token.
        assert_eq!(run.mask("scenario-token-1234"), "scenario-token-1234");
    }

    #[test]
    fn a_static_str_payload_is_masked_too() {
        let world = AuthWorld::with_redactor(Redactor::new().scoped());
        world.redactor().add("scenario-token-5678");
        let mut ev = Scenario::Background(
            step(),
            Step::Failed(
                None,
                None,
                Some(Arc::new(world)),
                StepError::Panic(Arc::new("x scenario-token-5678")),
            ),
        );
        mask_scenario_event(&mut ev);
        let Scenario::Background(_, Step::Failed(_, _, _, StepError::Panic(i))) = &ev else {
            panic!("kind changed");
        };
        assert_eq!(i.downcast_ref::<String>().unwrap(), &format!("x {MASK}"));
    }
}
