//! Random sequences of commands checked against a plain reference model: per-service FIFO
//! lists, one slot per workplace and a set of final tickets. After every step no ticket is lost
//! or duplicated, each call-next calls exactly the ticket the model predicts, numbers are
//! unique per service and day, and both a JSON snapshot and a replay of the event log rebuild a
//! state that shows the same view.

mod common;

use common::{Branch, Desk, at, desk, profile, service};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use talon_core::{
    BranchState, Command, Event, EventKind, Policy, ServiceId, Snapshot, TicketId, TicketStatus,
    TransferPosition, WorkplaceId,
};

const ZONE: &str = "Europe/Moscow";
const PREFIXES: [&str; 3] = ["A", "B", "C"];

/// The workplaces' profiles: the services they serve in order of precedence, and how.
const PROFILES: [(&[usize], Policy); 3] = [
    (&[0, 1], Policy::StrictOrder),
    (&[2, 0, 1], Policy::LongestWaiting),
    (&[1, 2], Policy::LongestWaiting),
];

fn service_id(index: usize) -> ServiceId {
    ServiceId(index as u64 + 1)
}

fn workplace_id(index: usize) -> WorkplaceId {
    WorkplaceId(index as u64 + 1)
}

#[derive(Debug, Clone)]
enum Step {
    Issue(usize),
    CallNext(usize),
    Start(usize),
    Finish(usize),
    NoShow(usize),
    /// Cancels one of the tickets issued so far, whatever its state.
    Cancel(usize),
    /// Postpones one of the tickets issued so far by no time.
    Postpone(usize),
    /// Transfers one of the tickets issued so far to the back of a service's queue.
    TransferToBack(usize, usize),
    Wait(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (0..3usize).prop_map(Step::Issue),
        4 => (0..3usize).prop_map(Step::CallNext),
        2 => (0..3usize).prop_map(Step::Start),
        2 => (0..3usize).prop_map(Step::Finish),
        1 => (0..3usize).prop_map(Step::NoShow),
        1 => any::<usize>().prop_map(Step::Cancel),
        1 => any::<usize>().prop_map(Step::Postpone),
        1 => (any::<usize>(), 0..3usize).prop_map(|(t, s)| Step::TransferToBack(t, s)),
        3 => (0..=240u32).prop_map(Step::Wait),
    ]
}

/// Where the model says a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Queued(usize),
    Called(usize),
    Serving(usize),
    Final,
}

/// The reference model: nothing but lists.
#[derive(Default)]
struct Model {
    /// Per service, the tickets in the order they joined the queue.
    queues: [Vec<TicketId>; 3],
    /// Per workplace, the ticket there and whether it is being served.
    desks: [Option<(TicketId, bool)>; 3],
    finals: BTreeSet<TicketId>,
    /// When each queued ticket joined its queue, counted in joins.
    joined: BTreeMap<TicketId, u64>,
    joins: u64,
    issued: Vec<TicketId>,
    /// Tickets issued per service and local date.
    counts: BTreeMap<(usize, Date), u32>,
}

impl Model {
    fn place(&self, t: TicketId) -> Place {
        if let Some(s) = self.queues.iter().position(|q| q.contains(&t)) {
            return Place::Queued(s);
        }
        for (w, d) in self.desks.iter().enumerate() {
            match d {
                Some((id, false)) if *id == t => return Place::Called(w),
                Some((id, true)) if *id == t => return Place::Serving(w),
                _ => {}
            }
        }
        assert!(self.finals.contains(&t), "the model lost ticket {t}");
        Place::Final
    }

    fn join(&mut self, t: TicketId, service: usize) {
        self.queues[service].push(t);
        self.joins += 1;
        self.joined.insert(t, self.joins);
    }

    /// Takes a ticket off its queue or workplace.
    fn take(&mut self, t: TicketId) {
        for q in &mut self.queues {
            q.retain(|id| *id != t);
        }
        for d in &mut self.desks {
            if d.is_some_and(|(id, _)| id == t) {
                *d = None;
            }
        }
        self.joined.remove(&t);
    }

    /// The ticket a workplace calls next: strict order takes the first listed service with
    /// anyone waiting, longest waiting the head that joined its queue first.
    fn next_for(&self, workplace: usize) -> Option<TicketId> {
        let (services, policy) = PROFILES[workplace];
        let mut heads = services
            .iter()
            .filter_map(|s| self.queues[*s].first().copied());
        match policy {
            Policy::StrictOrder => heads.next(),
            Policy::LongestWaiting => heads.min_by_key(|t| self.joined[t]),
            Policy::Weighted | Policy::Urgency => {
                unreachable!("the model's profiles use the two plain policies")
            }
        }
    }
}

struct Run {
    b: Branch,
    model: Model,
    /// A state fed every event through `apply`, as a live client would be.
    replica: BranchState,
    zone: TimeZone,
    /// Every (service, day, number) issued so far.
    numbers: BTreeSet<(ServiceId, Date, String)>,
}

impl Run {
    fn new() -> Run {
        let services: Vec<_> = PREFIXES
            .iter()
            .enumerate()
            .map(|(i, p)| service(i as u64 + 1, p))
            .collect();
        let profiles: Vec<_> = PROFILES
            .iter()
            .enumerate()
            .map(|(i, (services, policy))| {
                let ids: Vec<u64> = services.iter().map(|s| *s as u64 + 1).collect();
                profile(i as u64 + 1, &ids, *policy)
            })
            .collect();
        let desks: Vec<Desk> = (1..=3).map(|n| desk(n, n)).collect();
        // 23:40 in Moscow: longer runs cross midnight.
        let b = Branch::new(
            at("2024-06-10T20:40:00Z"),
            ZONE,
            &services,
            &profiles,
            &desks,
        );
        let mut replica = BranchState::new();
        for event in &b.log {
            replica.apply(event);
        }
        Run {
            b,
            model: Model::default(),
            replica,
            zone: TimeZone::get(ZONE).expect("a known zone"),
            numbers: BTreeSet::new(),
        }
    }

    fn operator(&self, workplace: usize) -> Option<talon_core::OperatorId> {
        self.b.operator_of(workplace as u64 + 1)
    }

    fn pick(&self, index: usize) -> Option<TicketId> {
        (!self.model.issued.is_empty()).then(|| self.model.issued[index % self.model.issued.len()])
    }

    /// Runs a command the model expects to succeed, or to fail with `refusal`.
    fn expect(&mut self, command: Command, refusal: Option<&str>) -> Vec<Event> {
        let text = format!("{command:?}");
        let result = self.b.run(command);
        match (refusal, result) {
            (None, Ok(events)) => events,
            (Some(code), Err(e)) if e.code() == code => Vec::new(),
            (refusal, result) => panic!("{text}: expected {refusal:?}, got {result:?}"),
        }
    }

    fn step(&mut self, step: &Step) {
        let seen = self.b.log.len();
        match *step {
            Step::Issue(s) => self.issue(s),
            Step::CallNext(w) => self.call_next(w),
            Step::Start(w) => {
                if let Some((t, serving)) = self.model.desks[w] {
                    let by = self.operator(w);
                    let refusal = serving.then_some("invalid_transition");
                    self.expect(Command::StartService { ticket: t, by }, refusal);
                    self.model.desks[w] = Some((t, true));
                }
            }
            Step::Finish(w) => {
                if let Some((t, serving)) = self.model.desks[w] {
                    let by = self.operator(w);
                    let refusal = (!serving).then_some("invalid_transition");
                    self.expect(Command::Finish { ticket: t, by }, refusal);
                    if serving {
                        self.model.take(t);
                        self.model.finals.insert(t);
                    }
                }
            }
            Step::NoShow(w) => {
                if let Some((t, serving)) = self.model.desks[w] {
                    let by = self.operator(w);
                    let refusal = serving.then_some("invalid_transition");
                    self.expect(Command::NoShow { ticket: t, by }, refusal);
                    if !serving {
                        self.model.take(t);
                        self.model.finals.insert(t);
                    }
                }
            }
            Step::Cancel(i) => {
                if let Some(t) = self.pick(i) {
                    let allowed =
                        matches!(self.model.place(t), Place::Queued(_) | Place::Called(_));
                    let refusal = (!allowed).then_some("invalid_transition");
                    self.expect(Command::Cancel { ticket: t }, refusal);
                    if allowed {
                        self.model.take(t);
                        self.model.finals.insert(t);
                    }
                }
            }
            Step::Postpone(i) => {
                if let Some(t) = self.pick(i) {
                    let service = self.b.ticket(t).service.0 as usize - 1;
                    self.requeue(
                        t,
                        service,
                        Command::Postpone {
                            ticket: t,
                            seconds: 0,
                            by: None,
                        },
                    );
                }
            }
            Step::TransferToBack(i, s) => {
                if let Some(t) = self.pick(i) {
                    self.requeue(
                        t,
                        s,
                        Command::Transfer {
                            return_after: false,
                            ticket: t,
                            service: service_id(s),
                            position: TransferPosition::Back,
                            by: None,
                        },
                    );
                }
            }
            Step::Wait(secs) => self.b.advance(i64::from(secs)),
        }
        for event in &self.b.log[seen..] {
            self.replica.apply(event);
            if let EventKind::TicketIssued {
                service,
                day,
                number,
                ..
            } = &event.kind
            {
                assert!(
                    self.numbers.insert((*service, *day, number.clone())),
                    "{number} issued twice for service {service} on {day}"
                );
            }
        }
        self.check();
    }

    fn issue(&mut self, s: usize) {
        let (t, command) = self.b.issue_command(s as u64 + 1);
        let events = self.expect(command, None);
        let day = self.b.now.to_zoned(self.zone.clone()).date();
        let count = self.model.counts.entry((s, day)).or_insert(0);
        *count += 1;
        let expected = format!("{}{:03}", PREFIXES[s], count);
        match events.as_slice() {
            [
                Event {
                    kind: EventKind::TicketIssued { number, day: d, .. },
                    ..
                },
            ] => {
                assert_eq!(*number, expected);
                assert_eq!(*d, day);
            }
            other => panic!("issuing produced {other:?}"),
        }
        self.model.issued.push(t);
        self.model.join(t, s);
    }

    fn call_next(&mut self, w: usize) {
        let command = Command::CallNext {
            workplace: workplace_id(w),
            by: self.operator(w),
        };
        if self.model.desks[w].is_some() {
            self.expect(command, Some("workplace_busy"));
            return;
        }
        let predicted = self.model.next_for(w);
        let events = self.expect(command, None);
        let called = match events.as_slice() {
            [] => None,
            [
                Event {
                    kind: EventKind::TicketCalled { ticket, .. },
                    ..
                },
            ] => Some(*ticket),
            other => panic!("call next produced {other:?}"),
        };
        assert_eq!(called, predicted, "workplace {} called", w + 1);
        if let Some(t) = called {
            self.model.take(t);
            self.model.desks[w] = Some((t, false));
        }
    }

    /// Postpones or transfers a ticket: unless final, it leaves its place and joins the back
    /// of `service`'s queue.
    fn requeue(&mut self, t: TicketId, service: usize, command: Command) {
        let is_final = self.model.place(t) == Place::Final;
        self.expect(command, is_final.then_some("invalid_transition"));
        if !is_final {
            self.model.take(t);
            self.model.join(t, service);
        }
    }

    fn check(&self) {
        let state = &self.b.state;
        let now = self.b.now;

        // Every queue holds exactly the model's tickets in the model's order.
        for (s, expected) in self.model.queues.iter().enumerate() {
            let actual: Vec<TicketId> = state.queue(service_id(s)).map(|(_, t)| t).collect();
            assert_eq!(&actual, expected, "queue of service {}", PREFIXES[s]);
        }
        for (w, expected) in self.model.desks.iter().enumerate() {
            let actual = state.workplace(workplace_id(w)).and_then(|x| x.current);
            assert_eq!(actual, expected.map(|(t, _)| t), "workplace {}", w + 1);
        }

        // Every issued ticket is in exactly one place, and its status says which.
        let mut places: BTreeMap<TicketId, usize> = BTreeMap::new();
        for s in 0..PREFIXES.len() {
            for (_, t) in state.queue(service_id(s)) {
                *places.entry(t).or_default() += 1;
            }
        }
        for w in state.workplaces() {
            if let Some(t) = w.current {
                *places.entry(t).or_default() += 1;
            }
        }
        for t in state.tickets().filter(|t| t.status.is_final()) {
            *places.entry(t.id).or_default() += 1;
        }
        assert_eq!(state.tickets().count(), self.model.issued.len());
        for &t in &self.model.issued {
            assert_eq!(places.get(&t), Some(&1), "ticket {t} is in one place");
            let ticket = self.b.ticket(t);
            match self.model.place(t) {
                Place::Queued(s) => {
                    assert!(ticket.status.is_queued(), "{ticket:?}");
                    assert_eq!(ticket.service, service_id(s));
                    assert_eq!(ticket.workplace, None);
                    assert_eq!(
                        state.position(ticket),
                        self.model.queues[s].iter().position(|x| *x == t)
                    );
                }
                Place::Called(w) => {
                    assert_eq!(ticket.status, TicketStatus::Called);
                    assert_eq!(ticket.workplace, Some(workplace_id(w)));
                }
                Place::Serving(w) => {
                    assert_eq!(ticket.status, TicketStatus::Serving);
                    assert_eq!(ticket.workplace, Some(workplace_id(w)));
                }
                Place::Final => assert!(ticket.status.is_final(), "{ticket:?}"),
            }
        }

        // The state survives a JSON snapshot and rebuilds from its events.
        let view = state.view(now);
        let restored = round_trip(state);
        assert_eq!(restored.view(now), view, "view after a snapshot round trip");
        assert_eq!(self.replica.view(now), view, "view of the replayed events");
        for s in 0..PREFIXES.len() {
            let order = |x: &BranchState| x.queue(service_id(s)).collect::<Vec<_>>();
            assert_eq!(
                order(&restored),
                order(state),
                "queue order after a snapshot"
            );
            assert_eq!(
                order(&self.replica),
                order(state),
                "queue order after a replay"
            );
        }
    }

    /// Restores the final state from a JSON snapshot and replays the whole log, each event
    /// through JSON, into a fresh state: both hold exactly the original state.
    fn check_restored_and_replayed(&self) {
        let whole = |s: &BranchState| serde_json::to_value(s.snapshot()).unwrap();
        assert_eq!(whole(&round_trip(&self.b.state)), whole(&self.b.state));
        let mut fresh = BranchState::new();
        for event in &self.b.log {
            let json = serde_json::to_string(event).expect("an event serialises");
            let back: Event = serde_json::from_str(&json).expect("an event deserialises");
            assert_eq!(&back, event);
            fresh.apply(&back);
        }
        assert_eq!(fresh.view(self.b.now), self.b.state.view(self.b.now));
        assert_eq!(whole(&fresh), whole(&self.b.state));
    }
}

/// A state rebuilt from its snapshot sent through JSON.
fn round_trip(state: &BranchState) -> BranchState {
    let json = serde_json::to_string(&state.snapshot()).expect("a snapshot serialises");
    let snapshot: Snapshot = serde_json::from_str(&json).expect("a snapshot deserialises");
    BranchState::from_snapshot(snapshot)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_engine_behaves_like_the_reference_model(
        steps in proptest::collection::vec(step(), 1..120)
    ) {
        let mut run = Run::new();
        for step in &steps {
            run.step(step);
        }
        run.check_restored_and_replayed();
    }
}
