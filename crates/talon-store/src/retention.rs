//! Removing personal data past its retention: customer records not updated since a time, and
//! the links of tickets issued before a time (the ticket stays, its page no longer opens).

use crate::error::StoreError;
use crate::sqlite::SqliteStore;
use jiff::Timestamp;
use rusqlite::params;

/// A ticket whose link was purged keeps a placeholder where the hash of its token was: the
/// column is unique and required, and no token hashes to it.
const PURGED: &str = "purged:";

impl SqliteStore {
    pub async fn purge(
        &self,
        customers_before: Timestamp,
        links_before: Timestamp,
    ) -> Result<(u64, u64), StoreError> {
        self.write(move |conn| {
            // Instants are stored as RFC 3339 text, which orders as time to the second.
            let customers = conn.execute(
                "DELETE FROM customers WHERE updated_at < ?1",
                [customers_before.to_string()],
            )?;
            let links = conn.execute(
                "UPDATE tickets SET token_hash = ?1 || id \
                 WHERE created_at < ?2 AND token_hash NOT LIKE ?1 || '%'",
                params![PURGED, links_before.to_string()],
            )?;
            Ok((customers as u64, links as u64))
        })
        .await
    }

    /// A customer record's times, for the visitor's request to see what is kept.
    pub async fn customer_times(
        &self,
        branch: talon_core::BranchId,
        identifier_hash: String,
    ) -> Result<Option<(Timestamp, Timestamp)>, StoreError> {
        self.read(move |conn| {
            let row: Option<(String, String)> =
                rusqlite::OptionalExtension::optional(conn.query_row(
                    "SELECT created_at, updated_at FROM customers \
                     WHERE branch_id = ?1 AND identifier_hash = ?2",
                    params![branch.0 as i64, identifier_hash],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                ))?;
            row.map(|(c, u)| {
                let parse = |t: String| {
                    t.parse::<Timestamp>()
                        .map_err(|e| StoreError::Database(format!("a customer's time: {e}")))
                };
                Ok((parse(c)?, parse(u)?))
            })
            .transpose()
        })
        .await
    }
}
