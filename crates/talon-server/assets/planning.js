// The planning page: signing in (the admin panel's session, kept for the tab under the same
// key), the forecast and staffing plan from a counts file, the Erlang calculator and the
// simulator with its what-if comparison. Charts are inline SVG drawn here.

import { ApiError, callApi, element, pageTexts, readStored } from "./common.js";

const { texts, t } = pageTexts();
const language = document.documentElement.lang;
const byId = (id) => document.getElementById(id);
const SESSION_KEY = "talon.admin";
const SVG = "http://www.w3.org/2000/svg";

let session = readStored(sessionStorage, SESSION_KEY) || {};
let lastPlan = null;

function save() {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

function api(method, path, body, options = {}) {
  return callApi(method, path, body, { csrf: session.csrf, onExpired: expired, page: "admin", ...options });
}

function errorText(error) {
  if (!(error instanceof ApiError)) return t("planning_error_unknown");
  const key = `planning_error_${error.code}`;
  if (key in texts) return t(key);
  return `${t("planning_error_unknown")} (${error.message})`;
}

function showError(form, error) {
  const box = form.querySelector(".form-error");
  box.textContent = error ? errorText(error) : "";
  box.hidden = !error;
}

function say(text) {
  const box = byId("message");
  box.textContent = text;
  box.hidden = !text;
}

function show(view) {
  byId("login-view").hidden = view !== "login";
  byId("panel").hidden = view !== "panel";
  byId("logout").hidden = view !== "panel";
  byId("who").textContent = view === "panel" && session.user ? session.user.username : "";
}

function expired() {
  session = {};
  save();
  show("login");
  say(t("planning_error_unauthorized"));
}

const number = (value, digits = 0) =>
  Number(value).toLocaleString(language, { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percent = (share, digits = 1) => `${number(share * 100, digits)} %`;
const clock = (minute) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
const valueOf = (id) => byId(id).value.trim();

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

// A chart frame of `width`×`height` user units with axes for `xs` (minutes) and 0…`top`.
function frame(box, label, xs, top) {
  const [width, height, left, bottom] = [720, 260, 44, 28];
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  const x = (minute) => left + ((minute - xs[0]) / Math.max(1, xs[xs.length - 1] - xs[0])) * (width - left - 10);
  const y = (value) => height - bottom - (value / Math.max(top, 1e-9)) * (height - bottom - 10);
  for (let i = 0; i <= 4; i += 1) {
    const value = (top * i) / 4;
    chart.append(svg("line", { x1: left, x2: width - 10, y1: y(value), y2: y(value), class: "rule" }));
    const text = svg("text", { x: left - 6, y: y(value) + 4, class: "axis", "text-anchor": "end" });
    text.textContent = number(value, top < 4 ? 1 : 0);
    chart.append(text);
  }
  const step = Math.max(1, Math.ceil(xs.length / 8));
  xs.forEach((minute, i) => {
    if (i % step) return;
    const text = svg("text", { x: x(minute), y: height - 8, class: "axis", "text-anchor": "middle" });
    text.textContent = clock(minute);
    chart.append(text);
  });
  box.replaceChildren(chart);
  return { chart, x, y };
}

function line(chart, points, kind) {
  chart.append(svg("polyline", { points: points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" "), class: kind }));
}

function drawForecast(answer) {
  const xs = answer.rows.map((r) => r.start_minute);
  const top = Math.max(...answer.rows.map((r) => r.arrivals), ...answer.history.flatMap((d) => d.counts.map((c) => c.count)), 1);
  const { chart, x, y } = frame(byId("forecast-chart"), t("planning_forecast_chart"), xs, top);
  for (const day of answer.history) {
    const points = day.counts.filter((c) => c.start_minute >= xs[0] && c.start_minute <= xs[xs.length - 1]);
    line(chart, points.map((c) => [x(c.start_minute), y(c.count)]), "history");
  }
  line(chart, answer.rows.map((r) => [x(r.start_minute), y(r.arrivals)]), "forecast");
}

function drawBars(box, label, xs, series, classes) {
  const top = Math.max(1, ...series.flat());
  const { chart, x, y } = frame(box, label, [...xs, xs[xs.length - 1] + (xs[1] - xs[0] || 60)], top);
  const slot = x(xs[1] ?? xs[0] + 60) - x(xs[0]);
  const width = (slot * 0.8) / series.length;
  series.forEach((values, s) => {
    values.forEach((value, i) => {
      const left = x(xs[i]) + slot * 0.1 + s * width;
      chart.append(svg("rect", { x: left, y: y(value), width: Math.max(1, width), height: Math.max(0, y(0) - y(value)), class: classes[s] }));
    });
  });
}

function cells(row, values) {
  row.replaceChildren(...values.map((v, i) => element(i ? "td" : "th", { text: v })));
  return row;
}

function renderPlan(answer) {
  lastPlan = answer;
  byId("plan-empty").hidden = true;
  byId("plan-result").hidden = false;
  byId("plan-csv").disabled = false;
  const chosen = answer.backtest.find((s) => s.model === answer.model);
  byId("plan-summary").textContent = t("planning_plan_summary", {
    date: answer.date,
    model: answer.model,
    wape: number(chosen ? chosen.wape_percent : NaN, 2),
    peak: Math.max(...answer.rows.map((r) => r.required)),
  });
  drawForecast(answer);
  const xs = answer.rows.map((r) => r.start_minute);
  drawBars(byId("staff-chart"), t("planning_staff_chart"), xs, [answer.rows.map((r) => r.required)], ["required"]);
  byId("plan-table").tBodies[0].replaceChildren(
    ...answer.rows.map((r) =>
      cells(element("tr"), [
        clock(r.start_minute),
        number(r.arrivals, 1),
        number(r.required),
        r.scheduled === undefined ? "—" : number(r.scheduled),
        percent(r.service_level),
        number(r.mean_wait_secs, 0),
      ]),
    ),
  );
  byId("backtest-table").tBodies[0].replaceChildren(
    ...answer.backtest.map((s) => {
      const row = cells(element("tr"), [s.model, number(s.wape_percent, 2), number(s.bias_percent, 2)]);
      if (s.model === answer.model) row.className = "chosen";
      return row;
    }),
  );
}

function planBody() {
  const shrinkage = Number(valueOf("shrinkage")) / 100;
  return {
    csv: byId("history").value,
    interval: Number(valueOf("interval")),
    service_secs: Number(valueOf("service-secs")),
    target_secs: Number(valueOf("target-secs")),
    target_level: Number(valueOf("target-level")) / 100,
    ...(shrinkage > 0 ? { shrinkage } : {}),
  };
}

async function busy(form, work) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  showError(form, null);
  try {
    await work();
  } catch (error) {
    showError(form, error);
  } finally {
    button.disabled = false;
  }
}

async function computePlan(event) {
  event.preventDefault();
  const form = byId("plan-form");
  if (!byId("history").value.trim()) {
    showError(form, new ApiError(422, "history_missing", ""));
    return;
  }
  await busy(form, async () => renderPlan(await api("POST", "/planning/plan", planBody())));
}

async function downloadCsv() {
  if (!lastPlan) return;
  try {
    const text = await api("POST", "/planning/plan?format=csv", planBody(), { textAnswer: true });
    const link = element("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: `plan-${lastPlan.date}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    showError(byId("plan-form"), error);
  }
}

async function computeErlang(event) {
  event.preventDefault();
  const form = byId("erlang-form");
  const patience = valueOf("erlang-patience");
  const body = {
    arrivals_per_hour: Number(valueOf("erlang-arrivals")),
    service_secs: Number(valueOf("erlang-service")),
    target_secs: Number(valueOf("erlang-target")),
    target_level: Number(valueOf("erlang-level")) / 100,
    ...(patience ? { patience_secs: Number(patience) } : {}),
  };
  await busy(form, async () => {
    const answer = await api("POST", "/planning/erlang", body);
    const result = byId("erlang-result");
    result.textContent = t("planning_erlang_answer", {
      servers: answer.servers,
      level: percent(answer.service_level),
      wait: answer.mean_wait_secs === null ? "∞" : number(answer.mean_wait_secs, 1),
      p_wait: percent(answer.p_wait),
    });
    if (answer.p_abandon !== undefined) result.textContent += ` ${t("planning_erlang_abandon", { share: percent(answer.p_abandon) })}`;
    result.hidden = false;
  });
}

function sampleOf(workplaces) {
  if (valueOf("sim-kind") === "bank") return { kind: "bank", workplaces };
  return { kind: "mmc", servers: workplaces, per_hour: Number(valueOf("sim-per-hour")), service_secs: Number(valueOf("sim-service")), hours: 8, target_secs: 60 };
}

const estimate = (e, scale = 1, digits = 1) =>
  e && e.mean !== null ? `${number(e.mean * scale, digits)} ± ${number((e.half_width ?? 0) * scale, digits)}` : "—";

function renderSimulation(answer) {
  byId("sim-empty").hidden = true;
  byId("sim-result").hidden = false;
  const measures = [
    ["planning_measure_wait_mean", "wait_mean_secs", 1, 0],
    ["planning_measure_wait_p90", "wait_p90_secs", 1, 0],
    ["planning_measure_service_level", "service_level", 100, 1],
    ["planning_measure_abandonment", "abandonment", 100, 1],
    ["planning_measure_throughput", "throughput", 1, 1],
  ];
  byId("sim-table").tBodies[0].replaceChildren(
    ...measures.map(([key, field, scale, digits]) =>
      cells(element("tr"), [
        t(key),
        estimate(answer.summary[field], scale, digits),
        estimate(answer.what_if?.[field], scale, digits),
        estimate(answer.difference?.[field], scale, digits),
      ]),
    ),
  );
  const intervals = answer.summary.intervals;
  const xs = intervals.map((i) => Math.round(i.start_secs / 60));
  const level = (summary) => (summary ? summary.intervals.map((i) => (i.service_level.mean ?? 0) * 100) : []);
  const series = answer.what_if ? [level(answer.summary), level(answer.what_if)] : [level(answer.summary)];
  drawBars(byId("sim-chart"), t("planning_sim_chart"), xs, series, ["a", "b"]);
}

async function simulate(event) {
  event.preventDefault();
  const form = byId("sim-form");
  const workplaces = Number(valueOf("sim-workplaces"));
  const whatIf = Number(valueOf("sim-what-if"));
  const body = {
    sample: sampleOf(workplaces),
    replications: Number(valueOf("sim-replications")),
    seed: Number(valueOf("sim-seed")),
    ...(whatIf ? { what_if_sample: sampleOf(whatIf) } : {}),
  };
  await busy(form, async () => renderSimulation(await api("POST", "/planning/simulate", body)));
}

function toggleSampleFields() {
  const mmc = valueOf("sim-kind") === "mmc";
  for (const field of document.querySelectorAll(".mmc")) field.hidden = !mmc;
}

async function login(event) {
  event.preventDefault();
  const form = byId("login-form");
  showError(form, null);
  try {
    const answer = await api("POST", "/auth/login", {
      username: valueOf("username"),
      password: byId("password").value,
      cookie: true,
      page: "admin",
    });
    session = { csrf: answer.csrf };
    if (!["admin", "manager"].includes(answer.user.role)) {
      await api("POST", "/auth/logout").catch(() => null);
      session = {};
      showError(form, new ApiError(403, "not_planner", ""));
      return;
    }
    byId("password").value = "";
    session = { csrf: answer.csrf, user: answer.user };
    save();
    say("");
    show("panel");
  } catch (error) {
    showError(form, error);
  }
}

async function logout() {
  await api("POST", "/auth/logout").catch(() => null);
  session = {};
  save();
  show("login");
}

function loadFile() {
  const file = byId("history-file").files[0];
  if (!file) return;
  file.text().then((text) => {
    byId("history").value = text;
  });
}

byId("login-form").addEventListener("submit", login);
byId("logout").addEventListener("click", logout);
byId("plan-form").addEventListener("submit", computePlan);
byId("plan-csv").addEventListener("click", downloadCsv);
byId("history-file").addEventListener("change", loadFile);
byId("erlang-form").addEventListener("submit", computeErlang);
byId("sim-form").addEventListener("submit", simulate);
byId("sim-kind").addEventListener("change", toggleSampleFields);
toggleSampleFields();
show(session.csrf ? "panel" : "login");
