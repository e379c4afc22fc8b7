// The visitor's ticket page: follows the ticket's own event stream and updates the page in
// place. When the visitor is called, the phone vibrates and chimes where it allows, and the tab's
// title says where to go, so a visitor in another app sees it. EventSource reconnects by itself;
// the server sends the current state first after every connect, so nothing is missed.

import { chime } from "./chime.js";
import { pageTexts } from "./common.js";

const main = document.querySelector("main[data-token]");
const token = main.dataset.token;
const { t } = pageTexts();
const originalTitle = document.title;

const STATUS_KEYS = {
  waiting: "status_waiting",
  postponed: "status_postponed",
  called: "status_called",
  serving: "status_serving",
  done: "status_done",
  no_show: "status_no_show",
  cancelled: "status_cancelled",
  expired: "status_expired",
};

function statusText(view) {
  const key = STATUS_KEYS[view.status];
  return key ? t(key, { workplace: view.workplace_name || "" }) : view.status;
}

function render(view) {
  const before = main.dataset.status;
  main.dataset.status = view.status;
  document.getElementById("number").textContent = view.number;
  const status = document.getElementById("status");
  status.textContent = statusText(view);
  status.classList.toggle("called", view.status === "called");
  const queued = view.position !== null && view.position !== undefined;
  document.getElementById("queue").hidden = !queued;
  if (queued) {
    document.getElementById("ahead").textContent = view.position;
    const minutes = Math.ceil((view.eta_seconds || 0) / 60);
    document.getElementById("eta").textContent =
      minutes === 0 ? t("ticket_soon") : t("ticket_minutes", { n: minutes });
  }
  document.getElementById("cancel").hidden = !(view.status === "waiting" || view.status === "postponed");
  if (view.status === "called") {
    document.title = t("ticket_called_title", { number: view.number, workplace: view.workplace_name || "" });
    if (before !== "called") notifyCalled();
  } else {
    document.title = originalTitle;
  }
}

// A call the visitor should notice: vibration where the phone has it, and a chime where the
// browser lets a page play sound.
function notifyCalled() {
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  chime([988, 784, 988], 0.3, 0.25);
}

const FINAL = new Set(["done", "no_show", "cancelled", "expired"]);

function follow() {
  const stream = new EventSource(`/api/v1/tickets/${token}/events`);
  const offline = document.getElementById("offline");
  stream.addEventListener("ticket", (event) => {
    const view = JSON.parse(event.data);
    render(view);
    if (FINAL.has(view.status)) stream.close();
  });
  stream.onopen = () => {
    offline.hidden = true;
  };
  stream.onerror = () => {
    if (stream.readyState !== EventSource.CLOSED) offline.hidden = false;
  };
}

if (!FINAL.has(main.dataset.status)) follow();
