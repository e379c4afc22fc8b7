//! How good is the wait Talon shows a visitor? Each predictor is asked at the moment the ticket
//! is issued, as the kiosk's answer shows it, and compared with the wait the visitor then had,
//! grouped by the number of people ahead `k` (`BranchState::position`).
//!
//! The measure is the relative average squared error of Ibrahim and Whitt ("Real-time delay
//! estimation based on delay history", 2009): over the visitors of a group,
//! `RASE = mean((eta − wait)²) / mean(wait)²`, the mean squared error relative to the squared
//! mean wait. It is taken over visitors who had to wait, those not called the instant they took
//! their ticket; a visitor who gave up has no wait to compare and is left out. For M/M/c with
//! one FIFO queue, the best predictor from the queue alone is the conditional mean
//! `(k + 1)/(cμ)`, and its RASE is the squared coefficient of variation of the wait given `k`,
//! `1/(k + 1)` (Whitt, "Predicting queueing delays", 1999): no predictor that sees only `k`
//! does better. A band's coverage is the share of those visitors whose wait fell within it.

use crate::error::SimError;
use crate::model::Model;
use crate::report::Fate;
use crate::run::Probe;
use crate::{Simulator, report::Replication};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use talon_core::{BranchState, Ticket, TicketId, WorkplaceStatus};

/// A predictor of the wait: a point estimate in seconds and, if it has one, a band.
#[derive(Clone, Copy)]
pub struct Predictor {
    pub name: &'static str,
    pub predict: fn(&BranchState, &Ticket, Timestamp) -> Option<Prediction>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub eta_secs: f64,
    pub band_secs: Option<(f64, f64)>,
}

/// What Talon shows: `BranchState::eta_seconds`, with `BranchState::eta_band_seconds`.
pub const SHOWN: Predictor = Predictor {
    name: "shown",
    predict: |state, ticket, now| {
        Some(Prediction {
            eta_secs: state.eta_seconds(ticket, now)? as f64,
            band_secs: state
                .eta_band_seconds(ticket, now)
                .map(|(low, high)| (low as f64, high as f64)),
        })
    },
};

/// What Talon showed before the simulator measured it: the people ahead in the ticket's
/// service times its norm, shared by the workplaces open (or paused) with a profile that lists
/// the service; a postponed ticket waits at least until its time.
pub const NORM_BY_POSITION: Predictor = Predictor {
    name: "norm_by_position",
    predict: |state, ticket, now| {
        let ahead = state.position(ticket)? as f64;
        let norm = f64::from(state.service(ticket.service)?.service_norm_secs);
        let servers = state
            .workplaces()
            .filter(|w| w.status != WorkplaceStatus::Closed)
            .filter_map(|w| w.profile.and_then(|p| state.profile(p)))
            .filter(|p| p.all_services().any(|s| s == ticket.service))
            .count()
            .max(1) as f64;
        let until_placed = ticket.queued_at.duration_since(now).as_secs_f64().max(0.0);
        Some(Prediction {
            eta_secs: (ahead * norm / servers).floor().max(until_placed.floor()),
            band_secs: None,
        })
    },
};

/// The accuracy of the predictors over the visitors with `k` ahead (the last row: `k` or more).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EtaRow {
    pub ahead: usize,
    /// Whether the row holds every visitor with `ahead` or more.
    pub or_more: bool,
    pub visits: u64,
    pub mean_wait_secs: f64,
    /// One per predictor, in the order given.
    pub predictors: Vec<Accuracy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    pub predictor: String,
    pub mean_eta_secs: f64,
    pub rase: f64,
    /// The share of waits within the band, for a predictor with one.
    pub coverage: Option<f64>,
}

/// The accuracy of each predictor by people ahead, and over all visitors who waited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EtaReport {
    pub replications: u32,
    pub rows: Vec<EtaRow>,
    pub overall: EtaRow,
    /// Visitors called the instant they took their ticket, and the share of them each predictor
    /// told so (a prediction of zero).
    pub immediate: u64,
    pub immediate_told: Vec<(String, f64)>,
}

/// Measures [`SHOWN`] against [`NORM_BY_POSITION`] over `replications` days of `model`, with
/// rows for 0 to `max_ahead` people ahead.
pub fn eta_accuracy(
    model: &Model,
    replications: u32,
    seed: u64,
    max_ahead: usize,
) -> Result<EtaReport, SimError> {
    eta_study(
        model,
        replications,
        seed,
        max_ahead,
        &[NORM_BY_POSITION, SHOWN],
    )
}

/// Measures any predictors over `replications` days of `model`.
pub fn eta_study(
    model: &Model,
    replications: u32,
    seed: u64,
    max_ahead: usize,
    predictors: &[Predictor],
) -> Result<EtaReport, SimError> {
    let sim = Simulator::new(model)?;
    let mut samples: Vec<Sample> = Vec::new();
    for r in 0..replications {
        let mut probe = Asked {
            predictors,
            asked: Vec::new(),
        };
        let rep = sim.replication_with(seed, r, &mut probe);
        collect(&rep, probe.asked, &mut samples);
    }
    let names: Vec<&str> = predictors.iter().map(|p| p.name).collect();
    let rows = (0..=max_ahead)
        .map(|k| {
            let or_more = k == max_ahead;
            let in_row: Vec<&Sample> = samples
                .iter()
                .filter(|s| s.wait > 0.0 && (s.ahead == k || (or_more && s.ahead > k)))
                .collect();
            row(k, or_more, &in_row, &names)
        })
        .collect();
    let waited: Vec<&Sample> = samples.iter().filter(|s| s.wait > 0.0).collect();
    let immediate: Vec<&Sample> = samples.iter().filter(|s| s.wait == 0.0).collect();
    Ok(EtaReport {
        replications,
        rows,
        overall: row(0, true, &waited, &names),
        immediate: immediate.len() as u64,
        immediate_told: names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let told = immediate
                    .iter()
                    .filter(|s| s.predictions[i].is_some_and(|p| p.eta_secs == 0.0))
                    .count();
                (
                    name.to_string(),
                    told as f64 / immediate.len().max(1) as f64,
                )
            })
            .collect(),
    })
}

/// One visitor who was served: the people ahead at issue, the wait, and what each predictor
/// said.
struct Sample {
    ahead: usize,
    wait: f64,
    predictions: Vec<Option<Prediction>>,
}

struct Asked<'a> {
    predictors: &'a [Predictor],
    asked: Vec<(usize, usize, Vec<Option<Prediction>>)>,
}

impl Probe for Asked<'_> {
    fn issued(&mut self, state: &BranchState, visit: usize, ticket: TicketId, now: Timestamp) {
        let Some(t) = state.ticket(ticket) else {
            return;
        };
        let Some(ahead) = state.position(t) else {
            // Called by the engine within the issue itself: nobody was shown a wait.
            return;
        };
        let predictions = self
            .predictors
            .iter()
            .map(|p| (p.predict)(state, t, now))
            .collect();
        self.asked.push((visit, ahead, predictions));
    }
}

fn collect(
    rep: &Replication,
    asked: Vec<(usize, usize, Vec<Option<Prediction>>)>,
    into: &mut Vec<Sample>,
) {
    for (visit, ahead, predictions) in asked {
        let v = &rep.visits[visit];
        if v.fate != Fate::Served {
            continue;
        }
        if let Some(wait) = v.wait_secs {
            into.push(Sample {
                ahead,
                wait,
                predictions,
            });
        }
    }
}

fn row(ahead: usize, or_more: bool, samples: &[&Sample], names: &[&str]) -> EtaRow {
    let n = samples.len() as f64;
    let mean_wait = samples.iter().map(|s| s.wait).sum::<f64>() / n;
    EtaRow {
        ahead,
        or_more,
        visits: samples.len() as u64,
        mean_wait_secs: mean_wait,
        predictors: names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let said: Vec<(f64, Prediction)> = samples
                    .iter()
                    .filter_map(|s| s.predictions[i].map(|p| (s.wait, p)))
                    .collect();
                let m = said.len() as f64;
                let mean_eta = said.iter().map(|(_, p)| p.eta_secs).sum::<f64>() / m;
                let mse = said
                    .iter()
                    .map(|(w, p)| (p.eta_secs - w).powi(2))
                    .sum::<f64>()
                    / m;
                let mean_wait = said.iter().map(|(w, _)| w).sum::<f64>() / m;
                let banded: Vec<(f64, (f64, f64))> = said
                    .iter()
                    .filter_map(|(w, p)| p.band_secs.map(|b| (*w, b)))
                    .collect();
                let coverage = (!banded.is_empty()).then(|| {
                    let within = banded
                        .iter()
                        .filter(|(w, (low, high))| low <= w && w <= high)
                        .count();
                    within as f64 / banded.len() as f64
                });
                Accuracy {
                    predictor: name.to_string(),
                    mean_eta_secs: mean_eta,
                    rase: mse / (mean_wait * mean_wait),
                    coverage,
                }
            })
            .collect(),
    }
}
