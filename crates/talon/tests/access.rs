//! Who may do what. Every staff and administrator endpoint refuses callers without a token
//! (401) and callers of the wrong role (403): a display cannot issue tickets or act, a kiosk
//! cannot read the configuration or act on workplaces, an operator cannot configure anything.
//! Callers bound to one branch cannot touch another. Logging out ends a session. And a ticket's
//! token opens that ticket only: it is never guessable, never off by one character, and never
//! sent to displays.

mod common;

use common::{Demo, EventStream, Reply, without_keys};
use reqwest::Method;
use serde_json::{Value, json};

/// The kinds of caller.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Nobody,
    Display,
    Kiosk,
    Operator,
    Admin,
}

const EVERYONE: [Caller; 5] = [
    Caller::Nobody,
    Caller::Display,
    Caller::Kiosk,
    Caller::Operator,
    Caller::Admin,
];

/// The branch's state, open tickets and configuration, as the administrator sees them.
async fn snapshot(demo: &Demo, admin: &str, branch: u64) -> Value {
    let mut parts = Vec::new();
    for path in [
        format!("/branches/{branch}/state"),
        format!("/branches/{branch}/tickets"),
        format!("/branches/{branch}"),
    ] {
        parts.push(demo.get(&path, Some(admin)).await.expect(200).clone());
    }
    without_keys(&Value::Array(parts), &["longest_wait_secs"])
}

#[track_caller]
fn assert_refused(reply: &Reply, caller: Caller, what: &str) {
    let (status, code) = match caller {
        Caller::Nobody => (401, "unauthorized"),
        _ => (403, "forbidden"),
    };
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (status, Some(code)),
        "{caller:?} {what}: {}",
        reply.text
    );
    reply.expect_error(status, code);
}

#[tokio::test]
async fn every_endpoint_refuses_the_unauthenticated_and_the_wrong_roles() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let op = demo.operator(0).await;
    let b = demo.branch();
    let (a, w, free_w) = (demo.service("A"), demo.workplace(0), demo.workplace(1));
    let all = demo.all_services();
    demo.open_workplace(&op, w, all).await;
    let ticket = demo.issue(a).await["id"].as_u64().unwrap();
    demo.call_next(&op, w).await.unwrap();
    let waiting = demo.issue(a).await["id"].as_u64().unwrap();
    let before = snapshot(&demo, &admin, b).await;

    use Caller::{Admin, Display, Kiosk, Operator};
    let staff = vec![Admin, Operator];
    let service = json!({"names": {"en": "New"}, "prefix": "N"});
    // (method, path, a valid body, who may)
    let endpoints: Vec<(Method, String, Option<Value>, Vec<Caller>)> = vec![
        (Method::GET, "/users".into(), None, vec![Admin]),
        (
            Method::POST,
            "/users".into(),
            Some(json!({"username": "someone", "password": "long enough", "role": "admin"})),
            vec![Admin],
        ),
        (
            Method::GET,
            "/branches".into(),
            None,
            vec![Admin, Operator, Kiosk, Display],
        ),
        (
            Method::POST,
            "/branches".into(),
            Some(json!({"name": "New", "time_zone": "UTC", "languages": ["en"]})),
            vec![Admin],
        ),
        (Method::GET, format!("/branches/{b}"), None, staff.clone()),
        (
            Method::PUT,
            format!("/branches/{b}"),
            Some(json!({"name": "Renamed", "time_zone": "UTC", "languages": ["en"]})),
            vec![Admin],
        ),
        (
            Method::GET,
            format!("/branches/{b}/state"),
            None,
            vec![Admin, Operator, Kiosk, Display],
        ),
        (
            Method::POST,
            format!("/branches/{b}/devices"),
            Some(json!({"role": "kiosk", "name": "Rogue"})),
            vec![Admin],
        ),
        (
            Method::POST,
            format!("/branches/{b}/services"),
            Some(service.clone()),
            vec![Admin],
        ),
        (
            Method::PUT,
            format!("/branches/{b}/services/{a}"),
            Some(json!({"names": {"en": "Renamed"}, "prefix": "A"})),
            vec![Admin],
        ),
        (
            Method::DELETE,
            format!("/branches/{b}/services/{a}"),
            None,
            vec![Admin],
        ),
        (
            Method::POST,
            format!("/branches/{b}/workplaces"),
            Some(json!({"name": "99"})),
            vec![Admin],
        ),
        (
            Method::PUT,
            format!("/branches/{b}/workplaces/{free_w}"),
            Some(json!({"name": "99"})),
            vec![Admin],
        ),
        (
            Method::DELETE,
            format!("/branches/{b}/workplaces/{free_w}"),
            None,
            vec![Admin],
        ),
        (
            Method::POST,
            format!("/branches/{b}/profiles"),
            Some(json!({"name": "New", "services": [a]})),
            vec![Admin],
        ),
        (
            Method::PUT,
            format!("/branches/{b}/profiles/{all}"),
            Some(json!({"name": "Renamed", "services": [a]})),
            vec![Admin],
        ),
        (
            Method::DELETE,
            format!("/branches/{b}/profiles/{}", demo.profile("Payments first")),
            None,
            vec![Admin],
        ),
        (
            Method::GET,
            format!("/branches/{b}/tickets"),
            None,
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/branches/{b}/tickets"),
            Some(json!({"service": a})),
            vec![Admin, Operator, Kiosk],
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/recall"),
            None,
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/start"),
            None,
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/no-show"),
            None,
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/tickets/{ticket}/postpone"),
            Some(json!({"seconds": 60})),
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/tickets/{waiting}/transfer"),
            Some(json!({"service": demo.service("B")})),
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/workplaces/{free_w}/open"),
            Some(json!({"profile": all})),
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/workplaces/{w}/call-next"),
            None,
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/workplaces/{w}/call"),
            Some(json!({"ticket": waiting})),
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/workplaces/{w}/pause"),
            Some(json!({"reason": "coffee"})),
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/workplaces/{w}/resume"),
            None,
            staff.clone(),
        ),
        (
            Method::POST,
            format!("/workplaces/{w}/close"),
            None,
            staff.clone(),
        ),
        (
            Method::POST,
            "/auth/logout".into(),
            None,
            vec![Admin, Operator, Kiosk, Display],
        ),
    ];

    let mut refused = 0;
    for (method, path, body, allowed) in &endpoints {
        for caller in EVERYONE.into_iter().filter(|c| !allowed.contains(c)) {
            let token = match caller {
                Caller::Nobody => None,
                Caller::Display => Some(demo.display()),
                Caller::Kiosk => Some(demo.kiosk()),
                Caller::Operator => Some(op.as_str()),
                Caller::Admin => Some(admin.as_str()),
            };
            let reply = demo.send(method.clone(), path, token, body.clone()).await;
            assert_refused(&reply, caller, &format!("{method} {path}"));
            refused += 1;
        }
    }
    assert!(refused > 80, "{refused}");
    // The live stream: anyone of the branch, but not nobody.
    let events = demo.get(&format!("/branches/{b}/events"), None).await;
    assert_refused(&events, Caller::Nobody, "GET events");

    assert_eq!(
        snapshot(&demo, &admin, b).await,
        before,
        "a refused request changed the branch"
    );
    let users = demo.get("/users", Some(&admin)).await.expect(200).clone();
    assert_eq!(
        users.as_array().unwrap().len(),
        7,
        "no user was created: {users}"
    );
    let branches = demo
        .get("/branches", Some(&admin))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        branches.as_array().unwrap().len(),
        1,
        "no branch was created"
    );
    // Every token still works: refusals did not log anybody out.
    demo.get(&format!("/branches/{b}/state"), Some(&op))
        .await
        .expect(200);
    demo.get(&format!("/branches/{b}/state"), Some(demo.kiosk()))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_caller_of_one_branch_cannot_touch_another() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    let a = demo.branch();
    let b = other.id;

    // Life in both: A's operator has a ticket called, B's operator works, a ticket waits in B.
    let op_a = demo.operator(0).await;
    let wa = demo.workplace(0);
    demo.open_workplace(&op_a, wa, demo.all_services()).await;
    demo.issue(demo.service("A")).await;
    let called_a = demo.call_next(&op_a, wa).await.unwrap()["id"]
        .as_u64()
        .unwrap();
    let waiting_a = demo.issue(demo.service("B")).await["id"].as_u64().unwrap();
    let op_a2 = demo.operator(1).await;
    let wa2 = demo.workplace(1);
    demo.open_workplace(&op_a2, wa2, demo.profile("Payments first"))
        .await;
    demo.open_workplace(&other.operator, other.workplace, other.profile)
        .await;
    let waiting_b = demo
        .post(
            &format!("/branches/{b}/tickets"),
            Some(&other.kiosk),
            json!({"service": other.service}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let before = (
        snapshot(&demo, &admin, a).await,
        snapshot(&demo, &admin, b).await,
    );

    // A's operator in B.
    let reads = |branch: u64| {
        [
            format!("/branches/{branch}"),
            format!("/branches/{branch}/state"),
            format!("/branches/{branch}/tickets"),
            format!("/branches/{branch}/events"),
        ]
    };
    for path in reads(b) {
        assert_refused(&demo.get(&path, Some(&op_a)).await, Caller::Operator, &path);
    }
    for (token, caller) in [
        (op_a.as_str(), Caller::Operator),
        (demo.kiosk(), Caller::Kiosk),
    ] {
        let reply = demo
            .post(
                &format!("/branches/{b}/tickets"),
                Some(token),
                json!({"service": other.service}),
            )
            .await;
        assert_refused(&reply, caller, "issue in another branch");
    }
    let reply = demo
        .workplace_act(
            &op_a,
            other.workplace,
            "pause",
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_refused(&reply, Caller::Operator, "pause in another branch");
    let reply = demo.call_next_reply(&op_a, other.workplace).await;
    assert_refused(&reply, Caller::Operator, "call-next in another branch");
    for action in ["start", "recall", "no-show"] {
        let reply = demo.act(&op_a, waiting_b, action, None).await;
        assert_refused(&reply, Caller::Operator, action);
    }
    let reply = demo
        .act(&op_a, waiting_b, "postpone", Some(json!({"seconds": 60})))
        .await;
    assert_refused(&reply, Caller::Operator, "postpone in another branch");
    // B's ticket is not A's to call, even at A's own free workplace.
    demo.post(
        &format!("/workplaces/{wa2}/call"),
        Some(&op_a2),
        json!({"ticket": waiting_b}),
    )
    .await
    .expect_error(404, "ticket_not_found");
    let listed = demo.get("/branches", Some(&op_a)).await.expect(200).clone();
    let ids: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["id"])
        .collect();
    assert_eq!(ids, vec![&json!(a)], "an operator of A sees only A");

    // B's callers in A.
    for path in reads(a) {
        for (token, caller) in [
            (other.operator.as_str(), Caller::Operator),
            (other.kiosk.as_str(), Caller::Kiosk),
            (other.display.as_str(), Caller::Display),
        ] {
            let reply = demo.get(&path, Some(token)).await;
            assert_refused(&reply, caller, &path);
        }
    }
    let reply = demo
        .post(
            &format!("/branches/{a}/tickets"),
            Some(&other.kiosk),
            json!({"service": demo.service("A")}),
        )
        .await;
    assert_refused(&reply, Caller::Kiosk, "issue in another branch");
    let reply = demo
        .workplace_act(
            &other.operator,
            demo.workplace(5),
            "open",
            Some(json!({"profile": demo.all_services()})),
        )
        .await;
    assert_refused(&reply, Caller::Operator, "open in another branch");
    let reply = demo.call_next_reply(&other.operator, wa).await;
    assert_refused(&reply, Caller::Operator, "call-next in another branch");
    for action in ["start", "recall", "no-show"] {
        let reply = demo.act(&other.operator, called_a, action, None).await;
        assert_refused(&reply, Caller::Operator, action);
    }
    let reply = demo
        .act(
            &other.operator,
            waiting_a,
            "transfer",
            Some(json!({"service": demo.service("C")})),
        )
        .await;
    assert_refused(&reply, Caller::Operator, "transfer in another branch");
    let reply = demo
        .post(
            &format!("/workplaces/{}/call", other.workplace),
            Some(&other.operator),
            json!({"ticket": waiting_a}),
        )
        .await;
    reply.expect_error(404, "ticket_not_found");

    assert_eq!(
        (
            snapshot(&demo, &admin, a).await,
            snapshot(&demo, &admin, b).await
        ),
        before,
        "a refused request changed a branch"
    );

    // Each at home: the same kinds of request work.
    let called = demo
        .call_next(&other.operator, other.workplace)
        .await
        .unwrap();
    assert_eq!(called["id"], waiting_b);
    demo.act(&op_a, called_a, "start", None).await.expect(200);
    demo.get(&format!("/branches/{b}/state"), Some(&other.display))
        .await
        .expect(200);
}

#[tokio::test]
async fn logging_out_ends_that_session_only() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let state = format!("/branches/{}/state", demo.branch());
    let first = demo.operator(0).await;
    let second = demo.operator(0).await;
    assert_ne!(first, second, "each login is its own session");
    demo.get(&state, Some(&first)).await.expect(200);

    demo.post("/auth/logout", Some(&first), json!({}))
        .await
        .expect(204);
    demo.get(&state, Some(&first))
        .await
        .expect_error(401, "unauthorized");
    demo.post("/auth/logout", Some(&first), json!({}))
        .await
        .expect_error(401, "unauthorized");
    demo.call_next_reply(&first, demo.workplace(0))
        .await
        .expect_error(401, "unauthorized");
    // The other session and a new one work.
    demo.get(&state, Some(&second)).await.expect(200);
    let third = demo.operator(0).await;
    demo.open_workplace(&third, demo.workplace(0), demo.all_services())
        .await;
}

#[tokio::test]
async fn a_ticket_token_opens_that_ticket_only() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let mut stream = EventStream::connect(&demo.url, demo.branch(), demo.display(), None).await;

    let one = demo.issue(demo.service("A")).await;
    let two = demo.issue(demo.service("C")).await;
    let token = |t: &Value| t["token"].as_str().unwrap().to_string();
    let (t1, t2) = (token(&one), token(&two));
    assert_ne!(t1, t2);

    // Each token shows its own ticket.
    let v1 = demo.public(&t1).await.expect(200).clone();
    let v2 = demo.public(&t2).await.expect(200).clone();
    assert_eq!(v1["number"], one["number"]);
    assert_eq!(v2["number"], two["number"]);
    assert_ne!(v1["number"], v2["number"]);
    assert_ne!(v1["service_name"], v2["service_name"]);

    // Guesses and near misses find nothing.
    for _ in 0..20 {
        let guess: String = (0..32)
            .map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)]))
            .collect();
        demo.public(&guess)
            .await
            .expect_error(404, "ticket_not_found");
    }
    let bump = |c: char| if c == '0' { '1' } else { '0' };
    for i in 0..t1.len() {
        let mut near: Vec<char> = t1.chars().collect();
        near[i] = bump(near[i]);
        let near: String = near.into_iter().collect();
        demo.public(&near)
            .await
            .expect_error(404, "ticket_not_found");
    }
    for near in [
        t1[..31].to_string(),
        format!("{t1}0"),
        format!("0{t1}"),
        t1.to_uppercase(),
        format!(" {t1}"),
    ] {
        if near != t1 {
            let reply = demo
                .get(&format!("/tickets/{}", near.replace(' ', "%20")), None)
                .await;
            reply.expect_error(404, "ticket_not_found");
        }
    }
    // A near miss cannot cancel either.
    let mut near: Vec<char> = t2.chars().collect();
    near[31] = bump(near[31]);
    let near: String = near.into_iter().collect();
    demo.delete(&format!("/tickets/{near}"), None)
        .await
        .expect_error(404, "ticket_not_found");
    assert_eq!(demo.public(&t2).await.expect(200)["status"], "waiting");

    // Nobody else gets to see a token: not the display's stream, not the state, not staff.
    for issued in [&one, &two] {
        let event = stream.next().await;
        assert_eq!(event.event, "ticket_issued");
        assert_eq!(event.data["ticket"], issued["id"]);
        assert_eq!(event.data["number"], issued["number"]);
        assert!(event.data.get("token").is_none(), "{}", event.raw);
        assert!(
            !event.raw.contains(&t1),
            "the token is on the display: {}",
            event.raw
        );
        assert!(
            !event.raw.contains(&t2),
            "the token is on the display: {}",
            event.raw
        );
    }
    let b = demo.branch();
    for reply in [
        demo.get(&format!("/branches/{b}/state"), Some(demo.display()))
            .await,
        demo.get(&format!("/branches/{b}/tickets"), Some(&admin))
            .await,
        demo.get(&format!("/branches/{b}"), Some(&admin)).await,
    ] {
        let text = reply.expect(200).to_string();
        assert!(!text.contains(&t1) && !text.contains(&t2), "{text}");
    }
    let listed = demo
        .get(&format!("/branches/{b}/tickets"), Some(&admin))
        .await;
    for ticket in listed.expect(200).as_array().unwrap() {
        assert!(ticket.get("token").is_none(), "{ticket}");
    }
}

/// An administrator bound to one branch configures that branch only: it cannot hand out
/// accounts beyond it, least of all an unrestricted administrator.
#[tokio::test]
async fn a_branch_administrator_cannot_create_accounts_beyond_its_branch() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    demo.post(
        "/users",
        Some(&admin),
        json!({"username": "b-admin", "password": "b-admin-password", "role": "admin",
               "branch": other.id}),
    )
    .await
    .expect(201);
    let b_admin = demo.login("b-admin", "b-admin-password").await;
    // At home it may configure.
    demo.post(
        &format!("/branches/{}/workplaces", other.id),
        Some(&b_admin),
        json!({"name": "B2"}),
    )
    .await
    .expect(201);
    // The demo branch is not its own.
    let reply = demo
        .get(&format!("/branches/{}", demo.branch()), Some(&b_admin))
        .await;
    assert_refused(&reply, Caller::Admin, "read another branch");
    let reply = demo
        .post(
            &format!("/branches/{}/devices", demo.branch()),
            Some(&b_admin),
            json!({"role": "kiosk", "name": "Rogue"}),
        )
        .await;
    assert_refused(&reply, Caller::Admin, "create a device in another branch");

    let users_before = demo.get("/users", Some(&admin)).await.expect(200).clone();
    let mut created = Vec::new();
    for (username, branch) in [
        ("escalated", Value::Null),
        ("planted", json!(demo.branch())),
    ] {
        let reply = demo
            .post(
                "/users",
                Some(&b_admin),
                json!({"username": username, "password": "long enough", "role": "admin",
                       "branch": branch}),
            )
            .await;
        if reply.status.is_success() {
            created.push(format!("{username} (branch {branch}): {}", reply.text));
        } else {
            assert_refused(&reply, Caller::Admin, "create a user beyond its branch");
        }
    }
    assert!(
        created.is_empty(),
        "an administrator of branch {} created administrators beyond it:\n{}",
        other.id,
        created.join("\n")
    );
    assert_eq!(
        demo.get("/users", Some(&admin)).await.expect(200),
        &users_before
    );
}
