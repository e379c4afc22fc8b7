// Devices: the kiosks and screens paired with the branch, pairing a new one with a one-time
// code, and revoking one.

import { element } from "./common.js";
import { button, clockTime, dateTime, option } from "./admin-format.js";
import { confirmAction, submit } from "./admin-forms.js";
import { api, app, byId, errorText, say, t } from "./admin-state.js";

const PAIRING_POLL_MS = 3000;
let devices = [];
let pairingTimer = null;

export async function renderDevices() {
  devices = await api("GET", `/branches/${app.session.branch}/devices`);
  const pairings = await api("GET", `/branches/${app.session.branch}/pairings`);
  const voided = byId("pairings-voided");
  voided.hidden = !pairings.voided;
  if (pairings.voided) {
    voided.textContent = t("admin_pairings_voided", {
      time: dateTime(pairings.voided.at),
      guesses: pairings.voided.wrong_guesses,
      codes: pairings.voided.codes,
    });
  }
  const body = byId("device-list");
  body.replaceChildren(
    ...devices.map((device) => {
      const revoke = button(t("admin_revoke"), "danger small revoke", () => revokeDevice(device), { "data-device": device.id });
      const printer = device.printer ? ` · ${t("admin_printer_short", { address: device.printer.address })}` : "";
      return element(
        "tr",
        { "data-id": device.id },
        element("td", { text: device.name || "—" }),
        element("td", { text: `${t(`admin_device_${device.role}`)}${printer}` }),
        element("td", { text: dateTime(device.created_at) }),
        element("td", { class: "actions" }, revoke),
      );
    }),
  );
  if (!devices.length) body.append(element("tr", { class: "empty" }, element("td", { colspan: "4", text: t("admin_no_devices") })));
  const workplace = byId("pairing-workplace");
  const chosen = workplace.value;
  workplace.replaceChildren(
    option("", t("admin_hall_display")),
    ...app.config.workplaces.map((w) => option(w.id, t("admin_counter_display", { name: w.name }), String(w.id) === chosen)),
  );
  renderPairingRole();
}

function renderPairingRole() {
  const kiosk = byId("pairing-role").value === "kiosk";
  const form = byId("pairing-form");
  form.querySelector(".display-only").hidden = kiosk;
  form.querySelector(".kiosk-only").hidden = !kiosk;
  byId("pairing-printer").hidden = !byId("pairing-has-printer").checked;
}

function checkPairing() {
  const problems = [];
  const role = byId("pairing-role").value;
  const name = byId("pairing-name").value.trim();
  if (!name) problems.push(["name", "admin_required"]);
  const body = { role, name };
  if (role === "display" && byId("pairing-workplace").value) body.workplace = Number(byId("pairing-workplace").value);
  if (role === "kiosk" && byId("pairing-has-printer").checked) {
    const address = byId("pairing-printer-address").value.trim();
    if (!/^[^\s:]+:\d{1,5}$/.test(address)) problems.push(["printer.address", null]);
    body.printer = {
      address,
      paper_mm: Number(byId("pairing-printer-paper").value),
      code_page: byId("pairing-printer-code-page").value,
    };
  }
  return { body, problems };
}

async function createPairing(event) {
  event.preventDefault();
  await submit(byId("pairing-form"), checkPairing, async (body) => {
    const pairing = await api("POST", `/branches/${app.session.branch}/pairings`, body);
    const digits = pairing.code;
    byId("pairing-code").textContent = `${digits.slice(0, 4)} ${digits.slice(4)}`;
    byId("pairing-where").textContent = t("admin_pair_where", { url: `${location.origin}/pair` });
    byId("pairing-expires").textContent = t("admin_pair_expires", { time: clockTime(pairing.expires_at) });
    byId("pairing-done").hidden = true;
    byId("pairing").hidden = false;
    watchPairing(pairing, new Set(devices.map((d) => d.id)));
  });
}

// Until the code is used or expires, looks for the device it pairs, so the list shows it.
function watchPairing(pairing, known) {
  stopPairingPoll();
  const expires = new Date(pairing.expires_at).getTime();
  const poll = async () => {
    if (Date.now() > expires) {
      byId("pairing-expires").textContent = t("admin_pair_expired");
      return;
    }
    try {
      const listed = await api("GET", `/branches/${app.session.branch}/devices`);
      const paired = listed.find((d) => !known.has(d.id) && d.name === pairing.name);
      if (paired) {
        await renderDevices();
        byId("pairing-done").textContent = t("admin_pair_done", { name: paired.name });
        byId("pairing-done").hidden = false;
        byId("pairing-expires").textContent = "";
        return;
      }
    } catch {
      // A failed look is tried again with the next one.
    }
    pairingTimer = setTimeout(poll, PAIRING_POLL_MS);
  };
  pairingTimer = setTimeout(poll, PAIRING_POLL_MS);
}

export function stopPairingPoll() {
  clearTimeout(pairingTimer);
  pairingTimer = null;
}

async function revokeDevice(device) {
  const name = device.name || `#${device.id}`;
  const ok = await confirmAction(t("admin_revoke_title", { name }), t("admin_revoke_text"), t("admin_revoke"));
  if (!ok) return;
  try {
    await api("DELETE", `/branches/${app.session.branch}/devices/${device.id}`);
    await renderDevices();
    say(t("admin_revoked", { name }));
  } catch (error) {
    say(errorText(error), "error");
  }
}

export function wireDevices() {
  byId("device-refresh").addEventListener("click", () => renderDevices().catch((error) => say(errorText(error), "error")));
  byId("pairing-form").addEventListener("submit", createPairing);
  byId("pairing-role").addEventListener("change", renderPairingRole);
  byId("pairing-has-printer").addEventListener("change", renderPairingRole);
}
