//! Shared set-up for the integration tests: a branch with its services, work profiles and open
//! workplaces at a given instant, and a few shorthands for driving it.

#![allow(dead_code)]

use jiff::Timestamp;
use std::collections::BTreeMap;
use talon_core::{
    BranchSettings, BranchState, Channel, Command, DomainError, Event, EventKind, Language,
    NumberRange, OperatorId, Policy, ProfileId, Service, ServiceId, Ticket, TicketId, TimeZoneName,
    WorkProfile, Workplace, WorkplaceId, execute,
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
        },
        daily_limit: None,
        hours: None,
        service_norm_secs: 600,
        waiting_norm_secs: 900,
        enabled: true,
    }
}

pub fn profile(id: u64, services: &[u64], policy: Policy) -> WorkProfile {
    WorkProfile {
        id: ProfileId(id),
        name: format!("Profile {id}"),
        services: services.iter().map(|s| ServiceId(*s)).collect(),
        policy,
    }
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
        for d in desks {
            branch.ok(Command::DefineWorkplace(Workplace {
                id: d.workplace,
                name: format!("Window {}", d.workplace),
            }));
            branch.ok(Command::OpenWorkplace {
                workplace: d.workplace,
                operator: d.operator,
                profile: d.profile,
            });
        }
        branch
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
