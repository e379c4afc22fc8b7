//! Routing through the API: customer categories, a weighted profile built from entries, a VIP
//! called before earlier regular visitors with the reason recorded, the personal queue of an
//! operator, and the return to the original service after a transfer.

mod common;

use common::Demo;
use serde_json::{Value, json};

/// The id of the demo user `username`, as the admin sees it.
async fn user_id(demo: &Demo, admin: &str, username: &str) -> u64 {
    let users = demo.get("/users", Some(admin)).await.expect(200).clone();
    users
        .as_array()
        .expect("a list of users")
        .iter()
        .find(|u| u["username"] == username)
        .and_then(|u| u["id"].as_u64())
        .expect("the user exists")
}

async fn issue(demo: &Demo, service: u64, category: Option<u64>) -> Value {
    demo.post(
        &format!("/branches/{}/tickets", demo.branch()),
        Some(demo.kiosk()),
        json!({"service": service, "category": category}),
    )
    .await
    .expect(201)
    .clone()
}

#[tokio::test]
async fn a_weighted_profile_calls_the_vip_first_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let a = demo.service("A");
    let vip = demo
        .post(
            &format!("/branches/{b}/categories"),
            Some(&admin),
            json!({"names": {"en": "Gold client", "ru": "Золотой клиент"}, "weight": 5}),
        )
        .await
        .expect(201)
        .clone();
    let vip = vip["id"].as_u64().expect("category id");
    let profile = demo
        .post(
            &format!("/branches/{b}/profiles"),
            Some(&admin),
            json!({
                "name": "Priority desk",
                "policy": "weighted",
                "entries": [
                    {"service": a, "categories": {"only": [vip]}},
                    {"service": a, "categories": "regular"}
                ]
            }),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(profile["entries"][0]["categories"], json!({"only": [vip]}));
    let profile = profile["id"].as_u64().expect("profile id");

    let first_regular = issue(&demo, a, None).await;
    let second_regular = issue(&demo, a, None).await;
    let gold = issue(&demo, a, Some(vip)).await;
    let op = demo.operator(0).await;
    let w = demo.workplace(0);
    demo.open_workplace(&op, w, profile).await;

    let called = demo.call_next(&op, w).await.expect("someone waits");
    assert_eq!(
        called["id"], gold["id"],
        "the category's weight puts it first"
    );
    assert_eq!(called["reason"]["rule"], "weighted");
    assert_eq!(called["reason"]["priority"], 5);
    assert_eq!(
        called["reason"]["runner_up"]["number"], first_regular["number"],
        "the explanation names the ticket it was compared with"
    );
    assert_eq!(called["reason"]["runner_up"]["value"], 1);

    let gold_id = gold["id"].as_u64().expect("ticket id");
    demo.act(&op, gold_id, "start", None).await.expect(200);
    demo.act(&op, gold_id, "finish", None).await.expect(200);
    for next in [&first_regular, &second_regular] {
        assert_eq!(called_and_done(&demo, &op, w).await, next["id"].as_u64());
    }
    assert_eq!(demo.call_next(&op, w).await, None);

    // A category still named by a profile cannot be removed.
    demo.delete(&format!("/branches/{b}/categories/{vip}"), Some(&admin))
        .await
        .expect_error(409, "in_use");
    // An unknown category at issue is refused and issues nothing.
    demo.post(
        &format!("/branches/{b}/tickets"),
        Some(demo.kiosk()),
        json!({"service": a, "category": 999_999_999}),
    )
    .await
    .expect_error(404, "category_not_found");
}

/// Starts and finishes the ticket the workplace has, after calling the next one.
async fn called_and_done(demo: &Demo, op: &str, w: u64) -> Option<u64> {
    let ticket = demo.call_next(op, w).await?;
    let id = ticket["id"].as_u64()?;
    demo.act(op, id, "start", None).await.expect(200);
    demo.act(op, id, "finish", None).await.expect(200);
    Some(id)
}

#[tokio::test]
async fn a_ticket_transferred_to_an_operator_waits_for_them_and_comes_back_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let all = demo.all_services();
    let (first, second) = (demo.operator(0).await, demo.operator(1).await);
    let (w1, w2) = (demo.workplace(0), demo.workplace(1));
    demo.open_workplace(&first, w1, all).await;
    demo.open_workplace(&second, w2, all).await;
    let second_id = user_id(&demo, &admin, "operator2").await;

    let earlier = issue(&demo, demo.service("B"), None).await;
    let visitor = issue(&demo, demo.service("A"), None).await;
    let called = demo.call_next(&first, w1).await.expect("called");
    assert_eq!(called["id"], earlier["id"]);
    demo.act(&first, earlier["id"].as_u64().unwrap(), "no-show", None)
        .await
        .expect(200);
    let visitor_id = visitor["id"].as_u64().unwrap();
    assert_eq!(
        demo.call_next(&first, w1).await.unwrap()["id"],
        visitor["id"]
    );
    demo.act(&first, visitor_id, "start", None)
        .await
        .expect(200);

    // To the second operator personally; a third visitor arrives meanwhile.
    demo.act(
        &first,
        visitor_id,
        "transfer",
        Some(json!({"operator": second_id})),
    )
    .await
    .expect(200);
    let walk_in = issue(&demo, demo.service("A"), None).await;
    let personal = demo.call_next(&second, w2).await.expect("called");
    assert_eq!(
        personal["id"], visitor["id"],
        "the personal queue comes first"
    );
    assert_eq!(personal["reason"]["rule"], "personal");

    // Then to cards, coming back to payments afterwards, ahead of the walk-in.
    let cards = demo.service("C");
    demo.act(&second, visitor_id, "start", None)
        .await
        .expect(200);
    let moved = demo
        .act(
            &second,
            visitor_id,
            "transfer",
            Some(json!({"service": cards, "return_after": true})),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(moved["service"], cards);
    let at_cards = demo.call_next(&first, w1).await.expect("called");
    assert_eq!(at_cards["id"], walk_in["id"], "the walk-in waited longer");
    let again = demo.call_next(&second, w2).await.expect("called");
    assert_eq!(again["id"], visitor["id"]);
    demo.act(&second, visitor_id, "start", None)
        .await
        .expect(200);
    let returned = demo
        .act(&second, visitor_id, "finish", None)
        .await
        .expect(200)
        .clone();
    assert_eq!(returned["status"], "waiting", "back in the queue, not done");
    assert_eq!(returned["service"], demo.service("A"));
    assert_eq!(returned["position"], 0, "at the front of payments");

    // An operator that does not exist is refused and the ticket stays where it was.
    demo.act(&first, walk_in["id"].as_u64().unwrap(), "start", None)
        .await
        .expect(200);
    demo.act(
        &first,
        walk_in["id"].as_u64().unwrap(),
        "transfer",
        Some(json!({"operator": 999_999_999})),
    )
    .await
    .expect_error(422, "validation_failed");
    let state = demo.state().await;
    assert_eq!(
        Demo::workplace_in(&state, w1)["current"]["status"],
        "serving"
    );
}

#[tokio::test]
async fn an_operator_works_only_with_assigned_profiles_and_switches_between_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let op = demo.operator(0).await;
    let me = user_id(&demo, &admin, "operator1").await;
    let (all, payments) = (demo.all_services(), demo.profile("Payments first"));
    let w = demo.workplace(0);

    let assigned = demo
        .put(
            &format!("/users/{me}/profiles"),
            Some(&admin),
            json!({"profiles": [all]}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(assigned["profiles"], json!([all]));
    demo.post(
        &format!("/workplaces/{w}/open"),
        Some(&op),
        json!({"profile": payments}),
    )
    .await
    .expect_error(403, "profile_not_allowed");
    demo.open_workplace(&op, w, all).await;

    // Given both, the operator switches without closing.
    demo.put(
        &format!("/users/{me}/profiles"),
        Some(&admin),
        json!({"profiles": [all, payments]}),
    )
    .await
    .expect(200);
    let switched = demo.open_workplace(&op, w, payments).await;
    assert_eq!(switched["profile"], payments);
    demo.put(
        "/users/999999999/profiles",
        Some(&admin),
        json!({"profiles": null}),
    )
    .await
    .expect_error(404, "user_not_found");
    demo.put(
        &format!("/users/{me}/profiles"),
        Some(&op),
        json!({"profiles": null}),
    )
    .await
    .expect_error(403, "forbidden");
}

#[tokio::test]
async fn concurrent_operators_under_a_shared_ratio_call_every_ticket_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let (a, vip) = (demo.service("A"), demo.category("VIP"));
    let profile = demo
        .post(
            &format!("/branches/{b}/profiles"),
            Some(&admin),
            json!({
                "name": "Two VIPs, then one",
                "policy": "weighted",
                "entries": [
                    {"service": a, "categories": {"only": [vip]}},
                    {"service": a, "categories": "regular"}
                ],
                "ratio": [{"entries": [0], "count": 2}, {"entries": [1], "count": 1}],
                "ratio_scope": "branch"
            }),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .expect("profile id");
    let mut issued = std::collections::BTreeSet::new();
    for n in 0..60 {
        let ticket = issue(&demo, a, (n % 2 == 0).then_some(vip)).await;
        issued.insert(ticket["id"].as_u64().expect("id"));
    }
    let mut operators = Vec::new();
    for n in 0..3 {
        let token = demo.operator(n).await;
        demo.open_workplace(&token, demo.workplace(n), profile)
            .await;
        operators.push((token, demo.workplace(n)));
    }
    let demo = std::sync::Arc::new(demo);
    let tasks: Vec<_> = operators
        .into_iter()
        .map(|(token, w)| {
            let demo = demo.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(id) = called_and_done(&demo, &token, w).await {
                    mine.push(id);
                }
                mine
            })
        })
        .collect();
    let mut called = Vec::new();
    for task in tasks {
        called.extend(task.await.expect("operator task"));
    }
    let unique: std::collections::BTreeSet<u64> = called.iter().copied().collect();
    assert_eq!(called.len(), 60, "sixty calls");
    assert_eq!(unique, issued, "every ticket called exactly once");

    let state = demo.state().await;
    let ratios = state["ratios"].as_array().expect("ratios are shown");
    assert_eq!(
        ratios.len(),
        1,
        "one count shared by the branch: {ratios:?}"
    );
    assert_eq!(ratios[0]["profile"], profile);
    assert_eq!(ratios[0]["operator"], Value::Null);
}
