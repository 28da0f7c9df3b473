//! cucumber's own writers (JUnit, JSON) run with fixed options, so the
//! run is configured by `Config` alone.

/// Runs a report writer with its default CLI options and offers none
/// itself: the run is configured by `Config` alone, and cucumber's
/// console summary needs every composed writer's options to say how to
/// color (the JUnit writer's `--junit-v` cannot).
#[derive(Debug)]
pub struct FixedCli<Wr>(pub Wr);

impl<W, Wr> cucumber::Writer<W> for FixedCli<Wr>
where
    W: cucumber::World,
    Wr: cucumber::Writer<W>,
    Wr::Cli: Default,
{
    type Cli = cucumber::cli::Empty;

    async fn handle_event(
        &mut self,
        event: cucumber::parser::Result<cucumber::Event<cucumber::event::Cucumber<W>>>,
        _: &Self::Cli,
    ) {
        self.0.handle_event(event, &Wr::Cli::default()).await;
    }
}

impl<W, Wr, Val> cucumber::writer::Arbitrary<W, Val> for FixedCli<Wr>
where
    W: cucumber::World,
    Wr: cucumber::writer::Arbitrary<W, Val>,
    Wr::Cli: Default,
{
    async fn write(&mut self, val: Val) {
        self.0.write(val).await;
    }
}

impl<W, Wr> cucumber::writer::Stats<W> for FixedCli<Wr>
where
    W: cucumber::World,
    Wr: cucumber::writer::Stats<W>,
    Wr::Cli: Default,
{
    fn passed_steps(&self) -> usize {
        self.0.passed_steps()
    }
    fn skipped_steps(&self) -> usize {
        self.0.skipped_steps()
    }
    fn failed_steps(&self) -> usize {
        self.0.failed_steps()
    }
    fn retried_steps(&self) -> usize {
        self.0.retried_steps()
    }
    fn parsing_errors(&self) -> usize {
        self.0.parsing_errors()
    }
    fn hook_errors(&self) -> usize {
        self.0.hook_errors()
    }
}

impl<Wr: cucumber::writer::NonTransforming> cucumber::writer::NonTransforming for FixedCli<Wr> {}
