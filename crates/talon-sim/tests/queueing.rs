//! The simulator against queueing theory and common sense: M/M/c agrees with Erlang C, visitors
//! who give up shorten the waits of the others, and a break takes capacity away.

use talon_plan::Queue;
use talon_sim::{Break, Estimate, Fate, Patience, Replication, Simulator, compare, sample};

/// The mean wait and the share who wait at all among visitors arriving in `[from, to)` hours:
/// the first hours are left out, so the estimate is of the steady state Erlang C describes, not
/// of a branch that opens empty.
fn steady(rep: &Replication, from: f64, to: f64) -> (f64, f64) {
    let waits: Vec<f64> = rep
        .visits
        .iter()
        .filter(|v| (from * 3600.0..to * 3600.0).contains(&v.arrival_secs))
        .map(|v| v.wait_secs.expect("everyone is served"))
        .collect();
    let n = waits.len() as f64;
    let waited = waits.iter().filter(|w| **w > 0.0).count() as f64;
    (waits.iter().sum::<f64>() / n, waited / n)
}

#[test]
fn m_m_c_matches_erlang_c() {
    // Three counters, 36 visitors an hour, 4 minutes each: 80% load.
    let (servers, per_hour, service_secs) = (3, 36.0, 240.0);
    let sim = Simulator::new(&sample::mmc(servers, per_hour, service_secs, 24, 60)).unwrap();
    let (mut means, mut waited) = (Vec::new(), Vec::new());
    for r in 0..120 {
        let rep = sim.replication(2024, r);
        assert!(rep.refusals.is_empty(), "{:?}", rep.refusals);
        let (mean, share) = steady(&rep, 4.0, 24.0);
        means.push(mean);
        waited.push(share);
    }
    let theory = Queue {
        arrivals_per_hour: per_hour,
        service_secs,
        patience_secs: None,
    }
    .performance(servers as u32, 60.0);
    let (mean, share) = (Estimate::of(&means), Estimate::of(&waited));
    assert!(
        mean.covers(theory.mean_wait_secs),
        "mean wait {mean:?}, Erlang C {}",
        theory.mean_wait_secs
    );
    assert!(
        share.covers(theory.p_wait),
        "probability of waiting {share:?}, Erlang C {}",
        theory.p_wait
    );
    assert!(
        mean.half_width < 0.1 * mean.mean,
        "a tight interval: {mean:?}"
    );
}

#[test]
fn visitors_who_give_up_shorten_the_waits_of_the_others() {
    // Overloaded for the day: 95% load.
    let patient = sample::mmc(2, 28.5, 240.0, 8, 120);
    let mut impatient = patient.clone();
    impatient.patience = Patience::Exponential { mean_secs: 600.0 };
    let c = compare(&patient, &impatient, 40, 7).unwrap();
    assert_eq!(c.a.abandonment.mean, 0.0);
    assert!(c.b.abandonment.low() > 0.05, "{:?}", c.b.abandonment);
    assert!(
        c.difference.wait_mean_secs.high() < 0.0,
        "waits shorten: {:?}",
        c.difference.wait_mean_secs
    );
    let rep = Simulator::new(&impatient).unwrap().replication(7, 0);
    assert!(rep.visits.iter().any(|v| v.fate == Fate::Abandoned));
    assert!(
        rep.visits
            .iter()
            .filter(|v| v.fate == Fate::Abandoned)
            .all(|v| v.wait_secs.is_none() && !v.within_norm)
    );
}

#[test]
fn a_break_takes_capacity_away() {
    let without = sample::mmc(3, 36.0, 240.0, 8, 120);
    let mut with = without.clone();
    for (i, shift) in with.shifts.iter_mut().enumerate() {
        let from = (2.0 + i as f64) * 3600.0;
        shift.breaks.push(Break {
            from_secs: from,
            to_secs: from + 1800.0,
        });
    }
    let c = compare(&without, &with, 40, 3).unwrap();
    assert!(
        c.difference.wait_mean_secs.low() > 0.0,
        "waits grow: {:?}",
        c.difference.wait_mean_secs
    );
    assert!(c.difference.service_level.high() < 0.0);
    let open = |model| {
        let rep = Simulator::new(model).unwrap().replication(3, 0);
        assert!(rep.refusals.is_empty(), "{:?}", rep.refusals);
        rep.workplaces.iter().map(|w| w.open_secs).sum::<f64>()
    };
    let lost = open(&without) - open(&with);
    // Each break begins once the visitor at the counter is served, so it may be shorter.
    assert!(lost > 0.0 && lost <= 3.0 * 1800.0, "{lost}");
}

#[test]
fn an_extra_counter_shows_as_a_difference() {
    let three = sample::mmc(3, 36.0, 240.0, 8, 120);
    let four = sample::mmc(4, 36.0, 240.0, 8, 120);
    let c = compare(&three, &four, 30, 5).unwrap();
    assert!(c.difference.wait_mean_secs.high() < 0.0);
    assert!(c.difference.service_level.low() > 0.0);
    // The same visitors came to both.
    assert!((c.difference.issued.mean, c.difference.issued.half_width) == (0.0, 0.0));
}
