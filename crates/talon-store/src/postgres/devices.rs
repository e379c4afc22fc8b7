//! Kiosks and displays on PostgreSQL: pairing codes that turn into device tokens, the devices of
//! a branch, and revoking one. A code is taken with `DELETE … RETURNING`, so of two instances
//! redeeming it at once only one gets its row: a code pairs one device, also under concurrency.

use super::PgStore;
use super::time::Instant;
use crate::error::StoreError;
use crate::records::{Device, NewPairing, Pairing, TokenKind, TokenRecord};
use jiff::Timestamp;
use talon_core::{BranchId, WorkplaceId};

impl PgStore {
    pub async fn insert_pairing(&self, new: NewPairing) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let now = Instant(Timestamp::now());
        tx.execute("DELETE FROM pairings WHERE expires_at <= $1", &[&now])
            .await?;
        let p = new.pairing;
        tx.execute(
            "INSERT INTO pairings (code_hash, branch_id, role, name, printer, workplace_id, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &new.code_hash,
                &(p.branch.0 as i64),
                &p.role,
                &p.name,
                &p.printer,
                &p.workplace.map(|w| w.0 as i64),
                &now,
                &Instant(new.expires_at),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn redeem_pairing(
        &self,
        code_hash: String,
        token: TokenRecord,
        now: Timestamp,
    ) -> Result<Option<Pairing>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                "DELETE FROM pairings WHERE code_hash = $1 AND expires_at > $2 \
                 RETURNING branch_id, role, name, printer, workplace_id",
                &[&code_hash, &Instant(now)],
            )
            .await?
        else {
            return Ok(None);
        };
        let pairing = Pairing {
            branch: BranchId(row.try_get::<_, i64>(0)? as u64),
            role: row.try_get(1)?,
            name: row.try_get(2)?,
            printer: row.try_get(3)?,
            workplace: row
                .try_get::<_, Option<i64>>(4)?
                .map(|w| WorkplaceId(w as u64)),
        };
        tx.execute(
            "INSERT INTO tokens (token_hash, kind, role, user_id, branch_id, name, created_at, \
             expires_at, printer) VALUES ($1, $2, $3, NULL, $4, $5, $6, NULL, $7)",
            &[
                &token.token_hash,
                &TokenKind::Device.as_str(),
                &pairing.role,
                &(pairing.branch.0 as i64),
                &pairing.name,
                &Instant(now),
                &pairing.printer,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(pairing))
    }

    pub async fn void_pairings(&self) -> Result<Vec<(BranchId, u64)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "WITH voided AS (DELETE FROM pairings WHERE expires_at > $1 RETURNING branch_id) \
                 SELECT branch_id, count(*) FROM voided GROUP BY branch_id ORDER BY branch_id",
                &[&Instant(Timestamp::now())],
            )
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

    pub async fn open_pairings(&self, branch: BranchId, now: Timestamp) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let count: i64 = client
            .query_one(
                "SELECT count(*) FROM pairings WHERE branch_id = $1 AND expires_at > $2",
                &[&(branch.0 as i64), &Instant(now)],
            )
            .await?
            .get(0);
        Ok(count as u64)
    }

    pub async fn devices(&self, branch: BranchId) -> Result<Vec<Device>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, role, name, created_at, printer FROM tokens \
                 WHERE kind = $1 AND branch_id = $2 ORDER BY id",
                &[&TokenKind::Device.as_str(), &(branch.0 as i64)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Device {
                    id: r.try_get::<_, i64>(0)? as u64,
                    role: r.try_get(1)?,
                    name: r.try_get(2)?,
                    created_at: r.try_get::<_, Instant>(3)?.0,
                    printer: r.try_get(4)?,
                })
            })
            .collect()
    }

    pub async fn revoke_device(
        &self,
        branch: BranchId,
        id: u64,
    ) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "DELETE FROM tokens WHERE id = $1 AND branch_id = $2 AND kind = $3 \
                 RETURNING token_hash",
                &[
                    &(id as i64),
                    &(branch.0 as i64),
                    &TokenKind::Device.as_str(),
                ],
            )
            .await?;
        Ok(row.map(|r| r.get(0)))
    }
}
