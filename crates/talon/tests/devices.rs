//! Kiosks and displays are paired with a short one-time code and revoked by an administrator:
//! a code works once, a wrong one is refused, the device's token works until it is revoked, and
//! revoking it ends its open event stream at once. Logging out ends a session's streams too. In
//! a real browser, a kiosk paired on `/pair` takes a ticket, and once revoked it says so.

mod common;

use common::browser::Browser;
use common::{Demo, EventStream};
use serde_json::{Value, json};
use std::time::Duration;

/// A pairing code for a device of the demo branch, made by `admin`.
async fn pairing(demo: &Demo, admin: &str, body: Value) -> String {
    let created = demo
        .post(
            &format!("/branches/{}/pairings", demo.branch()),
            Some(admin),
            body,
        )
        .await;
    let code = created.expect(201)["code"]
        .as_str()
        .expect("a code")
        .to_string();
    assert!(
        code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    code
}

/// Waits until the stream ends, skipping what arrives before; fails if it goes on.
async fn ends(stream: &mut EventStream) {
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while stream.try_next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream is still open");
}

#[tokio::test]
async fn a_device_pairs_once_and_stops_when_revoked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let code = pairing(&demo, &admin, json!({"role": "kiosk", "name": "Entrance"})).await;

    // A wrong code, and a malformed one, are refused alike.
    for wrong in ["00000000", "12", "abcdefgh"] {
        demo.post("/pair", None, json!({"code": wrong}))
            .await
            .expect_error(404, "pairing_code_invalid");
    }
    // Typed with a space, as it is read out.
    let spaced = format!("{} {}", &code[..4], &code[4..]);
    let paired = demo
        .post("/pair", None, json!({"code": spaced}))
        .await
        .expect(200)
        .clone();
    assert_eq!(paired["role"], json!("kiosk"));
    assert_eq!(paired["branch"], json!(b));
    assert_eq!(paired["page"], json!(format!("/kiosk/{b}")));
    let token = paired["token"].as_str().expect("a token").to_string();
    // Once only.
    demo.post("/pair", None, json!({"code": code}))
        .await
        .expect_error(404, "pairing_code_invalid");

    // The kiosk works: it issues tickets and follows the branch.
    demo.post(
        &format!("/branches/{b}/tickets"),
        Some(&token),
        json!({"service": demo.service("A")}),
    )
    .await
    .expect(201);
    let mut stream = EventStream::connect(&demo.url, b, &token, None).await;
    let devices = demo
        .get(&format!("/branches/{b}/devices"), Some(&admin))
        .await
        .expect(200)
        .clone();
    let listed = devices
        .as_array()
        .expect("a list")
        .iter()
        .find(|d| d["name"] == "Entrance")
        .expect("the paired kiosk is listed")
        .clone();
    assert_eq!(listed["role"], json!("kiosk"));
    assert!(
        !devices.to_string().contains(&token),
        "a token is never shown again"
    );

    // Revoked: the open stream ends and the token is refused.
    let id = listed["id"].as_u64().expect("an id");
    let revoked = demo
        .delete(&format!("/branches/{b}/devices/{id}"), Some(&admin))
        .await;
    assert_eq!(revoked.status.as_u16(), 204, "{}", revoked.text);
    ends(&mut stream).await;
    demo.post(
        &format!("/branches/{b}/tickets"),
        Some(&token),
        json!({"service": demo.service("A")}),
    )
    .await
    .expect_error(401, "unauthorized");
    demo.delete(&format!("/branches/{b}/devices/{id}"), Some(&admin))
        .await
        .expect_error(404, "device_not_found");
    // The demo's own kiosk is untouched.
    demo.get(&format!("/branches/{b}/state"), Some(demo.kiosk()))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_counter_display_pairs_for_its_workplace_and_a_session_ends_its_streams() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let w = demo.workplace(2);
    let code = pairing(
        &demo,
        &admin,
        json!({"role": "display", "name": "Counter 3", "workplace": w}),
    )
    .await;
    let paired = demo.post("/pair", None, json!({"code": code})).await;
    assert_eq!(
        paired.expect(200)["page"],
        json!(format!("/display/{b}/workplace/{w}"))
    );
    // Bad pairings are refused before a code exists.
    let other = demo.second_branch(&admin).await;
    for (body, why) in [
        (
            json!({"role": "display", "name": "X", "workplace": other.workplace}),
            "another branch's workplace",
        ),
        (
            json!({"role": "kiosk", "name": "X", "workplace": w}),
            "a kiosk has no workplace",
        ),
        (json!({"role": "operator", "name": "X"}), "not a device"),
        (json!({"role": "kiosk", "name": " "}), "no name"),
    ] {
        let reply = demo
            .post(&format!("/branches/{b}/pairings"), Some(&admin), body)
            .await;
        assert_eq!(reply.status.as_u16(), 422, "{why}: {}", reply.text);
    }

    // A staff session's stream ends when it logs out.
    let operator = demo.operator(0).await;
    let mut stream = EventStream::connect(&demo.url, b, &operator, None).await;
    let out = demo.post("/auth/logout", Some(&operator), json!({})).await;
    assert_eq!(out.status.as_u16(), 204, "{}", out.text);
    ends(&mut stream).await;
}

#[tokio::test]
async fn a_kiosk_paired_in_the_browser_takes_a_ticket_and_stops_when_revoked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let code = pairing(
        &demo,
        &admin,
        json!({"role": "kiosk", "name": "Hall kiosk"}),
    )
    .await;

    let kiosk = Browser::start_in("en").await;
    kiosk.goto(&demo.at("/pair")).await;
    kiosk.wait_text("h1", "Pair this device").await;
    kiosk.fill("#code", "11111111").await;
    kiosk.click("#pair").await;
    kiosk.wait_text("#message:not([hidden])", "not valid").await;
    kiosk.screenshot("pair-en").await;
    kiosk.fill("#code", &code).await;
    kiosk.click("#pair").await;
    // The kiosk's own page, with no token in its address.
    kiosk.wait_text("#screen h1", "Выберите услугу").await;
    let address = kiosk
        .eval("return location.pathname + location.search")
        .await;
    assert_eq!(address, json!(format!("/kiosk/{b}")));
    kiosk
        .click(&format!(
            "button.service[data-service='{}']",
            demo.service("A")
        ))
        .await;
    kiosk.wait_text(".ticket .number", "A").await;

    let devices = demo
        .get(&format!("/branches/{b}/devices"), Some(&admin))
        .await
        .expect(200)
        .clone();
    let id = devices
        .as_array()
        .expect("a list")
        .iter()
        .find(|d| d["name"] == "Hall kiosk")
        .expect("listed")["id"]
        .as_u64()
        .expect("an id");
    demo.delete(&format!("/branches/{b}/devices/{id}"), Some(&admin))
        .await;
    // Its stream ends; the kiosk finds its pairing gone and says so.
    kiosk
        .wait_text("#unpaired:not([hidden])", "не подключено")
        .await;
    kiosk.screenshot("kiosk-unpaired-ru").await;
    kiosk.close().await;
}
