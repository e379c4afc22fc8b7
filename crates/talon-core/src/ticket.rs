//! A ticket (талон) and the states of its life.

use crate::config::Language;
use crate::ids::{CategoryId, OperatorId, ServiceId, TicketId, WorkplaceId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a ticket came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Kiosk,
    Reception,
    Web,
    Api,
}

/// The state of a ticket. `Done`, `NoShow`, `Cancelled` and `Expired` are final.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    /// Back in the queue from `queued_at` on.
    Postponed,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
    /// Still open when its business day ended.
    Expired,
}

impl TicketStatus {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketStatus::Done
                | TicketStatus::NoShow
                | TicketStatus::Cancelled
                | TicketStatus::Expired
        )
    }

    /// Waiting or postponed: in a queue, not at a workplace.
    pub fn is_queued(self) -> bool {
        matches!(self, TicketStatus::Waiting | TicketStatus::Postponed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Postponed => "postponed",
            TicketStatus::Called => "called",
            TicketStatus::Serving => "serving",
            TicketStatus::Done => "done",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Cancelled => "cancelled",
            TicketStatus::Expired => "expired",
        }
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A ticket as the branch knows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    /// SHA-256 of the visitor's link token; the token itself is never stored.
    pub token_hash: String,
    /// The printed number, e.g. `A017`.
    pub number: String,
    pub service: ServiceId,
    /// The branch-local date the number belongs to.
    pub day: Date,
    pub channel: Channel,
    pub language: Language,
    pub status: TicketStatus,
    pub created_at: Timestamp,
    /// The ticket's place in its queue: arrival, transfer or return time.
    pub queued_at: Timestamp,
    /// The sequence number of the event that issued the ticket.
    #[serde(default)]
    pub issued_seq: u64,
    /// Orders tickets with the same `queued_at`: the sequence number of the event that placed
    /// the ticket there, or of its issue for a place by arrival.
    #[serde(default)]
    pub queued_seq: u64,
    pub called_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub workplace: Option<WorkplaceId>,
    pub operator: Option<OperatorId>,
    /// How often it was called, recalls included.
    pub calls: u32,
    /// How often it was recalled since it was last called.
    #[serde(default)]
    pub recalls: u32,
    pub transfers: u32,
    /// The customer category, from identification, the receptionist or the kiosk button.
    #[serde(default)]
    pub category: Option<CategoryId>,
    /// The booked time of an appointment: from then on it goes ahead of walk-ins.
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    /// Waiting for this operator only (transferred to their personal queue).
    #[serde(default)]
    pub personal: Option<OperatorId>,
    /// Placed at the front of its queue.
    #[serde(default)]
    pub front: bool,
    /// After the service it was transferred to, the ticket returns to this one.
    #[serde(default)]
    pub return_to: Option<ServiceId>,
}

/// The value of a printed number: `A017` → 17. Prefixes are letters only.
pub fn number_value(number: &str) -> Option<u32> {
    number
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

/// Formats a number with its prefix, padded to the width of the range: `A` + 17 → `A017`.
pub fn format_number(prefix: &str, value: u32, width: usize) -> String {
    format!("{prefix}{value:0width$}")
}
