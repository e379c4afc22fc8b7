//! The audit log on SQLite: appending a record (on the writer, so the previous hash is read and
//! the record written in one transaction), reading pages, and verifying the chain. The values
//! are hashed as SQLite holds them (integer, text, null, …), so a field changed in the file, even
//! to the same text in another type, no longer matches.

use crate::audit::{GENESIS, Signed, hash_of, hex};
use crate::error::StoreError;
use crate::records::{AuditBreak, AuditCheck, AuditEntry, AuditProblem, AuditRecord};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};
use talon_core::BranchId;

/// How many records verification holds in memory at a time.
const PAGE: i64 = 1000;

const COLUMNS: &str = "seq, at, actor_user, actor_name, actor_role, branch_id, action, target, \
                       outcome, prev_hash, hash";

/// Chains `entry` after the last record and writes it. Runs inside the writer's transaction:
/// no other append can come between reading the last hash and writing the new record.
pub fn append(conn: &Connection, mut entry: AuditEntry) -> Result<AuditRecord, StoreError> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = last.map_or((1, GENESIS.to_string()), |(seq, hash)| (seq + 1, hash));
    entry.at = crate::time::to_microsecond(entry.at);
    let signed = Signed::of(seq, &entry, prev_hash)?;
    let hash = signed.hash();
    conn.prepare_cached(&format!(
        "INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?
    .execute(params![
        signed.seq,
        signed.at,
        signed.user,
        signed.name,
        signed.role,
        signed.branch,
        signed.action,
        signed.target,
        signed.outcome,
        signed.prev_hash,
        hash
    ])?;
    Ok(AuditRecord {
        seq: seq as u64,
        entry,
        prev_hash: signed.prev_hash,
        hash,
    })
}

/// Up to `limit` records after `after`, in order, of one branch or of all.
pub fn page(
    conn: &Connection,
    after: u64,
    limit: u32,
    branch: Option<BranchId>,
) -> Result<Vec<AuditRecord>, StoreError> {
    let after = after as i64;
    let limit = i64::from(limit);
    let rows = match branch {
        Some(branch) => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM audit WHERE branch_id = ?1 AND seq > ?2 \
                 ORDER BY seq LIMIT ?3"
            ))?
            .query_map(params![branch.0 as i64, after, limit], raw_row)?
            .collect::<Result<Vec<_>, _>>()?,
        None => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?
            .query_map(params![after, limit], raw_row)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    rows.iter().map(|row| record(row)).collect()
}

/// Walks the whole chain in pages and stops at the first record that breaks it.
pub fn verify(conn: &Connection) -> Result<AuditCheck, StoreError> {
    let exists: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::Corrupt(
            "the database has no audit table (an older database needs `talon migrate`)".into(),
        ));
    }
    // One read transaction: the walk sees one state of the log however long it takes.
    let tx = conn.unchecked_transaction()?;
    let mut statement = tx.prepare(&format!(
        "SELECT {COLUMNS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let mut expected: i64 = 1;
    let mut head = GENESIS.to_string();
    loop {
        let rows = statement
            .query_map(params![expected - 1, PAGE], raw_row)?
            .collect::<Result<Vec<_>, _>>()?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let broken = |problem| {
                Ok(AuditCheck {
                    verified: (expected - 1) as u64,
                    head: head.clone(),
                    broken: Some(AuditBreak {
                        seq: expected as u64,
                        problem,
                    }),
                })
            };
            if row[0] != Value::Integer(expected) {
                return broken(AuditProblem::Missing);
            }
            if row[9] != Value::Text(head.clone()) {
                return broken(AuditProblem::Unchained);
            }
            let hash = record_hash(row[..10].iter().map(ValueRef::from));
            if row[10] != Value::Text(hash.clone()) {
                return broken(AuditProblem::Altered);
            }
            head = hash;
            expected += 1;
        }
    }
    Ok(AuditCheck {
        verified: (expected - 1) as u64,
        head,
        broken: None,
    })
}

/// The hash of a record from its stored values (all columns but the hash, in order), taken as
/// SQLite holds them.
fn record_hash<'a>(values: impl Iterator<Item = ValueRef<'a>>) -> String {
    hash_of(
        values
            .map(|value| match value {
                ValueRef::Null => serde_json::Value::Null,
                ValueRef::Integer(i) => serde_json::Value::from(i),
                ValueRef::Real(f) => serde_json::json!({ "real": f.to_bits() }),
                ValueRef::Text(t) => match std::str::from_utf8(t) {
                    Ok(t) => serde_json::Value::from(t),
                    Err(_) => serde_json::json!({ "bytes": hex(t) }),
                },
                ValueRef::Blob(b) => serde_json::json!({ "blob": hex(b) }),
            })
            .collect(),
    )
}

/// A row's values as SQLite holds them, whatever their types now are.
fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Vec<Value>> {
    (0..11).map(|i| r.get::<_, Value>(i)).collect()
}

fn record(row: &[Value]) -> Result<AuditRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("audit record: {what}"));
    let int = |v: &Value| match v {
        Value::Integer(i) => Ok(Some(*i)),
        Value::Null => Ok(None),
        _ => Err(corrupt("a number is not a number")),
    };
    let text = |v: &Value| match v {
        Value::Text(t) => Ok(Some(t.clone())),
        Value::Null => Ok(None),
        _ => Err(corrupt("a text is not text")),
    };
    let required = |v: Option<String>| v.ok_or_else(|| corrupt("a required text is null"));
    let seq = int(&row[0])?.ok_or_else(|| corrupt("no sequence number"))?;
    let at = required(text(&row[1])?)?
        .parse()
        .map_err(|_| corrupt("the instant"))?;
    let outcome = int(&row[8])?
        .and_then(|o| u16::try_from(o).ok())
        .ok_or_else(|| corrupt("the outcome"))?;
    Ok(AuditRecord {
        seq: seq as u64,
        entry: AuditEntry {
            at,
            user: int(&row[2])?.map(|u| u as u64),
            name: text(&row[3])?,
            role: required(text(&row[4])?)?,
            branch: int(&row[5])?.map(|b| BranchId(b as u64)),
            action: required(text(&row[6])?)?,
            target: serde_json::from_str(&required(text(&row[7])?)?)?,
            outcome,
        },
        prev_hash: required(text(&row[9])?)?,
        hash: required(text(&row[10])?)?,
    })
}
