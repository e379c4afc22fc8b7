// What the device pages (kiosk, hall and counter displays) share: their token, from the
// address (`?token=`, for a device set up by hand) or from the pairing kept in this browser.

export const DEVICE_TOKEN = "talon.device";

export function deviceToken() {
  return new URLSearchParams(location.search).get("token") || localStorage.getItem(DEVICE_TOKEN) || "";
}

// Shows the page's "not paired" notice: the token is unknown or was revoked.
export function showUnpaired() {
  const notice = document.getElementById("unpaired");
  if (notice) notice.hidden = false;
}
