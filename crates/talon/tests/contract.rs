//! The contract, walked: one successful request to every documented operation, each answer
//! checked against the document (its status documented, its JSON fitting the schema with no
//! undocumented field; `common::reply` does that for every answer of every test). At the end
//! every documented operation must have been answered successfully at least once.

mod common;

use common::contract::{CHECKED, document, fits};
use common::{Demo, EventStream, reply};
use reqwest::Method;
use serde_json::{Value, json};

/// Asserts a successful answer and returns its JSON.
#[track_caller]
fn ok(answer: &common::Reply) -> Value {
    assert!(
        answer.status.is_success() || answer.status.is_redirection(),
        "expected success, got {} {}",
        answer.status,
        answer.text
    );
    answer.body.clone()
}

/// Opens an event stream and checks its head against the document.
async fn stream_head(demo: &Demo, path: &str, token: Option<&str>) {
    let mut request = demo.client.get(demo.at(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = EventStream::open_request(request).await;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    common::contract::check(&Method::GET, path, response.status(), &content_type, "");
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let a = Some(admin.as_str());
    let b = demo.branch();
    let base = format!("/branches/{b}");
    let (w, w2) = (demo.workplace(0), demo.workplace(1));

    // Pages, assets and the system's own routes.
    for path in [
        "/".to_string(),
        "/admin".into(),
        "/planning".into(),
        "/operator".into(),
        "/pair".into(),
        "/api/openapi.json".into(),
        "/health".into(),
        "/health/live".into(),
        "/health/ready".into(),
        "/favicon.ico".into(),
        "/assets/kiosk.js".into(),
        format!("/kiosk/{b}"),
        format!("/display/{b}"),
        format!("/display/{b}/workplace/{w}"),
    ] {
        ok(&reply(demo.client.get(demo.at(&path))).await);
    }

    ok(&reply(demo.client.get(demo.at("/metrics")).bearer_auth(&admin)).await);

    // Staff.
    ok(&demo.get("/users", a).await);
    let created = ok(&demo
        .post(
            "/users",
            a,
            json!({"username": "walker", "password": "long enough", "role": "operator",
                   "branch": b}),
        )
        .await);
    let walker = created["id"].as_u64().unwrap();
    ok(&demo
        .put(
            &format!("/users/{walker}/profiles"),
            a,
            json!({"profiles": [demo.all_services()]}),
        )
        .await);
    for disabled in [true, false] {
        ok(&demo
            .put(
                &format!("/users/{walker}/disabled"),
                a,
                json!({"disabled": disabled}),
            )
            .await);
    }

    // Branches.
    ok(&demo.get("/branches", a).await);
    let config = ok(&demo.get(&base, a).await);
    ok(&demo.put(&base, a, config["settings"].clone()).await);
    ok(&demo
        .post(
            "/branches",
            a,
            json!({"name": "Walk", "time_zone": "UTC", "languages": ["en"]}),
        )
        .await);
    ok(&demo.get(&format!("{base}/state"), a).await);
    stream_head(&demo, &format!("/api/v1{base}/events"), a).await;
    let announcement = format!("{base}/announcement?ticket=A001&workplace=1");
    ok(&demo.get(&announcement, Some(demo.display())).await);
    ok(&demo
        .get(
            &format!("{base}/announcement.wav?ticket=A001&workplace=1"),
            Some(demo.display()),
        )
        .await);

    // Configuration.
    let service = ok(&demo
        .post(
            &format!("{base}/services"),
            a,
            json!({"names": {"en": "Walk"}, "prefix": "W"}),
        )
        .await)["id"]
        .as_u64()
        .unwrap();
    ok(&demo
        .put(
            &format!("{base}/services/{service}"),
            a,
            json!({"names": {"en": "Walked"}, "prefix": "W"}),
        )
        .await);
    let workplace = ok(&demo
        .post(&format!("{base}/workplaces"), a, json!({"name": "W"}))
        .await)["id"]
        .as_u64()
        .unwrap();
    ok(&demo
        .put(
            &format!("{base}/workplaces/{workplace}"),
            a,
            json!({"name": "W2"}),
        )
        .await);
    let category = ok(&demo
        .post(
            &format!("{base}/categories"),
            a,
            json!({"names": {"en": "Walkers"}, "weight": 2}),
        )
        .await)["id"]
        .as_u64()
        .unwrap();
    ok(&demo
        .put(
            &format!("{base}/categories/{category}"),
            a,
            json!({"names": {"en": "Walkers"}, "weight": 3}),
        )
        .await);
    let profile_body = json!({"name": "Walk", "entries": [
        {"service": service, "categories": {"only": [category]}, "weight": 2},
        {"service": service, "categories": "regular"}],
        "policy": "urgency", "ratio": [{"entries": [0], "count": 2}, {"entries": [1], "count": 1}]});
    let profile = ok(&demo
        .post(&format!("{base}/profiles"), a, profile_body.clone())
        .await)["id"]
        .as_u64()
        .unwrap();
    ok(&demo
        .put(
            &format!("{base}/profiles/{profile}"),
            a,
            profile_body.clone(),
        )
        .await);
    ok(&demo
        .post(
            &format!("{base}/profiles/preview"),
            a,
            json!({"profile": profile_body, "sample": [
                {"service": service, "waited_secs": 60},
                {"service": service, "category": category, "waited_secs": 30}]}),
        )
        .await);
    for path in [
        format!("{base}/profiles/{profile}"),
        format!("{base}/categories/{category}"),
        format!("{base}/services/{service}"),
        format!("{base}/workplaces/{workplace}"),
    ] {
        ok(&demo.delete(&path, a).await);
    }

    // Customers.
    let phone = json!({"kind": "phone", "value": "+79161234567"});
    let vip = demo.category("VIP");
    ok(&demo
        .post(
            &format!("{base}/customers"),
            a,
            json!({"identifier": phone, "category": vip}),
        )
        .await);
    for action in ["lookup", "export", "forget"] {
        ok(&demo
            .post(
                &format!("{base}/customers/{action}"),
                a,
                json!({"identifier": phone}),
            )
            .await);
    }

    // Devices.
    ok(&demo.get(&format!("{base}/devices"), a).await);
    let device = ok(&demo
        .post(
            &format!("{base}/devices"),
            a,
            json!({"role": "display", "name": "Walk"}),
        )
        .await);
    let devices = ok(&demo.get(&format!("{base}/devices"), a).await);
    let device_id = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == device["name"])
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    ok(&demo.delete(&format!("{base}/devices/{device_id}"), a).await);
    let code = ok(&demo
        .post(
            &format!("{base}/pairings"),
            a,
            json!({"role": "kiosk", "name": "Walk"}),
        )
        .await)["code"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&demo.post("/pair", None, json!({"code": code})).await);
    ok(&demo.get(&format!("{base}/pairings"), a).await);

    // A visit.
    let operator = demo.operator(0).await;
    let op = Some(operator.as_str());
    ok(&demo
        .post(
            &format!("/workplaces/{w}/open"),
            op,
            json!({"profile": demo.all_services()}),
        )
        .await);
    ok(&demo.get(&format!("{base}/me/today"), op).await);
    assert_eq!(
        demo.call_next_reply(&operator, w).await.status,
        204,
        "nobody waits"
    );
    let service_a = demo.service("A");
    let first = demo.issue(service_a).await;
    let token = first["token"].as_str().unwrap().to_string();
    ok(&demo.get(&format!("{base}/tickets"), a).await);
    ok(&demo.get(&format!("/tickets/{token}"), None).await);
    stream_head(&demo, &format!("/api/v1/tickets/{token}/events"), None).await;
    for path in [
        format!("/t/{token}"),
        format!("/t/{token}/print?paper=58"),
        format!("/t/{token}/qr.svg"),
    ] {
        ok(&reply(demo.client.get(demo.at(&path))).await);
    }
    let id = first["id"].as_u64().unwrap();
    ok(&demo
        .post(&format!("/workplaces/{w}/call"), op, json!({"ticket": id}))
        .await);
    for action in ["recall", "start", "finish"] {
        ok(&demo.act(&operator, id, action, None).await);
    }
    let second = demo.issue(service_a).await["id"].as_u64().unwrap();
    assert_eq!(
        demo.call_next(&operator, w).await.unwrap()["id"],
        second,
        "the one waiting"
    );
    ok(&demo.act(&operator, second, "no-show", None).await);
    let third = demo.issue(service_a).await["id"].as_u64().unwrap();
    ok(&demo
        .act(&operator, third, "postpone", Some(json!({"seconds": 60})))
        .await);
    ok(&demo
        .act(
            &operator,
            third,
            "transfer",
            Some(json!({"service": demo.service("B")})),
        )
        .await);
    for (action, body) in [
        ("pause", Some(json!({"reason": "coffee"}))),
        ("resume", None),
        ("close", None),
    ] {
        ok(&demo.workplace_act(&operator, w, action, body).await);
    }
    let other = demo.operator(1).await;
    ok(&demo
        .post(
            &format!("/workplaces/{w2}/open"),
            Some(&other),
            json!({"profile": demo.all_services()}),
        )
        .await);
    let fourth = demo.issue(service_a).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&demo.delete(&format!("/tickets/{fourth}"), None).await);
    let fifth = demo.issue(service_a).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cancelled = reply(no_redirects.post(demo.at(&format!("/t/{fifth}/cancel")))).await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.text);

    // Planning: four weeks of hourly arrivals, planned as JSON and as CSV.
    ok(&demo
        .post(
            "/planning/erlang",
            a,
            json!({"arrivals_per_hour": 90.0, "service_secs": 240.0, "target_secs": 60.0,
                   "target_level": 0.8, "patience_secs": 600.0, "shrinkage": 0.25}),
        )
        .await);
    let mut history = String::from("timestamp,count\n");
    for day in 1..=28 {
        for hour in 9..17 {
            let count = 10 + (day % 7) * 3 + (hour - 9) * 2;
            history.push_str(&format!("2024-02-{day:02}T{hour:02}:00:00Z,{count}\n"));
        }
    }
    let plan = json!({"csv": history, "service_secs": 300.0, "target_secs": 60.0,
                      "target_level": 0.8, "shrinkage": 0.2});
    ok(&demo.post("/planning/plan", a, plan.clone()).await);
    ok(&reply(
        demo.request(Method::POST, "/planning/plan?format=csv", a)
            .json(&plan),
    )
    .await);
    ok(&demo
        .post(
            "/planning/simulate",
            a,
            json!({"sample": {"kind": "bank", "workplaces": 3},
                   "what_if_sample": {"kind": "bank", "workplaces": 4},
                   "replications": 2, "seed": 5}),
        )
        .await);

    // The network administrator's own.
    ok(&demo.get("/audit?limit=5", a).await);
    let file = demo.get("/config", a).await;
    ok(&file);
    let import = demo
        .request(Method::POST, "/config?dry_run=true", a)
        .header("content-type", "application/toml")
        .body(file.text.clone());
    ok(&reply(import).await);
    ok(&demo.post("/auth/logout", op, json!({})).await);

    // Every documented operation has answered successfully.
    let checked = CHECKED.lock().unwrap().clone();
    let mut missing = Vec::new();
    for (path, operations) in document()["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            let answered = checked
                .iter()
                .any(|(m, p, status)| *m == method && p == path && *status < 400);
            if !answered {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "never answered successfully: {missing:#?}"
    );
}

#[test]
fn the_checker_finds_a_wrong_type_a_missing_and_an_undocumented_field() {
    let schema = serde_json::json!({
        "type": "object",
        "required": ["number"],
        "properties": {
            "number": {"type": "string"},
            "position": {"type": ["integer", "null"], "minimum": 0}
        }
    });
    assert!(
        fits(
            &serde_json::json!({"number": "A1", "position": null}),
            &schema,
            "$"
        )
        .is_ok()
    );
    assert!(fits(&serde_json::json!({"number": 1}), &schema, "$").is_err());
    assert!(fits(&serde_json::json!({"position": 1}), &schema, "$").is_err());
    assert!(
        fits(
            &serde_json::json!({"number": "A1", "colour": 1}),
            &schema,
            "$"
        )
        .is_err()
    );
    assert!(
        fits(
            &serde_json::json!({"number": "A1", "position": -1}),
            &schema,
            "$"
        )
        .is_err()
    );
}
