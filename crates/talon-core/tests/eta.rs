//! The wait a visitor is shown (`eta_seconds`) and its band (`eta_band_seconds`): Whitt's
//! forecast for one queue served in order, the order each policy calls in, the work shared with
//! workplaces that never call the ticket, free workplaces, postponed tickets, and the norm by
//! position when nobody who could call the ticket is open.

mod common;

use common::*;
use jiff::Timestamp;
use talon_core::{CategoryFilter, Command, Policy, RatioScope, TicketId};

fn t0() -> Timestamp {
    at("2024-06-10T09:00:00Z")
}

fn eta(b: &Branch, id: TicketId) -> u64 {
    b.state.eta_seconds(b.ticket(id), b.now).expect("queued")
}

fn band(b: &Branch, id: TicketId) -> (u64, u64) {
    b.state
        .eta_band_seconds(b.ticket(id), b.now)
        .expect("queued")
}

/// Three workplaces, one queue in order, every workplace busy: the ticket with `k` ahead is
/// called at the `k + 1`-th finish, each `norm / 3` apart on average.
#[test]
fn one_queue_in_order_gives_whitts_forecast() {
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A")],
        &[profile(1, &[1], Policy::LongestWaiting)],
        &[desk(1, 1), desk(2, 1), desk(3, 1)],
    );
    for w in 1..=3 {
        b.issue(1);
        b.call_next(w).expect("someone to call");
    }
    let waiting: Vec<TicketId> = (0..5).map(|_| b.issue(1)).collect();
    for (k, id) in waiting.iter().enumerate() {
        assert_eq!(b.state.position(b.ticket(*id)), Some(k));
        assert_eq!(eta(&b, *id), (k as u64 + 1) * 600 / 3, "{k} ahead");
    }
}

#[test]
fn a_free_workplace_calls_at_once() {
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A")],
        &[profile(1, &[1], Policy::LongestWaiting)],
        &[desk(1, 1), desk(2, 1)],
    );
    b.issue(1);
    b.call_next(1).expect("someone to call");
    let first = b.issue(1);
    assert_eq!(eta(&b, first), 0, "workplace 2 is free");
    assert_eq!(band(&b, first), (0, 0));
    // The second waits for the next finish of two busy workplaces once the first is taken.
    let second = b.issue(1);
    assert_eq!(eta(&b, second), 300);
}

#[test]
fn with_nobody_open_the_people_ahead_take_the_norm_each() {
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A")],
        &[profile(1, &[1], Policy::LongestWaiting)],
        &[],
    );
    let first = b.issue(1);
    let _ = b.issue(1);
    let third = b.issue(1);
    assert_eq!(eta(&b, first), 0, "next, whenever a workplace opens");
    assert_eq!(eta(&b, third), 1200);
}

#[test]
fn strict_order_calls_the_first_service_first() {
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A"), service(2, "B")],
        &[profile(1, &[1, 2], Policy::StrictOrder)],
        &[desk(1, 1)],
    );
    b.issue(1);
    b.call_next(1).expect("someone to call");
    b.issue(1);
    b.issue(1);
    b.advance(10);
    let later = b.issue(2);
    assert_eq!(
        b.state.position(b.ticket(later)),
        Some(0),
        "first of its service"
    );
    assert_eq!(eta(&b, later), 3 * 600, "after both of A and the finish");
}

#[test]
fn weighted_calls_the_heavier_category_first() {
    let mut b = Branch::with_categories(
        t0(),
        "UTC",
        &[service(1, "A")],
        &[category(5, 3, None, None)],
        &[rules_profile(
            1,
            vec![entry(1, CategoryFilter::Any, 1, None)],
            Policy::Weighted,
            Vec::new(),
            RatioScope::Operator,
        )],
        &[desk(1, 1)],
    );
    b.issue(1);
    b.call_next(1).expect("someone to call");
    b.issue_with(1, Some(5), None);
    b.issue_with(1, Some(5), None);
    let regular = b.issue(1);
    assert_eq!(eta(&b, regular), 3 * 600);
    let vip = b.issue_with(1, Some(5), None);
    assert_eq!(eta(&b, vip), 3 * 600, "behind the two earlier VIPs only");
}

/// Urgency compares the waits at the expected call: an old ticket of a service with a long
/// waiting norm goes first only once its wait relative to that norm is the greater.
#[test]
fn urgency_counts_those_more_urgent_at_the_call() {
    let mut slow = service(2, "B");
    slow.waiting_norm_secs = 9000;
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A"), slow],
        &[profile(1, &[1, 2], Policy::Urgency)],
        &[desk(1, 1)],
    );
    b.issue(1);
    b.call_next(1).expect("someone to call");
    b.issue(2);
    b.advance(600);
    let fresh = b.issue(1);
    // At the expected call, in 600 s: B has waited 1200 of 9000, A 600 of 900.
    assert_eq!(eta(&b, fresh), 600);
    b.advance(9000);
    let late = b.issue(1);
    assert_eq!(
        eta(&b, late),
        2 * 600,
        "B is past its norm, and A is ahead by place"
    );
}

/// A ticket ahead that another workplace can take as well is shared with it.
#[test]
fn work_ahead_is_shared_with_workplaces_that_never_call_the_ticket() {
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A"), service(2, "B")],
        &[
            profile(1, &[1, 2], Policy::LongestWaiting),
            profile(2, &[1], Policy::LongestWaiting),
        ],
        &[desk(1, 1), desk(2, 2)],
    );
    for w in 1..=2 {
        b.issue(1);
        b.call_next(w).expect("someone to call");
    }
    b.issue(1);
    b.issue(1);
    b.advance(10);
    let mine = b.issue(2);
    // Two of A ahead at workplace 1, half of them taken by workplace 2, then a finish at 1.
    assert_eq!(eta(&b, mine), 600 + 600);
}

#[test]
fn the_band_holds_the_forecast_and_narrows_with_the_people_ahead() {
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A")],
        &[profile(1, &[1], Policy::LongestWaiting)],
        &[desk(1, 1)],
    );
    b.issue(1);
    b.call_next(1).expect("someone to call");
    let next = b.issue(1);
    // One phase, the exponential: its 10% and 90% quantiles are 0.105 and 2.303 norms.
    let (low, high) = band(&b, next);
    assert!((57..=64).contains(&low), "{low}");
    assert!((1360..=1390).contains(&high), "{high}");
    let mut last = f64::INFINITY;
    for _ in 0..8 {
        let id = b.issue(1);
        let (low, high) = band(&b, id);
        let e = eta(&b, id);
        assert!(low < e && e < high, "{low} {e} {high}");
        let width = (high - low) as f64 / e as f64;
        assert!(width < last, "relatively narrower with more ahead");
        last = width;
    }
}

#[test]
fn a_postponed_ticket_waits_at_least_until_its_time() {
    let mut b = Branch::new(
        t0(),
        "UTC",
        &[service(1, "A")],
        &[profile(1, &[1], Policy::LongestWaiting)],
        &[desk(1, 1)],
    );
    let id = b.issue(1);
    b.call_next(1).expect("someone to call");
    let by = b.operator_of(1);
    b.ok(Command::Postpone {
        ticket: id,
        seconds: 3600,
        by,
    });
    assert!(eta(&b, id) >= 3600);
    assert!(band(&b, id).0 >= 3600);
}
