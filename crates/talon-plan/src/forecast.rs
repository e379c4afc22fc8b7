//! Arrival forecasts for one series: reading counts from CSV, totalling them per interval of a
//! day, predicting a whole next day with a few models, and a rolling-origin backtest that
//! scores the models and picks the best.
//!
//! Every model predicts one day from the days before it only. Days missing from the series on
//! a weekday it usually has (and days passed as excluded) are taken as closures: they are left
//! out of fitting and scoring, and the day after one is known to carry the calls that could not
//! be made on it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, Weekday, local_day_and_second, parse_rfc3339};
use crate::csv::split_line;
use crate::error::PlanError;

/// One row of a counts file: how many arrived in the slot starting at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CountRow {
    /// Start of the slot, seconds since 1970-01-01T00:00:00Z.
    pub unix_secs: i64,
    /// Arrivals in the slot.
    pub count: f64,
}

const TIME_COLUMNS: [&str; 6] = ["timestamp", "datetime", "date_time", "time", "ts", "start"];
const COUNT_COLUMNS: [&str; 6] = ["count", "calls", "arrivals", "value", "n", "visitors"];

/// Reads a counts file: a header, then one row per slot with an RFC 3339 time and a count.
///
/// The time and count columns are found by name (`timestamp`, `datetime`, … and `count`,
/// `calls`, …, in any case), or else, in a file of just two columns, by position. Errors name
/// the line, counting the header as line 1.
pub fn parse_counts(text: &str) -> Result<Vec<CountRow>, PlanError> {
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, line)| !line.trim().is_empty());
    let (header_line, header) = lines.next().ok_or(PlanError::Csv {
        line: 1,
        reason: "the file is empty; expected a header such as timestamp,count".to_owned(),
    })?;
    let header = split_line(header).map_err(|reason| PlanError::Csv {
        line: header_line,
        reason,
    })?;
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
    let (time_at, count_at) = match (find(&TIME_COLUMNS), find(&COUNT_COLUMNS)) {
        (Some(t), Some(c)) => (t, c),
        _ if names.len() == 2 => (0, 1),
        _ => {
            return Err(PlanError::Csv {
                line: header_line,
                reason: format!(
                    "no time and count columns: name them (time: one of {}; count: one of {}) \
                     or give just two columns",
                    TIME_COLUMNS.join(", "),
                    COUNT_COLUMNS.join(", ")
                ),
            });
        }
    };
    let mut rows = Vec::new();
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    for (line, text) in lines {
        let csv_error = |reason: String| PlanError::Csv { line, reason };
        let fields = split_line(text).map_err(csv_error)?;
        if fields.len() != header.len() {
            return Err(csv_error(format!(
                "{} fields where the header has {}",
                fields.len(),
                header.len()
            )));
        }
        let unix_secs = parse_rfc3339(fields[time_at].trim()).map_err(csv_error)?;
        let raw = fields[count_at].trim();
        let count: f64 = raw
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite() && *c >= 0.0)
            .ok_or_else(|| csv_error(format!("count {raw:?} is not a number of at least 0")))?;
        if let Some(first) = seen.insert(unix_secs, line) {
            return Err(csv_error(format!(
                "the time {} repeats line {first}",
                fields[time_at].trim()
            )));
        }
        rows.push(CountRow { unix_secs, count });
    }
    Ok(rows)
}

/// The length of the intervals a day is cut into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub enum Interval {
    /// 15 minutes.
    Minutes15,
    /// 30 minutes.
    Minutes30,
    /// 60 minutes.
    Minutes60,
}

impl Interval {
    /// The interval of that many minutes (15, 30 or 60).
    pub fn from_minutes(minutes: u32) -> Result<Interval, PlanError> {
        match minutes {
            15 => Ok(Interval::Minutes15),
            30 => Ok(Interval::Minutes30),
            60 => Ok(Interval::Minutes60),
            _ => Err(PlanError::invalid(
                "interval",
                format!("must be 15, 30 or 60 minutes, not {minutes}"),
            )),
        }
    }

    /// Its length in minutes.
    pub fn minutes(self) -> u32 {
        match self {
            Interval::Minutes15 => 15,
            Interval::Minutes30 => 30,
            Interval::Minutes60 => 60,
        }
    }
}

impl TryFrom<u32> for Interval {
    type Error = PlanError;

    fn try_from(minutes: u32) -> Result<Interval, PlanError> {
        Interval::from_minutes(minutes)
    }
}

impl From<Interval> for u32 {
    fn from(interval: Interval) -> u32 {
        interval.minutes()
    }
}

/// Arrivals in one interval of a day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalCount {
    /// Start of the interval, in minutes after the day's midnight.
    pub start_minute: u32,
    /// Arrivals in it (a mean, for a forecast).
    pub count: f64,
}

/// One day of a series, intervals in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayCounts {
    /// The local date.
    pub date: Date,
    /// Arrivals per interval, ascending by start.
    pub counts: Vec<IntervalCount>,
}

impl DayCounts {
    /// Arrivals over the whole day.
    pub fn total(&self) -> f64 {
        self.counts.iter().map(|c| c.count).sum()
    }
}

/// A series of days cut into intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The interval length.
    pub interval: Interval,
    /// The days with data, ascending.
    pub days: Vec<DayCounts>,
}

/// Totals rows per interval of their local day.
///
/// The rows' own slot length is the shortest gap between two rows of one day (or the interval,
/// when no day has two rows) and must divide the interval. An interval is kept only when the
/// day's rows cover it from start to end: the last 5-minute slot of a day that closes at 21:00
/// would otherwise make an hour 21:00–22:00 with a twelfth of its arrivals, which would read as
/// a quiet hour to a forecast and to a staffing plan. Slots without a row inside the covered
/// span count as no arrivals.
pub fn aggregate(rows: &[CountRow], interval: Interval) -> Result<Series, PlanError> {
    let interval_secs = interval.minutes() * 60;
    let mut by_day: BTreeMap<Date, BTreeMap<u32, f64>> = BTreeMap::new();
    for row in rows {
        let (date, second) = local_day_and_second(row.unix_secs);
        *by_day.entry(date).or_default().entry(second).or_default() += row.count;
    }
    let slot_secs = by_day
        .values()
        .flat_map(|slots| slots.keys().zip(slots.keys().skip(1)).map(|(a, b)| b - a))
        .min()
        .unwrap_or(interval_secs);
    if !interval_secs.is_multiple_of(slot_secs) {
        return Err(PlanError::invalid(
            "interval",
            format!(
                "the rows come every {slot_secs} s, which does not divide {} minutes",
                interval.minutes()
            ),
        ));
    }
    let mut days = Vec::new();
    for (date, slots) in by_day {
        let (Some(first), Some(last)) = (slots.keys().next(), slots.keys().next_back()) else {
            continue;
        };
        let covered_from = *first;
        let covered_to = last + slot_secs;
        let mut buckets: BTreeMap<u32, f64> = BTreeMap::new();
        let mut start = covered_from.div_ceil(interval_secs) * interval_secs;
        while start + interval_secs <= covered_to {
            buckets.insert(start, 0.0);
            start += interval_secs;
        }
        for (second, count) in slots {
            let bucket = second / interval_secs * interval_secs;
            if let Some(total) = buckets.get_mut(&bucket) {
                *total += count;
            }
        }
        if buckets.is_empty() {
            continue;
        }
        days.push(DayCounts {
            date,
            counts: buckets
                .into_iter()
                .map(|(second, count)| IntervalCount {
                    start_minute: second / 60,
                    count,
                })
                .collect(),
        });
    }
    Ok(Series { interval, days })
}

/// A forecasting model. Each predicts every interval of one day from the days before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastModel {
    /// The same weekday one week earlier (the latest earlier day of that weekday).
    SeasonalNaive,
    /// The mean of the last `weeks` days of the same weekday.
    WeekdayMean {
        /// How many same weekdays to average.
        weeks: usize,
    },
    /// A smoothed daily level times a weekday factor, with an uplift for the first day after
    /// a closure, spread over the day by the recent intraday profile of the same weekday. Its
    /// two smoothing constants are tuned on the history before each forecast day only.
    LevelProfile,
    /// The mean of the `level_profile` and `weekday_mean_4` forecasts.
    Blend,
}

/// The models a backtest compares unless told otherwise.
pub fn default_models() -> Vec<ForecastModel> {
    vec![
        ForecastModel::SeasonalNaive,
        ForecastModel::WeekdayMean { weeks: 4 },
        ForecastModel::LevelProfile,
        ForecastModel::Blend,
    ]
}

/// A forecast of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayForecast {
    /// The day forecast.
    pub date: Date,
    /// The model's name.
    pub model: String,
    /// Expected arrivals per interval.
    pub counts: Vec<IntervalCount>,
}

impl ForecastModel {
    /// The name used in reports: `seasonal_naive`, `weekday_mean_<weeks>`, `level_profile`,
    /// `blend`.
    pub fn name(&self) -> String {
        match self {
            ForecastModel::SeasonalNaive => "seasonal_naive".to_owned(),
            ForecastModel::WeekdayMean { weeks } => format!("weekday_mean_{weeks}"),
            ForecastModel::LevelProfile => "level_profile".to_owned(),
            ForecastModel::Blend => "blend".to_owned(),
        }
    }

    /// Forecasts `target` from `history`: days ascending, all before `target`, closures and
    /// excluded days already left out. `target` is taken to be the next day the service opens
    /// after the last day of the history.
    pub fn forecast(&self, history: &[DayCounts], target: Date) -> Result<DayForecast, PlanError> {
        if history.windows(2).any(|w| w[0].date >= w[1].date) {
            return Err(PlanError::invalid(
                "history",
                "days must be in ascending order, each once",
            ));
        }
        if history.last().is_some_and(|day| day.date >= target) {
            return Err(PlanError::invalid(
                "history",
                format!("must end before the day forecast, {target}"),
            ));
        }
        let counts = match self {
            ForecastModel::SeasonalNaive => weekday_mean(history, target, 1)?,
            ForecastModel::WeekdayMean { weeks } => {
                if *weeks == 0 {
                    return Err(PlanError::invalid("weeks", "must be at least 1"));
                }
                weekday_mean(history, target, *weeks)?
            }
            ForecastModel::LevelProfile => level_profile(history, target)?,
            ForecastModel::Blend => {
                let level = level_profile(history, target)?;
                let mean = weekday_mean(history, target, 4)?;
                mean_of_profiles(&[&level, &mean], &[1.0, 1.0])
            }
        };
        Ok(DayForecast {
            date: target,
            model: self.name(),
            counts,
        })
    }
}

fn same_weekday(
    history: &[DayCounts],
    weekday: Weekday,
) -> impl DoubleEndedIterator<Item = &DayCounts> {
    history
        .iter()
        .filter(move |day| day.date.weekday() == weekday)
}

fn weekday_mean(
    history: &[DayCounts],
    target: Date,
    weeks: usize,
) -> Result<Vec<IntervalCount>, PlanError> {
    let days: Vec<&[IntervalCount]> = same_weekday(history, target.weekday())
        .rev()
        .take(weeks)
        .map(|day| day.counts.as_slice())
        .collect();
    if days.is_empty() {
        return Err(no_same_weekday(target));
    }
    Ok(mean_of_profiles(&days, &vec![1.0; days.len()]))
}

fn no_same_weekday(target: Date) -> PlanError {
    PlanError::NotEnoughHistory(format!(
        "no {:?} before {target} to forecast it from",
        target.weekday()
    ))
}

/// The weighted mean, interval by interval, of several days' counts; an interval missing from
/// a day counts as no arrivals.
fn mean_of_profiles(days: &[&[IntervalCount]], weights: &[f64]) -> Vec<IntervalCount> {
    let mut sums: BTreeMap<u32, f64> = BTreeMap::new();
    let total_weight: f64 = weights.iter().sum();
    for (day, weight) in days.iter().zip(weights) {
        for c in day.iter() {
            *sums.entry(c.start_minute).or_default() += weight * c.count;
        }
    }
    sums.into_iter()
        .map(|(start_minute, sum)| IntervalCount {
            start_minute,
            count: sum / total_weight,
        })
        .collect()
}

// The level-profile model.
//
// Daily totals follow `total = level × factor[weekday]`, a multiplicative Holt–Winters model
// without trend on the days the service opens. After each day the level and that weekday's
// factor move towards what the day showed, by `alpha` and `gamma`; a day more than
// `OUTLIER_CAP` off its forecast moves them only as far as the cap, so one outage or one
// campaign does not drag the next weeks along. The first day after a closure is neither learnt
// from nor forecast like the others: it gets the mean uplift the earlier such days showed over
// their forecasts. The day's total is then spread over its intervals by the mean share each
// interval had on the last `PROFILE_WEEKS` ordinary days of the same weekday.
//
// `alpha` and `gamma` are chosen afresh for every forecast, by the one-day-ahead error on
// daily totals over the last `TUNING_DAYS` days of its own history, so nothing after the day
// forecast is ever seen. The cap, the profile length, the tuning window and the grids are
// fixed in advance.
const LEVEL_ALPHAS: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const FACTOR_GAMMAS: [f64; 6] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
const DEFAULT_ALPHA: f64 = 0.5;
const DEFAULT_GAMMA: f64 = 0.2;
const OUTLIER_CAP: f64 = 0.15;
const PROFILE_WEEKS: usize = 8;
const TUNING_DAYS: usize = 60;
/// Calendar days at the start of the history that set the first level and factors.
const WARM_UP_DAYS: i64 = 28;

/// One day as the level model sees it.
struct DayTotal {
    weekday: Weekday,
    total: f64,
    after_closure: bool,
}

/// Whether a day the service usually opens lies strictly between `before` and `date`.
fn closure_between(before: Date, date: Date, open_weekdays: &[bool; 7]) -> bool {
    let gap = date.days_since_epoch() - before.days_since_epoch();
    (1..gap).any(|k| open_weekdays[before.plus_days(k).weekday().index()])
}

struct LevelRun {
    /// Forecast of the day after the history.
    next: f64,
    /// Absolute errors and actual totals of the one-day-ahead forecasts after the warm-up.
    errors: Vec<(f64, f64)>,
}

fn run_level(
    days: &[DayTotal],
    warm_up: usize,
    target: &DayTotal,
    alpha: f64,
    gamma: f64,
) -> LevelRun {
    let start = &days[..warm_up];
    let mut level = start.iter().map(|d| d.total).sum::<f64>() / start.len() as f64;
    let mut factor = [1.0_f64; 7];
    if level > 0.0 {
        let mut sums = [0.0_f64; 7];
        let mut counts = [0usize; 7];
        for day in start {
            sums[day.weekday.index()] += day.total / level;
            counts[day.weekday.index()] += 1;
        }
        for w in 0..7 {
            if counts[w] > 0 {
                factor[w] = sums[w] / counts[w] as f64;
            }
        }
    }
    let (mut uplift_sum, mut uplifts) = (0.0_f64, 0usize);
    let mut errors = Vec::with_capacity(days.len().saturating_sub(warm_up));
    for day in &days[warm_up..] {
        let w = day.weekday.index();
        let expected = level * factor[w];
        if day.after_closure {
            if uplifts > 0 {
                errors.push((
                    (day.total - expected * uplift_sum / uplifts as f64).abs(),
                    day.total,
                ));
            }
            if expected > 0.0 {
                uplift_sum += day.total / expected;
                uplifts += 1;
            }
            continue;
        }
        errors.push(((day.total - expected).abs(), day.total));
        if expected <= 0.0 {
            if factor[w] > 0.0 {
                level = day.total / factor[w];
            }
            continue;
        }
        let capped = expected * (day.total / expected).clamp(1.0 - OUTLIER_CAP, 1.0 + OUTLIER_CAP);
        if factor[w] > 0.0 {
            level = alpha * capped / factor[w] + (1.0 - alpha) * level;
        }
        if level > 0.0 {
            factor[w] = gamma * capped / level + (1.0 - gamma) * factor[w];
        }
    }
    let mut next = level * factor[target.weekday.index()];
    if target.after_closure && uplifts > 0 {
        next *= uplift_sum / uplifts as f64;
    }
    LevelRun { next, errors }
}

fn level_profile(history: &[DayCounts], target: Date) -> Result<Vec<IntervalCount>, PlanError> {
    let mut open_weekdays = [false; 7];
    for day in history {
        open_weekdays[day.date.weekday().index()] = true;
    }
    if !open_weekdays[target.weekday().index()] {
        return Err(no_same_weekday(target));
    }
    let days: Vec<DayTotal> = history
        .iter()
        .enumerate()
        .map(|(i, day)| DayTotal {
            weekday: day.date.weekday(),
            total: day.total(),
            after_closure: i > 0 && closure_between(history[i - 1].date, day.date, &open_weekdays),
        })
        .collect();
    let last = history[history.len() - 1].date;
    let next = DayTotal {
        weekday: target.weekday(),
        total: 0.0,
        after_closure: closure_between(last, target, &open_weekdays),
    };
    let first = history[0].date;
    let warm_up = history
        .iter()
        .take_while(|day| day.date.days_since_epoch() - first.days_since_epoch() < WARM_UP_DAYS)
        .count();

    let mut best: Option<(f64, f64)> = None;
    let mut best_error = f64::INFINITY;
    for &alpha in &LEVEL_ALPHAS {
        for &gamma in &FACTOR_GAMMAS {
            let run = run_level(&days, warm_up, &next, alpha, gamma);
            let recent = &run.errors[run.errors.len().saturating_sub(TUNING_DAYS)..];
            let actual: f64 = recent.iter().map(|e| e.1).sum();
            if actual <= 0.0 {
                continue;
            }
            let error = recent.iter().map(|e| e.0).sum::<f64>() / actual;
            if error < best_error {
                best_error = error;
                best = Some((alpha, gamma));
            }
        }
    }
    let (alpha, gamma) = best.unwrap_or((DEFAULT_ALPHA, DEFAULT_GAMMA));
    let total = run_level(&days, warm_up, &next, alpha, gamma).next;

    let ordinary: Vec<&[IntervalCount]> = history
        .iter()
        .zip(&days)
        .rev()
        .filter(|(day, d)| {
            day.date.weekday() == target.weekday() && !d.after_closure && d.total > 0.0
        })
        .take(PROFILE_WEEKS)
        .map(|(day, _)| day.counts.as_slice())
        .collect();
    let shares = if ordinary.is_empty() {
        let any: Vec<&[IntervalCount]> = same_weekday(history, target.weekday())
            .rev()
            .take(PROFILE_WEEKS)
            .map(|day| day.counts.as_slice())
            .collect();
        profile_shares(&any)
    } else {
        profile_shares(&ordinary)
    };
    Ok(shares
        .into_iter()
        .map(|c| IntervalCount {
            start_minute: c.start_minute,
            count: total * c.count,
        })
        .collect())
}

/// The mean share of the day's arrivals in each interval; days without arrivals say nothing
/// about the shape and are left out (when every day is empty the shares are all zero).
fn profile_shares(days: &[&[IntervalCount]]) -> Vec<IntervalCount> {
    let normalised: Vec<Vec<IntervalCount>> = days
        .iter()
        .filter_map(|day| {
            let total: f64 = day.iter().map(|c| c.count).sum();
            (total > 0.0).then(|| {
                day.iter()
                    .map(|c| IntervalCount {
                        start_minute: c.start_minute,
                        count: c.count / total,
                    })
                    .collect()
            })
        })
        .collect();
    if normalised.is_empty() {
        let empty: Vec<&[IntervalCount]> = days.to_vec();
        return mean_of_profiles(&empty, &vec![1.0; empty.len()]);
    }
    let slices: Vec<&[IntervalCount]> = normalised.iter().map(Vec::as_slice).collect();
    mean_of_profiles(&slices, &vec![1.0; slices.len()])
}

/// How one model did in a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    /// The model's name.
    pub model: String,
    /// Weighted absolute percentage error, `Σ|y − ŷ| / Σy`, in percent.
    pub wape_percent: f64,
    /// Bias, `Σ(ŷ − y) / Σy`, in percent: positive when the model forecast too many.
    pub bias_percent: f64,
}

/// The result of a rolling-origin backtest of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// The interval length the series was cut into.
    pub interval: Interval,
    /// The days forecast and scored, ascending.
    pub days: Vec<Date>,
    /// One score per model, in the order the models were given.
    pub scores: Vec<ModelScore>,
    /// The model with the lowest WAPE (the first of equals).
    pub chosen: String,
}

impl BacktestReport {
    /// The lines `talon plan backtest` prints: `model=<name> wape=<percent> bias=<percent>` for
    /// each model, two decimals, then `chosen=<name>`.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .scores
            .iter()
            .map(|s| {
                format!(
                    "model={} wape={} bias={}",
                    s.model,
                    two_decimals(s.wape_percent),
                    two_decimals(s.bias_percent)
                )
            })
            .collect();
        lines.push(format!("chosen={}", self.chosen));
        lines
    }
}

/// Two decimals, without the `-0.00` a tiny negative number would print as.
fn two_decimals(value: f64) -> String {
    let text = format!("{value:.2}");
    if text == "-0.00" {
        "0.00".to_owned()
    } else {
        text
    }
}

/// What a backtest of a counts file is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestOptions {
    /// Interval length (default 60 minutes).
    pub interval: Interval,
    /// How many of the last days to forecast and score (default 20).
    pub days: usize,
    /// Days (holidays, outages) left out of fitting and scoring.
    pub excluded: BTreeSet<Date>,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            interval: Interval::Minutes60,
            days: 20,
            excluded: BTreeSet::new(),
        }
    }
}

/// The next day to plan, forecast by the model the backtest found best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextDay {
    /// The backtest of [`default_models`] on the last days of the history.
    pub report: BacktestReport,
    /// The chosen model's forecast of the next day the history's weekdays open after its end.
    pub forecast: DayForecast,
    /// The days the models learnt from: the series without the excluded days, ascending.
    pub history: Vec<DayCounts>,
}

/// Backtests [`default_models`] on the last `days` days of `series` (fewer when the series is
/// short: at most half of it), then forecasts the next open day (the first day after the
/// series whose weekday has data in it) with the best of them from the whole history.
pub fn forecast_next_day(
    series: &Series,
    days: usize,
    excluded: &BTreeSet<Date>,
) -> Result<NextDay, PlanError> {
    let history: Vec<DayCounts> = series
        .days
        .iter()
        .filter(|day| !excluded.contains(&day.date))
        .cloned()
        .collect();
    let Some(last) = history.last().map(|day| day.date) else {
        return Err(PlanError::NotEnoughHistory("the history has no day".into()));
    };
    let scored = days.min(history.len() / 2).max(1);
    let report = backtest(series, &default_models(), scored, excluded)?;
    let model = default_models()
        .into_iter()
        .find(|m| m.name() == report.chosen)
        .unwrap_or(ForecastModel::WeekdayMean { weeks: 4 });
    let open: BTreeSet<usize> = history.iter().map(|d| d.date.weekday().index()).collect();
    let date = (1..=7)
        .map(|n| last.plus_days(n))
        .find(|d| open.contains(&d.weekday().index()))
        .unwrap_or_else(|| last.plus_days(1));
    let forecast = model.forecast(&history, date)?;
    Ok(NextDay {
        report,
        forecast,
        history,
    })
}

/// Backtests [`default_models`] on a counts file's text, as `talon plan backtest` does.
pub fn backtest_csv(text: &str, options: &BacktestOptions) -> Result<BacktestReport, PlanError> {
    let rows = parse_counts(text)?;
    let series = aggregate(&rows, options.interval)?;
    backtest(&series, &default_models(), options.days, &options.excluded)
}

/// Rolling-origin backtest: each of the last `days` days of the series (after leaving out the
/// excluded ones) is forecast by every model from all the days before it, and scored over its
/// intervals (an interval only one side has counts as zero on the other).
pub fn backtest(
    series: &Series,
    models: &[ForecastModel],
    days: usize,
    excluded: &BTreeSet<Date>,
) -> Result<BacktestReport, PlanError> {
    if models.is_empty() {
        return Err(PlanError::invalid("models", "name at least one model"));
    }
    if days == 0 {
        return Err(PlanError::invalid("days", "must be at least 1"));
    }
    let kept: Vec<DayCounts> = series
        .days
        .iter()
        .filter(|day| !excluded.contains(&day.date))
        .cloned()
        .collect();
    if kept.len() <= days {
        return Err(PlanError::NotEnoughHistory(format!(
            "{} days left after exclusions; a backtest of {days} days needs more",
            kept.len()
        )));
    }
    let first_scored = kept.len() - days;
    let mut scores = Vec::with_capacity(models.len());
    for model in models {
        let (mut absolute, mut signed, mut actual) = (0.0, 0.0, 0.0);
        for i in first_scored..kept.len() {
            let forecast = model.forecast(&kept[..i], kept[i].date)?;
            let mut predicted: BTreeMap<u32, f64> = forecast
                .counts
                .iter()
                .map(|c| (c.start_minute, c.count))
                .collect();
            for c in &kept[i].counts {
                let p = predicted.remove(&c.start_minute).unwrap_or(0.0);
                absolute += (c.count - p).abs();
                signed += p - c.count;
                actual += c.count;
            }
            for p in predicted.values() {
                absolute += p.abs();
                signed += p;
            }
        }
        if actual <= 0.0 {
            return Err(PlanError::NotEnoughHistory(
                "the days scored have no arrivals, so no relative error exists".to_owned(),
            ));
        }
        scores.push(ModelScore {
            model: model.name(),
            wape_percent: 100.0 * absolute / actual,
            bias_percent: 100.0 * signed / actual,
        });
    }
    let chosen = scores
        .iter()
        .fold(None::<&ModelScore>, |best, s| match best {
            Some(b) if b.wape_percent <= s.wape_percent => Some(b),
            _ => Some(s),
        })
        .map(|s| s.model.clone())
        .unwrap_or_default();
    Ok(BacktestReport {
        interval: series.interval,
        days: kept[first_scored..].iter().map(|d| d.date).collect(),
        scores,
        chosen,
    })
}
