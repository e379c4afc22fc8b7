// The branch's workplaces: the list and the editor.

import { closeEditor, openEditor, remove, renderList, selectRow, submit } from "./admin-forms.js";
import { reloaded } from "./admin-session.js";
import { api, app, byId, editing, t } from "./admin-state.js";

export function renderWorkplaces() {
  renderList(byId("workplace-list"), app.config.workplaces, "workplace", (w) => [w.name], editWorkplace);
  const current = app.config.workplaces.find((w) => w.id === editing.workplace);
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
        ? await api("POST", `/branches/${app.session.branch}/workplaces`, body)
        : await api("PUT", `/branches/${app.session.branch}/workplaces/${editing.workplace}`, body);
      await reloaded("workplace", saved.id);
      renderWorkplaces();
    },
  );
}

export function wireWorkplaces() {
  byId("workplace-new").addEventListener("click", () => editWorkplace(null));
  byId("workplace-form").addEventListener("submit", saveWorkplace);
  byId("workplace-delete").addEventListener("click", () => {
    const w = app.config.workplaces.find((x) => x.id === editing.workplace);
    const path = `/branches/${app.session.branch}/workplaces/${w.id}`;
    remove("workplace", w.name, path, byId("workplace-form"), "workplace", renderWorkplaces);
  });
}
