//! Talon's simulator: a branch's day, drawn at random or replayed, run on the real engine.
//!
//! A [`Model`] is the branch as the engine knows it (settings, services with their norms,
//! customer categories, work profiles, workplaces: `talon-core`'s own types), the day's
//! [`Shift`]s with their breaks, the [`Arrivals`] (Poisson with a rate per interval, e.g. a
//! forecast, or a recorded day), the [`ServiceTime`] of each service (log-normal by default,
//! exponential, or the recorded durations), the visitors' [`Patience`] and their walk to the
//! counter. Every input is serde, so the server can take a model as JSON.
//!
//! The simulator drives `talon_core::execute` itself on a `BranchState` with a virtual clock:
//! the same commands, routing, ratios, categories, appointments and automatic calls as the live
//! server, in a fixed order at equal instants (see `run.rs`). A free operator calls the next
//! visitor at once; the called visitor walks to the counter, is served for their service time
//! and finished; a visitor still waiting when their patience runs out gives the ticket up.
//!
//! ```
//! use talon_sim::{Simulator, sample};
//!
//! let sim = Simulator::new(&sample::mmc(3, 36.0, 240.0, 8, 60)).unwrap();
//! let day = sim.replication(7, 0);
//! assert!(day.metrics.served > 0);
//! let summary = sim.run(20, 7);
//! println!("mean wait {:.0} ± {:.0} s", summary.wait_mean_secs.mean, summary.wait_mean_secs.half_width);
//! ```
//!
//! - [`Simulator::replication`]: one day, with every visit, call and workplace, and its
//!   [`Metrics`]: waits (mean, 90th percentile, maximum), the service level overall and per
//!   interval of arrival, abandonment, throughput and the utilisation of each workplace.
//! - [`simulate`] / [`Simulator::run`]: many replications summarised, each measure with its
//!   95% confidence interval ([`Estimate`]: Student's t below 30 replications, normal above).
//! - [`compare`]: two configurations on the same visitors (common random numbers: arrivals,
//!   service times and patience come from streams keyed by the seed, never by the
//!   configuration), with the differences and their confidence intervals.
//! - [`check_plan`]: a staffing plan from `talon_plan::plan_staffing` run under the forecast's
//!   time-varying arrivals; the intervals where the stationary formula's plan misses its target
//!   (a busy interval's queue carries over), and a plan corrected greedily until each interval
//!   meets it ([`PlanReport`]).
//! - [`eta_accuracy`] / [`eta_study`]: the wait Talon shows a new ticket
//!   (`BranchState::eta_seconds`, and the band of `BranchState::eta_band_seconds`) against the
//!   wait it then had, by the number of people ahead: relative average squared error and the
//!   band's coverage, for any [`Predictor`].
//!
//! Deterministic: a seed and a replication number give the same result, bit for bit.
//!
//! [`sample`] has the models the tests run on: M/M/c, and a bank branch with four services, two
//! categories and a profile of each policy. The figures come from
//! `cargo bench -p talon-sim --bench throughput` (engine events per second),
//! `cargo run --release -p talon-sim --example eta_accuracy` (the wait shown against the
//! simulated wait) and `--example plan_check` (a stationary plan checked in time).

mod arrivals;
mod error;
mod eta;
mod model;
mod plan;
mod random;
mod report;
mod run;
pub mod sample;
mod stats;

pub use error::SimError;
pub use eta::{
    Accuracy, EtaReport, EtaRow, NORM_BY_POSITION, Prediction, Predictor, SHOWN, eta_accuracy,
    eta_study,
};
pub use model::{
    Arrivals, Branch, Break, DEFAULT_CV, Distribution, MAX_SECS, Model, Patience, PoissonStream,
    RecordedArrival, ServiceTime, Shift,
};
pub use plan::{IntervalCheck, PlanCheck, PlanReport, check_plan};
pub use report::{
    Call, Comparison, Fate, IntervalMetrics, IntervalSummary, Metrics, Replication, Summary, Visit,
    WorkplaceDay, WorkplaceMetrics, WorkplaceSummary,
};
pub use run::Probe;
pub use stats::{Estimate, quantile, t_975};

use run::Setup;

/// A model made ready to run: the branch is configured once, and each replication starts from
/// a copy of it.
pub struct Simulator {
    setup: Setup,
    model: Model,
}

impl Simulator {
    pub fn new(model: &Model) -> Result<Simulator, SimError> {
        Ok(Simulator {
            setup: Setup::new(model)?,
            model: model.clone(),
        })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Replication `replication` of `seed`: the same pair gives the same result, bit for bit.
    pub fn replication(&self, seed: u64, replication: u32) -> Replication {
        self.replication_with(seed, replication, &mut ())
    }

    /// A replication with a probe that looks at the branch as it goes.
    pub fn replication_with<P: Probe>(
        &self,
        seed: u64,
        replication: u32,
        probe: &mut P,
    ) -> Replication {
        let arrivals = arrivals::draw(&self.model, &self.setup.times, seed, replication);
        let outcome = run::run(&self.setup, &arrivals, probe);
        Replication::new(replication, &arrivals, outcome, self.setup.intervals)
    }

    /// The measures of each of `replications` replications, numbered from 0.
    pub fn metrics(&self, replications: u32, seed: u64) -> (Vec<Metrics>, u64) {
        let mut events = 0;
        let metrics = (0..replications)
            .map(|r| {
                let rep = self.replication(seed, r);
                events += rep.engine_events;
                rep.metrics
            })
            .collect();
        (metrics, events)
    }

    /// `replications` replications summarised.
    pub fn run(&self, replications: u32, seed: u64) -> Summary {
        let (metrics, events) = self.metrics(replications, seed);
        Summary::of(&metrics, events)
    }
}

/// Runs `replications` replications of `model` from `seed` and summarises them.
pub fn simulate(model: &Model, replications: u32, seed: u64) -> Result<Summary, SimError> {
    Ok(Simulator::new(model)?.run(replications, seed))
}

/// Runs two configurations on the same visitors (common random numbers) and reports both and
/// their differences.
pub fn compare(a: &Model, b: &Model, replications: u32, seed: u64) -> Result<Comparison, SimError> {
    let (a, b) = (Simulator::new(a)?, Simulator::new(b)?);
    let (ma, ea) = a.metrics(replications, seed);
    let (mb, eb) = b.metrics(replications, seed);
    Ok(Comparison {
        a: Summary::of(&ma, ea),
        b: Summary::of(&mb, eb),
        difference: Summary::difference(&ma, &mb),
    })
}
