//! Planning for those who staff branches: the Erlang formulas for one group of workplaces, a
//! forecast of a day's arrivals with its staffing plan, and the simulator on the real engine.
//!
//! The figures come from `talon-plan` and `talon-sim` unchanged; this module checks the
//! requests, bounds the work a request may ask for, and runs the heavy parts (the backtest that
//! picks a forecast model, the simulation) on a blocking thread with a deadline, one
//! simulation at a time.

use crate::app::App;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Query};
use crate::http::route::{Route, route};
use crate::policy::PLAN;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use talon_core::{BranchId, Event, EventKind, ProfileId, ServiceId};
use talon_plan::{
    CountRow, Date, DayCounts, ErlangQuery, Interval, NextDay, PlanError, StaffingPlan,
    StaffingRequest, aggregate, forecast_next_day, parse_counts, plan_staffing,
};
use talon_sim::{Arrivals, Model, Patience, PoissonStream, Shift, SimError, Summary, sample};
use tokio::sync::Semaphore;
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Vec<Route> {
    vec![
        route!(PLAN, erlang),
        route!(PLAN, plan).body_limit(PLAN_BODY_LIMIT),
        route!(PLAN, simulate).body_limit(SIMULATE_BODY_LIMIT),
    ]
}

/// A counts file of a year in 5-minute slots is under a megabyte.
const PLAN_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// A model with a recorded day of a large branch.
const SIMULATE_BODY_LIMIT: usize = 1024 * 1024;
/// Days the plan's answer carries as history for its chart.
const HISTORY_DAYS: usize = 15;
/// Days the backtest that picks the forecast model scores, at most.
const BACKTEST_DAYS: usize = 20;
/// The most replications one request may ask for.
pub const MAX_REPLICATIONS: u32 = 200;
/// The most visitors one replication may expect.
pub const MAX_VISITORS_PER_DAY: f64 = 5_000.0;
/// The most visitors all replications of a request may expect together.
pub const MAX_VISITORS_PER_REQUEST: f64 = 200_000.0;
/// How long the planning work of one request may take.
const WORK_DEADLINE: Duration = Duration::from_secs(20);

/// One heavy planning job at a time: the server's cores belong to its branches.
static HEAVY: Semaphore = Semaphore::const_new(1);

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        let (code, field) = match &e {
            PlanError::InvalidField { field, .. } => ("validation_failed", Some(field.to_string())),
            PlanError::Unreachable { .. } => ("target_unreachable", None),
            PlanError::Csv { .. } => ("invalid_csv", Some("csv".to_string())),
            PlanError::NotEnoughHistory(_) => ("not_enough_history", Some("csv".to_string())),
        };
        ApiError {
            field,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string())
        }
    }
}

impl From<SimError> for ApiError {
    fn from(e: SimError) -> Self {
        let field = match &e {
            SimError::Invalid { field, .. } => Some(format!("model.{field}")),
            SimError::Engine { .. } => Some("model.branch".to_string()),
        };
        ApiError {
            field,
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_model",
                e.to_string(),
            )
        }
    }
}

/// Runs `work` on a blocking thread, alone among heavy planning jobs, answering within the
/// deadline.
async fn heavy<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let busy = || ApiError {
        retry_after: Some(1),
        ..ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "planning_busy",
            "another planning job is running; try again in a moment",
        )
    };
    let permit = tokio::time::timeout(Duration::from_secs(2), HEAVY.acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    // The permit goes with the work: a job that outlives its deadline still holds it, so the
    // next one waits for it to end rather than running beside it.
    let job = tokio::task::spawn_blocking(move || {
        let _running = permit;
        work()
    });
    match tokio::time::timeout(WORK_DEADLINE, job).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(panicked)) => {
            tracing::error!(error = %panicked, "a planning job failed");
            Err(ApiError::internal())
        }
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "planning_timeout",
            "the planning job took too long; ask for less work",
        )),
    }
}

/// A question about one group of workplaces: give `servers` for how that many perform, or
/// `target_level` for the least that answer that share within `target_secs`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErlangRequest {
    /// Mean arrivals per hour.
    arrivals_per_hour: f64,
    /// Mean service time, seconds.
    service_secs: f64,
    /// The waiting norm, seconds.
    target_secs: f64,
    /// Workplaces to evaluate.
    servers: Option<u32>,
    /// Share of visitors to call within the norm, in (0, 1).
    target_level: Option<f64>,
    /// Mean patience, seconds: with it the model is Erlang A, without it Erlang C.
    patience_secs: Option<f64>,
    /// Share of paid time not available for service, in [0, 1).
    shrinkage: Option<f64>,
}

/// How a group of workplaces performs.
#[derive(Serialize, ToSchema)]
pub struct ErlangAnswer {
    /// The workplaces evaluated, or the least that reach the target level.
    servers: u32,
    /// Probability that a visitor has to wait.
    p_wait: f64,
    /// Mean wait over all visitors, seconds; null when the queue grows without bound.
    mean_wait_secs: Option<f64>,
    /// Share of visitors called within the norm.
    service_level: f64,
    /// Share of visitors who give up (with a patience only).
    #[serde(skip_serializing_if = "Option::is_none")]
    p_abandon: Option<f64>,
    /// Staff to schedule for these workplaces after shrinkage (with a shrinkage only).
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled: Option<u32>,
}

#[utoipa::path(
    post,
    path = "/api/v1/planning/erlang",
    tag = "planning",
    summary = "Erlang C or A for one group of workplaces",
    description = "Given `servers`, the figures for that many workplaces; given `target_level` \
        instead, the least workplaces whose service level reaches it. Exactly one of the two.",
    request_body = ErlangRequest,
    responses(
        (status = 200, description = "The figures.", body = ErlangAnswer),
        (status = 422, description = "A field is out of its domain, or both or neither of \
            `servers` and `target_level` are given. Codes: `validation_failed`, \
            `target_unreachable`.", body = ErrorBody),
    )
)]
pub async fn erlang(Json(request): Json<ErlangRequest>) -> Result<Response, ApiError> {
    let query = ErlangQuery {
        arrivals_per_hour: request.arrivals_per_hour,
        service_secs: request.service_secs,
        target_secs: request.target_secs,
        servers: request.servers,
        target_level: request.target_level,
        patience_secs: request.patience_secs,
        shrinkage: request.shrinkage,
    };
    let answer = query.answer()?;
    Ok(axum::Json(ErlangAnswer {
        servers: answer.servers,
        p_wait: answer.p_wait,
        mean_wait_secs: answer
            .mean_wait_secs
            .is_finite()
            .then_some(answer.mean_wait_secs),
        service_level: answer.service_level,
        p_abandon: answer.p_abandon,
        scheduled: answer.scheduled,
    })
    .into_response())
}

/// A day's forecast and staffing plan from a history of arrivals.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// The history as a counts file: a header, then one row per slot with an RFC 3339 time and
    /// a count (`timestamp,count`). Give either `csv` or `branch`.
    csv: Option<String>,
    /// A branch whose event log is the history: the tickets issued there, by local time.
    branch: Option<u64>,
    /// With `branch`: only the tickets of this service.
    service: Option<u64>,
    /// Interval length in minutes: 15, 30 or 60 (the default).
    #[serde(default = "sixty")]
    interval: u32,
    /// Mean service time, seconds.
    service_secs: f64,
    /// The waiting norm, seconds.
    target_secs: f64,
    /// Share of visitors to call within the norm, in (0, 1).
    target_level: f64,
    /// Mean patience, seconds: with it the plan uses Erlang A.
    patience_secs: Option<f64>,
    /// Largest acceptable share of visitors who give up.
    max_abandon: Option<f64>,
    /// Share of paid time not available for service, in [0, 1).
    shrinkage: Option<f64>,
    /// Days (holidays, outages) left out of the history, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    excluded: Vec<Date>,
}

fn sixty() -> u32 {
    60
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanFormat {
    /// `csv` for the plan as CSV; otherwise the `Accept` header decides, JSON by default.
    format: Option<String>,
}

/// One day of arrivals.
#[derive(Serialize, ToSchema)]
pub struct HistoryDay {
    /// `YYYY-MM-DD`.
    date: String,
    /// Arrivals per interval, in the order of the plan's intervals by start minute.
    counts: Vec<IntervalValue>,
}

#[derive(Serialize, ToSchema)]
pub struct IntervalValue {
    /// Start of the interval, minutes after midnight.
    start_minute: u32,
    count: f64,
}

/// How one forecast model did on the last days of the history.
#[derive(Serialize, ToSchema)]
pub struct ModelScore {
    model: String,
    /// Weighted absolute percentage error, percent.
    wape_percent: f64,
    /// Forecast minus actual over actual, percent.
    bias_percent: f64,
}

/// One interval of the plan.
#[derive(Serialize, ToSchema)]
pub struct PlanRow {
    /// Start of the interval, minutes after midnight.
    start_minute: u32,
    /// Forecast arrivals in the interval.
    arrivals: f64,
    /// Workplaces to keep open.
    required: u32,
    /// Staff to schedule after shrinkage (with a shrinkage only).
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled: Option<u32>,
    /// Expected share of visitors called within the norm.
    service_level: f64,
    p_wait: f64,
    /// Expected mean wait, seconds.
    mean_wait_secs: f64,
    /// Expected share who give up (with a patience only).
    #[serde(skip_serializing_if = "Option::is_none")]
    p_abandon: Option<f64>,
}

/// The forecast day, how the model was chosen, and the plan.
#[derive(Serialize, ToSchema)]
pub struct PlanAnswer {
    /// The day forecast and planned: the next day the history's weekdays open after its end.
    date: String,
    interval_minutes: u32,
    /// The model with the lowest WAPE on the last days of the history.
    model: String,
    /// Every model's backtest score.
    backtest: Vec<ModelScore>,
    /// The last days of the history, for a chart.
    history: Vec<HistoryDay>,
    rows: Vec<PlanRow>,
}

/// What the plan's work produces, before it is shaped for JSON or CSV.
struct Planned {
    next: NextDay,
    plan: StaffingPlan,
}

/// Slots the tickets of a branch's log are counted in, seconds.
const SLOT_SECS: i64 = 300;
/// Events read from a branch's log per page, and at most in all.
const LOG_PAGE: u32 = 10_000;
const MAX_LOG_EVENTS: usize = 2_000_000;

/// The tickets issued at `branch` (of `service`, if given) per 5-minute slot of local time, as
/// a counts file has them.
async fn branch_history(
    app: &App,
    branch: BranchId,
    service: Option<ServiceId>,
) -> Result<Vec<CountRow>, ApiError> {
    let zone = app
        .branch(branch)?
        .read(|state| state.settings().map(|s| s.time_zone.zone().clone()))
        .await?
        .ok_or_else(|| PlanError::NotEnoughHistory("the branch is not configured".into()))?;
    let mut slots: BTreeMap<i64, f64> = BTreeMap::new();
    let (mut after, mut read) = (0, 0);
    loop {
        let page = app.store.events_after(branch, after, LOG_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        read += page.len();
        if read > MAX_LOG_EVENTS {
            return Err(ApiError {
                field: Some("branch".into()),
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "history_too_large",
                    "the branch's log is too long to read here; export its counts as a CSV",
                )
            });
        }
        for logged in page.iter().filter(|e| e.kind == "ticket_issued") {
            let event: Event = serde_json::from_str(&logged.body).map_err(|e| {
                tracing::error!(error = %e, seq = logged.seq, "an event of the log does not parse");
                ApiError::internal()
            })?;
            let EventKind::TicketIssued { service: of, .. } = event.kind else {
                continue;
            };
            if service.is_some_and(|wanted| wanted != of) {
                continue;
            }
            let local = event.at.to_zoned(zone.clone()).datetime();
            let as_utc = local
                .to_zoned(TimeZone::UTC)
                .map_err(|_| ApiError::internal())?
                .timestamp()
                .as_second();
            *slots
                .entry(as_utc.div_euclid(SLOT_SECS) * SLOT_SECS)
                .or_default() += 1.0;
        }
    }
    // Every slot of the whole hours from a day's first ticket to its last, tickets or none, so
    // the slot length reads as 5 minutes and each hour with a ticket is a whole interval.
    let mut days: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for &start in slots.keys() {
        let span = days
            .entry(start.div_euclid(86_400))
            .or_insert((start, start));
        span.1 = start;
    }
    let mut rows = Vec::new();
    for (first, last) in days.into_values() {
        let from = first.div_euclid(3600) * 3600;
        let to = (last + SLOT_SECS).div_euclid(3600) * 3600
            + if (last + SLOT_SECS) % 3600 == 0 {
                0
            } else {
                3600
            };
        rows.extend(
            (from..to)
                .step_by(SLOT_SECS as usize)
                .map(|unix_secs| CountRow {
                    unix_secs,
                    count: slots.get(&unix_secs).copied().unwrap_or(0.0),
                }),
        );
    }
    Ok(rows)
}

fn make_plan(request: PlanRequest, rows: Vec<CountRow>) -> Result<Planned, ApiError> {
    let interval = Interval::from_minutes(request.interval)?;
    let staffing = StaffingRequest {
        service_secs: request.service_secs,
        target_secs: request.target_secs,
        target_level: request.target_level,
        patience_secs: request.patience_secs,
        max_abandon: request.max_abandon,
        shrinkage: request.shrinkage,
    };
    let series = aggregate(&rows, interval)?;
    let excluded: BTreeSet<Date> = request.excluded.into_iter().collect();
    let next = forecast_next_day(&series, BACKTEST_DAYS, &excluded)?;
    let plan = plan_staffing(&next.forecast.counts, interval, &staffing)?;
    Ok(Planned { next, plan })
}

fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> bool {
    match format {
        Some(f) => f.eq_ignore_ascii_case("csv"),
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("text/csv")),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/planning/plan",
    tag = "planning",
    summary = "Forecast a day's arrivals from a history and plan its workplaces",
    description = "The history is a counts file (`csv`) or a branch's own log (`branch`, and \
        `service` for one service's tickets: the tickets issued, by the branch's local time). \
        Backtests the forecast models on the last days of the history (one day ahead, \
        rolling origin), forecasts the next day with the best, and sizes each interval by \
        Erlang C (or A, with a patience). `?format=csv` or `Accept: text/csv` answers with the \
        plan as CSV.",
    params(PlanFormat),
    request_body = PlanRequest,
    responses(
        (status = 200, description = "The forecast and the plan.", content(
            (PlanAnswer = "application/json"),
            (String = "text/csv"),
        )),
        (status = 404, description = "No such branch. Codes: `branch_not_found`.",
            body = ErrorBody),
        (status = 422, description = "A field is out of its domain, the CSV cannot be read, the \
            history is too short or too long, or no staffing reaches the target. Codes: \
            `validation_failed`, `invalid_csv`, `not_enough_history`, `history_too_large`, \
            `target_unreachable`.", body = ErrorBody),
        (status = 503, description = "Another planning job is running, or this one took too \
            long. Codes: `planning_busy`, `planning_timeout`.", body = ErrorBody),
    )
)]
pub async fn plan(
    State(app): State<Arc<App>>,
    principal: Principal,
    Query(format): Query<PlanFormat>,
    headers: HeaderMap,
    Json(request): Json<PlanRequest>,
) -> Result<Response, ApiError> {
    let csv = wants_csv(format.format.as_deref(), &headers);
    let rows = match (&request.csv, request.branch) {
        (Some(text), None) => parse_counts(text)?,
        (None, Some(branch)) => {
            let branch = BranchId(branch);
            principal.require_branch(branch)?;
            branch_history(&app, branch, request.service.map(ServiceId)).await?
        }
        _ => {
            return Err(ApiError {
                field: Some("csv".into()),
                ..ApiError::invalid("give either csv or branch")
            });
        }
    };
    let planned = heavy(move || make_plan(request, rows)).await?;
    if csv {
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            planned.plan.to_csv(),
        )
            .into_response());
    }
    let values = |day: &DayCounts| {
        day.counts
            .iter()
            .map(|c| IntervalValue {
                start_minute: c.start_minute,
                count: c.count,
            })
            .collect()
    };
    Ok(axum::Json(PlanAnswer {
        date: planned.next.forecast.date.to_string(),
        interval_minutes: planned.plan.interval.minutes(),
        model: planned.next.report.chosen.clone(),
        backtest: planned
            .next
            .report
            .scores
            .iter()
            .map(|s| ModelScore {
                model: s.model.clone(),
                wape_percent: s.wape_percent,
                bias_percent: s.bias_percent,
            })
            .collect(),
        history: planned.next.history[planned.next.history.len().saturating_sub(HISTORY_DAYS)..]
            .iter()
            .map(|d| HistoryDay {
                date: d.date.to_string(),
                counts: values(d),
            })
            .collect(),
        rows: planned
            .plan
            .rows
            .iter()
            .map(|r| PlanRow {
                start_minute: r.start_minute,
                arrivals: r.arrivals,
                required: r.required,
                scheduled: r.scheduled,
                service_level: r.service_level,
                p_wait: r.p_wait,
                mean_wait_secs: r.mean_wait_secs,
                p_abandon: r.p_abandon,
            })
            .collect(),
    })
    .into_response())
}

/// A sample model: one queue of identical workplaces (M/M/c), or a bank branch with four
/// services, two categories and a profile of each policy.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Sample {
    Mmc {
        /// Workplaces, 1 to 50.
        servers: u64,
        /// Mean arrivals per hour.
        per_hour: f64,
        /// Mean service time, seconds (exponential).
        service_secs: f64,
        /// Hours of arrivals from midnight, 1 to 24.
        hours: usize,
        /// The waiting norm, seconds.
        target_secs: u32,
    },
    Bank {
        /// Workplaces, 1 to 50.
        workplaces: u64,
    },
}

impl Sample {
    fn model(self, field: &str) -> Result<Model, ApiError> {
        let invalid = |name: &str, reason: &str| ApiError {
            field: Some(format!("{field}.{name}")),
            ..ApiError::invalid(format!("{field}.{name}: {reason}"))
        };
        match self {
            Sample::Mmc {
                servers,
                per_hour,
                service_secs,
                hours,
                target_secs,
            } => {
                if !(1..=50).contains(&servers) {
                    return Err(invalid("servers", "must be 1 to 50"));
                }
                if !(1..=24).contains(&hours) {
                    return Err(invalid("hours", "must be 1 to 24"));
                }
                if !(per_hour.is_finite() && per_hour > 0.0) {
                    return Err(invalid("per_hour", "must be above 0"));
                }
                if !(service_secs.is_finite() && (1.0..=14_400.0).contains(&service_secs)) {
                    return Err(invalid("service_secs", "must be 1 to 14400 seconds"));
                }
                Ok(sample::mmc(
                    servers,
                    per_hour,
                    service_secs,
                    hours,
                    target_secs,
                ))
            }
            Sample::Bank { workplaces } => {
                if !(1..=50).contains(&workplaces) {
                    return Err(invalid("workplaces", "must be 1 to 50"));
                }
                Ok(sample::bank(workplaces))
            }
        }
    }
}

/// A day at a branch as it is configured now: its services, categories, profiles and
/// workplaces, with these arrivals and this many workplaces open.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchDay {
    /// The branch.
    branch: u64,
    /// The day simulated, `YYYY-MM-DD` (its weekday and holidays apply).
    #[schema(value_type = String)]
    date: jiff::civil::Date,
    /// Workplaces open, the branch's first ones by id (all by default).
    workplaces: Option<usize>,
    /// The profile they work by (the branch's first by default).
    profile: Option<u64>,
    /// When the workplaces open, seconds after the branch's midnight (9:00 by default).
    #[serde(default = "nine")]
    open_secs: f64,
    /// When they close (18:00 by default).
    #[serde(default = "eighteen")]
    close_secs: f64,
    /// Length of the arrival intervals, seconds (an hour by default); the first starts at
    /// `open_secs`.
    #[serde(default = "hour")]
    interval_secs: f64,
    /// Mean arrivals per hour of each service in each interval.
    arrivals: Vec<ServiceArrivals>,
}

/// One service's arrivals.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceArrivals {
    service: u64,
    /// Mean arrivals per hour in each interval.
    per_hour: Vec<f64>,
}

fn nine() -> f64 {
    9.0 * 3600.0
}

fn eighteen() -> f64 {
    18.0 * 3600.0
}

fn hour() -> f64 {
    3600.0
}

/// The model of `day` from its branch's live state, for its staff only.
async fn branch_model(
    app: &App,
    principal: &Principal,
    day: BranchDay,
    field: &'static str,
) -> Result<Model, ApiError> {
    let id = BranchId(day.branch);
    principal.require_branch(id)?;
    let invalid = |name: &str, reason: &str| ApiError {
        field: Some(format!("{field}.{name}")),
        ..ApiError::invalid(format!("{field}.{name}: {reason}"))
    };
    let branch = app
        .branch(id)?
        .read(|state| {
            let mut workplaces: Vec<_> = state.workplaces().map(|w| w.workplace.clone()).collect();
            workplaces.sort_by_key(|w| w.id);
            let mut profiles: Vec<_> = state.profiles().cloned().collect();
            profiles.sort_by_key(|p| p.id);
            Some(talon_sim::Branch {
                settings: state.settings()?.clone(),
                services: state.services().cloned().collect(),
                categories: state.categories().cloned().collect(),
                profiles,
                workplaces,
            })
        })
        .await?
        .ok_or_else(|| invalid("branch", "the branch is not configured"))?;
    let open = day.workplaces.unwrap_or(branch.workplaces.len());
    if open == 0 || open > branch.workplaces.len() {
        return Err(invalid(
            "workplaces",
            "must be 1 to the branch's workplaces",
        ));
    }
    let profile = match day.profile {
        Some(p) => ProfileId(p),
        None => branch
            .profiles
            .first()
            .map(|p| p.id)
            .ok_or_else(|| invalid("profile", "the branch has no work profile"))?,
    };
    let shifts = branch.workplaces[..open]
        .iter()
        .map(|w| Shift {
            workplace: w.id,
            operator: None,
            profile,
            open_secs: day.open_secs,
            close_secs: day.close_secs,
            breaks: Vec::new(),
        })
        .collect();
    Ok(Model {
        branch,
        date: day.date,
        shifts,
        arrivals: Arrivals::Poisson {
            start_secs: day.open_secs,
            interval_secs: day.interval_secs,
            streams: day
                .arrivals
                .into_iter()
                .map(|a| PoissonStream {
                    service: ServiceId(a.service),
                    category: None,
                    per_hour: a.per_hour,
                })
                .collect(),
        },
        service_times: Vec::new(),
        patience: Patience::default(),
        walk_secs: 0.0,
        report_interval_secs: 3600,
    })
}

/// A simulation: one configuration, or two on the same visitors (what-if).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// A whole model in talon-sim's JSON form (branch, date, shifts, arrivals, service times,
    /// patience). Give either `model` or `sample`.
    #[schema(value_type = Option<Object>)]
    model: Option<serde_json::Value>,
    sample: Option<Sample>,
    /// A branch's live configuration with a day's arrivals and staffing.
    branch: Option<BranchDay>,
    /// A second configuration to compare with the first on the same visitors.
    #[schema(value_type = Option<Object>)]
    what_if_model: Option<serde_json::Value>,
    what_if_sample: Option<Sample>,
    what_if_branch: Option<BranchDay>,
    /// Replications, 1 to 200 (default 20).
    #[serde(default = "twenty")]
    replications: u32,
    /// The seed: the same seed gives the same answer.
    #[serde(default)]
    seed: u64,
}

fn twenty() -> u32 {
    20
}

/// The simulation's summaries, each measure a mean over the replications with the half-width
/// of its 95% confidence interval.
#[derive(Serialize, ToSchema)]
pub struct SimulateAnswer {
    /// The configuration's summary (talon-sim's `Summary`): waits, service level overall and per
    /// interval, abandonment, throughput, utilisation per workplace.
    #[schema(value_type = Object)]
    summary: Summary,
    /// The what-if configuration's summary, on the same visitors.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    what_if: Option<Summary>,
    /// What-if minus the configuration, replication by replication.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    difference: Option<Summary>,
}

/// The model a request names by `model` or `sample` under the names `field` and
/// `field_sample`; `None` when it names neither.
fn chosen_model(
    model: Option<serde_json::Value>,
    sample: Option<Sample>,
    branch: Option<Model>,
    field: &str,
    sample_field: &str,
) -> Result<Option<Model>, ApiError> {
    let given = usize::from(model.is_some())
        + usize::from(sample.is_some())
        + usize::from(branch.is_some());
    if given > 1 {
        return Err(ApiError {
            field: Some(sample_field.to_string()),
            ..ApiError::invalid(format!("give one of {field}, {sample_field} and branch"))
        });
    }
    let model = match (model, sample, branch) {
        (_, _, Some(branch)) => branch,
        (None, None, None) => return Ok(None),
        (None, Some(sample), None) => sample.model(sample_field)?,
        (Some(value), _, None) => serde_path_to_error::deserialize(value).map_err(
            |e: serde_path_to_error::Error<_>| {
                let path = e.path().to_string();
                let mut error = ApiError::from(e.into_inner());
                error.field = Some(format!("{field}.{path}"));
                error
            },
        )?,
    };
    bound(&model, field)?;
    Ok(Some(model))
}

/// Visitors one replication of `model` expects.
fn expected_visitors(model: &Model) -> f64 {
    match &model.arrivals {
        Arrivals::Poisson {
            interval_secs,
            streams,
            ..
        } => {
            streams
                .iter()
                .flat_map(|s| &s.per_hour)
                .map(|rate| rate.max(0.0))
                .sum::<f64>()
                * interval_secs
                / 3600.0
        }
        Arrivals::Recorded { visitors } => visitors.len() as f64,
    }
}

/// Refuses a model whose day would be too much work.
fn bound(model: &Model, field: &str) -> Result<(), ApiError> {
    model.validate()?;
    let visitors = expected_visitors(model);
    if !visitors.is_finite() || visitors > MAX_VISITORS_PER_DAY {
        return Err(ApiError {
            field: Some(format!("{field}.arrivals")),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "simulation_too_large",
                format!("a day may expect at most {MAX_VISITORS_PER_DAY} visitors"),
            )
        });
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/api/v1/planning/simulate",
    tag = "planning",
    summary = "Simulate a branch's day on the real engine, or compare two configurations",
    description = "Runs the replications of the model (a talon-sim model, a sample, or a branch's \
        live configuration with a day's arrivals and open workplaces) from the seed; with a \
        what-if configuration, runs both on the same visitors (common random numbers) and \
        reports the differences. A day may expect at most 5,000 visitors, and all \
        replications together at most 200,000.",
    request_body = SimulateRequest,
    responses(
        (status = 200, description = "The summaries.", body = SimulateAnswer),
        (status = 404, description = "No such branch. Codes: `branch_not_found`.",
            body = ErrorBody),
        (status = 422, description = "The model does not hold together, the engine refuses \
            its branch, or it asks for too much work. Codes: `validation_failed`, \
            `invalid_model`, `simulation_too_large`.", body = ErrorBody),
        (status = 503, description = "Another planning job is running, or this one took too \
            long. Codes: `planning_busy`, `planning_timeout`.", body = ErrorBody),
    )
)]
pub async fn simulate(
    State(app): State<Arc<App>>,
    principal: Principal,
    Json(request): Json<SimulateRequest>,
) -> Result<Response, ApiError> {
    if !(1..=MAX_REPLICATIONS).contains(&request.replications) {
        return Err(ApiError {
            field: Some("replications".into()),
            ..ApiError::invalid(format!("replications: must be 1 to {MAX_REPLICATIONS}"))
        });
    }
    let branch = match request.branch {
        Some(day) => Some(branch_model(&app, &principal, day, "branch").await?),
        None => None,
    };
    let Some(model) = chosen_model(request.model, request.sample, branch, "model", "sample")?
    else {
        return Err(ApiError {
            field: Some("model".into()),
            ..ApiError::invalid("give one of model, sample and branch")
        });
    };
    let what_if_branch = match request.what_if_branch {
        Some(day) => Some(branch_model(&app, &principal, day, "what_if_branch").await?),
        None => None,
    };
    let what_if = chosen_model(
        request.what_if_model,
        request.what_if_sample,
        what_if_branch,
        "what_if_model",
        "what_if_sample",
    )?;
    let work = (expected_visitors(&model) + what_if.as_ref().map_or(0.0, expected_visitors))
        * f64::from(request.replications);
    if work > MAX_VISITORS_PER_REQUEST {
        return Err(ApiError {
            field: Some("replications".into()),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "simulation_too_large",
                format!(
                    "all replications together may expect at most {MAX_VISITORS_PER_REQUEST} \
                     visitors; ask for fewer replications"
                ),
            )
        });
    }
    let (replications, seed) = (request.replications, request.seed);
    let answer = heavy(move || match what_if {
        None => Ok(SimulateAnswer {
            summary: talon_sim::simulate(&model, replications, seed)?,
            what_if: None,
            difference: None,
        }),
        Some(other) => {
            let comparison = talon_sim::compare(&model, &other, replications, seed)?;
            Ok(SimulateAnswer {
                summary: comparison.a,
                what_if: Some(comparison.b),
                difference: Some(comparison.difference),
            })
        }
    })
    .await?;
    Ok(axum::Json(answer).into_response())
}
