//! A staffing plan from Erlang C for a morning with an abrupt peak, checked in time and
//! corrected: `cargo run --release -p talon-sim --example plan_check`.

use talon_plan::{Interval, IntervalCount, StaffingRequest, plan_staffing};
use talon_sim::{PlanCheck, check_plan};

fn main() {
    let counts = [6.0, 40.0, 40.0, 40.0, 40.0, 4.0, 4.0, 4.0, 4.0];
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
        target_secs: 30.0,
        target_level: 0.9,
        patience_secs: None,
        max_abandon: None,
        shrinkage: None,
    };
    let check = PlanCheck {
        plan: plan_staffing(&arrivals, Interval::Minutes15, &request).expect("a plan"),
        service_secs: 300.0,
        service_cv: None,
        target_secs: 30.0,
        target_level: 0.9,
        patience_secs: None,
        replications: 400,
        seed: 1,
        max_iterations: 30,
    };
    let report = check_plan(&check).expect("the plan runs");
    println!(
        "| start | arrivals | plan | Erlang C level | simulated | corrected | simulated |\n\
         |---|---:|---:|---:|---:|---:|---:|"
    );
    for (plan, fixed) in report.intervals.iter().zip(&report.corrected) {
        let level = |i: &talon_sim::IntervalCheck| {
            let mark = if i.clearly_misses {
                " ✗"
            } else if !i.meets {
                " (✗)"
            } else {
                ""
            };
            format!(
                "{:.3} ± {:.3}{mark}",
                i.simulated_level.mean, i.simulated_level.half_width
            )
        };
        println!(
            "| {:02}:{:02} | {} | {} | {:.3} | {} | {} | {} |",
            plan.start_minute / 60,
            plan.start_minute % 60,
            plan.arrivals,
            plan.workplaces,
            plan.formula_level,
            level(plan),
            fixed.workplaces,
            level(fixed),
        );
    }
    println!(
        "\nMisses: {:?} (clearly: {:?}); {} iterations, converged: {}, {} workplace-hours added.",
        report.misses, report.clear_misses, report.iterations, report.converged, report.added_hours
    );
}
