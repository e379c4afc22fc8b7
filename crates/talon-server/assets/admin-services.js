// The branch's services: the list and the editor.

import { element } from "./common.js";
import { languagesOfBranch, local, minutesOf, serviceById } from "./admin-format.js";
import {
  closeEditor,
  intIn,
  openEditor,
  perLanguage,
  readPerLanguage,
  remove,
  renderList,
  selectRow,
  submit,
} from "./admin-forms.js";
import { officeHours, readHours, renderHours } from "./admin-hours.js";
import { reloaded } from "./admin-session.js";
import { api, app, byId, DAYS, editing, t } from "./admin-state.js";

function hoursSummary(service) {
  if (!service.enabled) return t("admin_disabled");
  if (!service.hours) return t("admin_always_open");
  const days = DAYS.filter((d) => service.hours[d]?.length);
  return days.length ? days.map((d) => t(`admin_day_${d}`)).join(" ") : t("admin_closed");
}

export function renderServices() {
  renderList(
    byId("service-list"),
    app.config.services,
    "service",
    (s) => [element("span", { class: "prefix", text: s.prefix }), local(s.names), local(s.group), hoursSummary(s)],
    editService,
  );
  const form = byId("service-form");
  const current = app.config.services.find((s) => s.id === editing.service);
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
    numbering: { first: 1, last: 999, after_last: "wrap" },
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
  byId("service-after-last").value = s.numbering.after_last || "wrap";
  byId("service-limit").value = s.daily_limit ?? "";
  byId("service-norm").value = minutesOf(s.service_norm_secs);
  byId("service-wait").value = minutesOf(s.waiting_norm_secs);
  byId("service-enabled").checked = s.enabled;
  byId("service-always").checked = !s.hours;
  renderHours(byId("service-hours"), s.hours || officeHours());
  byId("service-hours").hidden = byId("service-always").checked;
  byId("service-delete").hidden = !service;
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
      numbering: { first, last, after_last: byId("service-after-last").value },
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
      ? await api("POST", `/branches/${app.session.branch}/services`, body)
      : await api("PUT", `/branches/${app.session.branch}/services/${editing.service}`, body);
    await reloaded("service", saved.id);
    renderServices();
  });
}

export function wireServices() {
  byId("service-new").addEventListener("click", () => editService(null));
  byId("service-form").addEventListener("submit", saveService);
  byId("service-always").addEventListener("change", () => (byId("service-hours").hidden = byId("service-always").checked));
  byId("service-delete").addEventListener("click", () => {
    const s = serviceById(editing.service);
    const path = `/branches/${app.session.branch}/services/${s.id}`;
    remove("service", `${s.prefix} · ${local(s.names)}`, path, byId("service-form"), "service", renderServices);
  });
}
