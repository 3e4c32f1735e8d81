import { ApplicationFailure } from '@temporalio/common';
import { HttpServiceError } from '../integrations/http-service-error';
import { JumpCloudError } from '../integrations/jumpcloud/jumpcloud-error';
import { classifySlackError } from '../integrations/slack/slack-error';

/**
 * Turns a JumpCloud error into the failure Temporal retries (or not). With `alwaysRetry`, even permanent errors
 * are retried: a revocation must eventually happen once an operator fixes the key or permissions. `type` names what
 * the failure means to the workflow, where it is more than a JumpCloud error.
 */
export function jumpCloudFailure(
  err: unknown,
  options: { alwaysRetry?: boolean; type?: string } = {},
): ApplicationFailure {
  if (!(err instanceof JumpCloudError)) return ApplicationFailure.fromError(err);
  return ApplicationFailure.create({
    message: err.message,
    type: options.type ?? 'JumpCloudError',
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

/** A ServiceNow, Jira or webhook error as the failure Temporal retries (within the audit budget) or not. */
export function auditSinkFailure(err: unknown): ApplicationFailure {
  if (!(err instanceof HttpServiceError)) return ApplicationFailure.fromError(err);
  return ApplicationFailure.create({
    message: err.message,
    type: err.name,
    nonRetryable: !err.retryable,
    nextRetryDelay: err.retryAfterMs,
    details: [{ status: err.status }],
  });
}
