//! The harness of the store suite: every test runs against each backend through [`backends`],
//! each with a fresh database of its own, through the one `Store` API. What only a backend can
//! do (reopening its database, tampering with it as someone holding it would) is here, per
//! backend.

#![allow(dead_code)]

use std::path::PathBuf;
use talon_store::{Durability, Store};
use tempfile::TempDir;

/// A fresh store of one backend, and where its database lives.
pub struct TestStore {
    pub store: Store,
    place: Place,
}

enum Place {
    Sqlite { _dir: TempDir, path: PathBuf },
}

/// A fresh, empty store of every backend.
pub async fn backends() -> Vec<TestStore> {
    vec![sqlite().await]
}

/// A fresh SQLite store in a temporary folder.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("talon.db");
    let store = Store::open_sqlite(&path, Durability::Full)
        .await
        .expect("open");
    TestStore {
        store,
        place: Place::Sqlite { _dir: dir, path },
    }
}

impl TestStore {
    /// The backend's name, for messages.
    pub fn name(&self) -> &'static str {
        match self.place {
            Place::Sqlite { .. } => "sqlite",
        }
    }

    /// The SQLite file, for a test that is about SQLite itself.
    pub fn sqlite_path(&self) -> Option<&PathBuf> {
        match &self.place {
            Place::Sqlite { path, .. } => Some(path),
        }
    }

    /// Closes the store and opens its database again, as a restart would.
    pub async fn reopen(&mut self) {
        match &self.place {
            Place::Sqlite { path, .. } => {
                self.store = Store::open_sqlite(path, Durability::Full)
                    .await
                    .expect("reopen");
            }
        }
    }

    /// Runs `sql` against the database as someone holding it would, with the audit log's
    /// append-only guards removed first.
    pub async fn tamper(&self, sql: &str) {
        match &self.place {
            Place::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).expect("open the file");
                conn.execute_batch(
                    "DROP TRIGGER IF EXISTS audit_no_update; \
                     DROP TRIGGER IF EXISTS audit_no_delete;",
                )
                .expect("drop the triggers");
                conn.execute_batch(sql).expect("tamper");
            }
        }
    }

    /// Runs `sql` as the database's owner with its guards in place; answers the error.
    pub async fn try_sql(&self, sql: &str) -> Result<(), String> {
        match &self.place {
            Place::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .expect("open the file")
                .execute_batch(sql)
                .map_err(|e| e.to_string()),
        }
    }
}

/// Creates branch `id` in the store by committing its first event, as the server does.
pub async fn create_branch(store: &Store, id: u64) {
    use std::sync::Arc;
    use talon_core::{BranchSettings, BranchState, Command, Language, TimeZoneName, execute};
    let mut state = BranchState::new();
    let settings = BranchSettings {
        name: format!("Branch {id}"),
        time_zone: TimeZoneName::parse("Europe/Berlin").expect("zone"),
        languages: vec![Language::En],
        announcements: Default::default(),
        hours: None,
        holidays: Vec::new(),
        ticket_texts: Default::default(),
    };
    let now = jiff::Timestamp::now();
    let events = execute(&mut state, &Command::CreateBranch(settings), now).expect("create");
    store
        .commit(talon_store::BranchCommit {
            branch: talon_core::BranchId(id),
            expected_seq: 0,
            events: events
                .iter()
                .map(|e| talon_store::StoredEvent {
                    seq: e.seq,
                    at: e.at,
                    kind: e.kind.name(),
                    body: Arc::from(serde_json::to_string(e).expect("JSON")),
                })
                .collect(),
            tickets: Vec::new(),
            config: Some("{}".into()),
            snapshot: None,
        })
        .await
        .expect("the branch");
}
