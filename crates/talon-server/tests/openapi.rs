//! The OpenAPI document tells the truth about the router: every documented operation is served
//! (it answers with anything but "no such endpoint" or "method not allowed"), and every
//! operation says who may call it.

use serde_json::Value;
use std::sync::Arc;
use talon_server::{App, IdentityKey, Options, Retention, Security, Voice};
use talon_store::{Durability, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn spawn() -> (std::net::SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_sqlite(&dir.path().join("talon.db"), Durability::Normal)
        .await
        .expect("store");
    let options = Options {
        identity_key: IdentityKey::new(vec![1; 32]).expect("key"),
        crm: None,
        voice: Voice::new("espeak-ng".to_string()),
        public_url: None,
        security: Security::default(),
        retention: Retention::default(),
        password_memory_bytes: talon_server::DEFAULT_PASSWORD_MEMORY_BYTES,
        refusal_window: talon_server::DEFAULT_REFUSAL_WINDOW,
        trusted_proxies: Vec::new(),
    };
    let app: Arc<App> = App::load(store, options).await.expect("app");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(talon_server::serve(
        app,
        listener,
        None,
        std::future::pending(),
    ));
    (addr, dir)
}

/// Sends one request without a body and returns the status and the body.
async fn request(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: talon\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text[9..12].parse().expect("status code");
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let (addr, _dir) = spawn().await;
    let (status, body) = request(addr, "GET", "/api/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).expect("the document is JSON");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() > 20, "the document lists the API");
    let mut checked = 0;
    for (path, operations) in paths {
        let concrete = path
            .split('/')
            .map(|segment| match segment {
                "{token}" => "00000000000000000000000000000000",
                // Only the embedded files are there; any other name is not found.
                "{file}" => "kiosk.js",
                s if s.starts_with('{') => "1",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in operations.as_object().expect("operations").keys() {
            let (status, body) = request(addr, &method.to_uppercase(), &concrete).await;
            assert_ne!(status, 405, "{method} {path} is not routed for that method");
            let code = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|b| b["error"]["code"].as_str().map(str::to_string));
            assert_ne!(
                code.as_deref(),
                Some("route_not_found"),
                "{method} {path} ({concrete}) is documented but not routed"
            );
            assert!(status < 500, "{method} {path} failed with {status}");
            checked += 1;
        }
    }
    assert!(checked >= 70, "checked {checked} operations");
}

#[tokio::test]
async fn every_operation_names_who_may_call_it_and_the_answers_of_its_kind() {
    let (addr, _dir) = spawn().await;
    let (_, body) = request(addr, "GET", "/api/openapi.json").await;
    let doc: Value = serde_json::from_str(&body).expect("the document is JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = std::collections::HashSet::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let what = format!("{method} {path}");
            let id = operation["operationId"].as_str().expect("an operation id");
            assert!(ids.insert(id.to_string()), "{what}: {id} twice");
            let security = operation["security"].as_array().expect("a security list");
            let responses = operation["responses"].as_object().expect("responses");
            assert!(
                responses.contains_key("500") && responses.contains_key("503"),
                "{what}"
            );
            if security.is_empty() {
                continue;
            }
            let roles = &security[0]["bearer"];
            assert!(
                roles.as_array().is_some_and(|r| !r.is_empty()),
                "{what} names its roles: {security:?}"
            );
            assert_eq!(security[1]["session"], *roles, "{what}");
            assert!(
                responses.contains_key("401") && responses.contains_key("403"),
                "{what} documents refusals"
            );
            if operation["requestBody"].is_object()
                && path.starts_with("/api/v1/")
                && !path.ends_with("/config")
            {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{what} documents {status}");
                }
            }
        }
    }
    for schema in [
        "ErrorBody",
        "StaffTicket",
        "BranchView",
        "TicketView",
        "BranchSettings",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} is described"
        );
    }
}

#[tokio::test]
async fn an_undocumented_path_is_not_found_as_json() {
    let (addr, _dir) = spawn().await;
    let (status, body) = request(addr, "GET", "/api/v1/nowhere").await;
    assert_eq!(status, 404);
    let error: Value = serde_json::from_str(&body).expect("JSON error");
    assert_eq!(error["error"]["code"], "route_not_found");
}
