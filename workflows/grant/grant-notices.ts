import * as wf from '@temporalio/workflow';
import { type slackActivities } from '../activity-options';
import { failureMessage } from '../failure-message';
import { countNotificationGivenUp } from '../grant-metrics';
import { type GrantState } from './grant-types';

export type SlackCalls = ReturnType<typeof slackActivities>;

/**
 * The grant's Slack messages. They run one after another in the background: they never delay or undo a membership
 * change, and their order in Slack follows the grant's order. One that keeps failing past its budget is given up,
 * counted in the state and in metrics.
 */
export class GrantNotices {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  /** `oneAnnouncement`: after a change, the approvers' message and the requester's DM go as one activity. */
  constructor(
    private readonly state: GrantState,
    private readonly slack: SlackCalls,
    private readonly oneAnnouncement: boolean,
  ) {}

  /** Queues `send` behind every message queued before it. */
  notify(what: string, send: () => Promise<unknown>): void {
    this.pending += 1;
    this.chain = this.chain.then(send).then(
      () => {
        this.pending -= 1;
      },
      (err: unknown) => {
        this.pending -= 1;
        this.state.notificationFailures += 1;
        countNotificationGivenUp();
        wf.log.warn('Slack notification given up', { what, error: failureMessage(err) });
      },
    );
  }

  /** True when every message queued so far has been sent or given up. */
  idle(): boolean {
    return this.pending === 0;
  }

  /** Resolves once every message queued so far has been sent or given up. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** The approvers' message (or, for break-glass, the alert) brought up to date. */
  refreshApprovalMessage(): void {
    const { state, slack } = this;
    const snapshot = { ...state };
    this.notify('update approval message', async () => {
      if (state.approvalMessage) await slack.updateApprovalMessage(state.approvalMessage, snapshot);
      // A break-glass grant has the alert instead of an approval message.
      if (state.breakGlassAlert) await slack.updateBreakGlassAlert(state.breakGlassAlert, snapshot);
    });
  }

  /** After a change of status: the approvers' message (or alert) brought up to date, and the requester told. */
  announce(): void {
    const { state, slack } = this;
    if (!this.oneAnnouncement) {
      this.refreshApprovalMessage();
      const snapshot = { ...state };
      this.notify('message requester', () => slack.notifyRequester(snapshot));
      return;
    }
    const snapshot = { ...state };
    // The message references as they are when the announcement's turn comes (the approval request may still be
    // ahead of it in the chain when it is queued).
    this.notify('update the messages and tell the requester', () =>
      slack.announceGrant({
        ...snapshot,
        approvalMessage: state.approvalMessage,
        breakGlassAlert: state.breakGlassAlert,
      }),
    );
  }
}
