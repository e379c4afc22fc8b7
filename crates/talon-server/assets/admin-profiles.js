// Work profiles: the list and the editor of a profile's rules (its policy, entries and ratio),
// mounted once for the profile and once for each of its variants.

import { element } from "./common.js";
import { button, categoryById, local, minutesOf, option, serviceById } from "./admin-format.js";
import { closeEditor, openEditor, remove, renderList, selectRow } from "./admin-forms.js";
import { defaultSample, renderSample, schedulePreview } from "./admin-preview.js";
import { app, byId, editing, t } from "./admin-state.js";
import { addVariant, renderVariants, saveProfile } from "./admin-variants.js";

export function renderProfiles() {
  renderList(
    byId("profile-list"),
    app.config.profiles,
    "profile",
    (p) => [p.name, t(`admin_policy_${p.policy}`)],
    editProfile,
  );
  const current = app.config.profiles.find((p) => p.id === editing.profile);
  if (current) fillProfile(current);
  else if (editing.profile !== null) closeEditor(byId("profile-form"), "profile");
}

function editProfile(profile) {
  editing.profile = profile?.id ?? null;
  // Another profile gets a sample of its own services, and its preview starts at its own rules.
  app.sample = null;
  app.previewing = null;
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
    key: app.nextKey++,
    service: e.service,
    ...categoryFilterOf(e),
    weight: e.weight ?? 1,
    maxWait: minutesOf(e.max_wait_secs),
  }));
  const steps = (rules.ratio || []).map((s) => ({ count: s.count, keys: s.entries.map((i) => entries[i]?.key).filter(Boolean) }));
  return { policy: rules.policy, entries, steps, useRatio: steps.length > 0, scope: rules.ratio_scope || "operator" };
}

// A copy of `rules` with entries of its own, for a new variant that starts from the profile's.
export function copyRules(rules) {
  const keys = new Map();
  const entries = rules.entries.map((entry) => {
    const key = app.nextKey++;
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
    entries: app.config.services.slice(0, 1).map((s) => ({ service: s.id, categories: "any", weight: 1 })),
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
  app.profileRules = mountRules(byId("profile-rules"), "profile", "", rulesState(p)).rules;
  // The same profile shown again after a save keeps previewing the variant at the same place.
  const previewed = app.variants.findIndex((v) => v.key === app.previewing);
  app.variants = (p.variants || []).map((v) => {
    const [from, to] = v.hours.split("-");
    return { key: app.nextKey++, days: [...v.days], from, to, rules: rulesState(v) };
  });
  app.previewing = app.variants[previewed]?.key ?? null;
  renderVariants();
  // A service or category removed since leaves the sample.
  app.sample = app.sample?.filter((row) => serviceById(row.service) && (row.category == null || categoryById(row.category))) ?? null;
  if (!app.sample?.length) app.sample = defaultSample();
  renderSample();
  schedulePreview();
}

// Puts the inputs that edit `rules` into `container`. Their ids start with `idPrefix`; their
// fields and inputs are named by `path` ("" for the profile's own rules, "variants[1]." for
// the second variant's), as the server's errors name them.
export function mountRules(container, idPrefix, path, rules) {
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
      service.append(...app.config.services.map((s) => option(s.id, `${s.prefix} · ${local(s.names)}`, s.id === entry.service)));
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
      for (const category of app.config.categories) {
        const check = element("input", { type: "checkbox", value: category.id });
        check.checked = entry.only.includes(category.id);
        check.addEventListener("change", () => {
          entry.only = [...only.querySelectorAll("input:checked")].map((i) => Number(i.value));
          renderSteps(view);
        });
        only.append(element("label", { class: "check" }, check, ` ${local(category.names)}`));
      }
      if (!app.config.categories.length) only.append(element("span", { class: "hint", text: t("admin_no_categories") }));
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
  const service = app.config.services.find((s) => !used.has(s.id)) || app.config.services[0];
  if (!service) return;
  entries.push({ key: app.nextKey++, service: service.id, kind: "any", only: [], weight: 1, maxWait: "" });
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

export function wireProfiles() {
  byId("profile-new").addEventListener("click", () => editProfile(null));
  byId("profile-form").addEventListener("submit", saveProfile);
  byId("variant-add").addEventListener("click", addVariant);
  byId("profile-delete").addEventListener("click", () => {
    const p = app.config.profiles.find((x) => x.id === editing.profile);
    const path = `/branches/${app.session.branch}/profiles/${p.id}`;
    remove("profile", p.name, path, byId("profile-form"), "profile", renderProfiles);
  });
}
