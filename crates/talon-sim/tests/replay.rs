//! A recorded day replayed with its real service times gives the same calls, in the same order
//! and at the same instants, as the engine driven by hand the way the server drives it: a
//! kiosk's `IssueTicket`, operators' `OpenWorkplace`, `CallNext`, `StartService` and `Finish`.
//! Once with operators who call by hand, once with profiles that call by themselves.

use std::collections::BTreeMap;
use talon_core::{
    BranchState, Category, CategoryFilter, CategoryId, Channel, Command, EventKind, Language,
    OperatorId, Policy, ProfileEntry, ProfileId, RatioScope, Rules, ServiceId, TicketId,
    WorkProfile, WorkplaceId, execute,
};
use talon_sim::sample::{DATE, service, settings, workplace};
use talon_sim::{
    Arrivals, Branch, Distribution, Model, Patience, RecordedArrival, ServiceTime, Shift, Simulator,
};

const OPEN: u64 = 9 * 3600;
const VISITORS: usize = 240;
const VIP: CategoryId = CategoryId(7);

/// A day's visitors on a grid of ten seconds, as are their durations, so that arrivals and
/// finishes often fall on one instant and the order of ties is tested too.
fn recorded_day() -> Vec<RecordedArrival> {
    let mut seed: u64 = 12345;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n
    };
    let mut at = OPEN;
    (0..VISITORS)
        .map(|i| {
            at += 10 * next(15);
            RecordedArrival {
                at_secs: at as f64,
                service: ServiceId(1 + next(2)),
                category: (next(5) == 0).then_some(VIP),
                booked_secs: (i == 20).then_some((at + 300) as f64),
                duration_secs: Some((60 + 10 * next(50)) as f64),
            }
        })
        .collect()
}

fn model(auto_call: bool) -> Model {
    let entry = |service: u64, weight: u32| ProfileEntry {
        service: ServiceId(service),
        categories: CategoryFilter::Any,
        weight,
        max_wait_secs: None,
    };
    let profile = |id: u64, entries: Vec<ProfileEntry>, policy: Policy| WorkProfile {
        id: ProfileId(id),
        name: format!("Profile {id}"),
        rules: Rules {
            entries,
            policy,
            ratio: Vec::new(),
            ratio_scope: RatioScope::Operator,
        },
        variants: Vec::new(),
        auto_call,
        no_show_after_recalls: None,
    };
    Model {
        branch: Branch {
            settings: settings("Europe/Berlin"),
            services: vec![service(1, "A", 300, 600), service(2, "B", 600, 900)],
            categories: vec![Category {
                id: VIP,
                names: BTreeMap::from([(Language::En, "VIP".to_string())]),
                weight: 3,
                waiting_norm_secs: Some(300),
                profiles: None,
            }],
            profiles: vec![
                profile(1, vec![entry(1, 1), entry(2, 2)], Policy::Urgency),
                profile(2, vec![entry(1, 1)], Policy::LongestWaiting),
                profile(3, vec![entry(2, 1), entry(1, 1)], Policy::Weighted),
            ],
            workplaces: (1..=3).map(workplace).collect(),
        },
        date: DATE,
        shifts: (1..=3)
            .map(|w| Shift {
                workplace: WorkplaceId(w),
                operator: None,
                profile: ProfileId(w),
                open_secs: OPEN as f64,
                close_secs: 22.0 * 3600.0,
                breaks: Vec::new(),
            })
            .collect(),
        arrivals: Arrivals::Recorded {
            visitors: recorded_day(),
        },
        service_times: (1..=2)
            .map(|s| ServiceTime {
                service: ServiceId(s),
                distribution: Distribution::Recorded,
            })
            .collect(),
        patience: Patience::None,
        walk_secs: 0.0,
        report_interval_secs: 3600,
    }
}

/// The day driven by hand: every arrival and finish in time order (a finish before an arrival
/// at the same instant, finishes in the order they were planned), and a free operator calls at
/// once.
fn by_hand(model: &Model) -> Vec<(u64, TicketId, WorkplaceId)> {
    let zone = model.branch.settings.time_zone.zone().clone();
    let midnight = model.date.to_zoned(zone).unwrap().timestamp();
    let at = |secs: u64| midnight + jiff::SignedDuration::from_secs(secs as i64);
    let mut state = BranchState::new();
    let run = |state: &mut BranchState, command: Command, secs: u64| {
        execute(state, &command, at(secs)).unwrap_or_else(|e| panic!("{command:?}: {e}"))
    };
    run(
        &mut state,
        Command::CreateBranch(model.branch.settings.clone()),
        0,
    );
    for s in &model.branch.services {
        run(&mut state, Command::DefineService(s.clone()), 0);
    }
    for c in &model.branch.categories {
        run(&mut state, Command::DefineCategory(c.clone()), 0);
    }
    for p in &model.branch.profiles {
        run(&mut state, Command::DefineProfile(p.clone()), 0);
    }
    for w in &model.branch.workplaces {
        run(&mut state, Command::DefineWorkplace(w.clone()), 0);
    }
    let Arrivals::Recorded { visitors } = &model.arrivals else {
        unreachable!("a recorded day")
    };
    let operator = |w: WorkplaceId| Some(OperatorId(w.0));
    let mut calls = Vec::new();
    // (finish instant, order planned, workplace, ticket)
    let mut finishing: Vec<(u64, usize, WorkplaceId, TicketId)> = Vec::new();
    let mut planned = 0;
    let mut busy: BTreeMap<WorkplaceId, TicketId> = BTreeMap::new();
    let mut follow =
        |state: &mut BranchState,
         events: Vec<talon_core::Event>,
         now: u64,
         busy: &mut BTreeMap<WorkplaceId, TicketId>,
         finishing: &mut Vec<(u64, usize, WorkplaceId, TicketId)>| {
            for e in events {
                if let EventKind::TicketCalled {
                    ticket, workplace, ..
                } = e.kind
                {
                    calls.push((now * 1000, ticket, workplace));
                    busy.insert(workplace, ticket);
                    run(
                        state,
                        Command::StartService {
                            ticket,
                            by: operator(workplace),
                        },
                        now,
                    );
                    let v = &visitors[(ticket.0 - 1) as usize];
                    let end = now + v.duration_secs.unwrap() as u64;
                    planned += 1;
                    finishing.push((end, planned, workplace, ticket));
                }
            }
        };
    for w in &model.shifts {
        let events = run(
            &mut state,
            Command::OpenWorkplace {
                workplace: w.workplace,
                operator: OperatorId(w.workplace.0),
                profile: w.profile,
            },
            OPEN,
        );
        follow(&mut state, events, OPEN, &mut busy, &mut finishing);
    }
    let serves = |state: &BranchState, w: WorkplaceId, service: ServiceId| {
        let profile = state.workplace(w).and_then(|w| w.profile);
        profile
            .and_then(|p| state.profile(p))
            .is_some_and(|p| p.all_services().any(|s| s == service))
    };
    let auto_call = model.branch.profiles[0].auto_call;
    let mut next = 0;
    loop {
        let first = finishing
            .iter()
            .enumerate()
            .min_by_key(|(_, (at, order, _, _))| (*at, *order))
            .map(|(i, f)| (i, *f));
        let arrival = visitors.get(next).map(|v| v.at_secs as u64);
        match (first, arrival) {
            (Some((i, (end, _, workplace, ticket))), a) if a.is_none_or(|a| end <= a) => {
                finishing.remove(i);
                busy.remove(&workplace);
                let by = operator(workplace);
                let events = run(&mut state, Command::Finish { ticket, by }, end);
                follow(&mut state, events, end, &mut busy, &mut finishing);
                if !auto_call && !busy.contains_key(&workplace) {
                    let events = run(&mut state, Command::CallNext { workplace, by }, end);
                    follow(&mut state, events, end, &mut busy, &mut finishing);
                }
            }
            (_, Some(now)) => {
                let v = &visitors[next];
                let ticket = TicketId(next as u64 + 1);
                next += 1;
                let events = run(
                    &mut state,
                    Command::IssueTicket {
                        id: ticket,
                        token_hash: format!("visitor {}", ticket.0),
                        service: v.service,
                        channel: Channel::Kiosk,
                        language: None,
                        category: v.category,
                        due_at: v.booked_secs.map(|b| at(b as u64)),
                    },
                    now,
                );
                follow(&mut state, events, now, &mut busy, &mut finishing);
                for w in (1..=3).map(WorkplaceId) {
                    let called = state.ticket(ticket).unwrap().called_at.is_some();
                    if auto_call || called || busy.contains_key(&w) || !serves(&state, w, v.service)
                    {
                        continue;
                    }
                    let by = operator(w);
                    let events = run(&mut state, Command::CallNext { workplace: w, by }, now);
                    follow(&mut state, events, now, &mut busy, &mut finishing);
                }
            }
            (None, None) => return calls,
            (Some(_), None) => unreachable!("matched above"),
        }
    }
}

fn simulated(model: &Model) -> Vec<(u64, TicketId, WorkplaceId)> {
    let rep = Simulator::new(model).unwrap().replication(1, 0);
    assert!(rep.refusals.is_empty(), "{:?}", rep.refusals);
    rep.calls
        .iter()
        .map(|c| ((c.at_secs * 1000.0).round() as u64, c.ticket, c.workplace))
        .collect()
}

#[test]
fn a_replayed_day_calls_as_the_engine_driven_by_hand() {
    let model = model(false);
    let hand = by_hand(&model);
    assert_eq!(hand.len(), VISITORS, "everyone is called");
    assert_eq!(simulated(&model), hand);
}

#[test]
fn a_replayed_day_with_automatic_calls_calls_as_the_engine_driven_by_hand() {
    let model = model(true);
    let hand = by_hand(&model);
    assert_eq!(hand.len(), VISITORS, "everyone is called");
    assert_eq!(simulated(&model), hand);
}

#[test]
fn the_replay_uses_the_recorded_durations_and_keeps_the_appointment() {
    let model = model(false);
    let rep = Simulator::new(&model).unwrap().replication(9, 3);
    let Arrivals::Recorded { visitors } = &model.arrivals else {
        unreachable!()
    };
    let busy: f64 = rep.workplaces.iter().map(|w| w.busy_secs).sum();
    let recorded: f64 = visitors.iter().filter_map(|v| v.duration_secs).sum();
    assert_eq!(
        busy, recorded,
        "walk 0: occupied exactly the recorded durations"
    );
    assert_eq!(rep.visits[20].booked_secs, visitors[20].booked_secs);
    // Another seed changes nothing in a replay without patience.
    assert_eq!(
        rep.calls,
        Simulator::new(&model).unwrap().replication(1, 0).calls
    );
}

/// The documented order at one instant: a finish frees the workplace, which calls at once,
/// before a visitor arriving at that instant takes a ticket. So a VIP who arrives exactly when
/// the weighted counter finishes waits for the next call, behind the regular visitor already
/// waiting.
#[test]
fn at_one_instant_a_finish_comes_before_an_arrival() {
    let mut model = model(false);
    model.shifts.retain(|s| s.workplace == WorkplaceId(3));
    let visitor = |at: u64, category, duration: u64| RecordedArrival {
        at_secs: (OPEN + at) as f64,
        service: ServiceId(2),
        category,
        booked_secs: None,
        duration_secs: Some(duration as f64),
    };
    model.arrivals = Arrivals::Recorded {
        visitors: vec![
            visitor(0, None, 100),
            visitor(10, None, 100),
            visitor(100, Some(VIP), 100),
        ],
    };
    let rep = Simulator::new(&model).unwrap().replication(1, 0);
    let order: Vec<(f64, u64)> = rep
        .calls
        .iter()
        .map(|c| (c.at_secs - OPEN as f64, c.ticket.0))
        .collect();
    assert_eq!(order, [(0.0, 1), (100.0, 2), (200.0, 3)]);
    assert_eq!(simulated(&model), by_hand(&model));
}
