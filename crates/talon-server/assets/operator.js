// The operator's workstation: sign in, take a workplace with a work profile, then call and serve
// visitors with large buttons or one-key shortcuts. The queues, the waiting tickets and the
// visitor at the counter follow the branch's event stream, so nothing needs a reload. Every text
// comes from the page's `#texts` block, in the page's language.
//
// The session itself is an http-only cookie this script never sees; what it keeps in
// sessionStorage (the user, the CSRF token every change must carry) survives a reload and a
// language switch, and ends with the browser tab. The last workplace and profile chosen are remembered in localStorage so
// the next morning starts with them preselected.

import { ApiError, callApi, element, pageTexts, readStored } from "./common.js";

const { texts, t } = pageTexts();
const language = document.documentElement.lang;
const byId = (id) => document.getElementById(id);

const SESSION_KEY = "talon.operator";
const REASONS_KEY = "talon.operator.reasons";
const CHOICE_KEY = "talon.operator.choice";
// Enough to fill the list; an operator picks from the front of it.
const MAX_LISTED = 100;
const REFRESH_DELAY_MS = 250;
const RECONNECT_DELAY_MS = 3000;
const INFO_MS = 8000;
const ERROR_MS = 20000;
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

let session = readStored(sessionStorage, SESSION_KEY) || {};
let branches = [];
let config = null;
let view = null;
let tickets = [];
let today = null;
let stream = null;
let lastSeq = 0;
let busy = false;
let refreshTimer = null;
let refreshing = null;
let refreshAgain = false;
let configStale = false;
let todayStale = false;
let messageTimer = null;

// ----- small helpers -----

function save() {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}



function timeZone() {
  return view?.time_zone || undefined;
}

// "16:05" in Russian and German, "4:05 PM" in English.
function clockTime(at) {
  if (!at) return "—";
  return new Intl.DateTimeFormat(language, {
    hour: language === "en" ? "numeric" : "2-digit",
    minute: "2-digit",
    timeZone: timeZone(),
  }).format(new Date(at));
}

// "3 min 20 s", "1 h 5 min": how long someone waited or was served.
function duration(secs) {
  const total = Math.max(0, Math.round(Number(secs) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return t("op_duration_hm", { h, m });
  if (m) return t("op_duration_ms", { m, s });
  return t("op_duration_s", { s });
}

// "12:05": a running timer.
function stopwatch(secs) {
  const total = Math.max(0, Math.floor(secs));
  const h = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(h ? 2 : 1, "0");
  const ss = String(total % 60).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function minutes(secs) {
  return t("op_minutes", { n: Math.floor(Math.max(0, secs) / 60) });
}

function decimal(value) {
  return new Intl.NumberFormat(language, { maximumFractionDigits: 2 }).format(value);
}

function serviceName(id) {
  const service = config?.services.find((s) => s.id === id);
  if (!service) return "";
  return service.names[language] || Object.values(service.names)[0] || "";
}

function servicePrefix(id) {
  return config?.services.find((s) => s.id === id)?.prefix || "";
}

// ----- the API -----

function api(method, path, body) {
  return callApi(method, path, body, { csrf: session.csrf, onExpired: expired });
}

function errorText(error) {
  const key = `op_error_${error.code}`;
  if (key in texts) return t(key);
  return error.message || t("op_error_unknown");
}

// ----- messages -----

function say(text, kind = "info") {
  const box = byId("message");
  clearTimeout(messageTimer);
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  messageTimer = setTimeout(() => {
    box.hidden = true;
  }, kind === "error" ? ERROR_MS : INFO_MS);
}

function quiet() {
  clearTimeout(messageTimer);
  byId("message").hidden = true;
}

function fail(error) {
  if (!(error instanceof ApiError)) console.error(error);
  say(error instanceof ApiError ? errorText(error) : t("op_error_unknown"), "error");
}

// Runs one action at a time: a second press while the first is on its way does nothing.
async function run(action) {
  if (busy) return;
  busy = true;
  document.body.setAttribute("aria-busy", "true");
  quiet();
  try {
    await action();
  } catch (error) {
    fail(error);
    if (session.workplace && !byId("work-view").hidden) refreshSoon();
  } finally {
    busy = false;
    document.body.removeAttribute("aria-busy");
    if (!byId("work-view").hidden) renderButtons();
  }
}

// ----- screens -----

function show(screen) {
  for (const id of ["login-view", "workplace-view", "work-view"]) {
    byId(id).hidden = id !== screen;
  }
  byId("logout").hidden = screen === "login-view";
  byId("who").textContent = screen === "login-view" ? "" : session.user?.username || "";
  if (screen !== "work-view") {
    byId("place").textContent = "";
    byId("workplace-status").hidden = true;
  }
  if (screen === "login-view") view = null;
  tick();
}

function showLogin() {
  disconnect();
  show("login-view");
  byId("username").focus();
}

function expired() {
  session = {};
  save();
  showLogin();
  say(t("op_error_unauthorized"), "error");
}

async function login(event) {
  event.preventDefault();
  await run(async () => {
    const answer = await api("POST", "/auth/login", {
      username: byId("username").value.trim(),
      password: byId("password").value,
      cookie: true,
    });
    byId("password").value = "";
    session = { csrf: answer.csrf, user: answer.user };
    save();
    await enter();
  });
}

async function logout() {
  await run(async () => {
    try {
      await api("POST", "/auth/logout");
    } finally {
      session = {};
      save();
      showLogin();
    }
  });
}

// After sign-in or a reload: straight back to an open workplace, else to the choice of one.
async function enter() {
  if (session.user.branch != null) {
    session.branch = session.user.branch;
    branches = [];
  } else {
    branches = await api("GET", "/branches");
    if (!branches.length) throw new ApiError(404, "branch_not_found", "");
    if (!branches.some((b) => b.id === session.branch)) session.branch = branches[0].id;
  }
  save();
  await loadBranch();
  const mine = view.workplaces.find((w) => w.operator === session.user.id && w.status !== "closed");
  if (mine) {
    session.workplace = mine.id;
    save();
    await startWork();
  } else {
    showWorkplaceForm();
  }
}

async function loadBranch() {
  [config, view] = await Promise.all([
    api("GET", `/branches/${session.branch}`),
    api("GET", `/branches/${session.branch}/state`),
  ]);
  configStale = false;
}

function allowedProfiles() {
  const allowed = session.user.profiles;
  return config.profiles.filter((p) => allowed == null || allowed.includes(p.id));
}

function showWorkplaceForm() {
  disconnect();
  session.workplace = null;
  save();
  show("workplace-view");
  const choice = readStored(localStorage, CHOICE_KEY) || {};
  const branchField = byId("branch-field");
  branchField.hidden = branches.length === 0;
  byId("branch").replaceChildren(
    ...branches.map((b) =>
      element("option", { value: b.id, text: b.name || `#${b.id}` }),
    ),
  );
  byId("branch").value = String(session.branch);
  const states = new Map(view.workplaces.map((w) => [w.id, w]));
  byId("workplace").replaceChildren(
    ...config.workplaces.map((w) => {
      const taken = states.get(w.id)?.operator != null && states.get(w.id)?.operator !== session.user.id;
      const option = element("option", {
        value: w.id,
        text: taken ? t("op_workplace_taken", { name: w.name }) : w.name,
      });
      option.disabled = taken;
      return option;
    }),
  );
  const free = [...byId("workplace").options].filter((o) => !o.disabled);
  const remembered = free.find((o) => o.value === String(choice.workplace));
  if (remembered || free[0]) byId("workplace").value = (remembered || free[0]).value;
  const profiles = allowedProfiles();
  byId("profile").replaceChildren(
    ...profiles.map((p) => element("option", { value: p.id, text: p.name })),
  );
  if (profiles.some((p) => p.id === choice.profile)) byId("profile").value = String(choice.profile);
  byId("open").disabled = free.length === 0 || profiles.length === 0;
  if (profiles.length === 0) say(t("op_no_profiles"), "error");
  else if (free.length === 0) say(t("op_no_workplaces"), "error");
  byId("workplace").focus();
}

async function changeBranch() {
  await run(async () => {
    session.branch = Number(byId("branch").value);
    save();
    await loadBranch();
    showWorkplaceForm();
  });
}

async function openWorkplace(event) {
  event.preventDefault();
  await run(async () => {
    const workplace = Number(byId("workplace").value);
    const profile = Number(byId("profile").value);
    await api("POST", `/workplaces/${workplace}/open`, { profile });
    localStorage.setItem(CHOICE_KEY, JSON.stringify({ workplace, profile }));
    session.workplace = workplace;
    save();
    await startWork();
  });
}

async function startWork() {
  show("work-view");
  lastSeq = 0;
  await refresh();
  if (byId("work-view").hidden) return;
  connect();
  await loadToday();
}

// The workplace was closed, here or elsewhere: back to choosing one.
async function leaveWork(message) {
  disconnect();
  await loadBranch();
  showWorkplaceForm();
  say(message);
}

// ----- the live picture -----

function myWorkplace() {
  return view?.workplaces.find((w) => w.id === session.workplace) || null;
}

function myProfile() {
  const id = myWorkplace()?.profile;
  return config?.profiles.find((p) => p.id === id) || null;
}

// Every service the profile may call from, in the profile's order.
function myServices() {
  const profile = myProfile();
  if (!profile) return [];
  const rules = [profile, ...(profile.variants || [])];
  return [...new Set(rules.flatMap((r) => r.entries.map((e) => e.service)))];
}

function currentTicket() {
  const at = myWorkplace()?.current;
  if (!at) return null;
  return tickets.find((t) => t.id === at.ticket) || { id: at.ticket, number: at.number, service: at.service, status: at.status };
}

function reasons() {
  return readStored(sessionStorage, REASONS_KEY) || [];
}

function remember(ticket, reason) {
  if (!reason) return;
  const kept = reasons().filter(([id]) => id !== ticket).slice(-(MAX_REASONS - 1));
  kept.push([ticket, reason]);
  sessionStorage.setItem(REASONS_KEY, JSON.stringify(kept));
}

function reasonOf(ticket) {
  return reasons().find(([id]) => id === ticket)?.[1] || null;
}

async function refresh() {
  // A reload asked for just before the workplace was left has nothing to show.
  if (session.workplace == null) return;
  if (configStale) await loadBranch();
  const [state, list] = await Promise.all([
    api("GET", `/branches/${session.branch}/state`),
    api("GET", `/branches/${session.branch}/tickets`),
  ]);
  view = state;
  tickets = list;
  lastSeq = Math.max(lastSeq, state.seq);
  const workplace = myWorkplace();
  if (!workplace || workplace.status === "closed" || workplace.operator !== session.user.id) {
    await leaveWork(t("op_msg_closed"));
    return;
  }
  render();
  if (todayStale) await loadToday();
}

// Many events in a burst make one reload; one that arrives during a reload makes another.
function refreshSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = refresh()
      .catch((error) => {
        if (!(error instanceof ApiError) || error.status !== 401) console.warn(error);
      })
      .finally(() => {
        refreshing = null;
        if (refreshAgain) {
          refreshAgain = false;
          refreshSoon();
        }
      });
  }, REFRESH_DELAY_MS);
}

async function loadToday() {
  todayStale = false;
  today = await api("GET", `/branches/${session.branch}/me/today`);
  renderToday();
}

function connect() {
  disconnect();
  const url = `/api/v1/branches/${session.branch}/events?last_event_id=${lastSeq}`;
  const source = new EventSource(url);
  stream = source;
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
    if (source.readyState === EventSource.CLOSED && stream === source) {
      setTimeout(() => {
        if (stream !== source) return;
        refresh().then(connect, (error) => {
          if (stream === source) source.onerror();
          console.warn(error);
        });
      }, RECONNECT_DELAY_MS);
    }
  };
}

function disconnect() {
  if (stream) stream.close();
  stream = null;
  byId("offline").hidden = true;
}

function onEvent(event) {
  lastSeq = Math.max(lastSeq, Number(event.lastEventId) || 0);
  const data = JSON.parse(event.data);
  const mine = data.workplace === session.workplace;
  if (event.type === "ticket_called" && mine) remember(data.ticket, data.reason);
  if (CONFIG_EVENTS.includes(event.type)) configStale = true;
  if ((event.type === "service_finished" || event.type === "ticket_no_show") && mine) todayStale = true;
  if ((event.type === "ticket_transferred" || event.type === "ticket_assigned") && data.ticket === currentTicket()?.id) {
    todayStale = true;
  }
  refreshSoon();
}

// ----- rendering -----

function render() {
  const workplace = myWorkplace();
  const profile = myProfile();
  const branchName = view.name ? `${view.name} · ` : "";
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
  byId(id).disabled = busy || !enabled;
}

function renderButtons() {
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
    button.disabled = busy || paused || Boolean(ticket);
  }
}

function renderQueues() {
  const queues = new Map(view.queues.map((q) => [q.service, q]));
  const fetched = Date.now();
  byId("queues").replaceChildren(
    ...myServices()
      .filter((id) => queues.has(id))
      .map((id) => {
        const queue = queues.get(id);
        const longest = element("span", { class: "longest" });
        if (queue.waiting > 0) {
          longest.dataset.since = String(fetched - queue.longest_wait_secs * 1000);
          longest.dataset.norm = String(queue.waiting_norm_secs);
        } else {
          longest.textContent = "—";
        }
        return element(
          "li",
          { "data-service": id },
          element("span", { class: "prefix", text: queue.prefix }),
          element("span", { class: "name", text: serviceName(id) }),
          element("b", { class: "waiting", text: String(queue.waiting), title: t("op_waiting_count") }),
          longest,
        );
      }),
  );
}

function renderTickets() {
  const served = new Set(myServices());
  const waiting = tickets
    .filter((ticket) => (ticket.status === "waiting" || ticket.status === "postponed") && served.has(ticket.service))
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
  const items = waiting.slice(0, MAX_LISTED).map((ticket) => {
    const call = element("button", { type: "button", class: "call", text: t("op_call") });
    call.addEventListener("click", () => callTicket(ticket));
    return element(
      "li",
      { "data-ticket": ticket.id, "data-status": ticket.status },
      element("span", { class: "number", text: ticket.number }),
      element("span", { class: "name", text: serviceName(ticket.service) }),
      element("span", {
        class: "note",
        text: ticket.status === "postponed" ? t("op_status_postponed") : "",
      }),
      element("span", { class: "wait", "data-since": String(Date.parse(ticket.created_at)) }),
      call,
    );
  });
  if (waiting.length > MAX_LISTED) {
    items.push(element("li", { class: "more", text: t("op_more", { n: waiting.length - MAX_LISTED }) }));
  }
  if (!items.length) items.push(element("li", { class: "empty", text: t("op_no_tickets") }));
  byId("tickets").replaceChildren(...items);
  byId("tickets-count").textContent = String(waiting.length);
}

function renderToday() {
  const counts = today || {};
  for (const name of ["served", "no_show", "transferred"]) {
    byId("today").querySelector(`[data-count=${name}]`).textContent = String(counts[name] ?? 0);
  }
  const average = counts.average_service_secs;
  byId("today").querySelector("[data-count=average_service]").textContent = average == null ? "—" : duration(average);
}

// Once a second: the clock, the running timer and every "waiting for" on the screen.
function tick() {
  // The branch's time, once the branch is known.
  byId("clock").textContent = view ? clockTime(new Date()) : "";
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

// ----- actions -----

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
    await called(await act(`/workplaces/${session.workplace}/call-next`));
  });
}

function callTicket(ticket) {
  return run(async () => {
    await called(await act(`/workplaces/${session.workplace}/call`, { ticket: ticket.id }));
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
    await act(`/workplaces/${session.workplace}/${action}`, body);
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
    const options = config.services
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

async function submitPostpone(event) {
  event.preventDefault();
  const value = Number(byId("postpone-minutes").value);
  byId("postpone-dialog").close();
  await ticketAction("postpone", "op_msg_postponed", { seconds: Math.round(value * 60) }, { n: value });
}

async function submitTransfer(event) {
  event.preventDefault();
  const service = Number(byId("transfer-service").value);
  const returnAfter = byId("transfer-return").checked;
  byId("transfer-dialog").close();
  await ticketAction("transfer", "op_msg_transferred", { service, return_after: returnAfter }, {
    service: serviceName(service),
  });
}

async function submitPause(event) {
  event.preventDefault();
  const reason = byId("pause-reason").value.trim();
  byId("pause-dialog").close();
  await workplaceAction("pause", "op_msg_paused", { reason });
}

const ACTIONS = {
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

// ----- keyboard -----

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

function onKey(event) {
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

// ----- start -----

function bind() {
  byId("login-form").addEventListener("submit", login);
  byId("workplace-form").addEventListener("submit", openWorkplace);
  byId("branch").addEventListener("change", changeBranch);
  byId("logout").addEventListener("click", logout);
  for (const [id, action] of Object.entries(ACTIONS)) {
    byId(id).addEventListener("click", action);
  }
  byId("postpone-form").addEventListener("submit", submitPostpone);
  byId("transfer-form").addEventListener("submit", submitTransfer);
  byId("pause-form").addEventListener("submit", submitPause);
  for (const preset of document.querySelectorAll("#postpone-form [data-minutes]")) {
    preset.addEventListener("click", () => {
      byId("postpone-minutes").value = preset.dataset.minutes;
    });
  }
  for (const cancel of document.querySelectorAll("dialog .cancel")) {
    cancel.addEventListener("click", () => cancel.closest("dialog").close());
  }
  document.addEventListener("keydown", onKey);
  setInterval(tick, 1000);
}

async function start() {
  bind();
  tick();
  if (!session.csrf) {
    showLogin();
    return;
  }
  await run(enter);
  if (byId("work-view").hidden && byId("workplace-view").hidden) showLogin();
}

start();
