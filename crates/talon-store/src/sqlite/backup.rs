//! Online backups of the embedded database, and their restore.
//!
//! A backup is one SQLite file: `VACUUM INTO` writes a consistent copy of the database as of one
//! read transaction, so it runs while a server commits. Beside Talon's own tables the copy holds
//! two of its own: the files of the data folder a restore needs besides the database (the
//! identity key, say), and the row counts at the moment of the copy, which the restore checks.
//! A restore copies the file into an empty place, takes those tables out, and checks the result:
//! SQLite's integrity check, the counts, and the audit chain.

use super::{audit, create_private, open_connection};
use crate::error::StoreError;
use crate::records::AuditCheck;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// The tables whose rows a backup counts, and a restore checks.
const COUNTED: [&str; 9] = [
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

/// A file of the data folder carried in a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a backup holds, or what a restore found: rows per table in `COUNTED`'s order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCounts {
    pub tables: Vec<(&'static str, u64)>,
}

/// A restored database: its attachments to write back, its counts and its audit check.
#[derive(Debug)]
pub struct Restored {
    pub attachments: Vec<Attachment>,
    pub counts: BackupCounts,
    pub audit: AuditCheck,
}

fn has_table(conn: &Connection, table: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            params![table],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn utf8(path: &Path) -> Result<&str, StoreError> {
    path.to_str()
        .ok_or_else(|| StoreError::Database(format!("{} is not a UTF-8 path", path.display())))
}

/// Rows per counted table; a table an earlier schema did not have yet counts none.
fn counts(conn: &Connection) -> Result<BackupCounts, StoreError> {
    let mut tables = Vec::new();
    for table in COUNTED {
        if !has_table(conn, table)? {
            tables.push((table, 0));
            continue;
        }
        let rows: i64 =
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
        tables.push((table, rows as u64));
    }
    Ok(BackupCounts { tables })
}

/// Writes a backup of the database at `database` to the new file `to`, readable by its owner
/// only, with `attachments`. Another process may be writing the database meanwhile.
pub fn backup(
    database: &Path,
    to: &Path,
    attachments: &[Attachment],
) -> Result<BackupCounts, StoreError> {
    if !database.exists() {
        return Err(StoreError::Database(format!(
            "there is no database at {}",
            database.display()
        )));
    }
    if to.exists() {
        return Err(StoreError::Duplicate("the backup file"));
    }
    let written = (|| {
        let source = open_connection(database, true)?;
        create_private(to)?;
        source.execute("VACUUM INTO ?1", params![utf8(to)?])?;
        drop(source);
        let mut copy = Connection::open(to)?;
        let tx = copy.transaction()?;
        tx.execute_batch(
            "CREATE TABLE talon_backup_files (name TEXT PRIMARY KEY, bytes BLOB NOT NULL);
             CREATE TABLE talon_backup_counts (name TEXT PRIMARY KEY, rows INTEGER NOT NULL);",
        )?;
        for a in attachments {
            tx.execute(
                "INSERT INTO talon_backup_files (name, bytes) VALUES (?1, ?2)",
                params![a.name, a.bytes],
            )?;
        }
        let found = counts(&tx)?;
        for (table, rows) in &found.tables {
            tx.execute(
                "INSERT INTO talon_backup_counts (name, rows) VALUES (?1, ?2)",
                params![table, *rows as i64],
            )?;
        }
        tx.commit()?;
        // The copy is written with the journal of a fresh file; it leaves as one file.
        copy.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(found)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(to);
    }
    written
}

/// Restores the backup `from` as the database `database`, which must not exist yet, and
/// checks it. A failed check removes what was written.
pub fn restore(from: &Path, database: &Path) -> Result<Restored, StoreError> {
    if database.exists() {
        return Err(StoreError::NotEmpty("the data folder"));
    }
    let restored = (|| {
        let backup = open_connection(from, true)?;
        let check: String = backup.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::Corrupt(format!(
                "the backup fails SQLite's integrity check: {check}"
            )));
        }
        if !has_table(&backup, "talon_backup_counts")? || !has_table(&backup, "events")? {
            return Err(StoreError::Corrupt(
                "the file is not a Talon backup (talon backup writes one)".into(),
            ));
        }
        let mut attachments = Vec::new();
        let mut files =
            backup.prepare("SELECT name, bytes FROM talon_backup_files ORDER BY name")?;
        let rows = files.query_map([], |r| {
            Ok(Attachment {
                name: r.get(0)?,
                bytes: r.get(1)?,
            })
        })?;
        for row in rows {
            attachments.push(row?);
        }
        drop(files);
        let mut expected = Vec::new();
        for table in COUNTED {
            let rows: Option<i64> = backup
                .query_row(
                    "SELECT rows FROM talon_backup_counts WHERE name = ?1",
                    params![table],
                    |r| r.get(0),
                )
                .optional()?;
            expected.push((table, rows.unwrap_or(0) as u64));
        }
        create_private(database)?;
        backup.execute("VACUUM INTO ?1", params![utf8(database)?])?;
        drop(backup);
        let conn = Connection::open(database)?;
        conn.execute_batch(
            "DROP TABLE talon_backup_files; DROP TABLE talon_backup_counts; VACUUM;",
        )?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let counts = counts(&conn)?;
        if counts.tables != expected {
            return Err(StoreError::CopyMismatch(format!(
                "the backup recorded {expected:?}, the restored database holds {:?}",
                counts.tables
            )));
        }
        let audit = audit::verify(&conn)?;
        if let Some(broken) = &audit.broken {
            return Err(StoreError::Corrupt(format!(
                "the audit chain is broken at record {}: {}",
                broken.seq, broken.problem
            )));
        }
        Ok(Restored {
            attachments,
            counts,
            audit,
        })
    })();
    if restored.is_err() {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = database.as_os_str().to_owned();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
    restored
}
