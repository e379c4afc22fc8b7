//! Rate limits: password guessing on an account stops after a few failures (429 with
//! `Retry-After`, even for the right password) while other accounts still log in; a flood of
//! public ticket requests from one address is slowed down the same way.

mod common;

use common::Demo;
use serde_json::json;

#[tokio::test]
async fn an_account_under_guessing_waits_and_others_do_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let target = demo.facts.operators[0].clone();
    for _ in 0..5 {
        demo.post(
            "/auth/login",
            None,
            json!({"username": target.username, "password": "not-the-password"}),
        )
        .await
        .expect_error(401, "invalid_credentials");
    }
    let reply = demo
        .client
        .post(demo.api("/auth/login"))
        .json(&json!({"username": target.username, "password": target.password}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        reply.status().as_u16(),
        429,
        "even the right password waits"
    );
    let retry: u64 = reply.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    let body: serde_json::Value = reply.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");

    // Another account is not held up by the attack on this one.
    let other = demo.facts.operators[1].clone();
    let token = demo.login(&other.username, &other.password).await;
    assert!(!token.is_empty());
}

#[tokio::test]
async fn a_flood_of_public_requests_from_one_address_is_slowed_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let ticket = demo.issue(demo.service("A")).await;
    let token = ticket["token"].as_str().expect("token").to_string();
    let mut limited = None;
    for n in 0..1_000 {
        let reply = demo.public(&token).await;
        match reply.status.as_u16() {
            200 => {}
            429 => {
                limited = Some(n);
                break;
            }
            other => panic!("unexpected {other}: {}", reply.text),
        }
    }
    let at = limited.expect("the flood is slowed down before 1,000 requests");
    assert!(at >= 500, "ordinary use is not limited: limited after {at}");
    // Staff endpoints are not the public limit's business.
    demo.state().await;
}

/// Sign-ins from behind a trusted proxy count per client, as `X-Forwarded-For` names it; from
/// anyone else the header is ignored, since anyone can send it.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn_with(dir.path(), &[("TALON_TRUSTED_PROXIES", "127.0.0.1")]).await;
    // Each attempt names another user, so no account's own lock gets in the way.
    let login = |forwarded: &'static str, n: usize| {
        common::reply(
            demo.client
                .post(demo.api("/auth/login"))
                .header("x-forwarded-for", forwarded)
                .json(&json!({"username": format!("nobody{n}"), "password": "a guess"})),
        )
    };
    // One client uses up its burst of 30. The bucket refills at one a second while the
    // attempts run, so the refusal comes at the 31st or a few later on a slow machine.
    let mut statuses = Vec::new();
    while statuses.last() != Some(&429) {
        assert!(statuses.len() < 200, "never refused: {statuses:?}");
        statuses.push(login("203.0.113.1", statuses.len()).await.status.as_u16());
    }
    assert!(
        statuses.len() > 30,
        "refused within the burst: {statuses:?}"
    );
    assert!(
        statuses[..statuses.len() - 1].iter().all(|s| *s == 401),
        "{statuses:?}"
    );
    // … while another behind the same proxy still gets in.
    assert_eq!(login("203.0.113.2", 999).await.status, 401);

    // Without trusting the proxy, the header is nobody's word: all count as one address, so
    // a refusal comes though each attempt names another client.
    let other = tempfile::tempdir().expect("temp dir");
    let plain = Demo::spawn(other.path()).await;
    let mut attempts = 0;
    loop {
        assert!(attempts < 200, "the header bought a bucket per attempt");
        let answer = common::reply(
            plain
                .client
                .post(plain.api("/auth/login"))
                .header(
                    "x-forwarded-for",
                    format!("203.0.{}.{}", attempts / 250, attempts % 250),
                )
                .json(&json!({"username": format!("nobody{attempts}"), "password": "a guess"})),
        )
        .await;
        attempts += 1;
        if answer.status == 429 {
            break;
        }
        assert_eq!(answer.status, 401);
    }
    assert!(attempts > 30, "refused within the burst after {attempts}");
}
