//! Upgrading a database written by an earlier Talon: a branch's administrator of old (an admin
//! bound to a branch) becomes that branch's manager, with their session; network
//! administrators stay administrators. Those upgrades are SQLite's alone: PostgreSQL's first
//! schema is already what they lead to. A database written by a newer Talon is refused in every
//! backend, and instances migrating one PostgreSQL database at once do it once. `ping` reads the
//! version a store holds.

mod common;

use common::{Database, backends};
use talon_core::BranchId;
use talon_store::{Durability, NewUser, Store, StoreError, TokenKind, TokenRecord};

#[tokio::test]
async fn a_branch_bound_administrator_becomes_its_manager() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("talon.db");
    let store = Store::open_sqlite(&path, Durability::Full)
        .await
        .expect("open");
    let mut ids = Vec::new();
    for (username, branch) in [("head-of-b", Some(BranchId(7))), ("root", None)] {
        let user = store
            .create_user(NewUser {
                username: username.into(),
                password_hash: "x".into(),
                role: "admin".into(),
                branch,
                profiles: None,
            })
            .await
            .expect("a user");
        store
            .insert_token(TokenRecord {
                token_hash: format!("session-{username}"),
                kind: TokenKind::Session,
                role: "admin".into(),
                user_id: Some(user.id),
                branch,
                name: None,
                expires_at: None,
                printer: None,
            })
            .await
            .expect("a session");
        ids.push(user.id);
    }
    drop(store);
    // As an earlier Talon left it: before the migration that introduced managers.
    let conn = rusqlite::Connection::open(&path).expect("the file");
    conn.pragma_update(None, "user_version", 6)
        .expect("version");
    drop(conn);

    let store = Store::open_sqlite(&path, Durability::Full)
        .await
        .expect("reopen and migrate");
    let head = store.user(ids[0]).await.expect("read").expect("kept");
    let root = store.user(ids[1]).await.expect("read").expect("kept");
    assert_eq!(
        (head.role.as_str(), head.branch),
        ("manager", Some(BranchId(7)))
    );
    assert_eq!((root.role.as_str(), root.branch), ("admin", None));
    let now = jiff::Timestamp::now();
    let session = store.token("session-head-of-b", now).await.expect("read");
    assert_eq!(session.expect("kept").role, "manager");
    let session = store.token("session-root", now).await.expect("read");
    assert_eq!(session.expect("kept").role, "admin");
}

/// Instants written by earlier versions in as many digits as they had (and the pairings' expiry
/// as Unix seconds) are rewritten in the one stored form, and read back as the same instants.
#[tokio::test]
async fn instants_of_earlier_versions_take_the_one_stored_form() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("talon.db");
    let store = Store::open_sqlite(&path, Durability::Full)
        .await
        .expect("open");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("the file");
    conn.execute_batch(
        "INSERT INTO users (id, username, password_hash, role, created_at) \
             VALUES (1, 'a', 'x', 'operator', '2026-11-27T10:00:00Z'), \
                    (2, 'b', 'x', 'operator', '2026-11-27T10:00:00.5Z'), \
                    (3, 'c', 'x', 'operator', '2026-11-27T10:00:00.123456789Z'); \
         INSERT INTO tokens (token_hash, kind, role, user_id, created_at, expires_at) \
             VALUES ('t', 'session', 'operator', 1, '2026-11-27T10:00:00.25Z', \
                     '2099-01-01T00:00:00.000000001Z'); \
         INSERT INTO pairings (code_hash, branch_id, role, name, created_at, expires_at) \
             VALUES ('p', 1, 'kiosk', 'K', '2026-11-27T10:00:00Z', 4102444800); \
         PRAGMA user_version = 7;",
    )
    .expect("rows as version 7 wrote them");
    drop(conn);
    let store = Store::open_sqlite(&path, Durability::Full)
        .await
        .expect("migrate");
    let conn = rusqlite::Connection::open(&path).expect("the file");
    let created: Vec<String> = conn
        .prepare("SELECT created_at FROM users ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        created,
        [
            "2026-11-27T10:00:00.000000Z",
            "2026-11-27T10:00:00.500000Z",
            "2026-11-27T10:00:00.123456Z"
        ]
    );
    let expiry: String = conn
        .query_row("SELECT expires_at FROM pairings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(expiry, "2100-01-01T00:00:00.000000Z");
    let token = store
        .token("t", jiff::Timestamp::now())
        .await
        .expect("read")
        .expect("alive");
    assert_eq!(
        token.expires_at,
        Some("2099-01-01T00:00:00Z".parse().unwrap())
    );
}

/// A database written by a newer Talon is refused, and left as it is.
#[tokio::test]
async fn a_newer_schema_is_refused_and_left_alone() {
    for mut t in backends().await {
        t.set_schema_version(999).await;
        let refused = t.try_reopen().await.expect_err("refused");
        assert!(
            matches!(refused, StoreError::NewerSchema { found: 999, .. }),
            "{}: {refused}",
            t.name()
        );
        assert_eq!(t.schema_version().await, 999, "{}", t.name());
    }
}

/// The readiness check's query: the schema a store holds, and whether it is this code's.
#[tokio::test]
async fn ping_reads_the_schema_version() {
    for t in backends().await {
        let schema = t.store.ping().await.expect("the store answers");
        assert!(
            schema.is_current() && schema.found > 0,
            "{}: {schema:?}",
            t.name()
        );
        t.set_schema_version(schema.known as i64 + 1).await;
        let newer = t.store.ping().await.expect("the store answers");
        assert_eq!(newer.found, schema.known + 1, "{}", t.name());
        assert!(!newer.is_current(), "{}", t.name());
    }
}

/// Instances starting at once on a new PostgreSQL database: one migrates, the others wait for
/// it under the lock and find the work done.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_at_once_migrate_once() {
    let database = Database::create().await;
    let opening: Vec<_> = (0..4)
        .map(|_| {
            let url = database.url.clone();
            tokio::spawn(async move { Store::open_postgres(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opening {
        stores.push(open.await.expect("the task").expect("open"));
    }
    let client = common::connect(&database.url).await;
    let versions: Vec<i64> = client
        .query("SELECT version FROM talon_schema ORDER BY version", &[])
        .await
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1], "each migration ran once");
    assert_eq!(stores[0].reserve_ids(1).await.expect("ids"), 1);
}
