//! Staffing plans: each interval gets the least workplaces that meet the target, the CSV is
//! well formed, and the booking split holds both streams' targets.

use talon_plan::{
    Booked, BookingRequest, Interval, IntervalCount, PlanError, Queue, StaffingRequest, Target,
    plan_booking_split, plan_staffing,
};

fn day(counts: &[f64]) -> Vec<IntervalCount> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &count)| IntervalCount {
            start_minute: 8 * 60 + 30 * i as u32,
            count,
        })
        .collect()
}

fn request() -> StaffingRequest {
    StaffingRequest {
        service_secs: 420.0,
        target_secs: 300.0,
        target_level: 0.8,
        patience_secs: None,
        max_abandon: None,
        shrinkage: None,
    }
}

#[test]
fn each_interval_gets_the_least_workplaces_that_meet_the_target() {
    let arrivals = day(&[0.0, 3.0, 12.5, 40.0, 18.0]);
    let plan = plan_staffing(&arrivals, Interval::Minutes30, &request()).unwrap();
    assert_eq!(plan.rows.len(), 5);
    assert_eq!(plan.rows[0].required, 0);
    assert_eq!(plan.rows[0].service_level, 1.0);
    for (row, slot) in plan.rows.iter().zip(&arrivals).skip(1) {
        let queue = Queue {
            arrivals_per_hour: slot.count * 2.0,
            service_secs: 420.0,
            patience_secs: None,
        };
        assert!(row.service_level >= 0.8);
        assert!(queue.performance(row.required - 1, 300.0).service_level < 0.8);
        assert_eq!(row.p_abandon, None);
        assert_eq!(row.scheduled, None);
    }
    assert!(plan.rows[3].required > plan.rows[2].required);
}

#[test]
fn patience_and_shrinkage_shape_the_plan() {
    let arrivals = day(&[30.0, 60.0]);
    let patient = StaffingRequest {
        patience_secs: Some(600.0),
        max_abandon: Some(0.02),
        shrinkage: Some(0.3),
        ..request()
    };
    let plan = plan_staffing(&arrivals, Interval::Minutes30, &patient).unwrap();
    for row in &plan.rows {
        assert!(row.service_level >= 0.8);
        assert!(row.p_abandon.unwrap() <= 0.02);
        let scheduled = row.scheduled.unwrap();
        assert!(f64::from(scheduled) * 0.7 >= f64::from(row.required) - 1e-9);
        assert!(f64::from(scheduled - 1) * 0.7 < f64::from(row.required));
    }
    let csv = plan.to_csv();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "start,arrivals,required,scheduled,service_level,p_wait,mean_wait_secs,p_abandon"
    );
    assert_eq!(
        lines.len(),
        4,
        "header, two rows, and the empty rest after the last CRLF"
    );
    assert!(lines[1].starts_with("08:00,30.00,"));
    assert_eq!(lines[1].split(',').count(), 8);
    assert_eq!(lines[3], "");

    let plain = plan_staffing(&arrivals, Interval::Minutes30, &request()).unwrap();
    let row = plain.to_csv();
    let first = row.split("\r\n").nth(1).unwrap();
    assert!(
        first.ends_with(','),
        "absent figures are empty fields: {first}"
    );
}

#[test]
fn plans_refuse_bad_input_by_name() {
    let field_of = |result: Result<talon_plan::StaffingPlan, PlanError>| match result {
        Err(PlanError::InvalidField { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let arrivals = day(&[1.0]);
    assert_eq!(
        field_of(plan_staffing(
            &day(&[f64::NAN]),
            Interval::Minutes30,
            &request()
        )),
        "arrivals"
    );
    for (bad, field) in [
        (
            StaffingRequest {
                service_secs: -1.0,
                ..request()
            },
            "service_secs",
        ),
        (
            StaffingRequest {
                target_level: 0.0,
                ..request()
            },
            "target_level",
        ),
        (
            StaffingRequest {
                patience_secs: Some(0.0),
                ..request()
            },
            "patience_secs",
        ),
        (
            StaffingRequest {
                max_abandon: Some(2.0),
                ..request()
            },
            "max_abandon",
        ),
        (
            StaffingRequest {
                shrinkage: Some(-0.5),
                ..request()
            },
            "shrinkage",
        ),
    ] {
        assert_eq!(
            field_of(plan_staffing(&arrivals, Interval::Minutes30, &bad)),
            field
        );
    }
}

fn booking(booked: Booked) -> BookingRequest {
    BookingRequest {
        service_secs: 600.0,
        booked,
        booked_target: Target {
            target_secs: 300.0,
            level: 0.9,
            max_abandon: None,
        },
        walk_in_target: Target {
            target_secs: 900.0,
            level: 0.8,
            max_abandon: None,
        },
        patience_secs: None,
        shrinkage: Some(0.2),
    }
}

#[test]
fn booking_split_holds_both_targets() {
    let arrivals = day(&[10.0, 24.0, 0.0, 16.0]);
    let plan = plan_booking_split(
        &arrivals,
        Interval::Minutes60,
        &booking(Booked::Share(0.25)),
    )
    .unwrap();
    for (row, slot) in plan.rows.iter().zip(&arrivals) {
        assert!((row.booked + row.walk_ins - slot.count).abs() < 1e-12);
        assert_eq!(
            row.total_workplaces,
            row.booked_workplaces + row.walk_in_workplaces
        );
        if row.booked > 0.0 {
            assert!(row.booked_service_level >= 0.9);
        }
        if row.walk_ins > 0.0 {
            assert!(row.walk_in_service_level >= 0.8);
        }
        assert!(row.scheduled.unwrap() >= row.total_workplaces);
    }
    assert_eq!(plan.rows[2].total_workplaces, 0);
    // The booked stream's tighter target costs it more capacity per visitor than walk-ins.
    let busy = &plan.rows[1];
    assert!(
        f64::from(busy.booked_workplaces) / busy.booked
            >= f64::from(busy.walk_in_workplaces) / busy.walk_ins
    );
    let csv = plan.to_csv();
    assert!(csv.starts_with("start,booked,walk_ins,booked_workplaces,"));
    assert_eq!(csv.matches("\r\n").count(), 5);
}

#[test]
fn booked_counts_per_interval() {
    let arrivals = day(&[10.0, 6.0]);
    let plan = plan_booking_split(
        &arrivals,
        Interval::Minutes60,
        &booking(Booked::Counts(vec![4.0, 9.0])),
    )
    .unwrap();
    assert_eq!(plan.rows[0].walk_ins, 6.0);
    // More booked than forecast: the forecast was low, walk-ins are planned at none.
    assert_eq!(plan.rows[1].booked, 9.0);
    assert_eq!(plan.rows[1].walk_ins, 0.0);
    assert_eq!(plan.rows[1].walk_in_workplaces, 0);

    for bad in [
        Booked::Counts(vec![1.0]),
        Booked::Counts(vec![1.0, -1.0]),
        Booked::Share(1.5),
    ] {
        assert!(matches!(
            plan_booking_split(&arrivals, Interval::Minutes60, &booking(bad)),
            Err(PlanError::InvalidField {
                field: "booked",
                ..
            })
        ));
    }
    let bad_target = BookingRequest {
        walk_in_target: Target {
            target_secs: 900.0,
            level: 1.0,
            max_abandon: None,
        },
        ..booking(Booked::Share(0.5))
    };
    match plan_booking_split(&arrivals, Interval::Minutes60, &bad_target) {
        Err(PlanError::InvalidField { field, reason }) => {
            assert_eq!(field, "walk_in_target");
            assert!(reason.starts_with("level"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn requests_and_plans_travel_as_json() {
    let request: BookingRequest = serde_json::from_str(
        r#"{"service_secs":600,"booked":{"share":0.3},
            "booked_target":{"target_secs":300,"level":0.9},
            "walk_in_target":{"target_secs":900,"level":0.8}}"#,
    )
    .unwrap();
    assert_eq!(request.booked, Booked::Share(0.3));
    let plan = plan_booking_split(&day(&[12.0]), Interval::Minutes15, &request).unwrap();
    let json = serde_json::to_string(&plan).unwrap();
    let back: talon_plan::SplitPlan = serde_json::from_str(&json).unwrap();
    // serde_json reads decimals back to within a unit in the last place, not always exactly.
    let (a, b) = (&back.rows[0], &plan.rows[0]);
    assert_eq!(back.interval, plan.interval);
    assert_eq!(a.total_workplaces, b.total_workplaces);
    assert!((a.booked_service_level - b.booked_service_level).abs() < 1e-12);
    assert!(
        serde_json::from_str::<StaffingRequest>(
            r#"{"service_secs":1,"target_secs":1,"target_level":0.5,"servers":3}"#
        )
        .is_err()
    );
}
