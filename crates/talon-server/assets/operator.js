// The operator's workstation: sign in, take a workplace with a work profile, then call and serve
// visitors with large buttons or one-key shortcuts. The queues, the waiting tickets and the
// visitor at the counter follow the branch's event stream, so nothing needs a reload. Every text
// comes from the page's `#texts` block, in the page's language.
//
// This entry module wires the page and starts it; the screens live in their own modules:
// operator-session.js (signing in), operator-choice.js (the workplace), operator-current.js (the
// visitor at the counter), operator-actions.js (what the operator does), operator-queues.js
// (queues, waiting visitors, the day's counts) and operator-live.js (the branch's stream), over
// operator-state.js and operator-format.js.

import { ACTIONS, onKey, submitPause, submitPostpone, submitTransfer } from "./operator-actions.js";
import { changeBranch, openWorkplace } from "./operator-choice.js";
import { tick } from "./operator-current.js";
import { enter, login, logout, showLogin } from "./operator-session.js";
import { app, byId, run } from "./operator-state.js";

function bind() {
  byId("login-form").addEventListener("submit", login);
  byId("workplace-form").addEventListener("submit", openWorkplace);
  byId("branch").addEventListener("change", changeBranch);
  byId("logout").addEventListener("click", logout);
  for (const [id, action] of Object.entries(ACTIONS)) {
    byId(id).addEventListener("click", action);
  }
  byId("postpone-form").addEventListener("submit", submitPostpone);
  byId("transfer-form").addEventListener("submit", submitTransfer);
  byId("pause-form").addEventListener("submit", submitPause);
  for (const preset of document.querySelectorAll("#postpone-form [data-minutes]")) {
    preset.addEventListener("click", () => {
      byId("postpone-minutes").value = preset.dataset.minutes;
    });
  }
  for (const cancel of document.querySelectorAll("dialog .cancel")) {
    cancel.addEventListener("click", () => cancel.closest("dialog").close());
  }
  document.addEventListener("keydown", onKey);
  setInterval(tick, 1000);
}

async function start() {
  bind();
  tick();
  if (!app.session.csrf) {
    showLogin();
    return;
  }
  await run(enter);
  if (byId("work-view").hidden && byId("workplace-view").hidden) showLogin();
}

start();
