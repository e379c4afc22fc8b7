// What every form of the admin panel shares: errors shown next to the field the server or a
// check names, sending a form, asking to confirm, and the editors beside the lists (a list's
// rows, names per language, removing an item).

import { ApiError, element } from "./common.js";
import { languagesFor } from "./admin-format.js";
import { loadBranch } from "./admin-session.js";
import { api, byId, editing, errorText, quiet, say, t, texts } from "./admin-state.js";

export function clearErrors(form) {
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
export function fieldError(form, field, key) {
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

export function formError(form, text) {
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
export async function submit(form, check, send) {
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

export function intIn(value, min, max) {
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

export function confirmAction(title, text, okText) {
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

export function openEditor(form, title) {
  clearErrors(form);
  form.hidden = false;
  form.closest(".section").classList.add("editing");
  byId(`${form.id}-title`).textContent = title;
}

export function closeEditor(form, key) {
  form.hidden = true;
  form.closest(".section").classList.remove("editing");
  editing[key] = null;
  for (const row of form.parentElement.querySelectorAll("tbody tr")) row.removeAttribute("aria-selected");
}

export function renderList(tbody, items, key, cells, onOpen) {
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

export function selectRow(tbody, id) {
  for (const row of tbody.querySelectorAll("tr")) {
    if (row.dataset.id === String(id)) row.setAttribute("aria-selected", "true");
    else row.removeAttribute("aria-selected");
  }
}

// Inputs for a name in each language: the branch's languages and any the item already has.
export function perLanguage(container, prefix, path, names = {}) {
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

export function readPerLanguage(container) {
  const names = {};
  for (const input of container.querySelectorAll("input")) {
    const text = input.value.trim();
    if (text) names[input.dataset.language] = text;
  }
  return names;
}

export async function remove(what, name, path, form, key, after) {
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
