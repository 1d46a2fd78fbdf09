// The one way the page talks to the server: the public API, same origin.
//
// Sessions: the access token lives in this module's memory only. The refresh
// token is an HttpOnly cookie (Path=/api/auth/) set by POST /api/auth/login
// with {session: "cookie"}; refreshing sends the CSRF token, which the
// server also put in the readable cookie ig_csrf, as X-CSRF-Token. A reload
// therefore keeps the session without any token in storage a script can read.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.field = e.field || null;
    this.requestId = (body && body.request_id) || null;
  }
}

let access = null;
let refreshTimer = null;
let refreshing = null;
let currentUser = null;
const listeners = new Set();

export function user() {
  return currentUser;
}

export function signedIn() {
  return access !== null;
}

// onSession(fn): fn(user or null) after every sign-in, sign-out or profile change.
export function onSession(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function announce() {
  for (const fn of listeners) fn(currentUser);
}

export function setUser(u) {
  currentUser = u;
  announce();
}

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

function adopt(data) {
  access = data.access_token;
  currentUser = data.user || currentUser;
  clearTimeout(refreshTimer);
  // Refresh a minute before the access token ends (at least after 10 s).
  const ms = Math.max(10, (data.expires_in || 900) - 60) * 1000;
  refreshTimer = setTimeout(() => { refresh().catch(() => {}); }, ms);
  announce();
}

function forget() {
  access = null;
  currentUser = null;
  clearTimeout(refreshTimer);
  announce();
}

function query(params) {
  if (!params) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const str = q.toString();
  return str ? '?' + str : '';
}

async function errorOf(res) {
  let body = null;
  try { body = await res.json(); } catch (_) { /* not JSON */ }
  const err = new ApiError(res.status, body);
  // A 429 (and some 503s) say when to try again: seconds.
  err.retryAfter = Number(res.headers.get('Retry-After')) || null;
  return err;
}

// api(path, {method, body, query, headers, raw, signal}): the parsed JSON
// answer, or throws ApiError. body: an object (sent as JSON), FormData or
// Blob. raw: resolve to the Response itself (downloads). A 401 on a signed-in
// call refreshes the session once and repeats the call.
export async function api(path, opts = {}) {
  const { method = 'GET', body, headers = {}, raw = false, signal } = opts;
  const h = { Accept: 'application/json', ...headers };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob)) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (access) h.Authorization = 'Bearer ' + access;
  const res = await fetch(path + query(opts.query), {
    method, headers: h, body: payload, signal, credentials: 'same-origin',
  });
  if (res.status === 401 && access && !opts.retried) {
    if (await refresh().then(() => true, () => false)) return api(path, { ...opts, retried: true });
  }
  if (!res.ok) throw await errorOf(res);
  if (raw) return res;
  if (res.status === 204) return {};
  return res.json();
}

async function refreshOnce() {
  // Read inside the lock: another tab may just have rotated the cookies.
  const csrf = cookie('ig_csrf');
  if (!csrf) throw new ApiError(401, null);
  const res = await fetch('/api/auth/refresh', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
  });
  if (!res.ok) {
    forget();
    throw await errorOf(res);
  }
  adopt(await res.json());
}

// refresh(): a new access token from the refresh cookie. One request at a
// time in this page, and one at a time across the tabs of this origin (a
// Web Lock): the cookie's token can be spent once, and the server takes a
// second use of a spent token for theft and ends the session.
export function refresh() {
  if (!refreshing) {
    const run = navigator.locks ? navigator.locks.request('ig-refresh', refreshOnce) : refreshOnce();
    refreshing = run.finally(() => { refreshing = null; });
  }
  return refreshing;
}

// restore(): at page load, resume the session the cookie holds. Without the
// readable CSRF cookie there is no session to resume and nothing is asked.
export async function restore() {
  if (!cookie('ig_csrf')) return false;
  try {
    await refresh();
    return true;
  } catch (_) {
    return false;
  }
}

export async function login(who, password) {
  const data = await api('/api/auth/login', {
    method: 'POST', body: { username_or_email: who, password, session: 'cookie' },
  });
  adopt(data);
  return data.user;
}

export async function logout() {
  try {
    await api('/api/auth/logout', { method: 'POST' });
  } finally {
    forget();
  }
}

export function register(fields) {
  return api('/api/auth/register', { method: 'POST', body: fields });
}
