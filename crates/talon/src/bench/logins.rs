//! `talon bench --logins N`: a flood of N concurrent sign-ins of unknown users (each costs a
//! full password check), spread over several source addresses on loopback, while the
//! administrator keeps signing in from one more address. It reports the answers, the server's
//! resident memory before, at its peak and after, how soon the memory went back, and whether
//! the legitimate sign-ins got through meanwhile.

use super::{Error, Target};
use crate::remote::http_error;
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// How long the memory may take to go back before the run says it did not.
const RETURN_WITHIN: Duration = Duration::from_secs(60);
/// "Back" means within this much of the resident memory before the flood.
const RETURNED_MARGIN_KB: u64 = 50 * 1024;

/// A value in kB of `/proc/<pid>/status`: `VmRSS` now, `VmHWM` the peak so far.
fn memory_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// A client whose connections come from `address`.
fn client_from(address: IpAddr) -> Result<reqwest::Client, Error> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .local_address(address)
        .timeout(Duration::from_secs(60))
        .build()?)
}

fn loopback(n: usize) -> IpAddr {
    IpAddr::from([127, 0, 0, 2 + n as u8])
}

pub async fn run(target: &Target, count: usize, addresses: usize) -> Result<(), Error> {
    if !(1..=200).contains(&addresses) {
        return Err("the flood comes from 1 to 200 addresses".into());
    }
    let login = format!("{}/api/v1/auth/login", target.url);
    let admin = json!({"username": target.admin.username, "password": target.admin.password});
    // One sign-in first, so "before" holds what any sign-in leaves behind.
    let warm = client_from(loopback(addresses))?
        .post(&login)
        .json(&admin)
        .send()
        .await
        .map_err(http_error)?;
    if !warm.status().is_success() {
        return Err(format!("the administrator cannot sign in: {}", warm.status()).into());
    }
    let pid = target.server_pid;
    let before = pid.and_then(|p| memory_kb(p, "VmRSS"));

    let flooding = Arc::new(AtomicBool::new(true));
    let legitimate = {
        let client = client_from(loopback(addresses))?;
        let (login, admin, flooding) = (login.clone(), admin.clone(), flooding.clone());
        tokio::spawn(async move {
            let mut answers = Vec::new();
            while flooding.load(Ordering::Relaxed) {
                let started = Instant::now();
                let status = client
                    .post(&login)
                    .json(&admin)
                    .send()
                    .await
                    .map(|r| r.status());
                answers.push((status.map(|s| s.as_u16()).unwrap_or(0), started.elapsed()));
            }
            answers
        })
    };

    let clients = (0..addresses)
        .map(|n| client_from(loopback(n)))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let mut flood = JoinSet::new();
    for n in 0..count {
        let request = clients[n % addresses]
            .post(&login)
            .json(&json!({"username": format!("flood-{n}"), "password": "not-the-password"}));
        flood.spawn(async move {
            let sent = Instant::now();
            let status = request.send().await.map(|r| r.status().as_u16());
            (status.unwrap_or(0), sent.elapsed())
        });
    }
    let mut answers = std::collections::BTreeMap::<u16, usize>::new();
    let mut slowest = Duration::ZERO;
    while let Some(joined) = flood.join_next().await {
        let (status, took) = joined?;
        *answers.entry(status).or_default() += 1;
        slowest = slowest.max(took);
    }
    let flood_took = started.elapsed();
    flooding.store(false, Ordering::Relaxed);
    let legitimate = legitimate.await?;
    let peak = pid.and_then(|p| memory_kb(p, "VmHWM"));

    let after = Instant::now();
    let mut returned = None;
    let mut now = None;
    if let (Some(pid), Some(before)) = (pid, before) {
        while after.elapsed() < RETURN_WITHIN {
            now = memory_kb(pid, "VmRSS");
            if now.is_some_and(|kb| kb <= before + RETURNED_MARGIN_KB) {
                returned = Some(after.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let mb = |kb: Option<u64>| {
        kb.map_or("-".to_string(), |kb| {
            format!("{:.0} MB", kb as f64 / 1024.0)
        })
    };
    println!("Talon sign-in flood, {}", jiff::Zoned::now().date());
    println!("{count} concurrent sign-ins of unknown users from {addresses} addresses");
    let answers = answers
        .iter()
        .map(|(status, n)| format!("{status} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!("  answers: {answers}");
    println!(
        "  the flood took {:.2} s; its slowest answer {:.2} s",
        flood_took.as_secs_f64(),
        slowest.as_secs_f64()
    );
    println!(
        "  server memory (RSS): before {}, peak {}, after {}",
        mb(before),
        mb(peak),
        mb(now)
    );
    match returned {
        Some(t) => println!(
            "  back within 50 MB of before {:.1} s after the flood",
            t.as_secs_f64()
        ),
        None if pid.is_some() => println!("  NOT back within 50 MB of before after 60 s"),
        None => println!("  (memory unknown: the server is not this benchmark's own)"),
    }
    let ok: Vec<Duration> = legitimate
        .iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, took)| *took)
        .collect();
    let longest = ok.iter().max().copied().unwrap_or_default();
    println!(
        "  legitimate sign-ins meanwhile: {} of {} succeeded, the slowest in {:.0} ms",
        ok.len(),
        legitimate.len(),
        longest.as_secs_f64() * 1000.0
    );
    let under_400 = peak.is_none_or(|kb| kb < 400 * 1024);
    if legitimate.is_empty() || ok.len() < legitimate.len() || !under_400 {
        return Err("the server did not hold up under the sign-in flood".into());
    }
    if pid.is_some() && returned.is_none() {
        return Err("the server's memory did not go back after the flood".into());
    }
    Ok(())
}
