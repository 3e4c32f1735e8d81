import { ErrorCode } from '@slack/web-api';

export interface SlackFailure {
  message: string;
  /** False for errors no retry can fix (unknown channel, missing scope, bad token). */
  retryable: boolean;
  retryAfterMs?: number;
}

const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'request_timeout',
  'service_unavailable',
]);

/** Classifies an error thrown by @slack/web-api. */
export function classifySlackError(err: unknown): SlackFailure {
  const e = err as {
    code?: string;
    message?: string;
    retryAfter?: number;
    data?: { error?: string; needed?: string };
    statusCode?: number;
  };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return {
        message: `Slack rate-limited the call; retry after ${e.retryAfter ?? '?'}s`,
        retryable: true,
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
      };
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      const needed = e.data?.needed ? ` (needs scope ${e.data.needed})` : '';
      return { message: `Slack answered ${code}${needed}`, retryable: TRANSIENT_PLATFORM_ERRORS.has(code) };
    }
    case ErrorCode.HTTPError:
      return { message: `Slack answered HTTP ${e.statusCode ?? '?'}`, retryable: true };
    case ErrorCode.RequestError:
      return { message: `Slack could not be reached: ${e.message ?? 'request failed'}`, retryable: true };
    default:
      return { message: e.message ?? String(err), retryable: true };
  }
}

/** Whether Slack answered the call with this platform error code (e.g. users.info's `user_not_found`). */
export function isSlackPlatformError(err: unknown, code: string): boolean {
  const e = err as { code?: string; data?: { error?: string } };
  return e.code === ErrorCode.PlatformError && e.data?.error === code;
}
