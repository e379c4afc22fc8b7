//! Customer records on PostgreSQL: what a branch knows of an identified visitor (never the
//! identifier, only its keyed hash), and removing personal data past its retention: records not
//! updated since a time, and the links of tickets issued before a time (the ticket stays, its
//! page no longer opens). Both removals of a purge are one transaction, as on SQLite.

use super::PgStore;
use super::time::Instant;
use crate::error::StoreError;
use crate::records::{Customer, Purged, RecordTimes};
use jiff::Timestamp;
use talon_core::{BranchId, CategoryId};

/// A ticket whose link was purged keeps a placeholder where the hash of its token was, followed
/// by its id: the column is unique and required, and no token hashes to it. The same as on
/// SQLite, so a copied database reads the same.
const PURGED: &str = "purged:";

impl PgStore {
    pub async fn save_customer(&self, customer: Customer) -> Result<(), StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "INSERT INTO customers (branch_id, identifier_hash, kind, last4, category_id, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (branch_id, identifier_hash) DO UPDATE SET \
                 category_id = excluded.category_id, last4 = excluded.last4, \
                 updated_at = excluded.updated_at",
            )
            .await?;
        client
            .execute(
                &statement,
                &[
                    &(customer.branch.0 as i64),
                    &customer.identifier_hash,
                    &customer.kind,
                    &customer.last4,
                    &customer.category.map(|c| c.0 as i64),
                    &Instant(Timestamp::now()),
                ],
            )
            .await?;
        Ok(())
    }

    pub async fn customer(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<Option<Customer>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT kind, last4, category_id FROM customers \
                 WHERE branch_id = $1 AND identifier_hash = $2",
            )
            .await?;
        let Some(row) = client
            .query_opt(&statement, &[&(branch.0 as i64), &identifier_hash])
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Customer {
            branch,
            identifier_hash,
            kind: row.try_get(0)?,
            last4: row.try_get(1)?,
            category: row
                .try_get::<_, Option<i64>>(2)?
                .map(|c| CategoryId(c as u64)),
        }))
    }

    pub async fn delete_customer(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let deleted = client
            .execute(
                "DELETE FROM customers WHERE branch_id = $1 AND identifier_hash = $2",
                &[&(branch.0 as i64), &identifier_hash],
            )
            .await?;
        Ok(deleted > 0)
    }

    pub async fn customer_times(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<Option<RecordTimes>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT created_at, updated_at FROM customers \
                 WHERE branch_id = $1 AND identifier_hash = $2",
                &[&(branch.0 as i64), &identifier_hash],
            )
            .await?;
        row.map(|r| {
            Ok(RecordTimes {
                created_at: r.try_get::<_, Instant>(0)?.0,
                updated_at: r.try_get::<_, Instant>(1)?.0,
            })
        })
        .transpose()
    }

    pub async fn purge(
        &self,
        customers_before: Timestamp,
        links_before: Timestamp,
    ) -> Result<Purged, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let customers = tx
            .execute(
                "DELETE FROM customers WHERE updated_at < $1",
                &[&Instant(customers_before)],
            )
            .await?;
        let ticket_links = tx
            .execute(
                "UPDATE tickets SET token_hash = $1::text || id::text \
                 WHERE created_at < $2 AND NOT starts_with(token_hash, $1::text)",
                &[&PURGED, &Instant(links_before)],
            )
            .await?;
        tx.commit().await?;
        Ok(Purged {
            customers,
            ticket_links,
        })
    }
}
