//! Every error path of the HTTP API answers its documented status with a JSON body
//! `{"error": {"code", "message"}}` and a stable code: 400, 401, 403, 404, 405, 409, 413, 415 and
//! 422. A rejected command changes nothing (the branch's state, tickets and configuration are
//! the same before and after). And garbage (random bytes, absurd ids, unicode, deep nesting)
//! never makes the server fail with a 5xx or stop answering.

mod common;

use common::{Demo, Reply, without_keys};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

/// A 32-hex token no ticket has (the chance that one does is 2^-128 per ticket).
const NO_SUCH_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const NO_SUCH_ID: u64 = 987_654_321;

/// Everything a command could change: the state, the open tickets and the configuration.
/// Only the time-dependent `longest_wait_secs` is left out.
async fn snapshot(demo: &Demo, admin: &str) -> Value {
    let b = demo.branch();
    let state = demo.get(&format!("/branches/{b}/state"), Some(admin)).await;
    let tickets = demo
        .get(&format!("/branches/{b}/tickets"), Some(admin))
        .await;
    let config = demo.get(&format!("/branches/{b}"), Some(admin)).await;
    without_keys(
        &json!({
            "state": state.expect(200),
            "tickets": tickets.expect(200),
            "config": config.expect(200),
        }),
        &["longest_wait_secs"],
    )
}

/// Asserts that the branch is exactly as it was `before`.
async fn assert_unchanged(demo: &Demo, admin: &str, before: &Value, what: &str) {
    let after = snapshot(demo, admin).await;
    assert_eq!(&after, before, "a rejected {what} changed the branch");
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_401() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let state = format!("/branches/{}/state", demo.branch());

    demo.get(&state, None)
        .await
        .expect_error(401, "unauthorized");
    demo.get(&state, Some("not-a-token"))
        .await
        .expect_error(401, "unauthorized");
    // A well-formed token nobody was given.
    demo.get(&state, Some(&"ab".repeat(32)))
        .await
        .expect_error(401, "unauthorized");
    // Another scheme, an empty bearer, bytes that are not text.
    for value in [
        format!("Basic {}", demo.display()).into_bytes(),
        b"Bearer ".to_vec(),
        b"Bearer \xff\xfe\xfd".to_vec(),
        demo.display().as_bytes().to_vec(),
    ] {
        let header = reqwest::header::HeaderValue::from_bytes(&value).unwrap();
        let reply = common::reply(
            demo.request(Method::GET, &state, None)
                .header(reqwest::header::AUTHORIZATION, header),
        )
        .await;
        reply.expect_error(401, "unauthorized");
    }
    // The query parameter is checked like the header.
    common::reply(
        demo.client
            .get(demo.api(&format!("{state}?access_token=nope"))),
    )
    .await
    .expect_error(401, "unauthorized");
    // Staff endpoints too.
    demo.post("/branches", None, json!({}))
        .await
        .expect_error(401, "unauthorized");
    demo.call_next_reply("nope", demo.workplace(0))
        .await
        .expect_error(401, "unauthorized");

    // Wrong passwords and unknown users are refused alike.
    let admin = demo.facts.admin.username.clone();
    for (user, password) in [
        (admin.as_str(), "wrong password"),
        (admin.as_str(), ""),
        ("nobody", "whatever1"),
    ] {
        demo.post(
            "/auth/login",
            None,
            json!({"username": user, "password": password}),
        )
        .await
        .expect_error(401, "invalid_credentials");
    }
    demo.assert_healthy().await;
}

#[tokio::test]
async fn the_wrong_role_is_403() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let b = demo.branch();
    demo.post(
        &format!("/branches/{b}/tickets"),
        Some(demo.display()),
        json!({"service": demo.service("A")}),
    )
    .await
    .expect_error(403, "forbidden");
    demo.get(&format!("/branches/{b}"), Some(demo.kiosk()))
        .await
        .expect_error(403, "forbidden");
    let op = demo.operator(0).await;
    demo.post(
        "/branches",
        Some(&op),
        json!({"name": "X", "time_zone": "UTC", "languages": ["en"]}),
    )
    .await
    .expect_error(403, "forbidden");
    demo.get("/users", Some(&op))
        .await
        .expect_error(403, "forbidden");
}

#[tokio::test]
async fn unknown_things_are_404() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin_token = demo.admin().await;
    let admin = Some(admin_token.as_str());
    let b = demo.branch();

    for path in [
        "/api/v1/nope",
        "/nope",
        "/api/v2/branches",
        "/api/v1/branches/1/nope",
    ] {
        common::reply(demo.client.get(demo.at(path)))
            .await
            .expect_error(404, "route_not_found");
    }
    // Unknown actions are unknown routes, too.
    demo.workplace_act(&admin_token, demo.workplace(0), "dance", None)
        .await
        .expect_error(404, "route_not_found");

    // Tickets.
    demo.public(NO_SUCH_TOKEN)
        .await
        .expect_error(404, "ticket_not_found");
    demo.delete(&format!("/tickets/{NO_SUCH_TOKEN}"), None)
        .await
        .expect_error(404, "ticket_not_found");
    for action in ["start", "finish", "recall", "no-show"] {
        demo.act(&admin_token, NO_SUCH_ID, action, None)
            .await
            .expect_error(404, "ticket_not_found");
    }
    let op = demo.operator(0).await;
    demo.open_workplace(&op, demo.workplace(0), demo.all_services())
        .await;
    demo.post(
        &format!("/workplaces/{}/call", demo.workplace(0)),
        Some(&op),
        json!({"ticket": NO_SUCH_ID}),
    )
    .await
    .expect_error(404, "ticket_not_found");

    // Workplaces.
    demo.call_next_reply(&admin_token, NO_SUCH_ID)
        .await
        .expect_error(404, "workplace_not_found");
    demo.workplace_act(
        &admin_token,
        NO_SUCH_ID,
        "open",
        Some(json!({"profile": 1})),
    )
    .await
    .expect_error(404, "workplace_not_found");
    demo.put(
        &format!("/branches/{b}/workplaces/{NO_SUCH_ID}"),
        admin,
        json!({"name": "9"}),
    )
    .await
    .expect_error(404, "workplace_not_found");
    demo.delete(&format!("/branches/{b}/workplaces/{NO_SUCH_ID}"), admin)
        .await
        .expect_error(404, "workplace_not_found");

    // Services.
    demo.issue_reply(NO_SUCH_ID)
        .await
        .expect_error(404, "service_not_found");
    demo.put(
        &format!("/branches/{b}/services/{NO_SUCH_ID}"),
        admin,
        json!({"names": {"en": "X"}, "prefix": "X"}),
    )
    .await
    .expect_error(404, "service_not_found");
    demo.delete(&format!("/branches/{b}/services/{NO_SUCH_ID}"), admin)
        .await
        .expect_error(404, "service_not_found");
    // A service of another branch is not found in this one.
    let other = demo
        .post(
            "/branches",
            admin,
            json!({"name": "Other", "time_zone": "UTC", "languages": ["en"]}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    demo.delete(
        &format!("/branches/{other}/services/{}", demo.service("A")),
        admin,
    )
    .await
    .expect_error(404, "service_not_found");

    // Profiles.
    demo.workplace_act(
        &op,
        demo.workplace(1),
        "open",
        Some(json!({"profile": NO_SUCH_ID})),
    )
    .await
    .expect_error(404, "profile_not_found");
    demo.delete(&format!("/branches/{b}/profiles/{NO_SUCH_ID}"), admin)
        .await
        .expect_error(404, "profile_not_found");

    // Branches.
    for path in [
        format!("/branches/{NO_SUCH_ID}"),
        format!("/branches/{NO_SUCH_ID}/state"),
        format!("/branches/{NO_SUCH_ID}/events"),
    ] {
        demo.get(&path, admin)
            .await
            .expect_error(404, "branch_not_found");
    }
    demo.post(
        &format!("/branches/{NO_SUCH_ID}/services"),
        admin,
        json!({"names": {"en": "X"}, "prefix": "X"}),
    )
    .await
    .expect_error(404, "branch_not_found");
    demo.post(
        &format!("/branches/{NO_SUCH_ID}/devices"),
        admin,
        json!({"role": "kiosk", "name": "K"}),
    )
    .await
    .expect_error(404, "branch_not_found");
    demo.post(
        "/users",
        admin,
        json!({"username": "lost", "password": "long enough", "role": "operator",
               "branch": NO_SUCH_ID}),
    )
    .await
    .expect_error(404, "branch_not_found");
}

#[tokio::test]
async fn a_wrong_method_is_405() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let b = demo.branch();
    let w = demo.workplace(0);
    for (method, path) in [
        (Method::PUT, "/api/v1/auth/login".to_string()),
        (Method::GET, "/api/v1/auth/login".to_string()),
        (Method::DELETE, format!("/api/v1/branches/{b}/state")),
        (Method::POST, format!("/api/v1/branches/{b}/state")),
        (Method::GET, format!("/api/v1/workplaces/{w}/call-next")),
        (Method::PATCH, format!("/api/v1/tickets/{NO_SUCH_TOKEN}")),
        (Method::DELETE, "/api/v1/branches".to_string()),
        (Method::GET, format!("/api/v1/branches/{b}/services/1")),
        (Method::POST, "/health".to_string()),
    ] {
        let reply = common::reply(
            demo.client
                .request(method.clone(), demo.at(&path))
                .bearer_auth(demo.display()),
        )
        .await;
        assert_eq!(reply.status, 405, "{method} {path}: {}", reply.text);
        reply.expect_error(405, "method_not_allowed");
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_413_415_and_422() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin_token = demo.admin().await;
    let admin = Some(admin_token.as_str());
    let op = demo.operator(0).await;
    let b = demo.branch();
    let w = demo.workplace(0);
    demo.open_workplace(&op, w, demo.all_services()).await;
    let ticket = demo.issue(demo.service("A")).await["id"].as_u64().unwrap();

    // Every endpoint that takes a body, with the token it needs.
    let kiosk = demo.kiosk().to_string();
    let endpoints: Vec<(Method, String, Option<&str>)> = vec![
        (Method::POST, "/auth/login".into(), None),
        (Method::POST, "/users".into(), admin),
        (Method::POST, "/branches".into(), admin),
        (Method::PUT, format!("/branches/{b}"), admin),
        (Method::POST, format!("/branches/{b}/devices"), admin),
        (Method::POST, format!("/branches/{b}/services"), admin),
        (
            Method::PUT,
            format!("/branches/{b}/services/{}", demo.service("B")),
            admin,
        ),
        (Method::POST, format!("/branches/{b}/workplaces"), admin),
        (Method::PUT, format!("/branches/{b}/workplaces/{w}"), admin),
        (Method::POST, format!("/branches/{b}/profiles"), admin),
        (
            Method::PUT,
            format!("/branches/{b}/profiles/{}", demo.all_services()),
            admin,
        ),
        (Method::POST, format!("/branches/{b}/tickets"), Some(&kiosk)),
        (Method::POST, format!("/workplaces/{w}/call"), Some(&op)),
        (Method::POST, format!("/workplaces/{w}/open"), Some(&op)),
        (Method::POST, format!("/workplaces/{w}/pause"), Some(&op)),
        (
            Method::POST,
            format!("/tickets/{ticket}/postpone"),
            Some(&op),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/transfer"),
            Some(&op),
        ),
    ];
    let before = snapshot(&demo, &admin_token).await;

    for (method, path, token) in &endpoints {
        let send = |body: Vec<u8>, content_type: Option<&str>| {
            let mut request = demo.request(method.clone(), path, *token).body(body);
            if let Some(ct) = content_type {
                request = request.header(CONTENT_TYPE, ct);
            }
            common::reply(request)
        };
        let what = format!("{method} {path}");
        // Not JSON at all.
        let reply = send(b"{oops}".to_vec(), Some("application/json")).await;
        assert_eq!(
            reply.error_code(),
            Some("invalid_json"),
            "{what}: {}",
            reply.text
        );
        reply.expect_error(400, "invalid_json");
        // Larger than 64 KiB (the command endpoints have their own test below).
        if takes_json(path) {
            let big = format!("{{\"name\": \"{}\"}}", "x".repeat(100 * 1024));
            let reply = send(big.into_bytes(), Some("application/json")).await;
            assert_eq!(
                (reply.status.as_u16(), reply.error_code()),
                (413, Some("payload_too_large")),
                "{what}: {} {:?}",
                reply.status,
                reply.text
            );
            reply.expect_error(413, "payload_too_large");
        }
        // JSON of the wrong shape.
        let reply = send(b"\"text\"".to_vec(), Some("application/json")).await;
        assert_eq!(
            reply.error_code(),
            Some("validation_failed"),
            "{what}: {}",
            reply.text
        );
        reply.expect_error(422, "validation_failed");
        // An unknown field.
        let reply = send(br#"{"surprise": true}"#.to_vec(), Some("application/json")).await;
        assert_eq!(
            reply.error_code(),
            Some("validation_failed"),
            "{what}: {}",
            reply.text
        );
    }

    // Endpoints that take JSON through the JSON extractor insist on its media type.
    for (method, path, token) in endpoints.iter().filter(|(_, p, _)| takes_json(p)) {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut request = demo
                .request(method.clone(), path, *token)
                .body(r#"{"name": "x"}"#);
            if let Some(ct) = content_type {
                request = request.header(CONTENT_TYPE, ct);
            }
            let reply = common::reply(request).await;
            assert_eq!(
                reply.error_code(),
                Some("unsupported_media_type"),
                "{method} {path} {content_type:?}: {}",
                reply.text
            );
            reply.expect_error(415, "unsupported_media_type");
        }
    }
    assert_unchanged(&demo, &admin_token, &before, "malformed request").await;
    demo.assert_healthy().await;
}

/// Whether an endpoint reads its body as `application/json` only (the configuration and staff
/// endpoints); the command endpoints (issue, ticket and workplace actions) read any body.
fn takes_json(path: &str) -> bool {
    !path.contains("/tickets") && !path.ends_with("/open") && !path.ends_with("/pause")
}

/// The command endpoints that read a body refuse one over 64 KiB like every other endpoint:
/// 413 with the JSON error `payload_too_large`.
#[tokio::test]
async fn an_oversized_command_body_is_413_with_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let op = demo.operator(0).await;
    let b = demo.branch();
    let w = demo.workplace(0);
    demo.open_workplace(&op, w, demo.all_services()).await;
    let ticket = demo.issue(demo.service("A")).await["id"].as_u64().unwrap();
    let admin = demo.admin().await;
    let before = snapshot(&demo, &admin).await;
    let big = format!("{{\"reason\": \"{}\"}}", "x".repeat(100 * 1024));
    let mut failures = Vec::new();
    for (path, token) in [
        (format!("/branches/{b}/tickets"), demo.kiosk()),
        (format!("/workplaces/{w}/open"), op.as_str()),
        (format!("/workplaces/{w}/pause"), op.as_str()),
        (format!("/tickets/{ticket}/postpone"), op.as_str()),
        (format!("/tickets/{ticket}/transfer"), op.as_str()),
    ] {
        let reply = common::reply(
            demo.request(Method::POST, &path, Some(token))
                .header(CONTENT_TYPE, "application/json")
                .body(big.clone()),
        )
        .await;
        if (reply.status.as_u16(), reply.error_code()) != (413, Some("payload_too_large")) {
            failures.push(format!(
                "POST {path}: {} {:?} {:?}",
                reply.status, reply.content_type, reply.text
            ));
        }
    }
    assert_unchanged(&demo, &admin, &before, "oversized command").await;
    assert!(
        failures.is_empty(),
        "not the JSON error payload_too_large:\n{}",
        failures.join("\n")
    );
}

/// Branch settings, like every other input, refuse a field they do not know (a misspelt
/// `time_zone` must not be silently dropped).
#[tokio::test]
async fn an_unknown_field_in_branch_settings_is_422() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let branches = demo
        .get("/branches", Some(&admin))
        .await
        .expect(200)
        .clone();
    let body = json!({"name": "X", "time_zone": "UTC", "languages": ["en"], "colour": "red"});
    demo.post("/branches", Some(&admin), body.clone())
        .await
        .expect_error(422, "validation_failed");
    demo.put(&format!("/branches/{}", demo.branch()), Some(&admin), body)
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(
        demo.get("/branches", Some(&admin)).await.expect(200),
        &branches
    );
}

#[tokio::test]
async fn invalid_values_are_422() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin_token = demo.admin().await;
    let admin = Some(admin_token.as_str());
    let b = demo.branch();
    let op = demo.operator(0).await;
    let w = demo.workplace(0);
    demo.open_workplace(&op, w, demo.all_services()).await;
    let ticket = demo.issue(demo.service("A")).await["id"].as_u64().unwrap();
    let before = snapshot(&demo, &admin_token).await;
    let branch_count = demo.get("/branches", admin).await.expect(200).clone();

    let branch = |n: Value, z: Value, l: Value| json!({"name": n, "time_zone": z, "languages": l});
    for body in [
        branch(json!("X"), json!("Mars/Olympus_Mons"), json!(["en"])),
        branch(json!("X"), json!(""), json!(["en"])),
        branch(json!("X"), json!("UTC"), json!(["fr"])),
        branch(json!("X"), json!("UTC"), json!([])),
        branch(json!("X"), json!("UTC"), json!(["en", "en"])),
        branch(json!(""), json!("UTC"), json!(["en"])),
        branch(json!("   "), json!("UTC"), json!(["en"])),
        branch(json!("a\u{0007}b"), json!("UTC"), json!(["en"])),
        branch(json!("x".repeat(201)), json!("UTC"), json!(["en"])),
        json!({"name": "X", "time_zone": "UTC"}),
    ] {
        demo.post("/branches", admin, body.clone())
            .await
            .expect_error(422, "validation_failed");
        demo.put(&format!("/branches/{b}"), admin, body)
            .await
            .expect_error(422, "validation_failed");
    }

    let service = |extra: Value| {
        let mut s = json!({"names": {"en": "Extra"}, "prefix": "X"});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    for body in [
        service(json!({"prefix": "A1"})),
        service(json!({"prefix": "ABCD"})),
        service(json!({"prefix": ""})),
        service(json!({"prefix": "-"})),
        service(json!({"prefix": "😀"})),
        // Taken by the demo's Payments.
        service(json!({"prefix": "A"})),
        service(json!({"names": {}})),
        service(json!({"names": {"fr": "Extra"}})),
        service(json!({"names": {"en": ""}})),
        service(json!({"numbering": {"first": 10, "last": 9}})),
        service(json!({"numbering": {"first": 1, "last": 100_000}})),
        service(json!({"daily_limit": 0})),
        service(json!({"service_norm_secs": 0})),
        service(json!({"waiting_norm_secs": 86_401})),
        service(json!({"hours": {"mon": ["18:00-09:00"]}})),
        service(json!({"hours": {"someday": ["09:00-18:00"]}})),
        service(json!({"colour": "red"})),
    ] {
        demo.post(&format!("/branches/{b}/services"), admin, body.clone())
            .await
            .expect_error(422, "validation_failed");
        demo.put(
            &format!("/branches/{b}/services/{}", demo.service("B")),
            admin,
            body,
        )
        .await
        .expect_error(422, "validation_failed");
    }

    for body in [
        json!({"name": ""}),
        json!({"name": "x".repeat(201)}),
        json!({"name": "7", "id": 5}),
    ] {
        demo.post(&format!("/branches/{b}/workplaces"), admin, body)
            .await
            .expect_error(422, "validation_failed");
    }
    for body in [
        json!({"name": "P", "services": []}),
        json!({"name": "P", "services": [demo.service("A"), demo.service("A")]}),
        json!({"name": "P", "services": [NO_SUCH_ID]}),
        json!({"name": "P", "services": [demo.service("A")], "policy": "random"}),
        json!({"name": "", "services": [demo.service("A")]}),
    ] {
        demo.post(&format!("/branches/{b}/profiles"), admin, body)
            .await
            .expect_error(422, "validation_failed");
    }
    for body in [
        json!({"role": "admin", "name": "K"}),
        json!({"role": "kiosk", "name": "  "}),
        json!({"role": "kiosk", "name": "K", "branch": 1}),
    ] {
        demo.post(&format!("/branches/{b}/devices"), admin, body)
            .await
            .expect_error(422, "validation_failed");
    }
    for body in [
        json!({"username": "new1", "password": "short", "role": "operator"}),
        json!({"username": "new2", "password": "long enough", "role": "kiosk"}),
        json!({"username": "has space", "password": "long enough", "role": "operator"}),
        json!({"username": "", "password": "long enough", "role": "operator"}),
        json!({"username": "new3", "password": "long enough", "role": "operator", "admin": true}),
    ] {
        demo.post("/users", admin, body)
            .await
            .expect_error(422, "validation_failed");
    }

    // Commands.
    let kiosk = Some(demo.kiosk());
    let tickets = format!("/branches/{b}/tickets");
    for body in [
        json!({"service": demo.service("A"), "language": "fr"}),
        json!({"service": demo.service("A"), "channel": "pigeon"}),
        json!({"service": "A"}),
        json!({}),
    ] {
        demo.post(&tickets, kiosk, body)
            .await
            .expect_error(422, "validation_failed");
    }
    demo.act(&op, ticket, "postpone", Some(json!({"seconds": 86_401})))
        .await
        .expect_error(422, "validation_failed");
    demo.act(&op, ticket, "postpone", Some(json!({"seconds": -1})))
        .await
        .expect_error(422, "validation_failed");
    demo.act(
        &op,
        ticket,
        "transfer",
        Some(json!({"service": demo.service("B"), "position": "middle"})),
    )
    .await
    .expect_error(422, "validation_failed");
    for reason in ["", "   ", "tab\there", &"x".repeat(101)] {
        demo.workplace_act(&op, w, "pause", Some(json!({"reason": reason})))
            .await
            .expect_error(422, "validation_failed");
    }

    assert_unchanged(&demo, &admin_token, &before, "invalid value").await;
    assert_eq!(
        demo.get("/branches", admin).await.expect(200),
        &branch_count,
        "no branch was created"
    );
}

#[tokio::test]
async fn conflicts_are_409_or_403_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let (op1, op2) = (demo.operator(0).await, demo.operator(1).await);
    let (w0, w1, w2, w3) = (
        demo.workplace(0),
        demo.workplace(1),
        demo.workplace(2),
        demo.workplace(3),
    );
    let all = demo.all_services();

    // Set up: op1 has t1 called at w0, t2 waits, op2 works (paused) at w1, a cancelled and a
    // finished ticket, a disabled service, one with a daily limit of 1 reached, one whose
    // range (1..=1) is used up.
    demo.open_workplace(&op1, w0, all).await;
    demo.open_workplace(&op2, w1, all).await;
    let t1 = demo.issue(demo.service("A")).await;
    let t2 = demo.issue(demo.service("B")).await;
    let t1_id = t1["id"].as_u64().unwrap();
    let t2_id = t2["id"].as_u64().unwrap();
    assert_eq!(demo.call_next(&op1, w0).await.unwrap()["id"], t1["id"]);
    let served = demo.call_next(&op2, w1).await.unwrap();
    let served_id = served["id"].as_u64().unwrap();
    assert_eq!(served_id, t2_id);
    demo.act(&op2, served_id, "start", None).await.expect(200);
    demo.act(&op2, served_id, "finish", None).await.expect(200);
    let t3 = demo.issue(demo.service("B")).await;
    let t3_id = t3["id"].as_u64().unwrap();
    let gone = demo.issue(demo.service("C")).await;
    let gone_token = gone["token"].as_str().unwrap().to_string();
    demo.delete(&format!("/tickets/{gone_token}"), None)
        .await
        .expect(200);
    demo.workplace_act(&op2, w1, "pause", Some(json!({"reason": "break"})))
        .await
        .expect(200);
    let service = |prefix: &str, extra: Value| {
        let mut s = json!({"names": {"en": format!("Service {prefix}")}, "prefix": prefix});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    let create = |body: Value| {
        let admin = admin.clone();
        let demo = &demo;
        async move {
            demo.post(&format!("/branches/{b}/services"), Some(&admin), body)
                .await
                .expect(201)["id"]
                .as_u64()
                .unwrap()
        }
    };
    let disabled = create(service("E", json!({"enabled": false}))).await;
    let limited = create(service("F", json!({"daily_limit": 1}))).await;
    let tiny = create(service("G", json!({"numbering": {"first": 1, "last": 1}}))).await;
    let never_open = create(service("H", json!({"hours": {}}))).await;
    demo.issue(limited).await;
    demo.issue(tiny).await;

    let before = snapshot(&demo, &admin).await;
    let admin_ = Some(admin.as_str());
    let checks: Vec<(Reply, u16, &str, &str)> = vec![
        (
            demo.call_next_reply(&op1, w0).await,
            409,
            "workplace_busy",
            "call-next while a visitor is called",
        ),
        (
            demo.workplace_act(&op1, w0, "close", None).await,
            409,
            "workplace_busy",
            "close while a visitor is called",
        ),
        (
            demo.post(
                &format!("/workplaces/{w0}/call"),
                Some(&op1),
                json!({"ticket": t3_id}),
            )
            .await,
            409,
            "workplace_busy",
            "call a ticket while busy",
        ),
        (
            demo.act(&op1, t1_id, "finish", None).await,
            409,
            "invalid_transition",
            "finish a called ticket",
        ),
        (
            demo.act(&admin, t3_id, "start", None).await,
            409,
            "invalid_transition",
            "start a waiting ticket",
        ),
        (
            demo.act(&admin, t3_id, "recall", None).await,
            409,
            "invalid_transition",
            "recall a waiting ticket",
        ),
        (
            demo.act(&admin, t3_id, "no-show", None).await,
            409,
            "invalid_transition",
            "no-show a waiting ticket",
        ),
        (
            demo.act(&admin, served_id, "finish", None).await,
            409,
            "invalid_transition",
            "finish a finished ticket",
        ),
        (
            demo.act(&admin, served_id, "postpone", Some(json!({"seconds": 0})))
                .await,
            409,
            "invalid_transition",
            "postpone a finished ticket",
        ),
        (
            demo.act(
                &admin,
                served_id,
                "transfer",
                Some(json!({"service": demo.service("A")})),
            )
            .await,
            409,
            "invalid_transition",
            "transfer a finished ticket",
        ),
        (
            demo.delete(&format!("/tickets/{gone_token}"), None).await,
            409,
            "invalid_transition",
            "cancel a cancelled ticket",
        ),
        (
            demo.post(
                &format!("/workplaces/{w2}/call"),
                Some(&admin),
                json!({"ticket": t1_id}),
            )
            .await,
            409,
            "workplace_not_open",
            "call at a closed workplace",
        ),
        (
            demo.call_next_reply(&admin, w3).await,
            409,
            "workplace_not_open",
            "call-next at a closed workplace",
        ),
        (
            demo.workplace_act(&admin, w3, "pause", Some(json!({"reason": "x"})))
                .await,
            409,
            "workplace_not_open",
            "pause a closed workplace",
        ),
        (
            demo.workplace_act(&admin, w3, "close", None).await,
            409,
            "workplace_not_open",
            "close a closed workplace",
        ),
        (
            demo.call_next_reply(&op2, w1).await,
            409,
            "workplace_paused",
            "call-next while paused",
        ),
        (
            demo.workplace_act(&op2, w1, "pause", Some(json!({"reason": "again"})))
                .await,
            409,
            "workplace_paused",
            "pause while paused",
        ),
        (
            demo.workplace_act(&op1, w0, "resume", None).await,
            409,
            "workplace_not_paused",
            "resume an open workplace",
        ),
        (
            demo.workplace_act(&op1, w1, "open", Some(json!({"profile": all})))
                .await,
            409,
            "workplace_occupied",
            "open another operator's workplace",
        ),
        (
            demo.workplace_act(&op1, w2, "open", Some(json!({"profile": all})))
                .await,
            409,
            "operator_busy",
            "open a second workplace",
        ),
        (
            demo.issue_reply(disabled).await,
            409,
            "service_closed",
            "issue in a disabled service",
        ),
        (
            demo.issue_reply(never_open).await,
            409,
            "service_closed",
            "issue outside the opening hours",
        ),
        (
            demo.issue_reply(limited).await,
            409,
            "daily_limit_reached",
            "issue beyond the daily limit",
        ),
        (
            demo.issue_reply(tiny).await,
            409,
            "numbering_exhausted",
            "issue beyond the number range",
        ),
        (
            demo.delete(
                &format!("/branches/{b}/services/{}", demo.service("A")),
                admin_,
            )
            .await,
            409,
            "in_use",
            "remove a service in a profile",
        ),
        (
            demo.delete(&format!("/branches/{b}/profiles/{all}"), admin_)
                .await,
            409,
            "in_use",
            "remove a profile an open workplace uses",
        ),
        (
            demo.delete(&format!("/branches/{b}/workplaces/{w0}"), admin_)
                .await,
            409,
            "in_use",
            "remove an open workplace",
        ),
        (
            demo.post(
                "/users",
                admin_,
                json!({"username": demo.facts.operators[2].username, "password": "long enough",
                       "role": "operator"}),
            )
            .await,
            409,
            "already_exists",
            "create a user whose name is taken",
        ),
        // Another operator's workplace and tickets.
        (
            demo.act(&op2, t1_id, "start", None).await,
            403,
            "not_your_workplace",
            "start a ticket called elsewhere",
        ),
        (
            demo.act(&op2, t1_id, "recall", None).await,
            403,
            "not_your_workplace",
            "recall a ticket called elsewhere",
        ),
        (
            demo.act(&op2, t1_id, "no-show", None).await,
            403,
            "not_your_workplace",
            "no-show a ticket called elsewhere",
        ),
        (
            demo.act(&op2, t1_id, "postpone", Some(json!({"seconds": 0})))
                .await,
            403,
            "not_your_workplace",
            "postpone a ticket called elsewhere",
        ),
        (
            demo.act(
                &op2,
                t1_id,
                "transfer",
                Some(json!({"service": demo.service("B")})),
            )
            .await,
            403,
            "not_your_workplace",
            "transfer a ticket called elsewhere",
        ),
        (
            demo.call_next_reply(&op2, w0).await,
            403,
            "not_your_workplace",
            "call-next at another's workplace",
        ),
        (
            demo.workplace_act(&op1, w1, "resume", None).await,
            403,
            "not_your_workplace",
            "resume another's workplace",
        ),
        (
            demo.workplace_act(&op1, w1, "close", None).await,
            403,
            "not_your_workplace",
            "close another's workplace",
        ),
    ];
    for (reply, status, code, what) in &checks {
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (*status, Some(*code)),
            "{what}: {}",
            reply.text
        );
        reply.expect_error(*status, code);
    }
    assert_unchanged(&demo, &admin, &before, "conflicting command").await;

    // The same commands are fine once their conditions hold: the refusals were about the
    // state, not the requests.
    demo.act(&op1, t1_id, "start", None).await.expect(200);
    demo.act(&op1, t1_id, "finish", None).await.expect(200);
    demo.workplace_act(&op2, w1, "resume", None)
        .await
        .expect(200);
    demo.workplace_act(&op1, w0, "close", None)
        .await
        .expect(200);
    demo.workplace_act(&op1, w2, "open", Some(json!({"profile": all})))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_bad_last_event_id_is_400() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let events = format!("/branches/{}/events", demo.branch());
    for value in ["abc", "-1", "", "1.5", "18446744073709551616"] {
        let reply = common::reply(
            demo.request(Method::GET, &events, Some(demo.display()))
                .header("Last-Event-ID", value),
        )
        .await;
        assert_eq!(
            reply.error_code(),
            Some("invalid_last_event_id"),
            "Last-Event-ID {value:?}: {}",
            reply.text
        );
        reply.expect_error(400, "invalid_last_event_id");
    }
    // The query parameter must be an event id as well.
    let reply = common::reply(demo.request(
        Method::GET,
        &format!("{events}?last_event_id=abc"),
        Some(demo.display()),
    ))
    .await;
    reply.expect_error(400, "invalid_query");
}

/// Values that are not ids, or ids far out of any range.
const BAD_IDS: [&str; 16] = [
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-1",
    "0",
    "abc",
    "1.5",
    "1e3",
    "0x10",
    "%F0%9F%98%80",
    "%00",
    "%ff%fe",
    "%2F..%2F",
    "ф",
];

#[tokio::test]
async fn garbage_never_breaks_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let op = demo.operator(0).await;
    let b = demo.branch();
    let w = demo.workplace(0);
    demo.open_workplace(&op, w, demo.all_services()).await;
    let ticket = demo.issue(demo.service("A")).await["id"].as_u64().unwrap();

    let mut answers = 0;
    let check = |reply: Reply, what: String| {
        assert!(
            !reply.status.is_server_error(),
            "{what} made the server fail: {} {}",
            reply.status,
            reply.text
        );
        if reply.status.is_client_error() {
            assert!(
                reply.error_code().is_some_and(|c| !c.is_empty()),
                "{what}: an error is JSON with a code: {} {:?}",
                reply.status,
                reply.text
            );
        }
    };

    // Absurd ids in every position an id goes.
    for id in BAD_IDS {
        for (method, path, body) in [
            (Method::GET, format!("/branches/{id}"), None),
            (Method::GET, format!("/branches/{id}/state"), None),
            (Method::GET, format!("/branches/{id}/events"), None),
            (Method::GET, format!("/branches/{id}/tickets"), None),
            (
                Method::PUT,
                format!("/branches/{id}"),
                Some(json!({"name": "X", "time_zone": "UTC", "languages": ["en"]})),
            ),
            (
                Method::POST,
                format!("/branches/{id}/tickets"),
                Some(json!({"service": 1})),
            ),
            (
                Method::POST,
                format!("/branches/{id}/devices"),
                Some(json!({"role": "kiosk", "name": "K"})),
            ),
            (
                Method::PUT,
                format!("/branches/{b}/services/{id}"),
                Some(json!({"names": {"en": "X"}, "prefix": "X"})),
            ),
            (Method::DELETE, format!("/branches/{b}/services/{id}"), None),
            (
                Method::DELETE,
                format!("/branches/{b}/workplaces/{id}"),
                None,
            ),
            (Method::DELETE, format!("/branches/{b}/profiles/{id}"), None),
            (Method::GET, format!("/tickets/{id}"), None),
            (Method::DELETE, format!("/tickets/{id}"), None),
            (Method::POST, format!("/tickets/{id}/start"), None),
            (
                Method::POST,
                format!("/tickets/{id}/transfer"),
                Some(json!({"service": 1})),
            ),
            (Method::POST, format!("/workplaces/{id}/call-next"), None),
            (
                Method::POST,
                format!("/workplaces/{id}/open"),
                Some(json!({"profile": 1})),
            ),
            (
                Method::POST,
                format!("/workplaces/{id}/call"),
                Some(json!({"ticket": 1})),
            ),
        ] {
            let what = format!("{method} {path}");
            check(demo.send(method, &path, Some(&admin), body).await, what);
            answers += 1;
        }
    }

    // Garbage bodies at every endpoint that reads one.
    let huge = u64::MAX;
    let deep = format!("{}{}", "[".repeat(30_000), "]".repeat(30_000));
    let mut bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        b"".to_vec(),
        b"null".to_vec(),
        b"\"\"".to_vec(),
        b"{}".to_vec(),
        b"{\"a\":".repeat(1000),
        format!(r#"{{"service": {huge}, "ticket": {huge}, "profile": {huge}, "seconds": {huge}}}"#)
            .into_bytes(),
        br#"{"service": -1, "ticket": -1, "profile": -1, "seconds": -1}"#.to_vec(),
        br#"{"service": 1e400, "ticket": 1.5, "profile": null, "seconds": "10"}"#.to_vec(),
        br#"{"service": 18446744073709551616, "ticket": 99999999999999999999}"#.to_vec(),
        json!({"name": "名前😀\u{202e}", "reason": "\u{feff}", "username": "ünï",
               "password": "пароль-пароль"})
        .to_string()
        .into_bytes(),
        br#"{"name": "\ud800", "reason": "\udfff"}"#.to_vec(),
        b"{\"name\": \"\xff\xfe\"}".to_vec(),
        "{\"names\": {\"en\": \"\u{0}\"}, \"prefix\": \"\u{0}\"}"
            .as_bytes()
            .to_vec(),
        json!({"names": {"en": "X"}, "prefix": "ZZ", "daily_limit": u32::MAX,
               "numbering": {"first": u32::MAX, "last": u32::MAX}})
        .to_string()
        .into_bytes(),
        json!({"names": {"en": "X"}, "prefix": "ZY",
               "numbering": {"first": u64::from(u32::MAX) + 1, "last": 1}})
        .to_string()
        .into_bytes(),
    ];
    for len in [1, 7, 64, 1000, 60_000] {
        bodies.push((0..len).map(|_| rand::random::<u8>()).collect());
    }
    for (method, path, token) in [
        (Method::POST, "/auth/login".to_string(), None),
        (Method::POST, "/users".to_string(), Some(admin.as_str())),
        (Method::POST, "/branches".to_string(), Some(admin.as_str())),
        (Method::PUT, format!("/branches/{b}"), Some(admin.as_str())),
        (
            Method::POST,
            format!("/branches/{b}/devices"),
            Some(admin.as_str()),
        ),
        (
            Method::POST,
            format!("/branches/{b}/services"),
            Some(admin.as_str()),
        ),
        (
            Method::POST,
            format!("/branches/{b}/workplaces"),
            Some(admin.as_str()),
        ),
        (
            Method::POST,
            format!("/branches/{b}/profiles"),
            Some(admin.as_str()),
        ),
        (
            Method::POST,
            format!("/branches/{b}/tickets"),
            Some(demo.kiosk()),
        ),
        (
            Method::POST,
            format!("/workplaces/{w}/call"),
            Some(op.as_str()),
        ),
        (
            Method::POST,
            format!("/workplaces/{w}/pause"),
            Some(op.as_str()),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/postpone"),
            Some(op.as_str()),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/transfer"),
            Some(op.as_str()),
        ),
    ] {
        for body in &bodies {
            let request = demo
                .request(method.clone(), &path, token)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
            let what = format!(
                "{method} {path} with {:?}",
                String::from_utf8_lossy(&body[..body.len().min(80)])
            );
            check(common::reply(request).await, what);
            answers += 1;
        }
    }

    // Odd tokens and headers.
    for token in [
        "",
        " ",
        "Bearer",
        "ф",
        &"a".repeat(10_000),
        "../../etc/passwd",
    ] {
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"));
        if let Ok(value) = value {
            let request = demo
                .request(Method::GET, &format!("/branches/{b}/state"), None)
                .header(reqwest::header::AUTHORIZATION, value);
            check(common::reply(request).await, format!("token {token:?}"));
            answers += 1;
        }
    }
    assert!(answers > 500, "{answers}");

    // Still alive and still working.
    demo.assert_healthy().await;
    let again = demo.issue(demo.service("B")).await;
    assert_eq!(again["status"], "waiting");
    let state = demo.state().await;
    assert_eq!(Demo::queue(&state, demo.service("A"))["waiting"], 1);
}

/// An operator works at one workplace at a time (409 `operator_busy`), also when the other
/// workplace is in another branch: an operator without a branch may work in any branch, but
/// not in two at once.
#[tokio::test]
async fn an_operator_is_busy_at_a_workplace_of_another_branch_too() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    let admin = Some(admin.as_str());
    let base = format!("/branches/{}", other.id);
    let (profile, workplace) = (other.profile, other.workplace);
    demo.post(
        "/users",
        admin,
        json!({"username": "roamer", "password": "roams-everywhere", "role": "operator"}),
    )
    .await
    .expect(201);
    let roamer = demo.login("roamer", "roams-everywhere").await;

    // Within one branch the rule holds.
    demo.open_workplace(&roamer, demo.workplace(0), demo.all_services())
        .await;
    demo.workplace_act(
        &roamer,
        demo.workplace(1),
        "open",
        Some(json!({"profile": demo.all_services()})),
    )
    .await
    .expect_error(409, "operator_busy");
    // Across branches it must hold as well.
    let before = demo
        .get(&format!("{base}/state"), admin)
        .await
        .expect(200)
        .clone();
    demo.workplace_act(
        &roamer,
        workplace,
        "open",
        Some(json!({"profile": profile})),
    )
    .await
    .expect_error(409, "operator_busy");
    let after = demo
        .get(&format!("{base}/state"), admin)
        .await
        .expect(200)
        .clone();
    assert_eq!(
        without_keys(&after, &["longest_wait_secs"]),
        without_keys(&before, &["longest_wait_secs"])
    );
}
