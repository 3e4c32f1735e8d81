import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type WebClient } from '@slack/web-api';
import {
  breakGlassAlertMessage,
  breakGlassUnreviewedMessage,
} from '../integrations/slack/block-kit/break-glass-messages';
import { driftAlertMessage, insightsNoticeMessage } from '../integrations/slack/block-kit/drift-alerts';
import { type SlackMessage } from '../integrations/slack/block-kit/elements';
import { extensionNotice, extensionRequestMessage } from '../integrations/slack/block-kit/extension-messages';
import {
  approvalMessage,
  reminderNotice,
  removedOutsideNotice,
  requesterNotice,
} from '../integrations/slack/block-kit/grant-messages';
import {
  escalationElsewhere,
  escalationReminder,
  escalationToRequester,
} from '../integrations/slack/block-kit/escalation-messages';
import { type EscalationStep, type GrantState, type SlackMessageRef } from '../workflows/grant/grant-types';
import { type DriftAlert, type InsightsNotice } from '../workflows/reconciler/reconciler-types';
import { slackFailure } from './failures';

/** Slack side effects of a grant and of the reconciler. Each call is one Web API request; Temporal owns the retries. */
export function createSlackNotificationActivities(slack: WebClient) {
  /** Posts `message`; a user ID as `channel` opens (or reuses) the bot's DM with that user. */
  async function post(channel: string, message: SlackMessage): Promise<SlackMessageRef> {
    try {
      const result = await slack.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
      return { channel: result.channel ?? channel, ts: result.ts ?? '' };
    } catch (err) {
      throw slackFailure(err);
    }
  }

  async function update(ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    try {
      await slack.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
    } catch (err) {
      throw slackFailure(err);
    }
  }

  return {
    postApprovalRequest: (state: GrantState): Promise<SlackMessageRef> =>
      post(state.approvalChannel, approvalMessage(state, callingRunId())),

    updateApprovalMessage: (ref: SlackMessageRef, state: GrantState): Promise<void> =>
      update(ref, approvalMessage(state, callingRunId())),

    /** A direct message to the requester describing the grant's current state. */
    async notifyRequester(state: GrantState): Promise<void> {
      await post(state.requester.slackUserId, requesterNotice(state, callingRunId()));
    },

    /**
     * What follows a change of status, in one activity: the approval message and the break-glass alert (whichever the
     * grant has) brought up to date, then the requester's DM. The updates are idempotent, so a retry after a failed DM
     * repeats them harmlessly; an update Slack refuses for good (a deleted message) does not keep the DM from going.
     */
    async announceGrant(state: GrantState): Promise<void> {
      const runId = callingRunId();
      let refused: unknown;
      const updateUnlessGone = async (ref: SlackMessageRef | undefined, message: () => SlackMessage) => {
        if (!ref) return;
        try {
          await update(ref, message());
        } catch (err) {
          if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
          refused = err;
        }
      };
      await updateUnlessGone(state.approvalMessage, () => approvalMessage(state, runId));
      await updateUnlessGone(state.breakGlassAlert, () => breakGlassAlertMessage(state, runId));
      await post(state.requester.slackUserId, requesterNotice(state, runId));
      if (refused) throw refused;
    },

    /** A drift alert in the security channel. */
    async postDriftAlert(channel: string, alert: DriftAlert): Promise<void> {
      await post(channel, driftAlertMessage(alert));
    },

    /** Directory Insights stopped (or started again) answering the reconciler: said once in the security channel. */
    async postInsightsNotice(channel: string, notice: InsightsNotice): Promise<void> {
      await post(channel, insightsNoticeMessage(notice));
    },

    /** An extension request in the approval channel, with Approve / Reject for this run's extension. */
    postExtensionRequest: (state: GrantState, extensionId: number): Promise<SlackMessageRef> =>
      post(state.approvalChannel, extensionRequestMessage(state, extensionId, callingRunId())),

    updateExtensionRequest: (ref: SlackMessageRef, state: GrantState, extensionId: number): Promise<void> =>
      update(ref, extensionRequestMessage(state, extensionId, callingRunId())),

    /** A direct message to the requester about their extension request. */
    async notifyExtension(state: GrantState, extensionId: number): Promise<void> {
      await post(state.requester.slackUserId, extensionNotice(state, extensionId));
    },

    /** The break-glass alert in the group's alert channel, mentioning the approvers, with Acknowledge / Revoke now. */
    postBreakGlassAlert: (state: GrantState): Promise<SlackMessageRef> =>
      post(state.breakGlassAlertChannel ?? state.approvalChannel, breakGlassAlertMessage(state, callingRunId())),

    updateBreakGlassAlert: (ref: SlackMessageRef, state: GrantState): Promise<void> =>
      update(ref, breakGlassAlertMessage(state, callingRunId())),

    /** The second, louder alert (`<!channel>`, UNREVIEWED) when nobody acknowledged the grant in time. */
    async postBreakGlassUnreviewed(state: GrantState): Promise<void> {
      await post(state.breakGlassAlertChannel ?? state.approvalChannel, breakGlassUnreviewedMessage(state));
    },

    /**
     * An escalation step: the reminder in the request's thread (or its channel, when the request message is not there
     * yet), the step's other channel, and the requester's DM.
     */
    async escalateApproval(state: GrantState, step: EscalationStep): Promise<void> {
      const reminder = escalationReminder(state, step);
      try {
        await slack.chat.postMessage({
          channel: state.approvalMessage?.channel ?? state.approvalChannel,
          ...(state.approvalMessage && { thread_ts: state.approvalMessage.ts }),
          text: reminder.text,
          blocks: reminder.blocks,
        });
      } catch (err) {
        throw slackFailure(err);
      }
      if (step.channel) await post(step.channel, escalationElsewhere(state, step));
      await post(state.requester.slackUserId, escalationToRequester(state, step));
    },

    /** To the requester: their membership was removed outside JIT access and will not be re-added. */
    async tellRemovedOutside(state: GrantState): Promise<void> {
      await post(state.requester.slackUserId, removedOutsideNotice(state));
    },

    /** The reminder before expiry, to the requester, with Extend and End now for this run. */
    async remindRequester(state: GrantState): Promise<void> {
      await post(state.requester.slackUserId, reminderNotice(state, callingRunId()));
    },
  };
}

/** The run of the grant workflow that scheduled this activity; its buttons must target exactly that run. */
function callingRunId(): string | undefined {
  return activityInfo().workflowExecution?.runId;
}
