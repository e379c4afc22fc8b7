//! Daily numbering: a number is the service's prefix and a counter padded to the width of its
//! range, the counter restarts when the branch-local date changes (whatever DST or a zone's
//! change of offset does to midnight), a number is never handed out twice within one service
//! and day even when the branch moves its time zone, and closing a day keeps today's numbering.

mod common;

use common::{Branch, at, desk, profile, service};
use jiff::Timestamp;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use std::collections::BTreeSet;
use talon_core::AfterLast;
use talon_core::{
    BranchSettings, Command, EventKind, Language, NumberRange, OperatorId, Policy, ServiceId,
    TicketId, TicketStatus, TimeZoneName, WorkplaceId, business_day,
};

const A: u64 = 1;

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).expect("a known zone")
}

/// Issues a ticket of service A at `instant` and returns its number and business day.
fn issue_at(b: &mut Branch, instant: &str) -> (String, Date) {
    b.now = at(instant);
    let id = b.issue(A);
    let t = b.ticket(id);
    (t.number.clone(), t.day)
}

/// Every (service, day, number) handed out in the branch's log, asserting none repeats.
fn assert_numbers_unique(b: &Branch) -> usize {
    let mut seen = BTreeSet::new();
    for event in &b.log {
        if let EventKind::TicketIssued {
            service,
            day,
            number,
            ..
        } = &event.kind
        {
            assert!(
                seen.insert((*service, *day, number.clone())),
                "{number} was issued twice for service {service} on {day}"
            );
        }
    }
    seen.len()
}

#[test]
fn a_number_is_the_prefix_and_the_counter_padded_to_the_width_of_the_range() {
    let ranges = [
        ("A", 1, 999, ["A001", "A002"]),
        ("B", 1, 9, ["B1", "B2"]),
        ("C", 1, 99_999, ["C00001", "C00002"]),
        ("D", 100, 999, ["D100", "D101"]),
        ("E", 0, 99, ["E00", "E01"]),
        ("FGH", 7, 10, ["FGH07", "FGH08"]),
    ];
    let services: Vec<_> = ranges
        .iter()
        .enumerate()
        .map(|(i, (prefix, first, last, _))| {
            let mut s = service(i as u64 + 1, prefix);
            s.numbering = NumberRange {
                first: *first,
                last: *last,
                after_last: AfterLast::Wrap,
            };
            s
        })
        .collect();
    let mut b = Branch::new(
        at("2024-06-10T06:00:00Z"),
        "Europe/Moscow",
        &services,
        &[],
        &[],
    );
    for (i, (_, _, _, expected)) in ranges.iter().enumerate() {
        let id = i as u64 + 1;
        let numbers = [b.issue_number(id), b.issue_number(id)];
        assert_eq!(numbers, *expected);
    }
    assert_eq!(
        NumberRange {
            first: 1,
            last: 999,
            after_last: AfterLast::Wrap,
        }
        .width(),
        3
    );
    assert_eq!(
        NumberRange {
            first: 1,
            last: 1000,
            after_last: AfterLast::Wrap,
        }
        .width(),
        4
    );
}

#[test]
fn each_service_counts_on_its_own() {
    let mut b = Branch::new(
        at("2024-06-10T06:00:00Z"),
        "Europe/Moscow",
        &[service(1, "A"), service(2, "B")],
        &[],
        &[],
    );
    let numbers: Vec<String> = [1, 1, 2, 1, 2]
        .into_iter()
        .map(|s| b.issue_number(s))
        .collect();
    assert_eq!(numbers, ["A001", "A002", "B001", "A003", "B002"]);
    assert_eq!(b.state.issued_count(ServiceId(1), date(2024, 6, 10)), 3);
    assert_eq!(b.state.issued_count(ServiceId(2), date(2024, 6, 10)), 2);
}

#[test]
fn numbering_restarts_at_local_midnight_in_moscow() {
    let moscow = zone("Europe/Moscow");
    assert_eq!(
        business_day(at("2024-06-10T20:59:59Z"), &moscow),
        date(2024, 6, 10)
    );
    assert_eq!(
        business_day(at("2024-06-10T21:00:00Z"), &moscow),
        date(2024, 6, 11)
    );

    let mut b = Branch::new(
        at("2024-06-10T06:00:00Z"),
        "Europe/Moscow",
        &[service(A, "A")],
        &[],
        &[],
    );
    let issued = [
        issue_at(&mut b, "2024-06-10T06:00:00Z"),
        issue_at(&mut b, "2024-06-10T20:59:59Z"),
        issue_at(&mut b, "2024-06-10T21:00:00Z"),
        issue_at(&mut b, "2024-06-10T21:00:01Z"),
    ];
    assert_eq!(
        issued,
        [
            ("A001".to_string(), date(2024, 6, 10)),
            ("A002".to_string(), date(2024, 6, 10)),
            ("A001".to_string(), date(2024, 6, 11)),
            ("A002".to_string(), date(2024, 6, 11)),
        ]
    );
    assert_numbers_unique(&b);
}

#[test]
fn in_sao_paulo_the_day_dst_began_at_midnight_starts_at_one_oclock() {
    // On 2015-10-18 the clocks went from 00:00 -03 straight to 01:00 -02.
    let sao_paulo = zone("America/Sao_Paulo");
    let first_instant = date(2015, 10, 18)
        .to_zoned(sao_paulo.clone())
        .expect("the day exists")
        .timestamp();
    assert_eq!(first_instant, at("2015-10-18T03:00:00Z"));
    assert_eq!(
        at("2015-10-18T03:00:00Z")
            .to_zoned(sao_paulo.clone())
            .time(),
        jiff::civil::time(1, 0, 0, 0)
    );
    assert_eq!(
        business_day(at("2015-10-18T02:59:59Z"), &sao_paulo),
        date(2015, 10, 17)
    );
    assert_eq!(
        business_day(at("2015-10-18T03:00:00Z"), &sao_paulo),
        date(2015, 10, 18)
    );

    let mut b = Branch::new(
        at("2015-10-17T12:00:00Z"),
        "America/Sao_Paulo",
        &[service(A, "A")],
        &[],
        &[],
    );
    let issued = [
        issue_at(&mut b, "2015-10-17T12:00:00Z"),
        issue_at(&mut b, "2015-10-18T02:30:00Z"),
        issue_at(&mut b, "2015-10-18T02:59:59Z"),
        issue_at(&mut b, "2015-10-18T03:00:00Z"),
        issue_at(&mut b, "2015-10-18T03:30:00Z"),
    ];
    assert_eq!(
        issued,
        [
            ("A001".to_string(), date(2015, 10, 17)),
            ("A002".to_string(), date(2015, 10, 17)),
            ("A003".to_string(), date(2015, 10, 17)),
            ("A001".to_string(), date(2015, 10, 18)),
            ("A002".to_string(), date(2015, 10, 18)),
        ]
    );
    assert_numbers_unique(&b);
}

#[test]
fn in_almaty_the_repeated_hour_of_2024_03_01_still_belongs_to_the_29th() {
    // At 00:00 +06 on 2024-03-01 Almaty moved to +05: the clocks went back to 23:00 on the
    // 29th, so the 29th lasted until 19:00 UTC and March 1 began then, once.
    let almaty = zone("Asia/Almaty");
    let day_of = |instant: &str| business_day(at(instant), &almaty);
    assert_eq!(day_of("2024-02-29T17:59:59Z"), date(2024, 2, 29));
    assert_eq!(day_of("2024-02-29T18:00:00Z"), date(2024, 2, 29));
    assert_eq!(day_of("2024-02-29T18:59:59Z"), date(2024, 2, 29));
    assert_eq!(day_of("2024-02-29T19:00:00Z"), date(2024, 3, 1));
    assert_eq!(
        date(2024, 3, 1)
            .to_zoned(almaty.clone())
            .unwrap()
            .timestamp(),
        at("2024-02-29T19:00:00Z")
    );

    let mut b = Branch::new(
        at("2024-02-29T04:00:00Z"),
        "Asia/Almaty",
        &[service(A, "A")],
        &[],
        &[],
    );
    let instants = [
        "2024-02-29T04:00:00Z",
        "2024-02-29T17:59:59Z",
        "2024-02-29T18:00:00Z",
        "2024-02-29T18:30:00Z",
        "2024-02-29T18:59:59Z",
        "2024-02-29T19:00:00Z",
        "2024-02-29T19:30:00Z",
        "2024-03-01T04:00:00Z",
    ];
    let issued: Vec<(String, Date)> = instants.iter().map(|i| issue_at(&mut b, i)).collect();
    let expected: Vec<(String, Date)> = [
        ("A001", date(2024, 2, 29)),
        ("A002", date(2024, 2, 29)),
        ("A003", date(2024, 2, 29)),
        ("A004", date(2024, 2, 29)),
        ("A005", date(2024, 2, 29)),
        ("A001", date(2024, 3, 1)),
        ("A002", date(2024, 3, 1)),
        ("A003", date(2024, 3, 1)),
    ]
    .into_iter()
    .map(|(n, d)| (n.to_string(), d))
    .collect();
    assert_eq!(issued, expected);
    let restarts = issued.windows(2).filter(|w| w[1].0 == "A001").count();
    assert_eq!(restarts, 1, "numbering restarts exactly once");
    assert_numbers_unique(&b);
}

fn move_to(b: &mut Branch, zone_name: &str, instant: &str) {
    b.now = at(instant);
    b.ok(Command::UpdateBranch(BranchSettings {
        name: "Central branch".into(),
        time_zone: TimeZoneName::parse(zone_name).unwrap(),
        languages: vec![Language::Ru, Language::En],
        announcements: Default::default(),
        hours: None,
        holidays: Vec::new(),
        ticket_texts: Default::default(),
    }));
}

#[test]
fn a_branch_moving_west_back_onto_a_closed_date_continues_that_dates_numbering() {
    let mut b = Branch::new(
        at("2024-06-10T12:00:00Z"),
        "Asia/Tokyo",
        &[service(A, "A")],
        &[],
        &[],
    );
    let issue = |b: &mut Branch, instant: &str| {
        b.now = at(instant);
        let id = b.issue(A);
        let t = b.ticket(id);
        (id, t.number.clone(), t.day)
    };
    // Tokyo (+09), June 10 21:00 and 21:30.
    let (cancelled, number, day) = issue(&mut b, "2024-06-10T12:00:00Z");
    assert_eq!((number.as_str(), day), ("A001", date(2024, 6, 10)));
    let (left_waiting, number, _) = issue(&mut b, "2024-06-10T12:30:00Z");
    assert_eq!(number, "A002");
    b.ok(Command::Cancel { ticket: cancelled });

    // Tokyo, June 11 01:00: a new day; closing June 10 takes its tickets out of the live state.
    let (_, number, day) = issue(&mut b, "2024-06-10T16:00:00Z");
    assert_eq!((number.as_str(), day), ("A001", date(2024, 6, 11)));
    assert_eq!(
        rollover_twice(&mut b),
        vec![
            EventKind::TicketExpired {
                ticket: left_waiting
            },
            EventKind::DayClosed {
                day: date(2024, 6, 10)
            },
        ]
    );
    assert!(b.state.ticket(cancelled).is_none());
    assert!(b.state.ticket(left_waiting).is_none());

    // Honolulu (-10): the same instant is June 10 again.
    move_to(&mut b, "Pacific/Honolulu", "2024-06-10T16:10:00Z");
    assert_eq!(
        business_day(b.now, b.state.settings().unwrap().time_zone.zone()),
        date(2024, 6, 10)
    );
    let (back_on_june_10, number, day) = issue(&mut b, "2024-06-10T16:10:00Z");
    assert_eq!(
        (number.as_str(), day),
        ("A003", date(2024, 6, 10)),
        "June 10 already handed out A001 and A002"
    );
    assert!(
        b.ok(Command::Rollover).is_empty(),
        "no ticket belongs to a day before June 10"
    );

    // Honolulu, June 11 00:00: June 11 already had A001 in Tokyo.
    let (_, number, day) = issue(&mut b, "2024-06-11T10:00:00Z");
    assert_eq!((number.as_str(), day), ("A002", date(2024, 6, 11)));
    assert_eq!(
        rollover_twice(&mut b),
        vec![
            EventKind::TicketExpired {
                ticket: back_on_june_10
            },
            EventKind::DayClosed {
                day: date(2024, 6, 10)
            },
        ]
    );

    // Back to Tokyo, June 11 19:30.
    move_to(&mut b, "Asia/Tokyo", "2024-06-11T10:30:00Z");
    let (_, number, day) = issue(&mut b, "2024-06-11T10:30:00Z");
    assert_eq!((number.as_str(), day), ("A003", date(2024, 6, 11)));
    assert_eq!(assert_numbers_unique(&b), 6);
}

#[test]
fn a_branch_jumping_back_across_the_date_line_continues_the_day_before_the_closed_one() {
    // Kiritimati is UTC+14 and Niue UTC-11: the same instant is two dates apart.
    let mut b = Branch::new(
        at("2024-06-09T22:00:00Z"),
        "Pacific/Kiritimati",
        &[service(A, "A")],
        &[],
        &[],
    );
    assert_eq!(
        issue_at(&mut b, "2024-06-09T22:00:00Z"),
        ("A001".into(), date(2024, 6, 10))
    );
    assert_eq!(
        issue_at(&mut b, "2024-06-10T22:00:00Z"),
        ("A001".into(), date(2024, 6, 11))
    );
    // June 12, 00:30 in Kiritimati: June 10 and 11 are over.
    b.now = at("2024-06-11T10:30:00Z");
    let closed = rollover_twice(&mut b);
    assert_eq!(
        closed.last(),
        Some(&EventKind::DayClosed {
            day: date(2024, 6, 11)
        })
    );
    assert_eq!(b.state.tickets().count(), 0);

    // The same instant in Niue is June 10, 23:30.
    move_to(&mut b, "Pacific/Niue", "2024-06-11T10:30:00Z");
    assert_eq!(
        issue_at(&mut b, "2024-06-11T10:30:00Z"),
        ("A002".into(), date(2024, 6, 10))
    );
    assert_numbers_unique(&b);
}

#[test]
fn moving_the_zone_east_starts_the_new_date_and_keeps_the_old_one() {
    let mut b = Branch::new(
        at("2024-06-10T20:00:00Z"),
        "UTC",
        &[service(A, "A")],
        &[],
        &[],
    );
    assert_eq!(
        issue_at(&mut b, "2024-06-10T20:00:00Z"),
        ("A001".into(), date(2024, 6, 10))
    );
    move_to(&mut b, "Asia/Tokyo", "2024-06-10T20:10:00Z");
    assert_eq!(
        issue_at(&mut b, "2024-06-10T20:10:00Z"),
        ("A001".into(), date(2024, 6, 11))
    );
    move_to(&mut b, "UTC", "2024-06-10T20:20:00Z");
    assert_eq!(
        issue_at(&mut b, "2024-06-10T20:20:00Z"),
        ("A002".into(), date(2024, 6, 10))
    );
    assert_numbers_unique(&b);
}

/// A branch on Monday June 10 in Moscow with tickets in every state, and the ids of those.
struct Yesterday {
    b: Branch,
    done: TicketId,
    no_show: TicketId,
    cancelled: TicketId,
    waiting: TicketId,
    postponed: TicketId,
    called: TicketId,
    serving: TicketId,
}

fn yesterday() -> Yesterday {
    let mut b = Branch::new(
        at("2024-06-10T06:00:00Z"),
        "Europe/Moscow",
        &[service(A, "A")],
        &[profile(1, &[A], Policy::StrictOrder)],
        &[desk(1, 1), desk(2, 1)],
    );
    let done = b.issue(A);
    let no_show = b.issue(A);
    let serving = b.issue(A);
    let called = b.issue(A);
    let cancelled = b.issue(A);
    let waiting = b.issue(A);
    let postponed = b.issue(A);
    let op1 = Some(OperatorId(101));
    let op2 = Some(OperatorId(102));
    assert_eq!(b.call_next(1), Some(done));
    b.ok(Command::StartService {
        ticket: done,
        by: op1,
    });
    b.ok(Command::Finish {
        ticket: done,
        by: op1,
    });
    assert_eq!(b.call_next(1), Some(no_show));
    b.ok(Command::NoShow {
        ticket: no_show,
        by: op1,
    });
    assert_eq!(b.call_next(2), Some(serving));
    b.ok(Command::StartService {
        ticket: serving,
        by: op2,
    });
    assert_eq!(b.call_next(1), Some(called));
    b.ok(Command::Cancel { ticket: cancelled });
    b.ok(Command::Postpone {
        ticket: postponed,
        seconds: 3600,
        by: None,
    });
    Yesterday {
        b,
        done,
        no_show,
        cancelled,
        waiting,
        postponed,
        called,
        serving,
    }
}

#[test]
fn rollover_does_nothing_while_the_day_is_the_same() {
    let Yesterday { mut b, .. } = yesterday();
    let before = b.snapshot_json();
    b.now = at("2024-06-10T20:59:59Z");
    assert!(b.ok(Command::Rollover).is_empty());
    assert_eq!(b.snapshot_json(), before);
}

#[test]
fn rollover_expires_yesterdays_open_tickets_and_closes_the_day_while_today_continues() {
    let y = yesterday();
    let mut b = y.b;
    // Tuesday 09:00 in Moscow; a ticket of today is issued before the rollover runs.
    b.now = at("2024-06-11T06:00:00Z");
    let today_first = b.issue(A);
    assert_eq!(b.ticket(today_first).number, "A001");

    b.advance(60);
    let expired: BTreeSet<TicketId> = b
        .ok(Command::Rollover)
        .iter()
        .map(|e| match e.kind {
            EventKind::TicketExpired { ticket } => ticket,
            ref other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        expired,
        BTreeSet::from([y.waiting, y.postponed, y.called, y.serving])
    );
    for still_there in [y.waiting, y.called, y.done] {
        assert!(
            b.state.ticket(still_there).is_some(),
            "expired tickets stay until the day closes, so their last version is stored"
        );
    }
    b.advance(60);
    let closed: Vec<EventKind> = b
        .ok(Command::Rollover)
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        closed,
        vec![EventKind::DayClosed {
            day: date(2024, 6, 10)
        }]
    );

    for gone in [
        y.done,
        y.no_show,
        y.cancelled,
        y.waiting,
        y.postponed,
        y.called,
        y.serving,
    ] {
        assert!(
            b.state.ticket(gone).is_none(),
            "ticket {gone} left the live state"
        );
    }
    assert!(b.state.ticket_by_token_hash("token-1").is_none());
    for w in [1, 2] {
        assert_eq!(b.state.workplace(WorkplaceId(w)).unwrap().current, None);
    }
    assert_eq!(b.queue(A), vec![today_first]);
    assert_eq!(b.ticket(today_first).status, TicketStatus::Waiting);
    assert_eq!(b.state.tickets().count(), 1);

    assert_eq!(b.issue_number(A), "A002");
    assert_eq!(b.call_next(1), Some(today_first));
    b.advance(60);
    assert!(
        b.ok(Command::Rollover).is_empty(),
        "the day is closed already"
    );
    assert_numbers_unique(&b);
}

#[test]
fn rollover_after_several_days_ends_every_earlier_day_at_once() {
    let mut b = Branch::new(
        at("2024-06-10T06:00:00Z"),
        "Europe/Moscow",
        &[service(A, "A")],
        &[],
        &[],
    );
    let monday = b.issue(A);
    b.now = at("2024-06-11T06:00:00Z");
    let tuesday = b.issue(A);
    assert_eq!(b.ticket(tuesday).number, "A001");
    b.now = at("2024-06-13T06:00:00Z");
    assert_eq!(
        rollover_twice(&mut b),
        vec![
            EventKind::TicketExpired { ticket: monday },
            EventKind::TicketExpired { ticket: tuesday },
            EventKind::DayClosed {
                day: date(2024, 6, 11)
            },
        ]
    );
    assert_eq!(b.state.tickets().count(), 0);
    assert_eq!(b.issue_number(A), "A001");
}

#[test]
fn a_business_day_is_the_local_date_of_the_instant() {
    let instants: [(Timestamp, &str, Date); 4] = [
        (
            at("2024-01-01T00:30:00Z"),
            "America/New_York",
            date(2023, 12, 31),
        ),
        (at("2024-01-01T00:30:00Z"), "Asia/Kolkata", date(2024, 1, 1)),
        (at("2024-06-30T23:59:59Z"), "UTC", date(2024, 6, 30)),
        (
            at("2024-06-30T10:00:00Z"),
            "Pacific/Kiritimati",
            date(2024, 7, 1),
        ),
    ];
    for (instant, name, expected) in instants {
        assert_eq!(
            business_day(instant, &zone(name)),
            expected,
            "{instant} in {name}"
        );
    }
}

/// Runs the rollover until it has nothing left to do (expiry, then day close) and returns what
/// it did.
fn rollover_twice(b: &mut Branch) -> Vec<EventKind> {
    let mut kinds: Vec<EventKind> = b
        .ok(Command::Rollover)
        .into_iter()
        .map(|e| e.kind)
        .collect();
    kinds.extend(b.ok(Command::Rollover).into_iter().map(|e| e.kind));
    assert!(
        b.ok(Command::Rollover).is_empty(),
        "a third rollover finds nothing to do"
    );
    kinds
}
