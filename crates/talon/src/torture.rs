//! `talon torture crash`: the crash suite. It runs a demo server as a child process on a data
//! folder of its own, drives it the way a busy branch does (kiosks issue, operators call,
//! start, finish, transfer, recall, postpone and mark no-shows, workplaces pause and close,
//! visitors cancel), and kills it with SIGKILL at a random moment, over and over; now and then
//! it kills the server while it is still starting. Each answer the server gave in full is an
//! acknowledged operation and is written down.
//!
//! After the last cycle the load stops cleanly and the live state the server shows is compared
//! with a fold of its event log; then the server is killed once more and the store is read
//! directly: every acknowledged operation is in the log, the log's sequence has no gap, no
//! number was given twice in a service's business day, the stored snapshot and the tickets
//! projection equal a fold of the log (a half-applied commit would break one of them), and
//! `talon audit verify` passes. Any failed check, any 5xx answer, any request refused before
//! the kill, and any panic in the server's log fails the run.

use crate::remote::{Api, client, failed, login};
use clap::Args;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use talon_core::{BranchId, BranchState, Event, EventKind, TicketId};
use talon_server::demo::DemoFacts;
use talon_store::{Durability, Store};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

type Error = super::Error;

/// How long a started server may take to announce itself.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Kiosks issuing tickets, each pausing up to `KIOSK_PAUSE_MS` between tickets so that the
/// operators keep up and a long run stays within a service's daily numbering.
const KIOSKS: usize = 2;
const KIOSK_PAUSE_MS: u64 = 20;
/// Operators, each at a workplace of their own.
const OPERATORS: usize = 4;
/// One in this many cycles kills the server while it starts instead of under load.
const STARTUP_KILL_ONE_IN: u32 = 8;
/// The highest number a service prints; the run's services refuse past it rather than wrap,
/// so that a repeated number can only be a fault.
const MAX_NUMBER: u64 = 99_999;
/// Events read from the store at a time when checking the log.
const PAGE: u32 = 10_000;

#[derive(Args)]
pub struct CrashArgs {
    /// Kill-and-restart cycles.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    cycles: u32,
    /// Seed of the run's random choices (load, kill moments); printed by every run. Timing
    /// still differs between runs with the same seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Longest time the load runs before a kill, in milliseconds.
    #[arg(long, default_value_t = 1500, value_parser = clap::value_parser!(u64).range(10..))]
    max_load_ms: u64,
    /// Durability of the server: full or normal.
    #[arg(long, default_value = "full", value_parser = ["full", "normal"])]
    durability: String,
    /// Keep the run's data folder and the server's log here (an empty or new folder) instead
    /// of a temporary folder removed after a successful run.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Also print the results as one JSON object.
    #[arg(long)]
    json: bool,
}

pub async fn crash(args: CrashArgs) -> Result<(), Error> {
    let seed = args.seed.unwrap_or_else(rand::random);
    eprintln!("talon torture crash: seed {seed}");
    let (folder, temporary) = match &args.keep {
        Some(path) => {
            std::fs::create_dir_all(path)?;
            if std::fs::read_dir(path)?.next().is_some() {
                return Err(format!("{} is not empty", path.display()).into());
            }
            (path.clone(), false)
        }
        None => {
            let path = std::env::temp_dir()
                .join(format!("talon-torture-{}-{seed:016x}", std::process::id()));
            std::fs::create_dir(&path)?;
            (path, true)
        }
    };
    let run = Run {
        exe: std::env::current_exe()?,
        data: folder.join("data"),
        log: folder.join("server.log"),
        durability: args.durability.clone(),
    };
    let outcome = crash_cycles(&args, &run, seed).await;
    match &outcome {
        Ok(report) => {
            report.print();
            if args.json {
                println!("{}", serde_json::to_string(report)?);
            }
            if temporary {
                let _ = std::fs::remove_dir_all(&folder);
            }
        }
        Err(_) => eprintln!(
            "talon torture crash: failed with seed {seed}; the data folder and the server's log \
             are kept in {}",
            folder.display()
        ),
    }
    outcome.map(|_| ())
}

/// Where a run keeps its server and how it starts it.
struct Run {
    exe: PathBuf,
    data: PathBuf,
    log: PathBuf,
    durability: String,
}

/// A started demo server.
struct Server {
    child: Child,
    url: String,
    facts: DemoFacts,
}

impl Run {
    fn spawn(&self) -> Result<Child, Error> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        Ok(Command::new(&self.exe)
            .args(["demo", "--json", "--listen", "127.0.0.1:0"])
            .args(["--durability", &self.durability, "--data-dir"])
            .arg(&self.data)
            .env("TALON_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?)
    }

    async fn start(&self) -> Result<Server, Error> {
        let mut child = self.spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or("the server's output is not readable")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(START_TIMEOUT, lines.next_line())
            .await
            .map_err(|_| "the server did not announce itself in time")??
            .ok_or("the server exited before announcing itself")?;
        // The server writes nothing more there, but its end of the pipe must stay open.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let line: Value = serde_json::from_str(&line)?;
        let url = line["url"]
            .as_str()
            .ok_or("the server's announcement has no url")?
            .to_string();
        Ok(Server {
            child,
            url,
            facts: serde_json::from_value(line)?,
        })
    }

    /// Starts the server and kills it `after` later, whatever it is doing by then.
    async fn kill_while_starting(&self, after: Duration) -> Result<(), Error> {
        let mut child = self.spawn()?;
        tokio::time::sleep(after).await;
        kill(&mut child).await
    }

    fn database(&self) -> PathBuf {
        self.data.join("talon.db")
    }
}

async fn kill(child: &mut Child) -> Result<(), Error> {
    // `start_kill` sends SIGKILL: no handler runs, nothing is flushed.
    child.start_kill()?;
    child.wait().await?;
    Ok(())
}

/// What the run learnt on its first start and keeps using: the services and the sessions
/// survive restarts, as they do for real devices.
struct Floor {
    branch: u64,
    services: Vec<u64>,
    profile: u64,
    kiosk: String,
    /// (workplace, operator's session)
    desks: Vec<(u64, String)>,
}

async fn crash_cycles(args: &CrashArgs, run: &Run, seed: u64) -> Result<Report, Error> {
    let began = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut server = run.start().await?;
    let floor = prepare(&server).await?;
    let acks = Arc::new(Mutex::new(Acks::default()));
    let mut restarts = Vec::new();
    let mut startup_kills = 0;
    for cycle in 0..args.cycles {
        let load = Duration::from_millis(rng.random_range(10..=args.max_load_ms));
        let cycle_seed = rng.random();
        run_load(&mut server, &floor, &acks, cycle_seed, Stop::Kill(load))
            .await
            .map_err(|e| format!("cycle {cycle}: {e}"))?;
        if rng.random_ratio(1, STARTUP_KILL_ONE_IN) {
            run.kill_while_starting(Duration::from_millis(rng.random_range(0..300)))
                .await?;
            startup_kills += 1;
        }
        let restarted = Instant::now();
        server = run
            .start()
            .await
            .map_err(|e| format!("cycle {cycle}: {e}"))?;
        restarts.push(restarted.elapsed());
        if (cycle + 1) % 50 == 0 {
            eprintln!("talon torture crash: {} cycles", cycle + 1);
        }
    }
    // A last load that ends cleanly, so the live state can be compared with the log.
    let (load_seed, load) = (rng.random(), Duration::from_millis(args.max_load_ms));
    run_load(&mut server, &floor, &acks, load_seed, Stop::Quiet(load))
        .await
        .map_err(|e| format!("the last load: {e}"))?;
    let live = Live::read(&server, &floor).await?;
    kill(&mut server.child).await?;

    let acks = std::mem::take(&mut *acks.lock().map_err(|_| "a worker panicked")?);
    let mut report = verify(run, BranchId(floor.branch), &acks, &live).await?;
    report.seed = seed;
    report.cycles = args.cycles;
    report.startup_kills = startup_kills;
    restarts.sort();
    report.restart_median_ms = millis(restarts[restarts.len() / 2]);
    report.restart_max_ms = millis(*restarts.last().unwrap_or(&Duration::ZERO));
    report.seconds = began.elapsed().as_secs_f64();
    let log = std::fs::read_to_string(&run.log)?;
    if let Some(line) = log.lines().find(|l| l.contains("panicked")) {
        return Err(format!("the server panicked: {line}").into());
    }
    Ok(report)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Widens every service's numbering to `MAX_NUMBER`, refusing past it, and opens nothing yet.
async fn prepare(server: &Server) -> Result<Floor, Error> {
    let http = client()?;
    let facts = &server.facts;
    if facts.operators.len() < OPERATORS || facts.workplaces.len() < OPERATORS {
        return Err("the demo has too few operators or workplaces".into());
    }
    let admin = Api::new(
        http.clone(),
        &server.url,
        &login(&http, &server.url, &facts.admin).await?,
    );
    let branch = facts.branch.0;
    let config: Value = admin.fetch(&format!("/branches/{branch}")).await?;
    let mut services = Vec::new();
    for service in config["services"].as_array().ok_or("no services")? {
        let id = service["id"].as_u64().ok_or("a service without an id")?;
        let mut wide = service.clone();
        if let Some(fields) = wide.as_object_mut() {
            fields.remove("id");
        }
        wide["enabled"] = json!(true);
        wide["numbering"]["last"] = json!(MAX_NUMBER);
        wide["numbering"]["after_last"] = json!("refuse");
        wide["daily_limit"] = Value::Null;
        wide["hours"] = Value::Null;
        admin
            .expect(
                Method::PUT,
                &format!("/branches/{branch}/services/{id}"),
                Some(&wide),
                StatusCode::OK,
            )
            .await?;
        services.push(id);
    }
    let profile: Value = admin
        .send(
            Method::POST,
            &format!("/branches/{branch}/profiles"),
            Some(&json!({
                "name": "Torture: every service",
                "services": services,
                "policy": "longest_waiting",
            })),
        )
        .await
        .and_then(|(status, body)| match status {
            StatusCode::CREATED => Ok(serde_json::from_slice(&body)?),
            _ => Err(failed(&Method::POST, "/profiles", status, &body)),
        })?;
    let mut desks = Vec::new();
    for (who, workplace) in facts
        .operators
        .iter()
        .zip(&facts.workplaces)
        .take(OPERATORS)
    {
        desks.push((workplace.id.0, login(&http, &server.url, who).await?));
    }
    Ok(Floor {
        branch,
        services,
        profile: profile["id"].as_u64().ok_or("the profile has no id")?,
        kiosk: facts.kiosk_token.clone(),
        desks,
    })
}

/// What the log must hold: who (a ticket or a workplace) had which event, and how often the
/// server acknowledged it at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Subject {
    Ticket(u64),
    Workplace(u64),
}

#[derive(Default)]
struct Acks {
    events: HashMap<(Subject, &'static str), u32>,
    /// (ticket, number, service, token) of each acknowledged ticket.
    issued: Vec<(u64, String, u64, String)>,
}

impl Acks {
    fn total(&self) -> u64 {
        self.events.values().map(|n| u64::from(*n)).sum()
    }
}

/// How a load ends: killed after a while, or stopped after a while with every answer awaited.
#[derive(Clone, Copy)]
enum Stop {
    Kill(Duration),
    Quiet(Duration),
}

/// One cycle's load: the workers share its clients, its record and its end.
struct Load {
    base: String,
    branch: u64,
    acks: Arc<Mutex<Acks>>,
    /// Set just before the kill: a request failing after it is expected, before it a fault.
    killed: AtomicBool,
    /// Set when a quiet stop is asked: workers end after their current step.
    stopping: AtomicBool,
    /// Tickets issued lately, for visitors to give up.
    recent: Mutex<VecDeque<(u64, String)>>,
}

/// Why a worker ended: the server is gone (expected after the kill), or a fault.
enum Halt {
    Gone,
    Fault(String),
}

impl From<String> for Halt {
    fn from(message: String) -> Halt {
        Halt::Fault(message)
    }
}

type Step<T> = Result<T, Halt>;

impl Load {
    fn ack(&self, subject: Subject, kind: &'static str) {
        if let Ok(mut acks) = self.acks.lock() {
            *acks.events.entry((subject, kind)).or_default() += 1;
        }
    }

    /// A worker that sends nothing for a while (a visitor with no ticket to give up yet) must
    /// still stop when the server is killed, not only when its next request fails.
    fn ended(&self) -> bool {
        self.stopping.load(Ordering::SeqCst) || self.killed.load(Ordering::SeqCst)
    }

    /// Sends one request; an answer read in full is returned whatever its status.
    async fn send(
        &self,
        api: &Api,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Step<(StatusCode, Value)> {
        let exchange = api.send(method.clone(), path, body).await;
        self.settle(&method, path, exchange)
    }

    /// A 5xx answer is a fault, and so is a failed exchange unless the server has been killed.
    fn settle(
        &self,
        method: &Method,
        path: &str,
        exchange: Result<(StatusCode, Vec<u8>), Error>,
    ) -> Step<(StatusCode, Value)> {
        match exchange {
            Ok((status, bytes)) if status.is_server_error() => Err(Halt::Fault(
                failed(method, path, status, &bytes).to_string(),
            )),
            Ok((status, bytes)) => {
                let value = match bytes.is_empty() {
                    true => Value::Null,
                    false => serde_json::from_slice(&bytes).map_err(|e| {
                        format!("{method} {path} answered {status} with unreadable JSON: {e}")
                    })?,
                };
                Ok((status, value))
            }
            Err(_) if self.killed.load(Ordering::SeqCst) => Err(Halt::Gone),
            Err(e) => Err(Halt::Fault(format!(
                "{method} {path} failed before the kill: {e}"
            ))),
        }
    }

    /// A request that must succeed with `want`.
    async fn expect(
        &self,
        api: &Api,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want: StatusCode,
    ) -> Step<Value> {
        let (status, value) = self.send(api, method.clone(), path, body).await?;
        if status == want {
            Ok(value)
        } else {
            Err(Halt::Fault(format!(
                "{method} {path} answered {status}: {value}"
            )))
        }
    }
}

async fn run_load(
    server: &mut Server,
    floor: &Floor,
    acks: &Arc<Mutex<Acks>>,
    seed: u64,
    stop: Stop,
) -> Result<(), Error> {
    let load = Arc::new(Load {
        base: server.url.clone(),
        branch: floor.branch,
        acks: acks.clone(),
        killed: AtomicBool::new(false),
        stopping: AtomicBool::new(false),
        recent: Mutex::new(VecDeque::new()),
    });
    let mut rng = StdRng::seed_from_u64(seed);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..KIOSKS {
        let api = Api::new(client()?, &server.url, &floor.kiosk);
        let (load, services, rng) = (
            load.clone(),
            floor.services.clone(),
            StdRng::seed_from_u64(rng.random()),
        );
        workers.spawn(async move { kiosk(&load, &api, &services, rng).await });
    }
    for (workplace, session) in &floor.desks {
        let api = Api::new(client()?, &server.url, session);
        let desk = Desk {
            workplace: *workplace,
            profile: floor.profile,
            services: floor.services.clone(),
        };
        let (load, rng) = (load.clone(), StdRng::seed_from_u64(rng.random()));
        workers.spawn(async move { operator(&load, &api, &desk, rng).await });
    }
    {
        let (load, rng) = (load.clone(), StdRng::seed_from_u64(rng.random()));
        let http = client()?;
        workers.spawn(async move { visitor(&load, &http, rng).await });
    }
    let (Stop::Kill(after) | Stop::Quiet(after)) = stop;
    // The moment of the kill is the experiment's variable: a plain timer, not a wait for work.
    let faulted = tokio::select! {
        () = tokio::time::sleep(after) => None,
        Some(ended) = workers.join_next() => Some(ended),
    };
    let mut faults = Vec::new();
    let mut record = |ended: Result<Step<()>, tokio::task::JoinError>| match ended {
        Ok(Ok(()) | Err(Halt::Gone)) => {}
        Ok(Err(Halt::Fault(message))) => faults.push(message),
        Err(e) => faults.push(format!("a worker panicked: {e}")),
    };
    if let Some(ended) = faulted {
        record(ended);
    }
    match stop {
        Stop::Kill(_) => {
            load.killed.store(true, Ordering::SeqCst);
            kill(&mut server.child).await?;
        }
        Stop::Quiet(_) => load.stopping.store(true, Ordering::SeqCst),
    }
    while let Some(ended) = workers.join_next().await {
        record(ended);
    }
    match faults.is_empty() {
        true => Ok(()),
        false => Err(faults.join("; ").into()),
    }
}

async fn kiosk(load: &Load, api: &Api, services: &[u64], mut rng: StdRng) -> Step<()> {
    let path = format!("/branches/{}/tickets", load.branch);
    while !load.ended() {
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..=KIOSK_PAUSE_MS))).await;
        let service = services[rng.random_range(0..services.len())];
        let body = json!({ "service": service });
        let ticket = load
            .expect(api, Method::POST, &path, Some(&body), StatusCode::CREATED)
            .await?;
        let (Some(id), Some(number), Some(token)) = (
            ticket["id"].as_u64(),
            ticket["number"].as_str(),
            ticket["token"].as_str(),
        ) else {
            return Err(Halt::Fault(format!(
                "an issued ticket lacks a field: {ticket}"
            )));
        };
        load.ack(Subject::Ticket(id), "ticket_issued");
        if let Ok(mut acks) = load.acks.lock() {
            acks.issued
                .push((id, number.to_string(), service, token.to_string()));
        }
        if let Ok(mut recent) = load.recent.lock() {
            recent.push_back((id, token.to_string()));
            if recent.len() > 64 {
                recent.pop_front();
            }
        }
    }
    Ok(())
}

/// A visitor gives up a ticket taken lately, through the public link as a phone would.
async fn visitor(load: &Load, http: &reqwest::Client, mut rng: StdRng) -> Step<()> {
    while !load.ended() {
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..80))).await;
        let chosen = load.recent.lock().ok().and_then(|recent| {
            (!recent.is_empty()).then(|| recent[rng.random_range(0..recent.len())].clone())
        });
        let Some((id, token)) = chosen else {
            continue;
        };
        let path = format!("/tickets/{token}");
        let exchange = async {
            let response = http
                .delete(format!("{}/api/v1{path}", load.base))
                .send()
                .await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.bytes().await?.to_vec()))
        }
        .await
        .map_err(Error::from);
        match load.settle(&Method::DELETE, "/tickets/{token}", exchange)? {
            (StatusCode::OK, _) => load.ack(Subject::Ticket(id), "ticket_cancelled"),
            // Called by now, being served or ended: the visitor is too late.
            (StatusCode::CONFLICT, _) => {}
            // The public link's limit per address: a phone would wait too.
            (StatusCode::TOO_MANY_REQUESTS, _) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            (status, body) => {
                return Err(Halt::Fault(format!(
                    "DELETE {path} answered {status}: {body}"
                )));
            }
        }
    }
    Ok(())
}

/// An operator's workplace in the run.
struct Desk {
    workplace: u64,
    profile: u64,
    services: Vec<u64>,
}

/// The ticket at an operator's workplace.
#[derive(Clone, Copy)]
enum Holding {
    Nothing,
    Called(u64),
    Serving(u64),
}

async fn operator(load: &Load, api: &Api, desk: &Desk, mut rng: StdRng) -> Step<()> {
    let mut holding = take_up(load, api, desk).await?;
    while !load.ended() {
        holding = match holding {
            Holding::Nothing => idle(load, api, desk, &mut rng).await?,
            Holding::Called(ticket) => called(load, api, ticket, &mut rng).await?,
            Holding::Serving(ticket) => serving(load, api, desk, ticket, &mut rng).await?,
        };
    }
    Ok(())
}

/// After a restart the operator finds the workplace as the server has it, whatever the last
/// unanswered request did.
async fn take_up(load: &Load, api: &Api, desk: &Desk) -> Step<Holding> {
    let w = desk.workplace;
    let state = load
        .expect(
            api,
            Method::GET,
            &format!("/branches/{}/state", load.branch),
            None,
            StatusCode::OK,
        )
        .await?;
    let view = state["workplaces"]
        .as_array()
        .and_then(|all| all.iter().find(|v| v["id"].as_u64() == Some(w)))
        .ok_or_else(|| format!("workplace {w} is not in the branch's state"))?;
    match view["status"].as_str() {
        Some("closed") => open(load, api, desk).await?,
        Some("paused") => {
            let path = format!("/workplaces/{w}/resume");
            load.expect(api, Method::POST, &path, None, StatusCode::OK)
                .await?;
            load.ack(Subject::Workplace(w), "workplace_resumed");
        }
        _ => {}
    }
    let current = &view["current"];
    Ok(
        match (current["ticket"].as_u64(), current["status"].as_str()) {
            (Some(t), Some("called")) => Holding::Called(t),
            (Some(t), Some("serving")) => Holding::Serving(t),
            _ => Holding::Nothing,
        },
    )
}

async fn open(load: &Load, api: &Api, desk: &Desk) -> Step<()> {
    let w = desk.workplace;
    let body = json!({ "profile": desk.profile });
    load.expect(
        api,
        Method::POST,
        &format!("/workplaces/{w}/open"),
        Some(&body),
        StatusCode::OK,
    )
    .await?;
    load.ack(Subject::Workplace(w), "workplace_opened");
    Ok(())
}

async fn idle(load: &Load, api: &Api, desk: &Desk, rng: &mut StdRng) -> Step<Holding> {
    let w = desk.workplace;
    let roll = rng.random_range(0..100);
    if roll < 3 {
        let body = json!({ "reason": "break" });
        let pause = format!("/workplaces/{w}/pause");
        load.expect(api, Method::POST, &pause, Some(&body), StatusCode::OK)
            .await?;
        load.ack(Subject::Workplace(w), "workplace_paused");
        let resume = format!("/workplaces/{w}/resume");
        load.expect(api, Method::POST, &resume, None, StatusCode::OK)
            .await?;
        load.ack(Subject::Workplace(w), "workplace_resumed");
        return Ok(Holding::Nothing);
    }
    if roll < 4 {
        let close = format!("/workplaces/{w}/close");
        load.expect(api, Method::POST, &close, None, StatusCode::OK)
            .await?;
        load.ack(Subject::Workplace(w), "workplace_closed");
        open(load, api, desk).await?;
        return Ok(Holding::Nothing);
    }
    let path = format!("/workplaces/{w}/call-next");
    match load.send(api, Method::POST, &path, None).await? {
        (StatusCode::OK, ticket) => {
            let id = ticket["id"]
                .as_u64()
                .ok_or_else(|| format!("a called ticket without an id: {ticket}"))?;
            load.ack(Subject::Ticket(id), "ticket_called");
            Ok(Holding::Called(id))
        }
        (StatusCode::NO_CONTENT, _) => {
            // Nobody waits: an operator looks again a moment later.
            tokio::time::sleep(Duration::from_millis(rng.random_range(2..10))).await;
            Ok(Holding::Nothing)
        }
        (status, body) => Err(Halt::Fault(format!(
            "POST {path} answered {status}: {body}"
        ))),
    }
}

/// One action on a ticket at the workplace: its answer, or `None` when the visitor cancelled
/// the ticket meanwhile (a called ticket may be given up).
async fn act(
    load: &Load,
    api: &Api,
    ticket: u64,
    action: &str,
    body: Option<&Value>,
) -> Step<Option<Value>> {
    let path = format!("/tickets/{ticket}/{action}");
    match load.send(api, Method::POST, &path, body).await? {
        (StatusCode::OK, answer) => Ok(Some(answer)),
        (StatusCode::CONFLICT, answer) if answer["error"]["code"] == "invalid_transition" => {
            Ok(None)
        }
        (status, answer) => Err(Halt::Fault(format!(
            "POST {path} answered {status}: {answer}"
        ))),
    }
}

async fn called(load: &Load, api: &Api, ticket: u64, rng: &mut StdRng) -> Step<Holding> {
    let subject = Subject::Ticket(ticket);
    let roll = rng.random_range(0..100);
    let (action, body, kind, next) = match roll {
        0..10 => ("no-show", None, "ticket_no_show", Holding::Nothing),
        10..20 => ("recall", None, "ticket_recalled", Holding::Called(ticket)),
        20..28 => (
            "postpone",
            Some(json!({ "seconds": 1 })),
            "ticket_postponed",
            Holding::Nothing,
        ),
        _ => ("start", None, "service_started", Holding::Serving(ticket)),
    };
    match act(load, api, ticket, action, body.as_ref()).await? {
        Some(_) => {
            load.ack(subject, kind);
            Ok(next)
        }
        None => Ok(Holding::Nothing),
    }
}

async fn serving(
    load: &Load,
    api: &Api,
    desk: &Desk,
    ticket: u64,
    rng: &mut StdRng,
) -> Step<Holding> {
    let subject = Subject::Ticket(ticket);
    if rng.random_ratio(15, 100) {
        let service = desk.services[rng.random_range(0..desk.services.len())];
        let body = json!({ "service": service, "return_after": rng.random_bool(0.3) });
        if act(load, api, ticket, "transfer", Some(&body))
            .await?
            .is_some()
        {
            load.ack(subject, "ticket_transferred");
        }
        return Ok(Holding::Nothing);
    }
    if let Some(answer) = act(load, api, ticket, "finish", None).await? {
        load.ack(subject, "service_finished");
        // Done at a service it was sent to with a way back: back in its first queue.
        if answer["status"] != "done" {
            load.ack(subject, "ticket_returned");
        }
    }
    Ok(Holding::Nothing)
}

/// The server's live state after a quiet stop, as its API shows it, and the instants just
/// before and after it was read: a postponed ticket counts as waiting once its time has come, so
/// the state depends on the moment within them.
struct Live {
    state: Value,
    open: Vec<Value>,
    between: (jiff::Timestamp, jiff::Timestamp),
}

impl Live {
    async fn read(server: &Server, floor: &Floor) -> Result<Live, Error> {
        let (_, session) = floor.desks.first().ok_or("no operator")?;
        let api = Api::new(client()?, &server.url, session);
        let b = floor.branch;
        let before = jiff::Timestamp::now();
        let state = api.fetch(&format!("/branches/{b}/state")).await?;
        let after = jiff::Timestamp::now();
        let open: Vec<Value> = api.fetch(&format!("/branches/{b}/tickets")).await?;
        Ok(Live {
            state: comparable_state(state),
            open: comparable_tickets(open),
            between: (before, after),
        })
    }
}

/// The state without what depends on the moment it is read.
fn comparable_state(mut state: Value) -> Value {
    if let Some(queues) = state["queues"].as_array_mut() {
        for queue in queues {
            if let Some(fields) = queue.as_object_mut() {
                fields.remove("longest_wait_secs");
            }
        }
    }
    state
}

/// Open tickets by id, with what does not depend on the moment.
fn comparable_tickets(tickets: Vec<Value>) -> Vec<Value> {
    const FIELDS: [&str; 11] = [
        "id",
        "number",
        "service",
        "status",
        "workplace",
        "calls",
        "transfers",
        "category",
        "created_at",
        "called_at",
        "started_at",
    ];
    let mut kept: Vec<Value> = tickets
        .iter()
        .map(|t| {
            FIELDS
                .iter()
                .map(|f| (f.to_string(), t[*f].clone()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect();
    kept.sort_by_key(|t: &Value| t["id"].as_u64());
    kept
}

fn subject_of(kind: &EventKind) -> Option<Subject> {
    match kind {
        EventKind::WorkplaceOpened { workplace, .. }
        | EventKind::WorkplacePaused { workplace, .. }
        | EventKind::WorkplaceResumed { workplace }
        | EventKind::WorkplaceClosed { workplace } => Some(Subject::Workplace(workplace.0)),
        _ => kind.ticket().map(|t| Subject::Ticket(t.0)),
    }
}

/// Reads the killed server's store and checks it against what was acknowledged and shown.
async fn verify(run: &Run, branch: BranchId, acks: &Acks, live: &Live) -> Result<Report, Error> {
    let store = Store::open_sqlite(&run.database(), Durability::Full).await?;
    let mut fold = BranchState::new();
    let mut logged: HashMap<(Subject, &'static str), u32> = HashMap::new();
    let mut numbers = HashSet::new();
    // ticket → (number, service, token hash)
    let mut issued: BTreeMap<u64, (String, u64, String)> = BTreeMap::new();
    let mut seq = 0;
    loop {
        let page = store.events_after(branch, seq, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for record in page {
            if record.seq != seq + 1 {
                return Err(format!("the log goes from seq {seq} to {}", record.seq).into());
            }
            seq = record.seq;
            let event: Event = serde_json::from_str(&record.body)?;
            if event.seq != seq || event.kind.name() != record.kind {
                return Err(format!("event {seq} does not match its record").into());
            }
            if let Some(subject) = subject_of(&event.kind) {
                *logged.entry((subject, event.kind.name())).or_default() += 1;
            }
            if let EventKind::TicketIssued {
                ticket,
                token_hash,
                number,
                service,
                day,
                ..
            } = &event.kind
            {
                if !numbers.insert((*day, number.clone())) {
                    return Err(format!("number {number} was given twice on {day}").into());
                }
                issued.insert(ticket.0, (number.clone(), service.0, token_hash.clone()));
            }
            fold.apply(&event);
        }
    }

    let mut missing = Vec::new();
    let mut found = 0u64;
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for ((subject, kind), count) in &acks.events {
        let have = logged.get(&(*subject, *kind)).copied().unwrap_or(0);
        found += u64::from(have.min(*count));
        *by_kind.entry(kind.to_string()).or_default() += u64::from(*count);
        if have < *count {
            missing.push(format!(
                "{subject:?} {kind}: acknowledged {count}, in the log {have}"
            ));
        }
    }
    for (id, number, service, token) in &acks.issued {
        let hash = talon_server::sha256_hex(token);
        match issued.get(id) {
            Some(logged) if *logged == (number.clone(), *service, hash) => {}
            other => missing.push(format!(
                "ticket {id} was acknowledged as {number} of service {service}, the log has                  {other:?}"
            )),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<_> = missing.iter().take(20).cloned().collect();
        return Err(format!(
            "{} acknowledged operations are not in the log: {}",
            missing.len(),
            shown.join("; ")
        )
        .into());
    }

    let loaded = store
        .load_branch(branch)
        .await?
        .ok_or("the branch is not in the store")?;
    first_difference(
        "the stored snapshot with the events after it",
        &serde_json::to_value(loaded.snapshot())?,
        &serde_json::to_value(fold.snapshot())?,
    )?;
    for id in issued.keys() {
        let stored = store
            .ticket(TicketId(*id))
            .await?
            .ok_or_else(|| format!("ticket {id} is in the log but not in the projection"))?;
        match fold.ticket(TicketId(*id)) {
            Some(folded) if stored.ticket != *folded => {
                return Err(format!(
                    "ticket {id}: the projection has {:?}, the log gives {folded:?}",
                    stored.ticket
                )
                .into());
            }
            // Dropped from the live state when its day closed: it must have ended.
            None if !stored.ticket.status.is_final() => {
                return Err(format!("ticket {id} left the state while still open").into());
            }
            _ => {}
        }
    }

    if live.state["seq"].as_u64() != Some(seq) {
        return Err(format!(
            "the live state was at seq {}, the log ends at {seq}",
            live.state["seq"]
        )
        .into());
    }
    let (before, after) = live.between;
    let at_after = comparable_state(serde_json::to_value(fold.view(after))?);
    if live.state != at_after {
        first_difference(
            "the live state",
            &live.state,
            &comparable_state(serde_json::to_value(fold.view(before))?),
        )?;
    }
    let open: Vec<Value> = fold
        .tickets()
        .filter(|t| !t.status.is_final())
        .map(|t| {
            json!({
                "id": t.id, "number": t.number, "service": t.service, "status": t.status,
                "workplace": t.workplace, "calls": t.calls, "transfers": t.transfers,
                "category": t.category, "created_at": t.created_at, "called_at": t.called_at,
                "started_at": t.started_at,
            })
        })
        .collect();
    first_difference(
        "the live open tickets",
        &Value::from(live.open.clone()),
        &Value::from(comparable_tickets(open)),
    )?;
    drop(store);

    let audit = std::process::Command::new(&run.exe)
        .args(["audit", "verify", "--data-dir"])
        .arg(&run.data)
        .env("TALON_LOG", "warn")
        .output()?;
    let said = String::from_utf8_lossy(&audit.stdout).to_string();
    if !audit.status.success() {
        return Err(format!(
            "talon audit verify failed: {said}{}",
            String::from_utf8_lossy(&audit.stderr)
        )
        .into());
    }
    let audit_records = said
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or(0);
    Ok(Report {
        acknowledged: acks.total(),
        acknowledged_by_kind: by_kind,
        found,
        events: seq,
        tickets: issued.len() as u64,
        audit_records,
        ..Report::default()
    })
}

/// Fails with the first place where `shown` and `folded` differ.
fn first_difference(what: &str, shown: &Value, folded: &Value) -> Result<(), Error> {
    fn walk(path: String, a: &Value, b: &Value) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                keys.into_iter().find_map(|k| {
                    walk(
                        format!("{path}.{k}"),
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                    )
                })
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (a, b))| walk(format!("{path}[{i}]"), a, b)),
            _ if a == b => None,
            _ => Some(format!("{path}: {a} against {b} by the log")),
        }
    }
    match walk(String::new(), shown, folded) {
        None => Ok(()),
        Some(difference) => {
            Err(format!("{what} differs from a fold of the log at {difference}").into())
        }
    }
}

#[derive(Default, serde::Serialize)]
struct Report {
    seed: u64,
    cycles: u32,
    startup_kills: u32,
    seconds: f64,
    acknowledged: u64,
    acknowledged_by_kind: BTreeMap<String, u64>,
    found: u64,
    events: u64,
    tickets: u64,
    audit_records: u64,
    restart_median_ms: u64,
    restart_max_ms: u64,
}

impl Report {
    fn print(&self) {
        println!(
            "talon torture crash: {} cycles ({} of them killed while starting again), seed {}, \
             {:.0} s",
            self.cycles, self.startup_kills, self.seed, self.seconds
        );
        println!(
            "  acknowledged operations  {} (all {} found in the log)",
            self.acknowledged, self.found
        );
        for (kind, count) in &self.acknowledged_by_kind {
            println!("    {kind:<22} {count}");
        }
        println!(
            "  event log                {} events, seq 1..{} without a gap",
            self.events, self.events
        );
        println!(
            "  tickets                  {} issued, no number twice in a branch-day",
            self.tickets
        );
        println!("  snapshot, projection     equal to a fold of the log");
        println!("  live state               equal to a fold of the log");
        println!(
            "  audit log                intact, {} records",
            self.audit_records
        );
        println!(
            "  restart                  median {} ms, max {} ms",
            self.restart_median_ms, self.restart_max_ms
        );
    }
}
