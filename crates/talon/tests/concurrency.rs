//! Many operators calling at once never call a ticket twice and never lose one: 200 waiting
//! tickets, six open workplaces (the demo's six operators), and 50 concurrent tasks looping
//! call-next on random workplaces. A busy workplace answers 409 `workplace_busy` and the task
//! tries again; a called ticket is started and finished by the operator of its workplace. When
//! every workplace answers 204, every ticket was called exactly once and nobody waits.

mod common;

use common::{Demo, EventStream};
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

const TICKETS: usize = 200;
const TASKS: usize = 50;

struct Shared {
    demo: Demo,
    /// (workplace id, its operator's token)
    workplaces: Vec<(u64, String)>,
    /// Workplaces that answered 204: nobody is left for them.
    drained: Mutex<HashSet<usize>>,
    /// Every call, in the order the answers came: (ticket, workplace).
    calls: Mutex<Vec<(u64, u64)>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ticket_is_called_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;

    // Six operators at six workplaces, all serving every service.
    let mut workplaces = Vec::new();
    for n in 0..6 {
        let token = demo.operator(n).await;
        let w = demo.workplace(n);
        demo.open_workplace(&token, w, demo.all_services()).await;
        workplaces.push((w, token));
    }

    // 200 tickets across the four services, issued 16 at a time.
    let services: Vec<u64> = demo.facts.services.iter().map(|s| s.id).collect();
    let issued: Vec<u64> = futures_util::stream::iter(0..TICKETS)
        .map(|n| {
            let demo = &demo;
            let service = services[n % services.len()];
            async move { demo.issue(service).await["id"].as_u64().unwrap() }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let issued: BTreeSet<u64> = issued.into_iter().collect();
    assert_eq!(issued.len(), TICKETS, "every issued ticket has its own id");
    let state = demo.state().await;
    let waiting: u64 = state["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["waiting"].as_u64().unwrap())
        .sum();
    assert_eq!(waiting, TICKETS as u64);

    let shared = Arc::new(Shared {
        demo,
        workplaces,
        drained: Mutex::new(HashSet::new()),
        calls: Mutex::new(Vec::new()),
    });
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| tokio::spawn(call_until_drained(shared.clone())))
        .collect();
    let mut busy = 0;
    for task in tasks {
        busy += task.await.expect("a calling task failed");
    }

    let calls = shared.calls.lock().unwrap().clone();
    let called: Vec<u64> = calls.iter().map(|(t, _)| *t).collect();
    let unique: BTreeSet<u64> = called.iter().copied().collect();
    assert_eq!(
        unique.len(),
        called.len(),
        "a ticket was called twice: {} calls of {} tickets",
        called.len(),
        unique.len()
    );
    let missing: Vec<_> = issued.difference(&unique).collect();
    assert!(missing.is_empty(), "never called: {missing:?}");
    assert_eq!(unique, issued, "called exactly the issued tickets");
    // The tasks really did get in each other's way (and nothing broke because of it).
    assert!(busy > 0, "no call ever met a busy workplace");

    let demo = &shared.demo;
    let state = demo.state().await;
    for queue in state["queues"].as_array().unwrap() {
        assert_eq!(queue["waiting"], 0, "{queue}");
    }
    for (w, _) in &shared.workplaces {
        let at = Demo::workplace_in(&state, *w);
        assert_eq!(at["status"], "open");
        assert_eq!(at["current"], serde_json::Value::Null, "{at}");
    }
    let admin = demo.admin().await;
    let open = demo
        .get(
            &format!("/branches/{}/tickets", demo.branch()),
            Some(&admin),
        )
        .await;
    assert_eq!(
        open.expect(200),
        &serde_json::json!([]),
        "no ticket is left open"
    );

    // The event log tells the same story: replayed from the start (more than one page of the
    // store), every ticket was issued, called, started and finished once, in that order.
    let last = state["seq"].as_u64().unwrap();
    let mut stream = EventStream::connect(&demo.url, demo.branch(), &admin, Some(0)).await;
    let mut life: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for seq in 1..=last {
        let event = stream.next().await;
        assert_eq!(event.id, seq, "the log has no gaps");
        if let Some(ticket) = event.data["ticket"].as_u64() {
            life.entry(ticket).or_default().push(event.event.clone());
        }
    }
    assert_eq!(life.keys().copied().collect::<BTreeSet<_>>(), issued);
    for (ticket, kinds) in &life {
        assert_eq!(
            kinds,
            &[
                "ticket_issued",
                "ticket_called",
                "service_started",
                "service_finished"
            ],
            "ticket {ticket}"
        );
    }
}

/// Calls at random undrained workplaces until all are drained; returns how often a workplace
/// was busy.
async fn call_until_drained(shared: Arc<Shared>) -> usize {
    let demo = &shared.demo;
    let mut busy = 0;
    loop {
        let open: Vec<usize> = {
            let drained = shared.drained.lock().unwrap();
            (0..shared.workplaces.len())
                .filter(|i| !drained.contains(i))
                .collect()
        };
        if open.is_empty() {
            return busy;
        }
        let i = open[rand::random_range(0..open.len())];
        let (w, token) = &shared.workplaces[i];
        let reply = demo.call_next_reply(token, *w).await;
        match reply.status.as_u16() {
            200 => {
                let ticket = &reply.body;
                assert_eq!(ticket["status"], "called", "{ticket}");
                assert_eq!(ticket["workplace"], *w, "{ticket}");
                assert_eq!(ticket["calls"], 1, "called once: {ticket}");
                let id = ticket["id"].as_u64().unwrap();
                shared.calls.lock().unwrap().push((id, *w));
                let started = demo.act(token, id, "start", None).await;
                assert_eq!(started.expect(200)["status"], "serving");
                let finished = demo.act(token, id, "finish", None).await;
                assert_eq!(finished.expect(200)["status"], "done");
            }
            204 => {
                shared.drained.lock().unwrap().insert(i);
            }
            _ => {
                reply.expect_error(409, "workplace_busy");
                busy += 1;
                tokio::task::yield_now().await;
            }
        }
    }
}
