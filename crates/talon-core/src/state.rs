//! The state of one branch: a fold of its events. Indexes (queues, tokens) are derived and
//! rebuilt whenever a state is restored from a snapshot.

use crate::config::{BranchSettings, Category, Service, WorkProfile, Workplace};
use crate::event::{Event, EventKind, RatioKey};
use crate::ids::{CategoryId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
use crate::queues::Queues;
use crate::ticket::{Ticket, TicketStatus};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// How many recent calls the branch remembers for displays.
const RECENT_CALLS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WorkplaceStatus {
    Closed,
    Open,
    Paused { reason: String },
}

/// A workplace with what is happening at it.
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
    counters: BTreeMap<(ServiceId, Date), u32>,
    recent_calls: VecDeque<CallRecord>,
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
    recent_calls: Vec<CallRecord>,
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
        self.counters.get(&(service, day)).copied().unwrap_or(0)
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
            EventKind::ServiceDefined { service } => {
                self.services.insert(service.id, service.clone());
            }
            EventKind::ServiceRemoved { service } => {
                self.services.remove(service);
            }
            EventKind::WorkplaceDefined { workplace } => {
                self.workplaces
                    .entry(workplace.id)
                    .and_modify(|w| w.workplace = workplace.clone())
                    .or_insert_with(|| WorkplaceState {
                        workplace: workplace.clone(),
                        status: WorkplaceStatus::Closed,
                        operator: None,
                        profile: None,
                        current: None,
                    });
            }
            EventKind::WorkplaceRemoved { workplace } => {
                self.workplaces.remove(workplace);
            }
            EventKind::ProfileDefined { profile } => {
                self.profiles.insert(profile.id, profile.clone());
            }
            EventKind::ProfileRemoved { profile } => {
                self.profiles.remove(profile);
            }
            EventKind::CategoryDefined { category } => {
                self.categories.insert(category.id, category.clone());
            }
            EventKind::CategoryRemoved { category } => {
                self.categories.remove(category);
            }
            EventKind::TicketIssued {
                ticket,
                token_hash,
                number,
                service,
                day,
                channel,
                language,
                category,
                due_at,
            } => {
                *self.counters.entry((*service, *day)).or_insert(0) += 1;
                self.by_token.insert(token_hash.clone(), *ticket);
                self.tickets.insert(
                    *ticket,
                    Ticket {
                        id: *ticket,
                        token_hash: token_hash.clone(),
                        number: number.clone(),
                        service: *service,
                        day: *day,
                        channel: *channel,
                        language: *language,
                        status: TicketStatus::Waiting,
                        created_at: at,
                        queued_at: at,
                        issued_seq: event.seq,
                        queued_seq: event.seq,
                        called_at: None,
                        started_at: None,
                        finished_at: None,
                        workplace: None,
                        operator: None,
                        calls: 0,
                        recalls: 0,
                        transfers: 0,
                        category: *category,
                        due_at: *due_at,
                        personal: None,
                        front: false,
                        return_to: None,
                    },
                );
                self.enqueue(*ticket);
            }
            EventKind::TicketCalled {
                ticket,
                number,
                service,
                workplace,
                operator,
                ratio,
                ..
            } => {
                if let Some(mark) = ratio {
                    self.ratios.insert(mark.key, (mark.step, mark.served));
                }
                self.dequeue(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.status = TicketStatus::Called;
                    t.called_at = Some(at);
                    t.workplace = Some(*workplace);
                    t.operator = Some(*operator);
                    t.calls += 1;
                    t.recalls = 0;
                }
                if let Some(w) = self.workplaces.get_mut(workplace) {
                    w.current = Some(*ticket);
                }
                self.remember_call(CallRecord {
                    ticket: *ticket,
                    number: number.clone(),
                    service: *service,
                    workplace: *workplace,
                    at,
                    recall: false,
                });
            }
            EventKind::TicketRecalled {
                ticket,
                number,
                workplace,
                calls,
            } => {
                let service = self.tickets.get_mut(ticket).map(|t| {
                    t.calls = *calls;
                    t.recalls += 1;
                    t.service
                });
                if let Some(service) = service {
                    self.remember_call(CallRecord {
                        ticket: *ticket,
                        number: number.clone(),
                        service,
                        workplace: *workplace,
                        at,
                        recall: true,
                    });
                }
            }
            EventKind::ServiceStarted { ticket, .. } => {
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.status = TicketStatus::Serving;
                    t.started_at = Some(at);
                }
            }
            EventKind::ServiceFinished { ticket, .. } => self.end(*ticket, TicketStatus::Done, at),
            EventKind::TicketNoShow { ticket, .. } => self.end(*ticket, TicketStatus::NoShow, at),
            EventKind::TicketCancelled { ticket } => self.end(*ticket, TicketStatus::Cancelled, at),
            EventKind::TicketExpired { ticket } => self.end(*ticket, TicketStatus::Expired, at),
            EventKind::TicketPostponed { ticket, until } => {
                self.dequeue(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.front = false;
                }
                self.requeue(*ticket, None, *until, event.seq, TicketStatus::Postponed);
            }
            EventKind::TicketTransferred {
                ticket,
                to_service,
                queued_at,
                front,
                return_to,
                ..
            } => {
                // A place by original arrival keeps the order of the issue; a place taken now
                // is behind everyone placed at the same instant before.
                let queued_seq = match self.tickets.get(ticket) {
                    Some(t) if *queued_at < at => t.issued_seq,
                    _ => event.seq,
                };
                self.dequeue(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.return_to = *return_to;
                    t.front = *front;
                    t.personal = None;
                }
                self.requeue(
                    *ticket,
                    Some(*to_service),
                    *queued_at,
                    queued_seq,
                    TicketStatus::Waiting,
                );
            }
            EventKind::TicketAssigned { ticket, operator } => {
                self.dequeue(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.personal = Some(*operator);
                    t.front = false;
                }
                self.requeue(*ticket, None, at, event.seq, TicketStatus::Waiting);
            }
            EventKind::TicketReturned { ticket, to_service } => {
                self.dequeue(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.return_to = None;
                    t.front = true;
                    t.personal = None;
                    t.started_at = None;
                    t.finished_at = None;
                }
                self.requeue(
                    *ticket,
                    Some(*to_service),
                    at,
                    event.seq,
                    TicketStatus::Waiting,
                );
            }
            EventKind::DayClosed { day } => self.close_day(*day),
            EventKind::WorkplaceOpened {
                workplace,
                operator,
                profile,
            } => {
                if let Some(w) = self.workplaces.get_mut(workplace) {
                    w.status = WorkplaceStatus::Open;
                    w.operator = Some(*operator);
                    w.profile = Some(*profile);
                }
            }
            EventKind::WorkplacePaused { workplace, reason } => {
                if let Some(w) = self.workplaces.get_mut(workplace) {
                    w.status = WorkplaceStatus::Paused {
                        reason: reason.clone(),
                    };
                }
            }
            EventKind::WorkplaceResumed { workplace } => {
                if let Some(w) = self.workplaces.get_mut(workplace) {
                    w.status = WorkplaceStatus::Open;
                }
            }
            EventKind::WorkplaceClosed { workplace } => {
                if let Some(w) = self.workplaces.get_mut(workplace) {
                    w.status = WorkplaceStatus::Closed;
                    w.operator = None;
                    w.profile = None;
                }
            }
        }
    }

    fn enqueue(&mut self, id: TicketId) {
        if let Some(t) = self.tickets.get(&id) {
            self.queues.insert(t);
        }
    }

    fn dequeue(&mut self, id: TicketId) {
        if let Some(t) = self.tickets.get(&id)
            && t.status.is_queued()
        {
            self.queues.remove(t);
        }
    }

    /// Takes a ticket off its workplace, if it is at one.
    fn release_workplace(&mut self, id: TicketId) {
        if let Some(w) = self
            .tickets
            .get(&id)
            .and_then(|t| t.workplace)
            .and_then(|w| self.workplaces.get_mut(&w))
            && w.current == Some(id)
        {
            w.current = None;
        }
    }

    fn end(&mut self, id: TicketId, status: TicketStatus, at: Timestamp) {
        self.dequeue(id);
        self.release_workplace(id);
        if let Some(t) = self.tickets.get_mut(&id) {
            t.status = status;
            t.finished_at = Some(at);
        }
    }

    fn requeue(
        &mut self,
        id: TicketId,
        service: Option<ServiceId>,
        queued_at: Timestamp,
        queued_seq: u64,
        status: TicketStatus,
    ) {
        self.dequeue(id);
        self.release_workplace(id);
        if let Some(t) = self.tickets.get_mut(&id) {
            if let Some(service) = service {
                t.service = service;
                t.transfers += 1;
            }
            t.status = status;
            t.queued_at = queued_at;
            t.queued_seq = queued_seq;
            t.workplace = None;
        }
        self.enqueue(id);
    }

    fn remember_call(&mut self, call: CallRecord) {
        self.recent_calls.push_front(call);
        self.recent_calls.truncate(RECENT_CALLS);
    }

    fn close_day(&mut self, day: Date) {
        let gone: Vec<TicketId> = self
            .tickets
            .values()
            .filter(|t| t.day <= day && t.status.is_final())
            .map(|t| t.id)
            .collect();
        for id in gone {
            if let Some(t) = self.tickets.remove(&id) {
                self.by_token.remove(&t.token_hash);
            }
        }
        // A branch may move its time zone west and be back on an earlier date; keep a margin
        // of counters so such a date continues its numbering instead of restarting it.
        let keep_from = day.saturating_sub(jiff::Span::new().days(2));
        self.counters.retain(|(_, d), _| *d >= keep_from);
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
                .map(|((s, d), n)| (*s, *d, *n))
                .collect(),
            recent_calls: self.recent_calls.iter().cloned().collect(),
        }
    }

    pub fn from_snapshot(snapshot: Snapshot) -> Self {
        let mut state = BranchState {
            seq: snapshot.seq,
            last_at: snapshot.last_at,
            settings: snapshot.settings,
            services: snapshot.services.into_iter().map(|s| (s.id, s)).collect(),
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
            counters: snapshot
                .counters
                .into_iter()
                .map(|(s, d, n)| ((s, d), n))
                .collect(),
            recent_calls: snapshot.recent_calls.into_iter().collect(),
            ..BranchState::default()
        };
        let ids: Vec<TicketId> = state.tickets.keys().copied().collect();
        for id in ids {
            let t = &state.tickets[&id];
            state.by_token.insert(t.token_hash.clone(), id);
            if t.status.is_queued() {
                state.enqueue(id);
            }
        }
        state
    }
}
