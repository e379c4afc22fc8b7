//! Counters for `/metrics`, in Prometheus' text format. Plain atomics: a handful of numbers
//! does not need a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

#[derive(Default)]
pub struct Metrics {
    commands_ok: AtomicU64,
    commands_rejected: AtomicU64,
    events_committed: AtomicU64,
    commits: AtomicU64,
    commit_failures: AtomicU64,
    commit_conflicts: AtomicU64,
    actor_restarts: AtomicU64,
    live_subscribers: AtomicI64,
    http: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    pub fn command(&self, ok: bool) {
        let counter = if ok {
            &self.commands_ok
        } else {
            &self.commands_rejected
        };
        counter.fetch_add(1, Relaxed);
    }

    pub fn committed(&self, events: usize) {
        self.commits.fetch_add(1, Relaxed);
        self.events_committed.fetch_add(events as u64, Relaxed);
    }

    pub fn commit_failed(&self) {
        self.commit_failures.fetch_add(1, Relaxed);
    }

    /// A batch met a log another writer had moved on, and runs again.
    pub fn commit_conflict(&self) {
        self.commit_conflicts.fetch_add(1, Relaxed);
    }

    /// A branch's actor panicked and was started again from the store.
    pub fn actor_restarted(&self) {
        self.actor_restarts.fetch_add(1, Relaxed);
    }

    pub fn subscriber(&self, delta: i64) {
        self.live_subscribers.fetch_add(delta, Relaxed);
    }

    pub fn http(&self, route: &str, status: u16) {
        if let Ok(mut http) = self.http.lock() {
            *http.entry((route.to_string(), status)).or_insert(0) += 1;
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "talon_commands_total",
            "Commands that produced events or nothing.",
            self.commands_ok.load(Relaxed),
        );
        counter(
            "talon_commands_rejected_total",
            "Commands refused by the engine.",
            self.commands_rejected.load(Relaxed),
        );
        counter(
            "talon_events_committed_total",
            "Events written to the log.",
            self.events_committed.load(Relaxed),
        );
        counter(
            "talon_commits_total",
            "Store transactions of branch batches.",
            self.commits.load(Relaxed),
        );
        counter(
            "talon_commit_failures_total",
            "Store transactions that failed.",
            self.commit_failures.load(Relaxed),
        );
        counter(
            "talon_commit_conflicts_total",
            "Batches that met a log moved on by another writer and ran again.",
            self.commit_conflicts.load(Relaxed),
        );
        counter(
            "talon_actor_restarts_total",
            "Branch actors restarted from the store after a panic.",
            self.actor_restarts.load(Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP talon_live_subscribers Open event streams.\n\
             # TYPE talon_live_subscribers gauge\ntalon_live_subscribers {}",
            self.live_subscribers.load(Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP talon_http_requests_total HTTP requests by route and status.\n\
             # TYPE talon_http_requests_total counter"
        );
        if let Ok(http) = self.http.lock() {
            for ((route, status), n) in http.iter() {
                let _ = writeln!(
                    out,
                    "talon_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out
    }
}
