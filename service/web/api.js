// The dashboard's only road to the server: /api/v1 (and /config.json for
// the two settings the API does not expose).

const KEY_STORAGE = 'fabricpress.apiKey';
export const API = 'api/v1';

// ApiError is an error answer: {"error": {"code", "message", "details"}}.
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'http_' + status;
    this.details = details || [];
  }
}

let config = {threshold: 100, keysRequired: false};

export async function loadConfig() {
  try {
    const r = await fetch('config.json', {cache: 'no-store'});
    if (r.ok) config = {...config, ...(await r.json())};
  } catch {
    // keep the defaults: the API will tell (401) if a key is needed
  }
  return config;
}

export function getConfig() {
  return config;
}

export function getKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function setKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage may be disabled: the key then lasts for this page only
  }
  memoryKey = key;
}

let memoryKey = '';

function currentKey() {
  return getKey() || memoryKey;
}

// authHeaders are the headers every API request carries.
export function authHeaders(extra) {
  const hdr = new Headers(extra || {});
  const key = currentKey();
  if (key) hdr.set('Authorization', 'Bearer ' + key);
  return hdr;
}

// needsKey is true when EventSource cannot be used: the server wants a
// key and EventSource cannot send the Authorization header.
export function needsKey() {
  return !!config.keysRequired;
}

const unauthorized = new Set();

// onUnauthorized registers fn for 401 answers (the app shows the key form).
export function onUnauthorized(fn) {
  unauthorized.add(fn);
}

// request sends a request to the API and returns the Response; an error
// answer throws an ApiError.
export async function request(path, opts = {}) {
  const url = path.startsWith('/api/v1/') || path.startsWith(API + '/') ? apiPath(path) : API + path;
  let resp;
  try {
    resp = await fetch(url, {...opts, headers: authHeaders(opts.headers)});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check that fabricpress is running.');
  }
  if (!resp.ok) {
    let code = '', message = '', details = [];
    try {
      const body = await resp.json();
      if (body && body.error) ({code, message, details} = body.error);
    } catch {
      message = `${resp.status} ${resp.statusText}`;
    }
    const err = new ApiError(resp.status, code, message, details);
    if (resp.status === 401) unauthorized.forEach((fn) => fn(err));
    throw err;
  }
  return resp;
}

export async function json(path, opts) {
  const r = await request(path, opts);
  if (r.status === 204) return null;
  return r.json();
}

export function post(path, body, opts = {}) {
  const o = {method: 'POST', ...opts};
  if (body instanceof FormData) o.body = body;
  else if (body !== undefined) {
    o.body = JSON.stringify(body);
    o.headers = {'Content-Type': 'application/json', ...(opts.headers || {})};
  }
  return json(path, o);
}

// apiPath turns an API link ("/api/v1/jobs/x") into a path relative to
// the dashboard, so a dashboard served under a prefix keeps working.
export function apiPath(link) {
  return link.replace(/^\/?api\/v1/, API);
}

// filenameOf reads the file name of a Content-Disposition header.
export function filenameOf(resp, fallback) {
  const cd = resp.headers.get('Content-Disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  return m ? decodeURIComponent(m[1]) : fallback;
}

// saveBlob hands a blob to the browser as a download.
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return url;
}

// download fetches an API file with the key and saves it. Without a key a
// plain link is used instead (see downloadLink), which streams to disk.
export async function download(path, fallbackName) {
  const r = await request(path);
  const blob = await r.blob();
  saveBlob(blob, filenameOf(r, fallbackName));
}

// imageURL returns a URL an <img> can show for an API image: the path
// itself without a key, else an object URL of the fetched bytes.
export async function imageURL(path) {
  if (!currentKey()) return apiPath(path);
  const r = await request(path);
  return URL.createObjectURL(await r.blob());
}

// describe turns an error into one sentence for the page.
export function describe(err) {
  if (err instanceof ApiError) {
    const more = err.details && err.details.length ? ` (${err.details.join('; ')})` : '';
    return err.message + more;
  }
  return String(err && err.message || err);
}
