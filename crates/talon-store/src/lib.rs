//! Talon's persistence. One interface, [`Store`], over the backends: SQLite today (WAL, one
//! file, group commit), PostgreSQL as a second variant later.
//!
//! What is stored: the append-only event log of every branch with its per-branch sequence, the
//! projections derived from it in the same transaction (branch configuration, tickets, state
//! snapshots), the id sequence, staff users, API tokens and customer records.

mod error;
mod records;
mod sqlite;

pub use error::StoreError;
pub use records::{BranchCommit, Customer, NewUser, StoredEvent, TokenKind, TokenRecord, User};
pub use sqlite::{Durability, SqliteStore};

use talon_core::{BranchId, BranchState, Ticket, TicketId};

/// The store, whichever backend holds it. Cheap to clone.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
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

    /// Reserves `count` consecutive ids and returns the first.
    pub async fn reserve_ids(&self, count: u64) -> Result<u64, StoreError> {
        dispatch!(self, s => s.reserve_ids(count).await)
    }

    /// Appends a branch's new events and updates its projections, all or nothing. Fails with
    /// [`StoreError::Conflict`] if the branch's log has moved past `expected_seq`.
    pub async fn commit(&self, commit: BranchCommit) -> Result<(), StoreError> {
        dispatch!(self, s => s.commit(commit).await)
    }

    pub async fn branch_ids(&self) -> Result<Vec<BranchId>, StoreError> {
        dispatch!(self, s => s.branch_ids().await)
    }

    /// The branch's state: its latest snapshot with the events after it applied.
    pub async fn load_branch(&self, branch: BranchId) -> Result<Option<BranchState>, StoreError> {
        dispatch!(self, s => s.load_branch(branch).await)
    }

    /// Up to `limit` events of a branch after `after_seq`, in order: (seq, type, JSON).
    pub async fn events_after(
        &self,
        branch: BranchId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<(u64, String, String)>, StoreError> {
        dispatch!(self, s => s.events_after(branch, after_seq, limit).await)
    }

    /// Where the ticket with this token hash lives.
    pub async fn ticket_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(BranchId, Ticket)>, StoreError> {
        dispatch!(self, s => s.ticket_by_token_hash(token_hash.to_string()).await)
    }

    pub async fn ticket(&self, id: TicketId) -> Result<Option<(BranchId, Ticket)>, StoreError> {
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
}
