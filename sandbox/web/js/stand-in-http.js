/*
 * HTTP to the Slack stand-in that serves this page (same origin) and to the JumpCloud stand-in (CORS allowed).
 */

/** @import { ControlResult } from './types.js' */

/**
 * The JSON at `url`; anything but 2xx throws, with the stand-in's reason when it gave one. The caller names the
 * shape it was promised (types.js).
 * @param {string} url
 * @returns {Promise<unknown>}
 */
export async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) {
    const detail = await response.json().then(
      (body) => (body && typeof body.message === 'string' ? `: ${body.message}` : ''),
      () => '',
    );
    throw new Error(`${url} answered HTTP ${response.status}${detail}`);
  }
  return response.json();
}

/**
 * POSTs to a Slack stand-in control route; never throws.
 * @param {string} path
 * @param {unknown} payload
 * @returns {Promise<ControlResult>}
 */
export async function control(path, payload) {
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const text = await response.text();
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { message: text };
    }
    return { ok: response.ok, status: response.status, body };
  } catch (error) {
    return { ok: false, status: 0, body: { message: String(error) } };
  }
}

/**
 * What Slack shows when the app did not acknowledge in time or answered an error; undefined when all went well.
 * @param {ControlResult} result
 */
export function appProblem(result) {
  if (!result.ok) return result.body?.message || `the stand-in answered HTTP ${result.status}`;
  const app = result.body;
  if (app?.ackDeadlineMissed) return 'the app did not answer within 3 seconds (operation_timeout)';
  if (app && app.status !== 200)
    return `the app answered HTTP ${app.status}${app.body ? `: ${app.body.slice(0, 200)}` : ''}`;
  return undefined;
}
