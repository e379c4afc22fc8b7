//! Personal data past its retention is removed: a visitor's record can be shown to them and
//! erased on request, and when the server next starts with its retention run out (zero days
//! stands for a clock moved past it), the purge removes customer records and ticket links and
//! leaves an audit record of how much, never of what.

mod common;

use common::Demo;
use serde_json::{Value, json};
use std::time::Duration;

const PHONE: &str = "+7 916 555-01-02";

/// Waits for the audit record of a purge; the purge runs as the server starts.
async fn purge_record(demo: &Demo, admin: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let records = demo.get("/audit?limit=1000", Some(admin)).await;
        let found = records
            .expect(200)
            .as_array()
            .expect("a list")
            .iter()
            .find(|r| r["action"] == "PURGE retention")
            .cloned();
        if let Some(record) = found {
            return record;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no purge was audited; the server's log: {}",
            demo.log()
        );
        // The purge runs beside the server's start: look again shortly.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn records_are_shown_erased_and_purged_past_their_retention() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let vip = demo.category("VIP");
    let identifier = json!({"kind": "phone", "value": PHONE});
    demo.post(
        &format!("/branches/{b}/customers"),
        Some(&admin),
        json!({"identifier": identifier, "category": vip}),
    )
    .await
    .expect(200);
    // The visitor asks what is kept: the kind, the category and the times, not the number.
    let kept = demo
        .post(
            &format!("/branches/{b}/customers/export"),
            Some(&admin),
            json!({"identifier": identifier}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(kept["kind"], json!("phone"));
    assert_eq!(kept["category"], json!(vip));
    assert!(kept["created_at"].is_string() && kept["updated_at"].is_string());
    assert!(!kept.to_string().contains("9165550102"), "{kept}");

    // A second visitor's record is erased on request.
    let other = json!({"kind": "card", "value": "4111 1111 1111 1111"});
    demo.post(
        &format!("/branches/{b}/customers"),
        Some(&admin),
        json!({"identifier": other, "category": vip}),
    )
    .await
    .expect(200);
    let erased = demo
        .post(
            &format!("/branches/{b}/customers/forget"),
            Some(&admin),
            json!({"identifier": other}),
        )
        .await;
    assert_eq!(erased.status.as_u16(), 204, "{}", erased.text);
    demo.post(
        &format!("/branches/{b}/customers/export"),
        Some(&admin),
        json!({"identifier": other}),
    )
    .await
    .expect_error(404, "customer_not_found");

    let ticket = demo.issue(demo.service("A")).await;
    let token = ticket["token"].as_str().expect("a token").to_string();
    demo.public(&token).await.expect(200);

    // The server starts again with its retention run out.
    demo.kill().await;
    let demo = Demo::spawn_with(
        dir.path(),
        &[
            ("TALON_RETAIN_CUSTOMERS_DAYS", "0"),
            ("TALON_RETAIN_TICKET_LINKS_DAYS", "0"),
        ],
    )
    .await;
    let admin = demo.admin().await;
    let record = purge_record(&demo, &admin).await;
    assert_eq!(record["target"]["customer_records"], json!(1));
    assert!(
        record["target"]["ticket_links"].as_u64() >= Some(1),
        "{record}"
    );
    assert_eq!(record["actor"]["role"], json!("system"));
    demo.post(
        &format!("/branches/{b}/customers/export"),
        Some(&admin),
        json!({"identifier": identifier}),
    )
    .await
    .expect_error(404, "customer_not_found");
    let looked_up = demo
        .post(
            &format!("/branches/{b}/customers/lookup"),
            Some(&admin),
            json!({"identifier": identifier}),
        )
        .await;
    assert_eq!(looked_up.expect(200)["category"], json!(null));
    // The ticket remains, for statistics; its page no longer opens.
    demo.public(&token)
        .await
        .expect_error(404, "ticket_not_found");
    let tickets = demo
        .get(&format!("/branches/{b}/tickets"), Some(&admin))
        .await;
    assert!(
        tickets
            .expect(200)
            .as_array()
            .expect("a list")
            .iter()
            .any(|t| t["id"] == ticket["id"]),
        "the ticket is still there"
    );
    let audit = demo.get("/audit?limit=1000", Some(&admin)).await;
    for value in ["9165550102", "916 555", "4111111111111111", "4111 1111"] {
        assert!(!audit.text.contains(value), "{value} is in the audit log");
    }
}
