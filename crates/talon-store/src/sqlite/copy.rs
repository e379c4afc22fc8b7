//! The SQLite side of a copy (`crate::copy`): every table read in batches in key order, in one
//! read transaction on a connection of its own, so the whole copy sees one state of the file.
//! Batches go out through a bounded channel and the thread waits while it is full, so no more
//! than a few batches are ever in memory.

use super::{SqliteStore, open_connection};
use crate::audit::Signed;
use crate::copy::{
    BATCH, BranchRow, CopyReport, CustomerRow, EventRow, PairingRow, Rows, SNAPSHOT_BATCH,
    SnapshotRow, TicketRow, TokenRow, UserRow,
};
use crate::error::StoreError;
use crate::time::parse;
use rusqlite::types::Value;
use rusqlite::{Connection, Row};
use std::path::Path;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

type Batches = mpsc::Sender<Result<Rows, StoreError>>;

impl SqliteStore {
    /// Sends every table's rows, then the counts; on a failure, sends the error. Stops when
    /// the receiver is gone.
    pub(crate) fn export(&self, batches: Batches) -> JoinHandle<Result<(), StoreError>> {
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || {
            let exported = export(&path, &batches);
            if let Err(e) = &exported {
                // Nobody may be left to tell: then the receiver stopped first and knows why.
                let _ = batches.blocking_send(Err(e.clone()));
            }
            exported
        })
    }
}

fn export(path: &Path, batches: &Batches) -> Result<(), StoreError> {
    let conn = open_connection(path, true)?;
    // A deferred transaction: its snapshot of the file is taken at the first read and holds
    // until the end, however long the copy takes.
    conn.execute_batch("BEGIN")?;
    let send = |rows: Rows| {
        batches
            .blocking_send(Ok(rows))
            .map_err(|_| StoreError::Closed)
    };
    let next_id: i64 = conn.query_row("SELECT next FROM ids", [], |r| r.get(0))?;
    send(Rows::NextId(next_id))?;
    send_table(&conn, &BRANCHES, &send)?;
    send_table(&conn, &EVENTS, &send)?;
    send_table(&conn, &SNAPSHOTS, &send)?;
    send_table(&conn, &TICKETS, &send)?;
    send_table(&conn, &USERS, &send)?;
    send_table(&conn, &TOKENS, &send)?;
    send_table(&conn, &PAIRINGS, &send)?;
    send_table(&conn, &CUSTOMERS, &send)?;
    send_table(&conn, &AUDIT, &send)?;
    let count = |table: &str| -> Result<u64, StoreError> {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        Ok(n as u64)
    };
    let counts = CopyReport {
        next_id: next_id as u64,
        branches: count(BRANCHES.name)?,
        events: count(EVENTS.name)?,
        snapshots: count(SNAPSHOTS.name)?,
        tickets: count(TICKETS.name)?,
        users: count(USERS.name)?,
        tokens: count(TOKENS.name)?,
        pairings: count(PAIRINGS.name)?,
        customers: count(CUSTOMERS.name)?,
        audit: count(AUDIT.name)?,
    };
    conn.execute_batch("COMMIT")?;
    send(Rows::End(counts))
}

/// How to read one table in batches: its columns, the key that orders it uniquely, and how a
/// row becomes a record of the copy.
struct Table<T> {
    name: &'static str,
    columns: &'static str,
    key: &'static str,
    batch: usize,
    read: fn(&Row<'_>) -> Result<T, StoreError>,
    key_of: fn(&T) -> Vec<Value>,
    wrap: fn(Vec<T>) -> Rows,
}

/// Sends the table's rows in batches, each after the last key of the one before.
fn send_table<T>(
    conn: &Connection,
    table: &Table<T>,
    send: &impl Fn(Rows) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let Table {
        name, columns, key, ..
    } = table;
    let arity = key.split(',').count();
    let placeholders: Vec<String> = (1..=arity).map(|i| format!("?{i}")).collect();
    let first = format!("SELECT {columns} FROM {name} ORDER BY {key} LIMIT ?1");
    let next = format!(
        "SELECT {columns} FROM {name} WHERE ({key}) > ({}) ORDER BY {key} LIMIT ?{}",
        placeholders.join(", "),
        arity + 1
    );
    let limit = Value::Integer(table.batch as i64);
    let mut after: Option<Vec<Value>> = None;
    loop {
        let (sql, params) = match after {
            None => (&first, vec![limit.clone()]),
            Some(mut params) => {
                params.push(limit.clone());
                (&next, params)
            }
        };
        let mut statement = conn.prepare_cached(sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        let mut batch = Vec::with_capacity(table.batch);
        while let Some(row) = rows.next()? {
            batch.push((table.read)(row)?);
        }
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = Some((table.key_of)(last));
        let full = batch.len() == table.batch;
        send((table.wrap)(batch))?;
        if !full {
            return Ok(());
        }
    }
}

fn instant(row: &Row<'_>, i: usize, what: &str) -> Result<jiff::Timestamp, StoreError> {
    parse(&row.get::<_, String>(i)?, what)
}

const BRANCHES: Table<BranchRow> = Table {
    name: "branches",
    columns: "id, last_seq, config, updated_at",
    key: "id",
    batch: BATCH,
    read: |r| {
        Ok(BranchRow {
            id: r.get(0)?,
            last_seq: r.get(1)?,
            config: r.get(2)?,
            updated_at: instant(r, 3, "a branch's time")?,
        })
    },
    key_of: |b| vec![Value::Integer(b.id)],
    wrap: Rows::Branches,
};

const EVENTS: Table<EventRow> = Table {
    name: "events",
    columns: "branch_id, seq, at, type, body",
    key: "branch_id, seq",
    batch: BATCH,
    read: |r| {
        Ok(EventRow {
            branch_id: r.get(0)?,
            seq: r.get(1)?,
            at: instant(r, 2, "an event's time")?,
            kind: r.get(3)?,
            body: r.get(4)?,
        })
    },
    key_of: |e| vec![Value::Integer(e.branch_id), Value::Integer(e.seq)],
    wrap: Rows::Events,
};

const SNAPSHOTS: Table<SnapshotRow> = Table {
    name: "snapshots",
    columns: "branch_id, seq, body",
    key: "branch_id",
    batch: SNAPSHOT_BATCH,
    read: |r| {
        Ok(SnapshotRow {
            branch_id: r.get(0)?,
            seq: r.get(1)?,
            body: r.get(2)?,
        })
    },
    key_of: |s| vec![Value::Integer(s.branch_id)],
    wrap: Rows::Snapshots,
};

const TICKETS: Table<TicketRow> = Table {
    name: "tickets",
    columns: "id, branch_id, token_hash, number, service_id, day, status, created_at, body",
    key: "id",
    batch: BATCH,
    read: |r| {
        let day: String = r.get(5)?;
        Ok(TicketRow {
            id: r.get(0)?,
            branch_id: r.get(1)?,
            token_hash: r.get(2)?,
            number: r.get(3)?,
            service_id: r.get(4)?,
            day: day
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("a ticket's day {day}: {e}")))?,
            status: r.get(6)?,
            created_at: instant(r, 7, "a ticket's time")?,
            body: r.get(8)?,
        })
    },
    key_of: |t| vec![Value::Integer(t.id)],
    wrap: Rows::Tickets,
};

const USERS: Table<UserRow> = Table {
    name: "users",
    columns: "id, username, password_hash, role, branch_id, disabled, created_at, profiles",
    key: "id",
    batch: BATCH,
    read: |r| {
        Ok(UserRow {
            id: r.get(0)?,
            username: r.get(1)?,
            password_hash: r.get(2)?,
            role: r.get(3)?,
            branch_id: r.get(4)?,
            disabled: r.get::<_, i64>(5)? != 0,
            created_at: instant(r, 6, "a user's time")?,
            profiles: r.get(7)?,
        })
    },
    key_of: |u| vec![Value::Integer(u.id)],
    wrap: Rows::Users,
};

const TOKENS: Table<TokenRow> = Table {
    name: "tokens",
    columns: "rowid, token_hash, kind, role, user_id, branch_id, name, created_at, expires_at, \
              printer",
    key: "rowid",
    batch: BATCH,
    read: |r| {
        Ok(TokenRow {
            id: r.get(0)?,
            token_hash: r.get(1)?,
            kind: r.get(2)?,
            role: r.get(3)?,
            user_id: r.get(4)?,
            branch_id: r.get(5)?,
            name: r.get(6)?,
            created_at: instant(r, 7, "a token's time")?,
            expires_at: r
                .get::<_, Option<String>>(8)?
                .map(|t| parse(&t, "a token's expiry"))
                .transpose()?,
            printer: r.get(9)?,
        })
    },
    key_of: |t| vec![Value::Integer(t.id)],
    wrap: Rows::Tokens,
};

const PAIRINGS: Table<PairingRow> = Table {
    name: "pairings",
    columns: "code_hash, branch_id, role, name, printer, workplace_id, created_at, expires_at",
    key: "code_hash",
    batch: BATCH,
    read: |r| {
        Ok(PairingRow {
            code_hash: r.get(0)?,
            branch_id: r.get(1)?,
            role: r.get(2)?,
            name: r.get(3)?,
            printer: r.get(4)?,
            workplace_id: r.get(5)?,
            created_at: instant(r, 6, "a pairing's time")?,
            expires_at: instant(r, 7, "a pairing's expiry")?,
        })
    },
    key_of: |p| vec![Value::Text(p.code_hash.clone())],
    wrap: Rows::Pairings,
};

const CUSTOMERS: Table<CustomerRow> = Table {
    name: "customers",
    columns: "branch_id, identifier_hash, kind, last4, category_id, created_at, updated_at",
    key: "branch_id, identifier_hash",
    batch: BATCH,
    read: |r| {
        Ok(CustomerRow {
            branch_id: r.get(0)?,
            identifier_hash: r.get(1)?,
            kind: r.get(2)?,
            last4: r.get(3)?,
            category_id: r.get(4)?,
            created_at: instant(r, 5, "a customer's time")?,
            updated_at: instant(r, 6, "a customer's time")?,
        })
    },
    key_of: |c| {
        vec![
            Value::Integer(c.branch_id),
            Value::Text(c.identifier_hash.clone()),
        ]
    },
    wrap: Rows::Customers,
};

/// Audit records as stored, `at` as its signed text; a value of another type than Talon writes
/// (which only tampering leaves) fails the copy, as PostgreSQL could not hold it.
const AUDIT: Table<(Signed, String)> = Table {
    name: "audit",
    columns: "seq, at, actor_user, actor_name, actor_role, branch_id, action, target, outcome, \
              prev_hash, hash",
    key: "seq",
    batch: BATCH,
    read: |r| {
        Ok((
            Signed {
                seq: r.get(0)?,
                at: r.get(1)?,
                user: r.get(2)?,
                name: r.get(3)?,
                role: r.get(4)?,
                branch: r.get(5)?,
                action: r.get(6)?,
                target: r.get(7)?,
                outcome: r.get(8)?,
                prev_hash: r.get(9)?,
            },
            r.get(10)?,
        ))
    },
    key_of: |(signed, _)| vec![Value::Integer(signed.seq)],
    wrap: Rows::Audit,
};
