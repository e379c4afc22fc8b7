//! The SQLite backend: one file in WAL mode.
//!
//! All writes go through one writer thread, which takes every job waiting for it, runs each in
//! its own savepoint inside one `BEGIN IMMEDIATE` transaction and commits once (group commit):
//! with `synchronous=FULL` one fsync then acknowledges a whole batch. Reads run on a small pool
//! of read-only connections, which WAL lets proceed beside the writer.

use crate::audit;
use crate::error::StoreError;
use crate::records::{
    AuditCheck, AuditEntry, AuditRecord, BranchCommit, Customer, NewUser, TokenKind, TokenRecord,
    User,
};
use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use talon_core::{BranchId, BranchState, CategoryId, Event, ProfileId, Snapshot, Ticket, TicketId};
use tokio::sync::oneshot;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_customers.sql"),
    include_str!("../migrations/sqlite/0003_user_profiles.sql"),
    include_str!("../migrations/sqlite/0004_device_printers.sql"),
    include_str!("../migrations/sqlite/0005_audit.sql"),
    include_str!("../migrations/sqlite/0006_pairings.sql"),
    include_str!("../migrations/sqlite/0007_managers.sql"),
];

/// The most jobs one transaction takes; more wait for the next one.
const MAX_BATCH: usize = 2048;

/// How writes reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: an acknowledged write survives power loss.
    Full,
    /// `synchronous=NORMAL`: survives a crash of Talon, not of the machine.
    Normal,
}

type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<mpsc::Sender<Job>>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    pub async fn open(path: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        let path = path.to_path_buf();
        let (conn, path) = tokio::task::spawn_blocking(move || {
            let mut conn = open_connection(&path, false)?;
            let sync = match durability {
                Durability::Full => "FULL",
                Durability::Normal => "NORMAL",
            };
            conn.execute_batch(&format!("PRAGMA synchronous = {sync};"))?;
            migrate(&mut conn)?;
            Ok::<_, StoreError>((conn, path))
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))??;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("talon-sqlite-writer".into())
            .spawn(move || write_loop(conn, rx))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(tx),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Runs `f` in the writer's next transaction; the result arrives after the commit.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |committed| {
                let _ = tx.send(committed.and(result));
            });
            (ok, finish)
        });
        self.inner
            .writer
            .lock()
            .map_err(|_| StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a pooled read connection in the blocking pool.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().map_err(|_| StoreError::Closed)?.pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => open_connection(&inner.path, true)?,
            };
            let result = f(&conn);
            inner
                .readers
                .lock()
                .map_err(|_| StoreError::Closed)?
                .push(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }

    pub async fn reserve_ids(&self, count: u64) -> Result<u64, StoreError> {
        self.write(move |conn| {
            let first: i64 = conn.query_row(
                "UPDATE ids SET next = next + ?1 RETURNING next - ?1",
                [count as i64],
                |r| r.get(0),
            )?;
            Ok(first as u64)
        })
        .await
    }

    pub async fn commit(&self, commit: BranchCommit) -> Result<(), StoreError> {
        self.write(move |conn| write_commit(conn, &commit)).await
    }

    pub async fn branch_ids(&self) -> Result<Vec<BranchId>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id FROM branches ORDER BY id")?;
            let ids = stmt
                .query_map([], |r| r.get::<_, i64>(0))?
                .map(|id| id.map(|id| BranchId(id as u64)))
                .collect::<Result<_, _>>()?;
            Ok(ids)
        })
        .await
    }

    pub async fn load_branch(&self, branch: BranchId) -> Result<Option<BranchState>, StoreError> {
        self.read(move |conn| {
            let id = branch.0 as i64;
            let exists: Option<i64> = conn
                .query_row("SELECT last_seq FROM branches WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_none() {
                return Ok(None);
            }
            let snapshot: Option<String> = conn
                .query_row(
                    "SELECT body FROM snapshots WHERE branch_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            let mut state = match snapshot {
                Some(body) => BranchState::from_snapshot(serde_json::from_str::<Snapshot>(&body)?),
                None => BranchState::new(),
            };
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM events WHERE branch_id = ?1 AND seq > ?2 ORDER BY seq",
            )?;
            let mut rows = stmt.query(params![id, state.seq() as i64])?;
            while let Some(row) = rows.next()? {
                let body: String = row.get(0)?;
                let event: Event = serde_json::from_str(&body)?;
                state.apply(&event);
            }
            Ok(Some(state))
        })
        .await
    }

    pub async fn events_after(
        &self,
        branch: BranchId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<(u64, String, String)>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, type, body FROM events WHERE branch_id = ?1 AND seq > ?2 \
                 ORDER BY seq LIMIT ?3",
            )?;
            let events = stmt
                .query_map(
                    params![branch.0 as i64, after_seq as i64, i64::from(limit)],
                    |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)),
                )?
                .collect::<Result<_, _>>()?;
            Ok(events)
        })
        .await
    }

    pub async fn ticket_by_token_hash(
        &self,
        token_hash: String,
    ) -> Result<Option<(BranchId, Ticket)>, StoreError> {
        self.read(move |conn| {
            ticket_row(
                conn,
                "SELECT branch_id, body FROM tickets WHERE token_hash = ?1",
                &token_hash,
            )
        })
        .await
    }

    pub async fn ticket(&self, id: TicketId) -> Result<Option<(BranchId, Ticket)>, StoreError> {
        self.read(move |conn| {
            ticket_row(
                conn,
                "SELECT branch_id, body FROM tickets WHERE id = ?1",
                &(id.0 as i64),
            )
        })
        .await
    }

    pub async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        self.write(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO users (username, password_hash, role, branch_id, created_at, \
                 profiles) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user.username,
                    user.password_hash,
                    user.role,
                    user.branch.map(|b| b.0 as i64),
                    Timestamp::now().to_string(),
                    profiles_json(&user.profiles)?,
                ],
            );
            match inserted {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    return Err(StoreError::Duplicate("username"));
                }
                other => other?,
            };
            Ok(User {
                id: conn.last_insert_rowid() as u64,
                username: user.username,
                password_hash: user.password_hash,
                role: user.role,
                branch: user.branch,
                disabled: false,
                profiles: user.profiles,
            })
        })
        .await
    }

    pub async fn user_by_username(&self, username: String) -> Result<Option<User>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!("{USER_COLUMNS} WHERE username = ?1"))?;
            Ok(stmt.query_row([username], user_from_row).optional()?)
        })
        .await
    }

    pub async fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!("{USER_COLUMNS} WHERE id = ?1"))?;
            Ok(stmt.query_row([id as i64], user_from_row).optional()?)
        })
        .await
    }

    /// Sets the profiles a user may work with (`None`: any); false if there is no such user.
    pub async fn set_user_profiles(
        &self,
        id: u64,
        profiles: Option<Vec<ProfileId>>,
    ) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE users SET profiles = ?2 WHERE id = ?1",
                params![id as i64, profiles_json(&profiles)?],
            )? > 0)
        })
        .await
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{USER_COLUMNS} ORDER BY id"))?;
            let users = stmt
                .query_map([], user_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(users)
        })
        .await
    }

    pub async fn insert_token(&self, token: TokenRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO tokens (token_hash, kind, role, user_id, branch_id, name, \
                 created_at, expires_at, printer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    token.token_hash,
                    token.kind.as_str(),
                    token.role,
                    token.user_id.map(|u| u as i64),
                    token.branch.map(|b| b.0 as i64),
                    token.name,
                    Timestamp::now().to_string(),
                    token.expires_at.map(|t| t.to_string()),
                    token.printer,
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn token(
        &self,
        token_hash: String,
        now: Timestamp,
    ) -> Result<Option<TokenRecord>, StoreError> {
        self.read(move |conn| {
            // Two plain lookups rather than a join: SQLite re-prepares the joined query on
            // every run, and this is on the path of every authenticated request.
            let mut stmt = conn.prepare_cached(
                "SELECT token_hash, kind, role, user_id, branch_id, name, expires_at, printer \
                 FROM tokens WHERE token_hash = ?1",
            )?;
            let row = stmt
                .query_row([token_hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })
                .optional()?;
            let Some((token_hash, kind, role, user_id, branch, name, expires_at, printer)) = row
            else {
                return Ok(None);
            };
            let expires_at = expires_at
                .map(|t| t.parse::<Timestamp>())
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if expires_at.is_some_and(|t| t <= now) {
                return Ok(None);
            }
            if let Some(user) = user_id {
                let disabled: Option<i64> = conn
                    .prepare_cached("SELECT disabled FROM users WHERE id = ?1")?
                    .query_row([user], |r| r.get(0))
                    .optional()?;
                if disabled != Some(0) {
                    return Ok(None);
                }
            }
            Ok(Some(TokenRecord {
                token_hash,
                kind: TokenKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("token kind {kind}")))?,
                role,
                user_id: user_id.map(|u| u as u64),
                branch: branch.map(|b| BranchId(b as u64)),
                name,
                expires_at,
                printer,
            }))
        })
        .await
    }

    pub async fn delete_token(&self, token_hash: String) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM tokens WHERE token_hash = ?1", [token_hash])? > 0)
        })
        .await
    }
}

impl SqliteStore {
    /// Creates or replaces what the branch knows of an identified customer.
    pub async fn save_customer(&self, customer: Customer) -> Result<(), StoreError> {
        self.write(move |conn| {
            let now = Timestamp::now().to_string();
            conn.prepare_cached(
                "INSERT INTO customers (branch_id, identifier_hash, kind, last4, category_id, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
                 ON CONFLICT (branch_id, identifier_hash) DO UPDATE SET \
                 category_id = excluded.category_id, last4 = excluded.last4, \
                 updated_at = excluded.updated_at",
            )?
            .execute(params![
                customer.branch.0 as i64,
                customer.identifier_hash,
                customer.kind,
                customer.last4,
                customer.category.map(|c| c.0 as i64),
                now
            ])?;
            Ok(())
        })
        .await
    }

    pub async fn customer(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<Option<Customer>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, last4, category_id FROM customers \
                 WHERE branch_id = ?1 AND identifier_hash = ?2",
            )?;
            let found = stmt
                .query_row(params![branch.0 as i64, identifier_hash], |r| {
                    Ok(Customer {
                        branch,
                        identifier_hash: identifier_hash.clone(),
                        kind: r.get(0)?,
                        last4: r.get(1)?,
                        category: r.get::<_, Option<i64>>(2)?.map(|c| CategoryId(c as u64)),
                    })
                })
                .optional()?;
            Ok(found)
        })
        .await
    }

    pub async fn delete_customer(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM customers WHERE branch_id = ?1 AND identifier_hash = ?2",
                params![branch.0 as i64, identifier_hash],
            )? > 0)
        })
        .await
    }
}

impl SqliteStore {
    /// Appends to the audit log on the writer: appends are ordered by the writer, and each reads
    /// the previous hash in the transaction that writes it.
    pub async fn append_audit(&self, entry: AuditEntry) -> Result<AuditRecord, StoreError> {
        self.write(move |conn| audit::append(conn, entry)).await
    }

    pub async fn audit_records(
        &self,
        after: u64,
        limit: u32,
        branch: Option<BranchId>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.read(move |conn| audit::page(conn, after, limit, branch))
            .await
    }

    pub async fn verify_audit(&self) -> Result<AuditCheck, StoreError> {
        self.read(audit::verify).await
    }

    /// Verifies the audit chain of the database file at `path` without creating, migrating or
    /// writing it, so evidence is examined as found.
    pub fn verify_audit_file(path: &Path) -> Result<AuditCheck, StoreError> {
        audit::verify(&open_connection(path, true)?)
    }
}

const USER_COLUMNS: &str =
    "SELECT id, username, password_hash, role, branch_id, disabled, profiles FROM users";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let profiles: Option<String> = r.get(6)?;
    Ok(User {
        id: r.get::<_, i64>(0)? as u64,
        username: r.get(1)?,
        password_hash: r.get(2)?,
        role: r.get(3)?,
        branch: r.get::<_, Option<i64>>(4)?.map(|b| BranchId(b as u64)),
        disabled: r.get::<_, i64>(5)? != 0,
        profiles: profiles
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
    })
}

fn profiles_json(profiles: &Option<Vec<ProfileId>>) -> Result<Option<String>, StoreError> {
    Ok(profiles.as_ref().map(serde_json::to_string).transpose()?)
}

fn ticket_row(
    conn: &Connection,
    sql: &str,
    key: &dyn rusqlite::ToSql,
) -> Result<Option<(BranchId, Ticket)>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let row = stmt
        .query_row([key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    row.map(|(branch, body)| Ok((BranchId(branch as u64), serde_json::from_str(&body)?)))
        .transpose()
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if !read_only {
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}

fn write_loop(conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut finishes = Vec::with_capacity(batch.len());
        let outcome = run_batch(&conn, batch, &mut finishes);
        if outcome.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishes {
            finish(outcome.clone());
        }
    }
}

/// Runs each job in its own savepoint, so a failing job leaves the others' work intact.
fn run_batch(
    conn: &Connection,
    batch: Vec<Job>,
    finishes: &mut Vec<Finish>,
) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    for job in batch {
        conn.execute_batch("SAVEPOINT job")?;
        let (ok, finish) = job(conn);
        finishes.push(finish);
        if ok {
            conn.execute_batch("RELEASE job")?;
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}

fn write_commit(conn: &Connection, commit: &BranchCommit) -> Result<(), StoreError> {
    let branch = commit.branch.0 as i64;
    let last_seq: Option<i64> = conn
        .prepare_cached("SELECT last_seq FROM branches WHERE id = ?1")?
        .query_row([branch], |r| r.get(0))
        .optional()?;
    if last_seq.unwrap_or(0) as u64 != commit.expected_seq {
        return Err(StoreError::Conflict);
    }
    let new_seq = commit.events.last().map_or(commit.expected_seq, |e| e.seq) as i64;
    let now = Timestamp::now().to_string();
    match (last_seq, &commit.config) {
        (None, Some(config)) => {
            conn.prepare_cached(
                "INSERT INTO branches (id, last_seq, config, updated_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![branch, new_seq, config, now])?;
        }
        (None, None) => {
            return Err(StoreError::Corrupt(
                "a new branch must come with its configuration".into(),
            ));
        }
        (Some(_), Some(config)) => {
            conn.prepare_cached(
                "UPDATE branches SET last_seq = ?2, config = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![branch, new_seq, config, now])?;
        }
        (Some(_), None) => {
            conn.prepare_cached("UPDATE branches SET last_seq = ?2 WHERE id = ?1")?
                .execute(params![branch, new_seq])?;
        }
    }
    let mut insert_event = conn.prepare_cached(
        "INSERT INTO events (branch_id, seq, at, type, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for event in &commit.events {
        insert_event.execute(params![
            branch,
            event.seq as i64,
            event.at.to_string(),
            event.kind,
            &*event.body
        ])?;
    }
    let mut upsert_ticket = conn.prepare_cached(
        "INSERT INTO tickets (id, branch_id, token_hash, number, service_id, day, status, \
         created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, \
         status = excluded.status, body = excluded.body",
    )?;
    for t in &commit.tickets {
        upsert_ticket.execute(params![
            t.id.0 as i64,
            branch,
            t.token_hash,
            t.number,
            t.service.0 as i64,
            t.day.to_string(),
            t.status.as_str(),
            t.created_at.to_string(),
            serde_json::to_string(t)?,
        ])?;
    }
    if let Some(snapshot) = &commit.snapshot {
        conn.prepare_cached(
            "INSERT INTO snapshots (branch_id, seq, body) VALUES (?1, ?2, ?3) \
             ON CONFLICT (branch_id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
        )?
        .execute(params![branch, new_seq, snapshot])?;
    }
    Ok(())
}
