import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Cap on the backoff between JumpCloud retries unless the input's timing says otherwise. */
export const DEFAULT_MEMBERSHIP_RETRY_MAX_INTERVAL_SECONDS = 60;
/** How long one Slack message keeps retrying unless the input's timing says otherwise. */
const DEFAULT_NOTIFICATION_BUDGET_SECONDS = 3600;

/**
 * A membership change's timeout and retries: backoff capped at `maxIntervalSeconds` and no attempt limit, so it
 * retries until it happens (or, where the caller adds a scheduleToClose, until then).
 */
export function membershipChangeOptions(maxIntervalSeconds = DEFAULT_MEMBERSHIP_RETRY_MAX_INTERVAL_SECONDS) {
  return {
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: `${Math.min(1, maxIntervalSeconds)} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${maxIntervalSeconds} seconds`,
    },
  } as const;
}

/**
 * Slack messages: retried for `budgetSeconds`, then given up (counted by the caller). On `taskQueue` when given (the
 * notification queue), else on the workflow's own queue (workflows started before that queue existed).
 */
export function slackActivities(taskQueue: string | undefined, budgetSeconds = DEFAULT_NOTIFICATION_BUDGET_SECONDS) {
  return wf.proxyActivities<Activities>({
    ...(taskQueue && { taskQueue }),
    startToCloseTimeout: '15 seconds',
    scheduleToCloseTimeout: `${budgetSeconds} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
}
