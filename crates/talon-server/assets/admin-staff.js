// Staff: the users of the branch (or of the network), their roles, branches and work profiles,
// and disabling or enabling them.

import { element } from "./common.js";
import { isNetworkAdmin, option } from "./admin-format.js";
import {
  clearErrors,
  closeEditor,
  confirmAction,
  formError,
  openEditor,
  renderList,
  selectRow,
  submit,
} from "./admin-forms.js";
import { api, app, byId, editing, errorText, say, t } from "./admin-state.js";

let users = [];

export async function renderUsers() {
  users = await api("GET", "/users");
  const here = users.filter((u) => u.branch == null || u.branch === app.session.branch);
  renderList(
    byId("user-list"),
    here,
    "user",
    (u) => [
      u.disabled
        ? element("span", { class: "user-name" }, u.username, " ", element("span", { class: "badge", text: t("admin_user_disabled") }))
        : u.username,
      `${t(`admin_role_${u.role}`)}${u.branch == null ? ` · ${t("admin_all_branches")}` : ""}`,
      profileNames(u.profiles),
    ],
    editUser,
  );
  const current = here.find((u) => u.id === editing.user);
  if (current) await fillUser(current);
  else if (editing.user !== null) closeEditor(byId("user-form"), "user");
}

function profileNames(ids) {
  if (ids == null) return t("admin_any_profile");
  if (!ids.length) return "—";
  return ids.map((id) => app.config.profiles.find((p) => p.id === id)?.name || `#${id}`).join(", ");
}

async function editUser(user) {
  editing.user = user?.id ?? null;
  await fillUser(user);
  selectRow(byId("user-list"), editing.user);
  byId(user ? "user-any-profile" : "user-name").focus();
}

async function fillUser(user) {
  const form = byId("user-form");
  openEditor(form, user ? t("admin_edit_user", { name: user.username }) : t("admin_new_user"));
  const existing = Boolean(user);
  const roles = isNetworkAdmin() ? ["operator", "receptionist", "manager", "admin"] : ["operator", "receptionist"];
  if (user && !roles.includes(user.role)) roles.push(user.role);
  byId("user-role").replaceChildren(...roles.map((r) => option(r, t(`admin_role_${r}`), r === (user?.role || "operator"))));
  byId("user-name").value = user?.username || "";
  byId("user-password").value = "";
  byId("user-name").disabled = existing;
  byId("user-role").disabled = existing;
  form.querySelector(".new-only").hidden = existing;
  renderUserBranches(user ? user.branch : app.session.branch);
  byId("user-any-profile").checked = user ? user.profiles == null : true;
  byId("user-state").hidden = !user?.disabled;
  renderUserDisabled(user);
  await renderUserProfiles(user?.profiles || []);
}

// Disabling or enabling: for a user already saved who is not the one signed in (nobody can
// disable themself), and of the staff a manager runs (operators and receptionists).
function renderUserDisabled(user) {
  const toggle = byId("user-disabled");
  const mayManage = isNetworkAdmin() || ["operator", "receptionist"].includes(user?.role);
  toggle.hidden = !user || user.id === app.session.user.id || !mayManage;
  if (!user) return;
  toggle.textContent = t(user.disabled ? "admin_user_enable" : "admin_user_disable");
  toggle.className = user.disabled ? "ghost to-end" : "danger";
}

async function toggleUserDisabled() {
  const form = byId("user-form");
  const user = users.find((u) => u.id === editing.user);
  if (!user) return;
  clearErrors(form);
  const disabled = !user.disabled;
  const action = disabled ? "disable" : "enable";
  const name = user.username;
  const ok = await confirmAction(t(`admin_user_${action}_title`, { name }), t(`admin_user_${action}_text`), t(`admin_user_${action}`));
  if (!ok) return;
  try {
    await api("PUT", `/users/${user.id}/disabled`, { disabled });
    await renderUsers();
    say(t(`admin_user_${action}_done`, { name }));
  } catch (error) {
    formError(form, errorText(error));
  }
}

function renderUserBranches(selected) {
  const select = byId("user-branch");
  const role = byId("user-role").value;
  const options = [];
  if (isNetworkAdmin()) {
    if (!["manager", "receptionist"].includes(role)) options.push(option("", t("admin_all_branches"), selected == null));
    if (role !== "admin") options.push(...app.branches.map((b) => option(b.id, b.name || `#${b.id}`, b.id === selected)));
  } else {
    options.push(option(app.session.branch, app.config.settings.name, true));
  }
  select.replaceChildren(...options);
  // A user's role and branch are theirs for good; only their profiles change.
  select.disabled = editing.user !== null || !isNetworkAdmin() || role === "admin";
}

async function profilesOf(branch) {
  if (branch == null || branch === app.session.branch) return app.config.profiles;
  const other = await api("GET", `/branches/${branch}`);
  return other.profiles;
}

async function renderUserProfiles(chosen) {
  const any = byId("user-any-profile").checked;
  const branchValue = byId("user-branch").value;
  const profiles = await profilesOf(branchValue === "" ? null : Number(branchValue));
  const box = byId("user-profiles");
  box.hidden = any;
  box.replaceChildren(
    ...profiles.map((p) => {
      const check = element("input", { type: "checkbox", value: p.id });
      check.checked = chosen.includes(p.id);
      return element("label", { class: "check" }, check, ` ${p.name}`);
    }),
  );
  if (!profiles.length) box.append(element("span", { class: "hint", text: t("admin_no_profiles") }));
}

function checkUser() {
  const problems = [];
  const existing = editing.user !== null;
  const username = byId("user-name").value.trim();
  const password = byId("user-password").value;
  const role = byId("user-role").value;
  const branchValue = byId("user-branch").value;
  const profiles = byId("user-any-profile").checked
    ? null
    : [...byId("user-profiles").querySelectorAll("input:checked")].map((i) => Number(i.value));
  if (!existing) {
    if (!/^[\p{L}\p{N}._@-]{1,64}$/u.test(username)) problems.push(["username", null]);
    if ([...password].length < 8 || [...password].length > 200) problems.push(["password", null]);
    if (["manager", "receptionist"].includes(role) && branchValue === "") problems.push(["branch", null]);
  }
  return {
    body: { username, password, role, branch: branchValue === "" ? null : Number(branchValue), profiles },
    problems,
  };
}

async function saveUser(event) {
  event.preventDefault();
  await submit(byId("user-form"), checkUser, async (body) => {
    let saved;
    if (editing.user === null) {
      saved = await api("POST", "/users", body);
    } else {
      saved = await api("PUT", `/users/${editing.user}/profiles`, { profiles: body.profiles });
    }
    editing.user = saved.id;
    say(t("admin_saved"));
    await renderUsers();
  });
}

export function wireStaff() {
  byId("user-new").addEventListener("click", () => editUser(null));
  byId("user-form").addEventListener("submit", saveUser);
  byId("user-role").addEventListener("change", () => {
    renderUserBranches(byId("user-branch").value === "" ? null : Number(byId("user-branch").value));
    renderUserProfiles([]).catch((error) => say(errorText(error), "error"));
  });
  byId("user-branch").addEventListener("change", () => renderUserProfiles([]).catch((error) => say(errorText(error), "error")));
  byId("user-any-profile").addEventListener("change", () => (byId("user-profiles").hidden = byId("user-any-profile").checked));
  byId("user-disabled").addEventListener("click", toggleUserDisabled);
}
