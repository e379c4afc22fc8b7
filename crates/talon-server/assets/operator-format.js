// How the operator workstation writes times, durations, numbers and services, in the page's
// language and the branch's time zone.

import { app, language, t } from "./operator-state.js";

function timeZone() {
  return app.view?.time_zone || undefined;
}

// "16:05" in Russian and German, "4:05 PM" in English.
export function clockTime(at) {
  if (!at) return "—";
  return new Intl.DateTimeFormat(language, {
    hour: language === "en" ? "numeric" : "2-digit",
    minute: "2-digit",
    timeZone: timeZone(),
  }).format(new Date(at));
}

// "3 min 20 s", "1 h 5 min": how long someone waited or was served.
export function duration(secs) {
  const total = Math.max(0, Math.round(Number(secs) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return t("op_duration_hm", { h, m });
  if (m) return t("op_duration_ms", { m, s });
  return t("op_duration_s", { s });
}

// "12:05": a running timer.
export function stopwatch(secs) {
  const total = Math.max(0, Math.floor(secs));
  const h = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(h ? 2 : 1, "0");
  const ss = String(total % 60).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function minutes(secs) {
  return t("op_minutes", { n: Math.floor(Math.max(0, secs) / 60) });
}

export function decimal(value) {
  return new Intl.NumberFormat(language, { maximumFractionDigits: 2 }).format(value);
}

export function serviceName(id) {
  const service = app.config?.services.find((s) => s.id === id);
  if (!service) return "";
  return service.names[language] || Object.values(service.names)[0] || "";
}

export function servicePrefix(id) {
  return app.config?.services.find((s) => s.id === id)?.prefix || "";
}
