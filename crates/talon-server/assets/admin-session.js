// Signing in and out, the frame around the sections (the branch picker, the navigation) and
// opening a section. As at the operator's workstation, the session itself is an http-only
// cookie this script never sees; what it keeps in sessionStorage (the user, the CSRF token every
// change carries, the section open) survives a reload and a language switch, and ends with the
// tab.

import { renderBranch, startNewBranch } from "./admin-branch.js";
import { renderCategories } from "./admin-categories.js";
import { renderConfigFile } from "./admin-config.js";
import { renderDevices, stopPairingPoll } from "./admin-devices.js";
import { isNetworkAdmin, option } from "./admin-format.js";
import { closeEditor, formError, submit } from "./admin-forms.js";
import { renderProfiles } from "./admin-profiles.js";
import { renderServices } from "./admin-services.js";
import { renderUsers } from "./admin-staff.js";
import { api, app, byId, editing, errorText, save, say, t } from "./admin-state.js";
import { renderWorkplaces } from "./admin-workplaces.js";

export function show(view) {
  byId("login-view").hidden = view !== "login";
  byId("panel").hidden = view !== "panel";
  byId("logout").hidden = view === "login";
  if (view === "login") {
    byId("branch-picker").hidden = true;
    byId("branch-name").textContent = "";
    byId("who").textContent = "";
  }
}

export function showLogin() {
  stopPairingPoll();
  show("login");
  byId("username").focus();
}

export function expired() {
  app.session = {};
  save();
  showLogin();
  say(t("admin_error_unauthorized"), "error");
}

async function login(event) {
  event.preventDefault();
  const form = byId("login-form");
  await submit(
    form,
    () => {
      const username = byId("username").value.trim();
      const password = byId("password").value;
      const problems = [];
      if (!username) problems.push(["username", "admin_required"]);
      if (!password) problems.push(["password", "admin_required"]);
      return { body: { username, password }, problems };
    },
    async (body) => {
      const answer = await api("POST", "/auth/login", { ...body, cookie: true, page: "admin" });
      if (!["admin", "manager"].includes(answer.user.role)) {
        // Not for this panel: end the session it just opened.
        app.session = { csrf: answer.csrf };
        await api("POST", "/auth/logout").catch(() => null);
        app.session = {};
        formError(form, t("admin_error_not_admin"));
        return;
      }
      byId("password").value = "";
      app.session = { csrf: answer.csrf, user: answer.user, section: app.session.section };
      save();
      await enter();
    },
  );
}

async function logout() {
  try {
    await api("POST", "/auth/logout");
  } catch {
    // The session may have ended already; signing out locally is what matters.
  }
  app.session = {};
  save();
  showLogin();
}

// After sign-in or a reload: the branch of a manager, or the one a network admin chose.
export async function enter() {
  const user = app.session.user;
  byId("who").textContent = `${user.username} · ${t(`admin_role_${user.role}`)}`;
  if (user.branch != null) {
    app.session.branch = user.branch;
    app.branches = [];
  } else {
    app.branches = await api("GET", "/branches");
    if (!app.branches.some((b) => b.id === app.session.branch)) app.session.branch = app.branches[0]?.id ?? null;
  }
  save();
  show("panel");
  renderBranchPicker();
  if (app.session.branch == null) {
    startNewBranch();
    return;
  }
  await loadBranch();
  // The configuration file is the network's: a section a manager never sees, nor opens after
  // an administrator left it open in this tab.
  const section = app.session.section === "config" && !isNetworkAdmin() ? "branch" : app.session.section;
  openSection(section || "branch");
}

export function renderBranchPicker() {
  const picker = byId("branch-picker");
  picker.hidden = !isNetworkAdmin();
  document.querySelector("#sections button[data-section=config]").hidden = !isNetworkAdmin();
  byId("branch").replaceChildren(
    ...app.branches.map((b) => option(b.id, b.name || `#${b.id}`, b.id === app.session.branch)),
  );
}

export async function loadBranch() {
  app.config = await api("GET", `/branches/${app.session.branch}`);
  app.config.categories = app.config.categories || [];
  byId("branch-name").textContent = isNetworkAdmin() ? "" : app.config.settings?.name || "";
}

async function changeBranch() {
  app.session.branch = Number(byId("branch").value);
  save();
  stopPairingPoll();
  // A code shown for the branch before is not this branch's.
  byId("pairing").hidden = true;
  for (const key of Object.keys(editing)) editing[key] = null;
  app.sample = null;
  try {
    await loadBranch();
    openSection(app.session.section || "branch");
  } catch (error) {
    say(errorText(error), "error");
  }
}

export function openSection(name, creating = false) {
  app.creatingBranch = creating;
  app.session.section = name;
  save();
  for (const node of document.querySelectorAll("#sections button")) {
    node.setAttribute("aria-current", String(node.dataset.section === name));
    // Without a branch there is nothing to configure but a new branch, or the whole network.
    node.disabled = !app.config && !["branch", "config"].includes(node.dataset.section);
  }
  for (const section of document.querySelectorAll("main > .section")) {
    section.hidden = section.id !== `section-${name}`;
  }
  if (name !== "devices") stopPairingPoll();
  const render = {
    branch: renderBranch,
    services: renderServices,
    workplaces: renderWorkplaces,
    categories: renderCategories,
    profiles: renderProfiles,
    users: renderUsers,
    devices: renderDevices,
    config: renderConfigFile,
  }[name];
  Promise.resolve(render()).catch((error) => say(errorText(error), "error"));
}

// Reloads the branch after a change and shows the section again, its editor on `id`.
export async function reloaded(section, id) {
  await loadBranch();
  editing[section] = id;
  say(t("admin_saved"));
}

export function wireSession() {
  byId("login-form").addEventListener("submit", login);
  byId("logout").addEventListener("click", logout);
  byId("branch").addEventListener("change", changeBranch);
  byId("new-branch").addEventListener("click", startNewBranch);
  for (const node of document.querySelectorAll("#sections button")) {
    node.addEventListener("click", () => openSection(node.dataset.section));
  }
  for (const node of document.querySelectorAll(".close-editor")) {
    const form = node.closest("form");
    node.addEventListener("click", () => closeEditor(form, form.id.replace("-form", "")));
  }
}
