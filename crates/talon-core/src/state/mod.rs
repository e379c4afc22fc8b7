//! The state of one branch: a fold of its events. Indexes (queues, tokens, numbers in use)
//! are derived and rebuilt whenever a state is restored from a snapshot. How each group of
//! events changes it lives beside: configuration, tickets, workplaces.

mod configuration;
mod operators;
mod tickets;
mod workplaces;

pub use operators::OperatorDay;

use crate::config::{BranchSettings, Category, Service, WorkProfile, Workplace};
use crate::event::{Event, EventKind, RatioKey};
use crate::ids::{CategoryId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
use crate::queues::Queues;
use crate::ticket::{Ticket, TicketStatus};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use tickets::Call;

/// How many recent calls the branch remembers for displays.
const RECENT_CALLS: usize = 10;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WorkplaceStatus {
    Closed,
    Open,
    Paused { reason: String },
}

/// A workplace with what is happening at it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkplaceState {
    pub workplace: Workplace,
    #[serde(flatten)]
    pub status: WorkplaceStatus,
    pub operator: Option<OperatorId>,
    pub profile: Option<ProfileId>,
    /// The ticket called to or served at this workplace.
    pub current: Option<TicketId>,
}

/// A call as displays show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    pub ticket: TicketId,
    pub number: String,
    pub service: ServiceId,
    pub workplace: WorkplaceId,
    pub at: Timestamp,
    pub recall: bool,
}

#[derive(Debug, Clone, Default)]
pub struct BranchState {
    seq: u64,
    last_at: Option<Timestamp>,
    settings: Option<BranchSettings>,
    services: BTreeMap<ServiceId, Service>,
    workplaces: BTreeMap<WorkplaceId, WorkplaceState>,
    profiles: BTreeMap<ProfileId, WorkProfile>,
    categories: BTreeMap<CategoryId, Category>,
    tickets: BTreeMap<TicketId, Ticket>,
    by_token: HashMap<String, TicketId>,
    queues: Queues,
    /// Where each ratio stands: the step whose turn it is and the calls it has had.
    ratios: BTreeMap<RatioKey, (usize, u32)>,
    /// Tickets issued per service and business day.
    counters: BTreeMap<(ServiceId, Date), DayCounter>,
    /// The printed numbers of open tickets, by business day: a wrapped numbering skips them.
    numbers_in_use: HashSet<(Date, String)>,
    recent_calls: VecDeque<CallRecord>,
    /// Each operator's counts per business day.
    operator_days: BTreeMap<(OperatorId, Date), OperatorDay>,
    /// The work profile each operator last opened a workplace with.
    last_profiles: BTreeMap<OperatorId, ProfileId>,
}

/// A service's numbering on one business day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounter {
    /// Tickets issued.
    pub issued: u32,
    /// The value of the last number given, if any.
    pub last: Option<u32>,
}

/// The whole state in a form that serialises to JSON; the store keeps one now and then so a
/// branch loads without replaying its whole history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    seq: u64,
    last_at: Option<Timestamp>,
    settings: Option<BranchSettings>,
    services: Vec<Service>,
    workplaces: Vec<WorkplaceState>,
    profiles: Vec<WorkProfile>,
    #[serde(default)]
    categories: Vec<Category>,
    #[serde(default)]
    ratios: Vec<(RatioKey, usize, u32)>,
    tickets: Vec<Ticket>,
    counters: Vec<(ServiceId, Date, u32)>,
    /// The last number given per service and day; absent in snapshots of earlier versions,
    /// whose numbering never wrapped, so it follows from the count.
    #[serde(default)]
    last_numbers: Vec<(ServiceId, Date, u32)>,
    recent_calls: Vec<CallRecord>,
    #[serde(default)]
    operator_days: Vec<(OperatorId, Date, OperatorDay)>,
    #[serde(default)]
    last_profiles: Vec<(OperatorId, ProfileId)>,
}

impl BranchState {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The instant of the latest event; commands never go back before it.
    pub fn last_at(&self) -> Option<Timestamp> {
        self.last_at
    }

    pub fn settings(&self) -> Option<&BranchSettings> {
        self.settings.as_ref()
    }

    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values()
    }

    pub fn service(&self, id: ServiceId) -> Option<&Service> {
        self.services.get(&id)
    }

    pub fn workplaces(&self) -> impl Iterator<Item = &WorkplaceState> {
        self.workplaces.values()
    }

    pub fn workplace(&self, id: WorkplaceId) -> Option<&WorkplaceState> {
        self.workplaces.get(&id)
    }

    pub fn profiles(&self) -> impl Iterator<Item = &WorkProfile> {
        self.profiles.values()
    }

    pub fn profile(&self, id: ProfileId) -> Option<&WorkProfile> {
        self.profiles.get(&id)
    }

    pub fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.tickets.get(&id)
    }

    /// All tickets still in the live state: today's and any still open from before.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values()
    }

    pub fn ticket_by_token_hash(&self, token_hash: &str) -> Option<&Ticket> {
        self.by_token
            .get(token_hash)
            .and_then(|id| self.tickets.get(id))
    }

    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
    }

    pub fn category(&self, id: CategoryId) -> Option<&Category> {
        self.categories.get(&id)
    }

    /// Where a ratio stands: the step whose turn it is and the calls it has had in this turn.
    pub fn ratio_position(&self, key: &RatioKey) -> (usize, u32) {
        self.ratios.get(key).copied().unwrap_or((0, 0))
    }

    /// Every ratio that has counted a call, with where it stands.
    pub fn ratio_positions(&self) -> impl Iterator<Item = (&RatioKey, usize, u32)> {
        self.ratios
            .iter()
            .map(|(k, (step, served))| (k, *step, *served))
    }

    /// The queue of a service in order (all its categories): (place time, ticket).
    pub fn queue(&self, service: ServiceId) -> impl Iterator<Item = (Timestamp, TicketId)> + '_ {
        let mut places: Vec<_> = self
            .queues
            .service_lanes(service)
            .flat_map(|(_, places)| places.iter().copied())
            .collect();
        places.sort();
        places.into_iter().map(|p| (p.at, p.ticket))
    }

    pub(crate) fn queues(&self) -> &Queues {
        &self.queues
    }

    pub fn issued_count(&self, service: ServiceId, day: Date) -> u32 {
        self.day_counter(service, day).issued
    }

    /// A service's numbering on a business day.
    pub fn day_counter(&self, service: ServiceId, day: Date) -> DayCounter {
        self.counters
            .get(&(service, day))
            .copied()
            .unwrap_or_default()
    }

    /// Whether an open ticket of `day` has this printed number.
    pub fn number_in_use(&self, day: Date, number: &str) -> bool {
        self.numbers_in_use.contains(&(day, number.to_string()))
    }

    /// The work profile an operator last opened a workplace with, if it still exists.
    pub fn last_profile(&self, operator: OperatorId) -> Option<ProfileId> {
        self.last_profiles
            .get(&operator)
            .copied()
            .filter(|p| self.profiles.contains_key(p))
    }

    /// What an operator did on a business day.
    pub fn operator_day(&self, operator: OperatorId, day: Date) -> OperatorDay {
        self.operator_days
            .get(&(operator, day))
            .copied()
            .unwrap_or_default()
    }

    pub fn recent_calls(&self) -> impl Iterator<Item = &CallRecord> {
        self.recent_calls.iter()
    }

    /// The workplace an operator works at, if any.
    pub fn operator_workplace(&self, operator: OperatorId) -> Option<&WorkplaceState> {
        self.workplaces
            .values()
            .find(|w| w.operator == Some(operator))
    }

    /// Numbers, stamps and applies new events.
    pub(crate) fn record(&mut self, kinds: Vec<EventKind>, at: Timestamp) -> Vec<Event> {
        kinds
            .into_iter()
            .map(|kind| {
                let event = Event {
                    seq: self.seq + 1,
                    at,
                    kind,
                };
                self.apply(&event);
                event
            })
            .collect()
    }

    /// Applies one event. Events come from `execute` or from the log, so they are valid.
    pub fn apply(&mut self, event: &Event) {
        self.seq = event.seq;
        self.last_at = Some(self.last_at.map_or(event.at, |t| t.max(event.at)));
        let at = event.at;
        match &event.kind {
            EventKind::BranchCreated { settings } | EventKind::BranchUpdated { settings } => {
                self.settings = Some(settings.clone());
            }
            EventKind::ServiceDefined { service } => self.define_service(service),
            EventKind::ServiceRemoved { service } => self.remove_service(*service),
            EventKind::WorkplaceDefined { workplace } => self.define_workplace(workplace),
            EventKind::WorkplaceRemoved { workplace } => self.remove_workplace(*workplace),
            EventKind::ProfileDefined { profile } => self.define_profile(profile),
            EventKind::ProfileRemoved { profile } => self.remove_profile(*profile),
            EventKind::CategoryDefined { category } => self.define_category(category),
            EventKind::CategoryRemoved { category } => self.remove_category(*category),
            EventKind::TicketIssued { .. } => self.issued(event),
            EventKind::TicketCalled {
                ticket,
                number,
                service,
                workplace,
                operator,
                ratio,
                ..
            } => self.called(
                Call {
                    ticket: *ticket,
                    number,
                    service: *service,
                    workplace: *workplace,
                    operator: *operator,
                    ratio: ratio.as_ref(),
                },
                at,
            ),
            EventKind::TicketRecalled {
                ticket,
                number,
                workplace,
                calls,
            } => self.recalled(*ticket, number, *workplace, *calls, at),
            EventKind::ServiceStarted { ticket, .. } => self.started(*ticket, at),
            EventKind::ServiceFinished { ticket, .. } => self.finished(*ticket, at),
            EventKind::TicketNoShow { ticket, .. } => self.no_show(*ticket, at),
            EventKind::TicketCancelled { ticket } => self.end(*ticket, TicketStatus::Cancelled, at),
            EventKind::TicketExpired { ticket } => self.end(*ticket, TicketStatus::Expired, at),
            EventKind::TicketPostponed { ticket, until } => {
                self.postponed(*ticket, *until, event.seq);
            }
            EventKind::TicketTransferred {
                ticket,
                to_service,
                queued_at,
                front,
                return_to,
                ..
            } => self.transferred(*ticket, *to_service, *queued_at, *front, *return_to, event),
            EventKind::TicketAssigned { ticket, operator } => {
                self.assigned(*ticket, *operator, event);
            }
            EventKind::TicketReturned { ticket, to_service } => {
                self.returned(*ticket, *to_service, event);
            }
            EventKind::DayClosed { day } => self.close_day(*day),
            EventKind::WorkplaceOpened {
                workplace,
                operator,
                profile,
            } => self.opened(*workplace, *operator, *profile),
            EventKind::WorkplacePaused { workplace, reason } => self.paused(*workplace, reason),
            EventKind::WorkplaceResumed { workplace } => self.resumed(*workplace),
            EventKind::WorkplaceClosed { workplace } => self.closed(*workplace),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            seq: self.seq,
            last_at: self.last_at,
            settings: self.settings.clone(),
            services: self.services.values().cloned().collect(),
            workplaces: self.workplaces.values().cloned().collect(),
            profiles: self.profiles.values().cloned().collect(),
            categories: self.categories.values().cloned().collect(),
            ratios: self.ratios.iter().map(|(k, (s, n))| (*k, *s, *n)).collect(),
            tickets: self.tickets.values().cloned().collect(),
            counters: self
                .counters
                .iter()
                .map(|((s, d), c)| (*s, *d, c.issued))
                .collect(),
            last_numbers: self
                .counters
                .iter()
                .filter_map(|((s, d), c)| Some((*s, *d, c.last?)))
                .collect(),
            recent_calls: self.recent_calls.iter().cloned().collect(),
            operator_days: self
                .operator_days
                .iter()
                .map(|((o, d), day)| (*o, *d, *day))
                .collect(),
            last_profiles: self.last_profiles.iter().map(|(o, p)| (*o, *p)).collect(),
        }
    }

    pub fn from_snapshot(snapshot: Snapshot) -> Self {
        let last_numbers: HashMap<(ServiceId, Date), u32> = snapshot
            .last_numbers
            .iter()
            .map(|(s, d, last)| ((*s, *d), *last))
            .collect();
        let services: BTreeMap<ServiceId, Service> =
            snapshot.services.into_iter().map(|s| (s.id, s)).collect();
        let counters = snapshot
            .counters
            .into_iter()
            .map(|(s, d, issued)| {
                let derived = services
                    .get(&s)
                    .filter(|_| issued > 0)
                    .map(|service| service.numbering.first.saturating_add(issued - 1));
                let last = last_numbers.get(&(s, d)).copied().or(derived);
                ((s, d), DayCounter { issued, last })
            })
            .collect();
        let mut state = BranchState {
            seq: snapshot.seq,
            last_at: snapshot.last_at,
            settings: snapshot.settings,
            services,
            workplaces: snapshot
                .workplaces
                .into_iter()
                .map(|w| (w.workplace.id, w))
                .collect(),
            profiles: snapshot.profiles.into_iter().map(|p| (p.id, p)).collect(),
            categories: snapshot.categories.into_iter().map(|c| (c.id, c)).collect(),
            ratios: snapshot
                .ratios
                .into_iter()
                .map(|(k, s, n)| (k, (s, n)))
                .collect(),
            tickets: snapshot.tickets.into_iter().map(|t| (t.id, t)).collect(),
            counters,
            recent_calls: snapshot.recent_calls.into_iter().collect(),
            operator_days: snapshot
                .operator_days
                .into_iter()
                .map(|(o, d, day)| ((o, d), day))
                .collect(),
            last_profiles: snapshot.last_profiles.into_iter().collect(),
            ..BranchState::default()
        };
        let ids: Vec<TicketId> = state.tickets.keys().copied().collect();
        for id in ids {
            let t = &state.tickets[&id];
            state.by_token.insert(t.token_hash.clone(), id);
            if !t.status.is_final() {
                state.numbers_in_use.insert((t.day, t.number.clone()));
            }
            if t.status.is_queued() {
                state.enqueue(id);
            }
        }
        state
    }
}
