// The preview of a profile's call order: a sample of waiting visitors, and the order in which the
// server's own routing would call them under the rules being edited.

import { ApiError, element } from "./common.js";
import { button, categoryById, duration, local, option, serviceById } from "./admin-format.js";
import { intIn, remove } from "./admin-forms.js";
import { api, app, byId, DAYS, editing, errorText, language, t } from "./admin-state.js";
import { checkRules, variantName } from "./admin-variants.js";

const PREVIEW_DELAY_MS = 250;
// The preview's sample is bounded by the server too (at most 50 visitors, one day's wait).
const MAX_SAMPLE = 50;
const MAX_SAMPLE_WAIT_MIN = 1440;
let previewTimer = null;
let previewRequest = 0;

// The rules the preview shows: the profile's own, or the variant chosen above the preview.
function previewedRules() {
  return app.variants.find((v) => v.key === app.previewing)?.rules ?? app.profileRules;
}

// The choice of rules to preview, offered once the profile has variants.
export function renderPreviewChoice() {
  if (!app.variants.some((v) => v.key === app.previewing)) app.previewing = null;
  byId("preview-rules").replaceChildren(
    option("", t("admin_preview_main"), app.previewing === null),
    ...app.variants.map((variant, index) => {
      const days = DAYS.filter((d) => variant.days.includes(d)).map((d) => t(`admin_day_${d}`));
      const label = [variantName(index), days.join(", "), `${variant.from.trim()}–${variant.to.trim()}`];
      return option(variant.key, label.filter(Boolean).join(" · "), variant.key === app.previewing);
    }),
  );
  byId("preview-choice").hidden = app.variants.length === 0;
}

// A small queue: two visitors of each of the previewed rules' services and of one they do not
// serve, and one of each category, so most rules show their effect.
export function defaultSample() {
  const ids = [...new Set(previewedRules().entries.map((e) => e.service))].filter((id) => serviceById(id));
  const other = app.config.services.find((s) => !ids.includes(s.id));
  const services = [...ids.slice(0, 3), ...(other ? [other.id] : [])];
  const waits = [14, 9, 4, 2];
  const rows = [];
  services.forEach((service, i) => {
    rows.push({ service, category: null, waited: waits[i % waits.length] + i });
    rows.push({ service, category: null, waited: Math.max(1, waits[(i + 2) % waits.length] - i) });
  });
  app.config.categories.slice(0, 3).forEach((category, i) => {
    if (services[0]) rows.push({ service: services[0], category: category.id, waited: 3 + i * 5 });
  });
  return rows.slice(0, MAX_SAMPLE);
}

export function renderSample() {
  byId("sample").replaceChildren(
    ...app.sample.map((row, index) => {
      const service = element("select", { "aria-label": t("admin_entry_service") });
      service.append(...app.config.services.map((s) => option(s.id, `${s.prefix} · ${local(s.names)}`, s.id === row.service)));
      service.addEventListener("change", () => (row.service = Number(service.value)));
      const category = element("select", { "aria-label": t("admin_category") });
      category.append(option("", t("admin_regular"), row.category == null));
      category.append(...app.config.categories.map((c) => option(c.id, local(c.names), c.id === row.category)));
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
        app.sample.splice(index, 1);
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
  byId("sample-add").disabled = app.sample.length >= MAX_SAMPLE || !app.config.services.length;
}

export function schedulePreview() {
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
  for (const row of app.sample) {
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
    const preview = await api("POST", `/branches/${app.session.branch}/profiles/preview`, payload);
    if (request !== previewRequest) return;
    byId("preview-error").hidden = true;
    byId("preview-order").replaceChildren(
      ...preview.calls.map((call, index) =>
        element(
          "li",
          { "data-sample": call.sample },
          element("span", { class: "number", text: call.number }),
          element("span", { class: "who", text: sampleLabel(app.sample[call.sample]) }),
          element("span", { class: "why", text: reasonText(call.reason, index) }),
        ),
      ),
    );
    if (!preview.calls.length) byId("preview-order").append(element("li", { class: "empty", text: t("admin_preview_nobody") }));
    const never = byId("preview-not-called");
    never.hidden = preview.not_called.length === 0;
    never.textContent = t("admin_preview_not_called", {
      list: preview.not_called
        .map((i) => `${preview.numbers[i]} (${sampleLabel(app.sample[i])})`)
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

export function wirePreview() {
  byId("preview-rules").addEventListener("change", () => {
    app.previewing = byId("preview-rules").value ? Number(byId("preview-rules").value) : null;
  });
  byId("sample-add").addEventListener("click", () => {
    const first = app.config.services[0];
    if (first) app.sample.push({ service: first.id, category: null, waited: 1 });
    renderSample();
    schedulePreview();
  });
  byId("sample-reset").addEventListener("click", () => {
    app.sample = defaultSample();
    renderSample();
    schedulePreview();
  });
  // Any change to the rules or the sample shows its call order again.
  for (const type of ["input", "change"]) byId("profile-form").addEventListener(type, schedulePreview);
}
