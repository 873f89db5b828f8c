// The API's first client: bearer token, JSON in and out, problem+json errors.

const TOKEN_KEY = "initiative.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super(describe(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

/** The sentence to show a DM for a problem+json body. */
function describe(status, problem) {
  if (!problem || typeof problem !== "object") return `Request failed (${status}).`;
  const first = Array.isArray(problem.errors) ? problem.errors[0] : null;
  if (first && first.msg && !problem.detail) {
    const where = Array.isArray(first.loc) ? first.loc.filter((p) => p !== "body").join(".") : "";
    return where ? `${where}: ${first.msg}` : first.msg;
  }
  return problem.detail || problem.title || `Request failed (${status}).`;
}

export const session = {
  get token() {
    return localStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

/** Called with the ApiError when a request is refused for a missing or stale token. */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * fetch() for the API. `version` becomes If-Match, so a stale console gets a 412
 * instead of acting on a state it has not seen.
 */
export async function api(path, { method = "GET", body, version, auth = true } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  const token = session.token;
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (version !== undefined && version !== null) headers["If-Match"] = String(version);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, { detail: "The server cannot be reached. Check the connection." });
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && auth) onUnauthorized(error);
    throw error;
  }
  return data;
}

/** ws:// or wss:// on this page's own host. */
export function socketUrl(path, params = {}) {
  const url = new URL(path, window.location.href);
  url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  return url.toString();
}
