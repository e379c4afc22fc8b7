// What the staff pages (the operator's workstation, the admin panel) share: calling the API
// with the session cookie and the session's CSRF token, the errors it answers, and reading
// what a page keeps in the browser's storage.

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
export async function callApi(method, path, body, { csrf, onExpired, contentType, textAnswer = false }) {
  const headers = {};
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
