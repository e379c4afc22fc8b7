// Choosing a workplace and a work profile, and opening the workplace. The last choice is
// remembered in localStorage, so the next morning starts with it preselected.

import { element, readStored } from "./common.js";
import { connect, disconnect, loadToday, refresh } from "./operator-live.js";
import { loadBranch, show } from "./operator-session.js";
import { api, app, byId, run, save, say, t } from "./operator-state.js";

const CHOICE_KEY = "talon.operator.choice";

function allowedProfiles() {
  const allowed = app.session.user.profiles;
  return app.config.profiles.filter((p) => allowed == null || allowed.includes(p.id));
}

export function showWorkplaceForm() {
  disconnect();
  app.session.workplace = null;
  save();
  show("workplace-view");
  const choice = readStored(localStorage, CHOICE_KEY) || {};
  const branchField = byId("branch-field");
  branchField.hidden = app.branches.length === 0;
  byId("branch").replaceChildren(
    ...app.branches.map((b) =>
      element("option", { value: b.id, text: b.name || `#${b.id}` }),
    ),
  );
  byId("branch").value = String(app.session.branch);
  const states = new Map(app.view.workplaces.map((w) => [w.id, w]));
  byId("workplace").replaceChildren(
    ...app.config.workplaces.map((w) => {
      const taken = states.get(w.id)?.operator != null && states.get(w.id)?.operator !== app.session.user.id;
      const option = element("option", {
        value: w.id,
        text: taken ? t("op_workplace_taken", { name: w.name }) : w.name,
      });
      option.disabled = taken;
      return option;
    }),
  );
  const free = [...byId("workplace").options].filter((o) => !o.disabled);
  const remembered = free.find((o) => o.value === String(choice.workplace));
  if (remembered || free[0]) byId("workplace").value = (remembered || free[0]).value;
  const profiles = allowedProfiles();
  byId("profile").replaceChildren(
    ...profiles.map((p) => element("option", { value: p.id, text: p.name })),
  );
  if (profiles.some((p) => p.id === choice.profile)) byId("profile").value = String(choice.profile);
  byId("open").disabled = free.length === 0 || profiles.length === 0;
  if (profiles.length === 0) say(t("op_no_profiles"), "error");
  else if (free.length === 0) say(t("op_no_workplaces"), "error");
  byId("workplace").focus();
}

export async function changeBranch() {
  await run(async () => {
    app.session.branch = Number(byId("branch").value);
    save();
    await loadBranch();
    showWorkplaceForm();
  });
}

export async function openWorkplace(event) {
  event.preventDefault();
  await run(async () => {
    const workplace = Number(byId("workplace").value);
    const profile = Number(byId("profile").value);
    await api("POST", `/workplaces/${workplace}/open`, { profile });
    localStorage.setItem(CHOICE_KEY, JSON.stringify({ workplace, profile }));
    app.session.workplace = workplace;
    save();
    await startWork();
  });
}

export async function startWork() {
  show("work-view");
  app.lastSeq = 0;
  await refresh();
  if (byId("work-view").hidden) return;
  connect();
  await loadToday();
}

// The workplace was closed, here or elsewhere: back to choosing one.
export async function leaveWork(message) {
  disconnect();
  await loadBranch();
  showWorkplaceForm();
  say(message);
}
