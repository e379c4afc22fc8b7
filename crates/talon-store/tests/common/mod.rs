//! The harness of the store suite: every test runs against each backend through [`backends`],
//! each with a fresh database of its own, through the one `Store` API. What only a backend can
//! do (reopening its database, tampering with it as someone holding it would) is here, per
//! backend.
//!
//! PostgreSQL tests need a server: `TALON_TEST_POSTGRES` is its URL without a database
//! (default `postgres://postgres@127.0.0.1:5432`, trust authentication). Each test creates a
//! database `talon_test_<random>` there and drops it when done.

#![allow(dead_code)]

use std::path::PathBuf;
use talon_store::{Durability, Store, StoreError};
use tempfile::TempDir;

/// A fresh store of one backend, and where its database lives.
pub struct TestStore {
    pub store: Store,
    place: Place,
}

enum Place {
    Sqlite { _dir: TempDir, path: PathBuf },
    Postgres(Database),
}

/// A fresh, empty store of every backend.
pub async fn backends() -> Vec<TestStore> {
    vec![sqlite().await, postgres().await]
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

/// A fresh PostgreSQL store on a database of its own.
pub async fn postgres() -> TestStore {
    let database = Database::create().await;
    let store = Store::open_postgres(&database.url)
        .await
        .expect("open PostgreSQL");
    TestStore {
        store,
        place: Place::Postgres(database),
    }
}

/// The test server's URL, without a database.
fn server() -> String {
    std::env::var("TALON_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// A connection whose other half runs on the current runtime.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to {url} (is PostgreSQL running?): {e}"));
    tokio::spawn(connection);
    client
}

/// The database's own words for a failure, as its owner would read them.
pub fn message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => e.to_string(),
    }
}

/// A database of its own on the test server, dropped (with whatever is still connected to it)
/// when the test is done.
pub struct Database {
    name: String,
    pub url: String,
}

impl Database {
    pub async fn create() -> Database {
        let name = format!("talon_test_{:016x}", rand::random::<u64>());
        let admin = connect(&format!("{}/postgres", server())).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        Database {
            url: format!("{}/{name}", server()),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be the one running it: a thread with a
        // small runtime of its own drops the database, and the test waits for it.
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let admin = connect(&format!("{}/postgres", server())).await;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .map_err(|e| message(&e))
            })
        })
        .join();
        if !std::thread::panicking() {
            dropped
                .expect("the dropping thread")
                .expect("drop the test database");
        }
    }
}

impl TestStore {
    /// The backend's name, for messages.
    pub fn name(&self) -> &'static str {
        match self.place {
            Place::Sqlite { .. } => "sqlite",
            Place::Postgres(_) => "postgres",
        }
    }

    /// The SQLite file, for a test that is about SQLite itself.
    pub fn sqlite_path(&self) -> Option<&PathBuf> {
        match &self.place {
            Place::Sqlite { path, .. } => Some(path),
            Place::Postgres(_) => None,
        }
    }

    /// The PostgreSQL database's URL, for a test that is about PostgreSQL itself.
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.place {
            Place::Sqlite { .. } => None,
            Place::Postgres(database) => Some(&database.url),
        }
    }

    /// Opens the store's database again, as a restart would (the old store is replaced).
    pub async fn reopen(&mut self) {
        self.try_reopen().await.expect("reopen");
    }

    /// Opens the store's database again; answers why it could not.
    pub async fn try_reopen(&mut self) -> Result<(), StoreError> {
        self.store = match &self.place {
            Place::Sqlite { path, .. } => Store::open_sqlite(path, Durability::Full).await?,
            Place::Postgres(database) => Store::open_postgres(&database.url).await?,
        };
        Ok(())
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
            Place::Postgres(database) => {
                let client = connect(&database.url).await;
                client
                    .batch_execute(
                        "DROP TRIGGER IF EXISTS audit_no_update ON audit; \
                         DROP TRIGGER IF EXISTS audit_no_delete ON audit; \
                         DROP TRIGGER IF EXISTS audit_no_truncate ON audit;",
                    )
                    .await
                    .expect("drop the triggers");
                client
                    .batch_execute(sql)
                    .await
                    .unwrap_or_else(|e| panic!("tamper: {}", message(&e)));
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
            Place::Postgres(database) => connect(&database.url)
                .await
                .batch_execute(sql)
                .await
                .map_err(|e| message(&e)),
        }
    }

    /// The schema version the database records.
    pub async fn schema_version(&self) -> i64 {
        match &self.place {
            Place::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .expect("open the file")
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .expect("the version"),
            Place::Postgres(database) => connect(&database.url)
                .await
                .query_one("SELECT max(version) FROM talon_schema", &[])
                .await
                .expect("the version")
                .get(0),
        }
    }

    /// Records `version` as the database's schema version, as a newer Talon would have.
    pub async fn set_schema_version(&self, version: i64) {
        match &self.place {
            Place::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .expect("open the file")
                .pragma_update(None, "user_version", version)
                .expect("the version"),
            Place::Postgres(database) => {
                connect(&database.url)
                    .await
                    .execute(
                        "INSERT INTO talon_schema (version) VALUES ($1)",
                        &[&version],
                    )
                    .await
                    .expect("the version");
            }
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

/// The commit of `events` to `branch` after `expected_seq`, with the tickets they touched as
/// `state` has them now.
pub fn commit_of(
    branch: talon_core::BranchId,
    expected_seq: u64,
    state: &talon_core::BranchState,
    events: &[talon_core::Event],
) -> talon_store::BranchCommit {
    talon_store::BranchCommit {
        branch,
        expected_seq,
        events: events
            .iter()
            .map(|e| talon_store::StoredEvent {
                seq: e.seq,
                at: e.at,
                kind: e.kind.name(),
                body: std::sync::Arc::from(serde_json::to_string(e).expect("event JSON")),
            })
            .collect(),
        tickets: events
            .iter()
            .filter_map(|e| e.kind.ticket())
            .filter_map(|id| state.ticket(id).cloned())
            .collect(),
        config: Some("{}".to_string()),
        snapshot: None,
    }
}

/// A service with the given id, numbered A001 to A999.
pub fn service(id: u64) -> talon_core::Service {
    use talon_core::{AfterLast, Language, NumberRange, Service, ServiceId};
    Service {
        id: ServiceId(id),
        names: [(Language::En, "Payments".to_string())].into(),
        prefix: "A".to_string(),
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
        group: std::collections::BTreeMap::new(),
    }
}
