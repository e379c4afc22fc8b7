//! Queueing formulas for sizing a branch: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M,
//! customers who give up after an exponential patience), the least servers for a target, and
//! shrinkage from required to scheduled staff.
//!
//! Time is in seconds throughout, arrivals per hour. The offered load is `a = λ·s` erlangs
//! (arrival rate times mean service time). The service level is always *the share of all
//! arrivals that are answered within the target time*: with Erlang A an arrival who gives up,
//! however early, counts against it.

use serde::{Deserialize, Serialize};

use crate::error::PlanError;
use crate::special::scaled_gamma;

/// The most servers any query may ask about or be answered with.
pub const MAX_SERVERS: u32 = 10_000;

/// Upper bounds on query inputs, far beyond any branch, that keep every intermediate of the
/// formulas finite: arrivals per hour, and a week for service and target times.
const MAX_ARRIVALS_PER_HOUR: f64 = 1e6;
const MAX_SECS: f64 = 7.0 * 86_400.0;
/// Patience beyond about thirty years is no patience limit at all; leave it out instead.
const MAX_PATIENCE_SECS: f64 = 1e9;

const SECS_PER_HOUR: f64 = 3600.0;

/// Erlang B: the share of arrivals blocked when `servers` serve an offered load of
/// `offered_load` erlangs with no room to wait.
///
/// Uses the recursion `B(0) = 1`, `B(n) = a·B(n−1) / (n + a·B(n−1))`, which never forms a
/// factorial or a power and so neither overflows nor loses precision.
pub fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    let mut b = 1.0;
    for n in 1..=servers {
        b = offered_load * b / (f64::from(n) + offered_load * b);
    }
    b
}

/// Erlang C: the probability that an arrival has to wait when `servers` serve `offered_load`
/// erlangs and nobody gives up. It is 1 when the system is unstable (`offered_load ≥ servers`).
pub fn erlang_c(servers: u32, offered_load: f64) -> f64 {
    let n = f64::from(servers);
    if offered_load >= n {
        return 1.0;
    }
    if offered_load <= 0.0 {
        return 0.0;
    }
    let b = erlang_b(servers, offered_load);
    n * b / (n - offered_load * (1.0 - b))
}

/// The `p`-quantile of the wait in M/M/n (Erlang C), in seconds: 0 when `p ≤ 1 − C` (that
/// share of arrivals does not wait at all), infinite when the system is unstable.
///
/// Beyond the atom at zero the wait is exponential with rate `(n − a)/s`, so
/// `P(W > t) = C·e^(−(n−a)t/s)` and the quantile is `s/(n − a)·ln(C/(1 − p))`.
pub fn erlang_c_wait_quantile_secs(
    servers: u32,
    offered_load: f64,
    service_secs: f64,
    p: f64,
) -> f64 {
    let n = f64::from(servers);
    if offered_load >= n {
        return f64::INFINITY;
    }
    let c = erlang_c(servers, offered_load);
    if p <= 1.0 - c {
        return 0.0;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    service_secs / (n - offered_load) * (c / (1.0 - p)).ln()
}

/// How a given number of servers performs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// Servers (open workplaces).
    pub servers: u32,
    /// Probability that an arrival finds every server busy and has to wait.
    pub p_wait: f64,
    /// Mean time in the queue over all arrivals, those served at once included; infinite when
    /// an Erlang C system is unstable.
    pub mean_wait_secs: f64,
    /// Share of all arrivals answered within the target time.
    pub service_level: f64,
    /// Share of arrivals who give up before being served (Erlang A only).
    pub p_abandon: Option<f64>,
}

/// The traffic a group of servers faces: how many arrive, how long each takes, and how long
/// they are willing to wait.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    /// Mean arrivals per hour (Poisson).
    pub arrivals_per_hour: f64,
    /// Mean service time in seconds (exponential).
    pub service_secs: f64,
    /// Mean patience in seconds (exponential); `None` for customers who never give up, which
    /// selects Erlang C instead of Erlang A.
    pub patience_secs: Option<f64>,
}

/// What a plan must achieve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The target time for answering, in seconds.
    pub target_secs: f64,
    /// Least share of arrivals to answer within it, in (0, 1).
    pub level: f64,
    /// Largest acceptable share of arrivals who give up; only Erlang A has any.
    #[serde(default)]
    pub max_abandon: Option<f64>,
}

impl Queue {
    /// Offered load in erlangs: arrivals per second times the mean service time.
    pub fn offered_load(&self) -> f64 {
        self.arrivals_per_hour / SECS_PER_HOUR * self.service_secs
    }

    /// Whether `servers` keep the queue from growing without bound. Erlang A always does:
    /// those who wait too long leave.
    pub fn is_stable(&self, servers: u32) -> bool {
        self.patience_secs.is_some()
            || self.arrivals_per_hour <= 0.0
            || self.offered_load() < f64::from(servers)
    }

    /// The performance of `servers` against a target time of `target_secs`: Erlang A when
    /// the queue has a patience, Erlang C otherwise.
    pub fn performance(&self, servers: u32, target_secs: f64) -> Performance {
        match self.patience_secs {
            Some(patience) => erlang_a(servers, self, patience, target_secs),
            None => erlang_c_performance(servers, self, target_secs),
        }
    }

    /// The least servers that reach `target`, searched up to [`MAX_SERVERS`]. No arrivals need
    /// no servers.
    pub fn least_servers(&self, target: &Target) -> Result<u32, PlanError> {
        if self.arrivals_per_hour <= 0.0 {
            return Ok(0);
        }
        let meets = |servers: u32| {
            let perf = self.performance(servers, target.target_secs);
            perf.service_level >= target.level
                && match (target.max_abandon, perf.p_abandon) {
                    (Some(max), Some(p)) => p <= max,
                    _ => true,
                }
        };
        if !meets(MAX_SERVERS) {
            let perf = self.performance(MAX_SERVERS, target.target_secs);
            let reason = if perf.service_level < target.level {
                format!(
                    "service level {:.4} stays below {}",
                    perf.service_level, target.level
                )
            } else {
                format!(
                    "abandonment {:.4} stays above {}",
                    perf.p_abandon.unwrap_or(0.0),
                    target.max_abandon.unwrap_or(0.0)
                )
            };
            return Err(PlanError::Unreachable {
                max_servers: MAX_SERVERS,
                reason,
            });
        }
        // Service level rises and abandonment falls with every server added, so the least
        // sufficient number is found by bisection between a number known to fall short (no
        // servers, or for Erlang C as many as the load, which is unstable) and one that meets.
        let mut low = match self.patience_secs {
            Some(_) => 0,
            None => (self.offered_load().floor() as u32).min(MAX_SERVERS),
        };
        let mut high = MAX_SERVERS;
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if meets(mid) {
                high = mid;
            } else {
                low = mid;
            }
        }
        Ok(high)
    }
}

fn erlang_c_performance(servers: u32, queue: &Queue, target_secs: f64) -> Performance {
    let a = queue.offered_load();
    let n = f64::from(servers);
    if queue.arrivals_per_hour <= 0.0 {
        return Performance {
            servers,
            p_wait: 0.0,
            mean_wait_secs: 0.0,
            service_level: 1.0,
            p_abandon: None,
        };
    }
    if a >= n {
        return Performance {
            servers,
            p_wait: 1.0,
            mean_wait_secs: f64::INFINITY,
            service_level: 0.0,
            p_abandon: None,
        };
    }
    let c = erlang_c(servers, a);
    let s = queue.service_secs;
    Performance {
        servers,
        p_wait: c,
        mean_wait_secs: c * s / (n - a),
        service_level: (1.0 - c * (-(n - a) * target_secs / s).exp()).clamp(0.0, 1.0),
        p_abandon: None,
    }
}

/// Erlang A (M/M/n+M), after Garnett, Mandelbaum & Reiman (2002) and Mandelbaum & Zeltyn.
///
/// With `x = nμ/θ`, `y = λ/θ` (μ service rate, θ patience rate), `E` Erlang B for `n` servers
/// and `A = A(x, y)` (see [`crate::special`]), the state with every server busy has weight
/// `π_n = E / (1 + (A − 1)·E)`, so
/// - `P(wait) = A·π_n`,
/// - `P(abandon) = π_n·Σ j·t_j / y` (abandonment rate `θ·E[queue]` over `λ`),
/// - mean wait over all arrivals `= E[queue]/λ = P(abandon)/θ`,
/// - answered after waiting longer than `t`: an arrival finding `j` waiting would be served
///   after a sum of exponential phases; weighting by its own survival `e^(−θV)` and summing
///   over `j` gives `π_n·x/(x+1)·e^(y(1−e^(−θt)) − θt(x+1))·A(x + 1, y·e^(−θt))`,
/// - service level `= 1 − P(abandon) − P(answered after t)`.
///
/// Every product is taken in logarithms, so hundreds or thousands of servers stay finite.
fn erlang_a(servers: u32, queue: &Queue, patience_secs: f64, target_secs: f64) -> Performance {
    if queue.arrivals_per_hour <= 0.0 {
        return Performance {
            servers,
            p_wait: 0.0,
            mean_wait_secs: 0.0,
            service_level: 1.0,
            p_abandon: Some(0.0),
        };
    }
    if servers == 0 {
        return Performance {
            servers,
            p_wait: 1.0,
            mean_wait_secs: patience_secs,
            service_level: 0.0,
            p_abandon: Some(1.0),
        };
    }
    let n = f64::from(servers);
    let theta = 1.0 / patience_secs;
    let lambda = queue.arrivals_per_hour / SECS_PER_HOUR;
    let mu = 1.0 / queue.service_secs;
    let x = n * mu / theta;
    let y = lambda / theta;
    let e = erlang_b(servers, queue.offered_load());

    let waiting = scaled_gamma(x, y);
    // P(wait) = A·E / (1 − E + A·E), written so that a vanishing E or a huge A stays finite.
    let ln_ae = waiting.ln_a + e.ln();
    let p_wait = 1.0 / (1.0 + (1.0 - e) * (-ln_ae).exp());
    let p_abandon = (p_wait * waiting.mean_index / y).clamp(0.0, 1.0);

    let late = if p_wait > 0.0 {
        let theta_t = theta * target_secs;
        let z = y * (-theta_t).exp();
        let ln_late = p_wait.ln() - waiting.ln_a + -(1.0 / x).ln_1p()
            - y * (-theta_t).exp_m1()
            - theta_t * (x + 1.0)
            + scaled_gamma(x + 1.0, z).ln_a;
        ln_late.exp()
    } else {
        0.0
    };
    Performance {
        servers,
        p_wait,
        mean_wait_secs: p_abandon / theta,
        service_level: (1.0 - p_abandon - late).clamp(0.0, 1.0),
        p_abandon: Some(p_abandon),
    }
}

/// Scheduled staff for `required` open workplaces when `shrinkage` (breaks, absence,
/// training: the share of paid time not available) takes its part: `⌈required / (1 − shrinkage)⌉`.
///
/// A quotient that is whole up to rounding (7 / 0.7 is 10.000000000000002 in binary) is not
/// rounded up to the next person.
pub fn scheduled_servers(required: u32, shrinkage: f64) -> Result<u32, PlanError> {
    if !shrinkage.is_finite() || !(0.0..1.0).contains(&shrinkage) {
        return Err(PlanError::invalid(
            "shrinkage",
            "must be a share of at least 0 and below 1",
        ));
    }
    let exact = f64::from(required) / (1.0 - shrinkage);
    let nearest = exact.round();
    let scheduled = if (exact - nearest).abs() <= 1e-9 * exact.max(1.0) {
        nearest
    } else {
        exact.ceil()
    };
    if scheduled > f64::from(u32::MAX) {
        return Err(PlanError::invalid(
            "shrinkage",
            "leaves too little working time to schedule for",
        ));
    }
    Ok(scheduled as u32)
}

/// A question about one group of servers, as `POST /api/v1/planning/erlang` and
/// `talon plan erlang` take it.
///
/// Give either `servers` (how do that many perform?) or `target_level` (how many are needed to
/// answer that share within `target_secs`?). With `patience_secs` the model is Erlang A,
/// otherwise Erlang C. With `shrinkage` the answer also says how many to schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErlangQuery {
    /// Mean arrivals per hour.
    pub arrivals_per_hour: f64,
    /// Mean service time in seconds.
    pub service_secs: f64,
    /// Target time for answering, in seconds.
    pub target_secs: f64,
    /// Servers to evaluate.
    #[serde(default)]
    pub servers: Option<u32>,
    /// Share of arrivals to answer within the target time, in (0, 1).
    #[serde(default)]
    pub target_level: Option<f64>,
    /// Mean patience in seconds: customers give up after waiting this long on average.
    #[serde(default)]
    pub patience_secs: Option<f64>,
    /// Share of paid time not available for service, in [0, 1).
    #[serde(default)]
    pub shrinkage: Option<f64>,
}

/// The answer to an [`ErlangQuery`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErlangAnswer {
    /// The servers evaluated, or the least that reach the target level.
    pub servers: u32,
    /// Probability that an arrival has to wait.
    pub p_wait: f64,
    /// Mean wait over all arrivals, in seconds; infinite (`null` in JSON) for an unstable
    /// Erlang C system.
    pub mean_wait_secs: f64,
    /// Share of arrivals answered within the target time.
    pub service_level: f64,
    /// Share of arrivals who give up (only with a patience).
    pub p_abandon: Option<f64>,
    /// Staff to schedule for these servers after shrinkage (only with a shrinkage).
    pub scheduled: Option<u32>,
}

impl ErlangQuery {
    /// Checks every field and answers, or names the first field that is out of its domain.
    pub fn answer(&self) -> Result<ErlangAnswer, PlanError> {
        check_queue_inputs(
            self.arrivals_per_hour,
            self.service_secs,
            self.target_secs,
            self.patience_secs,
        )?;
        if let Some(shrinkage) = self.shrinkage
            && (!shrinkage.is_finite() || !(0.0..1.0).contains(&shrinkage))
        {
            return Err(PlanError::invalid(
                "shrinkage",
                "must be a share of at least 0 and below 1",
            ));
        }
        let queue = Queue {
            arrivals_per_hour: self.arrivals_per_hour,
            service_secs: self.service_secs,
            patience_secs: self.patience_secs,
        };
        let servers = match (self.servers, self.target_level) {
            (Some(_), Some(_)) => {
                return Err(PlanError::invalid(
                    "servers",
                    "give either servers or target_level, not both",
                ));
            }
            (None, None) => {
                return Err(PlanError::invalid(
                    "target_level",
                    "give either servers or target_level",
                ));
            }
            (Some(servers), None) => {
                check_servers(servers)?;
                servers
            }
            (None, Some(level)) => {
                check_level("target_level", level)?;
                queue.least_servers(&Target {
                    target_secs: self.target_secs,
                    level,
                    max_abandon: None,
                })?
            }
        };
        let perf = queue.performance(servers, self.target_secs);
        let scheduled = match self.shrinkage {
            Some(shrinkage) => Some(scheduled_servers(servers, shrinkage)?),
            None => None,
        };
        Ok(ErlangAnswer {
            servers,
            p_wait: perf.p_wait,
            mean_wait_secs: perf.mean_wait_secs,
            service_level: perf.service_level,
            p_abandon: perf.p_abandon,
            scheduled,
        })
    }
}

/// Checks the inputs every question about a queue has, each within its bounds.
pub(crate) fn check_queue_inputs(
    arrivals_per_hour: f64,
    service_secs: f64,
    target_secs: f64,
    patience_secs: Option<f64>,
) -> Result<(), PlanError> {
    check_non_negative("arrivals_per_hour", arrivals_per_hour)?;
    check_at_most(
        "arrivals_per_hour",
        arrivals_per_hour,
        MAX_ARRIVALS_PER_HOUR,
    )?;
    check_positive("service_secs", service_secs)?;
    check_at_most("service_secs", service_secs, MAX_SECS)?;
    check_non_negative("target_secs", target_secs)?;
    check_at_most("target_secs", target_secs, MAX_SECS)?;
    if let Some(patience) = patience_secs {
        check_positive("patience_secs", patience)?;
        check_at_most("patience_secs", patience, MAX_PATIENCE_SECS)?;
    }
    Ok(())
}

fn check_at_most(field: &'static str, value: f64, max: f64) -> Result<(), PlanError> {
    if value <= max {
        Ok(())
    } else {
        Err(PlanError::invalid(
            field,
            format!("must be at most {max}, not {value}"),
        ))
    }
}

pub(crate) fn check_positive(field: &'static str, value: f64) -> Result<(), PlanError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(PlanError::invalid(
            field,
            format!("must be a finite number above 0, not {value}"),
        ))
    }
}

pub(crate) fn check_non_negative(field: &'static str, value: f64) -> Result<(), PlanError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(PlanError::invalid(
            field,
            format!("must be a finite number of at least 0, not {value}"),
        ))
    }
}

pub(crate) fn check_level(field: &'static str, value: f64) -> Result<(), PlanError> {
    if value.is_finite() && value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(PlanError::invalid(
            field,
            format!("must be a share above 0 and below 1, not {value}"),
        ))
    }
}

fn check_servers(servers: u32) -> Result<(), PlanError> {
    if (1..=MAX_SERVERS).contains(&servers) {
        Ok(())
    } else {
        Err(PlanError::invalid(
            "servers",
            format!("must be from 1 to {MAX_SERVERS}, not {servers}"),
        ))
    }
}
