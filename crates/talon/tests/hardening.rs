//! Hardening, tried on the real binary: the security headers on every kind of answer; HTTPS
//! served by Talon itself with a certificate made for the test, and a start refused with a
//! clear message when the certificate or key is wrong; deadlines for a slow answer and a slow
//! client, while live streams live on; no secret in the server's log, even at debug level, and
//! no internal detail in an error.

mod common;

use common::{Demo, EventStream, Reply, WAIT, reply};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

const HSTS: &str = "max-age=31536000";

/// Asserts the headers every answer carries, and HSTS exactly when `hsts`.
#[track_caller]
fn assert_security_headers(what: &str, headers: &reqwest::header::HeaderMap, hsts: bool) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("content-security-policy"),
        Some(CONTENT_SECURITY_POLICY),
        "{what}"
    );
    assert_eq!(header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(header("x-frame-options"), Some("SAMEORIGIN"), "{what}");
    let permissions = header("permissions-policy").unwrap_or_default();
    for denied in ["camera=()", "microphone=()", "geolocation=()", "payment=()"] {
        assert!(permissions.contains(denied), "{what}: {permissions:?}");
    }
    assert_eq!(
        header("strict-transport-security"),
        hsts.then_some(HSTS),
        "{what}"
    );
}

/// The head of the answer to `GET path` (the body is not read: a stream never ends).
async fn head(demo: &Demo, path: &str) -> reqwest::Response {
    let response = tokio::time::timeout(WAIT, demo.client.get(demo.at(path)).send())
        .await
        .unwrap_or_else(|_| panic!("{path} answers in time"))
        .unwrap_or_else(|e| panic!("{path} answers: {e}"));
    assert!(
        response.status().as_u16() < 500,
        "{path}: {}",
        response.status()
    );
    response
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let (b, kiosk, display) = (demo.branch(), demo.kiosk(), demo.display());
    let ticket = demo.issue(demo.service("A")).await;
    let token = ticket["token"].as_str().expect("token");
    let paths = [
        "/".to_string(),
        "/operator".to_string(),
        "/pair".to_string(),
        format!("/kiosk/{b}?token={kiosk}"),
        format!("/display/{b}?token={display}"),
        format!(
            "/display/{b}/workplace/{}?token={display}",
            demo.workplace(0)
        ),
        format!("/t/{token}"),
        format!("/t/{token}/print"),
        format!("/t/{token}/qr.svg"),
        "/t/0123456789abcdef".to_string(),
        "/assets/start.css".to_string(),
        "/assets/ticket.js".to_string(),
        "/api/openapi.json".to_string(),
        "/health".to_string(),
        format!("/api/v1/tickets/{token}"),
        format!("/api/v1/tickets/{token}/events"),
        format!("/api/v1/branches/{b}/events?access_token={display}"),
        format!("/api/v1/branches/{b}/state"),
        "/no/such/page".to_string(),
    ];
    for path in &paths {
        assert_security_headers(path, head(&demo, path).await.headers(), false);
    }
    // Refusals and errors carry them too.
    let wrong_method = demo
        .client
        .delete(demo.at("/health"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(wrong_method.status(), 405);
    assert_security_headers("a wrong method", wrong_method.headers(), false);
    let too_large = demo
        .request(Method::POST, &format!("/branches/{b}/tickets"), Some(kiosk))
        .header("content-type", "application/json")
        .body(vec![b' '; 100 * 1024])
        .send()
        .await
        .expect("an answer");
    assert_eq!(too_large.status(), 413);
    assert_security_headers("a body too large", too_large.headers(), false);
    drop(demo);

    // Behind a TLS proxy, HSTS is asked for by setting.
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn_with(dir.path(), &[("TALON_HSTS", "true")]).await;
    for path in ["/", "/health", "/no/such/page"] {
        assert_security_headers(path, head(&demo, path).await.headers(), true);
    }
}

// ----- HTTPS -----

/// Runs `program` with `args` and returns its output, failing the test if it cannot run.
async fn run(program: &str, args: &[&str]) -> std::process::Output {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output();
    tokio::time::timeout(WAIT, output)
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} ends in time"))
        .unwrap_or_else(|e| panic!("running {program} (apt-get install {program}): {e}"))
}

/// A self-signed certificate for `localhost` and 127.0.0.1, and its key, made by openssl.
async fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let made = run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            key.to_str().expect("a UTF-8 path"),
            "-out",
            cert.to_str().expect("a UTF-8 path"),
        ],
    )
    .await;
    assert!(
        made.status.success(),
        "openssl made no certificate: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    (cert, key)
}

/// `talon <args>` with `dir` as its data folder, on a free port, with none of the caller's
/// own settings.
fn talon(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_talon"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .arg("--listen")
        .arg("127.0.0.1:0")
        .current_dir(dir)
        .env_remove("TALON_CONFIG")
        .env_remove("TALON_TLS_CERT")
        .env_remove("TALON_TLS_KEY")
        .env_remove("TALON_HSTS")
        .env_remove("TALON_REQUEST_TIMEOUT_MS")
        .env("TALON_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Starts `talon demo --json` with these extra arguments and returns it with its facts.
async fn demo_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Child, Value) {
    let mut child = talon(dir, &[&["demo", "--json"], args].concat(), env)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting talon");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    tokio::time::timeout(WAIT, stdout.read_line(&mut line))
        .await
        .expect("the demo prints its facts in time")
        .expect("reading the demo's facts");
    let facts: Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the demo printed {line:?}, not its facts: {e}"));
    // Go on reading what the demo writes, so it never writes into a closed pipe.
    tokio::spawn(async move {
        let mut rest = Vec::new();
        let _ = stdout.read_to_end(&mut rest).await;
    });
    (child, facts)
}

/// `curl` with `args`: its exit code and what it printed.
async fn curl(args: &[&str]) -> (Option<i32>, String) {
    let output = run(
        "curl",
        &[&["--silent", "--show-error", "--max-time", "30"], args].concat(),
    )
    .await;
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[tokio::test]
async fn talon_serves_https_with_its_own_certificate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, key) = certificate(dir.path(), "talon").await;
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let (_child, facts) = demo_with(
        dir.path(),
        &["--tls-cert", cert, "--tls-key", key],
        &[("TALON_REQUEST_TIMEOUT_MS", "2000")],
    )
    .await;
    let url = facts["url"].as_str().expect("url").to_string();
    let address = url
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("the printed address is https: {url}"))
        .to_string();

    // curl (OpenSSL) trusts the certificate it is given, and the answer says to stay on HTTPS.
    let (code, health) = curl(&["--include", "--cacert", cert, &format!("{url}/health")]).await;
    assert_eq!(code, Some(0), "{health}");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health.contains(&format!("strict-transport-security: {HSTS}")),
        "{health}"
    );
    assert!(health.contains(r#""status":"ok""#), "{health}");
    // By name, as a browser would reach it.
    let port = address.rsplit(':').next().expect("a port");
    let by_name = format!("https://localhost:{port}/health");
    let (code, answer) = curl(&[
        "--cacert",
        cert,
        "--resolve",
        &format!("localhost:{port}:127.0.0.1"),
        &by_name,
    ])
    .await;
    assert_eq!(code, Some(0), "{answer}");

    // The API works over it: a sign-in (rate-limited by the caller's address) and a call with
    // its token.
    let admin = &facts["admin"];
    let login = json!({"username": admin["username"], "password": admin["password"]});
    let (code, signed_in) = curl(&[
        "--cacert",
        cert,
        "--header",
        "content-type: application/json",
        "--data",
        &login.to_string(),
        &format!("{url}/api/v1/auth/login"),
    ])
    .await;
    assert_eq!(code, Some(0), "{signed_in}");
    let session: Value = serde_json::from_str(&signed_in).expect("the login's JSON");
    let token = session["token"].as_str().expect("a session token");
    let (code, branches) = curl(&[
        "--cacert",
        cert,
        "--header",
        &format!("authorization: Bearer {token}"),
        &format!("{url}/api/v1/branches"),
    ])
    .await;
    assert_eq!(code, Some(0), "{branches}");
    assert!(branches.contains("Talon Demo"), "{branches}");

    // A client that does not trust the certificate refuses it (curl's code 60).
    let (code, refused) = curl(&[&format!("{url}/health")]).await;
    assert_eq!(code, Some(60), "{refused}");

    // Plain HTTP to the HTTPS port gets no answer.
    let plain = reqwest::Client::builder()
        .timeout(WAIT)
        .build()
        .expect("a client")
        .get(format!("http://{address}/health"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");

    // A client that connects and never begins its handshake is let go after the request
    // timeout, instead of holding the connection for ever.
    let mut silent = TcpStream::connect(&address).await.expect("connect");
    let started = Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, silent.read_to_end(&mut rest))
        .await
        .expect("the server closes a silent connection")
        .ok();
    assert!(started.elapsed() >= Duration::from_millis(1500));
}

#[tokio::test]
async fn a_wrong_certificate_or_key_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, key) = certificate(dir.path(), "talon").await;
    let (_, other_key) = certificate(dir.path(), "other").await;
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "this is no certificate").expect("write");
    let missing = dir.path().join("missing.crt");
    let (cert, key, other_key, not_pem, missing) = (
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        other_key.to_str().unwrap(),
        not_pem.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--tls-cert", missing, "--tls-key", key],
            &[missing, "TLS certificate"],
        ),
        (
            &["--tls-cert", not_pem, "--tls-key", key],
            &[not_pem, "no PEM certificate"],
        ),
        (
            &["--tls-cert", cert, "--tls-key", not_pem],
            &[not_pem, "TLS key"],
        ),
        (
            &["--tls-cert", cert, "--tls-key", other_key],
            &[cert, other_key, "do not go together"],
        ),
        (&["--tls-cert", cert], &["both a certificate and its key"]),
    ];
    for (args, says) in cases {
        let data = tempfile::tempdir().expect("temp dir");
        let output = talon(data.path(), &[&["serve"], args].concat(), &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output();
        let output = tokio::time::timeout(WAIT, output)
            .await
            .unwrap_or_else(|_| panic!("talon serve {args:?} started instead of stopping"))
            .expect("running talon");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} started: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{args:?} announced an address: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        for phrase in says {
            assert!(
                stderr.contains(phrase),
                "{args:?}: {stderr:?} names {phrase:?}"
            );
        }
    }
}

// ----- deadlines -----

/// A CRM that takes every connection and never says a word.
async fn hung_crm() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/lookup", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

#[tokio::test]
async fn a_slow_answer_times_out_while_live_streams_live_on() {
    const TIMEOUT: Duration = Duration::from_millis(3000);
    let dir = tempfile::tempdir().expect("temp dir");
    let crm = hung_crm().await;
    let timeout_ms = TIMEOUT.as_millis().to_string();
    let demo = Demo::spawn_with(
        dir.path(),
        &[
            ("TALON_CRM_URL", crm.as_str()),
            ("TALON_CRM_TIMEOUT_MS", "600000"),
            ("TALON_REQUEST_TIMEOUT_MS", timeout_ms.as_str()),
        ],
    )
    .await;
    let (b, a) = (demo.branch(), demo.service("A"));
    let operator = demo.operator(0).await;
    demo.open_workplace(&operator, demo.workplace(0), demo.all_services())
        .await;
    let first = demo.issue(a).await;
    let token = first["token"].as_str().expect("token");

    // Both kinds of stream, opened before the slow request.
    let mut branch_events = EventStream::connect(&demo.url, b, demo.display(), None).await;
    let streaming = reqwest::Client::new();
    let ticket_stream = streaming
        .get(demo.api(&format!("/tickets/{token}/events")))
        .send()
        .await
        .expect("the ticket's stream");
    assert_eq!(ticket_stream.status(), 200);
    let mut ticket_events = EventStream::from_response(ticket_stream);
    assert_eq!(ticket_events.next().await.data["status"], "waiting");

    // A ticket for an identified visitor waits on the CRM, which never answers: the request
    // is answered 503 after the request timeout.
    let started = Instant::now();
    let slow = demo
        .post(
            &format!("/branches/{b}/tickets"),
            Some(demo.kiosk()),
            json!({"service": a, "identification": {"kind": "phone", "value": "+12025550143"}}),
        )
        .await;
    let took = started.elapsed();
    slow.expect_error(503, "timeout");
    assert!(
        took >= TIMEOUT && took < WAIT,
        "answered after {took:?}, the timeout being {TIMEOUT:?}"
    );

    // The streams outlived the timeout: both carry what happens next.
    let second = demo.issue(a).await;
    let number = second["number"].as_str().expect("number");
    loop {
        let event = branch_events.next().await;
        if event.raw.contains(number) {
            break;
        }
    }
    let called = demo
        .call_next(&operator, demo.workplace(0))
        .await
        .expect("a call");
    assert_eq!(called["id"], first["id"]);
    assert_eq!(ticket_events.next().await.data["status"], "called");

    // A client that sends half a request head and then nothing is cut off after the timeout.
    let address = demo.url.trim_start_matches("http://");
    let mut slow_client = TcpStream::connect(address).await.expect("connect");
    slow_client
        .write_all(b"GET /health HTTP/1.1\r\nHost: talon\r\nX-Slow: ")
        .await
        .expect("write");
    let started = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, slow_client.read_to_end(&mut answer))
        .await
        .expect("the server lets a slow client go")
        .ok();
    assert!(
        started.elapsed() >= TIMEOUT - Duration::from_millis(100),
        "cut off after {:?}",
        started.elapsed()
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "half a request is not served"
    );
    demo.assert_healthy().await;
}

#[tokio::test]
async fn sigterm_stops_the_server_even_with_live_streams_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, facts) = demo_with(dir.path(), &[], &[]).await;
    let url = facts["url"].as_str().expect("url");
    let branch = facts["branch"].as_u64().expect("branch");
    let display = facts["display_token"].as_str().expect("display token");
    let mut events = EventStream::connect(url, branch, display, None).await;

    let pid = child.id().expect("the server runs") as libc::pid_t;
    // SAFETY: a plain signal to the child this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("the server stops in time")
        .expect("waiting for the server");
    assert!(status.success(), "stopped with {status}");
    assert!(
        events.try_next().await.is_none(),
        "the stream ended with it"
    );
}

// ----- secrets and internals -----

/// A CRM that answers every lookup with an error, so the server logs about it.
async fn failing_crm() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/lookup", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
            });
        }
    });
    url
}

/// What no error answer may contain: SQL, Rust source paths and types, panics, traces.
const INTERNALS: &[&str] = &[
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE FROM",
    "sqlite",
    "SQL",
    "constraint",
    ".rs",
    "src/",
    "panicked",
    "backtrace",
    "stack",
    "thread '",
    "::",
    "talon_",
    "struct ",
    "enum ",
    "Error {",
    "Error(",
    "Some(",
];

#[tokio::test]
async fn no_secret_reaches_the_log_and_no_internal_reaches_an_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let crm = failing_crm().await;
    let demo = Demo::spawn_with(
        dir.path(),
        &[("TALON_LOG", "debug"), ("TALON_CRM_URL", crm.as_str())],
    )
    .await;
    let (b, a) = (demo.branch(), demo.service("A"));
    let (kiosk, display) = (demo.kiosk().to_string(), demo.display().to_string());
    let tickets = format!("/branches/{b}/tickets");
    let customers = format!("/branches/{b}/customers");
    const PHONE: &str = "8 916 123-45-67";
    const CARD: &str = "4111 1111 1111 1111";
    const DOCUMENT: &str = "45 06 123456";
    const WRONG_PASSWORDS: [&str; 2] = ["wrong-horse-battery", "no-such-user-password"];
    let forged = "f0".repeat(32);
    let mut answers: Vec<(String, Reply)> = Vec::new();

    // Staff sign in, rightly and wrongly, and use their tokens.
    let admin = demo.admin().await;
    let operator = demo.operator(0).await;
    answers.push((
        "a wrong password".into(),
        demo.post(
            "/auth/login",
            None,
            json!({"username": "operator1", "password": WRONG_PASSWORDS[0]}),
        )
        .await,
    ));
    answers.push((
        "an unknown user".into(),
        demo.post(
            "/auth/login",
            None,
            json!({"username": "nobody", "password": WRONG_PASSWORDS[1]}),
        )
        .await,
    ));
    answers.push((
        "a login of the wrong type".into(),
        demo.post(
            "/auth/login",
            None,
            json!({"username": 5, "password": WRONG_PASSWORDS[0]}),
        )
        .await,
    ));
    answers.push((
        "a forged token".into(),
        demo.get(&format!("/branches/{b}/state"), Some(&forged))
            .await,
    ));
    demo.get(&format!("/branches/{b}/state"), Some(&display))
        .await
        .expect(200);
    demo.get(&tickets, Some(&admin)).await.expect(200);
    demo.open_workplace(&operator, demo.workplace(0), demo.all_services())
        .await;

    // Devices' tokens as `?access_token=`, as pages pass them to streams.
    for token in [display.as_str(), forged.as_str()] {
        let stream = head(
            &demo,
            &format!("/api/v1/branches/{b}/events?access_token={token}"),
        )
        .await;
        drop(stream);
    }
    // The recording of an announcement, as the hall display asks for it (503 without a voice).
    let audio = demo
        .client
        .get(demo.api(&format!(
            "/branches/{b}/announcement.wav?ticket=A001&workplace=1&language=en&access_token={display}"
        )))
        .send()
        .await
        .expect("an answer");
    assert_ne!(audio.status(), 401, "the display's token is taken");

    // Customer records under a card and a phone number; identified visitors.
    let vip = demo.category("VIP");
    demo.post(
        &customers,
        Some(&admin),
        json!({"identifier": {"kind": "card", "value": CARD}, "category": vip}),
    )
    .await
    .expect(200);
    demo.post(
        &format!("{customers}/lookup"),
        Some(&operator),
        json!({"identifier": {"kind": "phone", "value": PHONE}}),
    )
    .await
    .expect(200);
    let mut visitors = Vec::new();
    for (kind, value) in [("phone", PHONE), ("card", CARD), ("document", DOCUMENT)] {
        let ticket = demo
            .post(
                &tickets,
                Some(&kiosk),
                json!({"service": a, "identification": {"kind": kind, "value": value}}),
            )
            .await
            .expect(201)
            .clone();
        visitors.push(ticket["token"].as_str().expect("token").to_string());
    }
    demo.post(
        &format!("{customers}/forget"),
        Some(&admin),
        json!({"identifier": {"kind": "card", "value": CARD}}),
    )
    .await
    .expect(204);

    // Visitors follow their tickets by their links; one gives up.
    for token in &visitors {
        for path in [
            format!("/t/{token}"),
            format!("/t/{token}/print"),
            format!("/t/{token}/qr.svg"),
            format!("/api/v1/tickets/{token}"),
            format!("/api/v1/tickets/{token}/events"),
        ] {
            drop(head(&demo, &path).await);
        }
    }
    demo.delete(&format!("/tickets/{}", visitors[2]), None)
        .await
        .expect(200);
    let called = demo
        .call_next(&operator, demo.workplace(0))
        .await
        .expect("a call");
    let id = called["id"].as_u64().expect("id");
    demo.act(&operator, id, "start", None).await.expect(200);
    demo.act(&operator, id, "finish", None).await.expect(200);

    // Error paths.
    let too_large = format!(
        r#"{{"service": {a}, "identification": {{"kind": "card", "value": "{CARD}"}}, "pad": "{}"}}"#,
        "x".repeat(100 * 1024)
    );
    let raw = [
        ("bad JSON", tickets.clone(), r#"{"service":"#.to_string()),
        (
            "a card where an object belongs",
            tickets.clone(),
            format!(r#"{{"service": {a}, "identification": "{CARD}"}}"#),
        ),
        (
            "a card as a number",
            tickets.clone(),
            format!(
                r#"{{"service": {a}, "identification": {{"kind": "card", "value": {}}}}}"#,
                CARD.replace(' ', "")
            ),
        ),
        (
            "a body that is not an object",
            tickets.clone(),
            "17".to_string(),
        ),
        (
            "a card failing its check digit",
            tickets.clone(),
            format!(
                r#"{{"service": {a}, "identification": {{"kind": "card", "value": "4111 1111 1111 1112"}}}}"#
            ),
        ),
        (
            "a customer of the wrong shape",
            customers.clone(),
            format!(r#"{{"identifier": ["{PHONE}"]}}"#),
        ),
        ("a body too large", tickets.clone(), too_large),
    ];
    for (what, path, body) in raw {
        let token = if path == customers { &admin } else { &kiosk };
        let answer = reply(
            demo.request(Method::POST, &path, Some(token))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        answers.push((what.into(), answer));
    }
    answers.push((
        "not JSON at all".into(),
        reply(
            demo.request(Method::POST, "/auth/login", None)
                .header("content-type", "text/plain")
                .body("password=secret"),
        )
        .await,
    ));
    answers.push((
        "an unknown branch".into(),
        demo.get("/branches/999999/state", Some(&admin)).await,
    ));
    answers.push((
        "an id too large".into(),
        demo.get("/branches/99999999999999999999999/state", Some(&admin))
            .await,
    ));
    answers.push((
        "an unknown ticket".into(),
        demo.act(&operator, 999_999, "start", None).await,
    ));
    answers.push((
        "an unknown workplace".into(),
        demo.call_next_reply(&operator, 999_999).await,
    ));
    answers.push((
        "an unknown ticket link".into(),
        demo.get("/tickets/0123456789abcdef0123456789abcdef", None)
            .await,
    ));
    answers.push((
        "a malformed ticket link".into(),
        demo.get("/tickets/not-a-token", None).await,
    ));
    answers.push((
        "an unknown time zone".into(),
        demo.put(
            &format!("/branches/{b}"),
            Some(&admin),
            json!({"time_zone": "Mars/Olympus"}),
        )
        .await,
    ));
    answers.push((
        "an unknown routing policy".into(),
        demo.post(
            &format!("/branches/{b}/profiles"),
            Some(&admin),
            json!({"name": "x", "policy": "nope", "entries": []}),
        )
        .await,
    ));
    answers.push((
        "a bad Last-Event-ID".into(),
        reply(
            demo.request(
                Method::GET,
                &format!("/branches/{b}/events"),
                Some(&display),
            )
            .header("last-event-id", "abc"),
        )
        .await,
    ));
    answers.push((
        "a bad query".into(),
        demo.get(
            &format!("/branches/{b}/events?last_event_id=abc"),
            Some(&display),
        )
        .await,
    ));
    answers.push((
        "an unknown route".into(),
        reply(demo.client.get(demo.at("/no/such/page"))).await,
    ));
    answers.push((
        "a wrong method".into(),
        reply(demo.client.delete(demo.at("/health"))).await,
    ));
    answers.push((
        "an unknown ticket page".into(),
        reply(demo.client.get(demo.at("/t/0123456789abcdef"))).await,
    ));
    demo.post("/auth/logout", Some(&operator), json!({}))
        .await
        .expect(204);

    // Every error is Talon's JSON error, or the visitor's not-found page, and tells nothing of
    // the inside, nor repeats the card it was sent.
    for (what, answer) in &answers {
        assert!(
            answer.status.as_u16() >= 400,
            "{what} was accepted: {}",
            answer.text
        );
        if answer.content_type.starts_with("text/html") {
            assert_eq!(answer.status, 404, "{what}");
        } else {
            let code = answer.error_code().unwrap_or_default().to_string();
            answer.expect_error(answer.status.as_u16(), &code);
        }
        for internal in INTERNALS {
            assert!(
                !answer.text.contains(internal),
                "{what} answers with {internal:?}: {}",
                answer.text
            );
        }
        for value in [CARD, &CARD.replace(' ', ""), "4111 1111 1111 1112"] {
            assert!(
                !answer.text.contains(value),
                "{what} repeats the card number: {}",
                answer.text
            );
        }
    }

    // The log, at debug level, holds none of the secrets that went by.
    let log = demo.log();
    assert!(
        log.contains("CRM"),
        "the server logged (the failing CRM at least): {log}"
    );
    let identity_key = std::fs::read_to_string(dir.path().join("identity.key"))
        .expect("the identity key")
        .trim()
        .to_string();
    let facts = &demo.facts;
    let mut secrets: Vec<(&str, String)> = vec![
        ("the identity key", identity_key),
        ("the admin's password", facts.admin.password.clone()),
        ("the admin's session", admin.clone()),
        ("the operator's session", operator.clone()),
        ("the kiosk's token", kiosk.clone()),
        ("the display's token", display.clone()),
        ("a forged token", forged.clone()),
        ("the phone number", PHONE.to_string()),
        ("the phone's digits", "9161234567".to_string()),
        ("the card number", CARD.to_string()),
        ("the card's digits", CARD.replace(' ', "")),
        ("the document number", DOCUMENT.to_string()),
        ("the document's digits", DOCUMENT.replace(' ', "")),
    ];
    for o in &facts.operators {
        secrets.push(("an operator's password", o.password.clone()));
    }
    for wrong in WRONG_PASSWORDS {
        secrets.push(("a wrong password", wrong.to_string()));
    }
    for token in &visitors {
        secrets.push(("a visitor's link", token.clone()));
    }
    for (what, secret) in &secrets {
        assert!(!secret.is_empty(), "{what} is known");
        assert!(
            !log.contains(secret.as_str()),
            "{what} ({secret}) is in the server's log:\n{log}"
        );
    }
}
