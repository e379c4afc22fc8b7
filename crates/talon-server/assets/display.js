// The hall display: the latest calls, the new one large and flashing, waiting counts per
// service and a clock. It follows the branch's event stream (EventSource reconnects by itself
// and resumes after the last event it saw) and announces every call, one after another: a chime,
// then the server's recording, or the browser's own speech when the server has no voice.
// `window.talon.announced` lists what was announced, in order, for tests and diagnostics.

import { chime } from "./chime.js";
import { deviceToken, element, showUnpaired } from "./common.js";

const body = document.body;
const branch = body.dataset.branch;
const language = document.documentElement.lang;
const token = deviceToken();
const api = `/api/v1/branches/${branch}`;
const FRESH_MS = 6000;
const MAX_CALLS = 8;

const talon = { announced: [], queue: [] };
window.talon = talon;

let workplaceNames = new Map();
let serviceNames = new Map();
let timeZone = "UTC";
let calls = [];
// Until when each call (by number and workplace) flashes.
const flashingUntil = new Map();
let playing = false;

function key(call) {
  return `${call.number}/${call.workplace}`;
}

function authorized(path) {
  return fetch(path, { headers: { Authorization: `Bearer ${token}` } });
}

async function loadState() {
  const response = await authorized(`${api}/state`);
  if (response.status === 401) showUnpaired();
  if (!response.ok) throw new Error(`state: ${response.status}`);
  document.getElementById("unpaired").hidden = true;
  const state = await response.json();
  timeZone = state.time_zone || "UTC";
  document.getElementById("branch").textContent = state.name;
  workplaceNames = new Map(state.workplaces.map((w) => [w.id, w.name]));
  serviceNames = new Map(state.queues.map((q) => [q.service, q.names[language] || Object.values(q.names)[0] || ""]));
  calls = state.last_calls.slice(0, MAX_CALLS).map((c) => ({
    number: c.number,
    workplace: c.workplace_name,
  }));
  renderCalls();
  renderQueues(state.queues);
  return state.seq;
}

function renderCalls() {
  const list = document.getElementById("calls");
  list.replaceChildren(
    ...calls.map((call, i) => {
      const fresh = (flashingUntil.get(key(call)) || 0) > Date.now();
      return element(
        "li",
        { class: (i === 0 ? "current" : "") + (fresh ? " fresh" : "") },
        element("span", { class: "number", text: call.number }),
        element("span", { class: "arrow", text: "→" }),
        element("span", { class: "workplace", text: call.workplace }),
      );
    }),
  );
}

function renderQueues(queues) {
  const list = document.getElementById("queues");
  list.replaceChildren(
    ...queues
      .filter((q) => q.enabled)
      .map((q) =>
        element(
          "li",
          {},
          element("span", { text: `${q.prefix} · ${serviceNames.get(q.service) || ""}` }),
          element("b", { text: q.waiting }),
        ),
      ),
  );
}

function onCall(event) {
  const data = JSON.parse(event.data);
  const call = {
    number: data.number,
    workplace: workplaceNames.get(data.workplace) || String(data.workplace),
  };
  flashingUntil.set(key(call), Date.now() + FRESH_MS);
  calls = [call, ...calls.filter((c) => key(c) !== key(call))].slice(0, MAX_CALLS);
  renderCalls();
  setTimeout(() => {
    flashingUntil.delete(key(call));
    renderCalls();
  }, FRESH_MS);
  announce(call);
  refreshSoon();
}

let refreshing = null;
function refreshSoon() {
  if (refreshing) return;
  refreshing = setTimeout(async () => {
    refreshing = null;
    try {
      await loadState();
    } catch (error) {
      console.warn(error);
    }
  }, 300);
}

function announce(call) {
  talon.queue.push(call.number);
  playQueue.push(call);
  if (!playing) playNext();
}

const playQueue = [];

async function playNext() {
  const call = playQueue.shift();
  if (!call) {
    playing = false;
    return;
  }
  playing = true;
  talon.queue.shift();
  talon.announced.push(call.number);
  try {
    await chime([880, 660]);
    await speak(call);
  } catch (error) {
    console.warn("announcement", error);
  }
  playNext();
}

// Plays the server's recording; without one, the browser speaks the text. Bounded in time, so
// a silent device never holds up the calls behind this one.
async function speak(call) {
  const query = `ticket=${encodeURIComponent(call.number)}&workplace=${encodeURIComponent(call.workplace)}&language=${language}`;
  const played = await new Promise((resolve) => {
    const audio = new Audio(`${api}/announcement.wav?${query}&access_token=${encodeURIComponent(token)}`);
    const limit = setTimeout(() => resolve(false), 15000);
    audio.onended = () => {
      clearTimeout(limit);
      resolve(true);
    };
    audio.onerror = () => {
      clearTimeout(limit);
      resolve(false);
    };
    audio.play().catch(() => {
      clearTimeout(limit);
      resolve(false);
    });
  });
  if (played || !("speechSynthesis" in window)) return;
  const response = await authorized(`${api}/announcement?${query}`);
  if (!response.ok) return;
  const { text } = await response.json();
  await new Promise((resolve) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = language;
    const limit = setTimeout(resolve, 8000);
    utterance.onend = () => {
      clearTimeout(limit);
      resolve();
    };
    utterance.onerror = utterance.onend;
    speechSynthesis.speak(utterance);
  });
}

function tick() {
  const clock = document.getElementById("clock");
  clock.textContent = new Intl.DateTimeFormat(language, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(new Date());
}

// The latest event seen: a stream opened again resumes after it, so no call is missed.
let lastSeq = 0;

function tracked(handler) {
  return (event) => {
    lastSeq = Math.max(lastSeq, Number(event.lastEventId) || 0);
    handler(event);
  };
}

function connect() {
  const status = document.getElementById("status");
  const stream = new EventSource(`${api}/events?access_token=${encodeURIComponent(token)}&last_event_id=${lastSeq}`);
  stream.addEventListener("ticket_called", tracked(onCall));
  stream.addEventListener("ticket_recalled", tracked(onCall));
  for (const kind of ["ticket_issued", "ticket_transferred", "ticket_cancelled", "ticket_postponed", "ticket_assigned", "ticket_returned", "service_defined", "workplace_defined", "branch_updated"]) {
    stream.addEventListener(kind, tracked(refreshSoon));
  }
  stream.onerror = () => {
    status.hidden = false;
    // The browser retries a broken connection by itself, but not a refused one (a revoked
    // pairing, a server answering with an error): look at the state, then open a new stream.
    if (stream.readyState === EventSource.CLOSED) setTimeout(reconnect, 3000);
  };
  stream.onopen = () => {
    status.hidden = true;
  };
}

async function reconnect() {
  try {
    await loadState();
    connect();
  } catch (error) {
    setTimeout(reconnect, 3000);
  }
}

async function start() {
  let seq = null;
  while (seq === null) {
    try {
      seq = await loadState();
    } catch (error) {
      document.getElementById("status").hidden = false;
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  lastSeq = seq;
  document.getElementById("status").hidden = true;
  connect();
  tick();
  setInterval(tick, 1000);
}

start();
