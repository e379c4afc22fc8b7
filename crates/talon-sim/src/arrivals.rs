//! The visitors of one replication, drawn before the branch sees any of them: when each comes,
//! for what, how long their service will take and how long they would wait. Drawing them apart
//! from the run is what keeps them the same across configurations (see [`crate::random`]).

use crate::model::{Arrivals, Distribution, Model, Patience, RecordedArrival};
use crate::random::{Draw, Stream, exponential, log_normal};
use std::collections::BTreeMap;
use talon_core::{CategoryId, ServiceId};

/// One visitor, times in milliseconds after the branch-local midnight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Arrival {
    pub at_ms: u64,
    pub service: ServiceId,
    pub category: Option<CategoryId>,
    pub booked_ms: Option<u64>,
    pub service_ms: u64,
    /// When they would give up, counted from their arrival; `None` for a visitor who waits.
    pub patience_ms: Option<u64>,
}

pub(crate) fn to_ms(secs: f64) -> u64 {
    (secs * 1000.0).round() as u64
}

/// How long each service takes, with what a recorded duration falls back to.
pub(crate) struct ServiceTimes {
    pub by_service: BTreeMap<ServiceId, (Distribution, f64)>,
}

impl ServiceTimes {
    pub(crate) fn of(model: &Model) -> ServiceTimes {
        ServiceTimes {
            by_service: model
                .branch
                .services
                .iter()
                .map(|s| {
                    (
                        s.id,
                        (model.distribution(s), f64::from(s.service_norm_secs)),
                    )
                })
                .collect(),
        }
    }

    fn secs(&self, service: ServiceId, u: f64, recorded: Option<f64>) -> f64 {
        match self.by_service.get(&service) {
            Some((Distribution::LogNormal { mean_secs, cv }, _)) => log_normal(*mean_secs, *cv, u),
            Some((Distribution::Exponential { mean_secs }, _)) => exponential(*mean_secs, u),
            Some((Distribution::Recorded, norm)) => recorded.unwrap_or(*norm),
            None => 0.0,
        }
    }
}

/// The visitors of replication `replication` under `seed`, in order of arrival.
pub(crate) fn draw(
    model: &Model,
    times: &ServiceTimes,
    seed: u64,
    replication: u32,
) -> Vec<Arrival> {
    let patience = |stream: &mut Stream| match model.patience {
        Patience::None => None,
        Patience::Exponential { mean_secs } => {
            Some(to_ms(exponential(mean_secs, stream.uniform())))
        }
    };
    let mut all: Vec<(Arrival, usize, usize)> = Vec::new();
    match &model.arrivals {
        Arrivals::Poisson {
            start_secs,
            interval_secs,
            streams,
        } => {
            for (index, stream) in streams.iter().enumerate() {
                let mut clock = Stream::new(seed, replication, Draw::Arrival, index);
                let mut service = Stream::new(seed, replication, Draw::ServiceTime, index);
                let mut waiting = Stream::new(seed, replication, Draw::Patience, index);
                let instants = poisson(&stream.per_hour, *start_secs, *interval_secs, &mut clock);
                for (j, at) in instants.into_iter().enumerate() {
                    let arrival = Arrival {
                        at_ms: to_ms(at),
                        service: stream.service,
                        category: stream.category,
                        booked_ms: None,
                        service_ms: to_ms(times.secs(stream.service, service.uniform(), None)),
                        patience_ms: patience(&mut waiting),
                    };
                    all.push((arrival, index, j));
                }
            }
        }
        Arrivals::Recorded { visitors } => {
            let mut service = Stream::new(seed, replication, Draw::ServiceTime, 0);
            let mut waiting = Stream::new(seed, replication, Draw::Patience, 0);
            for (j, v) in visitors.iter().enumerate() {
                all.push((
                    recorded(v, times, &mut service, &mut waiting, &patience),
                    0,
                    j,
                ));
            }
        }
    }
    // Ties at one instant keep the order of the streams, then of the visitors in each.
    all.sort_by_key(|(a, index, j)| (a.at_ms, *index, *j));
    all.into_iter().map(|(a, _, _)| a).collect()
}

fn recorded(
    v: &RecordedArrival,
    times: &ServiceTimes,
    service: &mut Stream,
    waiting: &mut Stream,
    patience: &dyn Fn(&mut Stream) -> Option<u64>,
) -> Arrival {
    Arrival {
        at_ms: to_ms(v.at_secs),
        service: v.service,
        category: v.category,
        booked_ms: v.booked_secs.map(to_ms),
        service_ms: to_ms(times.secs(v.service, service.uniform(), v.duration_secs)),
        patience_ms: patience(waiting),
    }
}

/// The instants of a Poisson process with a rate constant within each interval: each gap is a
/// unit exponential spent against the cumulative rate, so an interval with no rate is skipped
/// and a gap may reach over several intervals.
fn poisson(per_hour: &[f64], start: f64, length: f64, clock: &mut Stream) -> Vec<f64> {
    let mut instants = Vec::new();
    let mut budget = clock.unit_exponential();
    for (i, rate) in per_hour.iter().enumerate() {
        let rate = rate / 3600.0;
        let end = start + length * (i + 1) as f64;
        let mut t = start + length * i as f64;
        if rate <= 0.0 {
            continue;
        }
        while budget <= rate * (end - t) {
            t += budget / rate;
            instants.push(t);
            budget = clock.unit_exponential();
        }
        budget -= rate * (end - t);
    }
    instants
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisson_process_has_its_rate_in_each_interval() {
        let mut counts = [0usize; 3];
        let runs = 400;
        for r in 0..runs {
            let mut clock = Stream::new(11, r, Draw::Arrival, 0);
            for t in poisson(&[60.0, 0.0, 240.0], 0.0, 3600.0, &mut clock) {
                counts[(t / 3600.0) as usize] += 1;
            }
        }
        let mean = |c: usize| c as f64 / f64::from(runs);
        assert!((mean(counts[0]) - 60.0).abs() < 1.5, "{counts:?}");
        assert_eq!(counts[1], 0);
        assert!((mean(counts[2]) - 240.0).abs() < 3.0, "{counts:?}");
    }
}
