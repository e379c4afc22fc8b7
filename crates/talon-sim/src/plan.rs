//! A staffing plan checked in time. `talon_plan::plan_staffing` sizes each interval as if it
//! were a steady state of its own; a day is not: the queue left by a busy interval is still
//! there when the next one starts, often with fewer counters open. The simulator runs the plan
//! under the forecast's time-varying arrivals, reports the intervals where the plan misses its
//! target, and corrects it greedily: a workplace is added to the first interval that misses
//! or to the one before it, whichever lifts that interval more, and the day is simulated again,
//! until every interval meets the target or the iterations run out.
//!
//! An interval *meets* the target when its simulated service level, the mean over the
//! replications, reaches it; the correction goes on until every interval does. A miss is
//! *clear* when even the upper end of its 95% confidence interval lies below the target, so
//! more replications would not turn it into a hit. An interval without arrivals always meets.
//! Operators leave at the end of their interval once the visitor they have is served; those of
//! the last interval stay until everyone who took a ticket is served.

use crate::error::SimError;
use crate::model::{
    Arrivals, Branch, Distribution, MAX_SECS, Model, Patience, PoissonStream, ServiceTime, Shift,
};
use crate::sample;
use crate::stats::Estimate;
use crate::{Simulator, Summary};
use serde::{Deserialize, Serialize};
use talon_core::{Policy, ProfileId, ServiceId, WorkProfile, WorkplaceId};
use talon_plan::StaffingPlan;

/// What to check: a plan, the service it staffs and the target it was made for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCheck {
    /// Intervals in order, back to back; each row's `arrivals` is the forecast count and
    /// `required` the workplaces open.
    pub plan: StaffingPlan,
    /// Mean service time.
    pub service_secs: f64,
    /// A log-normal service time with this coefficient of variation; without one, the
    /// exponential time the Erlang formulas assume.
    #[serde(default)]
    pub service_cv: Option<f64>,
    pub target_secs: f64,
    pub target_level: f64,
    #[serde(default)]
    pub patience_secs: Option<f64>,
    #[serde(default = "default_replications")]
    pub replications: u32,
    #[serde(default)]
    pub seed: u64,
    /// The most workplaces the correction may add, one per iteration.
    #[serde(default = "default_iterations")]
    pub max_iterations: u32,
}

fn default_replications() -> u32 {
    200
}

fn default_iterations() -> u32 {
    30
}

/// The plan as the simulation found it, and the corrected plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    pub target_level: f64,
    pub intervals: Vec<IntervalCheck>,
    /// The start minutes of the intervals where the plan misses.
    pub misses: Vec<u32>,
    /// Those of them that miss clearly.
    pub clear_misses: Vec<u32>,
    pub corrected: Vec<IntervalCheck>,
    /// Workplaces added by the correction, one per iteration.
    pub iterations: u32,
    /// Whether every interval of the corrected plan meets the target.
    pub converged: bool,
    /// What the correction costs: workplace-hours added.
    pub added_hours: f64,
}

/// One interval of a plan under simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalCheck {
    pub start_minute: u32,
    pub arrivals: f64,
    pub workplaces: u32,
    /// What the steady-state formula promised (the plan's own figure).
    pub formula_level: f64,
    pub simulated_level: Estimate,
    pub meets: bool,
    pub clearly_misses: bool,
}

/// Simulates `check.plan`, reports where it misses, and corrects it.
pub fn check_plan(check: &PlanCheck) -> Result<PlanReport, SimError> {
    validate(check)?;
    let planned: Vec<u32> = check.plan.rows.iter().map(|r| r.required).collect();
    let first = evaluate(check, &planned)?;
    let intervals = rows(check, &planned, &first);
    let starts = |clear: bool| {
        intervals
            .iter()
            .filter(|i| !i.meets && (i.clearly_misses || !clear))
            .map(|i| i.start_minute)
            .collect()
    };
    let (misses, clear_misses) = (starts(false), starts(true));
    let mut staff = planned.clone();
    let mut summary = first;
    let mut iterations = 0;
    while iterations < check.max_iterations {
        let Some(miss) = first_miss(check, &summary) else {
            break;
        };
        // Add where it helps the missing interval most: there, or just before it, so that
        // less backlog is carried into it.
        let mut best: Option<(f64, Vec<u32>, Summary)> = None;
        for at in [Some(miss), miss.checked_sub(1)].into_iter().flatten() {
            let mut candidate = staff.clone();
            candidate[at] += 1;
            let result = evaluate(check, &candidate)?;
            let level = result.intervals[miss].service_level.mean;
            if best.as_ref().is_none_or(|(b, _, _)| level > *b) {
                best = Some((level, candidate, result));
            }
        }
        let (_, candidate, result) = best.expect("at least the missing interval itself");
        staff = candidate;
        summary = result;
        iterations += 1;
    }
    let corrected = rows(check, &staff, &summary);
    let minutes = f64::from(check.plan.interval.minutes());
    let added: u32 = staff.iter().zip(&planned).map(|(s, p)| s - p).sum();
    Ok(PlanReport {
        target_level: check.target_level,
        intervals,
        misses,
        clear_misses,
        converged: corrected.iter().all(|i| i.meets),
        corrected,
        iterations,
        added_hours: f64::from(added) * minutes / 60.0,
    })
}

fn validate(check: &PlanCheck) -> Result<(), SimError> {
    let minutes = check.plan.interval.minutes();
    let rows = &check.plan.rows;
    let Some(first) = rows.first() else {
        return Err(SimError::invalid("plan.rows", "at least one interval"));
    };
    if first.start_minute % minutes != 0 {
        return Err(SimError::invalid(
            "plan.rows",
            "intervals start on a multiple of their length",
        ));
    }
    if rows
        .iter()
        .enumerate()
        .any(|(i, r)| r.start_minute != first.start_minute + i as u32 * minutes)
    {
        return Err(SimError::invalid(
            "plan.rows",
            "intervals follow each other",
        ));
    }
    if !(check.target_level > 0.0 && check.target_level < 1.0) {
        return Err(SimError::invalid("target_level", "between 0 and 1"));
    }
    if !(check.target_secs >= 1.0 && check.target_secs <= 86_400.0) {
        return Err(SimError::invalid("target_secs", "from 1 to 86,400 seconds"));
    }
    if !(check.service_secs >= 1.0 && check.service_secs <= 86_400.0) {
        return Err(SimError::invalid(
            "service_secs",
            "from 1 to 86,400 seconds",
        ));
    }
    if check.replications < 2 {
        return Err(SimError::invalid(
            "replications",
            "at least 2, for a confidence interval",
        ));
    }
    Ok(())
}

/// The first interval whose simulated service level misses the target.
fn first_miss(check: &PlanCheck, summary: &Summary) -> Option<usize> {
    summary
        .intervals
        .iter()
        .position(|i| !meets(check, &i.service_level))
}

fn meets(check: &PlanCheck, level: &Estimate) -> bool {
    level.n == 0 || level.mean >= check.target_level
}

fn rows(check: &PlanCheck, staff: &[u32], summary: &Summary) -> Vec<IntervalCheck> {
    check
        .plan
        .rows
        .iter()
        .zip(staff)
        .zip(&summary.intervals)
        .map(|((row, workplaces), simulated)| IntervalCheck {
            start_minute: row.start_minute,
            arrivals: row.arrivals,
            workplaces: *workplaces,
            formula_level: row.service_level,
            simulated_level: simulated.service_level,
            meets: meets(check, &simulated.service_level),
            clearly_misses: simulated.service_level.n > 0
                && simulated.service_level.high() < check.target_level,
        })
        .collect()
}

fn evaluate(check: &PlanCheck, staff: &[u32]) -> Result<Summary, SimError> {
    let model = check.model(staff)?;
    Ok(Simulator::new(&model)?.run(check.replications, check.seed))
}

impl PlanCheck {
    /// The plan with `staff` workplaces per interval as a model: one service, one queue,
    /// workplace `j` open in every interval that has at least `j`.
    pub fn model(&self, staff: &[u32]) -> Result<Model, SimError> {
        let check = self;
        let minutes = check.plan.interval.minutes();
        let length = f64::from(minutes) * 60.0;
        let start = f64::from(check.plan.rows.first().map_or(0, |r| r.start_minute)) * 60.0;
        let end = start + length * staff.len() as f64;
        // Everyone who took a ticket is served: the last interval's operators stay on.
        let drain = (end + 6.0 * 3600.0).min(MAX_SECS);
        let most = staff.iter().copied().max().unwrap_or(0);
        let mut shifts = Vec::new();
        for j in 1..=most {
            let mut open: Option<usize> = None;
            for (i, needed) in staff.iter().chain([&0]).enumerate() {
                match (open, *needed >= j) {
                    (None, true) => open = Some(i),
                    (Some(from), false) => {
                        let close = if i == staff.len() {
                            drain
                        } else {
                            start + length * i as f64
                        };
                        shifts.push(Shift {
                            workplace: WorkplaceId(u64::from(j)),
                            operator: None,
                            profile: ProfileId(1),
                            open_secs: start + length * from as f64,
                            close_secs: close,
                            breaks: Vec::new(),
                        });
                        open = None;
                    }
                    _ => {}
                }
            }
        }
        let norm = check.service_secs.round() as u32;
        let target = check.target_secs.round() as u32;
        let service = sample::service(1, "A", norm.max(1), target.max(1));
        let model = Model {
            branch: Branch {
                settings: sample::settings("UTC"),
                services: vec![service],
                categories: Vec::new(),
                profiles: vec![WorkProfile::simple(
                    ProfileId(1),
                    "Plan",
                    &[ServiceId(1)],
                    Policy::LongestWaiting,
                )],
                workplaces: (1..=u64::from(most)).map(sample::workplace).collect(),
            },
            date: sample::DATE,
            shifts,
            arrivals: Arrivals::Poisson {
                start_secs: start,
                interval_secs: length,
                streams: vec![PoissonStream {
                    service: ServiceId(1),
                    category: None,
                    per_hour: check
                        .plan
                        .rows
                        .iter()
                        .map(|r| r.arrivals * 60.0 / f64::from(minutes))
                        .collect(),
                }],
            },
            service_times: vec![ServiceTime {
                service: ServiceId(1),
                distribution: check.service_cv.map_or(
                    Distribution::Exponential {
                        mean_secs: check.service_secs,
                    },
                    |cv| Distribution::LogNormal {
                        mean_secs: check.service_secs,
                        cv,
                    },
                ),
            }],
            patience: check.patience_secs.map_or(Patience::None, |mean_secs| {
                Patience::Exponential { mean_secs }
            }),
            walk_secs: 0.0,
            report_interval_secs: minutes * 60,
        };
        model.validate()?;
        Ok(model)
    }
}
