// Signing in and out, and the screen that follows: straight back to an open workplace after a
// reload, else the choice of one. The session itself is an http-only cookie this script never
// sees; what the tab keeps (the user, the CSRF token every change must carry) survives a reload
// and a language switch, and ends with the browser tab.

import { ApiError } from "./common.js";
import { showWorkplaceForm, startWork } from "./operator-choice.js";
import { tick } from "./operator-current.js";
import { disconnect } from "./operator-live.js";
import { api, app, byId, run, save, say, t } from "./operator-state.js";

export function show(screen) {
  for (const id of ["login-view", "workplace-view", "work-view"]) {
    byId(id).hidden = id !== screen;
  }
  byId("logout").hidden = screen === "login-view";
  byId("who").textContent = screen === "login-view" ? "" : app.session.user?.username || "";
  if (screen !== "work-view") {
    byId("place").textContent = "";
    byId("workplace-status").hidden = true;
  }
  if (screen === "login-view") app.view = null;
  tick();
}

export function showLogin() {
  disconnect();
  show("login-view");
  byId("username").focus();
}

export function expired() {
  app.session = {};
  save();
  showLogin();
  say(t("op_error_unauthorized"), "error");
}

export async function login(event) {
  event.preventDefault();
  await run(async () => {
    const answer = await api("POST", "/auth/login", {
      username: byId("username").value.trim(),
      password: byId("password").value,
      cookie: true,
      page: "operator",
    });
    byId("password").value = "";
    app.session = { csrf: answer.csrf, user: answer.user };
    save();
    await enter();
  });
}

export async function logout() {
  await run(async () => {
    try {
      await api("POST", "/auth/logout");
    } finally {
      app.session = {};
      save();
      showLogin();
    }
  });
}

// After sign-in or a reload: straight back to an open workplace, else to the choice of one.
export async function enter() {
  if (app.session.user.branch != null) {
    app.session.branch = app.session.user.branch;
    app.branches = [];
  } else {
    app.branches = await api("GET", "/branches");
    if (!app.branches.length) throw new ApiError(404, "branch_not_found", "");
    if (!app.branches.some((b) => b.id === app.session.branch)) app.session.branch = app.branches[0].id;
  }
  save();
  await loadBranch();
  const mine = app.view.workplaces.find((w) => w.operator === app.session.user.id && w.status !== "closed");
  if (mine) {
    app.session.workplace = mine.id;
    save();
    await startWork();
  } else {
    showWorkplaceForm();
  }
}

export async function loadBranch() {
  [app.config, app.view] = await Promise.all([
    api("GET", `/branches/${app.session.branch}`),
    api("GET", `/branches/${app.session.branch}/state`),
  ]);
  app.configStale = false;
}
