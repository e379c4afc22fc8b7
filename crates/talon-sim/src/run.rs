//! One replication: the engine's own `execute` on a `BranchState`, driven by a virtual clock.
//!
//! The branch is set up once per model by the same commands an administrator sends, and each
//! replication starts from a copy of it. Then events are taken in time order: visitors take
//! tickets (`IssueTicket`), operators open, pause, resume and close their workplaces, call
//! (`CallNext`), start (`StartService`) and finish (`Finish`), and visitors who run out of
//! patience give their ticket up (`Cancel`). Calls the engine makes by itself (profiles with
//! `auto_call`) are read from the events it returns, so the simulator follows every call the
//! engine makes whoever asked for it.
//!
//! Events at one millisecond run in a fixed order: a finishing visitor frees the workplace
//! first, then visitors start their service, then the schedule changes (a close, then a
//! break's end, a break's start, an opening) and the wake-ups at a time variant's edges, then
//! visitors give up, then new visitors arrive; events of one kind run in the order they were
//! planned. A free operator calls at once: after finishing, after opening or a break, and,
//! for a new ticket, the free workplaces that list its service try in workplace order until one
//! calls it. A workplace whose profile calls by itself is left to the engine.

use crate::arrivals::{Arrival, ServiceTimes, to_ms};
use crate::error::SimError;
use crate::model::{Arrivals, Model};
use jiff::Timestamp;
use jiff::civil::Time;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use talon_core::{
    BranchState, CategoryId, Channel, Command, DomainError, Event, EventKind, OperatorId,
    ProfileId, ServiceId, TicketId, WeekdayName, WorkplaceId, execute,
};

/// Looks at the branch at chosen moments of a replication, e.g. to read the wait a new ticket
/// is shown. The unit type looks at nothing and costs nothing.
pub trait Probe {
    /// Right after visitor `visit` took ticket `ticket` at `now`, before any operator acted.
    fn issued(&mut self, state: &BranchState, visit: usize, ticket: TicketId, now: Timestamp);
}

impl Probe for () {
    fn issued(&mut self, _: &BranchState, _: usize, _: TicketId, _: Timestamp) {}
}

/// The order of events at one instant (see the module's description).
const FINISH: u8 = 0;
const START: u8 = 1;
const SCHEDULE: u8 = 2;
const ABANDON: u8 = 3;
const ARRIVAL: u8 = 4;

/// A model made ready to run: the configured branch, the shifts as timed actions, and what
/// every replication shares.
pub(crate) struct Setup {
    base: BranchState,
    start_ns: i128,
    workplaces: Vec<WorkplaceId>,
    /// Timed actions of the shifts and wake-ups, in the order they run.
    schedule: Vec<(u64, Action)>,
    profiles: BTreeMap<ProfileId, ProfileFacts>,
    pub(crate) times: ServiceTimes,
    walk_ms: u64,
    norms: BTreeMap<(ServiceId, Option<CategoryId>), u64>,
    pub(crate) intervals: Intervals,
}

/// What the simulator needs to know of a profile without asking the engine at every event.
struct ProfileFacts {
    auto_call: bool,
    services: Vec<ServiceId>,
}

/// The grid that waits are reported on, by arrival.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Intervals {
    pub first: u64,
    pub count: usize,
    pub length_ms: u64,
}

impl Intervals {
    pub(crate) fn index(&self, at_ms: u64) -> Option<usize> {
        let i = (at_ms / self.length_ms).checked_sub(self.first)?;
        usize::try_from(i).ok().filter(|i| *i < self.count)
    }

    pub(crate) fn start_secs(&self, i: usize) -> f64 {
        ((self.first + i as u64) * self.length_ms) as f64 / 1000.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Start {
        desk: usize,
    },
    Finish {
        desk: usize,
    },
    Abandon {
        visit: usize,
    },
    Close {
        desk: usize,
    },
    BreakEnd {
        desk: usize,
    },
    BreakStart {
        desk: usize,
        until: u64,
    },
    Open {
        desk: usize,
        operator: OperatorId,
        profile: ProfileId,
    },
    Wake,
}

impl Action {
    fn order_within_schedule(&self) -> u8 {
        match self {
            Action::Close { .. } => 0,
            Action::BreakEnd { .. } => 1,
            Action::BreakStart { .. } => 2,
            Action::Open { .. } => 3,
            _ => 4,
        }
    }
}

/// A planned event; the heap pops the earliest key first.
struct Planned {
    key: (u64, u8, u64),
    action: Action,
}

impl PartialEq for Planned {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Planned {}
impl PartialOrd for Planned {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Planned {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

impl Setup {
    pub(crate) fn new(model: &Model) -> Result<Setup, SimError> {
        model.validate()?;
        let branch = &model.branch;
        let zone = branch.settings.time_zone.zone().clone();
        let midnight = model
            .date
            .to_zoned(zone)
            .map_err(|e| SimError::invalid("date", e.to_string()))?
            .timestamp();
        let mut base = BranchState::new();
        let mut setup = |what: String, command: Command| {
            execute(&mut base, &command, midnight)
                .map(|_| ())
                .map_err(|error| SimError::Engine { what, error })
        };
        setup(
            "the branch".into(),
            Command::CreateBranch(branch.settings.clone()),
        )?;
        for s in &branch.services {
            setup(
                format!("service {}", s.id),
                Command::DefineService(s.clone()),
            )?;
        }
        for c in &branch.categories {
            setup(
                format!("category {}", c.id),
                Command::DefineCategory(c.clone()),
            )?;
        }
        for p in &branch.profiles {
            setup(
                format!("profile {}", p.id),
                Command::DefineProfile(p.clone()),
            )?;
        }
        for w in &branch.workplaces {
            setup(
                format!("workplace {}", w.id),
                Command::DefineWorkplace(w.clone()),
            )?;
        }
        let mut workplaces: Vec<WorkplaceId> = branch.workplaces.iter().map(|w| w.id).collect();
        workplaces.sort_unstable();
        let desk = |id: WorkplaceId| workplaces.binary_search(&id).unwrap_or(0);
        let mut schedule = Vec::new();
        for shift in &model.shifts {
            let desk = desk(shift.workplace);
            schedule.push((
                to_ms(shift.open_secs),
                Action::Open {
                    desk,
                    operator: shift.operator.unwrap_or(OperatorId(shift.workplace.0)),
                    profile: shift.profile,
                },
            ));
            for b in &shift.breaks {
                let until = to_ms(b.to_secs);
                schedule.push((to_ms(b.from_secs), Action::BreakStart { desk, until }));
                schedule.push((until, Action::BreakEnd { desk }));
            }
            schedule.push((to_ms(shift.close_secs), Action::Close { desk }));
        }
        let weekday = WeekdayName::from(model.date.weekday());
        let used: BTreeSet<ProfileId> = model.shifts.iter().map(|s| s.profile).collect();
        let edges: BTreeSet<u64> = branch
            .profiles
            .iter()
            .filter(|p| used.contains(&p.id))
            .flat_map(|p| &p.variants)
            .filter(|v| v.days.contains(&weekday))
            .flat_map(|v| [v.hours.open, v.hours.close])
            .filter(|t| *t != Time::MAX)
            .map(|t| {
                let secs = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60;
                (secs + i64::from(t.second())).unsigned_abs() * 1000
            })
            .collect();
        schedule.extend(edges.into_iter().map(|at| (at, Action::Wake)));
        schedule.sort_by_key(|(at, action)| (*at, action.order_within_schedule()));
        let profiles = branch
            .profiles
            .iter()
            .map(|p| {
                let mut services: Vec<ServiceId> = p.all_services().collect();
                services.sort_unstable();
                services.dedup();
                let facts = ProfileFacts {
                    auto_call: p.auto_call,
                    services,
                };
                (p.id, facts)
            })
            .collect();
        let mut norms = BTreeMap::new();
        for s in &branch.services {
            norms.insert((s.id, None), u64::from(s.waiting_norm_secs) * 1000);
            for c in &branch.categories {
                let secs = c.waiting_norm_secs.unwrap_or(s.waiting_norm_secs);
                norms.insert((s.id, Some(c.id)), u64::from(secs) * 1000);
            }
        }
        Ok(Setup {
            base,
            start_ns: midnight.as_nanosecond(),
            workplaces,
            schedule,
            profiles,
            times: ServiceTimes::of(model),
            walk_ms: to_ms(model.walk_secs),
            norms,
            intervals: intervals(model),
        })
    }
}

/// The report grid: from the interval of the first possible arrival to that of the last.
fn intervals(model: &Model) -> Intervals {
    let length_ms = u64::from(model.report_interval_secs) * 1000;
    let (from, to) = match &model.arrivals {
        Arrivals::Poisson {
            start_secs,
            interval_secs,
            streams,
        } => {
            let slots = streams.iter().map(|s| s.per_hour.len()).max().unwrap_or(0);
            let end = start_secs + interval_secs * slots as f64;
            (to_ms(*start_secs), to_ms(end).saturating_sub(1))
        }
        Arrivals::Recorded { visitors } => {
            let at = visitors.iter().map(|v| to_ms(v.at_secs));
            (at.clone().min().unwrap_or(0), at.max().unwrap_or(0))
        }
    };
    let first = from / length_ms;
    let last = (to / length_ms).max(first);
    Intervals {
        first,
        count: usize::try_from(last - first + 1).unwrap_or(0),
        length_ms,
    }
}

/// What became of one visitor; times in milliseconds after midnight.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Record {
    pub issued: bool,
    pub called_ms: Option<u64>,
    pub finished_ms: Option<u64>,
    pub abandoned_ms: Option<u64>,
    pub workplace: Option<WorkplaceId>,
    pub norm_ms: u64,
}

/// A workplace's day: how long it was open (pauses excluded) and occupied, call to finish.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DeskUse {
    pub open_ms: u64,
    pub busy_ms: u64,
    pub served: u64,
}

/// Everything a replication produced, before it is summarised.
pub(crate) struct Outcome {
    pub records: Vec<Record>,
    pub desks: Vec<(WorkplaceId, DeskUse)>,
    pub calls: Vec<(u64, TicketId, WorkplaceId)>,
    pub engine_events: u64,
    pub refusals: Vec<DomainError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Closed,
    Open,
    Paused,
}

struct Desk {
    workplace: WorkplaceId,
    operator: OperatorId,
    status: Status,
    auto_call: bool,
    profile: Option<ProfileId>,
    /// The services its profile lists, sorted.
    services: Vec<ServiceId>,
    visit: Option<usize>,
    close_pending: bool,
    break_until: Option<u64>,
    /// A shift of another operator waiting for this one to leave.
    open_pending: Option<(OperatorId, ProfileId)>,
    open_since: u64,
    busy_since: u64,
    usage: DeskUse,
}

struct Run<'a, P: Probe> {
    setup: &'a Setup,
    arrivals: &'a [Arrival],
    state: BranchState,
    desks: Vec<Desk>,
    records: Vec<Record>,
    heap: BinaryHeap<Planned>,
    planned: u64,
    calls: Vec<(u64, TicketId, WorkplaceId)>,
    /// Tickets in the queues, by service: a call with nobody waiting for the workplace's
    /// services would find nothing, so the operator is spared asking.
    waiting: BTreeMap<ServiceId, u32>,
    events: u64,
    refusals: Vec<DomainError>,
    probe: &'a mut P,
}

/// Runs one replication of `arrivals` on `setup`.
pub(crate) fn run<P: Probe>(setup: &Setup, arrivals: &[Arrival], probe: &mut P) -> Outcome {
    let desks = setup
        .workplaces
        .iter()
        .map(|&workplace| Desk {
            workplace,
            operator: OperatorId(workplace.0),
            status: Status::Closed,
            auto_call: false,
            profile: None,
            services: Vec::new(),
            visit: None,
            close_pending: false,
            break_until: None,
            open_pending: None,
            open_since: 0,
            busy_since: 0,
            usage: DeskUse::default(),
        })
        .collect();
    let records = arrivals
        .iter()
        .map(|a| Record {
            norm_ms: setup
                .norms
                .get(&(a.service, a.category))
                .copied()
                .unwrap_or(0),
            ..Record::default()
        })
        .collect();
    let mut run = Run {
        setup,
        arrivals,
        state: setup.base.clone(),
        desks,
        records,
        heap: BinaryHeap::with_capacity(64),
        planned: 0,
        calls: Vec::with_capacity(arrivals.len()),
        waiting: BTreeMap::new(),
        events: 0,
        refusals: Vec::new(),
        probe,
    };
    run.go();
    Outcome {
        desks: run.desks.iter().map(|d| (d.workplace, d.usage)).collect(),
        records: run.records,
        calls: run.calls,
        engine_events: run.events,
        refusals: run.refusals,
    }
}

impl<P: Probe> Run<'_, P> {
    fn go(&mut self) {
        let mut next_arrival = 0;
        let mut next_scheduled = 0;
        loop {
            let heap = self.heap.peek().map(|p| p.key);
            let scheduled = self
                .setup
                .schedule
                .get(next_scheduled)
                .map(|(at, _)| (*at, SCHEDULE, 0));
            let arrival = self
                .arrivals
                .get(next_arrival)
                .map(|a| (a.at_ms, ARRIVAL, 0));
            // The heap holds starts, finishes and abandonments only, so its keys never tie
            // with the schedule's or the arrivals'.
            let earlier = |a: Option<(u64, u8, u64)>, b: Option<(u64, u8, u64)>| match (a, b) {
                (Some(a), Some(b)) => a < b,
                (a, _) => a.is_some(),
            };
            if earlier(scheduled, heap) && earlier(scheduled, arrival) {
                let (at, action) = self.setup.schedule[next_scheduled];
                next_scheduled += 1;
                self.act(at, action);
            } else if earlier(heap, arrival) {
                let Planned { key, action } = self.heap.pop().expect("peeked");
                self.act(key.0, action);
            } else if arrival.is_some() {
                self.arrive(next_arrival);
                next_arrival += 1;
            } else {
                return;
            }
        }
    }

    fn plan(&mut self, at: u64, rank: u8, action: Action) {
        self.planned += 1;
        self.heap.push(Planned {
            key: (at, rank, self.planned),
            action,
        });
    }

    fn at(&self, ms: u64) -> Timestamp {
        Timestamp::from_nanosecond(self.setup.start_ns + i128::from(ms) * 1_000_000)
            .unwrap_or(Timestamp::MAX)
    }

    /// Executes a command at `at` and follows the calls among its events.
    fn exec(&mut self, command: &Command, at: u64) -> Result<(), DomainError> {
        let now = self.at(at);
        let events = execute(&mut self.state, command, now)?;
        self.events += events.len() as u64;
        self.follow(&events, at);
        Ok(())
    }

    /// Executes a command the simulated branch expects to succeed; a refusal is kept for the
    /// report rather than stopping the day.
    fn must(&mut self, command: &Command, at: u64) -> bool {
        match self.exec(command, at) {
            Ok(()) => true,
            Err(e) => {
                self.refusals.push(e);
                false
            }
        }
    }

    fn follow(&mut self, events: &[Event], at: u64) {
        for event in events {
            if let EventKind::TicketCalled {
                ticket, workplace, ..
            } = event.kind
            {
                self.called(ticket, workplace, at);
            }
        }
    }

    fn desk_of(&self, workplace: WorkplaceId) -> usize {
        self.setup.workplaces.binary_search(&workplace).unwrap_or(0)
    }

    fn called(&mut self, ticket: TicketId, workplace: WorkplaceId, at: u64) {
        let visit = (ticket.0 - 1) as usize;
        let desk = self.desk_of(workplace);
        self.calls.push((at, ticket, workplace));
        self.queued(self.arrivals[visit].service, false);
        let record = &mut self.records[visit];
        record.called_ms = Some(at);
        record.workplace = Some(workplace);
        let d = &mut self.desks[desk];
        d.visit = Some(visit);
        d.busy_since = at;
        if self.setup.walk_ms == 0 {
            self.start(desk, at);
        } else {
            self.plan(at + self.setup.walk_ms, START, Action::Start { desk });
        }
    }

    fn arrive(&mut self, visit: usize) {
        let a = self.arrivals[visit];
        let ticket = TicketId(visit as u64 + 1);
        let command = Command::IssueTicket {
            id: ticket,
            token_hash: visit.to_string(),
            service: a.service,
            channel: Channel::Kiosk,
            language: None,
            category: a.category,
            due_at: a.booked_ms.map(|ms| self.at(ms)),
        };
        let now = self.at(a.at_ms);
        let events = match execute(&mut self.state, &command, now) {
            Ok(events) => events,
            // Closed, full or out of numbers: the visitor leaves without a ticket.
            Err(_) => return,
        };
        self.events += events.len() as u64;
        self.records[visit].issued = true;
        self.queued(a.service, true);
        self.probe.issued(&self.state, visit, ticket, now);
        self.follow(&events, a.at_ms);
        if let Some(patience) = a.patience_ms {
            self.plan(a.at_ms + patience, ABANDON, Action::Abandon { visit });
        }
        for desk in 0..self.desks.len() {
            if self.records[visit].called_ms.is_some() {
                break;
            }
            if self.ready(desk) && self.serves(desk, a.service) {
                self.call_next(desk, a.at_ms);
            }
        }
    }

    /// Open, free and calling by hand: the simulated operator calls.
    fn ready(&self, desk: usize) -> bool {
        let d = &self.desks[desk];
        d.status == Status::Open && d.visit.is_none() && !d.auto_call
    }

    fn serves(&self, desk: usize, service: ServiceId) -> bool {
        self.desks[desk].services.binary_search(&service).is_ok()
    }

    fn queued(&mut self, service: ServiceId, joins: bool) {
        let n = self.waiting.entry(service).or_default();
        if joins {
            *n += 1;
        } else {
            *n = n.saturating_sub(1);
        }
    }

    fn call_next(&mut self, desk: usize, at: u64) {
        let d = &self.desks[desk];
        let anyone = d
            .services
            .iter()
            .any(|s| self.waiting.get(s).is_some_and(|n| *n > 0));
        if !anyone {
            return;
        }
        let command = Command::CallNext {
            workplace: d.workplace,
            by: Some(d.operator),
        };
        self.must(&command, at);
    }

    fn start(&mut self, desk: usize, at: u64) {
        let d = &self.desks[desk];
        let Some(visit) = d.visit else { return };
        let command = Command::StartService {
            ticket: TicketId(visit as u64 + 1),
            by: Some(d.operator),
        };
        if self.must(&command, at) {
            let end = at + self.arrivals[visit].service_ms;
            self.plan(end, FINISH, Action::Finish { desk });
        }
    }

    fn finish(&mut self, desk: usize, at: u64) {
        let d = &mut self.desks[desk];
        let Some(visit) = d.visit.take() else { return };
        d.usage.busy_ms += at - d.busy_since;
        d.usage.served += 1;
        let command = Command::Finish {
            ticket: TicketId(visit as u64 + 1),
            by: Some(d.operator),
        };
        self.records[visit].finished_ms = Some(at);
        self.must(&command, at);
        if self.desks[desk].visit.is_none() {
            self.free(desk, at);
        }
    }

    /// The operator has nobody: they leave, take their break or call the next visitor.
    fn free(&mut self, desk: usize, at: u64) {
        let d = &mut self.desks[desk];
        if d.close_pending {
            self.close(desk, at);
        } else if let Some(until) = d.break_until.take() {
            if at < until {
                self.pause(desk, at);
            } else if self.ready(desk) {
                self.call_next(desk, at);
            }
        } else if self.ready(desk) {
            self.call_next(desk, at);
        }
    }

    fn act(&mut self, at: u64, action: Action) {
        match action {
            Action::Start { desk } => self.start(desk, at),
            Action::Finish { desk } => self.finish(desk, at),
            Action::Abandon { visit } => {
                let r = self.records[visit];
                if r.called_ms.is_none() && r.abandoned_ms.is_none() {
                    let command = Command::Cancel {
                        ticket: TicketId(visit as u64 + 1),
                    };
                    if self.exec(&command, at).is_ok() {
                        self.records[visit].abandoned_ms = Some(at);
                        self.queued(self.arrivals[visit].service, false);
                    }
                }
            }
            Action::Open {
                desk,
                operator,
                profile,
            } => self.open(desk, operator, profile, at),
            Action::Close { desk } => {
                let d = &mut self.desks[desk];
                if d.open_pending.take().is_some() || d.status == Status::Closed {
                    // A shift that was still waiting for the workplace ends before it began.
                } else if d.visit.is_some() {
                    d.close_pending = true;
                } else {
                    self.close(desk, at);
                }
            }
            Action::BreakStart { desk, until } => {
                let d = &mut self.desks[desk];
                if d.status == Status::Open {
                    if d.visit.is_some() {
                        d.break_until = Some(until);
                    } else {
                        self.pause(desk, at);
                    }
                }
            }
            Action::BreakEnd { desk } => {
                let d = &mut self.desks[desk];
                d.break_until = None;
                if d.status == Status::Paused {
                    let command = Command::ResumeWorkplace {
                        workplace: d.workplace,
                        by: Some(d.operator),
                    };
                    if self.must(&command, at) {
                        let d = &mut self.desks[desk];
                        d.status = Status::Open;
                        d.open_since = at;
                        if self.ready(desk) {
                            self.call_next(desk, at);
                        }
                    }
                }
            }
            Action::Wake => {
                // Rules changed with the time of day: the engine's own calls follow any
                // command, so a command that changes nothing lets it call; then the operators.
                self.must(&Command::Rollover, at);
                for desk in 0..self.desks.len() {
                    if self.ready(desk) {
                        self.call_next(desk, at);
                    }
                }
            }
        }
    }

    fn open(&mut self, desk: usize, operator: OperatorId, profile: ProfileId, at: u64) {
        let d = &mut self.desks[desk];
        if d.status != Status::Closed && d.operator != operator {
            // The previous operator is still finishing a visitor; this one takes over after.
            d.open_pending = Some((operator, profile));
            return;
        }
        let command = Command::OpenWorkplace {
            workplace: d.workplace,
            operator,
            profile,
        };
        let was = d.status;
        let facts = self.setup.profiles.get(&profile);
        // The desk's facts change before the command, so that the calls the engine makes by
        // itself on opening find it ready.
        d.operator = operator;
        d.profile = Some(profile);
        d.auto_call = facts.is_some_and(|p| p.auto_call);
        d.services = facts.map(|p| p.services.clone()).unwrap_or_default();
        d.close_pending = false;
        if was == Status::Closed {
            d.status = Status::Open;
            d.open_since = at;
        }
        if !self.must(&command, at) {
            let d = &mut self.desks[desk];
            d.status = was;
            return;
        }
        if self.ready(desk) {
            self.call_next(desk, at);
        }
    }

    fn close(&mut self, desk: usize, at: u64) {
        let d = &mut self.desks[desk];
        let command = Command::CloseWorkplace {
            workplace: d.workplace,
            by: Some(d.operator),
        };
        if !self.must(&command, at) {
            return;
        }
        let d = &mut self.desks[desk];
        if d.status == Status::Open {
            d.usage.open_ms += at - d.open_since;
        }
        d.status = Status::Closed;
        d.close_pending = false;
        d.break_until = None;
        d.profile = None;
        d.services.clear();
        if let Some((operator, profile)) = d.open_pending.take() {
            self.open(desk, operator, profile, at);
        }
    }

    fn pause(&mut self, desk: usize, at: u64) {
        let d = &mut self.desks[desk];
        let command = Command::PauseWorkplace {
            workplace: d.workplace,
            reason: "break".to_string(),
            by: Some(d.operator),
        };
        if self.must(&command, at) {
            let d = &mut self.desks[desk];
            d.usage.open_ms += at - d.open_since;
            d.status = Status::Paused;
        }
    }
}
