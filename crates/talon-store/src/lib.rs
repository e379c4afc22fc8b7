//! Talon's persistence. One interface, [`Store`], over the backends: SQLite (WAL, one file,
//! group commit; every query in `sqlite/`) for one instance, PostgreSQL (a pool, every query in
//! `postgres/`) for any number of instances sharing a database. The records it takes and
//! returns are named types (`records.rs`), the audit chain's hashing is the same in every
//! backend (`audit.rs`), every instant is stored to the microsecond (`time.rs`), and an embedded
//! installation is copied into PostgreSQL whole (`copy.rs`).
//!
//! What is stored: the append-only event log of every branch with its per-branch sequence, the
//! projections derived from it in the same transaction (branch configuration, tickets, state
//! snapshots), the id sequence, staff users, API tokens, customer records, and the audit log
//! (append-only, hash-chained).

mod audit;
mod copy;
mod error;
mod postgres;
mod records;
mod sqlite;
mod time;

pub use audit::GENESIS as AUDIT_GENESIS;
pub use copy::{CopyReport, copy};
pub use error::StoreError;
pub use postgres::PgStore;
pub use records::{
    AuditBreak, AuditCheck, AuditEntry, AuditProblem, AuditRecord, BranchCommit, Customer, Device,
    LoggedEvent, NewPairing, NewUser, Notice, Pairing, Purged, RecordTimes, StoredEvent,
    StoredTicket, TokenKind, TokenRecord, User,
};
pub use sqlite::backup::{
    Attachment, BackupCounts, Restored, backup as backup_sqlite, restore as restore_sqlite,
};
pub use sqlite::{Durability, SqliteStore};
pub use time::to_microsecond;

use talon_core::{BranchId, BranchState, TicketId};

/// The schema version a database holds, and the one this code migrates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    pub found: u64,
    pub known: u64,
}

impl Schema {
    /// Whether every migration this code knows has run, and no newer one.
    pub fn is_current(self) -> bool {
        self.found == self.known
    }
}

/// The store, whichever backend holds it. Cheap to clone.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and runs its migrations.
    pub async fn open_sqlite(
        path: &std::path::Path,
        durability: Durability,
    ) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open(path, durability).await?))
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user@host:port/database`, or
    /// `key=value` pairs), runs its migrations, and answers once it is ready. Many instances may
    /// share the database.
    pub async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        Ok(Store::Postgres(PgStore::open(url).await?))
    }

    /// Reserves `count` consecutive ids and returns the first.
    pub async fn reserve_ids(&self, count: u64) -> Result<u64, StoreError> {
        dispatch!(self, s => s.reserve_ids(count).await)
    }

    /// Appends a branch's new events and updates its projections, all or nothing. Fails with
    /// [`StoreError::Conflict`] if the branch's log has moved past `expected_seq`.
    pub async fn commit(&self, commit: BranchCommit) -> Result<(), StoreError> {
        dispatch!(self, s => s.commit(commit).await)
    }

    /// A trivial query, for readiness: the database answers with the schema version it holds,
    /// and whether that is the version this code migrates to.
    pub async fn ping(&self) -> Result<Schema, StoreError> {
        dispatch!(self, s => s.ping().await)
    }

    pub async fn branch_ids(&self) -> Result<Vec<BranchId>, StoreError> {
        dispatch!(self, s => s.branch_ids().await)
    }

    /// The branch's state: its latest snapshot with the events after it applied.
    pub async fn load_branch(&self, branch: BranchId) -> Result<Option<BranchState>, StoreError> {
        dispatch!(self, s => s.load_branch(branch).await)
    }

    /// Up to `limit` events of a branch after `after_seq`, in order.
    pub async fn events_after(
        &self,
        branch: BranchId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        dispatch!(self, s => s.events_after(branch, after_seq, limit).await)
    }

    /// Where the ticket with this token hash lives.
    pub async fn ticket_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredTicket>, StoreError> {
        dispatch!(self, s => s.ticket_by_token_hash(token_hash.to_string()).await)
    }

    /// A ticket by its id, as last committed.
    pub async fn ticket(&self, id: TicketId) -> Result<Option<StoredTicket>, StoreError> {
        dispatch!(self, s => s.ticket(id).await)
    }

    pub async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        dispatch!(self, s => s.create_user(user).await)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.user_by_username(username.to_string()).await)
    }

    pub async fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.user(id).await)
    }

    pub async fn set_user_profiles(
        &self,
        id: u64,
        profiles: Option<Vec<talon_core::ProfileId>>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_user_profiles(id, profiles).await)
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        dispatch!(self, s => s.users().await)
    }

    pub async fn insert_token(&self, token: TokenRecord) -> Result<(), StoreError> {
        dispatch!(self, s => s.insert_token(token).await)
    }

    /// The live token with this hash: not expired, and its user not disabled.
    pub async fn token(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> Result<Option<TokenRecord>, StoreError> {
        dispatch!(self, s => s.token(token_hash.to_string(), now).await)
    }

    pub async fn save_customer(&self, customer: Customer) -> Result<(), StoreError> {
        dispatch!(self, s => s.save_customer(customer).await)
    }

    pub async fn customer(
        &self,
        branch: BranchId,
        identifier_hash: &str,
    ) -> Result<Option<Customer>, StoreError> {
        dispatch!(self, s => s.customer(branch, identifier_hash.to_string()).await)
    }

    pub async fn delete_customer(
        &self,
        branch: BranchId,
        identifier_hash: &str,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.delete_customer(branch, identifier_hash.to_string()).await)
    }

    pub async fn delete_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        dispatch!(self, s => s.delete_token(token_hash.to_string()).await)
    }

    /// Stores a pairing code (by its hash) until `expires_at`, and forgets expired ones.
    pub async fn insert_pairing(&self, pairing: NewPairing) -> Result<(), StoreError> {
        dispatch!(self, s => s.insert_pairing(pairing).await)
    }

    /// Redeems a pairing code: if it is known and not expired, removes it and stores the device
    /// token, in one transaction, so a code pairs one device only.
    pub async fn redeem_pairing(
        &self,
        code_hash: &str,
        token: TokenRecord,
        now: jiff::Timestamp,
    ) -> Result<Option<Pairing>, StoreError> {
        dispatch!(self, s => s.redeem_pairing(code_hash.to_string(), token, now).await)
    }

    /// Voids every pairing code still open, in every branch; answers how many each branch lost.
    pub async fn void_pairings(&self) -> Result<Vec<(BranchId, u64)>, StoreError> {
        dispatch!(self, s => s.void_pairings().await)
    }

    /// How many of a branch's pairing codes are still open at `now`.
    pub async fn open_pairings(
        &self,
        branch: BranchId,
        now: jiff::Timestamp,
    ) -> Result<u64, StoreError> {
        dispatch!(self, s => s.open_pairings(branch, now).await)
    }

    /// The devices of a branch: its kiosk and display tokens (never the tokens themselves).
    pub async fn devices(&self, branch: BranchId) -> Result<Vec<Device>, StoreError> {
        dispatch!(self, s => s.devices(branch).await)
    }

    /// Revokes a device of `branch`; answers the revoked token's hash, so live streams opened
    /// with it can be ended.
    pub async fn revoke_device(
        &self,
        branch: BranchId,
        id: u64,
    ) -> Result<Option<String>, StoreError> {
        dispatch!(self, s => s.revoke_device(branch, id).await)
    }

    /// Removes customer records not updated since `customers_before` and the links of tickets
    /// issued before `links_before`; answers how many of each.
    pub async fn purge(
        &self,
        customers_before: jiff::Timestamp,
        links_before: jiff::Timestamp,
    ) -> Result<Purged, StoreError> {
        dispatch!(self, s => s.purge(customers_before, links_before).await)
    }

    /// When a customer record was created and last updated.
    pub async fn customer_times(
        &self,
        branch: BranchId,
        identifier_hash: &str,
    ) -> Result<Option<RecordTimes>, StoreError> {
        dispatch!(self, s => s.customer_times(branch, identifier_hash.to_string()).await)
    }

    /// Disables or enables a user; disabling also deletes their sessions, whose token hashes it
    /// answers. `None` when there is no such user.
    pub async fn set_user_disabled(
        &self,
        id: u64,
        disabled: bool,
    ) -> Result<Option<Vec<String>>, StoreError> {
        dispatch!(self, s => s.set_user_disabled(id, disabled).await)
    }

    /// Appends a record to the audit log, chained after the last one, and answers once it is
    /// committed. Concurrent appends are ordered by the store and form one chain.
    pub async fn append_audit(&self, entry: AuditEntry) -> Result<AuditRecord, StoreError> {
        dispatch!(self, s => s.append_audit(entry).await)
    }

    /// Up to `limit` audit records after sequence number `after`, in order; of one branch only
    /// if `branch` is given.
    pub async fn audit_records(
        &self,
        after: u64,
        limit: u32,
        branch: Option<BranchId>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        dispatch!(self, s => s.audit_records(after, limit, branch).await)
    }

    /// The last sequence number of every branch's log: what an instance compares its branches
    /// with to catch up after notices it may have missed.
    pub async fn branch_heads(&self) -> Result<Vec<(BranchId, u64)>, StoreError> {
        dispatch!(self, s => s.branch_heads().await)
    }

    /// What other instances sharing the database do, as it happens: `None` when nobody else
    /// can write to it (SQLite, which one process holds). On PostgreSQL it answers once it
    /// listens, notices this instance's own commits too, and sends [`Notice::Reconnected`] after
    /// it lost and regained its connection; dropping the receiver stops the listening.
    pub async fn notices(&self) -> Result<Option<tokio::sync::mpsc::Receiver<Notice>>, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(s) => Ok(Some(s.notices().await?)),
        }
    }

    /// Tells the other instances that a token was revoked; nothing to tell on SQLite.
    pub async fn notify_revoked(&self, token_hash: &str) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(_) => Ok(()),
            Store::Postgres(s) => s.notify_revoked(token_hash).await,
        }
    }

    /// Whether this instance leads the periodic work (day rollover, retention): on a shared
    /// database one instance at a time holds the lead until it stops or loses its connection
    /// (asking never waits for the lead; an error means it does not lead); alone, it always
    /// does.
    pub async fn lead(&self) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(true),
            Store::Postgres(s) => s.lead().await,
        }
    }

    /// Walks the whole audit chain and reports the first record that breaks it, if any.
    pub async fn verify_audit(&self) -> Result<AuditCheck, StoreError> {
        dispatch!(self, s => s.verify_audit().await)
    }
}

/// Verifies the audit chain of the SQLite database at `path`, opened read-only: nothing is
/// created, migrated or written.
pub fn verify_sqlite_audit(path: &std::path::Path) -> Result<AuditCheck, StoreError> {
    SqliteStore::verify_audit_file(path)
}
