import * as wf from '@temporalio/workflow';
import { slackActivities } from '../activity-options';
import { createAuditTrail } from '../audit/audit-trail';
import { type DriftAuditEvent } from '../audit/audit-types';
import { failureMessage } from '../failure-message';
import { countNotificationGivenUp } from '../grant-metrics';
import { type DriftAlert, type InsightsNotice, type ReconcilerState } from './reconciler-types';

/** A Slack alert's event as the audit event's kind. */
const AUDIT_KINDS = {
  found: 'found',
  removed: 'removed',
  'removal-failing': 'removal_failing',
  'removal-held': 'removal_held',
  kept: 'kept',
  ended: 'ended',
} as const satisfies Record<DriftAlert['event'], DriftAuditEvent['kind']>;

/**
 * What the reconciler tells the security channel and the audit sinks. Messages run one after another in the
 * background: they never hold up a removal or the next run, and one given up is counted, not retried forever.
 */
export function createSecurityChannel(
  state: ReconcilerState,
  notificationQueue: string | undefined,
  auditing: boolean,
) {
  // Every drift event has its own record in each sink, found again by the drift's key: nothing to keep here.
  const trail = createAuditTrail({
    budgetSeconds: state.config.timing?.auditBudgetSeconds,
    taskQueue: notificationQueue,
    records: () => ({}),
    onRecord: () => undefined,
    onGivenUp: (sink, event, error) => {
      state.auditFailures = (state.auditFailures ?? 0) + 1;
      wf.log.warn('Drift audit record given up', { sink, event: `${event.subject}.${event.kind}`, error });
    },
  });
  let chain: Promise<void> = Promise.resolve();
  const post = (what: string, send: (slack: ReturnType<typeof slackActivities>) => Promise<void>) => {
    const slack = slackActivities(notificationQueue, state.config.timing?.notificationBudgetSeconds);
    chain = chain
      .then(() => send(slack))
      .catch((err: unknown) => {
        state.alertFailures += 1;
        countNotificationGivenUp();
        wf.log.warn(`${what} given up`, { error: failureMessage(err) });
      });
  };

  return {
    /** A drift event: to the audit sinks at once, to Slack after the messages before it. */
    alert(message: DriftAlert): void {
      if (auditing) {
        trail.record({
          subject: 'drift',
          kind: AUDIT_KINDS[message.event],
          at: message.at,
          workflowId: wf.workflowInfo().workflowId,
          drift: message.drift,
          groupName: message.groupName,
          ...(message.reason && { reason: message.reason }),
          ...(message.bySlackUserId && { bySlackUserId: message.bySlackUserId }),
        });
      }
      post(`Drift alert (${message.event})`, (slack) => slack.postDriftAlert(state.config.securityChannel, message));
    },
    /** Directory Insights stopped or started answering. */
    notice(message: InsightsNotice): void {
      post('Directory Insights notice', (slack) => slack.postInsightsNotice(state.config.securityChannel, message));
    },
    /** Resolves once every message and audit record sent so far is done or given up. */
    async settled(): Promise<void> {
      await chain;
      await trail.settled();
    },
  };
}
