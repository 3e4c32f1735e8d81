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

/**
 * A 3xx answer. The clients send credentials, so they never follow one (fetch's `redirect: 'manual'`): a redirect is
 * a permanent failure of the call, and the credentials go only to the URL the operator configured.
 */
export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** The hint of a redirect: the configured URL is not the one that answers. */
export function redirectHint(urlVariable: string): string {
  return `a redirect, not followed so that the request goes nowhere but ${urlVariable}; set it to the URL that answers without one`;
}

/** What tells one service's failed HTTP answers apart; the message shape and Retry-After handling are shared. */
export interface HttpErrorRules {
  /** the service's name, the message's first word */
  service: string;
  /** the variable holding the service's URL, named when that URL answers with a redirect */
  urlVariable: string;
  /** whether trying again can help: the services disagree (JumpCloud's 501, Jira's 409) */
  isRetryable: (status: number) => boolean;
  /** the service's own error text from the body, else the body itself, shortened; '' for none */
  detail: (body: string) => string;
  /** what the operator should check, by status */
  hints: Readonly<Record<number, string>>;
}

/**
 * The function that turns a service's failed HTTP answer into its error class:
 * `<service> <method> <path> answered <status>[: <detail>][ (<hint>)]`. `path` is the URL path only, so hosts,
 * credentials and queries stay out of the message.
 */
export function httpErrorFactory<E extends HttpServiceError>(
  ErrorClass: new (message: string, status: number, retryable: boolean, retryAfterMs?: number) => E,
  rules: HttpErrorRules,
): (method: string, path: string, status: number, body: string, retryAfter: string | null) => E {
  return (method, path, status, body, retryAfter) => {
    const redirect = isRedirect(status);
    // A redirect's body is a page about the move, not the service's error.
    const detail = redirect ? '' : rules.detail(body);
    const what = `${rules.service} ${method} ${path} answered ${status}${detail ? `: ${detail}` : ''}`;
    const hint = rules.hints[status] ?? (redirect ? redirectHint(rules.urlVariable) : undefined);
    return new ErrorClass(
      hint ? `${what} (${hint})` : what,
      status,
      !redirect && rules.isRetryable(status),
      parseRetryAfter(retryAfter),
    );
  };
}
