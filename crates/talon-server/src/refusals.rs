//! Sign-ins refused by the rate limits, summarised for the audit log. Every attempt that reaches
//! the password check has its own record; one refused before it (`429`) costs nothing to make,
//! so a flood of them would flood the log. They are counted per address, username and route
//! instead, and each window of them becomes one record ("N refused sign-ins for user U from A
//! between t1 and t2") when it closes.

use crate::app::App;
use jiff::Timestamp;
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use talon_store::AuditEntry;

/// The default length of a window of refusals.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// Refused attempts of one address, username and route.
type Key = (IpAddr, Option<String>, String);

struct Window {
    count: u64,
    first: Timestamp,
    last: Timestamp,
    opened: Instant,
}

pub struct Refusals {
    length: Duration,
    windows: Mutex<HashMap<Key, Window>>,
}

impl Refusals {
    pub fn new(length: Duration) -> Refusals {
        Refusals {
            length,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one refused attempt.
    pub fn note(&self, address: IpAddr, username: Option<String>, route: &str, at: Timestamp) {
        if let Ok(mut windows) = self.windows.lock() {
            let window = windows
                .entry((address, username, route.to_string()))
                .or_insert(Window {
                    count: 0,
                    first: at,
                    last: at,
                    opened: Instant::now(),
                });
            window.count += 1;
            window.last = at;
        }
    }

    /// The records of the windows that have closed by `now`, taken out of the count.
    fn closed(&self, now: Instant) -> Vec<AuditEntry> {
        let Ok(mut windows) = self.windows.lock() else {
            return Vec::new();
        };
        let done: Vec<Key> = windows
            .iter()
            .filter(|(_, w)| now.duration_since(w.opened) >= self.length)
            .map(|(key, _)| key.clone())
            .collect();
        done.into_iter()
            .filter_map(|key| {
                let window = windows.remove(&key)?;
                let (address, username, route) = key;
                Some(AuditEntry {
                    at: window.first,
                    user: None,
                    name: username,
                    role: "anonymous".into(),
                    branch: None,
                    action: format!("POST {route}"),
                    target: json!({
                        "refused": window.count,
                        "address": address.to_string(),
                        "from": window.first,
                        "until": window.last,
                    }),
                    outcome: 429,
                })
            })
            .collect()
    }
}

/// Writes the records of closed windows as they close.
pub fn start(app: Arc<App>) {
    let every = (app.refusals.length / 4).max(Duration::from_millis(100));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            for entry in app.refusals.closed(Instant::now()) {
                if let Err(e) = app.store.append_audit(entry).await {
                    tracing::error!(error = %e, "a summary of refused sign-ins could not be written");
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_becomes_one_record_when_it_closes() {
        let refusals = Refusals::new(Duration::from_secs(60));
        let address: IpAddr = "10.0.0.7".parse().unwrap();
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        for i in 0..3000 {
            let at = t0 + jiff::SignedDuration::from_millis(i);
            refusals.note(address, Some("admin".into()), "/api/v1/auth/login", at);
        }
        refusals.note(address, None, "/api/v1/pair", t0);
        assert!(refusals.closed(Instant::now()).is_empty(), "still open");
        let later = Instant::now() + Duration::from_secs(61);
        let mut records = refusals.closed(later);
        records.sort_by_key(|r| r.action.clone());
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].action, "POST /api/v1/auth/login");
        assert_eq!(records[0].name.as_deref(), Some("admin"));
        assert_eq!(records[0].target["refused"], 3000);
        assert_eq!(records[0].target["address"], "10.0.0.7");
        assert_eq!(records[1].target["refused"], 1);
        assert!(refusals.closed(later).is_empty(), "each window once");
    }
}
