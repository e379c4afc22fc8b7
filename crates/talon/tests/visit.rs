//! A visitor's whole way through Talon over real HTTP, against the real binary: the kiosk issues
//! a ticket, the visitor follows it on the public page (which never shows internal ids), an
//! operator opens a workplace, calls, recalls, starts and finishes; the branch state follows
//! along. Also the other turns a visit can take (cancel, postpone, transfer, no-show, calling a
//! chosen ticket, pause/resume/close) and an administrator configuring a new branch from
//! nothing until a visitor is served in it.

mod common;

use common::{Demo, is_hex, number_value};
use serde_json::{Value, json};

/// Keys that would leak internal identifiers or secrets on the visitor's page.
const INTERNAL_KEYS: [&str; 7] = [
    "id",
    "ticket",
    "service",
    "token",
    "token_hash",
    "operator",
    "workplace",
];

#[track_caller]
fn assert_public(view: &Value) {
    let object = view.as_object().expect("the public view is an object");
    for key in INTERNAL_KEYS {
        assert!(
            !object.contains_key(key),
            "the public view shows {key:?}: {view}"
        );
    }
}

#[tokio::test]
async fn a_whole_visit() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let a = demo.service("A");

    // The kiosk issues two tickets.
    let first = demo.issue(a).await;
    let number = first["number"].as_str().unwrap();
    assert!(
        number.starts_with('A') && number.len() == 4 && number[1..].parse::<u32>().is_ok(),
        "{number}"
    );
    assert_eq!(first["status"], "waiting");
    assert_eq!(first["service"], a);
    assert_eq!(first["position"], 0);
    assert!(first["eta_seconds"].is_u64(), "{first}");
    let token = first["token"].as_str().unwrap().to_string();
    assert!(is_hex(&token, 32), "{token}");
    let second = demo.issue(a).await;
    assert_eq!(
        number_value(second["number"].as_str().unwrap()),
        number_value(number) + 1
    );
    assert_eq!(second["position"], 1);
    assert!(
        second["eta_seconds"].as_u64() > first["eta_seconds"].as_u64(),
        "someone ahead means a longer wait: {first} {second}"
    );
    assert_ne!(second["token"], first["token"]);

    // The visitor's page: waiting, first in line, no internal ids.
    let view = demo.public(&token).await.expect(200).clone();
    assert_public(&view);
    assert_eq!(view["number"], number);
    assert_eq!(view["status"], "waiting");
    assert_eq!(view["position"], 0);
    assert_eq!(view["workplace_name"], Value::Null);
    let state = demo.state().await;
    let queue = Demo::queue(&state, a);
    assert_eq!(queue["waiting"], 2);
    let language = view["language"].as_str().unwrap();
    assert_eq!(view["service_name"], queue["names"][language], "{view}");
    assert_eq!(Demo::queue(&state, demo.service("B"))["waiting"], 0);

    // An operator opens a workplace and calls the next visitor.
    let op = demo.operator(0).await;
    let workplace = demo.workplace(2);
    let workplace_name = demo.facts.workplaces[2].name.clone();
    let opened = demo
        .open_workplace(&op, workplace, demo.all_services())
        .await;
    assert_eq!(opened["profile"], demo.all_services());
    let called = demo.call_next(&op, workplace).await.expect("a ticket");
    assert_eq!(called["id"], first["id"]);
    assert_eq!(called["number"], number);
    assert_eq!(called["status"], "called");
    assert_eq!(called["workplace"], workplace);
    assert_eq!(called["calls"], 1);
    assert_eq!(called["reason"]["rule"], "longest_waiting", "{called}");
    assert!(called["reason"]["waited_secs"].is_i64(), "{called}");
    let id = called["id"].as_u64().unwrap();

    let view = demo.public(&token).await.expect(200).clone();
    assert_public(&view);
    assert_eq!(view["status"], "called");
    assert_eq!(view["workplace_name"], workplace_name.as_str());
    assert_eq!(view["position"], Value::Null);
    assert!(view["called_at"].is_string());
    // The one behind moved up.
    let behind = demo
        .public(second["token"].as_str().unwrap())
        .await
        .expect(200)
        .clone();
    assert_eq!(behind["position"], 0);

    let state = demo.state().await;
    assert_eq!(Demo::queue(&state, a)["waiting"], 1);
    let at = Demo::workplace_in(&state, workplace);
    assert_eq!(at["status"], "open");
    assert_eq!(at["current"]["number"], number);
    assert_eq!(at["current"]["status"], "called");
    assert_eq!(state["last_calls"][0]["number"], number);
    assert_eq!(
        state["last_calls"][0]["workplace_name"],
        workplace_name.as_str()
    );
    assert_eq!(state["last_calls"][0]["recall"], false);

    // Recall, start, finish.
    let recalled = demo.act(&op, id, "recall", None).await.expect(200).clone();
    assert_eq!(recalled["calls"], 2);
    assert_eq!(recalled["status"], "called");
    let state = demo.state().await;
    assert_eq!(state["last_calls"][0]["number"], number);
    assert_eq!(state["last_calls"][0]["recall"], true);
    assert_eq!(state["last_calls"][1]["recall"], false);

    let started = demo.act(&op, id, "start", None).await.expect(200).clone();
    assert_eq!(started["status"], "serving");
    assert!(started["started_at"].is_string());
    assert_eq!(demo.public(&token).await.expect(200)["status"], "serving");
    let finished = demo.act(&op, id, "finish", None).await.expect(200).clone();
    assert_eq!(finished["status"], "done");
    assert!(finished["finished_at"].is_string());
    let view = demo.public(&token).await.expect(200).clone();
    assert_eq!(view["status"], "done");
    assert_eq!(view["workplace_name"], Value::Null);
    let state = demo.state().await;
    assert_eq!(
        Demo::workplace_in(&state, workplace)["current"],
        Value::Null
    );

    // The second visitor, then nobody.
    let next = demo.call_next(&op, workplace).await.expect("the second");
    assert_eq!(next["id"], second["id"]);
    let next_id = next["id"].as_u64().unwrap();
    demo.act(&op, next_id, "start", None).await.expect(200);
    demo.act(&op, next_id, "finish", None).await.expect(200);
    let nobody = demo.call_next_reply(&op, workplace).await;
    assert_eq!(nobody.status, 204, "{}", nobody.text);
    assert!(nobody.text.is_empty());
    let state = demo.state().await;
    for queue in state["queues"].as_array().unwrap() {
        assert_eq!(queue["waiting"], 0, "{queue}");
    }
}

#[tokio::test]
async fn the_visitor_cancels_with_their_token() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let b = demo.service("B");
    let first = demo.issue(b).await;
    let second = demo.issue(b).await;
    let third = demo.issue(b).await;
    let token = |t: &Value| t["token"].as_str().unwrap().to_string();

    let cancelled = demo
        .delete(&format!("/tickets/{}", token(&first)), None)
        .await
        .expect(200)
        .clone();
    assert_public(&cancelled);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["number"], first["number"]);
    assert_eq!(
        demo.public(&token(&first)).await.expect(200)["status"],
        "cancelled"
    );
    assert_eq!(
        demo.public(&token(&second)).await.expect(200)["position"],
        0
    );
    assert_eq!(Demo::queue(&demo.state().await, b)["waiting"], 2);
    // Once is enough.
    demo.delete(&format!("/tickets/{}", token(&first)), None)
        .await
        .expect_error(409, "invalid_transition");

    // The cancelled ticket is skipped; a called visitor may still give up.
    let op = demo.operator(0).await;
    let workplace = demo.workplace(0);
    demo.open_workplace(&op, workplace, demo.all_services())
        .await;
    let called = demo.call_next(&op, workplace).await.unwrap();
    assert_eq!(called["id"], second["id"]);
    demo.delete(&format!("/tickets/{}", token(&second)), None)
        .await
        .expect(200);
    let state = demo.state().await;
    assert_eq!(
        Demo::workplace_in(&state, workplace)["current"],
        Value::Null
    );
    let called = demo.call_next(&op, workplace).await.unwrap();
    assert_eq!(called["id"], third["id"]);
}

#[tokio::test]
async fn a_postponed_ticket_comes_back_when_its_time_comes() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let c = demo.service("C");
    let op = demo.operator(1).await;
    let workplace = demo.workplace(1);
    demo.open_workplace(&op, workplace, demo.all_services())
        .await;

    // Postponed by an hour: not called before then.
    let later = demo.issue(c).await;
    let called = demo.call_next(&op, workplace).await.unwrap();
    let later_id = called["id"].as_u64().unwrap();
    assert_eq!(called["id"], later["id"]);
    let postponed = demo
        .act(&op, later_id, "postpone", Some(json!({"seconds": 3600})))
        .await
        .expect(200)
        .clone();
    assert_eq!(postponed["status"], "postponed");
    assert_eq!(postponed["workplace"], Value::Null);
    let view = demo
        .public(later["token"].as_str().unwrap())
        .await
        .expect(200)
        .clone();
    assert_eq!(view["status"], "postponed");
    assert!(view["eta_seconds"].as_u64().unwrap() > 3500, "{view}");
    assert_eq!(demo.call_next_reply(&op, workplace).await.status, 204);
    assert_eq!(Demo::queue(&demo.state().await, c)["waiting"], 0);

    // Postponed by zero seconds: back at once.
    let now = demo.issue(c).await;
    let called = demo.call_next(&op, workplace).await.unwrap();
    assert_eq!(called["id"], now["id"]);
    let id = called["id"].as_u64().unwrap();
    let postponed = demo
        .act(&op, id, "postpone", Some(json!({"seconds": 0})))
        .await
        .expect(200)
        .clone();
    assert_eq!(postponed["status"], "postponed");
    let again = demo.call_next(&op, workplace).await.expect("back at once");
    assert_eq!(again["id"], now["id"]);
    assert_eq!(again["calls"], 2);
    demo.act(&op, id, "start", None).await.expect(200);
    demo.act(&op, id, "finish", None).await.expect(200);
    // The hour-long one is still not due.
    assert_eq!(demo.call_next_reply(&op, workplace).await.status, 204);
    assert_eq!(
        demo.public(later["token"].as_str().unwrap())
            .await
            .expect(200)["status"],
        "postponed"
    );
}

#[tokio::test]
async fn a_transferred_ticket_joins_the_other_queue() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let (a, b) = (demo.service("A"), demo.service("B"));
    let a1 = demo.issue(a).await;
    let b1 = demo.issue(b).await;
    let b2 = demo.issue(b).await;
    let a1_token = a1["token"].as_str().unwrap().to_string();
    let a1_id = a1["id"].as_u64().unwrap();

    // Payments (A) at one workplace, loans (B) at another.
    let op1 = demo.operator(0).await;
    let op2 = demo.operator(1).await;
    let (w1, w2) = (demo.workplace(0), demo.workplace(1));
    demo.open_workplace(&op1, w1, demo.profile("Payments first"))
        .await;
    demo.open_workplace(&op2, w2, demo.profile("Loans and cards"))
        .await;
    let called = demo.call_next(&op1, w1).await.unwrap();
    assert_eq!(called["id"], a1["id"]);

    // By original arrival: A001 came before B001 and B002, so it goes first.
    let moved = demo
        .act(
            &op1,
            a1_id,
            "transfer",
            Some(json!({"service": b, "position": "original_arrival"})),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(moved["service"], b);
    assert_eq!(moved["status"], "waiting");
    assert_eq!(moved["transfers"], 1);
    assert_eq!(moved["position"], 0);
    assert_eq!(moved["number"], a1["number"], "a ticket keeps its number");
    let state = demo.state().await;
    assert_eq!(Demo::queue(&state, a)["waiting"], 0);
    assert_eq!(Demo::queue(&state, b)["waiting"], 3);
    assert_eq!(Demo::workplace_in(&state, w1)["current"], Value::Null);
    let view = demo.public(&a1_token).await.expect(200).clone();
    let language = view["language"].as_str().unwrap();
    assert_eq!(
        view["service_name"],
        Demo::queue(&state, b)["names"][language]
    );
    assert_eq!(view["position"], 0);

    // The loans workplace calls it first; sent on to the back, it waits behind both.
    let called = demo.call_next(&op2, w2).await.unwrap();
    assert_eq!(called["id"], a1["id"]);
    assert_eq!(called["reason"]["rule"], "strict_order");
    let moved = demo
        .act(&op2, a1_id, "transfer", Some(json!({"service": b})))
        .await
        .expect(200)
        .clone();
    assert_eq!(moved["transfers"], 2);
    assert_eq!(moved["position"], 2);
    assert_eq!(demo.public(&a1_token).await.expect(200)["position"], 2);
    for expected in [&b1, &b2, &a1] {
        let called = demo.call_next(&op2, w2).await.unwrap();
        assert_eq!(called["id"], expected["id"]);
        let id = called["id"].as_u64().unwrap();
        demo.act(&op2, id, "start", None).await.expect(200);
        demo.act(&op2, id, "finish", None).await.expect(200);
    }
    assert_eq!(demo.call_next_reply(&op2, w2).await.status, 204);
}

#[tokio::test]
async fn a_chosen_ticket_and_a_no_show() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let d = demo.service("D");
    let t1 = demo.issue(d).await;
    let t2 = demo.issue(d).await;
    let t3 = demo.issue(d).await;
    let op = demo.operator(2).await;
    let workplace = demo.workplace(3);
    demo.open_workplace(&op, workplace, demo.all_services())
        .await;

    // The operator picks the third.
    let chosen = demo
        .post(
            &format!("/workplaces/{workplace}/call"),
            Some(&op),
            json!({"ticket": t3["id"]}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(chosen["id"], t3["id"]);
    assert_eq!(chosen["status"], "called");
    assert_eq!(chosen["reason"]["rule"], "chosen");
    let token = |t: &Value| t["token"].as_str().unwrap().to_string();
    assert_eq!(
        demo.public(&token(&t3)).await.expect(200)["status"],
        "called"
    );
    assert_eq!(demo.public(&token(&t1)).await.expect(200)["position"], 0);
    assert_eq!(demo.public(&token(&t2)).await.expect(200)["position"], 1);

    // Nobody comes.
    let gone = demo
        .act(&op, t3["id"].as_u64().unwrap(), "no-show", None)
        .await
        .expect(200)
        .clone();
    assert_eq!(gone["status"], "no_show");
    let view = demo.public(&token(&t3)).await.expect(200).clone();
    assert_eq!(view["status"], "no_show");
    assert_eq!(view["workplace_name"], Value::Null);
    assert_eq!(
        Demo::workplace_in(&demo.state().await, workplace)["current"],
        Value::Null
    );
    // The queue goes on in order.
    assert_eq!(
        demo.call_next(&op, workplace).await.unwrap()["id"],
        t1["id"]
    );
}

#[tokio::test]
async fn a_workplace_pauses_resumes_and_closes() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let op = demo.operator(3).await;
    let (w, other) = (demo.workplace(4), demo.workplace(5));
    demo.open_workplace(&op, w, demo.all_services()).await;
    let ticket = demo.issue(demo.service("A")).await;

    let paused = demo
        .workplace_act(&op, w, "pause", Some(json!({"reason": "lunch"})))
        .await
        .expect(200)
        .clone();
    assert_eq!(paused["status"], "paused");
    assert_eq!(paused["reason"], "lunch");
    let state = demo.state().await;
    assert_eq!(Demo::workplace_in(&state, w)["status"], "paused");
    demo.call_next_reply(&op, w)
        .await
        .expect_error(409, "workplace_paused");

    let resumed = demo
        .workplace_act(&op, w, "resume", None)
        .await
        .expect(200)
        .clone();
    assert_eq!(resumed["status"], "open");
    let called = demo.call_next(&op, w).await.unwrap();
    assert_eq!(called["id"], ticket["id"]);
    let id = called["id"].as_u64().unwrap();
    demo.act(&op, id, "start", None).await.expect(200);
    demo.act(&op, id, "finish", None).await.expect(200);

    let closed = demo
        .workplace_act(&op, w, "close", None)
        .await
        .expect(200)
        .clone();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["operator"], Value::Null);
    assert_eq!(
        Demo::workplace_in(&demo.state().await, w)["status"],
        "closed"
    );
    demo.call_next_reply(&op, w)
        .await
        .expect_error(409, "workplace_not_open");
    // Free again, the operator may open another workplace.
    demo.open_workplace(&op, other, demo.profile("Loans and cards"))
        .await;
}

#[tokio::test]
async fn an_administrator_configures_a_new_branch_and_a_visitor_is_served_there() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let admin = Some(admin.as_str());

    // The branch.
    let created = demo
        .post(
            "/branches",
            admin,
            json!({"name": "North", "time_zone": "Europe/Berlin", "languages": ["de", "en"]}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(created["name"], "North");
    assert_eq!(created["time_zone"], "Europe/Berlin");
    assert_eq!(created["languages"], json!(["de", "en"]));
    let branch = created["id"].as_u64().unwrap();
    assert_ne!(branch, demo.branch());
    let updated = demo
        .put(
            &format!("/branches/{branch}"),
            admin,
            json!({"name": "North Side", "time_zone": "Europe/Berlin", "languages": ["en", "de"]}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(updated["name"], "North Side");
    let listed = demo.get("/branches", admin).await.expect(200).clone();
    let ids: Vec<u64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.contains(&branch) && ids.contains(&demo.branch()),
        "{listed}"
    );

    // Two services, a workplace, a profile.
    let base = format!("/branches/{branch}");
    let service = demo
        .post(
            &format!("{base}/services"),
            admin,
            json!({"names": {"en": "Parcels", "de": "Pakete"}, "prefix": "P",
                   "numbering": {"first": 5, "last": 50}}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(service["prefix"], "P");
    assert_eq!(service["enabled"], true);
    let parcels = service["id"].as_u64().unwrap();
    let letters = demo
        .post(
            &format!("{base}/services"),
            admin,
            json!({"names": {"en": "Letters"}, "prefix": "L"}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    assert_ne!(parcels, letters);
    let workplace = demo
        .post(&format!("{base}/workplaces"), admin, json!({"name": "7"}))
        .await
        .expect(201)
        .clone();
    assert_eq!(workplace["name"], "7");
    let w = workplace["id"].as_u64().unwrap();
    let profile = demo
        .post(
            &format!("{base}/profiles"),
            admin,
            json!({"name": "Counter", "services": [parcels]}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(profile["policy"], "longest_waiting");
    let p = profile["id"].as_u64().unwrap();

    // Changes.
    let renamed = demo
        .put(
            &format!("{base}/services/{parcels}"),
            admin,
            json!({"names": {"en": "Parcels and post", "de": "Pakete"}, "prefix": "P",
                   "numbering": {"first": 5, "last": 50}, "service_norm_secs": 120}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(renamed["id"], parcels);
    assert_eq!(renamed["service_norm_secs"], 120);
    demo.put(
        &format!("{base}/workplaces/{w}"),
        admin,
        json!({"name": "7a"}),
    )
    .await
    .expect(200);
    let changed = demo
        .put(
            &format!("{base}/profiles/{p}"),
            admin,
            json!({"name": "Counter", "services": [letters, parcels], "policy": "strict_order"}),
        )
        .await
        .expect(200)
        .clone();
    let served: Vec<&Value> = changed["entries"]
        .as_array()
        .expect("a profile lists its entries")
        .iter()
        .map(|e| &e["service"])
        .collect();
    assert_eq!(served, [&json!(letters), &json!(parcels)]);
    let config = demo.get(&base, admin).await.expect(200).clone();
    assert_eq!(config["id"], branch);
    assert_eq!(config["settings"]["name"], "North Side");
    assert_eq!(config["services"].as_array().unwrap().len(), 2);
    let names: Vec<&Value> = config["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["names"]["en"])
        .collect();
    assert!(names.contains(&&json!("Parcels and post")), "{config}");
    assert_eq!(config["workplaces"][0]["name"], "7a");
    assert_eq!(config["profiles"][0]["policy"], "strict_order");
    // The demo branch is untouched.
    let demo_config = demo
        .get(&format!("/branches/{}", demo.branch()), admin)
        .await
        .expect(200)
        .clone();
    assert_eq!(demo_config["services"].as_array().unwrap().len(), 4);

    // Devices and a user of the branch.
    let kiosk = demo
        .post(
            &format!("{base}/devices"),
            admin,
            json!({"role": "kiosk", "name": "Entrance"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(kiosk["role"], "kiosk");
    assert_eq!(kiosk["branch"], branch);
    let kiosk = kiosk["token"].as_str().unwrap().to_string();
    assert!(is_hex(&kiosk, 64), "{kiosk}");
    let display = demo
        .post(
            &format!("{base}/devices"),
            admin,
            json!({"role": "display", "name": "Hall"}),
        )
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let user = demo
        .post(
            "/users",
            admin,
            json!({"username": "north.op", "password": "correct horse", "role": "operator",
                   "branch": branch}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(user["username"], "north.op");
    assert_eq!(user["role"], "operator");
    assert_eq!(user["branch"], branch);
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    let users = demo.get("/users", admin).await.expect(200).clone();
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "north.op"),
        "{users}"
    );
    let op = demo.login("north.op", "correct horse").await;

    // A visit in the new branch.
    let ticket = demo
        .post(
            &format!("{base}/tickets"),
            Some(&kiosk),
            json!({"service": parcels}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(ticket["number"], "P05", "numbering starts at 5, two digits");
    let token = ticket["token"].as_str().unwrap().to_string();
    let view = demo.public(&token).await.expect(200).clone();
    assert_eq!(view["language"], "en", "the branch's first language");
    assert_eq!(view["service_name"], "Parcels and post");
    demo.open_workplace(&op, w, p).await;
    let called = demo.call_next(&op, w).await.unwrap();
    assert_eq!(called["id"], ticket["id"]);
    assert_eq!(called["reason"]["rule"], "strict_order");
    assert_eq!(called["reason"]["position_in_profile"], 1);
    assert_eq!(
        demo.public(&token).await.expect(200)["workplace_name"],
        "7a"
    );
    let state = demo
        .get(&format!("{base}/state"), Some(&display))
        .await
        .expect(200)
        .clone();
    assert_eq!(state["name"], "North Side");
    assert_eq!(state["last_calls"][0]["number"], "P05");
    let id = called["id"].as_u64().unwrap();
    demo.act(&op, id, "start", None).await.expect(200);
    demo.act(&op, id, "finish", None).await.expect(200);
    // The demo branch saw none of it.
    assert_eq!(demo.state().await["last_calls"], json!([]));

    // Removing: the profile, then its services, then the closed workplace.
    demo.workplace_act(&op, w, "close", None).await.expect(200);
    demo.delete(&format!("{base}/profiles/{p}"), admin)
        .await
        .expect(204);
    demo.delete(&format!("{base}/services/{letters}"), admin)
        .await
        .expect(204);
    demo.delete(&format!("{base}/workplaces/{w}"), admin)
        .await
        .expect(204);
    let config = demo.get(&base, admin).await.expect(200).clone();
    assert_eq!(config["profiles"], json!([]));
    assert_eq!(config["workplaces"], json!([]));
    assert_eq!(config["services"].as_array().unwrap().len(), 1);
    assert_eq!(config["services"][0]["id"], parcels);
    // Gone means gone.
    demo.call_next_reply(&op, w)
        .await
        .expect_error(404, "workplace_not_found");
}

/// A service's numbering wraps after its last number by default, skipping a number whose
/// ticket still waits, and says so in its configuration; a service set to refuse stops at its
/// last number for the day even when earlier tickets have ended.
#[tokio::test]
async fn numbering_wraps_past_open_tickets_or_refuses_when_told_to() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let base = format!("/branches/{}", demo.branch());
    let create = |prefix: &str, numbering: Value| {
        let body = json!({"names": {"en": prefix}, "prefix": prefix, "numbering": numbering});
        let path = format!("{base}/services");
        let admin = admin.clone();
        let demo = &demo;
        async move {
            demo.post(&path, Some(&admin), body)
                .await
                .expect(201)
                .clone()
        }
    };
    let wrapping = create("W", json!({"first": 1, "last": 3})).await;
    assert_eq!(wrapping["numbering"]["after_last"], "wrap", "{wrapping}");
    let wrapping = wrapping["id"].as_u64().unwrap();
    let mut tokens = Vec::new();
    for expected in ["W1", "W2", "W3"] {
        let ticket = demo.issue(wrapping).await;
        assert_eq!(ticket["number"], expected);
        tokens.push(ticket["token"].as_str().unwrap().to_string());
    }
    // W1 still waits; W2 and W3 are given up.
    for token in &tokens[1..] {
        demo.delete(&format!("/tickets/{token}"), None)
            .await
            .expect(200);
    }
    assert_eq!(demo.issue(wrapping).await["number"], "W2", "W1 is skipped");
    assert_eq!(demo.issue(wrapping).await["number"], "W3");
    demo.issue_reply(wrapping)
        .await
        .expect_error(409, "numbering_exhausted");

    let refusing = create("R", json!({"first": 1, "last": 1, "after_last": "refuse"})).await;
    assert_eq!(refusing["numbering"]["after_last"], "refuse");
    let refusing = refusing["id"].as_u64().unwrap();
    let only = demo.issue(refusing).await;
    assert_eq!(only["number"], "R1");
    demo.delete(
        &format!("/tickets/{}", only["token"].as_str().unwrap()),
        None,
    )
    .await
    .expect(200);
    demo.issue_reply(refusing)
        .await
        .expect_error(409, "numbering_exhausted");
}

/// A workplace opened without naming a profile takes the operator's only assigned one, else the
/// one they last opened with, and the answer says which; with neither it asks for one.
#[tokio::test]
async fn a_workplace_opens_with_the_profile_to_take_when_none_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let operator = demo.operator(0).await;
    let w = demo.workplace(0);
    let path = format!("/workplaces/{w}/open");
    let open = |body: Value| demo.post(&path, Some(&operator), body);
    let reply = open(json!({})).await;
    reply.expect_error(422, "validation_failed");
    assert_eq!(reply.body["error"]["field"], "profile");

    let payments = demo.profile("Payments first");
    open(json!({"profile": payments})).await.expect(200);
    demo.workplace_act(&operator, w, "close", None)
        .await
        .expect(200);
    let reopened = open(json!({})).await;
    assert_eq!(
        reopened.expect(200)["profile"],
        payments,
        "the last one used"
    );
    demo.workplace_act(&operator, w, "close", None)
        .await
        .expect(200);

    let users = demo.get("/users", Some(&admin)).await.expect(200).clone();
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == demo.facts.operators[0].username)
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let all = demo.all_services();
    demo.put(
        &format!("/users/{id}/profiles"),
        Some(&admin),
        json!({"profiles": [all]}),
    )
    .await
    .expect(200);
    assert_eq!(
        open(json!({})).await.expect(200)["profile"],
        all,
        "the only one assigned"
    );
}
