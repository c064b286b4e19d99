// The API, with the sign-in cookie: reads, and the writes the dashboard makes (a reviewer's score,
// alert rules). A 401 sends the browser to the sign-in page.

import { withQuery } from './routes.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET `path` with the non-empty `params` as query string; resolves to the JSON body. */
export async function api(path, params = {}) {
  const url = new URL(withQuery(path, params), location.origin);
  return answer(await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

/**
 * `method` (POST, PATCH, DELETE) `path` with `body` as JSON; resolves to the JSON answer. The
 * browser marks it `Sec-Fetch-Site: same-origin`, which the collector requires of a change made
 * with the sign-in cookie.
 */
export async function send(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init = { method, credentials: 'same-origin', headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  return answer(await fetch(new URL(path, location.origin), init));
}

async function answer(res) {
  if (res.status === 401) {
    location.assign('/login');
    throw new ApiError(401, 'Sign in to see this page.');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: the status says enough.
  }
  if (!res.ok) throw new ApiError(res.status, (body && body.error) || `${res.status} ${res.statusText}`);
  return body;
}
