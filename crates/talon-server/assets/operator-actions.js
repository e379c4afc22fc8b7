// What the operator does: calling, serving and passing visitors on, pausing and closing the
// workplace, through the action buttons, their dialogs and one-key shortcuts.

import { element } from "./common.js";
import { leaveWork } from "./operator-choice.js";
import { serviceName } from "./operator-format.js";
import { currentTicket, loadToday, myWorkplace, refresh, remember } from "./operator-live.js";
import { api, app, byId, run, say, t } from "./operator-state.js";

function act(path, body) {
  return api("POST", path, body);
}

async function called(ticket) {
  if (!ticket) {
    say(t("op_nobody"));
  } else {
    remember(ticket.id, ticket.reason);
    say(t("op_msg_called", { number: ticket.number }));
  }
  await refresh();
}

function callNext() {
  return run(async () => {
    await called(await act(`/workplaces/${app.session.workplace}/call-next`));
  });
}

export function callTicket(ticket) {
  return run(async () => {
    await called(await act(`/workplaces/${app.session.workplace}/call`, { ticket: ticket.id }));
  });
}

function ticketAction(action, message, body, values = {}) {
  const ticket = currentTicket();
  if (!ticket) return Promise.resolve();
  return run(async () => {
    const answer = await act(`/tickets/${ticket.id}/${action}`, body);
    // A profile may turn a recall past its limit into a no-show.
    const said = answer.status === "no_show" ? "op_msg_no_show" : message;
    if (said) say(t(said, { number: answer.number, ...values }));
    await refresh();
    if (["finish", "no-show", "transfer", "recall"].includes(action)) await loadToday();
  });
}

function workplaceAction(action, message, body) {
  return run(async () => {
    await act(`/workplaces/${app.session.workplace}/${action}`, body);
    if (action === "close") {
      await leaveWork(t(message));
      return;
    }
    say(t(message));
    await refresh();
  });
}

function openDialog(id, prepare) {
  const dialog = byId(id);
  if (dialog.open) return;
  prepare?.();
  dialog.showModal();
  dialog.querySelector("[autofocus]")?.focus();
}

function postponeDialog() {
  if (!currentTicket()) return;
  openDialog("postpone-dialog");
}

function transferDialog() {
  const ticket = currentTicket();
  if (!ticket) return;
  openDialog("transfer-dialog", () => {
    const options = app.config.services
      .filter((s) => s.id !== ticket.service)
      .map((s) => element("option", { value: s.id, text: `${s.prefix} · ${serviceName(s.id)}` }));
    byId("transfer-service").replaceChildren(...options);
    byId("transfer-return").checked = false;
    byId("transfer-confirm").disabled = options.length === 0;
  });
}

function pauseDialog() {
  if (myWorkplace()?.status !== "open" || currentTicket()) return;
  openDialog("pause-dialog", () => {
    byId("pause-reason").value = "";
  });
}

export async function submitPostpone(event) {
  event.preventDefault();
  const value = Number(byId("postpone-minutes").value);
  byId("postpone-dialog").close();
  await ticketAction("postpone", "op_msg_postponed", { seconds: Math.round(value * 60) }, { n: value });
}

export async function submitTransfer(event) {
  event.preventDefault();
  const service = Number(byId("transfer-service").value);
  const returnAfter = byId("transfer-return").checked;
  byId("transfer-dialog").close();
  await ticketAction("transfer", "op_msg_transferred", { service, return_after: returnAfter }, {
    service: serviceName(service),
  });
}

export async function submitPause(event) {
  event.preventDefault();
  const reason = byId("pause-reason").value.trim();
  byId("pause-dialog").close();
  await workplaceAction("pause", "op_msg_paused", { reason });
}

export const ACTIONS = {
  "call-next": callNext,
  recall: () => ticketAction("recall", "op_msg_recalled"),
  start: () => ticketAction("start", null),
  finish: () => ticketAction("finish", "op_msg_finished"),
  "no-show": () => ticketAction("no-show", "op_msg_no_show"),
  postpone: postponeDialog,
  transfer: transferDialog,
  pause: pauseDialog,
  resume: () => workplaceAction("resume", "op_msg_resumed"),
  close: () => workplaceAction("close", "op_msg_closed"),
};

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

// The letter of a key press: the letter typed on a Latin layout (so Z is Z on a German
// keyboard), else the key's place on a US keyboard (so N works on a Russian layout too).
function letter(event) {
  const key = event.key.toUpperCase();
  if (/^[A-Z]$/.test(key)) return key;
  return /^Key([A-Z])$/.exec(event.code)?.[1] || null;
}

export function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (typing(event.target) || document.querySelector("dialog[open]")) return;
  if (byId("work-view").hidden) return;
  const key = letter(event);
  if (!key) return;
  const button = [...document.querySelectorAll("#actions button[data-key]")]
    .find((b) => b.dataset.key === key && !b.hidden);
  if (!button) return;
  event.preventDefault();
  if (!button.disabled) button.click();
}
