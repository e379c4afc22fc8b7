//! Staff pages keep their session in a cookie the page's scripts cannot read (http-only,
//! same-site, a new one at every sign-in), and every change made with it needs the session's
//! CSRF token. Logging out forgets the cookie; disabling a user ends all their sessions and
//! streams at once, and keeps them out until enabled again.

mod common;

use common::{Demo, EventStream, Reply, reply};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Signs in for a staff page; answers the cookie's value and the CSRF token.
async fn sign_in(demo: &Demo, username: &str, password: &str) -> (String, String) {
    let response = demo
        .client
        .post(demo.api("/auth/login"))
        .json(&json!({"username": username, "password": password, "cookie": true}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("a cookie")
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let body: Value = response.json().await.expect("JSON");
    assert!(body.get("token").is_none(), "the page never sees the token");
    let cookie = set_cookie
        .split(';')
        .next()
        .expect("name=value")
        .to_string();
    let csrf = body["csrf"].as_str().expect("a CSRF token").to_string();
    (cookie, csrf)
}

async fn with_cookie(
    demo: &Demo,
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = demo
        .client
        .request(method, demo.api(path))
        .header("cookie", cookie);
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    reply(request).await
}

#[tokio::test]
async fn a_cookie_session_needs_its_csrf_token_and_ends_at_logout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let operator = demo.facts.operators[0].clone();
    let (cookie, csrf) = sign_in(&demo, &operator.username, &operator.password).await;
    let b = demo.branch();
    let state = with_cookie(
        &demo,
        Method::GET,
        &format!("/branches/{b}/state"),
        &cookie,
        None,
        None,
    )
    .await;
    state.expect(200);

    // A change without the CSRF token, or with another session's, is refused and changes
    // nothing.
    let open = format!("/workplaces/{}/open", demo.workplace(0));
    let profile = json!({"profile": demo.all_services()});
    let (_, other_csrf) = sign_in(&demo, &operator.username, &operator.password).await;
    assert_ne!(other_csrf, csrf, "every sign-in makes a new session");
    for sent in [None, Some(other_csrf.as_str()), Some("")] {
        with_cookie(
            &demo,
            Method::POST,
            &open,
            &cookie,
            sent,
            Some(profile.clone()),
        )
        .await
        .expect_error(403, "csrf_failed");
    }
    let workplace = &demo.state().await["workplaces"][0];
    assert_eq!(workplace["status"], json!("closed"));
    with_cookie(
        &demo,
        Method::POST,
        &open,
        &cookie,
        Some(&csrf),
        Some(profile),
    )
    .await
    .expect(200);

    // Logging out ends the session and tells the browser to forget the cookie.
    let out = demo
        .client
        .post(demo.api("/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("an answer");
    assert_eq!(out.status(), 204);
    let forget = out.headers()["set-cookie"].to_str().expect("a cookie");
    assert!(forget.contains("Max-Age=0"), "{forget}");
    with_cookie(
        &demo,
        Method::GET,
        &format!("/branches/{b}/state"),
        &cookie,
        None,
        None,
    )
    .await
    .expect_error(401, "unauthorized");
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let operator = demo.facts.operators[1].clone();
    let users = demo.get("/users", Some(&admin)).await.expect(200).clone();
    let id = users
        .as_array()
        .expect("a list")
        .iter()
        .find(|u| u["username"] == json!(operator.username))
        .expect("the operator")["id"]
        .as_u64()
        .expect("an id");
    let token = demo.login(&operator.username, &operator.password).await;
    let (cookie, _) = sign_in(&demo, &operator.username, &operator.password).await;
    let mut stream = EventStream::connect(&demo.url, demo.branch(), &token, None).await;

    let disabled = demo
        .put(
            &format!("/users/{id}/disabled"),
            Some(&admin),
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(disabled.expect(200)["disabled"], json!(true));
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while stream.try_next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the operator's stream is still open");
    let b = demo.branch();
    demo.get(&format!("/branches/{b}/state"), Some(&token))
        .await
        .expect_error(401, "unauthorized");
    with_cookie(
        &demo,
        Method::GET,
        &format!("/branches/{b}/state"),
        &cookie,
        None,
        None,
    )
    .await
    .expect_error(401, "unauthorized");
    demo.post(
        "/auth/login",
        None,
        json!({"username": operator.username, "password": operator.password}),
    )
    .await
    .expect_error(401, "invalid_credentials");

    // Nobody disables themself; enabled again, the operator signs in.
    let admin_id = users
        .as_array()
        .expect("a list")
        .iter()
        .find(|u| u["role"] == "admin")
        .expect("the admin")["id"]
        .as_u64()
        .expect("an id");
    demo.put(
        &format!("/users/{admin_id}/disabled"),
        Some(&admin),
        json!({"disabled": true}),
    )
    .await
    .expect_error(422, "validation_failed");
    demo.put(
        &format!("/users/{id}/disabled"),
        Some(&admin),
        json!({"disabled": false}),
    )
    .await
    .expect(200);
    demo.login(&operator.username, &operator.password).await;
}

/// The admin panel and the workstation keep a session each in one browser: a manager signed in
/// to both stays signed in to both, and signing out of one leaves the other.
#[tokio::test]
async fn each_staff_page_keeps_its_own_session_in_one_browser() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    demo.post(
        "/users",
        Some(&admin),
        json!({"username": "both", "password": "long enough", "role": "manager", "branch": b}),
    )
    .await
    .expect(201);
    // One browser: its cookies go with every request.
    let mut cookies = Vec::new();
    let mut csrf = std::collections::HashMap::new();
    for page in ["admin", "operator"] {
        let response = demo
            .client
            .post(demo.api("/auth/login"))
            .json(
                &json!({"username": "both", "password": "long enough", "cookie": true,
                          "page": page}),
            )
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200);
        let set_cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            set_cookie.starts_with(&format!("talon_session_{page}=")),
            "{set_cookie}"
        );
        cookies.push(set_cookie.split(';').next().unwrap().to_string());
        let body: Value = response.json().await.expect("JSON");
        csrf.insert(page, body["csrf"].as_str().unwrap().to_string());
    }
    let jar = cookies.join("; ");
    let browser = |method: Method, path: &str, page: &str| {
        demo.client
            .request(method, demo.api(path))
            .header("cookie", &jar)
            .header("x-talon-page", page)
            .header("x-csrf-token", &csrf[page])
    };
    // Each page's requests go with its own session: both work after both signed in.
    let workplace = format!("/branches/{b}/workplaces/{}", demo.workplace(5));
    for page in ["admin", "operator"] {
        let change = browser(Method::PUT, &workplace, page).json(&json!({"name": "6"}));
        reply(change).await.expect(200);
    }
    assert_eq!(
        reply(browser(Method::POST, "/auth/logout", "admin"))
            .await
            .status,
        204
    );
    let state = format!("/branches/{b}/state");
    reply(browser(Method::GET, &state, "admin"))
        .await
        .expect_error(401, "unauthorized");
    reply(browser(Method::GET, &state, "operator"))
        .await
        .expect(200);
    // The workstation's event stream names its session in the address.
    let stream = demo
        .client
        .get(demo.api(&format!("/branches/{b}/events?page=operator")))
        .header("cookie", &jar)
        .send()
        .await
        .expect("the stream answers");
    assert_eq!(stream.status(), 200);
}
