// What the operator workstation's modules share: the page's texts and language, its state (one
// object every module reads and changes), the session kept for the tab, calling the API with
// it, and the messages and the one-action-at-a-time rule every action goes through.

import { ApiError, callApi, pageTexts, readStored } from "./common.js";
import { renderButtons } from "./operator-current.js";
import { refreshSoon } from "./operator-live.js";
import { expired } from "./operator-session.js";

export const { texts, t } = pageTexts();
export const language = document.documentElement.lang;
export const byId = (id) => document.getElementById(id);

const SESSION_KEY = "talon.operator";
const INFO_MS = 8000;
const ERROR_MS = 20000;

// The page's state, one object so every module sees and changes the same.
export const app = {
  // The signed-in user, the CSRF token, the branch and the workplace: kept for the tab.
  session: readStored(sessionStorage, SESSION_KEY) || {},
  // The branches to choose from (none for a user of one branch).
  branches: [],
  // The branch's configuration and its live state.
  config: null,
  view: null,
  tickets: [],
  today: null,
  stream: null,
  // The latest event seen: a new stream resumes after it.
  lastSeq: 0,
  // An action is on its way.
  busy: false,
  refreshTimer: null,
  refreshing: null,
  refreshAgain: false,
  configStale: false,
  todayStale: false,
  messageTimer: null,
};

export function save() {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(app.session));
}

export function api(method, path, body) {
  return callApi(method, path, body, { csrf: app.session.csrf, onExpired: expired, page: "operator" });
}

function errorText(error) {
  const key = `op_error_${error.code}`;
  if (key in texts) return t(key);
  return error.message || t("op_error_unknown");
}

export function say(text, kind = "info") {
  const box = byId("message");
  clearTimeout(app.messageTimer);
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  app.messageTimer = setTimeout(() => {
    box.hidden = true;
  }, kind === "error" ? ERROR_MS : INFO_MS);
}

function quiet() {
  clearTimeout(app.messageTimer);
  byId("message").hidden = true;
}

function fail(error) {
  if (!(error instanceof ApiError)) console.error(error);
  say(error instanceof ApiError ? errorText(error) : t("op_error_unknown"), "error");
}

// Runs one action at a time: a second press while the first is on its way does nothing.
export async function run(action) {
  if (app.busy) return;
  app.busy = true;
  document.body.setAttribute("aria-busy", "true");
  quiet();
  try {
    await action();
  } catch (error) {
    fail(error);
    if (app.session.workplace && !byId("work-view").hidden) refreshSoon();
  } finally {
    app.busy = false;
    document.body.removeAttribute("aria-busy");
    if (!byId("work-view").hidden) renderButtons();
  }
}
