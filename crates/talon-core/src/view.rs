//! Read models: what a visitor, a display or a dashboard sees of a branch at an instant.

use crate::config::{Interval, Language};
use crate::event::RatioKey;
use crate::ids::{OperatorId, ProfileId, ServiceId, TicketId, WorkplaceId};
use crate::state::{BranchState, WorkplaceState, WorkplaceStatus};
use crate::ticket::{Ticket, TicketStatus};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

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

    /// A first estimate of the wait: the people ahead share the workplaces that serve the
    /// service, each taking the service norm; a postponed ticket waits at least until its time.
    pub fn eta_seconds(&self, ticket: &Ticket, now: Timestamp) -> Option<u64> {
        let ahead = self.position(ticket)? as u64;
        let norm = u64::from(self.service(ticket.service)?.service_norm_secs);
        let servers = self
            .workplaces()
            .filter(|w| w.status != WorkplaceStatus::Closed)
            .filter_map(|w| w.profile.and_then(|p| self.profile(p)))
            .filter(|p| p.all_services().any(|s| s == ticket.service))
            .count()
            .max(1) as u64;
        let by_queue = ahead * norm / servers;
        let by_time = secs_between(now, ticket.queued_at);
        Some(by_queue.max(by_time))
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
