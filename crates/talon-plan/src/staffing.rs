//! Staffing plans for a day of intervals: how many workplaces to open in each so that a
//! forecast of arrivals meets a service target, and, for a service that takes bookings, how to
//! split them between booked visitors and walk-ins.
//!
//! Each interval is sized on its own as a steady state (the usual call-centre practice): the
//! queue left over from a busy interval is not carried into the next.

use serde::{Deserialize, Serialize};

use crate::csv::field;
use crate::erlang::{Queue, Target, check_level, check_queue_inputs, scheduled_servers};
use crate::error::PlanError;
use crate::forecast::{Interval, IntervalCount};

/// What a staffing plan must achieve, and with what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffingRequest {
    /// Mean service time in seconds.
    pub service_secs: f64,
    /// Target time for answering, in seconds.
    pub target_secs: f64,
    /// Share of arrivals to answer within the target time, in (0, 1).
    pub target_level: f64,
    /// Mean patience in seconds; with it the plan uses Erlang A, without it Erlang C.
    #[serde(default)]
    pub patience_secs: Option<f64>,
    /// Largest acceptable share of arrivals who give up (needs a patience to mean anything).
    #[serde(default)]
    pub max_abandon: Option<f64>,
    /// Share of paid time not available for service, in [0, 1).
    #[serde(default)]
    pub shrinkage: Option<f64>,
}

/// One interval of a staffing plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffingRow {
    /// Start of the interval, minutes after midnight.
    pub start_minute: u32,
    /// Forecast arrivals in the interval.
    pub arrivals: f64,
    /// Workplaces to keep open.
    pub required: u32,
    /// Staff to schedule for them after shrinkage (only with a shrinkage).
    pub scheduled: Option<u32>,
    /// Share of arrivals expected to be answered within the target time.
    pub service_level: f64,
    /// Probability of waiting at all.
    pub p_wait: f64,
    /// Mean wait over all arrivals, in seconds.
    pub mean_wait_secs: f64,
    /// Share of arrivals expected to give up (only with a patience).
    pub p_abandon: Option<f64>,
}

/// A day's staffing plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffingPlan {
    /// Interval length.
    pub interval: Interval,
    /// One row per interval, in the order of the forecast.
    pub rows: Vec<StaffingRow>,
}

/// Sizes every interval of `arrivals` (arrivals per interval of length `interval`) for
/// `request`. An interval without arrivals needs no workplace.
pub fn plan_staffing(
    arrivals: &[IntervalCount],
    interval: Interval,
    request: &StaffingRequest,
) -> Result<StaffingPlan, PlanError> {
    check_queue_inputs(
        0.0,
        request.service_secs,
        request.target_secs,
        request.patience_secs,
    )?;
    check_level("target_level", request.target_level)?;
    check_optional_share("max_abandon", request.max_abandon)?;
    check_shrinkage(request.shrinkage)?;
    check_arrivals("arrivals", arrivals, interval)?;
    let target = Target {
        target_secs: request.target_secs,
        level: request.target_level,
        max_abandon: request.max_abandon,
    };
    let rows = arrivals
        .iter()
        .map(|slot| {
            let queue = Queue {
                arrivals_per_hour: per_hour(slot.count, interval),
                service_secs: request.service_secs,
                patience_secs: request.patience_secs,
            };
            let required = queue.least_servers(&target)?;
            let perf = queue.performance(required, request.target_secs);
            Ok(StaffingRow {
                start_minute: slot.start_minute,
                arrivals: slot.count,
                required,
                scheduled: request
                    .shrinkage
                    .map(|s| scheduled_servers(required, s))
                    .transpose()?,
                service_level: perf.service_level,
                p_wait: perf.p_wait,
                mean_wait_secs: perf.mean_wait_secs,
                p_abandon: perf.p_abandon,
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    Ok(StaffingPlan { interval, rows })
}

impl StaffingPlan {
    /// The plan as CSV (RFC 4180: header row, CRLF line ends); absent figures are empty fields.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "start,arrivals,required,scheduled,service_level,p_wait,mean_wait_secs,p_abandon\r\n",
        );
        for row in &self.rows {
            let cells = [
                clock(row.start_minute),
                format!("{:.2}", row.arrivals),
                row.required.to_string(),
                optional(row.scheduled),
                format!("{:.4}", row.service_level),
                format!("{:.4}", row.p_wait),
                format!("{:.1}", row.mean_wait_secs),
                row.p_abandon.map(|p| format!("{p:.4}")).unwrap_or_default(),
            ];
            push_record(&mut out, &cells);
        }
        out
    }
}

/// How many of the arrivals came with a booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Booked {
    /// The same share of every interval's arrivals, in [0, 1].
    Share(f64),
    /// Booked visitors per interval, one per interval of the forecast. Where bookings exceed
    /// the forecast, the forecast was too low: walk-ins are planned at zero, not below.
    Counts(Vec<f64>),
}

/// A split of workplaces between booked visitors and walk-ins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// Mean service time in seconds, the same for both streams.
    pub service_secs: f64,
    /// How many arrivals are booked.
    pub booked: Booked,
    /// The booked visitors' target, e.g. 90 % called within 300 s of their booked time.
    pub booked_target: Target,
    /// The walk-ins' target, e.g. 80 % called within 900 s of arriving.
    pub walk_in_target: Target,
    /// Mean patience in seconds of both streams; Erlang A with it, Erlang C without.
    #[serde(default)]
    pub patience_secs: Option<f64>,
    /// Share of paid time not available for service, in [0, 1).
    #[serde(default)]
    pub shrinkage: Option<f64>,
}

/// One interval of a booking split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitRow {
    /// Start of the interval, minutes after midnight.
    pub start_minute: u32,
    /// Booked visitors expected.
    pub booked: f64,
    /// Walk-ins expected.
    pub walk_ins: f64,
    /// Workplaces whose capacity is kept for booked visitors.
    pub booked_workplaces: u32,
    /// Workplaces kept for walk-ins.
    pub walk_in_workplaces: u32,
    /// Both together.
    pub total_workplaces: u32,
    /// Staff to schedule for the total after shrinkage (only with a shrinkage).
    pub scheduled: Option<u32>,
    /// Booked visitors' expected share within their target.
    pub booked_service_level: f64,
    /// Walk-ins' expected share within their target.
    pub walk_in_service_level: f64,
}

/// A day's booking split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitPlan {
    /// Interval length.
    pub interval: Interval,
    /// One row per interval.
    pub rows: Vec<SplitRow>,
}

/// Recommends per interval how many workplaces to keep for bookings and how many for walk-ins.
///
/// Each stream is sized separately against its own target, as if served by its own pool, and
/// the total is their sum. This is what a branch can actually run (workplaces assigned to
/// bookings or to walk-ins), and it errs on the safe side twice: a shared pool with priority
/// for bookings would need no more than the sum, and booked visitors arrive more evenly than
/// the Poisson stream the formula assumes, so they wait less than it predicts.
pub fn plan_booking_split(
    arrivals: &[IntervalCount],
    interval: Interval,
    request: &BookingRequest,
) -> Result<SplitPlan, PlanError> {
    check_queue_inputs(0.0, request.service_secs, 0.0, request.patience_secs)?;
    check_target("booked_target", &request.booked_target)?;
    check_target("walk_in_target", &request.walk_in_target)?;
    check_shrinkage(request.shrinkage)?;
    check_arrivals("arrivals", arrivals, interval)?;
    let booked: Vec<f64> = match &request.booked {
        Booked::Share(share) => {
            if !share.is_finite() || !(0.0..=1.0).contains(share) {
                return Err(PlanError::invalid(
                    "booked",
                    format!("the share must be from 0 to 1, not {share}"),
                ));
            }
            arrivals.iter().map(|a| a.count * share).collect()
        }
        Booked::Counts(counts) => {
            if counts.len() != arrivals.len() {
                return Err(PlanError::invalid(
                    "booked",
                    format!("{} counts for {} intervals", counts.len(), arrivals.len()),
                ));
            }
            if let Some(bad) = counts.iter().find(|c| !c.is_finite() || **c < 0.0) {
                return Err(PlanError::invalid(
                    "booked",
                    format!("counts must be finite and at least 0, not {bad}"),
                ));
            }
            counts.clone()
        }
    };
    let size = |count: f64, target: &Target| -> Result<(u32, f64), PlanError> {
        let queue = Queue {
            arrivals_per_hour: per_hour(count, interval),
            service_secs: request.service_secs,
            patience_secs: request.patience_secs,
        };
        let servers = queue.least_servers(target)?;
        Ok((
            servers,
            queue.performance(servers, target.target_secs).service_level,
        ))
    };
    let rows = arrivals
        .iter()
        .zip(&booked)
        .map(|(slot, &booked)| {
            let walk_ins = (slot.count - booked).max(0.0);
            let (booked_workplaces, booked_service_level) = size(booked, &request.booked_target)?;
            let (walk_in_workplaces, walk_in_service_level) =
                size(walk_ins, &request.walk_in_target)?;
            let total_workplaces = booked_workplaces + walk_in_workplaces;
            Ok(SplitRow {
                start_minute: slot.start_minute,
                booked,
                walk_ins,
                booked_workplaces,
                walk_in_workplaces,
                total_workplaces,
                scheduled: request
                    .shrinkage
                    .map(|s| scheduled_servers(total_workplaces, s))
                    .transpose()?,
                booked_service_level,
                walk_in_service_level,
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    Ok(SplitPlan { interval, rows })
}

impl SplitPlan {
    /// The split as CSV (RFC 4180: header row, CRLF line ends).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "start,booked,walk_ins,booked_workplaces,walk_in_workplaces,total_workplaces,\
             scheduled,booked_service_level,walk_in_service_level\r\n",
        );
        for row in &self.rows {
            let cells = [
                clock(row.start_minute),
                format!("{:.2}", row.booked),
                format!("{:.2}", row.walk_ins),
                row.booked_workplaces.to_string(),
                row.walk_in_workplaces.to_string(),
                row.total_workplaces.to_string(),
                optional(row.scheduled),
                format!("{:.4}", row.booked_service_level),
                format!("{:.4}", row.walk_in_service_level),
            ];
            push_record(&mut out, &cells);
        }
        out
    }
}

fn per_hour(count: f64, interval: Interval) -> f64 {
    count * 60.0 / f64::from(interval.minutes())
}

fn clock(start_minute: u32) -> String {
    format!("{:02}:{:02}", start_minute / 60, start_minute % 60)
}

fn optional(value: Option<u32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn push_record(out: &mut String, cells: &[String]) {
    let record: Vec<String> = cells.iter().map(|c| field(c)).collect();
    out.push_str(&record.join(","));
    out.push_str("\r\n");
}

fn check_optional_share(field: &'static str, value: Option<f64>) -> Result<(), PlanError> {
    match value {
        Some(v) if !v.is_finite() || !(0.0..=1.0).contains(&v) => Err(PlanError::invalid(
            field,
            format!("must be a share from 0 to 1, not {v}"),
        )),
        _ => Ok(()),
    }
}

fn check_shrinkage(value: Option<f64>) -> Result<(), PlanError> {
    match value {
        Some(v) if !v.is_finite() || !(0.0..1.0).contains(&v) => Err(PlanError::invalid(
            "shrinkage",
            format!("must be a share of at least 0 and below 1, not {v}"),
        )),
        _ => Ok(()),
    }
}

fn check_target(field: &'static str, target: &Target) -> Result<(), PlanError> {
    let inner = |e: PlanError| match e {
        PlanError::InvalidField {
            field: part,
            reason,
        } => PlanError::invalid(field, format!("{part} {reason}")),
        other => other,
    };
    check_queue_inputs(0.0, 1.0, target.target_secs, None).map_err(inner)?;
    check_level("level", target.level).map_err(inner)?;
    check_optional_share("max_abandon", target.max_abandon).map_err(inner)
}

/// Arrivals per interval must be counts, and at most what the queue formulas take per hour.
fn check_arrivals(
    field: &'static str,
    arrivals: &[IntervalCount],
    interval: Interval,
) -> Result<(), PlanError> {
    let bad_count = |a: &&IntervalCount| {
        !a.count.is_finite()
            || a.count < 0.0
            || check_queue_inputs(per_hour(a.count, interval), 1.0, 0.0, None).is_err()
    };
    if let Some(bad) = arrivals.iter().find(bad_count) {
        return Err(PlanError::invalid(
            field,
            format!(
                "the interval at {} has {} arrivals; counts must be finite, at least 0 and \
                 at most a million an hour",
                clock(bad.start_minute),
                bad.count
            ),
        ));
    }
    Ok(())
}
