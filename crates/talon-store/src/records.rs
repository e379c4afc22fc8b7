//! The records the store takes and returns.

use jiff::Timestamp;
use std::sync::Arc;
use talon_core::{BranchId, CategoryId, ProfileId, Ticket};

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
