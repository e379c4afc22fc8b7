//! Upgrades from every released schema. Each fixture in `tests/fixtures/` is the database a
//! released Talon left after a little of a branch's day (`make-fixture.py` made it with that
//! release's binary; its manifest says which commit and what the database held). Opened by this
//! Talon, it is migrated to the current schema and must hold everything it held: every event,
//! folding into the state the store loads; every ticket with its number; every user; the same
//! rows; an intact audit chain; and it takes new commits. A migration that fails leaves the
//! database exactly as it was. These are SQLite's: PostgreSQL's first schema is the current one.

mod common;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use talon_core::{BranchId, BranchState, Channel, Command, Event, ServiceId, TicketId, execute};
use talon_store::{Durability, Store, StoreError};

const TABLES: [&str; 9] = [
    "branches",
    "events",
    "snapshots",
    "tickets",
    "users",
    "tokens",
    "customers",
    "pairings",
    "audit",
];

#[derive(Deserialize)]
struct Manifest {
    schema: i64,
    commit: String,
    rows: BTreeMap<String, u64>,
    branch_seqs: BTreeMap<u64, u64>,
    ticket_numbers: BTreeMap<u64, String>,
    usernames: Vec<String>,
}

fn fixtures() -> Vec<(PathBuf, Manifest)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<(PathBuf, Manifest)> = std::fs::read_dir(&folder)
        .expect("the fixtures folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let manifest: Manifest =
                serde_json::from_slice(&std::fs::read(&p).expect("a manifest")).expect("JSON");
            (p.with_extension("db"), manifest)
        })
        .collect();
    found.sort_by_key(|(_, m)| m.schema);
    found
}

/// The number of SQLite migrations this Talon knows: the schema every fixture must reach.
fn current_schema() -> i64 {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    std::fs::read_dir(folder)
        .expect("the migrations")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count() as i64
}

fn copy_of(fixture: &Path, folder: &Path) -> PathBuf {
    let path = folder.join("talon.db");
    std::fs::copy(fixture, &path).expect("copy the fixture");
    path
}

fn sql(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("the file")
}

fn version(path: &Path) -> i64 {
    sql(path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("the version")
}

fn rows(path: &Path) -> BTreeMap<String, u64> {
    let conn = sql(path);
    TABLES
        .iter()
        .map(|t| {
            let present: bool = conn
                .query_row(
                    "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [t],
                    |r| r.get(0),
                )
                .expect("the schema");
            let n: i64 = if present {
                conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                    .expect("a count")
            } else {
                0
            };
            (t.to_string(), n as u64)
        })
        .collect()
}

/// Everything in the file: its schema and every row of every table, in order.
fn everything(path: &Path) -> Vec<String> {
    let conn = sql(path);
    let mut out = vec![format!("version {}", version(path))];
    let tables: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .expect("the schema")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("the schema")
        .map(|r| r.expect("a row"))
        .collect();
    for (name, definition) in tables {
        out.push(definition.clone());
        if !definition.starts_with("CREATE TABLE") {
            continue;
        }
        let columns = conn
            .prepare(&format!("SELECT * FROM \"{name}\""))
            .expect("the table")
            .column_count();
        let order: Vec<String> = (1..=columns).map(|i| i.to_string()).collect();
        let mut statement = conn
            .prepare(&format!(
                "SELECT * FROM \"{name}\" ORDER BY {}",
                order.join(", ")
            ))
            .expect("the rows");
        let mut rows = statement.query([]).expect("the rows");
        while let Some(row) = rows.next().expect("a row") {
            let values: Vec<String> = (0..columns)
                .map(|i| format!("{:?}", row.get_ref(i).expect("a value")))
                .collect();
            out.push(format!("{name}: {}", values.join(", ")));
        }
    }
    out
}

#[tokio::test]
async fn every_released_schema_upgrades_with_everything_it_held() {
    let all = fixtures();
    assert!(
        all.iter().any(|(_, m)| m.schema < current_schema()),
        "at least one fixture is of an earlier schema"
    );
    for (fixture, manifest) in all {
        let name = format!("schema {} (made at {})", manifest.schema, manifest.commit);
        let folder = tempfile::tempdir().expect("a folder");
        let path = copy_of(&fixture, folder.path());
        assert_eq!(version(&path), manifest.schema, "{name}");
        assert_eq!(rows(&path), manifest.rows, "{name}: the fixture itself");

        let store = Store::open_sqlite(&path, Durability::Full)
            .await
            .unwrap_or_else(|e| panic!("{name} does not open: {e}"));
        assert_eq!(version(&path), current_schema(), "{name}");
        assert_eq!(rows(&path), manifest.rows, "{name}: rows after the upgrade");

        for (branch, last) in &manifest.branch_seqs {
            let branch = BranchId(*branch);
            let mut fold = BranchState::new();
            let events = store
                .events_after(branch, 0, u32::MAX)
                .await
                .expect("events");
            assert_eq!(events.len() as u64, *last, "{name}");
            for (n, record) in events.iter().enumerate() {
                let event: Event = serde_json::from_str(&record.body)
                    .unwrap_or_else(|e| panic!("{name}: event {} unreadable: {e}", record.seq));
                assert_eq!(event.seq, n as u64 + 1, "{name}");
                fold.apply(&event);
            }
            let loaded = store
                .load_branch(branch)
                .await
                .expect("load")
                .expect("kept");
            assert_eq!(
                serde_json::to_value(loaded.snapshot()).unwrap(),
                serde_json::to_value(fold.snapshot()).unwrap(),
                "{name}: the loaded state is the fold of the log"
            );
            for (ticket, number) in &manifest.ticket_numbers {
                let stored = store
                    .ticket(TicketId(*ticket))
                    .await
                    .expect("read")
                    .unwrap_or_else(|| panic!("{name}: ticket {ticket} lost"));
                assert_eq!(&stored.ticket.number, number, "{name}");
                if let Some(folded) = fold.ticket(TicketId(*ticket)) {
                    assert_eq!(&stored.ticket, folded, "{name}: ticket {ticket}");
                }
            }

            // It goes on: a new ticket commits on the upgraded log.
            let service = fold.services().next().expect("a service").id;
            let mut state = fold;
            let expected = state.seq();
            let command = Command::IssueTicket {
                id: TicketId(store.reserve_ids(1).await.expect("an id")),
                token_hash: format!("upgrade-{}", manifest.schema),
                service: ServiceId(service.0),
                channel: Channel::Kiosk,
                language: None,
                category: None,
                due_at: None,
            };
            let events = execute(&mut state, &command, jiff::Timestamp::now()).expect("issue");
            store
                .commit(common::commit_of(branch, expected, &state, &events))
                .await
                .unwrap_or_else(|e| panic!("{name}: a commit after the upgrade: {e}"));
        }
        let mut usernames: Vec<String> = store
            .users()
            .await
            .expect("users")
            .into_iter()
            .map(|u| u.username)
            .collect();
        usernames.sort();
        assert_eq!(usernames, manifest.usernames, "{name}");
        let audit = store.verify_audit().await.expect("verify");
        assert!(audit.broken.is_none(), "{name}: {:?}", audit.broken);
        assert_eq!(audit.verified, manifest.rows["audit"], "{name}");
    }
}

#[tokio::test]
async fn a_failed_migration_leaves_the_database_as_it_was() {
    let (fixture, manifest) = fixtures()
        .into_iter()
        .find(|(_, m)| m.schema < current_schema())
        .expect("a fixture of an earlier schema");
    let folder = tempfile::tempdir().expect("a folder");
    let path = copy_of(&fixture, folder.path());
    // Something the next migration cannot get past, after it has already changed something:
    // its table is created, then the name of its index is taken. Only a migration applied as
    // one transaction leaves no trace of the table it created.
    let next = manifest.schema + 1;
    let migration =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite"))
            .expect("the migrations")
            .map(|e| e.expect("an entry").path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{next:04}_")))
            })
            .expect("the next migration");
    let text = std::fs::read_to_string(&migration).expect("its SQL");
    let first = |prefix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.split([' ', '(']).next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{} has no {prefix}", migration.display()))
    };
    let (table, index) = (first("CREATE TABLE "), first("CREATE INDEX "));
    assert!(
        text.find("CREATE TABLE ") < text.find("CREATE INDEX "),
        "{}: the table comes first",
        migration.display()
    );
    sql(&path)
        .execute_batch(&format!(
            "CREATE TABLE obstacle (x INTEGER); CREATE INDEX {index} ON obstacle (x)"
        ))
        .expect("the obstacle");
    let before = everything(&path);

    let refused = Store::open_sqlite(&path, Durability::Full).await;
    assert!(
        matches!(refused, Err(StoreError::Database(ref m)) if m.contains("already exists")),
        "{:?}",
        refused.err()
    );
    assert_eq!(
        everything(&path),
        before,
        "the database is as it was, without {table}"
    );
    assert_eq!(version(&path), manifest.schema);
}
