// Talking to the API: HTTP Basic `Site\User:password` on every call, the credentials kept in
// sessionStorage only (this tab, until it closes or the user signs out), never in
// localStorage or a cookie.

const KEY = 'loquat.credentials';

/** An API call that did not succeed, with the server's own message. */
export class ApiError extends Error {
  constructor(status, message, retryAfter = null) {
    super(message);
    this.status = status;
    /** Seconds to wait, from `Retry-After` (429 and 503). */
    this.retryAfter = retryAfter;
  }
}

/** `{ site, user }` when signed in, else `null`. */
export function account() {
  const stored = credentials();
  return stored && { site: stored.site, user: stored.user };
}

function credentials() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}

/** Forgets the credentials. */
export function signOut() {
  sessionStorage.removeItem(KEY);
}

/**
 * Checks the credentials with one authenticated call and keeps them when they work.
 * Throws an {@link ApiError} (401, 403, 429…) otherwise, keeping nothing.
 */
export async function signIn(site, user, password) {
  const authorization = `Basic ${base64(`${site}\\${user}:${password}`)}`;
  await request('/api/bulk/2.0/syncActions?limit=1&totalResults=false', authorization);
  sessionStorage.setItem(KEY, JSON.stringify({ site, user, authorization }));
}

/** GETs `path` as the signed-in user and returns the JSON body. */
export async function get(path, signal) {
  const stored = credentials();
  if (!stored) throw new ApiError(401, 'Not signed in.');
  return request(path, stored.authorization, signal);
}

async function request(path, authorization, signal) {
  const response = await fetch(path, {
    headers: { Authorization: authorization, Accept: 'application/json' },
    // No cookies, and no browser sign-in prompt on a 401: the page shows the error itself.
    credentials: 'omit',
    cache: 'no-store',
    signal,
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** The error a response carries: Eloqua's JSON string, or its `failures` list. */
async function failure(response) {
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = JSON.parse(await response.text());
    if (typeof body === 'string') message = body;
    else if (Array.isArray(body?.failures)) {
      message = body.failures.map((f) => `${f.field}: ${f.constraint}`).join(' ');
    }
  } catch {
    // Not JSON: the status line says enough.
  }
  const retry = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return new ApiError(response.status, message, Number.isNaN(retry) ? null : retry);
}

/** Base64 of the UTF-8 bytes (`btoa` alone takes only Latin-1). */
function base64(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** What to tell the user about `error`, with the wait after a 429 or 503. */
export function describe(error) {
  if (!(error instanceof ApiError)) return `The server could not be reached (${error.message}).`;
  if (error.retryAfter !== null) {
    const at = new Date(Date.now() + error.retryAfter * 1000).toLocaleTimeString();
    return `${error.message} Try again in ${error.retryAfter} s (at ${at}).`;
  }
  return error.message;
}
