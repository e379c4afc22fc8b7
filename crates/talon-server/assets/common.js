// What every page's script shares: its texts, building elements, calling the API as staff
// (with the session cookie and the session's CSRF token) and the errors it answers, reading what
// a page keeps in the browser's storage, and a device's token.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    // The field a validation error concerns, as the server names it (e.g. `prefix`).
    this.field = field;
  }
}

// Calls `/api/v1` + `path`. Every change carries `csrf`; a session that is gone (401 anywhere
// but at sign-in) calls `onExpired` before the error is thrown. A network failure is an
// ApiError with status 0 and code `network`.
//
// The body is sent as JSON, unless `contentType` is given: then it is text sent as it is (a
// configuration file). With `textAnswer` a successful answer is returned as text, not parsed;
// errors are JSON either way.
//
// `page` names the staff page whose session cookie the request goes with (`admin`, `operator`):
// each page keeps its own, so one browser can be signed in to both.
export async function callApi(method, path, body, { csrf, onExpired, contentType, textAnswer = false, page }) {
  const headers = {};
  if (page) headers["X-Talon-Page"] = page;
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined || contentType ? body : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "network", String(error));
  }
  if (response.status === 204) return null;
  if (response.ok && textAnswer) return response.text();
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      data?.error?.code || `http_${response.status}`,
      data?.error?.message || response.statusText,
      data?.error?.field,
    );
    if (response.status === 401 && path !== "/auth/login") onExpired();
    throw error;
  }
  return data;
}

// A JSON value kept under `key`, or null when there is none or it does not parse.
export function readStored(storage, key) {
  try {
    return JSON.parse(storage.getItem(key));
  } catch {
    return null;
  }
}

// The page's texts from its `#texts` data block, and `t(key, values)` filling `{name}`s.
export function pageTexts() {
  const texts = JSON.parse(document.getElementById("texts").textContent);
  const t = (key, values = {}) => {
    let text = texts[key] ?? key;
    for (const [name, value] of Object.entries(values)) {
      text = text.replaceAll(`{${name}}`, String(value));
    }
    return text;
  };
  return { texts, t };
}

// An element with attributes (`class` and `text` set className and textContent; `true` is a
// bare attribute; undefined, null and false leave it out) and children.
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// A device page's token (kiosk, hall and counter displays): from the address (`?token=`, for a
// device set up by hand) or from the pairing kept in this browser.
export const DEVICE_TOKEN = "talon.device";

export function deviceToken() {
  return new URLSearchParams(location.search).get("token") || localStorage.getItem(DEVICE_TOKEN) || "";
}

// Shows the page's "not paired" notice: the token is unknown or was revoked.
export function showUnpaired() {
  const notice = document.getElementById("unpaired");
  if (notice) notice.hidden = false;
}
