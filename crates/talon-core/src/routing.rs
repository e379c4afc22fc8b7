//! Routing: which waiting ticket a workplace calls next, and why.
//!
//! In order of precedence: the operator's personal queue; appointments whose time has come; a
//! ticket past its entry's maximum wait; then the profile's policy, limited to the ratio step
//! whose turn it is. Every queue lane is ordered by place, and weights and norms are the same
//! for a whole lane, so only the head of each lane the profile admits is a candidate: a decision
//! costs O(lanes × log n), whatever the length of the queues. A lane's wait is that of the
//! longest-waiting ticket in it, which is its head unless someone was put at its front: then
//! the one at the front carries the wait of those behind, so a front placement never makes a
//! queue less urgent or hides an overdue ticket. Urgency compares exact fractions
//! in integers, so the choice is deterministic given the state and the clock.

use crate::config::{Policy, ProfileEntry, RatioScope, Rules, WorkProfile};
use crate::event::{CallReason, RatioKey, RatioMark, RunnerUp};
use crate::ids::{CategoryId, OperatorId, TicketId};
use crate::queues::{Lane, Place};
use crate::state::BranchState;
use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use std::cmp::Ordering;

/// The outcome of a routing decision.
pub(crate) struct Choice {
    pub ticket: TicketId,
    pub reason: CallReason,
    pub ratio: Option<RatioMark>,
}

/// The head of a lane as one entry of the profile sees it.
#[derive(Clone, Copy)]
struct Candidate<'a> {
    entry_index: usize,
    entry: &'a ProfileEntry,
    place: Place,
    /// When the lane's longest wait began (see the module's description).
    since: Timestamp,
    weight: u64,
    norm_secs: u32,
}

impl Candidate<'_> {
    fn waited_ms(&self, now: Timestamp) -> u64 {
        u64::try_from(now.duration_since(self.since).as_millis()).unwrap_or(0)
    }

    fn waited_secs(&self, now: Timestamp) -> i64 {
        now.duration_since(self.since).as_secs()
    }

    fn priority(&self) -> u64 {
        u64::from(self.entry.weight) * self.weight
    }

    /// Urgency as a fraction: waited × weights ÷ norm.
    fn urgency(&self, now: Timestamp) -> (u128, u128) {
        (
            u128::from(self.waited_ms(now)) * u128::from(self.priority()),
            u128::from(self.norm_secs) * 1000,
        )
    }

    fn urgency_permille(&self, now: Timestamp) -> u64 {
        let (num, den) = self.urgency(now);
        u64::try_from(num * 1000 / den.max(1)).unwrap_or(u64::MAX)
    }
}

/// The ticket `profile` calls next for `operator` at `now` (local `weekday` and `time`).
pub(crate) fn choose_next(
    state: &BranchState,
    profile: &WorkProfile,
    operator: Option<OperatorId>,
    (weekday, time): (Weekday, Time),
    now: Timestamp,
) -> Option<Choice> {
    let queues = state.queues();
    if let Some(place) = operator.and_then(|op| queues.personal(op, now)) {
        return Some(Choice {
            ticket: place.ticket,
            reason: CallReason::Personal {
                waited_secs: now.duration_since(place.at).as_secs(),
            },
            ratio: None,
        });
    }
    let (variant, rules) = profile.rules_at(weekday, time);
    if let Some((due_at, ticket)) = queues
        .due(now)
        .find(|(_, id)| admitted(state, profile, rules, *id, now))
    {
        return Some(Choice {
            ticket,
            reason: CallReason::AppointmentDue { due_at },
            ratio: None,
        });
    }
    let candidates = candidates(state, profile, rules, now);
    if let Some(overdue) = most_overdue(&candidates, now) {
        return Some(Choice {
            ticket: overdue.place.ticket,
            reason: CallReason::MaxWaitExceeded {
                position_in_profile: overdue.entry_index,
                waited_secs: overdue.waited_secs(now),
                max_wait_secs: overdue.entry.max_wait_secs.unwrap_or(0),
            },
            ratio: None,
        });
    }
    if rules.ratio.is_empty() {
        let (ticket, reason) = by_policy(state, rules.policy, &candidates, now)?;
        return Some(Choice {
            ticket,
            reason,
            ratio: None,
        });
    }
    let key = RatioKey {
        profile: profile.id,
        variant,
        operator: match rules.ratio_scope {
            RatioScope::Operator => operator,
            RatioScope::Branch => None,
        },
    };
    let (current, served) = state.ratio_position(&key);
    let steps = rules.ratio.len();
    // The step whose turn it is, or the next one that has anyone waiting.
    (0..steps).find_map(|offset| {
        let step = (current + offset) % steps;
        let allowed = &rules.ratio[step].entries;
        let in_step: Vec<Candidate> = candidates
            .iter()
            .filter(|c| allowed.contains(&c.entry_index))
            .copied()
            .collect();
        let (ticket, reason) = by_policy(state, rules.policy, &in_step, now)?;
        let served = if offset == 0 { served + 1 } else { 1 };
        let (step, served) = if served >= rules.ratio[step].count {
            ((step + 1) % steps, 0)
        } else {
            (step, served)
        };
        Some(Choice {
            ticket,
            reason,
            ratio: Some(RatioMark { key, step, served }),
        })
    })
}

/// Whether the profile's rules admit a queued ticket whose place has come (a postponed one
/// waits for its time); used for appointments.
fn admitted(
    state: &BranchState,
    profile: &WorkProfile,
    rules: &Rules,
    id: TicketId,
    now: Timestamp,
) -> bool {
    state.ticket(id).is_some_and(|t| {
        t.personal.is_none()
            && t.queued_at <= now
            && category_allows(state, t.category, profile)
            && rules
                .entries
                .iter()
                .any(|e| e.service == t.service && e.categories.admits(t.category))
    })
}

fn category_allows(
    state: &BranchState,
    category: Option<CategoryId>,
    profile: &WorkProfile,
) -> bool {
    category
        .and_then(|c| state.category(c))
        .is_none_or(|c| c.allows(profile.id))
}

/// The head of every lane an entry admits whose place has come.
fn candidates<'a>(
    state: &BranchState,
    profile: &WorkProfile,
    rules: &'a Rules,
    now: Timestamp,
) -> Vec<Candidate<'a>> {
    let queues = state.queues();
    let mut found = Vec::new();
    for (entry_index, entry) in rules.entries.iter().enumerate() {
        let Some(service) = state.service(entry.service) else {
            continue;
        };
        for (category, _) in queues.service_lanes(entry.service) {
            if !entry.categories.admits(category) || !category_allows(state, category, profile) {
                continue;
            }
            let lane = Lane::Service(entry.service, category);
            let (Some(place), Some(since)) =
                (queues.head(lane, now), queues.waiting_since(lane, now))
            else {
                continue;
            };
            let category = category.and_then(|c| state.category(c));
            found.push(Candidate {
                entry_index,
                entry,
                place,
                since,
                weight: category.map_or(1, |c| u64::from(c.weight)),
                norm_secs: category
                    .and_then(|c| c.waiting_norm_secs)
                    .unwrap_or(service.waiting_norm_secs),
            });
        }
    }
    found
}

/// The candidate furthest past its entry's maximum wait, relative to that maximum.
fn most_overdue<'a>(candidates: &[Candidate<'a>], now: Timestamp) -> Option<Candidate<'a>> {
    candidates
        .iter()
        .filter(|c| {
            c.entry
                .max_wait_secs
                .is_some_and(|max| c.waited_ms(now) >= u64::from(max) * 1000)
        })
        .copied()
        .max_by(|a, b| {
            let ra = u128::from(a.waited_ms(now)) * u128::from(b.entry.max_wait_secs.unwrap_or(1));
            let rb = u128::from(b.waited_ms(now)) * u128::from(a.entry.max_wait_secs.unwrap_or(1));
            ra.cmp(&rb).then(b.place.cmp(&a.place))
        })
}

/// The policy's choice among `candidates`, with its reason.
fn by_policy(
    state: &BranchState,
    policy: Policy,
    candidates: &[Candidate],
    now: Timestamp,
) -> Option<(TicketId, CallReason)> {
    // Each ordering puts the best candidate last, so `max_by` finds it; ties go to the earlier
    // place, then the earlier entry.
    let tie = |a: &Candidate, b: &Candidate| {
        b.place
            .cmp(&a.place)
            .then(b.entry_index.cmp(&a.entry_index))
    };
    let best = |order: &dyn Fn(&Candidate, &Candidate) -> Ordering| {
        candidates.iter().max_by(|a, b| order(a, b)).copied()
    };
    match policy {
        Policy::StrictOrder => {
            let c = best(&|a, b| {
                b.entry_index
                    .cmp(&a.entry_index)
                    .then(b.place.cmp(&a.place))
            })?;
            Some((
                c.place.ticket,
                CallReason::StrictOrder {
                    position_in_profile: c.entry_index,
                    waited_secs: c.waited_secs(now),
                },
            ))
        }
        Policy::LongestWaiting => {
            let c = best(&tie)?;
            Some((
                c.place.ticket,
                CallReason::LongestWaiting {
                    waited_secs: c.waited_secs(now),
                },
            ))
        }
        Policy::Weighted => {
            let order =
                |a: &Candidate, b: &Candidate| a.priority().cmp(&b.priority()).then(tie(a, b));
            let c = best(&order)?;
            Some((
                c.place.ticket,
                CallReason::Weighted {
                    position_in_profile: c.entry_index,
                    priority: c.priority(),
                    waited_secs: c.waited_secs(now),
                    runner_up: runner_up(state, candidates, &c, &order, |r| r.priority()),
                },
            ))
        }
        Policy::Urgency => {
            let order = |a: &Candidate, b: &Candidate| {
                let ((an, ad), (bn, bd)) = (a.urgency(now), b.urgency(now));
                (an * bd).cmp(&(bn * ad)).then(tie(a, b))
            };
            let c = best(&order)?;
            Some((
                c.place.ticket,
                CallReason::Urgency {
                    position_in_profile: c.entry_index,
                    urgency_permille: c.urgency_permille(now),
                    waited_secs: c.waited_secs(now),
                    norm_secs: c.norm_secs,
                    runner_up: runner_up(state, candidates, &c, &order, |r| {
                        r.urgency_permille(now)
                    }),
                },
            ))
        }
    }
}

/// The best candidate for another ticket than the chosen one, by the same order.
fn runner_up(
    state: &BranchState,
    candidates: &[Candidate],
    chosen: &Candidate,
    order: &dyn Fn(&Candidate, &Candidate) -> Ordering,
    value: impl Fn(&Candidate) -> u64,
) -> Option<RunnerUp> {
    let other = candidates
        .iter()
        .filter(|c| c.place.ticket != chosen.place.ticket)
        .max_by(|a, b| order(a, b))?;
    Some(RunnerUp {
        number: state.ticket(other.place.ticket)?.number.clone(),
        value: value(other),
    })
}
