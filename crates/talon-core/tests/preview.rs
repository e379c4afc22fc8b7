//! The preview of a work profile's call order: the order of a sample queue as the real routing
//! gives it, with the reasons, and what the profile never calls; the live branch untouched.

mod common;

use common::{Branch, at, category, entry, rules_profile, service, step};
use jiff::civil::Time;
use std::collections::BTreeMap;
use talon_core::{
    CallReason, CategoryFilter, CategoryId, Command, Hours, Interval, Policy, ProfileId,
    RatioScope, SampleTicket, ServiceId, WeekdayName, WorkProfile, preview_calls,
};

/// Monday 10 June 2024, 12:00 in Moscow.
const NOON: &str = "2024-06-10T09:00:00Z";
const ZONE: &str = "Europe/Moscow";

fn visitor(service: u64, category: Option<u64>, waited_mins: u32) -> SampleTicket {
    SampleTicket {
        service: ServiceId(service),
        category: category.map(CategoryId),
        waited_secs: waited_mins * 60,
    }
}

/// A branch with services A (1) and B (2) and the categories VIP (10, weight 3) and Pensioner
/// (11, weight 2, callable only by profile 99), and no profiles or workplaces, set up at noon.
fn branch() -> Branch {
    branch_at(at(NOON))
}

fn branch_at(now: jiff::Timestamp) -> Branch {
    Branch::with_categories(
        now,
        ZONE,
        &[service(1, "A"), service(2, "B")],
        &[
            category(10, 3, None, None),
            category(11, 2, None, Some(&[99])),
        ],
        &[],
        &[],
    )
}

/// The sample indexes in the order of the calls.
fn order(preview: &talon_core::Preview) -> Vec<usize> {
    preview.calls.iter().map(|c| c.sample).collect()
}

#[test]
fn the_longest_waiting_are_called_first_with_their_waits() {
    let branch = branch();
    let profile = WorkProfile::simple(
        ProfileId(50),
        "Both",
        &[ServiceId(1), ServiceId(2)],
        Policy::LongestWaiting,
    );
    let sample = [
        visitor(1, None, 5),
        visitor(2, None, 12),
        visitor(1, None, 8),
    ];
    let preview = preview_calls(&branch.state, &profile, &sample, at(NOON)).unwrap();
    assert_eq!(order(&preview), [1, 2, 0]);
    assert_eq!(
        preview.calls[0].reason,
        CallReason::LongestWaiting { waited_secs: 720 }
    );
    // Numbered per service in the order of arrival.
    assert_eq!(preview.numbers, ["A002", "B001", "A001"]);
    assert_eq!(preview.calls[0].number, "B001");
    assert!(preview.not_called.is_empty());
    assert_eq!(preview.at, at(NOON));
}

#[test]
fn strict_order_empties_the_first_entry_first() {
    let branch = branch();
    let profile = WorkProfile::simple(
        ProfileId(50),
        "B first",
        &[ServiceId(2), ServiceId(1)],
        Policy::StrictOrder,
    );
    let sample = [
        visitor(1, None, 30),
        visitor(2, None, 1),
        visitor(2, None, 2),
    ];
    let preview = preview_calls(&branch.state, &profile, &sample, at(NOON)).unwrap();
    assert_eq!(order(&preview), [2, 1, 0]);
    assert_eq!(
        preview.calls[2].reason,
        CallReason::StrictOrder {
            position_in_profile: 1,
            waited_secs: 1800
        }
    );
}

#[test]
fn a_ratio_takes_its_steps_in_turn_and_other_services_are_never_called() {
    let branch = branch();
    // Two VIPs, then one regular visitor, of service A only.
    let profile = rules_profile(
        50,
        vec![
            entry(1, CategoryFilter::Only(vec![CategoryId(10)]), 1, None),
            entry(1, CategoryFilter::Regular, 1, None),
        ],
        Policy::LongestWaiting,
        vec![step(&[0], 2), step(&[1], 1)],
        RatioScope::Operator,
    );
    let sample = [
        visitor(1, None, 40),
        visitor(1, None, 30),
        visitor(1, Some(10), 5),
        visitor(1, Some(10), 4),
        visitor(1, Some(10), 3),
        visitor(2, None, 50),
        // Pensioners may be called by profile 99 only.
        visitor(1, Some(11), 60),
    ];
    let preview = preview_calls(&branch.state, &profile, &sample, at(NOON)).unwrap();
    assert_eq!(order(&preview), [2, 3, 0, 4, 1]);
    assert_eq!(preview.not_called, [5, 6]);
    assert_eq!(preview.numbers[5], "B001");
}

#[test]
fn a_maximum_wait_comes_before_the_policy() {
    let branch = branch();
    let profile = rules_profile(
        50,
        vec![
            entry(1, CategoryFilter::Any, 1, None),
            entry(2, CategoryFilter::Any, 1, Some(600)),
        ],
        Policy::StrictOrder,
        vec![],
        RatioScope::Operator,
    );
    let sample = [
        visitor(1, None, 30),
        visitor(2, None, 11),
        visitor(2, None, 9),
    ];
    let preview = preview_calls(&branch.state, &profile, &sample, at(NOON)).unwrap();
    assert_eq!(order(&preview), [1, 0, 2]);
    assert_eq!(
        preview.calls[0].reason,
        CallReason::MaxWaitExceeded {
            position_in_profile: 1,
            waited_secs: 660,
            max_wait_secs: 600
        }
    );
}

/// The preview is what the live branch does with the same visitors, call for call, even for a
/// service closed at the moment, and the live branch is not changed by it.
#[test]
fn the_preview_matches_the_real_calls_and_leaves_the_branch_alone() {
    let mut live = branch();
    // Service B opens only on Sundays: the preview opens it for the sample.
    let mut b = service(2, "B");
    b.hours = Some(Hours(BTreeMap::from([(
        WeekdayName::Sun,
        vec![Interval {
            open: Time::constant(9, 0, 0, 0),
            close: Time::constant(18, 0, 0, 0),
        }],
    )])));
    live.ok(Command::DefineService(b.clone()));
    let profile = rules_profile(
        50,
        vec![
            entry(1, CategoryFilter::Any, 2, None),
            entry(2, CategoryFilter::Any, 1, Some(1500)),
        ],
        Policy::Urgency,
        vec![],
        RatioScope::Operator,
    );
    let sample = [
        visitor(1, Some(10), 3),
        visitor(2, None, 20),
        visitor(1, None, 9),
        visitor(2, None, 26),
        visitor(1, None, 14),
        visitor(1, Some(10), 1),
    ];
    let before = live.snapshot_json();
    let preview = preview_calls(&live.state, &profile, &sample, at(NOON)).unwrap();
    assert_eq!(live.snapshot_json(), before, "the live branch is only read");
    assert_eq!(preview.calls.len(), sample.len());

    // The same visitors in a real branch where B is always open, set up in the morning and
    // served by a real desk.
    let mut real = branch_at(at("2024-06-10T05:00:00Z"));
    real.ok(Command::DefineProfile(profile));
    real.ok(Command::DefineWorkplace(common::workplace(7)));
    real.ok(Command::OpenWorkplace {
        workplace: talon_core::WorkplaceId(7),
        operator: talon_core::OperatorId(107),
        profile: ProfileId(50),
    });
    let mut arrivals: Vec<usize> = (0..sample.len()).collect();
    arrivals.sort_by_key(|&i| std::cmp::Reverse(sample[i].waited_secs));
    let mut ids = vec![None; sample.len()];
    for i in arrivals {
        real.now = at(NOON) - jiff::SignedDuration::from_secs(i64::from(sample[i].waited_secs));
        ids[i] = Some(real.issue_with(sample[i].service.0, sample[i].category.map(|c| c.0), None));
    }
    real.now = at(NOON);
    for call in &preview.calls {
        let made = real.call(7).expect("the real desk calls someone");
        assert_eq!(Some(made.ticket), ids[call.sample], "{preview:?}");
        assert_eq!(made.number, call.number);
        assert_eq!(made.reason, call.reason);
        real.ok(Command::NoShow {
            ticket: made.ticket,
            by: None,
        });
    }
    assert!(real.call(7).is_none(), "the preview called everyone");
}

#[test]
fn a_wrong_profile_or_sample_is_a_validation_error() {
    let branch = branch();
    let good = WorkProfile::simple(ProfileId(50), "A", &[ServiceId(1)], Policy::Weighted);
    let field = |result: Result<talon_core::Preview, talon_core::DomainError>| match result {
        Err(talon_core::DomainError::Invalid { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    let empty = WorkProfile::simple(ProfileId(50), "None", &[], Policy::Weighted);
    assert_eq!(
        field(preview_calls(&branch.state, &empty, &[], at(NOON))),
        "entries"
    );
    let unknown = WorkProfile::simple(ProfileId(50), "X", &[ServiceId(77)], Policy::Weighted);
    assert_eq!(
        field(preview_calls(&branch.state, &unknown, &[], at(NOON))),
        "services"
    );
    for sample in [
        vec![visitor(77, None, 1)],
        vec![visitor(1, Some(77), 1)],
        vec![visitor(1, None, 24 * 60 + 1)],
        vec![visitor(1, None, 1); talon_core::MAX_SAMPLE + 1],
    ] {
        assert_eq!(
            field(preview_calls(&branch.state, &good, &sample, at(NOON))),
            "sample"
        );
    }
    // An empty queue is a preview with no calls.
    let none = preview_calls(&branch.state, &good, &[], at(NOON)).unwrap();
    assert!(none.calls.is_empty() && none.numbers.is_empty());
    // The full sample is served even from a service numbered 1 to 3.
    let mut small = branch;
    let mut a = service(1, "A");
    a.numbering = talon_core::NumberRange {
        first: 1,
        last: 3,
        after_last: talon_core::AfterLast::Wrap,
    };
    small.ok(Command::DefineService(a));
    let many = vec![visitor(1, None, 1); talon_core::MAX_SAMPLE];
    let preview = preview_calls(&small.state, &good, &many, at(NOON)).unwrap();
    assert_eq!(preview.calls.len(), talon_core::MAX_SAMPLE);
}

/// A profile is prepared on the days the branch is closed too: on a holiday, outside the
/// branch's hours, the sample is still called in order.
#[test]
fn the_preview_works_while_the_branch_is_closed() {
    let mut closed = branch();
    closed.ok(Command::UpdateBranch(talon_core::BranchSettings {
        hours: Some(Hours(BTreeMap::from([(
            WeekdayName::Sun,
            vec![Interval::parse("09:00-10:00").expect("a span")],
        )]))),
        holidays: vec![jiff::civil::date(2024, 6, 10)],
        ..common::settings(ZONE)
    }));
    let (_, command) = closed.issue_command(1);
    assert_eq!(closed.fails(command), "branch_closed");
    let profile = WorkProfile::simple(ProfileId(50), "A", &[ServiceId(1)], Policy::LongestWaiting);
    let sample = [visitor(1, None, 5), visitor(1, None, 12)];
    let preview = preview_calls(&closed.state, &profile, &sample, at(NOON)).unwrap();
    assert_eq!(order(&preview), [1, 0]);
}
