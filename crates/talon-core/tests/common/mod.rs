//! Shared set-up for the integration tests: a branch with its services, work profiles and open
//! workplaces at a given instant, and a few shorthands for driving it.

#![allow(dead_code)]

use jiff::Timestamp;
use std::collections::BTreeMap;
use talon_core::AfterLast;
use talon_core::{
    BranchSettings, BranchState, CallReason, Category, CategoryFilter, CategoryId, Channel,
    Command, DomainError, Event, EventKind, Language, NumberRange, OperatorId, Policy,
    ProfileEntry, ProfileId, RatioMark, RatioScope, RatioStep, Rules, Service, ServiceId, Ticket,
    TicketId, TimeZoneName, WorkProfile, Workplace, WorkplaceId, execute,
};

/// Parses an RFC 3339 instant such as `2024-06-10T09:00:00Z`.
pub fn at(text: &str) -> Timestamp {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} is not an instant: {e}"))
}

pub fn settings(zone: &str) -> BranchSettings {
    BranchSettings {
        name: "Central branch".to_string(),
        time_zone: TimeZoneName::parse(zone).expect("a known time zone"),
        languages: vec![Language::Ru, Language::En],
        announcements: Default::default(),
        hours: None,
        holidays: Vec::new(),
        ticket_texts: Default::default(),
    }
}

/// A service numbered 1..=999, without limit or hours, enabled.
pub fn service(id: u64, prefix: &str) -> Service {
    Service {
        id: ServiceId(id),
        names: BTreeMap::from([
            (Language::Ru, format!("Услуга {prefix}")),
            (Language::En, format!("Service {prefix}")),
        ]),
        prefix: prefix.to_string(),
        numbering: NumberRange {
            first: 1,
            last: 999,
            after_last: AfterLast::Wrap,
        },
        daily_limit: None,
        hours: None,
        service_norm_secs: 600,
        waiting_norm_secs: 900,
        enabled: true,
        group: BTreeMap::new(),
    }
}

pub fn profile(id: u64, services: &[u64], policy: Policy) -> WorkProfile {
    let services: Vec<ServiceId> = services.iter().map(|s| ServiceId(*s)).collect();
    WorkProfile::simple(ProfileId(id), &format!("Profile {id}"), &services, policy)
}

pub fn workplace(id: u64) -> Workplace {
    Workplace {
        id: WorkplaceId(id),
        name: format!("Window {id}"),
    }
}

/// A workplace opened by an operator with a profile.
#[derive(Debug, Clone, Copy)]
pub struct Desk {
    pub workplace: WorkplaceId,
    pub operator: OperatorId,
    pub profile: ProfileId,
}

/// Workplace `n` opened by operator `100 + n` with profile `profile`.
pub fn desk(n: u64, profile: u64) -> Desk {
    Desk {
        workplace: WorkplaceId(n),
        operator: OperatorId(100 + n),
        profile: ProfileId(profile),
    }
}

/// A branch under test with its own clock, ticket ids and event log.
pub struct Branch {
    pub state: BranchState,
    pub now: Timestamp,
    pub log: Vec<Event>,
    next_ticket: u64,
}

impl Branch {
    /// Creates the branch at `now` in `zone`, defines the services, the profiles and one
    /// workplace per desk, and opens each desk.
    pub fn new(
        now: Timestamp,
        zone: &str,
        services: &[Service],
        profiles: &[WorkProfile],
        desks: &[Desk],
    ) -> Branch {
        let mut branch = Branch {
            state: BranchState::new(),
            now,
            log: Vec::new(),
            next_ticket: 1,
        };
        branch.ok(Command::CreateBranch(settings(zone)));
        for s in services {
            branch.ok(Command::DefineService(s.clone()));
        }
        for p in profiles {
            branch.ok(Command::DefineProfile(p.clone()));
        }
        branch.open_desks(desks);
        branch
    }

    /// Defines each desk's workplace and opens it for its operator with its profile.
    fn open_desks(&mut self, desks: &[Desk]) {
        for d in desks {
            self.ok(Command::DefineWorkplace(Workplace {
                id: d.workplace,
                name: format!("Window {}", d.workplace),
            }));
            self.ok(Command::OpenWorkplace {
                workplace: d.workplace,
                operator: d.operator,
                profile: d.profile,
            });
        }
    }

    /// Runs a command at the branch's clock.
    pub fn run(&mut self, command: Command) -> Result<Vec<Event>, DomainError> {
        let events = execute(&mut self.state, &command, self.now)?;
        self.log.extend(events.iter().cloned());
        Ok(events)
    }

    /// Runs a command that must succeed.
    pub fn ok(&mut self, command: Command) -> Vec<Event> {
        let text = format!("{command:?}");
        self.run(command)
            .unwrap_or_else(|e| panic!("{text} failed: {} ({e})", e.code()))
    }

    /// Runs a command that must fail, and returns the error's code.
    pub fn fails(&mut self, command: Command) -> &'static str {
        match self.run(command) {
            Ok(events) => panic!("expected an error, got {events:?}"),
            Err(e) => e.code(),
        }
    }

    pub fn advance(&mut self, secs: i64) {
        self.now = self
            .now
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .expect("a representable instant");
    }

    pub fn issue_command(&mut self, service: u64) -> (TicketId, Command) {
        let id = TicketId(self.next_ticket);
        self.next_ticket += 1;
        let command = Command::IssueTicket {
            category: None,
            due_at: None,
            id,
            token_hash: format!("token-{}", id.0),
            service: ServiceId(service),
            channel: Channel::Kiosk,
            language: None,
        };
        (id, command)
    }

    /// Issues a ticket of a service and returns its id.
    pub fn issue(&mut self, service: u64) -> TicketId {
        let (id, command) = self.issue_command(service);
        self.ok(command);
        id
    }

    /// Issues a ticket and returns its printed number.
    pub fn issue_number(&mut self, service: u64) -> String {
        let id = self.issue(service);
        self.ticket(id).number.clone()
    }

    pub fn ticket(&self, id: TicketId) -> &Ticket {
        self.state
            .ticket(id)
            .unwrap_or_else(|| panic!("ticket {id} is in the live state"))
    }

    /// Calls the next ticket to a workplace as its operator; `None` if nobody was called.
    pub fn call_next(&mut self, workplace: u64) -> Option<TicketId> {
        let by = self.operator_of(workplace);
        let events = self.ok(Command::CallNext {
            workplace: WorkplaceId(workplace),
            by,
        });
        match events.as_slice() {
            [] => None,
            [event] => match &event.kind {
                EventKind::TicketCalled { ticket, .. } => Some(*ticket),
                other => panic!("call next produced {other:?}"),
            },
            more => panic!("call next produced several events: {more:?}"),
        }
    }

    pub fn operator_of(&self, workplace: u64) -> Option<OperatorId> {
        self.state
            .workplace(WorkplaceId(workplace))
            .and_then(|w| w.operator)
    }

    /// The ids queued for a service, in queue order.
    pub fn queue(&self, service: u64) -> Vec<TicketId> {
        self.state
            .queue(ServiceId(service))
            .map(|(_, id)| id)
            .collect()
    }

    /// The whole state as JSON, to compare states.
    pub fn snapshot_json(&self) -> String {
        serde_json::to_string(&self.state.snapshot()).expect("a snapshot serialises")
    }
}

// ---------------------------------------------------------------------------------------------
// Routing: categories, profile entries and calls with their reasons

/// A customer category with a weight, an optional own waiting norm and an optional list of the
/// only profiles that may call it.
pub fn category(id: u64, weight: u32, norm: Option<u32>, profiles: Option<&[u64]>) -> Category {
    Category {
        id: CategoryId(id),
        names: BTreeMap::from([(Language::En, format!("Category {id}"))]),
        weight,
        waiting_norm_secs: norm,
        profiles: profiles.map(|p| p.iter().map(|id| ProfileId(*id)).collect()),
    }
}

/// A profile entry for a service with a category filter, a weight and an optional maximum wait.
pub fn entry(
    service: u64,
    categories: CategoryFilter,
    weight: u32,
    max_wait_secs: Option<u32>,
) -> ProfileEntry {
    ProfileEntry {
        service: ServiceId(service),
        categories,
        weight,
        max_wait_secs,
    }
}

/// A ratio step: `count` calls from the entries at these indexes.
pub fn step(entries: &[usize], count: u32) -> RatioStep {
    RatioStep {
        entries: entries.to_vec(),
        count,
    }
}

/// A profile with its own entries, policy and ratio, no variants and manual calls.
pub fn rules_profile(
    id: u64,
    entries: Vec<ProfileEntry>,
    policy: Policy,
    ratio: Vec<RatioStep>,
    ratio_scope: RatioScope,
) -> WorkProfile {
    WorkProfile {
        id: ProfileId(id),
        name: format!("Profile {id}"),
        rules: Rules {
            entries,
            policy,
            ratio,
            ratio_scope,
        },
        variants: Vec::new(),
        auto_call: false,
        no_show_after_recalls: None,
    }
}

/// A call as the operator sees it: the ticket, its number, why it was called and the ratio
/// count it moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub ticket: TicketId,
    pub number: String,
    pub workplace: WorkplaceId,
    pub reason: CallReason,
    pub ratio: Option<RatioMark>,
}

/// The calls among some events, in order.
pub fn calls_in(events: &[Event]) -> Vec<Call> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TicketCalled {
                ticket,
                number,
                workplace,
                reason,
                ratio,
                ..
            } => Some(Call {
                ticket: *ticket,
                number: number.clone(),
                workplace: *workplace,
                reason: reason.clone(),
                ratio: *ratio,
            }),
            _ => None,
        })
        .collect()
}

impl Branch {
    /// Creates the branch like [`Branch::new`], with categories defined before the profiles so
    /// that profiles may name them.
    pub fn with_categories(
        now: Timestamp,
        zone: &str,
        services: &[Service],
        categories: &[Category],
        profiles: &[WorkProfile],
        desks: &[Desk],
    ) -> Branch {
        let mut branch = Branch::new(now, zone, services, &[], &[]);
        for c in categories {
            branch.ok(Command::DefineCategory(c.clone()));
        }
        for p in profiles {
            branch.ok(Command::DefineProfile(p.clone()));
        }
        branch.open_desks(desks);
        branch
    }

    /// Issues a ticket of a service with a category and a booked time; returns its id.
    pub fn issue_with(
        &mut self,
        service: u64,
        category: Option<u64>,
        due_at: Option<Timestamp>,
    ) -> TicketId {
        let (id, command) = self.issue_command(service);
        let command = match command {
            Command::IssueTicket {
                id,
                token_hash,
                service,
                channel,
                language,
                ..
            } => Command::IssueTicket {
                id,
                token_hash,
                service,
                channel,
                language,
                category: category.map(CategoryId),
                due_at,
            },
            other => other,
        };
        self.ok(command);
        id
    }

    /// Calls the next ticket to a workplace as its operator and returns the call with its
    /// reason; `None` if nobody was called.
    pub fn call(&mut self, workplace: u64) -> Option<Call> {
        let by = self.operator_of(workplace);
        let events = self.ok(Command::CallNext {
            workplace: WorkplaceId(workplace),
            by,
        });
        let mut calls = calls_in(&events);
        assert!(calls.len() <= 1, "one call at most: {events:?}");
        calls.pop()
    }

    /// The printed number of a ticket.
    pub fn number(&self, id: TicketId) -> String {
        self.ticket(id).number.clone()
    }

    /// Calls the next ticket to a workplace and finishes it at once, freeing the workplace;
    /// returns the number called, `None` if nobody was.
    pub fn serve_next(&mut self, workplace: u64) -> Option<String> {
        let call = self.call(workplace)?;
        self.start_and_finish(call.ticket);
        Some(call.number)
    }

    /// Starts and finishes service of a called ticket as the operator of its workplace.
    pub fn start_and_finish(&mut self, ticket: TicketId) -> Vec<Event> {
        let by = self.ticket(ticket).operator;
        self.ok(Command::StartService { ticket, by });
        self.ok(Command::Finish { ticket, by })
    }
}
