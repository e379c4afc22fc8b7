// A profile's variants: other rules on some weekdays and hours.

import { intIn, submit } from "./admin-forms.js";
import { isSpan } from "./admin-hours.js";
import { renderPreviewChoice, schedulePreview } from "./admin-preview.js";
import { copyRules, mountRules, renderProfiles } from "./admin-profiles.js";
import { reloaded } from "./admin-session.js";
import { api, app, byId, DAYS, editing, t } from "./admin-state.js";

export function renderVariants() {
  byId("profile-variants").replaceChildren(...app.variants.map(variantItem));
  renderPreviewChoice();
}

export function variantName(index) {
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
  down.disabled = index === app.variants.length - 1;
  up.addEventListener("click", () => moveVariant(index, -1));
  down.addEventListener("click", () => moveVariant(index, 1));
  part("remove").setAttribute("aria-label", `${t("admin_remove_variant")}: ${name}`);
  part("remove").addEventListener("click", () => removeVariant(index));
  mountRules(part("rules"), `variant-${index}`, path, variant.rules);
  return item;
}

// A new variant starts from the profile's own rules, with no day ticked yet.
export function addVariant() {
  app.variants.push({ key: app.nextKey++, days: [], from: "09:00", to: "18:00", rules: copyRules(app.profileRules) });
  renderVariants();
  byId("profile-variants").lastElementChild.querySelector(".days input").focus();
  schedulePreview();
}

function moveVariant(index, by) {
  const to = index + by;
  [app.variants[index], app.variants[to]] = [app.variants[to], app.variants[index]];
  renderVariants();
  // The focus follows the variant, onto the button that can still move it.
  const moved = byId("profile-variants").children[to];
  const same = moved.querySelector(by < 0 ? "[data-id=up]" : "[data-id=down]");
  (same.disabled ? moved.querySelector(by < 0 ? "[data-id=down]" : "[data-id=up]") : same).focus();
  schedulePreview();
}

function removeVariant(index) {
  app.variants.splice(index, 1);
  renderVariants();
  byId("variant-add").focus();
  schedulePreview();
}

export function checkRules(rules, path, problems) {
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
  const rules = checkRules(app.profileRules, "", problems);
  const checked = app.variants.map((variant, index) => checkVariant(variant, index, problems));
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

export async function saveProfile(event) {
  event.preventDefault();
  await submit(byId("profile-form"), checkProfile, async (body) => {
    const saved = editing.profile === null
      ? await api("POST", `/branches/${app.session.branch}/profiles`, body)
      : await api("PUT", `/branches/${app.session.branch}/profiles/${editing.profile}`, body);
    await reloaded("profile", saved.id);
    renderProfiles();
  });
}
