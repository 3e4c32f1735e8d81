import { ApplicationFailure } from '@temporalio/common';
import { JumpCloudError } from '../integrations/jumpcloud/jumpcloud-error';
import { classifySlackError } from '../integrations/slack/slack-error';

/**
 * Turns a JumpCloud error into the failure Temporal retries (or not). With `alwaysRetry`, even permanent errors
 * are retried: a revocation must eventually happen once an operator fixes the key or permissions.
 */
export function jumpCloudFailure(err: unknown, options: { alwaysRetry?: boolean } = {}): ApplicationFailure {
  if (!(err instanceof JumpCloudError)) return ApplicationFailure.fromError(err);
  return ApplicationFailure.create({
    message: err.message,
    type: 'JumpCloudError',
    nonRetryable: !err.retryable && !options.alwaysRetry,
    nextRetryDelay: err.retryAfterMs,
    details: [{ status: err.status }],
  });
}

export function slackFailure(err: unknown): ApplicationFailure {
  const failure = classifySlackError(err);
  return ApplicationFailure.create({
    message: failure.message,
    type: 'SlackError',
    nonRetryable: !failure.retryable,
    nextRetryDelay: failure.retryAfterMs,
  });
}
