// The admin panel: a network administrator or a branch's manager signs in and configures the
// branch (settings, services, workplaces, customer categories, work profiles with a preview of
// their call order), its staff and its devices, through the same REST API as any client.
// Every text comes from the page's `#texts` block, in the page's language.
//
// Forms check what is cheap to check before sending; whatever the server still refuses is
// shown next to the field its error names (`error.field`), or at the form. A failed save never
// clears a form: what was typed stays until it is saved or the editor is closed.
//
// As at the operator's workstation, the session itself is an http-only cookie this script never
// sees; what it keeps in sessionStorage (the user, the CSRF token every change carries, the
// section open) survives a reload and a language switch, and ends with the tab.

import { ApiError, callApi, element, pageTexts, readStored } from "./common.js";

const { texts, t } = pageTexts();
const language = document.documentElement.lang;
const byId = (id) => document.getElementById(id);

const SESSION_KEY = "talon.admin";
const LANGUAGES = ["ru", "en", "de"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const INFO_MS = 6000;
const PREVIEW_DELAY_MS = 250;
const PAIRING_POLL_MS = 3000;
const CLOCK_MS = 15000;
// The preview's sample is bounded by the server too (at most 50 visitors, one day's wait).
const MAX_SAMPLE = 50;
const MAX_SAMPLE_WAIT_MIN = 1440;

let session = readStored(sessionStorage, SESSION_KEY) || {};
let branches = [];
let config = null;
let users = [];
let devices = [];
let messageTimer = null;
let clockTimer = null;
let pairingTimer = null;
let previewTimer = null;
let previewRequest = 0;
let sample = null;
let creatingBranch = false;
// The configuration file the import checked, sent again as it is when applied; the export's
// download link, whose object URL is released when the next export replaces it.
let importText = null;
let exportUrl = null;
// The branch's days off as the form holds them, `YYYY-MM-DD` in date order.
let holidays = [];
// What each editor is editing: an id, or null for a new item.
const editing = { service: null, workplace: null, category: null, profile: null, user: null };
// The profile editor's rules (see `rulesState`), its variants ({ key, days, from, to, rules })
// and the key of the variant the preview shows, or null for the profile's own rules.
let profileRules = null;
let variants = [];
let previewing = null;
let nextKey = 1;

// ----- small helpers -----

function save() {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}



function option(value, text, selected = false) {
  const node = element("option", { value, text });
  node.selected = selected;
  return node;
}

function button(text, className, onClick, attributes = {}) {
  const node = element("button", { type: "button", class: className, text, ...attributes });
  node.addEventListener("click", onClick);
  return node;
}

function local(names) {
  if (!names) return "";
  const first = config?.settings?.languages?.[0];
  return names[language] || (first && names[first]) || Object.values(names)[0] || "";
}

function zone() {
  return config?.settings?.time_zone || undefined;
}

// A date and time in the branch's zone, as people there read it.
function dateTime(at) {
  return new Intl.DateTimeFormat(language, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone(),
  }).format(new Date(at));
}

function clockTime(at, timeZone = zone()) {
  return new Intl.DateTimeFormat(language, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(new Date(at));
}

// "3 min", "1 h 5 min", "40 s": a wait as the preview shows it.
function duration(secs) {
  const total = Math.max(0, Math.round(Number(secs) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  if (h) return t("admin_duration_hm", { h, m });
  if (m) return t("admin_duration_m", { m });
  return t("admin_duration_s", { s: total });
}

function minutesOf(secs) {
  return secs == null ? "" : String(Math.round(secs / 60));
}

function languagesOfBranch() {
  return config?.settings?.languages || [language];
}

// The branch's languages first, in its order, then any other language `names` has.
function languagesFor(names = {}) {
  const used = [...languagesOfBranch()];
  for (const code of LANGUAGES) {
    if (!used.includes(code) && names[code]) used.push(code);
  }
  return used;
}

function serviceById(id) {
  return config?.services.find((s) => s.id === id);
}

function categoryById(id) {
  return config?.categories?.find((c) => c.id === id);
}

function isNetworkAdmin() {
  return session.user?.role === "admin" && session.user?.branch == null;
}

// ----- the API -----

function api(method, path, body, options = {}) {
  return callApi(method, path, body, { csrf: session.csrf, onExpired: expired, ...options });
}

function errorText(error) {
  if (!(error instanceof ApiError)) return t("admin_error_unknown");
  const key = `admin_error_${error.code}`;
  if (key in texts) return t(key);
  return `${t("admin_error_unknown")} (${error.message})`;
}

// ----- messages and field errors -----

function say(text, kind = "info") {
  const box = byId("message");
  clearTimeout(messageTimer);
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  if (kind === "info") messageTimer = setTimeout(() => (box.hidden = true), INFO_MS);
}

function quiet() {
  clearTimeout(messageTimer);
  byId("message").hidden = true;
}

function clearErrors(form) {
  for (const node of form.querySelectorAll(".error, .form-error")) {
    if (node.id === "preview-error") continue;
    node.hidden = true;
    node.textContent = "";
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

// What a form calls its fields where the server's name differs: a profile's entries report
// their weights and maximum waits (a variant's under its own path, `variants[1].weight`), a
// user's duplicate is their username.
const ALIASES = {
  "profile-form": {
    weight: "entries",
    max_wait_secs: "entries",
    categories: "entries",
    services: "entries",
  },
  "category-form": { sample: "profiles" },
};
const CODE_FIELDS = {
  "user-form": { already_exists: "username" },
  "service-form": { already_exists: "prefix" },
};

// The field's box in `form` for a path such as `numbering.first` or `entries[1].weight`: the
// path itself, else the path without its last part, and so on. Aliases apply within a
// variant's path too.
function fieldBox(form, field) {
  let path = field;
  while (path) {
    const [, scope, rest] = path.match(/^((?:variants\[\d+\]\.)?)(.*)$/);
    const name = scope + (ALIASES[form.id]?.[rest] ?? rest);
    const box = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
    if (box && !box.closest("[hidden]")) return box;
    const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
    path = cut > 0 ? path.slice(0, cut) : "";
  }
  return null;
}

// Shows an error next to its field: `key` is a text key, or null for the field's own.
function fieldError(form, field, key) {
  const box = fieldBox(form, field);
  if (!box) return false;
  // The text of the field the path ends in (`weight` of `entries[1].weight`), else the box's.
  const last = `admin_invalid_${field.match(/([a-z_]+)(?:\[\d+\])*$/)?.[1]}`;
  const own = `admin_invalid_${box.dataset.field.replaceAll(".", "_")}`;
  const fallback = last in texts ? last : own in texts ? own : "admin_error_validation_failed";
  const text = t(key || fallback);
  const slot = box.querySelector(":scope > .error");
  slot.textContent = text;
  slot.hidden = false;
  // The input at the path, else the first one under it (`ratio[1]` marks that step's count).
  const path = CSS.escape(field);
  const input =
    form.querySelector(`[data-path="${path}"], [data-path^="${path}."], [data-path^="${path}["]`) ||
    box.querySelector("input:not([type=checkbox]), select");
  if (input) input.setAttribute("aria-invalid", "true");
  return true;
}

function formError(form, text) {
  const slot = form.querySelector(":scope .form-error:not(#preview-error)");
  slot.textContent = text;
  slot.hidden = false;
}

// Shows the server's refusal of a save: next to its field when it names one, else at the form.
function showFailure(form, error) {
  if (error instanceof ApiError) {
    const field = error.field || CODE_FIELDS[form.id]?.[error.code];
    const key = error.code === "validation_failed" ? null : `admin_error_${error.code}`;
    if (field && fieldBox(form, field)) {
      const known = key && key in texts ? key : null;
      fieldError(form, field, known);
      const first = form.querySelector("[aria-invalid]");
      if (first) first.focus();
      return;
    }
  } else {
    console.error(error);
  }
  formError(form, errorText(error));
}

// The checks of a form before it is sent: each failed one is [field, text key or null].
function showChecks(form, problems) {
  for (const [field, key] of problems) fieldError(form, field, key);
  const first = form.querySelector("[aria-invalid]");
  if (first) first.focus();
  return problems.length === 0;
}

// Runs a save: clears the form's errors, checks, sends; a failure stays on the form.
async function submit(form, check, send) {
  clearErrors(form);
  quiet();
  const { body, problems } = check();
  if (!showChecks(form, problems)) return;
  const saveButton = form.querySelector("button[type=submit]");
  saveButton.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    await send(body);
  } catch (error) {
    showFailure(form, error);
  } finally {
    saveButton.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

function intIn(value, min, max) {
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

// ----- confirmation -----

function confirmAction(title, text, okText) {
  const dialog = byId("confirm");
  byId("confirm-title").textContent = title;
  byId("confirm-text").textContent = text;
  byId("confirm-ok").textContent = okText;
  dialog.returnValue = "";
  dialog.showModal();
  byId("confirm-cancel").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// ----- sign-in and the frame -----

function show(view) {
  byId("login-view").hidden = view !== "login";
  byId("panel").hidden = view !== "panel";
  byId("logout").hidden = view === "login";
  if (view === "login") {
    byId("branch-picker").hidden = true;
    byId("branch-name").textContent = "";
    byId("who").textContent = "";
  }
}

function showLogin() {
  stopPairingPoll();
  show("login");
  byId("username").focus();
}

function expired() {
  session = {};
  save();
  showLogin();
  say(t("admin_error_unauthorized"), "error");
}

async function login(event) {
  event.preventDefault();
  const form = byId("login-form");
  await submit(
    form,
    () => {
      const username = byId("username").value.trim();
      const password = byId("password").value;
      const problems = [];
      if (!username) problems.push(["username", "admin_required"]);
      if (!password) problems.push(["password", "admin_required"]);
      return { body: { username, password }, problems };
    },
    async (body) => {
      const answer = await api("POST", "/auth/login", { ...body, cookie: true });
      if (!["admin", "manager"].includes(answer.user.role)) {
        // Not for this panel: end the session it just opened.
        session = { csrf: answer.csrf };
        await api("POST", "/auth/logout").catch(() => null);
        session = {};
        formError(form, t("admin_error_not_admin"));
        return;
      }
      byId("password").value = "";
      session = { csrf: answer.csrf, user: answer.user, section: session.section };
      save();
      await enter();
    },
  );
}

async function logout() {
  try {
    await api("POST", "/auth/logout");
  } catch {
    // The session may have ended already; signing out locally is what matters.
  }
  session = {};
  save();
  showLogin();
}

// After sign-in or a reload: the branch of a manager, or the one a network admin chose.
async function enter() {
  const user = session.user;
  byId("who").textContent = `${user.username} · ${t(`admin_role_${user.role}`)}`;
  if (user.branch != null) {
    session.branch = user.branch;
    branches = [];
  } else {
    branches = await api("GET", "/branches");
    if (!branches.some((b) => b.id === session.branch)) session.branch = branches[0]?.id ?? null;
  }
  save();
  show("panel");
  renderBranchPicker();
  if (session.branch == null) {
    startNewBranch();
    return;
  }
  await loadBranch();
  // The configuration file is the network's: a section a manager never sees, nor opens after
  // an administrator left it open in this tab.
  const section = session.section === "config" && !isNetworkAdmin() ? "branch" : session.section;
  openSection(section || "branch");
}

function renderBranchPicker() {
  const picker = byId("branch-picker");
  picker.hidden = !isNetworkAdmin();
  document.querySelector("#sections button[data-section=config]").hidden = !isNetworkAdmin();
  byId("branch").replaceChildren(
    ...branches.map((b) => option(b.id, b.name || `#${b.id}`, b.id === session.branch)),
  );
}

async function loadBranch() {
  config = await api("GET", `/branches/${session.branch}`);
  config.categories = config.categories || [];
  byId("branch-name").textContent = isNetworkAdmin() ? "" : config.settings?.name || "";
}

async function changeBranch() {
  session.branch = Number(byId("branch").value);
  save();
  stopPairingPoll();
  // A code shown for the branch before is not this branch's.
  byId("pairing").hidden = true;
  for (const key of Object.keys(editing)) editing[key] = null;
  sample = null;
  try {
    await loadBranch();
    openSection(session.section || "branch");
  } catch (error) {
    say(errorText(error), "error");
  }
}

function openSection(name, creating = false) {
  creatingBranch = creating;
  session.section = name;
  save();
  for (const node of document.querySelectorAll("#sections button")) {
    node.setAttribute("aria-current", String(node.dataset.section === name));
    // Without a branch there is nothing to configure but a new branch, or the whole network.
    node.disabled = !config && !["branch", "config"].includes(node.dataset.section);
  }
  for (const section of document.querySelectorAll("main > .section")) {
    section.hidden = section.id !== `section-${name}`;
  }
  if (name !== "devices") stopPairingPoll();
  const render = {
    branch: renderBranch,
    services: renderServices,
    workplaces: renderWorkplaces,
    categories: renderCategories,
    profiles: renderProfiles,
    users: renderUsers,
    devices: renderDevices,
    config: renderConfigFile,
  }[name];
  Promise.resolve(render()).catch((error) => say(errorText(error), "error"));
}

// Reloads the branch after a change and shows the section again, its editor on `id`.
async function reloaded(section, id) {
  await loadBranch();
  editing[section] = id;
  say(t("admin_saved"));
}

// ----- the branch -----

function renderBranch() {
  const form = byId("branch-form");
  clearErrors(form);
  const settings = creatingBranch
    ? { name: "", time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone, languages: [language], announcements: {} }
    : config.settings;
  byId("branch-always").checked = !settings.hours;
  renderHours(byId("branch-hours"), settings.hours || officeHours());
  byId("branch-hours").hidden = byId("branch-always").checked;
  holidays = [...(settings.holidays || [])];
  byId("holiday-date").value = "";
  renderHolidays();
  renderTicketTexts(settings.ticket_texts || {});
  byId("branch-form-title").textContent = t(creatingBranch ? "admin_new_branch" : "admin_branch_settings");
  byId("branch-cancel").hidden = !creatingBranch || !config;
  byId("branch-name-input").value = settings.name;
  byId("branch-zone").value = settings.time_zone;
  const zones = byId("zones");
  if (!zones.childElementCount && Intl.supportedValuesOf) {
    zones.append(...Intl.supportedValuesOf("timeZone").map((z) => element("option", { value: z })));
  }
  const order = [...settings.languages, ...LANGUAGES.filter((l) => !settings.languages.includes(l))];
  byId("branch-languages").replaceChildren(...order.map((code) => languageRow(code, settings.languages.includes(code))));
  byId("branch-announcements").replaceChildren(
    ...LANGUAGES.map((code) => {
      const input = element("input", {
        id: `announcement-${code}`,
        "data-path": `announcements.${code}`,
        maxlength: "200",
        placeholder: t("admin_announcement_default"),
      });
      input.value = settings.announcements?.[code] || "";
      return element("label", { class: "lang-row" }, element("span", { class: "lang", text: t(`admin_lang_${code}`) }), input);
    }),
  );
  showTicketTextLanguages();
  updateClock();
}

// The branch's days off as removable chips, in date order.
function renderHolidays() {
  const list = byId("branch-holidays");
  const format = new Intl.DateTimeFormat(language, {
    weekday: "short",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  list.replaceChildren(
    ...holidays.map((day) => {
      const remove = button("×", "ghost tiny", () => {
        holidays = holidays.filter((d) => d !== day);
        renderHolidays();
      }, { "aria-label": `${t("admin_remove")}: ${day}` });
      return element(
        "li",
        { "data-date": day },
        element("time", { datetime: day, text: format.format(new Date(`${day}T00:00:00Z`)) }),
        remove,
      );
    }),
  );
  if (!holidays.length) list.append(element("li", { class: "empty", text: t("admin_no_holidays") }));
}

function addHoliday() {
  const form = byId("branch-form");
  const box = form.querySelector('.field[data-field="holidays"]');
  box.querySelector(":scope > .error").hidden = true;
  byId("holiday-date").removeAttribute("aria-invalid");
  const day = byId("holiday-date").value;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    fieldError(form, "holidays", null);
    return;
  }
  if (!holidays.includes(day)) holidays = [...holidays, day].sort();
  byId("holiday-date").value = "";
  renderHolidays();
}

// A header and a footer for each language; those of languages the branch does not speak are
// hidden (and not saved) until it does.
function renderTicketTexts(texts) {
  const heading = element(
    "div",
    { class: "ticket-text-head" },
    element("span"),
    element("span", { text: t("admin_ticket_header") }),
    element("span", { text: t("admin_ticket_footer") }),
  );
  const rows = LANGUAGES.map((code) => {
    const line = (part, example) => {
      const input = element("input", {
        id: `ticket-${part}-${code}`,
        "data-path": `ticket_texts.${code}.${part}`,
        maxlength: "200",
        placeholder: t(example),
        "aria-label": `${t(`admin_lang_${code}`)}: ${t(`admin_ticket_${part}`)}`,
      });
      input.value = texts[code]?.[part] || "";
      return input;
    };
    return element(
      "div",
      { class: "ticket-text", "data-language": code },
      element("span", { class: "lang", text: t(`admin_lang_${code}`) }),
      line("header", "admin_ticket_header_example"),
      line("footer", "admin_ticket_footer_example"),
    );
  });
  byId("branch-ticket-texts").replaceChildren(heading, ...rows);
}

function tickedLanguages() {
  return [...byId("branch-languages").children]
    .filter((row) => row.querySelector("input").checked)
    .map((row) => row.dataset.language);
}

function showTicketTextLanguages() {
  const ticked = tickedLanguages();
  for (const row of byId("branch-ticket-texts").querySelectorAll(".ticket-text")) {
    row.hidden = !ticked.includes(row.dataset.language);
  }
}

function languageRow(code, used) {
  const check = element("input", { type: "checkbox", id: `language-${code}`, value: code });
  check.checked = used;
  const up = button("↑", "ghost tiny", () => moveLanguage(row, -1), { "aria-label": t("admin_move_up") });
  const down = button("↓", "ghost tiny", () => moveLanguage(row, 1), { "aria-label": t("admin_move_down") });
  const row = element(
    "li",
    { "data-language": code },
    element("label", { class: "check" }, check, ` ${t(`admin_lang_${code}`)}`),
    element("span", { class: "default-mark", text: t("admin_default_language") }),
    up,
    down,
  );
  return row;
}

function moveLanguage(row, by) {
  const list = row.parentElement;
  if (by < 0 && row.previousElementSibling) list.insertBefore(row, row.previousElementSibling);
  if (by > 0 && row.nextElementSibling) list.insertBefore(row.nextElementSibling, row);
}

function updateClock() {
  clearTimeout(clockTimer);
  const name = byId("branch-zone").value.trim();
  let text = "";
  try {
    text = t("admin_local_time", { time: clockTime(Date.now(), name) });
  } catch {
    text = "";
  }
  byId("branch-clock").textContent = text;
  clockTimer = setTimeout(updateClock, CLOCK_MS);
}

function checkBranch() {
  const problems = [];
  const name = byId("branch-name-input").value.trim();
  if (!name) problems.push(["name", "admin_required"]);
  const timeZone = byId("branch-zone").value.trim();
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    problems.push(["time_zone", null]);
  }
  const languages = tickedLanguages();
  if (!languages.length) problems.push(["languages", null]);
  const announcements = {};
  for (const code of LANGUAGES) {
    const text = byId(`announcement-${code}`).value.trim();
    if (!text) continue;
    announcements[code] = text;
    if (!text.includes("{ticket}")) problems.push([`announcements.${code}`, null]);
  }
  const hours = byId("branch-always").checked ? null : readHours(byId("branch-hours"), problems);
  const ticketTexts = {};
  for (const code of languages) {
    const own = {};
    for (const part of ["header", "footer"]) {
      const text = byId(`ticket-${part}-${code}`).value.trim();
      if (text) own[part] = text;
    }
    if (Object.keys(own).length) ticketTexts[code] = own;
  }
  return {
    body: { name, time_zone: timeZone, languages, announcements, hours, holidays, ticket_texts: ticketTexts },
    problems,
  };
}

async function saveBranch(event) {
  event.preventDefault();
  await submit(byId("branch-form"), checkBranch, async (body) => {
    if (creatingBranch) {
      const created = await api("POST", "/branches", body);
      branches = await api("GET", "/branches");
      session.branch = created.id;
      save();
      renderBranchPicker();
      await loadBranch();
      openSection("branch");
      say(t("admin_branch_created"));
    } else {
      await api("PUT", `/branches/${session.branch}`, body);
      await loadBranch();
      if (isNetworkAdmin()) {
        branches = await api("GET", "/branches");
        renderBranchPicker();
      }
      renderBranch();
      say(t("admin_saved"));
    }
  });
}

function startNewBranch() {
  openSection("branch", true);
  byId("branch-name-input").focus();
}

// ----- editors shared by the lists -----

function openEditor(form, title) {
  clearErrors(form);
  form.hidden = false;
  form.closest(".section").classList.add("editing");
  byId(`${form.id}-title`).textContent = title;
}

function closeEditor(form, key) {
  form.hidden = true;
  form.closest(".section").classList.remove("editing");
  editing[key] = null;
  for (const row of form.parentElement.querySelectorAll("tbody tr")) row.removeAttribute("aria-selected");
}

function renderList(tbody, items, key, cells, onOpen) {
  tbody.replaceChildren(
    ...items.map((item) => {
      const row = element("tr", { "data-id": item.id, tabindex: "0" }, ...cells(item).map((c) => element("td", {}, c)));
      if (editing[key] === item.id) row.setAttribute("aria-selected", "true");
      row.addEventListener("click", () => onOpen(item));
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter") onOpen(item);
      });
      return row;
    }),
  );
  if (!items.length) {
    tbody.append(element("tr", { class: "empty" }, element("td", { colspan: "9", text: t("admin_none_yet") })));
  }
}

function selectRow(tbody, id) {
  for (const row of tbody.querySelectorAll("tr")) {
    if (row.dataset.id === String(id)) row.setAttribute("aria-selected", "true");
    else row.removeAttribute("aria-selected");
  }
}

// Inputs for a name in each language: the branch's languages and any the item already has.
function perLanguage(container, prefix, path, names = {}) {
  container.replaceChildren(
    ...languagesFor(names).map((code) => {
      const input = element("input", {
        id: `${prefix}-${code}`,
        "data-path": `${path}.${code}`,
        "data-language": code,
        maxlength: "200",
      });
      input.value = names[code] || "";
      return element("label", { class: "lang-row" }, element("span", { class: "lang", text: t(`admin_lang_${code}`) }), input);
    }),
  );
}

function readPerLanguage(container) {
  const names = {};
  for (const input of container.querySelectorAll("input")) {
    const text = input.value.trim();
    if (text) names[input.dataset.language] = text;
  }
  return names;
}

async function remove(what, name, path, form, key, after) {
  clearErrors(form);
  const ok = await confirmAction(t("admin_delete_title", { name }), t(`admin_delete_${what}`), t("admin_delete"));
  if (!ok) return;
  try {
    await api("DELETE", path);
    await loadBranch();
    closeEditor(form, key);
    after();
    say(t("admin_deleted", { name }));
  } catch (error) {
    formError(form, errorText(error));
  }
}

// ----- services -----

function hoursSummary(service) {
  if (!service.enabled) return t("admin_disabled");
  if (!service.hours) return t("admin_always_open");
  const days = DAYS.filter((d) => service.hours[d]?.length);
  return days.length ? days.map((d) => t(`admin_day_${d}`)).join(" ") : t("admin_closed");
}

function renderServices() {
  renderList(
    byId("service-list"),
    config.services,
    "service",
    (s) => [element("span", { class: "prefix", text: s.prefix }), local(s.names), local(s.group), hoursSummary(s)],
    editService,
  );
  const form = byId("service-form");
  const current = config.services.find((s) => s.id === editing.service);
  if (current) fillService(current);
  else if (editing.service !== null) closeEditor(form, "service");
}

function editService(service) {
  editing.service = service?.id ?? null;
  fillService(service);
  selectRow(byId("service-list"), editing.service);
  byId(service ? "service-prefix" : `service-name-${languagesOfBranch()[0]}`)?.focus();
}

function fillService(service) {
  const form = byId("service-form");
  const title = service
    ? t("admin_edit_service", { name: `${service.prefix} · ${local(service.names)}` })
    : t("admin_new_service");
  openEditor(form, title);
  const s = service || {
    names: {},
    group: {},
    prefix: "",
    numbering: { first: 1, last: 999 },
    daily_limit: null,
    hours: null,
    service_norm_secs: 300,
    waiting_norm_secs: 900,
    enabled: true,
  };
  perLanguage(byId("service-names"), "service-name", "names", s.names);
  perLanguage(byId("service-groups"), "service-group", "group", s.group || {});
  byId("service-prefix").value = s.prefix;
  byId("service-first").value = s.numbering.first;
  byId("service-last").value = s.numbering.last;
  byId("service-limit").value = s.daily_limit ?? "";
  byId("service-norm").value = minutesOf(s.service_norm_secs);
  byId("service-wait").value = minutesOf(s.waiting_norm_secs);
  byId("service-enabled").checked = s.enabled;
  byId("service-always").checked = !s.hours;
  renderHours(byId("service-hours"), s.hours || officeHours());
  byId("service-hours").hidden = byId("service-always").checked;
  byId("service-delete").hidden = !service;
}

// Unticking "always open" starts from office hours on weekdays.
function officeHours() {
  return Object.fromEntries(DAYS.slice(0, 5).map((day) => [day, ["09:00-18:00"]]));
}

// The opening hours editor, a service's or the branch's: one row a day in `grid`.
function renderHours(grid, hours) {
  grid.replaceChildren(
    ...DAYS.map((day) => {
      const spans = element("div", { class: "spans" });
      const row = element(
        "div",
        { class: "day", "data-day": day },
        element("span", { class: "day-name", text: t(`admin_day_${day}`) }),
        spans,
        button("+", "ghost tiny", () => addSpan(spans, day, "", ""), { "aria-label": t("admin_add_span") }),
      );
      for (const span of hours[day] || []) {
        const [open, close] = span.split("-");
        addSpan(spans, day, open, close, false);
      }
      markClosed(spans);
      return row;
    }),
  );
}

function addSpan(spans, day, open, close, focus = true) {
  const from = element("input", {
    class: "time",
    value: open,
    placeholder: "09:00",
    maxlength: "5",
    inputmode: "numeric",
    "aria-label": `${t(`admin_day_${day}`)}: ${t("admin_opens")}`,
  });
  const to = element("input", {
    class: "time",
    value: close,
    placeholder: "18:00",
    maxlength: "5",
    inputmode: "numeric",
    "aria-label": `${t(`admin_day_${day}`)}: ${t("admin_closes")}`,
  });
  const span = element("span", { class: "span" }, from, "–", to);
  span.append(
    button("×", "ghost tiny", () => {
      span.remove();
      markClosed(spans);
    }, { "aria-label": t("admin_remove") }),
  );
  spans.append(span);
  markClosed(spans);
  if (focus) from.focus();
}

// Notes a day without spans as closed, and numbers the spans as the server's errors do.
function markClosed(spans) {
  const day = spans.parentElement?.dataset.day;
  spans.querySelectorAll(".span").forEach((span, index) => {
    const [from, to] = span.querySelectorAll("input");
    from.dataset.path = `hours.${day}[${index}]`;
    to.dataset.path = `hours.${day}[${index}].close`;
  });
  const empty = !spans.querySelector(".span");
  let note = spans.querySelector(".closed-note");
  if (empty && !note) spans.append(element("span", { class: "closed-note", text: t("admin_closed") }));
  if (!empty && note) note.remove();
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

// Whether `open`–`close` is a span the server accepts: times as HH:MM, 24:00 only as the end,
// opening before closing.
function isSpan(open, close) {
  return TIME.test(open) && (TIME.test(close) || close === "24:00") && (close === "24:00" || open < close);
}

// The hours in an hours editor as the API takes them; each span it would refuse is a problem.
function readHours(grid, problems) {
  const hours = {};
  for (const row of grid.children) {
    const day = row.dataset.day;
    const spans = [];
    for (const span of row.querySelectorAll(".span")) {
      const [from, to] = span.querySelectorAll("input");
      const open = from.value.trim();
      const close = to.value.trim();
      if (!isSpan(open, close)) problems.push([from.dataset.path, "admin_invalid_hours"]);
      spans.push(`${open}-${close}`);
    }
    if (spans.length) hours[day] = spans;
  }
  return hours;
}

function checkService() {
  const problems = [];
  const names = readPerLanguage(byId("service-names"));
  if (!Object.keys(names).length) problems.push(["names", "admin_invalid_names"]);
  const group = readPerLanguage(byId("service-groups"));
  const prefix = byId("service-prefix").value.trim().toUpperCase();
  if (!/^\p{L}{1,3}$/u.test(prefix)) problems.push(["prefix", null]);
  const first = intIn(byId("service-first").value, 0, 99999);
  const last = intIn(byId("service-last").value, 0, 99999);
  if (first === null || last === null || first > last) problems.push(["numbering", null]);
  const limitText = byId("service-limit").value.trim();
  const dailyLimit = limitText ? intIn(limitText, 1, 1000000) : null;
  if (limitText && dailyLimit === null) problems.push(["daily_limit", null]);
  const norm = intIn(byId("service-norm").value, 1, 1440);
  if (norm === null) problems.push(["service_norm_secs", null]);
  const wait = intIn(byId("service-wait").value, 1, 1440);
  if (wait === null) problems.push(["waiting_norm_secs", null]);
  const hours = byId("service-always").checked ? null : readHours(byId("service-hours"), problems);
  byId("service-prefix").value = prefix;
  return {
    body: {
      names,
      group,
      prefix,
      numbering: { first, last },
      daily_limit: dailyLimit,
      hours,
      service_norm_secs: (norm || 0) * 60,
      waiting_norm_secs: (wait || 0) * 60,
      enabled: byId("service-enabled").checked,
    },
    problems,
  };
}

async function saveService(event) {
  event.preventDefault();
  await submit(byId("service-form"), checkService, async (body) => {
    const saved = editing.service === null
      ? await api("POST", `/branches/${session.branch}/services`, body)
      : await api("PUT", `/branches/${session.branch}/services/${editing.service}`, body);
    await reloaded("service", saved.id);
    renderServices();
  });
}

// ----- workplaces -----

function renderWorkplaces() {
  renderList(byId("workplace-list"), config.workplaces, "workplace", (w) => [w.name], editWorkplace);
  const current = config.workplaces.find((w) => w.id === editing.workplace);
  if (current) fillWorkplace(current);
  else if (editing.workplace !== null) closeEditor(byId("workplace-form"), "workplace");
}

function editWorkplace(workplace) {
  editing.workplace = workplace?.id ?? null;
  fillWorkplace(workplace);
  selectRow(byId("workplace-list"), editing.workplace);
  byId("workplace-name").focus();
}

function fillWorkplace(workplace) {
  const title = workplace ? t("admin_edit_workplace", { name: workplace.name }) : t("admin_new_workplace");
  openEditor(byId("workplace-form"), title);
  byId("workplace-name").value = workplace?.name || "";
  byId("workplace-delete").hidden = !workplace;
}

async function saveWorkplace(event) {
  event.preventDefault();
  await submit(
    byId("workplace-form"),
    () => {
      const name = byId("workplace-name").value.trim();
      return { body: { name }, problems: name ? [] : [["name", "admin_required"]] };
    },
    async (body) => {
      const saved = editing.workplace === null
        ? await api("POST", `/branches/${session.branch}/workplaces`, body)
        : await api("PUT", `/branches/${session.branch}/workplaces/${editing.workplace}`, body);
      await reloaded("workplace", saved.id);
      renderWorkplaces();
    },
  );
}

// ----- customer categories -----

function renderCategories() {
  renderList(
    byId("category-list"),
    config.categories,
    "category",
    (c) => [
      local(c.names),
      String(c.weight),
      c.waiting_norm_secs ? t("admin_minutes", { n: minutesOf(c.waiting_norm_secs) }) : "—",
    ],
    editCategory,
  );
  const current = config.categories.find((c) => c.id === editing.category);
  if (current) fillCategory(current);
  else if (editing.category !== null) closeEditor(byId("category-form"), "category");
}

function editCategory(category) {
  editing.category = category?.id ?? null;
  fillCategory(category);
  selectRow(byId("category-list"), editing.category);
  byId(`category-name-${languagesOfBranch()[0]}`)?.focus();
}

function fillCategory(category) {
  const title = category ? t("admin_edit_category", { name: local(category.names) }) : t("admin_new_category");
  openEditor(byId("category-form"), title);
  const c = category || { names: {}, weight: 2, waiting_norm_secs: null, profiles: null };
  perLanguage(byId("category-names"), "category-name", "names", c.names);
  byId("category-weight").value = c.weight;
  byId("category-wait").value = minutesOf(c.waiting_norm_secs);
  byId("category-profiles").replaceChildren(
    ...config.profiles.map((p) => {
      const check = element("input", { type: "checkbox", value: p.id });
      check.checked = Boolean(c.profiles?.includes(p.id));
      return element("label", { class: "check" }, check, ` ${p.name}`);
    }),
  );
  if (!config.profiles.length) byId("category-profiles").append(element("span", { class: "hint", text: t("admin_no_profiles") }));
  byId("category-delete").hidden = !category;
}

function checkCategory() {
  const problems = [];
  const names = readPerLanguage(byId("category-names"));
  if (!Object.keys(names).length) problems.push(["names", "admin_invalid_names"]);
  const weight = intIn(byId("category-weight").value, 1, 1000);
  if (weight === null) problems.push(["weight", null]);
  const waitText = byId("category-wait").value.trim();
  const wait = waitText ? intIn(waitText, 1, 1440) : null;
  if (waitText && wait === null) problems.push(["waiting_norm_secs", null]);
  const chosen = [...byId("category-profiles").querySelectorAll("input:checked")].map((i) => Number(i.value));
  return {
    body: { names, weight, waiting_norm_secs: wait === null ? null : wait * 60, profiles: chosen.length ? chosen : null },
    problems,
  };
}

async function saveCategory(event) {
  event.preventDefault();
  await submit(byId("category-form"), checkCategory, async (body) => {
    const saved = editing.category === null
      ? await api("POST", `/branches/${session.branch}/categories`, body)
      : await api("PUT", `/branches/${session.branch}/categories/${editing.category}`, body);
    await reloaded("category", saved.id);
    renderCategories();
  });
}

// ----- work profiles -----

function renderProfiles() {
  renderList(
    byId("profile-list"),
    config.profiles,
    "profile",
    (p) => [p.name, t(`admin_policy_${p.policy}`)],
    editProfile,
  );
  const current = config.profiles.find((p) => p.id === editing.profile);
  if (current) fillProfile(current);
  else if (editing.profile !== null) closeEditor(byId("profile-form"), "profile");
}

function editProfile(profile) {
  editing.profile = profile?.id ?? null;
  // Another profile gets a sample of its own services, and its preview starts at its own rules.
  sample = null;
  previewing = null;
  fillProfile(profile);
  selectRow(byId("profile-list"), editing.profile);
  byId("profile-name").focus();
}

function categoryFilterOf(entry) {
  if (entry.categories === "regular") return { kind: "regular", only: [] };
  if (entry.categories && typeof entry.categories === "object") return { kind: "only", only: [...entry.categories.only] };
  return { kind: "any", only: [] };
}

// Rules as the editor keeps them (the profile's own or a variant's): entries carry a key, so
// ratio steps survive reordering; the ratio's steps name entries by key.
function rulesState(rules) {
  const entries = rules.entries.map((e) => ({
    key: nextKey++,
    service: e.service,
    ...categoryFilterOf(e),
    weight: e.weight ?? 1,
    maxWait: minutesOf(e.max_wait_secs),
  }));
  const steps = (rules.ratio || []).map((s) => ({ count: s.count, keys: s.entries.map((i) => entries[i]?.key).filter(Boolean) }));
  return { policy: rules.policy, entries, steps, useRatio: steps.length > 0, scope: rules.ratio_scope || "operator" };
}

// A copy of `rules` with entries of its own, for a new variant that starts from the profile's.
function copyRules(rules) {
  const keys = new Map();
  const entries = rules.entries.map((entry) => {
    const key = nextKey++;
    keys.set(entry.key, key);
    return { ...entry, key, only: [...entry.only] };
  });
  const steps = rules.steps.map((step) => ({ count: step.count, keys: step.keys.map((k) => keys.get(k)) }));
  return { ...rules, entries, steps };
}

function fillProfile(profile) {
  const form = byId("profile-form");
  openEditor(form, profile ? t("admin_edit_profile", { name: profile.name }) : t("admin_new_profile"));
  const p = profile || {
    name: "",
    policy: "longest_waiting",
    entries: config.services.slice(0, 1).map((s) => ({ service: s.id, categories: "any", weight: 1 })),
    ratio: [],
    ratio_scope: "operator",
    variants: [],
    auto_call: false,
    no_show_after_recalls: null,
  };
  byId("profile-name").value = p.name;
  byId("profile-auto").checked = Boolean(p.auto_call);
  byId("profile-noshow").value = p.no_show_after_recalls ?? "";
  byId("profile-delete").hidden = !profile;
  profileRules = mountRules(byId("profile-rules"), "profile", "", rulesState(p)).rules;
  // The same profile shown again after a save keeps previewing the variant at the same place.
  const previewed = variants.findIndex((v) => v.key === previewing);
  variants = (p.variants || []).map((v) => {
    const [from, to] = v.hours.split("-");
    return { key: nextKey++, days: [...v.days], from, to, rules: rulesState(v) };
  });
  previewing = variants[previewed]?.key ?? null;
  renderVariants();
  // A service or category removed since leaves the sample.
  sample = sample?.filter((row) => serviceById(row.service) && (row.category == null || categoryById(row.category))) ?? null;
  if (!sample?.length) sample = defaultSample();
  renderSample();
  schedulePreview();
}

// Puts the inputs that edit `rules` into `container`. Their ids start with `idPrefix`; their
// fields and inputs are named by `path` ("" for the profile's own rules, "variants[1]." for
// the second variant's), as the server's errors name them.
function mountRules(container, idPrefix, path, rules) {
  const block = byId("rules-template").content.cloneNode(true);
  const part = (name) => block.querySelector(`[data-id="${name}"]`);
  for (const node of block.querySelectorAll("[data-id]")) node.id = `${idPrefix}-${node.dataset.id}`;
  for (const label of block.querySelectorAll("label[data-for]")) label.htmlFor = `${idPrefix}-${label.dataset.for}`;
  for (const field of block.querySelectorAll(".field[data-part]")) field.dataset.field = `${path}${field.dataset.part}`;
  const view = {
    rules,
    path,
    policy: part("policy"),
    hint: part("policy-hint"),
    entries: part("entries"),
    useRatio: part("use-ratio"),
    ratioBox: part("ratio-box"),
    ratio: part("ratio"),
    scope: part("ratio-scope"),
  };
  view.policy.value = rules.policy;
  view.policy.addEventListener("change", () => {
    rules.policy = view.policy.value;
    renderPolicyHint(view);
  });
  view.scope.value = rules.scope;
  view.scope.addEventListener("change", () => (rules.scope = view.scope.value));
  view.useRatio.checked = rules.useRatio;
  view.useRatio.addEventListener("change", () => {
    rules.useRatio = view.useRatio.checked;
    if (!rules.useRatio) rules.steps = [];
    renderSteps(view);
  });
  part("entry-add").addEventListener("click", () => addEntry(view));
  part("step-add").addEventListener("click", () => {
    rules.steps.push({ count: 1, keys: [] });
    renderSteps(view);
    schedulePreview();
  });
  container.replaceChildren(block);
  renderPolicyHint(view);
  renderEntries(view);
  renderSteps(view);
  return view;
}

function renderPolicyHint(view) {
  view.hint.textContent = t(`admin_policy_${view.rules.policy}_hint`);
}

function entryLabel(entry, index) {
  const service = serviceById(entry.service);
  const prefix = service ? service.prefix : "?";
  const filter =
    entry.kind === "regular"
      ? t("admin_categories_regular")
      : entry.kind === "only"
        ? entry.only.map((id) => local(categoryById(id)?.names)).join(", ") || "—"
        : t("admin_categories_any");
  return `${index + 1}. ${prefix} · ${filter}`;
}

function renderEntries(view) {
  const { rules, path } = view;
  view.entries.replaceChildren(
    ...rules.entries.map((entry, index) => {
      const service = element("select", {
        "data-path": `${path}entries[${index}].service`,
        "aria-label": t("admin_entry_service"),
      });
      service.append(...config.services.map((s) => option(s.id, `${s.prefix} · ${local(s.names)}`, s.id === entry.service)));
      service.addEventListener("change", () => {
        entry.service = Number(service.value);
        renderSteps(view);
      });
      const kind = element("select", {
        "data-path": `${path}entries[${index}].categories`,
        "aria-label": t("admin_entry_categories"),
      });
      kind.append(
        option("any", t("admin_categories_any"), entry.kind === "any"),
        option("regular", t("admin_categories_regular"), entry.kind === "regular"),
        option("only", t("admin_categories_only"), entry.kind === "only"),
      );
      const only = element("div", { class: "only", hidden: entry.kind !== "only" });
      for (const category of config.categories) {
        const check = element("input", { type: "checkbox", value: category.id });
        check.checked = entry.only.includes(category.id);
        check.addEventListener("change", () => {
          entry.only = [...only.querySelectorAll("input:checked")].map((i) => Number(i.value));
          renderSteps(view);
        });
        only.append(element("label", { class: "check" }, check, ` ${local(category.names)}`));
      }
      if (!config.categories.length) only.append(element("span", { class: "hint", text: t("admin_no_categories") }));
      kind.addEventListener("change", () => {
        entry.kind = kind.value;
        only.hidden = entry.kind !== "only";
        renderSteps(view);
      });
      const weight = element("input", {
        type: "number",
        min: "1",
        max: "1000",
        class: "tiny-number",
        value: entry.weight,
        "data-path": `${path}entries[${index}].weight`,
        "aria-label": t("admin_weight"),
      });
      weight.addEventListener("input", () => (entry.weight = weight.value));
      const maxWait = element("input", {
        type: "number",
        min: "1",
        max: "1440",
        class: "tiny-number",
        value: entry.maxWait,
        placeholder: "—",
        "data-path": `${path}entries[${index}].max_wait_secs`,
        "aria-label": t("admin_entry_max_wait"),
      });
      maxWait.addEventListener("input", () => (entry.maxWait = maxWait.value));
      const move = (by) => {
        const to = index + by;
        if (to < 0 || to >= rules.entries.length) return;
        [rules.entries[index], rules.entries[to]] = [rules.entries[to], rules.entries[index]];
        renderEntries(view);
        renderSteps(view);
        schedulePreview();
      };
      const actions = element(
        "td",
        { class: "actions" },
        button("↑", "ghost tiny", () => move(-1), { "aria-label": t("admin_move_up"), disabled: index === 0 }),
        button("↓", "ghost tiny", () => move(1), { "aria-label": t("admin_move_down"), disabled: index === rules.entries.length - 1 }),
        button("×", "ghost tiny", () => {
          rules.entries.splice(index, 1);
          for (const step of rules.steps) step.keys = step.keys.filter((k) => k !== entry.key);
          renderEntries(view);
          renderSteps(view);
          schedulePreview();
        }, { "aria-label": t("admin_remove") }),
      );
      return element(
        "tr",
        { "data-entry": index },
        element("td", { class: "index", text: String(index + 1) }),
        element("td", {}, service),
        element("td", {}, kind, only),
        element("td", {}, weight),
        element("td", {}, maxWait),
        actions,
      );
    }),
  );
}

function addEntry(view) {
  const { entries } = view.rules;
  const used = new Set(entries.map((e) => e.service));
  const service = config.services.find((s) => !used.has(s.id)) || config.services[0];
  if (!service) return;
  entries.push({ key: nextKey++, service: service.id, kind: "any", only: [], weight: 1, maxWait: "" });
  renderEntries(view);
  renderSteps(view);
  schedulePreview();
}

function renderSteps(view) {
  const { rules, path } = view;
  view.ratioBox.hidden = !rules.useRatio;
  if (rules.useRatio && rules.steps.length === 0) {
    rules.steps = [{ count: 1, keys: rules.entries.map((e) => e.key) }];
  }
  view.ratio.replaceChildren(
    ...rules.steps.map((step, index) => {
      const count = element("input", {
        type: "number",
        min: "1",
        max: "100",
        class: "tiny-number",
        value: step.count,
        "data-path": `${path}ratio[${index}].count`,
        "aria-label": t("admin_step_count"),
      });
      count.addEventListener("input", () => (step.count = count.value));
      const picks = element("span", { class: "picks" });
      rules.entries.forEach((entry, i) => {
        const check = element("input", { type: "checkbox", value: entry.key });
        check.checked = step.keys.includes(entry.key);
        check.addEventListener("change", () => {
          step.keys = [...picks.querySelectorAll("input:checked")].map((c) => Number(c.value));
        });
        picks.append(element("label", { class: "check" }, check, ` ${entryLabel(entry, i)}`));
      });
      return element(
        "li",
        { "data-step": index },
        element("span", { class: "step-name", text: t("admin_step", { n: index + 1 }) }),
        count,
        element("span", { text: t("admin_step_calls_from") }),
        picks,
        button("×", "ghost tiny", () => {
          rules.steps.splice(index, 1);
          if (!rules.steps.length) {
            rules.useRatio = false;
            view.useRatio.checked = false;
          }
          renderSteps(view);
          schedulePreview();
        }, { "aria-label": t("admin_remove") }),
      );
    }),
  );
}

// ----- a profile's variants: other rules on some weekdays and hours -----

function renderVariants() {
  byId("profile-variants").replaceChildren(...variants.map(variantItem));
  renderPreviewChoice();
}

function variantName(index) {
  return t("admin_variant", { n: index + 1 });
}

function variantItem(variant, index) {
  const item = byId("variant-template").content.firstElementChild.cloneNode(true);
  const part = (name) => item.querySelector(`[data-id="${name}"]`);
  const path = `variants[${index}].`;
  const name = variantName(index);
  item.dataset.variant = index;
  for (const field of item.querySelectorAll(".field[data-part]")) field.dataset.field = `${path}${field.dataset.part}`;
  part("title").textContent = name;
  const days = [...item.querySelectorAll(".days input")];
  days.forEach((check, i) => {
    check.checked = variant.days.includes(check.value);
    check.dataset.path = `${path}days[${i}]`;
    check.addEventListener("change", () => {
      variant.days = days.filter((c) => c.checked).map((c) => c.value);
      renderPreviewChoice();
    });
  });
  // The opening time carries the path of the hours, so an error there marks it.
  for (const [end, inputPath] of [["from", `${path}hours`], ["to", `${path}hours.close`]]) {
    const input = part(end);
    input.id = `variant-${index}-${end}`;
    input.value = variant[end];
    input.dataset.path = inputPath;
    input.setAttribute("aria-label", `${name}: ${t(`admin_variant_${end}`)}`);
    input.addEventListener("input", () => {
      variant[end] = input.value;
      renderPreviewChoice();
    });
  }
  const up = part("up");
  const down = part("down");
  up.disabled = index === 0;
  down.disabled = index === variants.length - 1;
  up.addEventListener("click", () => moveVariant(index, -1));
  down.addEventListener("click", () => moveVariant(index, 1));
  part("remove").setAttribute("aria-label", `${t("admin_remove_variant")}: ${name}`);
  part("remove").addEventListener("click", () => removeVariant(index));
  mountRules(part("rules"), `variant-${index}`, path, variant.rules);
  return item;
}

// A new variant starts from the profile's own rules, with no day ticked yet.
function addVariant() {
  variants.push({ key: nextKey++, days: [], from: "09:00", to: "18:00", rules: copyRules(profileRules) });
  renderVariants();
  byId("profile-variants").lastElementChild.querySelector(".days input").focus();
  schedulePreview();
}

function moveVariant(index, by) {
  const to = index + by;
  [variants[index], variants[to]] = [variants[to], variants[index]];
  renderVariants();
  // The focus follows the variant, onto the button that can still move it.
  const moved = byId("profile-variants").children[to];
  const same = moved.querySelector(by < 0 ? "[data-id=up]" : "[data-id=down]");
  (same.disabled ? moved.querySelector(by < 0 ? "[data-id=down]" : "[data-id=up]") : same).focus();
  schedulePreview();
}

function removeVariant(index) {
  variants.splice(index, 1);
  renderVariants();
  byId("variant-add").focus();
  schedulePreview();
}

function checkRules(rules, path, problems) {
  const { entries, steps } = rules;
  if (!entries.length) problems.push([`${path}entries`, "admin_invalid_entries"]);
  const body = entries.map((entry, index) => {
    const weight = intIn(entry.weight, 1, 1000);
    if (weight === null) problems.push([`${path}entries[${index}].weight`, "admin_invalid_weight"]);
    const maxText = String(entry.maxWait ?? "").trim();
    const maxWait = maxText ? intIn(maxText, 1, 1440) : null;
    if (maxText && maxWait === null) problems.push([`${path}entries[${index}].max_wait_secs`, "admin_invalid_max_wait"]);
    if (entry.kind === "only" && !entry.only.length) problems.push([`${path}entries[${index}].categories`, "admin_invalid_categories"]);
    const categories = entry.kind === "only" ? { only: entry.only } : entry.kind;
    return { service: entry.service, categories, weight: weight ?? 1, max_wait_secs: maxWait === null ? null : maxWait * 60 };
  });
  const ratio = [];
  if (rules.useRatio) {
    steps.forEach((step, index) => {
      const count = intIn(step.count, 1, 100);
      const indexes = entries.map((e, i) => (step.keys.includes(e.key) ? i : -1)).filter((i) => i >= 0);
      if (count === null || !indexes.length) problems.push([`${path}ratio[${index}]`, "admin_invalid_ratio"]);
      ratio.push({ entries: indexes, count: count ?? 1 });
    });
    const covered = entries.every((e) => steps.some((s) => s.keys.includes(e.key)));
    if (!covered) problems.push([`${path}ratio`, "admin_invalid_ratio_cover"]);
  }
  return { policy: rules.policy, entries: body, ratio, ratio_scope: rules.scope };
}

function checkVariant(variant, index, problems) {
  const path = `variants[${index}].`;
  const days = DAYS.filter((d) => variant.days.includes(d));
  if (!days.length) problems.push([`${path}days`, "admin_invalid_days"]);
  const from = variant.from.trim();
  const to = variant.to.trim();
  if (!isSpan(from, to)) problems.push([`${path}hours`, "admin_invalid_hours"]);
  return { days, hours: `${from}-${to}`, ...checkRules(variant.rules, path, problems) };
}

function checkProfile() {
  const problems = [];
  const name = byId("profile-name").value.trim();
  if (!name) problems.push(["name", "admin_required"]);
  const rules = checkRules(profileRules, "", problems);
  const checked = variants.map((variant, index) => checkVariant(variant, index, problems));
  const noShowText = byId("profile-noshow").value.trim();
  const noShow = noShowText ? intIn(noShowText, 1, 20) : null;
  if (noShowText && noShow === null) problems.push(["no_show_after_recalls", null]);
  return {
    body: {
      name,
      ...rules,
      variants: checked,
      auto_call: byId("profile-auto").checked,
      no_show_after_recalls: noShow,
    },
    problems,
  };
}

async function saveProfile(event) {
  event.preventDefault();
  await submit(byId("profile-form"), checkProfile, async (body) => {
    const saved = editing.profile === null
      ? await api("POST", `/branches/${session.branch}/profiles`, body)
      : await api("PUT", `/branches/${session.branch}/profiles/${editing.profile}`, body);
    await reloaded("profile", saved.id);
    renderProfiles();
  });
}

// ----- the preview of a profile's call order -----

// The rules the preview shows: the profile's own, or the variant chosen above the preview.
function previewedRules() {
  return variants.find((v) => v.key === previewing)?.rules ?? profileRules;
}

// The choice of rules to preview, offered once the profile has variants.
function renderPreviewChoice() {
  if (!variants.some((v) => v.key === previewing)) previewing = null;
  byId("preview-rules").replaceChildren(
    option("", t("admin_preview_main"), previewing === null),
    ...variants.map((variant, index) => {
      const days = DAYS.filter((d) => variant.days.includes(d)).map((d) => t(`admin_day_${d}`));
      const label = [variantName(index), days.join(", "), `${variant.from.trim()}–${variant.to.trim()}`];
      return option(variant.key, label.filter(Boolean).join(" · "), variant.key === previewing);
    }),
  );
  byId("preview-choice").hidden = variants.length === 0;
}

// A small queue: two visitors of each of the previewed rules' services and of one they do not
// serve, and one of each category, so most rules show their effect.
function defaultSample() {
  const ids = [...new Set(previewedRules().entries.map((e) => e.service))].filter((id) => serviceById(id));
  const other = config.services.find((s) => !ids.includes(s.id));
  const services = [...ids.slice(0, 3), ...(other ? [other.id] : [])];
  const waits = [14, 9, 4, 2];
  const rows = [];
  services.forEach((service, i) => {
    rows.push({ service, category: null, waited: waits[i % waits.length] + i });
    rows.push({ service, category: null, waited: Math.max(1, waits[(i + 2) % waits.length] - i) });
  });
  config.categories.slice(0, 3).forEach((category, i) => {
    if (services[0]) rows.push({ service: services[0], category: category.id, waited: 3 + i * 5 });
  });
  return rows.slice(0, MAX_SAMPLE);
}

function renderSample() {
  byId("sample").replaceChildren(
    ...sample.map((row, index) => {
      const service = element("select", { "aria-label": t("admin_entry_service") });
      service.append(...config.services.map((s) => option(s.id, `${s.prefix} · ${local(s.names)}`, s.id === row.service)));
      service.addEventListener("change", () => (row.service = Number(service.value)));
      const category = element("select", { "aria-label": t("admin_category") });
      category.append(option("", t("admin_regular"), row.category == null));
      category.append(...config.categories.map((c) => option(c.id, local(c.names), c.id === row.category)));
      category.addEventListener("change", () => (row.category = category.value ? Number(category.value) : null));
      const waited = element("input", {
        type: "number",
        min: "0",
        max: String(MAX_SAMPLE_WAIT_MIN),
        class: "tiny-number",
        value: row.waited,
        "aria-label": t("admin_waited_min"),
      });
      waited.addEventListener("input", () => (row.waited = waited.value));
      const remove = button("×", "ghost tiny", () => {
        sample.splice(index, 1);
        renderSample();
        schedulePreview();
      }, { "aria-label": t("admin_remove") });
      return element(
        "tr",
        { "data-sample": index },
        element("td", {}, service),
        element("td", {}, category),
        element("td", {}, waited),
        element("td", { class: "actions" }, remove),
      );
    }),
  );
  byId("sample-add").disabled = sample.length >= MAX_SAMPLE || !config.services.length;
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(runPreview, PREVIEW_DELAY_MS);
}

function previewProblem(key) {
  byId("preview-order").replaceChildren();
  byId("preview-not-called").hidden = true;
  const slot = byId("preview-error");
  slot.textContent = t(key);
  slot.hidden = false;
}

function sampleLabel(row) {
  const service = serviceById(row.service);
  const name = service ? local(service.names) : "?";
  const category = row.category == null ? "" : ` · ${local(categoryById(row.category)?.names)}`;
  return `${name}${category}`;
}

function reasonText(reason, index) {
  const entry = (reason.position_in_profile ?? 0) + 1;
  const waited = duration(reason.waited_secs);
  switch (reason.rule) {
    case "strict_order":
      return t("admin_reason_strict_order", { entry, waited });
    case "longest_waiting":
      return t("admin_reason_longest_waiting", { waited });
    case "weighted":
      return t("admin_reason_weighted", { entry, priority: reason.priority, waited });
    case "urgency":
      return t("admin_reason_urgency", {
        entry,
        urgency: new Intl.NumberFormat(language, { maximumFractionDigits: 2 }).format(reason.urgency_permille / 1000),
        waited,
        norm: duration(reason.norm_secs),
      });
    case "max_wait_exceeded":
      return t("admin_reason_max_wait_exceeded", { entry, waited, max: duration(reason.max_wait_secs) });
    default:
      return t("admin_reason_other", { n: index + 1 });
  }
}

async function runPreview() {
  if (byId("profile-form").hidden) return;
  const problems = [];
  const rules = checkRules(previewedRules(), "", problems);
  const rows = [];
  for (const row of sample) {
    const waited = intIn(row.waited, 0, MAX_SAMPLE_WAIT_MIN);
    if (waited === null) {
      previewProblem("admin_preview_bad_sample");
      return;
    }
    rows.push({ service: row.service, category: row.category, waited_secs: waited * 60 });
  }
  if (problems.length) {
    previewProblem("admin_preview_incomplete");
    return;
  }
  const request = ++previewRequest;
  // The chosen rules as a profile of their own, without variants: the engine would otherwise
  // apply whichever variant covers the moment of the preview. Only the rules matter here.
  const payload = { profile: { name: "preview", ...rules }, sample: rows };
  if (editing.profile !== null) payload.id = editing.profile;
  try {
    const preview = await api("POST", `/branches/${session.branch}/profiles/preview`, payload);
    if (request !== previewRequest) return;
    byId("preview-error").hidden = true;
    byId("preview-order").replaceChildren(
      ...preview.calls.map((call, index) =>
        element(
          "li",
          { "data-sample": call.sample },
          element("span", { class: "number", text: call.number }),
          element("span", { class: "who", text: sampleLabel(sample[call.sample]) }),
          element("span", { class: "why", text: reasonText(call.reason, index) }),
        ),
      ),
    );
    if (!preview.calls.length) byId("preview-order").append(element("li", { class: "empty", text: t("admin_preview_nobody") }));
    const never = byId("preview-not-called");
    never.hidden = preview.not_called.length === 0;
    never.textContent = t("admin_preview_not_called", {
      list: preview.not_called
        .map((i) => `${preview.numbers[i]} (${sampleLabel(sample[i])})`)
        .sort()
        .join(", "),
    });
  } catch (error) {
    if (request !== previewRequest) return;
    // A profile the server cannot run yet waits for more input; anything else is said as it is.
    const incomplete = error instanceof ApiError && error.code === "validation_failed";
    previewProblem("admin_preview_incomplete");
    if (!incomplete) byId("preview-error").textContent = errorText(error);
  }
}

// ----- users -----

async function renderUsers() {
  users = await api("GET", "/users");
  const here = users.filter((u) => u.branch == null || u.branch === session.branch);
  renderList(
    byId("user-list"),
    here,
    "user",
    (u) => [
      u.disabled
        ? element("span", { class: "user-name" }, u.username, " ", element("span", { class: "badge", text: t("admin_user_disabled") }))
        : u.username,
      `${t(`admin_role_${u.role}`)}${u.branch == null ? ` · ${t("admin_all_branches")}` : ""}`,
      profileNames(u.profiles),
    ],
    editUser,
  );
  const current = here.find((u) => u.id === editing.user);
  if (current) await fillUser(current);
  else if (editing.user !== null) closeEditor(byId("user-form"), "user");
}

function profileNames(ids) {
  if (ids == null) return t("admin_any_profile");
  if (!ids.length) return "—";
  return ids.map((id) => config.profiles.find((p) => p.id === id)?.name || `#${id}`).join(", ");
}

async function editUser(user) {
  editing.user = user?.id ?? null;
  await fillUser(user);
  selectRow(byId("user-list"), editing.user);
  byId(user ? "user-any-profile" : "user-name").focus();
}

async function fillUser(user) {
  const form = byId("user-form");
  openEditor(form, user ? t("admin_edit_user", { name: user.username }) : t("admin_new_user"));
  const existing = Boolean(user);
  const roles = isNetworkAdmin() ? ["operator", "receptionist", "manager", "admin"] : ["operator", "receptionist"];
  if (user && !roles.includes(user.role)) roles.push(user.role);
  byId("user-role").replaceChildren(...roles.map((r) => option(r, t(`admin_role_${r}`), r === (user?.role || "operator"))));
  byId("user-name").value = user?.username || "";
  byId("user-password").value = "";
  byId("user-name").disabled = existing;
  byId("user-role").disabled = existing;
  form.querySelector(".new-only").hidden = existing;
  renderUserBranches(user ? user.branch : session.branch);
  byId("user-any-profile").checked = user ? user.profiles == null : true;
  byId("user-state").hidden = !user?.disabled;
  renderUserDisabled(user);
  await renderUserProfiles(user?.profiles || []);
}

// Disabling or enabling: for a user already saved who is not the one signed in (nobody can
// disable themself), and of the staff a manager runs (operators and receptionists).
function renderUserDisabled(user) {
  const toggle = byId("user-disabled");
  const mayManage = isNetworkAdmin() || ["operator", "receptionist"].includes(user?.role);
  toggle.hidden = !user || user.id === session.user.id || !mayManage;
  if (!user) return;
  toggle.textContent = t(user.disabled ? "admin_user_enable" : "admin_user_disable");
  toggle.className = user.disabled ? "ghost to-end" : "danger";
}

async function toggleUserDisabled() {
  const form = byId("user-form");
  const user = users.find((u) => u.id === editing.user);
  if (!user) return;
  clearErrors(form);
  const disabled = !user.disabled;
  const action = disabled ? "disable" : "enable";
  const name = user.username;
  const ok = await confirmAction(t(`admin_user_${action}_title`, { name }), t(`admin_user_${action}_text`), t(`admin_user_${action}`));
  if (!ok) return;
  try {
    await api("PUT", `/users/${user.id}/disabled`, { disabled });
    await renderUsers();
    say(t(`admin_user_${action}_done`, { name }));
  } catch (error) {
    formError(form, errorText(error));
  }
}

function renderUserBranches(selected) {
  const select = byId("user-branch");
  const role = byId("user-role").value;
  const options = [];
  if (isNetworkAdmin()) {
    if (!["manager", "receptionist"].includes(role)) options.push(option("", t("admin_all_branches"), selected == null));
    if (role !== "admin") options.push(...branches.map((b) => option(b.id, b.name || `#${b.id}`, b.id === selected)));
  } else {
    options.push(option(session.branch, config.settings.name, true));
  }
  select.replaceChildren(...options);
  // A user's role and branch are theirs for good; only their profiles change.
  select.disabled = editing.user !== null || !isNetworkAdmin() || role === "admin";
}

async function profilesOf(branch) {
  if (branch == null || branch === session.branch) return config.profiles;
  const other = await api("GET", `/branches/${branch}`);
  return other.profiles;
}

async function renderUserProfiles(chosen) {
  const any = byId("user-any-profile").checked;
  const branchValue = byId("user-branch").value;
  const profiles = await profilesOf(branchValue === "" ? null : Number(branchValue));
  const box = byId("user-profiles");
  box.hidden = any;
  box.replaceChildren(
    ...profiles.map((p) => {
      const check = element("input", { type: "checkbox", value: p.id });
      check.checked = chosen.includes(p.id);
      return element("label", { class: "check" }, check, ` ${p.name}`);
    }),
  );
  if (!profiles.length) box.append(element("span", { class: "hint", text: t("admin_no_profiles") }));
}

function checkUser() {
  const problems = [];
  const existing = editing.user !== null;
  const username = byId("user-name").value.trim();
  const password = byId("user-password").value;
  const role = byId("user-role").value;
  const branchValue = byId("user-branch").value;
  const profiles = byId("user-any-profile").checked
    ? null
    : [...byId("user-profiles").querySelectorAll("input:checked")].map((i) => Number(i.value));
  if (!existing) {
    if (!/^[\p{L}\p{N}._@-]{1,64}$/u.test(username)) problems.push(["username", null]);
    if ([...password].length < 8 || [...password].length > 200) problems.push(["password", null]);
    if (["manager", "receptionist"].includes(role) && branchValue === "") problems.push(["branch", null]);
  }
  return {
    body: { username, password, role, branch: branchValue === "" ? null : Number(branchValue), profiles },
    problems,
  };
}

async function saveUser(event) {
  event.preventDefault();
  await submit(byId("user-form"), checkUser, async (body) => {
    let saved;
    if (editing.user === null) {
      saved = await api("POST", "/users", body);
    } else {
      saved = await api("PUT", `/users/${editing.user}/profiles`, { profiles: body.profiles });
    }
    editing.user = saved.id;
    say(t("admin_saved"));
    await renderUsers();
  });
}

// ----- devices -----

async function renderDevices() {
  devices = await api("GET", `/branches/${session.branch}/devices`);
  const body = byId("device-list");
  body.replaceChildren(
    ...devices.map((device) => {
      const revoke = button(t("admin_revoke"), "danger small revoke", () => revokeDevice(device), { "data-device": device.id });
      const printer = device.printer ? ` · ${t("admin_printer_short", { address: device.printer.address })}` : "";
      return element(
        "tr",
        { "data-id": device.id },
        element("td", { text: device.name || "—" }),
        element("td", { text: `${t(`admin_device_${device.role}`)}${printer}` }),
        element("td", { text: dateTime(device.created_at) }),
        element("td", { class: "actions" }, revoke),
      );
    }),
  );
  if (!devices.length) body.append(element("tr", { class: "empty" }, element("td", { colspan: "4", text: t("admin_no_devices") })));
  const workplace = byId("pairing-workplace");
  const chosen = workplace.value;
  workplace.replaceChildren(
    option("", t("admin_hall_display")),
    ...config.workplaces.map((w) => option(w.id, t("admin_counter_display", { name: w.name }), String(w.id) === chosen)),
  );
  renderPairingRole();
}

function renderPairingRole() {
  const kiosk = byId("pairing-role").value === "kiosk";
  const form = byId("pairing-form");
  form.querySelector(".display-only").hidden = kiosk;
  form.querySelector(".kiosk-only").hidden = !kiosk;
  byId("pairing-printer").hidden = !byId("pairing-has-printer").checked;
}

function checkPairing() {
  const problems = [];
  const role = byId("pairing-role").value;
  const name = byId("pairing-name").value.trim();
  if (!name) problems.push(["name", "admin_required"]);
  const body = { role, name };
  if (role === "display" && byId("pairing-workplace").value) body.workplace = Number(byId("pairing-workplace").value);
  if (role === "kiosk" && byId("pairing-has-printer").checked) {
    const address = byId("pairing-printer-address").value.trim();
    if (!/^[^\s:]+:\d{1,5}$/.test(address)) problems.push(["printer.address", null]);
    body.printer = {
      address,
      paper_mm: Number(byId("pairing-printer-paper").value),
      code_page: byId("pairing-printer-code-page").value,
    };
  }
  return { body, problems };
}

async function createPairing(event) {
  event.preventDefault();
  await submit(byId("pairing-form"), checkPairing, async (body) => {
    const pairing = await api("POST", `/branches/${session.branch}/pairings`, body);
    const digits = pairing.code;
    byId("pairing-code").textContent = `${digits.slice(0, 4)} ${digits.slice(4)}`;
    byId("pairing-where").textContent = t("admin_pair_where", { url: `${location.origin}/pair` });
    byId("pairing-expires").textContent = t("admin_pair_expires", { time: clockTime(pairing.expires_at) });
    byId("pairing-done").hidden = true;
    byId("pairing").hidden = false;
    watchPairing(pairing, new Set(devices.map((d) => d.id)));
  });
}

// Until the code is used or expires, looks for the device it pairs, so the list shows it.
function watchPairing(pairing, known) {
  stopPairingPoll();
  const expires = new Date(pairing.expires_at).getTime();
  const poll = async () => {
    if (Date.now() > expires) {
      byId("pairing-expires").textContent = t("admin_pair_expired");
      return;
    }
    try {
      const listed = await api("GET", `/branches/${session.branch}/devices`);
      const paired = listed.find((d) => !known.has(d.id) && d.name === pairing.name);
      if (paired) {
        await renderDevices();
        byId("pairing-done").textContent = t("admin_pair_done", { name: paired.name });
        byId("pairing-done").hidden = false;
        byId("pairing-expires").textContent = "";
        return;
      }
    } catch {
      // A failed look is tried again with the next one.
    }
    pairingTimer = setTimeout(poll, PAIRING_POLL_MS);
  };
  pairingTimer = setTimeout(poll, PAIRING_POLL_MS);
}

function stopPairingPoll() {
  clearTimeout(pairingTimer);
  pairingTimer = null;
}

async function revokeDevice(device) {
  const name = device.name || `#${device.id}`;
  const ok = await confirmAction(t("admin_revoke_title", { name }), t("admin_revoke_text"), t("admin_revoke"));
  if (!ok) return;
  try {
    await api("DELETE", `/branches/${session.branch}/devices/${device.id}`);
    await renderDevices();
    say(t("admin_revoked", { name }));
  } catch (error) {
    say(errorText(error), "error");
  }
}

// ----- the configuration file -----

function renderConfigFile() {
  resetImport();
  byId("config-file").value = "";
}

// Downloads the whole configuration as `talon-config.toml` and shows what was downloaded.
async function exportConfig() {
  const exportButton = byId("config-export");
  exportButton.disabled = true;
  try {
    const text = await api("GET", "/config", undefined, { textAnswer: true });
    if (exportUrl) URL.revokeObjectURL(exportUrl);
    exportUrl = URL.createObjectURL(new Blob([text], { type: "application/toml" }));
    const link = element("a", { href: exportUrl, download: "talon-config.toml", text: "talon-config.toml" });
    byId("config-exported").replaceChildren(t("admin_config_exported"), " ", link);
    byId("config-exported").hidden = false;
    byId("config-text").textContent = text;
    byId("config-preview").hidden = false;
    link.click();
  } catch (error) {
    say(importFailure(error).join(" "), "error");
  } finally {
    exportButton.disabled = false;
  }
}

function resetImport() {
  importText = null;
  byId("config-error").hidden = true;
  byId("config-report").hidden = true;
  byId("config-apply").hidden = true;
  const box = byId("config-form").querySelector('.field[data-field="file"]');
  box.querySelector(".error").hidden = true;
  byId("config-file").removeAttribute("aria-invalid");
}

// The translated lead of a failure and, for a file refused, the server's own words naming the
// place in the file (`branches[0].services[2].prefix`), which no translation could name.
function importFailure(error) {
  const own = ["import_invalid", "import_interrupted", "config_not_exportable"].includes(error?.code);
  if (!own) return [errorText(error), ""];
  // The server's message names the place already; the field is added only where it does not.
  const place = error.field && !error.message.includes(error.field) ? `${error.field}: ` : "";
  return [t(`admin_error_${error.code}`), `${place}${error.message}`];
}

function showImportFailure(error) {
  const [lead, detail] = importFailure(error);
  byId("config-error-text").textContent = lead;
  byId("config-error-detail").textContent = detail;
  byId("config-error-detail").hidden = !detail;
  byId("config-error").hidden = false;
}

// Checks the chosen file with a dry run, which changes nothing, and shows what it would do.
async function checkImport(event) {
  event?.preventDefault();
  resetImport();
  const file = byId("config-file").files[0];
  // Choosing no file (a cancelled choice) is not a mistake; checking without one is.
  if (!file && event?.type === "change") return;
  if (!file) {
    fieldError(byId("config-form"), "file", "admin_config_choose");
    return;
  }
  await importing(async () => {
    const text = await file.text();
    const report = await api("POST", "/config?dry_run=true", text, { contentType: "application/toml" });
    importText = text;
    renderReport(report);
    byId("config-apply").hidden = !reportChanges(report);
  });
}

async function applyImport() {
  const text = importText;
  if (text == null) return;
  await importing(async () => {
    resetImport();
    const report = await api("POST", "/config", text, { contentType: "application/toml" });
    renderReport(report);
    byId("config-file").value = "";
    // The import may have created branches and changed the one open here.
    branches = await api("GET", "/branches");
    if (session.branch == null) session.branch = branches[0]?.id ?? null;
    save();
    renderBranchPicker();
    if (session.branch != null) await loadBranch();
    say(t("admin_config_imported"));
  });
}

// Runs a step of the import with its buttons off; a failure is shown at the import.
async function importing(step) {
  const buttons = [byId("config-check"), byId("config-apply")];
  for (const node of buttons) node.disabled = true;
  byId("config-form").setAttribute("aria-busy", "true");
  try {
    await step();
  } catch (error) {
    showImportFailure(error);
  } finally {
    for (const node of buttons) node.disabled = false;
    byId("config-form").removeAttribute("aria-busy");
  }
}

const KINDS = ["services", "categories", "profiles", "workplaces"];

function reportChanges(report) {
  return report.branches.some(
    (b) => b.settings !== "unchanged" || KINDS.some((k) => b.created[k].length || b.updated[k].length),
  );
}

// Per branch: its settings, and per kind how many things were (or would be) created and
// updated, with their keys.
function renderReport(report) {
  const changes = reportChanges(report);
  const title = report.applied ? "admin_config_report_applied" : changes ? "admin_config_report_dry" : "admin_config_report_same";
  byId("config-report-title").textContent = t(title);
  const count = (keys) =>
    element("td", { class: "count" }, String(keys.length), keys.length ? element("span", { class: "keys", text: keys.join(", ") }) : "");
  byId("config-report-branches").replaceChildren(
    ...report.branches.map((branch) =>
      element(
        "div",
        { class: "report-branch", "data-branch": branch.name },
        element(
          "h4",
          {},
          element("span", { text: branch.name }),
          element("span", { class: `settings ${branch.settings}`, text: t(`admin_config_settings_${branch.settings}`) }),
        ),
        element(
          "table",
          {},
          element(
            "thead",
            {},
            element(
              "tr",
              {},
              element("th", { text: t("admin_config_kind") }),
              element("th", { text: t("admin_config_created") }),
              element("th", { text: t("admin_config_updated") }),
            ),
          ),
          element(
            "tbody",
            {},
            ...KINDS.map((kind) =>
              element(
                "tr",
                { "data-kind": kind },
                element("th", { scope: "row", text: t(`admin_config_kind_${kind}`) }),
                count(branch.created[kind]),
                count(branch.updated[kind]),
              ),
            ),
          ),
        ),
        element("p", { class: "hint", text: t("admin_config_unchanged", { n: branch.unchanged }) }),
      ),
    ),
  );
  if (!report.branches.length) byId("config-report-branches").append(element("p", { class: "hint", text: t("admin_config_no_branches") }));
  byId("config-report").hidden = false;
}

// ----- wiring -----

function wire() {
  byId("login-form").addEventListener("submit", login);
  byId("logout").addEventListener("click", logout);
  byId("branch").addEventListener("change", changeBranch);
  byId("new-branch").addEventListener("click", startNewBranch);
  for (const node of document.querySelectorAll("#sections button")) {
    node.addEventListener("click", () => openSection(node.dataset.section));
  }
  for (const node of document.querySelectorAll(".close-editor")) {
    const form = node.closest("form");
    node.addEventListener("click", () => closeEditor(form, form.id.replace("-form", "")));
  }

  byId("branch-form").addEventListener("submit", saveBranch);
  byId("branch-zone").addEventListener("input", updateClock);
  byId("branch-cancel").addEventListener("click", () => openSection("branch"));
  byId("branch-always").addEventListener("change", () => (byId("branch-hours").hidden = byId("branch-always").checked));
  byId("branch-languages").addEventListener("change", showTicketTextLanguages);
  byId("holiday-add").addEventListener("click", addHoliday);
  byId("holiday-date").addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    addHoliday();
  });

  byId("service-new").addEventListener("click", () => editService(null));
  byId("service-form").addEventListener("submit", saveService);
  byId("service-always").addEventListener("change", () => (byId("service-hours").hidden = byId("service-always").checked));
  byId("service-delete").addEventListener("click", () => {
    const s = serviceById(editing.service);
    const path = `/branches/${session.branch}/services/${s.id}`;
    remove("service", `${s.prefix} · ${local(s.names)}`, path, byId("service-form"), "service", renderServices);
  });

  byId("workplace-new").addEventListener("click", () => editWorkplace(null));
  byId("workplace-form").addEventListener("submit", saveWorkplace);
  byId("workplace-delete").addEventListener("click", () => {
    const w = config.workplaces.find((x) => x.id === editing.workplace);
    const path = `/branches/${session.branch}/workplaces/${w.id}`;
    remove("workplace", w.name, path, byId("workplace-form"), "workplace", renderWorkplaces);
  });

  byId("category-new").addEventListener("click", () => editCategory(null));
  byId("category-form").addEventListener("submit", saveCategory);
  byId("category-delete").addEventListener("click", () => {
    const c = categoryById(editing.category);
    const path = `/branches/${session.branch}/categories/${c.id}`;
    remove("category", local(c.names), path, byId("category-form"), "category", renderCategories);
  });

  byId("profile-new").addEventListener("click", () => editProfile(null));
  byId("profile-form").addEventListener("submit", saveProfile);
  byId("variant-add").addEventListener("click", addVariant);
  byId("preview-rules").addEventListener("change", () => {
    previewing = byId("preview-rules").value ? Number(byId("preview-rules").value) : null;
  });
  byId("sample-add").addEventListener("click", () => {
    const first = config.services[0];
    if (first) sample.push({ service: first.id, category: null, waited: 1 });
    renderSample();
    schedulePreview();
  });
  byId("sample-reset").addEventListener("click", () => {
    sample = defaultSample();
    renderSample();
    schedulePreview();
  });
  // Any change to the rules or the sample shows its call order again.
  for (const type of ["input", "change"]) byId("profile-form").addEventListener(type, schedulePreview);
  byId("profile-delete").addEventListener("click", () => {
    const p = config.profiles.find((x) => x.id === editing.profile);
    const path = `/branches/${session.branch}/profiles/${p.id}`;
    remove("profile", p.name, path, byId("profile-form"), "profile", renderProfiles);
  });

  byId("user-new").addEventListener("click", () => editUser(null));
  byId("user-form").addEventListener("submit", saveUser);
  byId("user-role").addEventListener("change", () => {
    renderUserBranches(byId("user-branch").value === "" ? null : Number(byId("user-branch").value));
    renderUserProfiles([]).catch((error) => say(errorText(error), "error"));
  });
  byId("user-branch").addEventListener("change", () => renderUserProfiles([]).catch((error) => say(errorText(error), "error")));
  byId("user-any-profile").addEventListener("change", () => (byId("user-profiles").hidden = byId("user-any-profile").checked));

  byId("user-disabled").addEventListener("click", toggleUserDisabled);

  byId("config-export").addEventListener("click", exportConfig);
  byId("config-form").addEventListener("submit", checkImport);
  byId("config-file").addEventListener("change", checkImport);
  byId("config-apply").addEventListener("click", applyImport);

  byId("device-refresh").addEventListener("click", () => renderDevices().catch((error) => say(errorText(error), "error")));
  byId("pairing-form").addEventListener("submit", createPairing);
  byId("pairing-role").addEventListener("change", renderPairingRole);
  byId("pairing-has-printer").addEventListener("change", renderPairingRole);
}

async function start() {
  wire();
  if (!session.csrf || !session.user) {
    showLogin();
    return;
  }
  try {
    await enter();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    show("panel");
    say(errorText(error), "error");
  }
}

start();
