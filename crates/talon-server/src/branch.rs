//! One actor per branch. It owns the branch's state, applies commands one after another (so
//! two operators can never call the same ticket), writes each batch of resulting events in one
//! store transaction, answers the callers only after the commit, and then publishes the events
//! to live subscribers.
//!
//! While a batch is being committed, new commands queue up; the next batch takes them all at
//! once, so the store's fsyncs are shared (group commit) and throughput grows with load.

use crate::error::ApiError;
use crate::metrics::Metrics;
use jiff::Timestamp;
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use talon_core::{BranchId, BranchState, Command, DomainError, Event, EventKind, WorkplaceId};
use talon_store::{BranchCommit, Store, StoredEvent};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Commands one batch takes at most.
const MAX_BATCH: usize = 1024;
/// A snapshot of the state is stored every this many events (and when a day closes). A
/// snapshot holds the whole day's tickets and stalls the branch while it is written, so it is
/// rare; loading replays at most this many events, well under a second.
const SNAPSHOT_EVERY: u64 = 20_000;
/// Live events a slow subscriber may fall behind before it re-reads from the store.
const LIVE_BUFFER: usize = 4096;

/// An event as it goes out to live subscribers: serialised once, shared by all.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub seq: u64,
    pub kind: &'static str,
    pub body: Arc<str>,
    /// The whole SSE frame, ready to write.
    pub frame: axum::body::Bytes,
}

type Reply = Box<dyn FnOnce(Result<(), ApiError>) + Send>;
type OnApplied = Box<dyn FnOnce(Result<(&BranchState, &[Event]), DomainError>) -> Reply + Send>;

enum Message {
    Command {
        command: Command,
        on_applied: OnApplied,
    },
    Read(Box<dyn FnOnce(&BranchState) + Send>),
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
    /// returned once those events are durable.
    pub async fn execute<T: Send + 'static>(
        &self,
        command: Command,
        f: impl FnOnce(&BranchState, &[Event]) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = oneshot::channel();
        let on_applied: OnApplied = Box::new(move |applied| match applied {
            Ok((state, events)) => {
                let value = f(state, events);
                Box::new(move |committed: Result<(), ApiError>| {
                    let _ = tx.send(committed.map(|()| value));
                })
            }
            Err(e) => Box::new(move |_| {
                let _ = tx.send(Err(e.into()));
            }),
        });
        self.tx
            .send(Message::Command {
                command,
                on_applied,
            })
            .await
            .map_err(|_| unavailable())?;
        rx.await.map_err(|_| unavailable())?
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
        rx.await.map_err(|_| unavailable())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.live.subscribe()
    }
}

fn unavailable() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "branch_unavailable",
        "the branch is not available right now",
    )
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

    /// Starts the actor of a branch with its loaded state.
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
        };
        tokio::spawn(actor.run(rx));
        handle
    }

    fn index_workplaces(&self, branch: BranchId, state: &BranchState) {
        if let Ok(mut index) = self.workplaces.write() {
            index.retain(|_, b| *b != branch);
            index.extend(state.workplaces().map(|w| (w.workplace.id, branch)));
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
}

/// Commands applied to the state but not yet committed.
#[derive(Default)]
struct Pending {
    expected_seq: u64,
    events: Vec<Event>,
    replies: Vec<Reply>,
}

impl Actor {
    async fn run(mut self, mut rx: mpsc::Receiver<Message>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let mut pending = Pending {
                expected_seq: self.state.seq(),
                ..Pending::default()
            };
            for message in batch.drain(..) {
                match message {
                    Message::Command {
                        command,
                        on_applied,
                    } => match talon_core::execute(&mut self.state, &command, Timestamp::now()) {
                        Ok(events) => {
                            self.metrics.command(true);
                            pending.replies.push(on_applied(Ok((&self.state, &events))));
                            pending.events.extend(events);
                        }
                        Err(e) => {
                            self.metrics.command(false);
                            on_applied(Err(e))(Ok(()));
                        }
                    },
                    Message::Read(read) => {
                        // A read sees only what is committed.
                        self.flush(&mut pending).await;
                        read(&self.state);
                    }
                }
            }
            self.flush(&mut pending).await;
        }
    }

    async fn flush(&mut self, pending: &mut Pending) {
        let expected_seq = pending.expected_seq;
        let events = std::mem::take(&mut pending.events);
        let replies = std::mem::take(&mut pending.replies);
        pending.expected_seq = self.state.seq();
        if events.is_empty() {
            for reply in replies {
                reply(Ok(()));
            }
            return;
        }
        let live: Vec<LiveEvent> = events
            .iter()
            .map(|e| {
                let body: Arc<str> = serde_json::to_string(e)
                    .map(Arc::from)
                    .unwrap_or_else(|_| Arc::from("{}"));
                LiveEvent {
                    seq: e.seq,
                    kind: e.kind.name(),
                    frame: crate::live::frame(e.seq, e.kind.name(), &body),
                    body,
                }
            })
            .collect();
        let commit = self.commit_of(expected_seq, &events, &live);
        match self.store.commit(commit).await {
            Ok(()) => {
                self.metrics.committed(events.len());
                if events.iter().any(|e| e.kind.changes_config()) {
                    self.branches.index_workplaces(self.id, &self.state);
                }
                for reply in replies {
                    reply(Ok(()));
                }
                for event in live {
                    let _ = self.live.send(event);
                }
            }
            Err(e) => {
                self.metrics.commit_failed();
                let error = ApiError::from(e);
                for reply in replies {
                    reply(Err(error.clone()));
                }
                self.reload().await;
                pending.expected_seq = self.state.seq();
            }
        }
    }

    fn commit_of(&self, expected_seq: u64, events: &[Event], live: &[LiveEvent]) -> BranchCommit {
        let touched: BTreeSet<_> = events.iter().filter_map(|e| e.kind.ticket()).collect();
        // A closed day removes its tickets from the state; their rows keep their last version.
        let tickets = touched
            .into_iter()
            .filter_map(|id| self.state.ticket(id).cloned())
            .collect();
        let config = events
            .iter()
            .any(|e| e.kind.changes_config())
            .then(|| config_json(&self.state).to_string());
        let crossed = self.state.seq() / SNAPSHOT_EVERY > expected_seq / SNAPSHOT_EVERY;
        let closed_day = events
            .iter()
            .any(|e| matches!(e.kind, EventKind::DayClosed { .. }));
        let snapshot = (crossed || closed_day)
            .then(|| serde_json::to_string(&self.state.snapshot()).ok())
            .flatten();
        BranchCommit {
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
        }
    }

    /// After a failed commit the state is ahead of the store: load it again from the store.
    async fn reload(&mut self) {
        match self.store.load_branch(self.id).await {
            Ok(Some(state)) => self.state = state,
            Ok(None) => self.state = BranchState::new(),
            Err(e) => tracing::error!(branch = %self.id, error = %e, "reloading the branch failed"),
        }
    }
}

/// The branch's configuration as one JSON document.
pub fn config_json(state: &BranchState) -> serde_json::Value {
    json!({
        "settings": state.settings(),
        "services": state.services().collect::<Vec<_>>(),
        "workplaces": state.workplaces().map(|w| &w.workplace).collect::<Vec<_>>(),
        "profiles": state.profiles().collect::<Vec<_>>(),
        "categories": state.categories().collect::<Vec<_>>(),
    })
}
