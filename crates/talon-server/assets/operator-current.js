// The visitor at the counter: the workplace's badge, the ticket's times and why it was called,
// which actions its state allows, and the clock and timers that run once a second.

import { clockTime, decimal, duration, minutes, serviceName, servicePrefix, stopwatch } from "./operator-format.js";
import { currentTicket, myProfile, myWorkplace, reasonOf } from "./operator-live.js";
import { renderQueues, renderTickets } from "./operator-queues.js";
import { app, byId, t, texts } from "./operator-state.js";

export function render() {
  const workplace = myWorkplace();
  const profile = myProfile();
  const branchName = app.view.name ? `${app.view.name} · ` : "";
  byId("place").textContent = `${branchName}${t("op_workplace")} ${workplace.name} · ${profile?.name || ""}`;
  const badge = byId("workplace-status");
  badge.hidden = false;
  badge.dataset.status = workplace.status;
  badge.textContent = workplace.status === "paused"
    ? t("op_wp_paused", { reason: workplace.reason || "" })
    : t(`op_wp_${workplace.status}`);
  renderCurrent();
  renderButtons();
  renderQueues();
  renderTickets();
  tick();
}

function renderCurrent() {
  const ticket = currentTicket();
  const workplace = myWorkplace();
  const card = byId("current");
  card.dataset.status = ticket?.status || (workplace.status === "paused" ? "paused" : "none");
  byId("current-number").textContent = ticket?.number || "";
  byId("current-status").textContent = ticket ? t(`op_status_${ticket.status}`) : "";
  byId("current-empty").hidden = Boolean(ticket);
  byId("current-details").hidden = !ticket;
  byId("current-empty").textContent = workplace.status === "paused"
    ? t("op_paused_hint", { reason: workplace.reason || "" })
    : t("op_none");
  if (!ticket) {
    byId("reason").textContent = "";
    return;
  }
  byId("current-service").textContent = `${servicePrefix(ticket.service)} · ${serviceName(ticket.service)}`;
  byId("issued-at").textContent = clockTime(ticket.created_at);
  byId("called-at").textContent = clockTime(ticket.called_at);
  byId("started-at").textContent = clockTime(ticket.started_at);
  const reason = reasonOf(ticket.id);
  const waited = reason?.waited_secs ?? (ticket.called_at && ticket.created_at
    ? (Date.parse(ticket.called_at) - Date.parse(ticket.created_at)) / 1000
    : null);
  byId("waited").textContent = waited == null ? "—" : duration(waited);
  const timer = byId("timer");
  const since = ticket.status === "serving" ? ticket.started_at : ticket.called_at;
  timer.dataset.since = since ? String(Date.parse(since)) : "";
  byId("timer-label").textContent = ticket.status === "serving" ? t("op_in_service") : t("op_since_call");
  byId("reason").textContent = explain(reason, ticket);
}

// The call's reason as a sentence: which rule chose the ticket and by what values.
function explain(reason, ticket) {
  if (!reason) return "";
  const values = {
    waited: duration(reason.waited_secs),
    entry: (reason.position_in_profile ?? 0) + 1,
    service: serviceName(ticket.service),
  };
  let measure = (value) => value;
  switch (reason.rule) {
    case "weighted":
      values.priority = reason.priority;
      break;
    case "urgency":
      values.urgency = decimal(reason.urgency_permille / 1000);
      values.norm = duration(reason.norm_secs);
      measure = (value) => decimal(value / 1000);
      break;
    case "max_wait_exceeded":
      values.max = duration(reason.max_wait_secs);
      break;
    case "appointment_due":
      values.time = clockTime(reason.due_at);
      break;
    default:
      break;
  }
  const key = `op_reason_${reason.rule}`;
  let text = key in texts ? t(key, values) : t("op_reason_other", { rule: reason.rule });
  if (reason.runner_up) {
    text += ` ${t("op_reason_runner_up", { number: reason.runner_up.number, value: measure(reason.runner_up.value) })}`;
  }
  return text;
}

function setEnabled(id, enabled) {
  byId(id).disabled = app.busy || !enabled;
}

export function renderButtons() {
  const workplace = myWorkplace();
  if (!workplace) return;
  const ticket = currentTicket();
  const status = ticket?.status;
  const paused = workplace.status === "paused";
  setEnabled("call-next", !paused && !ticket);
  setEnabled("recall", status === "called");
  setEnabled("start", status === "called");
  setEnabled("finish", status === "serving");
  setEnabled("no-show", status === "called");
  setEnabled("postpone", Boolean(ticket));
  setEnabled("transfer", Boolean(ticket));
  byId("pause").hidden = paused;
  byId("resume").hidden = !paused;
  setEnabled("pause", !paused && !ticket);
  setEnabled("resume", paused);
  setEnabled("close", !ticket);
  for (const button of byId("tickets").querySelectorAll("button.call")) {
    button.disabled = app.busy || paused || Boolean(ticket);
  }
}

// Once a second: the clock, the running timer and every "waiting for" on the screen.
export function tick() {
  // The branch's time, once the branch is known.
  byId("clock").textContent = app.view ? clockTime(new Date()) : "";
  const now = Date.now();
  for (const node of document.querySelectorAll("#work-view [data-since]")) {
    if (!node.dataset.since) {
      node.textContent = "";
      continue;
    }
    const secs = (now - Number(node.dataset.since)) / 1000;
    if (node.id === "timer") node.textContent = stopwatch(secs);
    else node.textContent = minutes(secs);
    if (node.dataset.norm) {
      node.closest("li").classList.toggle("over", secs > Number(node.dataset.norm));
    }
  }
}
