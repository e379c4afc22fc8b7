// The live picture of the branch: the state and the tickets, re-read after the events of the
// branch's stream (many in a burst make one reload), the operator's own day, and why each
// ticket was called (kept for the tab, since only the call's event says it).

import { ApiError, readStored } from "./common.js";
import { leaveWork } from "./operator-choice.js";
import { render } from "./operator-current.js";
import { renderToday } from "./operator-queues.js";
import { loadBranch } from "./operator-session.js";
import { api, app, byId, t } from "./operator-state.js";

const REASONS_KEY = "talon.operator.reasons";
const REFRESH_DELAY_MS = 250;
const RECONNECT_DELAY_MS = 3000;
// Reasons kept for the calls of this tab: only the current ticket's is ever shown.
const MAX_REASONS = 20;

const TICKET_EVENTS = [
  "ticket_issued", "ticket_called", "ticket_recalled", "service_started", "service_finished",
  "ticket_no_show", "ticket_postponed", "ticket_transferred", "ticket_assigned",
  "ticket_returned", "ticket_cancelled", "ticket_expired", "day_closed",
  "workplace_opened", "workplace_paused", "workplace_resumed", "workplace_closed",
];
const CONFIG_EVENTS = [
  "branch_updated", "service_defined", "service_removed", "workplace_defined",
  "workplace_removed", "profile_defined", "profile_removed", "category_defined",
  "category_removed",
];

export function myWorkplace() {
  return app.view?.workplaces.find((w) => w.id === app.session.workplace) || null;
}

export function myProfile() {
  const id = myWorkplace()?.profile;
  return app.config?.profiles.find((p) => p.id === id) || null;
}

// Every service the profile may call from, in the profile's order.
export function myServices() {
  const profile = myProfile();
  if (!profile) return [];
  const rules = [profile, ...(profile.variants || [])];
  return [...new Set(rules.flatMap((r) => r.entries.map((e) => e.service)))];
}

export function currentTicket() {
  const at = myWorkplace()?.current;
  if (!at) return null;
  return app.tickets.find((t) => t.id === at.ticket) || { id: at.ticket, number: at.number, service: at.service, status: at.status };
}

function reasons() {
  return readStored(sessionStorage, REASONS_KEY) || [];
}

export function remember(ticket, reason) {
  if (!reason) return;
  const kept = reasons().filter(([id]) => id !== ticket).slice(-(MAX_REASONS - 1));
  kept.push([ticket, reason]);
  sessionStorage.setItem(REASONS_KEY, JSON.stringify(kept));
}

export function reasonOf(ticket) {
  return reasons().find(([id]) => id === ticket)?.[1] || null;
}

export async function refresh() {
  // A reload asked for just before the workplace was left has nothing to show.
  if (app.session.workplace == null) return;
  if (app.configStale) await loadBranch();
  const [state, list] = await Promise.all([
    api("GET", `/branches/${app.session.branch}/state`),
    api("GET", `/branches/${app.session.branch}/tickets`),
  ]);
  app.view = state;
  app.tickets = list;
  app.lastSeq = Math.max(app.lastSeq, state.seq);
  const workplace = myWorkplace();
  if (!workplace || workplace.status === "closed" || workplace.operator !== app.session.user.id) {
    await leaveWork(t("op_msg_closed"));
    return;
  }
  render();
  if (app.todayStale) await loadToday();
}

// Many events in a burst make one reload; one that arrives during a reload makes another.
export function refreshSoon() {
  if (app.refreshTimer) return;
  app.refreshTimer = setTimeout(async () => {
    app.refreshTimer = null;
    if (app.refreshing) {
      app.refreshAgain = true;
      return;
    }
    app.refreshing = refresh()
      .catch((error) => {
        if (!(error instanceof ApiError) || error.status !== 401) console.warn(error);
      })
      .finally(() => {
        app.refreshing = null;
        if (app.refreshAgain) {
          app.refreshAgain = false;
          refreshSoon();
        }
      });
  }, REFRESH_DELAY_MS);
}

export async function loadToday() {
  app.todayStale = false;
  app.today = await api("GET", `/branches/${app.session.branch}/me/today`);
  renderToday();
}

export function connect() {
  disconnect();
  const url = `/api/v1/branches/${app.session.branch}/events?page=operator&last_event_id=${app.lastSeq}`;
  const source = new EventSource(url);
  app.stream = source;
  for (const kind of [...TICKET_EVENTS, ...CONFIG_EVENTS]) {
    source.addEventListener(kind, onEvent);
  }
  source.onopen = () => {
    byId("offline").hidden = true;
  };
  source.onerror = () => {
    byId("offline").hidden = false;
    // A refused stream (an expired session, a server that restarted without the branch) is
    // not retried by the browser: look again a little later, from where the page is.
    if (source.readyState === EventSource.CLOSED && app.stream === source) {
      setTimeout(() => {
        if (app.stream !== source) return;
        refresh().then(connect, (error) => {
          if (app.stream === source) source.onerror();
          console.warn(error);
        });
      }, RECONNECT_DELAY_MS);
    }
  };
}

export function disconnect() {
  if (app.stream) app.stream.close();
  app.stream = null;
  byId("offline").hidden = true;
}

function onEvent(event) {
  app.lastSeq = Math.max(app.lastSeq, Number(event.lastEventId) || 0);
  const data = JSON.parse(event.data);
  const mine = data.workplace === app.session.workplace;
  if (event.type === "ticket_called" && mine) remember(data.ticket, data.reason);
  if (CONFIG_EVENTS.includes(event.type)) app.configStale = true;
  if ((event.type === "service_finished" || event.type === "ticket_no_show") && mine) app.todayStale = true;
  if ((event.type === "ticket_transferred" || event.type === "ticket_assigned") && data.ticket === currentTicket()?.id) {
    app.todayStale = true;
  }
  refreshSoon();
}
