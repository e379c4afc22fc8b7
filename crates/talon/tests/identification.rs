//! Identification at issue: a visitor identified by phone, document or card gets the category
//! of their customer record, or the external CRM's; the identifier is stored and logged only as
//! a keyed hash (a card also as its last four digits); a CRM that is slow or down never holds up
//! a ticket.

mod common;

use common::Demo;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

async fn issue_identified(demo: &Demo, service: u64, kind: &str, value: &str) -> Value {
    demo.post(
        &format!("/branches/{}/tickets", demo.branch()),
        Some(demo.kiosk()),
        json!({"service": service, "identification": {"kind": kind, "value": value}}),
    )
    .await
    .expect(201)
    .clone()
}

/// Every byte the server has on disk: the database, its write-ahead log, the demo's files.
fn disk_contents(demo: &Demo) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(&demo.dir).expect("data folder") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n != "server.log") {
            all.extend(std::fs::read(&path).unwrap_or_default());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_known_visitor_gets_their_category_and_their_number_is_never_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let op = demo.operator(0).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let vip = demo.category("VIP");
    let customers = format!("/branches/{b}/customers");

    let saved = demo
        .post(
            &customers,
            Some(&op),
            json!({"identifier": {"kind": "phone", "value": "+7 (916) 123-45-67"}, "category": vip}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        saved,
        json!({"kind": "phone", "last4": null, "category": vip, "source": "record"})
    );

    // The same number written the Russian way finds the record.
    let ticket = issue_identified(&demo, demo.service("A"), "phone", "8 916 123 45 67").await;
    assert_eq!(ticket["category"], vip);
    let stranger = issue_identified(&demo, demo.service("A"), "phone", "+49 30 1234567").await;
    assert_eq!(stranger["category"], Value::Null);
    let looked_up = demo
        .post(
            &format!("{customers}/lookup"),
            Some(&op),
            json!({"identifier": {"kind": "phone", "value": "+79161234567"}}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(looked_up["category"], vip);
    assert_eq!(looked_up["source"], "record");

    // A card is kept as its hash and last four digits only.
    let card = demo
        .post(
            &customers,
            Some(&op),
            json!({"identifier": {"kind": "card", "value": "4111 1111 1111 1111"}, "category": vip}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(card["last4"], "1111");
    let by_card = issue_identified(&demo, demo.service("B"), "card", "4111-1111-1111-1111").await;
    assert_eq!(by_card["category"], vip);

    // Bad identifiers are refused and issue nothing.
    let before = demo.state().await["queues"].clone();
    for (kind, value) in [
        ("phone", "12"),
        ("card", "4111 1111 1111 1112"),
        ("iris", "x"),
    ] {
        let reply = demo
            .post(
                &format!("/branches/{b}/tickets"),
                Some(demo.kiosk()),
                json!({"service": demo.service("A"), "identification": {"kind": kind, "value": value}}),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 422, "{kind} {value}: {}", reply.text);
    }
    assert_eq!(demo.state().await["queues"], before);

    // Forgetting the record: the next visit has no category.
    demo.post(
        &format!("{customers}/forget"),
        Some(&admin),
        json!({"identifier": {"kind": "phone", "value": "+79161234567"}}),
    )
    .await
    .expect(204);
    let after = issue_identified(&demo, demo.service("A"), "phone", "+79161234567").await;
    assert_eq!(after["category"], Value::Null);
    demo.post(
        &format!("{customers}/forget"),
        Some(&op),
        json!({"identifier": {"kind": "phone", "value": "+79161234567"}}),
    )
    .await
    .expect_error(403, "forbidden");

    let disk = disk_contents(&demo);
    assert!(!disk.is_empty());
    for secret in ["9161234567", "4111111111111111", "49301234567"] {
        assert!(!contains(&disk, secret), "{secret} is on disk");
        assert!(!demo.log().contains(secret), "{secret} is in the log");
    }
}

/// A stand-in for a customer database on a local port: records what it is asked and answers
/// with `category`, or, if `answer` is false, holds the connection without a word.
async fn crm(category: Value, answer: bool) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/lookup", listener.local_addr().expect("addr"));
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            let category = category.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head and the body (the client sends a content length).
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            if let Ok(json) = serde_json::from_str(body) {
                                record.lock().expect("lock").push(json);
                            }
                            break;
                        }
                    }
                }
                if !answer {
                    // Holds the connection open without a word, like a hung CRM.
                    let _ = socket.read(&mut buf).await;
                    return;
                }
                let body = json!({"category": category}).to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, asked)
}

#[tokio::test]
async fn the_crm_gives_the_category_of_an_unknown_visitor() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The demo's categories get the ids after its workplaces; the CRM answers with the VIP's.
    let probe_dir = tempfile::tempdir().expect("temp dir");
    let vip = Demo::spawn(probe_dir.path()).await.category("VIP");
    let (url, asked) = crm(json!(vip), true).await;
    let demo = Demo::spawn_with(dir.path(), &[("TALON_CRM_URL", url.as_str())]).await;
    assert_eq!(demo.category("VIP"), vip);

    let ticket = issue_identified(&demo, demo.service("C"), "document", "45 06 123456").await;
    assert_eq!(ticket["category"], vip);
    let asked = asked.lock().expect("lock").clone();
    assert_eq!(
        asked,
        vec![json!({"branch": demo.branch(), "kind": "document", "value": "4506123456"})]
    );
}

#[tokio::test]
async fn a_hung_or_missing_crm_never_holds_up_a_ticket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (hung, asked) = crm(Value::Null, false).await;
    let demo = Demo::spawn_with(
        dir.path(),
        &[
            ("TALON_CRM_URL", hung.as_str()),
            ("TALON_CRM_TIMEOUT_MS", "200"),
        ],
    )
    .await;
    let ticket = issue_identified(&demo, demo.service("A"), "phone", "+12025550143").await;
    assert_eq!(ticket["status"], "waiting");
    assert_eq!(ticket["category"], Value::Null);
    assert_eq!(asked.lock().expect("lock").len(), 1, "the CRM was asked");
    assert!(
        !demo.log().contains("2025550143"),
        "the number is not logged"
    );
    drop(demo);

    // Nothing listens at this address any more.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        format!("http://{}/lookup", listener.local_addr().expect("addr"))
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn_with(dir.path(), &[("TALON_CRM_URL", closed.as_str())]).await;
    let ticket = issue_identified(&demo, demo.service("A"), "phone", "+12025550143").await;
    assert_eq!(ticket["category"], Value::Null);
}
