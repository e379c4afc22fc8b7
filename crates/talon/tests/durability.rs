//! An acknowledged ticket survives a crash. Eight tasks issue tickets as fast as they can; once
//! at least 200 are acknowledged (201) the server is killed with SIGKILL while requests are
//! still in flight, then started again on the same data folder. Every acknowledged ticket's
//! token still shows the same number, and each service's numbering goes on above every number
//! it acknowledged: a number is never handed out twice.

mod common;

use common::{Demo, number_value};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

const TASKS: usize = 8;
const ENOUGH: usize = 200;

/// A ticket the server acknowledged: (service, number, token).
type Ack = (u64, String, String);

struct Shared {
    client: reqwest::Client,
    issue_url: String,
    kiosk: String,
    services: Vec<u64>,
    acks: Mutex<Vec<Ack>>,
    count: AtomicUsize,
    enough: Notify,
    killed: AtomicBool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tickets_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = Demo::spawn(dir.path()).await;
    let shared = Arc::new(Shared {
        client: demo.client.clone(),
        issue_url: demo.api(&format!("/branches/{}/tickets", demo.branch())),
        kiosk: demo.kiosk().to_string(),
        services: demo.facts.services.iter().map(|s| s.id).collect(),
        acks: Mutex::new(Vec::new()),
        count: AtomicUsize::new(0),
        enough: Notify::new(),
        killed: AtomicBool::new(false),
    });
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| tokio::spawn(issue_until_killed(shared.clone(), n)))
        .collect();

    tokio::time::timeout(common::WAIT, shared.enough.notified())
        .await
        .expect("200 tickets are acknowledged in time");
    shared.killed.store(true, Ordering::SeqCst);
    let pid = demo.pid();
    demo.kill().await;
    let mut cut_off = 0;
    for task in tasks {
        cut_off += usize::from(task.await.expect("an issuing task failed"));
    }
    assert_eq!(
        cut_off, TASKS,
        "every task was still issuing when the server died"
    );
    let acks = shared.acks.lock().unwrap().clone();
    assert!(acks.len() >= ENOUGH, "{}", acks.len());

    // Numbers were never given twice, even before the crash.
    let mut highest: BTreeMap<u64, u32> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (service, number, _) in &acks {
        assert!(seen.insert(number.clone()), "{number} was issued twice");
        let value = number_value(number);
        let top = highest.entry(*service).or_default();
        *top = (*top).max(value);
    }

    demo.restart().await;
    assert_ne!(demo.pid(), pid);
    demo.assert_healthy().await;
    for (service, number, token) in &acks {
        let view = demo.public(token).await;
        let view = view.expect(200);
        assert_eq!(&view["number"], number, "the ticket of service {service}");
        assert_eq!(view["status"], "waiting");
    }
    // The queues hold at least every acknowledged ticket (in-flight ones may have made it too).
    let state = demo.state().await;
    for (service, top) in &highest {
        let acked = acks.iter().filter(|(s, _, _)| s == service).count() as u64;
        let waiting = Demo::queue(&state, *service)["waiting"].as_u64().unwrap();
        assert!(
            waiting >= acked,
            "service {service}: {waiting} waiting, {acked} acknowledged"
        );
        assert!(
            u64::from(*top) <= waiting,
            "numbers start at 1 and never skip"
        );
    }
    // Numbering goes on above everything acknowledged.
    for service in demo.facts.services.iter().map(|s| s.id) {
        let next = demo
            .post(
                &format!("/branches/{}/tickets", demo.branch()),
                Some(demo.kiosk()),
                json!({"service": service}),
            )
            .await
            .expect(201)
            .clone();
        let value = number_value(next["number"].as_str().unwrap());
        let top = highest.get(&service).copied().unwrap_or(0);
        assert!(
            value > top,
            "service {service} issued {} after acknowledging up to {top}",
            next["number"]
        );
    }
}

/// Issues tickets until the server goes away; returns whether it stopped because of the kill.
async fn issue_until_killed(shared: Arc<Shared>, task: usize) -> bool {
    let mut n = task;
    loop {
        let service = shared.services[n % shared.services.len()];
        n += 1;
        let sent = shared
            .client
            .post(&shared.issue_url)
            .bearer_auth(&shared.kiosk)
            .json(&json!({"service": service}))
            .send()
            .await;
        let body = match sent {
            Ok(response) => {
                let status = response.status();
                match response.json::<serde_json::Value>().await {
                    Ok(body) => {
                        assert_eq!(status, 201, "{body}");
                        body
                    }
                    // The answer was cut off by the kill: not acknowledged.
                    Err(e) => {
                        assert!(shared.killed.load(Ordering::SeqCst), "{e}");
                        return true;
                    }
                }
            }
            Err(e) => {
                assert!(
                    shared.killed.load(Ordering::SeqCst),
                    "the server failed before it was killed: {e}"
                );
                return true;
            }
        };
        let ack = (
            service,
            body["number"].as_str().unwrap().to_string(),
            body["token"].as_str().unwrap().to_string(),
        );
        shared.acks.lock().unwrap().push(ack);
        if shared.count.fetch_add(1, Ordering::SeqCst) + 1 == ENOUGH {
            shared.enough.notify_one();
        }
    }
}
