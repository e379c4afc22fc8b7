//! Checks of the queueing formulas against closed forms, an independent direct summation,
//! the standard Erlang B table and a numeric solution of the M/M/n+M birth–death chain.

use talon_plan::{
    ErlangQuery, MAX_SERVERS, PlanError, Queue, Target, erlang_b, erlang_c,
    erlang_c_wait_quantile_secs, scheduled_servers,
};

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(f64::MIN_POSITIVE)
}

macro_rules! assert_close {
    ($got:expr, $want:expr, $rel:expr) => {{
        let (got, want) = ($got, $want);
        assert!(
            close(got, want, $rel),
            "{} = {got:e}, want {want:e} (relative {:e})",
            stringify!($got),
            ((got - want) / want).abs()
        );
    }};
}

/// Erlang C by the textbook sum `Σ_{k<n} a^k/k! + a^n/n!·n/(n−a)`, each term built as a
/// product so nothing overflows for the sizes used here. An independent route to the same
/// numbers as the library's recursion.
fn erlang_c_by_summation(n: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut below = 0.0;
    for k in 0..n {
        below += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(n) / (f64::from(n) - a);
    top / (below + top)
}

fn erlang_b_by_summation(n: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=n {
        term *= a / f64::from(k);
        sum += term;
    }
    term / sum
}

fn queue(arrivals_per_hour: f64, service_secs: f64, patience_secs: Option<f64>) -> Queue {
    Queue {
        arrivals_per_hour,
        service_secs,
        patience_secs,
    }
}

#[test]
fn mm1_matches_its_closed_form() {
    // λ = 10/h, service 300 s: ρ = 5/6, μ − λ = 1/300 − 1/360 per second.
    let q = queue(10.0, 300.0, None);
    let rho = 10.0 * 300.0 / 3600.0;
    let (lambda, mu) = (10.0 / 3600.0, 1.0 / 300.0);
    for t in [0.0, 30.0, 600.0] {
        let perf = q.performance(1, t);
        assert_close!(perf.p_wait, rho, 1e-12);
        assert_close!(perf.mean_wait_secs, rho / (mu - lambda), 1e-12);
        assert_close!(
            perf.service_level,
            1.0 - rho * (-(mu - lambda) * t).exp(),
            1e-12
        );
        assert_eq!(perf.p_abandon, None);
    }
}

#[test]
fn mm2_matches_its_closed_form() {
    // C(2, a) = a²/(2 + a), Wq = C/(2μ − λ).
    for (per_hour, service) in [(20.0, 240.0), (35.0, 180.0), (1.0, 60.0)] {
        let q = queue(per_hour, service, None);
        let a = q.offered_load();
        let c = a * a / (2.0 + a);
        let (lambda, mu) = (per_hour / 3600.0, 1.0 / service);
        let perf = q.performance(2, 20.0);
        assert_close!(perf.p_wait, c, 1e-12);
        assert_close!(perf.mean_wait_secs, c / (2.0 * mu - lambda), 1e-12);
        assert_close!(
            perf.service_level,
            1.0 - c * (-(2.0 * mu - lambda) * 20.0).exp(),
            1e-12
        );
    }
}

#[test]
fn recursion_agrees_with_direct_summation() {
    for n in 1..=80u32 {
        for load_share in [0.05, 0.3, 0.7, 0.9, 0.99] {
            let a = load_share * f64::from(n);
            assert_close!(erlang_b(n, a), erlang_b_by_summation(n, a), 1e-12);
            assert_close!(erlang_c(n, a), erlang_c_by_summation(n, a), 1e-12);
        }
    }
}

/// The standard Erlang B table at 1 % blocking (as printed in traffic engineering handbooks
/// and reproduced e.g. on Wikipedia's "Erlang (unit)" page) gives the load to three decimals:
/// the true load lies within half a unit of the last place.
#[test]
fn erlang_b_reproduces_the_one_percent_table() {
    for (n, table_load) in [
        (1, 0.0101),
        (2, 0.153),
        (5, 1.361),
        (10, 4.461),
        (20, 12.031),
        (50, 37.901),
        (100, 84.064),
    ] {
        let half_unit = if n == 1 { 0.000_05 } else { 0.000_5 };
        assert!(erlang_b(n, table_load - half_unit) <= 0.01, "{n} servers");
        assert!(erlang_b(n, table_load + half_unit) >= 0.01, "{n} servers");
    }
}

/// The worked example reproduced in many call-centre guides: 360 calls per half hour, 4 minutes
/// each (48 erlangs), 55 agents, a 15 s target. The reference figures are computed here by
/// direct summation (rounded: 23.87 % wait, 8.18 s mean wait, 84.59 % within 15 s); the guides'
/// printed figures could not be checked offline, so only the summation is relied on.
#[test]
fn classic_worked_example() {
    let q = queue(720.0, 240.0, None);
    assert_close!(q.offered_load(), 48.0, 1e-15);
    let c = erlang_c_by_summation(55, 48.0);
    let perf = q.performance(55, 15.0);
    assert_close!(perf.p_wait, c, 1e-12);
    assert_close!(perf.mean_wait_secs, c * 240.0 / 7.0, 1e-12);
    assert_close!(
        perf.service_level,
        1.0 - c * (-7.0 * 15.0 / 240.0_f64).exp(),
        1e-12
    );
    assert!((perf.p_wait - 0.2387).abs() < 5e-5);
    assert!((perf.mean_wait_secs - 8.18).abs() < 5e-3);
    assert!((perf.service_level - 0.8459).abs() < 5e-5);
}

#[test]
fn wait_quantiles() {
    let (n, a, s) = (55, 48.0, 240.0);
    let c = erlang_c(n, a);
    // Those who never wait make up the lower 1 − C of the distribution.
    assert_eq!(erlang_c_wait_quantile_secs(n, a, s, 0.5), 0.0);
    assert_eq!(erlang_c_wait_quantile_secs(n, a, s, 1.0 - c), 0.0);
    let q = queue(720.0, 240.0, None);
    for p in [0.8, 0.9, 0.95, 0.99] {
        let t = erlang_c_wait_quantile_secs(n, a, s, p);
        assert!(t > 0.0);
        assert_close!(q.performance(n, t).service_level, p, 1e-12);
    }
    assert_eq!(erlang_c_wait_quantile_secs(40, 48.0, s, 0.5), f64::INFINITY);
}

#[test]
fn an_unstable_erlang_c_system_says_so() {
    let q = queue(720.0, 240.0, None);
    for n in [1, 47, 48] {
        let perf = q.performance(n, 20.0);
        assert!(!q.is_stable(n));
        assert_eq!(perf.p_wait, 1.0);
        assert_eq!(perf.mean_wait_secs, f64::INFINITY);
        assert_eq!(perf.service_level, 0.0);
    }
    assert!(q.is_stable(49));
}

#[test]
fn least_servers_sit_on_the_boundary() {
    let cases = [
        (queue(720.0, 240.0, None), 20.0, 0.8, None),
        (queue(30.0, 300.0, None), 60.0, 0.9, None),
        (queue(6000.0, 180.0, None), 20.0, 0.8, None),
        (queue(720.0, 240.0, Some(180.0)), 20.0, 0.8, None),
        (queue(6000.0, 180.0, Some(120.0)), 20.0, 0.9, Some(0.01)),
        (queue(12.0, 900.0, Some(600.0)), 300.0, 0.95, Some(0.02)),
    ];
    for (q, target_secs, level, max_abandon) in cases {
        let target = Target {
            target_secs,
            level,
            max_abandon,
        };
        let n = q.least_servers(&target).unwrap();
        let meets = |n: u32| {
            let perf = q.performance(n, target_secs);
            perf.service_level >= level
                && max_abandon.is_none_or(|max| perf.p_abandon.unwrap() <= max)
        };
        assert!(meets(n), "{q:?}: {n} should meet the target");
        assert!(!meets(n - 1), "{q:?}: {} should miss it", n - 1);
    }
    // The same example with 80 % in 20 s: 54 agents reach 0.8172, 53 only 0.7518.
    let n = queue(720.0, 240.0, None)
        .least_servers(&Target {
            target_secs: 20.0,
            level: 0.8,
            max_abandon: None,
        })
        .unwrap();
    assert_eq!(n, 54);
}

#[test]
fn least_servers_report_an_unreachable_target() {
    let q = queue(1_000_000.0, 3600.0, None);
    let target = Target {
        target_secs: 20.0,
        level: 0.8,
        max_abandon: None,
    };
    assert!(matches!(
        q.least_servers(&target),
        Err(PlanError::Unreachable {
            max_servers: MAX_SERVERS,
            ..
        })
    ));
}

/// The M/M/n+M chain solved numerically: stationary weights by the balance equations in
/// logarithms, truncated where they vanish, and the answered-late share by uniformisation of
/// the waiting customer's own pure-death process.
struct Chain {
    p_wait: f64,
    p_abandon: f64,
    mean_wait: f64,
    service_level: f64,
}

fn solve_chain(per_hour: f64, service: f64, patience: f64, n: u32, t: f64) -> Chain {
    let (lambda, mu, theta) = (per_hour / 3600.0, 1.0 / service, 1.0 / patience);
    let death = |k: usize| {
        let k = k as f64;
        let n = f64::from(n);
        k.min(n) * mu + (k - n).max(0.0) * theta
    };
    let mut ln_w = vec![0.0_f64];
    let mut k = 1;
    loop {
        let next = ln_w[k - 1] + (lambda / death(k)).ln();
        ln_w.push(next);
        let peak = ln_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if k > n as usize && next < peak - 80.0 {
            break;
        }
        k += 1;
    }
    let peak = ln_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = ln_w.iter().map(|l| (l - peak).exp()).collect();
    let total: f64 = w.iter().sum();
    let pi: Vec<f64> = w.iter().map(|x| x / total).collect();
    let n_us = n as usize;
    let queued: Vec<f64> = pi[n_us..].to_vec();
    let p_wait: f64 = queued.iter().sum();
    let mean_queue: f64 = queued.iter().enumerate().map(|(j, p)| j as f64 * p).sum();
    let p_abandon = theta * mean_queue / lambda;

    // A customer with i ahead leaves that state at rate nμ + iθ (the queue ahead moves) or θ
    // (it gives up). Eventually served from i: the product of the chances to move on first.
    let jmax = queued.len();
    let n_mu = f64::from(n) * mu;
    let mut served_from = Vec::with_capacity(jmax);
    let mut product = 1.0;
    for i in 0..jmax {
        product *= (n_mu + i as f64 * theta) / (n_mu + (i as f64 + 1.0) * theta);
        served_from.push(product);
    }
    // Still waiting at t and served later: e^{Gt} applied to `served_from`, by uniformisation.
    let big = n_mu + (jmax as f64 + 1.0) * theta;
    let mut v = served_from.clone();
    let mut late = vec![0.0; jmax];
    let lt = big * t;
    let steps = (lt + 12.0 * lt.sqrt() + 30.0) as usize;
    let mut ln_pois = -lt;
    for step in 0..=steps {
        if step > 0 {
            ln_pois += lt.ln() - (step as f64).ln();
            let mut next = vec![0.0; jmax];
            for i in 0..jmax {
                let out = n_mu + (i as f64 + 1.0) * theta;
                let moved = if i > 0 {
                    (n_mu + i as f64 * theta) / big * v[i - 1]
                } else {
                    0.0
                };
                next[i] = (1.0 - out / big) * v[i] + moved;
            }
            v = next;
        }
        let weight = ln_pois.exp();
        for i in 0..jmax {
            late[i] += weight * v[i];
        }
    }
    let answered_late: f64 = queued.iter().zip(&late).map(|(p, l)| p * l).sum();
    Chain {
        p_wait,
        p_abandon,
        mean_wait: mean_queue / lambda,
        service_level: 1.0 - p_abandon - answered_late,
    }
}

#[test]
fn erlang_a_matches_the_birth_death_chain() {
    let cases = [
        // per hour, service s, patience s, servers, target s
        (100.0, 180.0, 300.0, 5, 20.0),
        (50.0, 300.0, 120.0, 3, 30.0),
        (20.0, 600.0, 900.0, 8, 0.0),
        (1000.0, 60.0, 30.0, 10, 10.0),
        (6000.0, 180.0, 120.0, 300, 20.0),
        (6600.0, 180.0, 600.0, 300, 60.0),
        (5400.0, 180.0, 60.0, 300, 5.0),
    ];
    for (per_hour, service, patience, n, t) in cases {
        let chain = solve_chain(per_hour, service, patience, n, t);
        let perf = queue(per_hour, service, Some(patience)).performance(n, t);
        let label = format!("λ={per_hour}/h s={service} patience={patience} n={n} t={t}");
        for (name, got, want) in [
            ("p_wait", perf.p_wait, chain.p_wait),
            ("p_abandon", perf.p_abandon.unwrap(), chain.p_abandon),
            ("mean_wait", perf.mean_wait_secs, chain.mean_wait),
            ("service_level", perf.service_level, chain.service_level),
        ] {
            assert!(
                close(got, want, 1e-9),
                "{label}: {name} {got:e} vs chain {want:e}"
            );
        }
    }
}

#[test]
fn erlang_a_approaches_erlang_c_as_patience_grows() {
    for (per_hour, service, n, t) in [(720.0, 240.0, 55, 20.0), (6000.0, 180.0, 310, 20.0)] {
        let c = queue(per_hour, service, None).performance(n, t);
        let mut previous_gap = f64::INFINITY;
        for patience in [1e4, 1e6, 1e8, 1e10] {
            let a = queue(per_hour, service, Some(patience)).performance(n, t);
            let gap = (a.service_level - c.service_level).abs()
                + (a.p_wait - c.p_wait).abs()
                + (a.mean_wait_secs - c.mean_wait_secs).abs() / c.mean_wait_secs;
            assert!(gap <= previous_gap, "patience {patience}: {gap:e} grew");
            previous_gap = gap;
        }
        let a = queue(per_hour, service, Some(1e10)).performance(n, t);
        assert_close!(a.p_wait, c.p_wait, 1e-6);
        assert_close!(a.service_level, c.service_level, 1e-6);
        assert_close!(a.mean_wait_secs, c.mean_wait_secs, 1e-6);
        assert!(a.p_abandon.unwrap() < 1e-6);
    }
}

#[test]
fn erlang_a_is_finite_overloaded_and_at_scale() {
    for (per_hour, service, patience, n) in [
        (720.0, 240.0, 180.0, 10),
        (720.0, 240.0, 1e7, 40),
        (200_000.0, 180.0, 300.0, 10_000),
        (150_000.0, 180.0, 300.0, 10_000),
        (1.0, 3600.0, 10.0, 10_000),
    ] {
        let perf = queue(per_hour, service, Some(patience)).performance(n, 20.0);
        for value in [
            perf.p_wait,
            perf.p_abandon.unwrap(),
            perf.mean_wait_secs,
            perf.service_level,
        ] {
            assert!(value.is_finite() && value >= 0.0, "{perf:?}");
        }
        assert!(perf.p_wait <= 1.0 && perf.service_level <= 1.0);
    }
}

#[test]
fn queries_answer_both_ways() {
    let by_level: ErlangQuery = serde_json::from_str(
        r#"{"arrivals_per_hour":720,"service_secs":240,"target_secs":20,"target_level":0.8,
            "shrinkage":0.3}"#,
    )
    .unwrap();
    let answer = by_level.answer().unwrap();
    assert_eq!(answer.servers, 54);
    assert_eq!(answer.scheduled, Some(78));
    assert_eq!(answer.p_abandon, None);
    assert!(answer.service_level >= 0.8);

    let by_servers = ErlangQuery {
        servers: Some(54),
        target_level: None,
        shrinkage: None,
        ..by_level.clone()
    };
    let same = by_servers.answer().unwrap();
    assert_eq!(same.service_level, answer.service_level);
    assert_eq!(same.scheduled, None);

    let patient = ErlangQuery {
        patience_secs: Some(180.0),
        ..by_level.clone()
    };
    let with_abandon = patient.answer().unwrap();
    assert!(with_abandon.p_abandon.is_some());
    assert!(with_abandon.servers <= 54);

    let json = serde_json::to_value(&answer).unwrap();
    for key in [
        "servers",
        "p_wait",
        "mean_wait_secs",
        "service_level",
        "p_abandon",
        "scheduled",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn queries_name_the_field_they_refuse() {
    let good = ErlangQuery {
        arrivals_per_hour: 100.0,
        service_secs: 180.0,
        target_secs: 20.0,
        servers: Some(10),
        target_level: None,
        patience_secs: None,
        shrinkage: None,
    };
    let field_of = |q: ErlangQuery| match q.answer() {
        Err(PlanError::InvalidField { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        field_of(ErlangQuery {
            arrivals_per_hour: f64::NAN,
            ..good.clone()
        }),
        "arrivals_per_hour"
    );
    assert_eq!(
        field_of(ErlangQuery {
            service_secs: 0.0,
            ..good.clone()
        }),
        "service_secs"
    );
    assert_eq!(
        field_of(ErlangQuery {
            target_secs: -1.0,
            ..good.clone()
        }),
        "target_secs"
    );
    assert_eq!(
        field_of(ErlangQuery {
            servers: Some(MAX_SERVERS + 1),
            ..good.clone()
        }),
        "servers"
    );
    assert_eq!(
        field_of(ErlangQuery {
            servers: Some(0),
            ..good.clone()
        }),
        "servers"
    );
    assert_eq!(
        field_of(ErlangQuery {
            servers: None,
            target_level: Some(1.0),
            ..good.clone()
        }),
        "target_level"
    );
    assert_eq!(
        field_of(ErlangQuery {
            servers: None,
            ..good.clone()
        }),
        "target_level"
    );
    assert_eq!(
        field_of(ErlangQuery {
            target_level: Some(0.8),
            ..good.clone()
        }),
        "servers"
    );
    assert_eq!(
        field_of(ErlangQuery {
            patience_secs: Some(f64::INFINITY),
            ..good.clone()
        }),
        "patience_secs"
    );
    assert_eq!(
        field_of(ErlangQuery {
            shrinkage: Some(1.0),
            ..good.clone()
        }),
        "shrinkage"
    );
    let unknown = serde_json::from_str::<ErlangQuery>(
        r#"{"arrivals_per_hour":1,"service_secs":1,"target_secs":1,"agents":3}"#,
    );
    assert!(unknown.unwrap_err().to_string().contains("agents"));
}

#[test]
fn shrinkage_rounds_up_but_not_past_a_whole_number() {
    assert_eq!(scheduled_servers(7, 0.3), Ok(10));
    assert_eq!(scheduled_servers(7, 0.29), Ok(10));
    assert_eq!(scheduled_servers(7, 0.31), Ok(11));
    assert_eq!(scheduled_servers(0, 0.5), Ok(0));
    assert_eq!(scheduled_servers(55, 0.0), Ok(55));
    assert!(scheduled_servers(5, 1.0).is_err());
    assert!(scheduled_servers(5, -0.1).is_err());
}

#[test]
fn queries_at_their_bounds_stay_finite_and_quick() {
    let started = std::time::Instant::now();
    for patience_secs in [None, Some(1.0), Some(1e9)] {
        for (arrivals_per_hour, service_secs) in [(1e6, 30.0), (1e6, 0.001), (0.001, 604_800.0)] {
            let query = ErlangQuery {
                arrivals_per_hour,
                service_secs,
                target_secs: 604_800.0,
                servers: None,
                target_level: Some(0.999),
                patience_secs,
                shrinkage: Some(0.5),
            };
            match query.answer() {
                Ok(answer) => {
                    for value in [answer.p_wait, answer.mean_wait_secs, answer.service_level] {
                        assert!(value.is_finite(), "{query:?}: {answer:?}");
                    }
                    assert!(answer.service_level >= 0.999);
                }
                Err(PlanError::Unreachable { .. }) => {}
                Err(other) => panic!("{query:?}: {other}"),
            }
        }
    }
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    let too_many = ErlangQuery {
        arrivals_per_hour: 2e6,
        service_secs: 1.0,
        target_secs: 1.0,
        servers: Some(1),
        target_level: None,
        patience_secs: None,
        shrinkage: None,
    };
    assert!(matches!(
        too_many.answer(),
        Err(PlanError::InvalidField {
            field: "arrivals_per_hour",
            ..
        })
    ));
}
