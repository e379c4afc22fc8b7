//! Routing from the operator's point of view: for a given waiting set, clock and work profile,
//! the exact order in which a workplace calls, and the reason each call gives. Covers every
//! policy (strict order, longest waiting, weighted, urgency with aging), ratios (NovoSGA's
//! "P, P, G, S" and "every 3rd call from B", counted per operator or per branch, with empty
//! steps skipped), maximum waits, personal queues, appointments, categories restricted to some
//! profiles, time-of-day variants in the branch's zone, automatic calls, the automatic no-show
//! after N recalls, and transfers to the front, to the back, by original arrival and back to
//! the original service.

mod common;

use common::{Branch, at, calls_in, category, desk, entry, profile, rules_profile, service, step};
use jiff::Timestamp;
use talon_core::{
    CallReason, CategoryFilter, CategoryId, Command, EventKind, Interval, OperatorId, Policy,
    ProfileId, RatioKey, RatioScope, Rules, RunnerUp, ServiceId, TicketStatus, TransferPosition,
    Variant, WeekdayName, WorkProfile, WorkplaceId,
};

const A: u64 = 1;
const B: u64 = 2;
const C: u64 = 3;
/// Service letters for the ratio scenarios: G (general) and S (another service).
const G: u64 = 1;
const S: u64 = 2;
/// Category ids.
const VIP: u64 = 10;
const PRIORITY: u64 = 11;
const CORPORATE: u64 = 12;
const DISABLED: u64 = 13;
const MOSCOW: &str = "Europe/Moscow";

/// Monday 2024-06-10, 09:00 in Moscow.
fn monday_morning() -> Timestamp {
    at("2024-06-10T06:00:00Z")
}

fn by(operator: u64) -> Option<OperatorId> {
    Some(OperatorId(operator))
}

fn runner_up(number: &str, value: u64) -> Option<RunnerUp> {
    Some(RunnerUp {
        number: number.to_string(),
        value,
    })
}

/// What happens at the branch, one line of a scenario.
#[derive(Debug, Clone, Copy)]
enum Act {
    /// A walk-in takes a ticket of a service.
    Walk(u64),
    /// A walk-in of a category takes a ticket of a service.
    As(u64, u64),
    /// The clock moves on by some seconds.
    Wait(i64),
    /// The operator at a workplace calls the next ticket and serves it at once.
    Call(u64),
    /// As many calls in a row.
    Calls(u64, usize),
}

use Act::{As, Call, Calls, Wait, Walk};

/// Plays a scenario and returns the numbers called in order, `-` where nobody was.
fn play(b: &mut Branch, acts: &[Act]) -> String {
    let mut called = Vec::new();
    let mut call = |b: &mut Branch, desk: u64| {
        called.push(b.serve_next(desk).unwrap_or_else(|| "-".to_string()));
    };
    for act in acts {
        match *act {
            Walk(s) => {
                b.issue(s);
            }
            As(s, c) => {
                b.issue_with(s, Some(c), None);
            }
            Wait(secs) => b.advance(secs),
            Call(desk) => call(b, desk),
            Calls(desk, n) => (0..n).for_each(|_| call(b, desk)),
        }
    }
    called.join(" ")
}

/// A branch with services A, B and C, the given categories and profiles, and desks.
fn branch(
    categories: &[talon_core::Category],
    profiles: &[talon_core::WorkProfile],
    desks: &[common::Desk],
) -> Branch {
    Branch::with_categories(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B"), service(C, "C")],
        categories,
        profiles,
        desks,
    )
}

/// Four arrivals ten seconds apart, A, B, A, B, and half a minute later the operator calls.
const TWO_BY_TWO: [Act; 8] = [
    Walk(A),
    Wait(10),
    Walk(B),
    Wait(10),
    Walk(A),
    Wait(10),
    Walk(B),
    Wait(30),
];

// ---------------------------------------------------------------------------------------------
// Policies

#[test]
fn strict_order_empties_the_first_listed_service_before_the_next() {
    let mut b = branch(
        &[],
        &[profile(1, &[B, A], Policy::StrictOrder)],
        &[desk(1, 1)],
    );
    play(&mut b, &TWO_BY_TWO);
    let first = b.call(1).expect("someone waits");
    assert_eq!(first.number, "B001");
    assert_eq!(
        first.reason,
        CallReason::StrictOrder {
            position_in_profile: 0,
            waited_secs: 50
        }
    );
    b.start_and_finish(first.ticket);
    assert_eq!(play(&mut b, &[Call(1)]), "B002");
    let third = b.call(1).expect("A still waits");
    assert_eq!(third.number, "A001");
    assert_eq!(
        third.reason,
        CallReason::StrictOrder {
            position_in_profile: 1,
            waited_secs: 60
        }
    );
    b.start_and_finish(third.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 2)]), "A002 -");
}

#[test]
fn longest_waiting_interleaves_services_by_arrival() {
    let mut b = branch(
        &[],
        &[profile(1, &[B, A], Policy::LongestWaiting)],
        &[desk(1, 1)],
    );
    play(&mut b, &TWO_BY_TWO);
    let first = b.call(1).expect("someone waits");
    assert_eq!(
        first.number, "A001",
        "B is listed first but A waited longer"
    );
    assert_eq!(first.reason, CallReason::LongestWaiting { waited_secs: 60 });
    b.start_and_finish(first.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 4)]), "B001 A002 B002 -");
}

#[test]
fn weighted_calls_a_vip_of_weight_3_before_regulars_who_came_earlier() {
    // Entry B weighs 2: a VIP of B has priority 2 × 3 = 6, a VIP of A 3, a regular of B 2.
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, None),
            entry(B, CategoryFilter::Any, 2, None),
        ],
        Policy::Weighted,
        vec![],
        RatioScope::Operator,
    );
    let mut b = branch(&[category(VIP, 3, None, None)], &[p], &[desk(1, 1)]);
    play(
        &mut b,
        &[
            Walk(A),
            Wait(10),
            Walk(B),
            Wait(10),
            As(A, VIP),
            Wait(10),
            As(B, VIP),
            Wait(30),
        ],
    );
    let first = b.call(1).expect("someone waits");
    assert_eq!(first.number, "B002");
    assert_eq!(
        first.reason,
        CallReason::Weighted {
            position_in_profile: 1,
            priority: 6,
            waited_secs: 30,
            runner_up: runner_up("A002", 3),
        }
    );
    b.start_and_finish(first.ticket);
    let second = b.call(1).expect("someone waits");
    assert_eq!(second.number, "A002");
    assert_eq!(
        second.reason,
        CallReason::Weighted {
            position_in_profile: 0,
            priority: 3,
            waited_secs: 40,
            runner_up: runner_up("B001", 2),
        }
    );
    b.start_and_finish(second.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 3)]), "B001 A001 -");
}

#[test]
fn weighted_breaks_equal_priority_by_the_longer_wait() {
    let p = profile(1, &[A, B], Policy::Weighted);
    let mut b = branch(&[category(VIP, 3, None, None)], &[p], &[desk(1, 1)]);
    let order = play(
        &mut b,
        &[
            As(B, VIP),
            Wait(5),
            As(A, VIP),
            Wait(5),
            Walk(A),
            Wait(5),
            Calls(1, 4),
        ],
    );
    assert_eq!(order, "B001 A001 A002 -");
}

#[test]
fn with_urgency_a_regular_who_waited_long_against_the_norm_overtakes_a_vip() {
    // Norm 900 s everywhere. Urgency = waited × weight ÷ norm: a VIP (weight 3) who waited
    // 300 s equals a regular who waited 900 s. At 600 s the regular (0.667) still yields to
    // the VIP (1.0); at 1200 s the regular (1.333) overtakes a VIP who waited 200 s (0.667).
    let mut b = branch(
        &[category(VIP, 3, None, None)],
        &[profile(1, &[A], Policy::Urgency)],
        &[desk(1, 1)],
    );
    play(&mut b, &[Walk(A), Wait(300), As(A, VIP), Wait(300)]);
    let vip = b.call(1).expect("someone waits");
    assert_eq!(vip.number, "A002");
    assert_eq!(
        vip.reason,
        CallReason::Urgency {
            position_in_profile: 0,
            urgency_permille: 1000,
            waited_secs: 300,
            norm_secs: 900,
            runner_up: runner_up("A001", 666),
        }
    );
    b.start_and_finish(vip.ticket);
    play(&mut b, &[Wait(400), As(A, VIP), Wait(200)]);
    let aged = b.call(1).expect("someone waits");
    assert_eq!(aged.number, "A001", "aging overtakes the VIP");
    assert_eq!(
        aged.reason,
        CallReason::Urgency {
            position_in_profile: 0,
            urgency_permille: 1333,
            waited_secs: 1200,
            norm_secs: 900,
            runner_up: runner_up("A003", 666),
        }
    );
    b.start_and_finish(aged.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 2)]), "A003 -");
}

#[test]
fn urgency_measures_a_category_against_its_own_waiting_norm() {
    // A disabled visitor's norm is 300 s: after 400 s they are at 1.333, ahead of a regular
    // of B who waited 1000 s against B's 900 s (1.111).
    let mut b = branch(
        &[category(DISABLED, 1, Some(300), None)],
        &[profile(1, &[B, A], Policy::Urgency)],
        &[desk(1, 1)],
    );
    play(&mut b, &[Walk(B), Wait(600), As(A, DISABLED), Wait(400)]);
    let first = b.call(1).expect("someone waits");
    assert_eq!(first.number, "A001");
    assert_eq!(
        first.reason,
        CallReason::Urgency {
            position_in_profile: 1,
            urgency_permille: 1333,
            waited_secs: 400,
            norm_secs: 300,
            runner_up: runner_up("B001", 1111),
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Ratios

/// NovoSGA's "P, P, G, S": two calls from priority visitors of G, one regular of G, one of S.
fn ppgs_profile() -> talon_core::WorkProfile {
    rules_profile(
        1,
        vec![
            entry(G, CategoryFilter::Only(vec![CategoryId(PRIORITY)]), 1, None),
            entry(G, CategoryFilter::Regular, 1, None),
            entry(S, CategoryFilter::Any, 1, None),
        ],
        Policy::StrictOrder,
        vec![step(&[0], 2), step(&[1], 1), step(&[2], 1)],
        RatioScope::Operator,
    )
}

fn ppgs_branch() -> Branch {
    Branch::with_categories(
        monday_morning(),
        MOSCOW,
        &[service(G, "G"), service(S, "S")],
        &[category(PRIORITY, 1, None, None)],
        &[ppgs_profile()],
        &[desk(1, 1)],
    )
}

#[test]
fn the_ppgs_ratio_repeats_exactly_over_three_cycles() {
    let mut b = ppgs_branch();
    // Priority visitors get G001–G006, regulars G007–G009; S has S001–S003. All are there
    // before the first call, the regulars and S even earlier than some priority visitors.
    let mut acts = vec![As(G, PRIORITY); 6];
    acts.extend([
        Walk(G),
        Walk(G),
        Walk(G),
        Walk(S),
        Walk(S),
        Walk(S),
        Wait(60),
    ]);
    play(&mut b, &acts);

    let mut marks = Vec::new();
    let mut order = Vec::new();
    for _ in 0..4 {
        let call = b.call(1).expect("every step has someone");
        let mark = call.ratio.expect("a ratio call is marked");
        assert_eq!(
            mark.key,
            RatioKey {
                profile: ProfileId(1),
                variant: None,
                operator: Some(OperatorId(101)),
            }
        );
        marks.push((mark.step, mark.served));
        order.push(call.number.clone());
        b.start_and_finish(call.ticket);
    }
    assert_eq!(order.join(" "), "G001 G002 G007 S001");
    // Where the ratio stands after each call: one P served, then G's turn, S's, P's again.
    assert_eq!(marks, vec![(0, 1), (1, 0), (2, 0), (0, 0)]);
    assert_eq!(
        play(&mut b, &[Calls(1, 9)]),
        "G003 G004 G008 S002 G005 G006 G009 S003 -"
    );
}

#[test]
fn a_ratio_step_with_nobody_waiting_hands_its_turn_to_the_next_step() {
    let mut b = ppgs_branch();
    // Three priority visitors (G001–G003), three regulars (G004–G006), three of S.
    let mut acts = vec![As(G, PRIORITY), As(G, PRIORITY), As(G, PRIORITY)];
    acts.extend([
        Walk(G),
        Walk(G),
        Walk(G),
        Walk(S),
        Walk(S),
        Walk(S),
        Wait(60),
    ]);
    play(&mut b, &acts);
    // P P G S, then P (the last one), then P's turn finds nobody: G, S, G, S.
    assert_eq!(
        play(&mut b, &[Calls(1, 10)]),
        "G001 G002 G004 S001 G003 G005 S002 G006 S003 -"
    );
}

#[test]
fn a_step_skipped_for_want_of_tickets_counts_its_replacement_from_one() {
    let mut b = ppgs_branch();
    play(&mut b, &[Walk(G), Walk(G), Walk(S), Walk(S), Wait(60)]);
    // No priority visitor: G's step serves the first call and its turn is over at once.
    let first = b.call(1).expect("G waits");
    assert_eq!(first.number, "G001");
    assert_eq!(first.ratio.map(|m| (m.step, m.served)), Some((2, 0)));
    b.start_and_finish(first.ticket);
    // A priority visitor arrives, but it is S's turn now, then P's.
    play(&mut b, &[As(G, PRIORITY), Wait(10)]);
    assert_eq!(play(&mut b, &[Calls(1, 5)]), "S001 G003 G002 S002 -");
}

#[test]
fn a_step_taking_over_mid_turn_gets_its_full_count() {
    // "2 A, then 2 B". A's turn is cut short after one call for want of A; B takes over and
    // still gets both its calls before A's next turn, whoever arrives meanwhile.
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, None),
            entry(B, CategoryFilter::Any, 1, None),
        ],
        Policy::StrictOrder,
        vec![step(&[0], 2), step(&[1], 2)],
        RatioScope::Operator,
    );
    let mut b = branch(&[], &[p], &[desk(1, 1)]);
    let mut acts = vec![Walk(A)];
    acts.extend([Walk(B); 4]);
    acts.extend([
        Wait(30),
        Calls(1, 2),
        Walk(A),
        Walk(A),
        Wait(30),
        Calls(1, 6),
    ]);
    assert_eq!(play(&mut b, &acts), "A001 B001 B002 A002 A003 B003 B004 -");
}

#[test]
fn every_third_call_goes_to_service_b_even_when_b_waited_longer() {
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, None),
            entry(B, CategoryFilter::Any, 1, None),
        ],
        Policy::LongestWaiting,
        vec![step(&[0], 2), step(&[1], 1)],
        RatioScope::Operator,
    );
    let mut b = branch(&[], &[p], &[desk(1, 1)]);
    let mut acts = vec![Walk(B), Walk(B), Walk(B), Wait(10)];
    acts.extend([Walk(A); 6]);
    acts.extend([Wait(60), Calls(1, 10)]);
    assert_eq!(
        play(&mut b, &acts),
        "A001 A002 B001 A003 A004 B002 A005 A006 B003 -"
    );
}

/// Two workplaces with the same "2 A, then 1 B" profile call in turn, 1, 2, 1, 2, 1, 2.
fn two_operators_alternating(scope: RatioScope) -> (String, Vec<Option<OperatorId>>) {
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, None),
            entry(B, CategoryFilter::Any, 1, None),
        ],
        Policy::StrictOrder,
        vec![step(&[0], 2), step(&[1], 1)],
        scope,
    );
    let mut b = branch(&[], &[p], &[desk(1, 1), desk(2, 1)]);
    let mut acts = vec![Walk(A); 6];
    acts.extend([Walk(B); 3]);
    acts.push(Wait(30));
    play(&mut b, &acts);
    let mut order = Vec::new();
    let mut owners = Vec::new();
    for desk in [1, 2, 1, 2, 1, 2] {
        let call = b.call(desk).expect("plenty waiting");
        order.push(call.number.clone());
        owners.push(call.ratio.expect("a ratio call").key.operator);
        b.start_and_finish(call.ticket);
    }
    (order.join(" "), owners)
}

#[test]
fn a_ratio_per_operator_keeps_one_count_for_each_operator() {
    let (order, owners) = two_operators_alternating(RatioScope::Operator);
    // Window 1 calls A001, A003, B001; window 2 calls A002, A004, B002.
    assert_eq!(order, "A001 A002 A003 A004 B001 B002");
    assert_eq!(
        owners,
        [101, 102, 101, 102, 101, 102].map(|o| Some(OperatorId(o)))
    );
}

#[test]
fn a_ratio_per_branch_is_one_count_shared_by_all_operators_of_the_profile() {
    let (order, owners) = two_operators_alternating(RatioScope::Branch);
    assert_eq!(order, "A001 A002 B001 A003 A004 B002");
    assert_eq!(owners, vec![None; 6]);
}

// ---------------------------------------------------------------------------------------------
// Maximum wait

#[test]
fn a_ticket_past_its_entrys_maximum_wait_jumps_the_queue() {
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, None),
            entry(B, CategoryFilter::Any, 1, Some(600)),
        ],
        Policy::StrictOrder,
        vec![],
        RatioScope::Operator,
    );
    let mut b = branch(&[], &[p], &[desk(1, 1)]);
    play(&mut b, &[Walk(B), Wait(10), Walk(A), Walk(A), Walk(A)]);
    // At 599 s B is not overdue yet: A comes first in strict order.
    assert_eq!(play(&mut b, &[Wait(589), Call(1)]), "A001");
    b.advance(1);
    let overdue = b.call(1).expect("B is overdue");
    assert_eq!(overdue.number, "B001");
    assert_eq!(
        overdue.reason,
        CallReason::MaxWaitExceeded {
            position_in_profile: 1,
            waited_secs: 600,
            max_wait_secs: 600,
        }
    );
    assert_eq!(overdue.ratio, None);
    b.start_and_finish(overdue.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 3)]), "A002 A003 -");
}

#[test]
fn of_two_overdue_tickets_the_one_furthest_past_its_maximum_goes_first() {
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, Some(600)),
            entry(B, CategoryFilter::Any, 1, Some(300)),
            entry(C, CategoryFilter::Any, 1, None),
        ],
        Policy::StrictOrder,
        vec![],
        RatioScope::Operator,
    );
    let mut b = branch(&[], &[p], &[desk(1, 1)]);
    // At the call A001 has waited 900 s (1.5 × 600), B001 600 s (2 × 300).
    let order = play(
        &mut b,
        &[Walk(C), Walk(A), Wait(300), Walk(B), Wait(600), Calls(1, 4)],
    );
    assert_eq!(order, "B001 A001 C001 -");
}

#[test]
fn a_maximum_wait_overrides_the_ratio_without_moving_its_count() {
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, None),
            entry(B, CategoryFilter::Any, 1, Some(300)),
        ],
        Policy::StrictOrder,
        vec![step(&[0], 2), step(&[1], 1)],
        RatioScope::Operator,
    );
    let mut b = branch(&[], &[p], &[desk(1, 1)]);
    let order = play(
        &mut b,
        &[
            Walk(B),
            Walk(B),
            Walk(A),
            Walk(A),
            Walk(A),
            Wait(60),
            Call(1),
            Wait(300),
            // B001 and B002 are overdue and go first; then the ratio goes on where it was:
            // the second A, then B's turn (nobody in B), then A again.
            Calls(1, 5),
        ],
    );
    assert_eq!(order, "A001 B001 B002 A002 A003 -");
}

// ---------------------------------------------------------------------------------------------
// Personal queue, appointments and restricted categories

#[test]
fn a_ticket_transferred_to_an_operator_is_called_by_them_first_and_by_nobody_else() {
    let mut b = branch(
        &[],
        &[
            profile(1, &[A], Policy::LongestWaiting),
            profile(2, &[A], Policy::LongestWaiting),
        ],
        &[desk(1, 1), desk(2, 2)],
    );
    let a1 = b.issue(A);
    b.advance(10);
    let a2 = b.issue(A);
    b.advance(5);
    // A ticket of C, a service neither profile serves, goes to operator 102 as well.
    let c1 = b.issue(C);
    b.advance(5);
    b.ok(Command::TransferToOperator {
        ticket: a2,
        operator: OperatorId(102),
        by: None,
    });
    b.advance(5);
    b.ok(Command::TransferToOperator {
        ticket: c1,
        operator: OperatorId(102),
        by: None,
    });
    b.advance(10);
    let personal = b.call(2).expect("a personal ticket");
    assert_eq!(personal.ticket, a2, "ahead of A001, who waited longer");
    assert_eq!(personal.reason, CallReason::Personal { waited_secs: 15 });
    assert_eq!(personal.ratio, None);
    b.start_and_finish(a2);
    assert_eq!(b.call(2).map(|c| c.ticket), Some(c1));
    b.start_and_finish(c1);
    assert_eq!(b.call(1).map(|c| c.ticket), Some(a1));
    b.start_and_finish(a1);
    assert_eq!(play(&mut b, &[Call(1), Call(2)]), "- -");
}

#[test]
fn window_one_never_calls_a_ticket_in_operator_102s_personal_queue() {
    let mut b = branch(
        &[],
        &[profile(1, &[A], Policy::LongestWaiting)],
        &[desk(1, 1), desk(2, 1)],
    );
    let a1 = b.issue(A);
    b.ok(Command::TransferToOperator {
        ticket: a1,
        operator: OperatorId(102),
        by: None,
    });
    b.advance(600);
    assert_eq!(play(&mut b, &[Call(1)]), "-");
    assert_eq!(b.ticket(a1).status, TicketStatus::Waiting);
    assert_eq!(play(&mut b, &[Call(2)]), "A001");
}

#[test]
fn an_appointment_whose_time_has_come_goes_ahead_of_walk_ins_and_not_before() {
    let mut b = branch(
        &[],
        &[profile(1, &[A], Policy::LongestWaiting)],
        &[desk(1, 1)],
    );
    play(&mut b, &[Walk(A), Walk(A), Wait(10)]);
    let later = b
        .now
        .checked_add(jiff::SignedDuration::from_secs(990))
        .unwrap();
    let booked_later = b.issue_with(A, None, Some(later));
    b.advance(10);
    let earlier = b
        .now
        .checked_sub(jiff::SignedDuration::from_secs(300))
        .unwrap();
    let booked_earlier = b.issue_with(A, None, Some(earlier));
    b.advance(10);
    let due = b.call(1).expect("an appointment is due");
    assert_eq!(due.ticket, booked_earlier);
    assert_eq!(due.number, "A004");
    assert_eq!(due.reason, CallReason::AppointmentDue { due_at: earlier });
    b.start_and_finish(due.ticket);
    // A003's booked time has not come: it waits among the walk-ins, behind A001.
    assert_eq!(play(&mut b, &[Call(1)]), "A001");
    b.now = later;
    let booked = b.call(1).expect("A003 is due now");
    assert_eq!(booked.ticket, booked_later);
    assert_eq!(booked.reason, CallReason::AppointmentDue { due_at: later });
    b.start_and_finish(booked.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 2)]), "A002 -");
}

#[test]
fn an_appointment_postponed_by_the_visitor_waits_for_the_end_of_the_postponement() {
    let mut b = branch(
        &[],
        &[profile(1, &[A], Policy::LongestWaiting)],
        &[desk(1, 1)],
    );
    b.issue(A);
    b.advance(10);
    let booked_at = b.now;
    let booked = b.issue_with(A, None, Some(booked_at));
    b.ok(Command::Postpone {
        ticket: booked,
        seconds: 600,
        by: None,
    });
    b.advance(10);
    assert_eq!(
        play(&mut b, &[Call(1), Call(1)]),
        "A001 -",
        "the postponed appointment is not back before its time"
    );
    b.advance(590);
    let back = b.call(1).expect("the postponement is over");
    assert_eq!(back.ticket, booked);
    assert_eq!(
        back.reason,
        CallReason::AppointmentDue { due_at: booked_at }
    );
}

#[test]
fn a_category_restricted_to_some_profiles_is_never_called_by_another() {
    let mut b = branch(
        &[category(CORPORATE, 1, None, Some(&[2]))],
        &[
            profile(1, &[A], Policy::LongestWaiting),
            profile(2, &[A], Policy::LongestWaiting),
        ],
        &[desk(1, 1), desk(2, 2)],
    );
    let past = b.now;
    play(&mut b, &[As(A, CORPORATE), Wait(10), Walk(A), Wait(10)]);
    b.issue_with(A, Some(CORPORATE), Some(past));
    b.advance(3600);
    // Window 1 (profile 1) takes the regular even though both corporate clients waited
    // longer, one of them with an appointment that is due; then it has nobody.
    assert_eq!(play(&mut b, &[Call(1), Call(1)]), "A002 -");
    assert_eq!(play(&mut b, &[Call(2), Call(2), Call(2)]), "A003 A001 -");
}

#[test]
fn category_filters_split_one_service_between_profiles() {
    let regular_only = rules_profile(
        1,
        vec![entry(A, CategoryFilter::Regular, 1, None)],
        Policy::LongestWaiting,
        vec![],
        RatioScope::Operator,
    );
    let vip_only = rules_profile(
        2,
        vec![entry(
            A,
            CategoryFilter::Only(vec![CategoryId(VIP)]),
            1,
            None,
        )],
        Policy::LongestWaiting,
        vec![],
        RatioScope::Operator,
    );
    let mut b = branch(
        &[
            category(VIP, 3, None, None),
            category(PRIORITY, 2, None, None),
        ],
        &[regular_only, vip_only],
        &[desk(1, 1), desk(2, 2)],
    );
    play(
        &mut b,
        &[As(A, VIP), As(A, PRIORITY), Walk(A), As(A, VIP), Wait(60)],
    );
    assert_eq!(play(&mut b, &[Calls(1, 2)]), "A003 -");
    assert_eq!(play(&mut b, &[Calls(2, 3)]), "A001 A004 -");
    assert_eq!(
        b.queue(A).len(),
        1,
        "nobody's filter admits the priority visitor"
    );
}

// ---------------------------------------------------------------------------------------------
// Time-of-day variants

/// A profile serving A and B by longest wait, and only A on weekdays from 12:00 to 14:00.
fn lunch_profile() -> talon_core::WorkProfile {
    let mut p = profile(1, &[A, B], Policy::LongestWaiting);
    p.variants = vec![Variant {
        days: vec![
            WeekdayName::Mon,
            WeekdayName::Tue,
            WeekdayName::Wed,
            WeekdayName::Thu,
            WeekdayName::Fri,
        ],
        hours: Interval::parse("12:00-14:00").expect("a span"),
        rules: Rules {
            entries: vec![entry(A, CategoryFilter::Any, 1, None)],
            policy: Policy::LongestWaiting,
            ratio: vec![],
            ratio_scope: RatioScope::Operator,
        },
    }];
    p
}

#[test]
fn a_weekday_lunch_variant_serves_only_a_from_12_to_14_in_the_branch_zone() {
    // B001 at 11:50, B002 at 11:51, A001 at 11:55, A002 at 11:56 (local time); calls at
    // 11:58, at 12:00 (three), at 13:59:59 and at 14:00.
    let acts = [
        Walk(B),
        Wait(60),
        Walk(B),
        Wait(240),
        Walk(A),
        Wait(60),
        Walk(A),
        Wait(120),
        Call(1),
        Wait(120),
        Calls(1, 3),
        Wait(7199),
        Call(1),
        Wait(1),
        Call(1),
    ];
    let cases = [
        // Monday 11:50 in Moscow: lunch rules from 12:00 to 14:00.
        ("2024-06-10T08:50:00Z", MOSCOW, "B001 A001 A002 - - B002"),
        // The same instants in a branch on UTC are 08:50 to 11:00 there: no lunch rules.
        ("2024-06-10T08:50:00Z", "UTC", "B001 B002 A001 A002 - -"),
        // Saturday 11:50 in Moscow: the variant is for weekdays only.
        ("2024-06-15T08:50:00Z", MOSCOW, "B001 B002 A001 A002 - -"),
    ];
    for (start, zone, expected) in cases {
        let mut b = Branch::new(
            at(start),
            zone,
            &[service(A, "A"), service(B, "B")],
            &[lunch_profile()],
            &[desk(1, 1)],
        );
        assert_eq!(play(&mut b, &acts), expected, "from {start} in {zone}");
    }
}

/// A refused variant names itself in the error's field, so a form shows the error at that
/// variant's part rather than at the profile's own rules.
#[test]
fn an_invalid_variant_is_named_by_its_place_and_field() {
    let field = |p: &WorkProfile| match p.validate() {
        Err(talon_core::DomainError::Invalid { field, .. }) => field.into_owned(),
        other => panic!("expected a validation error, got {other:?}"),
    };
    let mut p = lunch_profile();
    p.variants.push(p.variants[0].clone());
    p.variants[1].days.clear();
    assert_eq!(field(&p), "variants[1].days");
    let mut p = lunch_profile();
    p.variants[0].rules.entries[0].weight = 0;
    assert_eq!(field(&p), "variants[0].weight");
    p.variants[0].rules.entries.clear();
    assert_eq!(field(&p), "variants[0].entries");
    // The profile's own rules keep their plain names.
    let mut p = lunch_profile();
    p.rules.entries.clear();
    assert_eq!(field(&p), "entries");
}

// ---------------------------------------------------------------------------------------------
// Automatic calls and no-shows

#[test]
fn an_auto_call_workplace_calls_when_a_ticket_arrives_and_when_it_becomes_free() {
    let mut auto = profile(1, &[A], Policy::LongestWaiting);
    auto.auto_call = true;
    let manual = profile(2, &[A], Policy::LongestWaiting);
    let mut b = branch(&[], &[auto, manual], &[desk(1, 1), desk(2, 2)]);

    let (a1, issue) = b.issue_command(A);
    let calls = calls_in(&b.ok(issue));
    assert_eq!(
        calls.len(),
        1,
        "the idle auto-call window takes the arrival"
    );
    assert_eq!((calls[0].ticket, calls[0].workplace), (a1, WorkplaceId(1)));
    assert_eq!(
        calls[0].reason,
        CallReason::LongestWaiting { waited_secs: 0 }
    );

    b.advance(30);
    let (a2, issue) = b.issue_command(A);
    assert!(calls_in(&b.ok(issue)).is_empty(), "window 1 is busy");
    b.advance(30);
    let (a3, issue) = b.issue_command(A);
    assert!(calls_in(&b.ok(issue)).is_empty());

    b.advance(60);
    let finished = b.start_and_finish(a1);
    let calls = calls_in(&finished);
    assert_eq!(calls.len(), 1, "freed, window 1 calls the next one itself");
    assert_eq!(calls[0].ticket, a2);
    assert_eq!(
        calls[0].reason,
        CallReason::LongestWaiting { waited_secs: 90 }
    );
    assert_eq!(b.ticket(a3).status, TicketStatus::Waiting, "window 2 waits");

    b.start_and_finish(a2);
    assert_eq!(b.ticket(a3).status, TicketStatus::Called);
    assert!(calls_in(&b.start_and_finish(a3)).is_empty(), "nobody left");
    let idle = b.state.workplace(WorkplaceId(1)).expect("window 1");
    assert_eq!(idle.current, None);
}

#[test]
fn an_auto_call_workplace_opened_with_people_waiting_calls_at_once() {
    let mut auto = profile(1, &[A], Policy::LongestWaiting);
    auto.auto_call = true;
    let mut b = branch(&[], &[auto], &[]);
    let a1 = b.issue(A);
    b.ok(Command::DefineWorkplace(common::workplace(1)));
    let events = b.ok(Command::OpenWorkplace {
        workplace: WorkplaceId(1),
        operator: OperatorId(101),
        profile: ProfileId(1),
    });
    let calls = calls_in(&events);
    assert_eq!(calls.iter().map(|c| c.ticket).collect::<Vec<_>>(), [a1]);
}

#[test]
fn after_n_recalls_the_next_recall_is_a_no_show_and_the_next_ticket_is_called() {
    let mut p = profile(1, &[A], Policy::LongestWaiting);
    p.auto_call = true;
    p.no_show_after_recalls = Some(2);
    let mut b = branch(&[], &[p], &[desk(1, 1)]);
    let a1 = b.issue(A);
    let a2 = b.issue(A);
    assert_eq!(b.ticket(a1).status, TicketStatus::Called);
    let recall = Command::Recall {
        ticket: a1,
        by: by(101),
    };
    for calls in [2, 3] {
        b.advance(30);
        let events = b.ok(recall.clone());
        assert_eq!(events.len(), 1);
        match &events[0].kind {
            EventKind::TicketRecalled { calls: n, .. } => assert_eq!(*n, calls),
            other => panic!("expected a recall, got {other:?}"),
        }
    }
    b.advance(30);
    let events = b.ok(recall);
    assert!(
        matches!(events[0].kind, EventKind::TicketNoShow { ticket, .. } if ticket == a1),
        "{events:?}"
    );
    assert_eq!(b.ticket(a1).status, TicketStatus::NoShow);
    let calls = calls_in(&events);
    assert_eq!(calls.iter().map(|c| c.ticket).collect::<Vec<_>>(), [a2]);
}

#[test]
fn the_recall_limit_counts_the_recalls_of_the_current_call_only() {
    // A001 was called at window 1 and transferred to B; at window 2 it is called again. Its
    // first call there may be recalled once before the next recall makes it a no-show.
    let mut at_b = profile(2, &[B], Policy::LongestWaiting);
    at_b.no_show_after_recalls = Some(1);
    let mut b = branch(
        &[],
        &[profile(1, &[A], Policy::LongestWaiting), at_b],
        &[desk(1, 1), desk(2, 2)],
    );
    let a1 = b.issue(A);
    assert_eq!(b.call(1).map(|c| c.ticket), Some(a1));
    b.ok(Command::Transfer {
        ticket: a1,
        service: ServiceId(B),
        position: TransferPosition::Back,
        return_after: false,
        by: by(101),
    });
    assert_eq!(b.call(2).map(|c| c.ticket), Some(a1));
    let recall = Command::Recall {
        ticket: a1,
        by: by(102),
    };
    let first = b.ok(recall.clone());
    assert!(
        matches!(first[0].kind, EventKind::TicketRecalled { calls: 3, .. }),
        "one recall is allowed at window 2: {first:?}"
    );
    let second = b.ok(recall);
    assert!(
        matches!(second[0].kind, EventKind::TicketNoShow { .. }),
        "{second:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Transfers

#[test]
fn a_transferred_ticket_stands_at_the_front_at_the_back_or_by_its_original_arrival() {
    let cases = [
        (TransferPosition::Front, "A001 B001 B002 -"),
        (TransferPosition::Back, "B001 B002 A001 -"),
        (TransferPosition::OriginalArrival, "B001 A001 B002 -"),
    ];
    for (position, expected) in cases {
        let mut b = branch(
            &[],
            &[
                profile(1, &[A], Policy::LongestWaiting),
                profile(2, &[B], Policy::LongestWaiting),
            ],
            &[desk(1, 1), desk(2, 2)],
        );
        play(
            &mut b,
            &[Walk(B), Wait(10), Walk(A), Wait(10), Walk(B), Wait(10)],
        );
        let a1 = b.call(1).expect("A001 waits").ticket;
        b.ok(Command::StartService {
            ticket: a1,
            by: by(101),
        });
        b.advance(60);
        b.ok(Command::Transfer {
            ticket: a1,
            service: ServiceId(B),
            position,
            return_after: false,
            by: by(101),
        });
        assert_eq!(play(&mut b, &[Calls(2, 4)]), expected, "{position:?}");
    }
}

#[test]
fn after_the_service_it_was_sent_to_a_ticket_returns_to_the_front_of_its_original_queue() {
    let mut b = branch(
        &[],
        &[
            profile(1, &[A], Policy::LongestWaiting),
            profile(2, &[B], Policy::LongestWaiting),
        ],
        &[desk(1, 1), desk(2, 2)],
    );
    play(
        &mut b,
        &[Walk(A), Wait(10), Walk(A), Wait(10), Walk(A), Wait(10)],
    );
    let a1 = b.call(1).expect("A001").ticket;
    b.ok(Command::StartService {
        ticket: a1,
        by: by(101),
    });
    b.ok(Command::Transfer {
        ticket: a1,
        service: ServiceId(B),
        position: TransferPosition::Back,
        return_after: true,
        by: by(101),
    });
    let a2 = b.call(1).expect("A002").ticket;
    b.ok(Command::StartService {
        ticket: a2,
        by: by(101),
    });
    b.advance(120);
    assert_eq!(b.call(2).map(|c| c.ticket), Some(a1));
    let finished = b.start_and_finish(a1);
    assert!(
        finished.iter().any(|e| e.kind
            == EventKind::TicketReturned {
                ticket: a1,
                to_service: ServiceId(A),
            }),
        "{finished:?}"
    );
    let returned = b.ticket(a1);
    assert_eq!(
        (returned.service, returned.status),
        (ServiceId(A), TicketStatus::Waiting)
    );
    assert_eq!(b.queue(A)[0], a1, "at the front, ahead of A003 who waited");
    b.ok(Command::Finish {
        ticket: a2,
        by: by(101),
    });
    assert_eq!(b.call(1).map(|c| c.ticket), Some(a1));
    let done = b.start_and_finish(a1);
    assert!(
        !done
            .iter()
            .any(|e| matches!(e.kind, EventKind::TicketReturned { .. })),
        "it returns once"
    );
    assert_eq!(b.ticket(a1).status, TicketStatus::Done);
    assert_eq!(play(&mut b, &[Calls(1, 2)]), "A003 -");
}

#[test]
fn with_urgency_a_ticket_put_at_the_front_does_not_hold_back_those_behind_it() {
    // B001 has waited 200 s and A001 100 s (same norm) when A002 is put at the front of B.
    // B is still the most urgent queue, and its first place is now A002.
    let mut b = branch(&[], &[profile(1, &[A, B], Policy::Urgency)], &[desk(1, 1)]);
    play(&mut b, &[Walk(B), Wait(100), Walk(A), Walk(A), Wait(100)]);
    let a2 = b.queue(A)[1];
    b.ok(Command::Transfer {
        ticket: a2,
        service: ServiceId(B),
        position: TransferPosition::Front,
        return_after: false,
        by: None,
    });
    let first = b.call(1).expect("someone waits");
    assert_eq!(first.ticket, a2);
    assert_eq!(
        first.reason,
        CallReason::Urgency {
            position_in_profile: 1,
            urgency_permille: 222,
            waited_secs: 200,
            norm_secs: 900,
            runner_up: runner_up("A001", 111),
        }
    );
    b.start_and_finish(first.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 3)]), "B001 A001 -");
}

#[test]
fn a_ticket_put_at_the_front_does_not_hide_an_overdue_ticket_behind_it() {
    let p = rules_profile(
        1,
        vec![
            entry(A, CategoryFilter::Any, 1, None),
            entry(B, CategoryFilter::Any, 1, Some(600)),
        ],
        Policy::StrictOrder,
        vec![],
        RatioScope::Operator,
    );
    let mut b = branch(&[], &[p], &[desk(1, 1)]);
    play(&mut b, &[Walk(B), Walk(A), Walk(A), Walk(A), Wait(700)]);
    let a3 = b.queue(A)[2];
    b.ok(Command::Transfer {
        ticket: a3,
        service: ServiceId(B),
        position: TransferPosition::Front,
        return_after: false,
        by: None,
    });
    // B001 is overdue: B's queue goes first, A003 at its front and B001 right after.
    let first = b.call(1).expect("someone waits");
    assert_eq!(first.ticket, a3);
    assert!(
        matches!(
            first.reason,
            CallReason::MaxWaitExceeded {
                position_in_profile: 1,
                ..
            }
        ),
        "{:?}",
        first.reason
    );
    b.start_and_finish(first.ticket);
    assert_eq!(play(&mut b, &[Calls(1, 4)]), "B001 A001 A002 -");
}

#[test]
fn a_ratio_must_give_every_entry_a_step_or_the_profile_is_refused() {
    let left_out = rules_profile(
        50,
        vec![
            entry(1, CategoryFilter::Any, 1, None),
            entry(2, CategoryFilter::Any, 1, None),
        ],
        Policy::LongestWaiting,
        vec![step(&[0], 2)],
        RatioScope::Operator,
    );
    assert_eq!(
        left_out.validate().map_err(|e| e.code()),
        Err("validation_failed")
    );
    let covered = WorkProfile {
        rules: Rules {
            ratio: vec![step(&[0], 2), step(&[1], 1)],
            ..left_out.rules.clone()
        },
        ..left_out
    };
    assert_eq!(covered.validate(), Ok(()));
}
