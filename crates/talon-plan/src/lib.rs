//! Talon's planning tools: queueing formulas, arrival forecasts with a backtest, and staffing
//! plans built from the two.
//!
//! Everything here is pure and deterministic: no I/O, no clock. The server answers with these
//! types (`POST /api/v1/planning/erlang`) and the command line prints them (`talon plan erlang`,
//! `talon plan backtest`), so every answer, plan and report is serde-serialisable.
//!
//! - [`erlang`]: Erlang B, C and A, the least servers for a target, shrinkage, and the
//!   [`ErlangQuery`] → [`ErlangAnswer`] pair.
//! - [`forecast`]: reading counts from CSV, totalling them per interval, one-day-ahead models
//!   and a rolling-origin backtest ([`backtest_csv`], [`BacktestReport::lines`]).
//! - [`staffing`]: workplaces per interval for a forecast day ([`plan_staffing`]) and the split
//!   between booked visitors and walk-ins ([`plan_booking_split`]).

mod calendar;
mod csv;
pub mod erlang;
mod error;
pub mod forecast;
mod special;
pub mod staffing;

pub use calendar::{Date, Weekday};
pub use erlang::{
    ErlangAnswer, ErlangQuery, MAX_SERVERS, Performance, Queue, Target, erlang_b, erlang_c,
    erlang_c_wait_quantile_secs, scheduled_servers,
};
pub use error::PlanError;
pub use forecast::{
    BacktestOptions, BacktestReport, CountRow, DayCounts, DayForecast, ForecastModel, Interval,
    IntervalCount, ModelScore, NextDay, Series, aggregate, backtest, backtest_csv, default_models,
    forecast_next_day, parse_counts,
};
pub use staffing::{
    Booked, BookingRequest, SplitPlan, SplitRow, StaffingPlan, StaffingRequest, StaffingRow,
    plan_booking_split, plan_staffing,
};
