// Pairing a kiosk or screen: the code an administrator created becomes the device's token,
// kept in this browser's storage (the device pages read it from there), and the device's page
// opens. A wrong or expired code is said so; nothing is stored.

import { DEVICE_TOKEN, pageTexts } from "./common.js";

const { t } = pageTexts();
const form = document.getElementById("pair-form");
const message = document.getElementById("message");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  message.hidden = true;
  const code = document.getElementById("code").value;
  try {
    const response = await fetch("/api/v1/pair", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const key = answer.error && answer.error.code === "rate_limited" ? "error_rate_limited" : "pair_invalid";
      message.textContent = t(response.status === 404 || response.status === 429 ? key : "pair_failed");
      message.hidden = false;
      return;
    }
    localStorage.setItem(DEVICE_TOKEN, answer.token);
    location.replace(answer.page);
  } catch (error) {
    message.textContent = t("pair_failed");
    message.hidden = false;
  }
});
