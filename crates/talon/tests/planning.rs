//! The planning API against the real binary: its figures are `talon-plan`'s and `talon-sim`'s
//! called directly, its refusals are the JSON errors with stable codes, only managers and
//! administrators may use it, and a simulation's seed fixes its answer.

mod common;

use common::{Demo, reply};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use talon_plan::{
    ErlangQuery, Interval, aggregate, backtest, default_models, parse_counts, plan_staffing,
};

/// The shared bank data beside the repository (`../shared/data` from its root).
fn bank_calls() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/bank_calls_5min_2003.csv");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the planning tests need the shared data file {}: {e}",
            path.display()
        )
    })
}

/// A manager of the demo's branch, signed in.
async fn manager(demo: &Demo, admin: &str) -> String {
    demo.post(
        "/users",
        Some(admin),
        json!({"username": "planner", "password": "long enough", "role": "manager",
               "branch": demo.branch()}),
    )
    .await
    .expect(201);
    demo.login("planner", "long enough").await
}

/// A value as a client reads it from the server's JSON text: the same text parses the same.
fn as_read<T: serde::Serialize>(value: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

fn close(a: f64, b: &Value) -> bool {
    let b = b.as_f64().unwrap_or(f64::NAN);
    (a - b).abs() <= 1e-12 * a.abs().max(1.0)
}

#[tokio::test]
async fn erlang_answers_as_the_formulas_and_refuses_what_they_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let manager = manager(&demo, &admin).await;

    let queries = [
        json!({"arrivals_per_hour": 120.0, "service_secs": 180.0, "target_secs": 20.0,
               "target_level": 0.8}),
        json!({"arrivals_per_hour": 120.0, "service_secs": 180.0, "target_secs": 20.0,
               "servers": 8}),
        json!({"arrivals_per_hour": 300.0, "service_secs": 240.0, "target_secs": 60.0,
               "target_level": 0.9, "patience_secs": 300.0, "shrinkage": 0.3}),
    ];
    for body in queries {
        let direct: ErlangQuery = serde_json::from_value(body.clone()).unwrap();
        let expected = direct.answer().unwrap();
        let got = demo
            .post("/planning/erlang", Some(&manager), body.clone())
            .await
            .expect(200)
            .clone();
        assert_eq!(got["servers"], expected.servers, "{body}");
        assert!(close(expected.p_wait, &got["p_wait"]), "{got}");
        assert!(
            close(expected.service_level, &got["service_level"]),
            "{got}"
        );
        assert!(
            close(expected.mean_wait_secs, &got["mean_wait_secs"]),
            "{got}"
        );
        match expected.p_abandon {
            Some(p) => assert!(close(p, &got["p_abandon"]), "{got}"),
            None => assert!(got.get("p_abandon").is_none(), "{got}"),
        }
        assert_eq!(
            got.get("scheduled").and_then(Value::as_u64),
            expected.scheduled.map(u64::from)
        );
    }
    // The least servers for a level: one fewer does not reach it.
    let least = demo
        .post(
            "/planning/erlang",
            Some(&manager),
            json!({"arrivals_per_hour": 120.0, "service_secs": 180.0, "target_secs": 20.0,
                   "target_level": 0.8}),
        )
        .await
        .expect(200)["servers"]
        .as_u64()
        .unwrap();
    let fewer = demo
        .post(
            "/planning/erlang",
            Some(&manager),
            json!({"arrivals_per_hour": 120.0, "service_secs": 180.0, "target_secs": 20.0,
                   "servers": least - 1}),
        )
        .await
        .expect(200)["service_level"]
        .as_f64()
        .unwrap();
    assert!(
        fewer < 0.8,
        "{least} − 1 servers already reach 80%: {fewer}"
    );

    // An unstable queue has no finite mean wait.
    let unstable = demo
        .post(
            "/planning/erlang",
            Some(&manager),
            json!({"arrivals_per_hour": 120.0, "service_secs": 180.0, "target_secs": 20.0,
                   "servers": 5}),
        )
        .await;
    assert!(
        unstable.expect(200)["mean_wait_secs"].is_null(),
        "{}",
        unstable.text
    );

    for (body, code, field) in [
        (
            json!({"arrivals_per_hour": 1.0, "service_secs": 1.0, "target_secs": 1.0,
                   "servers": 2, "target_level": 0.8}),
            "validation_failed",
            "servers",
        ),
        (
            json!({"arrivals_per_hour": 1.0, "service_secs": 1.0, "target_secs": 1.0}),
            "validation_failed",
            "target_level",
        ),
        (
            json!({"arrivals_per_hour": -1.0, "service_secs": 1.0, "target_secs": 1.0,
                   "servers": 2}),
            "validation_failed",
            "arrivals_per_hour",
        ),
        (
            json!({"arrivals_per_hour": 1.0, "service_secs": 1.0, "target_secs": 1.0,
                   "servers": 2, "colour": "red"}),
            "validation_failed",
            "colour",
        ),
    ] {
        let refused = demo.post("/planning/erlang", Some(&manager), body).await;
        refused.expect_error(422, code);
        assert!(
            refused.body["error"]["field"]
                .as_str()
                .is_some_and(|f| f.contains(field)),
            "{}",
            refused.text
        );
    }
}

#[tokio::test]
async fn only_managers_and_administrators_plan() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let manager = manager(&demo, &admin).await;
    let operator = demo.operator(0).await;
    let body = json!({"arrivals_per_hour": 60.0, "service_secs": 120.0, "target_secs": 30.0,
                      "servers": 3});
    demo.post("/planning/erlang", None, body.clone())
        .await
        .expect_error(401, "unauthorized");
    for refused in [&operator, demo.kiosk(), demo.display()] {
        demo.post("/planning/erlang", Some(refused), body.clone())
            .await
            .expect_error(403, "forbidden");
    }
    for allowed in [&admin, &manager] {
        demo.post("/planning/erlang", Some(allowed), body.clone())
            .await
            .expect(200);
    }
    let sim = json!({"sample": {"kind": "bank", "workplaces": 4}, "replications": 1});
    demo.post("/planning/simulate", Some(&operator), sim)
        .await
        .expect_error(403, "forbidden");
}

#[tokio::test]
async fn a_plan_from_the_bank_data_is_the_chosen_models_forecast_sized_by_erlang() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let csv = bank_calls();
    let body = json!({"csv": csv, "interval": 60, "service_secs": 300.0, "target_secs": 20.0,
                      "target_level": 0.8});
    let answer = demo
        .post("/planning/plan", Some(&admin), body.clone())
        .await
        .expect(200)
        .clone();

    // The same work done directly.
    let series = aggregate(&parse_counts(&csv).unwrap(), Interval::Minutes60).unwrap();
    let report = backtest(&series, &default_models(), 20, &BTreeSet::new()).unwrap();
    assert_eq!(answer["model"], report.chosen.as_str());
    for (got, want) in answer["backtest"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&report.scores)
    {
        assert_eq!(got["model"], want.model.as_str());
        assert!(close(want.wape_percent, &got["wape_percent"]), "{got}");
    }
    let model = default_models()
        .into_iter()
        .find(|m| m.name() == report.chosen)
        .unwrap();
    let last = series.days.last().unwrap().date;
    // The data are weekdays; the last day is a Friday, so the plan is for the Monday after.
    let date = last.plus_days(3);
    assert_eq!(answer["date"], date.to_string());
    let forecast = model.forecast(&series.days, date).unwrap();
    let request = serde_json::from_value(json!({"service_secs": 300.0, "target_secs": 20.0,
                                                "target_level": 0.8}))
    .unwrap();
    let plan = plan_staffing(&forecast.counts, Interval::Minutes60, &request).unwrap();
    let rows = answer["rows"].as_array().unwrap();
    assert_eq!(rows.len(), plan.rows.len());
    assert!(
        rows.len() >= 12,
        "a bank day has at least twelve hours: {rows:?}"
    );
    for (got, want) in rows.iter().zip(&plan.rows) {
        assert_eq!(got["start_minute"], want.start_minute);
        assert_eq!(got["required"], want.required);
        assert!(close(want.arrivals, &got["arrivals"]), "{got}");
        assert!(got["service_level"].as_f64().unwrap() >= 0.8, "{got}");
    }
    assert_eq!(answer["history"].as_array().unwrap().len(), 15);

    // The same plan as CSV, by the query and by the Accept header.
    for request in [
        demo.request(Method::POST, "/planning/plan?format=csv", Some(&admin))
            .json(&body),
        demo.request(Method::POST, "/planning/plan", Some(&admin))
            .header("accept", "text/csv")
            .json(&body),
    ] {
        let exported = reply(request).await;
        assert_eq!(exported.status, 200, "{}", exported.text);
        assert!(
            exported.content_type.starts_with("text/csv"),
            "{}",
            exported.content_type
        );
        assert_eq!(exported.text, plan.to_csv());
    }
}

#[tokio::test]
async fn a_plan_refuses_unreadable_or_short_histories() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let plan = |csv: &str, interval: u32| {
        json!({"csv": csv, "interval": interval, "service_secs": 300.0, "target_secs": 20.0,
               "target_level": 0.8})
    };
    let cases = [
        (
            plan("timestamp,count\n2003-03-03T07:00:00Z,many\n", 60),
            "invalid_csv",
        ),
        (
            plan("timestamp,count\n2003-03-03T07:00:00Z,3\n", 60),
            "not_enough_history",
        ),
        (
            plan("timestamp,count\n2003-03-03T07:00:00Z,3\n", 45),
            "validation_failed",
        ),
    ];
    for (body, code) in cases {
        demo.post("/planning/plan", Some(&admin), body)
            .await
            .expect_error(422, code);
    }
}

#[tokio::test]
async fn a_simulation_is_the_simulators_own_and_its_seed_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let sample = json!({"kind": "mmc", "servers": 2, "per_hour": 20.0, "service_secs": 300.0,
                        "hours": 2, "target_secs": 60});
    let body = json!({"sample": sample, "replications": 8, "seed": 42});
    let first = demo
        .post("/planning/simulate", Some(&admin), body.clone())
        .await
        .expect(200)
        .clone();
    let again = demo
        .post("/planning/simulate", Some(&admin), body)
        .await
        .expect(200)
        .clone();
    assert_eq!(first, again, "the same seed gives the same answer");
    let direct =
        talon_sim::simulate(&talon_sim::sample::mmc(2, 20.0, 300.0, 2, 60), 8, 42).unwrap();
    assert_eq!(first["summary"], as_read(&direct));
    let other_seed = demo
        .post(
            "/planning/simulate",
            Some(&admin),
            json!({"sample": sample, "replications": 8, "seed": 43}),
        )
        .await
        .expect(200)
        .clone();
    assert_ne!(first["summary"], other_seed["summary"]);

    // What-if: a third workplace, on the same visitors.
    let mut three = sample.clone();
    three["servers"] = json!(3);
    let what_if = demo
        .post(
            "/planning/simulate",
            Some(&admin),
            json!({"sample": sample, "what_if_sample": three, "replications": 8, "seed": 42}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(what_if["summary"], first["summary"]);
    assert_eq!(
        what_if["what_if"]["issued"]["mean"], first["summary"]["issued"]["mean"],
        "the same visitors come to both"
    );
    let (two, three) = (
        what_if["summary"]["wait_mean_secs"]["mean"]
            .as_f64()
            .unwrap(),
        what_if["what_if"]["wait_mean_secs"]["mean"]
            .as_f64()
            .unwrap(),
    );
    assert!(
        three < two,
        "a third workplace shortens the wait: {three} vs {two}"
    );
    assert!(
        what_if["difference"]["wait_mean_secs"]["mean"]
            .as_f64()
            .unwrap()
            < 0.0
    );

    // A model in talon-sim's own JSON form.
    let model = serde_json::to_value(talon_sim::sample::bank(3)).unwrap();
    let bank = demo
        .post(
            "/planning/simulate",
            Some(&admin),
            json!({"model": model, "replications": 2, "seed": 7}),
        )
        .await
        .expect(200)
        .clone();
    let direct = talon_sim::simulate(&talon_sim::sample::bank(3), 2, 7).unwrap();
    assert_eq!(bank["summary"], as_read(&direct));
}

#[tokio::test]
async fn a_simulation_refuses_bad_models_and_too_much_work() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let small = json!({"kind": "bank", "workplaces": 3});
    let mut broken = serde_json::to_value(talon_sim::sample::bank(3)).unwrap();
    broken["shifts"][0]["close_secs"] = json!(-5.0);
    let mut typo = serde_json::to_value(talon_sim::sample::bank(3)).unwrap();
    typo["arrivals"]["streams"][0]["per_hour"] = json!("many");
    let huge = json!({"kind": "mmc", "servers": 50, "per_hour": 5000.0, "service_secs": 30.0,
                      "hours": 24, "target_secs": 60});
    let busy = json!({"kind": "mmc", "servers": 10, "per_hour": 200.0, "service_secs": 100.0,
                      "hours": 10, "target_secs": 60});
    let cases = [
        (json!({"replications": 2}), "validation_failed", "model"),
        (
            json!({"sample": small, "replications": 0}),
            "validation_failed",
            "replications",
        ),
        (
            json!({"sample": small, "model": broken, "replications": 1}),
            "validation_failed",
            "sample",
        ),
        (
            json!({"model": broken, "replications": 1}),
            "invalid_model",
            "model.shifts",
        ),
        (
            json!({"model": typo, "replications": 1}),
            "validation_failed",
            "model.arrivals",
        ),
        (
            json!({"sample": huge, "replications": 1}),
            "simulation_too_large",
            "model.arrivals",
        ),
        (
            json!({"sample": busy, "replications": 200}),
            "simulation_too_large",
            "replications",
        ),
    ];
    for (body, code, field) in cases {
        let refused = demo.post("/planning/simulate", Some(&admin), body).await;
        refused.expect_error(422, code);
        assert!(
            refused.body["error"]["field"]
                .as_str()
                .is_some_and(|f| f.starts_with(field)),
            "{field}: {}",
            refused.text
        );
    }
}

#[tokio::test]
async fn a_plan_reads_its_history_from_the_branchs_log_and_only_for_its_staff() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    let manager = manager(&demo, &admin).await;
    let (a, b) = (demo.service("A"), demo.service("B"));
    let plan = |service: Option<u64>| {
        json!({"branch": demo.branch(), "service": service, "service_secs": 300.0,
               "target_secs": 60.0, "target_level": 0.8})
    };
    let message = |reply: &common::Reply| reply.body["error"]["message"].to_string();

    let empty = demo
        .post("/planning/plan", Some(&manager), plan(None))
        .await;
    empty.expect_error(422, "not_enough_history");
    assert!(message(&empty).contains("no day"), "{}", empty.text);

    for _ in 0..3 {
        demo.issue(a).await;
    }
    // Today's tickets are one day of history: read, but too short to backtest.
    let one_day = demo
        .post("/planning/plan", Some(&manager), plan(None))
        .await;
    one_day.expect_error(422, "not_enough_history");
    assert!(message(&one_day).contains("1 days"), "{}", one_day.text);
    let same = demo
        .post("/planning/plan", Some(&manager), plan(Some(a)))
        .await;
    assert!(message(&same).contains("1 days"), "{}", same.text);
    // Another service's tickets are not this one's history.
    let none = demo
        .post("/planning/plan", Some(&manager), plan(Some(b)))
        .await;
    none.expect_error(422, "not_enough_history");
    assert!(message(&none).contains("no day"), "{}", none.text);

    // A manager of another branch may not read this one's log.
    let manager_b = {
        demo.post(
            "/users",
            Some(&admin),
            json!({"username": "planner-b", "password": "long enough", "role": "manager",
                   "branch": other.id}),
        )
        .await
        .expect(201);
        demo.login("planner-b", "long enough").await
    };
    demo.post("/planning/plan", Some(&manager_b), plan(None))
        .await
        .expect_error(403, "forbidden");

    let mut both = plan(None);
    both["csv"] = json!("timestamp,count\n");
    demo.post("/planning/plan", Some(&admin), both)
        .await
        .expect_error(422, "validation_failed");
    let neither = json!({"service_secs": 300.0, "target_secs": 60.0, "target_level": 0.8});
    demo.post("/planning/plan", Some(&admin), neither)
        .await
        .expect_error(422, "validation_failed");
    let mut unknown = plan(None);
    unknown["branch"] = json!(999_999);
    demo.post("/planning/plan", Some(&admin), unknown)
        .await
        .expect_error(404, "branch_not_found");
}

#[tokio::test]
async fn a_simulation_runs_a_branchs_live_configuration_for_its_staff() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    let manager = manager(&demo, &admin).await;
    let a = demo.service("A");
    // A Monday, three hours of arrivals from 9:00, one workplace against two.
    let day = |workplaces: u64| {
        json!({"branch": demo.branch(), "date": "2026-12-07", "workplaces": workplaces,
               "close_secs": 13.0 * 3600.0,
               "arrivals": [{"service": a, "per_hour": [12.0, 12.0, 12.0]}]})
    };
    let body = json!({"branch": day(1), "what_if_branch": day(2), "replications": 4, "seed": 3});
    let answer = demo
        .post("/planning/simulate", Some(&manager), body.clone())
        .await
        .expect(200)
        .clone();
    let again = demo
        .post("/planning/simulate", Some(&manager), body)
        .await
        .expect(200)
        .clone();
    assert_eq!(answer, again, "the same seed gives the same answer");
    let (one, two) = (&answer["summary"], &answer["what_if"]);
    assert!(one["issued"]["mean"].as_f64().unwrap() > 10.0, "{one}");
    assert_eq!(
        one["issued"], two["issued"],
        "the same visitors come to both"
    );
    let busy = |summary: &Value| {
        summary["workplaces"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["utilisation"]["mean"].as_f64().is_some_and(|u| u > 0.0))
            .count()
    };
    assert_eq!((busy(one), busy(two)), (1, 2), "{answer}");
    assert!(
        two["wait_mean_secs"]["mean"].as_f64().unwrap()
            < one["wait_mean_secs"]["mean"].as_f64().unwrap(),
        "a second workplace shortens the wait: {answer}"
    );

    let manager_b = {
        demo.post(
            "/users",
            Some(&admin),
            json!({"username": "planner-b", "password": "long enough", "role": "manager",
                   "branch": other.id}),
        )
        .await
        .expect(201);
        demo.login("planner-b", "long enough").await
    };
    demo.post(
        "/planning/simulate",
        Some(&manager_b),
        json!({"branch": day(1), "replications": 1}),
    )
    .await
    .expect_error(403, "forbidden");
    let none_open = demo
        .post(
            "/planning/simulate",
            Some(&manager),
            json!({"branch": day(0), "replications": 1}),
        )
        .await;
    none_open.expect_error(422, "validation_failed");
    assert_eq!(none_open.body["error"]["field"], "branch.workplaces");
}
