//! `talon bench`: the load benchmark. It drives a Talon server over real HTTP the way kiosks,
//! operators and hall displays do, and reports throughput and latency of issuing tickets, of
//! the operators' call-next / start / finish cycle, and the delay from a call to its arrival on
//! every connected display.
//!
//! Without `--url` it starts its own demo server as a child process on a fresh data folder, so
//! one binary is all a run needs. It is a benchmark, not a test: it checks only what would make
//! its figures meaningless (a failed request, a display that missed a call), and every phase
//! has a time limit so a stuck server ends the run with an error instead of hanging it.

mod logins;

use crate::remote::{Api, REQUEST_TIMEOUT, client, failed, http_error, login};

use clap::Args;
use clap::builder::RangedU64ValueParser;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};
use talon_server::demo::{Credentials, DemoFacts};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

type Error = super::Error;
type Deadline = tokio::time::Instant;

/// How long the started server may take to announce itself (it hashes a few passwords first).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long displays may take, after the last call, to receive the calls still on their way.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Displays connecting at the same moment: a thousand at once would only measure the accept
/// queue, and could overflow it.
const CONNECTING_DISPLAYS: usize = 100;
/// The highest number a service may print; the server refuses a wider numbering.
const MAX_NUMBER: u64 = 99_999;
/// File descriptors the benchmark needs besides one per display.
const SPARE_FILES: usize = 256;

#[derive(Args)]
pub struct BenchArgs {
    /// Drive this running server's first branch instead of starting a demo server.
    #[arg(
        long,
        requires = "admin_user",
        requires = "admin_password",
        requires = "kiosk_token",
        requires = "display_token"
    )]
    url: Option<String>,
    /// An administrator of the server given with --url.
    #[arg(long, requires = "url")]
    admin_user: Option<String>,
    /// The administrator's password.
    #[arg(long, requires = "url")]
    admin_password: Option<String>,
    /// A kiosk token of the branch.
    #[arg(long, requires = "url")]
    kiosk_token: Option<String>,
    /// A display token of the branch.
    #[arg(long, requires = "url")]
    display_token: Option<String>,
    /// Durability of the server the benchmark starts: full or normal.
    #[arg(long, default_value = "full", value_parser = ["full", "normal"], conflicts_with = "url")]
    durability: String,
    /// Tickets issued in the first phase and served in the second.
    #[arg(long, default_value_t = 20_000, value_parser = at_least_one())]
    tickets: usize,
    /// Concurrent kiosks in the first phase, and open workplaces in the second.
    #[arg(long, default_value_t = 16, value_parser = at_least_one())]
    clients: usize,
    /// Displays connected to the branch's event stream in the third phase.
    #[arg(long, default_value_t = 1000, value_parser = at_least_one())]
    subscribers: usize,
    /// Calls made, one after another, while the displays watch.
    #[arg(long, default_value_t = 200, value_parser = at_least_one())]
    calls: usize,
    /// Milliseconds from one call of the third phase to the next.
    #[arg(long, default_value_t = 50)]
    call_interval_ms: u64,
    /// Seconds a phase may take before the benchmark gives up on it.
    #[arg(long, default_value_t = 300, value_parser = RangedU64ValueParser::<u64>::new().range(1..))]
    phase_timeout: u64,
    /// Also print the results as one JSON object.
    #[arg(long)]
    json: bool,
    /// Instead of the load: this many concurrent sign-ins of unknown users, and the server's
    /// memory before, during and after them.
    #[arg(long, value_parser = at_least_one())]
    logins: Option<usize>,
    /// The source addresses on loopback the sign-ins of --logins come from.
    #[arg(long, default_value_t = 12, requires = "logins")]
    login_addresses: usize,
}

fn at_least_one() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

pub async fn run(args: BenchArgs) -> Result<(), Error> {
    let files = raise_open_file_limit();
    let needed = args.subscribers + 2 * args.clients + SPARE_FILES;
    if let Some(limit) = files
        && limit < needed as u64
    {
        return Err(format!(
            "{} displays need about {needed} open files, but the limit is {limit}",
            args.subscribers
        )
        .into());
    }
    // Clap lets the connection options come all together or not at all.
    match (
        &args.url,
        &args.admin_user,
        &args.admin_password,
        &args.kiosk_token,
        &args.display_token,
    ) {
        (Some(url), Some(username), Some(password), Some(kiosk), Some(display)) => {
            let target = Target {
                url: url.trim_end_matches('/').to_string(),
                branch: None,
                admin: Credentials {
                    username: username.clone(),
                    password: password.clone(),
                },
                operators: Vec::new(),
                kiosk_token: kiosk.clone(),
                display_token: display.clone(),
                durability: "as the server is configured".to_string(),
                server_pid: None,
            };
            drive(&args, target).await
        }
        _ => {
            let (server, target) = OwnServer::start(&args.durability).await?;
            let outcome = drive(&args, target).await;
            server.stop().await;
            outcome
        }
    }
}

/// Raises the soft limit of open files to the hard limit, since every display is a connection.
/// Returns the limit now in force, if it could be read.
fn raise_open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` into the struct it is given, which we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    Some(limit.rlim_cur)
}

/// The server under load and whom the benchmark may act as.
struct Target {
    url: String,
    /// The branch to drive; the server's first one when not known.
    branch: Option<u64>,
    admin: Credentials,
    /// Operators that exist already; the benchmark creates the others it needs.
    operators: Vec<Credentials>,
    kiosk_token: String,
    display_token: String,
    durability: String,
    /// The server's process when the benchmark started it, to read its CPU time.
    server_pid: Option<u32>,
}

/// A demo server the benchmark started, with its throw-away data folder.
struct OwnServer {
    child: Child,
    dir: PathBuf,
}

impl OwnServer {
    async fn start(durability: &str) -> Result<(OwnServer, Target), Error> {
        let dir = std::env::temp_dir().join(format!(
            "talon-bench-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir(&dir)?;
        let spawned = std::env::current_exe().and_then(|exe| {
            Command::new(exe)
                .args(["demo", "--json", "--listen", "127.0.0.1:0"])
                .args(["--durability", durability, "--data-dir"])
                .arg(&dir)
                // The server's informational log would interleave with the report.
                .env("TALON_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
        });
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(format!("cannot start the server: {e}").into());
            }
        };
        let mut server = OwnServer { child, dir };
        match server.announcement(durability).await {
            Ok(target) => Ok((server, target)),
            Err(e) => {
                server.stop().await;
                Err(e)
            }
        }
    }

    /// Reads the demo's facts, the one line the server prints once it listens.
    async fn announcement(&mut self, durability: &str) -> Result<Target, Error> {
        let stdout = self
            .child
            .stdout
            .take()
            .ok_or("the server's output is not readable")?;
        let mut line = String::new();
        let read = tokio::time::timeout(START_TIMEOUT, BufReader::new(stdout).read_line(&mut line))
            .await
            .map_err(|_| "the server did not announce itself in time")??;
        if read == 0 {
            return Err("the server exited before announcing itself".into());
        }
        let line: Value = serde_json::from_str(&line)?;
        let url = line["url"]
            .as_str()
            .ok_or("the server's announcement has no url")?
            .to_string();
        let facts: DemoFacts = serde_json::from_value(line)?;
        Ok(Target {
            url,
            branch: Some(facts.branch.0),
            admin: facts.admin,
            operators: facts.operators,
            kiosk_token: facts.kiosk_token,
            display_token: facts.display_token,
            durability: durability.to_string(),
            server_pid: self.child.id(),
        })
    }

    async fn stop(mut self) {
        // Its data folder is thrown away, so there is nothing to shut down gracefully for.
        let _ = self.child.kill().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn drive(args: &BenchArgs, target: Target) -> Result<(), Error> {
    if let Some(count) = args.logins {
        return logins::run(&target, count, args.login_addresses).await;
    }
    let mut bench = Bench::connect(target).await?;
    let outcome = match bench.prepare(args).await {
        Ok(()) => bench.measure(args).await,
        Err(e) => Err(e),
    };
    bench.tidy().await;
    let report = outcome?;
    report.print();
    if args.json {
        println!("{}", report.json());
    }
    match report.missing {
        0 => Ok(()),
        n => Err(format!("{n} call events never reached their display").into()),
    }
}

/// Anything with an id in the server's answers: a ticket, a workplace, a profile.
#[derive(Deserialize)]
struct Id {
    id: u64,
}

#[derive(Deserialize)]
struct BranchConfig {
    services: Vec<Value>,
    profiles: Vec<ProfileConfig>,
}

#[derive(Deserialize)]
struct ProfileConfig {
    id: u64,
    entries: Vec<EntryConfig>,
}

#[derive(Deserialize)]
struct EntryConfig {
    service: u64,
    categories: Value,
}

impl ProfileConfig {
    /// Whether the profile takes every ticket of `service`, whatever its category.
    fn serves_all_of(&self, service: u64) -> bool {
        self.entries
            .iter()
            .any(|e| e.service == service && e.categories == "any")
    }
}

/// What the benchmark reads of a service; the rest is sent back untouched when it is changed.
#[derive(Deserialize)]
struct ServiceConfig {
    id: u64,
    enabled: bool,
    numbering: Numbering,
    daily_limit: Option<u64>,
}

#[derive(Deserialize)]
struct Numbering {
    first: u64,
    last: u64,
}

#[derive(Deserialize)]
struct BranchView {
    workplaces: Vec<WorkplaceView>,
}

#[derive(Deserialize)]
struct WorkplaceView {
    id: u64,
    status: String,
}

/// An open workplace and its operator's session on a connection of its own.
struct Desk {
    workplace: u64,
    operator: Api,
}

struct Bench {
    target: Target,
    http: reqwest::Client,
    admin: Api,
    kiosk: Api,
    branch: u64,
    /// The enabled services, each as the server describes it.
    services: Vec<(ServiceConfig, Value)>,
    profiles: Vec<ProfileConfig>,
    desks: Vec<Desk>,
    /// Services whose numbering was widened, as they were before.
    widened: Vec<(u64, Value)>,
    /// Tells the users and workplaces this run creates from those of other runs.
    run: String,
}

impl Bench {
    /// Signs in as the administrator and reads the branch; changes nothing yet.
    async fn connect(target: Target) -> Result<Bench, Error> {
        let http = client()?;
        let admin = Api::new(
            http.clone(),
            &target.url,
            &login(&http, &target.url, &target.admin).await?,
        );
        let branch = match target.branch {
            Some(b) => b,
            None => admin
                .fetch::<Vec<Id>>("/branches")
                .await?
                .iter()
                .map(|b| b.id)
                .min()
                .ok_or("the server has no branch")?,
        };
        let config: BranchConfig = admin.fetch(&format!("/branches/{branch}")).await?;
        let mut services = Vec::new();
        for raw in config.services {
            let service: ServiceConfig = serde_json::from_value(raw.clone())?;
            if service.enabled {
                services.push((service, raw));
            }
        }
        if services.is_empty() {
            return Err(format!("branch {branch} has no enabled service").into());
        }
        Ok(Bench {
            kiosk: Api::new(http.clone(), &target.url, &target.kiosk_token),
            admin,
            http,
            branch,
            services,
            profiles: config.profiles,
            desks: Vec::new(),
            widened: Vec::new(),
            run: format!("{:08x}", rand::random::<u32>()),
            target,
        })
    }

    fn service_ids(&self) -> Vec<u64> {
        self.services.iter().map(|(s, _)| s.id).collect()
    }

    /// Makes room for the tickets in the services' daily numbering, and opens `--clients`
    /// workplaces, each with an operator of its own, creating what is missing.
    async fn prepare(&mut self, args: &BenchArgs) -> Result<(), Error> {
        self.make_room(args.tickets + args.calls).await?;
        let profile = self.all_services_profile().await?;
        let workplaces = self.workplaces(args.clients).await?;
        let mut operators: Vec<Credentials> = self
            .target
            .operators
            .iter()
            .take(args.clients)
            .cloned()
            .collect();
        for n in operators.len()..args.clients {
            operators.push(self.create_operator(n).await?);
        }
        let url = &self.target.url;
        let sessions = futures_util::future::try_join_all(
            operators.iter().map(|who| login(&self.http, url, who)),
        )
        .await?;
        for (workplace, token) in workplaces.into_iter().zip(sessions) {
            let operator = Api::new(client()?, url, &token);
            operator
                .expect(
                    Method::POST,
                    &format!("/workplaces/{workplace}/open"),
                    Some(&json!({ "profile": profile })),
                    StatusCode::OK,
                )
                .await?;
            self.desks.push(Desk {
                workplace,
                operator,
            });
        }
        Ok(())
    }

    /// Widens the daily numbering of services with fewer numbers than their share of `tickets`
    /// (the demo's run to 999), since the benchmark issues far more than a branch's day. The
    /// numbers a server has already used today are not known, so a busy day may still run out.
    async fn make_room(&mut self, tickets: usize) -> Result<(), Error> {
        let per_service = tickets.div_ceil(self.services.len()) as u64;
        for (service, raw) in &self.services {
            let room = (service.numbering.last + 1)
                .saturating_sub(service.numbering.first)
                .min(service.daily_limit.unwrap_or(u64::MAX));
            if room >= per_service {
                continue;
            }
            if service.numbering.first + per_service - 1 > MAX_NUMBER {
                return Err(format!(
                    "{tickets} tickets need {per_service} numbers per service, more than a \
                     service can print in a day"
                )
                .into());
            }
            let mut original = raw.clone();
            if let Some(fields) = original.as_object_mut() {
                fields.remove("id");
            }
            let mut wide = original.clone();
            wide["numbering"]["last"] = json!(MAX_NUMBER);
            wide["daily_limit"] = Value::Null;
            let path = format!("/branches/{}/services/{}", self.branch, service.id);
            self.admin
                .expect(Method::PUT, &path, Some(&wide), StatusCode::OK)
                .await?;
            self.widened.push((service.id, original));
        }
        if !self.widened.is_empty() {
            eprintln!(
                "talon bench: widened the numbering of {} services to {MAX_NUMBER} for this run",
                self.widened.len()
            );
        }
        Ok(())
    }

    /// A work profile that serves every service, so that any workplace can call any ticket.
    async fn all_services_profile(&self) -> Result<u64, Error> {
        let services = self.service_ids();
        if let Some(p) = self
            .profiles
            .iter()
            .find(|p| services.iter().all(|s| p.serves_all_of(*s)))
        {
            return Ok(p.id);
        }
        let body = json!({
            "name": "Benchmark: all services",
            "services": services,
            "policy": "longest_waiting",
        });
        let path = format!("/branches/{}/profiles", self.branch);
        let bytes = self
            .admin
            .expect(Method::POST, &path, Some(&body), StatusCode::CREATED)
            .await?;
        Ok(serde_json::from_slice::<Id>(&bytes)?.id)
    }

    /// `count` closed workplaces: those the branch has, then new ones.
    async fn workplaces(&self, count: usize) -> Result<Vec<u64>, Error> {
        let branch = self.branch;
        let view: BranchView = self
            .admin
            .fetch(&format!("/branches/{branch}/state"))
            .await?;
        let mut ids: Vec<u64> = view
            .workplaces
            .iter()
            .filter(|w| w.status == "closed")
            .map(|w| w.id)
            .take(count)
            .collect();
        for n in ids.len()..count {
            let body = json!({ "name": format!("bench-{}-{n}", self.run) });
            let path = format!("/branches/{branch}/workplaces");
            let bytes = self
                .admin
                .expect(Method::POST, &path, Some(&body), StatusCode::CREATED)
                .await?;
            ids.push(serde_json::from_slice::<Id>(&bytes)?.id);
        }
        Ok(ids)
    }

    async fn create_operator(&self, n: usize) -> Result<Credentials, Error> {
        let who = Credentials {
            username: format!("bench-{}-{n}", self.run),
            password: format!("{:032x}", rand::random::<u128>()),
        };
        let body = json!({
            "username": who.username,
            "password": who.password,
            "role": "operator",
            "branch": self.branch,
        });
        self.admin
            .expect(Method::POST, "/users", Some(&body), StatusCode::CREATED)
            .await?;
        Ok(who)
    }

    /// Leaves a server that keeps running as it was, but for the users and workplaces created:
    /// workplaces closed, sessions ended, numbering restored. Failures are only reported.
    async fn tidy(&self) {
        let mut problems = Vec::new();
        for desk in &self.desks {
            let close = format!("/workplaces/{}/close", desk.workplace);
            if let Err(e) = desk
                .operator
                .expect(Method::POST, &close, None, StatusCode::OK)
                .await
            {
                problems.push(e);
            }
            if let Err(e) = desk
                .operator
                .expect(Method::POST, "/auth/logout", None, StatusCode::NO_CONTENT)
                .await
            {
                problems.push(e);
            }
        }
        for (id, original) in &self.widened {
            let path = format!("/branches/{}/services/{id}", self.branch);
            if let Err(e) = self
                .admin
                .expect(Method::PUT, &path, Some(original), StatusCode::OK)
                .await
            {
                problems.push(e);
            }
        }
        if let Err(e) = self
            .admin
            .expect(Method::POST, "/auth/logout", None, StatusCode::NO_CONTENT)
            .await
        {
            problems.push(e);
        }
        for problem in problems {
            eprintln!("talon bench: tidying up: {problem}");
        }
    }

    async fn measure(&self, args: &BenchArgs) -> Result<Report, Error> {
        let date = jiff::Timestamp::now()
            .strftime("%Y-%m-%d %H:%M:%S UTC")
            .to_string();
        let (issue, issue_cost) = self.issue_phase(args).await?;
        let (mut serve, serve_cost) = self.serve_phase(args).await?;
        let display = self.display_phase(args).await?;
        let mut rows = vec![issue];
        rows.append(&mut serve);
        rows.push(display.calls);
        rows.push(display.delays);
        Ok(Report {
            date,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            server: match self.target.server_pid {
                Some(_) => format!("started by the benchmark at {}", self.target.url),
                None => self.target.url.clone(),
            },
            durability: self.target.durability.clone(),
            services: self.services.len(),
            tickets: args.tickets,
            clients: args.clients,
            subscribers: args.subscribers,
            calls: args.calls,
            call_interval_ms: args.call_interval_ms,
            rows,
            costs: vec![issue_cost, serve_cost, display.cost],
            connected: display.connected,
            missing: display.missing,
        })
    }

    fn deadline(args: &BenchArgs) -> Deadline {
        Deadline::now() + Duration::from_secs(args.phase_timeout)
    }

    /// Phase 1: `--clients` kiosks issue `--tickets` tickets, spread evenly over the services.
    async fn issue_phase(&self, args: &BenchArgs) -> Result<(Row, Cost), Error> {
        let deadline = Self::deadline(args);
        let services: Arc<[u64]> = self.service_ids().into();
        let path: Arc<str> = format!("/branches/{}/tickets", self.branch).into();
        let next = Arc::new(AtomicUsize::new(0));
        let total = args.tickets;
        let before = self.probe().await;
        let mut kiosks = JoinSet::new();
        for _ in 0..args.clients {
            let kiosk = self.kiosk.own_connection()?;
            let (services, path, next) = (services.clone(), path.clone(), next.clone());
            kiosks.spawn(async move {
                let mut latencies = Vec::with_capacity(total / services.len());
                loop {
                    let n = next.fetch_add(1, Relaxed);
                    if n >= total {
                        return Ok(latencies);
                    }
                    let body = json!({ "service": services[n % services.len()] });
                    let sent = Instant::now();
                    kiosk
                        .expect(Method::POST, &path, Some(&body), StatusCode::CREATED)
                        .await?;
                    latencies.push(sent.elapsed());
                }
            });
        }
        let latencies = gather(kiosks, deadline, "issuing tickets").await?.concat();
        let cost = self.probe().await.since(&before, "issue");
        Ok((Row::new("issue", latencies, Some(cost.wall)), cost))
    }

    /// Phase 2: every workplace calls, starts and finishes visitors until nobody waits.
    async fn serve_phase(&self, args: &BenchArgs) -> Result<(Vec<Row>, Cost), Error> {
        let deadline = Self::deadline(args);
        let before = self.probe().await;
        let mut desks = JoinSet::new();
        for desk in &self.desks {
            let operator = desk.operator.clone();
            let call = format!("/workplaces/{}/call-next", desk.workplace);
            desks.spawn(async move {
                let mut laps = Laps::default();
                loop {
                    let called = Instant::now();
                    let (status, body) = operator.send(Method::POST, &call, None).await?;
                    let call_took = called.elapsed();
                    match status {
                        StatusCode::NO_CONTENT => return Ok(laps),
                        StatusCode::OK => {}
                        _ => return Err(failed(&Method::POST, &call, status, &body)),
                    }
                    let ticket = serde_json::from_slice::<Id>(&body)?.id;
                    let act = async |action: &str| {
                        let sent = Instant::now();
                        let path = format!("/tickets/{ticket}/{action}");
                        operator
                            .expect(Method::POST, &path, None, StatusCode::OK)
                            .await
                            .map(|_| sent.elapsed())
                    };
                    let start_took = act("start").await?;
                    let finish_took = act("finish").await?;
                    // The final, empty call of each workplace is not a visit, so only calls
                    // that brought someone are counted.
                    laps.call.push(call_took);
                    laps.start.push(start_took);
                    laps.finish.push(finish_took);
                    laps.visit.push(called.elapsed());
                }
            });
        }
        let all = gather(desks, deadline, "serving the tickets").await?;
        let cost = self.probe().await.since(&before, "serve");
        let wall = Some(cost.wall);
        let mut laps = Laps::default();
        for mut l in all {
            laps.call.append(&mut l.call);
            laps.start.append(&mut l.start);
            laps.finish.append(&mut l.finish);
            laps.visit.append(&mut l.visit);
        }
        let rows = vec![
            Row::new("call-next", laps.call, wall),
            Row::new("start", laps.start, wall),
            Row::new("finish", laps.finish, wall),
            Row::new("visit (call-next to finish)", laps.visit, wall),
        ];
        Ok((rows, cost))
    }

    /// Phase 3: `--subscribers` displays watch the branch while one workplace makes `--calls`
    /// calls at a steady pace; each call's delay is from just before call-next is sent to the
    /// moment its event reaches a display.
    async fn display_phase(&self, args: &BenchArgs) -> Result<Display, Error> {
        let deadline = Self::deadline(args);
        // Displays do not time out as a whole: a stream lasts the phase. A read may not stall
        // longer than a request, which the server's keep-alive comments prevent while it works.
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(REQUEST_TIMEOUT)
            .read_timeout(REQUEST_TIMEOUT)
            .build()?;
        let url = format!("{}/api/v1/branches/{}/events", self.target.url, self.branch);
        let watch = Watch {
            gate: Arc::new(Semaphore::new(CONNECTING_DISPLAYS)),
            received: Arc::new(AtomicUsize::new(0)),
        };
        let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = watch::channel(());
        let connecting = Instant::now();
        let mut displays = JoinSet::new();
        for _ in 0..args.subscribers {
            let request = http
                .get(&url)
                .query(&[("access_token", &self.target.display_token)]);
            displays.spawn(
                watch
                    .clone()
                    .display(request, ready_tx.clone(), stop_rx.clone()),
            );
        }
        drop(ready_tx);
        let mut ready = 0;
        while ready < args.subscribers {
            tokio::select! {
                Some(()) = ready_rx.recv() => ready += 1,
                Some(ended) = displays.join_next() => {
                    return Err(match ended {
                        Ok(Err(e)) => format!("a display could not connect: {e}").into(),
                        Ok(Ok(_)) => "a display stopped before the calls".into(),
                        Err(e) => e.into(),
                    });
                }
                () = tokio::time::sleep_until(deadline) => {
                    return Err(format!(
                        "only {ready} of {} displays connected in time",
                        args.subscribers
                    )
                    .into());
                }
            }
        }
        let connected = connecting.elapsed();

        let desk = self.desks.first().ok_or("no workplace is open")?;
        let issue = format!("/branches/{}/tickets", self.branch);
        let call = format!("/workplaces/{}/call-next", desk.workplace);
        let services = self.service_ids();
        let mut sent_at = HashMap::with_capacity(args.calls);
        let mut call_latencies = Vec::with_capacity(args.calls);
        let before = self.probe().await;
        let calls = async {
            let mut pace = tokio::time::interval(Duration::from_millis(args.call_interval_ms));
            pace.set_missed_tick_behavior(MissedTickBehavior::Delay);
            for n in 0..args.calls {
                pace.tick().await;
                let body = json!({ "service": services[n % services.len()] });
                self.kiosk
                    .expect(Method::POST, &issue, Some(&body), StatusCode::CREATED)
                    .await?;
                let sent = Instant::now();
                let bytes = desk
                    .operator
                    .expect(Method::POST, &call, None, StatusCode::OK)
                    .await?;
                call_latencies.push(sent.elapsed());
                let ticket = serde_json::from_slice::<Id>(&bytes)?.id;
                sent_at.insert(ticket, sent);
                for action in ["start", "finish"] {
                    let path = format!("/tickets/{ticket}/{action}");
                    desk.operator
                        .expect(Method::POST, &path, None, StatusCode::OK)
                        .await?;
                }
            }
            Ok::<_, Error>(())
        };
        tokio::time::timeout_at(deadline, calls)
            .await
            .map_err(|_| "the calls did not finish in time")??;
        let expected = args.subscribers * args.calls;
        let drained = deadline.min(Deadline::now() + DRAIN_TIMEOUT);
        while watch.received.load(Relaxed) < expected && Deadline::now() < drained {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let cost = self.probe().await.since(&before, "display");
        drop(stop_tx);
        let arrivals = gather(
            displays,
            Deadline::now() + REQUEST_TIMEOUT,
            "closing displays",
        )
        .await?;
        let mut delays = Vec::with_capacity(expected);
        for (ticket, at) in arrivals.into_iter().flatten() {
            if let Some(sent) = sent_at.get(&ticket) {
                delays.push(at.saturating_duration_since(*sent));
            }
        }
        Ok(Display {
            missing: expected.saturating_sub(delays.len()),
            calls: Row::new(
                format!("call-next, {} displays", args.subscribers),
                call_latencies,
                None,
            ),
            delays: Row::new("call to display", delays, None),
            connected,
            cost,
        })
    }

    /// The counters a phase's cost is the difference of.
    async fn probe(&self) -> Probe {
        let counters = self.commit_counters().await;
        Probe {
            at: Instant::now(),
            bench_cpu: cpu_time(std::process::id()),
            server_cpu: self.target.server_pid.and_then(cpu_time),
            counters,
        }
    }

    /// The server's (commits, events committed) from `/metrics`, if it answers.
    async fn commit_counters(&self) -> Option<(u64, u64)> {
        // The metrics are the network administrator's.
        let response = self
            .http
            .get(format!("{}/metrics", self.target.url))
            .bearer_auth(self.admin.token())
            .send()
            .await
            .ok()?;
        let text = response.text().await.ok()?;
        let counter = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        };
        Some((
            counter("talon_commits_total")?,
            counter("talon_events_committed_total")?,
        ))
    }
}

/// Latencies of one workplace's visits.
#[derive(Default)]
struct Laps {
    call: Vec<Duration>,
    start: Vec<Duration>,
    finish: Vec<Duration>,
    visit: Vec<Duration>,
}

/// What the displays share.
#[derive(Clone)]
struct Watch {
    /// Limits how many displays connect at the same moment.
    gate: Arc<Semaphore>,
    /// `ticket_called` events received by all displays, to know when all calls are in.
    received: Arc<AtomicUsize>,
}

impl Watch {
    /// One display: connects, says when it is reading, and records when each call arrives
    /// until told to stop.
    async fn display(
        self,
        request: reqwest::RequestBuilder,
        ready: mpsc::UnboundedSender<()>,
        mut stop: watch::Receiver<()>,
    ) -> Result<Vec<(u64, Instant)>, Error> {
        let permit = self.gate.acquire().await?;
        let response = request.send().await.map_err(http_error)?;
        if response.status() != StatusCode::OK {
            let status = response.status();
            let body = response.bytes().await.unwrap_or_default();
            return Err(failed(&Method::GET, "/branches/{b}/events", status, &body));
        }
        drop(permit);
        let _ = ready.send(());
        let mut stream = response.bytes_stream();
        let mut events = CallEvents::default();
        let mut arrivals = Vec::new();
        loop {
            tokio::select! {
                _ = stop.changed() => return Ok(arrivals),
                chunk = stream.next() => {
                    let chunk = chunk.ok_or("the event stream ended")?.map_err(http_error)?;
                    // The arrival is when the bytes came, not when they were parsed.
                    let at = Instant::now();
                    events.feed(&chunk, |ticket| {
                        arrivals.push((ticket, at));
                        self.received.fetch_add(1, Relaxed);
                    });
                }
            }
        }
    }
}

/// Reads the `ticket_called` events out of a Server-Sent Events byte stream.
#[derive(Default)]
struct CallEvents {
    /// The start of a line whose end has not arrived yet.
    partial: Vec<u8>,
    event: Vec<u8>,
    data: Vec<u8>,
}

impl CallEvents {
    /// Takes the next bytes of the stream; `on_call` gets the ticket of every call they complete.
    fn feed(&mut self, mut bytes: &[u8], mut on_call: impl FnMut(u64)) {
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            let (line, rest) = bytes.split_at(end);
            bytes = &rest[1..];
            if self.partial.is_empty() {
                self.line(line, &mut on_call);
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                self.line(&whole, &mut on_call);
                whole.clear();
                self.partial = whole;
            }
        }
        self.partial.extend_from_slice(bytes);
    }

    fn line(&mut self, line: &[u8], on_call: &mut impl FnMut(u64)) {
        #[derive(Deserialize)]
        struct Called {
            ticket: u64,
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            // An event ends with an empty line; its fields may come in any order before it.
            if self.event == b"ticket_called"
                && let Ok(called) = serde_json::from_slice::<Called>(&self.data)
            {
                on_call(called.ticket);
            }
            self.event.clear();
            self.data.clear();
        } else if let Some(name) = line.strip_prefix(b"event:") {
            self.event.clear();
            self.event.extend_from_slice(name.trim_ascii());
        } else if let Some(data) = line.strip_prefix(b"data:") {
            if !self.data.is_empty() {
                self.data.push(b'\n');
            }
            self.data.extend_from_slice(data);
        }
    }
}

struct Display {
    calls: Row,
    delays: Row,
    connected: Duration,
    missing: usize,
    cost: Cost,
}

/// Waits for every task, failing on the first that fails or when the deadline passes; the
/// other tasks are then cancelled.
async fn gather<T: 'static>(
    mut tasks: JoinSet<Result<T, Error>>,
    deadline: Deadline,
    what: &str,
) -> Result<Vec<T>, Error> {
    let mut results = Vec::with_capacity(tasks.len());
    loop {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Err(_) => return Err(format!("{what} did not finish in time").into()),
            Ok(None) => return Ok(results),
            Ok(Some(joined)) => results.push(joined??),
        }
    }
}

/// CPU time, user and system, a process has used so far, from Linux's `/proc`.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in parentheses may hold spaces; the fields after it do not.
    let mut fields = stat.get(stat.rfind(')')? + 2..)?.split(' ');
    let user: u64 = fields.nth(11)?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf only reads a constant of the system.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = u64::try_from(ticks).ok().filter(|t| *t > 0)?;
    Some(Duration::from_secs_f64(
        (user + system) as f64 / ticks as f64,
    ))
}

struct Probe {
    at: Instant,
    bench_cpu: Option<Duration>,
    server_cpu: Option<Duration>,
    counters: Option<(u64, u64)>,
}

impl Probe {
    fn since(&self, before: &Probe, phase: &'static str) -> Cost {
        let cpu = |now: Option<Duration>, then: Option<Duration>| Some(now?.saturating_sub(then?));
        let counters = self.counters.zip(before.counters);
        Cost {
            phase,
            wall: self.at - before.at,
            bench_cpu: cpu(self.bench_cpu, before.bench_cpu),
            server_cpu: cpu(self.server_cpu, before.server_cpu),
            commits: counters.map(|(now, then)| now.0.saturating_sub(then.0)),
            events: counters.map(|(now, then)| now.1.saturating_sub(then.1)),
        }
    }
}

/// What a phase cost: time, CPU on each side, and the server's store transactions.
struct Cost {
    phase: &'static str,
    wall: Duration,
    bench_cpu: Option<Duration>,
    server_cpu: Option<Duration>,
    commits: Option<u64>,
    events: Option<u64>,
}

impl Cost {
    fn events_per_commit(&self) -> Option<f64> {
        let commits = self.commits.filter(|c| *c > 0)?;
        Some(self.events? as f64 / commits as f64)
    }

    /// CPU time as cores kept busy on average.
    fn cores(&self, cpu: Option<Duration>) -> Option<f64> {
        Some(cpu?.as_secs_f64() / self.wall.as_secs_f64())
    }
}

/// One operation's latencies, sorted.
struct Row {
    name: String,
    latencies: Vec<Duration>,
    /// The time the operations were spread over, for a throughput; none where a rate would
    /// only repeat the benchmark's own pace.
    over: Option<Duration>,
}

impl Row {
    fn new(name: impl Into<String>, mut latencies: Vec<Duration>, over: Option<Duration>) -> Row {
        latencies.sort_unstable();
        Row {
            name: name.into(),
            latencies,
            over,
        }
    }

    fn throughput(&self) -> Option<f64> {
        Some(self.latencies.len() as f64 / self.over?.as_secs_f64())
    }

    /// The nearest-rank percentile, in milliseconds.
    fn percentile_ms(&self, q: f64) -> Option<f64> {
        let n = self.latencies.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1));
        Some(self.latencies.get(rank - 1)?.as_secs_f64() * 1e3)
    }
}

struct Report {
    date: String,
    cores: usize,
    server: String,
    durability: String,
    services: usize,
    tickets: usize,
    clients: usize,
    subscribers: usize,
    calls: usize,
    call_interval_ms: u64,
    rows: Vec<Row>,
    costs: Vec<Cost>,
    connected: Duration,
    missing: usize,
}

fn cell(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.decimals$}"))
}

fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

impl Report {
    fn print(&self) {
        println!("Talon load benchmark, {}", self.date);
        println!(
            "machine: {} cores, shared by the server and the benchmark; {} build",
            self.cores,
            build()
        );
        println!("server: {}; durability: {}", self.server, self.durability);
        println!(
            "load: {} tickets over {} services from {} kiosks, served at {} workplaces; \
             {} displays watching {} calls, one every {} ms",
            self.tickets,
            self.services,
            self.clients,
            self.clients,
            self.subscribers,
            self.calls,
            self.call_interval_ms
        );
        println!();
        println!(
            "{:<28} {:>8} {:>9} {:>9} {:>9} {:>9}",
            "operation", "count", "ops/s", "p50 ms", "p99 ms", "max ms"
        );
        for row in &self.rows {
            println!(
                "{:<28} {:>8} {:>9} {:>9} {:>9} {:>9}",
                row.name,
                row.latencies.len(),
                cell(row.throughput(), 1),
                cell(row.percentile_ms(0.50), 2),
                cell(row.percentile_ms(0.99), 2),
                cell(row.percentile_ms(1.0), 2),
            );
        }
        println!();
        println!(
            "{:<10} {:>8} {:>9} {:>14} {:>13} {:>12}",
            "phase", "wall s", "commits", "events/commit", "server cores", "bench cores"
        );
        for cost in &self.costs {
            println!(
                "{:<10} {:>8.2} {:>9} {:>14} {:>13} {:>12}",
                cost.phase,
                cost.wall.as_secs_f64(),
                cost.commits
                    .map_or_else(|| "-".to_string(), |c| c.to_string()),
                cell(cost.events_per_commit(), 1),
                cell(cost.cores(cost.server_cpu), 2),
                cell(cost.cores(cost.bench_cpu), 2),
            );
        }
        println!();
        println!(
            "{} displays connected in {:.0} ms; call events that never arrived: {}",
            self.subscribers,
            self.connected.as_secs_f64() * 1e3,
            self.missing
        );
    }

    fn json(&self) -> Value {
        let operations: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({
                    "operation": r.name,
                    "count": r.latencies.len(),
                    "ops_per_sec": r.throughput(),
                    "p50_ms": r.percentile_ms(0.50),
                    "p99_ms": r.percentile_ms(0.99),
                    "max_ms": r.percentile_ms(1.0),
                })
            })
            .collect();
        let phases: Vec<Value> = self
            .costs
            .iter()
            .map(|c| {
                json!({
                    "phase": c.phase,
                    "wall_secs": c.wall.as_secs_f64(),
                    "commits": c.commits,
                    "events": c.events,
                    "server_cpu_secs": c.server_cpu.map(|d| d.as_secs_f64()),
                    "bench_cpu_secs": c.bench_cpu.map(|d| d.as_secs_f64()),
                })
            })
            .collect();
        json!({
            "date": self.date,
            "cores": self.cores,
            "build": build(),
            "server": self.server,
            "durability": self.durability,
            "services": self.services,
            "tickets": self.tickets,
            "clients": self.clients,
            "subscribers": self.subscribers,
            "calls": self.calls,
            "call_interval_ms": self.call_interval_ms,
            "operations": operations,
            "phases": phases,
            "displays_connected_ms": self.connected.as_secs_f64() * 1e3,
            "missing_call_events": self.missing,
        })
    }
}
