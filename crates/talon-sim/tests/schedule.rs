//! The day's edges: opening hours that refuse tickets, a profile variant whose hours begin
//! while a workplace is free, an operator taking over a workplace whose previous operator is
//! still serving, and a model that travels as JSON.

use std::collections::BTreeMap;
use talon_core::{
    Hours, Interval, Policy, ProfileId, ServiceId, Variant, WeekdayName, WorkProfile, WorkplaceId,
};
use talon_sim::{
    Arrivals, Distribution, Fate, Model, RecordedArrival, ServiceTime, Shift, Simulator, sample,
};

fn visitor(at_secs: f64, service: u64, duration_secs: f64) -> RecordedArrival {
    RecordedArrival {
        at_secs,
        service: ServiceId(service),
        category: None,
        booked_secs: None,
        duration_secs: Some(duration_secs),
    }
}

/// One workplace open 9:00–17:00 with profile 1, the given visitors with recorded durations.
fn day(visitors: Vec<RecordedArrival>) -> Model {
    let mut model = sample::mmc(1, 10.0, 300.0, 1, 600);
    model
        .branch
        .services
        .push(sample::service(2, "B", 300, 600));
    model.shifts[0].open_secs = 9.0 * 3600.0;
    model.shifts[0].close_secs = 17.0 * 3600.0;
    model.arrivals = Arrivals::Recorded { visitors };
    model.service_times = (1..=2)
        .map(|s| ServiceTime {
            service: ServiceId(s),
            distribution: Distribution::Recorded,
        })
        .collect();
    model
}

#[test]
fn outside_the_branchs_hours_visitors_get_no_ticket() {
    let mut model = day((0..10)
        .map(|i| visitor(9.5 * 3600.0 + 1800.0 * f64::from(i), 1, 60.0))
        .collect());
    model.branch.settings.hours = Some(Hours(BTreeMap::from([(
        WeekdayName::Mon,
        vec![Interval::parse("09:00-12:00").unwrap()],
    )])));
    let rep = Simulator::new(&model).unwrap().replication(1, 0);
    for v in &rep.visits {
        let open = v.arrival_secs < 12.0 * 3600.0;
        assert_eq!(v.fate == Fate::Refused, !open, "{v:?}");
    }
    assert_eq!(rep.metrics.refused, 5);
}

#[test]
fn a_variant_that_begins_lets_a_free_workplace_call_at_once() {
    let mut model = day(vec![visitor(11.5 * 3600.0, 2, 60.0)]);
    // Service A only, but 12:00–13:00 on Mondays service B only.
    let mut profile = WorkProfile::simple(ProfileId(1), "A", &[ServiceId(1)], Policy::StrictOrder);
    profile.variants.push(Variant {
        days: vec![WeekdayName::Mon],
        hours: Interval::parse("12:00-13:00").unwrap(),
        rules: WorkProfile::simple(ProfileId(1), "B", &[ServiceId(2)], Policy::StrictOrder).rules,
    });
    model.branch.profiles = vec![profile];
    let rep = Simulator::new(&model).unwrap().replication(1, 0);
    assert!(rep.refusals.is_empty(), "{:?}", rep.refusals);
    assert_eq!(
        rep.visits[0].wait_secs,
        Some(1800.0),
        "called at 12:00 sharp"
    );
}

#[test]
fn the_next_operator_takes_over_once_the_visitor_is_served() {
    let mut model = day(vec![
        visitor(9.75 * 3600.0, 1, 1800.0),
        visitor(10.0 * 3600.0, 1, 60.0),
    ]);
    model.shifts = vec![
        Shift {
            workplace: WorkplaceId(1),
            operator: None,
            profile: ProfileId(1),
            open_secs: 9.0 * 3600.0,
            close_secs: 10.0 * 3600.0,
            breaks: Vec::new(),
        },
        Shift {
            workplace: WorkplaceId(1),
            operator: Some(talon_core::OperatorId(77)),
            profile: ProfileId(1),
            open_secs: 10.0 * 3600.0,
            close_secs: 17.0 * 3600.0,
            breaks: Vec::new(),
        },
    ];
    let rep = Simulator::new(&model).unwrap().replication(1, 0);
    assert!(rep.refusals.is_empty(), "{:?}", rep.refusals);
    // The first visitor keeps the counter until 10:15; the second is called then.
    assert_eq!(rep.visits[1].wait_secs, Some(900.0));
    assert_eq!(rep.workplaces[0].served, 2);
}

/// Exactly, but for serde_json's default float parsing, which may land a rate one unit in the
/// last place away.
#[test]
fn a_model_travels_as_json() {
    let rates = |m: &Model| -> Vec<f64> {
        match &m.arrivals {
            Arrivals::Poisson { streams, .. } => {
                streams.iter().flat_map(|s| s.per_hour.clone()).collect()
            }
            Arrivals::Recorded { .. } => Vec::new(),
        }
    };
    let day = day(vec![visitor(9.5 * 3600.0, 2, 61.5)]);
    for model in [sample::bank(6), sample::mmc(3, 36.0, 240.0, 8, 60), day] {
        let json = serde_json::to_string(&model).unwrap();
        let mut back: Model = serde_json::from_str(&json).unwrap();
        for (a, b) in rates(&back).iter().zip(rates(&model)) {
            assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} {b}");
        }
        if let (Arrivals::Poisson { streams: a, .. }, Arrivals::Poisson { streams: b, .. }) =
            (&mut back.arrivals, &model.arrivals)
        {
            for (a, b) in a.iter_mut().zip(b) {
                a.per_hour.clone_from(&b.per_hour);
            }
        }
        assert_eq!(back, model);
    }
    let refused = serde_json::from_str::<Model>(r#"{"branch": {}, "surprise": 1}"#);
    assert!(refused.is_err());
}
