//! Branches on PostgreSQL: the id sequence, the event log with its projections written by one
//! commit (configuration, tickets, snapshots) under the sequence check, loading a branch from its
//! snapshot and the events after it, and reading tickets back.
//!
//! A commit locks its branch's row (`FOR UPDATE`) before checking the sequence, so commits of
//! one branch from several instances queue there and the later one sees the earlier one's
//! sequence; a branch created by two at once is decided by its primary key. The commit tells
//! the other instances with `NOTIFY`, which PostgreSQL delivers only if the transaction commits.

use super::time::{Day, Instant};
use super::{PgStore, is_unique_violation};
use crate::error::StoreError;
use crate::records::{BranchCommit, LoggedEvent, StoredTicket};
use futures_util::TryStreamExt;
use jiff::Timestamp;
use talon_core::{BranchId, BranchState, Event, Snapshot, Ticket, TicketId};
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;

/// The channel that carries `<branch>:<last seq>` after every commit.
pub(crate) const EVENTS_CHANNEL: &str = "talon_events";

impl PgStore {
    pub async fn reserve_ids(&self, count: u64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let first: i64 = client
            .query_one(
                "UPDATE ids SET next = next + $1 RETURNING next - $1",
                &[&(count as i64)],
            )
            .await?
            .get(0);
        Ok(first as u64)
    }

    pub async fn commit(&self, commit: BranchCommit) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // On an error the transaction is dropped unfinished, which rolls it back.
        write_commit(&tx, &commit).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn branch_ids(&self) -> Result<Vec<BranchId>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT id FROM branches ORDER BY id", &[])
            .await?;
        Ok(rows
            .iter()
            .map(|r| BranchId(r.get::<_, i64>(0) as u64))
            .collect())
    }

    pub async fn branch_heads(&self) -> Result<Vec<(BranchId, u64)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT id, last_seq FROM branches ORDER BY id", &[])
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    BranchId(r.get::<_, i64>(0) as u64),
                    r.get::<_, i64>(1) as u64,
                )
            })
            .collect())
    }

    pub async fn load_branch(&self, branch: BranchId) -> Result<Option<BranchState>, StoreError> {
        let client = self.client().await?;
        let id = branch.0 as i64;
        if client
            .query_opt("SELECT last_seq FROM branches WHERE id = $1", &[&id])
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let snapshot = client
            .query_opt("SELECT body FROM snapshots WHERE branch_id = $1", &[&id])
            .await?;
        let mut state = match snapshot {
            Some(row) => {
                BranchState::from_snapshot(serde_json::from_str::<Snapshot>(row.get::<_, &str>(0))?)
            }
            None => BranchState::new(),
        };
        // A commit writes a snapshot and the events before it together, so the events after the
        // snapshot read here are the tail it needs, whatever was committed since.
        let statement = client
            .prepare_cached(
                "SELECT body FROM events WHERE branch_id = $1 AND seq > $2 ORDER BY seq",
            )
            .await?;
        let params: [&(dyn ToSql + Sync); 2] = [&id, &(state.seq() as i64)];
        // Streamed: a long tail is applied row by row, never held whole.
        let rows = client.query_raw(&statement, params).await?;
        futures_util::pin_mut!(rows);
        while let Some(row) = rows.try_next().await? {
            let event: Event = serde_json::from_str(row.get::<_, &str>(0))?;
            state.apply(&event);
        }
        Ok(Some(state))
    }

    pub async fn events_after(
        &self,
        branch: BranchId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT seq, type, body FROM events WHERE branch_id = $1 AND seq > $2 \
                 ORDER BY seq LIMIT $3",
            )
            .await?;
        let rows = client
            .query(
                &statement,
                &[&(branch.0 as i64), &(after_seq as i64), &i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| LoggedEvent {
                seq: r.get::<_, i64>(0) as u64,
                kind: r.get(1),
                body: r.get(2),
            })
            .collect())
    }

    pub async fn ticket_by_token_hash(
        &self,
        token_hash: String,
    ) -> Result<Option<StoredTicket>, StoreError> {
        self.ticket_row(
            "SELECT branch_id, body FROM tickets WHERE token_hash = $1",
            &token_hash,
        )
        .await
    }

    pub async fn ticket(&self, id: TicketId) -> Result<Option<StoredTicket>, StoreError> {
        self.ticket_row(
            "SELECT branch_id, body FROM tickets WHERE id = $1",
            &(id.0 as i64),
        )
        .await
    }

    async fn ticket_row(
        &self,
        sql: &str,
        key: &(dyn ToSql + Sync),
    ) -> Result<Option<StoredTicket>, StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        let Some(row) = client.query_opt(&statement, &[key]).await? else {
            return Ok(None);
        };
        Ok(Some(StoredTicket {
            branch: BranchId(row.get::<_, i64>(0) as u64),
            ticket: serde_json::from_str(row.get::<_, &str>(1))?,
        }))
    }
}

async fn write_commit(tx: &Transaction<'_>, commit: &BranchCommit) -> Result<(), StoreError> {
    let branch = commit.branch.0 as i64;
    let last_seq: Option<i64> = tx
        .query_opt(
            "SELECT last_seq FROM branches WHERE id = $1 FOR UPDATE",
            &[&branch],
        )
        .await?
        .map(|r| r.get(0));
    if last_seq.unwrap_or(0) as u64 != commit.expected_seq {
        return Err(StoreError::Conflict);
    }
    let new_seq = commit.events.last().map_or(commit.expected_seq, |e| e.seq) as i64;
    let now = Instant(Timestamp::now());
    match (last_seq, &commit.config) {
        (None, Some(config)) => {
            let inserted = tx
                .execute(
                    "INSERT INTO branches (id, last_seq, config, updated_at) \
                     VALUES ($1, $2, $3, $4)",
                    &[&branch, &new_seq, config, &now],
                )
                .await;
            match inserted {
                // Another instance created the branch since the row was found missing.
                Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict),
                other => other?,
            };
        }
        (None, None) => {
            return Err(StoreError::Corrupt(
                "a new branch must come with its configuration".into(),
            ));
        }
        (Some(_), Some(config)) => {
            tx.execute(
                "UPDATE branches SET last_seq = $2, config = $3, updated_at = $4 WHERE id = $1",
                &[&branch, &new_seq, config, &now],
            )
            .await?;
        }
        (Some(_), None) => {
            tx.execute(
                "UPDATE branches SET last_seq = $2 WHERE id = $1",
                &[&branch, &new_seq],
            )
            .await?;
        }
    }
    if !commit.events.is_empty() {
        // All of a batch's events in one statement, one round trip.
        let seqs: Vec<i64> = commit.events.iter().map(|e| e.seq as i64).collect();
        let ats: Vec<Instant> = commit.events.iter().map(|e| Instant(e.at)).collect();
        let kinds: Vec<&str> = commit.events.iter().map(|e| e.kind).collect();
        let bodies: Vec<&str> = commit.events.iter().map(|e| &*e.body).collect();
        tx.execute(
            "INSERT INTO events (branch_id, seq, at, type, body) \
             SELECT $1, * FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[])",
            &[&branch, &seqs, &ats, &kinds, &bodies],
        )
        .await?;
    }
    upsert_tickets(tx, branch, &commit.tickets).await?;
    if let Some(snapshot) = &commit.snapshot {
        tx.execute(
            "INSERT INTO snapshots (branch_id, seq, body) VALUES ($1, $2, $3) \
             ON CONFLICT (branch_id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
            &[&branch, &new_seq, snapshot],
        )
        .await?;
    }
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&EVENTS_CHANNEL, &format!("{}:{new_seq}", commit.branch.0)],
    )
    .await?;
    Ok(())
}

/// Writes the tickets as they are now in one statement. One statement cannot write a row twice,
/// so a ticket given more than once counts as given last, as writing them one by one would.
async fn upsert_tickets(
    tx: &Transaction<'_>,
    branch: i64,
    tickets: &[Ticket],
) -> Result<(), StoreError> {
    let mut latest: Vec<&Ticket> = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        match latest.iter_mut().find(|t| t.id == ticket.id) {
            Some(kept) => *kept = ticket,
            None => latest.push(ticket),
        }
    }
    if latest.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = latest.iter().map(|t| t.id.0 as i64).collect();
    let token_hashes: Vec<&str> = latest.iter().map(|t| t.token_hash.as_str()).collect();
    let numbers: Vec<&str> = latest.iter().map(|t| t.number.as_str()).collect();
    let services: Vec<i64> = latest.iter().map(|t| t.service.0 as i64).collect();
    let days: Vec<Day> = latest.iter().map(|t| Day(t.day)).collect();
    let statuses: Vec<&str> = latest.iter().map(|t| t.status.as_str()).collect();
    let created: Vec<Instant> = latest.iter().map(|t| Instant(t.created_at)).collect();
    let bodies = latest
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()?;
    tx.execute(
        "INSERT INTO tickets (id, branch_id, token_hash, number, service_id, day, status, \
         created_at, body) \
         SELECT i, $1, h, n, s, d, st, c, b FROM unnest($2::bigint[], $3::text[], $4::text[], \
             $5::bigint[], $6::date[], $7::text[], $8::timestamptz[], $9::text[]) \
             AS t (i, h, n, s, d, st, c, b) \
         ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, \
         status = excluded.status, body = excluded.body",
        &[
            &branch,
            &ids,
            &token_hashes,
            &numbers,
            &services,
            &days,
            &statuses,
            &created,
            &bodies,
        ],
    )
    .await?;
    Ok(())
}
