//! Sample models: the textbook M/M/c queue, and a bank branch with several services,
//! customer categories and work profiles of every policy. The tests, the benchmark and the
//! study of the wait shown to visitors run on them, and they show how a model is written.

use crate::model::{
    Arrivals, Branch, Break, Distribution, Model, Patience, PoissonStream, ServiceTime, Shift,
};
use jiff::civil::{Date, date};
use std::collections::BTreeMap;
use talon_core::{
    AfterLast, BranchSettings, Category, CategoryFilter, CategoryId, Language, NumberRange, Policy,
    ProfileEntry, ProfileId, RatioScope, RatioStep, Rules, Service, ServiceId, TimeZoneName,
    WorkProfile, Workplace, WorkplaceId,
};

/// A Monday.
pub const DATE: Date = date(2025, 3, 3);

/// How long the workplaces of a sample stay open after its last arrival, so that everyone who
/// took a ticket is served.
const DRAIN_SECS: f64 = 6.0 * 3600.0;

pub fn settings(zone: &str) -> BranchSettings {
    BranchSettings {
        name: "Sample branch".to_string(),
        time_zone: TimeZoneName::parse(zone).expect("a known zone"),
        languages: vec![Language::Ru, Language::En],
        announcements: BTreeMap::new(),
        hours: None,
        holidays: Vec::new(),
        ticket_texts: BTreeMap::new(),
    }
}

/// A service numbered 1 to 999, wrapping, always open.
pub fn service(id: u64, prefix: &str, norm_secs: u32, waiting_norm_secs: u32) -> Service {
    Service {
        id: ServiceId(id),
        names: BTreeMap::from([(Language::En, format!("Service {prefix}"))]),
        prefix: prefix.to_string(),
        numbering: NumberRange {
            first: 1,
            last: 999,
            after_last: AfterLast::Wrap,
        },
        daily_limit: None,
        hours: None,
        service_norm_secs: norm_secs,
        waiting_norm_secs,
        enabled: true,
        group: BTreeMap::new(),
    }
}

pub fn workplace(id: u64) -> Workplace {
    Workplace {
        id: WorkplaceId(id),
        name: id.to_string(),
    }
}

/// M/M/c: Poisson arrivals at `per_hour` for `hours` hours from midnight, exponential service
/// with mean `service_secs` (also the service norm), `servers` workplaces calling by the
/// longest wait from one queue, and a waiting norm of `target_secs`. The workplaces stay open
/// until everyone is served.
pub fn mmc(
    servers: u64,
    per_hour: f64,
    service_secs: f64,
    hours: usize,
    target_secs: u32,
) -> Model {
    let service = service(1, "A", service_secs.round() as u32, target_secs);
    let profile = WorkProfile::simple(ProfileId(1), "All", &[service.id], Policy::LongestWaiting);
    let close = hours as f64 * 3600.0 + DRAIN_SECS;
    Model {
        branch: Branch {
            settings: settings("UTC"),
            services: vec![service],
            categories: Vec::new(),
            profiles: vec![profile],
            workplaces: (1..=servers).map(workplace).collect(),
        },
        date: DATE,
        shifts: (1..=servers)
            .map(|w| Shift {
                workplace: WorkplaceId(w),
                operator: None,
                profile: ProfileId(1),
                open_secs: 0.0,
                close_secs: close,
                breaks: Vec::new(),
            })
            .collect(),
        arrivals: Arrivals::Poisson {
            start_secs: 0.0,
            interval_secs: 3600.0,
            streams: vec![PoissonStream {
                service: ServiceId(1),
                category: None,
                per_hour: vec![per_hour; hours],
            }],
        },
        service_times: vec![ServiceTime {
            service: ServiceId(1),
            distribution: Distribution::Exponential {
                mean_secs: service_secs,
            },
        }],
        patience: Patience::None,
        walk_secs: 0.0,
        report_interval_secs: 3600,
    }
}

/// The share of a day's visitors in each hour from 9:00 to 18:00: a morning and a late
/// afternoon peak, as bank branches see.
const DAY_SHAPE: [f64; 9] = [0.08, 0.13, 0.14, 0.11, 0.10, 0.10, 0.11, 0.12, 0.11];

pub const VIP: CategoryId = CategoryId(1);
pub const PENSIONER: CategoryId = CategoryId(2);

/// A bank branch of `workplaces` counters open 9:00–19:00 (tickets until 18:00), each operator
/// with a 45-minute lunch break between 12:00 and 15:00. Four services: payments (norm 5 min),
/// loans (20 min), cards (8 min) and deposits (10 min); VIP (weight 3, waiting norm 5 min) and
/// pensioners (weight 2). Counters work by four profiles: universal (urgency), cash (payments,
/// longest wait), loans (two VIPs then one other, weighted) and cards-and-deposits (strict
/// order). About 50 visitors a day per counter; services take 85% of their norm on average with
/// a coefficient of variation of 0.8; visitors give up after 40 minutes on average and walk 15
/// seconds to the counter.
pub fn bank(workplaces: u64) -> Model {
    let services = vec![
        service(1, "A", 300, 600),
        service(2, "B", 1200, 1200),
        service(3, "C", 480, 900),
        service(4, "D", 600, 900),
    ];
    let categories = vec![
        Category {
            id: VIP,
            names: BTreeMap::from([(Language::En, "VIP".to_string())]),
            weight: 3,
            waiting_norm_secs: Some(300),
            profiles: None,
        },
        Category {
            id: PENSIONER,
            names: BTreeMap::from([(Language::En, "Pensioner".to_string())]),
            weight: 2,
            waiting_norm_secs: None,
            profiles: None,
        },
    ];
    let entry = |service: u64, categories: CategoryFilter, weight: u32| ProfileEntry {
        service: ServiceId(service),
        categories,
        weight,
        max_wait_secs: None,
    };
    let rules = |entries: Vec<ProfileEntry>, policy: Policy, ratio: Vec<RatioStep>| Rules {
        entries,
        policy,
        ratio,
        ratio_scope: RatioScope::Operator,
    };
    let profile = |id: u64, name: &str, rules: Rules| WorkProfile {
        id: ProfileId(id),
        name: name.to_string(),
        rules,
        variants: Vec::new(),
        auto_call: false,
        no_show_after_recalls: None,
    };
    let any = || CategoryFilter::Any;
    let profiles = vec![
        profile(
            1,
            "Universal",
            rules(
                (1..=4).map(|s| entry(s, any(), 1)).collect(),
                Policy::Urgency,
                Vec::new(),
            ),
        ),
        profile(
            2,
            "Cash",
            rules(vec![entry(1, any(), 1)], Policy::LongestWaiting, Vec::new()),
        ),
        profile(
            3,
            "Loans",
            rules(
                vec![
                    entry(2, CategoryFilter::Only(vec![VIP]), 2),
                    entry(2, any(), 1),
                ],
                Policy::Weighted,
                vec![
                    RatioStep {
                        entries: vec![0],
                        count: 2,
                    },
                    RatioStep {
                        entries: vec![1],
                        count: 1,
                    },
                ],
            ),
        ),
        profile(
            4,
            "Cards and deposits",
            rules(
                vec![entry(3, any(), 1), entry(4, any(), 1)],
                Policy::StrictOrder,
                Vec::new(),
            ),
        ),
    ];
    // Four in ten counters universal, then cash, loans, cards and deposits.
    let profile_of = |w: u64| match (w - 1) % 10 {
        0..=3 => 1,
        4..=6 => 2,
        7 => 3,
        _ => 4,
    };
    let shifts = (1..=workplaces)
        .map(|w| {
            let lunch = 12.0 * 3600.0 + ((w - 1) % 4) as f64 * 2700.0;
            Shift {
                workplace: WorkplaceId(w),
                operator: None,
                profile: ProfileId(profile_of(w)),
                open_secs: 9.0 * 3600.0,
                close_secs: 19.0 * 3600.0,
                breaks: vec![Break {
                    from_secs: lunch,
                    to_secs: lunch + 2700.0,
                }],
            }
        })
        .collect();
    let per_day = 50.0 * workplaces as f64;
    let shares = [(1, 0.45), (2, 0.15), (3, 0.20), (4, 0.20)];
    let categories_mix = [(None, 0.80), (Some(VIP), 0.05), (Some(PENSIONER), 0.15)];
    let streams = shares
        .iter()
        .flat_map(|&(service, share)| {
            categories_mix
                .iter()
                .map(move |&(category, part)| PoissonStream {
                    service: ServiceId(service),
                    category,
                    per_hour: DAY_SHAPE
                        .iter()
                        .map(|h| per_day * share * part * h)
                        .collect(),
                })
        })
        .collect();
    let service_times = services
        .iter()
        .map(|s| ServiceTime {
            service: s.id,
            distribution: Distribution::LogNormal {
                mean_secs: 0.85 * f64::from(s.service_norm_secs),
                cv: 0.8,
            },
        })
        .collect();
    Model {
        branch: Branch {
            settings: settings("Europe/Moscow"),
            services,
            categories,
            profiles,
            workplaces: (1..=workplaces).map(workplace).collect(),
        },
        date: DATE,
        shifts,
        arrivals: Arrivals::Poisson {
            start_secs: 9.0 * 3600.0,
            interval_secs: 3600.0,
            streams,
        },
        service_times,
        patience: Patience::Exponential {
            mean_secs: 40.0 * 60.0,
        },
        walk_secs: 15.0,
        report_interval_secs: 3600,
    }
}
