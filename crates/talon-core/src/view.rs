//! Read models: what a visitor, a display or a dashboard sees of a branch at an instant.

use crate::config::{Interval, Language, Policy, ProfileEntry, Rules, WorkProfile};
use crate::event::RatioKey;
use crate::ids::{CategoryId, OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
use crate::queues::{Lane, Place};
use crate::state::{BranchState, WorkplaceState, WorkplaceStatus};
use crate::ticket::{Ticket, TicketStatus};
use jiff::civil::{Time, Weekday};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A visitor's view of their ticket: no internal ids, no personal data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketView {
    pub number: String,
    pub service_name: String,
    pub status: TicketStatus,
    /// People ahead in the queue, while queued.
    pub position: Option<usize>,
    pub eta_seconds: Option<u64>,
    pub created_at: Timestamp,
    pub called_at: Option<Timestamp>,
    /// Where to go, once called.
    pub workplace_name: Option<String>,
    pub language: Language,
}

/// One service's queue on a display or dashboard.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueView {
    pub service: ServiceId,
    pub prefix: String,
    pub names: BTreeMap<Language, String>,
    pub enabled: bool,
    /// Whether it issues tickets now: enabled, within its hours and the branch's, and not on a
    /// holiday of the branch.
    pub open: bool,
    /// Whether today's daily limit is used up.
    pub full: bool,
    /// Today's opening hours, where the service's and the branch's overlap, so a kiosk can say
    /// when a closed service opens; empty on a holiday; `None` when neither has hours (always
    /// open).
    pub hours_today: Option<Vec<Interval>>,
    /// The kiosk's group for it, per language; empty on the first screen.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub group: BTreeMap<Language, String>,
    pub waiting: usize,
    pub longest_wait_secs: u64,
    pub waiting_norm_secs: u32,
}

/// The ticket at a workplace.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrentTicketView {
    pub ticket: TicketId,
    pub number: String,
    pub service: ServiceId,
    pub status: TicketStatus,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkplaceView {
    pub id: WorkplaceId,
    pub name: String,
    #[serde(flatten)]
    pub status: WorkplaceStatus,
    pub operator: Option<OperatorId>,
    pub profile: Option<ProfileId>,
    pub current: Option<CurrentTicketView>,
}

/// A call as a hall display lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallView {
    pub number: String,
    pub service: ServiceId,
    pub workplace: WorkplaceId,
    pub workplace_name: String,
    pub at: Timestamp,
    pub recall: bool,
}

/// Where a ratio stands: the step whose turn it is and the calls it has had in this turn.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioView {
    #[serde(flatten)]
    pub key: RatioKey,
    pub step: usize,
    pub served: u32,
}

/// The branch at an instant, for displays and dashboards.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BranchView {
    /// The sequence number of the latest event included: a live stream continues after it.
    pub seq: u64,
    pub name: String,
    pub time_zone: String,
    pub languages: Vec<Language>,
    /// Whether the branch issues no tickets all day today: a holiday, or a weekday outside its
    /// opening hours.
    pub closed_today: bool,
    pub queues: Vec<QueueView>,
    pub workplaces: Vec<WorkplaceView>,
    pub last_calls: Vec<CallView>,
    /// The ratios of the work profiles, so operators and managers see whose turn it is.
    pub ratios: Vec<RatioView>,
}

impl BranchState {
    /// How many tickets stand before this one in its queue, if it is queued.
    pub fn position(&self, ticket: &Ticket) -> Option<usize> {
        ticket
            .status
            .is_queued()
            .then(|| self.queues().ahead_of(ticket))
    }

    /// The expected wait of a queued ticket, in seconds: how long until the open workplaces
    /// that can call it have served those the engine would call first, by their work profiles'
    /// rules (the forecast is described at `WaitForecast` below). A postponed ticket waits at
    /// least until its time. With no open workplace that could call it, the people ahead in its
    /// service each take the service norm, shared by the workplaces open or paused with a
    /// profile that lists the service.
    pub fn eta_seconds(&self, ticket: &Ticket, now: Timestamp) -> Option<u64> {
        let forecast = self.wait_forecast(ticket, now)?;
        Some(round_secs(forecast.mean.max(forecast.not_before)))
    }

    /// A band the wait falls within four times in five: the 10% and 90% quantiles of a gamma
    /// distribution with the expected wait as its mean and, as its squared coefficient of
    /// variation, the mean time between the calls that reach the ticket over the expected
    /// wait. That is exact for one queue served in order by servers with exponential service
    /// times, where the wait of a ticket with `k` ahead is Erlang with `k + 1` phases. A
    /// postponed ticket's band starts no earlier than its time.
    pub fn eta_band_seconds(&self, ticket: &Ticket, now: Timestamp) -> Option<(u64, u64)> {
        let forecast = self.wait_forecast(ticket, now)?;
        let (low, high) = if forecast.mean <= 0.0 {
            (0.0, 0.0)
        } else {
            let scv = (forecast.step / forecast.mean).clamp(MIN_SCV, 1.0);
            (
                gamma_quantile(forecast.mean, scv, -Z_90),
                gamma_quantile(forecast.mean, scv, Z_90),
            )
        };
        let floor = forecast.not_before;
        Some((low.max(floor).floor() as u64, high.max(floor).ceil() as u64))
    }

    fn wait_forecast(&self, ticket: &Ticket, now: Timestamp) -> Option<WaitForecast> {
        let ahead = self.position(ticket)?;
        let norm = f64::from(self.service(ticket.service)?.service_norm_secs);
        let not_before = secs_between(now, ticket.queued_at) as f64;
        let by_position = || {
            let servers = self
                .workplaces()
                .filter(|w| w.status != WorkplaceStatus::Closed)
                .filter_map(|w| w.profile.and_then(|p| self.profile(p)))
                .filter(|p| p.all_services().any(|s| s == ticket.service))
                .count()
                .max(1) as f64;
            WaitForecast {
                mean: (ahead as f64 * norm / servers).floor(),
                step: norm / servers,
                not_before,
            }
        };
        let Some(settings) = self.settings() else {
            return Some(by_position());
        };
        let local = now.to_zoned(settings.time_zone.zone().clone());
        let groups = Groups::of(self, ticket, (local.weekday(), local.time()));
        Some(
            groups
                .and_then(|g| g.forecast(self, ticket, ahead, now))
                .map_or_else(by_position, |(mean, step)| WaitForecast {
                    mean,
                    step,
                    not_before,
                }),
        )
    }

    pub fn ticket_view(&self, ticket: &Ticket, now: Timestamp) -> TicketView {
        TicketView {
            number: ticket.number.clone(),
            service_name: self
                .service(ticket.service)
                .map(|s| s.name(ticket.language).to_string())
                .unwrap_or_default(),
            status: ticket.status,
            position: self.position(ticket),
            eta_seconds: self.eta_seconds(ticket, now),
            created_at: ticket.created_at,
            called_at: ticket.called_at,
            workplace_name: matches!(ticket.status, TicketStatus::Called | TicketStatus::Serving)
                .then(|| ticket.workplace.and_then(|w| self.workplace(w)))
                .flatten()
                .map(|w| w.workplace.name.clone()),
            language: ticket.language,
        }
    }

    /// One workplace as displays and the workstation see it.
    pub fn workplace_view(&self, id: WorkplaceId) -> Option<WorkplaceView> {
        self.workplace(id).map(|w| self.view_of(w))
    }

    fn view_of(&self, w: &WorkplaceState) -> WorkplaceView {
        WorkplaceView {
            id: w.workplace.id,
            name: w.workplace.name.clone(),
            status: w.status.clone(),
            operator: w.operator,
            profile: w.profile,
            current: w
                .current
                .and_then(|id| self.ticket(id))
                .map(|t| CurrentTicketView {
                    ticket: t.id,
                    number: t.number.clone(),
                    service: t.service,
                    status: t.status,
                }),
        }
    }

    pub fn view(&self, now: Timestamp) -> BranchView {
        let settings = self.settings();
        let local = settings.map(|s| now.to_zoned(s.time_zone.zone().clone()));
        let branch_hours = settings
            .zip(local.as_ref())
            .and_then(|(s, l)| s.hours_on(l.date()));
        let branch_open = settings
            .zip(local.as_ref())
            .is_some_and(|(s, l)| s.is_open_at(l));
        let queues = self
            .services()
            .map(|s| {
                let full = local.as_ref().is_some_and(|l| {
                    s.daily_limit
                        .is_some_and(|limit| self.issued_count(s.id, l.date()) >= limit)
                });
                let mut waiting = 0;
                let mut oldest: Option<Timestamp> = None;
                for (at, _) in self.queue(s.id).filter(|(at, _)| *at <= now) {
                    waiting += 1;
                    oldest.get_or_insert(at);
                }
                QueueView {
                    service: s.id,
                    prefix: s.prefix.clone(),
                    names: s.names.clone(),
                    enabled: s.enabled,
                    open: branch_open && local.as_ref().is_some_and(|l| s.is_open_at(l)),
                    full,
                    hours_today: common_hours(
                        branch_hours,
                        local.as_ref().and_then(|l| s.hours_on(l.weekday())),
                    ),
                    group: s.group.clone(),
                    waiting,
                    longest_wait_secs: oldest.map_or(0, |at| secs_between(at, now)),
                    waiting_norm_secs: s.waiting_norm_secs,
                }
            })
            .collect();
        let workplaces = self.workplaces().map(|w| self.view_of(w)).collect();
        let last_calls = self
            .recent_calls()
            .map(|c| CallView {
                number: c.number.clone(),
                service: c.service,
                workplace: c.workplace,
                workplace_name: self
                    .workplace(c.workplace)
                    .map(|w| w.workplace.name.clone())
                    .unwrap_or_default(),
                at: c.at,
                recall: c.recall,
            })
            .collect();
        BranchView {
            seq: self.seq(),
            name: settings.map(|s| s.name.clone()).unwrap_or_default(),
            time_zone: settings
                .map(|s| s.time_zone.name().to_string())
                .unwrap_or_default(),
            languages: settings.map(|s| s.languages.clone()).unwrap_or_default(),
            closed_today: branch_hours.is_some_and(<[Interval]>::is_empty),
            queues,
            workplaces,
            last_calls,
            ratios: self
                .ratio_positions()
                .map(|(key, step, served)| RatioView {
                    key: *key,
                    step,
                    served,
                })
                .collect(),
        }
    }
}

/// The spans within both the branch's and a service's hours of a day, in order; `None` stands
/// for the whole day, so only two `None`s give `None`.
fn common_hours(
    branch: Option<&[Interval]>,
    service: Option<&[Interval]>,
) -> Option<Vec<Interval>> {
    let (a, b) = match (branch, service) {
        (None, None) => return None,
        (Some(only), None) | (None, Some(only)) => return Some(only.to_vec()),
        (Some(a), Some(b)) => (a, b),
    };
    let mut spans: Vec<Interval> = a
        .iter()
        .flat_map(|x| {
            b.iter().filter_map(move |y| {
                let span = Interval {
                    open: x.open.max(y.open),
                    close: x.close.min(y.close),
                };
                (span.open < span.close).then_some(span)
            })
        })
        .collect();
    spans.sort_by_key(|s| (s.open, s.close));
    Some(spans)
}

/// Whole seconds from `a` to `b`, zero if `b` is not later.
fn secs_between(a: Timestamp, b: Timestamp) -> u64 {
    u64::try_from(b.duration_since(a).as_secs()).unwrap_or(0)
}

/// The expected wait of a queued ticket, and how much it may vary.
///
/// Open workplaces are taken in groups by work profile, since routing depends on the profile
/// alone. For each group that can call the ticket, the tickets it would call first are counted
/// lane by lane in the order its policy compares lane heads: a whole lane of an earlier entry
/// (strict order) or of a higher priority (weighted), the part of a lane placed earlier (longest
/// wait, or an equal priority), and under urgency those who will be more urgent when the ticket
/// is expected to be called. A ticket ahead for several groups, or also callable by a group that
/// never calls this one, is shared among them by their number of workplaces, and each costs its
/// service's norm. A group reaches the ticket once its share of that work is done, shared among
/// its workplaces (its free ones take the first tickets at once), plus the time until the next
/// of the busy workplaces that can call the ticket finishes; the ticket goes to the first group
/// to reach it. For one queue served in order this is Whitt's `(k + 1)/(cμ)`, the best forecast
/// of the wait from the queue alone.
///
/// Left out, so the forecast errs short where they matter: visitors arriving later who will be
/// called first (a higher priority, an earlier entry of a strict order, a category with a
/// shorter waiting norm), a ratio's turns, maximum waits, appointments whose time has come,
/// other operators' personal queues, and workplaces that are paused. Counting later arrivals
/// from the day's rates was tried in the simulator (`talon-sim`): it removed the bias but
/// added as much error as it took away.
struct WaitForecast {
    mean: f64,
    /// The mean time between calls that can reach the ticket.
    step: f64,
    /// A postponed ticket's time.
    not_before: f64,
}

/// Whence the band: the 90% quantile of the standard normal distribution.
const Z_90: f64 = 1.281_551_565_545;
/// The least squared coefficient of variation a band assumes: a hundred calls ahead.
const MIN_SCV: f64 = 0.01;

/// The `z`-quantile of a gamma distribution by Wilson and Hilferty's cube-root normal
/// approximation, within a few percent of the exact quantile from one phase (the exponential)
/// on.
fn gamma_quantile(mean: f64, scv: f64, z: f64) -> f64 {
    let c = scv / 9.0;
    mean * (1.0 - c + z * c.sqrt()).max(0.0).powi(3)
}

fn round_secs(secs: f64) -> u64 {
    if secs.is_finite() && secs > 0.0 {
        secs.round() as u64
    } else {
        0
    }
}

/// The open workplaces of one work profile.
struct Group<'a> {
    profile: &'a WorkProfile,
    rules: &'a Rules,
    workplaces: f64,
    free: f64,
    /// Finishes per second among its busy workplaces, each at its ticket's service norm.
    finishing: f64,
    /// The ticket's entry in the profile's rules, if the group can call it.
    entry: Option<(usize, &'a ProfileEntry)>,
}

struct Groups<'a> {
    groups: Vec<Group<'a>>,
}

impl<'a> Groups<'a> {
    /// The groups of open workplaces, if any of them can call `ticket`.
    fn of(
        state: &'a BranchState,
        ticket: &Ticket,
        (weekday, time): (Weekday, Time),
    ) -> Option<Self> {
        let mut groups: Vec<Group<'a>> = Vec::new();
        for w in state.workplaces() {
            if w.status != WorkplaceStatus::Open {
                continue;
            }
            // A ticket in an operator's personal queue waits for that operator alone.
            if ticket.personal.is_some() && w.operator != ticket.personal {
                continue;
            }
            let Some(profile) = w.profile.and_then(|p| state.profile(p)) else {
                continue;
            };
            let finishing = w
                .current
                .and_then(|t| state.ticket(t))
                .and_then(|t| state.service(t.service))
                .map_or(0.0, |s| 1.0 / f64::from(s.service_norm_secs));
            let free = if w.current.is_none() { 1.0 } else { 0.0 };
            if let Some(g) = groups.iter_mut().find(|g| g.profile.id == profile.id) {
                g.workplaces += 1.0;
                g.free += free;
                g.finishing += finishing;
                continue;
            }
            let rules = profile.rules_at(weekday, time).1;
            groups.push(Group {
                profile,
                rules,
                workplaces: 1.0,
                free,
                finishing,
                entry: entry_of(state, profile, rules, ticket.service, ticket.category),
            });
        }
        groups
            .iter()
            .any(|g| g.entry.is_some() || ticket.personal.is_some())
            .then_some(Groups { groups })
    }

    /// The expected wait and the mean time between the calls that reach the ticket.
    fn forecast(
        &self,
        state: &BranchState,
        ticket: &Ticket,
        ahead: usize,
        now: Timestamp,
    ) -> Option<(f64, f64)> {
        let norm = f64::from(state.service(ticket.service)?.service_norm_secs);
        let callers: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.entry.is_some() || ticket.personal.is_some())
            .collect();
        let workplaces: f64 = callers.iter().map(|g| g.workplaces).sum();
        let finishing: f64 = callers.iter().map(|g| g.finishing).sum();
        let step_by = |taking: f64| {
            let rate = finishing + taking / norm;
            if rate > 0.0 {
                1.0 / rate
            } else {
                norm / workplaces
            }
        };
        if ticket.personal.is_some() {
            // First in line at its operator's workplace: those before it in the personal queue.
            let ahead = ahead as f64;
            let free = callers.iter().map(|g| g.free).sum::<f64>();
            let step = step_by(free.min(ahead));
            let mean = if free > ahead {
                0.0
            } else {
                ahead * norm + step
            };
            return Some((mean, step));
        }
        let subject = Subject {
            ticket,
            place: Place::of(ticket),
            now,
            // Urgency compares waits at the moment of the call: a first guess of it by
            // position.
            guess: (ahead as f64 + 1.0) * norm / workplaces,
        };
        let mut count = vec![0.0; self.groups.len()];
        let mut work = vec![0.0; self.groups.len()];
        let services: BTreeSet<ServiceId> = self
            .groups
            .iter()
            .flat_map(|g| g.rules.services())
            .collect();
        for service in services {
            let Some(cost) = state
                .service(service)
                .map(|s| f64::from(s.service_norm_secs))
            else {
                continue;
            };
            for (category, places) in state.queues().service_lanes(service) {
                let lane = Lane::Service(service, category);
                let ahead: Vec<f64> = self
                    .groups
                    .iter()
                    .map(|g| g.ahead_in(state, lane, places, &subject) as f64)
                    .collect();
                // Each group's tickets ahead are the lane's first ones, so the lane splits into
                // stretches: the first up to the smallest count are ahead for every group that
                // counts any, the next for all but that group, and so on. Each stretch is shared
                // among the groups it is ahead for.
                let mut edges: Vec<f64> = ahead.iter().copied().filter(|a| *a > 0.0).collect();
                edges.sort_by(f64::total_cmp);
                edges.dedup();
                let mut from = 0.0;
                for edge in edges {
                    let sharing: f64 = self
                        .groups
                        .iter()
                        .zip(&ahead)
                        .filter(|(_, a)| **a >= edge)
                        .map(|(g, _)| g.workplaces)
                        .sum();
                    for (i, g) in self.groups.iter().enumerate() {
                        if g.entry.is_some() && ahead[i] >= edge {
                            let share = (edge - from) * g.workplaces / sharing;
                            count[i] += share;
                            work[i] += share * cost;
                        }
                    }
                    from = edge;
                }
            }
        }
        // Free workplaces take their first tickets at once, and are busy from then on.
        let taking: f64 = self
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.entry.is_some())
            .map(|(i, g)| g.free.min(count[i]))
            .sum();
        let step = step_by(taking);
        let mean = self
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.entry.is_some())
            .map(|(i, g)| {
                if count[i] < g.free {
                    0.0
                } else {
                    let left = work[i] * (1.0 - g.free / count[i].max(1.0));
                    left.max(0.0) / g.workplaces + step
                }
            })
            .fold(f64::INFINITY, f64::min);
        Some((mean, step))
    }
}

/// The ticket whose wait is forecast, at the instant of the forecast.
struct Subject<'t> {
    ticket: &'t Ticket,
    place: Place,
    now: Timestamp,
    /// A first guess of the wait, in seconds.
    guess: f64,
}

impl Group<'_> {
    /// How many tickets of `lane` this group calls before the subject (the whole lane for a
    /// group that cannot call the subject but takes the lane). Within a lane every policy goes
    /// by place, so they are the lane's first ones.
    fn ahead_in(
        &self,
        state: &BranchState,
        lane: Lane,
        places: &BTreeSet<Place>,
        subject: &Subject,
    ) -> usize {
        let Subject {
            ticket,
            place: mine,
            now,
            guess,
        } = *subject;
        let Lane::Service(service, category) = lane else {
            return 0;
        };
        let Some((index, entry)) = entry_of(state, self.profile, self.rules, service, category)
        else {
            return 0;
        };
        let callable = || places.range(..place_at(now, true)).count();
        // Only a postponed ticket's own place lies after now; those before it are callable.
        let before_mine = || places.range(..mine.min(place_at(now, true))).count();
        let Some((my_index, my_entry)) = self.entry else {
            return callable();
        };
        let priority = |e: &ProfileEntry, c: Option<CategoryId>| {
            f64::from(e.weight) * category_weight(state, c)
        };
        match self.rules.policy {
            Policy::StrictOrder if index < my_index => callable(),
            Policy::StrictOrder if index == my_index => before_mine(),
            Policy::StrictOrder => 0,
            Policy::LongestWaiting => before_mine(),
            Policy::Weighted => {
                let (theirs, ours) = (
                    priority(entry, category),
                    priority(my_entry, ticket.category),
                );
                if theirs > ours {
                    callable()
                } else if theirs == ours {
                    before_mine()
                } else {
                    0
                }
            }
            Policy::Urgency => {
                // Ahead at the expected call, `guess` from now: waited × priority ÷ norm.
                let slope = |e: &ProfileEntry, s: ServiceId, c: Option<CategoryId>| {
                    priority(e, c) / waiting_norm(state, s, c)
                };
                let (theirs, ours) = (
                    slope(entry, service, category),
                    slope(my_entry, ticket.service, ticket.category),
                );
                if theirs == ours {
                    return before_mine();
                }
                let my_wait = guess + now.duration_since(ticket.queued_at).as_secs_f64();
                let since = guess - my_wait * ours / theirs;
                let bound = if since >= 0.0 {
                    place_at(now, true)
                } else {
                    let before = SignedDuration::try_from_secs_f64(-since)
                        .ok()
                        .and_then(|d| now.checked_sub(d).ok());
                    place_at(before.unwrap_or(Timestamp::MIN), false)
                };
                let own = usize::from(lane == Lane::of(ticket) && mine < bound);
                places.range(..bound).count() - own
            }
        }
    }
}

/// A bound in a lane's order: every place at or before `at` when `inclusive`, before it
/// otherwise. Front placements come before any time.
fn place_at(at: Timestamp, inclusive: bool) -> Place {
    Place {
        back: true,
        at,
        seq: if inclusive { u64::MAX } else { 0 },
        ticket: TicketId(if inclusive { u64::MAX } else { 0 }),
    }
}

/// The first entry of `rules` that takes tickets of this service and category, if the
/// category may be called by the profile at all.
fn entry_of<'a>(
    state: &BranchState,
    profile: &WorkProfile,
    rules: &'a Rules,
    service: ServiceId,
    category: Option<CategoryId>,
) -> Option<(usize, &'a ProfileEntry)> {
    if category
        .and_then(|c| state.category(c))
        .is_some_and(|c| !c.allows(profile.id))
    {
        return None;
    }
    rules
        .entries
        .iter()
        .enumerate()
        .find(|(_, e)| e.service == service && e.categories.admits(category))
}

fn category_weight(state: &BranchState, category: Option<CategoryId>) -> f64 {
    category
        .and_then(|c| state.category(c))
        .map_or(1.0, |c| f64::from(c.weight))
}

fn waiting_norm(state: &BranchState, service: ServiceId, category: Option<CategoryId>) -> f64 {
    let own = category
        .and_then(|c| state.category(c))
        .and_then(|c| c.waiting_norm_secs);
    let norm = own.or_else(|| state.service(service).map(|s| s.waiting_norm_secs));
    f64::from(norm.unwrap_or(1).max(1))
}
