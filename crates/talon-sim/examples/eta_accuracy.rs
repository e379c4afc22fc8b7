//! The wait Talon shows against the simulated wait, before (the norm by position) and now
//! (`BranchState::eta_seconds` with its band), by people ahead: for M/M/4 at 90% load, where
//! Whitt's bound is `1/(k + 1)`, and for the 20-counter sample bank.
//!
//! `cargo run --release -p talon-sim --example eta_accuracy [replications]` (default 200).

use talon_sim::{EtaReport, EtaRow, eta_accuracy, sample};

fn line(row: &EtaRow, bound: bool) -> String {
    let k = if row.or_more {
        format!("{}+", row.ahead)
    } else {
        row.ahead.to_string()
    };
    let [before, now] = [&row.predictors[0], &row.predictors[1]];
    let theory = if bound && !row.or_more {
        format!("{:.3}", 1.0 / (row.ahead as f64 + 1.0))
    } else {
        "–".to_string()
    };
    format!(
        "| {k} | {} | {:.0} | {:.0} | {:.3} | {:.0} | {:.3} | {} | {theory} |",
        row.visits,
        row.mean_wait_secs,
        before.mean_eta_secs,
        before.rase,
        now.mean_eta_secs,
        now.rase,
        now.coverage.map_or("–".to_string(), |c| format!("{c:.3}")),
    )
}

fn table(title: &str, report: &EtaReport, bound: bool) {
    println!("\n{title} ({} replications)\n", report.replications);
    println!(
        "| k | visitors | mean wait s | before: mean ETA | before: RASE | now: mean ETA | \
         now: RASE | now: 80% band coverage | 1/(k+1) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &report.rows {
        println!("{}", line(row, bound));
    }
    let all = line(&report.overall, false).replacen("| 0+ |", "| all |", 1);
    println!("{all}");
    println!(
        "\nCalled the instant they took their ticket: {} visitors; told so (a forecast of 0): \
         before {:.1}%, now {:.1}%.",
        report.immediate,
        100.0 * report.immediate_told[0].1,
        100.0 * report.immediate_told[1].1,
    );
}

fn main() {
    let replications = std::env::args()
        .nth(1)
        .map_or(200, |r| r.parse().expect("a number of replications"));
    let mmc = eta_accuracy(&sample::mmc(4, 43.2, 300.0, 12, 60), replications, 1, 10)
        .expect("M/M/c runs");
    table("M/M/4 at 90% load, norm = mean service time", &mmc, true);
    let bank = eta_accuracy(&sample::bank(20), replications, 1, 10).expect("the bank runs");
    table("The 20-counter sample bank", &bank, false);
}
