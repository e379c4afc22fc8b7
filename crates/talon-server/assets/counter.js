// The display above one counter: the ticket called there, large, flashing when it is new or
// called again; otherwise whether the counter waits, pauses or is closed. It re-reads the
// branch's state after each event of the branch's stream (EventSource reconnects by itself).

import { deviceToken, pageTexts, showUnpaired } from "./common.js";

const body = document.body;
const branch = body.dataset.branch;
const workplace = Number(body.dataset.workplace);
const token = deviceToken();
const { t } = pageTexts();
const api = `/api/v1/branches/${branch}`;
const FLASH_MS = 6000;

let shown = "";
let flashTimer = null;

async function load() {
  const response = await fetch(`${api}/state`, { headers: { Authorization: `Bearer ${token}` } });
  if (response.status === 401) showUnpaired();
  if (!response.ok) throw new Error(`state: ${response.status}`);
  document.getElementById("unpaired").hidden = true;
  const state = await response.json();
  const place = state.workplaces.find((w) => w.id === workplace);
  if (place) render(place);
}

function render(place) {
  document.getElementById("workplace").textContent = place.name;
  const current = place.current;
  const active = current && (current.status === "called" || current.status === "serving");
  const number = active ? current.number : "";
  let key = "counter_idle";
  if (active) key = current.status === "called" ? "counter_called" : "counter_serving";
  else if (place.status === "closed") key = "counter_closed";
  else if (place.status === "paused") key = "counter_paused";
  document.getElementById("number").textContent = number;
  document.getElementById("state").textContent = t(key);
  body.dataset.state = active ? current.status : place.status;
  if (active && current.status === "called" && number !== shown) flash();
  shown = number;
}

function flash() {
  body.classList.add("fresh");
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => body.classList.remove("fresh"), FLASH_MS);
}

let pending = null;
function reloadSoon() {
  if (pending) return;
  pending = setTimeout(async () => {
    pending = null;
    try {
      await load();
    } catch (error) {
      console.warn(error);
    }
  }, 150);
}

function onCall(event) {
  const data = JSON.parse(event.data);
  if (data.workplace === workplace) {
    // A recall of the same number flashes again.
    shown = "";
  }
  reloadSoon();
}

function connect() {
  const status = document.getElementById("status");
  const stream = new EventSource(`${api}/events?access_token=${encodeURIComponent(token)}`);
  stream.addEventListener("ticket_called", onCall);
  stream.addEventListener("ticket_recalled", onCall);
  for (const kind of [
    "service_started",
    "service_finished",
    "ticket_no_show",
    "ticket_transferred",
    "ticket_cancelled",
    "ticket_postponed",
    "ticket_returned",
    "ticket_expired",
    "workplace_opened",
    "workplace_paused",
    "workplace_resumed",
    "workplace_closed",
    "workplace_defined",
  ]) {
    stream.addEventListener(kind, reloadSoon);
  }
  stream.onerror = () => {
    status.hidden = false;
    // A refused stream (a revoked pairing, an error) is not retried by the browser.
    if (stream.readyState === EventSource.CLOSED) setTimeout(reconnect, 3000);
  };
  stream.onopen = () => {
    status.hidden = true;
    reloadSoon();
  };
}

async function reconnect() {
  try {
    await load();
    connect();
  } catch (error) {
    setTimeout(reconnect, 3000);
  }
}

async function start() {
  for (;;) {
    try {
      await load();
      break;
    } catch (error) {
      document.getElementById("status").hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  document.getElementById("status").hidden = true;
  connect();
}

start();
