//! The PostgreSQL side of a copy (`crate::copy`): everything is written in one transaction with
//! every table locked against other writers, each batch in one statement (`unnest` of one array
//! per column). The transaction first refuses a database that holds anything, and commits only
//! once the counts of every table match the source's and the audit chain verifies to the same
//! result as the source's; otherwise it rolls back and the target stays empty.

use super::PgStore;
use super::audit::verify;
use super::time::{Day, Instant};
use crate::copy::{CopyReport, Rows};
use crate::error::StoreError;
use crate::records::AuditCheck;
use tokio::sync::mpsc;
use tokio_postgres::Transaction;

/// Every table a copy fills, in the order it fills them.
const TABLES: [&str; 9] = [
    "branches",
    "events",
    "snapshots",
    "tickets",
    "users",
    "tokens",
    "pairings",
    "customers",
    "audit",
];

impl PgStore {
    /// Writes what `batches` brings, then checks it against the source's counts and audit check.
    pub(crate) async fn import(
        &self,
        mut batches: mpsc::Receiver<Result<Rows, StoreError>>,
        source_audit: &AuditCheck,
    ) -> Result<CopyReport, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Another instance already running on the target waits until the copy is done (or
        // refused), rather than writing beside it.
        tx.batch_execute(&format!(
            "LOCK TABLE ids, {} IN EXCLUSIVE MODE",
            TABLES.join(", ")
        ))
        .await?;
        refuse_unless_empty(&tx).await?;
        let mut copied = CopyReport::default();
        let source = loop {
            match batches.recv().await {
                None => {
                    return Err(StoreError::Database(
                        "the source stopped before its end".into(),
                    ));
                }
                Some(Err(e)) => return Err(e),
                Some(Ok(Rows::End(counts))) => break counts,
                Some(Ok(rows)) => write(&tx, rows, &mut copied).await?,
            }
        };
        // New users and devices are numbered after the copied ones.
        for table in ["users", "tokens"] {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                ),
                &[],
            )
            .await?;
        }
        let target = counts(&tx).await?;
        if copied != source || target != source {
            return Err(StoreError::CopyMismatch(format!(
                "the source has {source:?}, the copy wrote {copied:?} and holds {target:?}"
            )));
        }
        let audit = verify(&tx).await?;
        if &audit != source_audit {
            return Err(StoreError::CopyMismatch(format!(
                "the audit chain verifies to {source_audit:?} in the source and {audit:?} in \
                 the copy"
            )));
        }
        tx.commit().await?;
        Ok(copied)
    }
}

/// Fails with the first table that holds a row, or with `ids` if any id was reserved already.
async fn refuse_unless_empty(tx: &Transaction<'_>) -> Result<(), StoreError> {
    for table in TABLES {
        let any: bool = tx
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])
            .await?
            .get(0);
        if any {
            return Err(StoreError::NotEmpty(table));
        }
    }
    let next: i64 = tx.query_one("SELECT next FROM ids", &[]).await?.get(0);
    if next != 1 {
        return Err(StoreError::NotEmpty("ids"));
    }
    Ok(())
}

/// What the target holds, counted as the source counted itself.
async fn counts(tx: &Transaction<'_>) -> Result<CopyReport, StoreError> {
    let count = async |table: &str| -> Result<u64, StoreError> {
        let n: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await?
            .get(0);
        Ok(n as u64)
    };
    let next: i64 = tx.query_one("SELECT next FROM ids", &[]).await?.get(0);
    Ok(CopyReport {
        next_id: next as u64,
        branches: count("branches").await?,
        events: count("events").await?,
        snapshots: count("snapshots").await?,
        tickets: count("tickets").await?,
        users: count("users").await?,
        tokens: count("tokens").await?,
        pairings: count("pairings").await?,
        customers: count("customers").await?,
        audit: count("audit").await?,
    })
}

/// Writes one batch in one statement and counts its rows in `copied`.
async fn write(
    tx: &Transaction<'_>,
    rows: Rows,
    copied: &mut CopyReport,
) -> Result<(), StoreError> {
    match rows {
        Rows::NextId(next) => {
            tx.execute("UPDATE ids SET next = $1", &[&next]).await?;
            copied.next_id = next as u64;
        }
        Rows::Branches(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO branches (id, last_seq, config, updated_at) \
                     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], \
                     $4::timestamptz[])",
                    &[
                        &rows.iter().map(|r| r.id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.last_seq).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.config.as_str()).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.updated_at))
                            .collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.branches += n;
        }
        Rows::Events(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO events (branch_id, seq, at, type, body) \
                     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], \
                     $4::text[], $5::text[])",
                    &[
                        &rows.iter().map(|r| r.branch_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
                        &rows.iter().map(|r| Instant(r.at)).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.events += n;
        }
        Rows::Snapshots(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO snapshots (branch_id, seq, body) \
                     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])",
                    &[
                        &rows.iter().map(|r| r.branch_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.snapshots += n;
        }
        Rows::Tickets(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO tickets (id, branch_id, token_hash, number, service_id, day, \
                     status, created_at, body) \
                     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
                     $5::bigint[], $6::date[], $7::text[], $8::timestamptz[], $9::text[])",
                    &[
                        &rows.iter().map(|r| r.id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.branch_id).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.token_hash.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.service_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| Day(r.day)).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.created_at))
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.tickets += n;
        }
        Rows::Users(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO users (id, username, password_hash, role, branch_id, disabled, \
                     created_at, profiles) \
                     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], \
                     $5::bigint[], $6::boolean[], $7::timestamptz[], $8::text[])",
                    &[
                        &rows.iter().map(|r| r.id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.username.as_str()).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.password_hash.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.role.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.branch_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.disabled).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.created_at))
                            .collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.profiles.as_deref())
                            .collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.users += n;
        }
        Rows::Tokens(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO tokens (id, token_hash, kind, role, user_id, branch_id, name, \
                     created_at, expires_at, printer) \
                     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], \
                     $5::bigint[], $6::bigint[], $7::text[], $8::timestamptz[], \
                     $9::timestamptz[], $10::text[])",
                    &[
                        &rows.iter().map(|r| r.id).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.token_hash.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.role.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.user_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.branch_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.name.as_deref()).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.created_at))
                            .collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.expires_at.map(Instant))
                            .collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.printer.as_deref())
                            .collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.tokens += n;
        }
        Rows::Pairings(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO pairings (code_hash, branch_id, role, name, printer, \
                     workplace_id, created_at, expires_at) \
                     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], \
                     $5::text[], $6::bigint[], $7::timestamptz[], $8::timestamptz[])",
                    &[
                        &rows
                            .iter()
                            .map(|r| r.code_hash.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.branch_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.role.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.printer.as_deref())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.workplace_id).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.created_at))
                            .collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.expires_at))
                            .collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.pairings += n;
        }
        Rows::Customers(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO customers (branch_id, identifier_hash, kind, last4, \
                     category_id, created_at, updated_at) \
                     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], \
                     $5::bigint[], $6::timestamptz[], $7::timestamptz[])",
                    &[
                        &rows.iter().map(|r| r.branch_id).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| r.identifier_hash.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.last4.as_deref()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.category_id).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.created_at))
                            .collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|r| Instant(r.updated_at))
                            .collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.customers += n;
        }
        Rows::Audit(rows) => {
            let n = tx
                .execute(
                    "INSERT INTO audit (seq, at, actor_user, actor_name, actor_role, branch_id, \
                     action, target, outcome, prev_hash, hash) \
                     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], \
                     $5::text[], $6::bigint[], $7::text[], $8::text[], $9::bigint[], \
                     $10::text[], $11::text[])",
                    &[
                        &rows.iter().map(|(s, _)| s.seq).collect::<Vec<_>>(),
                        &rows.iter().map(|(s, _)| s.at.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|(s, _)| s.user).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|(s, _)| s.name.as_deref())
                            .collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|(s, _)| s.role.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|(s, _)| s.branch).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|(s, _)| s.action.as_str())
                            .collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|(s, _)| s.target.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|(s, _)| s.outcome).collect::<Vec<_>>(),
                        &rows
                            .iter()
                            .map(|(s, _)| s.prev_hash.as_str())
                            .collect::<Vec<_>>(),
                        &rows.iter().map(|(_, h)| h.as_str()).collect::<Vec<_>>(),
                    ],
                )
                .await?;
            copied.audit += n;
        }
        Rows::End(_) => {}
    }
    Ok(())
}
