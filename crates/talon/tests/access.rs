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
    Receptionist,
    Manager,
    Admin,
}

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

/// One operation of the API as the access specification sees it: the documented path, the
/// concrete request, and who may make it.
struct Operation {
    method: Method,
    documented: &'static str,
    path: String,
    body: Option<Value>,
    allowed: &'static [Caller],
}

/// Makes an operation's request: a JSON body, or a string body as it is (the configuration
/// import takes a TOML file).
async fn send(demo: &Demo, o: &Operation, token: Option<&str>) -> Reply {
    match &o.body {
        Some(Value::String(text)) => {
            let request = demo
                .request(o.method.clone(), &o.path, token)
                .header("content-type", "application/toml")
                .body(text.clone());
            common::reply(request).await
        }
        body => {
            demo.send(o.method.clone(), &o.path, token, body.clone())
                .await
        }
    }
}

/// The operations of the served OpenAPI document that need a caller: (method, path, the roles
/// its security requirement names).
async fn documented_operations(demo: &Demo) -> Vec<(String, String, Vec<String>)> {
    let document = common::reply(demo.client.get(demo.at("/api/openapi.json"))).await;
    let mut operations = Vec::new();
    for (path, methods) in document.body["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let security = operation["security"].as_array().unwrap();
            if path.starts_with("/api/v1/") && !security.is_empty() {
                let mut roles: Vec<String> = security[0]["bearer"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect();
                roles.sort();
                operations.push((method.to_uppercase(), path.clone(), roles));
            }
        }
    }
    operations
}

/// The role a caller has, as the document names it.
fn role_of(caller: Caller) -> &'static str {
    match caller {
        Caller::Nobody => "nobody",
        Caller::Display => "display",
        Caller::Kiosk => "kiosk",
        Caller::Operator => "operator",
        Caller::Receptionist => "receptionist",
        Caller::Manager => "manager",
        Caller::Admin => "admin",
    }
}

/// Every operation that needs a caller, against every role of the branch and every role of
/// another branch, each with a request that would succeed for a caller allowed to make it:
/// the wrong role gets 403 (no token 401), a caller of another branch gets 403 for anything of
/// this branch, and no refused request changes anything. The specification below must name
/// every operation the OpenAPI document has, so a new endpoint cannot go untested.
#[tokio::test]
async fn every_endpoint_refuses_the_wrong_roles_and_other_branches() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    let operator = demo.operator(0).await;
    let b = demo.branch();
    let staff_of = |username: &str, role: &str, branch: u64| json!({"username": username, "password": "long enough", "role": role, "branch": branch});
    demo.post(
        "/users",
        Some(&admin),
        staff_of("reception-a", "receptionist", b),
    )
    .await
    .expect(201);
    demo.post("/users", Some(&admin), staff_of("manager-a", "manager", b))
        .await
        .expect(201);
    demo.post(
        "/users",
        Some(&admin),
        staff_of("manager-b", "manager", other.id),
    )
    .await
    .expect(201);
    let receptionist = demo.login("reception-a", "long enough").await;
    let manager = demo.login("manager-a", "long enough").await;
    let manager_b = demo.login("manager-b", "long enough").await;
    let users = demo.get("/users", Some(&admin)).await.expect(200).clone();
    let operator_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "operator1")
        .unwrap()["id"]
        .as_u64()
        .unwrap();

    let (a, w, free_w) = (demo.service("A"), demo.workplace(0), demo.workplace(1));
    let all = demo.all_services();
    demo.open_workplace(&operator, w, all).await;
    let ticket = demo.issue(a).await["id"].as_u64().unwrap();
    demo.call_next(&operator, w).await.unwrap();
    let waiting = demo.issue(a).await["id"].as_u64().unwrap();
    let vip = demo.category("VIP");
    let devices = demo
        .get(&format!("/branches/{b}/devices"), Some(&admin))
        .await
        .expect(200)
        .clone();
    let kiosk_id = devices[0]["id"].as_u64().unwrap();
    // The configuration file as it is: importing it would succeed and change nothing.
    let config = demo.get("/config", Some(&admin)).await;
    assert_eq!(config.status, 200, "{}", config.text);
    let config_file = config.text;
    let before = snapshot(&demo, &admin, b).await;

    use Caller::{Admin, Display, Kiosk, Manager, Operator, Receptionist};
    const NETWORK: &[Caller] = &[Admin];
    const CONFIGURE: &[Caller] = &[Admin, Manager];
    const STAFF: &[Caller] = &[Admin, Manager, Receptionist, Operator];
    const EVERYONE: &[Caller] = &[Admin, Manager, Receptionist, Operator, Kiosk, Display];
    const ISSUE: &[Caller] = &[Admin, Manager, Receptionist, Operator, Kiosk];
    const SERVE: &[Caller] = &[Admin, Manager, Operator];
    const PERSONAL: &[Caller] = &[Admin, Manager, Receptionist, Operator];
    const ERASE: &[Caller] = &[Admin, Manager];
    const PLAN: &[Caller] = &[Admin, Manager];
    let phone = json!({"identifier": {"kind": "phone", "value": "+79161234567"}});
    let spec = |method: Method,
                documented: &'static str,
                path: String,
                body: Option<Value>,
                allowed: &'static [Caller]| Operation {
        method,
        documented,
        path,
        body,
        allowed,
    };
    let operations = vec![
        spec(
            Method::POST,
            "/api/v1/auth/logout",
            "/auth/logout".into(),
            None,
            STAFF,
        ),
        spec(
            Method::GET,
            "/api/v1/users",
            "/users".into(),
            None,
            CONFIGURE,
        ),
        spec(Method::GET, "/api/v1/audit", "/audit".into(), None, NETWORK),
        spec(
            Method::GET,
            "/api/v1/config",
            "/config".into(),
            None,
            NETWORK,
        ),
        spec(
            Method::POST,
            "/api/v1/config",
            "/config".into(),
            Some(Value::String(config_file)),
            NETWORK,
        ),
        spec(
            Method::POST,
            "/api/v1/users",
            "/users".into(),
            // A manager may add their branch's operators (another branch's manager may not);
            // that they may not add administrators is tested on its own below.
            Some(staff_of("someone", "operator", b)),
            CONFIGURE,
        ),
        spec(
            Method::PUT,
            "/api/v1/users/{id}/disabled",
            format!("/users/{operator_id}/disabled"),
            Some(json!({"disabled": true})),
            CONFIGURE,
        ),
        spec(
            Method::PUT,
            "/api/v1/users/{id}/profiles",
            format!("/users/{operator_id}/profiles"),
            Some(json!({"profiles": [all]})),
            CONFIGURE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches",
            "/branches".into(),
            None,
            EVERYONE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches",
            "/branches".into(),
            Some(json!({"name": "New", "time_zone": "UTC", "languages": ["en"]})),
            NETWORK,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}",
            format!("/branches/{b}"),
            None,
            STAFF,
        ),
        spec(
            Method::PUT,
            "/api/v1/branches/{branch}",
            format!("/branches/{b}"),
            Some(json!({"name": "Renamed", "time_zone": "UTC", "languages": ["en"]})),
            CONFIGURE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/state",
            format!("/branches/{b}/state"),
            None,
            EVERYONE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/events",
            format!("/branches/{b}/events"),
            None,
            EVERYONE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/announcement",
            format!("/branches/{b}/announcement?ticket=A001&workplace=1"),
            None,
            EVERYONE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/announcement.wav",
            format!("/branches/{b}/announcement.wav?ticket=A001&workplace=1"),
            None,
            EVERYONE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/me/today",
            format!("/branches/{b}/me/today"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/devices",
            format!("/branches/{b}/devices"),
            Some(json!({"role": "kiosk", "name": "Rogue"})),
            CONFIGURE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/devices",
            format!("/branches/{b}/devices"),
            None,
            CONFIGURE,
        ),
        spec(
            Method::DELETE,
            "/api/v1/branches/{branch}/devices/{id}",
            format!("/branches/{b}/devices/{kiosk_id}"),
            None,
            CONFIGURE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/pairings",
            format!("/branches/{b}/pairings"),
            None,
            CONFIGURE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/pairings",
            format!("/branches/{b}/pairings"),
            Some(json!({"role": "display", "name": "Rogue"})),
            CONFIGURE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/services",
            format!("/branches/{b}/services"),
            Some(json!({"names": {"en": "New"}, "prefix": "N"})),
            CONFIGURE,
        ),
        spec(
            Method::PUT,
            "/api/v1/branches/{branch}/services/{id}",
            format!("/branches/{b}/services/{a}"),
            Some(json!({"names": {"en": "Renamed"}, "prefix": "A"})),
            CONFIGURE,
        ),
        spec(
            Method::DELETE,
            "/api/v1/branches/{branch}/services/{id}",
            format!("/branches/{b}/services/{a}"),
            None,
            CONFIGURE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/workplaces",
            format!("/branches/{b}/workplaces"),
            Some(json!({"name": "99"})),
            CONFIGURE,
        ),
        spec(
            Method::PUT,
            "/api/v1/branches/{branch}/workplaces/{id}",
            format!("/branches/{b}/workplaces/{free_w}"),
            Some(json!({"name": "99"})),
            CONFIGURE,
        ),
        spec(
            Method::DELETE,
            "/api/v1/branches/{branch}/workplaces/{id}",
            format!("/branches/{b}/workplaces/{free_w}"),
            None,
            CONFIGURE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/profiles",
            format!("/branches/{b}/profiles"),
            Some(json!({"name": "New", "services": [a]})),
            CONFIGURE,
        ),
        spec(
            Method::PUT,
            "/api/v1/branches/{branch}/profiles/{id}",
            format!("/branches/{b}/profiles/{all}"),
            Some(json!({"name": "Renamed", "services": [a]})),
            CONFIGURE,
        ),
        spec(
            Method::DELETE,
            "/api/v1/branches/{branch}/profiles/{id}",
            format!("/branches/{b}/profiles/{}", demo.profile("Payments first")),
            None,
            CONFIGURE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/profiles/preview",
            format!("/branches/{b}/profiles/preview"),
            Some(json!({"profile": {"name": "Preview", "services": [a]},
                        "sample": [{"service": a, "waited_secs": 60}]})),
            CONFIGURE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/categories",
            format!("/branches/{b}/categories"),
            Some(json!({"names": {"en": "New"}})),
            CONFIGURE,
        ),
        spec(
            Method::PUT,
            "/api/v1/branches/{branch}/categories/{id}",
            format!("/branches/{b}/categories/{vip}"),
            Some(json!({"names": {"en": "Renamed"}})),
            CONFIGURE,
        ),
        spec(
            Method::DELETE,
            "/api/v1/branches/{branch}/categories/{id}",
            format!("/branches/{b}/categories/{vip}"),
            None,
            CONFIGURE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/customers",
            format!("/branches/{b}/customers"),
            Some(json!({"identifier": phone["identifier"], "category": vip})),
            PERSONAL,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/customers/lookup",
            format!("/branches/{b}/customers/lookup"),
            Some(phone.clone()),
            PERSONAL,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/customers/export",
            format!("/branches/{b}/customers/export"),
            Some(phone.clone()),
            ERASE,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/customers/forget",
            format!("/branches/{b}/customers/forget"),
            Some(phone.clone()),
            ERASE,
        ),
        spec(
            Method::GET,
            "/api/v1/branches/{branch}/tickets",
            format!("/branches/{b}/tickets"),
            None,
            STAFF,
        ),
        spec(
            Method::POST,
            "/api/v1/branches/{branch}/tickets",
            format!("/branches/{b}/tickets"),
            Some(json!({"service": a})),
            ISSUE,
        ),
        spec(
            Method::POST,
            "/api/v1/tickets/{key}/recall",
            format!("/tickets/{ticket}/recall"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/tickets/{key}/start",
            format!("/tickets/{ticket}/start"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/tickets/{key}/finish",
            format!("/tickets/{ticket}/finish"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/tickets/{key}/no-show",
            format!("/tickets/{ticket}/no-show"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/tickets/{key}/postpone",
            format!("/tickets/{ticket}/postpone"),
            Some(json!({"seconds": 60})),
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/tickets/{key}/transfer",
            format!("/tickets/{waiting}/transfer"),
            Some(json!({"service": demo.service("B")})),
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/workplaces/{workplace}/open",
            format!("/workplaces/{free_w}/open"),
            Some(json!({"profile": all})),
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/workplaces/{workplace}/call-next",
            format!("/workplaces/{w}/call-next"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/workplaces/{workplace}/call",
            format!("/workplaces/{w}/call"),
            Some(json!({"ticket": waiting})),
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/workplaces/{workplace}/pause",
            format!("/workplaces/{w}/pause"),
            Some(json!({"reason": "coffee"})),
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/workplaces/{workplace}/resume",
            format!("/workplaces/{w}/resume"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/workplaces/{workplace}/close",
            format!("/workplaces/{w}/close"),
            None,
            SERVE,
        ),
        spec(
            Method::POST,
            "/api/v1/planning/erlang",
            "/planning/erlang".into(),
            Some(
                json!({"arrivals_per_hour": 60.0, "service_secs": 120.0, "target_secs": 30.0,
                        "servers": 3}),
            ),
            PLAN,
        ),
        spec(
            Method::POST,
            "/api/v1/planning/plan",
            "/planning/plan".into(),
            Some(json!({"csv": "timestamp,count\n2003-03-03T07:00:00Z,3\n",
                        "service_secs": 120.0, "target_secs": 30.0, "target_level": 0.8})),
            PLAN,
        ),
        spec(
            Method::POST,
            "/api/v1/planning/simulate",
            "/planning/simulate".into(),
            Some(json!({"sample": {"kind": "bank", "workplaces": 2}, "replications": 1})),
            PLAN,
        ),
    ];
    // The document, made from the routes' own declarations, must say what this
    // specification says: a loosened or tightened rule fails here.
    for (method, path, roles) in documented_operations(&demo).await {
        let o = operations
            .iter()
            .find(|o| o.method.as_str() == method && o.documented == path)
            .unwrap_or_else(|| {
                panic!("{method} {path} is documented but has no access specification here")
            });
        let mut expected: Vec<&str> = o.allowed.iter().map(|c| role_of(*c)).collect();
        expected.sort_unstable();
        assert_eq!(roles, expected, "{method} {path}: the declared roles");
    }

    // The callers of this branch, and of the other one.
    let home: Vec<(Caller, Option<&str>)> = vec![
        (Caller::Nobody, None),
        (Caller::Display, Some(demo.display())),
        (Caller::Kiosk, Some(demo.kiosk())),
        (Caller::Operator, Some(operator.as_str())),
        (Caller::Receptionist, Some(&receptionist)),
        (Caller::Manager, Some(&manager)),
        (Caller::Admin, Some(&admin)),
    ];
    let away: Vec<(Caller, &str)> = vec![
        (Caller::Display, &other.display),
        (Caller::Kiosk, &other.kiosk),
        (Caller::Operator, &other.operator),
        (Caller::Manager, &manager_b),
    ];
    let mut refused = 0;
    for o in &operations {
        let what = format!("{} {}", o.method, o.path);
        for (caller, token) in &home {
            if !o.allowed.contains(caller) {
                let reply = send(&demo, o, *token).await;
                assert_refused(&reply, *caller, &what);
                refused += 1;
            }
        }
        // Everything but the network-wide lists, planning (which reads no branch) and one's own
        // session is this branch's.
        let network_wide = matches!(
            o.documented,
            "/api/v1/users" | "/api/v1/branches" | "/api/v1/audit"
        ) || o.documented == "/api/v1/auth/logout"
            || o.documented.starts_with("/api/v1/planning/");
        for (caller, token) in &away {
            if !network_wide || !o.allowed.contains(caller) {
                let reply = send(&demo, o, Some(token)).await;
                assert_refused(&reply, *caller, &format!("{what} from another branch"));
                refused += 1;
            }
        }
    }
    assert!(refused > 200, "{refused}");

    assert_eq!(
        snapshot(&demo, &admin, b).await,
        before,
        "a refused request changed the branch"
    );
    assert_eq!(
        demo.get("/users", Some(&admin)).await.expect(200),
        &users,
        "no user was created or changed"
    );
    let branches = demo
        .get("/branches", Some(&admin))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        branches.as_array().unwrap().len(),
        2,
        "no branch was created"
    );
    // The customer record was neither written nor erased by a refused caller.
    demo.post(
        &format!("/branches/{b}/customers/lookup"),
        Some(&admin),
        phone,
    )
    .await
    .expect(200);
    assert_eq!(
        demo.get(&format!("/branches/{b}/devices"), Some(&admin))
            .await
            .expect(200),
        &devices,
        "no device was revoked or added"
    );
    // Every token still works: refusals did not log anybody out.
    for token in [operator.as_str(), demo.kiosk(), &receptionist, &manager] {
        demo.get(&format!("/branches/{b}/state"), Some(token))
            .await
            .expect(200);
    }
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

/// A branch's manager configures that branch only: it cannot hand out accounts beyond it,
/// least of all an administrator's or another manager's.
#[tokio::test]
async fn a_branch_manager_cannot_create_accounts_beyond_its_branch() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    // An administrator belongs to the whole network: a branch's head is a manager.
    demo.post(
        "/users",
        Some(&admin),
        json!({"username": "b-admin", "password": "b-admin-password", "role": "admin",
               "branch": other.id}),
    )
    .await
    .expect_error(422, "validation_failed");
    demo.post(
        "/users",
        Some(&admin),
        json!({"username": "b-manager", "password": "b-manager-password", "role": "manager",
               "branch": other.id}),
    )
    .await
    .expect(201);
    let b_admin = demo.login("b-manager", "b-manager-password").await;
    // At home it may configure, and add its operators.
    demo.post(
        &format!("/branches/{}/workplaces", other.id),
        Some(&b_admin),
        json!({"name": "B2"}),
    )
    .await
    .expect(201);
    demo.post(
        "/users",
        Some(&b_admin),
        json!({"username": "b-clerk", "password": "b-clerk-password",
               "role": "operator", "branch": other.id}),
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
    for (username, role, branch) in [
        ("escalated", "admin", Value::Null),
        ("planted", "admin", json!(demo.branch())),
        ("peer", "manager", json!(other.id)),
        ("foreign", "operator", json!(demo.branch())),
        ("roaming", "operator", Value::Null),
    ] {
        let reply = demo
            .post(
                "/users",
                Some(&b_admin),
                json!({"username": username, "password": "long enough", "role": role,
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
        "the manager of branch {} created accounts beyond its powers:\n{}",
        other.id,
        created.join("\n")
    );
    assert_eq!(
        demo.get("/users", Some(&admin)).await.expect(200),
        &users_before
    );
}

/// The roles between administrator and operator at work: a receptionist issues tickets and
/// keeps visitors' records but calls nobody; a manager configures the branch and may work a
/// workplace.
#[tokio::test]
async fn a_receptionist_and_a_manager_do_their_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    for (username, role) in [("front-desk", "receptionist"), ("head", "manager")] {
        demo.post(
            "/users",
            Some(&admin),
            json!({"username": username, "password": "long enough", "role": role, "branch": b}),
        )
        .await
        .expect(201);
    }
    let receptionist = demo.login("front-desk", "long enough").await;
    let manager = demo.login("head", "long enough").await;

    let vip = demo.category("VIP");
    let phone = json!({"kind": "phone", "value": "8 916 123-45-67"});
    demo.post(
        &format!("/branches/{b}/customers"),
        Some(&receptionist),
        json!({"identifier": phone, "category": vip}),
    )
    .await
    .expect(200);
    let ticket = demo
        .post(
            &format!("/branches/{b}/tickets"),
            Some(&receptionist),
            json!({"service": demo.service("A"), "identification": phone}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(
        ticket["category"],
        json!(vip),
        "the record gave the category"
    );
    let listed = demo
        .get(&format!("/branches/{b}/tickets"), Some(&receptionist))
        .await;
    assert_eq!(listed.expect(200)[0]["id"], ticket["id"]);
    demo.post(
        &format!("/workplaces/{}/open", demo.workplace(0)),
        Some(&receptionist),
        json!({"profile": demo.all_services()}),
    )
    .await
    .expect_error(403, "forbidden");

    // The manager adds a service and calls the visitor at a workplace.
    demo.post(
        &format!("/branches/{b}/services"),
        Some(&manager),
        json!({"names": {"en": "Safes"}, "prefix": "S"}),
    )
    .await
    .expect(201);
    demo.open_workplace(&manager, demo.workplace(0), demo.all_services())
        .await;
    let called = demo
        .call_next(&manager, demo.workplace(0))
        .await
        .expect("a call");
    assert_eq!(called["id"], ticket["id"]);
    // Erasing the visitor's record on request is the manager's.
    demo.post(
        &format!("/branches/{b}/customers/forget"),
        Some(&receptionist),
        json!({"identifier": phone}),
    )
    .await
    .expect_error(403, "forbidden");
    let erased = demo
        .post(
            &format!("/branches/{b}/customers/forget"),
            Some(&manager),
            json!({"identifier": phone}),
        )
        .await;
    assert_eq!(erased.status.as_u16(), 204, "{}", erased.text);
}
