//! The SQLite backend: one file in WAL mode.
//!
//! All writes go through one writer thread, which takes every job waiting for it, runs each in
//! its own savepoint inside one `BEGIN IMMEDIATE` transaction and commits once (group commit):
//! with `synchronous=FULL` one fsync then acknowledges a whole batch. Reads run on a small pool
//! of read-only connections, which WAL lets proceed beside the writer.

mod audit;
pub(crate) mod backup;
mod branches;
mod copy;
mod customers;
mod devices;
mod staff;

use crate::error::StoreError;
use crate::records::{AuditCheck, AuditEntry, AuditRecord};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use talon_core::BranchId;
use tokio::sync::oneshot;

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_customers.sql"),
    include_str!("../../migrations/sqlite/0003_user_profiles.sql"),
    include_str!("../../migrations/sqlite/0004_device_printers.sql"),
    include_str!("../../migrations/sqlite/0005_audit.sql"),
    include_str!("../../migrations/sqlite/0006_pairings.sql"),
    include_str!("../../migrations/sqlite/0007_managers.sql"),
    include_str!("../../migrations/sqlite/0008_one_time_format.sql"),
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
            create_private(&path)?;
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

    /// The schema version the database holds, read on a read connection.
    pub async fn ping(&self) -> Result<crate::Schema, StoreError> {
        let found: i64 = self
            .read(|conn| Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?))
            .await?;
        Ok(crate::Schema {
            found: found as u64,
            known: MIGRATIONS.len() as u64,
        })
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

/// Creates the database file readable by its owner only, if it does not exist yet: it holds
/// password and token hashes and the audit log. SQLite gives its journal files the database
/// file's mode.
fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
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

/// Runs the migrations the database has not had, each in its own transaction: one that fails
/// leaves the database as the one before left it. A database written by a newer Talon is refused.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() as i64 {
        return Err(StoreError::NewerSchema {
            found: version as u64,
            known: MIGRATIONS.len() as u64,
        });
    }
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
