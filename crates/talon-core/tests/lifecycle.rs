//! The life of a ticket and of a workplace, one transition and one refusal at a time: every
//! command's effect on the state and the events it records, and every domain error by its code,
//! with a failed command leaving the state exactly as it was.

mod common;

use common::{Branch, at, desk, profile, service, settings, workplace};
use jiff::Timestamp;
use jiff::civil::date;
use std::collections::BTreeMap;
use talon_core::{AfterLast, BranchState};
use talon_core::{
    BranchSettings, CallReason, Channel, Command, EventKind, Hours, Interval, Language,
    NumberRange, OperatorId, Policy, ProfileId, ServiceId, TicketId, TicketStatus, TicketTexts,
    TimeZoneName, TransferPosition, WeekdayName, WorkplaceId, WorkplaceStatus,
};

const A: u64 = 1;
const B: u64 = 2;
const MOSCOW: &str = "Europe/Moscow";

/// Monday 2024-06-10, 09:00 in Moscow.
fn monday_morning() -> Timestamp {
    at("2024-06-10T06:00:00Z")
}

/// Services A and B; profile 1 serves A then B in strict order; windows 1 and 2 are open with
/// it by operators 101 and 102.
fn branch() -> Branch {
    Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B")],
        &[profile(1, &[A, B], Policy::StrictOrder)],
        &[desk(1, 1), desk(2, 1)],
    )
}

fn by(operator: u64) -> Option<OperatorId> {
    Some(OperatorId(operator))
}

fn wp(n: u64) -> WorkplaceId {
    WorkplaceId(n)
}

/// A branch with one ticket called to window 1 by operator 101.
fn branch_with_called_ticket() -> (Branch, TicketId) {
    let mut b = branch();
    let t = b.issue(A);
    assert_eq!(b.call_next(1), Some(t));
    (b, t)
}

/// A branch with one ticket being served at window 1 by operator 101.
fn branch_with_served_ticket() -> (Branch, TicketId) {
    let (mut b, t) = branch_with_called_ticket();
    b.ok(Command::StartService {
        ticket: t,
        by: by(101),
    });
    (b, t)
}

/// A branch with one ticket already done at window 1.
fn branch_with_done_ticket() -> (Branch, TicketId) {
    let (mut b, t) = branch_with_served_ticket();
    b.ok(Command::Finish {
        ticket: t,
        by: by(101),
    });
    (b, t)
}

fn single(events: &[talon_core::Event]) -> &EventKind {
    match events {
        [event] => &event.kind,
        other => panic!("expected one event, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Issuing tickets

#[test]
fn an_issued_ticket_waits_at_the_back_of_its_service_queue_with_the_next_number() {
    let mut b = branch();
    let (first, command) = b.issue_command(A);
    let events = b.ok(command);
    match single(&events) {
        EventKind::TicketIssued {
            ticket,
            number,
            service,
            day,
            channel,
            language,
            ..
        } => {
            assert_eq!(*ticket, first);
            assert_eq!(number, "A001");
            assert_eq!(*service, ServiceId(A));
            assert_eq!(*day, date(2024, 6, 10));
            assert_eq!(*channel, Channel::Kiosk);
            assert_eq!(*language, Language::Ru, "the branch's first language");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(events[0].at, monday_morning());

    b.advance(30);
    let second = b.issue(A);
    let other_service = b.issue(B);
    let t = b.ticket(second);
    assert_eq!(t.number, "A002");
    assert_eq!(t.status, TicketStatus::Waiting);
    assert_eq!(t.created_at, b.now);
    assert_eq!(t.queued_at, b.now);
    assert_eq!(t.calls, 0);
    assert_eq!(b.ticket(other_service).number, "B001");
    assert_eq!(b.queue(A), vec![first, second]);
    assert_eq!(b.queue(B), vec![other_service]);
    assert_eq!(b.state.position(b.ticket(first)), Some(0));
    assert_eq!(b.state.position(b.ticket(second)), Some(1));
    assert_eq!(b.state.position(b.ticket(other_service)), Some(0));
    assert_eq!(
        b.state.ticket_by_token_hash("token-2").map(|t| t.id),
        Some(second)
    );
}

#[test]
fn a_ticket_is_issued_in_a_language_of_the_branch_only() {
    let mut b = branch();
    let english = TicketId(50);
    b.ok(Command::IssueTicket {
        category: None,
        due_at: None,
        id: english,
        token_hash: "english".into(),
        service: ServiceId(A),
        channel: Channel::Web,
        language: Some(Language::En),
    });
    assert_eq!(b.ticket(english).language, Language::En);
    assert_eq!(b.ticket(english).channel, Channel::Web);

    let code = b.fails(Command::IssueTicket {
        category: None,
        due_at: None,
        id: TicketId(51),
        token_hash: "german".into(),
        service: ServiceId(A),
        channel: Channel::Web,
        language: Some(Language::De),
    });
    assert_eq!(code, "validation_failed");
}

#[test]
fn a_ticket_id_or_token_cannot_be_issued_twice() {
    let mut b = branch();
    let t = b.issue(A);
    let same_id = Command::IssueTicket {
        category: None,
        due_at: None,
        id: t,
        token_hash: "fresh-token".into(),
        service: ServiceId(A),
        channel: Channel::Kiosk,
        language: None,
    };
    assert_eq!(b.fails(same_id), "already_exists");
    let same_token = Command::IssueTicket {
        category: None,
        due_at: None,
        id: TicketId(99),
        token_hash: b.ticket(t).token_hash.clone(),
        service: ServiceId(A),
        channel: Channel::Kiosk,
        language: None,
    };
    assert_eq!(b.fails(same_token), "already_exists");
}

// ---------------------------------------------------------------------------------------------
// Calling

#[test]
fn call_next_calls_the_earliest_arrival_of_a_service_to_the_workplace() {
    let mut b = branch();
    let first = b.issue(A);
    b.advance(10);
    let second = b.issue(A);
    b.advance(50);
    let events = b.ok(Command::CallNext {
        workplace: wp(1),
        by: by(101),
    });
    match single(&events) {
        EventKind::TicketCalled {
            ticket,
            number,
            service,
            workplace,
            operator,
            reason,
            ratio: None,
        } => {
            assert_eq!(*ticket, first);
            assert_eq!(number, "A001");
            assert_eq!(*service, ServiceId(A));
            assert_eq!(*workplace, wp(1));
            assert_eq!(*operator, OperatorId(101));
            assert_eq!(
                *reason,
                CallReason::StrictOrder {
                    position_in_profile: 0,
                    waited_secs: 60
                }
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let t = b.ticket(first);
    assert_eq!(t.status, TicketStatus::Called);
    assert_eq!(t.workplace, Some(wp(1)));
    assert_eq!(t.operator, Some(OperatorId(101)));
    assert_eq!(t.called_at, Some(b.now));
    assert_eq!(t.calls, 1);
    assert_eq!(b.state.position(t), None);
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, Some(first));
    assert_eq!(b.queue(A), vec![second]);
    let call = b
        .state
        .recent_calls()
        .next()
        .expect("the call is remembered");
    assert_eq!((call.ticket, call.recall), (first, false));

    assert_eq!(b.call_next(2), Some(second));
    assert_eq!(b.queue(A), vec![]);
}

#[test]
fn strict_order_serves_the_first_listed_service_that_has_anyone_waiting() {
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B")],
        &[profile(1, &[B, A], Policy::StrictOrder)],
        &[desk(1, 1)],
    );
    let early_a = b.issue(A);
    b.advance(120);
    let late_b = b.issue(B);
    b.advance(30);
    let events = b.ok(Command::CallNext {
        workplace: wp(1),
        by: by(101),
    });
    match single(&events) {
        EventKind::TicketCalled { ticket, reason, .. } => {
            assert_eq!(*ticket, late_b, "B comes first in the profile");
            assert_eq!(
                *reason,
                CallReason::StrictOrder {
                    position_in_profile: 0,
                    waited_secs: 30
                }
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    b.ok(Command::NoShow {
        ticket: late_b,
        by: by(101),
    });
    let events = b.ok(Command::CallNext {
        workplace: wp(1),
        by: by(101),
    });
    match single(&events) {
        EventKind::TicketCalled { ticket, reason, .. } => {
            assert_eq!(*ticket, early_a);
            assert_eq!(
                *reason,
                CallReason::StrictOrder {
                    position_in_profile: 1,
                    waited_secs: 150
                }
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn longest_waiting_serves_whoever_waited_longest_across_the_profile() {
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B")],
        &[profile(1, &[B, A], Policy::LongestWaiting)],
        &[desk(1, 1)],
    );
    let early_a = b.issue(A);
    b.advance(120);
    let late_b = b.issue(B);
    b.advance(30);
    let events = b.ok(Command::CallNext {
        workplace: wp(1),
        by: by(101),
    });
    match single(&events) {
        EventKind::TicketCalled { ticket, reason, .. } => {
            assert_eq!(
                *ticket, early_a,
                "A has waited longer although B is listed first"
            );
            assert_eq!(*reason, CallReason::LongestWaiting { waited_secs: 150 });
        }
        other => panic!("unexpected {other:?}"),
    }
    b.ok(Command::NoShow {
        ticket: early_a,
        by: by(101),
    });
    assert_eq!(b.call_next(1), Some(late_b));
}

#[test]
fn call_next_with_nobody_waiting_records_nothing() {
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B")],
        &[profile(1, &[A], Policy::StrictOrder)],
        &[desk(1, 1)],
    );
    let empty = b.snapshot_json();
    assert_eq!(b.call_next(1), None);
    assert_eq!(b.snapshot_json(), empty);

    let other_service = b.issue(B);
    let seq = b.state.seq();
    let before = b.snapshot_json();
    let events = b.ok(Command::CallNext {
        workplace: wp(1),
        by: by(101),
    });
    assert!(events.is_empty(), "B is not in the profile: {events:?}");
    assert_eq!(b.state.seq(), seq);
    assert_eq!(b.snapshot_json(), before);
    assert_eq!(b.ticket(other_service).status, TicketStatus::Waiting);
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, None);
}

#[test]
fn an_operator_may_call_a_chosen_ticket_out_of_turn() {
    let mut b = branch();
    let first = b.issue(A);
    let second = b.issue(A);
    let third = b.issue(A);
    let events = b.ok(Command::CallTicket {
        workplace: wp(1),
        ticket: third,
        by: by(101),
    });
    match single(&events) {
        EventKind::TicketCalled { ticket, reason, .. } => {
            assert_eq!(*ticket, third);
            assert_eq!(*reason, CallReason::Chosen);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(b.ticket(third).status, TicketStatus::Called);
    assert_eq!(b.queue(A), vec![first, second]);
    assert_eq!(b.call_next(2), Some(first));
}

#[test]
fn only_a_queued_ticket_can_be_called() {
    let (mut b, called) = branch_with_called_ticket();
    let call = |ticket| Command::CallTicket {
        workplace: wp(2),
        ticket,
        by: by(102),
    };
    assert_eq!(b.fails(call(called)), "invalid_transition");
    assert_eq!(b.fails(call(TicketId(404))), "ticket_not_found");
    let (mut b, done) = branch_with_done_ticket();
    assert_eq!(b.fails(call(done)), "invalid_transition");
}

#[test]
fn a_postponed_ticket_can_be_chosen_before_its_time() {
    let mut b = branch();
    let t = b.issue(A);
    b.ok(Command::Postpone {
        ticket: t,
        seconds: 600,
        by: None,
    });
    assert_eq!(b.call_next(1), None);
    b.ok(Command::CallTicket {
        workplace: wp(1),
        ticket: t,
        by: by(101),
    });
    assert_eq!(b.ticket(t).status, TicketStatus::Called);
    assert_eq!(b.queue(A), vec![]);
}

// ---------------------------------------------------------------------------------------------
// Recall, start, finish, no-show

#[test]
fn each_recall_counts_one_more_call_and_is_shown_as_a_recall() {
    let (mut b, t) = branch_with_called_ticket();
    for expected in 2..=3 {
        b.advance(20);
        let events = b.ok(Command::Recall {
            ticket: t,
            by: by(101),
        });
        match single(&events) {
            EventKind::TicketRecalled {
                ticket,
                number,
                workplace,
                calls,
            } => {
                assert_eq!(*ticket, t);
                assert_eq!(number, "A001");
                assert_eq!(*workplace, wp(1));
                assert_eq!(*calls, expected);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(b.ticket(t).calls, expected);
        let latest = b.state.recent_calls().next().unwrap();
        assert!(latest.recall);
        assert_eq!(latest.at, b.now);
    }
    assert_eq!(b.ticket(t).status, TicketStatus::Called);
    let view = b.state.view(b.now);
    assert_eq!(view.last_calls.len(), 3);
    assert_eq!(
        view.last_calls.iter().map(|c| c.recall).collect::<Vec<_>>(),
        vec![true, true, false]
    );
    assert_eq!(view.last_calls[0].workplace_name, "Window 1");
}

#[test]
fn only_a_called_ticket_can_be_recalled() {
    let mut b = branch();
    let waiting = b.issue(A);
    assert_eq!(
        b.fails(Command::Recall {
            ticket: waiting,
            by: None
        }),
        "invalid_transition"
    );
    let (mut b, serving) = branch_with_served_ticket();
    assert_eq!(
        b.fails(Command::Recall {
            ticket: serving,
            by: by(101)
        }),
        "invalid_transition"
    );
}

#[test]
fn starting_service_turns_a_called_ticket_into_one_being_served() {
    let (mut b, t) = branch_with_called_ticket();
    b.advance(45);
    let events = b.ok(Command::StartService {
        ticket: t,
        by: by(101),
    });
    assert_eq!(
        *single(&events),
        EventKind::ServiceStarted {
            ticket: t,
            workplace: wp(1)
        }
    );
    let ticket = b.ticket(t);
    assert_eq!(ticket.status, TicketStatus::Serving);
    assert_eq!(ticket.started_at, Some(b.now));
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, Some(t));
    assert_eq!(
        b.fails(Command::StartService {
            ticket: t,
            by: by(101)
        }),
        "invalid_transition"
    );
    let waiting = b.issue(A);
    assert_eq!(
        b.fails(Command::StartService {
            ticket: waiting,
            by: None
        }),
        "invalid_transition"
    );
}

#[test]
fn finishing_service_closes_the_ticket_and_frees_the_workplace() {
    let (mut b, t) = branch_with_served_ticket();
    let next = b.issue(A);
    b.advance(300);
    let events = b.ok(Command::Finish {
        ticket: t,
        by: by(101),
    });
    assert_eq!(
        *single(&events),
        EventKind::ServiceFinished {
            ticket: t,
            workplace: wp(1)
        }
    );
    assert_eq!(b.ticket(t).status, TicketStatus::Done);
    assert_eq!(b.ticket(t).finished_at, Some(b.now));
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, None);
    assert_eq!(b.call_next(1), Some(next));
    assert_eq!(
        b.fails(Command::Finish {
            ticket: t,
            by: by(101)
        }),
        "invalid_transition"
    );
}

#[test]
fn a_ticket_that_was_only_called_cannot_be_finished() {
    let (mut b, t) = branch_with_called_ticket();
    assert_eq!(
        b.fails(Command::Finish {
            ticket: t,
            by: by(101)
        }),
        "invalid_transition"
    );
}

#[test]
fn a_no_show_closes_a_called_ticket_and_frees_the_workplace() {
    let (mut b, t) = branch_with_called_ticket();
    let events = b.ok(Command::NoShow {
        ticket: t,
        by: by(101),
    });
    assert_eq!(
        *single(&events),
        EventKind::TicketNoShow {
            ticket: t,
            workplace: wp(1)
        }
    );
    assert_eq!(b.ticket(t).status, TicketStatus::NoShow);
    assert_eq!(b.ticket(t).finished_at, Some(b.now));
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, None);

    let (mut b, serving) = branch_with_served_ticket();
    assert_eq!(
        b.fails(Command::NoShow {
            ticket: serving,
            by: by(101)
        }),
        "invalid_transition"
    );
}

// ---------------------------------------------------------------------------------------------
// Cancel

#[test]
fn a_visitor_may_cancel_a_waiting_ticket_and_those_behind_move_up() {
    let mut b = branch();
    let first = b.issue(A);
    let second = b.issue(A);
    let events = b.ok(Command::Cancel { ticket: first });
    assert_eq!(
        *single(&events),
        EventKind::TicketCancelled { ticket: first }
    );
    assert_eq!(b.ticket(first).status, TicketStatus::Cancelled);
    assert_eq!(b.ticket(first).finished_at, Some(b.now));
    assert_eq!(b.queue(A), vec![second]);
    assert_eq!(b.state.position(b.ticket(second)), Some(0));
    assert_eq!(
        b.fails(Command::Cancel { ticket: first }),
        "invalid_transition"
    );
}

#[test]
fn a_visitor_may_cancel_a_called_ticket_which_frees_the_workplace() {
    let (mut b, t) = branch_with_called_ticket();
    b.ok(Command::Cancel { ticket: t });
    assert_eq!(b.ticket(t).status, TicketStatus::Cancelled);
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, None);
}

#[test]
fn a_ticket_being_served_cannot_be_cancelled() {
    let (mut b, t) = branch_with_served_ticket();
    assert_eq!(b.fails(Command::Cancel { ticket: t }), "invalid_transition");
    assert_eq!(b.ticket(t).status, TicketStatus::Serving);
    let (mut b, done) = branch_with_done_ticket();
    assert_eq!(
        b.fails(Command::Cancel { ticket: done }),
        "invalid_transition"
    );
}

#[test]
fn a_postponed_ticket_may_be_cancelled() {
    let mut b = branch();
    let t = b.issue(A);
    b.ok(Command::Postpone {
        ticket: t,
        seconds: 60,
        by: None,
    });
    b.ok(Command::Cancel { ticket: t });
    assert_eq!(b.ticket(t).status, TicketStatus::Cancelled);
    assert_eq!(b.queue(A), vec![]);
}

// ---------------------------------------------------------------------------------------------
// Postpone

#[test]
fn a_postponed_ticket_comes_back_only_when_its_time_has_come() {
    let mut b = branch();
    let t = b.issue(A);
    let postponed_at = b.now;
    let events = b.ok(Command::Postpone {
        ticket: t,
        seconds: 300,
        by: None,
    });
    let until = postponed_at
        .checked_add(jiff::SignedDuration::from_secs(300))
        .unwrap();
    assert_eq!(
        *single(&events),
        EventKind::TicketPostponed { ticket: t, until }
    );
    assert_eq!(b.ticket(t).status, TicketStatus::Postponed);
    assert_eq!(b.ticket(t).queued_at, until);

    b.advance(299);
    assert_eq!(b.call_next(1), None);
    assert_eq!(b.state.view(b.now).queues[0].waiting, 0);
    assert_eq!(b.ticket(t).status, TicketStatus::Postponed);
    b.advance(1);
    assert_eq!(b.state.view(b.now).queues[0].waiting, 1);
    assert_eq!(b.call_next(1), Some(t));
    assert_eq!(b.ticket(t).calls, 1);
}

#[test]
fn a_postponed_ticket_goes_behind_those_queued_before_its_time_and_ahead_of_later_ones() {
    let mut b = branch();
    let postponed = b.issue(A);
    b.ok(Command::Postpone {
        ticket: postponed,
        seconds: 300,
        by: None,
    });
    b.advance(100);
    let before_its_time = b.issue(A);
    b.advance(300);
    let after_its_time = b.issue(A);
    assert_eq!(b.queue(A), vec![before_its_time, postponed, after_its_time]);
    assert_eq!(b.state.position(b.ticket(postponed)), Some(1));
    assert_eq!(b.call_next(1), Some(before_its_time));
    assert_eq!(b.call_next(2), Some(postponed));
}

#[test]
fn postponing_a_called_ticket_frees_the_workplace() {
    let (mut b, t) = branch_with_called_ticket();
    b.ok(Command::Postpone {
        ticket: t,
        seconds: 120,
        by: by(101),
    });
    let ticket = b.ticket(t);
    assert_eq!(ticket.status, TicketStatus::Postponed);
    assert_eq!(ticket.workplace, None);
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, None);
    assert_eq!(b.queue(A), vec![t]);
}

#[test]
fn a_ticket_is_postponed_by_at_most_a_day_and_never_once_final() {
    let mut b = branch();
    let t = b.issue(A);
    let too_long = Command::Postpone {
        ticket: t,
        seconds: 86_401,
        by: None,
    };
    assert_eq!(b.fails(too_long), "validation_failed");
    b.ok(Command::Postpone {
        ticket: t,
        seconds: 86_400,
        by: None,
    });
    let (mut b, done) = branch_with_done_ticket();
    assert_eq!(
        b.fails(Command::Postpone {
            ticket: done,
            seconds: 60,
            by: None
        }),
        "invalid_transition"
    );
}

// ---------------------------------------------------------------------------------------------
// Transfer

/// B has B001 (at 09:00:10) and B002 (at 09:00:20); A001, issued at 09:00:15, is called to
/// window 1 at 09:01.
fn branch_with_ticket_to_transfer() -> (Branch, TicketId, [TicketId; 2]) {
    let mut b = branch();
    b.advance(10);
    let b1 = b.issue(B);
    b.advance(5);
    let a1 = b.issue(A);
    b.advance(5);
    let b2 = b.issue(B);
    b.advance(40);
    b.ok(Command::CallTicket {
        workplace: wp(1),
        ticket: a1,
        by: by(101),
    });
    (b, a1, [b1, b2])
}

#[test]
fn a_ticket_transferred_to_the_back_stands_behind_everyone_waiting_and_keeps_its_number() {
    let (mut b, a1, [b1, b2]) = branch_with_ticket_to_transfer();
    let events = b.ok(Command::Transfer {
        return_after: false,
        ticket: a1,
        service: ServiceId(B),
        position: TransferPosition::Back,
        by: by(101),
    });
    assert_eq!(
        *single(&events),
        EventKind::TicketTransferred {
            ticket: a1,
            from_service: ServiceId(A),
            to_service: ServiceId(B),
            queued_at: b.now,
            front: false,
            return_to: None,
        }
    );
    let t = b.ticket(a1);
    assert_eq!(t.number, "A001");
    assert_eq!(t.service, ServiceId(B));
    assert_eq!(t.status, TicketStatus::Waiting);
    assert_eq!(t.transfers, 1);
    assert_eq!(t.workplace, None);
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, None);
    assert_eq!(b.queue(B), vec![b1, b2, a1]);
    assert_eq!(b.queue(A), vec![]);
    assert_eq!(b.state.position(b.ticket(a1)), Some(2));
}

#[test]
fn a_ticket_transferred_by_original_arrival_stands_where_its_arrival_puts_it() {
    let (mut b, a1, [b1, b2]) = branch_with_ticket_to_transfer();
    b.ok(Command::Transfer {
        return_after: false,
        ticket: a1,
        service: ServiceId(B),
        position: TransferPosition::OriginalArrival,
        by: by(101),
    });
    let t = b.ticket(a1);
    assert_eq!(t.queued_at, t.created_at);
    assert_eq!(t.number, "A001");
    assert_eq!(b.queue(B), vec![b1, a1, b2]);
    assert_eq!(b.state.workplace(wp(1)).unwrap().current, None);
    assert_eq!(b.call_next(1), Some(b1));
    assert_eq!(b.call_next(2), Some(a1));
}

#[test]
fn by_original_arrival_a_ticket_keeps_its_order_among_those_who_arrived_at_the_same_instant() {
    let mut b = branch();
    let a1 = b.issue(A);
    let from_b = b.issue(B);
    let a2 = b.issue(A);
    b.advance(60);
    let a3 = b.issue(A);
    b.ok(Command::Transfer {
        return_after: false,
        ticket: from_b,
        service: ServiceId(A),
        position: TransferPosition::OriginalArrival,
        by: None,
    });
    assert_eq!(b.queue(A), vec![a1, from_b, a2, a3]);
    assert_eq!(b.state.position(b.ticket(from_b)), Some(1));
}

#[test]
fn a_waiting_ticket_may_be_transferred_and_a_final_one_may_not() {
    let mut b = branch();
    let a1 = b.issue(A);
    b.ok(Command::Transfer {
        return_after: false,
        ticket: a1,
        service: ServiceId(B),
        position: TransferPosition::Back,
        by: None,
    });
    assert_eq!(b.queue(A), vec![]);
    assert_eq!(b.queue(B), vec![a1]);
    assert_eq!(
        b.fails(Command::Transfer {
            return_after: false,
            ticket: a1,
            service: ServiceId(77),
            position: TransferPosition::Back,
            by: None,
        }),
        "service_not_found"
    );
    let (mut b, done) = branch_with_done_ticket();
    assert_eq!(
        b.fails(Command::Transfer {
            return_after: false,
            ticket: done,
            service: ServiceId(B),
            position: TransferPosition::Back,
            by: None,
        }),
        "invalid_transition"
    );
}

// ---------------------------------------------------------------------------------------------
// Workplaces

#[test]
fn opening_a_workplace_seats_the_operator_with_a_profile() {
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B")],
        &[
            profile(1, &[A], Policy::StrictOrder),
            profile(2, &[B], Policy::StrictOrder),
        ],
        &[],
    );
    b.ok(Command::DefineWorkplace(workplace(1)));
    let w = b.state.workplace(wp(1)).unwrap();
    assert_eq!(w.status, WorkplaceStatus::Closed);
    assert_eq!(w.operator, None);
    let open = |profile| Command::OpenWorkplace {
        workplace: wp(1),
        operator: OperatorId(101),
        profile: ProfileId(profile),
    };
    let events = b.ok(open(1));
    assert_eq!(
        *single(&events),
        EventKind::WorkplaceOpened {
            workplace: wp(1),
            operator: OperatorId(101),
            profile: ProfileId(1)
        }
    );
    let w = b.state.workplace(wp(1)).unwrap();
    assert_eq!(w.status, WorkplaceStatus::Open);
    assert_eq!(w.operator, Some(OperatorId(101)));
    assert_eq!(w.profile, Some(ProfileId(1)));
    assert_eq!(
        b.state
            .operator_workplace(OperatorId(101))
            .map(|w| w.workplace.id),
        Some(wp(1))
    );

    let b_ticket = b.issue(B);
    assert_eq!(b.call_next(1), None, "profile 1 serves only A");
    b.ok(open(2));
    assert_eq!(
        b.state.workplace(wp(1)).unwrap().profile,
        Some(ProfileId(2))
    );
    assert_eq!(b.call_next(1), Some(b_ticket));
}

#[test]
fn a_workplace_seats_one_operator_and_an_operator_works_at_one_workplace() {
    let mut b = branch();
    let occupied = Command::OpenWorkplace {
        workplace: wp(1),
        operator: OperatorId(555),
        profile: ProfileId(1),
    };
    assert_eq!(b.fails(occupied), "workplace_occupied");
    b.ok(Command::DefineWorkplace(workplace(3)));
    let elsewhere = Command::OpenWorkplace {
        workplace: wp(3),
        operator: OperatorId(101),
        profile: ProfileId(1),
    };
    assert_eq!(b.fails(elsewhere.clone()), "operator_busy");
    b.ok(Command::CloseWorkplace {
        workplace: wp(1),
        by: by(101),
    });
    b.ok(elsewhere);
    assert_eq!(
        b.state.workplace(wp(3)).unwrap().operator,
        Some(OperatorId(101))
    );
}

#[test]
fn a_paused_workplace_calls_nobody_until_it_resumes() {
    let mut b = branch();
    let t = b.issue(A);
    let events = b.ok(Command::PauseWorkplace {
        workplace: wp(1),
        reason: "Lunch".into(),
        by: by(101),
    });
    assert_eq!(
        *single(&events),
        EventKind::WorkplacePaused {
            workplace: wp(1),
            reason: "Lunch".into()
        }
    );
    assert_eq!(
        b.state.workplace(wp(1)).unwrap().status,
        WorkplaceStatus::Paused {
            reason: "Lunch".into()
        }
    );
    let call = Command::CallNext {
        workplace: wp(1),
        by: by(101),
    };
    assert_eq!(b.fails(call.clone()), "workplace_paused");
    assert_eq!(
        b.fails(Command::CallTicket {
            workplace: wp(1),
            ticket: t,
            by: by(101)
        }),
        "workplace_paused"
    );
    assert_eq!(
        b.fails(Command::PauseWorkplace {
            workplace: wp(1),
            reason: "Again".into(),
            by: by(101)
        }),
        "workplace_paused"
    );
    let events = b.ok(Command::ResumeWorkplace {
        workplace: wp(1),
        by: by(101),
    });
    assert_eq!(
        *single(&events),
        EventKind::WorkplaceResumed { workplace: wp(1) }
    );
    assert_eq!(
        b.state.workplace(wp(1)).unwrap().status,
        WorkplaceStatus::Open
    );
    assert_eq!(
        b.fails(Command::ResumeWorkplace {
            workplace: wp(1),
            by: by(101)
        }),
        "workplace_not_paused"
    );
    assert_eq!(b.call_next(1), Some(t));
}

#[test]
fn a_pause_needs_a_short_printable_reason_and_an_idle_workplace() {
    let mut b = branch();
    for reason in ["", "   ", "tab\there", &"x".repeat(101)] {
        let code = b.fails(Command::PauseWorkplace {
            workplace: wp(1),
            reason: reason.to_string(),
            by: by(101),
        });
        assert_eq!(code, "validation_failed", "reason {reason:?}");
    }
    b.ok(Command::PauseWorkplace {
        workplace: wp(1),
        reason: "x".repeat(100),
        by: by(101),
    });
    let (mut b, _) = branch_with_called_ticket();
    assert_eq!(
        b.fails(Command::PauseWorkplace {
            workplace: wp(1),
            reason: "Break".into(),
            by: by(101)
        }),
        "workplace_busy"
    );
}

#[test]
fn closing_a_workplace_sends_its_operator_away() {
    let mut b = branch();
    b.ok(Command::PauseWorkplace {
        workplace: wp(1),
        reason: "End of shift".into(),
        by: by(101),
    });
    let events = b.ok(Command::CloseWorkplace {
        workplace: wp(1),
        by: by(101),
    });
    assert_eq!(
        *single(&events),
        EventKind::WorkplaceClosed { workplace: wp(1) }
    );
    let w = b.state.workplace(wp(1)).unwrap();
    assert_eq!(w.status, WorkplaceStatus::Closed);
    assert_eq!(w.operator, None);
    assert_eq!(w.profile, None);
    assert!(b.state.operator_workplace(OperatorId(101)).is_none());
    for command in [
        Command::CallNext {
            workplace: wp(1),
            by: None,
        },
        Command::PauseWorkplace {
            workplace: wp(1),
            reason: "Break".into(),
            by: None,
        },
        Command::ResumeWorkplace {
            workplace: wp(1),
            by: None,
        },
        Command::CloseWorkplace {
            workplace: wp(1),
            by: None,
        },
    ] {
        assert_eq!(b.fails(command), "workplace_not_open");
    }
}

#[test]
fn a_workplace_with_a_ticket_neither_calls_again_nor_closes() {
    let (mut b, called) = branch_with_called_ticket();
    let waiting = b.issue(A);
    let busy = [
        Command::CallNext {
            workplace: wp(1),
            by: by(101),
        },
        Command::CallTicket {
            workplace: wp(1),
            ticket: waiting,
            by: by(101),
        },
        Command::CloseWorkplace {
            workplace: wp(1),
            by: by(101),
        },
    ];
    for command in busy.clone() {
        assert_eq!(b.fails(command), "workplace_busy");
    }
    b.ok(Command::StartService {
        ticket: called,
        by: by(101),
    });
    for command in busy {
        assert_eq!(b.fails(command), "workplace_busy");
    }
}

#[test]
fn an_operator_cannot_act_on_another_operators_workplace_but_an_administrator_can() {
    let (mut b, t) = branch_with_called_ticket();
    let waiting = b.issue(A);
    let stranger = by(102);
    let foreign = [
        Command::CallNext {
            workplace: wp(1),
            by: stranger,
        },
        Command::CallTicket {
            workplace: wp(1),
            ticket: waiting,
            by: stranger,
        },
        Command::Recall {
            ticket: t,
            by: stranger,
        },
        Command::StartService {
            ticket: t,
            by: stranger,
        },
        Command::NoShow {
            ticket: t,
            by: stranger,
        },
        Command::Postpone {
            ticket: t,
            seconds: 60,
            by: stranger,
        },
        Command::Transfer {
            return_after: false,
            ticket: t,
            service: ServiceId(B),
            position: TransferPosition::Back,
            by: stranger,
        },
        Command::PauseWorkplace {
            workplace: wp(1),
            reason: "Break".into(),
            by: stranger,
        },
        Command::ResumeWorkplace {
            workplace: wp(1),
            by: stranger,
        },
        Command::CloseWorkplace {
            workplace: wp(1),
            by: stranger,
        },
    ];
    for command in foreign {
        let text = format!("{command:?}");
        assert_eq!(b.fails(command), "not_your_workplace", "{text}");
    }

    b.ok(Command::Recall {
        ticket: t,
        by: None,
    });
    b.ok(Command::StartService {
        ticket: t,
        by: None,
    });
    assert_eq!(
        b.fails(Command::Finish {
            ticket: t,
            by: stranger
        }),
        "not_your_workplace"
    );
    b.ok(Command::Finish {
        ticket: t,
        by: None,
    });
    b.ok(Command::CallNext {
        workplace: wp(1),
        by: None,
    });
    assert_eq!(b.ticket(waiting).workplace, Some(wp(1)));
    assert_eq!(
        b.ticket(waiting).operator,
        Some(OperatorId(101)),
        "the call is on behalf of the operator seated there"
    );
}

#[test]
fn anyone_may_postpone_or_transfer_a_ticket_that_is_still_queued() {
    let mut b = branch();
    let t = b.issue(A);
    b.ok(Command::Postpone {
        ticket: t,
        seconds: 0,
        by: by(102),
    });
    b.ok(Command::Transfer {
        return_after: false,
        ticket: t,
        service: ServiceId(B),
        position: TransferPosition::Back,
        by: by(101),
    });
    assert_eq!(b.queue(B), vec![t]);
}

// ---------------------------------------------------------------------------------------------
// When a service issues tickets

fn weekday_hours(spans: &[&str]) -> Hours {
    let spans: Vec<Interval> = spans
        .iter()
        .map(|s| Interval::parse(s).unwrap_or_else(|| panic!("{s:?} is a time span")))
        .collect();
    Hours(BTreeMap::from(
        [
            WeekdayName::Mon,
            WeekdayName::Tue,
            WeekdayName::Wed,
            WeekdayName::Thu,
            WeekdayName::Fri,
        ]
        .map(|d| (d, spans.clone())),
    ))
}

#[test]
fn a_service_issues_tickets_only_within_its_local_opening_hours() {
    let mut a = service(A, "A");
    a.hours = Some(weekday_hours(&["09:00-13:00", "14:00-18:00"]));
    let mut b = Branch::new(
        at("2024-06-10T05:00:00Z"),
        MOSCOW,
        &[a],
        &[profile(1, &[A], Policy::StrictOrder)],
        &[],
    );
    // Moscow is UTC+3 all year.
    let cases = [
        ("2024-06-10T05:59:59Z", false, "Monday 08:59:59"),
        ("2024-06-10T06:00:00Z", true, "Monday 09:00"),
        ("2024-06-10T09:59:59Z", true, "Monday 12:59:59"),
        ("2024-06-10T10:00:00Z", false, "Monday 13:00, lunch"),
        ("2024-06-10T11:00:00Z", true, "Monday 14:00"),
        ("2024-06-10T14:59:59Z", true, "Monday 17:59:59"),
        ("2024-06-10T15:00:00Z", false, "Monday 18:00"),
        ("2024-06-14T14:30:00Z", true, "Friday 17:30"),
        ("2024-06-15T08:00:00Z", false, "Saturday 11:00"),
        ("2024-06-16T21:30:00Z", false, "Monday 00:30"),
    ];
    for (instant, open, label) in cases {
        b.now = at(instant);
        let (_, command) = b.issue_command(A);
        let result = b.run(command);
        match (open, result) {
            (true, Ok(_)) => {}
            (false, Err(e)) => assert_eq!(e.code(), "service_closed", "{label}"),
            (open, result) => panic!("{label}: expected open={open}, got {result:?}"),
        }
    }
}

#[test]
fn the_view_tells_a_kiosk_which_services_are_open_today_and_which_are_full() {
    let mut a = service(A, "A");
    a.hours = Some(weekday_hours(&["09:00-13:00", "14:00-18:00"]));
    let mut b_service = service(B, "B");
    b_service.daily_limit = Some(1);
    let mut b = Branch::new(
        at("2024-06-10T05:00:00Z"),
        MOSCOW,
        &[a, b_service],
        &[profile(1, &[A, B], Policy::StrictOrder)],
        &[],
    );
    let queue = |b: &Branch, service: u64| {
        let view = b.state.view(b.now);
        let q = view
            .queues
            .into_iter()
            .find(|q| q.service.0 == service)
            .expect("the service's queue");
        let hours = q.hours_today.map(|h| {
            h.iter()
                .map(|i| serde_json::to_value(i).expect("span"))
                .collect::<Vec<_>>()
        });
        (q.open, q.full, hours)
    };
    let monday = Some(vec![
        serde_json::json!("09:00-13:00"),
        serde_json::json!("14:00-18:00"),
    ]);
    // Monday 08:00 in Moscow: not yet open, today's hours shown.
    assert_eq!(queue(&b, A), (false, false, monday.clone()));
    b.now = at("2024-06-10T06:30:00Z");
    assert_eq!(queue(&b, A), (true, false, monday));
    // A service without hours is always open and has none to show; its daily limit fills it.
    assert_eq!(queue(&b, B), (true, false, None));
    b.issue(B);
    assert_eq!(queue(&b, B), (true, true, None));
    // Saturday: closed all day.
    b.now = at("2024-06-15T08:00:00Z");
    assert_eq!(queue(&b, A), (false, false, Some(vec![])));
    // A new day: the limit starts over.
    assert_eq!(queue(&b, B), (true, false, None));
}

#[test]
fn opening_hours_survive_a_snapshot_and_still_govern_issuing() {
    let mut a = service(A, "A");
    a.hours = Some(weekday_hours(&["09:00-13:00", "14:00-24:00"]));
    let mut b = Branch::new(monday_morning(), MOSCOW, &[a], &[], &[]);
    let json = b.snapshot_json();
    let snapshot: talon_core::Snapshot = serde_json::from_str(&json).expect("it deserialises");
    b.state = talon_core::BranchState::from_snapshot(snapshot);
    assert_eq!(b.snapshot_json(), json);
    let hours = b
        .state
        .service(ServiceId(A))
        .unwrap()
        .hours
        .clone()
        .unwrap();
    assert_eq!(hours, weekday_hours(&["09:00-13:00", "14:00-24:00"]));
    b.now = at("2024-06-10T10:30:00Z");
    let (_, lunch) = b.issue_command(A);
    assert_eq!(b.fails(lunch), "service_closed");
    b.now = at("2024-06-10T20:59:00Z");
    assert_eq!(b.issue_number(A), "A001", "23:59 is before 24:00");
}

#[test]
fn an_interval_reads_hh_mm_spans_and_24_00_ends_the_day() {
    let day = Interval::parse("00:00-24:00").expect("the whole day");
    let mut hours = Hours::default();
    hours.0.insert(WeekdayName::Sun, vec![day]);
    let late = jiff::civil::time(23, 59, 59, 0);
    assert!(hours.is_open(jiff::civil::Weekday::Sunday, late));
    assert!(hours.is_open(jiff::civil::Weekday::Sunday, jiff::civil::time(0, 0, 0, 0)));
    assert!(!hours.is_open(jiff::civil::Weekday::Monday, late));
    let span = Interval::parse(" 09:30 - 18:15 ").expect("spaces are allowed");
    assert_eq!(span.open, jiff::civil::time(9, 30, 0, 0));
    assert_eq!(span.close, jiff::civil::time(18, 15, 0, 0));
    for bad in [
        "18:00-09:00",
        "09:00-09:00",
        "9:00-18:00",
        "09:00",
        "25:00-26:00",
        "09:60-10:00",
        "24:00-24:00",
        "",
    ] {
        assert_eq!(Interval::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn a_disabled_service_issues_nothing_but_its_queue_is_still_served() {
    let mut b = branch();
    let waiting = b.issue(A);
    let mut disabled = service(A, "A");
    disabled.enabled = false;
    b.ok(Command::DefineService(disabled));
    let (_, command) = b.issue_command(A);
    assert_eq!(b.fails(command), "service_closed");
    assert!(!b.state.view(b.now).queues[0].enabled);
    assert_eq!(b.call_next(1), Some(waiting));
}

#[test]
fn a_service_stops_issuing_at_its_daily_limit_until_the_next_day() {
    let mut limited = service(A, "A");
    limited.daily_limit = Some(2);
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[limited, service(B, "B")],
        &[],
        &[],
    );
    assert_eq!(b.issue_number(A), "A001");
    assert_eq!(b.issue_number(A), "A002");
    let (_, command) = b.issue_command(A);
    assert_eq!(b.fails(command), "daily_limit_reached");
    assert_eq!(b.issue_number(B), "B001", "other services are not limited");
    b.now = at("2024-06-10T21:00:00Z");
    assert_eq!(b.issue_number(A), "A001", "midnight in Moscow");
}

#[test]
fn a_refusing_service_that_used_its_whole_range_is_exhausted_for_the_day() {
    let mut short = service(A, "A");
    short.numbering = NumberRange {
        first: 98,
        last: 99,
        after_last: AfterLast::Refuse,
    };
    let mut b = Branch::new(monday_morning(), MOSCOW, &[short], &[], &[]);
    assert_eq!(b.issue_number(A), "A98");
    let first = TicketId(1);
    b.ok(Command::Cancel { ticket: first });
    assert_eq!(b.issue_number(A), "A99");
    let (_, command) = b.issue_command(A);
    assert_eq!(
        b.fails(command),
        "numbering_exhausted",
        "A98 has ended, but a refusing service never gives a number twice in a day"
    );
    assert_eq!(b.state.issued_count(ServiceId(A), date(2024, 6, 10)), 2);
    b.now = at("2024-06-10T21:00:00Z");
    assert_eq!(b.issue_number(A), "A98", "midnight in Moscow");
}

#[test]
fn a_wrapping_service_starts_again_skipping_numbers_still_open() {
    let mut short = service(A, "A");
    short.numbering = NumberRange {
        first: 1,
        last: 3,
        after_last: AfterLast::Wrap,
    };
    let mut b = Branch::new(monday_morning(), MOSCOW, &[short], &[], &[]);
    let numbers: Vec<String> = (0..3).map(|_| b.issue_number(A)).collect();
    assert_eq!(numbers, ["A1", "A2", "A3"]);
    // A1 still waits; A2 and A3 have ended.
    for ticket in [TicketId(2), TicketId(3)] {
        b.ok(Command::Cancel { ticket });
    }
    assert_eq!(b.issue_number(A), "A2", "A1 is skipped while it waits");
    assert_eq!(b.issue_number(A), "A3");
    let (_, command) = b.issue_command(A);
    assert_eq!(
        b.fails(command),
        "numbering_exhausted",
        "every number of the range is open"
    );
    b.ok(Command::Cancel {
        ticket: TicketId(1),
    });
    // The failed issue consumed the id 6; the state survives a snapshot and goes on.
    let restored = BranchState::from_snapshot(b.state.snapshot());
    assert_eq!(
        serde_json::to_string(&restored.snapshot()).unwrap(),
        b.snapshot_json()
    );
    b.state = restored;
    assert_eq!(
        b.issue_number(A),
        "A1",
        "A1 has ended: its number is free again"
    );
    assert_eq!(b.state.issued_count(ServiceId(A), date(2024, 6, 10)), 6);
    let open: Vec<String> = b
        .state
        .tickets()
        .filter(|t| !t.status.is_final())
        .map(|t| t.number.clone())
        .collect();
    assert_eq!(
        open,
        ["A2", "A3", "A1"],
        "no two open tickets share a number"
    );
}

#[test]
fn a_number_returning_after_its_service_stays_in_use() {
    let mut short = service(A, "A");
    short.numbering = NumberRange {
        first: 1,
        last: 2,
        after_last: AfterLast::Wrap,
    };
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[short, service(B, "B")],
        &[profile(1, &[B, A], Policy::StrictOrder)],
        &[desk(1, 1)],
    );
    let first = b.issue(A);
    b.issue(A);
    // A1 goes to B and is to come back to A afterwards.
    let by = b.operator_of(1);
    assert_eq!(b.call_next(1), Some(first));
    b.ok(Command::StartService { ticket: first, by });
    b.ok(Command::Transfer {
        ticket: first,
        service: ServiceId(B),
        position: TransferPosition::Front,
        return_after: true,
        by,
    });
    assert_eq!(b.call_next(1), Some(first));
    b.start_and_finish(first);
    assert_eq!(b.ticket(first).status, TicketStatus::Waiting, "back in A");
    b.ok(Command::Cancel {
        ticket: TicketId(2),
    });
    assert_eq!(
        b.issue_number(A),
        "A2",
        "A1 is open again, so it is skipped"
    );
}

// ---------------------------------------------------------------------------------------------
// When the branch issues tickets: its own hours and holidays

/// The test branch's settings in Moscow with opening hours and holidays of its own.
fn branch_settings(hours: Option<Hours>, holidays: &[jiff::civil::Date]) -> BranchSettings {
    BranchSettings {
        hours,
        holidays: holidays.to_vec(),
        ..settings(MOSCOW)
    }
}

/// Issues a ticket of `service` at `instant`: `Ok` or the error's code.
fn issuing(b: &mut Branch, service: u64, instant: &str) -> Result<(), &'static str> {
    b.now = at(instant);
    let (_, command) = b.issue_command(service);
    b.run(command).map(|_| ()).map_err(|e| e.code())
}

/// What a kiosk reads of a service now: whether it is open, and today's hours as spans.
fn kiosk_sees(b: &Branch, service: u64) -> (bool, Option<Vec<String>>) {
    let q = b
        .state
        .view(b.now)
        .queues
        .into_iter()
        .find(|q| q.service.0 == service)
        .expect("the service's queue");
    let spans = q.hours_today.map(|spans| {
        spans
            .iter()
            .map(|i| serde_json::to_value(i).expect("a span"))
            .map(|v| v.as_str().expect("a span is text").to_string())
            .collect()
    });
    (q.open, spans)
}

fn spans(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| s.to_string()).collect())
}

#[test]
fn a_branch_issues_no_tickets_on_a_holiday_of_its_own_calendar() {
    let mut b = branch();
    // 12 June, a public holiday in Russia, begins at 21:00 UTC on the 11th in Moscow.
    let russia_day = date(2024, 6, 12);
    b.now = at("2024-06-11T20:00:00Z");
    b.ok(Command::UpdateBranch(branch_settings(None, &[russia_day])));
    assert_eq!(
        issuing(&mut b, A, "2024-06-11T20:59:59Z"),
        Ok(()),
        "23:59:59 on the 11th"
    );
    assert!(!b.state.view(b.now).closed_today);
    assert_eq!(kiosk_sees(&b, A), (true, None), "no hours: always open");
    // 00:30 on the 12th in Moscow, still the 11th in UTC: the holiday has begun.
    assert_eq!(
        issuing(&mut b, A, "2024-06-11T21:30:00Z"),
        Err("branch_closed")
    );
    assert_eq!(
        issuing(&mut b, B, "2024-06-12T12:00:00Z"),
        Err("branch_closed")
    );
    let view = b.state.view(b.now);
    assert!(
        view.closed_today,
        "the kiosk says the branch is closed today"
    );
    assert_eq!(kiosk_sees(&b, A), (false, spans(&[])), "closed all day");
    assert_eq!(kiosk_sees(&b, B), (false, spans(&[])));
    // The 13th in Moscow while it is still the 12th in UTC: open again.
    assert_eq!(issuing(&mut b, A, "2024-06-12T21:00:00Z"), Ok(()));
    assert!(!b.state.view(b.now).closed_today);

    // Taking the holiday back opens the branch on that day too.
    let mut b = branch();
    b.ok(Command::UpdateBranch(branch_settings(None, &[russia_day])));
    assert_eq!(
        issuing(&mut b, A, "2024-06-12T08:00:00Z"),
        Err("branch_closed")
    );
    b.ok(Command::UpdateBranch(branch_settings(None, &[])));
    assert_eq!(issuing(&mut b, A, "2024-06-12T08:00:00Z"), Ok(()));
    assert_eq!(kiosk_sees(&b, A), (true, None));
}

#[test]
fn a_service_issues_tickets_only_where_its_hours_and_the_branchs_overlap() {
    let mut branch_hours = weekday_hours(&["09:00-18:00"]);
    branch_hours.0.insert(
        WeekdayName::Sat,
        vec![Interval::parse("10:00-14:00").unwrap()],
    );
    let mut a = service(A, "A");
    a.hours = Some(weekday_hours(&["08:00-13:00", "14:00-20:00"]));
    let mut b = Branch::new(
        at("2024-06-10T04:00:00Z"),
        MOSCOW,
        &[a, service(B, "B")],
        &[],
        &[],
    );
    b.ok(Command::UpdateBranch(branch_settings(
        Some(branch_hours),
        &[],
    )));
    // Monday in Moscow (UTC+3).
    let cases = [
        (
            "2024-06-10T05:30:00Z",
            Err("branch_closed"),
            Err("branch_closed"),
            "08:30",
        ),
        ("2024-06-10T06:30:00Z", Ok(()), Ok(()), "09:30"),
        (
            "2024-06-10T10:30:00Z",
            Err("service_closed"),
            Ok(()),
            "13:30, A's lunch",
        ),
        ("2024-06-10T14:59:00Z", Ok(()), Ok(()), "17:59"),
        (
            "2024-06-10T15:30:00Z",
            Err("branch_closed"),
            Err("branch_closed"),
            "18:30",
        ),
        (
            "2024-06-15T08:00:00Z",
            Err("service_closed"),
            Ok(()),
            "Saturday 11:00",
        ),
        (
            "2024-06-16T08:00:00Z",
            Err("branch_closed"),
            Err("branch_closed"),
            "Sunday",
        ),
    ];
    for (instant, for_a, for_b, label) in cases {
        assert_eq!(issuing(&mut b, A, instant), for_a, "A at {label}");
        assert_eq!(issuing(&mut b, B, instant), for_b, "B at {label}");
    }
    // The kiosk shows the hours both keep, and the branch's alone for a service without any.
    b.now = at("2024-06-10T04:00:00Z");
    assert_eq!(
        kiosk_sees(&b, A),
        (false, spans(&["09:00-13:00", "14:00-18:00"]))
    );
    assert_eq!(kiosk_sees(&b, B), (false, spans(&["09:00-18:00"])));
    assert!(!b.state.view(b.now).closed_today, "it opens later today");
    b.now = at("2024-06-15T08:00:00Z");
    assert_eq!(kiosk_sees(&b, A), (false, spans(&[])), "A has no Saturday");
    assert_eq!(kiosk_sees(&b, B), (true, spans(&["10:00-14:00"])));
    b.now = at("2024-06-16T08:00:00Z");
    assert!(b.state.view(b.now).closed_today, "no hours on Sunday");
    assert_eq!(kiosk_sees(&b, B), (false, spans(&[])));
}

#[test]
fn branch_hours_holidays_and_ticket_texts_survive_a_snapshot_and_older_settings_still_load() {
    let mut saved = branch_settings(
        Some(weekday_hours(&["09:00-18:00"])),
        &[date(2024, 6, 12), date(2024, 11, 4)],
    );
    saved.ticket_texts = BTreeMap::from([(
        Language::Ru,
        TicketTexts {
            header: Some("Банк «Талон»".to_string()),
            footer: Some("Спасибо, что ждёте".to_string()),
        },
    )]);
    let mut b = branch();
    b.ok(Command::UpdateBranch(saved.clone()));
    let json = b.snapshot_json();
    let snapshot: talon_core::Snapshot = serde_json::from_str(&json).expect("it deserialises");
    b.state = talon_core::BranchState::from_snapshot(snapshot);
    assert_eq!(b.snapshot_json(), json);
    assert_eq!(b.state.settings(), Some(&saved));
    assert_eq!(
        issuing(&mut b, A, "2024-06-12T08:00:00Z"),
        Err("branch_closed"),
        "the holiday still holds"
    );
    assert_eq!(
        b.state.settings().unwrap().ticket_texts(Language::Ru),
        (Some("Банк «Талон»"), Some("Спасибо, что ждёте"))
    );
    assert_eq!(
        b.state.settings().unwrap().ticket_texts(Language::En),
        (None, None)
    );

    // Settings stored before these fields existed load as always open, with nothing printed,
    // and such settings are written as they were.
    let old = serde_json::json!({"name": "Central branch", "time_zone": MOSCOW,
                                 "languages": ["ru", "en"]});
    let loaded: BranchSettings = serde_json::from_value(old.clone()).expect("old settings load");
    assert_eq!(loaded, settings(MOSCOW));
    assert_eq!(serde_json::to_value(&loaded).unwrap(), old);

    // Holidays arrive in any order and perhaps twice; they are kept ascending, once each.
    let sent = serde_json::json!({"name": "Central branch", "time_zone": MOSCOW,
                                  "languages": ["ru"],
                                  "holidays": ["2025-01-07", "2024-12-31", "2025-01-07"],
                                  "ticket_texts": {"en": {"footer": "Thank you for waiting"}}});
    let read: BranchSettings = serde_json::from_value(sent).expect("settings load");
    assert_eq!(read.holidays, [date(2024, 12, 31), date(2025, 1, 7)]);
    assert_eq!(
        serde_json::to_value(&read).unwrap()["ticket_texts"],
        serde_json::json!({"en": {"footer": "Thank you for waiting"}})
    );
    for bad in [
        serde_json::json!({"holidays": ["2024-02-30"]}),
        serde_json::json!({"holidays": "2024-06-12"}),
        serde_json::json!({"ticket_texts": {"fr": {"header": "Bonjour"}}}),
        serde_json::json!({"ticket_texts": {"en": {"middle": "x"}}}),
        serde_json::json!({"hours": {"mon": ["18:00-09:00"]}}),
    ] {
        let mut body = serde_json::json!({"name": "X", "time_zone": MOSCOW, "languages": ["en"]});
        body.as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        assert!(
            serde_json::from_value::<BranchSettings>(body).is_err(),
            "{bad} is refused"
        );
    }
}

#[test]
fn holidays_are_bounded_and_ticket_texts_are_short_printable_lines() {
    let mut b = branch();
    let field_of =
        |b: &mut Branch, settings: BranchSettings| match b.run(Command::UpdateBranch(settings)) {
            Err(talon_core::DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
    let many: Vec<jiff::civil::Date> = (0..=talon_core::MAX_HOLIDAYS as i64)
        .map(|n| date(2024, 1, 1) + jiff::Span::new().days(n))
        .collect();
    assert_eq!(field_of(&mut b, branch_settings(None, &many)), "holidays");
    b.ok(Command::UpdateBranch(branch_settings(
        None,
        &many[..talon_core::MAX_HOLIDAYS],
    )));
    // Built in code rather than read, the list must already be in order.
    for unordered in [
        [date(2024, 6, 12), date(2024, 6, 11)],
        [date(2024, 6, 12), date(2024, 6, 12)],
    ] {
        assert_eq!(
            field_of(&mut b, branch_settings(None, &unordered)),
            "holidays"
        );
    }

    let with_text =
        |language: Language, header: Option<&str>, footer: Option<&str>| BranchSettings {
            ticket_texts: BTreeMap::from([(
                language,
                TicketTexts {
                    header: header.map(str::to_string),
                    footer: footer.map(str::to_string),
                },
            )]),
            ..settings(MOSCOW)
        };
    let long = "x".repeat(talon_core::MAX_TICKET_TEXT + 1);
    for (settings, field) in [
        (
            with_text(Language::Ru, Some(""), None),
            "ticket_texts.ru.header",
        ),
        (
            with_text(Language::Ru, Some("  "), None),
            "ticket_texts.ru.header",
        ),
        (
            with_text(Language::En, None, Some(&long)),
            "ticket_texts.en.footer",
        ),
        (
            with_text(Language::De, Some("Bank"), Some("Danke\u{1b}@")),
            "ticket_texts.de.footer",
        ),
        (
            with_text(Language::De, Some("Zeile\nzwei"), None),
            "ticket_texts.de.header",
        ),
    ] {
        assert_eq!(field_of(&mut b, settings), field);
    }
    let longest = "x".repeat(talon_core::MAX_TICKET_TEXT);
    b.ok(Command::UpdateBranch(with_text(
        Language::De,
        Some("Sparkasse Köln"),
        Some(&longest),
    )));
}

// ---------------------------------------------------------------------------------------------
// Configuration and its validation

fn renamed(name: &str) -> BranchSettings {
    BranchSettings {
        name: name.to_string(),
        ..settings(MOSCOW)
    }
}

#[test]
fn branch_settings_need_a_name_a_known_zone_and_distinct_languages() {
    let bad_zone = TimeZoneName::parse("Mars/Olympus_Mons").expect_err("no such zone");
    assert_eq!(bad_zone.code(), "validation_failed");
    assert_eq!(
        TimeZoneName::parse("Asia/Almaty").unwrap().name(),
        "Asia/Almaty"
    );

    let mut b = branch();
    let no_languages = BranchSettings {
        languages: vec![],
        ..settings(MOSCOW)
    };
    let twice = BranchSettings {
        languages: vec![Language::En, Language::Ru, Language::En],
        ..settings(MOSCOW)
    };
    let invalid = [
        renamed(""),
        renamed("  "),
        renamed("bell\u{7}"),
        renamed(&"x".repeat(201)),
        no_languages,
        twice,
    ];
    for settings in invalid {
        let text = format!("{settings:?}");
        assert_eq!(
            b.fails(Command::UpdateBranch(settings.clone())),
            "validation_failed",
            "{text}"
        );
        let mut fresh = talon_core::BranchState::new();
        let created = talon_core::execute(
            &mut fresh,
            &Command::CreateBranch(settings),
            monday_morning(),
        );
        assert_eq!(
            created.map_err(|e| e.code()),
            Err("validation_failed"),
            "{text}"
        );
    }
    b.ok(Command::UpdateBranch(renamed(&"x".repeat(200))));
    assert_eq!(b.state.settings().unwrap().name.len(), 200);
}

#[test]
fn a_branch_is_created_once_and_nothing_happens_before() {
    let mut state = talon_core::BranchState::new();
    let now = monday_morning();
    for command in [
        Command::DefineService(service(A, "A")),
        Command::UpdateBranch(settings(MOSCOW)),
        Command::Rollover,
        Command::Cancel {
            ticket: TicketId(1),
        },
    ] {
        let result = talon_core::execute(&mut state, &command, now);
        assert_eq!(result.map_err(|e| e.code()), Err("branch_not_found"));
    }
    talon_core::execute(&mut state, &Command::CreateBranch(settings(MOSCOW)), now).unwrap();
    let again = talon_core::execute(&mut state, &Command::CreateBranch(settings("UTC")), now);
    assert_eq!(again.map_err(|e| e.code()), Err("already_exists"));
    assert_eq!(state.settings().unwrap().time_zone.name(), MOSCOW);
}

#[test]
fn a_service_prefix_is_one_to_three_letters_and_unique_in_the_branch() {
    let mut b = branch();
    for prefix in ["", "ABCD", "A1", "7", "A-"] {
        let mut s = service(3, "C");
        s.prefix = prefix.to_string();
        assert_eq!(
            b.fails(Command::DefineService(s)),
            "validation_failed",
            "prefix {prefix:?}"
        );
    }
    assert_eq!(
        b.fails(Command::DefineService(service(3, "A"))),
        "validation_failed",
        "A belongs to service 1"
    );
    b.ok(Command::DefineService(service(3, "ABC")));
    b.ok(Command::DefineService(service(4, "Жд")));
    b.ok(Command::DefineService(service(A, "A")));
    assert_eq!(b.issue_number(4), "Жд001");
}

#[test]
fn a_service_needs_names_a_sane_range_and_positive_norms() {
    let mut b = branch();
    let base = || service(3, "C");
    let mut no_names = base();
    no_names.names.clear();
    let mut blank_name = base();
    blank_name.names.insert(Language::En, " ".into());
    let mut reversed = base();
    reversed.numbering = NumberRange {
        first: 10,
        last: 9,
        after_last: AfterLast::Wrap,
    };
    let mut too_wide = base();
    too_wide.numbering = NumberRange {
        first: 1,
        last: 100_000,
        after_last: AfterLast::Wrap,
    };
    let mut zero_limit = base();
    zero_limit.daily_limit = Some(0);
    let mut no_service_norm = base();
    no_service_norm.service_norm_secs = 0;
    let mut long_waiting_norm = base();
    long_waiting_norm.waiting_norm_secs = 86_401;
    for s in [
        no_names,
        blank_name,
        reversed,
        too_wide,
        zero_limit,
        no_service_norm,
        long_waiting_norm,
    ] {
        let text = format!("{s:?}");
        assert_eq!(
            b.fails(Command::DefineService(s)),
            "validation_failed",
            "{text}"
        );
    }
    let mut widest = base();
    widest.numbering = NumberRange {
        first: 0,
        last: 99_999,
        after_last: AfterLast::Wrap,
    };
    b.ok(Command::DefineService(widest));
    assert_eq!(b.issue_number(3), "C00000");
}

#[test]
fn workplaces_and_profiles_need_names_and_profiles_need_known_distinct_services() {
    let mut b = branch();
    for name in ["", "  ", "line\nbreak"] {
        let w = talon_core::Workplace {
            id: wp(9),
            name: name.to_string(),
        };
        assert_eq!(b.fails(Command::DefineWorkplace(w)), "validation_failed");
        let mut p = profile(9, &[A], Policy::StrictOrder);
        p.name = name.to_string();
        assert_eq!(b.fails(Command::DefineProfile(p)), "validation_failed");
    }
    for services in [&[][..], &[A, B, A][..], &[A, 77][..]] {
        assert_eq!(
            b.fails(Command::DefineProfile(profile(
                9,
                services,
                Policy::LongestWaiting
            ))),
            "validation_failed",
            "{services:?}"
        );
    }
    b.ok(Command::DefineProfile(profile(
        9,
        &[B, A],
        Policy::LongestWaiting,
    )));
    assert_eq!(
        b.state
            .profile(ProfileId(9))
            .unwrap()
            .rules
            .services()
            .collect::<Vec<_>>(),
        vec![ServiceId(B), ServiceId(A)]
    );
}

#[test]
fn redefining_a_workplace_renames_it_without_closing_it() {
    let mut b = branch();
    b.ok(Command::DefineWorkplace(talon_core::Workplace {
        id: wp(1),
        name: "Cash desk".into(),
    }));
    let w = b.state.workplace(wp(1)).unwrap();
    assert_eq!(w.workplace.name, "Cash desk");
    assert_eq!(w.status, WorkplaceStatus::Open);
    assert_eq!(w.operator, Some(OperatorId(101)));
}

// ---------------------------------------------------------------------------------------------
// Removing configuration

#[test]
fn a_service_in_use_cannot_be_removed() {
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B"), service(3, "C")],
        &[
            profile(1, &[A], Policy::StrictOrder),
            profile(2, &[B], Policy::StrictOrder),
            profile(3, &[3], Policy::StrictOrder),
        ],
        &[desk(1, 2)],
    );
    let remove = |s| Command::RemoveService(ServiceId(s));

    assert_eq!(b.fails(remove(3)), "in_use", "listed in profile 3");
    b.ok(Command::RemoveProfile(ProfileId(3)));
    b.ok(remove(3));
    assert!(b.state.service(ServiceId(3)).is_none());
    assert_eq!(b.fails(remove(3)), "service_not_found");

    b.ok(Command::RemoveProfile(ProfileId(1)));
    let queued = b.issue(A);
    assert_eq!(b.fails(remove(A)), "in_use", "a ticket waits for A");
    b.ok(Command::Transfer {
        return_after: false,
        ticket: queued,
        service: ServiceId(B),
        position: TransferPosition::Back,
        by: None,
    });
    b.ok(remove(A));
    assert!(b.state.service(ServiceId(A)).is_none());
    assert_eq!(b.ticket(queued).number, "A001");
    assert_eq!(b.call_next(1), Some(queued), "it is served as a B ticket");
}

#[test]
fn a_service_with_a_ticket_at_a_workplace_cannot_be_removed() {
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B")],
        &[
            profile(1, &[A], Policy::StrictOrder),
            profile(2, &[B], Policy::StrictOrder),
        ],
        &[desk(1, 1)],
    );
    let t = b.issue(A);
    assert_eq!(b.call_next(1), Some(t));
    b.ok(Command::OpenWorkplace {
        workplace: wp(1),
        operator: OperatorId(101),
        profile: ProfileId(2),
    });
    b.ok(Command::RemoveProfile(ProfileId(1)));
    let remove = Command::RemoveService(ServiceId(A));
    assert_eq!(b.fails(remove.clone()), "in_use");
    b.ok(Command::StartService {
        ticket: t,
        by: None,
    });
    assert_eq!(b.fails(remove.clone()), "in_use");
    b.ok(Command::Finish {
        ticket: t,
        by: None,
    });
    b.ok(remove);
    assert_eq!(b.ticket(t).status, TicketStatus::Done);
    assert!(b.state.service(ServiceId(A)).is_none());
}

#[test]
fn a_profile_used_at_a_workplace_cannot_be_removed() {
    let mut b = branch();
    let remove = Command::RemoveProfile(ProfileId(1));
    assert_eq!(b.fails(remove.clone()), "in_use");
    b.ok(Command::CloseWorkplace {
        workplace: wp(1),
        by: None,
    });
    assert_eq!(b.fails(remove.clone()), "in_use", "window 2 still uses it");
    b.ok(Command::CloseWorkplace {
        workplace: wp(2),
        by: None,
    });
    b.ok(remove.clone());
    assert!(b.state.profile(ProfileId(1)).is_none());
    assert_eq!(b.fails(remove), "profile_not_found");
}

#[test]
fn only_a_closed_workplace_can_be_removed() {
    let mut b = branch();
    let remove = Command::RemoveWorkplace(wp(1));
    assert_eq!(b.fails(remove.clone()), "in_use");
    b.ok(Command::PauseWorkplace {
        workplace: wp(1),
        reason: "Break".into(),
        by: None,
    });
    assert_eq!(b.fails(remove.clone()), "in_use");
    b.ok(Command::CloseWorkplace {
        workplace: wp(1),
        by: None,
    });
    b.ok(remove.clone());
    assert!(b.state.workplace(wp(1)).is_none());
    assert_eq!(b.fails(remove), "workplace_not_found");
}

#[test]
fn commands_naming_unknown_things_say_what_is_missing() {
    let mut b = branch();
    let t = b.issue(A);
    let cases = [
        (
            Command::CallNext {
                workplace: wp(9),
                by: None,
            },
            "workplace_not_found",
        ),
        (
            Command::OpenWorkplace {
                workplace: wp(9),
                operator: OperatorId(109),
                profile: ProfileId(1),
            },
            "workplace_not_found",
        ),
        (
            Command::OpenWorkplace {
                workplace: wp(1),
                operator: OperatorId(101),
                profile: ProfileId(9),
            },
            "profile_not_found",
        ),
        (
            Command::IssueTicket {
                category: None,
                due_at: None,
                id: TicketId(900),
                token_hash: "t900".into(),
                service: ServiceId(9),
                channel: Channel::Api,
                language: None,
            },
            "service_not_found",
        ),
        (
            Command::Transfer {
                return_after: false,
                ticket: t,
                service: ServiceId(9),
                position: TransferPosition::OriginalArrival,
                by: None,
            },
            "service_not_found",
        ),
        (
            Command::StartService {
                ticket: TicketId(900),
                by: None,
            },
            "ticket_not_found",
        ),
        (
            Command::Cancel {
                ticket: TicketId(900),
            },
            "ticket_not_found",
        ),
        (
            Command::Postpone {
                ticket: TicketId(900),
                seconds: 1,
                by: None,
            },
            "ticket_not_found",
        ),
        (Command::RemoveService(ServiceId(9)), "service_not_found"),
        (Command::RemoveProfile(ProfileId(9)), "profile_not_found"),
        (Command::RemoveWorkplace(wp(9)), "workplace_not_found"),
    ];
    for (command, code) in cases {
        let text = format!("{command:?}");
        assert_eq!(b.fails(command), code, "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Failed commands and the clock

#[test]
fn a_refused_command_leaves_the_state_exactly_as_it_was() {
    let (mut b, serving) = branch_with_served_ticket();
    let waiting = b.issue(A);
    b.ok(Command::PauseWorkplace {
        workplace: wp(2),
        reason: "Break".into(),
        by: by(102),
    });
    let (duplicate, _) = b.issue_command(A);
    let mut limited = service(B, "B");
    limited.daily_limit = Some(1);
    b.ok(Command::DefineService(limited));
    b.issue(B);
    b.advance(60);
    let refused = [
        Command::CreateBranch(settings(MOSCOW)),
        Command::UpdateBranch(renamed("")),
        Command::DefineService(service(9, "A")),
        Command::RemoveService(ServiceId(A)),
        Command::RemoveProfile(ProfileId(1)),
        Command::RemoveWorkplace(wp(1)),
        Command::IssueTicket {
            category: None,
            due_at: None,
            id: waiting,
            token_hash: "new".into(),
            service: ServiceId(A),
            channel: Channel::Kiosk,
            language: None,
        },
        Command::IssueTicket {
            category: None,
            due_at: None,
            id: TicketId(duplicate.0 + 10),
            token_hash: "new".into(),
            service: ServiceId(B),
            channel: Channel::Kiosk,
            language: None,
        },
        Command::CallNext {
            workplace: wp(1),
            by: by(101),
        },
        Command::CallNext {
            workplace: wp(2),
            by: by(102),
        },
        Command::CallTicket {
            workplace: wp(1),
            ticket: waiting,
            by: by(102),
        },
        Command::Recall {
            ticket: waiting,
            by: None,
        },
        Command::StartService {
            ticket: serving,
            by: by(101),
        },
        Command::Finish {
            ticket: serving,
            by: by(102),
        },
        Command::NoShow {
            ticket: serving,
            by: by(101),
        },
        Command::Cancel { ticket: serving },
        Command::Postpone {
            ticket: waiting,
            seconds: 100_000,
            by: None,
        },
        Command::Transfer {
            return_after: false,
            ticket: serving,
            service: ServiceId(9),
            position: TransferPosition::Back,
            by: by(101),
        },
        Command::OpenWorkplace {
            workplace: wp(1),
            operator: OperatorId(102),
            profile: ProfileId(1),
        },
        Command::ResumeWorkplace {
            workplace: wp(1),
            by: by(101),
        },
        Command::CloseWorkplace {
            workplace: wp(1),
            by: by(101),
        },
    ];
    for command in refused {
        let before = b.snapshot_json();
        let seq = b.state.seq();
        let text = format!("{command:?}");
        assert!(b.run(command).is_err(), "{text} must be refused");
        assert_eq!(b.state.seq(), seq, "{text}");
        assert_eq!(b.snapshot_json(), before, "{text} changed the state");
    }
    assert_eq!(
        b.state.last_at(),
        Some(b.now - jiff::SignedDuration::from_secs(60))
    );
}

#[test]
fn when_the_clock_steps_back_arrivals_keep_their_order() {
    let mut b = branch();
    b.now = at("2024-06-10T07:00:00Z");
    let first = b.issue(A);
    b.now = at("2024-06-10T06:00:00Z");
    let (second, command) = b.issue_command(A);
    let events = b.ok(command);
    assert_eq!(
        events[0].at,
        at("2024-06-10T07:00:00Z"),
        "the command happens no earlier than the latest event"
    );
    let t = b.ticket(second);
    assert!(t.created_at >= b.ticket(first).created_at);
    assert_eq!(b.queue(A), vec![first, second]);
    assert_eq!(b.state.position(b.ticket(second)), Some(1));
    assert_eq!(b.call_next(1), Some(first));
    assert_eq!(b.call_next(2), Some(second));
}

#[test]
fn when_the_clock_steps_back_a_ticket_sent_to_the_back_stays_behind_everyone_waiting() {
    let mut b = branch();
    let from_b = b.issue(B);
    b.now = at("2024-06-10T07:00:00Z");
    let first = b.issue(A);
    b.now = at("2024-06-10T06:30:00Z");
    let second = b.issue(A);
    b.ok(Command::Transfer {
        return_after: false,
        ticket: from_b,
        service: ServiceId(A),
        position: TransferPosition::Back,
        by: None,
    });
    assert_eq!(b.queue(A), vec![first, second, from_b]);
    b.now = at("2024-06-10T06:40:00Z");
    let third = b.issue(A);
    assert_eq!(b.queue(A), vec![first, second, from_b, third]);
    assert_eq!(b.state.position(b.ticket(from_b)), Some(2));
}

#[test]
fn a_ticket_postponed_by_no_time_goes_behind_those_who_arrived_at_the_same_instant() {
    let mut b = branch();
    let first = b.issue(A);
    let second = b.issue(A);
    b.ok(Command::Postpone {
        ticket: first,
        seconds: 0,
        by: None,
    });
    assert_eq!(b.queue(A), vec![second, first]);
    assert_eq!(b.call_next(1), Some(second));
    assert_eq!(b.call_next(2), Some(first));
}

#[test]
fn longest_waiting_breaks_a_tie_in_favour_of_the_earlier_arrival() {
    let mut b = Branch::new(
        monday_morning(),
        MOSCOW,
        &[service(A, "A"), service(B, "B")],
        &[profile(1, &[A, B], Policy::LongestWaiting)],
        &[desk(1, 1)],
    );
    let from_a = b.issue(A);
    let in_b = b.issue(B);
    b.ok(Command::Transfer {
        return_after: false,
        ticket: from_a,
        service: ServiceId(A),
        position: TransferPosition::Back,
        by: None,
    });
    assert_eq!(
        b.call_next(1),
        Some(in_b),
        "B's ticket was waiting before A's went to the back"
    );
}
