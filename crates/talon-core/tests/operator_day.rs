//! An operator's counts for the day, kept by the state as events happen: each ticket counts
//! for the operator who held it at their workplace (served, no-show, transferred away), a
//! ticket moved while in a queue counts for nobody, the counts survive a snapshot and leave
//! the state with their day.

mod common;

use common::{Branch, at, desk, profile, service};
use jiff::civil::date;
use talon_core::{
    BranchState, Command, OperatorDay, OperatorId, Policy, ServiceId, TransferPosition,
};

const A: u64 = 1;
const B: u64 = 2;

#[test]
fn each_ticket_counts_for_the_operator_who_held_it() {
    let mut b = Branch::new(
        at("2024-06-10T06:00:00Z"),
        "Europe/Moscow",
        &[service(A, "A"), service(B, "B")],
        &[profile(1, &[A, B], Policy::StrictOrder)],
        &[desk(1, 1), desk(2, 1)],
    );
    let (me, other) = (OperatorId(101), OperatorId(102));
    let day = date(2024, 6, 10);
    let by_me = Some(me);

    // Served by me in 100 s and in 201 s.
    for secs in [100, 201] {
        b.issue(A);
        let t = b.call_next(1).expect("a ticket");
        b.ok(Command::StartService {
            ticket: t,
            by: by_me,
        });
        b.advance(secs);
        b.ok(Command::Finish {
            ticket: t,
            by: by_me,
        });
    }
    // A no-show of mine, and one of the other operator's.
    for desk in [1, 2] {
        b.issue(A);
        let t = b.call_next(desk).expect("a ticket");
        let by = b.operator_of(desk);
        b.ok(Command::NoShow { ticket: t, by });
    }
    // Transferred by me, then served by the other operator in 90 s: my transfer, their
    // service.
    b.issue(A);
    let t = b.call_next(1).expect("a ticket");
    b.ok(Command::Transfer {
        ticket: t,
        service: ServiceId(B),
        position: TransferPosition::Back,
        return_after: false,
        by: by_me,
    });
    assert_eq!(b.call_next(2), Some(t));
    b.ok(Command::StartService {
        ticket: t,
        by: Some(other),
    });
    b.advance(90);
    b.ok(Command::Finish {
        ticket: t,
        by: Some(other),
    });
    // Postponed by me, then transferred from the queue: not my transfer.
    b.issue(A);
    let t = b.call_next(1).expect("a ticket");
    b.ok(Command::Postpone {
        ticket: t,
        seconds: 600,
        by: by_me,
    });
    b.ok(Command::Transfer {
        ticket: t,
        service: ServiceId(B),
        position: TransferPosition::Back,
        return_after: false,
        by: None,
    });

    let mine = b.state.operator_day(me, day);
    assert_eq!(
        (mine.served, mine.no_show, mine.transferred),
        (2, 1, 1),
        "{mine:?}"
    );
    assert_eq!(mine.average_service_secs(), Some(151), "(100 + 201) / 2");
    let theirs = b.state.operator_day(other, day);
    assert_eq!(
        (theirs.served, theirs.no_show, theirs.transferred),
        (1, 1, 0)
    );
    assert_eq!(theirs.average_service_secs(), Some(90));
    assert_eq!(
        b.state.operator_day(OperatorId(999), day),
        OperatorDay::default()
    );

    // The counts are part of the state: a snapshot keeps them.
    let restored = BranchState::from_snapshot(b.state.snapshot());
    assert_eq!(restored.operator_day(me, day), mine);

    // They stay while the day's numbering is kept (a zone moved west may return to it), and
    // leave the state once a day two days later closes.
    for instant in ["2024-06-13T06:00:00Z", "2024-06-13T06:00:01Z"] {
        b.now = at(instant);
        b.ok(Command::Rollover);
    }
    assert_eq!(b.state.operator_day(me, day), mine);
    let t = b.issue(A);
    b.ok(Command::Cancel { ticket: t });
    b.now = at("2024-06-14T06:00:00Z");
    b.ok(Command::Rollover);
    assert_eq!(b.state.operator_day(me, day), OperatorDay::default());
}
