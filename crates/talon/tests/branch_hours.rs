//! The branch's own calendar through the API: a holiday today (in the branch's time zone)
//! refuses every ticket with `409 branch_closed` and the state tells kiosks the branch is closed
//! today; taking it back opens the branch again. The branch's opening hours bound every
//! service's. Holidays are kept in date order, each once, and survive a restart.

mod common;

use common::Demo;
use jiff::ToSpan;
use serde_json::{Value, json};

/// The demo branch's settings as the API gives them.
async fn settings(demo: &Demo, admin: &str) -> Value {
    demo.get(&format!("/branches/{}", demo.branch()), Some(admin))
        .await
        .expect(200)["settings"]
        .clone()
}

async fn change(demo: &Demo, admin: &str, settings: &Value) {
    demo.put(
        &format!("/branches/{}", demo.branch()),
        Some(admin),
        settings.clone(),
    )
    .await
    .expect(200);
}

/// Today and tomorrow in Moscow, the demo's zone: a test that runs over midnight still finds
/// the branch closed while both are holidays.
fn today_and_tomorrow() -> (String, String) {
    let today = jiff::Timestamp::now()
        .in_tz("Europe/Moscow")
        .expect("the demo's zone")
        .date();
    let tomorrow = today.checked_add(1.day()).expect("a date");
    (today.to_string(), tomorrow.to_string())
}

#[tokio::test]
async fn a_holiday_today_closes_the_branch_until_it_is_taken_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let payments = demo.service("A");
    demo.issue(payments).await;
    assert_eq!(demo.state().await["closed_today"], false);

    let (today, tomorrow) = today_and_tomorrow();
    let mut holiday = settings(&demo, &admin).await;
    // In any order and twice: kept once each, in date order.
    holiday["holidays"] = json!([tomorrow, "2020-01-01", today, tomorrow]);
    change(&demo, &admin, &holiday).await;
    assert_eq!(
        settings(&demo, &admin).await["holidays"],
        json!(["2020-01-01", today, tomorrow])
    );
    demo.issue_reply(payments)
        .await
        .expect_error(409, "branch_closed");
    let state = demo.state().await;
    assert_eq!(state["closed_today"], true, "{state}");
    let queue = Demo::queue(&state, payments);
    assert_eq!(queue["open"], false, "{queue}");
    assert_eq!(queue["hours_today"], json!([]), "closed all day: {queue}");

    // The holiday is part of the branch: it survives a restart.
    demo.restart().await;
    demo.issue_reply(payments)
        .await
        .expect_error(409, "branch_closed");
    assert_eq!(demo.state().await["closed_today"], true);

    // Taken back, the branch issues tickets again.
    holiday["holidays"] = json!(["2020-01-01"]);
    change(&demo, &admin, &holiday).await;
    let state = demo.state().await;
    assert_eq!(state["closed_today"], false, "{state}");
    assert_eq!(Demo::queue(&state, payments)["open"], true);
    demo.issue(payments).await;

    // A date that does not exist is refused at its place in the list.
    holiday["holidays"] = json!(["2025-02-29"]);
    let refused = demo
        .put(
            &format!("/branches/{}", demo.branch()),
            Some(&admin),
            holiday,
        )
        .await;
    refused.expect_error(422, "validation_failed");
    assert!(
        refused.body["error"]["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("holidays")),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn the_branchs_hours_bound_every_services_hours() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let payments = demo.service("A");
    let original = settings(&demo, &admin).await;

    // Hours without a single span: closed every day.
    let mut closed = original.clone();
    closed["hours"] = json!({});
    change(&demo, &admin, &closed).await;
    demo.issue_reply(payments)
        .await
        .expect_error(409, "branch_closed");
    let state = demo.state().await;
    assert_eq!(state["closed_today"], true);
    assert_eq!(Demo::queue(&state, payments)["hours_today"], json!([]));

    // Open for an hour later today, every day: closed now, but not all day, and a service
    // without hours of its own shows the branch's.
    let local = jiff::Timestamp::now()
        .in_tz("Europe/Moscow")
        .expect("the demo's zone");
    let hour = (local.hour() + 2) % 24;
    let span = format!("{hour:02}:00-{:02}:00", hour + 1);
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut later = original.clone();
    later["hours"] = days
        .iter()
        .map(|d| (d.to_string(), json!([span])))
        .collect();
    change(&demo, &admin, &later).await;
    demo.issue_reply(payments)
        .await
        .expect_error(409, "branch_closed");
    let state = demo.state().await;
    assert_eq!(state["closed_today"], false, "{state}");
    let queue = Demo::queue(&state, payments);
    assert_eq!(
        (&queue["open"], &queue["hours_today"]),
        (&json!(false), &json!([span]))
    );

    // Hours are checked like a service's, and name their field.
    let mut wrong = original.clone();
    wrong["hours"] = json!({"mon": ["18:00-09:00"]});
    let refused = demo
        .put(&format!("/branches/{}", demo.branch()), Some(&admin), wrong)
        .await;
    refused.expect_error(422, "validation_failed");
    assert_eq!(refused.body["error"]["field"], "hours", "{}", refused.text);

    // Without hours the branch is always open again.
    change(&demo, &admin, &original).await;
    demo.issue(payments).await;
    assert_eq!(settings(&demo, &admin).await.get("hours"), None);
}
