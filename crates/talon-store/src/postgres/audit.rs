//! The audit log on PostgreSQL: appending a record, reading pages, and verifying the chain.
//!
//! Every instance appends to one chain: an append takes a transaction-level advisory lock before
//! it reads the last record, so appends from any number of connections and instances queue there,
//! and each reads the record the one before it committed. Verification rebuilds each record's
//! signed values from its typed row (`Signed`) and compares their hash, so a record hashes the
//! same here as on SQLite; PostgreSQL's columns hold only their declared types, so there is no
//! other type a value could have been changed to.

use super::{AUDIT_LOCK, PgStore};
use crate::audit::{GENESIS, Signed};
use crate::error::StoreError;
use crate::records::{AuditBreak, AuditCheck, AuditEntry, AuditProblem, AuditRecord};
use talon_core::BranchId;
use tokio_postgres::{IsolationLevel, Row, Transaction};

/// How many records verification holds in memory at a time.
const PAGE: i64 = 1000;

const COLUMNS: &str = "seq, at, actor_user, actor_name, actor_role, branch_id, action, target, \
                       outcome, prev_hash, hash";

impl PgStore {
    pub async fn append_audit(&self, mut entry: AuditEntry) -> Result<AuditRecord, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])
            .await?;
        // Read after the lock is held: in READ COMMITTED each statement sees what committed
        // before it started, so this is the record the previous holder wrote.
        let last = tx
            .query_opt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])
            .await?;
        let (seq, prev_hash) = match last {
            Some(row) => (row.try_get::<_, i64>(0)? + 1, row.try_get(1)?),
            None => (1, GENESIS.to_string()),
        };
        entry.at = crate::time::to_microsecond(entry.at);
        let signed = Signed::of(seq, &entry, prev_hash)?;
        let hash = signed.hash();
        tx.execute(
            &format!(
                "INSERT INTO audit ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            &[
                &signed.seq,
                &signed.at,
                &signed.user,
                &signed.name,
                &signed.role,
                &signed.branch,
                &signed.action,
                &signed.target,
                &signed.outcome,
                &signed.prev_hash,
                &hash,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(AuditRecord {
            seq: seq as u64,
            entry,
            prev_hash: signed.prev_hash,
            hash,
        })
    }

    pub async fn audit_records(
        &self,
        after: u64,
        limit: u32,
        branch: Option<BranchId>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let client = self.client().await?;
        let (after, limit) = (after as i64, i64::from(limit));
        let rows = match branch {
            Some(branch) => {
                let statement = client
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM audit WHERE branch_id = $1 AND seq > $2 \
                         ORDER BY seq LIMIT $3"
                    ))
                    .await?;
                client
                    .query(&statement, &[&(branch.0 as i64), &after, &limit])
                    .await?
            }
            None => {
                let statement = client
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"
                    ))
                    .await?;
                client.query(&statement, &[&after, &limit]).await?
            }
        };
        rows.iter().map(record).collect()
    }

    /// Walks the chain in one read-only snapshot of the log, however long the walk takes.
    pub async fn verify_audit(&self) -> Result<AuditCheck, StoreError> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let check = verify(&tx).await?;
        tx.commit().await?;
        Ok(check)
    }
}

/// Walks the whole chain in pages, as `tx` sees it, and stops at the first record that breaks
/// it. A database without an audit table is an error, not an empty log.
pub(super) async fn verify(tx: &Transaction<'_>) -> Result<AuditCheck, StoreError> {
    let exists: bool = tx
        .query_one("SELECT to_regclass('audit') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Err(StoreError::Corrupt(
            "the database has no audit table".into(),
        ));
    }
    let statement = tx
        .prepare(&format!(
            "SELECT {COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .await?;
    let mut expected: i64 = 1;
    let mut head = GENESIS.to_string();
    loop {
        let rows = tx.query(&statement, &[&(expected - 1), &PAGE]).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let (signed, hash) = signed(row)?;
            let problem = if signed.seq != expected {
                Some(AuditProblem::Missing)
            } else if signed.prev_hash != head {
                Some(AuditProblem::Unchained)
            } else if signed.hash() != hash {
                Some(AuditProblem::Altered)
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(AuditCheck {
                    verified: (expected - 1) as u64,
                    head,
                    broken: Some(AuditBreak {
                        seq: expected as u64,
                        problem,
                    }),
                });
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

/// A row's signed values and its stored hash.
fn signed(row: &Row) -> Result<(Signed, String), StoreError> {
    Ok((
        Signed {
            seq: row.try_get(0)?,
            at: row.try_get(1)?,
            user: row.try_get(2)?,
            name: row.try_get(3)?,
            role: row.try_get(4)?,
            branch: row.try_get(5)?,
            action: row.try_get(6)?,
            target: row.try_get(7)?,
            outcome: row.try_get(8)?,
            prev_hash: row.try_get(9)?,
        },
        row.try_get(10)?,
    ))
}

fn record(row: &Row) -> Result<AuditRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("audit record: {what}"));
    let (signed, hash) = signed(row)?;
    Ok(AuditRecord {
        seq: signed.seq as u64,
        entry: AuditEntry {
            at: signed.at.parse().map_err(|_| corrupt("the instant"))?,
            user: signed.user.map(|u| u as u64),
            name: signed.name,
            role: signed.role,
            branch: signed.branch.map(|b| BranchId(b as u64)),
            action: signed.action,
            target: serde_json::from_str(&signed.target)?,
            outcome: u16::try_from(signed.outcome).map_err(|_| corrupt("the outcome"))?,
        },
        prev_hash: signed.prev_hash,
        hash,
    })
}
