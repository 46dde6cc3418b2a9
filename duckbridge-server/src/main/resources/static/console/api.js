// HTTP access to the Duckbridge API: the API key from session storage as a Bearer token, and
// RFC 9457 problem bodies turned into ApiError (errorClass, position, status).

const KEY = 'duckbridge.apiKey';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errorClass = problem.errorClass || (status === 401 ? 'PERMISSION' : 'INTERNAL');
    this.position = problem.position;
  }
}

let onUnauthorized = () => {};

export const auth = {
  key: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
  onUnauthorized: (fn) => { onUnauthorized = fn; },
};

/** fetch() with the API key; throws ApiError for any non-2xx answer. */
export async function request(path, { method = 'GET', body, accept = 'application/json', signal, requestId } = {}) {
  const headers = { Accept: accept };
  if (requestId) headers['X-Request-Id'] = requestId;
  const key = auth.key();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    // fetch rejects with a bare TypeError when the server cannot be reached: give it a class like the API's
    throw new ApiError(0, { errorClass: 'NETWORK', detail: error.message });
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { problem = { detail: response.statusText }; }
    const error = new ApiError(response.status, problem);
    if (response.status === 401) onUnauthorized(error);
    throw error;
  }
  return response;
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

export async function postJson(path, body, options = {}) {
  return (await request(path, { ...options, method: 'POST', body })).json();
}

/** "CLASS: message" for an error shown to the user; errors that are not the API's have no class of their own. */
export function describe(error) {
  return `${error.errorClass || 'ERROR'}: ${error.message}`;
}

/** Whether the endpoint is absent on this server (a feature not installed). */
export function missing(error) {
  return error instanceof ApiError && error.status === 404 && error.errorClass === 'NOT_FOUND';
}

/**
 * One identifier as the server's table-name parser (TableName.parse) and SQL read it: as it is when it is a
 * plain lower-case identifier, otherwise in double quotes with inner quotes doubled ("a.b", "Orders").
 */
export function quoteIdent(part) {
  return /^[a-z_][a-z0-9_]*$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`;
}

/** schema.table with each part quoted when needed; an empty schema leaves the table alone. */
export function qualifiedName(schema, name) {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function isAdmin() {
  return document.body.dataset.role === 'admin';
}

export function formatBytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A new request id (letters, digits and dashes, as the server accepts), to cancel the request by. */
export function newRequestId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID exists only in secure contexts (https or localhost)
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
