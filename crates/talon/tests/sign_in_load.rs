//! A flood of concurrent sign-ins cannot exhaust the server's memory: password checks (about
//! 19 MiB each) run a few at a time, the rest wait briefly or are told `503 busy`, the memory
//! goes back to the system afterwards, and a sign-in from another address still gets through
//! while one address floods.

mod common;

use common::{Demo, WAIT, reply};
use serde_json::json;
use std::net::IpAddr;
use std::time::Duration;

/// A value in kB from the server's `/proc/<pid>/status`, e.g. `VmRSS` or `VmHWM` (the peak).
fn memory_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in the status"))
}

/// An HTTP client whose connections come from `address` (any of 127.0.0.0/8 on Linux).
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().expect("an address"))
        .timeout(WAIT)
        .build()
        .expect("a client")
}

#[tokio::test]
async fn concurrent_sign_ins_are_bounded_and_their_memory_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    // One check first, so the baseline holds what any sign-in leaves behind.
    demo.admin().await;
    let pid = demo.pid();
    let before = memory_kb(pid, "VmRSS");

    // 4 addresses × 15 sign-ins of unknown users, all at once: each would cost a full check.
    let mut flood = tokio::task::JoinSet::new();
    for a in 2..6 {
        let client = client_from(&format!("127.0.0.{a}"));
        for n in 0..15 {
            let request = client
                .post(demo.api("/auth/login"))
                .json(&json!({"username": format!("nobody-{a}-{n}"), "password": "guess-guess"}));
            flood.spawn(reply(request));
        }
    }
    // Meanwhile the administrator signs in from another address.
    let admin = demo.facts.admin.clone();
    let legitimate = client_from("127.0.0.9")
        .post(demo.api("/auth/login"))
        .json(&json!({"username": admin.username, "password": admin.password}));
    let legitimate = reply(legitimate).await;
    assert!(
        legitimate.expect(200)["token"].is_string(),
        "{}",
        legitimate.text
    );

    let (mut refused, mut checked) = (0, 0);
    while let Some(answer) = flood.join_next().await {
        let answer = answer.unwrap();
        match answer.status.as_u16() {
            401 => checked += 1,
            503 => {
                answer.expect_error(503, "busy");
                refused += 1;
            }
            other => panic!(
                "a flooded sign-in answers 401 or 503, not {other}: {}",
                answer.text
            ),
        }
    }
    assert!(refused > 0, "one address cannot queue 15 checks");
    assert!(
        checked >= 4,
        "each address still gets checks through: {checked}"
    );

    let peak = memory_kb(pid, "VmHWM");
    assert!(
        peak.saturating_sub(before) < 150 * 1024,
        "60 concurrent sign-ins raised the peak from {before} kB to {peak} kB"
    );
    // The memory of the checks is returned; poll the process's own figure until it is.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = memory_kb(pid, "VmRSS");
        if now <= before + 50 * 1024 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "after the flood the server still holds {now} kB (it held {before} kB before)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
