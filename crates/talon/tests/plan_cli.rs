//! `talon plan erlang|backtest|staffing` and `talon simulate`, run as processes: what they print
//! is what `talon-plan` and `talon-sim` compute, on the real shared bank data.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};
use talon_plan::{
    BacktestOptions, ErlangQuery, Interval, StaffingRequest, aggregate, backtest_csv,
    forecast_next_day, parse_counts, plan_staffing,
};

/// The shared bank data beside the repository (`../shared/data` from its root).
fn bank_calls_path() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/bank_calls_5min_2003.csv");
    assert!(
        path.is_file(),
        "the planning tests need the shared data file {} (../shared/data from the repository's \
         root)",
        path.display()
    );
    path
}

fn talon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_talon"))
        .args(args)
        .output()
        .expect("talon runs")
}

fn stdout_of(args: &[&str]) -> String {
    let out = talon(args);
    assert!(
        out.status.success(),
        "talon {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `key=value` pairs of a line.
fn pairs(line: &str) -> Vec<(String, String)> {
    line.split_whitespace()
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn value_of(pairs: &[(String, String)], key: &str) -> Option<f64> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.parse().unwrap())
}

#[test]
fn erlang_prints_the_formulas_figures() {
    let cases: [(&[&str], ErlangQuery); 2] = [
        (
            &["--servers", "8"],
            ErlangQuery {
                arrivals_per_hour: 120.0,
                service_secs: 180.0,
                target_secs: 20.0,
                servers: Some(8),
                target_level: None,
                patience_secs: None,
                shrinkage: None,
            },
        ),
        (
            &[
                "--target-level",
                "0.9",
                "--patience-secs",
                "300",
                "--shrinkage",
                "0.3",
            ],
            ErlangQuery {
                arrivals_per_hour: 120.0,
                service_secs: 180.0,
                target_secs: 20.0,
                servers: None,
                target_level: Some(0.9),
                patience_secs: Some(300.0),
                shrinkage: Some(0.3),
            },
        ),
    ];
    for (extra, query) in cases {
        let mut args = vec![
            "plan",
            "erlang",
            "--arrivals-per-hour",
            "120",
            "--service-secs",
            "180",
            "--target-secs",
            "20",
        ];
        args.extend_from_slice(extra);
        let printed = pairs(stdout_of(&args).trim());
        let expected = query.answer().unwrap();
        assert_eq!(
            value_of(&printed, "servers"),
            Some(f64::from(expected.servers))
        );
        for (key, want) in [
            ("p_wait", expected.p_wait),
            ("service_level", expected.service_level),
        ] {
            let got = value_of(&printed, key).unwrap();
            assert!((got - want).abs() < 1e-6, "{key}: {got} vs {want}");
        }
        assert_eq!(
            value_of(&printed, "p_abandon").is_some(),
            expected.p_abandon.is_some()
        );
        assert_eq!(
            value_of(&printed, "scheduled"),
            expected.scheduled.map(f64::from)
        );
    }
    // Both questions at once, neither, and a value out of its domain are refused.
    let base = [
        "plan",
        "erlang",
        "--arrivals-per-hour",
        "120",
        "--service-secs",
        "180",
        "--target-secs",
        "20",
    ];
    for extra in [
        &["--servers", "8", "--target-level", "0.8"][..],
        &[][..],
        &["--target-level", "1.5"][..],
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let out = talon(&args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(!out.stderr.is_empty(), "{args:?} says nothing");
    }
}

#[test]
fn backtest_on_the_bank_data_beats_the_baselines() {
    let path = bank_calls_path();
    let file = path.to_str().unwrap();
    let printed = stdout_of(&[
        "plan",
        "backtest",
        "--csv",
        file,
        "--interval",
        "60",
        "--days",
        "20",
    ]);
    let report = backtest_csv(
        &std::fs::read_to_string(&path).unwrap(),
        &BacktestOptions::default(),
    )
    .unwrap();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[..report.lines().len()], report.lines()[..]);
    let chosen = lines
        .iter()
        .find_map(|l| l.strip_prefix("chosen="))
        .expect("a chosen line");
    let wape = |model: &str| {
        lines
            .iter()
            .map(|l| pairs(l))
            .find(|p| p.first().is_some_and(|(k, v)| k == "model" && v == model))
            .and_then(|p| value_of(&p, "wape"))
            .unwrap()
    };
    assert!(
        wape(chosen) < 5.65,
        "{chosen} reaches {} %, not below 5.65 %",
        wape(chosen)
    );
    for baseline in ["seasonal_naive", "weekday_mean_4"] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("beats={baseline} ")))
            .unwrap_or_else(|| panic!("no comparison with {baseline}: {printed}"));
        let by: f64 = pairs(line)[1].1.parse().unwrap();
        assert!(
            (by - (wape(baseline) - wape(chosen))).abs() < 0.011,
            "{line}"
        );
        assert!(by > 0.0, "{line}");
    }
}

#[test]
fn staffing_writes_the_plan_of_the_next_day_as_csv() {
    let path = bank_calls_path();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("plan.csv");
    let args = [
        "plan",
        "staffing",
        "--csv",
        path.to_str().unwrap(),
        "--service-secs",
        "300",
        "--target-secs",
        "20",
        "--target-level",
        "0.8",
        "--shrinkage",
        "0.25",
    ];
    let printed = stdout_of(&args);
    let mut to_file = args.to_vec();
    to_file.extend_from_slice(&["--output", output.to_str().unwrap()]);
    assert_eq!(stdout_of(&to_file), "");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), printed);

    let series = aggregate(
        &parse_counts(&std::fs::read_to_string(&path).unwrap()).unwrap(),
        Interval::Minutes60,
    )
    .unwrap();
    let next = forecast_next_day(&series, 20, &BTreeSet::new()).unwrap();
    let request = StaffingRequest {
        service_secs: 300.0,
        target_secs: 20.0,
        target_level: 0.8,
        patience_secs: None,
        max_abandon: None,
        shrinkage: Some(0.25),
    };
    let plan = plan_staffing(&next.forecast.counts, Interval::Minutes60, &request).unwrap();
    assert_eq!(printed, plan.to_csv());
    assert!(printed.lines().count() > 12, "{printed}");
}

/// A value as read back from JSON text.
fn as_read<T: serde::Serialize>(value: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

#[test]
fn simulate_prints_the_simulators_summary_and_a_seed_fixes_it() {
    let mmc = [
        "simulate",
        "--sample",
        "mmc",
        "--servers",
        "2",
        "--per-hour",
        "20",
        "--service-secs",
        "300",
        "--hours",
        "2",
        "--target-secs",
        "60",
        "--replications",
        "6",
        "--seed",
        "9",
    ];
    let lines = stdout_of(&mmc);
    assert_eq!(lines, stdout_of(&mmc), "the same seed prints the same");
    assert!(lines.contains("replications=6\n"), "{lines}");
    assert!(lines.contains("\nwait_mean_secs="), "{lines}");

    let mut json = mmc.to_vec();
    json.push("--json");
    let printed: Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    let direct = talon_sim::simulate(&talon_sim::sample::mmc(2, 20.0, 300.0, 2, 60), 6, 9).unwrap();
    assert_eq!(printed, as_read(&direct));

    // What-if with a third workplace: both on the same visitors.
    let mut what_if = mmc.to_vec();
    what_if.extend_from_slice(&["--what-if-servers", "3"]);
    let compared = stdout_of(&what_if);
    let mean = |key: &str| -> f64 {
        let line = compared
            .lines()
            .find(|l| l.starts_with(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {compared}"));
        line[key.len() + 1..]
            .split('±')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(mean("a.issued"), mean("b.issued"));
    assert!(
        mean("b.wait_mean_secs") < mean("a.wait_mean_secs"),
        "{compared}"
    );
    assert!(mean("b_minus_a.wait_mean_secs") < 0.0, "{compared}");

    // A model file.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bank.json");
    std::fs::write(
        &model,
        serde_json::to_string(&talon_sim::sample::bank(3)).unwrap(),
    )
    .unwrap();
    let printed: Value = serde_json::from_str(&stdout_of(&[
        "simulate",
        "--model",
        model.to_str().unwrap(),
        "--replications",
        "2",
        "--seed",
        "3",
        "--json",
    ]))
    .unwrap();
    let direct = talon_sim::simulate(&talon_sim::sample::bank(3), 2, 3).unwrap();
    assert_eq!(printed, as_read(&direct));

    let missing = talon(&["simulate", "--model", "/nonexistent/model.json"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/model.json"));
}
