//! What an operator running Talon relies on, against the real binary: every answer carries a
//! request id that its error body and its log lines name, and a trusted proxy may hand its own;
//! liveness and readiness probes answer for load balancers; SIGTERM stops the server gracefully;
//! the metrics of every subsystem appear and move, and the Grafana dashboard queries only them.

mod common;

use common::{Demo, is_hex, reply};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// A client whose connections come from `address` (any of 127.0.0.0/8 on Linux).
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().expect("an address"))
        .timeout(common::WAIT)
        .build()
        .expect("a client")
}

#[tokio::test]
async fn every_answer_has_a_request_id_that_its_error_and_its_log_lines_name() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn_with(
        dir.path(),
        &[
            ("TALON_TRUSTED_PROXIES", "127.0.0.2"),
            ("TALON_LOG", "info"),
        ],
    )
    .await;
    let first = reply(demo.client.get(demo.at("/health"))).await;
    let second = reply(demo.client.get(demo.at("/health"))).await;
    first.expect(200);
    assert!(is_hex(&first.request_id, 16), "{}", first.request_id);
    assert_ne!(
        first.request_id, second.request_id,
        "each request has its own"
    );

    // `expect_error` checks that the body names the header's id.
    let missing = demo.get("/no-such-thing", None).await;
    missing.expect_error(404, "route_not_found");
    let refused = demo
        .get(&format!("/branches/{}/state", demo.branch()), None)
        .await;
    refused.expect_error(401, "unauthorized");

    // The access log line of each request names its id, its route template and its status.
    let log = demo.log();
    let line = log
        .lines()
        .find(|l| l.contains(&refused.request_id))
        .unwrap_or_else(|| panic!("no log line names {}: {log}", refused.request_id));
    assert!(
        line.contains("/api/v1/branches/{branch}/state") && line.contains("status=401"),
        "{line}"
    );

    let with_id = |client: &reqwest::Client, id: &str| {
        reply(client.get(demo.at("/health")).header("x-request-id", id))
    };
    let proxy = client_from("127.0.0.2");
    let stranger = client_from("127.0.0.3");
    let longest = "x".repeat(64);
    for kept in ["lb-7f3a.42_x", &longest] {
        assert_eq!(
            with_id(&proxy, kept).await.request_id,
            kept,
            "a trusted proxy's id is kept"
        );
    }
    let too_long = "x".repeat(65);
    for bad in ["has space", "quote\"d", "a/b", "a,b", &too_long] {
        let answer = with_id(&proxy, bad).await;
        assert!(
            is_hex(&answer.request_id, 16),
            "{bad:?} is replaced, not {}",
            answer.request_id
        );
    }
    let answer = with_id(&stranger, "lb-7f3a.42_x").await;
    assert!(
        is_hex(&answer.request_id, 16),
        "a caller that is no trusted proxy cannot choose its id: {}",
        answer.request_id
    );
}

/// Sets the embedded database's schema version, as another binary's migration would.
fn set_schema_version(demo: &Demo, version: i64) {
    let db = rusqlite::Connection::open(demo.dir.join("talon.db")).unwrap();
    db.busy_timeout(common::WAIT).unwrap();
    db.pragma_update(None, "user_version", version).unwrap();
}

#[tokio::test]
async fn liveness_and_readiness_answer_for_load_balancers() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let probe = |path: &str| reply(demo.client.get(demo.at(path)));
    assert_eq!(probe("/health/live").await.expect(200)["status"], "ok");
    assert_eq!(probe("/health/ready").await.expect(200)["status"], "ok");

    let current: i64 = rusqlite::Connection::open(dir.path().join("talon.db"))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(current > 0);
    // A schema this binary does not know (another version migrated the database).
    set_schema_version(&demo, current + 1);
    let refused = probe("/health/ready").await;
    refused.expect_error(503, "schema_not_current");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("version {}", current + 1)),
        "{}",
        refused.text
    );
    assert_eq!(
        probe("/health/live").await.expect(200)["status"],
        "ok",
        "the process still answers"
    );
    assert_eq!(
        probe("/health").await.expect(200)["status"],
        "ok",
        "/health stays as it was"
    );
    set_schema_version(&demo, current);
    probe("/health/ready").await.expect(200);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_id_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn_with(
        dir.path(),
        &[("TALON_LOG_FORMAT", "json"), ("TALON_LOG", "info")],
    )
    .await;
    let admin = demo.admin().await;
    let state = format!("/branches/{}/state", demo.branch());
    let read = demo.get(&state, Some(&admin)).await;
    read.expect(200);
    let wrong = demo
        .post(
            "/auth/login",
            None,
            serde_json::json!({"username": "admin", "password": "a wrong password"}),
        )
        .await;
    wrong.expect_error(401, "invalid_credentials");

    let log = demo.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect();
    for line in &lines {
        for key in ["timestamp", "level", "target", "message"] {
            assert!(line[key].is_string(), "{key} missing in {line}");
        }
    }
    let access = |id: &str| {
        lines
            .iter()
            .find(|l| l["target"] == "talon::access" && l["span"]["request_id"] == id)
            .unwrap_or_else(|| panic!("no access line for {id}: {log}"))
            .clone()
    };
    let line = access(&read.request_id);
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/api/v1/branches/{branch}/state");
    assert_eq!(line["status"], 200);
    assert!(line["duration_ms"].as_f64().unwrap() >= 0.0, "{line}");
    assert_eq!(access(&wrong.request_id)["status"], 401);
    for secret in [
        admin.as_str(),
        demo.facts.admin.password.as_str(),
        "a wrong password",
        demo.kiosk(),
    ] {
        assert!(!log.contains(secret), "the log holds a secret: {log}");
    }
}

/// A CRM on a local port that takes one lookup, says so on `asked`, and answers (no category)
/// only once `answer` fires: a request that waits for it is in flight for as long as the test
/// wants.
async fn held_crm() -> (String, oneshot::Receiver<()>, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/lookup", listener.local_addr().unwrap());
    let (asked_tx, asked) = oneshot::channel();
    let (answer, answer_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        // The head, then as many bytes of body as it announces.
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the lookup was cut short");
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                if body.len() >= length {
                    break;
                }
            }
        }
        asked_tx.send(()).unwrap();
        answer_rx.await.unwrap();
        let body = r#"{"category": null}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
    });
    (url, asked, answer)
}

#[tokio::test]
async fn sigterm_ends_streams_with_a_retry_hint_answers_requests_in_flight_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (crm, asked, answer) = held_crm().await;
    let mut demo = Demo::spawn_with(
        dir.path(),
        &[
            ("TALON_CRM_URL", crm.as_str()),
            ("TALON_CRM_TIMEOUT_MS", "60000"),
        ],
    )
    .await;
    let mut stream =
        common::EventStream::open(&demo.url, demo.branch(), demo.display(), None).await;
    assert_eq!(stream.status(), 200);

    // A visitor identifies at the kiosk: the ticket waits for the CRM, so its request is in
    // flight until the CRM answers.
    let issue = reply(
        demo.client
            .post(demo.api(&format!("/branches/{}/tickets", demo.branch())))
            .bearer_auth(demo.kiosk())
            .json(&json!({
                "service": demo.service("A"),
                "identification": {"kind": "phone", "value": "+79161234567"},
            })),
    );
    let issued = tokio::spawn(issue);
    tokio::time::timeout(common::WAIT, asked)
        .await
        .expect("the CRM is asked in time")
        .unwrap();

    let stopped = Instant::now();
    demo.sigterm();

    // The stream ends, its last frame telling the client when to reconnect.
    let mut text = String::new();
    while let Some(chunk) = tokio::time::timeout(common::WAIT, stream.chunk())
        .await
        .expect("the stream ends in time")
        .expect("the stream ends cleanly")
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let last = text.trim_end().rsplit("\n\n").next().unwrap();
    assert!(
        last.lines().any(|l| l == "retry: 1000"),
        "the stream ends with a retry hint: {text:?}"
    );
    // The streams end once the listener is closed: nothing new is accepted.
    let address = demo.url.trim_start_matches("http://").to_string();
    assert!(
        tokio::net::TcpStream::connect(&address).await.is_err(),
        "a stopping server accepts no connection"
    );

    // The request in flight is answered, and the server then exits, successfully and in time.
    answer.send(()).unwrap();
    let ticket = issued.await.unwrap();
    let ticket = ticket.expect(201).clone();
    let status = demo.exit_status(common::WAIT).await;
    assert!(status.success(), "stopped with {status}");
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "stopped after {:?}",
        stopped.elapsed()
    );

    // The acknowledged ticket is in the database.
    demo.restart().await;
    let view = demo.public(ticket["token"].as_str().unwrap()).await;
    assert_eq!(view.expect(200)["number"], ticket["number"]);
}

/// The samples of a Prometheus text exposition, by name with labels as written.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (key, value) = l.rsplit_once(' ').unwrap_or_else(|| panic!("{l:?}"));
            let value = value.parse().unwrap_or_else(|_| panic!("{l:?}"));
            (key.to_string(), value)
        })
        .collect()
}

/// The metric names an exposition declares, with a histogram's series names.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines() {
        if let Some(declared) = line.strip_prefix("# TYPE ") {
            let (name, kind) = declared.split_once(' ').unwrap();
            names.insert(name.to_string());
            if kind == "histogram" {
                for series in ["_bucket", "_sum", "_count"] {
                    names.insert(format!("{name}{series}"));
                }
            }
        }
    }
    names
}

#[tokio::test]
async fn the_metrics_of_every_subsystem_appear_and_move() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let scrape = || async {
        let answer = reply(demo.client.get(demo.at("/metrics")).bearer_auth(&admin)).await;
        answer.expect(200);
        answer.text
    };
    let text = scrape().await;
    let before = samples(&text);
    let at = |samples: &BTreeMap<String, f64>, key: &str| {
        *samples
            .get(key)
            .unwrap_or_else(|| panic!("no {key} in the metrics"))
    };
    let mailbox = format!("talon_actor_mailbox_depth{{branch=\"{}\"}}", demo.branch());
    for (gauge, at_rest) in [
        (mailbox.as_str(), Some(0.0)),
        ("talon_sign_in_checks_running", Some(0.0)),
        ("talon_sign_in_checks_waiting", Some(0.0)),
        ("talon_actor_restarts_total", Some(0.0)),
        ("talon_sign_in_check_slots", None),
        ("process_resident_memory_bytes", None),
        ("process_open_fds", None),
    ] {
        let value = at(&before, gauge);
        match at_rest {
            Some(expected) => assert_eq!(value, expected, "{gauge}"),
            None => assert!(value > 0.0, "{gauge} is {value}"),
        }
    }

    // A live stream, a ticket (a commit through the branch's actor), a sign-in, a 404.
    let stream = common::EventStream::open(&demo.url, demo.branch(), demo.display(), None).await;
    assert_eq!(stream.status(), 200);
    demo.issue(demo.service("A")).await;
    demo.operator(0).await;
    demo.get("/no-such-thing", None).await.expect(404);
    let after = samples(&scrape().await);
    for moved in [
        "talon_live_subscribers",
        "talon_commits_total",
        "talon_commit_duration_seconds_count",
        "talon_actor_batch_messages_count",
        "talon_sign_in_queue_wait_seconds_count",
        "talon_http_request_duration_seconds_count",
        "talon_http_responses_total{class=\"2xx\"}",
        "talon_http_responses_total{class=\"4xx\"}",
    ] {
        assert!(
            at(&after, moved) > at(&before, moved),
            "{moved}: {} then {}",
            at(&before, moved),
            at(&after, moved)
        );
    }
    assert_eq!(
        at(&after, "talon_live_subscribers"),
        at(&before, "talon_live_subscribers") + 1.0
    );
    assert!(at(&after, "talon_commit_duration_seconds_sum") > 0.0);
    let commits = at(&after, "talon_commit_duration_seconds_count");
    assert_eq!(
        at(&after, "talon_commit_duration_seconds_bucket{le=\"+Inf\"}"),
        commits,
        "every commit is in the last bucket"
    );

    // The stream's end is counted once the server sees its connection go.
    drop(stream);
    let deadline = Instant::now() + common::WAIT;
    while at(&samples(&scrape().await), "talon_live_subscribers")
        != at(&before, "talon_live_subscribers")
    {
        assert!(Instant::now() < deadline, "the stream is still counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The dashboard queries nothing the server does not export.
    let exported = metric_names(&text);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/grafana-dashboard.json"
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .expect("the dashboard is JSON");
    let mut queried = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{} queries nothing", panel["title"]);
        for target in targets {
            let expr = target["expr"].as_str().unwrap();
            let names = expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .filter(|w| w.starts_with("talon_") || w.starts_with("process_"));
            queried.extend(names.map(str::to_string));
        }
    }
    let unknown: Vec<_> = queried.difference(&exported).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard queries {unknown:?}, which are not exported"
    );
    for family in [
        "talon_commit_duration_seconds_bucket",
        "talon_live_subscribers",
        "talon_actor_mailbox_depth",
        "talon_actor_restarts_total",
        "talon_http_responses_total",
        "talon_http_request_duration_seconds_bucket",
        "talon_sign_in_checks_waiting",
        "process_resident_memory_bytes",
    ] {
        assert!(queried.contains(family), "the dashboard shows no {family}");
    }
}

#[tokio::test]
async fn a_warning_logged_while_a_request_is_served_names_its_id() {
    let dir = tempfile::tempdir().unwrap();
    // A CRM that never answers, and a request timeout shorter than the CRM's.
    let (crm, asked, _never) = held_crm().await;
    let demo = Demo::spawn_with(
        dir.path(),
        &[
            ("TALON_CRM_URL", crm.as_str()),
            ("TALON_REQUEST_TIMEOUT_MS", "300"),
            ("TALON_LOG", "warn"),
        ],
    )
    .await;
    let late = demo
        .post(
            &format!("/branches/{}/tickets", demo.branch()),
            Some(demo.kiosk()),
            json!({
                "service": demo.service("A"),
                "identification": {"kind": "phone", "value": "+79161234567"},
            }),
        )
        .await;
    late.expect_error(503, "timeout");
    asked.await.unwrap();
    let log = demo.log();
    assert!(
        log.lines()
            .any(|l| l.contains("not answered in time") && l.contains(&late.request_id)),
        "the warning names {}: {log}",
        late.request_id
    );
    assert!(!log.contains("9161234567"), "the identifier is not logged");
}
