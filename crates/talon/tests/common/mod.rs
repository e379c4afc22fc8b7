//! The harness of the HTTP integration tests: runs the real `talon demo` binary against a data
//! folder, reads the one JSON line it prints, and talks to it over real HTTP. Also a small
//! Server-Sent Events reader that parses `id:`/`event:`/`data:` lines from the byte stream.
//!
//! Nothing here sleeps: every wait is on the child's output, an HTTP answer or a stream event,
//! bounded by [`WAIT`] so a broken server fails the test instead of hanging it.

#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// The longest any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServiceFact {
    pub id: u64,
    pub prefix: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NamedFact {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// What `talon demo --json` prints.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Facts {
    pub url: String,
    pub branch: u64,
    pub services: Vec<ServiceFact>,
    pub workplaces: Vec<NamedFact>,
    pub profiles: Vec<NamedFact>,
    pub categories: Vec<NamedFact>,
    pub admin: Credentials,
    pub operators: Vec<Credentials>,
    pub kiosk_token: String,
    pub display_token: String,
}

/// An HTTP answer: status, raw text, the body parsed as JSON (`Null` if it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
    pub body: Value,
    /// The answer's `X-Request-Id`.
    pub request_id: String,
}

impl Reply {
    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {} with body {}",
            self.status,
            self.text
        );
        &self.body
    }

    /// Asserts a documented error: the status, a JSON content type and
    /// `{"error": {"code": code, "message": <non-empty>, "request_id": <the answer's
    /// X-Request-Id>}}`.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.error_code()),
            (status, Some(code)),
            "expected {status} {code}, got {} with body {:?} ({})",
            self.status,
            self.text,
            self.content_type
        );
        assert!(
            self.content_type.starts_with("application/json"),
            "an error is JSON, not {:?}",
            self.content_type
        );
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "an error has a message: {}", self.text);
        assert_eq!(
            self.body["error"]["request_id"].as_str(),
            Some(self.request_id.as_str()),
            "an error names the request id of its header: {}",
            self.text
        );
    }

    pub fn error_code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }
}

/// A running `talon demo` child process. Killed when dropped.
pub struct Demo {
    pub dir: PathBuf,
    pub url: String,
    pub facts: Facts,
    pub client: reqwest::Client,
    /// Extra environment of the child, kept for restarts.
    env: Vec<(String, String)>,
    child: Option<Child>,
    _stdout: Option<BufReader<ChildStdout>>,
}

impl Demo {
    /// A second branch with a service, profile, workplace, an operator of its own, a kiosk and
    /// a display, created through the API by `admin`.
    pub async fn second_branch(&self, admin: &str) -> OtherBranch {
        other_branch(self, admin).await
    }

    /// Starts the demo on a free port with `dir` as its data folder and waits for its facts.
    pub async fn spawn(dir: &Path) -> Demo {
        Demo::spawn_with(dir, &[]).await
    }

    /// Starts the demo with extra environment variables, e.g. a CRM's address.
    pub async fn spawn_with(dir: &Path, env: &[(&str, &str)]) -> Demo {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (child, stdout, facts) = start(dir, &env).await;
        let client = reqwest::Client::builder()
            .timeout(WAIT)
            .build()
            .expect("an HTTP client");
        Demo {
            dir: dir.to_path_buf(),
            url: facts.url.clone(),
            facts,
            client,
            env,
            child: Some(child),
            _stdout: Some(stdout),
        }
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// The process id of the running child.
    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .and_then(Child::id)
            .expect("the demo is running")
    }

    /// Kills the child with SIGKILL (no chance to clean up) and waits until it is gone.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("killing the demo");
        }
        self._stdout = None;
    }

    /// Sends the child SIGTERM, as a service manager stops it.
    pub fn sigterm(&self) {
        let pid = self.pid() as libc::pid_t;
        // SAFETY: a plain signal to the child this harness started and has not yet reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM");
    }

    /// Waits up to `within` for the child to exit, and returns how it exited.
    pub async fn exit_status(&mut self, within: Duration) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the demo is running");
        self._stdout = None;
        tokio::time::timeout(within, child.wait())
            .await
            .unwrap_or_else(|_| panic!("the server did not exit within {within:?}"))
            .expect("waiting for the server")
    }

    /// Kills the child and starts the demo again on the same data folder. The demo is reused,
    /// so the facts (ids, passwords, device tokens) stay the same; only the URL changes.
    pub async fn restart(&mut self) {
        self.restart_at("127.0.0.1:0").await;
    }

    /// Restarts the demo on the address it had, as a real server comes back where clients
    /// expect it.
    pub async fn restart_in_place(&mut self) {
        let address = self.url.trim_start_matches("http://").to_string();
        self.restart_at(&address).await;
        assert_eq!(self.url, format!("http://{address}"));
    }

    async fn restart_at(&mut self, listen: &str) {
        self.kill().await;
        let (child, stdout, facts) = start_at(&self.dir, &self.env, listen).await;
        let mut same = facts.clone();
        same.url = self.facts.url.clone();
        assert_eq!(same, self.facts, "a restarted demo reuses the same demo");
        self.url = facts.url.clone();
        self.facts = facts;
        self.child = Some(child);
        self._stdout = Some(stdout);
    }

    // ----- facts -----

    pub fn branch(&self) -> u64 {
        self.facts.branch
    }

    /// The id of the service with this prefix (`A` … `D`).
    pub fn service(&self, prefix: &str) -> u64 {
        self.facts
            .services
            .iter()
            .find(|s| s.prefix == prefix)
            .unwrap_or_else(|| panic!("no demo service {prefix}"))
            .id
    }

    pub fn profile(&self, name: &str) -> u64 {
        self.facts
            .profiles
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no demo profile {name}"))
            .id
    }

    /// The profile that serves all four services.
    pub fn all_services(&self) -> u64 {
        self.profile("All services")
    }

    /// The id of the demo's `n`-th workplace (0-based).
    pub fn workplace(&self, n: usize) -> u64 {
        self.facts.workplaces[n].id
    }

    /// The id of the demo's category called `name`.
    pub fn category(&self, name: &str) -> u64 {
        self.facts
            .categories
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id)
            .unwrap_or_else(|| panic!("the demo has no category {name}"))
    }

    pub fn kiosk(&self) -> &str {
        &self.facts.kiosk_token
    }

    pub fn display(&self) -> &str {
        &self.facts.display_token
    }

    // ----- raw HTTP -----

    /// `url` + `path`, where `path` starts with `/`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// `url` + `/api/v1` + `path`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    /// A request to `/api/v1` + `path`, with a bearer token if given.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.api(path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    /// Sends a request to `/api/v1` + `path` with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut builder = self.request(method, path, token);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        reply(builder).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::DELETE, path, token, None).await
    }

    /// `GET /health` answers 200.
    pub async fn assert_healthy(&self) {
        let health = reply(self.client.get(self.at("/health"))).await;
        assert_eq!(health.expect(200)["status"], "ok", "{}", health.text);
    }

    // ----- staff -----

    /// Logs in and returns the session token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self
            .post(
                "/auth/login",
                None,
                json!({"username": username, "password": password}),
            )
            .await;
        let token = reply.expect(200)["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login answers a token: {}", reply.text));
        token.to_string()
    }

    /// A session of the demo's administrator.
    pub async fn admin(&self) -> String {
        let admin = self.facts.admin.clone();
        self.login(&admin.username, &admin.password).await
    }

    /// A session of the demo's `n`-th operator (0-based).
    pub async fn operator(&self, n: usize) -> String {
        let op = self.facts.operators[n].clone();
        self.login(&op.username, &op.password).await
    }

    /// Opens a workplace with a work profile; returns the workplace as the API shows it.
    pub async fn open_workplace(&self, token: &str, workplace: u64, profile: u64) -> Value {
        let reply = self
            .post(
                &format!("/workplaces/{workplace}/open"),
                Some(token),
                json!({"profile": profile}),
            )
            .await;
        let view = reply.expect(200).clone();
        assert_eq!(view["status"], "open", "{view}");
        view
    }

    /// The kiosk issues a ticket of `service`; returns the answer (with its `token`).
    pub async fn issue(&self, service: u64) -> Value {
        let reply = self.issue_reply(service).await;
        reply.expect(201).clone()
    }

    pub async fn issue_reply(&self, service: u64) -> Reply {
        self.post(
            &format!("/branches/{}/tickets", self.branch()),
            Some(self.kiosk()),
            json!({"service": service}),
        )
        .await
    }

    /// Calls the next visitor to a workplace: the ticket, or `None` on 204.
    pub async fn call_next(&self, token: &str, workplace: u64) -> Option<Value> {
        let reply = self.call_next_reply(token, workplace).await;
        match reply.status.as_u16() {
            204 => None,
            _ => Some(reply.expect(200).clone()),
        }
    }

    pub async fn call_next_reply(&self, token: &str, workplace: u64) -> Reply {
        self.send(
            Method::POST,
            &format!("/workplaces/{workplace}/call-next"),
            Some(token),
            None,
        )
        .await
    }

    /// `POST /tickets/{id}/{action}` with an optional body.
    pub async fn act(&self, token: &str, ticket: u64, action: &str, body: Option<Value>) -> Reply {
        self.send(
            Method::POST,
            &format!("/tickets/{ticket}/{action}"),
            Some(token),
            body,
        )
        .await
    }

    /// `POST /workplaces/{id}/{action}` with an optional body.
    pub async fn workplace_act(
        &self,
        token: &str,
        workplace: u64,
        action: &str,
        body: Option<Value>,
    ) -> Reply {
        self.send(
            Method::POST,
            &format!("/workplaces/{workplace}/{action}"),
            Some(token),
            body,
        )
        .await
    }

    /// The branch state as the display sees it.
    pub async fn state(&self) -> Value {
        self.get(
            &format!("/branches/{}/state", self.branch()),
            Some(self.display()),
        )
        .await
        .expect(200)
        .clone()
    }

    /// The visitor's view of their ticket.
    pub async fn public(&self, token: &str) -> Reply {
        self.get(&format!("/tickets/{token}"), None).await
    }

    /// The state's queue of a service.
    pub fn queue(state: &Value, service: u64) -> &Value {
        state["queues"]
            .as_array()
            .and_then(|q| q.iter().find(|q| q["service"] == service))
            .unwrap_or_else(|| panic!("no queue of service {service} in {state}"))
    }

    /// The state's entry of a workplace.
    pub fn workplace_in(state: &Value, workplace: u64) -> &Value {
        state["workplaces"]
            .as_array()
            .and_then(|w| w.iter().find(|w| w["id"] == workplace))
            .unwrap_or_else(|| panic!("no workplace {workplace} in {state}"))
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.start_kill();
        }
    }
}

/// Sends a request, reads the whole answer and checks it against the API's contract.
pub async fn reply(builder: reqwest::RequestBuilder) -> Reply {
    let (client, request) = builder.build_split();
    let request = request.expect("a well-formed request");
    let (method, path) = (request.method().clone(), request.url().path().to_string());
    let response = client.execute(request).await.expect("the server answers");
    // A followed redirect ends at another address, reached with GET.
    let (method, path) = if response.url().path() == path {
        (method, path)
    } else {
        (Method::GET, response.url().path().to_string())
    };
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every answer has an X-Request-Id")
        .to_string();
    let text = response.text().await.expect("the answer's body");
    contract::check(&method, &path, status, &content_type, &text);
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        text,
        body,
        request_id,
    }
}

async fn start(dir: &Path, env: &[(String, String)]) -> (Child, BufReader<ChildStdout>, Facts) {
    start_at(dir, env, "127.0.0.1:0").await
}

/// Settings a test's own environment might hold that must not reach a `talon` it starts.
pub const CALLER_SETTINGS: [&str; 7] = [
    "TALON_CONFIG",
    "TALON_LISTEN",
    "TALON_DATA_DIR",
    "TALON_DURABILITY",
    "TALON_IDENTITY_KEY",
    "TALON_CRM_URL",
    "TALON_CRM_TIMEOUT_MS",
];

/// Removes [`CALLER_SETTINGS`] from a command's environment.
pub trait ClearSettings {
    fn env_clear_settings(&mut self) -> &mut Self;
}

impl ClearSettings for std::process::Command {
    fn env_clear_settings(&mut self) -> &mut Self {
        for name in CALLER_SETTINGS {
            self.env_remove(name);
        }
        self
    }
}

async fn start_at(
    dir: &Path,
    env: &[(String, String)],
    listen: &str,
) -> (Child, BufReader<ChildStdout>, Facts) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .expect("the server's log file");
    let mut talon = std::process::Command::new(env!("CARGO_BIN_EXE_talon"));
    talon.env_clear_settings();
    let mut child = Command::from(talon)
        .arg("demo")
        .arg("--json")
        .arg("--data-dir")
        .arg(dir)
        .arg("--listen")
        .arg(listen)
        // The folder may hold no `talon.toml`, and no setting of the caller's may leak in.
        .current_dir(dir)
        .env("TALON_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // The server's log goes to the data folder, where a test can read what it logged.
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .expect("starting the talon binary");
    let mut stdout = BufReader::new(child.stdout.take().expect("the child's stdout"));
    let mut line = String::new();
    let read = tokio::time::timeout(WAIT, stdout.read_line(&mut line))
        .await
        .expect("the demo prints its facts in time")
        .expect("reading the demo's stdout");
    assert!(read > 0, "the demo exited before printing its facts");
    let facts: Facts = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("the demo's line {line:?} is not its facts: {e}"));
    assert!(facts.url.starts_with("http://127.0.0.1:"), "{}", facts.url);
    (child, stdout, facts)
}

/// Whether `text` is `len` lowercase-or-uppercase hex digits.
pub fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The numeric part of a printed ticket number such as `A017`.
pub fn number_value(number: &str) -> u32 {
    number
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or_else(|_| panic!("{number:?} is not a ticket number"))
}

/// Drops the values of these keys anywhere in a JSON document (for comparing two snapshots
/// that may differ only in time-dependent values).
pub fn without_keys(value: &Value, keys: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), without_keys(v, keys)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| without_keys(v, keys)).collect()),
        other => other.clone(),
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: u64,
    pub event: String,
    pub data: Value,
    /// The `data:` text as sent.
    pub raw: String,
}

/// A live event stream, parsed from the response's bytes.
pub struct EventStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl EventStream {
    /// Subscribes to a branch's events with a bearer token, optionally after `last_event_id`
    /// (sent as the `Last-Event-ID` header, as a reconnecting `EventSource` does).
    pub async fn connect(
        url: &str,
        branch: u64,
        token: &str,
        last_event_id: Option<u64>,
    ) -> EventStream {
        let response = Self::open(url, branch, token, last_event_id).await;
        assert_eq!(response.status(), 200, "subscribing to the events");
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        EventStream::from_response(response)
    }

    /// Reads the events of a response already received.
    pub fn from_response(response: reqwest::Response) -> EventStream {
        EventStream {
            response,
            buffer: Vec::new(),
        }
    }

    /// Sends the subscription request and returns the response as it is.
    pub async fn open(
        url: &str,
        branch: u64,
        token: &str,
        last_event_id: Option<u64>,
    ) -> reqwest::Response {
        // No total timeout: the stream lives as long as the test reads it.
        let client = reqwest::Client::new();
        let mut request = client
            .get(format!("{url}/api/v1/branches/{branch}/events"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        tokio::time::timeout(WAIT, request.send())
            .await
            .expect("the stream answers in time")
            .expect("the stream answers")
    }

    /// Sends a stream's request as it is and returns the response, its body unread.
    pub async fn open_request(request: reqwest::RequestBuilder) -> reqwest::Response {
        tokio::time::timeout(WAIT, request.send())
            .await
            .expect("the stream answers in time")
            .expect("the stream answers")
    }

    /// The next event; fails the test if the stream ends or nothing comes in time.
    pub async fn next(&mut self) -> SseEvent {
        tokio::time::timeout(WAIT, self.try_next())
            .await
            .expect("an event arrives in time")
            .expect("the stream goes on")
    }

    /// The next event, or `None` when the server ends the stream (or the connection breaks).
    pub async fn try_next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(block) = self.take_block() {
                if let Some(event) = parse_block(&block) {
                    return Some(event);
                }
                continue;
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => self.buffer.extend_from_slice(&bytes),
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// The next complete block of lines (up to a blank line), without its `\r`s.
    fn take_block(&mut self) -> Option<String> {
        self.buffer.retain(|b| *b != b'\r');
        let end = self.buffer.windows(2).position(|w| w == b"\n\n")?;
        let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
        Some(String::from_utf8(block).expect("events are UTF-8"))
    }
}

/// An event from its lines; `None` for a block of comments only (a keep-alive).
fn parse_block(block: &str) -> Option<SseEvent> {
    let mut id = None;
    let mut event = None;
    let mut data: Vec<&str> = Vec::new();
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => id = Some(value.to_string()),
            "event" => event = Some(value.to_string()),
            "data" => data.push(value),
            _ => {}
        }
    }
    if id.is_none() && event.is_none() && data.is_empty() {
        return None;
    }
    let raw = data.join("\n");
    let id = id.unwrap_or_else(|| panic!("every event has an id: {block:?}"));
    Some(SseEvent {
        id: id
            .parse()
            .unwrap_or_else(|_| panic!("an event id is a number: {id:?}")),
        event: event.unwrap_or_else(|| panic!("every event has a type: {block:?}")),
        data: serde_json::from_str(&raw)
            .unwrap_or_else(|e| panic!("event data is JSON ({e}): {raw:?}")),
        raw,
    })
}

/// Branch B with a service, a profile, a workplace, an operator, a kiosk and a display.
pub struct OtherBranch {
    pub id: u64,
    pub service: u64,
    pub profile: u64,
    pub workplace: u64,
    pub operator: String,
    pub kiosk: String,
    pub display: String,
}

async fn other_branch(demo: &Demo, admin: &str) -> OtherBranch {
    let admin = Some(admin);
    let id = demo
        .post(
            "/branches",
            admin,
            json!({"name": "B", "time_zone": "Asia/Tokyo", "languages": ["en"]}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let base = format!("/branches/{id}");
    let service = demo
        .post(
            &format!("{base}/services"),
            admin,
            json!({"names": {"en": "Visas"}, "prefix": "V"}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let profile = demo
        .post(
            &format!("{base}/profiles"),
            admin,
            json!({"name": "Visas", "services": [service]}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let workplace = demo
        .post(&format!("{base}/workplaces"), admin, json!({"name": "B1"}))
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    demo.post(
        "/users",
        admin,
        json!({"username": "b-operator", "password": "b-password", "role": "operator",
               "branch": id}),
    )
    .await
    .expect(201);
    let operator = demo.login("b-operator", "b-password").await;
    let mut devices = Vec::new();
    for role in ["kiosk", "display"] {
        let token = demo
            .post(
                &format!("{base}/devices"),
                admin,
                json!({"role": role, "name": role}),
            )
            .await
            .expect(201)["token"]
            .as_str()
            .unwrap()
            .to_string();
        devices.push(token);
    }
    let display = devices.pop().unwrap();
    let kiosk = devices.pop().unwrap();
    OtherBranch {
        id,
        service,
        profile,
        workplace,
        operator,
        kiosk,
        display,
    }
}

pub mod browser;
pub mod contract;
