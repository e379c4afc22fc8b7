//! Copying an embedded installation (SQLite) into an empty PostgreSQL database, table by table
//! and row by row as stored: the id sequence, branches, every event, snapshots, tickets, users
//! and tokens with their ids, pairings, customers, and the audit log with its text and hashes, so
//! its chain verifies on the copy with the same head.
//!
//! The source is read in one read transaction (one state of it) by a blocking thread that sends
//! batches through a channel of two, so a large log never sits in memory whole; the target
//! writes them in one transaction, which it commits only after comparing the counts of every
//! table on both sides and verifying the copied audit chain against the source's. A copy that
//! fails anywhere leaves the target as empty as it found it. The source must not be written
//! while it is copied (stop Talon first): a record appended meanwhile makes the copy fail its
//! check rather than go missing.

use crate::Store;
use crate::audit::Signed;
use crate::error::StoreError;
use jiff::Timestamp;
use jiff::civil::Date;

/// How many rows one batch carries.
pub(crate) const BATCH: usize = 1000;

/// How many snapshots one batch carries: each is a whole branch's state.
pub(crate) const SNAPSHOT_BATCH: usize = 16;

/// How many rows of each table a copy wrote, and the id sequence's next value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub next_id: u64,
    pub branches: u64,
    pub events: u64,
    pub snapshots: u64,
    pub tickets: u64,
    pub users: u64,
    pub tokens: u64,
    pub pairings: u64,
    pub customers: u64,
    pub audit: u64,
}

impl CopyReport {
    /// Each table's rows, by the table's name, in the order they are copied.
    pub fn tables(&self) -> [(&'static str, u64); 9] {
        [
            ("branches", self.branches),
            ("events", self.events),
            ("snapshots", self.snapshots),
            ("tickets", self.tickets),
            ("users", self.users),
            ("tokens", self.tokens),
            ("pairings", self.pairings),
            ("customers", self.customers),
            ("audit", self.audit),
        ]
    }
}

/// Copies the SQLite store `from` into the PostgreSQL store `to`, whose database must be empty
/// (as `Store::open_postgres` leaves a new one); answers how many rows of each table it copied.
/// Fails with [`StoreError::NotEmpty`] for a target that holds anything, and with
/// [`StoreError::CopyMismatch`] if the copy's counts or audit chain differ from the source's.
pub async fn copy(from: &Store, to: &Store) -> Result<CopyReport, StoreError> {
    let (Store::Sqlite(source), Store::Postgres(target)) = (from, to) else {
        return Err(StoreError::Database(
            "a copy goes from an embedded (SQLite) store into PostgreSQL".into(),
        ));
    };
    let source_audit = source.verify_audit().await?;
    let (batches, received) = tokio::sync::mpsc::channel(2);
    let export = source.export(batches);
    let imported = target.import(received, &source_audit).await;
    // An import that stopped early dropped its end of the channel, and the export stopped at its
    // next batch: the import's error is the one that says why.
    let exported = export
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let report = imported?;
    exported?;
    Ok(report)
}

/// What the source sends: the rows of one table at a time, in the order the target writes
/// them (branches before what refers to them, users before tokens), then its own counts.
pub(crate) enum Rows {
    NextId(i64),
    Branches(Vec<BranchRow>),
    Events(Vec<EventRow>),
    Snapshots(Vec<SnapshotRow>),
    Tickets(Vec<TicketRow>),
    Users(Vec<UserRow>),
    Tokens(Vec<TokenRow>),
    Pairings(Vec<PairingRow>),
    Customers(Vec<CustomerRow>),
    /// Records as stored: their signed values and their hash.
    Audit(Vec<(Signed, String)>),
    /// Every table's rows as the source's transaction counts them.
    End(CopyReport),
}

pub(crate) struct BranchRow {
    pub id: i64,
    pub last_seq: i64,
    pub config: String,
    pub updated_at: Timestamp,
}

pub(crate) struct EventRow {
    pub branch_id: i64,
    pub seq: i64,
    pub at: Timestamp,
    pub kind: String,
    pub body: String,
}

pub(crate) struct SnapshotRow {
    pub branch_id: i64,
    pub seq: i64,
    pub body: String,
}

pub(crate) struct TicketRow {
    pub id: i64,
    pub branch_id: i64,
    pub token_hash: String,
    pub number: String,
    pub service_id: i64,
    pub day: Date,
    pub status: String,
    pub created_at: Timestamp,
    pub body: String,
}

pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub branch_id: Option<i64>,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub profiles: Option<String>,
}

pub(crate) struct TokenRow {
    /// The device's id: SQLite's rowid, PostgreSQL's `id`.
    pub id: i64,
    pub token_hash: String,
    pub kind: String,
    pub role: String,
    pub user_id: Option<i64>,
    pub branch_id: Option<i64>,
    pub name: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub printer: Option<String>,
}

pub(crate) struct PairingRow {
    pub code_hash: String,
    pub branch_id: i64,
    pub role: String,
    pub name: String,
    pub printer: Option<String>,
    pub workplace_id: Option<i64>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

pub(crate) struct CustomerRow {
    pub branch_id: i64,
    pub identifier_hash: String,
    pub kind: String,
    pub last4: Option<String>,
    pub category_id: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
