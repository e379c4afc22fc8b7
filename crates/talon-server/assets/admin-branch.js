// The branch's settings: name, time zone, languages, announcements, hours, holidays and the
// texts printed on tickets; and creating a branch.

import { element } from "./common.js";
import { button, clockTime, isNetworkAdmin } from "./admin-format.js";
import { clearErrors, fieldError, remove, submit } from "./admin-forms.js";
import { officeHours, readHours, renderHours } from "./admin-hours.js";
import { loadBranch, openSection, renderBranchPicker } from "./admin-session.js";
import { api, app, byId, language, LANGUAGES, save, say, t, texts } from "./admin-state.js";

const CLOCK_MS = 15000;
let clockTimer = null;
// The branch's days off as the form holds them, `YYYY-MM-DD` in date order.
let holidays = [];

export function renderBranch() {
  const form = byId("branch-form");
  clearErrors(form);
  const settings = app.creatingBranch
    ? { name: "", time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone, languages: [language], announcements: {} }
    : app.config.settings;
  byId("branch-always").checked = !settings.hours;
  renderHours(byId("branch-hours"), settings.hours || officeHours());
  byId("branch-hours").hidden = byId("branch-always").checked;
  holidays = [...(settings.holidays || [])];
  byId("holiday-date").value = "";
  renderHolidays();
  renderTicketTexts(settings.ticket_texts || {});
  byId("branch-form-title").textContent = t(app.creatingBranch ? "admin_new_branch" : "admin_branch_settings");
  byId("branch-cancel").hidden = !app.creatingBranch || !app.config;
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
    if (app.creatingBranch) {
      const created = await api("POST", "/branches", body);
      app.branches = await api("GET", "/branches");
      app.session.branch = created.id;
      save();
      renderBranchPicker();
      await loadBranch();
      openSection("branch");
      say(t("admin_branch_created"));
    } else {
      await api("PUT", `/branches/${app.session.branch}`, body);
      await loadBranch();
      if (isNetworkAdmin()) {
        app.branches = await api("GET", "/branches");
        renderBranchPicker();
      }
      renderBranch();
      say(t("admin_saved"));
    }
  });
}

export function startNewBranch() {
  openSection("branch", true);
  byId("branch-name-input").focus();
}

export function wireBranch() {
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
}
