//! What probing Talon from outside found, each held shut: refused sign-ins do not flood the
//! audit log, a ticket cannot be transferred to staff who cannot serve its branch, ids in bodies
//! must exist in the same branch, the right password from a known browser passes an account's
//! lockout, wrong pairing codes past a cap void the open codes, a JSON route takes JSON only,
//! the metrics are the administrator's, and the `Bearer` scheme is read as RFC 9110 says.

mod common;

use common::{Demo, Reply, reply, without_keys};
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::Duration;

/// A client whose connections come from `address` (any of 127.0.0.0/8 on Linux).
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().expect("an address"))
        .timeout(common::WAIT)
        .build()
        .expect("a client")
}

/// The audit log's records, all of them, as the administrator reads them.
async fn audit(demo: &Demo, admin: &str) -> Vec<Value> {
    demo.get("/audit?limit=1000", Some(admin))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn refused_sign_ins_become_one_summary_record_per_window() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn_with(dir.path(), &[("TALON_REFUSAL_WINDOW_SECS", "1")]).await;
    let admin = demo.admin().await;
    let guesser = client_from("127.0.0.7");
    let (mut checked, mut refused) = (0, 0);
    for _ in 0..100 {
        let answer = reply(
            guesser
                .post(demo.api("/auth/login"))
                .json(&json!({"username": "operator1", "password": "a wrong guess"})),
        )
        .await;
        match answer.status.as_u16() {
            401 => checked += 1,
            429 => refused += 1,
            other => panic!("a guess answers 401 or 429, not {other}"),
        }
    }
    assert_eq!(checked, 5, "the account waits after five failures");
    // The summary is written when its window closes; wait for it to appear.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let summary = loop {
        let records = audit(&demo, &admin).await;
        if let Some(summary) = records
            .iter()
            .find(|r| r["outcome"] == 429 && r["target"]["refused"].is_number())
        {
            break (summary.clone(), records);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no summary was written"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (summary, records) = summary;
    assert_eq!(summary["target"]["refused"], refused);
    assert_eq!(summary["target"]["address"], "127.0.0.7");
    assert_eq!(summary["actor"]["name"], "operator1");
    let about_operator: Vec<&Value> = records
        .iter()
        .filter(|r| r["actor"]["name"] == "operator1")
        .collect();
    assert_eq!(
        about_operator.len(),
        checked + 1,
        "one record per checked attempt and one summary of {refused} refusals"
    );
}

#[tokio::test]
async fn a_ticket_cannot_be_transferred_to_staff_who_cannot_serve_its_branch() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    demo.second_branch(&admin).await;
    let users = demo.get("/users", Some(&admin)).await.expect(200).clone();
    let id_of = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["id"]
            .as_u64()
            .unwrap()
    };
    let operator = demo.operator(0).await;
    let w = demo.workplace(0);
    demo.open_workplace(&operator, w, demo.all_services()).await;
    let ticket = demo.issue(demo.service("A")).await["id"].as_u64().unwrap();
    let before = demo.state().await;
    let mut answers = Vec::new();
    for target in [id_of("b-operator"), id_of("admin"), 987_654_321] {
        let answer = demo
            .act(
                &operator,
                ticket,
                "transfer",
                Some(json!({"operator": target})),
            )
            .await;
        answer.expect_error(422, "validation_failed");
        assert_eq!(answer.body["error"]["field"], "operator");
        // Each answer has its own request id; the rest must not tell the targets apart.
        answers.push(without_keys(&answer.body, &["request_id"]));
    }
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "another branch's operator, the network administrator and nobody look the same: \
         {answers:?}"
    );
    assert_eq!(
        without_keys(&demo.state().await, &["longest_wait_secs"]),
        without_keys(&before, &["longest_wait_secs"])
    );
    // A colleague of the branch takes it.
    let colleague = id_of(&demo.facts.operators[1].username);
    demo.act(
        &operator,
        ticket,
        "transfer",
        Some(json!({"operator": colleague})),
    )
    .await
    .expect(200);
}

/// Every route that takes ids in its body, with ids of another branch and ids of nothing:
/// each is refused (404 or 422, never 2xx) and nothing changes.
#[tokio::test]
async fn ids_in_bodies_must_exist_in_the_same_branch() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let a = Some(admin.as_str());
    let other = demo.second_branch(&admin).await;
    let b = demo.branch();
    let operator = demo.operator(0).await;
    let w = demo.workplace(0);
    demo.open_workplace(&operator, w, demo.all_services()).await;
    let other_category = demo
        .post(
            &format!("/branches/{}/categories", other.id),
            a,
            json!({"names": {"en": "Theirs"}}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let other_ticket = demo
        .post(
            &format!("/branches/{}/tickets", other.id),
            Some(&other.kiosk),
            json!({"service": other.service}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let waiting = demo.issue(demo.service("A")).await["id"].as_u64().unwrap();
    let users = demo.get("/users", a).await.expect(200).clone();
    let operator_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "operator1")
        .unwrap()["id"]
        .as_u64()
        .unwrap();

    // Foreign ids (of branch B) and, from a seeded generator, ids of nothing.
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    let mut candidates = vec![
        other.service,
        other.profile,
        other.workplace,
        other_category,
        other_ticket,
    ];
    candidates.extend((0..8).map(|_| rng.random_range(1_000_000..u64::from(u32::MAX))));
    let snapshot = || async {
        let mut parts = Vec::new();
        for path in [
            format!("/branches/{b}/state"),
            format!("/branches/{b}/tickets"),
            format!("/branches/{b}"),
            "/users".to_string(),
        ] {
            parts.push(demo.get(&path, a).await.expect(200).clone());
        }
        without_keys(&Value::Array(parts), &["longest_wait_secs", "seq"])
    };
    let before = snapshot().await;
    let a_service = demo.service("A");
    let vip = demo.category("VIP");
    let mut tried = 0;
    for id in candidates {
        let probes: Vec<(Method, String, Value, Option<&str>)> = vec![
            (
                Method::POST,
                format!("/branches/{b}/tickets"),
                json!({"service": id}),
                Some(demo.kiosk()),
            ),
            (
                Method::POST,
                format!("/branches/{b}/tickets"),
                json!({"service": a_service, "category": id}),
                Some(demo.kiosk()),
            ),
            (
                Method::POST,
                format!("/branches/{b}/categories"),
                json!({"names": {"en": "X"}, "profiles": [id]}),
                a,
            ),
            (
                Method::PUT,
                format!("/branches/{b}/categories/{vip}"),
                json!({"names": {"en": "VIP"}, "profiles": [id]}),
                a,
            ),
            (
                Method::POST,
                format!("/branches/{b}/profiles"),
                json!({"name": "X", "services": [id]}),
                a,
            ),
            (
                Method::POST,
                format!("/branches/{b}/profiles"),
                json!({"name": "X", "entries": [{"service": a_service,
                       "categories": {"only": [id]}}]}),
                a,
            ),
            (
                Method::POST,
                "/users".to_string(),
                json!({"username": "probe", "password": "long enough", "role": "operator",
                       "branch": b, "profiles": [id]}),
                a,
            ),
            (
                Method::PUT,
                format!("/users/{operator_id}/profiles"),
                json!({"profiles": [id]}),
                a,
            ),
            (
                Method::POST,
                format!("/branches/{b}/customers"),
                json!({"identifier": {"kind": "phone", "value": "+79160000000"},
                       "category": id}),
                a,
            ),
            (
                Method::POST,
                format!("/workplaces/{w}/call"),
                json!({"ticket": id}),
                Some(operator.as_str()),
            ),
            (
                Method::POST,
                format!("/tickets/{waiting}/transfer"),
                json!({"service": id}),
                Some(operator.as_str()),
            ),
            (
                Method::POST,
                format!("/tickets/{waiting}/transfer"),
                json!({"operator": id}),
                Some(operator.as_str()),
            ),
            (
                Method::POST,
                format!("/branches/{b}/pairings"),
                json!({"role": "display", "name": "X", "workplace": id}),
                a,
            ),
            (
                Method::POST,
                format!("/workplaces/{}/open", demo.workplace(1)),
                json!({"profile": id}),
                Some(operator.as_str()),
            ),
        ];
        for (method, path, body, token) in probes {
            let answer: Reply = demo
                .send(method.clone(), &path, token, Some(body.clone()))
                .await;
            assert!(
                matches!(answer.status.as_u16(), 404 | 409 | 422),
                "{method} {path} {body} with a foreign or missing id {id} answered {}: {}",
                answer.status,
                answer.text
            );
            tried += 1;
        }
    }
    assert!(tried > 150, "{tried}");
    assert_eq!(
        snapshot().await,
        before,
        "a refused request changed something"
    );
}

#[tokio::test]
async fn the_owner_of_a_locked_account_signs_in_from_a_browser_known_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.facts.admin.clone();
    let body = json!({"username": admin.username, "password": admin.password});
    // The owner signed in from this browser before and kept its device cookie.
    let first = demo
        .client
        .post(demo.api("/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let device = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("talon_device_"))
        .expect("a device cookie")
        .to_string();
    assert!(device.contains("HttpOnly") && device.contains("Path=/api/v1/auth/login"));
    let device = device.split(';').next().unwrap().to_string();

    // Six wrong passwords from six addresses lock the account.
    for n in 2..8 {
        let guess = client_from(&format!("127.0.0.{n}"))
            .post(demo.api("/auth/login"))
            .json(&json!({"username": admin.username, "password": "a wrong guess"}));
        let status = reply(guess).await.status.as_u16();
        assert!(matches!(status, 401 | 429), "{status}");
    }
    let without = reply(demo.client.post(demo.api("/auth/login")).json(&body)).await;
    without.expect_error(429, "rate_limited");
    // The known browser gets in with the right password; a forged cookie does not.
    let with = reply(
        demo.client
            .post(demo.api("/auth/login"))
            .header("cookie", &device)
            .json(&body),
    )
    .await;
    assert!(with.expect(200)["token"].is_string());
    let forged = format!("{}{}", &device[..device.len() - 4], "0000");
    reply(
        demo.client
            .post(demo.api("/auth/login"))
            .header("cookie", forged)
            .json(&body),
    )
    .await
    .expect_error(429, "rate_limited");
}

#[tokio::test]
async fn wrong_pairing_codes_past_the_cap_void_the_open_codes() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let code = demo
        .post(
            &format!("/branches/{b}/pairings"),
            Some(&admin),
            json!({"role": "kiosk", "name": "Entrance"}),
        )
        .await
        .expect(201)["code"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = if code == "00000000" {
        "00000001"
    } else {
        "00000000"
    };
    // 100 wrong codes from five addresses (each within its own sign-in limit).
    for n in 0..100 {
        let guess = client_from(&format!("127.0.1.{}", n % 5 + 1))
            .post(demo.api("/pair"))
            .json(&json!({"code": wrong}));
        reply(guess).await.expect_error(404, "pairing_code_invalid");
    }
    demo.post("/pair", None, json!({"code": code}))
        .await
        .expect_error(404, "pairing_code_invalid");
    let pairings = demo
        .get(&format!("/branches/{b}/pairings"), Some(&admin))
        .await
        .expect(200)
        .clone();
    assert_eq!(pairings["open"], 0);
    assert_eq!(pairings["voided"]["wrong_guesses"], 100);
    assert_eq!(pairings["voided"]["codes"], 1);
    let records = audit(&demo, &admin).await;
    assert!(
        records
            .iter()
            .any(|r| r["action"] == "VOID pairings" && r["branch"] == b),
        "the voiding is in the branch's audit log"
    );
    // A new code works.
    let fresh = demo
        .post(
            &format!("/branches/{b}/pairings"),
            Some(&admin),
            json!({"role": "kiosk", "name": "Entrance"}),
        )
        .await
        .expect(201)["code"]
        .as_str()
        .unwrap()
        .to_string();
    demo.post("/pair", None, json!({"code": fresh}))
        .await
        .expect(200);
}

/// Every documented operation that takes a JSON body refuses another content type with 415,
/// and a body without one too, changing nothing.
#[tokio::test]
async fn a_json_route_takes_json_only() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let document = common::contract::document();
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let content = &operation["requestBody"]["content"];
            if content["application/json"].is_null() {
                continue;
            }
            let concrete: String = path
                .split('/')
                .map(|s| if s.starts_with('{') { "1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for content_type in [
                Some("text/plain"),
                Some("application/x-www-form-urlencoded"),
                None,
            ] {
                let mut request = demo
                    .client
                    .request(method.clone(), demo.at(&concrete))
                    .bearer_auth(&admin)
                    .body("{}");
                if let Some(content_type) = content_type {
                    request = request.header("content-type", content_type);
                }
                let answer = reply(request).await;
                assert!(
                    answer.status == 415 || answer.status == 404,
                    "{method} {path} with {content_type:?}: {} {}",
                    answer.status,
                    answer.text
                );
                if answer.status == 415 {
                    answer.expect_error(415, "unsupported_media_type");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 60, "{checked}");
    // The ones the probe found accepting text/plain, on real ids.
    let operator = demo.operator(0).await;
    let w = demo.workplace(0);
    demo.open_workplace(&operator, w, demo.all_services()).await;
    let ticket = demo.issue(demo.service("A")).await["id"].as_u64().unwrap();
    for (path, token, body) in [
        (
            format!("/branches/{}/tickets", demo.branch()),
            demo.kiosk().to_string(),
            json!({"service": demo.service("A")}),
        ),
        (
            format!("/tickets/{ticket}/postpone"),
            operator.clone(),
            json!({"seconds": 60}),
        ),
        (
            format!("/workplaces/{w}/pause"),
            operator.clone(),
            json!({"reason": "coffee"}),
        ),
    ] {
        let answer = reply(
            demo.request(Method::POST, &path, Some(&token))
                .header("content-type", "text/plain")
                .body(body.to_string()),
        )
        .await;
        answer.expect_error(415, "unsupported_media_type");
    }
}

#[tokio::test]
async fn the_metrics_are_the_administrators_or_a_listener_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    // A free port for the metrics listener.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let demo = Demo::spawn_with(dir.path(), &[("TALON_METRICS_LISTEN", &address)]).await;
    let metrics = |token: Option<&str>| {
        let request = demo.client.get(demo.at("/metrics"));
        reply(match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        })
    };
    metrics(None).await.expect_error(401, "unauthorized");
    let operator = demo.operator(0).await;
    metrics(Some(&operator))
        .await
        .expect_error(403, "forbidden");
    let admin = demo.admin().await;
    let answer = metrics(Some(&admin)).await;
    assert!(answer.expect(200).is_null() && answer.text.contains("talon_commits_total"));
    let scraped = reqwest::get(format!("http://{address}/metrics"))
        .await
        .expect("the metrics listener answers");
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped
            .text()
            .await
            .unwrap()
            .contains("talon_http_requests_total")
    );
}

#[tokio::test]
async fn the_bearer_scheme_is_read_in_any_case_and_a_foreign_workplace_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let token = demo.operator(0).await;
    let state = format!("/api/v1/branches/{}/state", demo.branch());
    let with = |value: String| {
        reply(
            demo.client
                .get(demo.at(&state))
                .header("authorization", value),
        )
    };
    for scheme in ["Bearer", "bearer", "BEARER"] {
        with(format!("{scheme} {token}")).await.expect(200);
    }
    // Spaces around a field's value are not part of it (RFC 9110); inside, only one.
    for value in [
        format!("Bearer  {token}"),
        format!("Bearer\t{token}"),
        format!("Basic {token}"),
        format!("Bearer {token} x"),
    ] {
        with(value.clone()).await.expect_error(401, "unauthorized");
    }
    // Closing another operator's workplace says so, not something about a ticket.
    let w = demo.workplace(0);
    demo.open_workplace(&token, w, demo.all_services()).await;
    let other = demo.operator(1).await;
    let answer = demo.workplace_act(&other, w, "close", None).await;
    answer.expect_error(403, "not_your_workplace");
    assert_eq!(
        answer.body["error"]["message"],
        "another operator works at this workplace"
    );
}

/// Starts `talon demo --json` on `data` (created by Talon if missing), its log going to `log`;
/// returns once it has printed its facts.
async fn demo_in(data: &std::path::Path, log: &std::path::Path) -> tokio::process::Child {
    use common::ClearSettings;
    use tokio::io::AsyncBufReadExt;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_talon"));
    command.env_clear_settings();
    let mut child = tokio::process::Command::from(command)
        .args(["demo", "--json", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("TALON_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(log).expect("the log"))
        .kill_on_drop(true)
        .spawn()
        .expect("starting talon");
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(common::WAIT, stdout.read_line(&mut line))
        .await
        .expect("the facts in time")
        .expect("the facts");
    assert!(line.contains("\"url\""), "{line}");
    child
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_data_folder_and_its_files_are_private_and_looser_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("server.log");
    let mut child = demo_in(&data, &log).await;
    assert_eq!(mode(&data), 0o700, "the data folder");
    for file in [
        "talon.db",
        "talon.db-wal",
        "talon.db-shm",
        "identity.key",
        "demo.json",
    ] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap()
            .contains("readable by others")
    );
    child.kill().await.unwrap();

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        data.join("talon.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut child = demo_in(&data, &log).await;
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("readable by others") && said.contains("talon.db"),
        "the server names the file: {said}"
    );
    child.kill().await.unwrap();
}
