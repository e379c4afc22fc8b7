//! Counters, gauges and histograms for `/metrics`, in Prometheus' text format. Plain atomics: a
//! handful of numbers does not need a metrics framework. [`exposition`] adds what is read when
//! scraped: the actors' mailboxes, the sign-in queue and the process's memory and files.

use crate::app::App;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Bucket bounds of the latency histograms, in seconds.
const SECONDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Bucket bounds of the batch size histogram, in messages.
const MESSAGES: [f64; 8] = [1.0, 2.0, 4.0, 16.0, 64.0, 256.0, 512.0, 1024.0];

/// A Prometheus histogram with fixed bounds.
pub struct Histogram {
    bounds: &'static [f64],
    /// Observations per bucket (not cumulative), the last one above every bound.
    buckets: Vec<AtomicU64>,
    /// The sum of observations, in millionths.
    sum_micros: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, value: f64) {
        let bucket = self
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(self.bounds.len());
        self.buckets[bucket].fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add((value * 1e6).round() as u64, Relaxed);
    }

    pub fn observe_duration(&self, duration: Duration) {
        self.observe(duration.as_secs_f64());
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.buckets) {
            cumulative += count.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.buckets[self.bounds.len()].load(Relaxed);
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"+Inf\"}} {cumulative}\n{name}_sum {sum}\n{name}_count {cumulative}"
        );
    }
}

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
    /// Answers by status class: 1xx to 5xx.
    http_classes: [AtomicU64; 5],
    /// How long a request took to be answered (its head: a stream's life is not counted).
    pub http_duration: Histogram,
    /// The store's round trip of a branch batch's commit, whatever its outcome.
    pub commit_duration: Histogram,
    /// Messages an actor took from its mailbox at once.
    pub batch_size: Histogram,
    /// How long a sign-in's password check waited for its turn.
    pub sign_in_wait: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            commands_ok: AtomicU64::new(0),
            commands_rejected: AtomicU64::new(0),
            events_committed: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            commit_failures: AtomicU64::new(0),
            commit_conflicts: AtomicU64::new(0),
            actor_restarts: AtomicU64::new(0),
            live_subscribers: AtomicI64::new(0),
            http: Mutex::new(BTreeMap::new()),
            http_classes: Default::default(),
            http_duration: Histogram::new(&SECONDS),
            commit_duration: Histogram::new(&SECONDS),
            batch_size: Histogram::new(&MESSAGES),
            sign_in_wait: Histogram::new(&SECONDS),
        }
    }
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

    pub fn http(&self, route: &str, status: u16, took: Duration) {
        if let Ok(mut http) = self.http.lock() {
            *http.entry((route.to_string(), status)).or_insert(0) += 1;
        }
        if let Some(class) = self
            .http_classes
            .get(usize::from(status / 100).wrapping_sub(1))
        {
            class.fetch_add(1, Relaxed);
        }
        self.http_duration.observe_duration(took);
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
        let _ = writeln!(
            out,
            "# HELP talon_http_responses_total HTTP answers by status class.\n\
             # TYPE talon_http_responses_total counter"
        );
        for (i, n) in self.http_classes.iter().enumerate() {
            let _ = writeln!(
                out,
                "talon_http_responses_total{{class=\"{}xx\"}} {}",
                i + 1,
                n.load(Relaxed)
            );
        }
        self.http_duration.render(
            &mut out,
            "talon_http_request_duration_seconds",
            "Time to answer a request (the head of a stream's answer).",
        );
        self.commit_duration.render(
            &mut out,
            "talon_commit_duration_seconds",
            "The store's round trip of a branch batch's commit.",
        );
        self.batch_size.render(
            &mut out,
            "talon_actor_batch_messages",
            "Messages a branch actor took from its mailbox at once.",
        );
        self.sign_in_wait.render(
            &mut out,
            "talon_sign_in_queue_wait_seconds",
            "How long a password check waited for its turn.",
        );
        out
    }
}

/// A gauge's lines.
fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

/// Everything `/metrics` shows: the counters, and what is read now.
pub fn exposition(app: &App) -> String {
    let mut out = app.metrics.render();
    let _ = writeln!(
        out,
        "# HELP talon_actor_mailbox_depth Messages waiting for a branch's actor.\n\
         # TYPE talon_actor_mailbox_depth gauge"
    );
    for (branch, depth) in app.branches.mailbox_depths() {
        let _ = writeln!(
            out,
            "talon_actor_mailbox_depth{{branch=\"{branch}\"}} {depth}"
        );
    }
    let (running, waiting) = app.passwords.load();
    gauge(
        &mut out,
        "talon_sign_in_checks_running",
        "Password checks running now.",
        running,
    );
    gauge(
        &mut out,
        "talon_sign_in_checks_waiting",
        "Password checks waiting for their turn.",
        waiting,
    );
    gauge(
        &mut out,
        "talon_sign_in_check_slots",
        "Password checks that may run at once.",
        app.passwords.concurrency(),
    );
    if let Some(bytes) = resident_bytes() {
        gauge(
            &mut out,
            "process_resident_memory_bytes",
            "Resident memory of the process.",
            bytes,
        );
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        gauge(
            &mut out,
            "process_open_fds",
            "Open file descriptors of the process.",
            fds.count(),
        );
    }
    out
}

/// The process's resident memory, from `/proc/self/status` (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
