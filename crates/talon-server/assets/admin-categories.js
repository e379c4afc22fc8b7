// Customer categories: the list and the editor, with the profiles that take each category.

import { element } from "./common.js";
import { categoryById, languagesOfBranch, local, minutesOf } from "./admin-format.js";
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
import { reloaded } from "./admin-session.js";
import { api, app, byId, editing, t } from "./admin-state.js";

export function renderCategories() {
  renderList(
    byId("category-list"),
    app.config.categories,
    "category",
    (c) => [
      local(c.names),
      String(c.weight),
      c.waiting_norm_secs ? t("admin_minutes", { n: minutesOf(c.waiting_norm_secs) }) : "—",
    ],
    editCategory,
  );
  const current = app.config.categories.find((c) => c.id === editing.category);
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
    ...app.config.profiles.map((p) => {
      const check = element("input", { type: "checkbox", value: p.id });
      check.checked = Boolean(c.profiles?.includes(p.id));
      return element("label", { class: "check" }, check, ` ${p.name}`);
    }),
  );
  if (!app.config.profiles.length) byId("category-profiles").append(element("span", { class: "hint", text: t("admin_no_profiles") }));
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
      ? await api("POST", `/branches/${app.session.branch}/categories`, body)
      : await api("PUT", `/branches/${app.session.branch}/categories/${editing.category}`, body);
    await reloaded("category", saved.id);
    renderCategories();
  });
}

export function wireCategories() {
  byId("category-new").addEventListener("click", () => editCategory(null));
  byId("category-form").addEventListener("submit", saveCategory);
  byId("category-delete").addEventListener("click", () => {
    const c = categoryById(editing.category);
    const path = `/branches/${app.session.branch}/categories/${c.id}`;
    remove("category", local(c.names), path, byId("category-form"), "category", renderCategories);
  });
}
