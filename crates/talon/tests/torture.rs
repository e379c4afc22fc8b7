//! The crash suite's short form: `talon torture crash` kills a demo server under a mixed load
//! twenty times and then checks the store and the live state against everything the server
//! acknowledged (see `src/torture.rs`). Its long form is run by hand; BENCHMARKS.md records one.

use std::process::Command;

#[test]
fn twenty_kills_lose_nothing_acknowledged() {
    let folder = tempfile::tempdir().unwrap();
    let kept = folder.path().join("run");
    let output = Command::new(env!("CARGO_BIN_EXE_talon"))
        .args(["torture", "crash", "--cycles", "20", "--json", "--keep"])
        .arg(&kept)
        .output()
        .expect("talon runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the crash suite failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .expect("the last line is the JSON report");
    assert_eq!(report["cycles"], 20);
    let acknowledged = report["acknowledged"].as_u64().unwrap();
    assert_eq!(report["found"].as_u64(), Some(acknowledged));
    // The load did what it is for: every kind of operation was acknowledged and then killed.
    for kind in [
        "ticket_issued",
        "ticket_called",
        "service_started",
        "service_finished",
        "ticket_transferred",
        "ticket_cancelled",
    ] {
        assert!(
            report["acknowledged_by_kind"][kind].as_u64() > Some(0),
            "no {kind} in {report}"
        );
    }
    assert!(report["events"].as_u64() >= Some(acknowledged));
    assert!(report["audit_records"].as_u64() > Some(0));
}
