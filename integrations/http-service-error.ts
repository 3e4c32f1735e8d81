/**
 * A failed call to one of the services this product talks to over HTTP (JumpCloud, ServiceNow, Jira, the audit
 * webhook), classified so callers know whether trying again can help. Each service has its own subclass, named after
 * it, so Temporal's failure type says which service failed.
 */
export abstract class HttpServiceError extends Error {
  constructor(
    message: string,
    /** undefined when no HTTP answer came (network failure, timeout) or the answer was unusable */
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
