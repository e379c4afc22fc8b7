//! Branches on SQLite: the id sequence, the event log with its projections written by one
//! commit (configuration, tickets, snapshots) under the optimistic sequence check, loading a
//! branch from its snapshot and the events after it, and reading tickets back.

use super::SqliteStore;
use crate::error::StoreError;
use crate::records::{BranchCommit, LoggedEvent, StoredTicket};
use crate::time::stored;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use talon_core::{BranchId, BranchState, Event, Snapshot, TicketId};

impl SqliteStore {
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

    pub async fn branch_heads(&self) -> Result<Vec<(BranchId, u64)>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id, last_seq FROM branches ORDER BY id")?;
            let heads = stmt
                .query_map([], |r| {
                    Ok((
                        BranchId(r.get::<_, i64>(0)? as u64),
                        r.get::<_, i64>(1)? as u64,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            Ok(heads)
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
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, type, body FROM events WHERE branch_id = ?1 AND seq > ?2 \
                 ORDER BY seq LIMIT ?3",
            )?;
            let events = stmt
                .query_map(
                    params![branch.0 as i64, after_seq as i64, i64::from(limit)],
                    |r| {
                        Ok(LoggedEvent {
                            seq: r.get::<_, i64>(0)? as u64,
                            kind: r.get(1)?,
                            body: r.get(2)?,
                        })
                    },
                )?
                .collect::<Result<_, _>>()?;
            Ok(events)
        })
        .await
    }

    pub async fn ticket_by_token_hash(
        &self,
        token_hash: String,
    ) -> Result<Option<StoredTicket>, StoreError> {
        self.read(move |conn| {
            ticket_row(
                conn,
                "SELECT branch_id, body FROM tickets WHERE token_hash = ?1",
                &token_hash,
            )
        })
        .await
    }

    pub async fn ticket(&self, id: TicketId) -> Result<Option<StoredTicket>, StoreError> {
        self.read(move |conn| {
            ticket_row(
                conn,
                "SELECT branch_id, body FROM tickets WHERE id = ?1",
                &(id.0 as i64),
            )
        })
        .await
    }
}

fn ticket_row(
    conn: &Connection,
    sql: &str,
    key: &dyn rusqlite::ToSql,
) -> Result<Option<StoredTicket>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let row = stmt
        .query_row([key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    row.map(|(branch, body)| {
        Ok(StoredTicket {
            branch: BranchId(branch as u64),
            ticket: serde_json::from_str(&body)?,
        })
    })
    .transpose()
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
    let now = stored(Timestamp::now());
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
            stored(event.at),
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
            stored(t.created_at),
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
