//! The visitor-facing pages over plain HTTP: the ticket's own live stream, the cancel form, the
//! QR code and printable ticket, and the answers to bad addresses. The pages carry no inline
//! executable script (a strict content security policy can forbid it).

mod common;

use common::{Demo, EventStream};
use serde_json::json;

/// `text` has no `<script>` that runs inline code: every script is loaded by `src`, or is a
/// JSON data block.
fn assert_no_inline_script(text: &str) {
    for tag in text.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap_or_default();
        assert!(
            open.contains("src=") || open.contains(r#"type="application/json""#),
            "inline script: <script{open}>"
        );
    }
}

#[tokio::test]
async fn the_ticket_stream_follows_one_ticket_until_it_is_done() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let first = demo.issue(demo.service("A")).await;
    let second = demo.issue(demo.service("A")).await;
    let token = second["token"].as_str().expect("token");

    let response = reqwest::get(demo.api(&format!("/tickets/{token}/events")))
        .await
        .expect("the stream answers");
    assert_eq!(response.status(), 200);
    let mut stream = EventStream::from_response(response);
    let now = stream.next().await;
    assert_eq!(now.event, "ticket");
    assert_eq!(now.data["number"], second["number"]);
    assert_eq!(now.data["status"], json!("waiting"));
    assert_eq!(now.data["position"], json!(1));
    assert!(now.data.get("id").is_none(), "no internal id: {}", now.raw);

    let operator = demo.operator(0).await;
    demo.open_workplace(&operator, demo.workplace(0), demo.all_services())
        .await;
    let called = demo
        .call_next(&operator, demo.workplace(0))
        .await
        .expect("a call");
    assert_eq!(called["id"], first["id"]);
    let moved = stream.next().await;
    assert_eq!(moved.data["position"], json!(0), "one ahead was called");
    assert!(moved.id > now.id, "ids follow the branch's events");

    let first_id = first["id"].as_u64().expect("id");
    demo.act(&operator, first_id, "no-show", None)
        .await
        .expect(200);
    let called = demo
        .call_next(&operator, demo.workplace(0))
        .await
        .expect("a call");
    assert_eq!(called["id"], second["id"]);
    let mut view = stream.next().await;
    while view.data["status"] != json!("called") {
        view = stream.next().await;
    }
    assert_eq!(view.data["workplace_name"], json!("1"));
    assert_eq!(view.data["position"], json!(null));

    let id = called["id"].as_u64().expect("id");
    demo.act(&operator, id, "start", None).await.expect(200);
    demo.act(&operator, id, "finish", None).await.expect(200);
    let mut last = stream.next().await;
    while last.data["status"] != json!("done") {
        last = stream.next().await;
    }
    assert!(
        stream.try_next().await.is_none(),
        "the stream ends after a final status"
    );

    // An unknown ticket has no stream.
    demo.get(&format!("/tickets/{}/events", "0".repeat(32)), None)
        .await
        .expect_error(404, "ticket_not_found");
}

#[tokio::test]
async fn the_pages_serve_visitors_and_refuse_bad_addresses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let ticket = demo.issue(demo.service("A")).await;
    let token = ticket["token"].as_str().expect("token");
    let number = ticket["number"].as_str().expect("number");
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let get = |path: String| {
        let plain = plain.clone();
        let url = demo.at(&path);
        async move { plain.get(url).send().await.expect("an answer") }
    };

    // The pages, each in the language asked for, with scripts only from files.
    let branch = demo.branch();
    let workplace = demo.workplace(0);
    for (path, expected) in [
        (format!("/t/{token}?lang=de"), "Ihre Nummer"),
        (format!("/t/{token}/print?paper=58"), number),
        (format!("/kiosk/{branch}?lang=en"), "Choose a service"),
        (
            format!("/display/{branch}/workplace/{workplace}?lang=ru"),
            "Окно",
        ),
    ] {
        let response = get(path.clone()).await;
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        let text = response.text().await.expect("a page");
        assert!(text.contains(expected), "{path} says {expected:?}: {text}");
        assert_no_inline_script(&text);
    }
    for asset in [
        "kiosk.js",
        "kiosk.css",
        "ticket.js",
        "ticket.css",
        "counter.js",
        "chime.js",
        "common.js",
        "pair.js",
    ] {
        let response = get(format!("/assets/{asset}")).await;
        assert_eq!(response.status(), 200, "{asset}");
    }

    // The QR code is an SVG of the ticket's page.
    let qr = get(format!("/t/{token}/qr.svg")).await;
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.expect("svg").starts_with("<svg"));

    // Bad addresses: clear answers, nothing changes.
    let unknown = "f".repeat(32);
    for path in [
        format!("/t/{unknown}"),
        format!("/t/{unknown}/print"),
        format!("/t/{unknown}/qr.svg"),
        "/t/not-a-token/qr.svg".to_string(),
        "/kiosk/999999".to_string(),
        format!("/display/{branch}/workplace/999999"),
    ] {
        assert_eq!(get(path.clone()).await.status(), 404, "{path}");
    }
    let paper = get(format!("/t/{token}/print?paper=99")).await;
    assert_eq!(paper.status(), 422);
    let body: serde_json::Value = paper.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], json!("validation_failed"));
    let refused = plain
        .post(demo.at(&format!("/t/{unknown}/cancel")))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 404);
    demo.public(token).await.expect(200);
    assert_eq!(demo.public(token).await.body["status"], json!("waiting"));

    // The cancel form gives the ticket up and shows the page again, in the language the
    // visitor chose; a second try says it could not.
    let cancel = |query: &str| {
        plain
            .post(demo.at(&format!("/t/{token}/cancel{query}")))
            .send()
    };
    let location = |response: &reqwest::Response| {
        assert_eq!(response.status(), 303);
        response.headers()["location"]
            .to_str()
            .expect("location")
            .to_string()
    };
    let first = cancel("?lang=de").await.expect("an answer");
    assert_eq!(location(&first), format!("/t/{token}?lang=de"));
    assert_eq!(demo.public(token).await.body["status"], json!("cancelled"));
    let again = cancel("").await.expect("an answer");
    assert_eq!(location(&again), format!("/t/{token}?cancel=failed"));
    let again = cancel("?lang=en").await.expect("an answer");
    let failed = location(&again);
    assert_eq!(failed, format!("/t/{token}?lang=en&cancel=failed"));
    let page = get(failed).await.text().await.expect("page");
    assert!(page.contains("could not be cancelled"), "{page}");
    assert!(page.contains("Ticket cancelled"), "{page}");
}

/// The `/assets/…` addresses that `page` links from its `href` and `src` attributes.
fn linked_assets(page: &str) -> Vec<String> {
    ["href=\"/assets/", "src=\"/assets/"]
        .iter()
        .flat_map(|attribute| {
            page.match_indices(attribute).map(move |(at, _)| {
                let rest = &page[at + attribute.len() - "/assets/".len()..];
                rest.split('"').next().unwrap_or_default().to_string()
            })
        })
        .collect()
}

#[tokio::test]
async fn every_page_links_assets_that_exist_and_caches_keep_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let ticket = demo.issue(demo.service("A")).await;
    let token = ticket["token"].as_str().expect("token");
    let branch = demo.branch();
    let workplace = demo.workplace(0);
    let client = reqwest::Client::new();
    let get = |path: &str, etag: Option<&str>| {
        let mut request = client.get(demo.at(path));
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        async move { request.send().await.expect("an answer") }
    };
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };

    let mut linked = std::collections::BTreeSet::new();
    for path in [
        "/".to_string(),
        "/operator".to_string(),
        "/admin".to_string(),
        "/planning".to_string(),
        "/pair".to_string(),
        format!("/kiosk/{branch}"),
        format!("/display/{branch}"),
        format!("/display/{branch}/workplace/{workplace}"),
        format!("/t/{token}"),
        format!("/t/{token}/print"),
        format!("/t/{}", "f".repeat(32)),
    ] {
        let page = get(&path, None).await.text().await.expect("a page");
        let assets = linked_assets(&page);
        assert!(
            assets.iter().any(|a| a.ends_with(".css")),
            "{path} links its stylesheet: {page}"
        );
        assert!(
            assets.iter().any(|a| a.starts_with("/assets/favicon.")),
            "{path} names its icon"
        );
        linked.extend(assets);
    }
    for address in &linked {
        let file = address.trim_start_matches("/assets/");
        assert_eq!(file.split('.').count(), 3, "{address} is a hashed name");
        let response = get(address, None).await;
        assert_eq!(response.status(), 200, "{address}");
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{address}"
        );
        let etag = header(&response, "etag");
        let plain = file.split('.').enumerate().filter(|(i, _)| *i != 1);
        let plain: Vec<&str> = plain.map(|(_, part)| part).collect();
        let plain = format!("/assets/{}", plain.join("."));
        let response = get(&plain, None).await;
        assert_eq!(response.status(), 200, "{plain}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{plain}");
        assert_eq!(header(&response, "etag"), etag, "{plain}");
        let again = get(&plain, Some(&etag)).await;
        assert_eq!(again.status(), 304, "{plain}");
    }

    let missing = get("/assets/nothing.js", None).await;
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], json!("route_not_found"));

    let icon = get("/favicon.ico", None).await;
    assert_eq!(icon.status(), 200);
    assert_eq!(header(&icon, "content-type"), "image/svg+xml");
}
