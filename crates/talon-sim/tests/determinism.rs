//! The same seed gives the same result bit for bit, and two configurations run on one seed see
//! the same visitors (common random numbers).

use talon_core::WorkplaceId;
use talon_sim::{Simulator, compare, sample, simulate};

#[test]
fn the_same_seed_gives_the_same_result_bit_for_bit() {
    let model = sample::bank(8);
    let a = Simulator::new(&model).unwrap().replication(99, 4);
    let b = Simulator::new(&model).unwrap().replication(99, 4);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    let bits = |r: &talon_sim::Replication| -> Vec<u64> {
        r.visits
            .iter()
            .flat_map(|v| {
                [
                    v.arrival_secs.to_bits(),
                    v.wait_secs.unwrap_or(-1.0).to_bits(),
                ]
            })
            .collect()
    };
    assert_eq!(bits(&a), bits(&b));
    assert!(
        a.engine_events > 0 && a.refusals.is_empty(),
        "{:?}",
        a.refusals
    );
    let s1 = serde_json::to_string(&simulate(&model, 5, 1).unwrap()).unwrap();
    let s2 = serde_json::to_string(&simulate(&model, 5, 1).unwrap()).unwrap();
    assert_eq!(s1, s2);
    let other = Simulator::new(&model).unwrap().replication(100, 4);
    assert_ne!(bits(&a), bits(&other), "another seed, other visitors");
}

#[test]
fn identical_configurations_differ_by_exactly_nothing() {
    let model = sample::bank(8);
    let c = compare(&model, &model.clone(), 12, 5).unwrap();
    let d = &c.difference;
    for e in [
        d.wait_mean_secs,
        d.wait_p90_secs,
        d.wait_max_secs,
        d.service_level,
        d.abandonment,
        d.throughput,
    ] {
        assert_eq!((e.mean, e.half_width, e.n), (0.0, 0.0, 12), "{d:?}");
    }
    assert!(d.intervals.iter().all(|i| i.service_level.mean == 0.0));
    assert!(d.workplaces.iter().all(|w| w.utilisation.mean == 0.0));
}

#[test]
fn another_configuration_sees_the_same_visitors() {
    let model = sample::bank(8);
    let mut fewer = model.clone();
    fewer.shifts.retain(|s| s.workplace != WorkplaceId(2));
    fewer.walk_secs = 40.0;
    let a = Simulator::new(&model).unwrap().replication(17, 2);
    let b = Simulator::new(&fewer).unwrap().replication(17, 2);
    let who = |r: &talon_sim::Replication| -> Vec<(u64, u64, Option<u64>)> {
        r.visits
            .iter()
            .map(|v| {
                (
                    v.arrival_secs.to_bits(),
                    v.service.0,
                    v.category.map(|c| c.0),
                )
            })
            .collect()
    };
    assert_eq!(who(&a), who(&b));
    assert_ne!(a.calls, b.calls, "yet the day differs");
}
