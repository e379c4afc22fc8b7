//! What a simulation reports: each replication's visitors, workplaces and measures, and the
//! measures over many replications with their 95% confidence intervals, for one configuration
//! or for the difference between two.
//!
//! Definitions. A visitor's *wait* runs from taking the ticket to being called. Waits are
//! those of visitors who were called. The *service level* is the share of visitors who took a
//! ticket and were called within their waiting norm (their category's, else their service's);
//! one who gave up or was never called counts against it, however early they left, as in
//! Erlang A. It is counted by the interval of arrival. *Abandonment* is the share of tickets
//! given up. *Utilisation* is the time a workplace was occupied, from a call to its finish,
//! over the time it was open, pauses excluded.

use crate::arrivals::Arrival;
use crate::run::{Intervals, Outcome};
use crate::stats::{Estimate, quantile};
use serde::{Deserialize, Serialize};
use talon_core::{CategoryId, DomainError, ServiceId, TicketId, WorkplaceId};

/// What became of a visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// No ticket: the branch or service was closed, full or out of numbers.
    Refused,
    Served,
    /// Gave the ticket up before being called.
    Abandoned,
    /// Still waiting when the last workplace closed.
    Unserved,
}

/// One visitor of a replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub arrival_secs: f64,
    pub service: ServiceId,
    pub category: Option<CategoryId>,
    pub booked_secs: Option<f64>,
    pub fate: Fate,
    /// Until the call, for a served visitor.
    pub wait_secs: Option<f64>,
    pub workplace: Option<WorkplaceId>,
    pub within_norm: bool,
}

/// One call, in the order the engine made them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub at_secs: f64,
    pub ticket: TicketId,
    pub workplace: WorkplaceId,
}

/// A workplace's day in one replication.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorkplaceDay {
    pub workplace: WorkplaceId,
    pub open_secs: f64,
    pub busy_secs: f64,
    pub served: u64,
}

/// The measures of one replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub arrivals: u64,
    pub refused: u64,
    pub issued: u64,
    pub served: u64,
    pub abandoned: u64,
    pub unserved: u64,
    pub wait_mean_secs: Option<f64>,
    pub wait_p90_secs: Option<f64>,
    pub wait_max_secs: Option<f64>,
    pub service_level: Option<f64>,
    pub abandonment: Option<f64>,
    pub intervals: Vec<IntervalMetrics>,
    pub workplaces: Vec<WorkplaceMetrics>,
}

/// The visitors who arrived in one report interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalMetrics {
    pub start_secs: f64,
    /// Tickets issued.
    pub arrivals: u64,
    pub service_level: Option<f64>,
    pub wait_mean_secs: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkplaceMetrics {
    pub workplace: WorkplaceId,
    /// `None` for a workplace that never opened.
    pub utilisation: Option<f64>,
}

/// One replication: every visitor, workplace and call, and its measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    pub replication: u32,
    pub visits: Vec<Visit>,
    pub workplaces: Vec<WorkplaceDay>,
    pub calls: Vec<Call>,
    /// Events the engine recorded during the day.
    pub engine_events: u64,
    /// Commands of the simulated staff the engine refused; none in a model that holds together.
    pub refusals: Vec<String>,
    pub metrics: Metrics,
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

impl Replication {
    pub(crate) fn new(
        replication: u32,
        arrivals: &[Arrival],
        outcome: Outcome,
        intervals: Intervals,
    ) -> Replication {
        let visits: Vec<Visit> = arrivals
            .iter()
            .zip(&outcome.records)
            .map(|(a, r)| {
                let fate = if !r.issued {
                    Fate::Refused
                } else if r.called_ms.is_some() {
                    Fate::Served
                } else if r.abandoned_ms.is_some() {
                    Fate::Abandoned
                } else {
                    Fate::Unserved
                };
                let wait = r.called_ms.map(|c| c - a.at_ms);
                Visit {
                    arrival_secs: secs(a.at_ms),
                    service: a.service,
                    category: a.category,
                    booked_secs: a.booked_ms.map(secs),
                    fate,
                    wait_secs: wait.map(secs),
                    workplace: r.workplace,
                    within_norm: wait.is_some_and(|w| w <= r.norm_ms),
                }
            })
            .collect();
        let workplaces: Vec<WorkplaceDay> = outcome
            .desks
            .iter()
            .map(|(workplace, u)| WorkplaceDay {
                workplace: *workplace,
                open_secs: secs(u.open_ms),
                busy_secs: secs(u.busy_ms),
                served: u.served,
            })
            .collect();
        let metrics = Metrics::of(&visits, &workplaces, intervals);
        Replication {
            replication,
            visits,
            workplaces,
            calls: outcome
                .calls
                .iter()
                .map(|(at, ticket, workplace)| Call {
                    at_secs: secs(*at),
                    ticket: *ticket,
                    workplace: *workplace,
                })
                .collect(),
            engine_events: outcome.engine_events,
            refusals: outcome
                .refusals
                .iter()
                .map(DomainError::to_string)
                .collect(),
            metrics,
        }
    }
}

impl Metrics {
    fn of(visits: &[Visit], workplaces: &[WorkplaceDay], intervals: Intervals) -> Metrics {
        let count = |fate: Fate| visits.iter().filter(|v| v.fate == fate).count() as u64;
        let issued: Vec<&Visit> = visits.iter().filter(|v| v.fate != Fate::Refused).collect();
        let mut waits: Vec<f64> = visits.iter().filter_map(|v| v.wait_secs).collect();
        waits.sort_by(f64::total_cmp);
        let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
        let mean = |w: &[f64]| (!w.is_empty()).then(|| w.iter().sum::<f64>() / w.len() as f64);
        let mut slots = vec![(0usize, 0usize, Vec::new()); intervals.count];
        for v in &issued {
            let Some(i) = intervals.index((v.arrival_secs * 1000.0).round() as u64) else {
                continue;
            };
            slots[i].0 += 1;
            slots[i].1 += usize::from(v.within_norm);
            slots[i].2.extend(v.wait_secs);
        }
        let abandoned = count(Fate::Abandoned);
        Metrics {
            arrivals: visits.len() as u64,
            refused: count(Fate::Refused),
            issued: issued.len() as u64,
            served: count(Fate::Served),
            abandoned,
            unserved: count(Fate::Unserved),
            wait_mean_secs: mean(&waits),
            wait_p90_secs: quantile(&waits, 0.9),
            wait_max_secs: waits.last().copied(),
            service_level: share(
                issued.iter().filter(|v| v.within_norm).count(),
                issued.len(),
            ),
            abandonment: share(abandoned as usize, issued.len()),
            intervals: slots
                .iter()
                .enumerate()
                .map(|(i, (n, within, waits))| IntervalMetrics {
                    start_secs: intervals.start_secs(i),
                    arrivals: *n as u64,
                    service_level: share(*within, *n),
                    wait_mean_secs: mean(waits),
                })
                .collect(),
            workplaces: workplaces
                .iter()
                .map(|w| WorkplaceMetrics {
                    workplace: w.workplace,
                    utilisation: (w.open_secs > 0.0).then(|| w.busy_secs / w.open_secs),
                })
                .collect(),
        }
    }

    fn interval(&self, start_secs: f64) -> Option<&IntervalMetrics> {
        self.intervals.iter().find(|i| i.start_secs == start_secs)
    }

    fn workplace(&self, id: WorkplaceId) -> Option<&WorkplaceMetrics> {
        self.workplaces.iter().find(|w| w.workplace == id)
    }
}

/// Measures over replications, each a mean with its 95% confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub replications: u32,
    pub wait_mean_secs: Estimate,
    pub wait_p90_secs: Estimate,
    pub wait_max_secs: Estimate,
    pub service_level: Estimate,
    pub abandonment: Estimate,
    /// Visitors served in the day.
    pub throughput: Estimate,
    pub issued: Estimate,
    pub unserved: Estimate,
    pub intervals: Vec<IntervalSummary>,
    pub workplaces: Vec<WorkplaceSummary>,
    /// Events the engine recorded, over all replications.
    pub engine_events: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalSummary {
    pub start_secs: f64,
    pub arrivals: Estimate,
    pub service_level: Estimate,
    pub wait_mean_secs: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkplaceSummary {
    pub workplace: WorkplaceId,
    pub utilisation: Estimate,
}

/// How one measure of a replication is estimated: over one configuration's replications, or
/// over the differences between two run on the same visitors.
type Estimator<'a> = dyn Fn(&dyn Fn(&Metrics) -> Option<f64>) -> Estimate + 'a;

impl Summary {
    pub(crate) fn of(replications: &[Metrics], engine_events: u64) -> Summary {
        let estimate =
            |f: &dyn Fn(&Metrics) -> Option<f64>| Estimate::of_some(replications.iter().map(f));
        Summary::build(replications, replications.len(), &estimate, engine_events)
    }

    /// The replication-by-replication differences `b − a`.
    pub(crate) fn difference(a: &[Metrics], b: &[Metrics]) -> Summary {
        let estimate = |f: &dyn Fn(&Metrics) -> Option<f64>| {
            Estimate::of_some(a.iter().zip(b).map(|(x, y)| Some(f(y)? - f(x)?)))
        };
        Summary::build(a, a.len().min(b.len()), &estimate, 0)
    }

    fn build(
        shape: &[Metrics],
        replications: usize,
        estimate: &Estimator<'_>,
        engine_events: u64,
    ) -> Summary {
        let first = shape.first();
        let count = |f: fn(&Metrics) -> u64| move |m: &Metrics| Some(f(m) as f64);
        Summary {
            replications: u32::try_from(replications).unwrap_or(u32::MAX),
            wait_mean_secs: estimate(&|m| m.wait_mean_secs),
            wait_p90_secs: estimate(&|m| m.wait_p90_secs),
            wait_max_secs: estimate(&|m| m.wait_max_secs),
            service_level: estimate(&|m| m.service_level),
            abandonment: estimate(&|m| m.abandonment),
            throughput: estimate(&count(|m| m.served)),
            issued: estimate(&count(|m| m.issued)),
            unserved: estimate(&count(|m| m.unserved)),
            intervals: first
                .map(|m| m.intervals.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|i| {
                    let start = i.start_secs;
                    let of = |f: fn(&IntervalMetrics) -> Option<f64>| {
                        estimate(&move |m: &Metrics| m.interval(start).and_then(f))
                    };
                    IntervalSummary {
                        start_secs: start,
                        arrivals: of(|i| Some(i.arrivals as f64)),
                        service_level: of(|i| i.service_level),
                        wait_mean_secs: of(|i| i.wait_mean_secs),
                    }
                })
                .collect(),
            workplaces: first
                .map(|m| m.workplaces.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|w| {
                    let id = w.workplace;
                    WorkplaceSummary {
                        workplace: id,
                        utilisation: estimate(&move |m: &Metrics| {
                            m.workplace(id).and_then(|w| w.utilisation)
                        }),
                    }
                })
                .collect(),
            engine_events,
        }
    }
}

/// Two configurations run on the same visitors, and the differences `b − a` with their 95%
/// confidence intervals: an interval that excludes zero is a difference the replications show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a: Summary,
    pub b: Summary,
    pub difference: Summary,
}
