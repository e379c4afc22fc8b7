//! Customer records on SQLite: what a branch knows of an identified visitor (never the
//! identifier, only its keyed hash), and removing personal data past its retention: records not
//! updated since a time, and the links of tickets issued before a time (the ticket stays, its
//! page no longer opens).

use super::SqliteStore;
use crate::error::StoreError;
use crate::records::{Customer, Purged, RecordTimes};
use crate::time::{parse, stored};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use talon_core::{BranchId, CategoryId};

/// A ticket whose link was purged keeps a placeholder where the hash of its token was: the
/// column is unique and required, and no token hashes to it.
const PURGED: &str = "purged:";

impl SqliteStore {
    pub async fn save_customer(&self, customer: Customer) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO customers (branch_id, identifier_hash, kind, last4, category_id, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
                 ON CONFLICT (branch_id, identifier_hash) DO UPDATE SET \
                 category_id = excluded.category_id, last4 = excluded.last4, \
                 updated_at = excluded.updated_at",
            )?
            .execute(params![
                customer.branch.0 as i64,
                customer.identifier_hash,
                customer.kind,
                customer.last4,
                customer.category.map(|c| c.0 as i64),
                stored(Timestamp::now())
            ])?;
            Ok(())
        })
        .await
    }

    pub async fn customer(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<Option<Customer>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, last4, category_id FROM customers \
                 WHERE branch_id = ?1 AND identifier_hash = ?2",
            )?;
            let found = stmt
                .query_row(params![branch.0 as i64, identifier_hash], |r| {
                    Ok(Customer {
                        branch,
                        identifier_hash: identifier_hash.clone(),
                        kind: r.get(0)?,
                        last4: r.get(1)?,
                        category: r.get::<_, Option<i64>>(2)?.map(|c| CategoryId(c as u64)),
                    })
                })
                .optional()?;
            Ok(found)
        })
        .await
    }

    pub async fn delete_customer(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM customers WHERE branch_id = ?1 AND identifier_hash = ?2",
                params![branch.0 as i64, identifier_hash],
            )? > 0)
        })
        .await
    }

    pub async fn customer_times(
        &self,
        branch: BranchId,
        identifier_hash: String,
    ) -> Result<Option<RecordTimes>, StoreError> {
        self.read(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT created_at, updated_at FROM customers \
                     WHERE branch_id = ?1 AND identifier_hash = ?2",
                    params![branch.0 as i64, identifier_hash],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(created, updated)| {
                Ok(RecordTimes {
                    created_at: parse(&created, "a customer's time")?,
                    updated_at: parse(&updated, "a customer's time")?,
                })
            })
            .transpose()
        })
        .await
    }

    pub async fn purge(
        &self,
        customers_before: Timestamp,
        links_before: Timestamp,
    ) -> Result<Purged, StoreError> {
        self.write(move |conn| {
            let customers = conn.execute(
                "DELETE FROM customers WHERE updated_at < ?1",
                [stored(customers_before)],
            )?;
            let ticket_links = conn.execute(
                "UPDATE tickets SET token_hash = ?1 || id \
                 WHERE created_at < ?2 AND token_hash NOT LIKE ?1 || '%'",
                params![PURGED, stored(links_before)],
            )?;
            Ok(Purged {
                customers: customers as u64,
                ticket_links: ticket_links as u64,
            })
        })
        .await
    }
}
