//! What a simulation is run on: the branch as the engine knows it, the day's staff, the
//! visitors who come and how long they take and wait. Every type is serde, so a server can
//! take a model as JSON. Times of day are seconds elapsed since the branch-local midnight of
//! `date`: on a day the clocks change they are an hour off the wall clock after the change,
//! and a model of such a day says so in its times.

use crate::error::SimError;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use talon_core::{
    BranchSettings, Category, CategoryId, OperatorId, ProfileId, Service, ServiceId, WorkProfile,
    Workplace, WorkplaceId,
};

/// The longest span a model may cover: two days, so a late shift may run past midnight.
pub const MAX_SECS: f64 = 2.0 * 86_400.0;

/// The coefficient of variation of a service's time when the model gives none: bank counters
/// measure between 0.5 and 1; this lies between, so queues are neither flattered nor
/// exaggerated.
pub const DEFAULT_CV: f64 = 0.7;

/// A whole simulation input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub branch: Branch,
    /// The simulated business day, read in the branch's time zone (weekday, hours, holidays).
    pub date: Date,
    /// Who works where and when.
    pub shifts: Vec<Shift>,
    pub arrivals: Arrivals,
    /// The service time of each service; a service without one takes a log-normal time with
    /// its service norm as the mean and [`DEFAULT_CV`].
    #[serde(default)]
    pub service_times: Vec<ServiceTime>,
    #[serde(default)]
    pub patience: Patience,
    /// From the call to the start of the service: the visitor's walk to the counter.
    #[serde(default)]
    pub walk_secs: f64,
    /// The length of the intervals the service level is reported by, counted by arrival.
    #[serde(default = "default_report_interval")]
    pub report_interval_secs: u32,
}

fn default_report_interval() -> u32 {
    3600
}

/// The branch's configuration, in the engine's own types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub settings: BranchSettings,
    pub services: Vec<Service>,
    #[serde(default)]
    pub categories: Vec<Category>,
    pub profiles: Vec<WorkProfile>,
    pub workplaces: Vec<Workplace>,
}

/// An operator's time at one workplace with one work profile. The operator opens at `open_secs`
/// and calls the next visitor as soon as they are free; at a break or at `close_secs` they
/// first finish the visitor they have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    pub workplace: WorkplaceId,
    /// The operator; the workplace's own number when absent.
    #[serde(default)]
    pub operator: Option<OperatorId>,
    pub profile: ProfileId,
    pub open_secs: f64,
    pub close_secs: f64,
    #[serde(default)]
    pub breaks: Vec<Break>,
}

/// A pause within a shift. It begins once the visitor at the workplace is finished and ends at
/// `to_secs`; one that cannot begin before `to_secs` does not happen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Break {
    pub from_secs: f64,
    pub to_secs: f64,
}

/// Who comes, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Arrivals {
    /// Poisson processes whose rate is constant within each interval (a forecast's shape):
    /// interval `i` spans `start_secs + i·interval_secs` to the next.
    Poisson {
        start_secs: f64,
        interval_secs: f64,
        streams: Vec<PoissonStream>,
    },
    /// A day as it happened, replayed.
    Recorded { visitors: Vec<RecordedArrival> },
}

/// The visitors of one service and category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoissonStream {
    pub service: ServiceId,
    #[serde(default)]
    pub category: Option<CategoryId>,
    /// Mean arrivals per hour in each interval.
    pub per_hour: Vec<f64>,
}

/// One recorded visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedArrival {
    pub at_secs: f64,
    pub service: ServiceId,
    #[serde(default)]
    pub category: Option<CategoryId>,
    /// The booked time of an appointment.
    #[serde(default)]
    pub booked_secs: Option<f64>,
    /// How long the service took, used where the service's time is [`Distribution::Recorded`].
    #[serde(default)]
    pub duration_secs: Option<f64>,
}

/// How long a service takes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTime {
    pub service: ServiceId,
    pub distribution: Distribution,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Distribution {
    /// Log-normal with this mean and coefficient of variation (0 gives a fixed time).
    LogNormal {
        mean_secs: f64,
        cv: f64,
    },
    Exponential {
        mean_secs: f64,
    },
    /// Each recorded visitor's own duration; the service norm for one without.
    Recorded,
}

/// How long visitors wait before giving up their ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Patience {
    /// Everyone waits until called.
    #[default]
    None,
    Exponential {
        mean_secs: f64,
    },
}

impl Model {
    /// Checks what the engine cannot: times, rates and distributions, and that everything a
    /// shift, stream or visitor names exists. The engine then checks the configuration itself.
    pub fn validate(&self) -> Result<(), SimError> {
        let services: BTreeSet<ServiceId> = self.branch.services.iter().map(|s| s.id).collect();
        let categories: BTreeSet<CategoryId> =
            self.branch.categories.iter().map(|c| c.id).collect();
        let profiles: BTreeSet<ProfileId> = self.branch.profiles.iter().map(|p| p.id).collect();
        let workplaces: BTreeSet<WorkplaceId> =
            self.branch.workplaces.iter().map(|w| w.id).collect();
        let known_service = |field: &str, s: ServiceId| {
            services
                .contains(&s)
                .then_some(())
                .ok_or_else(|| SimError::invalid(field, format!("service {s} does not exist")))
        };
        let known_category = |field: &str, c: Option<CategoryId>| match c {
            Some(c) if !categories.contains(&c) => Err(SimError::invalid(
                field,
                format!("category {c} does not exist"),
            )),
            _ => Ok(()),
        };
        if self.report_interval_secs == 0 {
            return Err(SimError::invalid(
                "report_interval_secs",
                "must be positive",
            ));
        }
        check_secs("walk_secs", self.walk_secs)?;
        let mut by_workplace: BTreeMap<WorkplaceId, Vec<(f64, f64)>> = BTreeMap::new();
        for (i, shift) in self.shifts.iter().enumerate() {
            let field = format!("shifts[{i}]");
            if !workplaces.contains(&shift.workplace) {
                return Err(SimError::invalid(
                    &field,
                    format!("workplace {} does not exist", shift.workplace),
                ));
            }
            if !profiles.contains(&shift.profile) {
                return Err(SimError::invalid(
                    &field,
                    format!("profile {} does not exist", shift.profile),
                ));
            }
            check_span(&field, shift.open_secs, shift.close_secs)?;
            let mut last = shift.open_secs;
            for b in &shift.breaks {
                check_span(&format!("{field}.breaks"), b.from_secs, b.to_secs)?;
                if b.from_secs < last || b.to_secs > shift.close_secs {
                    return Err(SimError::invalid(
                        &format!("{field}.breaks"),
                        "breaks lie within the shift, in order, without overlapping",
                    ));
                }
                last = b.to_secs;
            }
            by_workplace
                .entry(shift.workplace)
                .or_default()
                .push((shift.open_secs, shift.close_secs));
        }
        for (workplace, spans) in &mut by_workplace {
            spans.sort_by(|a, b| a.0.total_cmp(&b.0));
            if spans.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(SimError::invalid(
                    "shifts",
                    format!("two shifts of workplace {workplace} overlap"),
                ));
            }
        }
        let operators: Vec<OperatorId> = self
            .shifts
            .iter()
            .map(|s| s.operator.unwrap_or(OperatorId(s.workplace.0)))
            .collect();
        for (i, a) in self.shifts.iter().enumerate() {
            for (j, b) in self.shifts.iter().enumerate().skip(i + 1) {
                let overlap = a.open_secs < b.close_secs && b.open_secs < a.close_secs;
                if operators[i] == operators[j] && a.workplace != b.workplace && overlap {
                    return Err(SimError::invalid(
                        "shifts",
                        format!("operator {} works two workplaces at once", operators[i]),
                    ));
                }
            }
        }
        match &self.arrivals {
            Arrivals::Poisson {
                start_secs,
                interval_secs,
                streams,
            } => {
                check_secs("arrivals.start_secs", *start_secs)?;
                if !(interval_secs.is_finite() && *interval_secs > 0.0) {
                    return Err(SimError::invalid(
                        "arrivals.interval_secs",
                        "a positive number of seconds",
                    ));
                }
                for (i, stream) in streams.iter().enumerate() {
                    let field = format!("arrivals.streams[{i}]");
                    known_service(&field, stream.service)?;
                    known_category(&field, stream.category)?;
                    if stream
                        .per_hour
                        .iter()
                        .any(|r| !(r.is_finite() && *r >= 0.0 && *r <= 1e6))
                    {
                        return Err(SimError::invalid(
                            &field,
                            "rates are finite, from 0 to 1,000,000 an hour",
                        ));
                    }
                    let end = start_secs + interval_secs * stream.per_hour.len() as f64;
                    if end > MAX_SECS {
                        return Err(SimError::invalid(
                            &field,
                            "the intervals end within two days",
                        ));
                    }
                }
            }
            Arrivals::Recorded { visitors } => {
                for (i, v) in visitors.iter().enumerate() {
                    let field = format!("arrivals.visitors[{i}]");
                    known_service(&field, v.service)?;
                    known_category(&field, v.category)?;
                    check_secs(&field, v.at_secs)?;
                    if let Some(booked) = v.booked_secs {
                        check_secs(&field, booked)?;
                    }
                    if let Some(duration) = v.duration_secs {
                        check_secs(&field, duration)?;
                    }
                }
            }
        }
        for (i, t) in self.service_times.iter().enumerate() {
            let field = format!("service_times[{i}]");
            known_service(&field, t.service)?;
            match t.distribution {
                Distribution::LogNormal { mean_secs, cv } => {
                    check_mean(&field, mean_secs)?;
                    if !(cv.is_finite() && (0.0..=10.0).contains(&cv)) {
                        return Err(SimError::invalid(&field, "cv from 0 to 10"));
                    }
                }
                Distribution::Exponential { mean_secs } => check_mean(&field, mean_secs)?,
                Distribution::Recorded => {}
            }
        }
        if let Patience::Exponential { mean_secs } = self.patience {
            check_mean("patience", mean_secs)?;
        }
        Ok(())
    }

    /// The distribution of a service's time.
    pub fn distribution(&self, service: &Service) -> Distribution {
        self.service_times
            .iter()
            .find(|t| t.service == service.id)
            .map_or(
                Distribution::LogNormal {
                    mean_secs: f64::from(service.service_norm_secs),
                    cv: DEFAULT_CV,
                },
                |t| t.distribution,
            )
    }
}

fn check_secs(field: &str, secs: f64) -> Result<(), SimError> {
    if secs.is_finite() && (0.0..=MAX_SECS).contains(&secs) {
        Ok(())
    } else {
        Err(SimError::invalid(field, "seconds from 0 to two days"))
    }
}

fn check_span(field: &str, from: f64, to: f64) -> Result<(), SimError> {
    check_secs(field, from)?;
    check_secs(field, to)?;
    if from < to {
        Ok(())
    } else {
        Err(SimError::invalid(field, "it ends after it begins"))
    }
}

fn check_mean(field: &str, mean: f64) -> Result<(), SimError> {
    if mean.is_finite() && mean > 0.0 && mean <= MAX_SECS {
        Ok(())
    } else {
        Err(SimError::invalid(
            field,
            "a mean from 0 to two days, exclusive of 0",
        ))
    }
}
