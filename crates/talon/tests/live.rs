//! The live event stream (Server-Sent Events) of a branch, read byte by byte as a display would:
//! live events arrive in order with ids increasing by one; a display that disconnects and comes
//! back with `Last-Event-ID: N` gets exactly the events after N, with no gap and no repeat, and
//! then the live ones; the same holds across a server restart; and the whole history can be
//! replayed from the start with the token and position in the query, as `EventSource` does.

mod common;

use common::{Demo, EventStream, SseEvent};

/// The event types of one visit: issue, call-next, start, finish.
const VISIT: [&str; 4] = [
    "ticket_issued",
    "ticket_called",
    "service_started",
    "service_finished",
];

/// Runs one whole visit at `workplace`; returns the called ticket's id.
async fn visit(demo: &Demo, op: &str, workplace: u64, service: u64) -> u64 {
    let issued = demo.issue(service).await;
    let called = demo.call_next(op, workplace).await.expect("a ticket");
    assert_eq!(called["id"], issued["id"]);
    let id = called["id"].as_u64().unwrap();
    demo.act(op, id, "start", None).await.expect(200);
    demo.act(op, id, "finish", None).await.expect(200);
    id
}

/// Reads `n` events and checks that they continue right after `after`, one id at a time, and
/// that each event's body agrees with its id and type.
async fn read(stream: &mut EventStream, after: u64, n: usize) -> Vec<SseEvent> {
    let mut events = Vec::with_capacity(n);
    let mut last = after;
    for _ in 0..n {
        let event = stream.next().await;
        assert_eq!(
            event.id,
            last + 1,
            "after event {last} came {} ({})",
            event.id,
            event.event
        );
        assert_eq!(event.data["seq"], event.id, "{}", event.raw);
        assert_eq!(event.data["type"], event.event.as_str(), "{}", event.raw);
        last = event.id;
        events.push(event);
    }
    events
}

/// Checks that `events` are whole visits and returns the tickets called, in order.
fn visits(events: &[SseEvent]) -> Vec<u64> {
    assert_eq!(events.len() % 4, 0);
    let mut called = Vec::new();
    for chunk in events.chunks(4) {
        let kinds: Vec<&str> = chunk.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(kinds, VISIT);
        let ticket = &chunk[0].data["ticket"];
        assert!(
            chunk.iter().all(|e| &e.data["ticket"] == ticket),
            "{chunk:?}"
        );
        called.push(chunk[1].data["ticket"].as_u64().unwrap());
    }
    called
}

/// The ids of the `ticket_called` events, in the order they came.
fn calls(events: &[SseEvent]) -> Vec<u64> {
    events
        .iter()
        .filter(|e| e.event == "ticket_called")
        .map(|e| e.data["ticket"].as_u64().unwrap())
        .collect()
}

async fn seq(demo: &Demo) -> u64 {
    demo.state().await["seq"].as_u64().unwrap()
}

#[tokio::test]
async fn a_display_resumes_after_a_disconnect_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let op = demo.operator(0).await;
    let w = demo.workplace(0);
    let services: Vec<u64> = demo.facts.services.iter().map(|s| s.id).collect();

    // Live from now on.
    let start = seq(&demo).await;
    let mut stream = EventStream::connect(&demo.url, demo.branch(), demo.display(), None).await;
    demo.open_workplace(&op, w, demo.all_services()).await;
    let mut called = Vec::new();
    for n in 0..5 {
        called.push(visit(&demo, &op, w, services[n % 4]).await);
    }
    let events = read(&mut stream, start, 21).await;
    assert_eq!(events[0].event, "workplace_opened");
    assert_eq!(events[0].data["workplace"], w);
    assert_eq!(visits(&events[1..]), called);
    let last = events.last().unwrap().id;
    assert_eq!(last, seq(&demo).await);

    // Gone while 20 visits happen.
    drop(stream);
    let mut missed = Vec::new();
    for n in 0..20 {
        missed.push(visit(&demo, &op, w, services[n % 4]).await);
    }
    let now = seq(&demo).await;
    assert_eq!(now, last + 80);

    // Back with Last-Event-ID: exactly the 80 events after it, then live ones.
    let mut stream =
        EventStream::connect(&demo.url, demo.branch(), demo.display(), Some(last)).await;
    let events = read(&mut stream, last, 80).await;
    assert_eq!(visits(&events), missed);
    assert_eq!(calls(&events), missed, "exactly the 20 calls, in order");
    let live = demo.issue(services[0]).await;
    let next = read(&mut stream, now, 1).await.remove(0);
    assert_eq!(next.event, "ticket_issued");
    assert_eq!(next.data["ticket"], live["id"]);

    // A second display that is up to date gets nothing old, only what happens next.
    let mut fresh =
        EventStream::connect(&demo.url, demo.branch(), demo.display(), Some(now + 1)).await;
    let called = demo.call_next(&op, w).await.unwrap();
    assert_eq!(called["id"], live["id"]);
    let id = called["id"].as_u64().unwrap();
    demo.act(&op, id, "start", None).await.expect(200);
    demo.act(&op, id, "finish", None).await.expect(200);
    let events = read(&mut fresh, now + 1, 3).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, VISIT[1..]);
    assert_eq!(calls(&events), vec![id]);
    // The first display saw the same.
    let same = read(&mut stream, now + 1, 3).await;
    let raw = |events: &[SseEvent]| events.iter().map(|e| e.raw.clone()).collect::<Vec<_>>();
    assert_eq!(raw(&same), raw(&events));
}

#[tokio::test]
async fn the_whole_history_replays_from_the_start_with_the_query_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let op = demo.operator(1).await;
    let w = demo.workplace(1);
    demo.open_workplace(&op, w, demo.all_services()).await;
    let called = visit(&demo, &op, w, demo.service("D")).await;
    let now = seq(&demo).await;

    // As an EventSource would: token and position in the query, no headers.
    let url = demo.api(&format!(
        "/branches/{}/events?access_token={}&last_event_id=0",
        demo.branch(),
        demo.display()
    ));
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = EventStream::from_response(response);
    let events = read(&mut stream, 0, now as usize).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds[0], "branch_created");
    assert_eq!(events[0].data["settings"]["name"], "Talon Demo");
    let count = |kind: &str| kinds.iter().filter(|k| **k == kind).count();
    assert_eq!(count("service_defined"), 4);
    assert_eq!(count("profile_defined"), 3);
    assert_eq!(count("workplace_defined"), 6);
    assert_eq!(count("workplace_opened"), 1);
    assert_eq!(calls(&events), vec![called]);
    assert_eq!(kinds[kinds.len() - 4..], VISIT);

    // The header wins over the query, as a reconnecting EventSource sends both.
    let response = reqwest::Client::new()
        .get(demo.api(&format!(
            "/branches/{}/events?access_token={}&last_event_id=0",
            demo.branch(),
            demo.display()
        )))
        .header("Last-Event-ID", (now - 2).to_string())
        .send()
        .await
        .unwrap();
    let mut stream = EventStream::from_response(response);
    let events = read(&mut stream, now - 2, 2).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, VISIT[2..]);
}

#[tokio::test]
async fn the_stream_goes_on_through_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = Demo::spawn(dir.path()).await;
    let op = demo.operator(2).await;
    let w = demo.workplace(2);
    let services: Vec<u64> = demo.facts.services.iter().map(|s| s.id).collect();
    demo.open_workplace(&op, w, demo.all_services()).await;
    let start = seq(&demo).await;
    let mut stream = EventStream::connect(&demo.url, demo.branch(), demo.display(), None).await;
    let mut called = Vec::new();
    for &service in &services[..3] {
        called.push(visit(&demo, &op, w, service).await);
    }
    let seen = read(&mut stream, start, 12).await;
    assert_eq!(visits(&seen), called);
    let last = seen.last().unwrap().id;

    // Two more visits the display does not read before the server dies.
    let mut missed = Vec::new();
    for &service in &services[..2] {
        missed.push(visit(&demo, &op, w, service).await);
    }
    demo.kill().await;
    // The old connection ends (after whatever was already on its way) instead of hanging.
    let mut tail = Vec::new();
    while let Some(event) = tokio::time::timeout(common::WAIT, stream.try_next())
        .await
        .expect("the stream ends when the server dies")
    {
        tail.push(event);
    }
    for (i, event) in tail.iter().enumerate() {
        assert_eq!(event.id, last + 1 + i as u64, "{tail:?}");
    }

    // The restarted server: the same session still works, two more visits.
    demo.restart().await;
    assert_eq!(seq(&demo).await, last + 8, "nothing committed was lost");
    let w_state = Demo::workplace_in(&demo.state().await, w).clone();
    assert_eq!(w_state["status"], "open", "{w_state}");
    for &service in &services[2..] {
        missed.push(visit(&demo, &op, w, service).await);
    }

    // Reconnect to the new server from the last event read.
    let mut stream =
        EventStream::connect(&demo.url, demo.branch(), demo.display(), Some(last)).await;
    let events = read(&mut stream, last, 16).await;
    assert_eq!(visits(&events), missed);
    for (old, new) in tail.iter().zip(&events) {
        assert_eq!(old.raw, new.raw, "an event is the same whenever it is read");
    }
    // And live again.
    let live = demo.issue(services[3]).await;
    let next = read(&mut stream, last + 16, 1).await.remove(0);
    assert_eq!(next.data["ticket"], live["id"]);
}
