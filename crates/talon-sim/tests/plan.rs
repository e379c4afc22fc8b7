//! A staffing plan from the stationary Erlang C formula, checked in time: after a peak the queue
//! carries over into an interval the formula sized for its own few arrivals, which then misses
//! the target; the correction adds a workplace there and meets it.

use talon_plan::{Interval, IntervalCount, StaffingRequest, plan_staffing};
use talon_sim::{PlanCheck, SimError, check_plan};

/// A quarter-hourly forecast with a morning peak that ends abruptly.
fn check() -> PlanCheck {
    let counts = [6.0, 30.0, 30.0, 30.0, 6.0, 6.0, 24.0, 6.0];
    let arrivals: Vec<IntervalCount> = counts
        .iter()
        .enumerate()
        .map(|(i, count)| IntervalCount {
            start_minute: 540 + 15 * i as u32,
            count: *count,
        })
        .collect();
    let request = StaffingRequest {
        service_secs: 300.0,
        target_secs: 60.0,
        target_level: 0.8,
        patience_secs: None,
        max_abandon: None,
        shrinkage: None,
    };
    PlanCheck {
        plan: plan_staffing(&arrivals, Interval::Minutes15, &request).unwrap(),
        service_secs: 300.0,
        service_cv: None,
        target_secs: 60.0,
        target_level: 0.8,
        patience_secs: None,
        replications: 200,
        seed: 1,
        max_iterations: 30,
    }
}

#[test]
fn the_interval_after_a_peak_misses_and_the_correction_meets_the_target() {
    let check = check();
    let report = check_plan(&check).unwrap();
    assert!(
        report.intervals.iter().all(|i| i.formula_level >= 0.8),
        "the formula promises the target everywhere"
    );
    assert!(
        report.misses.contains(&600),
        "10:00, right after the peak, misses: {:?}",
        report.intervals
    );
    let after_peak = &report.intervals[4];
    assert!(after_peak.simulated_level.mean < after_peak.formula_level - 0.05);
    assert!(report.converged, "{:?}", report.corrected);
    assert!(
        report
            .corrected
            .iter()
            .all(|i| i.meets && i.simulated_level.mean >= 0.8)
    );
    assert!(report.iterations >= 1 && report.added_hours >= 0.25);
    for (planned, corrected) in report.intervals.iter().zip(&report.corrected) {
        assert!(corrected.workplaces >= planned.workplaces);
    }
    assert_eq!(
        report.added_hours,
        report
            .corrected
            .iter()
            .zip(&report.intervals)
            .map(|(c, p)| f64::from(c.workplaces - p.workplaces) * 0.25)
            .sum::<f64>()
    );
}

#[test]
fn a_check_reads_from_json_and_refuses_a_plan_with_a_gap() {
    let check = check();
    let json = serde_json::to_string(&check).unwrap();
    let back: PlanCheck = serde_json::from_str(&json).unwrap();
    assert_eq!(back, check);
    let mut gap = check;
    gap.plan.rows.remove(2);
    assert!(matches!(check_plan(&gap), Err(SimError::Invalid { .. })));
}
