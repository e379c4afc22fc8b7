// The admin panel: a network administrator or a branch's manager signs in and configures the
// branch (settings, services, workplaces, customer categories, work profiles with a preview of
// their call order), its staff and its devices, through the same REST API as any client.
// Every text comes from the page's `#texts` block, in the page's language.
//
// Forms check what is cheap to check before sending; whatever the server still refuses is
// shown next to the field its error names (`error.field`), or at the form. A failed save never
// clears a form: what was typed stays until it is saved or the editor is closed.
//
// As at the operator's workstation, the session itself is an http-only cookie this script never
// sees; what it keeps in sessionStorage (the user, the CSRF token every change carries, the
// section open) survives a reload and a language switch, and ends with the tab.
//
// This entry module wires the page and starts it. Each screen has its own module (admin-session,
// admin-branch, admin-services, admin-workplaces, admin-categories, admin-profiles with
// admin-variants and admin-preview, admin-staff, admin-devices, admin-config), over shared ones:
// admin-state (texts, state, the API), admin-forms, admin-hours and admin-format.

import { ApiError } from "./common.js";
import { wireBranch } from "./admin-branch.js";
import { wireCategories } from "./admin-categories.js";
import { wireConfig } from "./admin-config.js";
import { wireDevices } from "./admin-devices.js";
import { wirePreview } from "./admin-preview.js";
import { wireProfiles } from "./admin-profiles.js";
import { wireServices } from "./admin-services.js";
import { enter, show, showLogin, wireSession } from "./admin-session.js";
import { wireStaff } from "./admin-staff.js";
import { app, errorText, say } from "./admin-state.js";
import { wireWorkplaces } from "./admin-workplaces.js";

// The modules wire their own parts of the page, in this order.
function wire() {
  wireSession();
  wireBranch();
  wireServices();
  wireWorkplaces();
  wireCategories();
  wireProfiles();
  wirePreview();
  wireStaff();
  wireConfig();
  wireDevices();
}

async function start() {
  wire();
  if (!app.session.csrf || !app.session.user) {
    showLogin();
    return;
  }
  try {
    await enter();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    show("panel");
    say(errorText(error), "error");
  }
}

start();
