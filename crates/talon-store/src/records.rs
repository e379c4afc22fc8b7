//! The records the store takes and returns.

use jiff::Timestamp;
use std::sync::Arc;
use talon_core::{BranchId, CategoryId, ProfileId, Ticket, WorkplaceId};

/// An event serialised once by the branch and shared by the store and the live stream.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub seq: u64,
    pub at: Timestamp,
    pub kind: &'static str,
    pub body: Arc<str>,
}

/// What one branch's batch of commands changed, written in one transaction.
#[derive(Debug, Clone)]
pub struct BranchCommit {
    pub branch: BranchId,
    /// The branch's last sequence number before these events.
    pub expected_seq: u64,
    pub events: Vec<StoredEvent>,
    /// The tickets these events changed, as they are now.
    pub tickets: Vec<Ticket>,
    /// The branch's configuration as JSON, when these events changed it.
    pub config: Option<String>,
    /// A snapshot of the state after the last event, now and then.
    pub snapshot: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub branch: Option<BranchId>,
    pub disabled: bool,
    /// The work profiles the user may work with; `None` means any.
    pub profiles: Option<Vec<ProfileId>>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub branch: Option<BranchId>,
    pub profiles: Option<Vec<ProfileId>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Issued to a staff user at login.
    Session,
    /// Issued to a kiosk or display, bound to one branch.
    Device,
}

impl TokenKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Device => "device",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<TokenKind> {
        match text {
            "session" => Some(TokenKind::Session),
            "device" => Some(TokenKind::Device),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub token_hash: String,
    pub kind: TokenKind,
    pub role: String,
    pub user_id: Option<u64>,
    pub branch: Option<BranchId>,
    pub name: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// A kiosk's receipt printer, as JSON the server understands.
    pub printer: Option<String>,
}

/// What a branch knows of an identified customer: never the identifier itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub branch: BranchId,
    /// The keyed hash of the identifier.
    pub identifier_hash: String,
    /// phone, document, card or booking_code.
    pub kind: String,
    /// The last four digits of a card.
    pub last4: Option<String>,
    pub category: Option<CategoryId>,
}

/// What happened, as the server reports it to the audit log; the store numbers and chains it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// The staff user who acted, if a signed-in user did.
    pub user: Option<u64>,
    /// The username given at sign-in, or the name of the device that acted.
    pub name: Option<String>,
    /// The caller's role, `anonymous` without a valid token.
    pub role: String,
    pub branch: Option<BranchId>,
    /// The method and route template, e.g. `POST /api/v1/workplaces/{workplace}/call-next`.
    pub action: String,
    /// A JSON object: the numeric ids of the request's path and facts such as the kind of an
    /// identification, never a personal value.
    pub target: serde_json::Value,
    /// The HTTP status of the answer.
    pub outcome: u16,
}

/// A stored audit record: its entry, its place in the chain and the hashes that chain it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub seq: u64,
    pub entry: AuditEntry,
    /// The hash of the record before, or the genesis value for the first.
    pub prev_hash: String,
    /// SHA-256 (hex) over this record's fields and `prev_hash`.
    pub hash: String,
}

/// The result of walking the whole audit chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditCheck {
    /// How many records, from the first, are intact.
    pub verified: u64,
    /// The hash of the last intact record (the genesis value if there is none). Kept outside
    /// the database, it also shows records removed from the end.
    pub head: String,
    /// The first record that breaks the chain, if any does.
    pub broken: Option<AuditBreak>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditBreak {
    pub seq: u64,
    pub problem: AuditProblem,
}

/// How a record breaks the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditProblem {
    /// There is no record with this number, though later ones exist.
    Missing,
    /// Its previous hash is not the hash of the record before it: a record was removed,
    /// reordered or replaced there.
    Unchained,
    /// Its fields do not match its own hash: it was changed.
    Altered,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuditProblem::Missing => "the record is missing",
            AuditProblem::Unchained => {
                "the record does not follow the one before it (removed, reordered or replaced)"
            }
            AuditProblem::Altered => "the record's fields do not match its hash (changed)",
        })
    }
}

/// A pairing code about to be handed out, by its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPairing {
    pub code_hash: String,
    pub pairing: Pairing,
    pub expires_at: Timestamp,
}

/// What a pairing code makes of the device that enters it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    pub branch: BranchId,
    /// kiosk or display.
    pub role: String,
    pub name: String,
    /// A kiosk's receipt printer, as JSON the server understands.
    pub printer: Option<String>,
    /// A counter display's workplace.
    pub workplace: Option<WorkplaceId>,
}

/// A paired device as administrators see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: u64,
    pub role: String,
    pub name: Option<String>,
    pub created_at: Timestamp,
    pub printer: Option<String>,
}

/// An event as the log holds it: its number, its type and its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    pub seq: u64,
    pub kind: String,
    pub body: String,
}

/// A ticket as the `tickets` projection holds it, with its branch.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTicket {
    pub branch: BranchId,
    pub ticket: Ticket,
}

/// What a retention purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub customers: u64,
    pub ticket_links: u64,
}

/// When a record was created and last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordTimes {
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What another instance on a shared database did, as the database reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A branch's log now ends at `seq`.
    Committed { branch: BranchId, seq: u64 },
    /// A token was revoked or logged out: streams opened with it end.
    Revoked { token_hash: String },
    /// The connection that listens was lost and is back: notices may have been missed, so
    /// whoever listens catches up with every branch.
    Reconnected,
}
