//! The preview of a work profile: in which order an operator working with it would call a
//! sample queue, and why. It runs the real engine on a scratch copy of the branch's
//! configuration, so the preview can never disagree with what routing does.
//!
//! The scratch branch has the live branch's settings, services and categories, the profile
//! under preview, one open workplace and the sample's tickets, each issued `waited_secs` before
//! the instant of the preview. Then the workplace calls the next ticket again and again at that
//! one instant, each call marked a no-show at once to free the workplace, until nobody is
//! left that the profile takes. The live branch is only read. Two things differ from the live
//! branch on purpose: the branch and every service are open for the sample (their hours, the
//! branch's holidays, a service's enabled flag, daily limit and numbering range could refuse a
//! sample ticket), and a ratio starts at its first step, as it does for a new profile.

use crate::command::Command;
use crate::config::{NumberRange, WorkProfile, Workplace};
use crate::error::{DomainError, Entity};
use crate::event::{CallReason, EventKind};
use crate::ids::{CategoryId, OperatorId, ServiceId, TicketId, WorkplaceId};
use crate::state::BranchState;
use crate::ticket::Channel;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The most visitors a sample may have: enough to show a ratio's turns, few enough to answer
/// at once.
pub const MAX_SAMPLE: usize = 50;
/// The longest wait a sample visitor may have had: one day.
pub const MAX_SAMPLE_WAIT_SECS: u32 = 86_400;

/// The workplace and operator of the scratch branch.
const DESK: WorkplaceId = WorkplaceId(1);
const OPERATOR: OperatorId = OperatorId(1);

/// A visitor of the sample queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleTicket {
    pub service: ServiceId,
    /// The visitor's customer category; none for a regular visitor.
    #[serde(default)]
    pub category: Option<CategoryId>,
    /// How long the visitor has waited at the instant of the preview.
    pub waited_secs: u32,
}

/// One call of the preview.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewCall {
    /// The index of the visitor in the sample.
    pub sample: usize,
    /// The ticket's number in the scratch branch, numbered in the order of arrival.
    pub number: String,
    pub reason: CallReason,
}

/// The call order of a sample queue under a profile.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// The instant of the preview, when every call happens.
    pub at: Timestamp,
    /// Each sample visitor's ticket number, by index in the sample.
    pub numbers: Vec<String>,
    /// The calls in order.
    pub calls: Vec<PreviewCall>,
    /// The sample visitors the profile never calls (another service, a category it does not
    /// take), by index in the sample.
    pub not_called: Vec<usize>,
}

/// The order in which an operator with `profile` would call `sample` in `branch` at `at`.
/// Fails with a validation error when the profile is invalid for the branch (the same errors
/// saving it would give) or the sample names a service or category the branch does not have.
pub fn preview_calls(
    branch: &BranchState,
    profile: &WorkProfile,
    sample: &[SampleTicket],
    at: Timestamp,
) -> Result<Preview, DomainError> {
    let settings = branch
        .settings()
        .ok_or(DomainError::NotFound(Entity::Branch))?;
    check_sample(branch, sample)?;
    let longest = sample.iter().map(|t| t.waited_secs).max().unwrap_or(0);
    let before = |secs: u32| {
        at.checked_sub(SignedDuration::from_secs(i64::from(secs)))
            .map_err(|_| DomainError::invalid("sample", "the waits reach before the year 1"))
    };
    // Time never runs backwards in a branch, so the configuration comes first, at the
    // earliest arrival.
    let start = before(longest)?;

    let mut scratch = BranchState::new();
    let mut open_branch = settings.clone();
    open_branch.hours = None;
    open_branch.holidays.clear();
    run(&mut scratch, Command::CreateBranch(open_branch), start)?;
    for service in branch.services() {
        let mut open = service.clone();
        open.hours = None;
        open.enabled = true;
        open.daily_limit = None;
        open.numbering = room_for_sample(service.numbering);
        run(&mut scratch, Command::DefineService(open), start)?;
    }
    for category in branch.categories() {
        run(
            &mut scratch,
            Command::DefineCategory(category.clone()),
            start,
        )?;
    }
    // Calls are made one by one below; a profile that calls by itself would take them first.
    let mut profile = profile.clone();
    profile.auto_call = false;
    let profile_id = profile.id;
    run(&mut scratch, Command::DefineProfile(profile), start)?;
    run(
        &mut scratch,
        Command::DefineWorkplace(Workplace {
            id: DESK,
            name: "preview".to_string(),
        }),
        start,
    )?;
    run(
        &mut scratch,
        Command::OpenWorkplace {
            workplace: DESK,
            operator: OPERATOR,
            profile: profile_id,
        },
        start,
    )?;

    // The longest waiting arrives first; equal waits arrive in the order of the sample.
    let mut arrivals: Vec<usize> = (0..sample.len()).collect();
    arrivals.sort_by_key(|&i| std::cmp::Reverse(sample[i].waited_secs));
    for &i in &arrivals {
        let visitor = &sample[i];
        let command = Command::IssueTicket {
            id: ticket_of(i),
            token_hash: format!("preview-{i}"),
            service: visitor.service,
            channel: Channel::Kiosk,
            language: None,
            category: visitor.category,
            due_at: None,
        };
        run(&mut scratch, command, before(visitor.waited_secs)?)?;
    }
    let numbers = (0..sample.len())
        .map(|i| {
            scratch
                .ticket(ticket_of(i))
                .map_or_else(String::new, |t| t.number.clone())
        })
        .collect();

    let mut calls = Vec::new();
    while calls.len() < sample.len() {
        let call = Command::CallNext {
            workplace: DESK,
            by: Some(OPERATOR),
        };
        let called = run(&mut scratch, call, at)?
            .into_iter()
            .find_map(|e| match e.kind {
                EventKind::TicketCalled {
                    ticket,
                    number,
                    reason,
                    ..
                } => Some((ticket, number, reason)),
                _ => None,
            });
        let Some((ticket, number, reason)) = called else {
            break;
        };
        let free = Command::NoShow {
            ticket,
            by: Some(OPERATOR),
        };
        run(&mut scratch, free, at)?;
        calls.push(PreviewCall {
            sample: sample_of(ticket),
            number,
            reason,
        });
    }
    let not_called = (0..sample.len())
        .filter(|i| calls.iter().all(|c| c.sample != *i))
        .collect();
    Ok(Preview {
        at,
        numbers,
        calls,
        not_called,
    })
}

fn run(
    state: &mut BranchState,
    command: Command,
    now: Timestamp,
) -> Result<Vec<crate::event::Event>, DomainError> {
    crate::execute(state, &command, now)
}

fn check_sample(branch: &BranchState, sample: &[SampleTicket]) -> Result<(), DomainError> {
    if sample.len() > MAX_SAMPLE {
        return Err(DomainError::invalid(
            "sample",
            format!("at most {MAX_SAMPLE} visitors"),
        ));
    }
    for visitor in sample {
        if branch.service(visitor.service).is_none() {
            return Err(DomainError::invalid(
                "sample",
                format!("service {} does not exist", visitor.service),
            ));
        }
        if let Some(category) = visitor.category
            && branch.category(category).is_none()
        {
            return Err(DomainError::invalid(
                "sample",
                format!("category {category} does not exist"),
            ));
        }
        if visitor.waited_secs > MAX_SAMPLE_WAIT_SECS {
            return Err(DomainError::invalid(
                "sample",
                format!("a wait is at most {MAX_SAMPLE_WAIT_SECS} seconds"),
            ));
        }
    }
    Ok(())
}

/// A numbering range with at least [`MAX_SAMPLE`] numbers, so a sample never runs out; a range
/// wide enough already stays as it is, and with it the look of the numbers.
fn room_for_sample(range: NumberRange) -> NumberRange {
    let needed = MAX_SAMPLE as u32;
    if range.last - range.first + 1 >= needed {
        return range;
    }
    let last = range.first.saturating_add(needed - 1).min(99_999);
    NumberRange {
        first: range.first.min(last + 1 - needed),
        last,
        ..range
    }
}

fn ticket_of(index: usize) -> TicketId {
    TicketId(index as u64 + 1)
}

fn sample_of(ticket: TicketId) -> usize {
    (ticket.0 - 1) as usize
}
