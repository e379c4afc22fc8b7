//! The waiting tickets of a branch, indexed for routing. Each ticket waits in one lane: its
//! service and category, or an operator's personal lane. A lane is ordered by place (front
//! placements first, then time, then the sequence of the event that placed it), so the head of
//! a lane is its only candidate and a routing decision looks at one ticket per lane.

use crate::ids::{CategoryId, OperatorId, ServiceId, TicketId};
use crate::ticket::Ticket;
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Lane {
    Service(ServiceId, Option<CategoryId>),
    /// Tickets transferred to one operator: only they call them.
    Personal(OperatorId),
}

impl Lane {
    pub(crate) fn of(ticket: &Ticket) -> Lane {
        match ticket.personal {
            Some(operator) => Lane::Personal(operator),
            None => Lane::Service(ticket.service, ticket.category),
        }
    }
}

/// A ticket's place in its lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Place {
    /// `false` for a ticket put at the front, which sorts before everyone else.
    pub back: bool,
    pub at: Timestamp,
    pub seq: u64,
    pub ticket: TicketId,
}

impl Place {
    pub(crate) fn of(ticket: &Ticket) -> Place {
        Place {
            back: !ticket.front,
            at: ticket.queued_at,
            seq: ticket.queued_seq,
            ticket: ticket.id,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Queues {
    lanes: BTreeMap<Lane, BTreeSet<Place>>,
    /// Queued tickets with a booked time, by that time.
    due: BTreeSet<(Timestamp, TicketId)>,
}

impl Queues {
    pub(crate) fn insert(&mut self, ticket: &Ticket) {
        self.lanes
            .entry(Lane::of(ticket))
            .or_default()
            .insert(Place::of(ticket));
        if let Some(due) = ticket.due_at {
            self.due.insert((due, ticket.id));
        }
    }

    pub(crate) fn remove(&mut self, ticket: &Ticket) {
        let lane = Lane::of(ticket);
        if let Some(places) = self.lanes.get_mut(&lane) {
            places.remove(&Place::of(ticket));
            if places.is_empty() {
                self.lanes.remove(&lane);
            }
        }
        if let Some(due) = ticket.due_at {
            self.due.remove(&(due, ticket.id));
        }
    }

    /// The first ticket of a lane whose place has come (a postponed one waits for its time).
    pub(crate) fn head(&self, lane: Lane, now: Timestamp) -> Option<Place> {
        self.lanes
            .get(&lane)?
            .first()
            .copied()
            .filter(|p| p.at <= now)
    }

    /// When the longest wait in a lane began, if its head's place has come: the head's place
    /// or, if tickets were put at the front, the earliest place behind them that has come. A
    /// ticket put at the front stands in for those it was put before.
    pub(crate) fn waiting_since(&self, lane: Lane, now: Timestamp) -> Option<Timestamp> {
        let places = self.lanes.get(&lane)?;
        let head = places.first().filter(|p| p.at <= now)?;
        if head.back {
            return Some(head.at);
        }
        let behind = Place {
            back: true,
            at: Timestamp::MIN,
            seq: 0,
            ticket: TicketId(0),
        };
        let oldest_behind = places.range(behind..).next().filter(|p| p.at <= now);
        Some(oldest_behind.map_or(head.at, |p| p.at.min(head.at)))
    }

    /// The lanes of a service, one per category present.
    pub(crate) fn service_lanes(
        &self,
        service: ServiceId,
    ) -> impl Iterator<Item = (Option<CategoryId>, &BTreeSet<Place>)> {
        self.lanes
            .range(
                Lane::Service(service, None)..=Lane::Service(service, Some(CategoryId(u64::MAX))),
            )
            .filter_map(|(lane, places)| match lane {
                Lane::Service(_, category) => Some((*category, places)),
                Lane::Personal(_) => None,
            })
    }

    /// How many places of the same lane group come before this ticket's.
    pub(crate) fn ahead_of(&self, ticket: &Ticket) -> usize {
        let mine = Place::of(ticket);
        match Lane::of(ticket) {
            lane @ Lane::Personal(_) => self
                .lanes
                .get(&lane)
                .map_or(0, |places| places.range(..mine).count()),
            Lane::Service(service, _) => self
                .service_lanes(service)
                .map(|(_, places)| places.range(..mine).count())
                .sum(),
        }
    }

    /// The queued tickets whose booked time has come, earliest first.
    pub(crate) fn due(&self, now: Timestamp) -> impl Iterator<Item = (Timestamp, TicketId)> + '_ {
        self.due
            .iter()
            .copied()
            .take_while(move |(at, _)| *at <= now)
    }

    pub(crate) fn personal(&self, operator: OperatorId, now: Timestamp) -> Option<Place> {
        self.head(Lane::Personal(operator), now)
    }
}
