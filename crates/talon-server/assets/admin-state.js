// What the admin panel's modules share: the page's texts and language, the state more than one
// of them reads or changes (one object), the session kept for the tab, calling the API with it,
// and the message line.

import { ApiError, callApi, pageTexts, readStored } from "./common.js";
import { expired } from "./admin-session.js";

export const { texts, t } = pageTexts();
export const language = document.documentElement.lang;
export const byId = (id) => document.getElementById(id);

const SESSION_KEY = "talon.admin";
export const LANGUAGES = ["ru", "en", "de"];
export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const INFO_MS = 6000;

let messageTimer = null;
// What each editor is editing: an id, or null for a new item.
export const editing = { service: null, workplace: null, category: null, profile: null, user: null };

// The page's state that more than one module reads or changes, one object so all see the same.
export const app = {
  // The signed-in user, the CSRF token, the branch and the section open: kept for the tab.
  session: readStored(sessionStorage, SESSION_KEY) || {},
  // The branches a network administrator can choose from.
  branches: [],
  // The branch being configured, as the API answers it.
  config: null,
  // The preview's sample of waiting visitors: [{ service, category, waited }].
  sample: null,
  // The branch form creates a new branch instead of saving the one open.
  creatingBranch: false,
  // The profile editor's rules (see `rulesState`).
  profileRules: null,
  // The profile's variants ({ key, days, from, to, rules }).
  variants: [],
  // The key of the variant the preview shows, or null for the profile's own rules.
  previewing: null,
  // Keys of variants, unique in the page.
  nextKey: 1,
};

export function save() {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(app.session));
}

export function api(method, path, body, options = {}) {
  return callApi(method, path, body, { csrf: app.session.csrf, onExpired: expired, page: "admin", ...options });
}

export function errorText(error) {
  if (!(error instanceof ApiError)) return t("admin_error_unknown");
  const key = `admin_error_${error.code}`;
  if (key in texts) return t(key);
  return `${t("admin_error_unknown")} (${error.message})`;
}

export function say(text, kind = "info") {
  const box = byId("message");
  clearTimeout(messageTimer);
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  if (kind === "info") messageTimer = setTimeout(() => (box.hidden = true), INFO_MS);
}

export function quiet() {
  clearTimeout(messageTimer);
  byId("message").hidden = true;
}
