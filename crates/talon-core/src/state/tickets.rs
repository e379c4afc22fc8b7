//! How ticket events change the state: the queues, the workplaces, the day's counters and
//! numbers in use, the recent calls, and each operator's counts for the day.

use super::{BranchState, CallRecord, RECENT_CALLS};
use crate::event::{Event, EventKind, RatioMark};
use crate::ids::{OperatorId, ServiceId, TicketId, WorkplaceId};
use crate::ticket::{Ticket, TicketStatus, number_value};
use jiff::Timestamp;
use jiff::civil::Date;

/// A call as its event states it.
pub(super) struct Call<'a> {
    pub ticket: TicketId,
    pub number: &'a str,
    pub service: ServiceId,
    pub workplace: WorkplaceId,
    pub operator: OperatorId,
    pub ratio: Option<&'a RatioMark>,
}

impl BranchState {
    pub(super) fn issued(&mut self, event: &Event) {
        let EventKind::TicketIssued {
            ticket,
            token_hash,
            number,
            service,
            day,
            channel,
            language,
            category,
            due_at,
        } = &event.kind
        else {
            return;
        };
        let counter = self.counters.entry((*service, *day)).or_default();
        counter.issued += 1;
        counter.last = number_value(number).or(counter.last);
        self.numbers_in_use.insert((*day, number.clone()));
        self.by_token.insert(token_hash.clone(), *ticket);
        self.tickets.insert(
            *ticket,
            Ticket {
                id: *ticket,
                token_hash: token_hash.clone(),
                number: number.clone(),
                service: *service,
                day: *day,
                channel: *channel,
                language: *language,
                status: TicketStatus::Waiting,
                created_at: event.at,
                queued_at: event.at,
                issued_seq: event.seq,
                queued_seq: event.seq,
                called_at: None,
                started_at: None,
                finished_at: None,
                workplace: None,
                operator: None,
                calls: 0,
                recalls: 0,
                transfers: 0,
                category: *category,
                due_at: *due_at,
                personal: None,
                front: false,
                return_to: None,
            },
        );
        self.enqueue(*ticket);
    }

    pub(super) fn called(&mut self, call: Call<'_>, at: Timestamp) {
        if let Some(mark) = call.ratio {
            self.ratios.insert(mark.key, (mark.step, mark.served));
        }
        self.dequeue(call.ticket);
        if let Some(t) = self.tickets.get_mut(&call.ticket) {
            t.status = TicketStatus::Called;
            t.called_at = Some(at);
            t.workplace = Some(call.workplace);
            t.operator = Some(call.operator);
            t.calls += 1;
            t.recalls = 0;
        }
        if let Some(w) = self.workplaces.get_mut(&call.workplace) {
            w.current = Some(call.ticket);
        }
        self.remember_call(CallRecord {
            ticket: call.ticket,
            number: call.number.to_string(),
            service: call.service,
            workplace: call.workplace,
            at,
            recall: false,
        });
    }

    pub(super) fn recalled(
        &mut self,
        ticket: TicketId,
        number: &str,
        workplace: WorkplaceId,
        calls: u32,
        at: Timestamp,
    ) {
        let service = self.tickets.get_mut(&ticket).map(|t| {
            t.calls = calls;
            t.recalls += 1;
            t.service
        });
        if let Some(service) = service {
            self.remember_call(CallRecord {
                ticket,
                number: number.to_string(),
                service,
                workplace,
                at,
                recall: true,
            });
        }
    }

    pub(super) fn started(&mut self, ticket: TicketId, at: Timestamp) {
        if let Some(t) = self.tickets.get_mut(&ticket) {
            t.status = TicketStatus::Serving;
            t.started_at = Some(at);
        }
    }

    pub(super) fn finished(&mut self, ticket: TicketId, at: Timestamp) {
        if let Some(t) = self.tickets.get(&ticket)
            && let Some(key) = holder(t)
        {
            let took = t
                .started_at
                .map(|from| u64::try_from(at.duration_since(from).as_secs()).unwrap_or(0));
            let day = self.operator_days.entry(key).or_default();
            day.served += 1;
            if let Some(secs) = took {
                day.service_secs += secs;
                day.timed += 1;
            }
        }
        self.end(ticket, TicketStatus::Done, at);
    }

    pub(super) fn no_show(&mut self, ticket: TicketId, at: Timestamp) {
        if let Some(key) = self.tickets.get(&ticket).and_then(holder) {
            self.operator_days.entry(key).or_default().no_show += 1;
        }
        self.end(ticket, TicketStatus::NoShow, at);
    }

    pub(super) fn postponed(&mut self, ticket: TicketId, until: Timestamp, seq: u64) {
        self.dequeue(ticket);
        if let Some(t) = self.tickets.get_mut(&ticket) {
            t.front = false;
        }
        self.requeue(ticket, None, until, seq, TicketStatus::Postponed);
    }

    pub(super) fn transferred(
        &mut self,
        ticket: TicketId,
        to_service: ServiceId,
        queued_at: Timestamp,
        front: bool,
        return_to: Option<ServiceId>,
        event: &Event,
    ) {
        self.count_transfer(ticket);
        // A place by original arrival keeps the order of the issue; a place taken now is
        // behind everyone placed at the same instant before.
        let queued_seq = match self.tickets.get(&ticket) {
            Some(t) if queued_at < event.at => t.issued_seq,
            _ => event.seq,
        };
        self.dequeue(ticket);
        if let Some(t) = self.tickets.get_mut(&ticket) {
            t.return_to = return_to;
            t.front = front;
            t.personal = None;
        }
        self.requeue(
            ticket,
            Some(to_service),
            queued_at,
            queued_seq,
            TicketStatus::Waiting,
        );
    }

    pub(super) fn assigned(&mut self, ticket: TicketId, operator: OperatorId, event: &Event) {
        self.count_transfer(ticket);
        self.dequeue(ticket);
        if let Some(t) = self.tickets.get_mut(&ticket) {
            t.personal = Some(operator);
            t.front = false;
        }
        self.requeue(ticket, None, event.at, event.seq, TicketStatus::Waiting);
    }

    /// After its service, a ticket comes back to the front of its original service's queue:
    /// open again, so its number is in use again.
    pub(super) fn returned(&mut self, ticket: TicketId, to_service: ServiceId, event: &Event) {
        self.dequeue(ticket);
        if let Some(t) = self.tickets.get_mut(&ticket) {
            t.return_to = None;
            t.front = true;
            t.personal = None;
            t.started_at = None;
            t.finished_at = None;
            self.numbers_in_use.insert((t.day, t.number.clone()));
        }
        self.requeue(
            ticket,
            Some(to_service),
            event.at,
            event.seq,
            TicketStatus::Waiting,
        );
    }

    pub(super) fn end(&mut self, id: TicketId, status: TicketStatus, at: Timestamp) {
        self.dequeue(id);
        self.release_workplace(id);
        if let Some(t) = self.tickets.get_mut(&id) {
            t.status = status;
            t.finished_at = Some(at);
            self.numbers_in_use.remove(&(t.day, t.number.clone()));
        }
    }

    pub(super) fn close_day(&mut self, day: Date) {
        let gone: Vec<TicketId> = self
            .tickets
            .values()
            .filter(|t| t.day <= day && t.status.is_final())
            .map(|t| t.id)
            .collect();
        for id in gone {
            if let Some(t) = self.tickets.remove(&id) {
                self.by_token.remove(&t.token_hash);
            }
        }
        // A branch may move its time zone west and be back on an earlier date; keep a margin
        // of counters so such a date continues its numbering instead of restarting it.
        let keep_from = day.saturating_sub(jiff::Span::new().days(2));
        self.counters.retain(|(_, d), _| *d >= keep_from);
        self.operator_days.retain(|(_, d), _| *d >= keep_from);
    }

    /// A ticket moved away from a workplace counts as its operator's transfer; one moved from
    /// a queue does not.
    fn count_transfer(&mut self, ticket: TicketId) {
        if let Some(key) = self.tickets.get(&ticket).and_then(holder) {
            self.operator_days.entry(key).or_default().transferred += 1;
        }
    }

    pub(super) fn enqueue(&mut self, id: TicketId) {
        if let Some(t) = self.tickets.get(&id) {
            self.queues.insert(t);
        }
    }

    fn dequeue(&mut self, id: TicketId) {
        if let Some(t) = self.tickets.get(&id)
            && t.status.is_queued()
        {
            self.queues.remove(t);
        }
    }

    /// Takes a ticket off its workplace, if it is at one.
    fn release_workplace(&mut self, id: TicketId) {
        if let Some(w) = self
            .tickets
            .get(&id)
            .and_then(|t| t.workplace)
            .and_then(|w| self.workplaces.get_mut(&w))
            && w.current == Some(id)
        {
            w.current = None;
        }
    }

    fn requeue(
        &mut self,
        id: TicketId,
        service: Option<ServiceId>,
        queued_at: Timestamp,
        queued_seq: u64,
        status: TicketStatus,
    ) {
        self.dequeue(id);
        self.release_workplace(id);
        if let Some(t) = self.tickets.get_mut(&id) {
            if let Some(service) = service {
                t.service = service;
                t.transfers += 1;
            }
            t.status = status;
            t.queued_at = queued_at;
            t.queued_seq = queued_seq;
            t.workplace = None;
        }
        self.enqueue(id);
    }

    fn remember_call(&mut self, call: CallRecord) {
        self.recent_calls.push_front(call);
        self.recent_calls.truncate(RECENT_CALLS);
    }
}

/// Whose day a ticket at a workplace counts for: the operator of its latest call, on the
/// ticket's business day. A ticket in a queue is nobody's.
fn holder(t: &Ticket) -> Option<(OperatorId, Date)> {
    let at_workplace = matches!(t.status, TicketStatus::Called | TicketStatus::Serving);
    t.operator
        .filter(|_| at_workplace)
        .map(|operator| (operator, t.day))
}
