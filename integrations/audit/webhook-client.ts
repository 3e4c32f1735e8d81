import { createHmac } from 'node:crypto';
import { HttpServiceError, isRedirect, parseRetryAfter, redirectHint } from '../http-service-error';
import { withTimeout } from '../json-request';

/** The headers a receiver checks (docs/audit-trail.md shows how). */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-jit-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-jit-signature';
export const WEBHOOK_EVENT_ID_HEADER = 'x-jit-event-id';

/**
 * `v1=` and the hex HMAC-SHA256, keyed with the shared secret, of `v1:<timestamp>:<body>`: the scheme Slack uses
 * for its own requests, so receivers that verify Slack verify this the same way.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

/** A webhook delivery that failed, classified so Temporal knows whether to try again. */
export class WebhookError extends HttpServiceError {
  override readonly name = 'WebhookError';
}

export interface WebhookClientOptions {
  url: string;
  secret: string;
  timeoutMs?: number;
  /** Seconds since the epoch; tests pin it. */
  now?: () => number;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429]);

/** Posts signed JSON events to one URL. Built once by the worker; the URL may carry a token, so it is never logged. */
export class WebhookClient {
  constructor(private readonly options: WebhookClientOptions) {}

  async send(eventId: string, payload: unknown, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(payload);
    // Signed afresh at every attempt, so a retry is never refused as stale.
    const timestamp = String(Math.floor(this.options.now?.() ?? Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
          [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(this.options.secret, timestamp, body),
          [WEBHOOK_EVENT_ID_HEADER]: eventId,
        },
        body,
        // A redirect comes back as it is, never followed with the signed event: the delivery fails for good below.
        redirect: 'manual',
        signal: withTimeout(this.options.timeoutMs ?? 10_000, signal),
      });
    } catch (err) {
      const reason = err instanceof Error ? err.name : 'error';
      throw new WebhookError(
        `The audit webhook could not be reached (${reason}); check AUDIT_WEBHOOK_URL`,
        undefined,
        true,
      );
    }
    await response.body?.cancel();
    if (response.ok) return;
    const retryable = response.status >= 500 || RETRYABLE_STATUSES.has(response.status);
    throw new WebhookError(
      `The audit webhook answered ${response.status}${operatorHint(response.status)}`,
      response.status,
      retryable,
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
}

function operatorHint(status: number): string {
  if (isRedirect(status)) return ` (${redirectHint('AUDIT_WEBHOOK_URL')})`;
  return status === 401 || status === 403 ? ' (check AUDIT_WEBHOOK_SECRET)' : '';
}
