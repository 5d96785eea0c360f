// The one way the pages talk to the server: its public HTTP API, same origin, bearer token.
// Tokens live in sessionStorage only (never localStorage, a URL, a cookie or a log).
const KEY = "hippograph.tokens";

function tokens() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || "{}"); } catch { return {}; }
}
function saveToken(scope, token) {
  const all = tokens();
  all[scope] = token;
  if (!all["*"]) all["*"] = token;
  sessionStorage.setItem(KEY, JSON.stringify(all));
}
function dropToken(scope) {
  const all = tokens();
  if (all[scope] === all["*"]) delete all["*"];
  delete all[scope];
  sessionStorage.setItem(KEY, JSON.stringify(all));
}
function tokenFor(namespace) {
  const all = tokens();
  return all[namespace] || all["*"] || null;
}

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

let pending = null;  // one prompt at a time, shared by concurrent requests

function askToken(namespace, reason) {
  if (pending) return pending;
  const section = document.getElementById("auth");
  const form = document.getElementById("token-form");
  document.getElementById("token-scope").textContent = `namespace “${namespace}”`;
  document.getElementById("token-reason").textContent = reason;
  section.hidden = false;
  const input = form.elements.token;
  input.value = "";
  input.focus();
  pending = new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      input.value = "";
      section.hidden = true;
      form.onsubmit = null;
      pending = null;
      resolve(token);
    };
  });
  return pending;
}

// Call the API: path with query (namespace added), JSON body; asks for a token on 401/403.
export async function api(path, { method = "GET", body, namespace = "default", query = {} } = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, v);
  if (method === "GET" || method === "DELETE") params.set("namespace", namespace);
  const url = path + (params.toString() ? `?${params}` : "");
  for (;;) {
    const headers = { Accept: "application/json" };
    const token = tokenFor(namespace);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method, headers, credentials: "omit", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify({ ...body, namespace }),
    });
    if (response.status === 401 || (response.status === 403 && token)) {
      if (response.status === 401 && token) dropToken(tokens()[namespace] ? namespace : "*");
      const reason = response.status === 401
        ? (token ? "That token was refused. Enter it again." : "This server needs a token.")
        : `This token does not open namespace “${namespace}”.`;
      saveToken(namespace, await askToken(namespace, reason));
      continue;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, data.message || response.statusText);
    return data;
  }
}
