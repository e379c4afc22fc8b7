// Small helpers of the admin panel: options and buttons, names in the page's language, times
// and durations in the branch's zone, the branch's languages, and looking items up.

import { element } from "./common.js";
import { app, language, LANGUAGES, t } from "./admin-state.js";

export function option(value, text, selected = false) {
  const node = element("option", { value, text });
  node.selected = selected;
  return node;
}

export function button(text, className, onClick, attributes = {}) {
  const node = element("button", { type: "button", class: className, text, ...attributes });
  node.addEventListener("click", onClick);
  return node;
}

export function local(names) {
  if (!names) return "";
  const first = app.config?.settings?.languages?.[0];
  return names[language] || (first && names[first]) || Object.values(names)[0] || "";
}

function zone() {
  return app.config?.settings?.time_zone || undefined;
}

// A date and time in the branch's zone, as people there read it.
export function dateTime(at) {
  return new Intl.DateTimeFormat(language, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone(),
  }).format(new Date(at));
}

export function clockTime(at, timeZone = zone()) {
  return new Intl.DateTimeFormat(language, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(new Date(at));
}

// "3 min", "1 h 5 min", "40 s": a wait as the preview shows it.
export function duration(secs) {
  const total = Math.max(0, Math.round(Number(secs) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  if (h) return t("admin_duration_hm", { h, m });
  if (m) return t("admin_duration_m", { m });
  return t("admin_duration_s", { s: total });
}

export function minutesOf(secs) {
  return secs == null ? "" : String(Math.round(secs / 60));
}

export function languagesOfBranch() {
  return app.config?.settings?.languages || [language];
}

// The branch's languages first, in its order, then any other language `names` has.
export function languagesFor(names = {}) {
  const used = [...languagesOfBranch()];
  for (const code of LANGUAGES) {
    if (!used.includes(code) && names[code]) used.push(code);
  }
  return used;
}

export function serviceById(id) {
  return app.config?.services.find((s) => s.id === id);
}

export function categoryById(id) {
  return app.config?.categories?.find((c) => c.id === id);
}

export function isNetworkAdmin() {
  return app.session.user?.role === "admin" && app.session.user?.branch == null;
}
