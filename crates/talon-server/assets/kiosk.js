// The touch kiosk: the branch's services as large buttons (a group opens its own screen),
// closed ones greyed with today's hours (and, on a holiday or a day the branch does not work,
// a line saying the branch is closed today), then the ticket on screen with its QR code. A kiosk
// with a network printer has its ticket printed by the server (the answer says whether it was);
// a kiosk without one prints the ticket's printable page through the browser (a kiosk browser
// runs with silent printing), unless its address says `print=off`. The kiosk goes back to the
// start by itself, in its default language.
//
// `window.talon` records the issued tickets and browser prints, for tests and diagnostics.

import { deviceToken, element, pageTexts, showUnpaired } from "./common.js";

const body = document.body;
const branch = body.dataset.branch;
const defaultLanguage = body.dataset.defaultLang;
const language = document.documentElement.lang;
const params = new URLSearchParams(location.search);
const token = deviceToken();
const paper = params.get("paper") === "58" ? "58" : "80";
const browserPrinting = params.get("print") !== "off";
const { texts, t } = pageTexts();
const api = `/api/v1/branches/${branch}`;
const screen = document.getElementById("screen");

// How long the ticket stays on screen, and how long a group's screen waits for a touch.
const TICKET_MS = 20000;
const IDLE_MS = 30000;
const REFRESH_MS = 30000;

const talon = { issued: [], printed: [] };
window.talon = talon;

let queues = [];
let closedToday = false;
let idleTimer = null;
let busy = false;

function waitText(seconds) {
  const minutes = Math.ceil((seconds || 0) / 60);
  return minutes === 0 ? t("ticket_soon") : t("ticket_minutes", { n: minutes });
}

function localName(names) {
  return names[language] || names[defaultLanguage] || Object.values(names)[0] || "";
}

async function loadState() {
  const response = await fetch(`${api}/state`, { headers: { Authorization: `Bearer ${token}` } });
  if (response.status === 401) showUnpaired();
  if (!response.ok) throw new Error(`state: ${response.status}`);
  document.getElementById("unpaired").hidden = true;
  const state = await response.json();
  document.getElementById("branch").textContent = state.name;
  queues = state.queues.filter((q) => q.enabled);
  closedToday = state.closed_today === true;
}

// Back to the first screen, in the kiosk's default language and text size.
function restart() {
  setLarger(false);
  if (language !== defaultLanguage) {
    switchLanguage(defaultLanguage);
    return;
  }
  showStart();
}

function switchLanguage(code) {
  const next = new URLSearchParams(location.search);
  next.set("lang", code);
  location.search = next.toString();
}

function schedule(ms, action) {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(action, ms);
}

function hoursText(queue) {
  if (!queue.hours_today) return "";
  if (queue.hours_today.length === 0) return t("kiosk_closed_today");
  return t("kiosk_hours", { hours: queue.hours_today.join(", ").replaceAll("-", "–") });
}

function serviceButton(queue) {
  const button = element("button", { type: "button", class: "service", "data-service": queue.service });
  const prefix = element("span", { class: "prefix", text: queue.prefix });
  const name = element("span", { class: "name", text: localName(queue.names) });
  button.append(prefix, name);
  if (!queue.open) {
    button.disabled = true;
    button.classList.add("closed");
    // Today's hours stay on one line; "closed" goes first unless there are none today.
    const note = element("span", { class: "note" });
    const hours = element("span", { class: "hours", text: hoursText(queue) });
    if (queue.hours_today && queue.hours_today.length === 0) note.append(hours);
    else if (queue.hours_today) note.append(`${t("kiosk_closed")} · `, hours);
    else note.textContent = t("kiosk_closed");
    button.append(note);
  } else if (queue.full) {
    button.disabled = true;
    button.classList.add("closed");
    button.append(element("span", { class: "note", text: t("kiosk_full") }));
  } else {
    button.append(element("span", { class: "note", text: t("kiosk_waiting", { n: queue.waiting }) }));
    button.addEventListener("click", () => issue(queue));
  }
  return button;
}

function showStart() {
  clearTimeout(idleTimer);
  const title = element("h1", { text: t("kiosk_choose") });
  const closed = element("p", {
    class: "closed-today",
    role: "status",
    hidden: !closedToday,
    text: t("kiosk_branch_closed_today"),
  });
  const grid = element("div", { class: "grid" });
  const groups = new Map();
  for (const queue of queues) {
    const group = queue.group ? localName(queue.group) : "";
    if (!group) {
      grid.append(serviceButton(queue));
      continue;
    }
    if (!groups.has(group)) {
      groups.set(group, []);
      const button = element(
        "button",
        { type: "button", class: "group", "data-group": group },
        element("span", { class: "name", text: group }),
        element("span", { class: "note", text: "›" }),
      );
      button.addEventListener("click", () => showGroup(group, groups.get(group)));
      grid.append(button);
    }
    groups.get(group).push(queue);
  }
  // A group none of whose services takes tickets now is closed as a whole, like a service.
  for (const button of grid.querySelectorAll("button.group")) {
    const members = groups.get(button.dataset.group);
    if (members.every((q) => !q.open || q.full)) {
      button.disabled = true;
      button.classList.add("closed");
      button.querySelector(".note").textContent = t("kiosk_closed");
    }
  }
  screen.replaceChildren(title, closed, grid);
  if (language !== defaultLanguage) schedule(IDLE_MS, restart);
}

function showGroup(name, members) {
  const back = element("button", { type: "button", class: "back", text: `‹ ${t("kiosk_back")}` });
  back.addEventListener("click", showStart);
  const title = element("h1", { text: name });
  const grid = element("div", { class: "grid" });
  grid.append(...members.map(serviceButton));
  screen.replaceChildren(back, title, grid);
  schedule(IDLE_MS, restart);
}

async function issue(queue) {
  if (busy) return;
  busy = true;
  clearTimeout(idleTimer);
  try {
    const response = await fetch(`${api}/tickets`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ service: queue.service, language }),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 401) showUnpaired();
    if (!response.ok) {
      showError(answer.error && answer.error.code);
      return;
    }
    talon.issued.push({ number: answer.number, token: answer.token });
    showTicket(queue, answer);
    if (answer.printed === undefined && browserPrinting) printInBrowser(answer.token);
  } catch (error) {
    console.warn("issue", error);
    showError(null);
  } finally {
    busy = false;
  }
}

function showTicket(queue, ticket) {
  const card = element("section", { class: "ticket" });
  card.append(
    element("p", { class: "label", text: t("ticket_title") }),
    element("p", { class: "service-name", text: localName(queue.names) }),
    element("p", { class: "number", text: ticket.number }),
  );
  const facts = element("dl");
  facts.append(
    element("dt", { text: t("ticket_ahead") }),
    element("dd", { class: "ahead", text: String(ticket.position ?? 0) }),
    element("dt", { text: t("ticket_eta") }),
    element("dd", { class: "eta", text: waitText(ticket.eta_seconds) }),
  );
  const qr = element("figure", { class: "qr" });
  qr.append(element("img", { src: `/t/${ticket.token}/qr.svg`, alt: "" }), element("figcaption", { text: t("kiosk_scan") }));
  const printed =
    ticket.printed === true ? t("kiosk_printed") : ticket.printed === false ? t("kiosk_not_printed") : "";
  const done = element("button", { type: "button", class: "done", text: t("kiosk_done") });
  done.addEventListener("click", restart);
  const side = element("div", { class: "side" });
  side.append(facts);
  if (printed) side.append(element("p", { class: ticket.printed ? "printed" : "printed failed", text: printed }));
  side.append(done);
  const row = element("div", { class: "row" });
  row.append(side, qr);
  card.append(row);
  screen.replaceChildren(card);
  schedule(TICKET_MS, restart);
}

// The ticket's printable page in an invisible frame, printed when it has loaded.
function printInBrowser(ticketToken) {
  const old = document.getElementById("print-frame");
  if (old) old.remove();
  const frame = document.createElement("iframe");
  frame.id = "print-frame";
  frame.title = "print";
  frame.addEventListener("load", () => {
    try {
      frame.contentWindow.print();
      talon.printed.push(ticketToken);
    } catch (error) {
      console.warn("print", error);
    }
  });
  frame.src = `/t/${ticketToken}/print?paper=${paper}`;
  document.body.append(frame);
}

function showError(code) {
  const key = code && texts[`error_${code}`] ? `error_${code}` : "kiosk_error";
  const message = element("p", { class: "error", role: "alert", text: t(key) });
  const done = element("button", { type: "button", class: "done", text: t("kiosk_done") });
  done.addEventListener("click", refreshAndRestart);
  screen.replaceChildren(message, done);
  schedule(8000, refreshAndRestart);
}

async function refreshAndRestart() {
  try {
    await loadState();
  } catch (error) {
    console.warn(error);
  }
  restart();
}

// Opening hours and waiting counts change; the first screen follows them.
async function refresh() {
  try {
    await loadState();
    document.getElementById("status").hidden = true;
    if (!screen.querySelector(".ticket, .error, .back")) showStart();
  } catch (error) {
    document.getElementById("status").hidden = false;
  }
}

// Larger text for visitors who need it, until the kiosk returns to its first screen.
function setLarger(on) {
  body.classList.toggle("larger", on);
  document.getElementById("larger").setAttribute("aria-pressed", String(on));
  if (on) schedule(IDLE_MS, restart);
}

async function start() {
  document.getElementById("larger").addEventListener("click", () => {
    setLarger(!body.classList.contains("larger"));
  });
  for (const button of document.querySelectorAll("#languages button[data-lang]")) {
    button.addEventListener("click", () => switchLanguage(button.dataset.lang));
  }
  for (;;) {
    try {
      await loadState();
      break;
    } catch (error) {
      document.getElementById("status").hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  document.getElementById("status").hidden = true;
  showStart();
  setInterval(refresh, REFRESH_MS);
  follow();
}

// The branch's event stream keeps the waiting counts current, and its end tells at once when
// this kiosk's pairing was revoked.
function follow() {
  const stream = new EventSource(`${api}/events?access_token=${encodeURIComponent(token)}`);
  // A changed branch may have new hours or holidays.
  const kinds = ["ticket_issued", "ticket_called", "ticket_cancelled", "ticket_transferred", "service_defined", "branch_updated"];
  for (const kind of kinds) {
    stream.addEventListener(kind, refreshSoon);
  }
  stream.onerror = () => {
    if (stream.readyState === EventSource.CLOSED) {
      refresh();
      setTimeout(follow, 5000);
    }
  };
}

let pendingRefresh = null;
function refreshSoon() {
  if (pendingRefresh) return;
  pendingRefresh = setTimeout(() => {
    pendingRefresh = null;
    refresh();
  }, 500);
}

start();
