//! The cost of one routing decision: `execute` of `CallNext` at a workplace whose profile
//! serves five services, with 10, 1,000, 10,000 and 100,000 tickets waiting across those
//! services and four customer categories (twenty lanes), for the Urgency and StrictOrder
//! policies. Measured two ways:
//!
//! * `call_next_fresh_clone`: each call runs on a fresh clone of the branch made outside the
//!   timed part (`iter_batched_ref`), so every iteration decides against the same waiting set
//!   and the call is undone by throwing the clone away. The clone is cold in the CPU caches
//!   once the branch outgrows them, so this is the cost of a call into a state not touched
//!   for a while.
//! * `call_next_in_place`: the calls run on one long-lived state, and after each timed call the
//!   ticket goes back to its original place in its queue (a transfer by original arrival,
//!   untimed), so the waiting set stays the same. This is the cost in a branch in steady use.

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};
use talon_core::AfterLast;
use talon_core::{
    BranchSettings, BranchState, Category, CategoryId, Channel, Command, EventKind, Language,
    NumberRange, OperatorId, Policy, ProfileId, Service, ServiceId, TicketId, TimeZoneName,
    TransferPosition, WorkProfile, Workplace, WorkplaceId, execute,
};

const SERVICES: u64 = 5;
/// Categories 1..=3; a ticket of category 0 has none.
const CATEGORIES: u64 = 3;
const SIZES: [usize; 4] = [10, 1_000, 10_000, 100_000];

fn start() -> Timestamp {
    "2024-06-10T05:00:00Z".parse().expect("an instant")
}

fn run(state: &mut BranchState, command: Command, now: Timestamp) {
    execute(state, &command, now).unwrap_or_else(|e| panic!("{command:?} failed: {e}"));
}

/// A branch whose workplace 1 calls with `policy` over five services, and `waiting` tickets
/// issued 50 ms apart, round-robin over services and categories. Returns it with the instant
/// of the calls, a minute after the last arrival.
fn branch(policy: Policy, waiting: usize) -> (BranchState, Timestamp) {
    let mut state = BranchState::new();
    let mut now = start();
    run(
        &mut state,
        Command::CreateBranch(BranchSettings {
            name: "Bench branch".to_string(),
            time_zone: TimeZoneName::parse("Europe/Moscow").expect("a zone"),
            languages: vec![Language::En],
            announcements: Default::default(),
            hours: None,
            holidays: Vec::new(),
            ticket_texts: Default::default(),
        }),
        now,
    );
    for s in 1..=SERVICES {
        run(
            &mut state,
            Command::DefineService(Service {
                id: ServiceId(s),
                names: BTreeMap::from([(Language::En, format!("Service {s}"))]),
                prefix: ["A", "B", "C", "D", "E"][s as usize - 1].to_string(),
                numbering: NumberRange {
                    first: 1,
                    last: 99_999,
                    after_last: AfterLast::Wrap,
                },
                daily_limit: None,
                hours: None,
                service_norm_secs: 600,
                waiting_norm_secs: 300 * s as u32,
                enabled: true,
                group: BTreeMap::new(),
            }),
            now,
        );
    }
    for c in 1..=CATEGORIES {
        run(
            &mut state,
            Command::DefineCategory(Category {
                id: CategoryId(c),
                names: BTreeMap::from([(Language::En, format!("Category {c}"))]),
                weight: c as u32 + 1,
                waiting_norm_secs: (c == 1).then_some(240),
                profiles: None,
            }),
            now,
        );
    }
    let services: Vec<ServiceId> = (1..=SERVICES).map(ServiceId).collect();
    run(
        &mut state,
        Command::DefineProfile(WorkProfile::simple(
            ProfileId(1),
            "Everything",
            &services,
            policy,
        )),
        now,
    );
    run(
        &mut state,
        Command::DefineWorkplace(Workplace {
            id: WorkplaceId(1),
            name: "1".to_string(),
        }),
        now,
    );
    run(
        &mut state,
        Command::OpenWorkplace {
            workplace: WorkplaceId(1),
            operator: OperatorId(1),
            profile: ProfileId(1),
        },
        now,
    );
    for n in 0..waiting as u64 {
        let category = n / SERVICES % (CATEGORIES + 1);
        run(
            &mut state,
            Command::IssueTicket {
                id: TicketId(n + 1),
                token_hash: format!("token-{n}"),
                service: ServiceId(n % SERVICES + 1),
                channel: Channel::Kiosk,
                language: None,
                category: (category > 0).then_some(CategoryId(category)),
                due_at: None,
            },
            now,
        );
        now = now
            .checked_add(SignedDuration::from_millis(50))
            .expect("an instant");
    }
    let call_at = now
        .checked_add(SignedDuration::from_secs(60))
        .expect("an instant");
    (state, call_at)
}

const CALL: Command = Command::CallNext {
    workplace: WorkplaceId(1),
    by: Some(OperatorId(1)),
};

fn name(policy: Policy) -> String {
    format!("{policy:?}").to_lowercase()
}

/// The branches measured: each policy with each number of waiting tickets.
fn branches() -> Vec<(Policy, usize, BranchState, Timestamp)> {
    let mut all = Vec::new();
    for policy in [Policy::Urgency, Policy::StrictOrder] {
        for waiting in SIZES {
            let (state, now) = branch(policy, waiting);
            let mut check = state.clone();
            let events = execute(&mut check, &CALL, now).expect("a call");
            assert_eq!(events.len(), 1, "exactly one ticket is called");
            all.push((policy, waiting, state, now));
        }
    }
    all
}

fn call_next_fresh_clone(c: &mut Criterion) {
    let mut group = c.benchmark_group("call_next_fresh_clone");
    // Cloning 100,000 tickets takes milliseconds: few, equal samples keep the run short.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(30);
    for (policy, waiting, state, now) in branches() {
        group.bench_with_input(
            BenchmarkId::new(name(policy), waiting),
            &state,
            |b, state| {
                b.iter_batched_ref(
                    || state.clone(),
                    |s| execute(s, black_box(&CALL), black_box(now)),
                    BatchSize::PerIteration,
                );
            },
        );
    }
    group.finish();
}

fn call_next_in_place(c: &mut Criterion) {
    let mut group = c.benchmark_group("call_next_in_place");
    group.sample_size(30);
    for (policy, waiting, state, now) in branches() {
        group.bench_with_input(
            BenchmarkId::new(name(policy), waiting),
            &state,
            |b, state| {
                b.iter_custom(|iters| {
                    let mut s = state.clone();
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let started = Instant::now();
                        let events = execute(&mut s, black_box(&CALL), black_box(now));
                        timed += started.elapsed();
                        let Ok(events) = events else {
                            panic!("the call failed")
                        };
                        let Some(EventKind::TicketCalled {
                            ticket, service, ..
                        }) = events.first().map(|e| &e.kind)
                        else {
                            panic!("no ticket was called: {events:?}")
                        };
                        let back = Command::Transfer {
                            ticket: *ticket,
                            service: *service,
                            position: TransferPosition::OriginalArrival,
                            return_after: false,
                            by: None,
                        };
                        execute(&mut s, &back, now).expect("back in its place");
                    }
                    timed
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, call_next_fresh_clone, call_next_in_place);
criterion_main!(benches);
