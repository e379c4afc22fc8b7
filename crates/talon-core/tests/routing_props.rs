//! Properties of routing over random workloads: random categories (weights, own norms, profile
//! restrictions), random profiles (entries with category filters, weights and maximum waits,
//! every policy, ratios per operator or per branch, automatic calls), and random arrivals,
//! appointments, calls, transfers, postponements and time passing. They show that
//!
//! * a decision is deterministic: the same state at the same clock, cloned or rebuilt from a
//!   JSON snapshot, makes the very same call;
//! * a workplace never calls a ticket its profile excludes (service not in its entries,
//!   category filtered out or restricted to other profiles), and calls a personal ticket only
//!   for the operator it was transferred to;
//! * a ratio holds exactly while every step has someone waiting: every window of one period of
//!   calls has exactly each step's count, per operator or per branch;
//! * with the Urgency policy and equal weights nobody is passed over for someone less urgent:
//!   the ticket called always has the greatest wait relative to its norm among those the
//!   workplace may call; with equal norms too, Urgency calls exactly the longest-waiting ticket.

mod common;

use common::{Branch, at, calls_in, category, desk, entry, rules_profile, service};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeMap;
use talon_core::{
    BranchState, CallReason, CategoryFilter, CategoryId, Command, DomainError, Event, EventKind,
    OperatorId, Policy, ProfileId, RatioScope, RatioStep, Service, ServiceId, TicketId,
    TicketStatus, TransferPosition, WorkProfile, WorkplaceId, execute,
};

const ZONE: &str = "Europe/Moscow";
const PREFIXES: [&str; 4] = ["A", "B", "C", "D"];
/// Categories are numbered from here.
const FIRST_CATEGORY: u64 = 10;
const POLICIES: [Policy; 4] = [
    Policy::StrictOrder,
    Policy::LongestWaiting,
    Policy::Weighted,
    Policy::Urgency,
];

/// Monday 09:00 in Moscow.
fn opening() -> Timestamp {
    at("2024-06-10T06:00:00Z")
}

fn services(norms: &[u32]) -> Vec<Service> {
    norms
        .iter()
        .enumerate()
        .map(|(i, norm)| {
            let mut s = service(i as u64 + 1, PREFIXES[i]);
            s.waiting_norm_secs = *norm;
            s
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Random configurations

#[derive(Debug, Clone)]
struct CategorySpec {
    weight: u32,
    norm: Option<u32>,
    /// The profiles (1..=3) allowed to call it, if restricted.
    profiles: Option<Vec<u64>>,
}

#[derive(Debug, Clone)]
enum FilterSpec {
    Any,
    Regular,
    /// Indexes into the categories, taken modulo their number.
    Only(Vec<usize>),
}

#[derive(Debug, Clone)]
struct EntrySpec {
    service: usize,
    filter: FilterSpec,
    weight: u32,
    max_wait: Option<u32>,
}

#[derive(Debug, Clone)]
struct ProfileSpec {
    entries: Vec<EntrySpec>,
    policy: Policy,
    /// Steps as (entry indexes, count); indexes are taken modulo the number of entries.
    ratio: Vec<(Vec<usize>, u32)>,
    scope: RatioScope,
    auto_call: bool,
}

#[derive(Debug, Clone)]
struct World {
    norms: Vec<u32>,
    categories: Vec<CategorySpec>,
    profiles: Vec<ProfileSpec>,
}

fn category_spec() -> impl Strategy<Value = CategorySpec> {
    (
        1..=5u32,
        prop::option::of(prop::sample::select(vec![120u32, 300, 900])),
        prop::option::weighted(0.3, prop::sample::subsequence(vec![1u64, 2, 3], 1..=2)),
    )
        .prop_map(|(weight, norm, profiles)| CategorySpec {
            weight,
            norm,
            profiles,
        })
}

fn filter_spec() -> impl Strategy<Value = FilterSpec> {
    prop_oneof![
        3 => Just(FilterSpec::Any),
        1 => Just(FilterSpec::Regular),
        2 => prop::collection::vec(0..3usize, 1..=2).prop_map(FilterSpec::Only),
    ]
}

fn entry_spec(services: usize) -> impl Strategy<Value = EntrySpec> {
    (
        0..services,
        filter_spec(),
        1..=3u32,
        prop::option::weighted(0.2, prop::sample::select(vec![300u32, 900, 1800])),
    )
        .prop_map(|(service, filter, weight, max_wait)| EntrySpec {
            service,
            filter,
            weight,
            max_wait,
        })
}

fn profile_spec(services: usize) -> impl Strategy<Value = ProfileSpec> {
    (
        prop::collection::vec(entry_spec(services), 1..=4),
        prop::sample::select(POLICIES.to_vec()),
        prop::option::weighted(
            0.4,
            prop::collection::vec((prop::collection::vec(0..4usize, 1..=2), 1..=3u32), 1..=3),
        ),
        prop::bool::ANY,
        prop::bool::weighted(0.2),
    )
        .prop_map(|(entries, policy, ratio, branch, auto_call)| ProfileSpec {
            entries,
            policy,
            ratio: ratio.unwrap_or_default(),
            scope: if branch {
                RatioScope::Branch
            } else {
                RatioScope::Operator
            },
            auto_call,
        })
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(prop::sample::select(vec![60u32, 300, 600, 1800]), 3),
        prop::collection::vec(category_spec(), 0..=3),
        prop::collection::vec(profile_spec(3), 3),
    )
        .prop_map(|(norms, categories, profiles)| World {
            norms,
            categories,
            profiles,
        })
}

impl World {
    fn category_id(&self, index: usize) -> Option<CategoryId> {
        (!self.categories.is_empty())
            .then(|| CategoryId(FIRST_CATEGORY + (index % self.categories.len()) as u64))
    }

    fn filter(&self, spec: &FilterSpec) -> CategoryFilter {
        match spec {
            FilterSpec::Any => CategoryFilter::Any,
            FilterSpec::Regular => CategoryFilter::Regular,
            FilterSpec::Only(indexes) => {
                let mut ids: Vec<CategoryId> = indexes
                    .iter()
                    .filter_map(|i| self.category_id(*i))
                    .collect();
                ids.dedup();
                if ids.is_empty() {
                    CategoryFilter::Regular
                } else {
                    CategoryFilter::Only(ids)
                }
            }
        }
    }

    /// Profile `n` (1..=3) as the branch defines it: entries with a repeated service and
    /// filter dropped, ratio indexes folded onto the entries that are left.
    fn profile(&self, n: u64) -> WorkProfile {
        let spec = &self.profiles[n as usize - 1];
        let mut entries = Vec::new();
        for e in &spec.entries {
            let made = entry(
                e.service as u64 + 1,
                self.filter(&e.filter),
                e.weight,
                e.max_wait,
            );
            if !entries.iter().any(|x: &talon_core::ProfileEntry| {
                x.service == made.service && x.categories == made.categories
            }) {
                entries.push(made);
            }
        }
        let mut ratio: Vec<RatioStep> = spec
            .ratio
            .iter()
            .map(|(indexes, count)| RatioStep {
                entries: indexes.iter().map(|i| i % entries.len()).collect(),
                count: *count,
            })
            .collect();
        // A valid ratio gives every entry a step: the ones left out join the last.
        let left_out: Vec<usize> = (0..entries.len())
            .filter(|i| !ratio.iter().any(|s| s.entries.contains(i)))
            .collect();
        if let Some(last) = ratio.last_mut() {
            last.entries.extend(left_out);
        }
        let mut p = rules_profile(n, entries, spec.policy, ratio, spec.scope);
        p.auto_call = spec.auto_call;
        p
    }

    fn branch(&self) -> Branch {
        let categories: Vec<_> = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                category(
                    FIRST_CATEGORY + i as u64,
                    c.weight,
                    c.norm,
                    c.profiles.as_deref(),
                )
            })
            .collect();
        let profiles: Vec<_> = (1..=3).map(|n| self.profile(n)).collect();
        Branch::with_categories(
            opening(),
            ZONE,
            &services(&self.norms),
            &categories,
            &profiles,
            &[desk(1, 1), desk(2, 2), desk(3, 3)],
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Random workloads

#[derive(Debug, Clone)]
enum Step {
    /// A ticket of a service, maybe of a category, maybe an appointment booked some seconds
    /// from now (negative: in the past).
    Issue(usize, Option<usize>, Option<i64>),
    Call(usize),
    /// The ticket at a workplace is served and finished.
    Finish(usize),
    NoShow(usize),
    Wait(u32),
    /// One of the tickets issued so far goes to a service at a position.
    Transfer(usize, usize, usize),
    /// One of the tickets issued so far goes to the personal queue of a workplace's operator.
    Assign(usize, usize),
    Postpone(usize, u32),
    Cancel(usize),
}

fn workload_step(services: usize) -> impl Strategy<Value = Step> {
    let issue = (
        0..services,
        prop::option::of(0..3usize),
        prop::option::weighted(0.15, -600..600i64),
    )
        .prop_map(|(s, c, due)| Step::Issue(s, c, due));
    let transfer =
        (any::<usize>(), 0..services, 0..3usize).prop_map(|(t, s, p)| Step::Transfer(t, s, p));
    let assign = (any::<usize>(), 0..3usize).prop_map(|(t, d)| Step::Assign(t, d));
    prop_oneof![
        6 => issue,
        6 => (0..3usize).prop_map(Step::Call),
        5 => (0..3usize).prop_map(Step::Finish),
        1 => (0..3usize).prop_map(Step::NoShow),
        4 => (0..=300u32).prop_map(Step::Wait),
        1 => transfer,
        1 => assign,
        1 => (any::<usize>(), 0..=900u32).prop_map(|(t, s)| Step::Postpone(t, s)),
        1 => any::<usize>().prop_map(Step::Cancel),
    ]
}

/// A branch driven by random steps.
struct Run<'w> {
    world: &'w World,
    b: Branch,
    issued: Vec<TicketId>,
    zone: TimeZone,
}

impl<'w> Run<'w> {
    fn new(world: &'w World) -> Run<'w> {
        Run {
            world,
            b: world.branch(),
            issued: Vec::new(),
            zone: TimeZone::get(ZONE).expect("a known zone"),
        }
    }

    fn pick(&self, index: usize) -> Option<TicketId> {
        (!self.issued.is_empty()).then(|| self.issued[index % self.issued.len()])
    }

    fn current(&self, desk: usize) -> Option<TicketId> {
        self.b
            .state
            .workplace(WorkplaceId(desk as u64 + 1))
            .and_then(|w| w.current)
    }

    /// Runs one step; commands the state refuses (a transfer of a final ticket, say) are
    /// skipped. Returns the events recorded.
    fn step(&mut self, step: &Step) -> Vec<Event> {
        let command = match *step {
            Step::Issue(service, category, due) => {
                let (_, command) = self.b.issue_command(service as u64 + 1);
                let Command::IssueTicket {
                    id,
                    token_hash,
                    service,
                    channel,
                    language,
                    ..
                } = command
                else {
                    unreachable!("an issue command")
                };
                self.issued.push(id);
                Command::IssueTicket {
                    id,
                    token_hash,
                    service,
                    channel,
                    language,
                    category: category.and_then(|c| self.world.category_id(c)),
                    due_at: due.map(|d| {
                        self.b
                            .now
                            .checked_add(SignedDuration::from_secs(d))
                            .expect("an instant")
                    }),
                }
            }
            Step::Call(desk) => Command::CallNext {
                workplace: WorkplaceId(desk as u64 + 1),
                by: None,
            },
            Step::Finish(desk) => {
                let Some(ticket) = self.current(desk) else {
                    return Vec::new();
                };
                if self.b.ticket(ticket).status == TicketStatus::Called {
                    self.b.ok(Command::StartService { ticket, by: None });
                }
                Command::Finish { ticket, by: None }
            }
            Step::NoShow(desk) => match self.current(desk) {
                Some(ticket) => Command::NoShow { ticket, by: None },
                None => return Vec::new(),
            },
            Step::Wait(secs) => {
                self.b.advance(i64::from(secs));
                return Vec::new();
            }
            Step::Transfer(t, service, position) => match self.pick(t) {
                Some(ticket) => Command::Transfer {
                    ticket,
                    service: ServiceId(service as u64 + 1),
                    position: [
                        TransferPosition::Front,
                        TransferPosition::Back,
                        TransferPosition::OriginalArrival,
                    ][position],
                    return_after: position == 0,
                    by: None,
                },
                None => return Vec::new(),
            },
            Step::Assign(t, desk) => match self.pick(t) {
                Some(ticket) => Command::TransferToOperator {
                    ticket,
                    operator: OperatorId(101 + desk as u64),
                    by: None,
                },
                None => return Vec::new(),
            },
            Step::Postpone(t, seconds) => match self.pick(t) {
                Some(ticket) => Command::Postpone {
                    ticket,
                    seconds,
                    by: None,
                },
                None => return Vec::new(),
            },
            Step::Cancel(t) => match self.pick(t) {
                Some(ticket) => Command::Cancel { ticket },
                None => return Vec::new(),
            },
        };
        self.b.run(command).unwrap_or_default()
    }

    /// Checks that every call among `events` is one the calling workplace's profile allows.
    fn check_calls_admitted(&self, events: &[Event]) -> Result<(), TestCaseError> {
        for event in events {
            let EventKind::TicketCalled {
                ticket,
                workplace,
                operator,
                reason,
                ..
            } = &event.kind
            else {
                continue;
            };
            let t = self.b.ticket(*ticket);
            if matches!(reason, CallReason::Personal { .. }) {
                prop_assert_eq!(t.personal, Some(*operator), "personal for someone else");
                continue;
            }
            prop_assert_eq!(t.personal, None, "a personal ticket called by its lane");
            let w = self.b.state.workplace(*workplace).expect("a workplace");
            let profile = self
                .b
                .state
                .profile(w.profile.expect("an open workplace has a profile"))
                .expect("a profile");
            let local = event.at.to_zoned(self.zone.clone());
            let (_, rules) = profile.rules_at(local.weekday(), local.time());
            prop_assert!(
                rules
                    .entries
                    .iter()
                    .any(|e| e.service == t.service && e.categories.admits(t.category)),
                "{} of service {} and category {:?} called by profile {}: {:?}",
                t.number,
                t.service,
                t.category,
                profile.id,
                reason
            );
            if let Some(c) = t.category.and_then(|c| self.b.state.category(c)) {
                prop_assert!(
                    c.allows(profile.id),
                    "category {} called by profile {}",
                    c.id,
                    profile.id
                );
            }
        }
        Ok(())
    }
}

/// `CallNext` at `desk` on a copy of `state`: the events, or the refusal.
fn call_on(mut state: BranchState, desk: usize, now: Timestamp) -> Result<Vec<Event>, DomainError> {
    execute(&mut state, &call_next(desk), now)
}

fn call_next(desk: usize) -> Command {
    Command::CallNext {
        workplace: WorkplaceId(desk as u64 + 1),
        by: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The same state and clock make the same call, whether the state is the live one, a
    /// clone of it or one rebuilt from its JSON snapshot; and every call, by any rule and
    /// automatic or not, is one the workplace's profile allows.
    #[test]
    fn calls_are_deterministic_and_never_excluded_by_the_profile(
        world in world(),
        steps in prop::collection::vec(workload_step(3), 1..160),
    ) {
        let mut run = Run::new(&world);
        for step in &steps {
            let events = match step {
                Step::Call(desk) => {
                    let clone = call_on(run.b.state.clone(), *desk, run.b.now);
                    let json = serde_json::to_string(&run.b.state.snapshot())
                        .expect("a snapshot serialises");
                    let restored = BranchState::from_snapshot(
                        serde_json::from_str(&json).expect("a snapshot reads back"),
                    );
                    let rebuilt = call_on(restored, *desk, run.b.now);
                    let live = run.b.run(call_next(*desk));
                    prop_assert_eq!(&clone, &live, "a clone decides alike");
                    prop_assert_eq!(&rebuilt, &live, "a restored snapshot decides alike");
                    live.unwrap_or_default()
                }
                _ => run.step(step),
            };
            run.check_calls_admitted(&events)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ratios

#[derive(Debug, Clone)]
struct RatioWorld {
    /// One entry per service, in order: its filter (over categories 0 and 1) and weight.
    entries: Vec<(FilterSpec, u32)>,
    /// Which step each entry belongs to (modulo the number of steps), or none.
    step_of: Vec<Option<usize>>,
    counts: Vec<u32>,
    policy: Policy,
    scope: RatioScope,
    desks: usize,
}

fn ratio_world() -> impl Strategy<Value = RatioWorld> {
    (1..=4usize, 1..=3usize).prop_flat_map(|(entries, steps)| {
        (
            prop::collection::vec((filter_spec(), 1..=3u32), entries),
            prop::collection::vec(prop::option::weighted(0.85, 0..steps), entries),
            prop::collection::vec(1..=3u32, steps),
            prop::sample::select(POLICIES.to_vec()),
            prop::bool::ANY,
            1..=2usize,
        )
            .prop_map(
                |(entries, step_of, counts, policy, branch, desks)| RatioWorld {
                    entries,
                    step_of,
                    counts,
                    policy,
                    scope: if branch {
                        RatioScope::Branch
                    } else {
                        RatioScope::Operator
                    },
                    desks,
                },
            )
    })
}

impl RatioWorld {
    /// The steps that have entries, and for each entry the position of its step among them.
    fn steps(&self) -> (Vec<RatioStep>, Vec<Option<usize>>) {
        let mut steps = Vec::new();
        let mut position = vec![None; self.entries.len()];
        for (s, count) in self.counts.iter().enumerate() {
            let members: Vec<usize> = (0..self.entries.len())
                .filter(|e| self.step_of[*e] == Some(s))
                .collect();
            if !members.is_empty() {
                for e in &members {
                    position[*e] = Some(steps.len());
                }
                steps.push(RatioStep {
                    entries: members,
                    count: *count,
                });
            }
        }
        // A valid ratio gives every entry a step: the ones left out join the last.
        if let Some(last) = steps.len().checked_sub(1) {
            for (e, p) in position.iter_mut().enumerate() {
                if p.is_none() {
                    steps[last].entries.push(e);
                    *p = Some(last);
                }
            }
        }
        (steps, position)
    }

    fn filter(&self, entry: usize) -> CategoryFilter {
        match &self.entries[entry].0 {
            FilterSpec::Any => CategoryFilter::Any,
            FilterSpec::Regular => CategoryFilter::Regular,
            FilterSpec::Only(ids) => CategoryFilter::Only(
                ids.iter()
                    .map(|i| CategoryId(FIRST_CATEGORY + (*i % 2) as u64))
                    .collect(),
            ),
        }
    }

    /// A category the entry admits.
    fn admitted_category(&self, entry: usize) -> Option<u64> {
        match &self.entries[entry].0 {
            FilterSpec::Any => Some(FIRST_CATEGORY + 1),
            FilterSpec::Regular => None,
            FilterSpec::Only(ids) => Some(FIRST_CATEGORY + (ids[0] % 2) as u64),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// With every step's entries kept non-empty (each call is replaced by a new arrival of the
    /// same entry), the calls of each ratio count (an operator's, or the branch's) follow the
    /// steps in turn, each step exactly its count: any window of one period (the sum of the
    /// counts) of consecutive calls holds exactly each step's count, whatever the policy.
    #[test]
    fn a_ratio_holds_exactly_while_every_step_has_someone_waiting(
        world in ratio_world(),
        schedule in prop::collection::vec((0..2usize, 0..=120u32), 12..48),
    ) {
        let (steps, step_of_entry) = world.steps();
        prop_assume!(!steps.is_empty());
        let entries: Vec<_> = (0..world.entries.len())
            .map(|e| entry(e as u64 + 1, world.filter(e), world.entries[e].1, None))
            .collect();
        let profile = rules_profile(1, entries, world.policy, steps.clone(), world.scope);
        let desks: Vec<_> = (1..=world.desks as u64).map(|n| desk(n, 1)).collect();
        let mut b = Branch::with_categories(
            opening(),
            ZONE,
            &services(&[600, 600, 600, 600][..world.entries.len()]),
            &[
                category(FIRST_CATEGORY, 2, None, None),
                category(FIRST_CATEGORY + 1, 1, Some(300), None),
            ],
            &[profile],
            &desks,
        );
        for e in 0..world.entries.len() {
            b.issue_with(e as u64 + 1, world.admitted_category(e), None);
            b.advance(7);
        }
        let period: u32 = steps.iter().map(|s| s.count).sum();
        let expected: Vec<usize> = steps
            .iter()
            .enumerate()
            .flat_map(|(s, step)| std::iter::repeat_n(s, step.count as usize))
            .collect();
        // The steps called, per ratio count (operator, or None for the branch's).
        let mut sequences: BTreeMap<Option<OperatorId>, Vec<usize>> = BTreeMap::new();
        for (desk, wait) in schedule {
            let desk = desk % world.desks + 1;
            b.advance(i64::from(wait));
            let call = b.call(desk as u64).expect("every step has someone waiting");
            let served = b.ticket(call.ticket);
            let entry = served.service.0 as usize - 1;
            let step = step_of_entry[entry];
            prop_assert!(step.is_some(), "entry {} is in no step but was called", entry);
            let mark = call.ratio.expect("a ratio call is marked");
            let sequence = sequences.entry(mark.key.operator).or_default();
            sequence.push(step.unwrap_or(usize::MAX));
            let service = served.service.0;
            b.start_and_finish(call.ticket);
            b.issue_with(service, world.admitted_category(entry), None);
        }
        for (owner, sequence) in &sequences {
            for (k, step) in sequence.iter().enumerate() {
                prop_assert_eq!(
                    *step,
                    expected[k % expected.len()],
                    "call {} of {:?} in {:?}",
                    k,
                    owner,
                    sequence
                );
            }
            for window in sequence.windows(period as usize) {
                for (s, step) in steps.iter().enumerate() {
                    let n = window.iter().filter(|x| **x == s).count();
                    prop_assert_eq!(n, step.count as usize, "step {} in window {:?}", s, window);
                }
            }
        }
        let owners: Vec<_> = sequences.keys().copied().collect();
        match world.scope {
            RatioScope::Branch => prop_assert_eq!(owners, vec![None]),
            RatioScope::Operator => prop_assert!(owners.iter().all(Option::is_some)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Urgency

/// The profiles of the urgency runs: random entries of weight 1 without maximum waits, over
/// random filters, all with the Urgency policy and no ratio.
fn urgency_world(equal_norms: bool) -> impl Strategy<Value = World> {
    let norms = if equal_norms {
        Just(vec![600u32; 3]).boxed()
    } else {
        prop::collection::vec(60..=1800u32, 3).boxed()
    };
    let categories = prop::collection::vec(
        (
            prop::option::of(60..=1800u32),
            prop::option::weighted(0.3, prop::sample::subsequence(vec![1u64, 2, 3], 1..=2)),
        ),
        0..=3,
    );
    let profiles =
        prop::collection::vec(prop::collection::vec((0..3usize, filter_spec()), 1..=4), 3);
    (norms, categories, profiles).prop_map(move |(norms, categories, profiles)| World {
        norms,
        categories: categories
            .into_iter()
            .map(|(norm, profiles)| CategorySpec {
                weight: 1,
                norm: if equal_norms { None } else { norm },
                profiles,
            })
            .collect(),
        profiles: profiles
            .into_iter()
            .map(|entries| ProfileSpec {
                entries: entries
                    .into_iter()
                    .map(|(service, filter)| EntrySpec {
                        service,
                        filter,
                        weight: 1,
                        max_wait: None,
                    })
                    .collect(),
                policy: Policy::Urgency,
                ratio: Vec::new(),
                scope: RatioScope::Operator,
                auto_call: false,
            })
            .collect(),
    })
}

/// A step of an urgency run: appointments become walk-ins, and transfers (to the front or
/// to a personal queue) become no step, since those take precedence over the policy.
fn without_precedence(step: &Step) -> Step {
    match step {
        Step::Issue(s, c, _) => Step::Issue(*s, *c, None),
        Step::Transfer(..) | Step::Assign(..) => Step::Wait(0),
        other => other.clone(),
    }
}

/// The tickets `desk` may call at `now` in `state`, each with its wait in milliseconds and its
/// norm in seconds.
fn callable(
    state: &BranchState,
    world: &World,
    desk: usize,
    now: Timestamp,
) -> Vec<(TicketId, u128, u128)> {
    let profile = world.profile(desk as u64 + 1);
    state
        .tickets()
        .filter(|t| t.status.is_queued() && t.personal.is_none() && t.queued_at <= now)
        .filter(|t| {
            profile
                .rules
                .entries
                .iter()
                .any(|e| e.service == t.service && e.categories.admits(t.category))
        })
        .filter_map(|t| {
            let category = t.category.and_then(|c| state.category(c));
            if category.is_some_and(|c| !c.allows(profile.id)) {
                return None;
            }
            let norm = category
                .and_then(|c| c.waiting_norm_secs)
                .or_else(|| state.service(t.service).map(|s| s.waiting_norm_secs))?;
            let waited = now.duration_since(t.queued_at).as_millis();
            Some((t.id, u128::try_from(waited).ok()?, u128::from(norm)))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// With the Urgency policy and all weights 1, a ticket's urgency is its wait divided by
    /// its norm (the category's own, else the service's). At every call, no ticket the
    /// workplace could have called instead has a greater wait relative to its norm than the
    /// one it called: nobody is left waiting while someone less urgent is served, so a ticket
    /// is passed over only for tickets at least as far past (or as close to) their norms. The
    /// workloads include postponements, cancellations and no-shows but no front placements,
    /// personal queues or appointments, which take precedence by design.
    #[test]
    fn urgency_never_passes_over_a_ticket_for_a_less_urgent_one(
        world in urgency_world(false),
        steps in prop::collection::vec(workload_step(3), 1..100),
    ) {
        let mut run = Run::new(&world);
        for step in &steps {
            let step = without_precedence(step);
            let before = run.b.state.clone();
            let events = run.step(&step);
            let Step::Call(desk) = step else { continue };
            let busy = before
                .workplace(WorkplaceId(desk as u64 + 1))
                .is_some_and(|w| w.current.is_some());
            if busy {
                prop_assert!(events.is_empty(), "a busy workplace does not call");
                continue;
            }
            let Some(call) = calls_in(&events).pop() else {
                prop_assert!(
                    callable(&before, &world, desk, run.b.now).is_empty(),
                    "nobody called although someone could be"
                );
                continue;
            };
            prop_assert!(matches!(call.reason, CallReason::Urgency { .. }), "{:?}", call.reason);
            let candidates = callable(&before, &world, desk, run.b.now);
            let &(_, waited, norm) = candidates
                .iter()
                .find(|(id, ..)| *id == call.ticket)
                .expect("the called ticket was callable");
            for &(other, other_waited, other_norm) in &candidates {
                prop_assert!(
                    other_waited * norm <= waited * other_norm,
                    "{} waited {} ms against a norm of {} s but {} was called after {} ms \
                     against {} s",
                    run.b.number(other),
                    other_waited,
                    other_norm,
                    call.number,
                    waited,
                    norm
                );
            }
        }
    }

    /// With equal weights and equal norms urgency is the wait itself: Urgency calls exactly
    /// the ticket that LongestWaiting would call in the same state.
    #[test]
    fn with_equal_norms_urgency_calls_the_longest_waiting_ticket(
        world in urgency_world(true),
        steps in prop::collection::vec(workload_step(3), 1..100),
    ) {
        let mut run = Run::new(&world);
        for step in &steps {
            let step = without_precedence(step);
            if let Step::Call(desk) = step {
                let mut longest = world.profile(desk as u64 + 1);
                longest.rules.policy = Policy::LongestWaiting;
                let mut other = run.b.state.clone();
                execute(&mut other, &Command::DefineProfile(longest), run.b.now)
                    .expect("the same profile with another policy");
                let expected = call_on(other, desk, run.b.now)
                    .ok()
                    .and_then(|events| calls_in(&events).pop())
                    .map(|c| c.ticket);
                let events = run.step(&step);
                let called = calls_in(&events).pop().map(|c| c.ticket);
                prop_assert_eq!(called, expected);
            } else {
                run.step(&step);
            }
        }
    }
}

#[test]
fn the_profiles_of_a_random_world_are_valid_and_reach_every_policy() {
    // A guard for the generators above: every random profile is accepted by the branch, so
    // the properties run against real configurations rather than being skipped.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut policies = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let world = world().new_tree(&mut runner).expect("a world").current();
        let b = world.branch();
        for n in 1..=3 {
            let p = b.state.profile(ProfileId(n)).expect("defined");
            policies.insert(format!("{:?}", p.rules.policy));
        }
    }
    assert_eq!(policies.len(), 4, "{policies:?}");
}
