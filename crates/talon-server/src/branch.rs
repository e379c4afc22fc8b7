//! One actor per branch. It owns the branch's state, applies commands one after another (so
//! two operators can never call the same ticket), writes each batch of resulting events in one
//! store transaction, answers the callers only after the commit, and then publishes the events
//! to live subscribers.
//!
//! While a batch is being committed, new commands queue up; the next batch takes them all at
//! once, so the store's fsyncs are shared (group commit) and throughput grows with load. Reads
//! wait for the commit of the batch they arrived in.
//!
//! A supervisor restarts an actor that panics, from the state the store holds; a batch that
//! meets a newer log (another instance wrote first) is run again on the caught-up state.

use crate::error::ApiError;
use crate::metrics::Metrics;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use talon_core::{
    BranchId, BranchSettings, BranchState, Category, Command, Event, EventKind, Service,
    WorkProfile, Workplace, WorkplaceId,
};
use talon_store::{BranchCommit, Store, StoreError, StoredEvent};
use tokio::sync::{Mutex, broadcast, mpsc, oneshot};
use utoipa::ToSchema;

/// Commands one batch takes at most.
const MAX_BATCH: usize = 1024;
/// A snapshot of the state is stored every this many events (and when a day closes). A
/// snapshot holds the whole day's tickets and stalls the branch while it is written, so it is
/// rare; loading replays at most this many events, well under a second.
const SNAPSHOT_EVERY: u64 = 20_000;
/// Live events a slow subscriber may fall behind before it re-reads from the store.
const LIVE_BUFFER: usize = 4096;
/// How many times a batch that met a newer log is run again on the caught-up state.
const RETRIES: usize = 3;
/// Events read from the log per query while catching up with other instances.
const CATCH_UP_PAGE: u32 = 1000;

/// An event as it goes out to live subscribers: serialised once, shared by all.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub seq: u64,
    pub kind: &'static str,
    pub body: Arc<str>,
    /// The whole SSE frame, ready to write.
    pub frame: axum::body::Bytes,
}

/// A command's caller, waiting for its answer: the value its closure computes from the state
/// right after the command, sent once the command's events are durable.
trait Caller: Send {
    /// The command was applied: compute (again, if it is retried) the answer from the state.
    fn applied(&mut self, state: &BranchState, events: &[Event]);
    /// The command was refused, or its batch failed: answer the error.
    fn fail(self: Box<Self>, error: ApiError);
    /// The batch is committed: answer the value.
    fn committed(self: Box<Self>);
}

struct Answer<T, F> {
    f: F,
    value: Option<T>,
    tx: oneshot::Sender<Result<T, ApiError>>,
}

impl<T, F> Caller for Answer<T, F>
where
    T: Send,
    F: Fn(&BranchState, &[Event]) -> T + Send,
{
    fn applied(&mut self, state: &BranchState, events: &[Event]) {
        self.value = Some((self.f)(state, events));
    }

    fn fail(self: Box<Self>, error: ApiError) {
        let _ = self.tx.send(Err(error));
    }

    fn committed(self: Box<Self>) {
        let _ = self.tx.send(self.value.ok_or_else(ApiError::internal));
    }
}

enum Message {
    Command {
        command: Command,
        caller: Box<dyn Caller>,
    },
    Read(Box<dyn FnOnce(&BranchState) + Send>),
    /// Another instance committed up to this sequence number: read what is new from the log.
    CatchUp(u64),
}

/// The way to a branch's actor.
#[derive(Clone)]
pub struct BranchHandle {
    pub id: BranchId,
    tx: mpsc::Sender<Message>,
    live: broadcast::Sender<LiveEvent>,
}

impl BranchHandle {
    /// Runs `command`; `f` sees the state right after it and its events, and its result is
    /// returned once those events are durable. `f` runs again if the command is retried on a
    /// fresher state, so it only reads.
    pub async fn execute<T: Send + 'static>(
        &self,
        command: Command,
        f: impl Fn(&BranchState, &[Event]) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = oneshot::channel();
        let caller = Box::new(Answer { f, value: None, tx });
        self.tx
            .send(Message::Command { command, caller })
            .await
            .map_err(|_| unavailable())?;
        rx.await.map_err(|_| failed())?
    }

    /// Reads the committed state.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&BranchState) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = oneshot::channel();
        let read = Box::new(move |state: &BranchState| {
            let _ = tx.send(f(state));
        });
        self.tx
            .send(Message::Read(read))
            .await
            .map_err(|_| unavailable())?;
        rx.await.map_err(|_| failed())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.live.subscribe()
    }

    /// Tells the actor that the branch's log reaches `seq`: if its state is behind, it reads the
    /// rest of the log, applies it and publishes it to its live subscribers.
    pub async fn catch_up(&self, seq: u64) -> Result<(), ApiError> {
        self.tx
            .send(Message::CatchUp(seq))
            .await
            .map_err(|_| unavailable())
    }
}

/// The actor is gone for good: the server is shutting down.
fn unavailable() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "branch_unavailable",
        "the branch is not available right now",
    )
}

/// The actor dropped a request without answering it: it panicked while the request was in its
/// batch, and nothing of the batch was committed.
fn failed() -> ApiError {
    ApiError::internal()
}

/// Every branch's actor, and which branch each workplace belongs to.
#[derive(Default)]
pub struct Branches {
    handles: RwLock<HashMap<BranchId, BranchHandle>>,
    workplaces: RwLock<HashMap<WorkplaceId, BranchId>>,
}

impl Branches {
    pub fn get(&self, id: BranchId) -> Option<BranchHandle> {
        self.handles.read().ok()?.get(&id).cloned()
    }

    /// How many messages wait in each branch's mailbox.
    pub fn mailbox_depths(&self) -> Vec<(BranchId, usize)> {
        let Ok(handles) = self.handles.read() else {
            return Vec::new();
        };
        let mut depths: Vec<_> = handles
            .iter()
            .map(|(id, h)| (*id, h.tx.max_capacity() - h.tx.capacity()))
            .collect();
        depths.sort_by_key(|(id, _)| id.0);
        depths
    }

    pub fn all(&self) -> Vec<BranchHandle> {
        self.handles
            .read()
            .map(|h| h.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets a branch whose creation did not commit.
    pub fn remove(&self, id: BranchId) {
        if let Ok(mut handles) = self.handles.write() {
            handles.remove(&id);
        }
    }

    pub fn workplace_branch(&self, id: WorkplaceId) -> Option<BranchId> {
        self.workplaces.read().ok()?.get(&id).copied()
    }

    /// Starts the actor of a branch with its loaded state, under a supervisor that restarts it
    /// from the store if it panics.
    pub fn start(
        self: &Arc<Self>,
        id: BranchId,
        state: BranchState,
        store: Store,
        metrics: Arc<Metrics>,
    ) -> BranchHandle {
        self.index_workplaces(id, &state);
        let (tx, rx) = mpsc::channel(MAX_BATCH * 4);
        let (live, _) = broadcast::channel(LIVE_BUFFER);
        let handle = BranchHandle {
            id,
            tx,
            live: live.clone(),
        };
        if let Ok(mut handles) = self.handles.write() {
            handles.insert(id, handle.clone());
        }
        let actor = Actor {
            id,
            state,
            store,
            live,
            metrics,
            branches: self.clone(),
            pending: Vec::new(),
        };
        tokio::spawn(supervise(actor, Arc::new(Mutex::new(rx))));
        handle
    }

    /// Starts a branch unless it runs already (another instance created it, and two notices may
    /// both find it missing).
    pub fn start_if_absent(
        self: &Arc<Self>,
        id: BranchId,
        state: BranchState,
        store: Store,
        metrics: Arc<Metrics>,
    ) {
        if self.get(id).is_none() {
            self.start(id, state, store, metrics);
        }
    }

    fn index_workplaces(&self, branch: BranchId, state: &BranchState) {
        if let Ok(mut index) = self.workplaces.write() {
            index.retain(|_, b| *b != branch);
            index.extend(state.workplaces().map(|w| (w.workplace.id, branch)));
        }
    }
}

/// Runs the actor and, whenever it panics (in the engine, in a caller's closure, anywhere in
/// its turn), starts it again on the branch's state as the store holds it. The callers of the
/// batch it was working on get `500 internal`; nothing of that batch was committed, since
/// callers are answered only after the commit. Messages still in the mailbox wait for the new
/// actor.
async fn supervise(mut actor: Actor, mailbox: Arc<Mutex<mpsc::Receiver<Message>>>) {
    loop {
        let (id, store, live, metrics, branches) = (
            actor.id,
            actor.store.clone(),
            actor.live.clone(),
            actor.metrics.clone(),
            actor.branches.clone(),
        );
        match tokio::spawn(actor.run(mailbox.clone())).await {
            Ok(()) => return,
            Err(e) if e.is_panic() => {
                metrics.actor_restarted();
                tracing::error!(branch = %id, "the branch's actor panicked; restarting it from the store");
                let state = load_until_loaded(id, &store).await;
                branches.index_workplaces(id, &state);
                actor = Actor {
                    id,
                    state,
                    store,
                    live,
                    metrics,
                    branches,
                    pending: Vec::new(),
                };
            }
            // Cancelled: the runtime is shutting down.
            Err(_) => return,
        }
    }
}

/// The branch's committed state, trying again while the store cannot be read.
async fn load_until_loaded(id: BranchId, store: &Store) -> BranchState {
    let mut wait = Duration::from_millis(100);
    loop {
        match store.load_branch(id).await {
            Ok(state) => return state.unwrap_or_default(),
            Err(e) => {
                tracing::error!(branch = %id, error = %e, "loading the branch failed; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
}

struct Actor {
    id: BranchId,
    state: BranchState,
    store: Store,
    live: broadcast::Sender<LiveEvent>,
    metrics: Arc<Metrics>,
    branches: Arc<Branches>,
    /// The events of the batch being applied, not yet committed.
    pending: Vec<Event>,
}

/// A command applied to the state and waiting for the commit.
struct Applied {
    command: Command,
    caller: Box<dyn Caller>,
}

impl Actor {
    async fn run(mut self, mailbox: Arc<Mutex<mpsc::Receiver<Message>>>) {
        // Held for the actor's life; a panic drops it, and the next actor takes the mailbox.
        let mut rx = mailbox.lock().await;
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            self.metrics.batch_size.observe(batch.len() as f64);
            let expected_seq = self.state.seq();
            let mut applied = Vec::new();
            let mut reads = Vec::new();
            let mut behind = 0;
            for message in batch.drain(..) {
                match message {
                    Message::Command { command, caller } => {
                        if let Some(done) = self.apply(command, caller) {
                            applied.push(done);
                        }
                    }
                    // A read sees only what is committed: it waits for the batch's commit
                    // rather than breaking the batch in two.
                    Message::Read(read) => reads.push(read),
                    Message::CatchUp(seq) => behind = behind.max(seq),
                }
            }
            self.flush(expected_seq, applied).await;
            if behind > self.state.seq() {
                self.catch_up().await;
            }
            for read in reads {
                read(&self.state);
            }
        }
    }

    /// Runs one command on the state at the clock's present; answers its refusal at once, or
    /// keeps it for the commit.
    fn apply(&mut self, command: Command, mut caller: Box<dyn Caller>) -> Option<Applied> {
        let now = talon_store::to_microsecond(Timestamp::now());
        match talon_core::execute(&mut self.state, &command, now) {
            Ok(events) => {
                self.metrics.command(true);
                caller.applied(&self.state, &events);
                self.pending.extend(events);
                Some(Applied { command, caller })
            }
            Err(e) => {
                self.metrics.command(false);
                caller.fail(e.into());
                None
            }
        }
    }

    /// Commits the batch's events and answers its callers. If another writer moved the branch
    /// on first (another instance, on a shared database), the actor catches up from the store
    /// and runs the batch's commands again on the fresher state, up to [`RETRIES`] times. Any
    /// other failure answers every caller with it and reloads the state, so nothing half-done
    /// stays in memory.
    async fn flush(&mut self, mut expected_seq: u64, mut applied: Vec<Applied>) {
        for attempt in 0..=RETRIES {
            let events = std::mem::take(&mut self.pending);
            if events.is_empty() {
                for done in applied {
                    done.caller.committed();
                }
                return;
            }
            let prepared = self.commit_of(expected_seq, &events);
            let (commit, live) = match prepared {
                Ok(prepared) => prepared,
                Err(e) => {
                    tracing::error!(branch = %self.id, error = %e, "a batch could not be serialised");
                    self.abandon(applied, ApiError::internal()).await;
                    return;
                }
            };
            let started = std::time::Instant::now();
            let committed = self.store.commit(commit).await;
            self.metrics
                .commit_duration
                .observe_duration(started.elapsed());
            match committed {
                Ok(()) => {
                    self.metrics.committed(events.len());
                    if events.iter().any(|e| e.kind.changes_config()) {
                        self.branches.index_workplaces(self.id, &self.state);
                    }
                    for done in applied {
                        done.caller.committed();
                    }
                    for event in live {
                        let _ = self.live.send(event);
                    }
                    return;
                }
                Err(StoreError::Conflict) if attempt < RETRIES => {
                    self.metrics.commit_conflict();
                    self.state = load_until_loaded(self.id, &self.store).await;
                    expected_seq = self.state.seq();
                    applied = applied
                        .into_iter()
                        .filter_map(|done| self.apply(done.command, done.caller))
                        .collect();
                }
                Err(e) => {
                    self.metrics.commit_failed();
                    self.abandon(applied, ApiError::from(e)).await;
                    return;
                }
            }
        }
    }

    /// Reads the events other instances committed after the state's last one, applies them and
    /// publishes them, as this instance's own would be.
    async fn catch_up(&mut self) {
        loop {
            let page = match self
                .store
                .events_after(self.id, self.state.seq(), CATCH_UP_PAGE)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(branch = %self.id, error = %e, "catching up failed");
                    return;
                }
            };
            let complete = page.len() < CATCH_UP_PAGE as usize;
            let mut config_changed = false;
            for logged in page {
                let event: Event = match serde_json::from_str(&logged.body) {
                    Ok(event) => event,
                    Err(e) => {
                        tracing::error!(branch = %self.id, seq = logged.seq, error = %e, "a logged event does not parse; reloading");
                        self.state = load_until_loaded(self.id, &self.store).await;
                        return;
                    }
                };
                config_changed |= event.kind.changes_config();
                self.state.apply(&event);
                let body: Arc<str> = Arc::from(logged.body);
                let _ = self.live.send(LiveEvent {
                    seq: event.seq,
                    kind: event.kind.name(),
                    frame: crate::live::frame(event.seq, event.kind.name(), &body),
                    body,
                });
            }
            if config_changed {
                self.branches.index_workplaces(self.id, &self.state);
            }
            if complete {
                return;
            }
        }
    }

    /// Fails every caller of the batch and goes back to the state the store holds.
    async fn abandon(&mut self, applied: Vec<Applied>, error: ApiError) {
        for done in applied {
            done.caller.fail(error.clone());
        }
        self.pending.clear();
        self.state = load_until_loaded(self.id, &self.store).await;
    }

    /// The store's commit of `events` and the same events as they go out live, each serialised
    /// once.
    fn commit_of(
        &self,
        expected_seq: u64,
        events: &[Event],
    ) -> Result<(BranchCommit, Vec<LiveEvent>), serde_json::Error> {
        let live = events
            .iter()
            .map(|e| {
                let body: Arc<str> = Arc::from(serde_json::to_string(e)?);
                Ok(LiveEvent {
                    seq: e.seq,
                    kind: e.kind.name(),
                    frame: crate::live::frame(e.seq, e.kind.name(), &body),
                    body,
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        let touched: BTreeSet<_> = events.iter().filter_map(|e| e.kind.ticket()).collect();
        // A closed day removes its tickets from the state; their rows keep their last version.
        let tickets = touched
            .into_iter()
            .filter_map(|id| self.state.ticket(id).cloned())
            .collect();
        let config = events
            .iter()
            .any(|e| e.kind.changes_config())
            .then(|| serde_json::to_string(&BranchConfig::of(&self.state)))
            .transpose()?;
        let crossed = self.state.seq() / SNAPSHOT_EVERY > expected_seq / SNAPSHOT_EVERY;
        let closed_day = events
            .iter()
            .any(|e| matches!(e.kind, EventKind::DayClosed { .. }));
        let snapshot = (crossed || closed_day)
            .then(|| serde_json::to_string(&self.state.snapshot()))
            .transpose()?;
        let commit = BranchCommit {
            branch: self.id,
            expected_seq,
            events: live
                .iter()
                .zip(events)
                .map(|(l, e)| StoredEvent {
                    seq: l.seq,
                    at: e.at,
                    kind: l.kind,
                    body: l.body.clone(),
                })
                .collect(),
            tickets,
            config,
            snapshot,
        };
        Ok((commit, live))
    }
}

/// A branch's whole configuration, as the store keeps it and staff read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BranchConfig {
    pub settings: Option<BranchSettings>,
    pub services: Vec<Service>,
    pub workplaces: Vec<Workplace>,
    pub profiles: Vec<WorkProfile>,
    pub categories: Vec<Category>,
}

impl BranchConfig {
    pub fn of(state: &BranchState) -> BranchConfig {
        BranchConfig {
            settings: state.settings().cloned(),
            services: state.services().cloned().collect(),
            workplaces: state.workplaces().map(|w| w.workplace.clone()).collect(),
            profiles: state.profiles().cloned().collect(),
            categories: state.categories().cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use talon_core::{
        AfterLast, BranchSettings, Channel, Language, NumberRange, Service, ServiceId, TicketId,
        TimeZoneName,
    };
    use talon_store::Durability;

    const SERVICE: ServiceId = ServiceId(2);

    /// A store in a temporary folder and a branch in it with one service, run by an actor.
    async fn branch() -> (tempfile::TempDir, Store, Arc<Metrics>, BranchHandle) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("talon.db"), Durability::Normal)
            .await
            .unwrap();
        let metrics = Arc::new(Metrics::default());
        let handle = Arc::new(Branches::default()).start(
            BranchId(1),
            BranchState::new(),
            store.clone(),
            metrics.clone(),
        );
        let settings = BranchSettings {
            name: "Test".into(),
            time_zone: TimeZoneName::parse("UTC").unwrap(),
            languages: vec![Language::En],
            announcements: Default::default(),
            hours: None,
            holidays: Vec::new(),
            ticket_texts: Default::default(),
        };
        let service = Service {
            id: SERVICE,
            names: [(Language::En, "Payments".to_string())].into(),
            prefix: "A".into(),
            numbering: NumberRange {
                first: 1,
                last: 999,
                after_last: AfterLast::Wrap,
            },
            daily_limit: None,
            hours: None,
            service_norm_secs: 300,
            waiting_norm_secs: 900,
            enabled: true,
            group: BTreeMap::new(),
        };
        for command in [
            Command::CreateBranch(settings),
            Command::DefineService(service),
        ] {
            handle.execute(command, |_, _| ()).await.unwrap();
        }
        (dir, store, metrics, handle)
    }

    fn issue(id: u64) -> Command {
        Command::IssueTicket {
            id: TicketId(id),
            token_hash: format!("token-{id}"),
            service: SERVICE,
            channel: Channel::Kiosk,
            language: None,
            category: None,
            due_at: None,
        }
    }

    /// The number of the ticket a command issued.
    fn number(state: &BranchState, events: &[Event]) -> String {
        let id = events[0].kind.ticket().unwrap();
        state.ticket(id).unwrap().number.clone()
    }

    fn counter(metrics: &Metrics, name: &str) -> u64 {
        metrics
            .render()
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Holds the actor inside a read until the returned sender is dropped, so whatever is sent
    /// meanwhile arrives as one batch.
    async fn hold(handle: &BranchHandle) -> std::sync::mpsc::Sender<()> {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (held, entered) = oneshot::channel();
        let reader = handle.clone();
        tokio::spawn(async move {
            reader
                .read(move |_| {
                    let _ = held.send(());
                    let _ = wait.recv();
                })
                .await
        });
        entered.await.unwrap();
        release
    }

    /// Polls a future once, so a request it makes is in the actor's mailbox when this returns;
    /// the actor is held, so the future cannot be done yet.
    async fn queue<F: Future + Unpin>(future: &mut F) {
        std::future::poll_fn(|cx| {
            assert!(
                std::pin::Pin::new(&mut *future).poll(cx).is_pending(),
                "the actor is held"
            );
            std::task::Poll::Ready(())
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_fails_its_batch_with_500_and_the_branch_goes_on_from_the_store() {
        let (_dir, store, metrics, handle) = branch().await;
        let seq = handle.read(|s| s.seq()).await.unwrap();

        // A sound command and a panicking closure arrive in one batch.
        let release = hold(&handle).await;
        let mut sound = Box::pin(handle.execute(issue(10), number));
        let mut panicking =
            Box::pin(handle.execute(issue(11), |_, _| -> () { panic!("a handler's bug") }));
        queue(&mut sound).await;
        queue(&mut panicking).await;
        drop(release);
        for outcome in [sound.await.map(drop), panicking.await] {
            let error = outcome.expect_err("the whole batch fails");
            assert_eq!((error.status.as_u16(), error.code), (500, "internal"));
        }
        // Nothing of the batch was kept, in memory or in the store, and the branch goes on,
        // answered by the actor started again.
        assert_eq!(handle.read(|s| s.seq()).await.unwrap(), seq);
        assert_eq!(counter(&metrics, "talon_actor_restarts_total"), 1);
        assert!(store.ticket(TicketId(10)).await.unwrap().is_none());
        assert_eq!(handle.execute(issue(12), number).await.unwrap(), "A001");
        assert_eq!(handle.read(|s| s.seq()).await.unwrap(), seq + 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_in_a_batch_wait_for_its_commit_and_do_not_split_it() {
        let (_dir, _store, metrics, handle) = branch().await;
        let commits = counter(&metrics, "talon_commits_total");
        let release = hold(&handle).await;
        let mut first = Box::pin(handle.execute(issue(20), number));
        let mut read = Box::pin(handle.read(|s| s.tickets().count()));
        let mut second = Box::pin(handle.execute(issue(21), number));
        queue(&mut first).await;
        queue(&mut read).await;
        queue(&mut second).await;
        drop(release);
        assert_eq!(first.await.unwrap(), "A001");
        assert_eq!(second.await.unwrap(), "A002");
        assert_eq!(
            read.await.unwrap(),
            2,
            "the read sees the whole committed batch"
        );
        assert_eq!(
            counter(&metrics, "talon_commits_total"),
            commits + 1,
            "one commit for both commands, the read between them notwithstanding"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_mailbox_depth_counts_what_waits_for_a_held_actor() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("talon.db"), Durability::Normal)
            .await
            .unwrap();
        let branches = Arc::new(Branches::default());
        let metrics = Arc::new(Metrics::default());
        let handle = branches.start(BranchId(1), BranchState::new(), store, metrics.clone());
        assert_eq!(branches.mailbox_depths(), vec![(BranchId(1), 0)]);
        let release = hold(&handle).await;
        let mut reads: Vec<_> = (0..3).map(|_| Box::pin(handle.read(|s| s.seq()))).collect();
        for read in &mut reads {
            queue(read).await;
        }
        assert_eq!(branches.mailbox_depths(), vec![(BranchId(1), 3)]);
        drop(release);
        for read in reads {
            read.await.unwrap();
        }
        assert_eq!(branches.mailbox_depths(), vec![(BranchId(1), 0)]);
        assert!(
            metrics
                .render()
                .contains("talon_actor_batch_messages_bucket{le=\"4\"} 2"),
            "the held read, then the three as one batch"
        );
    }

    #[tokio::test]
    async fn an_actor_told_of_another_writers_commit_reads_it_and_publishes_it() {
        let (_dir, store, _metrics, first) = branch().await;
        let state = store.load_branch(BranchId(1)).await.unwrap().unwrap();
        let second = Arc::new(Branches::default()).start(
            BranchId(1),
            state,
            store.clone(),
            Arc::new(Metrics::default()),
        );
        let mut live = second.subscribe();
        assert_eq!(first.execute(issue(40), number).await.unwrap(), "A001");
        let seq = store.branch_heads().await.unwrap()[0].1;
        second.catch_up(seq).await.unwrap();
        let event = live.recv().await.unwrap();
        assert_eq!((event.seq, event.kind), (seq, "ticket_issued"));
        assert!(event.frame.starts_with(format!("id: {seq}\n").as_bytes()));
        assert_eq!(second.read(|s| s.seq()).await.unwrap(), seq);
        assert!(
            second
                .read(|s| s.ticket(TicketId(40)).is_some())
                .await
                .unwrap()
        );
        // Told again, it has nothing more to read or publish.
        second.catch_up(seq).await.unwrap();
        assert_eq!(second.read(|s| s.seq()).await.unwrap(), seq);
        assert!(live.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_stale_actor_catches_up_and_runs_its_command_again() {
        let (_dir, store, _metrics, first) = branch().await;
        // A second actor of the same branch on the same database, as another instance has.
        let state = store.load_branch(BranchId(1)).await.unwrap().unwrap();
        let metrics = Arc::new(Metrics::default());
        let second =
            Arc::new(Branches::default()).start(BranchId(1), state, store.clone(), metrics.clone());
        assert_eq!(first.execute(issue(30), number).await.unwrap(), "A001");
        assert_eq!(
            second.execute(issue(31), number).await.unwrap(),
            "A002",
            "the second actor saw the first's ticket before numbering its own"
        );
        assert_eq!(counter(&metrics, "talon_commit_conflicts_total"), 1);
        let stored = store.load_branch(BranchId(1)).await.unwrap().unwrap();
        assert_eq!(stored.tickets().count(), 2);
        assert_eq!(second.read(|s| s.seq()).await.unwrap(), stored.seq());
    }
}
