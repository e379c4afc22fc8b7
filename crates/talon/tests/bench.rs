//! `talon bench` keeps working against the API it measures: a tiny run against its own server
//! completes every phase, loses no call on any display, and reports every operation.

use serde_json::Value;
use std::process::Command;

#[test]
fn a_small_benchmark_run_completes_and_reports_every_operation() {
    let output = Command::new(env!("CARGO_BIN_EXE_talon"))
        .args([
            "bench",
            "--tickets",
            "40",
            "--clients",
            "2",
            "--subscribers",
            "5",
            "--calls",
            "3",
            "--phase-timeout",
            "60",
            "--json",
        ])
        .env("TALON_LOG", "warn")
        .output()
        .expect("running talon bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "talon bench failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .expect("a JSON report on the last lines");
    assert_eq!(report["missing_call_events"], 0);
    let operations: Vec<&str> = report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter_map(|o| o["operation"].as_str())
        .collect();
    for expected in ["issue", "call-next", "start", "finish"] {
        assert!(
            operations.contains(&expected),
            "{expected} in {operations:?}"
        );
    }
    let issued = report["operations"]
        .as_array()
        .and_then(|ops| ops.iter().find(|o| o["operation"] == "issue"))
        .and_then(|o| o["count"].as_u64());
    assert_eq!(issued, Some(40));
}
