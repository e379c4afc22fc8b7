//! Prints the lines `talon plan backtest --csv FILE [--interval 60] [--days 20]` prints, and
//! how long the backtest took, for checking the library without the binary.
//!
//! `cargo run -p talon-plan --example backtest -- --csv ../shared/data/bank_calls_5min_2003.csv`

use std::process::ExitCode;
use std::time::Instant;

use talon_plan::{BacktestOptions, Interval, backtest_csv};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut csv = None;
    let mut options = BacktestOptions::default();
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--csv", Some(path)) => csv = Some(path),
            ("--interval", Some(minutes)) => {
                match minutes
                    .parse()
                    .map_err(|_| ())
                    .and_then(|m| Interval::from_minutes(m).map_err(|_| ()))
                {
                    Ok(interval) => options.interval = interval,
                    Err(()) => return usage("--interval takes 15, 30 or 60"),
                }
            }
            ("--days", Some(days)) => match days.parse() {
                Ok(days) => options.days = days,
                Err(_) => return usage("--days takes a whole number"),
            },
            _ => return usage("unknown or incomplete option"),
        }
    }
    let Some(path) = csv else {
        return usage("--csv FILE is required");
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    match backtest_csv(&text, &options) {
        Ok(report) => {
            for line in report.lines() {
                println!("{line}");
            }
            eprintln!("backtest took {:.3} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("{problem}\nusage: backtest --csv FILE [--interval 60] [--days 20]");
    ExitCode::from(2)
}
